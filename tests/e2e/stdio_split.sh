#!/bin/bash
# stdout and stderr stay separate: SOUT to stdout, SERR to stderr.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run -- sh -c 'echo out; echo err >&2; exit 7'
assert_status 7
assert_file_is "$E2E_LOGS/stdout" $'out\n'
assert_contains "$E2E_LOGS/stderr" err
e2e_done
