/* Small fd helpers that survive EINTR and partial transfers. */
#ifndef KT_FDIO_H
#define KT_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all of buf, waiting for room on a non-blocking fd. Returns 0 or
 * -errno. */
int kt_write_all(int fd, const void *buf, size_t len);

/* Read up to len-1 bytes of a small file and NUL-terminate. Returns the
 * byte count or -errno. */
ssize_t kt_read_file(const char *path, char *buf, size_t len);

/* Read a whole file into a malloc'd NUL-terminated buffer (at most max
 * bytes). Returns 0 and sets *out and *outlen, or -errno (-EFBIG past max). */
int kt_slurp(const char *path, size_t max, char **out, size_t *outlen);

/* mkdir -p with mode 0755. Returns 0 or -errno. */
int kt_mkdir_p(const char *path);

/* Monotonic milliseconds. */
long long kt_now_ms(void);

#endif
