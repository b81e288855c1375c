/* Unit tests of the shell mode's parts: the console <-> PTY proxy, the
 * banner (from a fixture /proc and /sys), the cmdline terminal parsing, the
 * shell's environment, the exec command, and the whole mode driven through
 * the fake services table (fake_services.c) with a real PTY standing in for
 * the console. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <ktinit/mode.h>

#include "banner.h"
#include "console.h"
#include "fake_services.h"
#include "prep.h"
#include "proxy.h"
#include "session.h"
#include "unit.h"
#include "winsize.h"

#define MIB (1u << 20)

extern const struct ktinit_mode_ops ktinit_mode;

/* --- helpers ---------------------------------------------------------------- */

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;

	/* xorshift: every byte value, including ^C, ^Z, \r and \n. */
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* What is readable on fd right now (fd non-blocking), up to len. */
static size_t read_now(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Write out[] and read exactly inlen bytes into in[] on one fd at the same
 * time (poll-driven, non-blocking), then optionally close it. 0 on
 * success, -1 on error or after 60 s. */
struct peer {
	int fd;
	const uint8_t *out;
	size_t outlen;
	uint8_t *in;
	size_t inlen;
	int close_after;
	int rc;
};

static int pump_duplex(struct peer *p)
{
	size_t woff = 0, roff = 0;
	long long deadline = fake_now_ms() + 60000;

	set_nonblock(p->fd);
	while (woff < p->outlen || roff < p->inlen) {
		struct pollfd pfd = { .fd = p->fd };
		ssize_t n;

		if (fake_now_ms() > deadline)
			return -1;
		if (woff < p->outlen)
			pfd.events |= POLLOUT;
		if (roff < p->inlen)
			pfd.events |= POLLIN;
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return -1;
		if (pfd.revents & POLLIN) {
			n = read(p->fd, p->in + roff, p->inlen - roff);
			if (n > 0)
				roff += (size_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				return -1;
		}
		if (pfd.revents & POLLOUT) {
			n = write(p->fd, p->out + woff, p->outlen - woff);
			if (n > 0)
				woff += (size_t)n;
			else if (errno != EAGAIN && errno != EINTR)
				return -1;
		}
		if ((pfd.revents & (POLLERR | POLLNVAL)) ||
		    ((pfd.revents & POLLHUP) && !(pfd.revents & POLLIN)))
			return -1;
	}
	return 0;
}

static void *peer_thread(void *arg)
{
	struct peer *p = arg;

	p->rc = pump_duplex(p);
	if (p->close_after)
		close(p->fd);
	return NULL;
}

/* The "shell has exited" answer for proxies without a child. */
struct done_flag {
	int exited;
	int calls;
	pid_t pid; /* > 0: ask waitpid */
	int wstatus;
};

static int done_cb(void *arg)
{
	struct done_flag *d = arg;

	d->calls++;
	if (d->pid > 0 && !d->exited &&
	    waitpid(d->pid, &d->wstatus, WNOHANG) == d->pid)
		d->exited = 1;
	return d->exited;
}

static struct shell_proxy proxy_for(int con, int master, struct done_flag *d)
{
	struct shell_proxy p = {
		.con_in = con,
		.con_out = con,
		.master = master,
		.tick_ms = 20,
		.linger_ms = 2000,
		.done = done_cb,
		.arg = d,
	};
	return p;
}

/* Small socket buffers so writes come back partial. */
static void socketpair_small(int sv[2])
{
	int sz = 4096;

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

/* close() once: -1 marks an fd that is closed already. */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A proxy's two lines as small-buffer socketpairs: con stands in for the
 * console, mas for the PTY master; [0] is the proxy's end, [1] the
 * test's. */
struct lines {
	int con[2], mas[2];
};

/* Open both lines; the proxy over them answers "exited?" from d. */
static struct shell_proxy lines_open(struct lines *l, struct done_flag *d)
{
	socketpair_small(l->con);
	socketpair_small(l->mas);
	return proxy_for(l->con[0], l->mas[0], d);
}

static void lines_close(struct lines *l)
{
	close_fd(&l->con[0]);
	close_fd(&l->con[1]);
	close_fd(&l->mas[0]);
	close_fd(&l->mas[1]);
}

/* 1 when what fd has to read right now (fd made non-blocking) is exactly
 * want: those bytes, nothing more. */
static int holds_exactly(int fd, const char *want)
{
	char buf[64];
	size_t len = strlen(want);

	set_nonblock(fd);
	return read_now(fd, buf, sizeof(buf)) == len &&
	       memcmp(buf, want, len) == 0;
}

/* --- proxy on socketpairs --------------------------------------------------- */

static void test_proxy_small_both_ways(void)
{
	struct done_flag d = { 0 };
	struct lines l;
	struct shell_proxy p = lines_open(&l, &d);
	int fl_con = fcntl(l.con[0], F_GETFL), fl_mas = fcntl(l.mas[0], F_GETFL);

	CU_ASSERT(write(l.con[1], "hello", 5) == 5);
	CU_ASSERT(write(l.mas[1], "world", 5) == 5);
	/* The master side hangs up once it has "hello": run the proxy in
	 * this thread and the master peer in another. */
	{
		uint8_t in[5];
		struct peer mp = { .fd = l.mas[1], .in = in, .inlen = 5,
				   .close_after = 1 };
		pthread_t th;

		CU_ASSERT_FATAL(pthread_create(&th, NULL, peer_thread, &mp) == 0);
		CU_ASSERT(shell_proxy_run(&p) == 0);
		pthread_join(th, NULL);
		l.mas[1] = -1; /* closed by the peer */
		CU_ASSERT(mp.rc == 0);
		CU_ASSERT(memcmp(in, "hello", 5) == 0);
	}
	CU_ASSERT(holds_exactly(l.con[1], "world"));
	/* Flags put back: the proxy's O_NONBLOCK does not leak. */
	CU_ASSERT(fcntl(l.con[0], F_GETFL) == fl_con);
	CU_ASSERT(fcntl(l.mas[0], F_GETFL) == fl_mas);
	CU_ASSERT(d.calls > 0);
	lines_close(&l);
}

static void run_mib_socketpair(int with_eintr, int *interrupts);

static void test_proxy_1mib_socketpair(void)
{
	run_mib_socketpair(0, NULL);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_proxy_eintr(void)
{
	int n = 0;

	run_mib_socketpair(1, &n);
	CU_ASSERT(n > 0); /* the timer really fired during the transfer */
}

static void run_mib_socketpair(int with_eintr, int *interrupts)
{
	uint8_t *a = malloc(MIB), *b = malloc(MIB);
	uint8_t *got_a = malloc(MIB), *got_b = malloc(MIB);
	struct done_flag d = { 0 };
	struct lines l;
	struct shell_proxy p;
	struct peer cp, mp;
	pthread_t tc, tm;
	sigset_t alrm, old;
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval it = { { 0, 500 }, { 0, 500 } }, off = { 0 };

	CU_ASSERT_FATAL(a && b && got_a && got_b);
	fill_pattern(a, MIB, 1);
	fill_pattern(b, MIB, 2);
	p = lines_open(&l, &d);
	p.linger_ms = 10000;
	cp = (struct peer){ .fd = l.con[1], .out = a, .outlen = MIB, .in = got_b,
			    .inlen = MIB };
	mp = (struct peer){ .fd = l.mas[1], .out = b, .outlen = MIB, .in = got_a,
			    .inlen = MIB, .close_after = 1 };
	/* The helper threads never see SIGALRM: only the proxy is tested. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old);
	CU_ASSERT_FATAL(pthread_create(&tc, NULL, peer_thread, &cp) == 0);
	CU_ASSERT_FATAL(pthread_create(&tm, NULL, peer_thread, &mp) == 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (with_eintr) {
		alarms = 0;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	CU_ASSERT(shell_proxy_run(&p) == 0);
	if (with_eintr) {
		setitimer(ITIMER_REAL, &off, NULL);
		signal(SIGALRM, SIG_DFL);
		*interrupts = alarms;
	}
	pthread_join(tc, NULL);
	pthread_join(tm, NULL);
	l.mas[1] = -1; /* closed by its peer */
	CU_ASSERT(cp.rc == 0);
	CU_ASSERT(mp.rc == 0);
	CU_ASSERT(memcmp(a, got_a, MIB) == 0);
	CU_ASSERT(memcmp(b, got_b, MIB) == 0);
	/* Nothing after the last byte. */
	CU_ASSERT(holds_exactly(l.con[1], ""));
	lines_close(&l);
	free(a);
	free(b);
	free(got_a);
	free(got_b);
}

static void test_proxy_hangup_no_stray_socketpair(void)
{
	struct done_flag d = { 0 };
	struct lines l;
	struct shell_proxy p = lines_open(&l, &d);

	/* The shell's last words, then its hang-up, while the user keeps
	 * typing: the late keystrokes must stay unread, the last words must
	 * arrive whole, and nothing else. */
	CU_ASSERT(write(l.mas[1], "bye\n", 4) == 4);
	close_fd(&l.mas[1]);
	CU_ASSERT(write(l.con[1], "late", 4) == 4);
	CU_ASSERT(shell_proxy_run(&p) == 0);
	CU_ASSERT(holds_exactly(l.con[1], "bye\n"));
	CU_ASSERT(holds_exactly(l.con[0], "late"));
	lines_close(&l);
}

static void test_proxy_console_hangup(void)
{
	struct done_flag d = { 0 };
	struct lines l;
	struct shell_proxy p = lines_open(&l, &d);
	long long t0 = fake_now_ms();

	CU_ASSERT(write(l.con[1], "junk", 4) == 4);
	close_fd(&l.con[1]);
	CU_ASSERT(shell_proxy_run(&p) == -EPIPE);
	CU_ASSERT(fake_now_ms() - t0 < 1000);
	/* Bytes of a hung-up line are not forwarded. */
	CU_ASSERT(holds_exactly(l.mas[1], ""));
	lines_close(&l);
}

static void test_proxy_exit_with_pty_held(void)
{
	struct done_flag d = { .exited = 1 };
	struct lines l;
	struct shell_proxy p = lines_open(&l, &d);
	long long t0;

	/* The shell is gone but a background job keeps the PTY open and
	 * quiet: one quiet tick ends the proxy, the output before is kept. */
	CU_ASSERT(write(l.mas[1], "out", 3) == 3);
	t0 = fake_now_ms();
	CU_ASSERT(shell_proxy_run(&p) == 0);
	CU_ASSERT(fake_now_ms() - t0 < 1000);
	CU_ASSERT(holds_exactly(l.con[1], "out"));
	lines_close(&l);
}

struct chatter {
	int fd;
	volatile int stop;
};

static void *chatter_thread(void *arg)
{
	struct chatter *c = arg;

	while (!c->stop) {
		if (write(c->fd, "spam spam spam\n", 15) < 0 && errno != EAGAIN)
			break;
		usleep(2000);
	}
	return NULL;
}

static void *drain_thread(void *arg)
{
	struct chatter *c = arg;
	char buf[4096];

	while (!c->stop) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0 && read(c->fd, buf, sizeof(buf)) <= 0)
			break;
	}
	return NULL;
}

static void test_proxy_linger_bounded(void)
{
	struct done_flag d = { .exited = 1 };
	struct lines l;
	struct shell_proxy p = lines_open(&l, &d);
	struct chatter w = { .fd = l.mas[1] }, r = { .fd = l.con[1] };
	pthread_t tw, tr;
	long long t0, took;

	/* A job that never stops talking cannot hold the VM up. */
	set_nonblock(l.mas[1]);
	pthread_create(&tw, NULL, chatter_thread, &w);
	pthread_create(&tr, NULL, drain_thread, &r);
	p.linger_ms = 300;
	t0 = fake_now_ms();
	CU_ASSERT(shell_proxy_run(&p) == 0);
	took = fake_now_ms() - t0;
	CU_ASSERT(took >= 250 && took < 2000);
	w.stop = r.stop = 1;
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	lines_close(&l);
}

/* --- proxy on a real PTY ------------------------------------------------------ */

static void make_raw(int fd)
{
	struct termios t;

	tcgetattr(fd, &t);
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
}

static void test_proxy_1mib_pty(void)
{
	int master, slave, con[2];
	uint8_t *a = malloc(MIB), *b = malloc(MIB);
	uint8_t *got_b = malloc(MIB);
	struct done_flag d = { 0 };
	struct shell_proxy p;
	struct peer cp;
	pthread_t tc;
	pid_t pid;

	CU_ASSERT_FATAL(a && b && got_b);
	fill_pattern(a, MIB, 3);
	fill_pattern(b, MIB, 4);
	CU_ASSERT_FATAL(openpty(&master, &slave, NULL, NULL, NULL) == 0);
	make_raw(slave);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		/* The "shell": reads a, writes b, then exits (hang-up). */
		uint8_t *got_a = malloc(MIB);
		struct peer sp = { .fd = slave, .out = b, .outlen = MIB,
				   .in = got_a, .inlen = MIB };

		close(master);
		alarm(60);
		if (!got_a || pump_duplex(&sp) < 0)
			_exit(2);
		tcdrain(slave);
		_exit(memcmp(got_a, a, MIB) ? 1 : 0);
	}
	close(slave);
	socketpair_small(con);
	cp = (struct peer){ .fd = con[1], .out = a, .outlen = MIB, .in = got_b,
			    .inlen = MIB };
	CU_ASSERT_FATAL(pthread_create(&tc, NULL, peer_thread, &cp) == 0);
	d.pid = pid;
	p = proxy_for(con[0], master, &d);
	p.linger_ms = 10000;
	CU_ASSERT(shell_proxy_run(&p) == 0);
	pthread_join(tc, NULL);
	if (!d.exited)
		waitpid(pid, &d.wstatus, 0);
	CU_ASSERT(WIFEXITED(d.wstatus) && WEXITSTATUS(d.wstatus) == 0);
	CU_ASSERT(cp.rc == 0);
	CU_ASSERT(memcmp(b, got_b, MIB) == 0);
	close(master);
	close(con[0]);
	close(con[1]);
	free(a);
	free(b);
	free(got_b);
}

static void test_proxy_hangup_no_stray_pty(void)
{
	int master, slave, con[2];
	struct done_flag d = { 0 };
	struct shell_proxy p;
	pid_t pid;

	CU_ASSERT_FATAL(openpty(&master, &slave, NULL, NULL, NULL) == 0);
	make_raw(slave);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(master);
		if (write(slave, "bye\n", 4) != 4)
			_exit(1);
		_exit(0);
	}
	close(slave);
	/* The shell has printed and gone before the proxy looks: its last
	 * words are still in the PTY, behind the hang-up. */
	waitpid(pid, &d.wstatus, 0);
	d.exited = 1;
	socketpair_small(con);
	CU_ASSERT(write(con[1], "late", 4) == 4);
	p = proxy_for(con[0], master, &d);
	CU_ASSERT(shell_proxy_run(&p) == 0);
	CU_ASSERT(holds_exactly(con[1], "bye\n"));
	CU_ASSERT(holds_exactly(con[0], "late"));
	close(master);
	close(con[0]);
	close(con[1]);
}

