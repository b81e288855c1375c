#include "services.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reaper.h"
#include "spawn.h"

#define CORE(ctx) ((struct kt_core *)(ctx)->core)

void kt_core_init(struct kt_core *core, const char *root)
{
	memset(core, 0, sizeof(*core));
	kt_config_init(&core->cfg);
	kt_channel_init(&core->ch);
	core->root = root;
	core->log_level = KTINIT_LOG_INFO;
	core->ctx.svc = &kt_services;
	core->ctx.core = core;
}

int kt_log_level_parse(const char *s)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };
	static const int levels[] = { KTINIT_LOG_ERR, KTINIT_LOG_WARN,
				      KTINIT_LOG_INFO, KTINIT_LOG_DEBUG };
	char *end;
	long v;

	for (size_t i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return levels[i];
	v = strtol(s, &end, 10);
	if (*s && !*end && v >= 0 && v <= 7)
		return (int)v;
	return -1;
}

static void vlog(struct kt_core *core, int level, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	if (level > core->log_level)
		return;
	if (core->mode_name)
		n = snprintf(line, sizeof(line), "ktinit: %s: ", core->mode_name);
	else
		n = snprintf(line, sizeof(line), "ktinit: ");
	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	kt_channel_com1(&core->ch, line);
	if (level <= KTINIT_LOG_WARN && core->ch.com2_fd >= 0)
		kt_channel_com2(&core->ch, line);
}

void kt_core_log(struct kt_core *core, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(core, level, fmt, ap);
	va_end(ap);
}

void kt_core_diag(void *arg, const char *msg)
{
	kt_core_log(arg, KTINIT_LOG_WARN, "%s", msg);
}

static const char *svc_config_get(struct ktinit_ctx *ctx, const char *section,
				  const char *key, const char *def)
{
	return kt_config_get(&CORE(ctx)->cfg, section, key, def);
}

static long svc_config_long(struct ktinit_ctx *ctx, const char *section,
			    const char *key, long def, long min, long max)
{
	return kt_config_long(&CORE(ctx)->cfg, section, key, def, min, max,
			      kt_core_diag, CORE(ctx));
}

static const char *svc_cmdline_get(struct ktinit_ctx *ctx, const char *key)
{
	return kt_cmdline_get(&CORE(ctx)->cmdline, key);
}

static void svc_log(struct ktinit_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(CORE(ctx), level, fmt, ap);
	va_end(ap);
}

static void svc_com2(struct ktinit_ctx *ctx, const char *fmt, ...)
{
	char line[4096], *big = NULL;
	va_list ap, again;
	int n;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	/* A long diagnostic line is written whole, not cut at the buffer. */
	if (n >= (int)sizeof(line) && (big = malloc((size_t)n + 1)) != NULL)
		vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	va_end(ap);
	kt_channel_com2(&CORE(ctx)->ch, big ? big : line);
	free(big);
}

static int svc_frame_send(struct ktinit_ctx *ctx, uint32_t type,
			  const void *buf, size_t len)
{
	return kt_channel_send(&CORE(ctx)->ch, type, buf, len);
}

static int svc_life(struct ktinit_ctx *ctx, uint8_t phase, const char *reason)
{
	uint8_t buf[1 + 1024];
	size_t len = ktinit_life_payload(buf, sizeof(buf), phase, reason);

	return kt_channel_send(&CORE(ctx)->ch, KTINIT_FRAME_LIFE, buf, len);
}

static pid_t svc_spawn(struct ktinit_ctx *ctx, const struct ktinit_spawn *req)
{
	(void)ctx;
	return kt_spawn(req);
}

static int svc_wait(struct ktinit_ctx *ctx, pid_t pid, int timeout_ms,
		    int *wstatus)
{
	(void)ctx;
	return kt_reaper_wait(pid, timeout_ms, wstatus);
}

static int svc_default_setup_stdio(struct ktinit_ctx *ctx)
{
	return kt_stdio_fwd_start(&CORE(ctx)->fwd, &CORE(ctx)->ch);
}

static void svc_drain_stdio(struct ktinit_ctx *ctx)
{
	struct kt_core *core = CORE(ctx);
	long ms = kt_config_long(&core->cfg, "init", "stdio_drain_ms", 2000, 0,
				 600000, kt_core_diag, core);

	kt_stdio_fwd_drain(&core->fwd, (int)ms);
}

static void svc_send_exit(struct ktinit_ctx *ctx, uint32_t type, int code)
{
	struct kt_core *core = CORE(ctx);
	uint8_t buf[4];
	char line[64];
	int err;

	ktinit_put_le32(buf, (uint32_t)code);
	err = kt_channel_send(&core->ch, type, buf, sizeof(buf));
	if (err && err != -ENODEV)
		kt_core_log(core, KTINIT_LOG_ERR, "sending %s frame: %s",
			    ktinit_frame_type_name(type), strerror(-err));
	snprintf(line, sizeof(line), "ktinit: exit code %d", code);
	kt_channel_com2(&core->ch, line);
}

static void svc_default_report_exit(struct ktinit_ctx *ctx, int code)
{
	svc_drain_stdio(ctx);
	svc_send_exit(ctx, KTINIT_FRAME_EXIT, code);
}

static int svc_path(struct ktinit_ctx *ctx, const char *guest_path, char *buf,
		    size_t len)
{
	int n = snprintf(buf, len, "%s%s", CORE(ctx)->root, guest_path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

const struct ktinit_services kt_services = {
	.abi = KTINIT_MODE_ABI_VERSION,
	.config_get = svc_config_get,
	.config_long = svc_config_long,
	.cmdline_get = svc_cmdline_get,
	.log = svc_log,
	.com2 = svc_com2,
	.frame_send = svc_frame_send,
	.life = svc_life,
	.spawn = svc_spawn,
	.wait = svc_wait,
	.default_setup_stdio = svc_default_setup_stdio,
	.drain_stdio = svc_drain_stdio,
	.send_exit = svc_send_exit,
	.default_report_exit = svc_default_report_exit,
	.path = svc_path,
};
