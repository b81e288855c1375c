/* test mode, scheduler parts one by one against the fake services: config
 * keys and /sched_args, argv splitting, cgroup creation, the attach
 * decision, log shipping, trace forwarding. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_services.h"
#include "payload.h"
#include "proc.h"
#include "sched_attach.h"
#include "sched_cgroup.h"
#include "sched_config.h"
#include "sched_log.h"
#include "trace.h"
#include "unit.h"

static void test_argv_words(void)
{
	struct tm_argv a;

	CU_ASSERT_EQUAL_FATAL(tm_argv_words("/bin/s", "  -v  --x=1\t-r /tmp ", &a), 0);
	CU_ASSERT_EQUAL(a.argc, 5);
	CU_ASSERT_STRING_EQUAL(a.argv[0], "/bin/s");
	CU_ASSERT_STRING_EQUAL(a.argv[1], "-v");
	CU_ASSERT_STRING_EQUAL(a.argv[2], "--x=1");
	CU_ASSERT_STRING_EQUAL(a.argv[3], "-r");
	CU_ASSERT_STRING_EQUAL(a.argv[4], "/tmp");
	CU_ASSERT_PTR_NULL(a.argv[5]);
	tm_argv_free(&a);
	CU_ASSERT_EQUAL_FATAL(tm_argv_words("s", NULL, &a), 0);
	CU_ASSERT_EQUAL(a.argc, 1);
	CU_ASSERT_PTR_NULL(a.argv[1]);
	tm_argv_free(&a);
	CU_ASSERT_EQUAL_FATAL(tm_argv_words("s", "a b c d e f g h", &a), 0);
	CU_ASSERT_EQUAL(a.argc, 9);
	CU_ASSERT_STRING_EQUAL(a.argv[8], "h");
	CU_ASSERT_PTR_NULL(a.argv[9]);
	tm_argv_free(&a);
}

static void test_enums(void)
{
	enum tm_attach at;
	enum tm_on_death od;

	CU_ASSERT(tm_attach_parse("auto", &at) == 0 && at == TM_ATTACH_AUTO);
	CU_ASSERT(tm_attach_parse("yes", &at) == 0 && at == TM_ATTACH_YES);
	CU_ASSERT(tm_attach_parse("no", &at) == 0 && at == TM_ATTACH_NO);
	CU_ASSERT_EQUAL(tm_attach_parse("maybe", &at), -EINVAL);
	CU_ASSERT_EQUAL(tm_attach_parse("", &at), -EINVAL);
	CU_ASSERT(tm_on_death_parse("fail", &od) == 0 && od == TM_DEATH_FAIL);
	CU_ASSERT(tm_on_death_parse("continue", &od) == 0 && od == TM_DEATH_CONTINUE);
	CU_ASSERT_EQUAL(tm_on_death_parse("ignore", &od), -EINVAL);
}

static void test_config_defaults(void)
{
	struct fake_env env;
	struct tm_sched_cfg cfg;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	CU_ASSERT_EQUAL(tm_sched_cfg_load(&env.ctx, &cfg), 0);
	CU_ASSERT_EQUAL(cfg.argv.argc, 0);
	CU_ASSERT_PTR_NULL(cfg.sched_cgroup);
	CU_ASSERT_PTR_NULL(cfg.workload_cgroup);
	CU_ASSERT_EQUAL(cfg.attach, TM_ATTACH_AUTO);
	CU_ASSERT_EQUAL(cfg.attach_timeout_ms, 10000);
	CU_ASSERT_STRING_EQUAL(cfg.sched_ext_root, "/sys/kernel/sched_ext");
	CU_ASSERT_EQUAL(cfg.on_death, TM_DEATH_FAIL);
	CU_ASSERT_STRING_EQUAL(cfg.log_path, "/tmp/sched.log");
	CU_ASSERT_EQUAL(cfg.stop_grace_ms, 2000);
	CU_ASSERT_PTR_NULL(cfg.trace_events);
	tm_sched_cfg_free(&cfg);
	fake_fini(&env);
}

static void test_config_keys(void)
{
	static const struct fake_kv kv[] = {
		{ "test", "scheduler", "/bin/scx_simple" },
		{ "test", "scheduler_args", "-v  --slice 5" },
		{ "test", "scheduler_cgroup", "sched" },
		{ "test", "workload_cgroup", "work/a" },
		{ "test", "require_attach", "yes" },
		{ "test", "attach_timeout_ms", "250" },
		{ "test", "sched_ext_root", "/fake" },
		{ "test", "on_scheduler_death", "continue" },
		{ "test", "scheduler_log", "/run/s.log" },
		{ "test", "stop_grace_ms", "10" },
		{ "test", "trace_events", "sched:sched_switch" },
		{ NULL, NULL, NULL },
	};
	struct fake_env env;
	struct tm_sched_cfg cfg;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, kv), 0);
	CU_ASSERT_EQUAL_FATAL(tm_sched_cfg_load(&env.ctx, &cfg), 0);
	CU_ASSERT_EQUAL(cfg.argv.argc, 4);
	CU_ASSERT_STRING_EQUAL(cfg.argv.argv[0], "/bin/scx_simple");
	CU_ASSERT_STRING_EQUAL(cfg.argv.argv[3], "5");
	CU_ASSERT_STRING_EQUAL(cfg.argv_from, "[test] scheduler");
	CU_ASSERT_STRING_EQUAL(cfg.sched_cgroup, "sched");
	CU_ASSERT_STRING_EQUAL(cfg.workload_cgroup, "work/a");
	CU_ASSERT_EQUAL(cfg.attach, TM_ATTACH_YES);
	CU_ASSERT_EQUAL(cfg.attach_timeout_ms, 250);
	CU_ASSERT_STRING_EQUAL(cfg.sched_ext_root, "/fake");
	CU_ASSERT_EQUAL(cfg.on_death, TM_DEATH_CONTINUE);
	CU_ASSERT_STRING_EQUAL(cfg.log_path, "/run/s.log");
	CU_ASSERT_EQUAL(cfg.stop_grace_ms, 10);
	CU_ASSERT_STRING_EQUAL(cfg.trace_events, "sched:sched_switch");
	tm_sched_cfg_free(&cfg);

	/* /sched_args wins: first line the path, one argument per line. */
	CU_ASSERT_EQUAL(fake_write(&env, "/sched_args", "/x/scx_rusty\n--a b\n-c\n"), 0);
	CU_ASSERT_EQUAL_FATAL(tm_sched_cfg_load(&env.ctx, &cfg), 0);
	CU_ASSERT_EQUAL(cfg.argv.argc, 3);
	CU_ASSERT_STRING_EQUAL(cfg.argv.argv[0], "/x/scx_rusty");
	CU_ASSERT_STRING_EQUAL(cfg.argv.argv[1], "--a b");
	CU_ASSERT_STRING_EQUAL(cfg.argv_from, "/sched_args");
	tm_sched_cfg_free(&cfg);

	CU_ASSERT_EQUAL(fake_write(&env, "/sched_args", ""), 0);
	CU_ASSERT_EQUAL(tm_sched_cfg_load(&env.ctx, &cfg), -EINVAL);
	CU_ASSERT(fake_text_contains(&env, "/sched_args: the first line must be"));
	tm_sched_cfg_free(&cfg);
	fake_fini(&env);
}

