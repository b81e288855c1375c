/* disk_template: what the run found, and the exit code it leads to.
 *
 * The mode fills a dt_facts step by step and stops at the first step that
 * fails; dt_verdict() looks at the steps in the same order, so the first
 * failure decides the code. Codes:
 *
 *   0    mkfs exited 0 and the btrfs magic reads back after fsync
 *   N    mkfs exited N (128+N when killed by signal N)
 *   64   KTINIT_EXIT_SILENT_NOOP: mkfs exited 0, no magic (zeroed, other
 *        value, or the device ends before it)
 *   74   DT_EXIT_IO: mkfs exited 0, then fsync or the magic read failed
 *   124  mkfs outlived [disk_template] timeout_s and was killed
 *   125  KTINIT_EXIT_SETUP: bad config, device missing or unusable, mkfs
 *        could not be started or its status was lost
 *   126  mkfs exists but is not executable
 *   127  mkfs not found
 */
#ifndef DT_VERDICT_H
#define DT_VERDICT_H

#include <stddef.h>

#include <ktinit/mode.h>

#include "btrfs_magic.h"
#include "device.h"
#include "mkfs_run.h"

/* sysexits' EX_IOERR: the data mkfs wrote could not be made durable or
 * read back. Not in mode.h's list: only this mode reports it. */
#define DT_EXIT_IO KTINIT_EXIT_IO
#define DT_EXIT_TIMEOUT KTINIT_EXIT_TIMEOUT
/* What a shell reports for a command it cannot run. */
#define DT_EXIT_NOT_EXEC 126
#define DT_EXIT_NOT_FOUND 127

struct dt_facts {
	/* What was asked, as the guest names it (for messages). */
	const char *device;    /* "/dev/vda" */
	const char *sysfs;     /* "/sys/class/block/vda" */
	const char *mkfs;      /* "/bin/mkfs.btrfs" */
	const char *command;   /* the command line as run */
	long timeout_s;
	const char *setup_err; /* non-NULL: the config was unusable */

	/* What was found. A step is meaningful only once the ones above it
	 * passed; the mode stops at the first failure. */
	struct dt_device dev;
	int mkfs_err;                     /* dt_mkfs_check() */
	const struct dt_mkfs_result *run; /* NULL: mkfs was not run */
	int flushed;                      /* 1: dt_device_flush() was called */
	int flush_err;                    /* its errno, 0 on success */
	const char *flush_op;             /* the call that failed */
	int magic_read;                   /* 1: dt_magic_read() was called */
	struct dt_magic_result magic;
};

/* The exit code for f, and a one-line reason in buf (truncated to len).
 * The device-missing reason reads "device /dev/vda missing (no
 * /sys/class/block/vda): is a virtio-blk disk attached?". */
int dt_verdict(const struct dt_facts *f, char *buf, size_t len);

/* A wait status in words: "exit 3", "killed by signal 9 (Killed)". */
void dt_status_str(int wstatus, char *buf, size_t len);

#endif
