# tests/e2e/lib.sh - helpers for the end-to-end tests. Source it first:
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_require_boot
#   e2e_run -- /bin/sh -c 'exit 7'
#   assert_status 7
#   e2e_done
#
# Exit status of a test (automake's convention): 0 pass, 1 fail, 77 skip
# (only when qemu-system-x86_64 or a kernel image is truly absent), 99 hard
# error (the harness is broken: tools or base archive not built, kernel
# image unreadable, ktinit-run hung).
#
# The build tree comes from $abs_top_builddir (set by `make check` through
# AM_TESTS_ENVIRONMENT), else from this script's location. Each test keeps
# its logs in tests/e2e/logs/NAME/: ktinit-run's stdout and stderr, plus
# console.log (COM1), com2.log, bulk.bin and qemu.log.
set -euo pipefail

E2E_NAME=$(basename "$0" .sh)
E2E_SRCDIR=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${abs_top_builddir:-}" ]]; then
	abs_top_builddir=$(cd "$E2E_SRCDIR/../.." && pwd)
fi
E2E_PACK="$abs_top_builddir/tools/ktinit-pack"
E2E_RUN="$abs_top_builddir/tools/ktinit-run"
E2E_BASE="$abs_top_builddir/tests/e2e/base.cpio"
E2E_LOGS="$abs_top_builddir/tests/e2e/logs/$E2E_NAME"
# ktinit-run's own limit for one boot, and the watchdog's on ktinit-run.
E2E_TIMEOUT=60
E2E_WATCHDOG=$((E2E_TIMEOUT + 30))
E2E_FAILS=0
E2E_STATUS=''
E2E_KERNEL=''
E2E_WORK=''

# QEMU found by configure, unless the caller chose one.
if [[ -z "${KTINIT_QEMU:-}" && -n "${QEMU:-}" ]]; then
	export KTINIT_QEMU="$QEMU"
fi

e2e_skip() {
	printf 'SKIP: %s: %s\n' "$E2E_NAME" "$*"
	exit 77
}

e2e_hard_error() {
	printf 'ERROR: %s: %s\n' "$E2E_NAME" "$*" >&2
	exit 99
}

# Record a failure and carry on, so one run shows every mismatch.
e2e_fail() {
	printf 'FAIL: %s\n' "$*" >&2
	E2E_FAILS=$((E2E_FAILS + 1))
}

e2e_require_tools() {
	local t
	for t in "$E2E_PACK" "$E2E_RUN"; do
		[[ -x "$t" ]] || e2e_hard_error "$t is not built (run 'make check')"
	done
}

# Everything a boot needs, or skip/hard error with the reason.
e2e_require_boot() {
	local qemu="${KTINIT_QEMU:-qemu-system-x86_64}"
	e2e_require_tools
	command -v "$qemu" >/dev/null 2>&1 || e2e_skip "$qemu not found"
	if ! E2E_KERNEL=$("$E2E_PACK" --print-default-kernel 2>/dev/null); then
		e2e_skip "no kernel image (/boot/vmlinuz-*; or set KTINIT_KERNEL)"
	fi
	if [[ ! -e "$E2E_KERNEL" ]]; then
		[[ -z "${KTINIT_KERNEL:-}" ]] || e2e_hard_error "KTINIT_KERNEL=$KTINIT_KERNEL does not exist"
		e2e_skip "no kernel image ($E2E_KERNEL is gone)"
	fi
	[[ -r "$E2E_KERNEL" ]] ||
		e2e_hard_error "$E2E_KERNEL is not readable by $(id -un) (Debian makes /boot/vmlinuz-* root-only: run as root, or copy it and set KTINIT_KERNEL)"
	[[ -s "$E2E_BASE" ]] ||
		e2e_hard_error "$E2E_BASE is missing (it is built by 'make check')"
}

