/* Unit tests for init/frame.c: encoding, writing and the streaming decoder. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "ktinit/frame.h"

static const uint32_t all_types[] = {
	KTINIT_FRAME_SOUT, KTINIT_FRAME_SERR, KTINIT_FRAME_EXIT,
	KTINIT_FRAME_EXCX, KTINIT_FRAME_LIFE, KTINIT_FRAME_SRDY,
	KTINIT_FRAME_SCDX, KTINIT_FRAME_SCLG, KTINIT_FRAME_DMSG,
};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

/* --- a growable byte buffer to build streams in ----------------------------- */

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Append a frame; returns its stream offset. */
static size_t add_frame(struct bytes *b, uint32_t type, const void *payload,
			uint32_t len)
{
	uint8_t hdr[KTINIT_FRAME_HEADER_SIZE];
	size_t off = b->len;

	ktinit_frame_header(hdr, type, payload, len);
	bytes_add(b, hdr, sizeof(hdr));
	bytes_add(b, payload, len);
	return off;
}

static size_t add_str(struct bytes *b, uint32_t type, const char *s)
{
	return add_frame(b, type, s, (uint32_t)strlen(s));
}

static size_t add_i32(struct bytes *b, uint32_t type, int32_t v)
{
	uint8_t p[4];

	ktinit_put_le32(p, (uint32_t)v);
	return add_frame(b, type, p, sizeof(p));
}

/* --- recording decoder events --------------------------------------------- */

#define MAX_EVENTS 64

struct event {
	int is_error;
	uint32_t type, length, crc;
	uint64_t offset;
	const char *what;
	uint8_t head[8]; /* first payload bytes */
};

struct log {
	size_t n;
	struct event ev[MAX_EVENTS];
};

static void log_frame(void *arg, const struct ktinit_frame *f)
{
	struct log *l = arg;
	struct event *e;

	CU_ASSERT_FATAL(l->n < MAX_EVENTS);
	e = &l->ev[l->n++];
	memset(e, 0, sizeof(*e));
	e->type = f->type;
	e->length = f->length;
	e->offset = f->offset;
	e->crc = ktinit_frame_crc32(f->payload, f->length);
	memcpy(e->head, f->payload, f->length < 8 ? f->length : 8);
}

static void log_error(void *arg, uint64_t offset, const char *what)
{
	struct log *l = arg;
	struct event *e;

	CU_ASSERT_FATAL(l->n < MAX_EVENTS);
	e = &l->ev[l->n++];
	memset(e, 0, sizeof(*e));
	e->is_error = 1;
	e->offset = offset;
	e->what = what;
}

/* Decode p[0..n) in chunks of `chunk` bytes (0: all at once). Returns the
 * byte count decoder_finish() reported as left over. */
static size_t decode_all(const uint8_t *p, size_t n, size_t chunk, struct log *l)
{
	struct ktinit_decoder d;
	size_t i, step, left;

	memset(l, 0, sizeof(*l));
	ktinit_decoder_init(&d, log_frame, log_error, l);
	if (chunk == 0)
		chunk = n ? n : 1;
	for (i = 0; i < n; i += step) {
		step = n - i < chunk ? n - i : chunk;
		CU_ASSERT_EQUAL(ktinit_decoder_feed(&d, p + i, step), 0);
	}
	left = ktinit_decoder_finish(&d);
	ktinit_decoder_free(&d);
	return left;
}

static int same_log(const struct log *a, const struct log *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct event *x = &a->ev[i], *y = &b->ev[i];

		if (x->is_error != y->is_error || x->offset != y->offset ||
		    x->type != y->type || x->length != y->length ||
		    x->crc != y->crc)
			return 0;
		if (x->is_error && strcmp(x->what, y->what) != 0)
			return 0;
	}
	return 1;
}

static void expect_frame(const struct log *l, size_t i, uint32_t type,
			 uint32_t len, uint64_t off)
{
	CU_ASSERT_FATAL(i < l->n);
	CU_ASSERT_FALSE(l->ev[i].is_error);
	CU_ASSERT_EQUAL(l->ev[i].type, type);
	CU_ASSERT_EQUAL(l->ev[i].length, len);
	CU_ASSERT_EQUAL(l->ev[i].offset, off);
}

static void expect_error(const struct log *l, size_t i, const char *what,
			 uint64_t off)
{
	CU_ASSERT_FATAL(i < l->n);
	CU_ASSERT_TRUE(l->ev[i].is_error);
	CU_ASSERT_EQUAL(l->ev[i].offset, off);
	if (l->ev[i].is_error)
		CU_ASSERT_STRING_EQUAL(l->ev[i].what, what);
}

