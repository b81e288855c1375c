/* run_term.c - the user's terminal for ktinit-run --shell. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "run_term.h"


#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "run_util.h"

/* The one terminal the atexit() backstop restores. */
static struct run_term *active;

static void restore_at_exit(void)
{
	if (active)
		run_term_restore(active);
}

static int set_attr(int fd, const struct termios *t)
{
	/* TCSANOW: TCSADRAIN could wait forever on a terminal whose reader
	 * has stopped (a suspended tmux pane); restoring must not hang. */
	while (tcsetattr(fd, TCSANOW, t) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int run_term_raw(struct run_term *t, int fd)
{
	static int registered;
	struct termios raw;
	int err;

	t->fd = -1;
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &t->saved) < 0)
		return -errno;
	if (!registered) {
		if (atexit(restore_at_exit) != 0)
			return -ENOMEM;
		registered = 1;
	}
	raw = t->saved;
	/* Fully raw, as ssh does: Ctrl-C, Ctrl-Z and Ctrl-\ are bytes for
	 * the guest's PTY, and its ONLCR already turns "\n" into "\r\n". */
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	t->fd = fd;
	active = t;
	err = set_attr(fd, &raw);
	if (err) {
		t->fd = -1;
		active = NULL;
		return err;
	}
	/* Only a terminal needs "\r\n"; a log file keeps plain lines. */
	run_crlf = isatty(STDERR_FILENO);
	return 0;
}

void run_term_restore(struct run_term *t)
{
	if (t->fd < 0)
		return;
	set_attr(t->fd, &t->saved);
	t->fd = -1;
	if (active == t)
		active = NULL;
	run_crlf = 0;
}

int run_term_size(const int *fds, size_t nfds, unsigned *rows,
		  unsigned *cols)
{
	struct winsize ws;
	size_t i;

	for (i = 0; i < nfds; i++) {
		if (ioctl(fds[i], TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
		    ws.ws_col) {
			*rows = ws.ws_row;
			*cols = ws.ws_col;
			return 0;
		}
	}
	return -1;
}


const char run_esc_help[] =
	"\r\n"
	"ktinit-run escapes (Ctrl-A, then):\r\n"
	"  x    quit: stop the VM and restore this terminal (exit status 130)\r\n"
	"  a    send Ctrl-A to the guest (so does a second Ctrl-A)\r\n"
	"  h    this help\r\n";

static enum run_esc_action escape(char c, char *out, size_t *k)
{
	switch (c) {
	case 'x':
	case 'X':
		return RUN_ESC_QUIT;
	case 'h':
	case 'H':
	case '?':
		return RUN_ESC_HELP;
	case 'a':
	case 'A':
	case RUN_ESC_KEY:
		out[(*k)++] = RUN_ESC_KEY;
		return RUN_ESC_NONE;
	default:
		/* Not ours: nothing the user typed is dropped. */
		out[(*k)++] = RUN_ESC_KEY;
		out[(*k)++] = c;
		return RUN_ESC_NONE;
	}
}

enum run_esc_action run_esc_filter(struct run_esc *e, const char *in,
				   size_t n, char *out, size_t *outlen,
				   size_t *used)
{
	enum run_esc_action act = RUN_ESC_NONE;
	size_t i, k = 0;

	for (i = 0; i < n && act == RUN_ESC_NONE; i++) {
		if (e->pending) {
			e->pending = 0;
			act = escape(in[i], out, &k);
		} else if (in[i] == RUN_ESC_KEY) {
			e->pending = 1;
		} else {
			out[k++] = in[i];
		}
	}
	*outlen = k;
	*used = i;
	return act;
}
