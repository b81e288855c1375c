/* test mode: the scheduler's log file, shipped to the host. */
#ifndef KT_TEST_SCHED_LOG_H
#define KT_TEST_SCHED_LOG_H

#include <ktinit/mode.h>

/* Ship the log has at most this much; a longer log loses its head (a
 * crash is explained at the end) and says so in a first SCLG line. */
#define TM_SCHED_LOG_MAX (32u << 20)
/* Bytes per SCLG frame. */
#define TM_SCHED_LOG_CHUNK (64u << 10)

/* Open guest_path fresh (truncating) for the scheduler's stdout and
 * stderr. Returns an O_CLOEXEC fd, or -errno after saying why. */
int tm_sched_log_open(struct ktinit_ctx *ctx, const char *guest_path);

/* Send guest_path's content as SCLG frames of TM_SCHED_LOG_CHUNK bytes.
 * Returns the bytes sent, or -errno after warning (the run goes on). */
long tm_sched_log_ship(struct ktinit_ctx *ctx, const char *guest_path);

#endif
