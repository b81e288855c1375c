#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

#include "reaper.h"

extern char **environ;

static sigset_t orig_mask;

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

pid_t kt_spawn(const struct ktinit_spawn *req)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *const *envp = (char *const *)(req->envp ? req->envp : (const char *const *)environ);
	pid_t pid = -1;
	int err;

	if (!req->argv || !req->argv[0])
		return -EINVAL;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	err = set_attr(&attr, req);
	if (!err)
		err = set_fds(&fa, req);
	if (!err) {
		/* Lock across spawn and watch, so a concurrent reap cannot
		 * collect the child before its status has a slot. */
		kt_reaper_lock();
		err = posix_spawnp(&pid, req->argv[0], &fa, &attr,
				   (char *const *)req->argv, envp);
		if (!err && kt_reaper_watch_locked(pid) < 0)
			err = ENOSPC; /* still reaped, but unwaitable */
		kt_reaper_unlock();
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return err ? -err : pid;
}
