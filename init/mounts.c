#include "mounts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fdio.h"

struct kt_mount {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
	int required;
};

static const struct kt_mount mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1 },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1 },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 1 },
	{ "debugfs", "/sys/kernel/debug", "debugfs", 0, NULL, 0 },
	{ "tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL, 0 },
	{ "bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700", 0 },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0 },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0 },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0 },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0 },
};

/* A directory on another device than its parent is a mount point. */
static int is_mount_point(const char *target)
{
	char parent[PATH_MAX];
	struct stat st, pst;
	int n = snprintf(parent, sizeof(parent), "%s/..", target);

	if (n < 0 || (size_t)n >= sizeof(parent))
		return 0;
	if (stat(target, &st) < 0 || stat(parent, &pst) < 0)
		return 0;
	return st.st_dev != pst.st_dev;
}

int kt_mount_one(const char *source, const char *target, const char *type,
		 unsigned long flags, const char *data)
{
	int err = kt_mkdir_p(target);

	if (err)
		return err;
	if (is_mount_point(target))
		return 0;
	if (mount(source, target, type, flags, data) < 0 && errno != EBUSY)
		return -errno;
	return 0;
}

int kt_mount_all(const char *root, kt_mount_report_fn report, void *arg)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		const struct kt_mount *m = &mounts[i];
		char target[PATH_MAX], msg[PATH_MAX + 128];
		int err;

		snprintf(target, sizeof(target), "%s%s", root, m->target);
		err = kt_mount_one(m->source, target, m->type, m->flags, m->data);
		if (!err)
			continue;
		snprintf(msg, sizeof(msg), "mount %s on %s: %s", m->type,
			 target, strerror(-err));
		report(arg, m->required, msg);
		failed += m->required;
	}
	return failed;
}
