/* libFuzzer target for the frame decoder (see tests/fuzz/README.md).
 *
 * Input: 4 bytes that seed the chunking, then the stream. The stream is
 * decoded once in one piece and once in pseudo-random chunks; the two runs
 * must report the same events, and every event must stay inside the
 * stream, in increasing offset order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktinit/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	uint64_t size;      /* stream length */
	uint64_t hash;      /* over every event */
	uint64_t n_frames, n_errors;
	uint64_t last_off;
	int any;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static void mix(struct trace *t, uint64_t v)
{
	t->hash = (t->hash ^ v) * 0x100000001b3ull; /* FNV-1a step */
}

static void ordered(struct trace *t, uint64_t off)
{
	check(!t->any || off > t->last_off);
	t->last_off = off;
	t->any = 1;
}

static void on_frame(void *arg, const struct ktinit_frame *f)
{
	struct trace *t = arg;

	ordered(t, f->offset);
	check(ktinit_frame_type_name(f->type) != NULL);
	check(f->length <= KTINIT_FRAME_MAX_PAYLOAD);
	check(f->offset + KTINIT_FRAME_HEADER_SIZE + f->length <= t->size);
	t->n_frames++;
	mix(t, f->offset);
	mix(t, f->type);
	mix(t, f->length);
	/* Reads the whole payload, so ASan sees any bad pointer. */
	mix(t, ktinit_frame_crc32(f->payload, f->length));
}

static void on_error(void *arg, uint64_t offset, const char *what)
{
	struct trace *t = arg;

	ordered(t, offset);
	check(offset < t->size);
	check(what != NULL && what[0] != '\0');
	t->n_errors++;
	mix(t, offset);
	mix(t, (uintptr_t)what);
}

/* xorshift32: deterministic chunk sizes from the seed. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static size_t chunk_len(uint32_t *s, size_t left)
{
	uint32_t r = next_rand(s);
	size_t n;

	/* Mostly tiny pieces, which stress the buffering, some large ones. */
	switch (r & 3) {
	case 0: n = 1; break;
	case 1: n = 1 + (r >> 8) % 17; break;
	case 2: n = 1 + (r >> 8) % 300; break;
	default: n = 1 + (r >> 8) % 70000; break;
	}
	return n < left ? n : left;
}

static void run(const uint8_t *p, size_t n, uint32_t seed, struct trace *t)
{
	struct ktinit_decoder d;
	size_t i, step, left;

	memset(t, 0, sizeof(*t));
	t->size = n;
	ktinit_decoder_init(&d, on_frame, on_error, t);
	for (i = 0; i < n; i += step) {
		step = seed ? chunk_len(&seed, n - i) : n - i;
		check(ktinit_decoder_feed(&d, p + i, step) == 0);
	}
	left = ktinit_decoder_finish(&d);
	check(left <= n);
	check(d.frames == t->n_frames && d.errors == t->n_errors);
	/* A clean end reports nothing; leftovers report one truncation. */
	mix(t, left);
	ktinit_decoder_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole, pieces;
	uint32_t seed;

	if (size < 4)
		return 0;
	seed = ktinit_get_le32(data) | 1; /* xorshift must not start at 0 */
	data += 4;
	size -= 4;

	run(data, size, 0, &whole);
	run(data, size, seed, &pieces);
	check(whole.hash == pieces.hash);
	check(whole.n_frames == pieces.n_frames);
	check(whole.n_errors == pieces.n_errors);
	return 0;
}
