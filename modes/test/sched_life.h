/* test mode: the scheduler's lifecycle around the payload.
 *
 *   tm_sched_start    cgroup, log file, spawn, attach check, death watch
 *   (payload runs; tm_watch_* in sched_watch.h hand it the payload)
 *   tm_sched_stop     stop the watch, SIGTERM, grace, SIGKILL, ship log
 *   tm_sched_verdict  the exit code once the scheduler is gone
 *
 * Every step says what went wrong (tm_say) before it returns. */
#ifndef KT_TEST_SCHED_LIFE_H
#define KT_TEST_SCHED_LIFE_H

#include <sys/types.h>

#include <ktinit/mode.h>

#include "sched_config.h"

struct tm_watch;

struct tm_sched {
	const struct tm_sched_cfg *cfg;
	const char *name;       /* argv[0], for messages */
	pid_t pid;              /* 0: never started */
	int pidfd;              /* -1: none (not started, or no pidfd_open) */
	long long started_ms;   /* tm_now_ms() at spawn */
	int exited;             /* status below is collected */
	int status;             /* wait status once exited */
	int not_attached;       /* LIFE SchedulerNotAttached was sent */
	int died;               /* SCDX + LIFE SchedulerDied were sent */
	struct tm_watch *watch; /* the death watch while it runs */
};

void tm_sched_init(struct tm_sched *s, const struct tm_sched_cfg *cfg);

/* Start the configured scheduler (cfg->argv.argc > 0) and check it
 * attached (sched_attach.c). Returns 0 when the payload may run;
 * KTINIT_EXIT_SCHED_NOT_ATTACHED after LIFE SchedulerNotAttached; or
 * KTINIT_EXIT_SETUP when its cgroup or log file cannot be set up. Call
 * tm_sched_stop() in every case. */
int tm_sched_start(struct ktinit_ctx *ctx, struct tm_sched *s);

/* Teardown: stop the death watch first (so the kill below is never
 * reported as a death), report a death that happened before it, then
 * SIGTERM the scheduler's process group, wait [test] stop_grace_ms,
 * SIGKILL, collect it (bounded), and ship its log as SCLG frames. A no-op
 * for a scheduler that was never started. */
void tm_sched_stop(struct ktinit_ctx *ctx, struct tm_sched *s);

/* The run's exit code given the payload's: KTINIT_EXIT_SCHED_DIED when the
 * scheduler died and [test] on_scheduler_death = fail, else code. */
int tm_sched_verdict(struct ktinit_ctx *ctx, const struct tm_sched *s,
		     int code);

/* Report a death: SCDX with its exit code, LIFE SchedulerDied with the
 * reason, and a message saying what happens next. Reads s only, so the
 * watch thread may call it. (sched_watch.c) */
void tm_sched_report_death(struct ktinit_ctx *ctx, const struct tm_sched *s,
			   int wstatus);

#endif
