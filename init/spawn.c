#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reaper.h"

extern char **environ;

static sigset_t orig_mask;
static const char *self_exe = "/proc/self/exe";

void kt_spawn_set_self_exe(const char *path)
{
	self_exe = path;
}

void kt_spawn_set_orig_mask(const sigset_t *mask)
{
	orig_mask = *mask;
}

static int set_attr(posix_spawnattr_t *attr, const struct ktinit_spawn *req)
{
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	sigset_t all;
	int err;

	/* SIG_DFL for everything: PID 1 ignores TTIN/TTOU, and a payload
	 * must not inherit that (tini's restore_signals). */
	sigfillset(&all);
	err = posix_spawnattr_setsigdefault(attr, &all);
	if (!err)
		err = posix_spawnattr_setsigmask(attr, &orig_mask);
	if (req->ctty_path) {
		flags |= POSIX_SPAWN_SETSID;
	} else if (req->new_pgrp) {
		flags |= POSIX_SPAWN_SETPGROUP;
		if (!err)
			err = posix_spawnattr_setpgroup(attr, 0);
	}
	if (!err)
		err = posix_spawnattr_setflags(attr, flags);
	return err;
}

static int set_fds(posix_spawn_file_actions_t *fa,
		   const struct ktinit_spawn *req)
{
	int err = 0;

	if (req->ctty_path) {
		/* Opened after setsid without O_NOCTTY: it becomes the
		 * controlling terminal of the new session. */
		err = posix_spawn_file_actions_addopen(fa, 0, req->ctty_path,
						       O_RDWR, 0);
		if (!err)
			err = posix_spawn_file_actions_adddup2(fa, 0, 1);
		if (!err)
			err = posix_spawn_file_actions_adddup2(fa, 0, 2);
		return err;
	}
	if (!req->use_fds)
		return 0;
	if (req->stdin_fd >= 0)
		err = posix_spawn_file_actions_adddup2(fa, req->stdin_fd, 0);
	if (!err && req->stdout_fd >= 0)
		err = posix_spawn_file_actions_adddup2(fa, req->stdout_fd, 1);
	if (!err && req->stderr_fd >= 0)
		err = posix_spawn_file_actions_adddup2(fa, req->stderr_fd, 2);
	return err;
}

/* argv for "ktinit --exec-in-cgroup DIR -- ARGV...": the child joins the
 * cgroup itself before exec, which posix_spawn cannot do. */
static const char **cgroup_argv(const struct ktinit_spawn *req)
{
	size_t n = 0;
	const char **v;

	while (req->argv[n])
		n++;
	v = calloc(n + 5, sizeof(*v));
	if (!v)
		return NULL;
	v[0] = self_exe;
	v[1] = "--exec-in-cgroup";
	v[2] = req->cgroup;
	v[3] = "--";
	memcpy(v + 4, req->argv, (n + 1) * sizeof(*v));
	return v;
}

pid_t kt_spawn(const struct ktinit_spawn *req)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *const *envp = (char *const *)(req->envp ? req->envp : (const char *const *)environ);
	const char **argv = NULL;
	pid_t pid = -1;
	int err;

	if (!req->argv || !req->argv[0])
		return -EINVAL;
	if (req->cgroup) {
		argv = cgroup_argv(req);
		if (!argv)
			return -ENOMEM;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	err = set_attr(&attr, req);
	if (!err)
		err = set_fds(&fa, req);
	if (!err) {
		/* Lock across spawn and watch, so a concurrent reap cannot
		 * collect the child before its status has a slot. */
		kt_reaper_lock();
		err = posix_spawnp(&pid, argv ? argv[0] : req->argv[0], &fa,
				   &attr, (char *const *)(argv ? argv : req->argv),
				   envp);
		if (!err && kt_reaper_watch_locked(pid) < 0) {
			kill(pid, SIGKILL); /* unwaitable: don't leave it running */
			err = ENOSPC;
		}
		kt_reaper_unlock();
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(argv);
	return err ? -err : pid;
}

int kt_exec_in_cgroup(const char *dir, char *const argv[])
{
	char path[PATH_MAX];
	int fd, n = snprintf(path, sizeof(path), "%s/cgroup.procs", dir);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		dprintf(2, "ktinit: cgroup path too long: %s\n", dir);
		return 125;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	/* "0" moves the writer itself: no pid formatting, no race. */
	if (fd < 0 || write(fd, "0", 1) != 1) {
		dprintf(2, "ktinit: joining cgroup %s: %s\n", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 125;
	}
	close(fd);
	execvp(argv[0], argv);
	dprintf(2, "ktinit: exec %s: %s\n", argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
