/* The one reaper: every child of the process is collected here with
 * waitpid(-1, WNOHANG); the statuses of watched children (those spawned
 * through kt_spawn) are kept for kt_reaper_wait, the rest are forgotten.
 * SIGCHLD stays at SIG_DFL (never SIG_IGN, which would make statuses
 * unreadable); it is blocked and waited for with sigtimedwait. */
#ifndef KT_REAPER_H
#define KT_REAPER_H

#include <sys/types.h>

/* Serialize spawning with reaping: take the lock before creating a child
 * and watch it before releasing, so no reap can forget it in between. */
void kt_reaper_lock(void);
void kt_reaper_unlock(void);

/* Watch pid (lock held). Returns 0 or -ENOSPC when the table is full. */
int kt_reaper_watch_locked(pid_t pid);

/* Collect every exited child now. Returns how many were collected. */
int kt_reaper_reap(void);

/* Wait up to timeout_ms (-1: no limit) for watched pid; store its wait
 * status and stop watching it. Returns 0, -ETIMEDOUT, or -ECHILD when pid
 * is not watched. */
int kt_reaper_wait(pid_t pid, int timeout_ms, int *wstatus);

#endif
