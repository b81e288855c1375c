/* ktinit - host channel frames: encoding, writing and streaming decoding.
 * The contract is in include/ktinit/frame.h; DESIGN section 5.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "ktinit/frame.h"

static const uint32_t known_types[] = {
	KTINIT_FRAME_SOUT, KTINIT_FRAME_SERR, KTINIT_FRAME_EXIT,
	KTINIT_FRAME_EXCX, KTINIT_FRAME_LIFE, KTINIT_FRAME_SRDY,
	KTINIT_FRAME_SCDX, KTINIT_FRAME_SCLG, KTINIT_FRAME_DMSG,
};

#define N_KNOWN_TYPES (sizeof(known_types) / sizeof(known_types[0]))

const char *ktinit_frame_type_name(uint32_t type)
{
	switch (type) {
	case KTINIT_FRAME_SOUT: return "SOUT";
	case KTINIT_FRAME_SERR: return "SERR";
	case KTINIT_FRAME_EXIT: return "EXIT";
	case KTINIT_FRAME_EXCX: return "EXCX";
	case KTINIT_FRAME_LIFE: return "LIFE";
	case KTINIT_FRAME_SRDY: return "SRDY";
	case KTINIT_FRAME_SCDX: return "SCDX";
	case KTINIT_FRAME_SCLG: return "SCLG";
	case KTINIT_FRAME_DMSG: return "DMSG";
	}
	return NULL;
}

const char *ktinit_life_phase_name(uint8_t phase)
{
	switch (phase) {
	case KTINIT_LIFE_INIT_STARTED: return "InitStarted";
	case KTINIT_LIFE_PAYLOAD_STARTING: return "PayloadStarting";
	case KTINIT_LIFE_SCHEDULER_DIED: return "SchedulerDied";
	case KTINIT_LIFE_SCHEDULER_NOT_ATTACHED: return "SchedulerNotAttached";
	}
	return NULL;
}

uint32_t ktinit_frame_crc32(const void *buf, size_t len)
{
	const Bytef *p = buf;
	uLong crc = crc32(0L, Z_NULL, 0);

	/* zlib's crc32() takes a uInt length: feed it in slices. */
	while (len > 0) {
		uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;

		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

void ktinit_frame_header(uint8_t hdr[KTINIT_FRAME_HEADER_SIZE], uint32_t type,
			 const void *payload, uint32_t len)
{
	ktinit_put_le32(hdr, type);
	ktinit_put_le32(hdr + 4, len);
	ktinit_put_le32(hdr + 8, ktinit_frame_crc32(payload, len));
	ktinit_put_le32(hdr + 12, 0);
}

/* Wait until fd takes more bytes: a non-blocking fd must not leave half a
 * frame on the wire, or every later frame is garbled. */
static int wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	for (;;) {
		if (poll(&pfd, 1, -1) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int ktinit_frame_write(int fd, uint32_t type, const void *payload, size_t len)
{
	uint8_t hdr[KTINIT_FRAME_HEADER_SIZE];
	struct iovec iov[2];
	struct iovec *v = iov;
	int cnt = len > 0 ? 2 : 1;

	if (len > KTINIT_FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	ktinit_frame_header(hdr, type, payload, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;

	while (cnt > 0) {
		ssize_t n = writev(fd, v, cnt);
		int err;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			err = wait_writable(fd);
			if (err)
				return err;
			continue;
		}
		if (n == 0)
			return -EIO; /* no progress and no error: do not spin */
		/* Partial write: skip what went out, resume mid-iovec. */
		while (cnt > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			cnt--;
		}
		if (cnt > 0) {
			v->iov_base = (uint8_t *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* --- decoder ---------------------------------------------------------------- */

void ktinit_decoder_init(struct ktinit_decoder *d, ktinit_frame_cb on_frame,
			 ktinit_frame_err_cb on_error, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->on_frame = on_frame;
	d->on_error = on_error;
	d->arg = arg;
}

void ktinit_decoder_free(struct ktinit_decoder *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = 0;
	d->cap = 0;
}

static void report(struct ktinit_decoder *d, uint64_t offset, const char *what)
{
	d->errors++;
	if (d->on_error)
		d->on_error(d->arg, offset, what);
}

/* Could p[0..avail) start a known type? Compares only the bytes present,
 * so a short prefix is judged exactly as the whole word would be. */
static int type_prefix_known(const uint8_t *p, size_t avail)
{
	size_t i, k, n = avail < 4 ? avail : 4;

	for (i = 0; i < N_KNOWN_TYPES; i++) {
		for (k = 0; k < n; k++)
			if (p[k] != (uint8_t)(known_types[i] >> (8 * k)))
				break;
		if (k == n)
			return 1;
	}
	return 0;
}

/* What is wrong with the header bytes p[0..avail), judging only the fields
 * that are complete (avail may be short of a header). NULL: plausible so far.
 * The checks run in field order, so any chunking gives the same verdict. */
static const char *header_problem(const uint8_t *p, size_t avail)
{
	if (!type_prefix_known(p, avail))
		return "unknown frame type";
	if (avail >= 8 && ktinit_get_le32(p + 4) > KTINIT_FRAME_MAX_PAYLOAD)
		return "absurd frame length";
	if (avail >= 16 && ktinit_get_le32(p + 12) != 0)
		return "non-zero reserved word";
	return NULL;
}

/* Decode what can be decided in p[0..n), whose first byte is at stream
 * offset d->base. Returns the bytes consumed; the rest is an undecided
 * header prefix or an incomplete frame. */
static size_t decode(struct ktinit_decoder *d, const uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (pos < n) {
		const uint8_t *h = p + pos;
		size_t avail = n - pos;
		uint64_t off = d->base + pos;
		const char *bad = header_problem(h, avail);
		struct ktinit_frame f;

		if (bad) {
			/* Untrusted header: one report per garbled stretch. */
			if (!d->resyncing)
				report(d, off, bad);
			d->resyncing = 1;
			pos++;
			continue;
		}
		if (avail < KTINIT_FRAME_HEADER_SIZE)
			break;
		d->resyncing = 0;
		f.type = ktinit_get_le32(h);
		f.length = ktinit_get_le32(h + 4);
		if (avail - KTINIT_FRAME_HEADER_SIZE < f.length)
			break;
		f.payload = h + KTINIT_FRAME_HEADER_SIZE;
		f.offset = off;
		/* A sane header with a bad CRC: its length is trusted, so skip
		 * the frame whole and stay in step with the stream. */
		if (ktinit_frame_crc32(f.payload, f.length) != ktinit_get_le32(h + 8)) {
			report(d, off, "bad CRC");
		} else {
			d->frames++;
			if (d->on_frame)
				d->on_frame(d->arg, &f);
		}
		pos += KTINIT_FRAME_HEADER_SIZE + f.length;
	}
	return pos;
}

/* Bytes the buffered prefix still lacks before decode() can decide on it. */
static size_t bytes_wanted(const struct ktinit_decoder *d)
{
	if (d->len < KTINIT_FRAME_HEADER_SIZE)
		return KTINIT_FRAME_HEADER_SIZE - d->len;
	/* decode() left a plausible header here: wait for its payload. */
	return KTINIT_FRAME_HEADER_SIZE + ktinit_get_le32(d->buf + 4) - d->len;
}

static int append(struct ktinit_decoder *d, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n > d->cap - d->len) {
		size_t cap = d->cap ? d->cap : 4096;
		uint8_t *nb;

		while (cap - d->len < n) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		nb = realloc(d->buf, cap);
		if (!nb)
			return -ENOMEM;
		d->buf = nb;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	return 0;
}

/* Drop the first n buffered bytes. feed() tops the buffer up one decision
 * at a time, so what remains to move is under a header's worth. */
static void consume(struct ktinit_decoder *d, size_t n)
{
	if (n == 0)
		return;
	d->base += n;
	d->len -= n;
	if (d->len > 0)
		memmove(d->buf, d->buf + n, d->len);
}

int ktinit_decoder_feed(struct ktinit_decoder *d, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		size_t n;

		if (d->len == 0) {
			/* Nothing pending: decode straight from the caller's
			 * bytes and keep only the undecided tail. */
			n = decode(d, p, len);
			d->base += n;
			return append(d, p + n, len - n);
		}
		/* Top up the pending prefix just enough to decide on it. */
		n = bytes_wanted(d);
		if (n > len)
			n = len;
		if (append(d, p, n))
			return -ENOMEM;
		p += n;
		len -= n;
		consume(d, decode(d, d->buf, d->len));
	}
	return 0;
}

size_t ktinit_decoder_finish(struct ktinit_decoder *d)
{
	size_t left = d->len;

	/* Whatever is buffered passed every check it could be put to: it is
	 * the start of a frame that never completed. */
	if (left > 0)
		report(d, d->base, "truncated frame");
	d->base += left;
	d->len = 0;
	d->resyncing = 0;
	return left;
}
