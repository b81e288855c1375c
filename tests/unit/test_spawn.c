/* Spawn and reaper: exact exit statuses (codes and signals), timeouts,
 * unwatched children reaped and forgotten, exec failures. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h"
#include "reaper.h"
#include "spawn.h"
#include "unit.h"

static pid_t sh(const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct ktinit_spawn req = { .argv = argv };

	return kt_spawn(&req);
}

static int code_of(const char *script)
{
	int status = -1;
	pid_t pid = sh(script);

	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 10000, &status), 0);
	return ktinit_wstatus_code(status);
}

static void test_exit_codes(void)
{
	static const struct { const char *script; int code; } cases[] = {
		{ "exit 0", 0 }, { "exit 7", 7 }, { "exit 255", 255 },
		{ "exit 256", 0 }, { "kill -9 $$", 137 }, { "kill -15 $$", 143 },
		{ "kill -SEGV $$", 139 }, { "kill -INT $$", 130 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(code_of(cases[i].script), cases[i].code);
}

static void test_signals_restored(void)
{
	/* The child must not inherit a blocked mask or ignored TTOU/INT:
	 * kill -INT would not end it otherwise. */
	sigset_t block;

	sigfillset(&block);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGINT, SIG_IGN);
	CU_ASSERT_EQUAL(code_of("kill -INT $$; exit 3"), 130);
	CU_ASSERT_EQUAL(code_of("grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status"), 0);
	signal(SIGINT, SIG_DFL);
}

static void test_timeout(void)
{
	int status;
	pid_t pid = sh("sleep 5");
	long long t0 = kt_now_ms();

	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 100, &status), -ETIMEDOUT);
	CU_ASSERT(kt_now_ms() - t0 < 3000);
	kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 5000, &status), 0);
	CU_ASSERT_EQUAL(ktinit_wstatus_code(status), 137);
}

static void test_unwatched_reaped(void)
{
	/* Orphans (grandchildren) are not ours here, but a direct child
	 * forked outside kt_spawn is: it is reaped and forgotten. */
	pid_t stray = fork();
	int status;

	if (stray == 0)
		_exit(5);
	CU_ASSERT_EQUAL(code_of("exit 1"), 1);
	usleep(100 * 1000);
	kt_reaper_reap();
	CU_ASSERT_EQUAL(waitpid(stray, &status, WNOHANG), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
	CU_ASSERT_EQUAL(kt_reaper_wait(stray, 0, &status), -ECHILD);
}

static void test_exec_failure(void)
{
	const char *argv[] = { "/nonexistent/payload", NULL };
	const char *argv2[] = { "/etc/passwd", NULL };
	struct ktinit_spawn req = { .argv = argv };

	CU_ASSERT_EQUAL(kt_spawn(&req), -ENOENT);
	req.argv = argv2;
	CU_ASSERT_EQUAL(kt_spawn(&req), -EACCES);
}

static void test_fds_and_pgrp(void)
{
	const char *argv[] = { "/bin/sh", "-c",
			       "echo hi; [ $(cut -d' ' -f5 /proc/$$/stat) = $$ ]",
			       NULL };
	struct ktinit_spawn req = { .argv = argv, .use_fds = 1,
				    .stdin_fd = -1, .stderr_fd = -1,
				    .new_pgrp = 1 };
	char buf[16] = "";
	int p[2], status;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	req.stdout_fd = p[1];
	pid = kt_spawn(&req);
	close(p[1]);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(read(p[0], buf, sizeof(buf) - 1), 3);
	CU_ASSERT_STRING_EQUAL(buf, "hi\n");
	close(p[0]);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 10000, &status), 0);
	CU_ASSERT_EQUAL(ktinit_wstatus_code(status), 0);
}

static void test_cgroup(void)
{
	const char *argv[] = { "/bin/sh", "-c", "exit 4", NULL };
	struct ktinit_spawn req = { .argv = argv };
	char dir[] = "/tmp/kt-cg-XXXXXX", procs[64], buf[8] = "";
	int status, fd;
	pid_t pid;

	/* A stand-in cgroup directory: joining writes "0" to cgroup.procs. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	fd = open(procs, O_CREAT | O_WRONLY, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	kt_spawn_set_self_exe(BUILDDIR "/init/ktinit");
	req.cgroup = dir;
	pid = kt_spawn(&req);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 10000, &status), 0);
	CU_ASSERT_EQUAL(ktinit_wstatus_code(status), 4);
	CU_ASSERT_EQUAL(kt_read_file(procs, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "0");
	unlink(procs);
	rmdir(dir);
	/* A cgroup that cannot be joined: 125, and the payload never runs. */
	pid = kt_spawn(&req);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kt_reaper_wait(pid, 10000, &status), 0);
	CU_ASSERT_EQUAL(ktinit_wstatus_code(status), 125);
}

static void test_wait_unknown(void)
{
	int status;

	CU_ASSERT_EQUAL(kt_reaper_wait(1, 0, &status), -ECHILD);
	CU_ASSERT_EQUAL(kt_reaper_wait(-1, 0, &status), -ECHILD);
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "exact exit codes and signals", test_exit_codes },
		{ "signal mask and dispositions restored", test_signals_restored },
		{ "wait times out, then collects", test_timeout },
		{ "unwatched children reaped", test_unwatched_reaped },
		{ "exec failures reported", test_exec_failure },
		{ "fds and process group", test_fds_and_pgrp },
		{ "wait for unknown pid", test_wait_unknown },
		{ "child joins a cgroup before exec", test_cgroup },
		{ NULL, NULL },
	};
	sigset_t empty;

	sigemptyset(&empty);
	kt_spawn_set_orig_mask(&empty);
	return kt_unit_run("spawn", cases);
}