static void test_config_bad(void)
{
	struct fake_env env;
	struct tm_sched_cfg cfg;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	fake_set(&env, "test", "require_attach", "maybe");
	CU_ASSERT_EQUAL(tm_sched_cfg_load(&env.ctx, &cfg), -EINVAL);
	CU_ASSERT(fake_text_contains(&env, "[test] require_attach = maybe: expected auto, yes or no"));
	tm_sched_cfg_free(&cfg);
	fake_set(&env, "test", "require_attach", "no");
	fake_set(&env, "test", "on_scheduler_death", "shrug");
	CU_ASSERT_EQUAL(tm_sched_cfg_load(&env.ctx, &cfg), -EINVAL);
	CU_ASSERT(fake_text_contains(&env, "[test] on_scheduler_death = shrug"));
	tm_sched_cfg_free(&cfg);
	fake_fini(&env);
}

/* A fake cgroup2 root: plain files stand in for the control files. */
static void make_cgroot(struct fake_env *env, const char *enabled)
{
	CU_ASSERT_EQUAL_FATAL(fake_mkdirs(env, "/sys/fs/cgroup"), 0);
	fake_write(env, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	fake_write(env, "/sys/fs/cgroup/cgroup.subtree_control", enabled);
}

static void test_cgroup_create(void)
{
	struct fake_env env;
	char out[PATH_MAX], want[PATH_MAX];
	struct stat st;
	char *sc;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	make_cgroot(&env, "cpu\n");
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "[test] scheduler_cgroup",
					  "/sched/", out, sizeof(out)), 0);
	fake_host_path(&env, "/sys/fs/cgroup/sched", want);
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT(stat(want, &st) == 0 && S_ISDIR(st.st_mode));
	/* every offered controller but the one already on, in one write */
	sc = fake_read(&env, "/sys/fs/cgroup/cgroup.subtree_control");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc, "+cpuset +io +memory +pids");
	free(sc);
	/* again: an existing group is fine */
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "k", "sched", out, sizeof(out)), 0);
	fake_fini(&env);
}

