#!/bin/bash
# The largest exit code, 255, comes back unchanged.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run -- /bin/sh -c "exit 255"
assert_status 255
assert_contains "$E2E_LOGS/com2.log" "ktinit: exit code 255"
e2e_done