/* Decoding must not depend on chunking: check 1-byte, odd and whole feeds
 * agree, and leave the whole-feed log in *l. */
static size_t decode_checked(const uint8_t *p, size_t n, struct log *l)
{
	static struct log bytewise, odd;
	size_t left = decode_all(p, n, 0, l);

	CU_ASSERT_EQUAL(decode_all(p, n, 1, &bytewise), left);
	CU_ASSERT_TRUE(same_log(l, &bytewise));
	CU_ASSERT_EQUAL(decode_all(p, n, 7, &odd), left);
	CU_ASSERT_TRUE(same_log(l, &odd));
	return left;
}

/* --- encoding ------------------------------------------------------------- */

static const uint8_t golden_exit7[20] = {
	0x54, 0x49, 0x58, 0x45, 0x04, 0x00, 0x00, 0x00, 0xa5, 0xe7,
	0x93, 0xbc, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
};

static void test_golden_vector(void)
{
	struct bytes b = { 0 };
	uint8_t code[4];
	uint8_t got[32];
	int pfd[2];
	ssize_t n;

	ktinit_put_le32(code, 7);
	add_frame(&b, KTINIT_FRAME_EXIT, code, sizeof(code));
	CU_ASSERT_EQUAL(b.len, sizeof(golden_exit7));
	CU_ASSERT_EQUAL(memcmp(b.p, golden_exit7, sizeof(golden_exit7)), 0);
	CU_ASSERT_EQUAL(ktinit_frame_crc32(code, 4), 0xBC93E7A5u);
	free(b.p);

	/* The writer puts the same bytes on the wire. */
	CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
	CU_ASSERT_EQUAL(ktinit_frame_write(pfd[1], KTINIT_FRAME_EXIT, code, 4), 0);
	close(pfd[1]);
	n = read(pfd[0], got, sizeof(got));
	CU_ASSERT_EQUAL(n, 20);
	CU_ASSERT_EQUAL(memcmp(got, golden_exit7, 20), 0);
	close(pfd[0]);
}

