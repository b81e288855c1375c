#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "banner.h"
#include "console.h"
#include "prep.h"
#include "proxy.h"

extern char **environ;

/* --- environment ------------------------------------------------------- */

static int has_name(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(entry, name, n) && entry[n] == '=';
}

static char *env_pair(const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s=%s", name, value);
	return s;
}

void shell_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

char **shell_env_build(char *const *base, const struct shell_term *t,
		       const char *home, const char *shell)
{
	static const char *const replaced[] = { "TERM", "COLORTERM", "HOME",
						"SHELL", NULL };
	size_t nbase = 0, n = 0;
	int have_ps1 = 0;
	char **env;

	while (base && base[nbase])
		nbase++;
	env = calloc(nbase + 6, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < nbase; i++) {
		int skip = 0;

		for (int r = 0; replaced[r]; r++)
			skip |= has_name(base[i], replaced[r]);
		have_ps1 |= has_name(base[i], "PS1");
		if (skip)
			continue;
		env[n] = strdup(base[i]);
		if (!env[n++])
			goto fail;
	}
	env[n] = env_pair("TERM", t->term);
	if (!env[n++])
		goto fail;
	if (t->colorterm[0]) {
		env[n] = env_pair("COLORTERM", t->colorterm);
		if (!env[n++])
			goto fail;
	}
	env[n] = env_pair("HOME", home);
	if (!env[n++])
		goto fail;
	env[n] = env_pair("SHELL", shell);
	if (!env[n++])
		goto fail;
	if (!have_ps1) {
		env[n] = env_pair("PS1", SHELL_PS1);
		if (!env[n++])
			goto fail;
	}
	return env;
fail:
	shell_env_free(env);
	return NULL;
}

/* --- pieces of the session ---------------------------------------------- */

static int map_path(void *arg, const char *guest, char *buf, size_t len)
{
	struct ktinit_ctx *ctx = arg;

	return ctx->svc->path(ctx, guest, buf, len);
}

static void warn_log(void *arg, const char *msg)
{
	struct ktinit_ctx *ctx = arg;

	ctx->svc->log(ctx, KTINIT_LOG_WARN, "%s", msg);
}

static void read_term(struct ktinit_ctx *ctx, struct shell_term *t)
{
	const struct ktinit_services *svc = ctx->svc;

	shell_term_from_cmdline(t, svc->cmdline_get(ctx, "KTSTR_ROWS"),
				svc->cmdline_get(ctx, "KTSTR_COLS"),
				svc->cmdline_get(ctx, "KTSTR_TERM"),
				svc->cmdline_get(ctx, "KTSTR_COLORTERM"),
				warn_log, ctx);
}

static void print_banner(struct ktinit_ctx *ctx, int fd)
{
	struct shell_banner_src src = { .path = map_path, .arg = ctx };
	struct utsname uts;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (uname(&uts) == 0)
		src.release = uts.release;
	src.topo = ctx->svc->cmdline_get(ctx, "KTSTR_TOPO");
	src.search = getenv("PATH");
	out = open_memstream(&text, &len);
	if (!out)
		return;
	/* Built in memory first: one write, no stdio buffering on fd. */
	shell_banner_write(out, &src);
	if (fclose(out) == 0)
		shell_write_all(fd, text, len);
	free(text);
}

struct pty {
	int master, slave;
	char name[64];
};

static int open_pty(struct pty *p, const struct shell_term *t)
{
	struct winsize ws = t->ws;
	int err;

	p->master = p->slave = -1;
	if (openpty(&p->master, &p->slave, NULL, NULL, &ws) < 0)
		return -errno;
	/* openpty's fds are inheritable: no child may keep the master (the
	 * shell would never see a hang-up) or a stray slave. */
	err = ptsname_r(p->master, p->name, sizeof(p->name));
	if (!err && (fcntl(p->master, F_SETFD, FD_CLOEXEC) < 0 ||
		     fcntl(p->slave, F_SETFD, FD_CLOEXEC) < 0))
		err = errno;
	if (err) {
		close(p->master);
		close(p->slave);
		return -err;
	}
	return 0;
}

