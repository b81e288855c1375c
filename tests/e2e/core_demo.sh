#!/bin/bash
# The README's demo payload (make demo) runs in the guest and its verdict
# comes back: CPU shares of nice 0 vs nice 5 match CFS's weight ratio.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --include "$abs_top_builddir/demo/nice_share" -- nice_share 3
assert_status 0
assert_contains "$E2E_LOGS/stdout" "holds (within 25%)"
e2e_done
