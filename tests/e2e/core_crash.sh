#!/bin/bash
# A fault inside PID 1 (a mode that dereferences NULL) ends in a PANIC line
# on COM2 and a reboot, never a hang; the host reports "no EXIT" (241).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
modes="$E2E_LOGS.d/modes"
rm -rf "$modes"; mkdir -p "$modes"
install -m 644 "$abs_top_builddir/tests/fixtures/.libs/crash_mode.so" "$modes/crash.so"
e2e_run --include "$modes" --append ktinit.init.plugin_dir=/include-files/modes \
	--mode crash -- true
assert_status 241
assert_contains "$E2E_LOGS/com2.log" "PANIC: ktinit: SIGSEGV (signal 11) in phase run, mode crash"
assert_contains "$E2E_LOGS/stderr" "PANIC: ktinit: SIGSEGV"
e2e_done
