/* test mode: the scheduler death watch.
 *
 * A thread polls the scheduler's pidfd (no timer, no busy loop). When the
 * scheduler exits it collects the status through ctx->svc->wait, reports
 * the death (SCDX, LIFE SchedulerDied) and, with on_scheduler_death =
 * fail, stops the payload's process group: SIGTERM, then SIGKILL after
 * [test] stop_grace_ms. While the thread runs, the fields of struct
 * tm_sched it reads (cfg, name, pid, pidfd, started_ms) must not change;
 * it writes none of them. */
#ifndef KT_TEST_SCHED_WATCH_H
#define KT_TEST_SCHED_WATCH_H

#include <sys/types.h>

#include "sched_life.h"

/* Start watching s. If the scheduler has already exited, report that now
 * and start no thread. Returns 0, or -errno when no watch runs (the
 * teardown still notices a death that happened before it). */
int tm_watch_start(struct ktinit_ctx *ctx, struct tm_sched *s);

/* Hand the watch the payload's process group (0: the payload has ended
 * and must not be signalled any more). Returns 1 when the scheduler has
 * already died and on_scheduler_death = fail: the caller stops the
 * payload itself. */
int tm_watch_set_payload(struct tm_sched *s, pid_t pgid);

/* 1 when the scheduler's death has been reported (by the watch or not). */
int tm_watch_died(struct tm_sched *s);

/* Stop the thread and join it (bounded: every wait in it is), then copy
 * what it saw into s (exited, status, died). Idempotent. */
void tm_watch_stop(struct tm_sched *s);

#endif
