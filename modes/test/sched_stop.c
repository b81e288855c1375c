/* Teardown of the scheduler, and the exit code it leaves behind. */
#include "sched_life.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "say.h"
#include "sched_log.h"
#include "sched_watch.h"

/* After SIGKILL, only a task stuck in the kernel is still there. */
#define KILL_WAIT_MS 5000

/* SIGTERM, grace, SIGKILL; says how it went. */
static void stop_running(struct ktinit_ctx *ctx, struct tm_sched *s)
{
	int grace = s->cfg->stop_grace_ms, st = 0, r;
	char how[64];

	r = tm_stop_group(ctx, s->pid, grace, KILL_WAIT_MS, &st);
	if (r == 1)
		tm_warn(ctx, "scheduler %s (pid %d) still ran %d ms after "
			     "SIGTERM ([test] stop_grace_ms); killed it with "
			     "SIGKILL", s->name, (int)s->pid, grace);
	if (r < 0) {
		tm_say(ctx, "scheduler %s (pid %d) %s; giving up on it",
		       s->name, (int)s->pid, r == -ETIMEDOUT ?
		       "survived SIGKILL for 5 s" : strerror(-r));
		return;
	}
	s->exited = 1;
	s->status = st;
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "scheduler %s stopped: %s",
		      s->name, tm_status_text(st, how, sizeof(how)));
}

void tm_sched_stop(struct ktinit_ctx *ctx, struct tm_sched *s)
{
	int st;

	if (!s->pid)
		return;
	/* First, so the kill below is never taken for a death. */
	tm_watch_stop(s);
	/* Exited on its own after the watch last looked (or without one). */
	if (!s->exited && ctx->svc->wait(ctx, s->pid, 0, &st) == 0) {
		s->exited = 1;
		s->status = st;
		kill(-s->pid, SIGKILL);
		if (!s->not_attached && !s->died) {
			s->died = 1;
			tm_sched_report_death(ctx, s, st);
		}
	}
	if (!s->exited)
		stop_running(ctx, s);
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
	tm_sched_log_ship(ctx, s->cfg->log_path);
}

int tm_sched_verdict(struct ktinit_ctx *ctx, const struct tm_sched *s,
		     int code)
{
	if (!s->died || s->cfg->on_death != TM_DEATH_FAIL)
		return code;
	tm_say(ctx, "exit code %d: the scheduler %s died during the test "
		    "(payload code %d; [test] on_scheduler_death = fail)",
	       KTINIT_EXIT_SCHED_DIED, s->name, code);
	return KTINIT_EXIT_SCHED_DIED;
}
