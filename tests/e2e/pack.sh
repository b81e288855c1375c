#!/bin/bash
# ktinit-pack on the host, no boot: reproducible bytes, the sentinel last,
# normalized metadata, the module closure in dependency order, overlays,
# compression, and clear errors.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_tools
command -v cpio >/dev/null 2>&1 || e2e_skip "cpio not found"

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
pack() { "$E2E_PACK" "$@"; }
list() { cpio -it --quiet <"$1"; }

kver=''
if pack --print-default-kernel >/dev/null 2>&1; then
	kver=$(pack --print-default-kernel-version)
	[[ -r "/lib/modules/$kver/modules.dep" ]] || kver=''
fi
kopt=()
[[ -z "$kver" ]] || kopt=(--kernel-version "$kver")

# --- same inputs, same bytes -------------------------------------------------
pack "${kopt[@]}" -o "$work/a.cpio" || e2e_hard_error "ktinit-pack failed"
sleep 1 # a different clock must not change anything
pack "${kopt[@]}" -o "$work/b.cpio" || e2e_hard_error "ktinit-pack failed"
cmp -s "$work/a.cpio" "$work/b.cpio" ||
	e2e_fail "two packs of the same inputs differ: $(cmp "$work/a.cpio" "$work/b.cpio" || true)"

# --- layout ----------------------------------------------------------------------
list "$work/a.cpio" >"$work/a.list"
last=$(tail -n 1 "$work/a.list")
[[ "$last" == .ktstr_init_ok ]] || e2e_fail "last entry: expected .ktstr_init_ok, got '$last'"
for want in init bin/busybox bin/sh dev proc sys tmp run etc lib/ktinit/modes; do
	grep -qx -- "$want" "$work/a.list" || e2e_fail "base: no entry '$want'"
done
if [[ "$(head -c 4 "$abs_top_builddir/init/ktinit" 2>/dev/null)" == $'\x7fELF' ]]; then
	grep -qx 'lib64/ld-linux-x86-64.so.2' "$work/a.list" ||
		e2e_fail "base: the dynamic loader lib64/ld-linux-x86-64.so.2 is missing"
fi
grep -q '^lib/ktinit/modes/test\.so$' "$work/a.list" ||
	e2e_fail "base: the build tree's test mode plugin is missing"
# Metadata: owner root, mtime 0, modes kept (cpio -tv shows them).
cpio -itv --quiet <"$work/a.cpio" >"$work/a.long"
if grep -v ' root  *root ' "$work/a.long" | grep -q .; then
	e2e_fail "entries not owned by 0:0: $(grep -v ' root  *root ' "$work/a.long" | head -n 3)"
fi
if grep -v ' 1970 ' "$work/a.long" | grep -q .; then
	e2e_fail "entries with an mtime other than 0: $(grep -v ' 1970 ' "$work/a.long" | head -n 3)"
fi
grep -q '^lrwxrwxrwx .* bin/sh -> /bin/busybox$' "$work/a.long" ||
	e2e_fail "bin/sh is not a symlink to /bin/busybox"
grep -q '^-rw-r--r-- .* lib/ktinit/modes/test.so$' "$work/a.long" ||
	e2e_fail "test.so must be mode 0644 (the core refuses group/world-writable plugins)"

# --- --no-sentinel -------------------------------------------------------------
pack "${kopt[@]}" --no-sentinel -o "$work/nos.cpio" || e2e_hard_error "ktinit-pack --no-sentinel failed"
if list "$work/nos.cpio" | grep -qx .ktstr_init_ok; then
	e2e_fail "--no-sentinel: the archive still holds .ktstr_init_ok"
fi

