/* disk_template mode: format the test disk inside the guest and prove it.
 *
 * mkfs.btrfs runs under the kernel being tested, so that kernel stays the
 * authority on its own on-disk format (DESIGN.md section 7). The steps, each
 * stopping the run when it fails: read the config, find the device, check
 * mkfs, run `mkfs -f ARGS DEVICE`, fsync the device, read the superblock
 * magic back. Then one diagnostic block goes to COM2 and the code to the
 * core, which drains stdio and sends it in the EXIT frame. */
#ifdef HAVE_CONFIG_H
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktinit/mode.h>

#include "btrfs_magic.h"
#include "device.h"
#include "diag.h"
#include "mkfs_run.h"
#include "verdict.h"

#define DT_SECTION "disk_template"
#define DT_DEFAULT_MKFS "/bin/mkfs.btrfs"
#define DT_DEFAULT_DEVICE "/dev/vda"
#define DT_DEFAULT_TIMEOUT_S 120
#define DT_MAX_TIMEOUT_S 86400
#define DT_MAX_ARGS 32
/* How long a device whose sysfs entry exists may take to get its node. */
#define DT_SETTLE_MS 2000

static const char *const dt_config_keys[] = { "mkfs", "device", "args",
					      "timeout_s", NULL };

/* Everything one run needs; on the heap, the captured output is large. */
struct dt_state {
	char device[PATH_MAX];    /* the device as this process opens it */
	char sysfs_guest[PATH_MAX];
	char sysfs[PATH_MAX];
	char mkfs[PATH_MAX];      /* argv[0] as spawned */
	char args[1024];          /* [disk_template] args, split in place */
	const char *argv[DT_MAX_ARGS + 4];
	char command[2048];       /* the command line in guest terms */
	char setup_err[512];
	struct dt_facts f;
	struct dt_mkfs_result res;
	char verdict[1024];
	char diag[DT_DIAG_MAX];
};

__attribute__((format(printf, 2, 3)))
static int setup_fail(struct dt_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->setup_err, sizeof(st->setup_err), fmt, ap);
	va_end(ap);
	st->f.setup_err = st->setup_err;
	return -EINVAL;
}

static int map_path(struct ktinit_ctx *ctx, struct dt_state *st,
		    const char *key, const char *guest, char *buf, size_t len)
{
	if (guest[0] != '/')
		return setup_fail(st, "[" DT_SECTION "] %s: '%s' is not an absolute path",
				  key, guest);
	if (ctx->svc->path(ctx, guest, buf, len) < 0)
		return setup_fail(st, "[" DT_SECTION "] %s: '%s': path too long",
				  key, guest);
	return 0;
}

/* argv = mkfs -f ARGS... DEVICE, and the same in guest terms for messages. */
static int build_argv(struct dt_state *st, const char *guest_mkfs,
		      const char *args)
{
	size_t n = 0, i, used = 0;
	char *save = NULL, *tok;
	int w;

	if (snprintf(st->args, sizeof(st->args), "%s", args) >=
	    (int)sizeof(st->args))
		return setup_fail(st, "[" DT_SECTION "] args: longer than %zu bytes",
				  sizeof(st->args) - 1);
	st->argv[n++] = st->mkfs;
	st->argv[n++] = "-f";
	for (tok = strtok_r(st->args, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n - 2 == DT_MAX_ARGS)
			return setup_fail(st, "[" DT_SECTION "] args: more than %d arguments",
					  DT_MAX_ARGS);
		st->argv[n++] = tok;
	}
	st->argv[n++] = st->device;
	st->argv[n] = NULL;

	for (i = 0; i < n; i++) {
		const char *a = i == 0 ? guest_mkfs
				: i == n - 1 ? st->f.device
					     : st->argv[i];

		w = snprintf(st->command + used, sizeof(st->command) - used,
			     "%s%s", i ? " " : "", a);
		if (w < 0 || (size_t)w >= sizeof(st->command) - used)
			break; /* display only: a cut command line is fine */
		used += (size_t)w;
	}
	st->f.command = st->command;
	return 0;
}

