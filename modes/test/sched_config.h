/* test mode: the scheduler's [test] keys and /sched_args. */
#ifndef KT_TEST_SCHED_CONFIG_H
#define KT_TEST_SCHED_CONFIG_H

#include <ktinit/mode.h>

#include "payload.h"

#define TM_SCHED_ARGS_FILE "/sched_args"

enum tm_attach {
	TM_ATTACH_AUTO, /* check only when sched_ext_root exists at start */
	TM_ATTACH_YES,  /* always check */
	TM_ATTACH_NO,   /* never check */
};

enum tm_on_death {
	TM_DEATH_FAIL,     /* stop the payload, exit code 118 */
	TM_DEATH_CONTINUE, /* report it, let the payload finish, keep its code */
};

struct tm_sched_cfg {
	struct tm_argv argv;         /* argc 0: no scheduler configured */
	const char *argv_from;       /* "/sched_args" or "[test] scheduler" */
	const char *sched_cgroup;    /* NULL, or relative to /sys/fs/cgroup */
	const char *workload_cgroup; /* NULL, or relative to /sys/fs/cgroup */
	enum tm_attach attach;
	int attach_timeout_ms;
	const char *sched_ext_root;  /* guest path */
	enum tm_on_death on_death;
	const char *log_path;        /* guest path of the scheduler's log */
	int stop_grace_ms;
	const char *trace_events;    /* NULL or blank-separated sys:event */
};

/* Fill cfg from [test] and /sched_args (which, when it exists, wins over
 * [test] scheduler and scheduler_args). Strings live as long as the
 * config. Returns 0, or -EINVAL/-ENOMEM/-errno after saying what is
 * wrong and where. Free with tm_sched_cfg_free() either way. */
int tm_sched_cfg_load(struct ktinit_ctx *ctx, struct tm_sched_cfg *cfg);
void tm_sched_cfg_free(struct tm_sched_cfg *cfg);

/* Parsers for the enumerated keys. Return 0, or -EINVAL. */
int tm_attach_parse(const char *s, enum tm_attach *out);
int tm_on_death_parse(const char *s, enum tm_on_death *out);

#endif
