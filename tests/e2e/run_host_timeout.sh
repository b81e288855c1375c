#!/bin/bash
# ktinit-run --timeout kills a guest that never finishes, exits 240 and
# says where the guest got to, with the tails of console.log and com2.log.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
incl=$(mktemp -d)
trap 'rm -rf -- "$incl"' EXIT
{
	e2e_frame SRDY
	e2e_frame LIFE '\x02'
} >"$incl/frames.bin"
# shellcheck disable=SC2016 # $BULK expands in the guest
e2e_stub_base "$E2E_LOGS.base.cpio" 'cat /include-files/frames.bin > $BULK
echo "stand-in: sleeping forever" > /dev/ttyS1
sleep 100000'
start=$(date +%s)
e2e_run --initramfs "$E2E_LOGS.base.cpio" --include "$incl/frames.bin" --timeout 20
took=$(($(date +%s) - start))
assert_status 240
assert_contains "$E2E_LOGS/stderr" "timeout"
assert_contains "$E2E_LOGS/stderr" "LIFE PayloadStarting"
assert_contains "$E2E_LOGS/stderr" "stand-in: sleeping forever"
if [[ "$took" -gt 35 ]]; then
	e2e_fail "ktinit-run took ${took}s to give up after a 20s timeout"
fi
e2e_done
