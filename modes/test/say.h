/* test mode: messages the user must see. */
#ifndef KT_TEST_SAY_H
#define KT_TEST_SAY_H

#include <ktinit/mode.h>

/* An error: logged at ERR by the core (console and COM2) and written to
 * the payload's stderr stream (fd 2), so the host prints it in place as
 * "ktinit: test: MESSAGE". Safe from any thread. */
void tm_say(struct ktinit_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same at WARN: something did not work, the run carries on. */
void tm_warn(struct ktinit_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
