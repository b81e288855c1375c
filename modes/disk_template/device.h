/* disk_template: the target device: does it exist, how big is it, flush it.
 *
 * Paths here are the ones this process opens, already mapped through
 * ctx->svc->path(); the caller keeps the guest paths for messages. */
#ifndef DT_DEVICE_H
#define DT_DEVICE_H

#include <stdint.h>
#include <sys/types.h>

struct dt_device {
	int node_err;  /* 0: stat() of the node worked; else its errno */
	mode_t mode;   /* st_mode of the node (node_err == 0) */
	int sysfs_err; /* 0: the /sys/class/block entry exists; else errno */
	int size_err;  /* 0: size is known; else errno of open/ioctl */
	uint64_t size; /* bytes: BLKGETSIZE64, or st_size of a regular file */
};

/* Fill d for the device node and its sysfs entry. When the sysfs entry
 * exists but the node does not yet (devtmpfs catching up with a driver that
 * just probed), poll for the node for up to settle_ms first. */
void dt_device_probe(const char *node, const char *sysfs, int settle_ms,
		     struct dt_device *d);

/* Nonzero when d describes something mkfs can format: a block device, or a
 * regular file (an image, as the unit tests use). */
int dt_device_usable(const struct dt_device *d);

/* Make what mkfs wrote durable and visible to a fresh read: open the node
 * O_RDWR, fsync() it, and for a block device drop its page cache
 * (BLKFLSBUF) so the magic is read back from the disk, not from memory.
 * Returns 0, or -errno with *op naming the call that failed. */
int dt_device_flush(const char *node, const char **op);

#endif
