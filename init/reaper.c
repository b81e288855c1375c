#include "reaper.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "fdio.h"

#define KT_REAPER_SLOTS 128
/* sigtimedwait slices: another thread may consume the SIGCHLD meant for
 * us, so never sleep longer than this without re-checking the table. */
#define KT_REAPER_SLICE_MS 50

struct slot {
	pid_t pid;  /* 0: free */
	int done;
	int status;
};

static struct slot slots[KT_REAPER_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void kt_reaper_lock(void)
{
	pthread_mutex_lock(&lock);
}

void kt_reaper_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

static struct slot *find(pid_t pid)
{
	for (int i = 0; i < KT_REAPER_SLOTS; i++)
		if (slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

int kt_reaper_watch_locked(pid_t pid)
{
	struct slot *s = find(0);

	if (!s)
		return -ENOSPC;
	s->pid = pid;
	s->done = 0;
	s->status = 0;
	return 0;
}

static int reap_locked(void)
{
	int n = 0;

	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		struct slot *s;

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break; /* 0: children left but none exited; ECHILD: none */
		n++;
		s = find(pid);
		if (s && !s->done) {
			s->done = 1;
			s->status = status;
		}
	}
	return n;
}

int kt_reaper_reap(void)
{
	int n;

	kt_reaper_lock();
	n = reap_locked();
	kt_reaper_unlock();
	return n;
}

/* Take a finished watched child's status. Returns 1 done, 0 not yet,
 * -ECHILD unknown. */
static int take_locked(pid_t pid, int *wstatus)
{
	struct slot *s = find(pid);

	if (pid <= 0 || !s)
		return -ECHILD;
	if (!s->done)
		return 0;
	*wstatus = s->status;
	s->pid = 0;
	return 1;
}

static void sleep_for_sigchld(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigtimedwait(&set, NULL, &ts);
}

int kt_reaper_wait(pid_t pid, int timeout_ms, int *wstatus)
{
	long long deadline = kt_now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);

	for (;;) {
		long long left;
		int r;

		kt_reaper_lock();
		reap_locked();
		r = take_locked(pid, wstatus);
		kt_reaper_unlock();
		if (r < 0)
			return r;
		if (r > 0)
			return 0;
		left = deadline - kt_now_ms();
		if (timeout_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		if (timeout_ms < 0 || left > KT_REAPER_SLICE_MS)
			left = KT_REAPER_SLICE_MS;
		sleep_for_sigchld((int)left);
	}
}