static void test_cgroup_errors(void)
{
	struct fake_env env;
	char out[PATH_MAX];

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	/* no cgroup2 mounted */
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "[test] workload_cgroup", "w",
					  out, sizeof(out)), -ENOTDIR);
	CU_ASSERT(fake_text_contains(&env, "[test] workload_cgroup: "));
	CU_ASSERT(fake_text_contains(&env, "is not a cgroup v2 directory"));
	make_cgroot(&env, "");
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "k", "../etc", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "k", "a/./b", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "k", "/", out, sizeof(out)), -EINVAL);
	CU_ASSERT(fake_text_contains(&env, "k = ../etc: expected a path relative to /sys/fs/cgroup"));
	/* a file where the group should be: which path, which errno */
	fake_write(&env, "/sys/fs/cgroup/taken", "");
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "[test] scheduler_cgroup",
					  "taken", out, sizeof(out)), -EEXIST);
	CU_ASSERT(fake_text_contains(&env, "[test] scheduler_cgroup: mkdir "));
	CU_ASSERT(fake_text_contains(&env, "/sys/fs/cgroup/taken: File exists"));
	/* nested: the new level is no cgroup in this fake, so it says so */
	CU_ASSERT_EQUAL(tm_cgroup_prepare(&env.ctx, "k", "a/b", out, sizeof(out)), -ENOTDIR);
	CU_ASSERT(fake_text_contains(&env, "/sys/fs/cgroup/a is not a cgroup v2 directory"));
	fake_fini(&env);
}

static void test_attach_wanted(void)
{
	struct fake_env env;
	struct tm_sched_cfg cfg = { .sched_ext_root = "/scx" };

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	cfg.attach = TM_ATTACH_AUTO;
	CU_ASSERT_EQUAL(tm_attach_wanted(&env.ctx, &cfg), 0);
	CU_ASSERT(fake_text_contains(&env, "/scx absent: not checking"));
	fake_mkdirs(&env, "/scx");
	CU_ASSERT_EQUAL(tm_attach_wanted(&env.ctx, &cfg), 1);
	cfg.attach = TM_ATTACH_NO;
	CU_ASSERT_EQUAL(tm_attach_wanted(&env.ctx, &cfg), 0);
	cfg.attach = TM_ATTACH_YES;
	cfg.sched_ext_root = "/elsewhere";
	CU_ASSERT_EQUAL(tm_attach_wanted(&env.ctx, &cfg), 1);
	fake_fini(&env);
}

