/* test mode: the cgroup v2 groups the scheduler and the payload run in. */
#ifndef KT_TEST_SCHED_CGROUP_H
#define KT_TEST_SCHED_CGROUP_H

#include <stddef.h>

#include <ktinit/mode.h>

#define TM_CGROUP_ROOT "/sys/fs/cgroup"

/* Create TM_CGROUP_ROOT/rel, one level at a time; before each level is
 * created, enable in its parent's cgroup.subtree_control every controller
 * the parent's cgroup.controllers offers, so the new group gets cpu,
 * cpuset and the rest. rel is relative ("sched", "a/b"; a leading '/' is
 * tolerated; "." and ".." are refused). key names the config key in
 * messages. A controller that will not enable is a warning; a level that
 * cannot be created is an error. On success out holds the directory (as
 * mapped by ctx->svc->path), ready for ktinit_spawn.cgroup.
 * Returns 0, or -errno after saying which path failed and why. */
int tm_cgroup_prepare(struct ktinit_ctx *ctx, const char *key, const char *rel,
		      char *out, size_t outlen);

#endif
