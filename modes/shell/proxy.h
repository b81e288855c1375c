/* shell mode: the byte pump between the console and the PTY master.
 *
 * One thread, poll(): keyboard bytes go console -> master, screen bytes go
 * master -> console, each through its own buffer, so a slow side never
 * stalls the other and a partial write just leaves the rest for the next
 * POLLOUT. Every read and write is non-blocking and survives EINTR.
 *
 * Teardown rules (no stray bytes, no lost output):
 * - The hang-up flags are looked at before anything is read. Once the
 *   master hangs up (all slave fds closed) the console is not read any
 *   more and nothing more is written to the master; the master is read
 *   only while poll() reports POLLIN, i.e. what the shell wrote before it
 *   went, until read() says EIO or 0.
 * - A console that hangs up or fails ends the proxy at once, without
 *   reading it.
 * - Once done() reports that the shell exited, the console is not read any
 *   more; output still arriving (a background job may hold the PTY open)
 *   is forwarded until the PTY has been quiet for one tick.
 * - Everything after the shell's end is bounded by linger_ms, so a console
 *   that stops draining cannot hold the VM up.
 */
#ifndef SHELL_PROXY_H
#define SHELL_PROXY_H

#define SHELL_PROXY_BUF 16384

struct shell_proxy {
	int con_in;    /* console, read side (the keyboard) */
	int con_out;   /* console, write side (the screen); may equal con_in */
	int master;    /* PTY master (any stream fd in tests) */
	int tick_ms;   /* longest poll() sleep between two done() calls */
	int linger_ms; /* after the shell's end: time left for its output */
	/* Called before every poll(): 1 (or -errno) once the shell has
	 * exited, 0 while it runs. NULL: only the hang-up ends the proxy. */
	int (*done)(void *arg);
	void *arg;
};

/* Run until the shell side ends. The three fds are switched to O_NONBLOCK
 * for the duration and their file status flags put back before returning.
 * Writing to a socket whose peer is gone gives EPIPE, not SIGPIPE, only
 * when SIGPIPE is blocked or ignored (it is in PID 1).
 *
 * Returns 0 when the shell side ended (master hang-up or done()) and its
 * output reached the console (or linger_ms ran out), -EPIPE when the
 * console hung up or failed, or another -errno (poll() failure, an
 * unusable fd). */
int shell_proxy_run(const struct shell_proxy *p);

#endif
