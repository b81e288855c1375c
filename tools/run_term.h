/* run_term.h - the user's terminal for ktinit-run --shell.
 *
 * The terminal goes raw while the guest's shell owns it (the guest's PTY
 * does all line editing and output processing) and comes back exactly as
 * it was on every way out: run_term_restore() from the normal path, and an
 * atexit() backstop for exit() calls elsewhere. */
#ifndef KT_RUN_TERM_H
#define KT_RUN_TERM_H

#include <stddef.h>
#include <termios.h>

struct run_term {
	int fd;                 /* the terminal made raw; -1: none */
	struct termios saved;   /* its state before, to restore */
};

/* Put fd in raw mode if it is a terminal, saving its state in t. A fd
 * that is not a terminal is left alone (t->fd = -1) and is not an error.
 * Sets run_crlf while raw. Returns 0 or -errno. */
int run_term_raw(struct run_term *t, int fd);

/* Restore what run_term_raw() saved; safe to call more than once and on a
 * terminal that was never made raw. */
void run_term_restore(struct run_term *t);

/* The window size of the first of fds that is a terminal. Returns 0 and
 * sets rows and cols (both non-zero), or -1 when none reports one. */
int run_term_size(const int *fds, size_t nfds, unsigned *rows,
		  unsigned *cols);


/* --- Ctrl-A escapes, like QEMU's -nographic console ---------------------
 *
 *   Ctrl-A x    force quit: stop QEMU, restore the terminal
 *   Ctrl-A h    print the escapes (also Ctrl-A ?)
 *   Ctrl-A a    send one Ctrl-A to the guest (also Ctrl-A Ctrl-A)
 *   Ctrl-A c    any other key: both bytes go to the guest
 */
#define RUN_ESC_KEY 0x01

enum run_esc_action {
	RUN_ESC_NONE,
	RUN_ESC_QUIT,
	RUN_ESC_HELP,
};

struct run_esc {
	int pending;            /* the last byte seen was Ctrl-A */
};

/* Filter n input bytes into out, which must hold 2 * n bytes (an escape
 * pending from the previous call may be released as two bytes). Sets
 * *outlen. Stops at the first action: *used says how many input bytes
 * were consumed (the rest are for the next call). */
enum run_esc_action run_esc_filter(struct run_esc *e, const char *in,
				   size_t n, char *out, size_t *outlen,
				   size_t *used);

/* The help text for Ctrl-A h, lines ending in "\r\n" (raw terminal). */
extern const char run_esc_help[];

#endif
