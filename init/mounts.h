/* The filesystems a test VM needs. */
#ifndef KT_MOUNTS_H
#define KT_MOUNTS_H

/* Called for each failure: what failed, and whether it was required. */
typedef void (*kt_mount_report_fn)(void *arg, int required, const char *msg);

/* Mount /proc, /sys, /dev (required) and debugfs, tracefs, bpf, cgroup2,
 * /tmp, /dev/shm, /run (optional) under root ("" for the real root),
 * creating targets. A target that is already a mount point is left alone.
 * Returns the number of required mounts that failed. */
int kt_mount_all(const char *root, kt_mount_report_fn report, void *arg);

/* Mount one filesystem, mkdir -p'ing target; 0 when mounted or already a
 * mount point, else -errno. */
int kt_mount_one(const char *source, const char *target, const char *type,
		 unsigned long flags, const char *data);

#endif
