/* ktinit-run - boot a ktinit initramfs under QEMU and relay the guest.
 *
 * Packs (or takes) a base initramfs, appends a per-run overlay with the
 * payload and the files named on the command line, boots the kernel under
 * QEMU and decodes the bulk-port frames live (DESIGN sections 5 and 8):
 * SOUT to stdout, SERR to stderr, lifecycle frames as progress lines, and
 * the EXIT frame as this program's exit status.
 *
 * Modes beyond the default test payload:
 *   --exec CMD           shell mode, one command: hvc0 is copied to stdout
 *   --shell              shell mode, interactive: the terminal is proxied
 *                        to hvc0 in raw mode (run_term.c)
 *   --disk-template IMG  disk_template mode on a staging file that is
 *                        renamed to IMG once the host saw the btrfs magic
 *                        (run_disk.c)
 *   --scheduler PATH     test mode with a scheduler (/sched_args)
 *
 * Exit status:
 *   0-255  the guest's EXIT (or EXCX) code, its low 8 bits
 *   64     --disk-template: the guest said 0 but the host found no magic
 *   74     --disk-template: the image could not be published (fsync, rename)
 *   130    --shell: Ctrl-A x
 *   240    timeout: QEMU was killed after --timeout seconds
 *   241    QEMU ended without an EXIT frame (kernel panic, init crash)
 *   242    host-side error: usage, ktinit-pack failure, QEMU would not
 *          start or died on its own with an error
 *   128+N  interrupted by signal N (SIGINT, SIGTERM, SIGHUP, SIGQUIT);
 *          QEMU killed
 */
/* Autoconf passes _GNU_SOURCE and PACKAGE_VERSION in DEFS. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ktinit/frame.h>

#include "fdio.h"
#include "run_disk.h"
#include "run_term.h"
#include "term_name.h"
#include "run_util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef KTINIT_BINDIR
#define KTINIT_BINDIR "/usr/local/bin"
#endif

enum {
	RUN_EXIT_QUIT = 130,     /* --shell: Ctrl-A x */
	RUN_EXIT_TIMEOUT = 240,
	RUN_EXIT_NO_EXIT = 241,
	RUN_EXIT_HOST = 242,
	RUN_EXIT_NO_MAGIC = 64,  /* --disk-template: the host saw no magic */
	RUN_EXIT_IO = 74,        /* --disk-template: publishing failed */
};

#define KILL_GRACE_MS 2000    /* SIGTERM, then SIGKILL after this */
#define REAP_GRACE_MS 5000    /* give up on a process that ignores SIGKILL */
#define AFTER_EXIT_MS 15000   /* guest powers off this soon after EXIT */
#define TAIL_LINES 20
#define IO_CHUNK 65536
#define KEYBUF 4096           /* --shell: keys on their way to hvc0 */

extern char **environ;

/* --- options --------------------------------------------------------------------- */

/* What hvc0 (the guest's console, shell mode) is connected to. */
enum hvc_use {
	HVC_NULL,               /* test and disk_template modes: unused */
	HVC_STDOUT,             /* --exec: copied to stdout */
	HVC_TERMINAL,           /* --shell: proxied to and from the terminal */
};

struct opts {
	const char *kernel;         /* NULL: ktinit-pack --print-default-kernel */
	const char *kernel_version; /* NULL: from the kernel's file name */
	const char *initramfs;      /* NULL: pack a base into the run dir */
	const char *config;
	struct strv includes;
	const char *mode;
	struct strv appends;
	unsigned long timeout_s, memory_mb, smp; /* timeout 0: none */
	int timeout_given;
	int kvm, console, verbose, keep;
	const char *log_dir;        /* NULL: the run dir */
	char **cmd;                 /* payload argv (after --), may be empty */
	int ncmd;
	const char *exec_cmd;       /* --exec: shell mode, one command */
	int shell;                  /* --shell: shell mode, interactive */
	const char *disk_template;  /* --disk-template IMAGE */
	uint64_t disk_size;         /* --size, for --disk-template */
	int size_given;
	const char *disk;           /* --disk PATH: attached as is */
	const char *scheduler;      /* --scheduler PATH */
	struct strv sched_args;     /* --scheduler-arg, in order */
	/* Derived by check_opts(). */
	const char *boot_mode;      /* ktinit.mode= on the cmdline, or NULL */
	enum hvc_use hvc;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options] [-- CMD [ARGS...]]\n"
		"       " PROG " [options] --exec 'SHELL COMMAND'\n"
		"       " PROG " [options] --shell\n"
		"       " PROG " [options] --disk-template IMAGE [--size SIZE]\n"
		"\n"
		"Boot a kernel under QEMU with the ktinit init, run CMD in the guest\n"
		"(test mode) and relay its stdout, stderr and exit code.\n"
		"\n"
		"Guest modes:\n"
		"  --exec CMD           shell mode: run `sh -c CMD` in the guest, copy\n"
		"                       its output (stdout and stderr together, no\n"
		"                       \\r) to stdout and exit with its exit code\n"
		"  --shell              shell mode: an interactive guest shell on this\n"
		"                       terminal (raw mode; its size, $TERM and\n"
		"                       $COLORTERM are passed on). `exit` ends the VM\n"
		"                       with the shell's code. Ctrl-A x force-quits\n"
		"                       (exit status 130), Ctrl-A a sends Ctrl-A,\n"
		"                       Ctrl-A h lists these. No timeout unless\n"
		"                       --timeout is given (or stdin is no terminal)\n"
		"  --disk-template IMAGE\n"
		"                       disk_template mode: format a new sparse image\n"
		"                       with mkfs.btrfs inside the guest (a staging\n"
		"                       file beside IMAGE, attached as /dev/vda),\n"
		"                       check the btrfs magic on the host, then rename\n"
		"                       it to IMAGE (replacing one that exists). On any\n"
		"                       failure IMAGE is untouched, the staging file is\n"
		"                       removed and the guest's diagnostic is printed\n"
		"  --size SIZE          size of the --disk-template image: bytes, or\n"
		"                       with K, M, G or T (binary) (default 256M)\n"
		"  --disk PATH          attach an existing raw image as /dev/vda\n"
		"                       (virtio-blk), written in place\n"
		"  --scheduler PATH     test mode: start the scheduler PATH (copied to\n"
		"                       /include-files) before the payload; its\n"
		"                       lifecycle (not attached, died, exit status) is\n"
		"                       reported on stderr and its log saved as\n"
		"                       sched.log in the log dir\n"
		"  --scheduler-arg ARG  an argument for the scheduler (repeatable)\n"
		"\n"
		"Guest and VM:\n"
		"  --kernel PATH        kernel image (default: ktinit-pack\n"
		"                       --print-default-kernel: $KTINIT_KERNEL,\n"
		"                       /boot/vmlinuz-$(uname -r), else the newest\n"
		"                       /boot/vmlinuz-*)\n"
		"  --kernel-version VER modules to pack (default: the kernel file\n"
		"                       name after \"vmlinuz-\")\n"
		"  --initramfs BASE     a prebuilt base archive (ktinit-pack\n"
		"                       --no-sentinel); default: pack one per run\n"
		"  --config FILE        guest /etc/ktinit.ini\n"
		"  --include PATH       copied to the guest's /include-files (repeatable)\n"
		"  --mode NAME          adds ktinit.mode=NAME to the kernel cmdline\n"
		"  --append STR         extra kernel command line (repeatable)\n"
		"  --timeout SEC        kill QEMU after SEC seconds; 0: never (default\n"
		"                       120; 0 with --shell on a terminal)\n"
		"  --memory MB          guest memory (default 512)\n"
		"  --smp N              guest CPUs (default 2)\n"
		"  --kvm                use KVM instead of software emulation\n"
		"  --console            show COM1 (the kernel console) on stderr too\n"
		"  --log-dir DIR        console.log (COM1), com2.log, bulk.bin (raw\n"
		"                       bulk stream), qemu.log, sched.log, dmesg.log;\n"
		"                       default: the run dir under $TMPDIR, kept and\n"
		"                       printed with -v or on failure\n"
		"  -v, --verbose        progress and lifecycle lines on stderr\n"
		"  --keep               keep the run dir (initramfs pieces, fifos)\n"
		"  -h, --help           this text\n"
		"  --version            print the version\n"
		"\n"
		"Environment: KTINIT_QEMU (QEMU binary, default qemu-system-x86_64),\n"
		"KTINIT_PACK (ktinit-pack to use), KTINIT_BINDIR, TMPDIR; with --shell\n"
		"TERM and COLORTERM (passed to the guest as KTSTR_TERM=, KTSTR_COLORTERM=).\n"
		"\n"
		"Exit status:\n"
		"  0-255  the guest's EXIT code (low 8 bits); with --exec the command's\n"
		"         code (128+N when a signal N killed it), with --shell the\n"
		"         shell's, with --disk-template 0 once IMAGE is published, else\n"
		"         the guest's code: 64 mkfs wrote no btrfs superblock, 74 I/O\n"
		"         error on the disk, 124 mkfs timed out, 125 no disk or bad\n"
		"         config, 126/127 mkfs not executable/missing, others mkfs's own;\n"
		"         with --scheduler 118 the scheduler died during the payload\n"
		"         ([test] on_scheduler_death = fail), 119 it never attached\n"
		"  64     --disk-template: the guest said 0 but the host found no magic\n"
		"  74     --disk-template: the image could not be published (fsync,\n"
		"         rename)\n"
		"  130    --shell: force-quit with Ctrl-A x\n"
		"  240    timeout: QEMU killed after --timeout seconds\n"
		"  241    QEMU ended without an EXIT frame (kernel panic, init crash)\n"
		"  242    host-side error (usage, ktinit-pack, QEMU would not start)\n"
		"  128+N  interrupted by signal N\n");
}

