#!/bin/bash
# The scheduler runs in [test] scheduler_cgroup, the payload in
# [test] workload_cgroup (nested: both levels created), and the orphans the
# scheduler leaves behind are reaped while the payload runs: no zombies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
# The orphans exit 600 ms after the scheduler starts, during the payload's
# sleep. /args holds one argument per line, so the script is one line;
# /proc/PID/stat's state is the field after "(comm)".
count_zombies='z=0; for f in /proc/[0-9]*/stat; do read -r l <"$f" 2>/dev/null || continue; s=${l##*) }; [ "${s%% *}" = Z ] && z=$((z + 1)); done; echo zombies=$z'
sched_run sched_attach "-o 4 -l 600" \
	--append ktinit.test.scheduler_cgroup=ktsched \
	--append ktinit.test.workload_cgroup=work/load \
	-- /bin/sh -c "cat /proc/self/cgroup; echo alive=\$(grep -l '(sched_attach)' /proc/[0-9]*/stat 2>/dev/null | wc -l); sleep 1.5; $count_zombies"
assert_status 0
assert_contains "$E2E_LOGS/stdout" "0::/work/load"
assert_contains "$E2E_LOGS/stdout" "zombies=0"
# the scheduler and (some of) its orphans were alive when the payload began,
# so the zero above means they were reaped, not that there were none
alive=$(sed -n 's/^alive=//p' "$E2E_LOGS/stdout")
if [[ -z "$alive" || "$alive" -lt 2 ]]; then
	e2e_fail "expected the scheduler and orphans alive at payload start, got alive='$alive'"
fi
assert_contains "$E2E_LOGS/sched.log" "sched_attach: cgroup: 0::/ktsched"
assert_contains "$E2E_LOGS/sched.log" "left 4 orphan(s) to init"
e2e_done
