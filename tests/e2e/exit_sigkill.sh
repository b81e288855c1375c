#!/bin/bash
# A payload killed by SIGKILL reports 128+9 = 137.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run -- /bin/sh -c 'kill -9 $$'
assert_status 137
assert_contains "$E2E_LOGS/com2.log" 'ktinit: exit code 137'
e2e_done
