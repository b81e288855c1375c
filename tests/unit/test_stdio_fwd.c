/* Default stdio forwarder and channel: nothing written before exit is
 * lost, streams stay apart, frames are chunked, lingering writers do not
 * hold up the drain, and without a bulk port bytes fall back to COM2. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktinit/frame.h>

#include "channel.h"
#include "fdio.h"
#include "reaper.h"
#include "spawn.h"
#include "stdio_fwd.h"
#include "unit.h"

struct capture {
	int fd;
	pthread_t thread;
	struct ktinit_decoder dec;
	char *out, *err;
	size_t out_len, err_len, frames, max_payload, bad;
};

static void append(char **buf, size_t *len, const uint8_t *p, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static void on_frame(void *arg, const struct ktinit_frame *f)
{
	struct capture *c = arg;

	c->frames++;
	if (f->length > c->max_payload)
		c->max_payload = f->length;
	if (f->type == KTINIT_FRAME_SOUT)
		append(&c->out, &c->out_len, f->payload, f->length);
	else if (f->type == KTINIT_FRAME_SERR)
		append(&c->err, &c->err_len, f->payload, f->length);
}

static void on_error(void *arg, uint64_t off, const char *what)
{
	(void)off;
	(void)what;
	((struct capture *)arg)->bad++;
}

static void *reader(void *arg)
{
	struct capture *c = arg;
	uint8_t buf[65536];
	ssize_t n;

	while ((n = read(c->fd, buf, sizeof(buf))) > 0)
		ktinit_decoder_feed(&c->dec, buf, (size_t)n);
	ktinit_decoder_finish(&c->dec);
	return NULL;
}

static int saved[2];
static struct kt_channel ch;
static struct kt_stdio_fwd fwd;
static struct capture cap;

/* Bulk port = a pipe read by a decoding thread; fds 1/2 saved so CUnit
 * can print again afterwards. */
static void start(size_t chunk, int with_bulk)
{
	int p[2];

	memset(&cap, 0, sizeof(cap));
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	kt_channel_init(&ch);
	ch.chunk = chunk;
	if (with_bulk)
		ch.bulk_fd = p[1];
	else
		ch.com2_fd = p[1];
	cap.fd = p[0];
	ktinit_decoder_init(&cap.dec, on_frame, on_error, &cap);
	saved[0] = dup(1);
	saved[1] = dup(2);
	CU_ASSERT_EQUAL_FATAL(kt_stdio_fwd_start(&fwd, &ch), 0);
	if (with_bulk)
		pthread_create(&cap.thread, NULL, reader, &cap);
}

static void run(const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct ktinit_spawn req = { .argv = argv };
	pid_t pid = kt_spawn(&req);
	int status;

	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 20000, &status), 0);
}

static long long finish(int drain_ms)
{
	long long t0 = kt_now_ms(), took;

	kt_stdio_fwd_drain(&fwd, drain_ms);
	took = kt_now_ms() - t0;
	dup2(saved[0], 1);
	dup2(saved[1], 2);
	close(saved[0]);
	close(saved[1]);
	close(ch.bulk_fd >= 0 ? ch.bulk_fd : ch.com2_fd);
	if (cap.thread)
		pthread_join(cap.thread, NULL);
	return took;
}

static void done(void)
{
	close(cap.fd);
	ktinit_decoder_free(&cap.dec);
	free(cap.out);
	free(cap.err);
}

static void test_burst_then_exit(void)
{
	/* 64 KiB written, then exit at once: every byte arrives. */
	start(65536, 1);
	run("head -c 65536 /dev/zero | tr '\\0' x; echo -n tail");
	finish(2000);
	CU_ASSERT_EQUAL(cap.out_len, 65536 + 4);
	CU_ASSERT(cap.out_len >= 4 && memcmp(cap.out + cap.out_len - 4, "tail", 4) == 0);
	CU_ASSERT_EQUAL(cap.bad, 0);
	done();
}

static void test_streams_apart(void)
{
	start(65536, 1);
	run("echo out; echo err >&2; echo out2");
	finish(2000);
	CU_ASSERT_STRING_EQUAL(cap.out ? cap.out : "", "out\nout2\n");
	CU_ASSERT_STRING_EQUAL(cap.err ? cap.err : "", "err\n");
	done();
}

static void test_chunked(void)
{
	start(1000, 1);
	run("head -c 10000 /dev/zero");
	finish(2000);
	CU_ASSERT_EQUAL(cap.out_len, 10000);
	CU_ASSERT(cap.max_payload <= 1000);
	CU_ASSERT(cap.frames >= 10);
	done();
}

static void test_lingering_writer(void)
{
	long long took;

	/* A background child keeps stdout open: the drain gives up after
	 * drain_ms, yet what was written before is there. */
	start(65536, 1);
	run("(sleep 5; echo late) & echo early");
	took = finish(300);
	CU_ASSERT(took < 2000);
	CU_ASSERT_STRING_EQUAL(cap.out ? cap.out : "", "early\n");
	done();
}

static void test_com2_fallback(void)
{
	char buf[64] = "";
	ssize_t n;

	start(65536, 0);
	run("echo plain");
	finish(1000);
	n = read(cap.fd, buf, sizeof(buf) - 1);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_STRING_EQUAL(buf, "plain\n");
	CU_ASSERT_EQUAL(kt_channel_send(&ch, KTINIT_FRAME_EXIT, "\0\0\0\0", 4), -ENODEV);
	done();
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "64 KiB burst then exit loses nothing", test_burst_then_exit },
		{ "stdout and stderr stay apart", test_streams_apart },
		{ "frames chunked", test_chunked },
		{ "lingering writer bounded", test_lingering_writer },
		{ "COM2 fallback without bulk port", test_com2_fallback },
		{ NULL, NULL },
	};
	sigset_t empty;

	sigemptyset(&empty);
	kt_spawn_set_orig_mask(&empty);
	return kt_unit_run("stdio_fwd", cases);
}
