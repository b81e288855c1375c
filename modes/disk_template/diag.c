/* disk_template: the diagnostic block for COM2. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"

/* An appender into a caller's buffer that never overruns and remembers
 * whether it had to cut. */
struct out {
	char *buf;
	size_t len, cap; /* cap: the bytes we may use, NUL included */
	int cut;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->cut || o->len + 1 >= o->cap) {
		o->cut = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		/* Drop the partial line: a block of whole lines reads better. */
		o->buf[o->len] = '\0';
		o->cut = 1;
		return;
	}
	o->len += (size_t)n;
}

/* 268435456 -> "256.0 MiB": the unit mkfs and QEMU sizes are given in. */
static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
}

static void put_device(struct out *o, const struct dt_facts *f)
{
	const struct dt_device *d = &f->dev;
	const char *kind;
	char size[32];

	if (d->node_err) {
		put(o, DT_DIAG_PREFIX "device: %s: missing (%s)\n", f->device,
		    strerror(d->node_err));
	} else {
		kind = S_ISBLK(d->mode)	  ? "block device"
		       : S_ISREG(d->mode) ? "image file"
					  : "not a block device";
		if (d->size_err)
			put(o, DT_DIAG_PREFIX "device: %s: %s, size unknown (%s)\n",
			    f->device, kind, strerror(d->size_err));
		else {
			human_size(d->size, size, sizeof(size));
			put(o, DT_DIAG_PREFIX "device: %s: %s, %" PRIu64 " bytes (%s)\n",
			    f->device, kind, d->size, size);
		}
	}
	if (d->sysfs_err)
		put(o, DT_DIAG_PREFIX "sysfs: %s: missing (%s)\n", f->sysfs,
		    strerror(d->sysfs_err));
	else
		put(o, DT_DIAG_PREFIX "sysfs: %s: present\n", f->sysfs);
}

static void put_status(struct out *o, const struct dt_facts *f)
{
	const struct dt_mkfs_result *r = f->run;
	char st[96];

	put(o, DT_DIAG_PREFIX "mkfs: %s\n", f->command ? f->command : f->mkfs);
	if (!r) {
		put(o, DT_DIAG_PREFIX "mkfs status: not run\n");
		return;
	}
	if (r->spawn_err) {
		put(o, DT_DIAG_PREFIX "mkfs status: could not start (%s)\n",
		    strerror(r->spawn_err));
		return;
	}
	if (!r->have_status) {
		put(o, DT_DIAG_PREFIX "mkfs status: unknown (wait: %s)%s\n",
		    strerror(r->wait_err),
		    r->timed_out ? ", after the timeout and SIGKILL" : "");
		return;
	}
	dt_status_str(r->wstatus, st, sizeof(st));
	if (r->timed_out)
		put(o, DT_DIAG_PREFIX "mkfs status: timed out after %ld s, then %s\n",
		    f->timeout_s, st);
	else
		put(o, DT_DIAG_PREFIX "mkfs status: %s after %ld.%02ld s\n", st,
		    r->elapsed_ms / 1000, r->elapsed_ms % 1000 / 10);
	if (r->pipes_lingered)
		put(o, DT_DIAG_PREFIX "mkfs left a process holding its output open; killed its process group\n");
}

/* Where the shown part of a held tail starts: at most DT_DIAG_OUT_BYTES
 * and DT_DIAG_OUT_LINES from the end, at a line start when the cut falls
 * inside a line. */
static size_t tail_start(const char *p, size_t len)
{
	size_t start = len > DT_DIAG_OUT_BYTES ? len - DT_DIAG_OUT_BYTES : 0;
	size_t i = len, lines = 0;

	/* A final newline ends the last line; it does not start another. */
	if (i > start && p[i - 1] == '\n')
		i--;
	while (i > start) {
		if (p[i - 1] == '\n' && ++lines == DT_DIAG_OUT_LINES)
			return i;
		i--;
	}
	if (start > 0 && p[start - 1] != '\n') {
		const char *nl = memchr(p + start, '\n', len - start);

		if (nl && (size_t)(nl - p) + 1 < len)
			return (size_t)(nl - p) + 1;
	}
	return start;
}

