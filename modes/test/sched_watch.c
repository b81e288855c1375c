#include "sched_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "say.h"

/* The scheduler has exited when its pidfd is readable; the reaper may
 * need a moment to collect it. */
#define COLLECT_MS 2000

struct tm_watch {
	struct ktinit_ctx *ctx;
	const struct tm_sched *s;
	pthread_t thread;
	int stop_pipe[2];
	pthread_mutex_t lock;
	/* under lock */
	pid_t payload_pgid;
	int died, exited, status;
};

void tm_sched_report_death(struct ktinit_ctx *ctx, const struct tm_sched *s,
			   int wstatus)
{
	int code = ktinit_wstatus_code(wstatus);
	long long ms = tm_now_ms() - s->started_ms;
	char reason[256], how[64];
	uint8_t le[4];

	ktinit_put_le32(le, (uint32_t)code);
	ctx->svc->frame_send(ctx, KTINIT_FRAME_SCDX, le, sizeof(le));
	snprintf(reason, sizeof(reason), "scheduler %s %s after %lld ms",
		 s->name, tm_status_text(wstatus, how, sizeof(how)), ms);
	ctx->svc->life(ctx, KTINIT_LIFE_SCHEDULER_DIED, reason);
	if (s->cfg->on_death == TM_DEATH_FAIL)
		tm_say(ctx, "%s; stopping the payload, exit code %d "
			    "([test] on_scheduler_death = fail)",
		       reason, KTINIT_EXIT_SCHED_DIED);
	else
		tm_say(ctx, "%s; the payload carries on ([test] "
			    "on_scheduler_death = continue)", reason);
}

/* The scheduler exited: collect, report, and start stopping the payload.
 * Returns the payload group that got SIGTERM (0: none). */
static pid_t on_death(struct tm_watch *w)
{
	const struct tm_sched *s = w->s;
	int st = 0, err;
	pid_t pgid;

	err = w->ctx->svc->wait(w->ctx, s->pid, COLLECT_MS, &st);
	if (err) {
		tm_warn(w->ctx, "scheduler %s: pidfd says it exited, but "
				"collecting it failed: %s", s->name, strerror(-err));
		st = 255 << 8;
	}
	/* Its helpers die with it; the group id is still safe to use now. */
	kill(-s->pid, SIGKILL);
	pthread_mutex_lock(&w->lock);
	w->died = 1;
	w->exited = err == 0;
	w->status = st;
	pgid = w->payload_pgid;
	pthread_mutex_unlock(&w->lock);
	tm_sched_report_death(w->ctx, s, st);
	if (s->cfg->on_death != TM_DEATH_FAIL || !pgid)
		return 0;
	kill(-pgid, SIGTERM);
	return pgid;
}

static void *watch_main(void *arg)
{
	struct tm_watch *w = arg;
	long long kill_at = 0;
	int dead = 0;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = w->stop_pipe[0], .events = POLLIN },
			{ .fd = dead ? -1 : w->s->pidfd, .events = POLLIN },
		};
		int timeout = -1;
		pid_t pgid;

		if (kill_at) {
			long long left = kill_at - tm_now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		/* A death seen together with the stop request happened
		 * before the teardown's kill: report it. */
		if (!dead && pfd[1].revents) {
			dead = 1;
			if (on_death(w))
				kill_at = tm_now_ms() + w->s->cfg->stop_grace_ms;
		}
		if (pfd[0].revents)
			break;
		if (kill_at && tm_now_ms() >= kill_at) {
			pthread_mutex_lock(&w->lock);
			pgid = w->payload_pgid;
			pthread_mutex_unlock(&w->lock);
			if (pgid)
				kill(-pgid, SIGKILL);
			kill_at = 0;
		}
	}
	return NULL;
}

static int report_if_exited(struct ktinit_ctx *ctx, struct tm_sched *s)
{
	int st;

	if (ctx->svc->wait(ctx, s->pid, 0, &st) != 0)
		return 0;
	kill(-s->pid, SIGKILL);
	s->exited = 1;
	s->status = st;
	s->died = 1;
	tm_sched_report_death(ctx, s, st);
	return 1;
}

int tm_watch_start(struct ktinit_ctx *ctx, struct tm_sched *s)
{
	struct tm_watch *w;
	int err;

	if (s->exited || report_if_exited(ctx, s))
		return 0;
	if (s->pidfd < 0) {
		tm_warn(ctx, "scheduler %s: no pidfd, so no death watch during "
			     "the payload", s->name);
		return -ENOSYS;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ctx = ctx;
	w->s = s;
	pthread_mutex_init(&w->lock, NULL);
	if (pipe2(w->stop_pipe, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&w->thread, NULL, watch_main, w);
	if (err) {
		close(w->stop_pipe[0]);
		close(w->stop_pipe[1]);
		goto fail;
	}
	s->watch = w;
	return 0;
fail:
	tm_warn(ctx, "scheduler %s: cannot start the death watch: %s", s->name,
		strerror(-err));
	pthread_mutex_destroy(&w->lock);
	free(w);
	return err;
}

int tm_watch_set_payload(struct tm_sched *s, pid_t pgid)
{
	struct tm_watch *w = s->watch;
	int died;

	if (!w)
		return pgid && s->died && s->cfg->on_death == TM_DEATH_FAIL;
	pthread_mutex_lock(&w->lock);
	w->payload_pgid = pgid;
	died = w->died;
	pthread_mutex_unlock(&w->lock);
	return pgid && died && s->cfg->on_death == TM_DEATH_FAIL;
}

int tm_watch_died(struct tm_sched *s)
{
	struct tm_watch *w = s->watch;
	int died;

	if (!w)
		return s->died;
	pthread_mutex_lock(&w->lock);
	died = w->died;
	pthread_mutex_unlock(&w->lock);
	return died;
}

void tm_watch_stop(struct tm_sched *s)
{
	struct tm_watch *w = s->watch;
	ssize_t r;

	if (!w)
		return;
	do
		r = write(w->stop_pipe[1], "s", 1);
	while (r < 0 && errno == EINTR);
	pthread_join(w->thread, NULL);
	if (w->died) {
		s->died = 1;
		s->exited = w->exited;
		s->status = w->status;
	}
	close(w->stop_pipe[0]);
	close(w->stop_pipe[1]);
	pthread_mutex_destroy(&w->lock);
	free(w);
	s->watch = NULL;
}
