#!/bin/bash
# --exec: a command killed by signal 9 gives 128+9, as a shell reports it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
# shellcheck disable=SC2016 # $$ is the guest shell's pid
e2e_run --exec 'echo before; kill -9 $$; echo after'
assert_status 137
assert_file_is "$E2E_LOGS/stdout" $'before\n'
assert_contains "$E2E_LOGS/stderr" "EXCX 137"
e2e_done
