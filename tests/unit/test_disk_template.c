/* Unit tests of the disk_template mode: its parts (magic check, output tail,
 * verdict, diagnostic block) and whole runs against a fake services table
 * with fixture "mkfs" scripts in a temporary root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include <ktinit/mode.h>

#include "fake_services.h"
#include "unit.h"

#include "../../modes/disk_template/btrfs_magic.h"
#include "../../modes/disk_template/device.h"
#include "../../modes/disk_template/diag.h"
#include "../../modes/disk_template/tailbuf.h"
#include "../../modes/disk_template/verdict.h"

extern const struct ktinit_mode_ops ktinit_mode;

/* ---- helpers ------------------------------------------------------------ */

/* A temporary directory for the parts' files (fake_services.c). */
static struct fake_env scratch;

static void join(char *buf, size_t len, const char *dir, const char *name)
{
	CU_ASSERT_FATAL(snprintf(buf, len, "%s/%s", dir, name) < (int)len);
}

/* A file of size bytes of zeros, with data written at off when non-NULL. */
static void make_file(const char *path, off_t size, off_t off,
		      const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, size) == 0);
	if (data)
		CU_ASSERT_FATAL(pwrite(fd, data, n, off) == (ssize_t)n);
	close(fd);
}

/* ---- btrfs magic -------------------------------------------------------- */

static void test_magic_valid(void)
{
	struct dt_magic_result r;
	char path[PATH_MAX];

	join(path, sizeof(path), scratch.root, "valid.img");
	make_file(path, 1 << 20, DT_BTRFS_MAGIC_OFFSET, "_BHRfS_M", 8);
	CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_OK);
	CU_ASSERT_EQUAL(r.value, DT_BTRFS_MAGIC);
}

static void test_magic_zeroed_and_other(void)
{
	struct dt_magic_result r;
	char path[PATH_MAX];

	join(path, sizeof(path), scratch.root, "zero.img");
	make_file(path, 1 << 20, 0, NULL, 0);
	CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_MISMATCH);
	CU_ASSERT_EQUAL(r.value, 0);

	/* Byte order matters: the magic big-endian is not the magic. */
	make_file(path, 1 << 20, DT_BTRFS_MAGIC_OFFSET, "M_SfRHB_", 8);
	CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_MISMATCH);
	CU_ASSERT_EQUAL(r.value, 0x5F42485266535F4DULL);
}

static void test_magic_short(void)
{
	struct dt_magic_result r;
	char path[PATH_MAX];

	join(path, sizeof(path), scratch.root, "short.img");
	make_file(path, DT_BTRFS_MAGIC_OFFSET + 4, DT_BTRFS_MAGIC_OFFSET,
		  "_BHR", 4);
	CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_SHORT);
	CU_ASSERT_EQUAL(r.got, 4);

	make_file(path, 0, 0, NULL, 0);
	CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_SHORT);
	CU_ASSERT_EQUAL(r.got, 0);
}

static void test_magic_unreadable(void)
{
	struct dt_magic_result r;
	char path[PATH_MAX];

	join(path, sizeof(path), scratch.root, "does-not-exist.img");
	CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_ERROR);
	CU_ASSERT_EQUAL(r.err, ENOENT);
	CU_ASSERT_STRING_EQUAL(r.op, "open");

	/* Opens fine, fails to read: works as root, unlike chmod 000. */
	CU_ASSERT_EQUAL(dt_magic_read(scratch.root, &r), DT_MAGIC_ERROR);
	CU_ASSERT_EQUAL(r.err, EISDIR);
	CU_ASSERT_STRING_EQUAL(r.op, "pread");

	if (geteuid() != 0) {
		join(path, sizeof(path), scratch.root, "mode000.img");
		make_file(path, 1 << 20, 0, NULL, 0);
		CU_ASSERT_FATAL(chmod(path, 0) == 0);
		CU_ASSERT_EQUAL(dt_magic_read(path, &r), DT_MAGIC_ERROR);
		CU_ASSERT_EQUAL(r.err, EACCES);
	}
}

/* ---- device probe and flush ------------------------------------------- */