static void test_pty_tiocgsid(void)
{
	int master, slave, up[2], down[2];
	char name[64], c;
	pid_t pid, sid = 0;

	/* session.c closes its slave fd once TIOCGSID on the master names
	 * the shell: check the kernel answers that way. */
	CU_ASSERT_FATAL(openpty(&master, &slave, name, NULL, NULL) == 0);
	CU_ASSERT_FATAL(pipe(up) == 0 && pipe(down) == 0);
	CU_ASSERT(ioctl(master, TIOCGSID, &sid) < 0); /* no session yet */
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int fd;

		close(master);
		close(slave);
		setsid();
		fd = open(name, O_RDWR); /* no O_NOCTTY: becomes the ctty */
		if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(fd >= 0 ? 0 : 1);
	}
	CU_ASSERT(read(up[0], &c, 1) == 1);
	CU_ASSERT(ioctl(master, TIOCGSID, &sid) == 0);
	CU_ASSERT(sid == pid);
	CU_ASSERT(write(down[1], "x", 1) == 1);
	waitpid(pid, NULL, 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	close(master);
	close(slave);
}

/* --- winsize / TERM ------------------------------------------------------------ */

static int warnings;

static void count_warn(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
	warnings++;
}

static void test_dim_parse(void)
{
	static const struct {
		const char *in;
		int out;
	} cases[] = {
		{ "24", 24 },	{ "1", 1 },	  { "1000", 1000 },
		{ "0080", 80 },	{ NULL, -1 },	  { "", -1 },
		{ "0", -1 },	{ "-5", -1 },	  { "+5", -1 },
		{ " 5", -1 },	{ "5 ", -1 },	  { "80x", -1 },
		{ "abc", -1 },	{ "1001", -1 },	  { "99999999999999999999999", -1 },
		{ "0x50", -1 },	{ "1e3", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(shell_dim_parse(cases[i].in), cases[i].out);
}

static void test_term_from_cmdline(void)
{
	static const struct {
		const char *rows, *cols, *term, *colorterm;
		int want_rows, want_cols;
		const char *want_term, *want_colorterm;
		int want_warnings;
	} cases[] = {
		/* absent: defaults, silently */
		{ NULL, NULL, NULL, NULL, 24, 80, "linux", "", 0 },
		{ "50", "132", "xterm-256color", "truecolor", 50, 132,
		  "xterm-256color", "truecolor", 0 },
		/* bad dimensions fall back one by one */
		{ "0", "100", NULL, NULL, 24, 100, "linux", "", 1 },
		{ "40", "abc", NULL, NULL, 40, 80, "linux", "", 1 },
		{ "-3", "-80", NULL, NULL, 24, 80, "linux", "", 2 },
		{ "5000", "100000", NULL, NULL, 24, 80, "linux", "", 2 },
		{ "", "", NULL, NULL, 24, 80, "linux", "", 2 },
		/* bad names */
		{ NULL, NULL, "", NULL, 24, 80, "linux", "", 1 },
		{ NULL, NULL, "../../etc/x", NULL, 24, 80, "linux", "", 1 },
		{ NULL, NULL, "xterm;rm", NULL, 24, 80, "linux", "", 1 },
		{ NULL, NULL, "screen.xterm+x", "24bit", 24, 80, "screen.xterm+x",
		  "24bit", 0 },
		{ NULL, NULL, NULL, "", 24, 80, "linux", "", 0 },
		{ NULL, NULL, NULL, "true color", 24, 80, "linux", "", 1 },
		{ NULL, NULL,
		  "a123456789012345678901234567890123456789012345678901234567890123456789",
		  NULL, 24, 80, "linux", "", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct shell_term t;
		int n;

		warnings = 0;
		n = shell_term_from_cmdline(&t, cases[i].rows, cases[i].cols,
					    cases[i].term, cases[i].colorterm,
					    count_warn, NULL);
		CU_ASSERT_EQUAL(t.ws.ws_row, cases[i].want_rows);
		CU_ASSERT_EQUAL(t.ws.ws_col, cases[i].want_cols);
		CU_ASSERT_STRING_EQUAL(t.term, cases[i].want_term);
		CU_ASSERT_STRING_EQUAL(t.colorterm, cases[i].want_colorterm);
		CU_ASSERT_EQUAL(n, cases[i].want_warnings);
		CU_ASSERT_EQUAL(warnings, cases[i].want_warnings);
	}
	/* A NULL warn callback is allowed. */
	{
		struct shell_term t;

		CU_ASSERT(shell_term_from_cmdline(&t, "x", NULL, NULL, NULL,
						  NULL, NULL) == 1);
	}
}

/* --- banner ---------------------------------------------------------------------- */

/* The guest root of the banner and mode tests: a fake services table over
 * a temporary directory (fake_services.c). */
static struct fake_env fx;

static void make_root(void)
{
	CU_ASSERT_EQUAL_FATAL(fake_init(&fx, NULL), 0);
}

static void remove_root(void)
{
	fake_fini(&fx);
}

static void put_file(const char *guest, const char *text, mode_t mode)
{
	CU_ASSERT_EQUAL_FATAL(fake_put(&fx, guest, text, mode), 0);
}

/* The banner's path callback: the services' path() under the root. */
static int root_path(void *arg, const char *guest, char *buf, size_t len)
{
	struct ktinit_ctx *ctx = arg;

	return ctx->svc->path(ctx, guest, buf, len);
}

static char *banner_text(const char *topo, const char *search)
{
	struct shell_banner_src src = {
		.path = root_path,
		.arg = &fx.ctx,
		.release = "6.12.0-test",
		.topo = topo,
		.search = search,
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CU_ASSERT_FATAL(out != NULL);
	CU_ASSERT(shell_banner_write(out, &src) == 0);
	fclose(out);
	return text;
}

static void test_banner_parsers(void)
{
	struct shell_topo t;

	CU_ASSERT(shell_topo_parse("2,4,8,2", &t) == 0);
	CU_ASSERT(t.numa == 2 && t.llcs == 4 && t.cores == 8 && t.threads == 2);
	CU_ASSERT(shell_topo_parse("1,1,1,1", &t) == 0);
	CU_ASSERT(shell_topo_parse(NULL, &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,2,3", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,2,3,4,5", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,0,3,4", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,2,3,x", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,2,,4", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,-2,3,4", &t) == -EINVAL);
	CU_ASSERT(shell_topo_parse("1,2,3,99999999", &t) == -EINVAL);

	CU_ASSERT_EQUAL(shell_cpulist_count("0-3\n"), 4);
	CU_ASSERT_EQUAL(shell_cpulist_count("0"), 1);
	CU_ASSERT_EQUAL(shell_cpulist_count("0-1,3,5-7\n"), 6);
	CU_ASSERT_EQUAL(shell_cpulist_count(""), -EINVAL);
	CU_ASSERT_EQUAL(shell_cpulist_count("3-1"), -EINVAL);
	CU_ASSERT_EQUAL(shell_cpulist_count("0-"), -EINVAL);
	CU_ASSERT_EQUAL(shell_cpulist_count("1,"), -EINVAL);
	CU_ASSERT_EQUAL(shell_cpulist_count("a"), -EINVAL);

	CU_ASSERT_EQUAL(shell_meminfo_mib("MemTotal:        2048000 kB\nMemFree: 1 kB\n"), 2000);
	CU_ASSERT_EQUAL(shell_meminfo_mib("X: 1 kB\nMemTotal: 1048576 kB\n"), 1024);
	CU_ASSERT_EQUAL(shell_meminfo_mib("MemFree: 1 kB\n"), -EINVAL);
	CU_ASSERT_EQUAL(shell_meminfo_mib("MemTotal: lots\n"), -EINVAL);
	CU_ASSERT_EQUAL(shell_meminfo_mib("XMemTotal: 1 kB\n"), -EINVAL);
}

static void test_banner_fields(void)
{
	char *text;

	make_root();
	put_file("/proc/meminfo", "MemTotal:        4194304 kB\nMemFree: 12 kB\n", 0644);
	put_file("/sys/devices/system/cpu/online", "0-5,7\n", 0444);
	put_file("/proc/mounts",
		 "rootfs / rootfs rw 0 0\n"
		 "proc /proc proc rw,nosuid 0 0\n"
		 "devtmpfs /dev devtmpfs rw 0 0\n"
		 "none /mnt/with\\040space tmpfs rw 0 0\n",
		 0444);
	put_file("/include-files/bin/scx_cake", "#!/bin/sh\n", 0755);
	put_file("/include-files/data.txt", "x\n", 0644);
	put_file("/include-files/a/b/deep", "x\n", 0700);
	put_file("/bin/busybox", "", 0755);
	put_file("/bin/perf", "", 0644); /* not executable: not a tool */
	put_file("/usr/sbin/bpftool", "", 0755);

	text = banner_text(NULL, "/include-files/bin:/bin:/usr/bin:/usr/sbin");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Linux 6.12.0-test"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "memory:    4096 MiB\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "topology:  7 online CPUs\n"));
	/* sorted, nested, executables marked */
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"includes:  /include-files/a/b/deep*\n"
		"             /include-files/bin/scx_cake*\n"
		"             /include-files/data.txt\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "tools:     busybox bpftool\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "/proc (proc)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "/dev (devtmpfs)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "/mnt/with space (tmpfs)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "exit or Ctrl-D ends the VM"));
	CU_ASSERT_PTR_NULL(strchr(text, '\r'));
	free(text);

	/* KTSTR_TOPO wins over the CPU count; a bad one falls back. */
	text = banner_text("2,4,8,2", "/bin");
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"topology:  2 NUMA nodes, 4 LLCs, 8 cores/LLC, 2 threads/core (64 vCPUs)\n"));
	free(text);
	text = banner_text("1,1,1,1", "/bin");
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"topology:  1 NUMA node, 1 LLC, 1 core/LLC, 1 thread/core (1 vCPU)\n"));
	free(text);
	text = banner_text("1,2", "/bin");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "topology:  7 online CPUs\n"));
	free(text);
	remove_root();
}

