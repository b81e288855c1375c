/* test mode: kernel trace events forwarded to COM1 during the payload.
 *
 * [test] trace_events lists events as "sys:event" (one event), "sys:*" or
 * "sys" (a whole subsystem), separated by blanks or commas. Each is
 * enabled under <tracefs>/events/...; the trace buffer is cleared and
 * tracing_on set; a thread copies trace_pipe to COM1 (/dev/ttyS0) until
 * tm_trace_stop(). tracefs is /sys/kernel/tracing, or the older
 * /sys/kernel/debug/tracing. Tracing is an aid: an event that will not
 * enable is a warning, and the payload runs anyway. */
#ifndef KT_TEST_TRACE_H
#define KT_TEST_TRACE_H

#include <ktinit/mode.h>

/* How long tm_trace_stop() may spend copying what is left. */
#define TM_TRACE_DRAIN_MS 1500

struct tm_trace;

/* Enable events and start forwarding. Returns NULL when events is NULL or
 * blank, or when nothing could be enabled (after warning). */
struct tm_trace *tm_trace_start(struct ktinit_ctx *ctx, const char *events);

/* tracing_on = 0, copy what is left in trace_pipe for at most
 * TM_TRACE_DRAIN_MS (non-blocking reads, and writes to COM1 that give up
 * at the deadline, so a stuck port cannot wedge the shutdown), disable
 * the events again and free t. NULL is fine. */
void tm_trace_stop(struct ktinit_ctx *ctx, struct tm_trace *t);

#endif
