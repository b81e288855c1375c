/* disk_template: read back the btrfs superblock magic.
 *
 * The primary btrfs superblock sits at byte 0x10000 of the device; its magic
 * field, at offset 0x40 inside it, is the u64 little-endian value
 * 0x4D5F53665248425F, the ASCII bytes "_BHRfS_M". */
#ifndef DT_BTRFS_MAGIC_H
#define DT_BTRFS_MAGIC_H

#include <stdint.h>
#include <sys/types.h>

#define DT_BTRFS_MAGIC_OFFSET 0x10040
#define DT_BTRFS_MAGIC 0x4D5F53665248425FULL

enum dt_magic_status {
	DT_MAGIC_OK,       /* the magic is there */
	DT_MAGIC_MISMATCH, /* eight bytes read, another value (zeroed or other) */
	DT_MAGIC_SHORT,    /* the file ends before the magic's last byte */
	DT_MAGIC_ERROR,    /* open() or pread() failed; see err */
};

struct dt_magic_result {
	enum dt_magic_status status;
	uint64_t value; /* the u64 read (OK, MISMATCH) */
	size_t got;     /* bytes pread() returned (SHORT) */
	int err;        /* errno (ERROR) */
	const char *op; /* "open" or "pread" (ERROR) */
};

/* Read the u64 LE at DT_BTRFS_MAGIC_OFFSET of path and classify it into r.
 * Returns r->status. */
enum dt_magic_status dt_magic_read(const char *path, struct dt_magic_result *r);

#endif