static void test_device(void)
{
	struct dt_device d;
	char img[PATH_MAX], sysfs[PATH_MAX], none[PATH_MAX];
	const char *op = NULL;

	join(img, sizeof(img), scratch.root, "dev.img");
	join(none, sizeof(none), scratch.root, "no-such-node");
	join(sysfs, sizeof(sysfs), scratch.root, "sysfs-vda");
	make_file(img, 3 << 20, 0, NULL, 0);

	dt_device_probe(img, none, 0, &d);
	CU_ASSERT(dt_device_usable(&d));
	CU_ASSERT_EQUAL(d.size_err, 0);
	CU_ASSERT_EQUAL(d.size, 3 << 20);
	CU_ASSERT_EQUAL(d.sysfs_err, ENOENT);

	/* The sysfs entry is there, the node never comes: give up in time. */
	CU_ASSERT_EQUAL_FATAL(fake_mkdirs(&scratch, "/sysfs-vda"), 0);
	dt_device_probe(none, sysfs, 100, &d);
	CU_ASSERT(!dt_device_usable(&d));
	CU_ASSERT_EQUAL(d.node_err, ENOENT);
	CU_ASSERT_EQUAL(d.sysfs_err, 0);

	dt_device_probe("/dev/null", none, 0, &d);
	CU_ASSERT(!dt_device_usable(&d));
	CU_ASSERT_EQUAL(d.size_err, ENOTBLK);

	CU_ASSERT_EQUAL(dt_device_flush(img, &op), 0);
	CU_ASSERT_EQUAL(dt_device_flush(none, &op), -ENOENT);
	CU_ASSERT_STRING_EQUAL(op, "open");
	/* fsync() of a character device without a flush method: EINVAL. */
	CU_ASSERT_EQUAL(dt_device_flush("/dev/null", &op), -EINVAL);
	CU_ASSERT_STRING_EQUAL(op, "fsync");
}

/* ---- output tail -------------------------------------------------------- */

static void test_tail(void)
{
	struct dt_tail *t = calloc(1, sizeof(*t));
	char *big = malloc(DT_TAIL_MAX + 100);
	size_t i;

	CU_ASSERT_FATAL(t && big);
	dt_tail_init(t);
	dt_tail_append(t, "abc", 3);
	dt_tail_append(t, NULL, 0);
	CU_ASSERT_EQUAL(t->len, 3);
	CU_ASSERT_EQUAL(dt_tail_dropped(t), 0);

	for (i = 0; i < DT_TAIL_MAX + 100; i++)
		big[i] = (char)('a' + i % 26);
	/* Overflow by appending: the oldest bytes go, the newest stay. */
	dt_tail_append(t, big, DT_TAIL_MAX - 1);
	CU_ASSERT_EQUAL(t->len, DT_TAIL_MAX);
	CU_ASSERT_EQUAL(dt_tail_dropped(t), 2);
	CU_ASSERT_EQUAL(t->buf[0], 'c');
	CU_ASSERT_EQUAL(t->buf[DT_TAIL_MAX - 1], big[DT_TAIL_MAX - 2]);

	/* One chunk larger than the buffer: only its end is kept. */
	dt_tail_append(t, big, DT_TAIL_MAX + 100);
	CU_ASSERT_EQUAL(t->len, DT_TAIL_MAX);
	CU_ASSERT_EQUAL(t->total, 3 + DT_TAIL_MAX - 1 + DT_TAIL_MAX + 100);
	CU_ASSERT_EQUAL(memcmp(t->buf, big + 100, DT_TAIL_MAX), 0);
	free(big);
	free(t);
}

/* ---- verdict: exit-status mapping -------------------------------------- */

static struct dt_mkfs_result *run_res;

/* Facts for a run that got as far as a finished mkfs with wstatus. */
static void facts_ran(struct dt_facts *f, int wstatus)
{
	memset(f, 0, sizeof(*f));
	f->device = "/dev/vda";
	f->sysfs = "/sys/class/block/vda";
	f->mkfs = "/bin/mkfs.btrfs";
	f->command = "/bin/mkfs.btrfs -f /dev/vda";
	f->timeout_s = 120;
	f->dev.mode = S_IFBLK | 0660;
	f->dev.size = 256u << 20;
	memset(run_res, 0, sizeof(*run_res));
	run_res->have_status = 1;
	run_res->wstatus = wstatus;
	f->run = run_res;
}

