#!/bin/bash
# A scheduler that ignores SIGTERM: teardown kills it after
# [test] stop_grace_ms, in bounded time, and that kill is not reported as
# a death.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
sched_run sched_stubborn "" --append ktinit.test.stop_grace_ms=1000 \
	-- /bin/sh -c 'echo ok'
assert_status 0
sched_frames
assert_frame_order '^LIFE PayloadStarting' '^SCLG' '^EXIT 0$'
assert_no_frame '^SCDX'
assert_no_frame '^LIFE SchedulerDied'
assert_contains "$E2E_LOGS/sched.log" "sched_stubborn: SIGTERM: ignoring it"
assert_contains "$E2E_LOGS/stderr" "killed it with SIGKILL"
ms=$(sched_elapsed_ms "LIFE PayloadStarting" "EXIT 0")
if [[ "$ms" -lt 0 || "$ms" -gt 6000 ]]; then
	e2e_fail "payload start to EXIT took $ms ms (grace 1000 ms; want < 6000)"
fi
e2e_done
