#include "say.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static void vsay(struct ktinit_ctx *ctx, int level, const char *fmt,
		 va_list ap)
{
	char msg[1024], line[1100];
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	ctx->svc->log(ctx, level, "%s", msg);
	/* One write per line, so lines from two threads do not interleave. */
	n = snprintf(line, sizeof(line), "ktinit: test: %s\n", msg);
	if (n > 0 && (size_t)n < sizeof(line) && write(STDERR_FILENO, line, (size_t)n) < 0)
		return; /* nowhere left to report it */
}

void tm_say(struct ktinit_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(ctx, KTINIT_LOG_ERR, fmt, ap);
	va_end(ap);
}

void tm_warn(struct ktinit_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(ctx, KTINIT_LOG_WARN, fmt, ap);
	va_end(ap);
}
