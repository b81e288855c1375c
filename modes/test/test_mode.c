/* test mode: run the payload (bracketed by /sched_enable and
 * /sched_disable), stream its output, report its exact exit code. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ktinit/mode.h>

#include "payload.h"

#define HOOK_TIMEOUT_MS 60000
#define KILL_GRACE_MS 2000

/* An error the user must see: on the console and COM2 through the core,
 * and on the payload's stderr stream so the host prints it in place. */
static void say(struct ktinit_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct ktinit_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->svc->log(ctx, KTINIT_LOG_ERR, "%s", msg);
	dprintf(STDERR_FILENO, "ktinit: test: %s\n", msg);
}

static int exec_error_code(int err)
{
	return err == -ENOENT ? 127 : 126;
}

/* Kill the process group, politely first, and collect the leader. */
static int kill_group(struct ktinit_ctx *ctx, pid_t pid)
{
	int status = 0;

	kill(-pid, SIGTERM);
	if (ctx->svc->wait(ctx, pid, KILL_GRACE_MS, &status) == 0) {
		kill(-pid, SIGKILL); /* stragglers in the group */
		return status;
	}
	kill(-pid, SIGKILL);
	ctx->svc->wait(ctx, pid, -1, &status);
	return status;
}

/* Run a hook script such as /sched_enable if it exists. Returns 0 when
 * absent or successful, else its exit code. */
static int run_hook(struct ktinit_ctx *ctx, const char *guest_path)
{
	char path[PATH_MAX];
	const char *argv[] = { "/bin/sh", path, NULL };
	struct ktinit_spawn req = { .argv = argv, .new_pgrp = 1 };
	int status, code;
	pid_t pid;

	if (ctx->svc->path(ctx, guest_path, path, sizeof(path)) ||
	    access(path, F_OK) != 0)
		return 0;
	if (access(path, X_OK) == 0)
		req.argv = argv + 1; /* run it directly: it may be a binary */
	pid = ctx->svc->spawn(ctx, &req);
	if (pid < 0) {
		say(ctx, "%s: %s", guest_path, strerror(-pid));
		return exec_error_code(pid);
	}
	if (ctx->svc->wait(ctx, pid, HOOK_TIMEOUT_MS, &status) == -ETIMEDOUT) {
		say(ctx, "%s: still running after %d s; killed", guest_path,
		    HOOK_TIMEOUT_MS / 1000);
		status = kill_group(ctx, pid);
	}
	code = ktinit_wstatus_code(status);
	if (code)
		say(ctx, "%s exited with %d", guest_path, code);
	return code;
}

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
		say(ctx, "no payload: %s does not exist and [test] command is unset "
			 "(ktinit-run -- CMD ARGS writes /args)", file);
	else if (err == -ENODATA)
		say(ctx, "no payload: %s is empty", file);
	else if (err)
		say(ctx, "no payload: %s: %s", file, strerror(-err));
	return err;
}

static int run_payload(struct ktinit_ctx *ctx, struct tm_argv *argv)
{
	long timeout_s = ctx->svc->config_long(ctx, "test", "timeout_s", 0, 0,
					       INT_MAX / 1000);
	struct ktinit_spawn req = {
		.argv = (const char *const *)argv->argv,
		.new_pgrp = 1, /* so a timeout can kill all it started */
	};
	int status, err;
	pid_t pid;

	ctx->svc->life(ctx, KTINIT_LIFE_PAYLOAD_STARTING, argv->argv[0]);
	pid = ctx->svc->spawn(ctx, &req);
	if (pid < 0) {
		say(ctx, "payload %s: %s", argv->argv[0], strerror(-pid));
		return exec_error_code(pid);
	}
	err = ctx->svc->wait(ctx, pid, timeout_s ? (int)(timeout_s * 1000) : -1,
			     &status);
	if (err == -ETIMEDOUT) {
		kill_group(ctx, pid);
		say(ctx, "payload %s timed out after %ld s ([test] timeout_s); "
			 "killed its process group, exit code %d",
		    argv->argv[0], timeout_s, KTINIT_EXIT_TIMEOUT);
		return KTINIT_EXIT_TIMEOUT;
	}
	if (err) {
		say(ctx, "waiting for payload: %s", strerror(-err));
		return KTINIT_EXIT_SETUP;
	}
	return ktinit_wstatus_code(status);
}

static int test_run(struct ktinit_ctx *ctx)
{
	struct tm_argv argv;
	int code;

	if (load_payload(ctx, &argv))
		return KTINIT_EXIT_SETUP;
	code = run_hook(ctx, "/sched_enable");
	if (code) {
		say(ctx, "/sched_enable failed; payload not run");
		code = KTINIT_EXIT_SETUP;
	} else {
		code = run_payload(ctx, &argv);
	}
	run_hook(ctx, "/sched_disable");
	tm_argv_free(&argv);
	return code;
}

static const char *const test_keys[] = { "command", "argv_file", "timeout_s",
					 NULL };

KTINIT_MODE_EXPORT const struct ktinit_mode_ops ktinit_mode = {
	.abi = KTINIT_MODE_ABI_VERSION,
	.name = "test",
	.summary = "run a payload (from /args or [test] command) and report its exit code",
	.config_keys = test_keys,
	.run = test_run,
};
