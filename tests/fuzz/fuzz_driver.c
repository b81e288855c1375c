/* Runs a libFuzzer target without libFuzzer, so `make check` replays the
 * fuzz targets under AddressSanitizer/UBSan with plain gcc: every file
 * named on the command line (a corpus or crash reproducer), then a fixed
 * number of deterministic pseudo-random inputs built from valid frames,
 * kernel-cmdline/INI fragments and noise. Exit 0 unless the target or a
 * sanitizer aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktinit/frame.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUNDS 100000
#define MAX_INPUT 8192

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static const char *const words[] = {
	"ktinit.mode=test ", "ktinit.test.timeout_s=5 ", "\"a b\" ", "-- ",
	"[init]\n", "mode = shell\n", "[test]\ncommand = echo \"x\"\n", "=\n",
	"ktinit.a.b=\"c d\" ", "[", "]\n", ";c\n", "k: v\n", "\0", "KTSTR_MODE=X ",
};

/* Append a valid frame, sometimes damaged afterwards. */
static size_t add_frame(uint8_t *buf, size_t len)
{
	static const uint32_t types[] = { KTINIT_FRAME_SOUT, KTINIT_FRAME_EXIT,
					  KTINIT_FRAME_LIFE, KTINIT_FRAME_SRDY };
	uint8_t payload[64];
	uint32_t plen = next() % sizeof(payload);

	if (len + KTINIT_FRAME_HEADER_SIZE + plen > MAX_INPUT)
		return len;
	for (uint32_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)next();
	ktinit_frame_header(buf + len, types[next() % 4], payload, plen);
	memcpy(buf + len + KTINIT_FRAME_HEADER_SIZE, payload, plen);
	return len + KTINIT_FRAME_HEADER_SIZE + plen;
}

static size_t make_input(uint8_t *buf)
{
	size_t len = 0, pieces = next() % 24;

	for (size_t p = 0; p < pieces && len < MAX_INPUT - 64; p++) {
		switch (next() % 3) {
		case 0:
			len = add_frame(buf, len);
			break;
		case 1: {
			const char *w = words[next() % (sizeof(words) / sizeof(words[0]))];
			size_t wl = strlen(w) ? strlen(w) : 1;

			memcpy(buf + len, w, wl);
			len += wl;
			break;
		}
		default:
			for (size_t n = next() % 32; n > 0; n--)
				buf[len++] = (uint8_t)next();
		}
	}
	if (len && next() % 4 == 0)
		buf[next() % len] ^= (uint8_t)(1u << (next() % 8)); /* bit flip */
	return len;
}

static int run_file(const char *path)
{
	static uint8_t data[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_INPUT];
	int rc = 0;

	for (int i = 1; i < argc; i++)
		rc |= run_file(argv[i]);
	for (int r = 0; r < ROUNDS; r++) {
		size_t len = make_input(buf);

		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%d inputs replayed without a fault\n", ROUNDS + argc - 1);
	return rc;
}