enum {
	OPT_KERNEL = 256, OPT_KVER, OPT_INITRAMFS, OPT_CONFIG, OPT_INCLUDE,
	OPT_MODE, OPT_APPEND, OPT_TIMEOUT, OPT_MEMORY, OPT_SMP, OPT_KVM,
	OPT_CONSOLE, OPT_LOGDIR, OPT_KEEP, OPT_VERSION, OPT_EXEC, OPT_SHELL,
	OPT_DISK_TEMPLATE, OPT_SIZE, OPT_DISK, OPT_SCHED, OPT_SCHED_ARG,
};

static const struct option long_opts[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "kernel-version", required_argument, NULL, OPT_KVER },
	{ "initramfs", required_argument, NULL, OPT_INITRAMFS },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "smp", required_argument, NULL, OPT_SMP },
	{ "kvm", no_argument, NULL, OPT_KVM },
	{ "console", no_argument, NULL, OPT_CONSOLE },
	{ "log-dir", required_argument, NULL, OPT_LOGDIR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "shell", no_argument, NULL, OPT_SHELL },
	{ "disk-template", required_argument, NULL, OPT_DISK_TEMPLATE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "scheduler", required_argument, NULL, OPT_SCHED },
	{ "scheduler-arg", required_argument, NULL, OPT_SCHED_ARG },
	{ NULL, 0, NULL, 0 },
};

static int parse_ulong(const char *opt, const char *s, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		msg("%s: '%s' is not a number in [%lu, %lu]", opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Kernel command-line words cannot hold whitespace or quotes unescaped. */
static int check_mode_name(const char *s)
{
	if (!*s || strpbrk(s, " \t\n\"'")) {
		msg("--mode: '%s' cannot go on the kernel command line", s);
		return -EINVAL;
	}
	return 0;
}

static int parse_disk_size(const char *s, struct opts *o)
{
	/* QEMU's raw block driver works in 512-byte sectors. */
	if (parse_size(s, &o->disk_size) || o->disk_size % 512 ||
	    o->disk_size > (1ULL << 50)) {
		msg("--size: '%s' is not a size (like 256M, 1G, 16777216): a "
		    "non-zero multiple of 512 bytes up to 1P", s);
		return -EINVAL;
	}
	o->size_given = 1;
	return 0;
}

/* The mode an option implies must agree with --mode. */
static int imply_mode(struct opts *o, const char *opt, const char *mode)
{
	if (o->boot_mode && strcmp(o->boot_mode, mode)) {
		msg("%s boots %s mode; it cannot be combined with %s mode",
		    opt, mode, o->boot_mode);
		return -EINVAL;
	}
	o->boot_mode = mode;
	return 0;
}

static int count_set(int a, int b, int c)
{
	return !!a + !!b + !!c;
}

/* Checked before anything is packed: a typo costs no boot. */
static int check_scheduler(const struct opts *o)
{
	struct stat st;

	if (o->exec_cmd || o->shell || o->disk_template) {
		msg("--scheduler runs in test mode, with a payload after --");
		return -EINVAL;
	}
	if (stat(o->scheduler, &st) < 0) {
		msg("--scheduler %s: %s", o->scheduler, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || access(o->scheduler, X_OK) < 0) {
		msg("--scheduler %s: not an executable file", o->scheduler);
		return -EINVAL;
	}
	return 0;
}

/* Combinations that make no sense are usage errors, said plainly. */
static int check_opts(struct opts *o)
{
	o->boot_mode = o->mode;
	if (count_set(o->exec_cmd != NULL, o->shell, o->disk_template != NULL) > 1) {
		msg("--exec, --shell and --disk-template exclude each other");
		return -EINVAL;
	}
	if (o->exec_cmd) {
		if (!o->exec_cmd[strspn(o->exec_cmd, " \t\n")]) {
			msg("--exec: the command is empty");
			return -EINVAL;
		}
		o->hvc = HVC_STDOUT;
		if (imply_mode(o, "--exec", "shell"))
			return -EINVAL;
	}
	if (o->shell) {
		o->hvc = HVC_TERMINAL;
		if (imply_mode(o, "--shell", "shell"))
			return -EINVAL;
		/* A person at a terminal takes the time they need; a script
		 * feeding stdin keeps the default bound. */
		if (!o->timeout_given && isatty(STDIN_FILENO))
			o->timeout_s = 0;
	}
	if ((o->exec_cmd || o->shell) && o->ncmd) {
		msg("%s runs no payload: drop the arguments after --",
		    o->shell ? "--shell" : "--exec");
		return -EINVAL;
	}
	if (o->disk_template) {
		if (o->disk) {
			msg("--disk-template creates the disk; --disk cannot be added");
			return -EINVAL;
		}
		if (imply_mode(o, "--disk-template", "disk_template"))
			return -EINVAL;
		if (!o->size_given)
			o->disk_size = DISK_DEFAULT_SIZE;
	} else if (o->size_given) {
		msg("--size needs --disk-template");
		return -EINVAL;
	}
	if (o->sched_args.n && !o->scheduler) {
		msg("--scheduler-arg needs --scheduler");
		return -EINVAL;
	}
	if (o->scheduler)
		return check_scheduler(o);
	return 0;
}

/* Returns 0 to run, 1 for a handled --help/--version, -1 on a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c, err = 0;

	o->timeout_s = 120;
	o->memory_mb = 512;
	o->smp = 2;
	while ((c = getopt_long(argc, argv, "+hv", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_KVER: o->kernel_version = optarg; break;
		case OPT_INITRAMFS: o->initramfs = optarg; break;
		case OPT_CONFIG: o->config = optarg; break;
		case OPT_INCLUDE: err = strv_add(&o->includes, optarg); break;
		case OPT_MODE: o->mode = optarg; err = check_mode_name(optarg); break;
		case OPT_APPEND: err = strv_add(&o->appends, optarg); break;
		case OPT_TIMEOUT:
			err = parse_ulong("--timeout", optarg, 0, 86400, &o->timeout_s);
			o->timeout_given = 1;
			break;
		case OPT_MEMORY:
			err = parse_ulong("--memory", optarg, 64, 1 << 20, &o->memory_mb);
			break;
		case OPT_SMP: err = parse_ulong("--smp", optarg, 1, 1024, &o->smp); break;
		case OPT_KVM: o->kvm = 1; break;
		case OPT_CONSOLE: o->console = 1; break;
		case OPT_LOGDIR: o->log_dir = optarg; break;
		case 'v': o->verbose = 1; break;
		case OPT_KEEP: o->keep = 1; break;
		case OPT_EXEC: o->exec_cmd = optarg; break;
		case OPT_SHELL: o->shell = 1; break;
		case OPT_DISK_TEMPLATE: o->disk_template = optarg; break;
		case OPT_SIZE: err = parse_disk_size(optarg, o); break;
		case OPT_DISK: o->disk = optarg; break;
		case OPT_SCHED: o->scheduler = optarg; break;
		case OPT_SCHED_ARG: err = strv_add(&o->sched_args, optarg); break;
		case 'h': usage(stdout); return 1;
		case OPT_VERSION: printf(PROG " %s\n", PACKAGE_VERSION); return 1;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return -1;
		}
		if (err)
			return -1;
	}
	o->cmd = argv + optind;
	o->ncmd = argc - optind;
	if (check_opts(o)) {
		fprintf(stderr, "Try '" PROG " --help'.\n");
		return -1;
	}
	return 0;
}

/* --- run state --------------------------------------------------------------- */

struct run {
	const struct opts *o;
	char *rundir;        /* fresh per run: initramfs pieces, fifos */
	char *logdir;        /* --log-dir, or the run dir */
	char *pack;          /* ktinit-pack */
	char *kernel;
	char *kver;          /* NULL when --initramfs makes it unnecessary */
	char *initrd;
	int sigfd;
	int interrupted;     /* signal number that asked us to stop */
	int64_t t0;          /* program start, for progress lines */
	int64_t boot_t0;     /* QEMU start, for --timeout */

	pid_t qemu;
	int qemu_reaped;
	int qemu_status;
	int qemu_killed;     /* we signalled it */
	int bulk_fd, com1_fd;
	int bulkbin_fd, console_fd, sched_fd, dmesg_fd;
	uint64_t bulk_bytes;

	struct ktinit_decoder dec;
	int srdy;
	int last_life;       /* 0: none yet */
	char last_life_reason[256];
	int have_exit;
	uint32_t exit_type;
	int32_t exit_code;
	int64_t exit_at;
	int stdout_broken, stderr_broken;
	uint64_t bad_frames;
	int sched_event;     /* a scheduler LIFE or SCDX frame came */

	/* hvc0, the guest's console in shell mode (--exec, --shell). */
	int hvc_fd;          /* hvc.out: what the guest writes */
	int hvc_in_fd;       /* hvc.in: the user's keys (--shell) */
	struct run_term term;
	struct run_esc esc;
	char keys[KEYBUF];   /* filtered keys not yet taken by hvc.in */
	size_t nkeys;
	int stdin_done;      /* EOF or error on stdin: stop reading it */
	int quit;            /* Ctrl-A x */

	/* --disk-template */
	char *staging;       /* the image being built, beside the target */
	int staging_fd;
	int base_has_mkfs;   /* the base archive holds bin/mkfs.btrfs */
};

static void vline(const struct run *r, const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " [+%.2fs]%s", (double)(kt_now_ms() - r->t0) / 1000.0,
		run_eol());
}

/* A line for -v: "ktinit-run: TEXT [+SECONDS since start]". */
static void progress(const struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->o->verbose)
		return;
	va_start(ap, fmt);
	vline(r, fmt, ap);
	va_end(ap);
}

/* A progress line that matters without -v too (scheduler lifecycle). */
static void notice(const struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notice(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(r, fmt, ap);
	va_end(ap);
}

static char *run_path(const struct run *r, const char *name)
{
	return xfmt("%s/%s", r->rundir, name);
}

static char *log_path(const struct run *r, const char *name)
{
	return xfmt("%s/%s", r->logdir, name);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --- signals and children ------------------------------------------------------ */

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	/* Its default action would leave a --shell terminal raw. */
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGCHLD);
}

/* Signals arrive through a signalfd, so poll() sees them with everything
 * else; SIGPIPE is ignored so a closed stdout is an EPIPE, not a death. */
static int setup_signals(struct run *r)
{
	sigset_t set;

	stop_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return r->sigfd < 0 ? -errno : 0;
}

/* Read pending signals; remember a request to stop. */
static void drain_signals(struct run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGCHLD && !r->interrupted)
			r->interrupted = (int)si.ssi_signo;
	}
}

