/* ktinit-decode - decode a captured host-channel (bulk port) stream.
 *
 *   ktinit-decode [--split OUTDIR | --raw] FILE|-
 *
 * Exit status: 0 clean stream that carries an EXIT or EXCX frame, 1 a bad
 * frame was seen, 2 the stream ended without EXIT/EXCX, 3 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktinit/frame.h"

#define PROG "ktinit-decode"
#define PREVIEW_MAX 48  /* payload bytes shown per data record */
#define REASON_MAX 200  /* LIFE reason bytes shown */

enum out_mode { MODE_LIST, MODE_SPLIT, MODE_RAW };

/* --split output files, by frame type. */
enum { SPLIT_SOUT, SPLIT_SERR, SPLIT_SCLG, SPLIT_DMSG, SPLIT_N };
static const char *const split_names[SPLIT_N] = {
	"stdout.bin", "stderr.bin", "sched.log", "dmesg.log",
};

struct ctx {
	const char *name;   /* input name for messages */
	enum out_mode mode;
	const char *dir;    /* --split */
	FILE *split[SPLIT_N];
	int bad;            /* a bad frame was seen */
	int io_err;         /* an output write failed */
	int have_exit;
	int32_t exit_code;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [--split OUTDIR | --raw] FILE|-\n"
		"Decode a captured ktinit host-channel stream (FILE, or - for stdin).\n"
		"\n"
		"  (default)       one line per frame: @OFFSET TAG details\n"
		"  --split OUTDIR  write stdout.bin, stderr.bin, sched.log and dmesg.log\n"
		"                  into OUTDIR (created if missing), print the exit code\n"
		"  --raw           SOUT bytes to stdout, SERR bytes to stderr, verbatim\n"
		"  -h, --help      show this help\n"
		"\n"
		"Bad frames are reported on stderr with their byte offset.\n"
		"Exit status: 0 clean stream with an EXIT/EXCX frame, 1 a bad frame was\n"
		"seen, 2 the stream ended without EXIT/EXCX, 3 usage or I/O error.\n");
}

static void stream_error(struct ctx *c, uint64_t off, const char *what)
{
	c->bad = 1;
	fflush(stdout); /* keep the message in place among listed frames */
	fprintf(stderr, PROG ": %s: byte %" PRIu64 ": %s\n", c->name, off, what);
}

static void on_error(void *arg, uint64_t off, const char *what)
{
	stream_error(arg, off, what);
}

/* Print bytes as a C-ish quoted string, cut at max with "..." after. */
static void print_quoted(const uint8_t *p, size_t len, size_t max)
{
	size_t i, n = len < max ? len : max;

	putchar('"');
	for (i = 0; i < n; i++) {
		uint8_t ch = p[i];

		switch (ch) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (ch >= 0x20 && ch < 0x7f)
				putchar(ch);
			else
				printf("\\x%02x", ch);
		}
	}
	putchar('"');
	if (len > n)
		fputs("...", stdout);
}

static int is_i32_type(uint32_t type)
{
	return type == KTINIT_FRAME_EXIT || type == KTINIT_FRAME_EXCX ||
	       type == KTINIT_FRAME_SCDX;
}

/* Payload sizes the format fixes; a CRC-clean frame can still break them. */
static int check_payload(struct ctx *c, const struct ktinit_frame *f)
{
	if (is_i32_type(f->type) && f->length != 4) {
		stream_error(c, f->offset, "i32 frame without a 4-byte payload");
		return -1;
	}
	if (f->type == KTINIT_FRAME_LIFE && f->length < 1) {
		stream_error(c, f->offset, "LIFE frame without a phase byte");
		return -1;
	}
	return 0;
}

static void list_frame(const struct ktinit_frame *f)
{
	const char *phase;

	printf("@%" PRIu64 " %s", f->offset, ktinit_frame_type_name(f->type));
	switch (f->type) {
	case KTINIT_FRAME_EXIT:
	case KTINIT_FRAME_EXCX:
	case KTINIT_FRAME_SCDX:
		printf(" %" PRId32, (int32_t)ktinit_get_le32(f->payload));
		break;
	case KTINIT_FRAME_LIFE:
		phase = ktinit_life_phase_name(f->payload[0]);
		if (phase)
			printf(" %s", phase);
		else
			printf(" phase %u", f->payload[0]);
		if (f->length > 1) {
			putchar(' ');
			print_quoted(f->payload + 1, f->length - 1, REASON_MAX);
		}
		break;
	default:
		/* SRDY is empty; anything it carries is shown anyway. */
		if (f->type == KTINIT_FRAME_SRDY && f->length == 0)
			break;
		printf(" %" PRIu32 " bytes ", f->length);
		print_quoted(f->payload, f->length, PREVIEW_MAX);
	}
	putchar('\n');
}

