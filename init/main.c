/* ktinit: PID 1 for kernel and scheduler test VMs. main() is the boot
 * sequence of DESIGN.md section 2; every path ends in finish(). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "crash.h"
#include "fdio.h"
#include "kmod.h"
#include "mounts.h"
#include "path_env.h"
#include "plugin_load.h"
#include "services.h"
#include "spawn.h"

static struct kt_core core;

static void finish(int code) __attribute__((noreturn));

static const char *cfg(const char *section, const char *key, const char *def)
{
	return kt_config_get(&core.cfg, section, key, def);
}

static long cfg_long(const char *section, const char *key, long def, long min,
		     long max)
{
	return kt_config_long(&core.cfg, section, key, def, min, max,
			      kt_core_diag, &core);
}

/* Block every signal but the synchronous faults, so nothing interrupts
 * PID 1 asynchronously; SIGCHLD is collected with sigtimedwait by the
 * reaper. TTIN/TTOU are ignored so a debug write never stops PID 1. */
static void setup_signals(void)
{
	sigset_t all, orig;
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				      SIGABRT, SIGTRAP, SIGSYS };

	sigfillset(&all);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(&all, faults[i]);
	sigprocmask(SIG_SETMASK, &all, &orig);
	kt_spawn_set_orig_mask(&orig);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
}

static void report_mount(void *arg, int required, const char *msg)
{
	kt_core_log(arg, required ? KTINIT_LOG_ERR : KTINIT_LOG_DEBUG, "%s", msg);
}

static void mount_filesystems(void)
{
	kt_crash_set_phase("mount");
	if (kt_mount_all(core.root, report_mount, &core) > 0)
		kt_core_log(&core, KTINIT_LOG_ERR,
			    "required filesystems missing; carrying on to report");
	kt_channel_open_serial(&core.ch, "/dev/ttyS0", "/dev/ttyS1");
	kt_crash_set_fds(core.ch.com1_fd, core.ch.com2_fd);
}

/* Packer-generated snippets first (every .ini in /etc/ktinit.d, sorted), so the
 * user's file overrides them. */
static void load_config_dir(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		char path[PATH_MAX];

		if (len > 4 && strcmp(name + len - 4, ".ini") == 0 &&
		    snprintf(path, sizeof(path), "%s/%s", dir, name) <
			    (int)sizeof(path))
			kt_config_load_file(&core.cfg, path, kt_core_diag, &core);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static void read_config(void)
{
	const char *path;
	int err, level;

	kt_crash_set_phase("config");
	err = kt_cmdline_read("/proc/cmdline", &core.cmdline);
	if (err)
		kt_core_log(&core, KTINIT_LOG_WARN, "/proc/cmdline: %s",
			    strerror(-err));
	load_config_dir(KT_DEFAULT_CONFIG_DIR);
	path = kt_cmdline_get(&core.cmdline, "ktinit.config");
	err = kt_config_load_file(&core.cfg, path ? path : KT_DEFAULT_CONFIG,
				  kt_core_diag, &core);
	if (err && (path || err != -ENOENT))
		kt_core_log(&core, KTINIT_LOG_WARN, "%s: %s",
			    path ? path : KT_DEFAULT_CONFIG, strerror(-err));
	kt_config_apply_cmdline(&core.cfg, &core.cmdline, kt_core_diag, &core);
	level = kt_log_level_parse(cfg("init", "log_level", "info"));
	if (level < 0)
		kt_core_log(&core, KTINIT_LOG_WARN,
			    "[init] log_level: '%s' is not err|warn|info|debug",
			    cfg("init", "log_level", ""));
	else
		core.log_level = level;
	kt_check_core_keys(&core.cfg, kt_core_diag, &core);
}

static void report_kmod(void *arg, const char *msg)
{
	kt_core_log(arg, KTINIT_LOG_WARN, "%s", msg);
}

static void load_modules(void)
{
	const char *list = cfg("modules", "load", NULL);

	kt_crash_set_phase("modules");
	if (list)
		kt_kmod_load_list(cfg("modules", "dir", KT_DEFAULT_MODULE_DIR),
				  list, report_kmod, &core);
}

static void open_bulk_port(void)
{
	const char *port = cfg("stdio", "bulk_port", KT_DEFAULT_BULK_PORT);
	int err;

	kt_crash_set_phase("bulk-port");
	core.ch.chunk = (size_t)cfg_long("stdio", "chunk_bytes", 65536, 1,
					 KTINIT_FRAME_MAX_PAYLOAD);
	err = kt_channel_open_bulk(&core.ch, port,
				   (int)cfg_long("stdio", "wait_ms", 5000, 0,
						 600000));
	if (err) {
		kt_core_log(&core, KTINIT_LOG_ERR,
			    "bulk port %s: %s; output goes to COM2 unframed",
			    port, strerror(-err));
		return;
	}
	kt_channel_send(&core.ch, KTINIT_FRAME_SRDY, NULL, 0);
}

/* The archive was cut short: say so everywhere we can, with the kernel's
 * own account, and give up. */
static void fatal_unpacked(const char *sentinel)
{
	char *log;
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);

	kt_core_log(&core, KTINIT_LOG_ERR,
		    "FATAL: %s missing: the initramfs was not fully unpacked "
		    "(too large for memory, or truncated?)", sentinel);
	if (len > 0 && (log = malloc((size_t)len)) != NULL) {
		len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
		if (len > 0) {
			if (core.ch.com2_fd >= 0)
				kt_write_all(core.ch.com2_fd, log, (size_t)len);
			kt_channel_send(&core.ch, KTINIT_FRAME_DMSG, log,
					(size_t)len);
		}
		free(log);
	}
	kt_services.send_exit(&core.ctx, KTINIT_FRAME_EXIT, KTINIT_EXIT_FATAL);
	finish(KTINIT_EXIT_FATAL);
}