static void test_crc32_check_value(void)
{
	CU_ASSERT_EQUAL(ktinit_frame_crc32("123456789", 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(ktinit_frame_crc32(NULL, 0), 0);
	CU_ASSERT_EQUAL(ktinit_frame_crc32("", 0), 0);
}

static void test_tags_spell_ascii(void)
{
	size_t i;

	for (i = 0; i < N_TYPES; i++) {
		uint32_t t = all_types[i];
		const char *name = ktinit_frame_type_name(t);
		char spelled[5] = {
			(char)(t >> 24), (char)(t >> 16), (char)(t >> 8), (char)t, 0,
		};

		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_STRING_EQUAL(name, spelled);
	}
	CU_ASSERT_PTR_NULL(ktinit_frame_type_name(0));
	CU_ASSERT_PTR_NULL(ktinit_frame_type_name(0x54554F53)); /* "SOUT" reversed */
}

static void test_life_phase_names(void)
{
	CU_ASSERT_STRING_EQUAL(ktinit_life_phase_name(KTINIT_LIFE_INIT_STARTED),
			       "InitStarted");
	CU_ASSERT_STRING_EQUAL(ktinit_life_phase_name(KTINIT_LIFE_PAYLOAD_STARTING),
			       "PayloadStarting");
	CU_ASSERT_STRING_EQUAL(ktinit_life_phase_name(KTINIT_LIFE_SCHEDULER_DIED),
			       "SchedulerDied");
	CU_ASSERT_STRING_EQUAL(
		ktinit_life_phase_name(KTINIT_LIFE_SCHEDULER_NOT_ATTACHED),
		"SchedulerNotAttached");
	CU_ASSERT_PTR_NULL(ktinit_life_phase_name(0));
	CU_ASSERT_PTR_NULL(ktinit_life_phase_name(5));
}

/* --- decoding ------------------------------------------------------------- */

static void test_round_trip_all_types(void)
{
	static struct log l;
	struct bytes b = { 0 };
	size_t off[2 * N_TYPES];
	uint32_t len[2 * N_TYPES];
	size_t i;

	/* Every type twice: once empty, once with a payload of its own. */
	for (i = 0; i < N_TYPES; i++) {
		uint8_t payload[12];

		memset(payload, (int)('a' + i), sizeof(payload));
		len[2 * i] = 0;
		off[2 * i] = add_frame(&b, all_types[i], NULL, 0);
		len[2 * i + 1] = (uint32_t)(1 + i);
		off[2 * i + 1] = add_frame(&b, all_types[i], payload, len[2 * i + 1]);
	}
	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2 * N_TYPES);
	for (i = 0; i < 2 * N_TYPES; i++) {
		expect_frame(&l, i, all_types[i / 2], len[i], off[i]);
		if (len[i])
			CU_ASSERT_EQUAL(l.ev[i].head[0], 'a' + i / 2);
	}
	free(b.p);
}

static void test_max_payload_accepted(void)
{
	static struct log l;
	struct bytes b = { 0 };
	uint8_t *big = calloc(1, KTINIT_FRAME_MAX_PAYLOAD);

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	big[0] = 'x';
	add_frame(&b, KTINIT_FRAME_DMSG, big, KTINIT_FRAME_MAX_PAYLOAD);
	add_str(&b, KTINIT_FRAME_SRDY, "");
	CU_ASSERT_EQUAL(decode_all(b.p, b.len, 0, &l), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	expect_frame(&l, 0, KTINIT_FRAME_DMSG, KTINIT_FRAME_MAX_PAYLOAD, 0);
	CU_ASSERT_EQUAL(decode_all(b.p, b.len, 4096, &l), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	free(big);
	free(b.p);
}

static void test_bytewise_equals_whole(void)
{
	static struct log whole, bytewise;
	struct bytes b = { 0 };
	uint8_t bad[KTINIT_FRAME_HEADER_SIZE];
	size_t corrupt;

	/* A stream with every kind of trouble in it. */
	add_str(&b, KTINIT_FRAME_SRDY, "");
	add_str(&b, KTINIT_FRAME_SOUT, "hello, world\n");
	corrupt = add_str(&b, KTINIT_FRAME_SERR, "oops");
	b.p[corrupt + KTINIT_FRAME_HEADER_SIZE] ^= 1;
	bytes_add(&b, "#garbage#", 9);
	add_str(&b, KTINIT_FRAME_LIFE, "\x02go");
	ktinit_frame_header(bad, KTINIT_FRAME_SCLG, "x", 1);
	ktinit_put_le32(bad + 12, 9);
	bytes_add(&b, bad, sizeof(bad));
	bytes_add(&b, "x", 1);
	add_i32(&b, KTINIT_FRAME_EXIT, 0);
	add_str(&b, KTINIT_FRAME_DMSG, "cut short");
	b.len -= 3;

	CU_ASSERT_EQUAL(decode_all(b.p, b.len, 0, &whole), 16 + 6);
	CU_ASSERT_EQUAL(decode_all(b.p, b.len, 1, &bytewise), 16 + 6);
	CU_ASSERT_TRUE(same_log(&whole, &bytewise));
	/* SRDY SOUT badcrc garbage LIFE reserved EXIT truncated */
	CU_ASSERT_EQUAL(whole.n, 8);
	free(b.p);
}

static void test_empty_stream(void)
{
	static struct log l;

	CU_ASSERT_EQUAL(decode_checked(NULL, 0, &l), 0);
	CU_ASSERT_EQUAL(l.n, 0);
}

static void test_truncated_stream(void)
{
	static struct log l;
	struct bytes b = { 0 };
	size_t second;

	add_str(&b, KTINIT_FRAME_SOUT, "complete");
	second = add_str(&b, KTINIT_FRAME_SOUT, "never finished");

	/* Cut inside the payload. */
	CU_ASSERT_EQUAL(decode_checked(b.p, b.len - 4, &l),
			b.len - 4 - second);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	expect_frame(&l, 0, KTINIT_FRAME_SOUT, 8, 0);
	expect_error(&l, 1, "truncated frame", second);

	/* Cut inside the header. */
	CU_ASSERT_EQUAL(decode_checked(b.p, second + 5, &l), 5);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	expect_error(&l, 1, "truncated frame", second);

	/* Clean end: nothing left over, no error. */
	CU_ASSERT_EQUAL(decode_checked(b.p, second, &l), 0);
	CU_ASSERT_EQUAL(l.n, 1);
	free(b.p);
}

static void test_bad_crc_skips_frame(void)
{
	static struct log l;
	struct bytes b = { 0 }, inner = { 0 };
	size_t bad, third;

	add_str(&b, KTINIT_FRAME_SOUT, "one");
	/* The bad frame carries a valid-looking frame: skipping it whole
	 * (trusting its length) must not decode what is inside. */
	add_i32(&inner, KTINIT_FRAME_EXIT, 1);
	bad = add_frame(&b, KTINIT_FRAME_SCLG, inner.p, (uint32_t)inner.len);
	b.p[bad + 8] ^= 0x80; /* CRC field */
	third = add_str(&b, KTINIT_FRAME_SERR, "three");

	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	expect_frame(&l, 0, KTINIT_FRAME_SOUT, 3, 0);
	expect_error(&l, 1, "bad CRC", bad);
	expect_frame(&l, 2, KTINIT_FRAME_SERR, 5, third);
	CU_ASSERT_EQUAL(memcmp(l.ev[2].head, "three", 5), 0);
	free(inner.p);
	free(b.p);
}

static void test_nonzero_reserved(void)
{
	static struct log l;
	struct bytes b = { 0 };
	uint8_t hdr[KTINIT_FRAME_HEADER_SIZE];
	size_t bad, next;

	add_str(&b, KTINIT_FRAME_SRDY, "");
	bad = b.len;
	ktinit_frame_header(hdr, KTINIT_FRAME_SOUT, "hello", 5);
	ktinit_put_le32(hdr + 12, 1);
	bytes_add(&b, hdr, sizeof(hdr));
	bytes_add(&b, "hello", 5);
	next = add_i32(&b, KTINIT_FRAME_EXIT, 7);

	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	expect_frame(&l, 0, KTINIT_FRAME_SRDY, 0, 0);
	expect_error(&l, 1, "non-zero reserved word", bad);
	expect_frame(&l, 2, KTINIT_FRAME_EXIT, 4, next);
	free(b.p);
}

static void test_absurd_length(void)
{
	static struct log l;
	struct bytes b = { 0 };
	uint8_t hdr[KTINIT_FRAME_HEADER_SIZE];
	size_t next;

	ktinit_frame_header(hdr, KTINIT_FRAME_DMSG, NULL, 0);
	ktinit_put_le32(hdr + 4, KTINIT_FRAME_MAX_PAYLOAD + 1);
	bytes_add(&b, hdr, sizeof(hdr));
	next = add_str(&b, KTINIT_FRAME_DMSG, "kernel says hi");

	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	expect_error(&l, 0, "absurd frame length", 0);
	expect_frame(&l, 1, KTINIT_FRAME_DMSG, 14, next);

	/* 0xffffffff must not be trusted (or overflow) either. */
	ktinit_put_le32(b.p + 4, 0xffffffffu);
	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	expect_error(&l, 0, "absurd frame length", 0);
	free(b.p);
}

static void test_garbage_between_frames(void)
{
	static struct log l;
	struct bytes b = { 0 };
	/* Includes 'T' and "SOUT"-ish bytes that start plausible prefixes. */
	static const char junk[] = "\xff\x00garbage TUO\x01 TIXE\x02\x03 more junk";
	size_t g, second;

	add_str(&b, KTINIT_FRAME_SOUT, "before");
	g = b.len;
	bytes_add(&b, junk, sizeof(junk) - 1);
	second = add_str(&b, KTINIT_FRAME_SOUT, "after");
	add_i32(&b, KTINIT_FRAME_EXIT, 0);

	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 4);
	expect_frame(&l, 0, KTINIT_FRAME_SOUT, 6, 0);
	expect_error(&l, 1, "unknown frame type", g);
	expect_frame(&l, 2, KTINIT_FRAME_SOUT, 5, second);
	expect_frame(&l, 3, KTINIT_FRAME_EXIT, 4, second + 21);

	/* Garbage at the very start and at the very end. */
	decode_checked((const uint8_t *)junk, sizeof(junk) - 1, &l);
	CU_ASSERT_EQUAL(l.n, 1);
	expect_error(&l, 0, "unknown frame type", 0);
	free(b.p);
}

static void test_two_garbled_stretches(void)
{
	static struct log l;
	struct bytes b = { 0 };
	size_t g1, g2;

	g1 = b.len;
	bytes_add(&b, "junk", 4);
	add_str(&b, KTINIT_FRAME_SOUT, "a");
	g2 = b.len;
	bytes_add(&b, "more junk", 9);
	add_str(&b, KTINIT_FRAME_SOUT, "b");

	CU_ASSERT_EQUAL(decode_checked(b.p, b.len, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 4);
	expect_error(&l, 0, "unknown frame type", g1);
	expect_frame(&l, 1, KTINIT_FRAME_SOUT, 1, 4);
	expect_error(&l, 2, "unknown frame type", g2);
	expect_frame(&l, 3, KTINIT_FRAME_SOUT, 1, g2 + 9);
	free(b.p);
}

/* --- writing ------------------------------------------------------------- */

struct reader {
	int fd;
	struct bytes got;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[4096];
	ssize_t n;

	/* Read slowly-ish in small pieces so the writer sees partial writes. */
	while ((n = read(r->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		bytes_add(&r->got, buf, (size_t)n);
	}
	return NULL;
}

static void write_through_pipe(int nonblock)
{
	static struct log l;
	const size_t big = 512 * 1024; /* well over the 64 KiB pipe buffer */
	struct reader r = { 0 };
	pthread_t th;
	uint8_t *payload = malloc(big);
	size_t i;
	int pfd[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(payload);
	for (i = 0; i < big; i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 9));
	CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
	if (nonblock)
		fcntl(pfd[1], F_SETFL, fcntl(pfd[1], F_GETFL) | O_NONBLOCK);
	r.fd = pfd[0];
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, reader_main, &r), 0);

	CU_ASSERT_EQUAL(ktinit_frame_write(pfd[1], KTINIT_FRAME_SOUT, payload, big), 0);
	CU_ASSERT_EQUAL(ktinit_frame_write(pfd[1], KTINIT_FRAME_SRDY, NULL, 0), 0);
	CU_ASSERT_EQUAL(ktinit_frame_write(pfd[1], KTINIT_FRAME_EXIT, "\x03\0\0\0", 4), 0);
	close(pfd[1]);
	pthread_join(th, NULL);
	close(pfd[0]);

	CU_ASSERT_EQUAL_FATAL(r.got.len, 3 * KTINIT_FRAME_HEADER_SIZE + big + 4);
	CU_ASSERT_EQUAL(memcmp(r.got.p + KTINIT_FRAME_HEADER_SIZE, payload, big), 0);
	CU_ASSERT_EQUAL(decode_all(r.got.p, r.got.len, 0, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	expect_frame(&l, 0, KTINIT_FRAME_SOUT, (uint32_t)big, 0);
	CU_ASSERT_EQUAL(l.ev[0].crc, ktinit_frame_crc32(payload, big));
	expect_frame(&l, 1, KTINIT_FRAME_SRDY, 0, KTINIT_FRAME_HEADER_SIZE + big);
	expect_frame(&l, 2, KTINIT_FRAME_EXIT, 4, 2 * KTINIT_FRAME_HEADER_SIZE + big);
	free(r.got.p);
	free(payload);
}

static void test_write_large_blocking(void)
{
	write_through_pipe(0);
}

static void test_write_large_nonblocking(void)
{
	write_through_pipe(1);
}

static void test_write_errors(void)
{
	uint8_t *big = calloc(1, KTINIT_FRAME_MAX_PAYLOAD + 1);
	uint8_t c;
	int pfd[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
	CU_ASSERT_EQUAL(ktinit_frame_write(pfd[1], KTINIT_FRAME_SOUT, big,
					   KTINIT_FRAME_MAX_PAYLOAD + 1),
			-EMSGSIZE);
	/* Nothing at all went out. */
	close(pfd[1]);
	CU_ASSERT_EQUAL(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	CU_ASSERT_EQUAL(ktinit_frame_write(-1, KTINIT_FRAME_SRDY, NULL, 0), -EBADF);
	free(big);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "golden vector", test_golden_vector },
		{ "crc32 check value", test_crc32_check_value },
		{ "tags spell ASCII", test_tags_spell_ascii },
		{ "LIFE phase names", test_life_phase_names },
		{ "round trip of every type", test_round_trip_all_types },
		{ "max payload accepted", test_max_payload_accepted },
		{ "byte-by-byte equals one chunk", test_bytewise_equals_whole },
		{ "empty stream", test_empty_stream },
		{ "truncated stream", test_truncated_stream },
		{ "bad CRC skips the frame", test_bad_crc_skips_frame },
		{ "non-zero reserved word", test_nonzero_reserved },
		{ "absurd length", test_absurd_length },
		{ "garbage between frames", test_garbage_between_frames },
		{ "two garbled stretches", test_two_garbled_stretches },
		{ "write > pipe buffer", test_write_large_blocking },
		{ "write > pipe buffer, O_NONBLOCK", test_write_large_nonblocking },
		{ "write errors", test_write_errors },
	};
	CU_pSuite s;
	unsigned int failures;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	s = CU_add_suite("frame", NULL, NULL);
	if (!s)
		goto fail;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			goto fail;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* CU_basic_run_tests() does not report failures in its return value. */
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures > 0 ? 1 : 0;
fail:
	CU_cleanup_registry();
	return 99;
}