/* Start argv[0] (PATH search) with the default signal state, stdin from
 * /dev/null and stdout to out_fd (-1: inherited) or to out_path. */
static int spawn(char *const argv[], int out_fd, const char *out_path,
		 pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int err;

	sigemptyset(&none);
	stop_signals(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_path) {
		posix_spawn_file_actions_addopen(&fa, 1, out_path,
						 O_WRONLY | O_CREAT | O_TRUNC, 0644);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	} else if (out_fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	}
	err = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -err;
}

/* Wait for pid up to timeout_ms (-1: no limit). Returns 1 when it ended
 * (status stored), 0 on timeout, -EINTR when a stop signal came first. */
static int wait_child(struct run *r, pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : kt_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = r->sigfd, .events = POLLIN };
		int64_t left;
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 1;
		if (w < 0 && errno != EINTR)
			return -errno;
		drain_signals(r);
		if (r->interrupted)
			return -EINTR;
		left = deadline - kt_now_ms();
		if (left <= 0)
			return 0;
		poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
	}
}

/* SIGTERM, then SIGKILL after KILL_GRACE_MS; never waits unboundedly. */
static void kill_and_reap(struct run *r, pid_t pid, int *status)
{
	int saved = r->interrupted, rc;

	kill(pid, SIGTERM);
	r->interrupted = 0;
	rc = wait_child(r, pid, KILL_GRACE_MS, status);
	if (rc == -EINTR) { /* another stop signal: go straight to SIGKILL */
		r->interrupted = 0;
		rc = 0;
	}
	if (rc == 0) {
		kill(pid, SIGKILL);
		rc = wait_child(r, pid, REAP_GRACE_MS, status);
		if (rc == 0)
			msg("process %d survived SIGKILL for %d ms; giving up on it",
			    (int)pid, REAP_GRACE_MS);
	}
	if (!r->interrupted)
		r->interrupted = saved;
}

/* Run a host helper to completion. out_fd as for spawn(). Returns 0 when
 * it exited 0; otherwise says what happened and returns -1. */