# e2e_run [ktinit-run options] [-- CMD ARGS...]
# Boots once with the shared base and this test's log dir; later options
# override the defaults (--timeout, --initramfs). Sets E2E_STATUS; stdout and
# stderr land in $E2E_LOGS/stdout and $E2E_LOGS/stderr.
e2e_run() {
	local start end pid watchdog
	rm -rf -- "$E2E_LOGS"
	mkdir -p -- "$E2E_LOGS"
	printf 'e2e: %s: ktinit-run' "$E2E_NAME"
	printf ' %q' "$@"
	printf '\n'
	start=$(date +%s%N)
	"$E2E_RUN" --initramfs "$E2E_BASE" --log-dir "$E2E_LOGS" \
		--timeout "$E2E_TIMEOUT" -v "$@" \
		>"$E2E_LOGS/stdout" 2>"$E2E_LOGS/stderr" &
	pid=$!
	# ktinit-run bounds itself; this only guards against a bug in it.
	(
		sleep "$E2E_WATCHDOG"
		: >"$E2E_LOGS/watchdog-fired"
		kill -KILL "$pid" 2>/dev/null
	) &
	watchdog=$!
	E2E_STATUS=0
	wait "$pid" || E2E_STATUS=$?
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
	end=$(date +%s%N)
	printf 'e2e: %s: status %s after %s ms\n' "$E2E_NAME" "$E2E_STATUS" \
		$(((end - start) / 1000000))
	if [[ -e "$E2E_LOGS/watchdog-fired" ]]; then
		e2e_dump_logs
		e2e_hard_error "ktinit-run did not return within ${E2E_WATCHDOG}s"
	fi
}

# Last lines of each log, for a failed test's .log file.
e2e_dump_logs() {
	local f
	for f in stderr com2.log console.log qemu.log; do
		[[ -s "$E2E_LOGS/$f" ]] || continue
		printf -- '--- last 30 lines of %s ---\n' "$E2E_LOGS/$f"
		tail -n 30 -- "$E2E_LOGS/$f" | tr -d '\r' || true
	done
	printf -- '--- end of logs ---\n'
}

assert_status() {
	local want="$1"
	if [[ "$E2E_STATUS" != "$want" ]]; then
		e2e_fail "exit status: expected $want, got $E2E_STATUS"
	fi
}

# assert_file_is FILE CONTENT: the file holds exactly these bytes.
assert_file_is() {
	local file="$1" want="$2" got
	if [[ ! -e "$file" ]]; then
		e2e_fail "$file: expected $(printf '%q' "$want"), but the file does not exist"
		return 0
	fi
	if ! cmp -s -- "$file" <(printf '%s' "$want"); then
		got=$(head -c 200 -- "$file" | od -An -c | head -n 5)
		e2e_fail "$file: expected exactly $(printf '%q' "$want"); got (first bytes, od -c):
$got"
	fi
}

# assert_contains FILE STRING: a fixed string somewhere in the file.
assert_contains() {
	local file="$1" want="$2"
	if [[ ! -e "$file" ]]; then
		e2e_fail "$file: expected to contain '$want', but the file does not exist"
	elif ! grep -qF -- "$want" "$file"; then
		e2e_fail "$file: expected to contain '$want'; it does not (see its tail below)"
	fi
}

assert_not_contains() {
	local file="$1" bad="$2"
	if [[ -e "$file" ]] && grep -qF -- "$bad" "$file"; then
		e2e_fail "$file: expected NOT to contain '$bad': $(grep -F -m 3 -- "$bad" "$file")"
	fi
}

# assert_same_data FILE EXPECTED_FILE: size and checksum match.
assert_same_data() {
	local got="$1" want="$2" g w
	g=$(cksum <"$got")
	w=$(cksum <"$want")
	if [[ "$g" != "$w" ]]; then
		e2e_fail "$got: expected cksum/size '$w' (as $want), got '$g'"
		cmp -- "$got" "$want" | head -n 1 >&2 || true
	fi
}

