/* run_disk.c - the host side of ktinit-run --disk-template. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "run_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_util.h"

int disk_staging_create(const char *image, uint64_t size, char **path,
			int *fd)
{
	struct stat st;
	mode_t mask;
	char *p;
	int f;

	if (stat(image, &st) == 0 && S_ISDIR(st.st_mode)) {
		msg("--disk-template %s: is a directory", image);
		return -1;
	}
	p = xfmt("%s.staging.XXXXXX", image);
	if (!p)
		return -1;
	f = mkostemp(p, O_CLOEXEC);
	if (f < 0) {
		msg("--disk-template: cannot create a staging file %s: %s", p,
		    strerror(errno));
		free(p);
		return -1;
	}
	/* mkostemp makes it 0600; the image should look freshly created. */
	mask = umask(0);
	umask(mask);
	if (fchmod(f, 0666 & ~mask) < 0 || ftruncate(f, (off_t)size) < 0) {
		msg("--disk-template: %s: %s", p, strerror(errno));
		close(f);
		unlink(p);
		free(p);
		return -1;
	}
	*path = p;
	*fd = f;
	return 0;
}

void disk_staging_discard(char **path, int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	if (*path && unlink(*path) < 0 && errno != ENOENT)
		msg("cannot remove the staging file %s: %s", *path,
		    strerror(errno));
	free(*path);
	*path = NULL;
}

int disk_check_magic(int fd, const char *path)
{
	unsigned char b[8];
	uint64_t v = 0;
	ssize_t n;
	int i;

	do
		n = pread(fd, b, sizeof(b), DISK_BTRFS_MAGIC_OFFSET);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		msg("%s: reading the btrfs magic at 0x%x: %s", path,
		    DISK_BTRFS_MAGIC_OFFSET, strerror(errno));
		return -1;
	}
	if (n < (ssize_t)sizeof(b)) {
		msg("%s: no btrfs superblock: the file ends before byte 0x%x",
		    path, DISK_BTRFS_MAGIC_OFFSET + 8);
		return 1;
	}
	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	if (v != DISK_BTRFS_MAGIC) {
		msg("%s: no btrfs superblock: 0x%016llx at byte 0x%x, expected 0x%016llx (\"_BHRfS_M\")",
		    path, (unsigned long long)v, DISK_BTRFS_MAGIC_OFFSET,
		    (unsigned long long)DISK_BTRFS_MAGIC);
		return 1;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		if (rc < 0 && (errno == EINVAL || errno == EROFS))
			rc = 0; /* a file system without directory fsync */
		close(fd);
	}
	if (rc < 0)
		msg("fsync of the directory of %s: %s", path, strerror(errno));
	free(copy);
	return rc;
}

int disk_publish(int fd, const char *staging, const char *image)
{
	if (fsync(fd) < 0) {
		msg("%s: fsync: %s", staging, strerror(errno));
		return -1;
	}
	if (rename(staging, image) < 0) {
		msg("cannot rename %s to %s: %s", staging, image,
		    strerror(errno));
		return -1;
	}
	/* Renamed: the image is in place; a failing directory fsync only
	 * makes the rename less durable, so it is a warning. */
	fsync_dir_of(image);
	return 0;
}

/* --- newc cpio ----------------------------------------------------------- */

#define NEWC_HDR 110

/* One 8-digit hex field of a newc header. */
static int hex8(const char *p, unsigned long *out)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static off_t pad4(off_t v)
{
	return (v + 3) & ~(off_t)3;
}

/* Skip the zero padding the kernel allows between archives. Returns the
 * offset of the next non-zero byte, or -1 at the end of the file. */
static off_t skip_zeros(int fd, off_t off)
{
	char buf[512];
	ssize_t n, i;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < n; i++)
			if (buf[i])
				return off + i;
		off += n;
	}
	return -1;
}

int cpio_has_entry(const char *archive, const char *name)
{
	size_t want = strlen(name) + 1;
	char hdr[NEWC_HDR], ename[4096];
	unsigned long fsize, nsize;
	int fd = open(archive, O_RDONLY | O_CLOEXEC), rc = -1;
	off_t off = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		off = skip_zeros(fd, off);
		if (off < 0) {
			rc = 0;
			break;
		}
		if (pread(fd, hdr, sizeof(hdr), off) != (ssize_t)sizeof(hdr) ||
		    (memcmp(hdr, "070701", 6) && memcmp(hdr, "070702", 6)) ||
		    hex8(hdr + 54, &fsize) || hex8(hdr + 94, &nsize) ||
		    nsize == 0 || nsize > sizeof(ename))
			break; /* compressed or not cpio: cannot tell */
		if (pread(fd, ename, nsize, off + NEWC_HDR) != (ssize_t)nsize ||
		    ename[nsize - 1] != '\0')
			break;
		if (nsize == want && memcmp(ename, name, want) == 0) {
			rc = 1;
			break;
		}
		off = pad4(off + NEWC_HDR + (off_t)nsize);
		off = pad4(off + (off_t)fsize);
	}
	close(fd);
	return rc;
}

/* --- the guest's diagnostic ---------------------------------------------- */

int disk_print_diag(const char *com2_log)
{
	static const char begin[] = "disk_template: begin diagnostic";
	static const char end[] = "disk_template: end diagnostic";
	FILE *f = fopen(com2_log, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int in = 0, printed = 0;

	if (!f)
		return 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!in && strstr(line, begin))
			in = 1;
		if (!in)
			continue;
		fprintf(stderr, "%s%s", line, run_eol());
		printed++;
		if (strstr(line, end))
			in = 0;
	}
	fclose(f);
	free(line);
	return printed;
}