static void facts_magic(struct dt_facts *f, enum dt_magic_status s,
			uint64_t value)
{
	facts_ran(f, 0);
	f->flushed = 1;
	f->magic_read = 1;
	f->magic.status = s;
	f->magic.value = value;
	f->magic.op = "pread";
	f->magic.err = EIO;
}

#define W_EXIT(n) ((n) << 8)
#define W_SIG(n) (n)

static void test_status_str(void)
{
	char buf[96];

	dt_status_str(W_EXIT(3), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "exit 3");
	dt_status_str(W_EXIT(0), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "exit 0");
	dt_status_str(W_SIG(SIGKILL), buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "killed by signal 9"));
	CU_ASSERT_PTR_NULL(strstr(buf, "exit"));
}

static void test_verdict_codes(void)
{
	static const struct {
		int wstatus, code;
	} runs[] = {
		{ W_EXIT(1), 1 },	 { W_EXIT(3), 3 },
		{ W_EXIT(255), 255 },	 { W_SIG(SIGKILL), 137 },
		{ W_SIG(SIGTERM), 143 }, { W_SIG(SIGSEGV), 128 + SIGSEGV },
	};
	struct dt_facts f;
	char v[512];
	size_t i;

	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		facts_ran(&f, runs[i].wstatus);
		CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), runs[i].code);
		CU_ASSERT_PTR_NOT_NULL(strstr(v, WIFSIGNALED(runs[i].wstatus)
							 ? "killed by signal"
							 : "mkfs failed: exit"));
	}

	facts_magic(&f, DT_MAGIC_OK, DT_BTRFS_MAGIC);
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 0);
	facts_magic(&f, DT_MAGIC_MISMATCH, 0);
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SILENT_NOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "0x0000000000000000"));
	facts_magic(&f, DT_MAGIC_SHORT, 0);
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SILENT_NOOP);
	facts_magic(&f, DT_MAGIC_ERROR, 0);
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), DT_EXIT_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "pread"));

	facts_magic(&f, DT_MAGIC_OK, DT_BTRFS_MAGIC);
	f.magic_read = 0;
	f.flush_err = EIO;
	f.flush_op = "fsync";
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), DT_EXIT_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "fsync"));

	/* A timeout wins over the status the kill produced, even exit 0. */
	facts_ran(&f, W_SIG(SIGKILL));
	run_res->timed_out = 1;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 124);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "120 s"));
	facts_ran(&f, W_EXIT(0));
	run_res->timed_out = 1;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 124);

	facts_ran(&f, 0);
	run_res->have_status = 0;
	run_res->spawn_err = ENOENT;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 127);
	run_res->spawn_err = EACCES;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 126);
	run_res->spawn_err = ENOMEM;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SETUP);
	run_res->spawn_err = 0;
	run_res->wait_err = ECHILD;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SETUP);
}

static void test_verdict_before_mkfs(void)
{
	struct dt_facts f;
	char v[512];

	facts_ran(&f, 0);
	f.run = NULL;
	f.mkfs_err = ENOENT;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 127);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "/bin/mkfs.btrfs not found"));
	f.mkfs_err = EACCES;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), 126);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "not an executable"));

	f.mkfs_err = 0;
	f.dev.node_err = ENOENT;
	f.dev.sysfs_err = ENOENT;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SETUP);
	CU_ASSERT_STRING_EQUAL(v, "device /dev/vda missing (no /sys/class/block/vda): is a virtio-blk disk attached?");
	f.dev.sysfs_err = 0;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SETUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "no device node"));
	f.dev.node_err = 0;
	f.dev.mode = S_IFCHR | 0600;
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SETUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "neither a block device"));

	f.setup_err = "[disk_template] device: 'vda' is not an absolute path";
	CU_ASSERT_EQUAL(dt_verdict(&f, v, sizeof(v)), KTINIT_EXIT_SETUP);
	CU_ASSERT_STRING_EQUAL(v, f.setup_err);
}

/* ---- diagnostic block --------------------------------------------------- */

static char diag[DT_DIAG_MAX];