static int load_config(struct ktinit_ctx *ctx, struct dt_state *st)
{
	const struct ktinit_services *svc = ctx->svc;
	const char *mkfs, *device, *args, *name;
	int rc;

	mkfs = svc->config_get(ctx, DT_SECTION, "mkfs", DT_DEFAULT_MKFS);
	device = svc->config_get(ctx, DT_SECTION, "device", DT_DEFAULT_DEVICE);
	args = svc->config_get(ctx, DT_SECTION, "args", "");
	st->f.timeout_s = svc->config_long(ctx, DT_SECTION, "timeout_s",
					   DT_DEFAULT_TIMEOUT_S, 1,
					   DT_MAX_TIMEOUT_S);
	st->f.mkfs = mkfs;
	st->f.device = device;

	rc = map_path(ctx, st, "device", device, st->device, sizeof(st->device));
	if (rc < 0)
		return rc;
	name = strrchr(device, '/') + 1;
	if (!*name)
		return setup_fail(st, "[" DT_SECTION "] device: '%s' names a directory",
				  device);
	if (snprintf(st->sysfs_guest, sizeof(st->sysfs_guest),
		     "/sys/class/block/%s", name) >= (int)sizeof(st->sysfs_guest))
		return setup_fail(st, "[" DT_SECTION "] device: '%s': name too long",
				  device);
	st->f.sysfs = st->sysfs_guest;
	rc = map_path(ctx, st, "device", st->sysfs_guest, st->sysfs,
		      sizeof(st->sysfs));
	if (rc < 0)
		return rc;

	/* A bare name is looked up in PATH by spawn(); a path is ours to map. */
	if (!*mkfs)
		return setup_fail(st, "[" DT_SECTION "] mkfs: empty");
	rc = 0;
	if (strchr(mkfs, '/'))
		rc = map_path(ctx, st, "mkfs", mkfs, st->mkfs, sizeof(st->mkfs));
	else if (snprintf(st->mkfs, sizeof(st->mkfs), "%s", mkfs) >=
		 (int)sizeof(st->mkfs))
		rc = setup_fail(st, "[" DT_SECTION "] mkfs: name too long");
	if (rc < 0)
		return rc;
	return build_argv(st, mkfs, args);
}

/* The steps; each one that fails leaves its facts and ends the run. */
static void dt_steps(struct ktinit_ctx *ctx, struct dt_state *st)
{
	struct dt_facts *f = &st->f;
	int rc;

	if (load_config(ctx, st) < 0)
		return;

	dt_device_probe(st->device, st->sysfs, DT_SETTLE_MS, &f->dev);
	if (!dt_device_usable(&f->dev))
		return;

	f->mkfs_err = dt_mkfs_check(st->mkfs);
	if (f->mkfs_err)
		return;

	ctx->svc->log(ctx, KTINIT_LOG_INFO, "running %s", st->command);
	if (ctx->svc->life)
		ctx->svc->life(ctx, KTINIT_LIFE_PAYLOAD_STARTING, st->command);
	dt_mkfs_run(ctx, st->argv, (int)(f->timeout_s * 1000), &st->res);
	f->run = &st->res;
	if (!dt_mkfs_succeeded(&st->res))
		return;

	f->flushed = 1;
	rc = dt_device_flush(st->device, &f->flush_op);
	f->flush_err = -rc;
	if (rc < 0)
		return;

	f->magic_read = 1;
	dt_magic_read(st->device, &f->magic);
}

/* COM2 takes one line per call. */
static void emit_block(struct ktinit_ctx *ctx, const char *block)
{
	const char *p = block, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		ctx->svc->com2(ctx, "%.*s", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static int dt_run(struct ktinit_ctx *ctx)
{
	struct dt_state *st = calloc(1, sizeof(*st));
	int code;

	if (!st) {
		ctx->svc->com2(ctx, DT_DIAG_PREFIX "verdict: FAIL (code %d): out of memory",
			       KTINIT_EXIT_SETUP);
		return KTINIT_EXIT_SETUP;
	}
	dt_steps(ctx, st);
	code = dt_verdict(&st->f, st->verdict, sizeof(st->verdict));
	dt_diag_format(&st->f, code, st->verdict, st->diag, sizeof(st->diag));
	emit_block(ctx, st->diag);
	/* INFO, not ERR: ERR would copy the verdict to COM2 a second time. */
	ctx->svc->log(ctx, KTINIT_LOG_INFO, "%s (code %d)", st->verdict, code);
	free(st);
	return code;
}

KTINIT_MODE_EXPORT const struct ktinit_mode_ops ktinit_mode = {
	.abi = KTINIT_MODE_ABI_VERSION,
	.name = "disk_template",
	.summary = "format the virtio-blk disk with mkfs.btrfs and check the superblock",
	.config_keys = dt_config_keys,
	.flags = 0,
	.setup_stdio = NULL, /* the core's: SOUT/SERR pipes */
	.run = dt_run,
	.report_exit = NULL, /* the core's: drain stdio, then EXIT */
};
