#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "prep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <unistd.h>

#define DEVPTS_MAGIC 0x1cd1 /* DEVPTS_SUPER_MAGIC, linux/magic.h */

int shell_wait_bounded(struct ktinit_ctx *ctx, pid_t pid, int timeout_ms,
		       int *wstatus)
{
	int err = ctx->svc->wait(ctx, pid, timeout_ms, wstatus);

	if (err != -ETIMEDOUT)
		return err;
	kill(-pid, SIGKILL); /* with whatever it started */
	return ctx->svc->wait(ctx, pid, -1, wstatus);
}

/* Spawn argv in its own process group, with the core's stdio (the
 * console), and wait, bounded. */
static int run_child(struct ktinit_ctx *ctx, const char *const *argv,
		     int timeout_ms, int *wstatus)
{
	struct ktinit_spawn req = { .argv = argv, .new_pgrp = 1 };
	pid_t pid = ctx->svc->spawn(ctx, &req);

	if (pid < 0)
		return (int)pid;
	return shell_wait_bounded(ctx, pid, timeout_ms, wstatus);
}

int shell_prep_busybox(struct ktinit_ctx *ctx)
{
	char bin[PATH_MAX];
	const char *argv[] = { "busybox", "--install", "-s", bin, NULL };
	int st, err;

	if (ctx->svc->path(ctx, "/bin", bin, sizeof(bin)) < 0)
		return -ENAMETOOLONG;
	mkdir(bin, 0755);
	err = run_child(ctx, argv, SHELL_HOOK_TIMEOUT_MS, &st);
	if (err < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_WARN,
			      "busybox --install -s %s: %s (is busybox in the initramfs?)",
			      bin, strerror(-err));
		return err;
	}
	if (st != 0) {
		ctx->svc->log(ctx, KTINIT_LOG_WARN,
			      "busybox --install -s %s: exit code %d", bin,
			      ktinit_wstatus_code(st));
		return ktinit_wstatus_code(st);
	}
	return 0;
}

/* mkdir -p: every missing component, 0755; existing ones are fine. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s", path);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

static int is_devpts(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == DEVPTS_MAGIC;
}

int shell_prep_devpts(struct ktinit_ctx *ctx)
{
	char pts[PATH_MAX], ptmx[PATH_MAX];
	struct stat st;
	int err;

	if (ctx->svc->path(ctx, "/dev/pts", pts, sizeof(pts)) < 0 ||
	    ctx->svc->path(ctx, "/dev/ptmx", ptmx, sizeof(ptmx)) < 0)
		return -ENAMETOOLONG;
	err = mkdir_p(pts);
	if (err < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_WARN, "mkdir -p %s: %s", pts,
			      strerror(-err));
		return err;
	}
	/* Every devpts mount is a new instance: mounting over an existing
	 * one would hide the PTYs already handed out. */
	if (!is_devpts(pts) &&
	    mount("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC,
		  "mode=620,ptmxmode=666") < 0 &&
	    errno != EBUSY) {
		err = -errno;
		ctx->svc->log(ctx, KTINIT_LOG_WARN, "mount devpts on %s: %s", pts,
			      strerror(-err));
		return err;
	}
	/* devtmpfs provides /dev/ptmx; a static /dev may not. */
	if (lstat(ptmx, &st) < 0 && errno == ENOENT &&
	    symlink("pts/ptmx", ptmx) < 0) {
		err = -errno;
		ctx->svc->log(ctx, KTINIT_LOG_WARN, "symlink %s -> pts/ptmx: %s",
			      ptmx, strerror(-err));
		return err;
	}
	return 0;
}

/* Can the kernel exec path itself? An executable script without "#!"
 * cannot (ENOEXEC; posix_spawn does not retry with sh). */
static int execs_directly(const char *path)
{
	char magic[4] = { 0 };
	int fd, ok;

	if (access(path, X_OK) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ok = read(fd, magic, sizeof(magic)) >= 2 &&
	     (!memcmp(magic, "#!", 2) || !memcmp(magic, "\177ELF", 4));
	close(fd);
	return ok;
}

int shell_run_hook(struct ktinit_ctx *ctx, const char *guest_path)
{
	char path[PATH_MAX];
	const char *argv[] = { "/bin/sh", path, NULL };
	int st, err;

	if (ctx->svc->path(ctx, guest_path, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) < 0)
		return 0;
	err = run_child(ctx, execs_directly(path) ? argv + 1 : argv,
			SHELL_HOOK_TIMEOUT_MS, &st);
	if (err < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_WARN, "%s: %s", guest_path,
			      strerror(-err));
		return err;
	}
	if (st != 0)
		ctx->svc->log(ctx, KTINIT_LOG_WARN, "%s: exit code %d",
			      guest_path, ktinit_wstatus_code(st));
	return ktinit_wstatus_code(st);
}

/* Read at most SHELL_EXEC_CMD_MAX bytes of path. NULL with errno set. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0)
		goto fail;
	for (;;) {
		if (len + 1 == cap) {
			char *grown;

			if (cap > SHELL_EXEC_CMD_MAX) {
				errno = EFBIG;
				goto fail;
			}
			grown = realloc(buf, cap * 2);
			if (!grown)
				goto fail;
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	n = errno;
	free(buf);
	if (fd >= 0)
		close(fd);
	errno = (int)n;
	return NULL;
}

static char *trimmed(char *s)
{
	size_t b = strspn(s, " \t\r\n"), e = strlen(s);

	while (e > b && strchr(" \t\r\n", s[e - 1]))
		e--;
	memmove(s, s + b, e - b);
	s[e - b] = '\0';
	return s;
}

int shell_exec_cmd(struct ktinit_ctx *ctx, char **cmd)
{
	const char *conf = ctx->svc->config_get(ctx, "shell", "exec", NULL);
	char path[PATH_MAX];
	char *text;

	*cmd = NULL;
	if (conf && *conf) {
		*cmd = strdup(conf);
		return *cmd ? 0 : -ENOMEM;
	}
	if (ctx->svc->path(ctx, "/exec_cmd", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	text = slurp(path);
	if (!text && errno == ENOENT)
		return 0;
	if (!text) {
		int err = -errno;

		ctx->svc->log(ctx, KTINIT_LOG_ERR, "/exec_cmd: %s",
			      strerror(-err));
		return err;
	}
	if (!*trimmed(text)) {
		ctx->svc->log(ctx, KTINIT_LOG_WARN,
			      "/exec_cmd is blank: starting an interactive shell");
		free(text);
		return 0;
	}
	*cmd = text;
	return 0;
}
