#include "crash.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

static volatile int crash_fds[2] = { -1, -1 };
static const char *volatile crash_phase = "start";
static const char *volatile crash_mode = "-";
static volatile int crash_reboot;
static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				     SIGABRT, SIGTRAP, SIGSYS };

void kt_crash_set_fds(int com1_fd, int com2_fd)
{
	crash_fds[0] = com2_fd;
	crash_fds[1] = com1_fd;
}

void kt_crash_set_phase(const char *phase)
{
	crash_phase = phase;
}

void kt_crash_set_mode(const char *mode)
{
	crash_mode = mode;
}

void kt_crash_set_reboot(int reboot)
{
	crash_reboot = reboot;
}

/* Only async-signal-safe operations below: no stdio, no malloc. */
static size_t append(char *buf, size_t pos, size_t cap, const char *s)
{
	while (*s && pos + 1 < cap)
		buf[pos++] = *s++;
	return pos;
}

static size_t append_int(char *buf, size_t pos, size_t cap, int v)
{
	char digits[12];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof(digits));
	while (n > 0 && pos + 1 < cap)
		buf[pos++] = digits[--n];
	return pos;
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGABRT: return "SIGABRT";
	case SIGTRAP: return "SIGTRAP";
	case SIGSYS: return "SIGSYS";
	}
	return "signal";
}

static void on_fault(int sig)
{
	char line[256];
	size_t n = 0;

	n = append(line, n, sizeof(line), "PANIC: ktinit: ");
	n = append(line, n, sizeof(line), signame(sig));
	n = append(line, n, sizeof(line), " (signal ");
	n = append_int(line, n, sizeof(line), sig);
	n = append(line, n, sizeof(line), ") in phase ");
	n = append(line, n, sizeof(line), crash_phase);
	n = append(line, n, sizeof(line), ", mode ");
	n = append(line, n, sizeof(line), crash_mode);
	line[n++] = '\n';
	for (int i = 0; i < 2; i++)
		if (crash_fds[i] >= 0 && write(crash_fds[i], line, n) < 0)
			continue;
	if (crash_reboot) {
		sync();
		reboot(RB_AUTOBOOT);
		_exit(128 + sig); /* PID 1 exiting panics the kernel: panic=-1 */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int kt_crash_arm(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	if (sigaltstack(&ss, NULL) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
		if (sigaction(fault_signals[i], &sa, NULL) < 0)
			return -1;
	return 0;
}
