/* disk_template: the target device: does it exist, how big is it, flush it. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "device.h"

static int stat_err(const char *path, struct stat *st)
{
	return stat(path, st) == 0 ? 0 : errno;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void probe_size(const char *node, const struct stat *st,
		       struct dt_device *d)
{
	uint64_t bytes = 0;
	int fd;

	if (S_ISREG(st->st_mode)) {
		d->size = (uint64_t)st->st_size;
		return;
	}
	if (!S_ISBLK(st->st_mode)) {
		d->size_err = ENOTBLK;
		return;
	}
	fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		d->size_err = errno;
		return;
	}
	if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		d->size_err = errno;
	else
		d->size = bytes;
	close(fd);
}

void dt_device_probe(const char *node, const char *sysfs, int settle_ms,
		     struct dt_device *d)
{
	struct stat st;
	int waited = 0;

	memset(d, 0, sizeof(*d));
	d->sysfs_err = stat_err(sysfs, &st);
	d->node_err = stat_err(node, &st);
	while (d->node_err == ENOENT && d->sysfs_err == 0 &&
	       waited < settle_ms) {
		sleep_ms(50);
		waited += 50;
		d->node_err = stat_err(node, &st);
	}
	if (d->node_err)
		return;
	d->mode = st.st_mode;
	probe_size(node, &st, d);
}

int dt_device_usable(const struct dt_device *d)
{
	return d->node_err == 0 && (S_ISBLK(d->mode) || S_ISREG(d->mode));
}

int dt_device_flush(const char *node, const char **op)
{
	struct stat st;
	int fd, err = 0;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*op = "open";
		return -errno;
	}
	if (fsync(fd) < 0) {
		*op = "fsync";
		err = -errno;
		goto done;
	}
	/* Best effort: a read that hits the page cache would only prove what
	 * mkfs wrote, not what reached the disk. Regular files have no such
	 * ioctl (ENOTTY), and that is fine. */
	if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode))
		(void)ioctl(fd, BLKFLSBUF, 0);
done:
	close(fd);
	return err;
}
