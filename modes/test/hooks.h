/* test mode: the /sched_enable and /sched_disable hook scripts. */
#ifndef KT_TEST_HOOKS_H
#define KT_TEST_HOOKS_H

#include <ktinit/mode.h>

/* Run guest_path (a script for /bin/sh, or any executable) if it exists,
 * in its own process group, for at most a minute. Returns 0 when it is
 * absent or succeeded, else its exit code (after saying so). */
int tm_run_hook(struct ktinit_ctx *ctx, const char *guest_path);

#endif