static int format(const struct dt_facts *f)
{
	char v[512];
	int code = dt_verdict(f, v, sizeof(v));

	CU_ASSERT_EQUAL(dt_diag_format(f, code, v, diag, sizeof(diag)), 0);
	return code;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void test_diag_ok(void)
{
	struct dt_facts f;
	const char *lines[] = {
		"disk_template: begin diagnostic\n",
		"disk_template: device: /dev/vda: block device, 268435456 bytes (256.0 MiB)\n",
		"disk_template: sysfs: /sys/class/block/vda: present\n",
		"disk_template: mkfs: /bin/mkfs.btrfs -f /dev/vda\n",
		"disk_template: mkfs status: exit 0 after 1.25 s\n",
		"disk_template: mkfs stdout: 25 bytes\n",
		"disk_template: | btrfs-progs v6.2\n",
		"disk_template: | Label: x\n",
		"disk_template: mkfs stderr: 0 bytes\n",
		"disk_template: fsync: ok\n",
		"disk_template: magic at 0x10040: 0x4D5F53665248425F \"_BHRfS_M\" (btrfs)\n",
		"disk_template: verdict: OK (code 0): btrfs superblock magic found on /dev/vda\n",
		"disk_template: end diagnostic\n",
	};
	const char *p = diag;
	size_t i;

	facts_magic(&f, DT_MAGIC_OK, DT_BTRFS_MAGIC);
	run_res->elapsed_ms = 1250;
	dt_tail_append(&run_res->out, "btrfs-progs v6.2\nLabel: x", 25);
	CU_ASSERT_EQUAL(format(&f), 0);
	/* Every line, in order, and nothing after the end line. */
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *hit = strstr(p, lines[i]);

		CU_ASSERT_PTR_NOT_NULL(hit);
		if (!hit) {
			fprintf(stderr, "missing: %s in:\n%s", lines[i], diag);
			return;
		}
		p = hit + strlen(lines[i]);
	}
	CU_ASSERT_EQUAL(*p, '\0');
}

static void test_diag_failures(void)
{
	struct dt_facts f;

	facts_ran(&f, W_EXIT(1));
	dt_tail_append(&run_res->err, "ERROR: too small\n", 17);
	CU_ASSERT_EQUAL(format(&f), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "mkfs status: exit 1 after"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "mkfs stderr: 17 bytes\ndisk_template: | ERROR: too small\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "fsync: not done\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "magic at 0x10040: not read\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "verdict: FAIL (code 1): mkfs failed: exit 1\n"));

	facts_ran(&f, W_SIG(SIGKILL));
	CU_ASSERT_EQUAL(format(&f), 137);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "mkfs status: killed by signal 9"));
	CU_ASSERT_PTR_NULL(strstr(diag, "status: exit"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "verdict: FAIL (code 137): mkfs killed by signal 9"));

	facts_ran(&f, W_SIG(SIGKILL));
	run_res->timed_out = 1;
	CU_ASSERT_EQUAL(format(&f), 124);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "timed out after 120 s, then killed by signal 9"));

	facts_ran(&f, 0);
	f.run = NULL;
	f.dev.node_err = ENOENT;
	f.dev.sysfs_err = ENOENT;
	CU_ASSERT_EQUAL(format(&f), KTINIT_EXIT_SETUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "device: /dev/vda: missing (No such file or directory)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "sysfs: /sys/class/block/vda: missing"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "mkfs status: not run"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "is a virtio-blk disk attached?"));

	facts_magic(&f, DT_MAGIC_MISMATCH, 0);
	CU_ASSERT_EQUAL(format(&f), 64);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "0x0000000000000000 \"........\" (zeroed)"));
	facts_magic(&f, DT_MAGIC_SHORT, 0);
	f.magic.got = 3;
	CU_ASSERT_EQUAL(format(&f), 64);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "short read, 3 of 8 bytes"));
	facts_magic(&f, DT_MAGIC_ERROR, 0);
	CU_ASSERT_EQUAL(format(&f), DT_EXIT_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "read error (pread: Input/output error)"));
}

