# tests/e2e/sched_lib.sh - helpers for the scheduler tests (sched_*.sh).
# Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/sched_lib.sh"
#   e2e_require_boot
#   sched_run sched_attach "-a 300" -- /bin/sh -c 'exit 3'
#   sched_frames
#   assert_frame_order 'LIFE PayloadStarting' 'SCLG' 'EXIT 3'
#
# The stand-in schedulers are built by the test suite (tests/fixtures/
# sched_*: see sched_common.h); the Debian kernels here have no sched_ext,
# so a stand-in "attaches" by writing its name to $SCHED_ROOT/root/ops, a
# plain directory under the guest's /tmp that it creates itself.

SCHED_FIXTURES="$abs_top_builddir/tests/fixtures"
SCHED_ROOT=/tmp/fake_scx

# sched_run STANDIN "STANDIN ARGS" [ktinit-run options] [-- CMD ARGS...]
# One boot with the stand-in packed into /include-files and set up as the
# scheduler through [test] keys on the kernel command line, with
# require_attach = yes against $SCHED_ROOT.
sched_run() {
	local standin="$1" args="$2"
	shift 2
	[[ -x "$SCHED_FIXTURES/$standin" ]] ||
		e2e_hard_error "$SCHED_FIXTURES/$standin is not built (run 'make check')"
	e2e_run --include "$SCHED_FIXTURES/$standin" \
		--append "ktinit.test.scheduler=/include-files/$standin" \
		--append "ktinit.test.scheduler_args=\"-r $SCHED_ROOT $args\"" \
		--append "ktinit.test.sched_ext_root=$SCHED_ROOT" \
		--append "ktinit.test.require_attach=yes" \
		"$@"
}

# Decode bulk.bin into $E2E_LOGS/frames.txt: one frame per line, "TAG
# details", offsets dropped.
sched_frames() {
	"$abs_top_builddir/tools/ktinit-decode" "$E2E_LOGS/bulk.bin" \
		2>"$E2E_LOGS/decode.err" | sed 's/^@[0-9]* //' >"$E2E_LOGS/frames.txt" || true
}

# assert_frame_order PATTERN...: each extended regex matches a frame line
# that comes after the one the previous pattern matched.
assert_frame_order() {
	local after=0 pat n
	for pat in "$@"; do
		n=$(awk -v after="$after" -v pat="$pat" \
			'NR > after && $0 ~ pat { print NR; exit }' "$E2E_LOGS/frames.txt")
		if [[ -z "$n" ]]; then
			e2e_fail "frames: no '$pat' after frame $after; frames were:
$(cat "$E2E_LOGS/frames.txt")"
			return 0
		fi
		after=$n
	done
}

# assert_no_frame PATTERN: no frame line matches the extended regex.
assert_no_frame() {
	if grep -Eq -- "$1" "$E2E_LOGS/frames.txt"; then
		e2e_fail "frames: unexpected '$1': $(grep -E -m 3 -- "$1" "$E2E_LOGS/frames.txt")"
	fi
}

# sched_elapsed_ms FROM TO: milliseconds between ktinit-run's progress lines
# matching FROM and TO (fixed strings; -v prints "... [+S.SSs]").
sched_elapsed_ms() {
	local from to
	from=$(grep -F -m 1 -- "$1" "$E2E_LOGS/stderr" | sed -n 's/.*\[+\([0-9.]*\)s\]$/\1/p')
	to=$(grep -F -m 1 -- "$2" "$E2E_LOGS/stderr" | sed -n 's/.*\[+\([0-9.]*\)s\]$/\1/p')
	[[ -n "$from" && -n "$to" ]] || { echo -1; return 0; }
	awk -v a="$from" -v b="$to" 'BEGIN { printf "%d\n", (b - a) * 1000 }'
}
