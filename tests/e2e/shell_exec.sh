#!/bin/bash
# --exec: shell mode runs one command on hvc0; its stdout and stderr come
# back on ktinit-run's stdout byte for byte (OPOST off: no "\r") and its
# exit code, sent as EXCX, is ktinit-run's status.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --exec 'echo a; printf b >&2; exit 3'
assert_status 3
assert_file_is "$E2E_LOGS/stdout" $'a\nb'
assert_contains "$E2E_LOGS/stderr" "EXCX 3"
assert_contains "$E2E_LOGS/com2.log" "ktinit: exit code 3"
e2e_done
