#include "stdio_fwd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ktinit/frame.h>

#include "fdio.h"

static const uint32_t frame_type[2] = { KTINIT_FRAME_SOUT, KTINIT_FRAME_SERR };

/* Forward one read's worth. Returns 1 when bytes went out, 0 when the
 * pipe is empty (O_NONBLOCK), -1 at EOF or on error. */
static int forward_once(struct kt_stdio_fwd *f, int i)
{
	char buf[65536];
	ssize_t n;

	do {
		n = read(f->rd[i], buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1;
	kt_channel_send(f->ch, frame_type[i], buf, (size_t)n);
	return 1;
}

static void close_rd(struct kt_stdio_fwd *f, int i)
{
	if (f->rd[i] >= 0)
		close(f->rd[i]);
	f->rd[i] = -1;
}

/* After a stop request: what is buffered now is all that will be sent. */
static void flush_buffered(struct kt_stdio_fwd *f)
{
	for (int i = 0; i < 2; i++) {
		if (f->rd[i] < 0)
			continue;
		fcntl(f->rd[i], F_SETFL, O_NONBLOCK);
		while (forward_once(f, i) > 0)
			;
		close_rd(f, i);
	}
}

static void *forwarder(void *arg)
{
	struct kt_stdio_fwd *f = arg;

	while (f->rd[0] >= 0 || f->rd[1] >= 0) {
		struct pollfd p[3] = {
			{ .fd = f->rd[0], .events = POLLIN },
			{ .fd = f->rd[1], .events = POLLIN },
			{ .fd = f->stop[0], .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Data before hang-up: POLLHUP may come with the last bytes
		 * still in the pipe, so read until read() says EOF. */
		for (int i = 0; i < 2; i++)
			if (p[i].revents && forward_once(f, i) < 0)
				close_rd(f, i);
		if (p[2].revents)
			break;
	}
	flush_buffered(f);
	pthread_mutex_lock(&f->lock);
	f->done = 1;
	pthread_cond_signal(&f->done_cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static int install_stdio(int out_w, int err_w)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0 && null != 0)
		dup2(null, 0);
	if (null > 0)
		close(null);
	if (dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		return -errno;
	return 0;
}

int kt_stdio_fwd_start(struct kt_stdio_fwd *f, struct kt_channel *ch)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->ch = ch;
	f->rd[0] = f->rd[1] = f->stop[0] = f->stop[1] = -1;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->done_cond, NULL);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(f->stop, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	/* 1 MiB pipes: a payload that writes a burst and exits at once never
	 * blocks on the forwarder (capped by /proc/sys/fs/pipe-max-size). */
	fcntl(out[1], F_SETPIPE_SZ, 1 << 20);
	fcntl(err[1], F_SETPIPE_SZ, 1 << 20);
	rc = install_stdio(out[1], err[1]);
	if (rc)
		goto fail;
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	f->rd[0] = out[0];
	f->rd[1] = err[0];
	rc = -pthread_create(&f->thread, NULL, forwarder, f);
	if (rc)
		goto fail;
	f->started = 1;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return rc;
}

static void wait_done(struct kt_stdio_fwd *f, int drain_ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += drain_ms / 1000;
	until.tv_nsec += (long)(drain_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!f->done) {
		if (pthread_cond_timedwait(&f->done_cond, &f->lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&f->lock);
}

void kt_stdio_fwd_drain(struct kt_stdio_fwd *f, int drain_ms)
{
	int null;

	if (!f->started)
		return;
	/* Drop our own write ends, or the pipes never reach EOF. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	wait_done(f, drain_ms);
	kt_write_all(f->stop[1], "x", 1);
	pthread_join(f->thread, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	f->started = 0;
}
