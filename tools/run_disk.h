/* run_disk.h - the host side of ktinit-run --disk-template.
 *
 * The image is built in a staging file beside it and published with
 * rename(2) only after the guest said EXIT 0 and the host read the btrfs
 * magic back itself; on every failure the staging file is removed and the
 * image is untouched. Messages go to stderr (msg()) before a failure
 * return. */
#ifndef KT_RUN_DISK_H
#define KT_RUN_DISK_H

#include <stdint.h>

#define DISK_DEFAULT_SIZE (256ULL << 20)
/* The btrfs superblock magic "_BHRfS_M", u64 little-endian at 0x10040. */
#define DISK_BTRFS_MAGIC_OFFSET 0x10040
#define DISK_BTRFS_MAGIC 0x4D5F53665248425FULL

/* Create "IMAGE.staging.XXXXXX" beside image: a sparse file of size bytes,
 * mode 0666 less the umask (what a plain create would give the image).
 * Returns 0 with *path (malloc'd) and *fd (O_RDWR, close-on-exec) set, or
 * -1. */
int disk_staging_create(const char *image, uint64_t size, char **path,
			int *fd);

/* Close and unlink the staging file; frees *path. Safe on NULL / -1. */
void disk_staging_discard(char **path, int *fd);

/* Read the btrfs magic from the file open as fd (path for messages).
 * Returns 0 when it is there, 1 when the bytes differ or the file is too
 * short (said why), -1 on a read error (said). */
int disk_check_magic(int fd, const char *path);

/* fsync the staging file, rename it to image, fsync the directory so the
 * rename itself is durable. Returns 0, or -1 (said why; the staging file
 * is still there for disk_staging_discard()). */
int disk_publish(int fd, const char *staging, const char *image);

/* Whether an uncompressed newc cpio archive (or several concatenated)
 * holds an entry called name (no leading "/", as ktinit-pack stores
 * them). Returns 1 yes; 0 no, which includes an archive that ends early
 * or a read error part way (the caller then adds the file itself, which is
 * always safe); -1 cannot tell (compressed, unopenable, malformed header). */
int cpio_has_entry(const char *archive, const char *name);

/* Copy the guest's diagnostic block (the lines from "disk_template: begin
 * diagnostic" to "disk_template: end diagnostic") from a COM2 log to
 * stderr, carriage returns dropped. Returns the number of lines printed;
 * 0 when the log holds no block. */
int disk_print_diag(const char *com2_log);

#endif
