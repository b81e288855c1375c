#!/bin/bash
# --exec: a burst of output right before the command exits arrives whole;
# ktinit-run drains hvc0 after QEMU is gone, so the reboot loses nothing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --exec 'seq 1 8000; printf tail; exit 0'
assert_status 0
want="$E2E_LOGS/want"
{
	seq 1 8000
	printf tail
} >"$want"
assert_same_data "$E2E_LOGS/stdout" "$want"
e2e_done
