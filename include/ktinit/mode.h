/* ktinit - the mode plugin ABI.
 *
 * A mode is a shared object that exports one data symbol, `ktinit_mode`
 * (KTINIT_MODE_SYMBOL), of type `const struct ktinit_mode_ops`. The core
 * dlopen()s `<plugin_dir>/<mode>.so`, reads `abi` before it trusts any other
 * field, refuses a different major version, and then calls the hooks:
 *
 *   setup_stdio(ctx)         NULL: ctx->svc->default_setup_stdio
 *   code = run(ctx)          required
 *   report_exit(ctx, code)   NULL: ctx->svc->default_report_exit
 *
 * The core hands the plugin every service it may use through ctx->svc, so a
 * plugin links against nothing of the init binary and a unit test can drive
 * it with a fake services table. No work belongs in DSO constructors: they
 * run before the core has checked the ABI.
 *
 * Build a third-party mode with `pkg-config --cflags ktinit` and install it
 * as `<plugin_dir>/<name>.so`; see modes/test for a complete example.
 */
#ifndef KTINIT_MODE_H
#define KTINIT_MODE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ktinit/frame.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KTINIT_MODE_ABI_MAJOR 1
#define KTINIT_MODE_ABI_MINOR 0
#define KTINIT_MODE_ABI_VERSION \
	((uint32_t)KTINIT_MODE_ABI_MAJOR << 16 | KTINIT_MODE_ABI_MINOR)
#define KTINIT_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define KTINIT_ABI_MINOR_OF(v) ((uint32_t)(v)&0xffffu)

#define KTINIT_MODE_SYMBOL "ktinit_mode"
/* Mark the one exported object; build plugins with -fvisibility=hidden. */
#define KTINIT_MODE_EXPORT __attribute__((visibility("default")))

/* Exit codes the core and the bundled modes report (EXIT frame payload). */
enum ktinit_exit_code {
	KTINIT_EXIT_SILENT_NOOP = 64,  /* disk_template: mkfs "succeeded" but wrote nothing */
	KTINIT_EXIT_IO = 74,           /* disk_template: fsync or reading the magic back failed */
	KTINIT_EXIT_SCHED_DIED = 118,  /* test: scheduler died during the payload */
	KTINIT_EXIT_SCHED_NOT_ATTACHED = 119, /* test: scheduler never attached */
	KTINIT_EXIT_FATAL = 120,       /* core: boot could not proceed (sentinel, mounts) */
	KTINIT_EXIT_TIMEOUT = 124,     /* test: payload exceeded [test] timeout_s */
	KTINIT_EXIT_SETUP = 125,       /* a mode could not start its payload (no /args, bad config) */
	KTINIT_EXIT_BAD_PLUGIN = 126,  /* plugin refused: ABI, symbol, permissions, dlopen error */
	KTINIT_EXIT_NO_MODE = 127,     /* no such mode, or an invalid mode name */
};

enum ktinit_log_level {
	KTINIT_LOG_ERR = 3,   /* also copied to COM2 */
	KTINIT_LOG_WARN = 4,  /* also copied to COM2 */
	KTINIT_LOG_INFO = 6,
	KTINIT_LOG_DEBUG = 7,
};

struct ktinit_ctx;

/* A child for ctx->svc->spawn. Zero-initialize, then set what you need. */
struct ktinit_spawn {
	const char *const *argv;  /* argv[0]: a path, or a name looked up in PATH */
	const char *const *envp;  /* NULL: the core's environment */
	int stdin_fd;             /* fds to install as 0/1/2; -1 or 0 with  */
	int stdout_fd;            /*   use_fds == 0: inherit the core's     */
	int stderr_fd;
	int use_fds;              /* 1: the three fields above are meaningful */
	int new_pgrp;             /* 1: child leads its own process group */
	/* Non-NULL: the child starts a new session and opens this terminal as
	 * fds 0/1/2, which makes it the controlling terminal (job control). */
	const char *ctty_path;
	/* Non-NULL: a cgroup v2 directory (e.g. /sys/fs/cgroup/workload) the
	 * child joins before it execs, so it never runs outside it. */
	const char *cgroup;
};

/* Services the core offers a mode. Function pointers only; the table lives
 * as long as the process. Every call takes the ctx the hook received. */
struct ktinit_services {
	uint32_t abi; /* the core's KTINIT_MODE_ABI_VERSION */

