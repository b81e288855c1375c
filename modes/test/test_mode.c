/* test mode: run the payload (bracketed by /sched_enable and
 * /sched_disable, optionally under a scheduler and with kernel tracing),
 * stream its output, report its exact exit code.
 *
 * Order: payload argv, config, /sched_enable, workload cgroup, scheduler
 * start + attach check + death watch, tracing, payload, tracing off,
 * scheduler teardown + log, /sched_disable. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <ktinit/mode.h>

#include "hooks.h"
#include "payload.h"
#include "proc.h"
#include "say.h"
#include "sched_life.h"
#include "sched_cgroup.h"
#include "sched_watch.h"
#include "trace.h"

#define KILL_GRACE_MS 2000
#define KILL_WAIT_MS 5000

static int load_payload(struct ktinit_ctx *ctx, struct tm_argv *argv)
{
	const char *command = ctx->svc->config_get(ctx, "test", "command", NULL);
	const char *file = ctx->svc->config_get(ctx, "test", "argv_file", "/args");
	char path[PATH_MAX];
	int err;

	if (command && *command)
		return tm_argv_command(command, argv);
	err = ctx->svc->path(ctx, file, path, sizeof(path));
	if (!err)
		err = tm_argv_read(path, argv);
	if (err == -ENOENT)
		tm_say(ctx, "no payload: %s does not exist and [test] command is "
			    "unset (ktinit-run -- CMD ARGS writes /args)", file);
	else if (err == -ENODATA)
		tm_say(ctx, "no payload: %s is empty", file);
	else if (err)
		tm_say(ctx, "no payload: %s: %s", file, strerror(-err));
	return err;
}

struct payload_run {
	struct tm_argv *argv;
	const char *cgroup;   /* NULL: the core's cgroup */
	struct tm_sched *sched;
	long timeout_s;       /* 0: none */
};

/* Wait for the payload, enforcing [test] timeout_s. */
static int wait_payload(struct ktinit_ctx *ctx, const struct payload_run *p,
			pid_t pid)
{
	int status = 0, err;

	err = ctx->svc->wait(ctx, pid, p->timeout_s ? (int)(p->timeout_s * 1000) : -1,
			     &status);
	if (err == -ETIMEDOUT) {
		tm_stop_group(ctx, pid, KILL_GRACE_MS, KILL_WAIT_MS, &status);
		tm_say(ctx, "payload %s timed out after %ld s ([test] timeout_s); "
			    "killed its process group, exit code %d",
		       p->argv->argv[0], p->timeout_s, KTINIT_EXIT_TIMEOUT);
		return KTINIT_EXIT_TIMEOUT;
	}
	if (err) {
		tm_say(ctx, "waiting for payload: %s", strerror(-err));
		return KTINIT_EXIT_SETUP;
	}
	return ktinit_wstatus_code(status);
}

static int run_payload(struct ktinit_ctx *ctx, const struct payload_run *p)
{
	struct ktinit_spawn req = {
		.argv = (const char *const *)p->argv->argv,
		.new_pgrp = 1, /* so a timeout can kill all it started */
		.cgroup = p->cgroup,
	};
	int status, code;
	pid_t pid;

	if (p->sched && tm_watch_died(p->sched) &&
	    p->sched->cfg->on_death == TM_DEATH_FAIL) {
		tm_say(ctx, "the scheduler died before the payload started; "
			    "payload not run");
		return KTINIT_EXIT_SCHED_DIED;
	}
	ctx->svc->life(ctx, KTINIT_LIFE_PAYLOAD_STARTING, p->argv->argv[0]);
	pid = ctx->svc->spawn(ctx, &req);
	if (pid < 0) {
		tm_say(ctx, "payload %s: %s", p->argv->argv[0], strerror(-pid));
		return tm_exec_error_code(pid);
	}
	if (p->sched && tm_watch_set_payload(p->sched, pid)) {
		/* The scheduler died between the check above and now. */
		tm_stop_group(ctx, pid, p->sched->cfg->stop_grace_ms,
			      KILL_WAIT_MS, &status);
		code = ktinit_wstatus_code(status);
	} else {
		code = wait_payload(ctx, p, pid);
	}
	if (p->sched)
		tm_watch_set_payload(p->sched, 0);
	return code;
}

/* Everything between /sched_enable and /sched_disable. */
static int run_bracketed(struct ktinit_ctx *ctx, struct tm_argv *argv,
			 const struct tm_sched_cfg *cfg)
{
	struct payload_run p = { .argv = argv };
	char wcg[PATH_MAX];
	struct tm_sched sched;
	struct tm_trace *trace;
	int code;

	p.timeout_s = ctx->svc->config_long(ctx, "test", "timeout_s", 0, 0,
					    INT_MAX / 1000);
	if (cfg->workload_cgroup) {
		if (tm_cgroup_prepare(ctx, "[test] workload_cgroup",
				      cfg->workload_cgroup, wcg, sizeof(wcg)))
			return KTINIT_EXIT_SETUP;
		p.cgroup = wcg;
	}
	tm_sched_init(&sched, cfg);
	if (cfg->argv.argc) {
		p.sched = &sched;
		code = tm_sched_start(ctx, &sched);
		if (code) {
			tm_sched_stop(ctx, &sched);
			return code;
		}
	}
	trace = tm_trace_start(ctx, cfg->trace_events);
	code = run_payload(ctx, &p);
	tm_trace_stop(ctx, trace);
	tm_sched_stop(ctx, &sched);
	return tm_sched_verdict(ctx, &sched, code);
}

static int test_run(struct ktinit_ctx *ctx)
{
	struct tm_sched_cfg cfg;
	struct tm_argv argv;
	int code;

	if (load_payload(ctx, &argv))
		return KTINIT_EXIT_SETUP;
	if (tm_sched_cfg_load(ctx, &cfg)) {
		code = KTINIT_EXIT_SETUP;
		goto done;
	}
	code = tm_run_hook(ctx, "/sched_enable");
	if (code) {
		tm_say(ctx, "/sched_enable failed; payload not run");
		code = KTINIT_EXIT_SETUP;
	} else {
		code = run_bracketed(ctx, &argv, &cfg);
	}
	tm_run_hook(ctx, "/sched_disable");
done:
	tm_sched_cfg_free(&cfg);
	tm_argv_free(&argv);
	return code;
}

static const char *const test_keys[] = {
	"command", "argv_file", "timeout_s",
	"scheduler", "scheduler_args", "scheduler_cgroup", "workload_cgroup",
	"require_attach", "attach_timeout_ms", "sched_ext_root",
	"on_scheduler_death", "scheduler_log", "stop_grace_ms", "trace_events",
	NULL,
};

KTINIT_MODE_EXPORT const struct ktinit_mode_ops ktinit_mode = {
	.abi = KTINIT_MODE_ABI_VERSION,
	.name = "test",
	.summary = "run a payload (from /args or [test] command), optionally "
		   "under a scheduler, and report its exit code",
	.config_keys = test_keys,
	.run = test_run,
};