/* One shown line, with control characters made harmless for a terminal. */
static void put_line(struct out *o, const char *p, size_t n)
{
	char line[DT_DIAG_OUT_BYTES + 1];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof(line) - 1; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r')
			continue;
		line[k++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	line[k] = '\0';
	put(o, DT_DIAG_PREFIX "| %s\n", line);
}

static void put_stream(struct out *o, const char *name, const struct dt_tail *t)
{
	size_t start = tail_start(t->buf, t->len), i;
	uint64_t hidden = t->total - (t->len - start);

	if (hidden)
		put(o, DT_DIAG_PREFIX "mkfs %s: %" PRIu64 " bytes, the first %" PRIu64 " not shown (all were sent as frames)\n",
		    name, t->total, hidden);
	else
		put(o, DT_DIAG_PREFIX "mkfs %s: %" PRIu64 " bytes\n", name,
		    t->total);
	while (start < t->len) {
		const char *nl = memchr(t->buf + start, '\n', t->len - start);

		i = nl ? (size_t)(nl - t->buf) : t->len;
		put_line(o, t->buf + start, i - start);
		start = nl ? i + 1 : t->len;
	}
}

static void put_magic(struct out *o, const struct dt_facts *f)
{
	const struct dt_magic_result *m = &f->magic;
	char ascii[9];
	int i;

	if (f->flushed && f->flush_err)
		put(o, DT_DIAG_PREFIX "fsync: failed (%s: %s)\n", f->flush_op,
		    strerror(f->flush_err));
	else
		put(o, DT_DIAG_PREFIX "fsync: %s\n", f->flushed ? "ok" : "not done");
	if (!f->magic_read) {
		put(o, DT_DIAG_PREFIX "magic at 0x%x: not read\n",
		    DT_BTRFS_MAGIC_OFFSET);
		return;
	}
	switch (m->status) {
	case DT_MAGIC_OK:
	case DT_MAGIC_MISMATCH:
		for (i = 0; i < 8; i++) {
			unsigned char c = (unsigned char)(m->value >> (8 * i));

			ascii[i] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '.';
		}
		ascii[8] = '\0';
		put(o, DT_DIAG_PREFIX "magic at 0x%x: 0x%016" PRIX64 " \"%s\" (%s)\n",
		    DT_BTRFS_MAGIC_OFFSET, m->value, ascii,
		    m->status == DT_MAGIC_OK ? "btrfs"
		    : m->value == 0	     ? "zeroed"
					     : "not btrfs");
		break;
	case DT_MAGIC_SHORT:
		put(o, DT_DIAG_PREFIX "magic at 0x%x: short read, %zu of 8 bytes (the device ends there)\n",
		    DT_BTRFS_MAGIC_OFFSET, m->got);
		break;
	case DT_MAGIC_ERROR:
		put(o, DT_DIAG_PREFIX "magic at 0x%x: read error (%s: %s)\n",
		    DT_BTRFS_MAGIC_OFFSET, m->op, strerror(m->err));
		break;
	}
}

int dt_diag_format(const struct dt_facts *f, int code, const char *verdict,
		   char *buf, size_t len)
{
	static const char cut_line[] = DT_DIAG_PREFIX "(diagnostic cut short)\n";
	char end[1024];
	struct out o = { buf, 0, 0, 0 };
	int n;

	/* The verdict must survive a cut: format it first, keep room for it
	 * and for the line that says the block was cut. */
	n = snprintf(end, sizeof(end),
		     DT_DIAG_PREFIX "verdict: %s (code %d): %s\n" DT_DIAG_PREFIX
				    "end diagnostic\n",
		     code == 0 ? "OK" : "FAIL", code, verdict);
	if (n < 0 || (size_t)n + sizeof(cut_line) > len)
		return -ENOSPC;
	o.cap = len - (size_t)n - (sizeof(cut_line) - 1);
	buf[0] = '\0';

	put(&o, DT_DIAG_PREFIX "begin diagnostic\n");
	if (f->setup_err) {
		put(&o, DT_DIAG_PREFIX "config: %s\n", f->setup_err);
	} else {
		put_device(&o, f);
		put_status(&o, f);
		if (f->run && !f->run->spawn_err) {
			put_stream(&o, "stdout", &f->run->out);
			put_stream(&o, "stderr", &f->run->err);
		}
		put_magic(&o, f);
	}
	if (o.cut) {
		memcpy(buf + o.len, cut_line, sizeof(cut_line));
		o.len += sizeof(cut_line) - 1;
	}
	memcpy(buf + o.len, end, (size_t)n + 1);
	return o.cut ? -ENOSPC : 0;
}