e2e_done() {
	if [[ "$E2E_FAILS" -gt 0 ]]; then
		e2e_dump_logs
		printf 'FAIL: %s: %d check(s) failed; logs in %s\n' "$E2E_NAME" \
			"$E2E_FAILS" "$E2E_LOGS"
		exit 1
	fi
	if [[ -n "${E2E_WORK:-}" ]]; then
		rm -rf -- "$E2E_WORK"
	fi
	printf 'PASS: %s\n' "$E2E_NAME"
	exit 0
}

# --- stand-in inits: test ktinit-run itself, independently of init/ --------

# e2e_frame TAG PAYLOAD: one frame on stdout; PAYLOAD takes printf %b escapes
# (\n, \xHH). The CRC-32 is
# gzip's (its trailer holds the IEEE CRC-32 of the data, little-endian).
e2e_frame() {
	local tag="$1" fmt="${2:-}" len crc
	len=$(printf '%b' "$fmt" | wc -c)
	crc=$(printf '%b' "$fmt" | gzip -c | tail -c 8 | head -c 4 | od -An -tx1 | tr -d ' \n')
	e2e_frame_raw "$tag" "$len" "$crc" 0 "$fmt"
}

# e2e_frame_raw TAG LEN CRC_HEX_LE RESERVED PAYLOAD: any header at all.
e2e_frame_raw() {
	local tag="$1" len="$2" crc="$3" rsv="$4" fmt="$5" i
	# The type's integer value spells the tag; little-endian puts it reversed.
	for ((i = 3; i >= 0; i--)); do printf '%s' "${tag:$i:1}"; done
	e2e_le32 "$len"
	printf '%b' "$(printf '%s' "$crc" | sed 's/../\\x&/g')"
	e2e_le32 "$rsv"
	printf '%b' "$fmt"
}

