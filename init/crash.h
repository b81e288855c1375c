/* The crash arm: a fault in PID 1 (or a plugin it runs) writes one PANIC
 * line to COM2 and COM1 with async-signal-safe writes, then reboots.
 * Crash output never goes through the bulk port: it can block. */
#ifndef KT_CRASH_H
#define KT_CRASH_H

/* Install handlers for SEGV, BUS, ILL, FPE, ABRT, TRAP, SYS on an
 * alternate stack. Call first; fds may be set later. */
int kt_crash_arm(void);

/* Where PANIC lines go (-1: nowhere yet). */
void kt_crash_set_fds(int com1_fd, int com2_fd);

/* What the init is doing, for the PANIC line. Strings must be static or
 * outlive the process. */
void kt_crash_set_phase(const char *phase);
void kt_crash_set_mode(const char *mode);

/* Whether a crash reboots (PID 1) or re-raises with SIG_DFL (CLI, tests). */
void kt_crash_set_reboot(int reboot);

#endif
