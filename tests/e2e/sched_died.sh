#!/bin/bash
# A scheduler that dies 1 s into the payload: SCDX with its exit code, LIFE
# SchedulerDied, the payload stopped (on_scheduler_death = fail, the
# default) and exit code 118.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
sched_run sched_die "-d 1000 -x 3" -- /bin/sh -c \
	'echo started; sleep 20; echo finished'
assert_status 118
sched_frames
assert_frame_order '^LIFE PayloadStarting' '^SCDX 3$' \
	'^LIFE SchedulerDied .*exited with 3' '^SCLG' '^EXIT 118$'
assert_contains "$E2E_LOGS/stdout" "started"
assert_not_contains "$E2E_LOGS/stdout" "finished"
assert_contains "$E2E_LOGS/stderr" "on_scheduler_death = fail"
assert_contains "$E2E_LOGS/com2.log" "exited with 3"
assert_contains "$E2E_LOGS/sched.log" "sched_die: dying on purpose"
e2e_done
