#include "hooks.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "say.h"

#define HOOK_TIMEOUT_MS 60000
#define HOOK_GRACE_MS 2000
#define HOOK_KILL_WAIT_MS 5000

int tm_run_hook(struct ktinit_ctx *ctx, const char *guest_path)
{
	char path[PATH_MAX];
	const char *argv[] = { "/bin/sh", path, NULL };
	struct ktinit_spawn req = { .argv = argv, .new_pgrp = 1 };
	int status = 0, code;
	pid_t pid;

	if (ctx->svc->path(ctx, guest_path, path, sizeof(path)) ||
	    access(path, F_OK) != 0)
		return 0;
	if (access(path, X_OK) == 0)
		req.argv = argv + 1; /* run it directly: it may be a binary */
	pid = ctx->svc->spawn(ctx, &req);
	if (pid < 0) {
		tm_say(ctx, "%s: %s", guest_path, strerror(-pid));
		return tm_exec_error_code(pid);
	}
	if (ctx->svc->wait(ctx, pid, HOOK_TIMEOUT_MS, &status) == -ETIMEDOUT) {
		tm_say(ctx, "%s: still running after %d s; killed", guest_path,
		       HOOK_TIMEOUT_MS / 1000);
		if (tm_stop_group(ctx, pid, HOOK_GRACE_MS, HOOK_KILL_WAIT_MS,
				  &status) < 0) {
			tm_say(ctx, "%s: pid %d survived SIGKILL", guest_path,
			       (int)pid);
			return KTINIT_EXIT_SETUP;
		}
	}
	code = ktinit_wstatus_code(status);
	if (code)
		tm_say(ctx, "%s exited with %d", guest_path, code);
	return code;
}