static void test_diag_long_output(void)
{
	struct dt_facts f;
	char line[64];
	int i, n;

	facts_ran(&f, W_EXIT(1));
	for (i = 0; i < 10000; i++) {
		n = snprintf(line, sizeof(line), "line %05d\n", i);
		dt_tail_append(&run_res->err, line, (size_t)n);
	}
	dt_tail_append(&run_res->out, "esc \033[31mred\r\n", 15);
	CU_ASSERT_EQUAL(format(&f), 1);
	/* The end is shown, the start is not, and the block says so. */
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "| line 09999\n"));
	CU_ASSERT_PTR_NULL(strstr(diag, "line 00000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "mkfs stderr: 110000 bytes, the first "));
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "not shown"));
	CU_ASSERT_EQUAL(count(diag, "| line "), DT_DIAG_OUT_LINES);
	/* Control characters never reach the terminal. */
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "| esc ?[31mred\n"));
	CU_ASSERT_PTR_NULL(strchr(diag, '\033'));
	CU_ASSERT_PTR_NULL(strchr(diag, '\r'));

	/* One endless line: its end is shown, cut to the byte limit. */
	facts_ran(&f, W_EXIT(1));
	for (i = 0; i < 1000; i++)
		dt_tail_append(&run_res->out, "0123456789", 10);
	CU_ASSERT_EQUAL(format(&f), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(diag, "the first 5904 not shown"));
}