# --- modules ---------------------------------------------------------------------
if [[ -n "$kver" ]]; then
	cpio -i --quiet --to-stdout etc/ktinit.d/00-modules.ini <"$work/a.cpio" >"$work/mod.ini"
	assert_contains "$work/mod.ini" "dir = /lib/modules/ktinit"
	load=$(sed -n 's/^load = //p' "$work/mod.ini")
	[[ -n "$load" ]] || e2e_fail "00-modules.ini has no load line"
	# Every module after all of its dependencies, each once, each packed.
	seen=' '
	for m in $load; do
		[[ "$seen" != *" $m "* ]] || e2e_fail "module $m is listed twice"
		grep -Eq "^lib/modules/ktinit/$m\.ko(\.xz|\.zst|\.gz)?$" "$work/a.list" ||
			e2e_fail "module $m is in the load list but not in the archive"
		deps=$(grep -E "(^|/)$m\.ko[^:]*:" "/lib/modules/$kver/modules.dep" | head -n 1 | cut -d: -f2)
		for d in $deps; do
			d=$(basename "$d")
			d=${d%%.ko*}
			[[ "$seen" == *" $d "* ]] || e2e_fail "module $m comes before its dependency $d"
		done
		seen+="$m "
	done
	# A module that does not exist is an error that names it.
	if pack --kernel-version "$kver" --modules "virtio_console no_such_module_e2e" \
		-o "$work/bad.cpio" 2>"$work/bad.err"; then
		e2e_fail "--modules no_such_module_e2e: expected a failure"
	fi
	assert_contains "$work/bad.err" "no_such_module_e2e"
	[[ ! -e "$work/bad.cpio" ]] || e2e_fail "a failed pack left $work/bad.cpio behind"
fi

# --- overlay -----------------------------------------------------------------------
mkdir -p "$work/inc/sub"
printf 'data\n' >"$work/inc/sub/file.txt"
cp "$(type -P true)" "$work/inc/mytrue"
printf '[test]\ntimeout_s = 5\n' >"$work/my.ini"
pack --overlay --arg echo --arg 'a b' --config "$work/my.ini" --include "$work/inc" \
	--exec-cmd 'ls /' --sched-arg --x -o "$work/ov.cpio" || e2e_fail "overlay pack failed"
list "$work/ov.cpio" >"$work/ov.list"
for want in args exec_cmd sched_args etc/ktinit.ini include-files/inc/sub/file.txt \
	include-files/inc/mytrue; do
	grep -qx -- "$want" "$work/ov.list" || e2e_fail "overlay: no entry '$want'"
done
for bad in init bin/busybox lib/ktinit/modes; do
	if grep -qx -- "$bad" "$work/ov.list"; then e2e_fail "overlay: unexpected entry '$bad'"; fi
done
grep -q 'ld-linux' "$work/ov.list" ||
	e2e_fail "overlay: the included ELF executable came without its libraries"
[[ "$(tail -n 1 "$work/ov.list")" == .ktstr_init_ok ]] || e2e_fail "overlay: sentinel not last"
cpio -i --quiet --to-stdout args <"$work/ov.cpio" >"$work/args"
assert_file_is "$work/args" $'echo\na b\n'

# --- compression ------------------------------------------------------------------
pack --overlay --arg x --compress gzip -o "$work/ov.gz" || e2e_fail "--compress gzip failed"
pack --overlay --arg x -o "$work/ov.raw" || e2e_fail "overlay pack failed"
if ! gzip -dc "$work/ov.gz" | cmp -s - "$work/ov.raw"; then
	e2e_fail "--compress gzip: the archive does not decompress to the uncompressed one"
fi
pack --overlay --arg x --compress gzip -o "$work/ov2.gz"
cmp -s "$work/ov.gz" "$work/ov2.gz" || e2e_fail "--compress gzip is not reproducible"

# --- errors ------------------------------------------------------------------------
if pack --overlay --include "$work/nonexistent" -o "$work/e.cpio" 2>"$work/e.err"; then
	e2e_fail "--include of a missing path: expected a failure"
fi
assert_contains "$work/e.err" "$work/nonexistent"
if pack --bogus -o "$work/e.cpio" 2>"$work/e.err"; then
	e2e_fail "--bogus: expected a usage error"
fi
assert_contains "$work/e.err" "--bogus"
e2e_done
