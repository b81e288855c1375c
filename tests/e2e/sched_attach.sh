#!/bin/bash
# A scheduler that attaches: the payload runs under it (it sees root/ops),
# LIFE frames come in order, the payload's own code is the exit code, the
# scheduler's log arrives as SCLG, and stopping it is not a death.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
sched_run sched_attach "-a 300" -- /bin/sh -c \
	'echo payload ran; cat /tmp/fake_scx/root/ops; echo; exit 3'
assert_status 3
sched_frames
assert_frame_order '^SRDY' '^LIFE InitStarted' '^LIFE PayloadStarting' \
	'^SOUT' '^SCLG' '^EXIT 3$'
assert_no_frame '^SCDX'
assert_no_frame '^LIFE Scheduler'
assert_contains "$E2E_LOGS/stdout" "payload ran"
assert_contains "$E2E_LOGS/stdout" "sched_attach"
assert_contains "$E2E_LOGS/sched.log" "sched_attach: starting"
assert_contains "$E2E_LOGS/sched.log" "sched_attach: a line on stderr"
assert_contains "$E2E_LOGS/sched.log" "sched_attach: attached"
# shipped after it stopped: its goodbye is in it
assert_contains "$E2E_LOGS/sched.log" "sched_attach: SIGTERM: detaching"
assert_contains "$E2E_LOGS/console.log" 'attached as "sched_attach"'
e2e_done
