#!/bin/bash
# 4 MiB of payload stdout arrive byte-identical (busybox seq in the guest,
# coreutils seq on the host).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
N=616000 # seq 1 N prints a little over 4 MiB
e2e_require_boot
e2e_run -- seq 1 "$N"
assert_status 0
seq 1 "$N" >"$E2E_LOGS/expected"
assert_same_data "$E2E_LOGS/stdout" "$E2E_LOGS/expected"
size=$(wc -c <"$E2E_LOGS/stdout")
if [[ "$size" -lt 4194304 ]]; then
	e2e_fail "stdout: expected at least 4 MiB, got $size bytes"
fi
assert_not_contains "$E2E_LOGS/stderr" "bulk stream:"
e2e_done
