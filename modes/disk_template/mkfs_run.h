/* disk_template: run mkfs, capture what it prints, get its exact status.
 *
 * The child gets the core's stdin (/dev/null under the default stdio) and
 * two pipes for stdout and stderr that this process reads itself with
 * poll(): every chunk is forwarded at once as a SOUT or SERR frame (so the
 * host sees mkfs's words even if the guest dies later) and its tail is kept
 * for the COM2 diagnostic. The child leads its own process group so a
 * timeout can kill whatever it started too. */
#ifndef DT_MKFS_RUN_H
#define DT_MKFS_RUN_H

#include <ktinit/mode.h>

#include "tailbuf.h"

/* After mkfs exits, how long a leftover holder of its pipes may keep them
 * open before we stop reading and kill its process group. */
#define DT_LINGER_MS 1000
/* After SIGKILL on timeout, how long to wait for the status. */
#define DT_KILL_WAIT_MS 5000

struct dt_mkfs_result {
	int spawn_err;      /* 0, or errno of pipe() or ctx->svc->spawn() */
	int have_status;    /* 1: wstatus holds mkfs's wait status */
	int wstatus;
	int timed_out;      /* 1: the timeout passed and the group was killed */
	int wait_err;       /* errno of ctx->svc->wait() when no status came */
	int pipes_lingered; /* mkfs exited, something else kept its pipes open */
	long elapsed_ms;    /* spawn to status */
	struct dt_tail out; /* tail of stdout */
	struct dt_tail err; /* tail of stderr */
};

/* Check an mkfs given by path before running it, so a missing or
 * non-executable file gets its own diagnostic instead of a bare exit 127 or
 * 126 from the child. A name without '/' is left to the PATH lookup in
 * spawn() and passes. Returns 0, ENOENT (missing), EACCES (not an
 * executable regular file) or another errno from stat(). */
int dt_mkfs_check(const char *path);

/* Nonzero when r is an exit 0 that came before any timeout. */
int dt_mkfs_succeeded(const struct dt_mkfs_result *r);

/* Run argv (argv[0] a path or a name for PATH, NULL-terminated) and fill r,
 * which the caller allocates (it is large: two DT_TAIL_MAX buffers).
 * timeout_ms bounds the whole run. Returns 0 when r->wstatus is valid,
 * -errno otherwise (r says which step failed). */
int dt_mkfs_run(struct ktinit_ctx *ctx, const char *const *argv,
		int timeout_ms, struct dt_mkfs_result *r);

#endif
