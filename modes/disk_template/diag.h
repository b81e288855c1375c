/* disk_template: the diagnostic block for COM2.
 *
 * One block per run, every line starting with "disk_template: " so a host
 * can cut it out of the COM2 log:
 *
 *   disk_template: begin diagnostic
 *   disk_template: device: /dev/vda: block device, 268435456 bytes (256.0 MiB)
 *   disk_template: sysfs: /sys/class/block/vda: present
 *   disk_template: mkfs: /bin/mkfs.btrfs -f /dev/vda
 *   disk_template: mkfs status: exit 0 after 0.41 s
 *   disk_template: mkfs stdout: 1234 bytes
 *   disk_template: | btrfs-progs v6.2
 *   ...
 *   disk_template: mkfs stderr: 0 bytes
 *   disk_template: fsync: ok
 *   disk_template: magic at 0x10040: 0x4D5F53665248425F "_BHRfS_M" (btrfs)
 *   disk_template: verdict: OK (code 0): btrfs superblock magic found on /dev/vda
 *   disk_template: end diagnostic
 *
 * Steps that did not happen say "not run" / "not read". Only the last
 * DT_DIAG_OUT_BYTES and DT_DIAG_OUT_LINES of each mkfs stream are shown (a
 * line says how much was left out; all of it went out as SOUT/SERR frames);
 * control characters are shown as '?'. */
#ifndef DT_DIAG_H
#define DT_DIAG_H

#include <stddef.h>

#include "verdict.h"

#define DT_DIAG_PREFIX "disk_template: "
#define DT_DIAG_OUT_BYTES 4096
#define DT_DIAG_OUT_LINES 64
/* Big enough for the whole block at the limits above. */
#define DT_DIAG_MAX (32u * 1024u)

/* Format the block for f, with the code and reason from dt_verdict(), into
 * buf as '\n'-separated lines, NUL-terminated. Returns 0, or -ENOSPC when
 * buf was too small: the block is then cut in the middle but still ends
 * with the verdict and end lines (len must hold at least those). */
int dt_diag_format(const struct dt_facts *f, int code, const char *verdict,
		   char *buf, size_t len);

#endif