static void check_sentinel(void)
{
	const char *sentinel = cfg("init", "sentinel", KT_DEFAULT_SENTINEL);

	if (access(sentinel, F_OK) != 0)
		fatal_unpacked(sentinel);
}

static void setup_environment(void)
{
	char *path = kt_path_build(core.root, "/include-files", KT_PATH_SYSTEM);

	if (path) {
		setenv("PATH", path, 1);
		free(path);
	} else {
		setenv("PATH", KT_PATH_SYSTEM, 1);
	}
	setenv("KTSTR_GUEST_INIT", "1", 1);
	setenv("HOME", "/root", 0);
	kt_core_log(&core, KTINIT_LOG_DEBUG, "PATH=%s", getenv("PATH"));
}

static int report_refusal(int code, const char *msg)
{
	kt_core_log(&core, KTINIT_LOG_ERR, "%s", msg);
	kt_services.send_exit(&core.ctx, KTINIT_FRAME_EXIT, code);
	return code;
}

/* Steps 9-12: load the mode and let it run; returns the exit code, which
 * has been reported to the host by then. */
static int run_mode(void)
{
	const char *dir = cfg("init", "plugin_dir", KT_DEFAULT_PLUGIN_DIR);
	const char *name = cfg("init", "mode", KT_DEFAULT_MODE);
	const struct ktinit_mode_ops *ops;
	struct ktinit_ctx *ctx = &core.ctx;
	struct kt_plugin plugin;
	char msg[PATH_MAX + 512];
	int code;

	kt_crash_set_phase("load-mode");
	code = kt_plugin_load(dir, name, &plugin, msg, sizeof(msg));
	if (code)
		return report_refusal(code, msg);
	ops = plugin.ops;
	ctx->mode = ops;
	core.mode_name = ops->name;
	kt_crash_set_mode(ops->name);
	if (ops->config_keys)
		kt_config_check_keys(&core.cfg, ops->name, ops->config_keys,
				     kt_core_diag, &core);

	kt_crash_set_phase("setup-stdio");
	code = ops->setup_stdio ? ops->setup_stdio(ctx) :
				  kt_services.default_setup_stdio(ctx);
	if (code < 0) {
		kt_core_log(&core, KTINIT_LOG_ERR, "stdio setup failed: %s",
			    strerror(-code));
		code = KTINIT_EXIT_SETUP;
	} else {
		if (!(ops->flags & KTINIT_MODE_F_NO_INIT_LIFE))
			kt_services.life(ctx, KTINIT_LIFE_INIT_STARTED, NULL);
		kt_crash_set_phase("run");
		code = ops->run(ctx);
	}

	kt_crash_set_phase("report-exit");
	if (ops->report_exit)
		ops->report_exit(ctx, code);
	else
		kt_services.default_report_exit(ctx, code);
	return code;
}

/* Step 13. PID 1 never returns: sync, then reboot or power off. With
 * -no-reboot either ends QEMU. Should reboot() fail, exiting PID 1 panics
 * the kernel, which panic=-1 turns into the same. */
static void finish(int code)
{
	int poweroff = strcmp(cfg("init", "on_exit", "reboot"), "poweroff") == 0;

	kt_crash_set_phase("reboot");
	sync();
	reboot(poweroff ? RB_POWER_OFF : RB_AUTOBOOT);
	kt_core_log(&core, KTINIT_LOG_ERR, "reboot: %s", strerror(errno));
	_exit(code & 0xff);
}

int main(int argc, char **argv)
{
	if (getpid() != 1)
		return kt_cli_main(argc, argv); /* 1. a normal command */

	kt_crash_set_reboot(1);             /* 2. crash arm, signals */
	kt_crash_arm();
	setup_signals();
	kt_core_init(&core, "");
	mount_filesystems();                /* 3. /proc, /sys, /dev, ... */
	read_config();                      /* 5. cmdline + INI */
	load_modules();                     /* 6. [modules] load */
	open_bulk_port();                   /* 7. wait for port, SRDY */
	check_sentinel();                   /* 4. after 5-7: to report on */
	setup_environment();                /* 8. PATH, KTSTR_GUEST_INIT */
	finish(run_mode());                 /* 9-13. mode, report, reboot */
}
