#!/bin/bash
# [test] timeout_s, set from the kernel command line, ends a payload that
# runs too long with exit 124 and says so.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --append ktinit.test.timeout_s=2 -- sleep 30
assert_status 124
if ! grep -q "timed out" "$E2E_LOGS/stderr" "$E2E_LOGS/com2.log"; then
	e2e_fail "no \"timed out\" message in stderr or com2.log"
fi
e2e_done
