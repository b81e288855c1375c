/* test mode: the scheduler lifecycle around the payload, the whole mode
 * driven through the fake services with the stand-in schedulers of
 * tests/fixtures (attach, never attach, die mid-payload, ignore SIGTERM). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_services.h"
#include "proc.h"
#include "unit.h"

extern const struct ktinit_mode_ops ktinit_mode;

#define FIXTURE(name) BUILDDIR "/tests/fixtures/" name

struct run {
	struct fake_env env;
	int code;
	long long ms;
};

/* A fake root with /tmp and the fake sched_ext root /scx; the stand-in
 * gets its real location through -r. */
static void setup(struct run *r, const char *sched, const char *extra_args,
		  const char *payload)
{
	char args[PATH_MAX + 256], scx[PATH_MAX];

	CU_ASSERT_EQUAL_FATAL(fake_init(&r->env, NULL), 0);
	fake_mkdirs(&r->env, "/tmp");
	fake_mkdirs(&r->env, "/scx");
	fake_host_path(&r->env, "/scx", scx);
	fake_set(&r->env, "test", "command", payload);
	fake_set(&r->env, "test", "sched_ext_root", "/scx");
	fake_set(&r->env, "test", "attach_timeout_ms", "3000");
	fake_set(&r->env, "test", "stop_grace_ms", "500");
	if (sched) {
		snprintf(args, sizeof(args), "-r %s %s", scx, extra_args ? extra_args : "");
		fake_set(&r->env, "test", "scheduler", sched);
		fake_set(&r->env, "test", "scheduler_args", args);
	}
}

static void go(struct run *r)
{
	long long t0 = tm_now_ms();

	r->code = ktinit_mode.run(&r->env.ctx);
	r->ms = tm_now_ms() - t0;
	if (r->env.verbose)
		fprintf(stderr, "[run] code %d after %lld ms\n", r->code, r->ms);
}

static int sclg_has(struct run *r, const char *needle)
{
	char *log = fake_concat(&r->env, KTINIT_FRAME_SCLG);
	int found = log && strstr(log, needle);

	free(log);
	return found;
}

static int life_reason_has(struct run *r, int phase, const char *needle)
{
	char *reason = fake_life_reason(&r->env, phase);
	int found = reason && strstr(reason, needle);

	if (!found)
		fprintf(stderr, "LIFE %d reason: %s (wanted \"%s\")\n", phase,
			reason ? reason : "(no such frame)", needle);
	free(reason);
	return found;
}

static void test_no_scheduler(void)
{
	struct run r;

	setup(&r, NULL, NULL, "exit 6");
	go(&r);
	CU_ASSERT_EQUAL(r.code, 6);
	CU_ASSERT(fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_PAYLOAD_STARTING) >= 0);
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCLG), 0);
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 0);
	fake_fini(&r.env);
}

static void test_attach_ok(void)
{
	struct run r;
	const struct fake_spawned *s;
	long start, sclg;

	setup(&r, FIXTURE("sched_attach"), "-a 200", "exit 5");
	fake_set(&r.env, "test", "require_attach", "yes");
	go(&r);
	CU_ASSERT_EQUAL(r.code, 5);
	start = fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_PAYLOAD_STARTING);
	sclg = fake_index(&r.env, KTINIT_FRAME_SCLG, 0);
	CU_ASSERT(start >= 0 && sclg > start);
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 0);
	CU_ASSERT_EQUAL(fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_SCHEDULER_DIED), -1);
	CU_ASSERT_EQUAL(fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED), -1);
	/* its stdout and stderr, to the very end (it logs SIGTERM) */
	CU_ASSERT(sclg_has(&r, "sched_attach: starting"));
	CU_ASSERT(sclg_has(&r, "sched_attach: a line on stderr"));
	CU_ASSERT(sclg_has(&r, "sched_attach: SIGTERM: detaching"));
	CU_ASSERT(fake_text_contains(&r.env, "attached as \"sched_attach\""));
	s = fake_spawned_find(&r.env, "sched_attach");
	CU_ASSERT(s && s->new_pgrp && !s->cgroup);
	fake_fini(&r.env);
}

static void test_sched_args_file(void)
{
	struct run r;

	setup(&r, "/nonexistent/sched", NULL, "exit 0");
	{
		char text[PATH_MAX * 2], scx[PATH_MAX];

		fake_host_path(&r.env, "/scx", scx);
		snprintf(text, sizeof(text), "%s\n-r\n%s\n-n\nfrom_file\n",
			 FIXTURE("sched_attach"), scx);
		fake_write(&r.env, "/sched_args", text);
	}
	go(&r);
	CU_ASSERT_EQUAL(r.code, 0);
	CU_ASSERT(fake_text_contains(&r.env, "attached as \"from_file\""));
	CU_ASSERT(fake_text_contains(&r.env, "from /sched_args"));
	fake_fini(&r.env);
}

