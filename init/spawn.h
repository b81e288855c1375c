/* Start children with posix_spawn, restoring what PID 1 changed. */
#ifndef KT_SPAWN_H
#define KT_SPAWN_H

#include <signal.h>
#include <sys/types.h>

#include <ktinit/mode.h>

/* The signal mask the process started with; children get it back. Set by
 * kt_spawn_set_orig_mask before PID 1 blocks signals. */
void kt_spawn_set_orig_mask(const sigset_t *mask);

/* The ktinit binary, for children that must join a cgroup before exec
 * (default /proc/self/exe, which in the child still names ktinit). */
void kt_spawn_set_self_exe(const char *path);

/* The "--exec-in-cgroup DIR -- ARGV..." helper: join DIR, exec ARGV.
 * Returns only on failure, with the exit status to use (126/127, or 125
 * when the cgroup cannot be joined), after a message on stderr. */
int kt_exec_in_cgroup(const char *dir, char *const argv[]);

/* Start req (argv[0] looked up in PATH when it has no '/') with the
 * original mask and every signal at SIG_DFL, watched by the reaper.
 * With req->cgroup the child runs kt_exec_in_cgroup first (so an exec
 * failure shows as exit status 127/126 instead).
 * Returns the pid, or -errno (-ENOENT / -EACCES when exec failed). */
pid_t kt_spawn(const struct ktinit_spawn *req);

#endif
