/* shell mode: the terminal the host describes on the kernel command line.
 *
 * The host passes its terminal as KTSTR_ROWS=, KTSTR_COLS=, KTSTR_TERM= and
 * KTSTR_COLORTERM= (ktstr's tokens). A value that is absent falls back
 * silently; a value that is present but unusable falls back with a warning,
 * so a broken host never leaves the guest with a 0x0 screen. */
#ifndef SHELL_WINSIZE_H
#define SHELL_WINSIZE_H

#include <stddef.h>
#include <sys/ioctl.h>

#define SHELL_DEFAULT_ROWS 24
#define SHELL_DEFAULT_COLS 80
#define SHELL_MAX_DIM 1000 /* rows or columns; more is a garbled value */
#define SHELL_DEFAULT_TERM "linux"
#define SHELL_TERM_MAX 64 /* KT_TERM_NAME_MAX of init/term_name.h */

struct shell_term {
	struct winsize ws;
	char term[SHELL_TERM_MAX + 1];      /* never empty */
	char colorterm[SHELL_TERM_MAX + 1]; /* "": leave COLORTERM unset */
};

/* Receives one warning such as "KTSTR_ROWS='0' is not in 1..1000, using 24". */
typedef void (*shell_warn_fn)(void *arg, const char *msg);

/* Parse one dimension: decimal digits only, in 1..SHELL_MAX_DIM. Returns
 * the value, or -1 for anything else (NULL, "", "-5", "80x", "0", "99999"). */
int shell_dim_parse(const char *s);

/* Fill t from the four cmdline values (NULL: absent). warn may be NULL.
 * Returns the number of warnings issued. */
int shell_term_from_cmdline(struct shell_term *t, const char *rows,
			    const char *cols, const char *term,
			    const char *colorterm, shell_warn_fn warn,
			    void *arg);

#endif
