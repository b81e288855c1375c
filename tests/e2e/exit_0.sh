#!/bin/bash
# The payload's exit code 0 comes back as ktinit-run's status.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run -- /bin/sh -c "exit 0"
assert_status 0
assert_contains "$E2E_LOGS/com2.log" "ktinit: exit code 0"
e2e_done
