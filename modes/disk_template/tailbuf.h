/* disk_template: the bounded tail of an output stream.
 *
 * mkfs may print without limit; the diagnostic needs only the end of what it
 * said, so a dt_tail keeps the last DT_TAIL_MAX bytes and counts the rest. */
#ifndef DT_TAILBUF_H
#define DT_TAILBUF_H

#include <stddef.h>
#include <stdint.h>

#define DT_TAIL_MAX (64u * 1024u)

struct dt_tail {
	char buf[DT_TAIL_MAX];
	size_t len;     /* bytes held in buf[0..len), the newest last */
	uint64_t total; /* bytes ever appended */
};

/* Empty t. */
void dt_tail_init(struct dt_tail *t);

/* Append p[0..n); the oldest bytes fall out once DT_TAIL_MAX is reached. */
void dt_tail_append(struct dt_tail *t, const void *p, size_t n);

/* Bytes appended but no longer held. */
uint64_t dt_tail_dropped(const struct dt_tail *t);

#endif
