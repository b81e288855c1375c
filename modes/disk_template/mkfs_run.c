/* disk_template: run mkfs, capture what it prints, get its exact status. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mkfs_run.h"

#define POLL_SLICE_MS 100

struct stream {
	int fd;         /* read end; -1 once at EOF */
	uint32_t frame; /* KTINIT_FRAME_SOUT or KTINIT_FRAME_SERR */
	struct dt_tail *tail;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Both ends close-on-exec: the child gets its ends through dup2() onto
 * 1 and 2, and no other child may hold a write end (we would never see
 * EOF). */
static int make_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -errno;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* One read from a ready stream: keep the tail, forward a frame. */
static void pump(struct ktinit_ctx *ctx, struct stream *s)
{
	char buf[16384];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(&s->fd);
		return;
	}
	dt_tail_append(s->tail, buf, (size_t)n);
	/* Without a bulk port the core writes these bytes to COM2 itself;
	 * either way there is nothing better to do with an error here. */
	(void)ctx->svc->frame_send(ctx, s->frame, buf, (size_t)n);
}

static void kill_group(pid_t pid)
{
	(void)kill(-pid, SIGKILL);
	/* In case the core could not make it a group leader. */
	(void)kill(pid, SIGKILL);
}

/* Read whatever the open streams have within left ms (at most one slice,
 * so the caller gets to check on the child). */
static void pump_ready(struct ktinit_ctx *ctx, struct stream s[2], long left)
{
	int ms = (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS);
	struct pollfd pfd[2];
	struct stream *which[2];
	int i, n = 0;

	for (i = 0; i < 2; i++) {
		if (s[i].fd < 0)
			continue;
		pfd[n].fd = s[i].fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		which[n++] = &s[i];
	}
	if (poll(pfd, (nfds_t)n, ms) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (pfd[i].revents)
			pump(ctx, which[i]);
}

/* The read/wait loop. limit moves: the timeout, then after a kill the time
 * we give the status to arrive, then after the exit the time we give a
 * leftover writer. */
static void collect(struct ktinit_ctx *ctx, pid_t pid, struct stream s[2],
		    int timeout_ms, struct dt_mkfs_result *r)
{
	long start = now_ms(), limit = start + timeout_ms;
	int ws, rc;

	while (s[0].fd >= 0 || s[1].fd >= 0 || !r->have_status) {
		long now = now_ms();

		if (now >= limit) {
			if (r->have_status) {
				r->pipes_lingered = 1;
				kill_group(pid);
				break;
			}
			if (r->timed_out) {
				r->wait_err = ETIMEDOUT;
				break;
			}
			r->timed_out = 1;
			kill_group(pid);
			limit = now + DT_KILL_WAIT_MS;
			continue;
		}
		if (r->have_status) {
			pump_ready(ctx, s, limit - now);
			continue;
		}
		if (s[0].fd < 0 && s[1].fd < 0) {
			/* Nothing to read: just wait for the exit. */
			rc = ctx->svc->wait(ctx, pid, (int)(limit - now), &ws);
		} else {
			pump_ready(ctx, s, limit - now);
			rc = ctx->svc->wait(ctx, pid, 0, &ws);
		}
		if (rc == 0) {
			r->have_status = 1;
			r->wstatus = ws;
			r->elapsed_ms = now_ms() - start;
			limit = now_ms() + DT_LINGER_MS;
		} else if (rc != -ETIMEDOUT) {
			/* The core lost our child. Its pid may be reused by
			 * now, so no kill: stop reading and report. */
			r->wait_err = -rc;
			break;
		}
	}
}

int dt_mkfs_check(const char *path)
{
	struct stat st;

	if (!strchr(path, '/'))
		return 0;
	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	/* access() rather than the mode bits: it also knows about noexec
	 * mounts and root's rule (any x bit will do). */
	if (access(path, X_OK) < 0)
		return errno;
	return 0;
}

int dt_mkfs_succeeded(const struct dt_mkfs_result *r)
{
	return r->have_status && !r->timed_out && WIFEXITED(r->wstatus) &&
	       WEXITSTATUS(r->wstatus) == 0;
}

int dt_mkfs_run(struct ktinit_ctx *ctx, const char *const *argv,
		int timeout_ms, struct dt_mkfs_result *r)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct stream s[2];
	struct ktinit_spawn sp;
	pid_t pid;
	int rc;

	memset(r, 0, sizeof(*r));
	dt_tail_init(&r->out);
	dt_tail_init(&r->err);

	rc = make_pipe(out);
	if (rc == 0)
		rc = make_pipe(err);
	if (rc < 0) {
		r->spawn_err = -rc;
		goto done;
	}

	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.stdin_fd = STDIN_FILENO;
	sp.stdout_fd = out[1];
	sp.stderr_fd = err[1];
	sp.use_fds = 1;
	sp.new_pgrp = 1;
	pid = ctx->svc->spawn(ctx, &sp);
	/* Our copies of the write ends must go, or EOF never comes. */
	close_fd(&out[1]);
	close_fd(&err[1]);
	if (pid < 0) {
		r->spawn_err = -pid;
		rc = pid;
		goto done;
	}

	s[0] = (struct stream){ out[0], KTINIT_FRAME_SOUT, &r->out };
	s[1] = (struct stream){ err[0], KTINIT_FRAME_SERR, &r->err };
	out[0] = err[0] = -1; /* owned by s[] now */
	collect(ctx, pid, s, timeout_ms, r);
	close_fd(&s[0].fd);
	close_fd(&s[1].fd);
	rc = r->have_status ? 0 : -(r->wait_err ? r->wait_err : ETIMEDOUT);
done:
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	return rc;
}
