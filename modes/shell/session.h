/* shell mode: the interactive session.
 *
 * banner -> PTY sized from the cmdline -> `sh` as a session leader with the
 * PTY slave as its controlling terminal (job control: Ctrl-Z, fg, bg, and
 * Ctrl-C reaching the foreground job only) -> console in raw mode -> proxy
 * until the shell exits -> console restored. */
#ifndef SHELL_SESSION_H
#define SHELL_SESSION_H

#include <ktinit/mode.h>

#include "winsize.h"

#define SHELL_TICK_MS 50        /* how often the proxy asks for the exit */
#define SHELL_LINGER_MS 5000    /* output after the exit, at most */
#define SHELL_HANGUP_GRACE_MS 3000
#define SHELL_PS1 "\\w \\$ "

struct shell_session {
	const char *console; /* path of the console device (for a 2nd open) */
	int con_fd;          /* the console, blocking: banner and termios */
	const char *shell;   /* [shell] shell */
	int banner;          /* [shell] banner */
};

/* Run the session. Returns the shell's exit code (128+N when killed by
 * signal N), or KTINIT_EXIT_SETUP when it could not be started. */
int shell_session_run(struct ktinit_ctx *ctx, const struct shell_session *ss);

/* The shell's environment: every entry of base except TERM, COLORTERM,
 * HOME and SHELL, then TERM and COLORTERM (when set) from t, HOME=home,
 * SHELL=shell, and PS1=SHELL_PS1 unless base has a PS1. Returns a
 * NULL-terminated array for shell_env_free, or NULL (ENOMEM). */
char **shell_env_build(char *const *base, const struct shell_term *t,
		       const char *home, const char *shell);
void shell_env_free(char **env);

#endif
