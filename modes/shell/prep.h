/* shell mode: getting the guest ready for a shell, and the hooks around it.
 *
 * Each step logs its own failure and the shell still starts: a missing
 * /dev/pts only costs the PTY (the caller reports that), a failed busybox
 * install only costs applet names. */
#ifndef SHELL_PREP_H
#define SHELL_PREP_H

#include <ktinit/mode.h>

#define SHELL_HOOK_TIMEOUT_MS 120000 /* /sched_enable, /sched_disable */
#define SHELL_EXEC_CMD_MAX (1 << 20)

/* `busybox --install -s /bin`, so sh, ls, top ... exist as names.
 * Returns 0, or -errno / the non-zero exit status it ended with. */
int shell_prep_busybox(struct ktinit_ctx *ctx);

/* mkdir -p /dev/pts and mount devpts there unless it already is devpts;
 * make /dev/ptmx a symlink to pts/ptmx when devtmpfs has none. Returns 0
 * or -errno. */
int shell_prep_devpts(struct ktinit_ctx *ctx);

/* Run guest_path (/sched_enable, /sched_disable) when it exists: directly
 * when it is an executable binary or "#!" script, else with /bin/sh (a
 * plain shell script, executable or not); in its own process group, output on
 * the console, the group killed after SHELL_HOOK_TIMEOUT_MS. Returns its
 * exit code (0 when absent), or -errno when it could not start. */
int shell_run_hook(struct ktinit_ctx *ctx, const char *guest_path);

/* The exec-mode command: [shell] exec when set, else the contents of
 * /exec_cmd with surrounding whitespace trimmed. Returns 0 with *cmd a
 * malloc'd string (exec mode) or NULL (no command, or a blank one:
 * interactive), or -errno when /exec_cmd exists but cannot be read (exec
 * mode that cannot run). */
int shell_exec_cmd(struct ktinit_ctx *ctx, char **cmd);

/* Wait up to timeout_ms for pid (from ctx->svc->spawn, leading its own
 * process group); past it, SIGKILL the group and collect pid. Returns 0
 * with *wstatus set, or -errno. */
int shell_wait_bounded(struct ktinit_ctx *ctx, pid_t pid, int timeout_ms,
		       int *wstatus);

#endif
