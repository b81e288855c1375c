/* ktinit - wire format of the host channel (DESIGN section 5).
 *
 * Each frame is a 16-byte little-endian header followed by the payload:
 *   u32 type      four ASCII characters whose integer value spells the tag
 *   u32 length    payload bytes
 *   u32 crc32     CRC-32 (IEEE, zlib's crc32()) of the payload only
 *   u32 reserved  always 0
 * The format is the one the ktstr harness uses on its bulk port.
 */
#ifndef KTINIT_FRAME_H
#define KTINIT_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KTINIT_FRAME_HEADER_SIZE 16u
/* Larger lengths are rejected by the decoder as corrupt. Senders chunk. */
#define KTINIT_FRAME_MAX_PAYLOAD (1u << 20)

enum ktinit_frame_type {
	KTINIT_FRAME_SOUT = 0x534F5554, /* stdout bytes */
	KTINIT_FRAME_SERR = 0x53455252, /* stderr bytes */
	KTINIT_FRAME_EXIT = 0x45584954, /* i32 exit code */
	KTINIT_FRAME_EXCX = 0x45584358, /* i32 exit code of a shell exec command */
	KTINIT_FRAME_LIFE = 0x4C494645, /* u8 phase + optional UTF-8 reason */
	KTINIT_FRAME_SRDY = 0x53524459, /* empty: guest userspace is up */
	KTINIT_FRAME_SCDX = 0x53434458, /* i32 scheduler exit status */
	KTINIT_FRAME_SCLG = 0x53434C47, /* scheduler log bytes */
	KTINIT_FRAME_DMSG = 0x444D5347, /* kernel log bytes */
};

/* Payload byte 0 of a LIFE frame. */
enum ktinit_life_phase {
	KTINIT_LIFE_INIT_STARTED = 1,
	KTINIT_LIFE_PAYLOAD_STARTING = 2,
	KTINIT_LIFE_SCHEDULER_DIED = 3,
	KTINIT_LIFE_SCHEDULER_NOT_ATTACHED = 4,
};

/* The 4-character tag of a known type ("SOUT"), or NULL for an unknown one. */
const char *ktinit_frame_type_name(uint32_t type);

/* Name of a LIFE phase ("InitStarted"), or NULL for an unknown one. */
const char *ktinit_life_phase_name(uint8_t phase);

/* CRC-32 (IEEE) of buf, through zlib. */
uint32_t ktinit_frame_crc32(const void *buf, size_t len);

/* Fill hdr with the header of a frame carrying payload[0..len). */
void ktinit_frame_header(uint8_t hdr[KTINIT_FRAME_HEADER_SIZE], uint32_t type,
			 const void *payload, uint32_t len);

/* Write one whole frame to fd: header and payload in order, retrying EINTR
 * and partial writes. Not locked: callers that share fd serialize.
 * Returns 0, or -errno (-EMSGSIZE when len > KTINIT_FRAME_MAX_PAYLOAD). */
int ktinit_frame_write(int fd, uint32_t type, const void *payload, size_t len);

/* Streaming decoder. Feed it bytes as they arrive, in chunks of any size;
 * it calls on_frame for each good frame and on_error for each bad spot,
 * then resynchronizes where it safely can.
 *
 * Error handling: a frame with a bad CRC but a sane header is skipped whole
 * (its length is trusted). A header with a non-zero reserved word, an
 * unknown type or a length above KTINIT_FRAME_MAX_PAYLOAD is not trusted:
 * the decoder reports it and scans forward one byte at a time for the next
 * plausible header, reporting one error per garbled stretch. */
struct ktinit_frame {
	uint32_t type;
	uint32_t length;
	const uint8_t *payload; /* valid only during the callback */
	uint64_t offset;        /* stream offset of the header */
};

typedef void (*ktinit_frame_cb)(void *arg, const struct ktinit_frame *f);
/* offset: stream byte offset where the problem starts; what: a short
 * static description ("bad CRC", "non-zero reserved word", ...). */
typedef void (*ktinit_frame_err_cb)(void *arg, uint64_t offset, const char *what);

struct ktinit_decoder {
	ktinit_frame_cb on_frame;
	ktinit_frame_err_cb on_error;
	void *arg;
	/* private */
	uint8_t *buf;
	size_t len, cap;
	uint64_t base;  /* stream offset of buf[0] */
	int resyncing;  /* inside a garbled stretch already reported */
	uint64_t frames, errors;
};

void ktinit_decoder_init(struct ktinit_decoder *d, ktinit_frame_cb on_frame,
			 ktinit_frame_err_cb on_error, void *arg);
/* Returns 0, or -ENOMEM. */
int ktinit_decoder_feed(struct ktinit_decoder *d, const void *buf, size_t len);
/* End of stream: reports a trailing partial frame as "truncated frame" and
 * returns the number of bytes that were left over (0 for a clean end). */
size_t ktinit_decoder_finish(struct ktinit_decoder *d);
void ktinit_decoder_free(struct ktinit_decoder *d);

/* Little-endian helpers for i32 payloads (EXIT, EXCX, SCDX). */
static inline void ktinit_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t ktinit_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Fill buf (cap >= 1 bytes) with a LIFE payload: the phase byte, then the
 * reason without its NUL, cut to fit (NULL: no reason). Returns the
 * payload length. */
static inline size_t ktinit_life_payload(uint8_t *buf, size_t cap,
					 uint8_t phase, const char *reason)
{
	size_t rlen = reason ? strlen(reason) : 0;

	if (rlen > cap - 1)
		rlen = cap - 1;
	buf[0] = phase;
	if (rlen)
		memcpy(buf + 1, reason, rlen);
	return 1 + rlen;
}

#ifdef __cplusplus
}
#endif
#endif
