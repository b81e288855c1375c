#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Filled only when empty and flushed until empty: simple, and bounded. */
struct pbuf {
	char d[SHELL_PROXY_BUF];
	size_t off, len;
};

struct pump {
	const struct shell_proxy *p;
	struct pbuf c2m, m2c;   /* console -> master, master -> console */
	int exited;             /* done() said so */
	int master_hup;         /* slave side closed: write no more */
	int master_down;        /* and nothing is left to read */
	int con_eof;            /* console read gave 0: read no more */
	int quiet;              /* the last poll() since exited was idle */
	int ending;             /* exited or master_hup: deadline runs */
	long long deadline;
};

enum { P_CON_IN, P_CON_OUT, P_MASTER, P_N };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns bytes read, 0 at end of file, or -errno (-EAGAIN: nothing now). */
static ssize_t buf_fill(struct pbuf *b, int fd)
{
	ssize_t n;

	do {
		n = read(fd, b->d, sizeof(b->d));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	b->off = 0;
	b->len = (size_t)n;
	return n;
}

/* Write what the fd takes now. Returns 0 or -errno (never -EAGAIN). */
static int buf_flush(struct pbuf *b, int fd)
{
	while (b->len) {
		ssize_t n = write(fd, b->d + b->off, b->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		b->off += (size_t)n;
		b->len -= (size_t)n;
	}
	b->off = 0;
	return 0;
}

static void start_ending(struct pump *s)
{
	if (s->ending)
		return;
	s->ending = 1;
	s->deadline = now_ms() + s->p->linger_ms;
}

static void master_hung_up(struct pump *s)
{
	s->master_hup = 1;
	s->c2m.len = 0; /* keystrokes nobody will read */
	start_ending(s);
}

static int want_con_in(const struct pump *s)
{
	return !s->con_eof && !s->exited && !s->master_hup && !s->c2m.len;
}

static int want_master_in(const struct pump *s)
{
	return !s->master_down && !s->m2c.len;
}

static void fill_pollfds(const struct pump *s, struct pollfd *pfd)
{
	const struct shell_proxy *p = s->p;

	/* An fd with nothing to wait for is left out (fd -1): a hung-up
	 * fd polled for nothing would still wake poll() with POLLHUP and
	 * spin while the other side drains. */
	pfd[P_CON_IN].fd = want_con_in(s) ? p->con_in : -1;
	pfd[P_CON_IN].events = POLLIN;
	pfd[P_CON_OUT].fd = s->m2c.len ? p->con_out : -1;
	pfd[P_CON_OUT].events = POLLOUT;
	pfd[P_MASTER].events = 0;
	if (want_master_in(s))
		pfd[P_MASTER].events |= POLLIN;
	if (!s->master_hup && s->c2m.len)
		pfd[P_MASTER].events |= POLLOUT;
	pfd[P_MASTER].fd = pfd[P_MASTER].events ? p->master : -1;
	for (int i = 0; i < P_N; i++)
		pfd[i].revents = 0;
}

static int on_master(struct pump *s, short re, int asked_in)
{
	ssize_t n;

	if (re & POLLNVAL)
		return -EBADF;
	/* Hang-up first: it decides whether reading is still safe. */
	if (re & (POLLHUP | POLLERR))
		master_hung_up(s);
	if (re & POLLERR) {
		s->master_down = 1;
		return 0;
	}
	if (re & POLLIN) {
		n = buf_fill(&s->m2c, s->p->master);
		/* A PTY master reports the closed slave as EIO once its
		 * buffer is empty; a socket reports 0. */
		if (n == 0 || (n < 0 && n != -EAGAIN)) {
			s->master_down = 1;
			master_hung_up(s);
		}
	} else if ((re & POLLHUP) && asked_in) {
		s->master_down = 1; /* hung up with nothing left to read */
	}
	if ((re & POLLOUT) && !s->master_hup && buf_flush(&s->c2m, s->p->master) < 0)
		master_hung_up(s);
	return 0;
}

static int on_console(struct pump *s, short in_re, short out_re)
{
	ssize_t n;
	int err;

	if ((in_re | out_re) & POLLNVAL)
		return -EBADF;
	/* Checked before reading: after a hang-up the line carries noise. */
	if ((in_re | out_re) & (POLLHUP | POLLERR))
		return -EPIPE;
	if (out_re & POLLOUT) {
		err = buf_flush(&s->m2c, s->p->con_out);
		if (err < 0)
			return err == -EIO ? -EPIPE : err;
	}
	/* Re-checked: the master may have hung up in this same round. */
	if ((in_re & POLLIN) && want_con_in(s)) {
		n = buf_fill(&s->c2m, s->p->con_in);
		if (n == 0)
			s->con_eof = 1;
		else if (n == -EIO)
			return -EPIPE; /* a tty says EIO once hung up */
		else if (n < 0 && n != -EAGAIN)
			return (int)n;
	}
	return 0;
}

/* True when the loop is over. */
static int finished(struct pump *s)
{
	if (!s->exited && s->p->done && s->p->done(s->p->arg) != 0) {
		s->exited = 1;
		start_ending(s);
	}
	if (s->master_down && !s->m2c.len)
		return 1; /* everything the shell wrote is out */
	if (s->quiet && !s->m2c.len)
		return 1; /* shell gone, PTY quiet for a whole tick since */
	return s->ending && now_ms() >= s->deadline;
}

static int poll_timeout(const struct pump *s)
{
	long long left;

	if (!s->ending)
		return s->p->tick_ms;
	left = s->deadline - now_ms();
	if (left < 0)
		left = 0;
	return left < s->p->tick_ms ? (int)left : s->p->tick_ms;
}

static int pump_loop(struct pump *s)
{
	struct pollfd pfd[P_N];
	int n, err;

	while (!finished(s)) {
		fill_pollfds(s, pfd);
		n = poll(pfd, P_N, poll_timeout(s));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Only a poll() that began after the exit was seen counts:
		 * output written just before the exit may still be queued. */
		s->quiet = s->exited && n == 0;
		err = on_master(s, pfd[P_MASTER].revents,
				pfd[P_MASTER].events & POLLIN);
		if (!err)
			err = on_console(s, pfd[P_CON_IN].revents,
					 pfd[P_CON_OUT].revents);
		if (err)
			return err;
	}
	return 0;
}

static int set_nonblock(int fd, int *saved)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	*saved = fl;
	return 0;
}

int shell_proxy_run(const struct shell_proxy *p)
{
	int fds[P_N] = { p->con_in, p->con_out, p->master };
	int saved[P_N];
	struct pump s;
	int n, err = 0;

	for (n = 0; n < P_N; n++) {
		err = set_nonblock(fds[n], &saved[n]);
		if (err)
			break;
	}
	if (!err) {
		memset(&s, 0, sizeof(s));
		s.p = p;
		err = pump_loop(&s);
	}
	/* Reverse order: when con_in == con_out the first saved flags win. */
	while (n-- > 0)
		fcntl(fds[n], F_SETFL, saved[n]);
	return err;
}
