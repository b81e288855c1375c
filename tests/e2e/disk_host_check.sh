#!/bin/bash
# The host does not take the guest's word: a stand-in init that sends
# EXIT 0 without touching the disk gets 64 (no magic seen on the host), and
# IMAGE is not created.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_require_mkfs
e2e_workdir
{
	e2e_frame SRDY
	e2e_frame EXIT '\x00\x00\x00\x00'
} >"$E2E_WORK/frames.bin"
# shellcheck disable=SC2016 # $BULK expands in the guest
e2e_stub_base "$E2E_WORK/stub.cpio" 'cat /include-files/frames.bin > $BULK'
img="$E2E_WORK/liar.img"
e2e_run --initramfs "$E2E_WORK/stub.cpio" --include "$E2E_WORK/frames.bin" \
	--disk-template "$img" --size 1M
assert_status 64
assert_contains "$E2E_LOGS/stderr" "no btrfs superblock"
assert_absent "$img"
assert_no_staging "$E2E_WORK"
e2e_done
