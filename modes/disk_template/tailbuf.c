/* disk_template: the bounded tail of an output stream. */
#ifdef HAVE_CONFIG_H
#endif

#include <string.h>

#include "tailbuf.h"

void dt_tail_init(struct dt_tail *t)
{
	t->len = 0;
	t->total = 0;
}

void dt_tail_append(struct dt_tail *t, const void *p, size_t n)
{
	const char *src = p;

	if (n == 0)
		return;
	t->total += n;
	if (n >= sizeof(t->buf)) {
		/* The new bytes alone fill the buffer: keep their end. */
		memcpy(t->buf, src + n - sizeof(t->buf), sizeof(t->buf));
		t->len = sizeof(t->buf);
		return;
	}
	if (t->len + n > sizeof(t->buf)) {
		size_t drop = t->len + n - sizeof(t->buf);

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, src, n);
	t->len += n;
}

uint64_t dt_tail_dropped(const struct dt_tail *t)
{
	return t->total - t->len;
}
