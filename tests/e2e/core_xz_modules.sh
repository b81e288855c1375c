#!/bin/bash
# Compressed modules: Debian's 6.12 kernel ships virtio_blk as .ko.xz, which
# ktinit loads with finit_module(MODULE_INIT_COMPRESSED_FILE). Boot that
# kernel with its own base archive and a small disk: virtio_blk must be
# loaded and /dev/vda usable, with no module warning on COM2.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-6.12*' | sort -V | tail -n 1)
[[ -n "$kernel" ]] || e2e_skip "no 6.12 kernel (Debian package linux-image-6.12-amd64)"
kver=${kernel#/boot/vmlinuz-}
work="$E2E_LOGS.d"
rm -rf -- "$work"
mkdir -p -- "$work"
"$E2E_PACK" --no-sentinel --kernel-version "$kver" -o "$work/base.cpio" ||
	e2e_hard_error "ktinit-pack for $kver failed"
cpio -it < "$work/base.cpio" 2>/dev/null > "$work/contents"
assert_contains "$work/contents" "lib/modules/ktinit/virtio_blk.ko.xz"
truncate -s 1M "$work/disk.img"
e2e_run --kernel "$kernel" --initramfs "$work/base.cpio" --disk "$work/disk.img" \
	-- /bin/sh -c 'grep -w ^virtio_blk /proc/modules; cat /sys/block/vda/size'
assert_status 0
assert_contains "$E2E_LOGS/stdout" "virtio_blk"
assert_contains "$E2E_LOGS/stdout" "2048"
assert_not_contains "$E2E_LOGS/com2.log" "module"
e2e_done
