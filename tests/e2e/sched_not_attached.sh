#!/bin/bash
# A scheduler that never attaches: LIFE SchedulerNotAttached with the
# reason, its log shipped, the payload not run, exit code 119.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
sched_run sched_noattach "" --append ktinit.test.attach_timeout_ms=1500 \
	-- /bin/sh -c 'echo payload ran'
assert_status 119
sched_frames
assert_frame_order '^LIFE InitStarted' \
	'^LIFE SchedulerNotAttached .*timed out after 1500 ms' '^SCLG' '^EXIT 119$'
assert_no_frame '^LIFE PayloadStarting'
assert_no_frame '^SCDX'
assert_not_contains "$E2E_LOGS/stdout" "payload ran"
assert_contains "$E2E_LOGS/stderr" "did not attach: timed out after 1500 ms"
assert_contains "$E2E_LOGS/com2.log" "did not attach: timed out after 1500 ms"
assert_contains "$E2E_LOGS/sched.log" "sched_noattach: not attaching, ever"
e2e_done
