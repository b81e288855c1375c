#!/bin/sh
# The kernel the e2e tests boot: $KTINIT_KERNEL if set; else the one
# Debian's linux-image-amd64 metapackage points at (so installing another
# kernel series beside it, e.g. 6.12 for the compressed-module test, does
# not change what the suite runs on); else ktinit-pack's default.
# Usage: pick_kernel.sh PATH-TO-ktinit-pack
if [ -n "${KTINIT_KERNEL:-}" ]; then
	echo "$KTINIT_KERNEL"
	exit 0
fi
dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	grep -o 'linux-image-[0-9][^ ,(]*' | head -n 1)
if [ -n "$dep" ] && [ -e "/boot/vmlinuz-${dep#linux-image-}" ]; then
	echo "/boot/vmlinuz-${dep#linux-image-}"
	exit 0
fi
exec "$1" --print-default-kernel