static int run_helper(struct run *r, char *const argv[], int out_fd)
{
	pid_t pid;
	int status = 0, rc = spawn(argv, out_fd, NULL, &pid);

	if (rc) {
		msg("cannot start %s: %s", argv[0], strerror(-rc));
		return -1;
	}
	rc = wait_child(r, pid, -1, &status);
	if (rc == -EINTR) {
		kill_and_reap(r, pid, &status);
		msg("interrupted by signal %d while running %s", r->interrupted, argv[0]);
		return -1;
	}
	if (rc < 0) {
		msg("waiting for %s: %s", argv[0], strerror(-rc));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		msg("%s failed (exit status %d)", argv[0], WEXITSTATUS(status));
	else
		msg("%s was killed by signal %d", argv[0], WTERMSIG(status));
	return -1;
}

/* Run a helper and return its first output line (malloc'd) or NULL. */
static char *run_capture_line(struct run *r, char *const argv[])
{
	char buf[PATH_MAX + 64];
	size_t len = 0;
	int p[2], rc;
	char *nl;

	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	/* The output is one short line: it fits the pipe, so reading after
	 * the helper has ended cannot deadlock. */
	rc = run_helper(r, argv, p[1]);
	close(p[1]);
	if (rc == 0) {
		ssize_t n;

		while (len < sizeof(buf) - 1 &&
		       (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
			len += (size_t)n;
	}
	close(p[0]);
	if (rc || len == 0)
		return NULL;
	buf[len] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return strdup(buf);
}

/* --- preparing the run --------------------------------------------------------- */

static int is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* ktinit-pack: $KTINIT_PACK, next to this executable (also when libtool
 * runs it from .libs/), $KTINIT_BINDIR, the configured bindir. */
static char *find_pack(void)
{
	char self[PATH_MAX], *slash, *cand;
	const char *env = getenv("KTINIT_PACK");
	ssize_t n;

	if (env && *env)
		return strdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			cand = xfmt("%s/ktinit-pack", self);
			if (cand && is_executable(cand))
				return cand;
			free(cand);
			slash = strrchr(self, '/');
			if (slash && strcmp(slash, "/.libs") == 0) {
				*slash = '\0';
				cand = xfmt("%s/ktinit-pack", self);
				if (cand && is_executable(cand))
					return cand;
				free(cand);
			}
		}
	}
	env = getenv("KTINIT_BINDIR");
	if (env && *env)
		return xfmt("%s/ktinit-pack", env);
	return xfmt("%s/ktinit-pack", KTINIT_BINDIR);
}

static int resolve_kernel(struct run *r)
{
	const struct opts *o = r->o;
	const char *base;

	if (o->kernel) {
		r->kernel = strdup(o->kernel);
		if (!r->kernel)
			return -1;
	} else {
		char *argv[] = { r->pack, (char *)"--print-default-kernel", NULL };

		r->kernel = run_capture_line(r, argv);
		if (!r->kernel) {
			msg("no kernel: '%s --print-default-kernel' found none; pass --kernel PATH",
			    r->pack);
			return -1;
		}
	}
	if (access(r->kernel, R_OK) != 0) {
		msg("kernel %s: %s%s", r->kernel, strerror(errno),
		    errno == EACCES ? " (Debian's /boot/vmlinuz-* are readable by root only)" : "");
		return -1;
	}
	if (o->kernel_version) {
		r->kver = strdup(o->kernel_version);
		return 0;
	}
	base = strrchr(r->kernel, '/');
	base = base ? base + 1 : r->kernel;
	if (strncmp(base, "vmlinuz-", 8) == 0 && base[8])
		r->kver = strdup(base + 8);
	else if (!o->initramfs) {
		msg("kernel %s: cannot tell its version from the file name; pass --kernel-version VER",
		    r->kernel);
		return -1;
	}
	return 0;
}

static int make_dirs(struct run *r)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xfmt("%s/ktinit-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (!tmpl || !mkdtemp(tmpl)) {
		msg("cannot create a run directory under %s: %s",
		    tmp && *tmp ? tmp : "/tmp", strerror(errno));
		free(tmpl);
		return -1;
	}
	r->rundir = tmpl;
	if (!r->o->log_dir) {
		r->logdir = strdup(r->rundir);
		return r->logdir ? 0 : -1;
	}
	if (mkdir(r->o->log_dir, 0755) < 0 && errno != EEXIST) {
		msg("--log-dir %s: %s", r->o->log_dir, strerror(errno));
		return -1;
	}
	r->logdir = strdup(r->o->log_dir);
	return r->logdir ? 0 : -1;
}

static int pack_base(struct run *r, char *out)
{
	struct strv av = { 0 };
	int rc = -ENOMEM;

	if (strv_add(&av, r->pack) || strv_add(&av, "--no-sentinel") ||
	    strv_add(&av, "--kernel-version") || strv_add(&av, r->kver) ||
	    strv_add(&av, "-o") || strv_add(&av, out))
		goto done;
	if (r->o->disk_template) {
		if (strv_add(&av, "--mkfs-btrfs"))
			goto done;
		r->base_has_mkfs = 1;
	}
	progress(r, "packing the base initramfs for kernel %s", r->kver);
	rc = run_helper(r, av.v, -1);
done:
	strv_free(&av);
	return rc;
}

/* --scheduler: the binary goes to /include-files like any --include, and
 * /sched_args names it there, then its arguments. */
static int add_scheduler(const struct opts *o, struct strv *av)
{
	const char *base = strrchr(o->scheduler, '/');
	size_t i;

	base = base ? base + 1 : o->scheduler;
	if (strv_add(av, "--include") || strv_add(av, o->scheduler) ||
	    strv_add(av, "--sched-arg") ||
	    strv_add_owned(av, xfmt("/include-files/%s", base)))
		return -ENOMEM;
	for (i = 0; i < o->sched_args.n; i++)
		if (strv_add(av, "--sched-arg") || strv_add(av, o->sched_args.v[i]))
			return -ENOMEM;
	return 0;
}

/* The per-run overlay: payload argv or exec command, config, includes,
 * the scheduler, mkfs.btrfs when the base lacks it; the sentinel last. */
static int build_overlay_argv(struct run *r, const char *out, struct strv *av)
{
	const struct opts *o = r->o;
	size_t i;
	int k;

	if (strv_add(av, r->pack) || strv_add(av, "--overlay") ||
	    strv_add(av, "-o") || strv_add(av, out))
		return -ENOMEM;
	if (o->config && (strv_add(av, "--config") || strv_add(av, o->config)))
		return -ENOMEM;
	for (i = 0; i < o->includes.n; i++)
		if (strv_add(av, "--include") || strv_add(av, o->includes.v[i]))
			return -ENOMEM;
	for (k = 0; k < o->ncmd; k++)
		if (strv_add(av, "--arg") || strv_add(av, o->cmd[k]))
			return -ENOMEM;
	if (o->exec_cmd &&
	    (strv_add(av, "--exec-cmd") || strv_add(av, o->exec_cmd)))
		return -ENOMEM;
	if (o->scheduler) {
		k = add_scheduler(o, av);
		if (k)
			return k;
	}
	if (o->disk_template && !r->base_has_mkfs) {
		progress(r, "the base has no bin/mkfs.btrfs: adding it to the overlay");
		if (strv_add(av, "--mkfs-btrfs"))
			return -ENOMEM;
	}
	return 0;
}

static int pack_overlay(struct run *r, const char *out)
{
	struct strv av = { 0 };
	int rc = build_overlay_argv(r, out, &av);

	if (rc == 0) {
		progress(r, "packing the per-run overlay");
		rc = run_helper(r, av.v, -1);
	}
	strv_free(&av);
	return rc;
}

static int copy_fd(int in, int out, off_t *total)
{
	static char buf[1 << 20];
	ssize_t n;
	int rc;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		rc = kt_write_all(out, buf, (size_t)n);
		if (rc)
			return rc;
		*total += n;
	}
	return 0;
}

/* initrd = base, zero padding to a 4-byte boundary, overlay. The kernel
 * unpacks concatenated archives in order, skipping zero bytes between
 * them, but an uncompressed one must start 4-byte aligned (init/initramfs.c
 * checks this_header & 3) — a gzip base can end anywhere. */
