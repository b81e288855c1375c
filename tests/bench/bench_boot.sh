#!/bin/bash
# bench_boot: what ktinit costs on top of the kernel's own boot, as a ratio
# against a reference boot in the same session: a busybox shell script as
# /init that loads the same virtio modules, writes the same three frames
# (SRDY, SOUT, EXIT) and reboots. Both boot through ktinit-run with the
# same per-run overlay. Each side boots N times (default 3),
# alternating, and the medians are compared:
#   ratio = median(ktinit boot) / median(reference boot)
# Usage: tests/bench/bench_boot.sh [N]   (from a built tree, as root)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kver=$("$top/tools/ktinit-pack" --print-default-kernel-version)

"$top/tools/ktinit-pack" --no-sentinel --kernel-version "$kver" -o "$work/base.cpio"

# The reference init: the same work without ktinit.
cat > "$work/init.sh" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for m in $(/bin/busybox sed -n 's/^load = //p' /etc/ktinit.d/00-modules.ini); do
	/bin/busybox insmod /lib/modules/ktinit/$m.ko
done
while [ ! -e /dev/vport0p1 ]; do /bin/busybox usleep 10000; done
# SRDY, SOUT "hi\n", EXIT 0 as octal escapes (CRCs precomputed with zlib).
/bin/busybox printf '\131\104\122\123\000\000\000\000\000\000\000\000\000\000\000\000\124\125\117\123\003\000\000\000\172\172\157\355\000\000\000\000\150\151\012\124\111\130\105\004\000\000\000\034\337\104\041\000\000\000\000\000\000\000\000' > /dev/vport0p1
/bin/busybox reboot -f
INIT
chmod +x "$work/init.sh"
"$top/tools/ktinit-pack" --no-sentinel --kernel-version "$kver" \
	--init "$work/init.sh" -o "$work/ref.cpio"

time_ms() { # BASE ARGS... -> wall ms of one ktinit-run that exits 0
	local t0 t1 base=$1
	shift
	t0=$(date +%s%N)
	"$top/tools/ktinit-run" --initramfs "$base" "$@" >/dev/null 2>&1 ||
		{ echo "bench_boot: a boot with $base failed" >&2; exit 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

: > "$work/kt"; : > "$work/ref"
for _ in $(seq "$n"); do
	time_ms "$work/base.cpio" -- /bin/echo hi >> "$work/kt"
	time_ms "$work/ref.cpio" -- true >> "$work/ref"
done
kt=$(median < "$work/kt")
ref=$(median < "$work/ref")
echo "bench_boot: ktinit median ${kt} ms, reference init median ${ref} ms over $n boots"
awk -v a="$kt" -v b="$ref" 'BEGIN { printf "  ktinit / reference = %.2f\n", a / b }'