static void test_diag_small_buffer(void)
{
	struct dt_facts f;
	char small[600], v[512];
	int code;
	size_t len;

	facts_ran(&f, W_EXIT(2));
	dt_tail_append(&run_res->err, "a long line of error text\n", 26);
	dt_tail_append(&run_res->err, "a long line of error text\n", 26);
	code = dt_verdict(&f, v, sizeof(v));
	CU_ASSERT_EQUAL(dt_diag_format(&f, code, v, small, sizeof(small)), -ENOSPC);
	len = strlen(small);
	CU_ASSERT(len < sizeof(small));
	CU_ASSERT_PTR_NOT_NULL(strstr(small, "(diagnostic cut short)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(small, "verdict: FAIL (code 2)"));
	CU_ASSERT(len > 30 && strcmp(small + len - 30, "disk_template: end diagnostic\n") == 0);
	CU_ASSERT_EQUAL(dt_diag_format(&f, code, v, small, 40), -ENOSPC);
}

/* ---- the whole mode against fake services ------------------------------ */

/* One run's fake root (tests/unit/fake_services.c) and what it captured,
 * kept until the next root_setup, or the end, for the test to look at. */
static struct {
	struct fake_env env;
	int live;	   /* env is initialized */
	char *sout, *serr; /* the SOUT and SERR payloads, after run_mode */
} fx;

static void fx_free(void)
{
	if (fx.live)
		fake_fini(&fx.env);
	fx.live = 0;
	free(fx.sout);
	free(fx.serr);
	fx.sout = fx.serr = NULL;
}

/* A fresh root with bin/, dev/vda (dev_size bytes, none when 0) and the
 * fixture script as bin/mkfs.btrfs (none when NULL). */
static void root_setup(off_t dev_size, const char *script, mode_t mode)
{
	char p[PATH_MAX];

	fx_free();
	CU_ASSERT_EQUAL_FATAL(fake_init(&fx.env, NULL), 0);
	fx.live = 1;
	fx.env.ctx.mode = &ktinit_mode;
	CU_ASSERT_EQUAL_FATAL(fake_mkdirs(&fx.env, "/bin"), 0);
	CU_ASSERT_EQUAL_FATAL(fake_mkdirs(&fx.env, "/dev"), 0);
	if (dev_size) {
		fake_host_path(&fx.env, "/dev/vda", p);
		make_file(p, dev_size, 0, NULL, 0);
	}
	if (script)
		CU_ASSERT_EQUAL_FATAL(fake_put(&fx.env, "/bin/mkfs.btrfs", script,
					       mode), 0);
}

static void set_cfg(const char *key, const char *value)
{
	fake_set(&fx.env, "disk_template", key, value);
}

/* Run the mode the way the core does: setup_stdio, run, report_exit. */
static int run_mode(void)
{
	struct fake_env *env = &fx.env;
	const char *com2;
	int code;

	CU_ASSERT_EQUAL(ktinit_mode.abi, KTINIT_MODE_ABI_VERSION);
	CU_ASSERT_PTR_NULL(ktinit_mode.setup_stdio);
	CU_ASSERT_PTR_NULL(ktinit_mode.report_exit);
	code = ktinit_mode.run(&env->ctx);
	env->ctx.svc->default_report_exit(&env->ctx, code);
	CU_ASSERT_EQUAL(fake_count(env, KTINIT_FRAME_EXIT), 1);
	CU_ASSERT_EQUAL(fake_i32(env, KTINIT_FRAME_EXIT), code);
	/* The mode itself sends output frames and LIFE, nothing else. */
	CU_ASSERT_EQUAL(env->nframes, fake_count(env, KTINIT_FRAME_SOUT) +
					      fake_count(env, KTINIT_FRAME_SERR) +
					      fake_count(env, KTINIT_FRAME_LIFE) +
					      fake_count(env, KTINIT_FRAME_EXIT));
	fx.sout = fake_concat(env, KTINIT_FRAME_SOUT);
	fx.serr = fake_concat(env, KTINIT_FRAME_SERR);
	CU_ASSERT_FATAL(fx.sout && fx.serr);
	com2 = fake_com2(env);
	if (getenv("TDT_VERBOSE")) /* see the blocks: TDT_VERBOSE=1 */
		fprintf(stderr, "\n%s", com2);
	/* One whole block, always, one line per com2 call. */
	CU_ASSERT_EQUAL(env->com2_bad, 0);
	CU_ASSERT_EQUAL(count(com2, "disk_template: begin diagnostic\n"), 1);
	CU_ASSERT_EQUAL(count(com2, "disk_template: verdict: "), 1);
	CU_ASSERT(env->com2_len > 0 &&
		  strstr(com2, "disk_template: end diagnostic\n") ==
			  com2 + env->com2_len - 30);
	return code;
}

static void expect_com2(const char *s)
{
	const char *com2 = fake_com2(&fx.env);

	CU_ASSERT_PTR_NOT_NULL(strstr(com2, s));
	if (!strstr(com2, s))
		fprintf(stderr, "\nCOM2 lacks \"%s\":\n%s", s, com2);
}

#define WRITE_MAGIC                                                        \
	"for a; do dev=$a; done\n"                                         \
	"printf _BHRfS_M | dd of=\"$dev\" bs=1 seek=65600 conv=notrunc 2>/dev/null\n"

static void test_run_ok(void)
{
	char want[PATH_MAX + 64], *reason;

	root_setup(1 << 20, "#!/bin/sh\necho \"fake mkfs: $*\"\n" WRITE_MAGIC,
		   0755);
	set_cfg("args", " -L  scratch\t-n 16384 ");
	snprintf(want, sizeof(want), "fake mkfs: -f -L scratch -n 16384 %s/dev/vda\n",
		 fx.env.root);
	CU_ASSERT_EQUAL(run_mode(), 0);
	CU_ASSERT_STRING_EQUAL(fx.sout, want);
	CU_ASSERT_EQUAL(fake_count(&fx.env, KTINIT_FRAME_SERR), 0);
	CU_ASSERT_EQUAL(fake_count(&fx.env, KTINIT_FRAME_LIFE), 1);
	reason = fake_life_reason(&fx.env, KTINIT_LIFE_PAYLOAD_STARTING);
	CU_ASSERT_STRING_EQUAL(reason ? reason : "(no such LIFE frame)",
			       "/bin/mkfs.btrfs -f -L scratch -n 16384 /dev/vda");
	free(reason);
	expect_com2("disk_template: device: /dev/vda: image file, 1048576 bytes (1.0 MiB)\n");
	expect_com2("disk_template: sysfs: /sys/class/block/vda: missing");
	expect_com2("disk_template: mkfs: /bin/mkfs.btrfs -f -L scratch -n 16384 /dev/vda\n");
	expect_com2("disk_template: mkfs status: exit 0 after ");
	expect_com2("disk_template: | fake mkfs: -f -L scratch");
	expect_com2("disk_template: fsync: ok\n");
	expect_com2("\"_BHRfS_M\" (btrfs)\n");
	expect_com2("disk_template: verdict: OK (code 0)");
	CU_ASSERT_PTR_NULL(strstr(fake_com2(&fx.env), "left a process"));
}

static void test_run_noop(void)
{
	root_setup(1 << 20, "#!/bin/sh\necho pretending\nexit 0\n", 0755);
	CU_ASSERT_EQUAL_FATAL(fake_mkdirs(&fx.env, "/sys/class/block/vda"), 0);
	CU_ASSERT_EQUAL(run_mode(), KTINIT_EXIT_SILENT_NOOP);
	CU_ASSERT_STRING_EQUAL(fx.sout, "pretending\n");
	expect_com2("disk_template: sysfs: /sys/class/block/vda: present\n");
	expect_com2("(zeroed)");
	expect_com2("verdict: FAIL (code 64): mkfs exited 0 but wrote no btrfs superblock");
}

static void test_run_short_device(void)
{
	root_setup(4096, "#!/bin/sh\nexit 0\n", 0755);
	CU_ASSERT_EQUAL(run_mode(), KTINIT_EXIT_SILENT_NOOP);
	expect_com2("device: /dev/vda: image file, 4096 bytes (4.0 KiB)\n");
	expect_com2("short read, 0 of 8 bytes");
}

static void test_run_exit3(void)
{
	root_setup(1 << 20,
		   "#!/bin/sh\n"
		   "echo 'btrfs-progs v6.2'\n"
		   "echo 'ERROR: device is too small to make filesystem' >&2\n"
		   "exit 3\n",
		   0755);
	CU_ASSERT_EQUAL(run_mode(), 3);
	CU_ASSERT_STRING_EQUAL(fx.serr, "ERROR: device is too small to make filesystem\n");
	expect_com2("disk_template: mkfs status: exit 3 after ");
	expect_com2("disk_template: | ERROR: device is too small to make filesystem\n");
	expect_com2("disk_template: magic at 0x10040: not read\n");
	expect_com2("verdict: FAIL (code 3): mkfs failed: exit 3\n");
}

static void test_run_long_line(void)
{
	/* 10000 bytes without a newline: the diagnostic block keeps its tail
	 * (diag.c) and COM2 gets whole lines (run_mode asserts com2_bad == 0). */
	root_setup(1 << 20,
		   "#!/bin/sh\n"
		   "head -c 10000 /dev/zero | tr '\\0' e >&2\n"
		   "exit 2\n",
		   0755);
	CU_ASSERT_EQUAL(run_mode(), 2);
	expect_com2("eeeeeeeeee");
}

static void test_run_sigkill(void)
{
	root_setup(1 << 20, "#!/bin/sh\necho bye\nkill -KILL $$\n", 0755);
	CU_ASSERT_EQUAL(run_mode(), 137);
	expect_com2("mkfs status: killed by signal 9");
	expect_com2("verdict: FAIL (code 137): mkfs killed by signal 9");
}

static void test_run_missing_device(void)
{
	root_setup(0, "#!/bin/sh\nexit 0\n", 0755);
	CU_ASSERT_EQUAL(run_mode(), KTINIT_EXIT_SETUP);
	CU_ASSERT_EQUAL(fake_count(&fx.env, KTINIT_FRAME_LIFE), 0);
	expect_com2("disk_template: device: /dev/vda: missing (No such file or directory)\n");
	expect_com2("verdict: FAIL (code 125): device /dev/vda missing (no /sys/class/block/vda): is a virtio-blk disk attached?\n");
}

static void test_run_mkfs_missing_or_not_executable(void)
{
	root_setup(1 << 20, NULL, 0);
	CU_ASSERT_EQUAL(run_mode(), 127);
	expect_com2("mkfs /bin/mkfs.btrfs not found");

	root_setup(1 << 20, "#!/bin/sh\nexit 0\n", 0644);
	CU_ASSERT_EQUAL(run_mode(), 126);
	expect_com2("mkfs /bin/mkfs.btrfs is not an executable file");
}

static void test_run_timeout(void)
{
	long long t0 = fake_now_ms();

	root_setup(1 << 20, "#!/bin/sh\necho started\nsleep 30\n", 0755);
	set_cfg("timeout_s", "1");
	CU_ASSERT_EQUAL(run_mode(), 124);
	CU_ASSERT(fake_now_ms() - t0 < 5000);
	CU_ASSERT_STRING_EQUAL(fx.sout, "started\n");
	expect_com2("mkfs status: timed out after 1 s, then killed by signal 9");
	expect_com2("verdict: FAIL (code 124): mkfs did not finish within 1 s");
}

/* mkfs leaves a child holding its stdout: the run must still end soon. */
static void test_run_lingering_child(void)
{
	long long t0 = fake_now_ms();

	root_setup(1 << 20, "#!/bin/sh\n" WRITE_MAGIC "sleep 30 &\necho parent\nexit 0\n",
		   0755);
	CU_ASSERT_EQUAL(run_mode(), 0);
	CU_ASSERT(fake_now_ms() - t0 < 5000);
	expect_com2("left a process holding its output open");
}

static void test_run_bad_config(void)
{
	root_setup(1 << 20, "#!/bin/sh\nexit 0\n", 0755);
	set_cfg("device", "vda");
	CU_ASSERT_EQUAL(run_mode(), KTINIT_EXIT_SETUP);
	expect_com2("disk_template: config: [disk_template] device: 'vda' is not an absolute path\n");
}

/* A lot of output: all of it goes out as frames, the block shows the end. */
static void test_run_big_output(void)
{
	root_setup(1 << 20,
		   "#!/bin/sh\n"
		   "i=0; while [ $i -lt 20000 ]; do echo \"out line $i\"; i=$((i+1)); done\n"
		   "echo 'last words' >&2\nexit 1\n",
		   0755);
	CU_ASSERT_EQUAL(run_mode(), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx.sout, "out line 0\nout line 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(fx.sout, "out line 19999\n"));
	expect_com2("not shown (all were sent as frames)");
	expect_com2("| out line 19999\n");
	expect_com2("| last words\n");
}

static const char *find_mkfs_btrfs(void)
{
	static const char *const where[] = { "/usr/sbin/mkfs.btrfs",
					     "/sbin/mkfs.btrfs",
					     "/usr/bin/mkfs.btrfs", NULL };
	size_t i;

	for (i = 0; where[i]; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* The real mkfs.btrfs on image files, when the build host has it: the
 * unit-level twin of the e2e cases (256 MiB works, 16 MiB is too small and
 * says so). */
static void test_run_real_mkfs_btrfs(void)
{
	const char *mkfs = find_mkfs_btrfs();
	char p[PATH_MAX];

	if (!mkfs) {
		fprintf(stderr, "(no mkfs.btrfs on this host: skipped) ");
		return;
	}
	root_setup(256 << 20, NULL, 0);
	fake_host_path(&fx.env, "/bin/mkfs.btrfs", p);
	CU_ASSERT_FATAL(symlink(mkfs, p) == 0);
	CU_ASSERT_EQUAL(run_mode(), 0);
	expect_com2("256.0 MiB");
	expect_com2("\"_BHRfS_M\" (btrfs)\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(fx.sout, "btrfs-progs"));

	root_setup(16 << 20, NULL, 0);
	fake_host_path(&fx.env, "/bin/mkfs.btrfs", p);
	CU_ASSERT_FATAL(symlink(mkfs, p) == 0);
	CU_ASSERT_EQUAL(run_mode(), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx.serr, "too small"));
	expect_com2("too small");
	expect_com2("verdict: FAIL (code 1): mkfs failed: exit 1\n");
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "magic: valid", test_magic_valid },
		{ "magic: zeroed and other", test_magic_zeroed_and_other },
		{ "magic: short file", test_magic_short },
		{ "magic: unreadable", test_magic_unreadable },
		{ "device probe and flush", test_device },
		{ "output tail", test_tail },
		{ "status words", test_status_str },
		{ "verdict: codes", test_verdict_codes },
		{ "verdict: before mkfs", test_verdict_before_mkfs },
		{ "diag: ok block", test_diag_ok },
		{ "diag: failures", test_diag_failures },
		{ "diag: long output", test_diag_long_output },
		{ "diag: small buffer", test_diag_small_buffer },
		{ "run: ok", test_run_ok },
		{ "run: mkfs writes nothing", test_run_noop },
		{ "run: short device", test_run_short_device },
		{ "run: mkfs exits 3", test_run_exit3 },
		{ "run: one 10000-byte line", test_run_long_line },
		{ "run: mkfs killed", test_run_sigkill },
		{ "run: device missing", test_run_missing_device },
		{ "run: mkfs missing, not executable", test_run_mkfs_missing_or_not_executable },
		{ "run: timeout", test_run_timeout },
		{ "run: lingering child", test_run_lingering_child },
		{ "run: bad config", test_run_bad_config },
		{ "run: big output", test_run_big_output },
		{ "run: real mkfs.btrfs", test_run_real_mkfs_btrfs },
		{ NULL, NULL },
	};
	int rc;

	run_res = calloc(1, sizeof(*run_res));
	if (!run_res || fake_init(&scratch, NULL) < 0) {
		perror("test_disk_template: setup");
		return 99;
	}
	rc = kt_unit_run("disk_template", cases);
	fx_free();
	fake_fini(&scratch);
	free(run_res);
	return rc;
}