static FILE *split_file(struct ctx *c, uint32_t type)
{
	switch (type) {
	case KTINIT_FRAME_SOUT: return c->split[SPLIT_SOUT];
	case KTINIT_FRAME_SERR: return c->split[SPLIT_SERR];
	case KTINIT_FRAME_SCLG: return c->split[SPLIT_SCLG];
	case KTINIT_FRAME_DMSG: return c->split[SPLIT_DMSG];
	}
	return NULL;
}

static void put_bytes(struct ctx *c, FILE *out, const struct ktinit_frame *f)
{
	if (out && f->length > 0 &&
	    fwrite(f->payload, 1, f->length, out) != f->length)
		c->io_err = 1;
}

static void on_frame(void *arg, const struct ktinit_frame *f)
{
	struct ctx *c = arg;

	if (check_payload(c, f))
		return;
	if (f->type == KTINIT_FRAME_EXIT || f->type == KTINIT_FRAME_EXCX) {
		c->have_exit = 1;
		c->exit_code = (int32_t)ktinit_get_le32(f->payload);
	}
	switch (c->mode) {
	case MODE_LIST:
		list_frame(f);
		break;
	case MODE_SPLIT:
		put_bytes(c, split_file(c, f->type), f);
		break;
	case MODE_RAW:
		if (f->type == KTINIT_FRAME_SOUT)
			put_bytes(c, stdout, f);
		else if (f->type == KTINIT_FRAME_SERR)
			put_bytes(c, stderr, f);
		break;
	}
}

static int split_open(struct ctx *c)
{
	char path[4096];
	int i, n;

	if (mkdir(c->dir, 0755) && errno != EEXIST) {
		fprintf(stderr, PROG ": %s: %s\n", c->dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < SPLIT_N; i++) {
		n = snprintf(path, sizeof(path), "%s/%s", c->dir, split_names[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, PROG ": %s: path too long\n", c->dir);
			return -1;
		}
		c->split[i] = fopen(path, "wb");
		if (!c->split[i]) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Close the --split files; a failed close means lost output. */
static int split_close(struct ctx *c)
{
	int i, ret = 0;

	for (i = 0; i < SPLIT_N; i++) {
		if (c->split[i] && fclose(c->split[i])) {
			fprintf(stderr, PROG ": %s/%s: %s\n", c->dir,
				split_names[i], strerror(errno));
			ret = -1;
		}
		c->split[i] = NULL;
	}
	return ret;
}

/* Read fd to the end through the decoder. Returns 0 or -1 (reported). */
static int decode_fd(struct ctx *c, int fd)
{
	static uint8_t buf[1 << 16];
	struct ktinit_decoder d;
	int ret = 0;

	ktinit_decoder_init(&d, on_frame, on_error, c);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, PROG ": %s: %s\n", c->name, strerror(errno));
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		if (ktinit_decoder_feed(&d, buf, (size_t)n)) {
			fprintf(stderr, PROG ": %s: out of memory\n", c->name);
			ret = -1;
			break;
		}
	}
	if (ret == 0)
		ktinit_decoder_finish(&d);
	ktinit_decoder_free(&d);
	return ret;
}

static int parse_args(int argc, char **argv, struct ctx *c)
{
	static const struct option opts[] = {
		{ "split", required_argument, NULL, 's' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
		case 'r':
			if (c->mode != MODE_LIST) {
				fprintf(stderr, PROG ": --split and --raw exclude each other\n");
				return -1;
			}
			c->mode = opt == 's' ? MODE_SPLIT : MODE_RAW;
			c->dir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	c->name = argv[optind];
	return 0;
}

static int open_input(const char *name)
{
	int fd;

	if (strcmp(name, "-") == 0)
		return STDIN_FILENO;
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	struct ctx c = { .mode = MODE_LIST };
	int fd, failed = 0;

	if (parse_args(argc, argv, &c))
		return 3;
	fd = open_input(c.name);
	if (fd < 0)
		return 3;
	if (strcmp(c.name, "-") == 0)
		c.name = "<stdin>";
	/* Raw mode interleaves two streams: keep their relative order. */
	if (c.mode == MODE_RAW)
		setvbuf(stdout, NULL, _IONBF, 0);
	if (c.mode == MODE_SPLIT && split_open(&c))
		failed = 1;

	if (!failed && decode_fd(&c, fd))
		failed = 1;
	if (fd != STDIN_FILENO)
		close(fd);
	if (split_close(&c))
		failed = 1;

	if (!failed && !c.have_exit)
		fprintf(stderr, PROG ": %s: stream ended without an EXIT/EXCX frame\n",
			c.name);
	if (!failed && c.mode == MODE_SPLIT && c.have_exit)
		printf("%" PRId32 "\n", c.exit_code);
	if (fflush(stdout) || ferror(stdout) || c.io_err) {
		fprintf(stderr, PROG ": write error\n");
		failed = 1;
	}
	if (failed)
		return 3;
	if (c.bad)
		return 1;
	return c.have_exit ? 0 : 2;
}