static void test_log_ship(void)
{
	struct fake_env env;
	size_t len = 150 * 1024;
	char *data = malloc(len + 1), *got;
	int fd;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	data[len] = '\0';
	fake_mkdirs(&env, "/tmp");
	fd = tm_sched_log_open(&env.ctx, "/tmp/s.log");
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, data, len), (ssize_t)len);
	close(fd);
	CU_ASSERT_EQUAL(tm_sched_log_ship(&env.ctx, "/tmp/s.log"), (long)len);
	CU_ASSERT_EQUAL(fake_count(&env, KTINIT_FRAME_SCLG), 3);
	got = fake_concat(&env, KTINIT_FRAME_SCLG);
	CU_ASSERT(got && strcmp(got, data) == 0);
	free(got);
	/* a missing log: a warning saying which file, no frame */
	CU_ASSERT_EQUAL(tm_sched_log_ship(&env.ctx, "/tmp/none.log"), -ENOENT);
	CU_ASSERT(fake_text_contains(&env, "shipping the scheduler log /tmp/none.log: No such file"));
	/* a log that cannot be created says which and why */
	CU_ASSERT_EQUAL(tm_sched_log_open(&env.ctx, "/nodir/s.log"), -ENOENT);
	CU_ASSERT(fake_text_contains(&env, "scheduler log /nodir/s.log ([test] scheduler_log): No such file"));
	free(data);
	fake_fini(&env);
}

/* --- tracing against a fake tracefs: trace_pipe is a FIFO ------------- */

static void make_tracefs(struct fake_env *env)
{
	char path[PATH_MAX];

	fake_mkdirs(env, "/sys/kernel/tracing/events/sched/sched_switch");
	fake_mkdirs(env, "/sys/kernel/tracing/events/irq");
	fake_mkdirs(env, "/dev");
	fake_write(env, "/sys/kernel/tracing/tracing_on", "0");
	fake_write(env, "/sys/kernel/tracing/trace", "old junk");
	fake_write(env, "/sys/kernel/tracing/events/sched/sched_switch/enable", "0");
	fake_write(env, "/sys/kernel/tracing/events/irq/enable", "0");
	fake_write(env, "/dev/ttyS0", "");
	fake_host_path(env, "/sys/kernel/tracing/trace_pipe", path);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
}

static int file_is(struct fake_env *env, const char *guest_path, const char *want)
{
	char *got = fake_read(env, guest_path);
	int same = got && strcmp(got, want) == 0;

	free(got);
	return same;
}

static int wait_for_text(struct fake_env *env, const char *guest_path,
			 const char *needle, int ms)
{
	for (; ms > 0; ms -= 10) {
		char *got = fake_read(env, guest_path);
		int found = got && strstr(got, needle);

		free(got);
		if (found)
			return 1;
		usleep(10000);
	}
	return 0;
}

static void test_trace_forward(void)
{
	struct fake_env env;
	struct tm_trace *t;
	char path[PATH_MAX];
	const char *line = "  sh-1  [000] d..2.  1.0: sched_switch: prev_comm=sh\n";
	int wfd;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	make_tracefs(&env);
	t = tm_trace_start(&env.ctx, "sched:sched_switch, irq bad/name nosuch:event");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/tracing_on", "1"));
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/trace", ""));
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/events/sched/sched_switch/enable", "1"));
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/events/irq/enable", "1"));
	CU_ASSERT(fake_text_contains(&env, "\"bad/name\": expected sys:event"));
	CU_ASSERT(fake_text_contains(&env, "nosuch:event: "));
	fake_host_path(&env, "/sys/kernel/tracing/trace_pipe", path);
	wfd = open(path, O_WRONLY);
	CU_ASSERT_FATAL(wfd >= 0);
	CU_ASSERT_EQUAL(write(wfd, line, strlen(line)), (ssize_t)strlen(line));
	CU_ASSERT(wait_for_text(&env, "/dev/ttyS0", "sched_switch: prev_comm=sh", 2000));
	close(wfd); /* EOF: the forwarder then only waits for stop */
	tm_trace_stop(&env.ctx, t);
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/tracing_on", "0"));
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/events/sched/sched_switch/enable", "0"));
	CU_ASSERT(file_is(&env, "/sys/kernel/tracing/events/irq/enable", "0"));
	fake_fini(&env);
}