static void test_never_attaches(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_noattach"), NULL, "echo ran > /dev/null; exit 0");
	fake_set(&r.env, "test", "attach_timeout_ms", "500");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_NOT_ATTACHED);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED,
				  "timed out after 500 ms"));
	CU_ASSERT_EQUAL(fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_PAYLOAD_STARTING), -1);
	CU_ASSERT(sclg_has(&r, "sched_noattach: not attaching, ever"));
	CU_ASSERT(fake_index(&r.env, KTINIT_FRAME_SCLG, 0) >
		  fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED));
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 0);
	CU_ASSERT(fake_text_contains(&r.env, "did not attach: timed out after 500 ms"));
	CU_ASSERT(fake_text_contains(&r.env, "payload not run, exit code 119"));
	CU_ASSERT(r.ms < 2500);
	fake_fini(&r.env);
}

static void test_sysfs_absent(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_noattach"), NULL, "exit 0");
	fake_set(&r.env, "test", "sched_ext_root", "/nowhere");
	fake_set(&r.env, "test", "require_attach", "yes");
	fake_set(&r.env, "test", "attach_timeout_ms", "300");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_NOT_ATTACHED);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED,
				  "sched_ext sysfs absent at /nowhere"));
	fake_fini(&r.env);
}

/* A kernel without sched_ext: no point waiting for /sys/kernel/sched_ext. */
static void test_sysfs_absent_fast(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_attach"), NULL, "exit 0");
	fake_set(&r.env, "test", "sched_ext_root", "/sys/kernel/sched_ext");
	fake_set(&r.env, "test", "require_attach", "yes");
	fake_set(&r.env, "test", "attach_timeout_ms", "5000");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_NOT_ATTACHED);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED,
				  "sched_ext sysfs absent at /sys/kernel/sched_ext"));
	CU_ASSERT(r.ms < 2000);
	fake_fini(&r.env);
}

static void test_exits_before_attach(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_attach"), "--bad-option", "exit 0");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_NOT_ATTACHED);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED,
				  "scheduler exited with 2"));
	CU_ASSERT(sclg_has(&r, "usage:"));
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 0);
	fake_fini(&r.env);

	setup(&r, "/nonexistent/scx_none", NULL, "exit 0");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_NOT_ATTACHED);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_NOT_ATTACHED,
				  "could not start /nonexistent/scx_none"));
	fake_fini(&r.env);
}

static void test_dies_fail(void)
{
	struct run r;
	long scdx, died, start;

	setup(&r, FIXTURE("sched_die"), "-d 1000", "sleep 3; exit 0");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_DIED);
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 1);
	CU_ASSERT_EQUAL(fake_i32(&r.env, KTINIT_FRAME_SCDX), 3);
	start = fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_PAYLOAD_STARTING);
	scdx = fake_index(&r.env, KTINIT_FRAME_SCDX, 0);
	died = fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_SCHEDULER_DIED);
	CU_ASSERT(start >= 0 && scdx > start && died > scdx);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_DIED, "exited with 3"));
	CU_ASSERT(sclg_has(&r, "sched_die: dying on purpose"));
	CU_ASSERT(fake_text_contains(&r.env, "on_scheduler_death = fail"));
	/* the payload was stopped, not left to finish its 3 s */
	CU_ASSERT(r.ms < 2800);
	fake_fini(&r.env);
}

static void test_dies_continue(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_die"), "-d 1000 -s 11", "sleep 3; exit 4");
	fake_set(&r.env, "test", "on_scheduler_death", "continue");
	go(&r);
	CU_ASSERT_EQUAL(r.code, 4);
	CU_ASSERT_EQUAL(fake_i32(&r.env, KTINIT_FRAME_SCDX), 139);
	CU_ASSERT(life_reason_has(&r, KTINIT_LIFE_SCHEDULER_DIED,
				  "exited with 139 (signal 11)"));
	CU_ASSERT(r.ms >= 2900);
	fake_fini(&r.env);
}

/* Dead before the payload could start: the payload is not run, or is
 * stopped at once. */
static void test_dies_before_payload(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_die"), "-d 0", "sleep 5");
	fake_set(&r.env, "test", "require_attach", "no");
	fake_set(&r.env, "test", "attach_timeout_ms", "0");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SCHED_DIED);
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 1);
	CU_ASSERT(r.ms < 3000);
	fake_fini(&r.env);
}

static void test_ignores_sigterm(void)
{
	struct run r;
	long long t0;

	setup(&r, FIXTURE("sched_stubborn"), NULL, "exit 0");
	fake_set(&r.env, "test", "stop_grace_ms", "300");
	t0 = tm_now_ms();
	go(&r);
	CU_ASSERT_EQUAL(r.code, 0);
	/* the kill at teardown is not a death */
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 0);
	CU_ASSERT_EQUAL(fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_SCHEDULER_DIED), -1);
	CU_ASSERT(fake_text_contains(&r.env, "after SIGTERM ([test] stop_grace_ms); killed it with SIGKILL"));
	CU_ASSERT(sclg_has(&r, "sched_stubborn: SIGTERM: ignoring it"));
	CU_ASSERT(tm_now_ms() - t0 < 2000);
	fake_fini(&r.env);
}

