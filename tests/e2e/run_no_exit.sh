#!/bin/bash
# When QEMU ends without an EXIT frame, ktinit-run exits 241 and shows the
# FATAL/PANIC lines of COM2 and where the guest got to. A stand-in /init
# sends SRDY and LIFE PayloadStarting, writes a FATAL line and reboots.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
incl=$(mktemp -d)
trap 'rm -rf -- "$incl"' EXIT
{
	e2e_frame SRDY
	e2e_frame LIFE '\x02stand-in'
} >"$incl/frames.bin"
# shellcheck disable=SC2016 # $BULK expands in the guest
e2e_stub_base "$E2E_LOGS.base.cpio" 'cat /include-files/frames.bin > $BULK
echo "FATAL: stand-in init gives up" > /dev/ttyS1'
e2e_run --initramfs "$E2E_LOGS.base.cpio" --include "$incl/frames.bin"
assert_status 241
assert_contains "$E2E_LOGS/stderr" "without an EXIT frame"
assert_contains "$E2E_LOGS/stderr" "FATAL: stand-in init gives up"
assert_contains "$E2E_LOGS/stderr" "LIFE PayloadStarting: stand-in"
e2e_done