/* COM1 stuck (a FIFO nobody reads) while trace_pipe holds more than fits:
 * the teardown still ends at its deadline. */
static void test_trace_stop_bounded(void)
{
	struct fake_env env;
	struct tm_trace *t;
	char path[PATH_MAX], line[128], buf[256];
	long long t0, took;
	int com1_rd, pipe_wr, n;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	make_tracefs(&env);
	fake_host_path(&env, "/dev/ttyS0", path);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	com1_rd = open(path, O_RDONLY | O_NONBLOCK); /* there, never read */
	CU_ASSERT_FATAL(com1_rd >= 0);
	t = tm_trace_start(&env.ctx, "sched:sched_switch");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	fake_host_path(&env, "/sys/kernel/tracing/trace_pipe", path);
	pipe_wr = open(path, O_WRONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(pipe_wr >= 0);
	/* fill COM1's FIFO through the forwarder, then trace_pipe's own */
	for (int i = 0; i < 20000; i++) {
		n = snprintf(line, sizeof(line), "  x-1 [001] 2.0: sched_wakeup: n=%d\n", i);
		if (write(pipe_wr, line, (size_t)n) < 0)
			usleep(1000);
	}
	t0 = tm_now_ms();
	tm_trace_stop(&env.ctx, t);
	took = tm_now_ms() - t0;
	CU_ASSERT(took >= TM_TRACE_DRAIN_MS - 50);
	CU_ASSERT(took < TM_TRACE_DRAIN_MS + 500);
	n = (int)read(com1_rd, buf, sizeof(buf) - 1);
	CU_ASSERT(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "sched_wakeup: n=0\n"));
	close(pipe_wr);
	close(com1_rd);
	fake_fini(&env);
}

static void test_trace_absent(void)
{
	struct fake_env env;

	CU_ASSERT_EQUAL_FATAL(fake_init(&env, NULL), 0);
	CU_ASSERT_PTR_NULL(tm_trace_start(&env.ctx, NULL));
	CU_ASSERT_PTR_NULL(tm_trace_start(&env.ctx, " , "));
	CU_ASSERT_PTR_NULL(tm_trace_start(&env.ctx, "sched:sched_switch"));
	CU_ASSERT(fake_text_contains(&env, "no tracefs at /sys/kernel/tracing"));
	tm_trace_stop(&env.ctx, NULL);
	fake_fini(&env);
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "scheduler_args split on blanks", test_argv_words },
		{ "require_attach and on_scheduler_death values", test_enums },
		{ "config defaults", test_config_defaults },
		{ "config keys and /sched_args precedence", test_config_keys },
		{ "bad config values are named", test_config_bad },
		{ "cgroup created, controllers enabled", test_cgroup_create },
		{ "cgroup errors say which path and why", test_cgroup_errors },
		{ "require_attach decision", test_attach_wanted },
		{ "scheduler log shipped as SCLG chunks", test_log_ship },
		{ "trace events enabled and forwarded to COM1", test_trace_forward },
		{ "trace teardown bounded with COM1 stuck", test_trace_stop_bounded },
		{ "no tracefs, no events: no tracing", test_trace_absent },
		{ NULL, NULL },
	};

	return kt_unit_run("test mode: scheduler parts", cases);
}