static void test_banner_missing_and_many(void)
{
	char *text, name[64];

	/* Nothing readable: every field says so, the banner still ends. */
	make_root();
	text = banner_text(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "memory:    unknown\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "topology:  unknown\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "includes:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "tools:     none found\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "mounts:    unknown\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "exit or Ctrl-D ends the VM"));
	free(text);

	/* A big include tree is cut short with a count. */
	for (int i = 0; i < SHELL_BANNER_MAX_FILES + 5; i++) {
		snprintf(name, sizeof(name), "/include-files/f%03d", i);
		put_file(name, "", 0644);
	}
	text = banner_text(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "/include-files/f039\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "/include-files/f040"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "... and 5 more\n"));
	free(text);
	remove_root();
}

/* --- environment ------------------------------------------------------------------ */

static int env_has(char **env, const char *entry)
{
	for (; *env; env++)
		if (!strcmp(*env, entry))
			return 1;
	return 0;
}

static int env_count(char **env, const char *name)
{
	size_t n = strlen(name);
	int c = 0;

	for (; *env; env++)
		c += !strncmp(*env, name, n) && (*env)[n] == '=';
	return c;
}

static void test_env_build(void)
{
	char *base[] = { "PATH=/include-files/bin:/bin", "TERM=linux", "HOME=/",
			 "KTSTR_GUEST_INIT=1", "COLORTERM=old", NULL };
	char *with_ps1[] = { "PS1=mine ", NULL };
	struct shell_term t;
	char **env;

	shell_term_from_cmdline(&t, "30", "100", "xterm-256color", "truecolor",
				NULL, NULL);
	env = shell_env_build(base, &t, "/root", "/bin/sh");
	CU_ASSERT_FATAL(env != NULL);
	CU_ASSERT(env_has(env, "PATH=/include-files/bin:/bin"));
	CU_ASSERT(env_has(env, "KTSTR_GUEST_INIT=1"));
	CU_ASSERT(env_has(env, "TERM=xterm-256color"));
	CU_ASSERT(env_has(env, "COLORTERM=truecolor"));
	CU_ASSERT(env_has(env, "HOME=/root"));
	CU_ASSERT(env_has(env, "SHELL=/bin/sh"));
	CU_ASSERT(env_has(env, "PS1=" SHELL_PS1));
	CU_ASSERT(env_count(env, "TERM") == 1);
	CU_ASSERT(env_count(env, "HOME") == 1);
	CU_ASSERT(env_count(env, "COLORTERM") == 1);
	shell_env_free(env);

	/* No COLORTERM from the host: none in the shell either. */
	shell_term_from_cmdline(&t, NULL, NULL, NULL, NULL, NULL, NULL);
	env = shell_env_build(with_ps1, &t, "/", "/bin/sh");
	CU_ASSERT_FATAL(env != NULL);
	CU_ASSERT(env_count(env, "COLORTERM") == 0);
	CU_ASSERT(env_has(env, "TERM=linux"));
	CU_ASSERT(env_has(env, "PS1=mine "));
	CU_ASSERT(env_count(env, "PS1") == 1);
	shell_env_free(env);

	env = shell_env_build(NULL, &t, "/", "/bin/sh");
	CU_ASSERT_FATAL(env != NULL);
	CU_ASSERT(env_has(env, "TERM=linux"));
	shell_env_free(env);
}

/* --- the mode through a fake services table ------------------------------------------ */

static void test_mode_descriptor(void)
{
	const struct ktinit_mode_ops *m = &ktinit_mode;
	int keys = 0;

	CU_ASSERT_EQUAL(m->abi, KTINIT_MODE_ABI_VERSION);
	CU_ASSERT_STRING_EQUAL(m->name, "shell");
	CU_ASSERT(m->summary && *m->summary);
	CU_ASSERT(m->flags & KTINIT_MODE_F_NO_INIT_LIFE);
	CU_ASSERT(m->setup_stdio && m->run && m->report_exit);
	CU_ASSERT_FATAL(m->config_keys != NULL);
	for (const char *const *k = m->config_keys; *k; k++)
		keys += !strcmp(*k, "exec") || !strcmp(*k, "shell") ||
			!strcmp(*k, "banner");
	CU_ASSERT_EQUAL(keys, 3);
}

static void test_exec_cmd_sources(void)
{
	struct ktinit_ctx *ctx = &fx.ctx;
	char *cmd;

	make_root();
	/* none: interactive */
	CU_ASSERT(shell_exec_cmd(ctx, &cmd) == 0 && cmd == NULL);
	/* /exec_cmd, trimmed */
	put_file("/exec_cmd", "\n  echo a; exit 3 \n\n", 0644);
	CU_ASSERT(shell_exec_cmd(ctx, &cmd) == 0);
	CU_ASSERT(cmd && !strcmp(cmd, "echo a; exit 3"));
	free(cmd);
	/* [shell] exec wins */
	fake_set(&fx, "shell", "exec", "uname -r");
	CU_ASSERT(shell_exec_cmd(ctx, &cmd) == 0);
	CU_ASSERT(cmd && !strcmp(cmd, "uname -r"));
	free(cmd);
	fake_set(&fx, "shell", "exec", NULL);
	/* blank: interactive */
	put_file("/exec_cmd", " \n\t\n", 0644);
	CU_ASSERT(shell_exec_cmd(ctx, &cmd) == 0 && cmd == NULL);
	/* unreadable: an error, not a silent interactive shell */
	{
		char p[PATH_MAX];

		fake_host_path(&fx, "/exec_cmd", p);
		unlink(p);
		mkdir(p, 0755);
		CU_ASSERT(shell_exec_cmd(ctx, &cmd) == -EISDIR && cmd == NULL);
	}
	remove_root();
}

/* A mode booted by boot_mode: the child, our end of its console, a slave
 * fd we hold so that the master reads no EIO while the child has not
 * opened its console yet, and the read end of the child's exit report. */
struct booted {
	pid_t pid;
	int master, slave, result;
};

/* In the booted child, once the mode is done: one "TYPE CODE DRAINED" line
 * per exit frame it sent, DRAINED 1 when drain_stdio came before it. */
static void report_exits(int fd)
{
	for (size_t i = 0; i < fx.nframes; i++) {
		const struct fake_frame *f = &fx.frames[i];

		if (f->type != KTINIT_FRAME_EXIT && f->type != KTINIT_FRAME_EXCX)
			continue;
		dprintf(fd, "%s %d %d\n",
			f->type == KTINIT_FRAME_EXCX ? "EXCX" : "EXIT",
			f->len == 4 ? (int)ktinit_get_le32(f->data) : -1,
			fx.drain_at >= 0 && (size_t)fx.drain_at <= i);
	}
}

/* Boot the mode in a child whose console is the slave of a PTY we hold:
 * <root>/dev/hvc0 is a symlink to it, <root>/dev/pts to the real devpts
 * (so nothing gets mounted), busybox installs its applets into <root>/bin.
 * The child runs the hooks as the core does and reports its exit frames
 * (report_exits) before it ends with 0. */
static void boot_mode(struct booted *b)
{
	char name[64], link[PATH_MAX];
	int rp[2];

	CU_ASSERT_FATAL(openpty(&b->master, &b->slave, name, NULL, NULL) == 0);
	CU_ASSERT_FATAL(pipe(rp) == 0);
	CU_ASSERT_EQUAL_FATAL(fake_mkdirs(&fx, "/dev"), 0);
	fake_host_path(&fx, "/dev/hvc0", link);
	CU_ASSERT_FATAL(symlink(name, link) == 0);
	fake_host_path(&fx, "/dev/pts", link);
	CU_ASSERT_FATAL(symlink("/dev/pts", link) == 0);
	fflush(NULL);
	b->pid = fork();
	CU_ASSERT_FATAL(b->pid >= 0);
	if (b->pid == 0) {
		struct ktinit_ctx *ctx = &fx.ctx;
		int code;

		close(b->master);
		close(b->slave);
		close(rp[0]);
		alarm(60);
		/* The test process may have its own session: be a fresh one,
		 * like PID 1, which has no controlling terminal. */
		setsid();
		/* FAKE_VERBOSE echoes to the test's stderr, not the console. */
		fx.echo_fd = dup(2);
		if (ktinit_mode.setup_stdio(ctx) < 0)
			_exit(90);
		code = ktinit_mode.run(ctx);
		ktinit_mode.report_exit(ctx, code);
		report_exits(rp[1]);
		_exit(0);
	}
	close(rp[1]);
	b->result = rp[0];
}

/* Read the console until needle shows up (or timeout); everything read is
 * appended to acc. Returns 1 when found. */
static int expect(int master, char *acc, size_t cap, const char *needle,
		  int timeout_ms)
{
	long long deadline = fake_now_ms() + timeout_ms;
	size_t len = strlen(acc);

	while (!strstr(acc, needle)) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		long long left = deadline - fake_now_ms();
		ssize_t n;

		if (left <= 0 || len + 1 >= cap)
			break;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(master, acc + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		acc[len] = '\0';
	}
	if (strstr(acc, needle))
		return 1;
	fprintf(stderr, "\n  expected '%s' on the console; got:\n---\n%s\n---\n",
		needle, acc);
	return 0;
}

/* Wait for the booted child, which must end with 0 after its report, check
 * the report is exactly want_result, and close our fds. The root stays
 * for the caller to look at and remove. */
static void end_mode(struct booted *b, const char *want_result)
{
	char res[64];
	ssize_t n;
	int st;

	waitpid(b->pid, &st, 0);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = read(b->result, res, sizeof(res) - 1);
	res[n > 0 ? n : 0] = '\0';
	CU_ASSERT_STRING_EQUAL(res, want_result);
	close(b->master);
	close(b->slave);
	close(b->result);
}

/* The mode tests install busybox's applets, as the guest does: without
 * busybox, 0 (skip the test); else 1 with a fresh root whose [shell] shell
 * is shell (NULL: not set yet). */
static int mode_root(const char *shell)
{
	if (system("command -v busybox >/dev/null 2>&1") != 0) {
		fprintf(stderr, "  (skipped: no busybox on PATH) ");
		return 0;
	}
	make_root();
	if (shell)
		fake_set(&fx, "shell", "shell", shell);
	return 1;
}

/* 1 when <root><guest> exists. */
static int root_has(const char *guest)
{
	char path[PATH_MAX];

	fake_host_path(&fx, guest, path);
	return access(path, F_OK) == 0;
}

static void test_mode_exec(void)
{
	char out[8192] = "";
	struct booted b;

	if (!mode_root("sh"))
		return;
	put_file("/exec_cmd", "echo a; printf b >&2; exit 3\n", 0644);
	/* one "#!" script, one plain executable script: both must run */
	put_file("/sched_enable",
		 "#!/bin/sh\necho enabled; echo enabled > \"$0.ran\"\n", 0755);
	put_file("/sched_disable",
		 "echo disabled; echo disabled > \"$0.ran\"\n", 0755);
	boot_mode(&b);
	/* The console never sees "\r": OPOST is off for the command and
	 * for the hooks around it. */
	CU_ASSERT(expect(b.master, out, sizeof(out), "enabled\na\nbdisabled\n",
			 20000));
	end_mode(&b, "EXCX 3 1\n"); /* drained, then EXCX */
	CU_ASSERT_PTR_NULL(strchr(out, '\r'));
	CU_ASSERT(root_has("/sched_enable.ran"));
	CU_ASSERT(root_has("/sched_disable.ran"));
	CU_ASSERT(root_has("/bin/ls")); /* busybox --install -s ran */
	remove_root();
}

static void test_mode_exec_signal(void)
{
	char out[4096] = "";
	struct booted b;

	if (!mode_root("sh"))
		return;
	fake_set(&fx, "shell", "exec", "echo x; kill -9 $$");
	boot_mode(&b);
	expect(b.master, out, sizeof(out), "x", 20000);
	end_mode(&b, "EXCX 137 1\n");
	remove_root();
}

static void test_mode_interactive(void)
{
	char out[65536] = "", sh[PATH_MAX];
	struct booted b;

	if (!mode_root(NULL))
		return;
	put_file("/proc/meminfo", "MemTotal: 2097152 kB\n", 0644);
	fake_set(&fx, "cmdline", "KTSTR_ROWS", "33");
	fake_set(&fx, "cmdline", "KTSTR_COLS", "111");
	fake_set(&fx, "cmdline", "KTSTR_TERM", "xterm-256color");
	fake_set(&fx, "cmdline", "KTSTR_TOPO", "1,1,2,1");
	/* busybox's ash, installed by the mode itself into <root>/bin. */
	fake_host_path(&fx, "/bin/sh", sh);
	fake_set(&fx, "shell", "shell", sh);
	boot_mode(&b);

	CU_ASSERT(expect(b.master, out, sizeof(out), "exit or Ctrl-D ends the VM", 20000));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "memory:    2048 MiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2 core"));
	CU_ASSERT(expect(b.master, out, sizeof(out), "# ", 20000));

	/* window size and TERM from the cmdline */
	CU_ASSERT(write(b.master, "stty size; echo T=$TERM\r", 24) == 24);
	CU_ASSERT(expect(b.master, out, sizeof(out), "33 111", 10000));
	CU_ASSERT(expect(b.master, out, sizeof(out), "T=xterm-256color", 10000));

	/* job control: a background job is listed */
	CU_ASSERT(write(b.master, "sleep 100 &\r", 12) == 12);
	CU_ASSERT(write(b.master, "jobs\r", 5) == 5);
	CU_ASSERT(expect(b.master, out, sizeof(out), "Running", 10000));

	/* Ctrl-C reaches the foreground job only, the shell lives on */
	CU_ASSERT(write(b.master, "sleep 30\r", 9) == 9);
	usleep(300000);
	CU_ASSERT(write(b.master, "\003", 1) == 1);
	CU_ASSERT(write(b.master, "echo alive$((40+2))\r", 20) == 20);
	CU_ASSERT(expect(b.master, out, sizeof(out), "alive42", 10000));

	/* exit ends the session with the shell's code */
	CU_ASSERT(write(b.master, "exit 7\r", 7) == 7);
	end_mode(&b, "EXIT 7 0\n");
	remove_root();
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "proxy: small, both ways, flags restored", test_proxy_small_both_ways },
		{ "proxy: 1 MiB each way, socketpairs", test_proxy_1mib_socketpair },
		{ "proxy: 1 MiB each way under EINTR", test_proxy_eintr },
		{ "proxy: 1 MiB each way, openpty", test_proxy_1mib_pty },
		{ "proxy: hang-up, no stray bytes (socketpair)", test_proxy_hangup_no_stray_socketpair },
		{ "proxy: hang-up, no stray bytes (pty)", test_proxy_hangup_no_stray_pty },
		{ "proxy: console hang-up", test_proxy_console_hangup },
		{ "proxy: exited shell, PTY held open", test_proxy_exit_with_pty_held },
		{ "proxy: endless output after exit is bounded", test_proxy_linger_bounded },
		{ "pty: TIOCGSID on the master names the session", test_pty_tiocgsid },
		{ "winsize: dimension parsing", test_dim_parse },
		{ "winsize: cmdline table", test_term_from_cmdline },
		{ "banner: parsers", test_banner_parsers },
		{ "banner: fields from fixtures", test_banner_fields },
		{ "banner: missing files, long listing", test_banner_missing_and_many },
		{ "session: environment", test_env_build },
		{ "mode: descriptor", test_mode_descriptor },
		{ "mode: exec command sources", test_exec_cmd_sources },
		{ "mode: exec, exit code and no \\r", test_mode_exec },
		{ "mode: exec killed by a signal", test_mode_exec_signal },
		{ "mode: interactive session", test_mode_interactive },
		{ NULL, NULL },
	};

	/* A proxy test writes to sockets whose peer may be gone. */
	signal(SIGPIPE, SIG_IGN);
	return kt_unit_run("shell", cases);
}
