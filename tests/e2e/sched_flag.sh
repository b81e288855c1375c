#!/bin/bash
# The host flags --scheduler PATH and --scheduler-arg ARG (not [test] keys):
# the stand-in goes to /include-files, /sched_args names it and carries its
# arguments one per line. sched_die is told a root (-r), a name with a
# blank in it (-n, which word-splitting would break), when to die (-d) and
# with what code (-x); each one shows: it attaches under the -r root that
# require_attach = yes watches (else 119), its log lines carry the -n name
# and root, and it dies with code 5. Expected: exit code 118, the death
# notice with that status on stderr, sched.log kept in the log dir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
[[ -x "$SCHED_FIXTURES/sched_die" ]] ||
	e2e_hard_error "$SCHED_FIXTURES/sched_die is not built (run 'make check')"
root=/tmp/fake_scx_flag
name='flag sched'
e2e_run --scheduler "$SCHED_FIXTURES/sched_die" \
	--scheduler-arg -r --scheduler-arg "$root" \
	--scheduler-arg -n --scheduler-arg "$name" \
	--scheduler-arg -d --scheduler-arg 1000 \
	--scheduler-arg -x --scheduler-arg 5 \
	--append "ktinit.test.sched_ext_root=$root" \
	--append "ktinit.test.require_attach=yes" \
	-- /bin/sh -c 'echo started; sleep 20; echo finished'
assert_status 118
sched_frames
assert_frame_order '^LIFE PayloadStarting' '^SCDX 5$' \
	'^LIFE SchedulerDied .*/include-files/sched_die exited with 5' \
	'^SCLG' '^EXIT 118$'
assert_no_frame '^LIFE SchedulerNotAttached'
# The death notice and its exit status, without -v too (notice lines).
assert_contains "$E2E_LOGS/stderr" "SCDX: the scheduler exited with code 5"
assert_contains "$E2E_LOGS/stderr" \
	"LIFE SchedulerDied: scheduler /include-files/sched_die exited with 5"
assert_contains "$E2E_LOGS/stderr" "on_scheduler_death = fail"
assert_contains "$E2E_LOGS/stderr" "scheduler log: $E2E_LOGS/sched.log"
assert_contains "$E2E_LOGS/stdout" "started"
assert_not_contains "$E2E_LOGS/stdout" "finished"
# sched.log: kept, non-empty, and written by a scheduler that got its args.
if [[ ! -s "$E2E_LOGS/sched.log" ]]; then
	e2e_fail "$E2E_LOGS/sched.log is missing or empty"
fi
assert_contains "$E2E_LOGS/sched.log" "$name: starting (pid "
assert_contains "$E2E_LOGS/sched.log" ", root $root)"
assert_contains "$E2E_LOGS/sched.log" "$name: attached"
assert_contains "$E2E_LOGS/sched.log" "$name: dying on purpose"
assert_not_contains "$E2E_LOGS/sched.log" "usage:"
assert_not_contains "$E2E_LOGS/sched.log" "sched_die: starting"
e2e_done
