#include "sched_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "say.h"

int tm_sched_log_open(struct ktinit_ctx *ctx, const char *guest_path)
{
	char path[PATH_MAX];
	int fd;

	if (ctx->svc->path(ctx, guest_path, path, sizeof(path))) {
		tm_say(ctx, "[test] scheduler_log = %s: path too long", guest_path);
		return -ENAMETOOLONG;
	}
	/* O_APPEND: stdout and stderr share it, and so may its children. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC |
			O_NOCTTY, 0644);
	if (fd < 0) {
		fd = -errno;
		tm_say(ctx, "scheduler log %s ([test] scheduler_log): %s",
		       guest_path, strerror(-fd));
	}
	return fd;
}

/* Skip to the last TM_SCHED_LOG_MAX bytes and tell the host so. */
static void skip_head(struct ktinit_ctx *ctx, int fd, const char *guest_path)
{
	struct stat st;
	char note[PATH_MAX + 96];
	int n;

	if (fstat(fd, &st) || st.st_size <= (off_t)TM_SCHED_LOG_MAX)
		return;
	if (lseek(fd, st.st_size - (off_t)TM_SCHED_LOG_MAX, SEEK_SET) < 0)
		return;
	n = snprintf(note, sizeof(note), "[ktinit: %s is %lld bytes; the "
		     "first %lld are not shipped]\n", guest_path,
		     (long long)st.st_size,
		     (long long)(st.st_size - (off_t)TM_SCHED_LOG_MAX));
	if (n > 0 && (size_t)n < sizeof(note))
		ctx->svc->frame_send(ctx, KTINIT_FRAME_SCLG, note, (size_t)n);
}

long tm_sched_log_ship(struct ktinit_ctx *ctx, const char *guest_path)
{
	char path[PATH_MAX];
	long sent = 0;
	char *buf = NULL;
	int fd = -1, err = 0;

	if (ctx->svc->path(ctx, guest_path, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	buf = malloc(TM_SCHED_LOG_CHUNK);
	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto done;
	}
	skip_head(ctx, fd, guest_path);
	/* Stop at TM_SCHED_LOG_MAX even if a straggler still writes. */
	while (sent < (long)TM_SCHED_LOG_MAX) {
		ssize_t r = read(fd, buf, TM_SCHED_LOG_CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		err = ctx->svc->frame_send(ctx, KTINIT_FRAME_SCLG, buf, (size_t)r);
		if (err && err != -ENODEV)
			break;
		err = 0;
		sent += r;
	}
done:
	if (err)
		tm_warn(ctx, "shipping the scheduler log %s: %s", guest_path,
			strerror(-err));
	if (fd >= 0)
		close(fd);
	free(buf);
	return err ? err : sent;
}
