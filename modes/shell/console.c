#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static int open_one(shell_path_fn map, void *arg, const char *guest,
		    int flags, char *path, size_t len)
{
	int fd;

	if (map(arg, guest, path, len) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

int shell_console_open(shell_path_fn map, void *arg, int extra_flags,
		       char *path, size_t len)
{
	int fd;

	/* An hvc0 node whose backend is missing fails to open (ENODEV,
	 * EIO): COM2 is then the better console, not an error. */
	fd = open_one(map, arg, SHELL_CONSOLE_HVC, extra_flags, path, len);
	if (fd >= 0)
		return fd;
	return open_one(map, arg, SHELL_CONSOLE_COM2, extra_flags, path, len);
}

static int set_attr(int fd, int when, const struct termios *t)
{
	while (tcsetattr(fd, when, t) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int shell_console_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return -errno;
	t = *saved;
	cfmakeraw(&t);
	/* TCSADRAIN: the banner, written with OPOST on, leaves first. */
	return set_attr(fd, TCSADRAIN, &t);
}

int shell_console_no_opost(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return -errno;
	t = *saved;
	t.c_oflag &= ~(tcflag_t)OPOST;
	return set_attr(fd, TCSADRAIN, &t);
}

int shell_console_restore(int fd, const struct termios *saved)
{
	return set_attr(fd, TCSADRAIN, saved);
}

int shell_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}
