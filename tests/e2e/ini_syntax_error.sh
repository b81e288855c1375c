#!/bin/bash
# A syntax error in the INI is reported with file:line on COM2; the payload
# still runs and its code comes back.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
ini="$E2E_LOGS.ini"
mkdir -p -- "$(dirname -- "$ini")"
printf "%s\n" "; e2e: line 3 is not INI" "[init]" "this is not ini" "log_level = info" >"$ini"
e2e_run --config "$ini" -- /bin/sh -c "echo ran; exit 9"
assert_status 9
assert_contains "$E2E_LOGS/com2.log" "ktinit.ini:3"
assert_file_is "$E2E_LOGS/stdout" $'ran\n'
e2e_done
