/* Start children with posix_spawn, restoring what PID 1 changed. */
#ifndef KT_SPAWN_H
#define KT_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include <ktinit/mode.h>

/* The signal mask the process started with; children get it back. Set by
 * kt_spawn_set_orig_mask before PID 1 blocks signals. */
void kt_spawn_set_orig_mask(const sigset_t *mask);

/* Start req (argv[0] looked up in PATH when it has no '/') with the
 * original mask and every signal at SIG_DFL, watched by the reaper.
 * Returns the pid, or -errno (-ENOENT / -EACCES when exec failed). */
pid_t kt_spawn(const struct ktinit_spawn *req);

#endif
