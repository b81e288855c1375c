#!/bin/bash
# [test] trace_events: sched_switch lines from trace_pipe reach COM1
# (console.log) while the payload runs, and the teardown (tracing off,
# bounded drain, scheduler stop) ends in bounded time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sched_lib.sh"
e2e_require_boot
sched_run sched_attach "" \
	--append 'ktinit.test.trace_events="sched:sched_switch sched:sched_wakeup"' \
	-- /bin/sh -c 'for i in 1 2 3 4 5; do sleep 0.1; done; echo done'
assert_status 0
assert_contains "$E2E_LOGS/stdout" "done"
assert_contains "$E2E_LOGS/console.log" "sched_switch: prev_comm="
assert_contains "$E2E_LOGS/console.log" "tracing stopped:"
ms=$(sched_elapsed_ms "LIFE PayloadStarting" "EXIT 0")
if [[ "$ms" -lt 0 || "$ms" -gt 10000 ]]; then
	e2e_fail "payload start to EXIT took $ms ms (want < 10000)"
fi
e2e_done
