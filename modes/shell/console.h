/* shell mode: the console the user talks to.
 *
 * /dev/hvc0 (virtio-console port 0) when the guest has it, else COM2
 * (/dev/ttyS1). Both are opened O_NOCTTY: PID 1 must never own a
 * controlling terminal, and no child is given the console as its
 * controlling terminal either, because when the controlling process of a
 * non-PTY tty exits the kernel hangs the tty up (disassociate_ctty calls
 * tty_vhangup_session), which would leave PID 1's own fds 0/1/2 dead. */
#ifndef SHELL_CONSOLE_H
#define SHELL_CONSOLE_H

#include <stddef.h>
#include <termios.h>

#define SHELL_CONSOLE_HVC "/dev/hvc0"
#define SHELL_CONSOLE_COM2 "/dev/ttyS1"

/* Maps a guest path to where it lives (the core's path service). */
typedef int (*shell_path_fn)(void *arg, const char *guest, char *buf,
			     size_t len);

/* Open the console read-write with O_NOCTTY | O_CLOEXEC | extra_flags:
 * hvc0 when it is present and opens, else COM2. On success
 * stores the mapped path of the device opened in path and returns the fd;
 * returns -errno when neither opens (the error of the last attempt). */
int shell_console_open(shell_path_fn map, void *arg, int extra_flags,
		       char *path, size_t len);

/* Raw mode for the proxy (cfmakeraw): Tab, Ctrl-C, Ctrl-Z and escape
 * sequences reach the PTY untouched, and the PTY's own line discipline
 * does the terminal work. *saved receives the previous settings.
 * Returns 0 or -errno (-ENOTTY for a non-terminal). */
int shell_console_raw(int fd, struct termios *saved);

/* Clear OPOST only, so a command's "\n" is not sent as "\r\n" (exec
 * mode output is compared byte for byte). Returns 0 or -errno. */
int shell_console_no_opost(int fd, struct termios *saved);

/* Put saved back once the output queued so far has been sent
 * (TCSADRAIN). Returns 0 or -errno. */
int shell_console_restore(int fd, const struct termios *saved);

/* Write all of buf to fd, retrying EINTR and partial writes, waiting in
 * poll() when fd is non-blocking. Returns 0 or -errno. */
int shell_write_all(int fd, const void *buf, size_t len);

#endif
