#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

long long tm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tm_exec_error_code(int err)
{
	return err == -ENOENT ? 127 : 126;
}

int tm_stop_group(struct ktinit_ctx *ctx, pid_t pid, int grace_ms,
		  int kill_wait_ms, int *wstatus)
{
	int err;

	kill(-pid, SIGTERM);
	err = ctx->svc->wait(ctx, pid, grace_ms, wstatus);
	kill(-pid, SIGKILL);
	if (err != -ETIMEDOUT)
		return err;
	err = ctx->svc->wait(ctx, pid, kill_wait_ms, wstatus);
	return err ? err : 1;
}

const char *tm_status_text(int wstatus, char *buf, size_t len)
{
	int code = ktinit_wstatus_code(wstatus);

	if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "exited with %d (signal %d)", code,
			 WTERMSIG(wstatus));
	else
		snprintf(buf, len, "exited with %d", code);
	return buf;
}