e2e_le32() {
	printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) \
		$((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}

# e2e_stub_base OUT BODY: a base archive whose /init is a busybox script
# that loads the packed modules, waits for the bulk port, then runs BODY
# (shell; $BULK is the port). Written next to the logs.
e2e_stub_base() {
	local out="$1" body="$2" kver init
	kver=$("$E2E_PACK" --print-default-kernel-version)
	init="$(dirname -- "$E2E_LOGS")/$E2E_NAME.init"
	mkdir -p -- "$(dirname -- "$out")" "$(dirname -- "$init")"
	cat >"$init" <<-'EOF'
		#!/bin/sh
		/bin/busybox mount -t proc proc /proc
		/bin/busybox mount -t sysfs sys /sys
		/bin/busybox mount -t devtmpfs dev /dev
		for m in $(sed -n 's/^load = //p' /etc/ktinit.d/00-modules.ini); do
			insmod /lib/modules/ktinit/$m.ko* 2>/dev/ttyS1
		done
		BULK=/dev/vport0p1
		i=0
		while [ ! -e $BULK ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	EOF
	printf '%s\n' "$body" >>"$init"
	printf 'sleep 0.5\nreboot -f\n' >>"$init"
	chmod 755 -- "$init"
	"$E2E_PACK" --init "$init" --no-sentinel --kernel-version "$kver" -o "$out" ||
		e2e_hard_error "ktinit-pack failed for the stand-in init"
}

# --- disks (--disk-template) -------------------------------------------------

# mkfs.btrfs on the host: ktinit-pack copies it into the guest.
e2e_require_mkfs() {
	PATH="$PATH:/sbin:/usr/sbin" command -v mkfs.btrfs >/dev/null 2>&1 ||
		e2e_skip "mkfs.btrfs not found (install btrfs-progs)"
}

# A scratch directory for images, beside the logs (e2e_run empties the log
# dir, and an image that must survive a run cannot live there). Sets
# E2E_WORK; e2e_done removes it when the test passed.
e2e_workdir() {
	E2E_WORK="$E2E_LOGS.work"
	rm -rf -- "$E2E_WORK"
	mkdir -p -- "$E2E_WORK"
}

assert_absent() {
	local f
	for f in "$@"; do
		if [[ -e "$f" || -L "$f" ]]; then
			e2e_fail "$f: expected not to exist"
		fi
	done
}

# assert_no_staging DIR: ktinit-run left no IMAGE.staging.* file behind.
assert_no_staging() {
	local left
	left=$(find "$1" -maxdepth 1 -name '*.staging.*' 2>/dev/null)
	if [[ -n "$left" ]]; then
		e2e_fail "staging files left behind: $left"
	fi
}

# The btrfs magic "_BHRfS_M" at byte 0x10040 of IMAGE.
assert_btrfs_magic() {
	local got
	got=$(od -An -c -j $((0x10040)) -N 8 -- "$1" 2>/dev/null | tr -d ' \n')
	if [[ "$got" != "_BHRfS_M" ]]; then
		e2e_fail "$1: expected the btrfs magic _BHRfS_M at 0x10040, got '$got'"
	fi
}

# --- terminal sessions (tmux) --------------------------------------------------
#
#   e2e_tmux_start COLS ROWS COMMAND   a detached session on a private server
#   e2e_tmux_keys TEXT                 type TEXT literally
#   e2e_tmux_key KEY...                tmux key names: Enter, C-c, C-a
#   e2e_tmux_wait ERE SECONDS WHAT     poll the pane (and its history) for a
#                                      line matching ERE; e2e_fail on timeout
#   e2e_tmux_stop                      kill the server (call from a trap)
# The pane's text is saved to $E2E_LOGS/pane.txt by e2e_tmux_wait and
# e2e_tmux_stop, so a failed session can be read afterwards.

E2E_TMUX_SOCK=''

e2e_require_tmux() {
	command -v tmux >/dev/null 2>&1 || e2e_skip "tmux not found"
}

e2e_tmux() {
	tmux -L "$E2E_TMUX_SOCK" "$@"
}

e2e_tmux_start() {
	local cols="$1" rows="$2" cmd="$3" conf
	E2E_TMUX_SOCK="ktinit-e2e-$E2E_NAME-$$"
	conf="$E2E_LOGS/tmux.conf"
	mkdir -p -- "$E2E_LOGS"
	# No status line: the pane gets every row of the window.
	printf 'set -g status off\nset -g history-limit 5000\n' >"$conf"
	TERM="${TERM:-xterm}" tmux -L "$E2E_TMUX_SOCK" -f "$conf" new-session -d \
		-s e2e -x "$cols" -y "$rows" "$cmd" ||
		e2e_hard_error "tmux new-session failed"
}

e2e_tmux_capture() {
	e2e_tmux capture-pane -p -J -t e2e -S - 2>/dev/null || true
}

e2e_tmux_keys() {
	e2e_tmux send-keys -t e2e -l -- "$1"
}

e2e_tmux_key() {
	e2e_tmux send-keys -t e2e "$@"
}

e2e_tmux_wait() {
	local re="$1" secs="$2" what="$3" deadline
	deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
	while (($(date +%s%N) / 1000000 < deadline)); do
		if e2e_tmux_capture | grep -qE -- "$re"; then
			return 0
		fi
		sleep 0.2
	done
	e2e_tmux_capture >"$E2E_LOGS/pane.txt"
	e2e_fail "$what: no line matching '$re' in the pane within ${secs}s (see $E2E_LOGS/pane.txt)"
	return 1
}

e2e_tmux_stop() {
	if [[ -n "$E2E_TMUX_SOCK" ]]; then
		e2e_tmux_capture >"$E2E_LOGS/pane.txt"
		e2e_tmux kill-server 2>/dev/null || true
		E2E_TMUX_SOCK=''
	fi
}
