/* disk_template: read back the btrfs superblock magic. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "btrfs_magic.h"

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* pread() may return fewer bytes than asked for without being at the end
 * of the file (signals, some drivers); only 0 means the end. */
static ssize_t pread_full(int fd, unsigned char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

enum dt_magic_status dt_magic_read(const char *path, struct dt_magic_result *r)
{
	unsigned char raw[8];
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r->err = errno;
		r->op = "open";
		r->status = DT_MAGIC_ERROR;
		return r->status;
	}
	n = pread_full(fd, raw, sizeof(raw), DT_BTRFS_MAGIC_OFFSET);
	if (n < 0) {
		r->err = errno;
		r->op = "pread";
		r->status = DT_MAGIC_ERROR;
	} else if ((size_t)n < sizeof(raw)) {
		r->got = (size_t)n;
		r->status = DT_MAGIC_SHORT;
	} else {
		r->value = get_le64(raw);
		r->status = r->value == DT_BTRFS_MAGIC ? DT_MAGIC_OK
						       : DT_MAGIC_MISMATCH;
	}
	close(fd);
	return r->status;
}
