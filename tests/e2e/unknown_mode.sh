#!/bin/bash
# An unknown mode ends with exit 127 and a COM2 line naming it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --mode nosuchmode -- true
assert_status 127
assert_contains "$E2E_LOGS/com2.log" nosuchmode
e2e_done
