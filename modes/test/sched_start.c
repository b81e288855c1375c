/* Start the scheduler: its cgroup, its log, the spawn, the attach check
 * and the death watch. */
#include "sched_life.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc.h"
#include "say.h"
#include "sched_attach.h"
#include "sched_cgroup.h"
#include "sched_log.h"
#include "sched_watch.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on every architecture */
#endif

void tm_sched_init(struct tm_sched *s, const struct tm_sched_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->pidfd = -1;
	s->name = cfg->argv.argc ? cfg->argv.argv[0] : "(none)";
}

/* Spawn the scheduler with stdout and stderr on log_fd. Returns its pid
 * or -errno from spawn(). */
static pid_t spawn_sched(struct ktinit_ctx *ctx, struct tm_sched *s,
			 int log_fd, const char *cgroup)
{
	struct ktinit_spawn req = {
		.argv = (const char *const *)s->cfg->argv.argv,
		.use_fds = 1,
		.stdin_fd = -1,
		.stdout_fd = log_fd,
		.stderr_fd = log_fd,
		.new_pgrp = 1, /* so teardown reaches its helpers too */
		.cgroup = cgroup,
	};
	pid_t pid = ctx->svc->spawn(ctx, &req);

	if (pid < 0)
		return pid;
	s->pid = pid;
	s->started_ms = tm_now_ms();
	/* Right away, before anything can reap it and free the pid. */
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd < 0)
		s->pidfd = -1;
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "scheduler %s started (pid %d, "
		      "from %s, log %s%s%s)", s->name, (int)pid,
		      s->cfg->argv_from, s->cfg->log_path,
		      cgroup ? ", cgroup " : "", cgroup ? cgroup : "");
	return pid;
}

static int not_attached(struct ktinit_ctx *ctx, struct tm_sched *s,
			const char *reason)
{
	s->not_attached = 1;
	ctx->svc->life(ctx, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED, reason);
	tm_say(ctx, "scheduler %s did not attach: %s; payload not run, exit "
		    "code %d", s->name, reason, KTINIT_EXIT_SCHED_NOT_ATTACHED);
	return KTINIT_EXIT_SCHED_NOT_ATTACHED;
}

int tm_sched_start(struct ktinit_ctx *ctx, struct tm_sched *s)
{
	const struct tm_sched_cfg *cfg = s->cfg;
	char cgroup[PATH_MAX], reason[PATH_MAX + 128];
	int check = tm_attach_wanted(ctx, cfg);
	int log_fd;
	pid_t pid;

	if (cfg->sched_cgroup &&
	    tm_cgroup_prepare(ctx, "[test] scheduler_cgroup", cfg->sched_cgroup,
			      cgroup, sizeof(cgroup)))
		return KTINIT_EXIT_SETUP;
	log_fd = tm_sched_log_open(ctx, cfg->log_path);
	if (log_fd < 0)
		return KTINIT_EXIT_SETUP;
	pid = spawn_sched(ctx, s, log_fd, cfg->sched_cgroup ? cgroup : NULL);
	close(log_fd);
	if (pid < 0) {
		/* A scheduler that cannot even start never attached. */
		snprintf(reason, sizeof(reason), "could not start %s (from %s): %s",
			 s->name, cfg->argv_from, strerror((int)-pid));
		return not_attached(ctx, s, reason);
	}
	if (check && tm_attach_wait(ctx, s, reason, sizeof(reason)))
		return not_attached(ctx, s, reason);
	tm_watch_start(ctx, s);
	return 0;
}
