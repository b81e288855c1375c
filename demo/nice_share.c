/* nice_share: does the guest's scheduler give CPU time by nice weight?
 *
 * Two busy processes share one CPU, one at nice 0 and one at nice 5. CFS
 * weights are 1024 and 335 (kernel/sched/core.c sched_prio_to_weight), so
 * the first should get about 3.06 times the CPU time of the second. We
 * measure their utime+stime from /proc over a few seconds and exit 0 when
 * the measured ratio is within 25% of that. Usage: nice_share [SECONDS]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WEIGHT_NICE0 1024.0
#define WEIGHT_NICE5 335.0
#define TOLERANCE 0.25

static pid_t start_spinner(int nice_value)
{
	pid_t pid = fork();
	cpu_set_t one;

	if (pid != 0)
		return pid;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0 ||
	    setpriority(PRIO_PROCESS, 0, nice_value) < 0) {
		perror("nice_share: spinner setup");
		_exit(2);
	}
	for (volatile unsigned long n = 0;; n++)
		;
}

/* utime + stime in clock ticks, from /proc/PID/stat fields 14 and 15. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long utime, stime;
	const char *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &utime, &stime) != 2)
		return -1;
	return (long)(utime + stime);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 4.0;
	double expected = WEIGHT_NICE0 / WEIGHT_NICE5, ratio;
	pid_t pid[2] = { start_spinner(0), start_spinner(5) };
	long t0[2], t1[2];
	int ok;

	if (pid[0] < 0 || pid[1] < 0 || seconds <= 0) {
		fprintf(stderr, "nice_share: cannot start spinners\n");
		return 2;
	}
	sleep_s(0.5); /* let both settle on CPU 0 */
	for (int i = 0; i < 2; i++)
		t0[i] = cpu_ticks(pid[i]);
	sleep_s(seconds);
	for (int i = 0; i < 2; i++) {
		t1[i] = cpu_ticks(pid[i]);
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	if (t0[0] < 0 || t0[1] < 0 || t1[0] < 0 || t1[1] <= t0[1]) {
		fprintf(stderr, "nice_share: could not read CPU times from /proc\n");
		return 2;
	}
	ratio = (double)(t1[0] - t0[0]) / (double)(t1[1] - t0[1]);
	ok = ratio > expected * (1 - TOLERANCE) && ratio < expected * (1 + TOLERANCE);
	printf("two busy processes pinned to CPU 0 for %.1f s:\n", seconds);
	printf("  nice 0: %ld ticks\n  nice 5: %ld ticks\n", t1[0] - t0[0],
	       t1[1] - t0[1]);
	printf("CPU share ratio %.2f, CFS weight ratio 1024/335 = %.2f: %s\n",
	       ratio, expected, ok ? "holds (within 25%)" : "DOES NOT HOLD");
	return ok ? 0 : 1;
}
