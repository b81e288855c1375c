/* test mode: small helpers around child processes. */
#ifndef KT_TEST_PROC_H
#define KT_TEST_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include <ktinit/mode.h>

/* CLOCK_MONOTONIC in milliseconds. */
long long tm_now_ms(void);

/* The exit code a shell reports when spawn() failed with err (-errno). */
int tm_exec_error_code(int err);

/* Stop process group pid (its leader is pid, a child from spawn()):
 * SIGTERM, up to grace_ms for the leader to end, then SIGKILL to the whole
 * group (stragglers outlive their leader, so the group gets SIGKILL in any
 * case). Waits at most kill_wait_ms for the leader after SIGKILL.
 * Returns 0 (ended within the grace) or 1 (needed SIGKILL) with *wstatus
 * set, -ETIMEDOUT when the leader survived SIGKILL, or -ECHILD. */
int tm_stop_group(struct ktinit_ctx *ctx, pid_t pid, int grace_ms,
		  int kill_wait_ms, int *wstatus);

/* "exited with N" or "exited with 128+S (signal S)" for a wait status,
 * into buf. Returns buf. */
const char *tm_status_text(int wstatus, char *buf, size_t len);

#endif
