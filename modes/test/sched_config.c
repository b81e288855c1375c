#include "sched_config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "say.h"

int tm_attach_parse(const char *s, enum tm_attach *out)
{
	static const char *const names[] = { "auto", "yes", "no" };

	for (int i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum tm_attach)i;
			return 0;
		}
	}
	return -EINVAL;
}

int tm_on_death_parse(const char *s, enum tm_on_death *out)
{
	if (strcmp(s, "fail") == 0)
		*out = TM_DEATH_FAIL;
	else if (strcmp(s, "continue") == 0)
		*out = TM_DEATH_CONTINUE;
	else
		return -EINVAL;
	return 0;
}

/* NULL for an unset or empty key, so callers test one thing. */
static const char *get(struct ktinit_ctx *ctx, const char *key,
		       const char *def)
{
	const char *v = ctx->svc->config_get(ctx, "test", key, def);

	return v && *v ? v : NULL;
}

static int read_sched_args(struct ktinit_ctx *ctx, struct tm_sched_cfg *cfg,
			   const char *path)
{
	int err = tm_argv_read(path, &cfg->argv);

	cfg->argv_from = TM_SCHED_ARGS_FILE;
	if (err == -ENODATA || (!err && !cfg->argv.argv[0][0])) {
		tm_say(ctx, "%s: the first line must be the scheduler's path, "
			    "and it is empty", TM_SCHED_ARGS_FILE);
		return -EINVAL;
	}
	if (err)
		tm_say(ctx, "%s: %s", TM_SCHED_ARGS_FILE, strerror(-err));
	return err;
}

static int load_argv(struct ktinit_ctx *ctx, struct tm_sched_cfg *cfg)
{
	const char *sched = get(ctx, "scheduler", NULL);
	char path[PATH_MAX];
	int err;

	err = ctx->svc->path(ctx, TM_SCHED_ARGS_FILE, path, sizeof(path));
	if (!err && access(path, F_OK) == 0)
		return read_sched_args(ctx, cfg, path);
	if (!sched)
		return 0;
	cfg->argv_from = "[test] scheduler";
	err = tm_argv_words(sched, get(ctx, "scheduler_args", NULL), &cfg->argv);
	if (err)
		tm_say(ctx, "[test] scheduler: %s", strerror(-err));
	return err;
}

static int load_enums(struct ktinit_ctx *ctx, struct tm_sched_cfg *cfg)
{
	const char *attach = get(ctx, "require_attach", "auto");
	const char *death = get(ctx, "on_scheduler_death", "fail");

	if (!attach || tm_attach_parse(attach, &cfg->attach)) {
		tm_say(ctx, "[test] require_attach = %s: expected auto, yes or no",
		       attach ? attach : "");
		return -EINVAL;
	}
	if (!death || tm_on_death_parse(death, &cfg->on_death)) {
		tm_say(ctx, "[test] on_scheduler_death = %s: expected fail or "
			    "continue", death ? death : "");
		return -EINVAL;
	}
	return 0;
}

int tm_sched_cfg_load(struct ktinit_ctx *ctx, struct tm_sched_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sched_cgroup = get(ctx, "scheduler_cgroup", NULL);
	cfg->workload_cgroup = get(ctx, "workload_cgroup", NULL);
	cfg->sched_ext_root = get(ctx, "sched_ext_root", "/sys/kernel/sched_ext");
	cfg->log_path = get(ctx, "scheduler_log", "/tmp/sched.log");
	cfg->trace_events = get(ctx, "trace_events", NULL);
	cfg->attach_timeout_ms = (int)ctx->svc->config_long(
		ctx, "test", "attach_timeout_ms", 10000, 0, 3600000);
	cfg->stop_grace_ms = (int)ctx->svc->config_long(
		ctx, "test", "stop_grace_ms", 2000, 0, 600000);
	if (!cfg->sched_ext_root || !cfg->log_path) {
		tm_say(ctx, "[test] %s is empty", cfg->log_path ?
		       "sched_ext_root" : "scheduler_log");
		return -EINVAL;
	}
	if (load_enums(ctx, cfg))
		return -EINVAL;
	return load_argv(ctx, cfg);
}

void tm_sched_cfg_free(struct tm_sched_cfg *cfg)
{
	tm_argv_free(&cfg->argv);
}
