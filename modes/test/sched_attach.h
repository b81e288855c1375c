/* test mode: did the scheduler attach to sched_ext? */
#ifndef KT_TEST_SCHED_ATTACH_H
#define KT_TEST_SCHED_ATTACH_H

#include <stddef.h>

#include "sched_life.h"

/* Whether to check at all, decided before the scheduler starts:
 * require_attach = yes: always; no: never; auto: only when the kernel
 * exposes sched_ext, i.e. the directory [test] sched_ext_root exists. */
int tm_attach_wanted(struct ktinit_ctx *ctx, const struct tm_sched_cfg *cfg);

/* Wait up to [test] attach_timeout_ms for <sched_ext_root>/root/ops to
 * hold a non-blank name, watching the scheduler meanwhile. Returns 0 when
 * it attached; 1 when it did not, with reason holding one of
 *   "timed out after N ms: PATH is still empty" (or "... does not exist")
 *   "sched_ext sysfs absent at PATH"   (the root never appeared; at once
 *                                       for a root under /sys/, which
 *                                       the kernel makes at boot or never)
 *   "scheduler exited with N ..."      (status collected into s)
 */
int tm_attach_wait(struct ktinit_ctx *ctx, struct tm_sched *s, char *reason,
		   size_t len);

#endif
