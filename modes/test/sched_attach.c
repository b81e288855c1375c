#include "sched_attach.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "say.h"

/* sysfs has no change notification for root/ops: look again this often,
 * sleeping in ctx->svc->wait on the scheduler meanwhile. */
#define POLL_MS 20

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tm_attach_wanted(struct ktinit_ctx *ctx, const struct tm_sched_cfg *cfg)
{
	char root[PATH_MAX];

	if (cfg->attach != TM_ATTACH_AUTO)
		return cfg->attach == TM_ATTACH_YES;
	if (ctx->svc->path(ctx, cfg->sched_ext_root, root, sizeof(root)))
		return 0;
	if (dir_exists(root))
		return 1;
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "%s absent: not checking that the "
		      "scheduler attaches ([test] require_attach = auto)",
		      cfg->sched_ext_root);
	return 0;
}

/* The ops name when path holds one, trailing blanks cut; "" otherwise. */
static void read_ops(const char *path, char *name, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = -1;

	name[0] = '\0';
	if (fd < 0)
		return;
	do
		r = read(fd, name, len - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r <= 0)
		r = 0;
	name[r] = '\0';
	while (r > 0 && strchr(" \t\r\n", name[r - 1]))
		name[--r] = '\0';
}

static void timed_out(const struct tm_sched_cfg *cfg, const char *root,
		      const char *ops, char *reason, size_t len)
{
	if (!dir_exists(root))
		snprintf(reason, len, "sched_ext sysfs absent at %s",
			 cfg->sched_ext_root);
	else
		snprintf(reason, len, "timed out after %d ms: %s/root/ops %s",
			 cfg->attach_timeout_ms, cfg->sched_ext_root,
			 access(ops, F_OK) ? "does not exist" : "is still empty");
}

int tm_attach_wait(struct ktinit_ctx *ctx, struct tm_sched *s, char *reason,
		   size_t len)
{
	const struct tm_sched_cfg *cfg = s->cfg;
	long long deadline = tm_now_ms() + cfg->attach_timeout_ms;
	char root[PATH_MAX], ops[PATH_MAX + 16], name[128], how[64];
	int st;

	if (ctx->svc->path(ctx, cfg->sched_ext_root, root, sizeof(root))) {
		snprintf(reason, len, "[test] sched_ext_root is too long");
		return 1;
	}
	snprintf(ops, sizeof(ops), "%s/root/ops", root);
	/* The kernel creates /sys/kernel/sched_ext at boot or never: waiting
	 * for it would only delay the verdict. A root elsewhere (a test's
	 * fake) may still be created by the scheduler itself. */
	if (strncmp(cfg->sched_ext_root, "/sys/", 5) == 0 && !dir_exists(root)) {
		snprintf(reason, len, "sched_ext sysfs absent at %s (kernel "
			 "without CONFIG_SCHED_CLASS_EXT?)", cfg->sched_ext_root);
		return 1;
	}
	for (;;) {
		long long left;
		int err;

		read_ops(ops, name, sizeof(name));
		if (name[0]) {
			ctx->svc->log(ctx, KTINIT_LOG_INFO, "scheduler %s attached "
				      "as \"%s\" after %lld ms", s->name, name,
				      tm_now_ms() - s->started_ms);
			return 0;
		}
		left = deadline - tm_now_ms();
		if (left <= 0)
			break;
		err = ctx->svc->wait(ctx, s->pid, left < POLL_MS ? (int)left : POLL_MS,
				     &st);
		if (err == 0) {
			s->exited = 1;
			s->status = st;
			snprintf(reason, len, "scheduler %s before attaching",
				 tm_status_text(st, how, sizeof(how)));
			return 1;
		}
		if (err != -ETIMEDOUT) {
			snprintf(reason, len, "waiting for the scheduler: %s",
				 strerror(-err));
			return 1;
		}
	}
	timed_out(cfg, root, ops, reason, len);
	return 1;
}