	/* Effective value of [section] key after defaults < INI < cmdline, or
	 * def when unset. The string lives until reboot. */
	const char *(*config_get)(struct ktinit_ctx *, const char *section,
				  const char *key, const char *def);
	/* Same, parsed as a decimal integer in [min, max]; a bad value is
	 * logged with where it came from and def is returned. */
	long (*config_long)(struct ktinit_ctx *, const char *section,
			    const char *key, long def, long min, long max);
	/* Value of KEY=VALUE on the kernel command line ("" for a bare KEY),
	 * NULL when absent. The last occurrence wins. */
	const char *(*cmdline_get)(struct ktinit_ctx *, const char *key);

	/* "ktinit: <mode>: message" to the console; ERR and WARN also to COM2. */
	void (*log)(struct ktinit_ctx *, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* One line to COM2, synchronously (diagnostic blocks, verdicts). */
	void (*com2)(struct ktinit_ctx *, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

	/* Send one frame on the bulk port (serialized with every other sender;
	 * payloads above KTINIT_FRAME_MAX_PAYLOAD are split for SOUT, SERR,
	 * SCLG and DMSG). Returns 0 or -errno. Without a bulk port the bytes of
	 * SOUT/SERR/SCLG go to COM2 and other frames are dropped (-ENODEV). */
	int (*frame_send)(struct ktinit_ctx *, uint32_t type, const void *buf,
			  size_t len);
	/* A LIFE frame: phase plus an optional reason (NULL for none). */
	int (*life)(struct ktinit_ctx *, uint8_t phase, const char *reason);

	/* Start a child with the original signal mask and default dispositions.
	 * Returns its pid, or -errno. The core's reaper keeps its status for
	 * wait(); a failed exec ends the child with 127 (ENOENT) or 126. */
	pid_t (*spawn)(struct ktinit_ctx *, const struct ktinit_spawn *);
	/* Wait up to timeout_ms (-1: forever) for a child from spawn(); on
	 * success store its wait status. Returns 0, -ETIMEDOUT, or -ECHILD for
	 * a pid that spawn() did not return. Every other child is reaped and
	 * forgotten meanwhile. */
	int (*wait)(struct ktinit_ctx *, pid_t pid, int timeout_ms, int *wstatus);

	/* The default stdio: 0 = /dev/null, 1 and 2 = pipes whose bytes the core
	 * forwards as SOUT/SERR frames. Returns 0 or -errno. */
	int (*default_setup_stdio)(struct ktinit_ctx *);
	/* Close the core's ends of the stdio pipes and forward what is left,
	 * waiting at most [init] stdio_drain_ms for writers that linger. */
	void (*drain_stdio)(struct ktinit_ctx *);
	/* Send an exit frame (EXIT or EXCX) with code and write
	 * "ktinit: exit code N" to COM2. */
	void (*send_exit)(struct ktinit_ctx *, uint32_t frame_type, int code);
	/* drain_stdio + send_exit(EXIT, code). */
	void (*default_report_exit)(struct ktinit_ctx *, int code);

	/* Map an absolute guest path ("/args") to where it lives under the
	 * core's root (tests run the core against a temporary tree). Returns 0
	 * or -ENAMETOOLONG. */
	int (*path)(struct ktinit_ctx *, const char *guest_path, char *buf,
		    size_t len);
};

struct ktinit_ctx {
	const struct ktinit_services *svc;
	const struct ktinit_mode_ops *mode;
	void *mode_data; /* the mode's own; the core never touches it */
	void *core;      /* the core's own */
};

/* Mode flags. */
#define KTINIT_MODE_F_NO_INIT_LIFE 0x1u /* skip LIFE InitStarted (shell mode) */

struct ktinit_mode_ops {
	uint32_t abi;          /* KTINIT_MODE_ABI_VERSION; first, always */
	const char *name;      /* must equal the file's base name */
	const char *summary;   /* one line for --list-modes */
	/* Keys this mode reads from its [name] section, NULL-terminated; the
	 * core warns about any other key there with file:line. NULL: no check. */
	const char *const *config_keys;
	uint32_t flags;        /* KTINIT_MODE_F_* */
	int (*setup_stdio)(struct ktinit_ctx *);
	int (*run)(struct ktinit_ctx *);
	void (*report_exit)(struct ktinit_ctx *, int code);
};

/* The exit code a shell would report for a wait status: the code for a
 * normal exit, 128+N for death by signal N. */
static inline int ktinit_wstatus_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

#ifdef __cplusplus
}
#endif
#endif