static void make_cgroot(struct fake_env *env)
{
	fake_mkdirs(env, "/sys/fs/cgroup");
	fake_write(env, "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu\n");
	fake_write(env, "/sys/fs/cgroup/cgroup.subtree_control", "");
}

static void test_cgroups(void)
{
	struct run r;
	const struct fake_spawned *s, *p;
	char want[PATH_MAX], line[32];
	char *procs;

	setup(&r, FIXTURE("sched_attach"), NULL, "exit 0");
	make_cgroot(&r.env);
	fake_set(&r.env, "test", "scheduler_cgroup", "sched");
	fake_set(&r.env, "test", "workload_cgroup", "work");
	go(&r);
	CU_ASSERT_EQUAL(r.code, 0);
	s = fake_spawned_find(&r.env, "sched_attach");
	p = fake_spawned_find(&r.env, "/bin/sh");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	fake_host_path(&r.env, "/sys/fs/cgroup/sched", want);
	CU_ASSERT(s->cgroup && strcmp(s->cgroup, want) == 0);
	fake_host_path(&r.env, "/sys/fs/cgroup/work", want);
	CU_ASSERT(p->cgroup && strcmp(p->cgroup, want) == 0);
	procs = fake_read(&r.env, "/sys/fs/cgroup/sched/cgroup.procs");
	snprintf(line, sizeof(line), "%d\n", (int)s->pid);
	CU_ASSERT(procs && strcmp(procs, line) == 0);
	free(procs);
	fake_fini(&r.env);

	/* no cgroup2: the payload does not run, the message names the key */
	setup(&r, NULL, NULL, "exit 0");
	fake_set(&r.env, "test", "workload_cgroup", "work");
	go(&r);
	CU_ASSERT_EQUAL(r.code, KTINIT_EXIT_SETUP);
	CU_ASSERT(fake_text_contains(&r.env, "[test] workload_cgroup: "));
	CU_ASSERT_EQUAL(fake_index(&r.env, KTINIT_FRAME_LIFE, KTINIT_LIFE_PAYLOAD_STARTING), -1);
	fake_fini(&r.env);
}

/* auto without sched_ext: no attach check, the payload runs. */
static void test_auto_without_sched_ext(void)
{
	struct run r;

	setup(&r, FIXTURE("sched_noattach"), NULL, "exit 9");
	fake_set(&r.env, "test", "sched_ext_root", "/absent");
	go(&r);
	CU_ASSERT_EQUAL(r.code, 9);
	CU_ASSERT(fake_text_contains(&r.env, "/absent absent: not checking"));
	CU_ASSERT_EQUAL(fake_count(&r.env, KTINIT_FRAME_SCDX), 0);
	fake_fini(&r.env);
}

/* /sched_enable runs before the scheduler, /sched_disable after its log. */
static void test_hook_order(void)
{
	struct run r;
	char *order;

	setup(&r, FIXTURE("sched_attach"), NULL, "exit 0");
	{
		char script[PATH_MAX + 64], out[PATH_MAX];

		fake_host_path(&r.env, "/order", out);
		snprintf(script, sizeof(script), "echo enable >> %s\n", out);
		fake_write(&r.env, "/sched_enable", script);
		snprintf(script, sizeof(script), "echo disable >> %s\n", out);
		fake_write(&r.env, "/sched_disable", script);
	}
	fake_set(&r.env, "test", "command", "");
	fake_set(&r.env, "test", "argv_file", "/args");
	{
		char args[PATH_MAX + 64], out[PATH_MAX];

		fake_host_path(&r.env, "/order", out);
		snprintf(args, sizeof(args), "/bin/sh\n-c\necho payload >> %s\n", out);
		fake_write(&r.env, "/args", args);
	}
	go(&r);
	CU_ASSERT_EQUAL(r.code, 0);
	order = fake_read(&r.env, "/order");
	CU_ASSERT(order && strcmp(order, "enable\npayload\ndisable\n") == 0);
	free(order);
	fake_fini(&r.env);
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "no scheduler: the payload as before", test_no_scheduler },
		{ "attaches: payload runs, log shipped, no death", test_attach_ok },
		{ "/sched_args wins over [test] scheduler", test_sched_args_file },
		{ "never attaches: 119, LIFE timed out", test_never_attaches },
		{ "sched_ext root absent: 119, LIFE absent", test_sysfs_absent },
		{ "no sched_ext under /sys: 119 at once", test_sysfs_absent_fast },
		{ "exits or cannot start before attaching: 119", test_exits_before_attach },
		{ "dies mid-payload, fail: SCDX, LIFE, 118", test_dies_fail },
		{ "dies mid-payload, continue: payload's code", test_dies_continue },
		{ "dies before the payload, fail: 118", test_dies_before_payload },
		{ "ignores SIGTERM: killed after the grace, no death", test_ignores_sigterm },
		{ "scheduler and workload cgroups", test_cgroups },
		{ "require_attach=auto without sched_ext", test_auto_without_sched_ext },
		{ "hooks bracket the scheduler", test_hook_order },
		{ NULL, NULL },
	};

	return kt_unit_run("test mode: scheduler lifecycle", cases);
}
