#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ktinit/frame.h>

#include "fdio.h"

void kt_channel_init(struct kt_channel *ch)
{
	ch->bulk_fd = -1;
	ch->com1_fd = -1;
	ch->com2_fd = -1;
	ch->chunk = 4096;
	pthread_mutex_init(&ch->lock, NULL);
}

static int open_port(const char *path)
{
	/* O_NOCTTY: PID 1 must not acquire a serial port as its terminal. */
	return open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

void kt_channel_open_serial(struct kt_channel *ch, const char *com1,
			    const char *com2)
{
	if (ch->com1_fd < 0)
		ch->com1_fd = open_port(com1);
	if (ch->com2_fd < 0)
		ch->com2_fd = open_port(com2);
}

int kt_channel_open_bulk(struct kt_channel *ch, const char *path, int wait_ms)
{
	long long deadline = kt_now_ms() + wait_ms;
	int fd;

	for (;;) {
		fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENOENT && errno != ENXIO && errno != ENODEV)
			return -errno;
		if (kt_now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(10 * 1000);
	}
	ch->bulk_fd = fd;
	return 0;
}

static int is_stream_type(uint32_t type)
{
	return type == KTINIT_FRAME_SOUT || type == KTINIT_FRAME_SERR ||
	       type == KTINIT_FRAME_SCLG || type == KTINIT_FRAME_DMSG;
}

static int send_locked(struct kt_channel *ch, uint32_t type, const char *p,
		       size_t len)
{
	size_t chunk = ch->chunk ? ch->chunk : 4096;

	if (!is_stream_type(type))
		return ktinit_frame_write(ch->bulk_fd, type, p, len);
	do {
		size_t n = len < chunk ? len : chunk;
		int err = ktinit_frame_write(ch->bulk_fd, type, p, n);

		if (err)
			return err;
		p += n;
		len -= n;
	} while (len > 0);
	return 0;
}

int kt_channel_send(struct kt_channel *ch, uint32_t type, const void *buf,
		    size_t len)
{
	int err;

	pthread_mutex_lock(&ch->lock);
	if (ch->bulk_fd >= 0)
		err = send_locked(ch, type, buf, len);
	else if (is_stream_type(type) && ch->com2_fd >= 0)
		err = kt_write_all(ch->com2_fd, buf, len);
	else
		err = -ENODEV;
	pthread_mutex_unlock(&ch->lock);
	return err;
}

static void write_line(int fd, const char *line)
{
	size_t len = strlen(line);

	if (fd < 0)
		return;
	kt_write_all(fd, line, len);
	if (len == 0 || line[len - 1] != '\n')
		kt_write_all(fd, "\n", 1);
}

void kt_channel_com2(struct kt_channel *ch, const char *line)
{
	write_line(ch->com2_fd >= 0 ? ch->com2_fd : ch->com1_fd, line);
}

void kt_channel_com1(struct kt_channel *ch, const char *line)
{
	write_line(ch->com1_fd, line);
}
