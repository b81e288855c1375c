/* shell mode: a busybox shell on the VM's console, interactive or one
 * command (DESIGN.md section 7, "shell").
 *
 * setup_stdio  the console (hvc0, else COM2) as fds 0/1/2; no SOUT/SERR
 *              pipes: the user talks to the console directly
 * run          busybox applets, devpts, /sched_enable; then either
 *              `sh -c CMD` (exec mode: /exec_cmd or [shell] exec) or an
 *              interactive shell on a PTY; then /sched_disable
 * report_exit  EXCX with the command's code in exec mode, else EXIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <ktinit/mode.h>

#include "console.h"
#include "prep.h"
#include "session.h"

struct shell_state {
	char console[PATH_MAX]; /* device behind fds 0/1/2 */
	int have_console;
	int exec_mode;          /* decides EXCX over EXIT */
};

static struct shell_state state;

static int map_path(void *arg, const char *guest, char *buf, size_t len)
{
	struct ktinit_ctx *ctx = arg;

	return ctx->svc->path(ctx, guest, buf, len);
}

/* fd becomes 0, 1 and 2; fd itself is closed unless it is one of them. */
static int install_stdio(int fd)
{
	for (int target = 0; target < 3; target++) {
		/* dup2(fd, fd) would keep fd's O_CLOEXEC. */
		if (fd == target ? fcntl(fd, F_SETFD, 0) < 0 :
				   dup2(fd, target) < 0)
			return -errno;
	}
	if (fd > 2)
		close(fd);
	return 0;
}

static int shell_setup_stdio(struct ktinit_ctx *ctx)
{
	int fd, err;

	ctx->mode_data = &state;
	fd = shell_console_open(map_path, ctx, 0, state.console,
				sizeof(state.console));
	if (fd < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR,
			      "no console: neither %s nor %s opens: %s",
			      SHELL_CONSOLE_HVC, SHELL_CONSOLE_COM2,
			      strerror(-fd));
		return fd;
	}
	err = install_stdio(fd);
	if (err < 0) {
		close(fd);
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "console %s as stdio: %s",
			      state.console, strerror(-err));
		return err;
	}
	state.have_console = 1;
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "console %s", state.console);
	return 0;
}

static int config_yes(struct ktinit_ctx *ctx, const char *key, int def)
{
	const char *v = ctx->svc->config_get(ctx, "shell", key, NULL);

	if (!v)
		return def;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0"))
		return 0;
	ctx->svc->log(ctx, KTINIT_LOG_WARN,
		      "[shell] %s = '%s' is not yes or no, using %s", key, v,
		      def ? "yes" : "no");
	return def;
}

/* Exit code for a child that never ran, the way a shell reports it. */
static int spawn_error_code(int err)
{
	if (err == -ENOENT)
		return 127;
	if (err == -EACCES || err == -ENOEXEC)
		return 126;
	return KTINIT_EXIT_SETUP;
}

static int run_exec(struct ktinit_ctx *ctx, const char *shell, const char *cmd)
{
	const char *argv[] = { shell, "-c", cmd, NULL };
	struct ktinit_spawn req = {
		.argv = argv,
		.use_fds = 1,
		.stdin_fd = 0,
		.stdout_fd = 1,
		.stderr_fd = 2,
	};
	pid_t pid = ctx->svc->spawn(ctx, &req);
	int st, err;

	if (pid < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "%s -c: %s", shell,
			      strerror(-pid));
		return spawn_error_code(pid);
	}
	/* No limit here: the host owns the timeout of a command. */
	err = ctx->svc->wait(ctx, pid, -1, &st);
	if (err < 0) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "%s -c: wait: %s", shell,
			      strerror(-err));
		return KTINIT_EXIT_SETUP;
	}
	return ktinit_wstatus_code(st);
}

static void prepare_guest(struct ktinit_ctx *ctx)
{
	shell_prep_busybox(ctx);
	shell_prep_devpts(ctx);
	shell_run_hook(ctx, "/sched_enable");
}

static int shell_run(struct ktinit_ctx *ctx)
{
	const char *shell = ctx->svc->config_get(ctx, "shell", "shell", "/bin/sh");
	struct shell_session ss = {
		.console = state.console,
		.con_fd = 0,
		.shell = shell,
	};
	struct termios saved;
	int code, err, opost_off = 0;
	char *cmd = NULL;

	ctx->mode_data = &state;
	/* Decided first: a failure in exec mode is still reported as EXCX. */
	err = shell_exec_cmd(ctx, &cmd);
	state.exec_mode = err < 0 || cmd;
	if (!state.have_console) {
		ctx->svc->log(ctx, KTINIT_LOG_ERR, "no console for the shell");
		free(cmd);
		return KTINIT_EXIT_SETUP;
	}
	/* Exec mode output is compared byte for byte, the hooks' included:
	 * "\n" must not become "\r\n". */
	if (state.exec_mode)
		opost_off = shell_console_no_opost(1, &saved) == 0;
	prepare_guest(ctx);
	if (err < 0) {
		code = KTINIT_EXIT_SETUP;
	} else if (cmd) {
		code = run_exec(ctx, shell, cmd);
	} else {
		ss.banner = config_yes(ctx, "banner", 1);
		code = shell_session_run(ctx, &ss);
	}
	free(cmd);
	shell_run_hook(ctx, "/sched_disable");
	/* Everything printed leaves the guest before EXCX/EXIT is sent. */
	tcdrain(1);
	if (opost_off)
		shell_console_restore(1, &saved);
	return code;
}

static void shell_report_exit(struct ktinit_ctx *ctx, int code)
{
	if (state.exec_mode) {
		ctx->svc->drain_stdio(ctx);
		ctx->svc->send_exit(ctx, KTINIT_FRAME_EXCX, code);
	} else {
		ctx->svc->send_exit(ctx, KTINIT_FRAME_EXIT, code);
	}
}

static const char *const shell_config_keys[] = { "exec", "shell", "banner",
						  NULL };

KTINIT_MODE_EXPORT const struct ktinit_mode_ops ktinit_mode = {
	.abi = KTINIT_MODE_ABI_VERSION,
	.name = "shell",
	.summary = "busybox shell on the console: interactive on a PTY, or one command (/exec_cmd)",
	.config_keys = shell_config_keys,
	.flags = KTINIT_MODE_F_NO_INIT_LIFE,
	.setup_stdio = shell_setup_stdio,
	.run = shell_run,
	.report_exit = shell_report_exit,
};
