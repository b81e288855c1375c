/* bench_frame: cost of the frame codec, as ratios against a reference
 * done in the same process on the same bytes, so the numbers do not depend
 * on the machine's speed:
 *   encode ratio = time(ktinit_frame_write of 64 KiB frames to /dev/null)
 *                  / time(zlib crc32 over the same bytes)
 *   decode ratio = time(decoder fed 4 KiB chunks) / time(crc32 alone)
 * A ratio near 1 means the codec costs little beyond the CRC it must do.
 * Usage: bench_frame [MiB]   (default 256) */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <ktinit/frame.h>

#define CHUNK 65536

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_frame(void *arg, const struct ktinit_frame *f)
{
	*(uint64_t *)arg += f->length;
}

static void no_error(void *arg, uint64_t off, const char *what)
{
	(void)arg;
	fprintf(stderr, "bench_frame: unexpected error at %llu: %s\n",
		(unsigned long long)off, what);
	exit(1);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 256;
	size_t n = mib * 1024 * 1024 / CHUNK;
	uint8_t *payload = malloc(CHUNK), *stream;
	size_t stream_len = n * (KTINIT_FRAME_HEADER_SIZE + CHUNK);
	struct ktinit_decoder dec;
	uint64_t got = 0;
	double t0, t_crc, t_enc, t_dec;
	uLong crc = 0;
	int null = open("/dev/null", O_WRONLY);

	stream = malloc(stream_len);
	if (!payload || !stream || null < 0 || n == 0)
		return 2;
	for (size_t i = 0; i < CHUNK; i++)
		payload[i] = (uint8_t)(i * 131 + 7);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = stream + i * (KTINIT_FRAME_HEADER_SIZE + CHUNK);

		ktinit_frame_header(p, KTINIT_FRAME_SOUT, payload, CHUNK);
		memcpy(p + KTINIT_FRAME_HEADER_SIZE, payload, CHUNK);
	}

	t0 = now();
	for (size_t i = 0; i < n; i++)
		crc = crc32(crc, payload, CHUNK);
	t_crc = now() - t0;

	t0 = now();
	for (size_t i = 0; i < n; i++)
		if (ktinit_frame_write(null, KTINIT_FRAME_SOUT, payload, CHUNK))
			return 1;
	t_enc = now() - t0;

	ktinit_decoder_init(&dec, count_frame, no_error, &got);
	t0 = now();
	for (size_t off = 0; off < stream_len; off += 4096) {
		size_t len = stream_len - off < 4096 ? stream_len - off : 4096;

		ktinit_decoder_feed(&dec, stream + off, len);
	}
	ktinit_decoder_finish(&dec);
	t_dec = now() - t0;
	ktinit_decoder_free(&dec);
	if (got != (uint64_t)n * CHUNK)
		return 1;

	printf("bench_frame: %zu MiB in %zu frames of %d bytes (crc %08lx)\n",
	       mib, n, CHUNK, (unsigned long)crc);
	printf("  encode / crc32 = %.2f\n", t_enc / t_crc);
	printf("  decode / crc32 = %.2f\n", t_dec / t_crc);
	free(payload);
	free(stream);
	close(null);
	return 0;
}
