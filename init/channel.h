/* The guest's three ways out: the bulk port (framed, may block while the
 * host is slow), COM2 (synchronous diagnostics) and COM1 (kernel console).
 * One lock serializes frames, so a frame is never interleaved. */
#ifndef KT_CHANNEL_H
#define KT_CHANNEL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct kt_channel {
	int bulk_fd;  /* -1 until the bulk port is open (or forever) */
	int com1_fd;  /* -1 when absent */
	int com2_fd;  /* -1 when absent */
	size_t chunk; /* largest payload per SOUT/SERR/SCLG/DMSG frame */
	pthread_mutex_t lock;
};

void kt_channel_init(struct kt_channel *ch);

/* Open COM1 and COM2 (paths under the root); a missing port stays -1. */
void kt_channel_open_serial(struct kt_channel *ch, const char *com1,
			    const char *com2);

/* Wait up to wait_ms for path to appear (virtio_console creates it
 * asynchronously), then open it for writing. Returns 0 or -errno
 * (-ETIMEDOUT when it never appeared). */
int kt_channel_open_bulk(struct kt_channel *ch, const char *path, int wait_ms);

/* Send a frame. Byte-stream types (SOUT, SERR, SCLG, DMSG) are split into
 * chunk-sized frames. Without a bulk port, SOUT/SERR/SCLG/DMSG bytes are
 * written raw to COM2 and other frames return -ENODEV. Returns 0 or -errno. */
int kt_channel_send(struct kt_channel *ch, uint32_t type, const void *buf,
		    size_t len);

/* Write text to COM2 (falling back to COM1), then a newline if missing. */
void kt_channel_com2(struct kt_channel *ch, const char *line);
/* Write text to COM1 the same way. */
void kt_channel_com1(struct kt_channel *ch, const char *line);

#endif
