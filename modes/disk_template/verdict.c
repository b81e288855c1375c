/* disk_template: what the run found, and the exit code it leads to. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "verdict.h"

void dt_status_str(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exit %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, len, "wait status 0x%x", (unsigned)wstatus);
}

static int device_verdict(const struct dt_facts *f, char *buf, size_t len)
{
	const struct dt_device *d = &f->dev;

	if (d->node_err == ENOENT && d->sysfs_err)
		snprintf(buf, len,
			 "device %s missing (no %s): is a virtio-blk disk attached?",
			 f->device, f->sysfs);
	else if (d->node_err == ENOENT)
		snprintf(buf, len,
			 "device %s missing, though %s exists: no device node (is devtmpfs mounted on /dev?)",
			 f->device, f->sysfs);
	else if (d->node_err)
		snprintf(buf, len, "device %s: stat: %s", f->device,
			 strerror(d->node_err));
	else
		snprintf(buf, len,
			 "device %s is neither a block device nor an image file",
			 f->device);
	return KTINIT_EXIT_SETUP;
}

static int mkfs_check_verdict(const struct dt_facts *f, char *buf, size_t len)
{
	if (f->mkfs_err == ENOENT) {
		snprintf(buf, len,
			 "mkfs %s not found: pack mkfs.btrfs into the initramfs or set [disk_template] mkfs",
			 f->mkfs);
		return DT_EXIT_NOT_FOUND;
	}
	if (f->mkfs_err == EACCES) {
		snprintf(buf, len, "mkfs %s is not an executable file",
			 f->mkfs);
		return DT_EXIT_NOT_EXEC;
	}
	snprintf(buf, len, "mkfs %s: %s", f->mkfs, strerror(f->mkfs_err));
	return DT_EXIT_NOT_EXEC;
}

static int run_verdict(const struct dt_facts *f, char *buf, size_t len)
{
	const struct dt_mkfs_result *r = f->run;
	char st[96];

	if (r->spawn_err) {
		snprintf(buf, len, "could not start mkfs %s: %s", f->mkfs,
			 strerror(r->spawn_err));
		if (r->spawn_err == ENOENT)
			return DT_EXIT_NOT_FOUND;
		if (r->spawn_err == EACCES)
			return DT_EXIT_NOT_EXEC;
		return KTINIT_EXIT_SETUP;
	}
	if (r->timed_out) {
		snprintf(buf, len,
			 "mkfs did not finish within %ld s ([disk_template] timeout_s) and was killed",
			 f->timeout_s);
		return DT_EXIT_TIMEOUT;
	}
	if (!r->have_status) {
		snprintf(buf, len, "lost mkfs: wait: %s",
			 strerror(r->wait_err));
		return KTINIT_EXIT_SETUP;
	}
	dt_status_str(r->wstatus, st, sizeof(st));
	if (WIFSIGNALED(r->wstatus))
		snprintf(buf, len, "mkfs %s", st);
	else
		snprintf(buf, len, "mkfs failed: %s", st);
	return ktinit_wstatus_code(r->wstatus);
}

static int magic_verdict(const struct dt_facts *f, char *buf, size_t len)
{
	const struct dt_magic_result *m = &f->magic;

	switch (m->status) {
	case DT_MAGIC_OK:
		snprintf(buf, len, "btrfs superblock magic found on %s",
			 f->device);
		return 0;
	case DT_MAGIC_MISMATCH:
		snprintf(buf, len,
			 "mkfs exited 0 but wrote no btrfs superblock: magic at 0x%x is 0x%016" PRIX64,
			 DT_BTRFS_MAGIC_OFFSET, m->value);
		return KTINIT_EXIT_SILENT_NOOP;
	case DT_MAGIC_SHORT:
		snprintf(buf, len,
			 "mkfs exited 0 but %s ends before the superblock magic at 0x%x",
			 f->device, DT_BTRFS_MAGIC_OFFSET);
		return KTINIT_EXIT_SILENT_NOOP;
	case DT_MAGIC_ERROR:
		break;
	}
	snprintf(buf, len, "mkfs exited 0 but reading back %s failed: %s: %s",
		 f->device, m->op, strerror(m->err));
	return DT_EXIT_IO;
}

int dt_verdict(const struct dt_facts *f, char *buf, size_t len)
{
	if (f->setup_err) {
		snprintf(buf, len, "%s", f->setup_err);
		return KTINIT_EXIT_SETUP;
	}
	if (!dt_device_usable(&f->dev))
		return device_verdict(f, buf, len);
	if (f->mkfs_err)
		return mkfs_check_verdict(f, buf, len);
	if (!f->run) {
		snprintf(buf, len, "mkfs was not run");
		return KTINIT_EXIT_SETUP;
	}
	if (!dt_mkfs_succeeded(f->run))
		return run_verdict(f, buf, len);
	if (f->flushed && f->flush_err) {
		snprintf(buf, len, "mkfs exited 0 but flushing %s failed: %s: %s",
			 f->device, f->flush_op, strerror(f->flush_err));
		return DT_EXIT_IO;
	}
	if (!f->magic_read) {
		snprintf(buf, len, "the superblock was not read back");
		return KTINIT_EXIT_SETUP;
	}
	return magic_verdict(f, buf, len);
}
