#!/bin/bash
# A sentinel that is not there (as after a truncated initramfs) is a FATAL
# line with the kernel log on COM2, a DMSG frame and EXIT 120.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --append ktinit.init.sentinel=/no-such-sentinel -- /bin/sh -c 'echo must-not-run'
assert_status 120
assert_contains "$E2E_LOGS/com2.log" "FATAL: /no-such-sentinel missing"
assert_contains "$E2E_LOGS/com2.log" "Linux version"
assert_not_contains "$E2E_LOGS/stdout" "must-not-run"
"$abs_top_builddir/tools/ktinit-decode" "$E2E_LOGS/bulk.bin" > "$E2E_LOGS/decoded" || true
assert_contains "$E2E_LOGS/decoded" "DMSG"
assert_contains "$E2E_LOGS/decoded" "EXIT 120"
e2e_done
