#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "say.h"

#define TRACE_MAX_EVENTS 64
#define COM1 "/dev/ttyS0"

static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

struct tm_trace {
	struct ktinit_ctx *ctx;
	char root[PATH_MAX];
	char *enabled[TRACE_MAX_EVENTS]; /* enable files set to "1" */
	size_t n_enabled;
	int pipe_fd, com1_fd, stop[2];
	pthread_t thread;
	/* thread-local from here */
	int stopping;
	long long deadline;
	unsigned long long copied;
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int find_tracefs(struct ktinit_ctx *ctx, char *root, size_t len)
{
	char probe[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		if (ctx->svc->path(ctx, tracefs_dirs[i], root, len))
			continue;
		snprintf(probe, sizeof(probe), "%s/tracing_on", root);
		if (access(probe, F_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int valid_name(const char *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/* "sys:event", "sys:*" or "sys" -> its enable file under root. */
static int enable_path(const char *root, const char *spec, char *out,
		       size_t len)
{
	const char *colon = strchr(spec, ':');
	size_t slen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *ev = colon ? colon + 1 : "*";
	int n;

	if (!valid_name(spec, slen) ||
	    (strcmp(ev, "*") != 0 && !valid_name(ev, strlen(ev))))
		return -EINVAL;
	if (strcmp(ev, "*") == 0)
		n = snprintf(out, len, "%s/events/%.*s/enable", root, (int)slen, spec);
	else
		n = snprintf(out, len, "%s/events/%.*s/%s/enable", root, (int)slen,
			     spec, ev);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void enable_events(struct tm_trace *t, const char *events)
{
	char list[1024], path[PATH_MAX];
	char *tok, *save = NULL;
	int err;

	snprintf(list, sizeof(list), "%s", events);
	for (tok = strtok_r(list, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		err = enable_path(t->root, tok, path, sizeof(path));
		if (err) {
			tm_warn(t->ctx, "[test] trace_events: \"%s\": expected "
					"sys:event, sys:* or sys", tok);
			continue;
		}
		if (t->n_enabled == TRACE_MAX_EVENTS) {
			tm_warn(t->ctx, "[test] trace_events: more than %d events; "
					"\"%s\" and the rest ignored",
				TRACE_MAX_EVENTS, tok);
			break;
		}
		err = write_file(path, "1");
		if (err) {
			tm_warn(t->ctx, "[test] trace_events: %s: %s: %s", tok,
				path, strerror(-err));
			continue;
		}
		t->enabled[t->n_enabled] = strdup(path);
		if (t->enabled[t->n_enabled])
			t->n_enabled++;
	}
}

static void disable_events(struct tm_trace *t)
{
	for (size_t i = 0; i < t->n_enabled; i++) {
		write_file(t->enabled[i], "0");
		free(t->enabled[i]);
	}
	t->n_enabled = 0;
}

/* The stop request arrived: from now on every wait ends at the deadline. */
static void begin_stop(struct tm_trace *t)
{
	t->stopping = 1;
	t->deadline = tm_now_ms() + TM_TRACE_DRAIN_MS;
}

/* Wait for fd to be ready for ev, or for the stop request (running), or
 * until the deadline (stopping). Returns 1 ready or stop requested, 0
 * deadline passed. */
static int wait_io(struct tm_trace *t, int fd, short ev)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = ev },
			{ .fd = t->stopping ? -1 : t->stop[0], .events = POLLIN },
		};
		int timeout = -1;

		if (t->stopping) {
			long long left = t->deadline - tm_now_ms();

			if (left <= 0)
				return 0;
			timeout = (int)left;
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			return 0;
		if (pfd[1].revents) {
			begin_stop(t);
			return 1;
		}
		if (pfd[0].revents)
			return 1;
	}
}

/* Returns 0 when COM1 stayed blocked past the deadline. */
static int write_com1(struct tm_trace *t, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(t->com1_fd, buf, len);

		if (w > 0) {
			buf += w;
			len -= (size_t)w;
			t->copied += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return 0;
		if (!wait_io(t, t->com1_fd, POLLOUT))
			return 0;
	}
	return 1;
}

static void *trace_main(void *arg)
{
	struct tm_trace *t = arg;
	char buf[16384];

	for (;;) {
		ssize_t r;

		/* Running: sleep until data or the stop request. Stopping:
		 * non-blocking reads until empty or the deadline. */
		if (!t->stopping && !wait_io(t, t->pipe_fd, POLLIN))
			break;
		if (t->stopping && tm_now_ms() >= t->deadline)
			break;
		r = read(t->pipe_fd, buf, sizeof(buf));
		if (r > 0) {
			if (!write_com1(t, buf, (size_t)r))
				break;
		} else if (r == 0 || errno == EAGAIN) {
			if (t->stopping)
				break;
			if (r == 0) /* no more writers: wait for stop only */
				wait_io(t, -1, 0);
		} else if (errno != EINTR) {
			break;
		}
	}
	return NULL;
}

static int open_ends(struct tm_trace *t)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/trace_pipe", t->root);
	t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (t->pipe_fd < 0) {
		tm_warn(t->ctx, "[test] trace_events: %s: %s", path, strerror(errno));
		return -1;
	}
	if (t->ctx->svc->path(t->ctx, COM1, path, sizeof(path)) == 0)
		t->com1_fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (t->com1_fd < 0) {
		tm_warn(t->ctx, "[test] trace_events: %s: %s", COM1, strerror(errno));
		return -1;
	}
	if (pipe2(t->stop, O_CLOEXEC)) {
		tm_warn(t->ctx, "[test] trace_events: pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void trace_free(struct tm_trace *t)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/tracing_on", t->root);
	write_file(path, "0");
	disable_events(t);
	if (t->pipe_fd >= 0)
		close(t->pipe_fd);
	if (t->com1_fd >= 0)
		close(t->com1_fd);
	if (t->stop[0] >= 0) {
		close(t->stop[0]);
		close(t->stop[1]);
	}
	free(t);
}

struct tm_trace *tm_trace_start(struct ktinit_ctx *ctx, const char *events)
{
	struct tm_trace *t;
	char path[PATH_MAX + 16];
	int err;

	if (!events || !events[strspn(events, " \t,")])
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ctx = ctx;
	t->pipe_fd = t->com1_fd = t->stop[0] = t->stop[1] = -1;
	if (find_tracefs(ctx, t->root, sizeof(t->root))) {
		tm_warn(ctx, "[test] trace_events: no tracefs at %s or %s; "
			     "tracing off", tracefs_dirs[0], tracefs_dirs[1]);
		free(t);
		return NULL;
	}
	enable_events(t, events);
	if (!t->n_enabled || open_ends(t))
		goto fail;
	/* Start from an empty buffer: only this payload's events. */
	snprintf(path, sizeof(path), "%s/trace", t->root);
	err = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (err >= 0)
		close(err);
	snprintf(path, sizeof(path), "%s/tracing_on", t->root);
	err = write_file(path, "1");
	if (err) {
		tm_warn(ctx, "[test] trace_events: %s: %s", path, strerror(-err));
		goto fail;
	}
	err = pthread_create(&t->thread, NULL, trace_main, t);
	if (err) {
		tm_warn(ctx, "[test] trace_events: thread: %s", strerror(err));
		goto fail;
	}
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "tracing %zu event spec(s) to %s",
		      t->n_enabled, COM1);
	return t;
fail:
	trace_free(t);
	return NULL;
}

void tm_trace_stop(struct ktinit_ctx *ctx, struct tm_trace *t)
{
	char path[PATH_MAX + 16];
	ssize_t r;

	if (!t)
		return;
	/* Stop the kernel adding events before draining what is there. */
	snprintf(path, sizeof(path), "%s/tracing_on", t->root);
	write_file(path, "0");
	do
		r = write(t->stop[1], "s", 1);
	while (r < 0 && errno == EINTR);
	pthread_join(t->thread, NULL);
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "tracing stopped: %llu bytes to %s",
		      t->copied, COM1);
	trace_free(t);
}