static int concat_initrd(const char *out, const char *const parts[], size_t n)
{
	static const char zeros[4];
	off_t total = 0;
	size_t i;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		msg("%s: %s", out, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		int in = open(parts[i], O_RDONLY | O_CLOEXEC);
		int rc;

		if (in < 0) {
			msg("%s: %s", parts[i], strerror(errno));
			close(fd);
			return -1;
		}
		rc = copy_fd(in, fd, &total);
		close(in);
		if (rc == 0 && (total & 3))
			rc = kt_write_all(fd, zeros, (size_t)(4 - (total & 3)));
		total = (total + 3) & ~(off_t)3;
		if (rc) {
			msg("%s: copying %s: %s", out, parts[i], strerror(-rc));
			close(fd);
			return -1;
		}
	}
	if (close(fd) < 0) {
		msg("%s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int prepare_initrd(struct run *r)
{
	char *base = NULL, *overlay = run_path(r, "overlay.cpio");
	int rc = -1;

	r->initrd = run_path(r, "initrd.cpio");
	if (!overlay || !r->initrd)
		goto done;
	if (r->o->initramfs) {
		base = strdup(r->o->initramfs);
		/* A compressed base cannot be looked into: mkfs goes in the
		 * overlay then, a duplicate at worst. */
		if (base && r->o->disk_template)
			r->base_has_mkfs = cpio_has_entry(base, "bin/mkfs.btrfs") == 1;
	} else {
		base = run_path(r, "base.cpio");
		if (!base || pack_base(r, base))
			goto done;
	}
	if (!base || pack_overlay(r, overlay))
		goto done;
	{
		const char *parts[] = { base, overlay };

		rc = concat_initrd(r->initrd, parts, 2);
	}
done:
	free(base);
	free(overlay);
	return rc;
}

/* --- QEMU ------------------------------------------------------------------------ */

/* Append " WORD" to *s (malloc'd, replaced). Returns 0 or -ENOMEM. */
static int cmdline_add(char **s, const char *word)
{
	char *t = *s ? xfmt("%s %s", *s, word) : NULL;

	free(*s);
	*s = t;
	return t ? 0 : -ENOMEM;
}

/* --shell: the terminal's size, TERM and COLORTERM, as ktstr passes them.
 * A value the guest could not take (odd characters) is left out and the
 * guest's default applies. */
static int cmdline_add_terminal(const struct run *r, char **s)
{
	static const int fds[] = { 0, 1, 2 };
	const char *names[] = { "TERM", "COLORTERM" };
	unsigned rows, cols;
	char word[96];
	size_t i;

	if (run_term_size(fds, 3, &rows, &cols) == 0) {
		snprintf(word, sizeof(word), "KTSTR_ROWS=%u KTSTR_COLS=%u", rows, cols);
		if (cmdline_add(s, word))
			return -ENOMEM;
	}
	for (i = 0; i < 2; i++) {
		const char *v = getenv(names[i]);

		if (!v || !*v)
			continue;
		if (!kt_term_name_ok(v)) {
			progress(r, "%s='%s' cannot go on the kernel command line; not passed",
				 names[i], v);
			continue;
		}
		snprintf(word, sizeof(word), "KTSTR_%s=%s", names[i], v);
		if (cmdline_add(s, word))
			return -ENOMEM;
	}
	return 0;
}

static char *kernel_cmdline(const struct run *r)
{
	const struct opts *o = r->o;
	char *s = xfmt("console=ttyS0 quiet panic=-1%s%s",
		       o->boot_mode ? " ktinit.mode=" : "",
		       o->boot_mode ? o->boot_mode : "");
	size_t i;

	if (s && o->hvc == HVC_TERMINAL && cmdline_add_terminal(r, &s))
		return NULL;
	/* Last: the user's words override ours. */
	for (i = 0; s && i < o->appends.n; i++)
		cmdline_add(&s, o->appends.v[i]);
	return s;
}

/* hvc0 (virtconsole, port 0): a pipe chardev that we read (--exec) or
 * proxy both ways (--shell), else null. The disk: the first virtio-blk
 * device, /dev/vda in the guest. */
static int add_hvc_and_disk(const struct run *r, struct strv *av)
{
	const char *disk = r->staging ? r->staging : r->o->disk;
	char *hvc = NULL, *e = NULL;
	int rc = -ENOMEM;

	if (r->o->hvc != HVC_NULL) {
		hvc = run_path(r, "hvc");
		e = hvc ? qemu_opt_escape(hvc) : NULL;
		if (!e || strv_add(av, "-chardev") ||
		    strv_add_owned(av, xfmt("pipe,id=hvc,path=%s", e)))
			goto done;
	} else if (strv_add(av, "-chardev") || strv_add(av, "null,id=hvc")) {
		goto done;
	}
	if (strv_add(av, "-device") ||
	    strv_add(av, "virtconsole,chardev=hvc,bus=vs.0,nr=0"))
		goto done;
	if (disk) {
		free(e);
		e = qemu_opt_escape(disk);
		/* file.filename: a name with a colon is a file, not a
		 * protocol ("nbd:...") as plain file= would take it. */
		if (!e || strv_add(av, "-drive") ||
		    strv_add_owned(av, xfmt("if=none,id=d0,format=raw,"
					    "file.driver=file,file.filename=%s", e)) ||
		    strv_add(av, "-device") || strv_add(av, "virtio-blk-pci,drive=d0"))
			goto done;
	}
	rc = 0;
done:
	free(hvc);
	free(e);
	return rc;
}

/* Devices as QEMU.md verified them. */
static int build_qemu_argv(const struct run *r, struct strv *av)
{
	const struct opts *o = r->o;
	const char *qemu = getenv("KTINIT_QEMU");
	char *bulk = run_path(r, "bulk"), *ebulk = bulk ? qemu_opt_escape(bulk) : NULL;
	char *com1 = run_path(r, "com1"), *ecom1 = com1 ? qemu_opt_escape(com1) : NULL;
	int rc = -ENOMEM;

	if (!ebulk || !ecom1)
		goto done;
	if (strv_add(av, qemu && *qemu ? qemu : "qemu-system-x86_64") ||
	    strv_add(av, "-machine") ||
	    strv_add(av, o->kvm ? "q35,accel=kvm" : "q35,accel=tcg") ||
	    (o->kvm && (strv_add(av, "-cpu") || strv_add(av, "host"))) ||
	    strv_add(av, "-m") || strv_add_owned(av, xfmt("%lu", o->memory_mb)) ||
	    strv_add(av, "-smp") || strv_add_owned(av, xfmt("%lu", o->smp)) ||
	    strv_add(av, "-display") || strv_add(av, "none") ||
	    strv_add(av, "-monitor") || strv_add(av, "none") ||
	    strv_add(av, "-no-reboot") ||
	    strv_add(av, "-kernel") || strv_add(av, r->kernel) ||
	    strv_add(av, "-initrd") || strv_add(av, r->initrd) ||
	    strv_add(av, "-append") || strv_add_owned(av, kernel_cmdline(r)))
		goto done;
	/* COM1: a file, or with --console a pipe that we tee to stderr. */
	if (o->console) {
		if (strv_add(av, "-chardev") ||
		    strv_add_owned(av, xfmt("pipe,id=com1,path=%s", ecom1)) ||
		    strv_add(av, "-serial") || strv_add(av, "chardev:com1"))
			goto done;
	} else if (strv_add(av, "-serial") ||
		   strv_add_owned(av, xfmt("file:%s/console.log", r->logdir))) {
		goto done;
	}
	if (strv_add(av, "-serial") ||
	    strv_add_owned(av, xfmt("file:%s/com2.log", r->logdir)) ||
	    strv_add(av, "-device") || strv_add(av, "virtio-serial-pci,id=vs") ||
	    add_hvc_and_disk(r, av) ||
	    strv_add(av, "-chardev") ||
	    strv_add_owned(av, xfmt("pipe,id=bulk,path=%s", ebulk)) ||
	    strv_add(av, "-device") ||
	    strv_add(av, "virtserialport,chardev=bulk,bus=vs.0,nr=1,name=ktinit.bulk"))
		goto done;
	rc = 0;
done:
	free(bulk);
	free(ebulk);
	free(com1);
	free(ecom1);
	return rc;
}

/* QEMU's pipe chardev opens PATH.in and PATH.out O_RDWR; we hold PATH.out
 * O_RDWR too, so it never reports EOF: QEMU's exit is seen via SIGCHLD.
 * in_fd (may be NULL): PATH.in opened for our writes, also O_RDWR so the
 * open never blocks and a QEMU that is gone is no EPIPE. */
static int open_fifo_pair(const struct run *r, const char *name, int *out_fd,
			  int *in_fd)
{
	char *in = xfmt("%s/%s.in", r->rundir, name);
	char *out = xfmt("%s/%s.out", r->rundir, name);
	int rc = -1;

	if (!in || !out)
		goto done;
	if (mkfifo(in, 0600) < 0 || mkfifo(out, 0600) < 0) {
		msg("mkfifo in %s: %s", r->rundir, strerror(errno));
		goto done;
	}
	*out_fd = open(out, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*out_fd < 0) {
		msg("%s: %s", out, strerror(errno));
		goto done;
	}
	/* A bigger pipe lets a fast guest run ahead of us; best effort. */
	fcntl(*out_fd, F_SETPIPE_SZ, 1 << 20);
	if (in_fd) {
		*in_fd = open(in, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (*in_fd < 0) {
			msg("%s: %s", in, strerror(errno));
			goto done;
		}
	}
	rc = 0;
done:
	free(in);
	free(out);
	return rc;
}

static int open_log(const struct run *r, const char *name)
{
	char *p = log_path(r, name);
	int fd = p ? open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;

	if (fd < 0)
		msg("%s: %s", p ? p : name, strerror(errno));
	free(p);
	return fd;
}

static void print_argv(const struct run *r, char *const argv[])
{
	size_t i;

	if (!r->o->verbose)
		return;
	fprintf(stderr, PROG ": QEMU command:");
	for (i = 0; argv[i]; i++) {
		if (strpbrk(argv[i], " \t\"'$"))
			fprintf(stderr, " '%s'", argv[i]);
		else
			fprintf(stderr, " %s", argv[i]);
	}
	fputc('\n', stderr);
}

static int start_qemu(struct run *r)
{
	struct strv av = { 0 };
	char *qlog = log_path(r, "qemu.log");
	int rc = -1;

	r->bulkbin_fd = open_log(r, "bulk.bin");
	if (r->bulkbin_fd < 0 || !qlog)
		goto done;
	if (open_fifo_pair(r, "bulk", &r->bulk_fd, NULL))
		goto done;
	if (r->o->console) {
		r->console_fd = open_log(r, "console.log");
		if (r->console_fd < 0 || open_fifo_pair(r, "com1", &r->com1_fd, NULL))
			goto done;
	}
	if (r->o->hvc != HVC_NULL &&
	    open_fifo_pair(r, "hvc", &r->hvc_fd,
			   r->o->hvc == HVC_TERMINAL ? &r->hvc_in_fd : NULL))
		goto done;
	if (build_qemu_argv(r, &av)) {
		msg("out of memory");
		goto done;
	}
	print_argv(r, av.v);
	rc = spawn(av.v, -1, qlog, &r->qemu);
	if (rc) {
		msg("cannot start %s: %s%s", av.v[0], strerror(-rc),
		    rc == -ENOENT ? " (install qemu-system-x86 or set KTINIT_QEMU)" : "");
		rc = -1;
		goto done;
	}
	r->boot_t0 = kt_now_ms();
	if (r->o->timeout_s)
		progress(r, "QEMU started (pid %d), timeout %lus", (int)r->qemu,
			 r->o->timeout_s);
	else
		progress(r, "QEMU started (pid %d), no timeout", (int)r->qemu);
done:
	strv_free(&av);
	free(qlog);
	return rc;
}

/* --- frames ------------------------------------------------------------------------ */

static void append_log(struct run *r, int *fd, const char *name,
		       const void *buf, size_t len)
{
	if (*fd == -1) {
		*fd = open_log(r, name);
		if (*fd < 0)
			*fd = -2; /* said once; drop the rest */
	}
	if (*fd >= 0)
		kt_write_all(*fd, buf, len);
}

static void relay(int fd, int *broken, const void *buf, size_t len)
{
	if (*broken)
		return;
	if (kt_write_all(fd, buf, len) == -EPIPE) {
		*broken = 1;
		msg("%s is closed; dropping the rest of the guest's %s",
		    fd == 1 ? "stdout" : "stderr", fd == 1 ? "stdout" : "stderr");
	}
}

static int32_t get_i32(const struct ktinit_frame *f)
{
	return (int32_t)ktinit_get_le32(f->payload);
}

static void bad_frame(struct run *r, const struct ktinit_frame *f, const char *why)
{
	r->bad_frames++;
	msg("bulk stream: %s frame at byte offset %" PRIu64 ": %s",
	    ktinit_frame_type_name(f->type), f->offset, why);
}

static int is_sched_phase(uint8_t phase)
{
	return phase == KTINIT_LIFE_SCHEDULER_DIED ||
	       phase == KTINIT_LIFE_SCHEDULER_NOT_ATTACHED;
}

static void handle_life(struct run *r, const struct ktinit_frame *f)
{
	const char *name;
	size_t rlen, i;

	if (f->length < 1) {
		bad_frame(r, f, "empty payload");
		return;
	}
	r->last_life = f->payload[0];
	rlen = f->length - 1;
	if (rlen >= sizeof(r->last_life_reason))
		rlen = sizeof(r->last_life_reason) - 1;
	/* The reason goes to a terminal: no control bytes. */
	for (i = 0; i < rlen; i++) {
		unsigned char c = f->payload[1 + i];

		r->last_life_reason[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	r->last_life_reason[rlen] = '\0';
	name = ktinit_life_phase_name(f->payload[0]);
	/* A scheduler that never attached or died is news without -v. */
	if (is_sched_phase(f->payload[0])) {
		r->sched_event = 1;
		notice(r, "LIFE %s%s%s", name, rlen ? ": " : "", r->last_life_reason);
	} else if (name) {
		progress(r, "LIFE %s%s%s", name, rlen ? ": " : "", r->last_life_reason);
	} else {
		progress(r, "LIFE phase %u (unknown)%s%s", f->payload[0],
			 rlen ? ": " : "", r->last_life_reason);
	}
}

static void handle_exit(struct run *r, const struct ktinit_frame *f)
{
	if (f->length != 4) {
		bad_frame(r, f, "payload is not 4 bytes");
		return;
	}
	if (r->have_exit) {
		bad_frame(r, f, "a second exit frame; keeping the first");
		return;
	}
	r->have_exit = 1;
	r->exit_type = f->type;
	r->exit_code = get_i32(f);
	r->exit_at = kt_now_ms();
	progress(r, "%s %" PRId32, ktinit_frame_type_name(f->type), r->exit_code);
}

static void handle_frame(void *arg, const struct ktinit_frame *f)
{
	struct run *r = arg;

	switch (f->type) {
	case KTINIT_FRAME_SOUT:
		relay(1, &r->stdout_broken, f->payload, f->length);
		break;
	case KTINIT_FRAME_SERR:
		relay(2, &r->stderr_broken, f->payload, f->length);
		break;
	case KTINIT_FRAME_SRDY:
		r->srdy = 1;
		progress(r, "guest ready (SRDY)");
		break;
	case KTINIT_FRAME_LIFE:
		handle_life(r, f);
		break;
	case KTINIT_FRAME_SCDX:
		if (f->length != 4) {
			bad_frame(r, f, "payload is not 4 bytes");
			break;
		}
		r->sched_event = 1;
		notice(r, "SCDX: the scheduler exited with code %" PRId32, get_i32(f));
		break;
	case KTINIT_FRAME_SCLG:
		append_log(r, &r->sched_fd, "sched.log", f->payload, f->length);
		break;
	case KTINIT_FRAME_DMSG:
		append_log(r, &r->dmesg_fd, "dmesg.log", f->payload, f->length);
		progress(r, "DMSG: %" PRIu32 " bytes of kernel log -> %s/dmesg.log",
			 f->length, r->logdir);
		break;
	case KTINIT_FRAME_EXIT:
	case KTINIT_FRAME_EXCX:
		handle_exit(r, f);
		break;
	default:
		bad_frame(r, f, "unexpected type");
		break;
	}
}

static void handle_decode_error(void *arg, uint64_t offset, const char *what)
{
	struct run *r = arg;

	r->bad_frames++;
	msg("bulk stream: %s at byte offset %" PRIu64, what, offset);
}

/* --- the event loop ------------------------------------------------------------ */

/* Read what fd has now. Returns bytes read, 0 when empty, -errno. */
static ssize_t read_some(int fd, char *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

static void pump_bulk(struct run *r)
{
	static char buf[IO_CHUNK];
	ssize_t n;

	while ((n = read_some(r->bulk_fd, buf, sizeof(buf))) > 0) {
		kt_write_all(r->bulkbin_fd, buf, (size_t)n);
		r->bulk_bytes += (uint64_t)n;
		if (ktinit_decoder_feed(&r->dec, buf, (size_t)n)) {
			msg("bulk stream: out of memory in the decoder");
			return;
		}
	}
}

static void pump_com1(struct run *r)
{
	static char buf[IO_CHUNK];
	ssize_t n;

	while ((n = read_some(r->com1_fd, buf, sizeof(buf))) > 0) {
		kt_write_all(r->console_fd, buf, (size_t)n);
		kt_write_all(2, buf, (size_t)n);
	}
}

static void check_qemu(struct run *r)
{
	if (!r->qemu_reaped && waitpid(r->qemu, &r->qemu_status, WNOHANG) == r->qemu)
		r->qemu_reaped = 1;
}

static void stop_qemu(struct run *r)
{
	check_qemu(r);
	if (r->qemu_reaped)
		return;
	r->qemu_killed = 1;
	kill_and_reap(r, r->qemu, &r->qemu_status);
	r->qemu_reaped = 1;
}

/* hvc0's output: to stdout as it comes (--exec, --shell). */
static void pump_hvc(struct run *r)
{
	static char buf[IO_CHUNK];
	ssize_t n;

	while ((n = read_some(r->hvc_fd, buf, sizeof(buf))) > 0)
		relay(1, &r->stdout_broken, buf, (size_t)n);
}

/* Keys from the user's terminal into r->keys, through the Ctrl-A filter
 * when stdin is that terminal. Never reads more than the buffer can take
 * (one byte may become two), so a guest that stops reading stalls the
 * keyboard, not this loop. */
static void pump_stdin(struct run *r)
{
	char in[KEYBUF / 2];
	size_t room = (KEYBUF - r->nkeys) / 2, done = 0, used, outlen;
	ssize_t n;

	if (room == 0)
		return;
	n = read(0, in, room < sizeof(in) ? room : sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EOF of a pipe, or a terminal that went away (EIO). No
		 * Ctrl-D goes on: input that arrives before the guest's console
		 * is raw meets its line discipline, where Ctrl-D is consumed
		 * as the console's own EOF. A script ends with "exit". */
		r->stdin_done = 1;
		return;
	}
	if (r->term.fd < 0) {
		memcpy(r->keys + r->nkeys, in, (size_t)n);
		r->nkeys += (size_t)n;
		return;
	}
	while (done < (size_t)n && !r->quit) {
		enum run_esc_action act = run_esc_filter(&r->esc, in + done,
							 (size_t)n - done,
							 r->keys + r->nkeys,
							 &outlen, &used);

		r->nkeys += outlen;
		done += used;
		if (act == RUN_ESC_QUIT)
			r->quit = 1;
		else if (act == RUN_ESC_HELP)
			kt_write_all(2, run_esc_help, strlen(run_esc_help));
	}
}

/* As much of r->keys as hvc.in takes now. */
static void flush_keys(struct run *r)
{
	ssize_t n = write(r->hvc_in_fd, r->keys, r->nkeys);

	if (n <= 0)
		return; /* EAGAIN: POLLOUT brings us back */
	memmove(r->keys, r->keys + n, r->nkeys - (size_t)n);
	r->nkeys -= (size_t)n;
}

enum { PFD_SIG, PFD_BULK, PFD_COM1, PFD_HVC, PFD_STDIN, PFD_KEYS, PFD_N };

static void setup_poll(const struct run *r, struct pollfd *pfd)
{
	int keys = r->hvc_in_fd >= 0;

	memset(pfd, 0, PFD_N * sizeof(*pfd));
	pfd[PFD_SIG] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
	pfd[PFD_BULK] = (struct pollfd){ .fd = r->bulk_fd, .events = POLLIN };
	pfd[PFD_COM1] = (struct pollfd){ .fd = r->com1_fd, .events = POLLIN };
	pfd[PFD_HVC] = (struct pollfd){ .fd = r->hvc_fd, .events = POLLIN };
	/* poll() skips negative fds: the unused slots cost nothing. */
	pfd[PFD_STDIN].fd = keys && !r->stdin_done && r->nkeys + 2 <= KEYBUF ? 0 : -1;
	pfd[PFD_STDIN].events = POLLIN;
	pfd[PFD_KEYS].fd = keys && r->nkeys ? r->hvc_in_fd : -1;
	pfd[PFD_KEYS].events = POLLOUT;
}

/* Poll the bulk port, COM1, hvc0, the terminal and the signals until QEMU
 * ends, the timeout passes, a stop signal comes or the user quits. Returns
 * 1 on timeout, 0 when QEMU ended or a signal or Ctrl-A x came, -1 when
 * poll() itself fails. */
static int event_loop(struct run *r)
{
	int64_t deadline = r->o->timeout_s ?
		r->boot_t0 + (int64_t)r->o->timeout_s * 1000 : INT64_MAX;

	for (;;) {
		struct pollfd pfd[PFD_N];
		int64_t limit = deadline, left;

		if (r->have_exit && r->exit_at + AFTER_EXIT_MS < limit)
			limit = r->exit_at + AFTER_EXIT_MS;
		left = limit - kt_now_ms();
		if (left <= 0)
			return 1;
		setup_poll(r, pfd);
		if (poll(pfd, PFD_N, left > 1000 ? 1000 : (int)left) < 0 &&
		    errno != EINTR) {
			msg("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[PFD_BULK].revents)
			pump_bulk(r);
		if (pfd[PFD_COM1].revents)
			pump_com1(r);
		if (pfd[PFD_HVC].revents)
			pump_hvc(r);
		if (pfd[PFD_STDIN].revents)
			pump_stdin(r);
		if (r->nkeys && r->hvc_in_fd >= 0)
			flush_keys(r);
		drain_signals(r);
		check_qemu(r);
		if (r->qemu_reaped || r->interrupted || r->quit)
			return 0;
	}
}

/* --- reporting -------------------------------------------------------------------- */

/* Print the last n lines of a log, each prefixed. */
static void print_tail(const struct run *r, const char *name, int n)
{
	char *p = log_path(r, name), buf[16384];
	int fd = p ? open(p, O_RDONLY | O_CLOEXEC) : -1;
	off_t size;
	ssize_t len;
	char *start, *end;

	if (fd < 0) {
		free(p);
		return;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf))
		lseek(fd, size - (off_t)sizeof(buf), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len <= 0) {
		msg("%s is empty", p);
		free(p);
		return;
	}
	end = buf + len;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > buf && n > 0) {
		start--;
		if (*start == '\n' && --n == 0)
			start++;
	}
	msg("last lines of %s:", p);
	while (start < end) {
		char *nl = memchr(start, '\n', (size_t)(end - start));
		size_t l = nl ? (size_t)(nl - start) : (size_t)(end - start);

		while (l > 0 && start[l - 1] == '\r')
			l--;
		fprintf(stderr, "  %s| %.*s\n", name, (int)l, start);
		start = nl ? nl + 1 : end;
	}
	free(p);
}

/* Print every line of a log that contains PANIC: or FATAL:. */
static void print_fatal_lines(const struct run *r, const char *name)
{
	char *p = log_path(r, name), *line = NULL;
	FILE *f = p ? fopen(p, "re") : NULL;
	size_t cap = 0;
	ssize_t n;

	while (f && (n = getline(&line, &cap, f)) > 0) {
		if (strstr(line, "PANIC:") || strstr(line, "FATAL:")) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			msg("%s: %s", name, line);
		}
	}
	if (f)
		fclose(f);
	free(line);
	free(p);
}

static void describe_progress(const struct run *r)
{
	const char *name = ktinit_life_phase_name((uint8_t)r->last_life);

	if (r->last_life)
		msg("the guest got to LIFE %s%s%s", name ? name : "(unknown phase)",
		    r->last_life_reason[0] ? ": " : "", r->last_life_reason);
	else if (r->srdy)
		msg("the guest got to SRDY (init up, bulk port open) but sent no LIFE frame");
	else if (r->bulk_bytes)
		msg("the guest sent %" PRIu64 " bulk bytes but no SRDY", r->bulk_bytes);
	else
		msg("nothing arrived on the bulk port: the kernel or the init never got "
		    "as far as SRDY (see console.log)");
}

static void print_qemu_log(const struct run *r)
{
	char *p = log_path(r, "qemu.log");
	struct stat st;

	if (p && stat(p, &st) == 0 && st.st_size > 0)
		print_tail(r, "qemu.log", TAIL_LINES);
	free(p);
}

static int report_timeout(const struct run *r)
{
	msg("timeout: the guest did not finish within %lus; QEMU killed", r->o->timeout_s);
	describe_progress(r);
	print_tail(r, "console.log", TAIL_LINES);
	print_tail(r, "com2.log", TAIL_LINES);
	return RUN_EXIT_TIMEOUT;
}

static int report_no_exit(const struct run *r)
{
	int st = r->qemu_status;

	if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0)) {
		if (WIFSIGNALED(st))
			msg("QEMU was killed by signal %d", WTERMSIG(st));
		else if (r->bulk_bytes == 0)
			msg("QEMU would not start: exit status %d", WEXITSTATUS(st));
		else
			msg("QEMU failed with exit status %d", WEXITSTATUS(st));
		print_qemu_log(r);
		if (r->bulk_bytes)
			describe_progress(r);
		return RUN_EXIT_HOST;
	}
	msg("QEMU ended without an EXIT frame (kernel panic or init crash)");
	describe_progress(r);
	print_fatal_lines(r, "com2.log");
	print_tail(r, "console.log", TAIL_LINES);
	print_tail(r, "com2.log", TAIL_LINES);
	return RUN_EXIT_NO_EXIT;
}

static int finish(struct run *r, int timed_out)
{
	if (ktinit_decoder_finish(&r->dec) > 0)
		msg("bulk stream: it ended inside a frame");
	if (r->quit) {
		msg("Ctrl-A x: QEMU stopped");
		return RUN_EXIT_QUIT;
	}
	if (r->interrupted) {
		msg("interrupted by signal %d; QEMU stopped", r->interrupted);
		return 128 + r->interrupted;
	}
	if (r->have_exit) {
		if (timed_out || r->qemu_killed)
			msg("warning: the guest sent %s but did not power off; QEMU killed",
			    ktinit_frame_type_name(r->exit_type));
		progress(r, "done: exit code %d", (int)(r->exit_code & 0xff));
		return (int)((uint32_t)r->exit_code & 0xff);
	}
	if (timed_out)
		return report_timeout(r);
	return report_no_exit(r);
}

static int is_disk_mode(const struct run *r)
{
	return r->o->boot_mode && strcmp(r->o->boot_mode, "disk_template") == 0;
}

/* The guest's disk_template diagnostic block from COM2, or the tail of
 * COM2 when it wrote none. */
static void print_disk_diag(const struct run *r)
{
	char *p = log_path(r, "com2.log");

	if (p && disk_print_diag(p) == 0) {
		msg("no disk_template diagnostic in %s", p);
		print_tail(r, "com2.log", TAIL_LINES);
	}
	free(p);
}

/* --disk-template: the staging file becomes the image only when the guest
 * said 0 and the host reads the magic back itself; otherwise it goes and
 * the guest's diagnostic says why. */
static int finish_disk(struct run *r, int status)
{
	const char *image = r->o->disk_template;
	int m;

	if (status == 0) {
		m = disk_check_magic(r->staging_fd, r->staging);
		if (m == 0 && disk_publish(r->staging_fd, r->staging, image) == 0) {
			progress(r, "btrfs magic checked on the host; %s published", image);
			close_fd(&r->staging_fd);
			free(r->staging);
			r->staging = NULL;
			return 0;
		}
		status = m == 1 ? RUN_EXIT_NO_MAGIC : RUN_EXIT_IO;
	}
	if (r->have_exit)
		print_disk_diag(r);
	disk_staging_discard(&r->staging, &r->staging_fd);
	msg("%s: not written (exit status %d); the staging file is removed",
	    image, status);
	return status;
}

/* --shell: raw mode for the whole boot, so early keys reach the guest
 * instead of being echoed and line-buffered here. */
static void start_terminal(struct run *r)
{
	int err = run_term_raw(&r->term, 0);

	if (err)
		msg("cannot put the terminal in raw mode: %s; keys stay line-buffered",
		    strerror(-err));
	else if (r->term.fd >= 0)
		msg("booting; Ctrl-A x quits, Ctrl-A h lists the escapes");
}

/* Boot, relay, and return the exit status of this program. */
static int boot_and_relay(struct run *r)
{
	int timed_out, status;

	if (start_qemu(r))
		return RUN_EXIT_HOST;
	ktinit_decoder_init(&r->dec, handle_frame, handle_decode_error, r);
	if (r->o->hvc == HVC_TERMINAL)
		start_terminal(r);
	timed_out = event_loop(r);
	if (timed_out || r->interrupted || r->quit)
		stop_qemu(r);
	/* QEMU is gone: the pipes hold everything it wrote. */
	pump_bulk(r);
	if (r->com1_fd >= 0)
		pump_com1(r);
	if (r->hvc_fd >= 0)
		pump_hvc(r);
	/* Before any report: the terminal is the user's again, and a report
	 * starts on a line of its own, not after the guest's prompt. */
	if (r->term.fd >= 0 && (!r->have_exit || r->qemu_killed))
		kt_write_all(2, "\r\n", 2);
	run_term_restore(&r->term);
	if (timed_out < 0)
		return RUN_EXIT_HOST;
	if (!r->qemu_killed && WIFEXITED(r->qemu_status))
		progress(r, "QEMU exited with status %d", WEXITSTATUS(r->qemu_status));
	status = finish(r, timed_out);
	if (r->o->disk_template)
		status = finish_disk(r, status);
	else if (is_disk_mode(r) && status != 0 && r->have_exit)
		print_disk_diag(r);
	if (r->sched_event && r->sched_fd >= 0)
		msg("scheduler log: %s/sched.log", r->logdir);
	return status;
}

/* --- clean-up ---------------------------------------------------------------------- */

static void remove_in(const char *dir, const char *name)
{
	char *p = xfmt("%s/%s", dir, name);

	if (p)
		unlink(p);
	free(p);
}

/* The run dir's pieces go unless --keep; logs stay with -v, --keep,
 * --log-dir, or when the run failed, and their place is printed. */
static void cleanup(struct run *r, int status)
{
	static const char *const pieces[] = {
		"base.cpio", "overlay.cpio", "initrd.cpio", "bulk.in", "bulk.out",
		"com1.in", "com1.out", "hvc.in", "hvc.out",
	};
	static const char *const logs[] = {
		"console.log", "com2.log", "bulk.bin", "qemu.log", "sched.log", "dmesg.log",
	};
	int keep_logs = r->o->keep || r->o->verbose || r->o->log_dir ||
			status != 0 || r->sched_event;
	size_t i;

	run_term_restore(&r->term);
	/* Every way out that did not publish the image removes its staging. */
	if (r->staging)
		disk_staging_discard(&r->staging, &r->staging_fd);
	close_fd(&r->hvc_fd);
	close_fd(&r->hvc_in_fd);
	close_fd(&r->bulk_fd);
	close_fd(&r->com1_fd);
	close_fd(&r->bulkbin_fd);
	close_fd(&r->console_fd);
	close_fd(&r->sched_fd);
	close_fd(&r->dmesg_fd);
	if (r->rundir && !r->o->keep) {
		for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
			remove_in(r->rundir, pieces[i]);
		if (!keep_logs && r->logdir && strcmp(r->logdir, r->rundir) == 0)
			for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++)
				remove_in(r->rundir, logs[i]);
		rmdir(r->rundir); /* fails, fine, when logs remain */
	}
	if (r->logdir && keep_logs && (status != 0 || r->o->verbose || r->sched_event))
		msg("logs in %s", r->logdir);
	else if (r->o->keep && r->rundir)
		msg("run dir kept: %s", r->rundir);
}

static void free_run(struct run *r)
{
	close_fd(&r->sigfd);
	ktinit_decoder_free(&r->dec);
	free(r->rundir);
	free(r->logdir);
	free(r->pack);
	free(r->kernel);
	free(r->kver);
	free(r->initrd);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct run r = { 0 };
	int rc, status = RUN_EXIT_HOST;

	rc = parse_args(argc, argv, &o);
	if (rc)
		goto out_opts;
	r.o = &o;
	r.t0 = kt_now_ms();
	r.sigfd = r.bulk_fd = r.com1_fd = -1;
	r.bulkbin_fd = r.console_fd = r.sched_fd = r.dmesg_fd = -1;
	r.hvc_fd = r.hvc_in_fd = r.staging_fd = r.term.fd = -1;
	r.qemu = -1;

	if (setup_signals(&r)) {
		msg("cannot set up signal handling: %s", strerror(errno));
		goto out;
	}
	r.pack = find_pack();
	if (!r.pack || resolve_kernel(&r) || make_dirs(&r))
		goto out;
	progress(&r, "run dir %s, kernel %s", r.rundir, r.kernel);
	if (prepare_initrd(&r))
		goto out;
	if (o.disk_template &&
	    disk_staging_create(o.disk_template, o.disk_size, &r.staging,
				&r.staging_fd))
		goto out;
	status = boot_and_relay(&r);
out:
	if (r.interrupted && status == RUN_EXIT_HOST)
		status = 128 + r.interrupted;
	cleanup(&r, status);
	free_run(&r);
out_opts:
	strv_free(&o.includes);
	strv_free(&o.appends);
	strv_free(&o.sched_args);
	if (rc > 0)
		return 0;
	return rc < 0 ? RUN_EXIT_HOST : status;
}