static const char *pick_home(struct ktinit_ctx *ctx)
{
	char path[PATH_MAX];
	struct stat st;

	if (ctx->svc->path(ctx, "/root", path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return "/root";
	return "/";
}

static pid_t start_shell(struct ktinit_ctx *ctx, const struct shell_session *ss,
			 const struct pty *p, const struct shell_term *t)
{
	const char *argv[] = { ss->shell, NULL };
	struct ktinit_spawn req = { .argv = argv, .ctty_path = p->name };
	char **env = shell_env_build(environ, t, pick_home(ctx), ss->shell);
	pid_t pid;

	if (!env)
		return -ENOMEM;
	req.envp = (const char *const *)env;
	pid = ctx->svc->spawn(ctx, &req);
	shell_env_free(env);
	return pid;
}

/* --- watching the shell from inside the proxy ---------------------------- */

struct watch {
	struct ktinit_ctx *ctx;
	pid_t pid;
	struct pty *pty;
	int gone;       /* exited, or lost to the reaper: stop asking */
	int have_status;
	int wstatus;
};

static int shell_gone(void *arg)
{
	struct watch *w = arg;
	pid_t sid;
	int err;

	/* The parent's slave fd only bridges the gap until the shell has
	 * opened the PTY as its terminal; held longer, it would keep the
	 * master from ever seeing the hang-up. */
	if (w->pty->slave >= 0 && ioctl(w->pty->master, TIOCGSID, &sid) == 0 &&
	    sid == w->pid) {
		close(w->pty->slave);
		w->pty->slave = -1;
	}
	err = w->ctx->svc->wait(w->ctx, w->pid, 0, &w->wstatus);
	if (err == -ETIMEDOUT)
		return 0;
	w->gone = 1;
	w->have_status = err == 0;
	return err ? err : 1;
}

/* After the proxy: make sure the shell is gone and collected. hangup:
 * the console is unusable, so the shell gets the modem's SIGHUP. */
static void finish_shell(struct watch *w, int hangup)
{
	if (w->gone)
		return;
	if (hangup)
		kill(w->pid, SIGHUP);
	w->gone = 1;
	w->have_status = shell_wait_bounded(w->ctx, w->pid,
					    SHELL_HANGUP_GRACE_MS,
					    &w->wstatus) == 0;
}

/* --- the session ---------------------------------------------------------- */

static int proxy_console(const struct shell_session *ss, struct watch *w)
{
	struct shell_proxy px = {
		.master = w->pty->master,
		.tick_ms = SHELL_TICK_MS,
		.linger_ms = SHELL_LINGER_MS,
		.done = shell_gone,
		.arg = w,
	};
	/* A second open: the proxy's O_NONBLOCK must not leak onto fds 0/1/2,
	 * which share the first open's file status flags. */
	int fd = open(ss->console, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int err;

	px.con_in = px.con_out = fd >= 0 ? fd : ss->con_fd;
	err = shell_proxy_run(&px);
	if (fd >= 0)
		close(fd);
	return err;
}

int shell_session_run(struct ktinit_ctx *ctx, const struct shell_session *ss)
{
	struct shell_term term;
	struct termios saved;
	struct pty pty;
	struct watch w = { .ctx = ctx, .pty = &pty };
	int raw, err;

	read_term(ctx, &term);
	if (ss->banner)
		print_banner(ctx, ss->con_fd);
	err = open_pty(&pty, &term);
	if (err < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "openpty: %s (is devpts mounted?)",
			      strerror(-err));
		return KTINIT_EXIT_SETUP;
	}
	w.pid = start_shell(ctx, ss, &pty, &term);
	if (w.pid < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "%s: %s", ss->shell,
			      strerror(-w.pid));
		close(pty.master);
		close(pty.slave);
		return KTINIT_EXIT_SETUP;
	}
	raw = shell_console_raw(ss->con_fd, &saved) == 0;
	err = proxy_console(ss, &w);
	finish_shell(&w, err < 0);
	/* Closing the master hangs the PTY up: background jobs left behind
	 * get SIGHUP. */
	close(pty.master);
	if (pty.slave >= 0)
		close(pty.slave);
	if (raw)
		shell_console_restore(ss->con_fd, &saved);
	if (err < 0)
		ctx->svc->log(ctx, KTINIT_LOG_WARN, "console proxy: %s",
			      strerror(-err));
	if (!w.have_status) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "%s: exit status lost", ss->shell);
		return KTINIT_EXIT_SETUP;
	}
	return ktinit_wstatus_code(w.wstatus);
}
