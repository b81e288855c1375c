/* shell mode: the banner printed before the interactive shell starts.
 *
 * Every input is read through a path mapper, so tests point it at a
 * fixture tree (a temporary root holding proc/meminfo, sys/..., etc.). A
 * value that cannot be read prints as "unknown": the banner never stops
 * the shell from starting. */
#ifndef SHELL_BANNER_H
#define SHELL_BANNER_H

#include <stdio.h>

#include "console.h" /* shell_path_fn */

#define SHELL_BANNER_MAX_FILES 40 /* include-files listed before "N more" */

struct shell_banner_src {
	shell_path_fn path; /* guest path -> readable path */
	void *arg;
	const char *release; /* kernel release (uname -r); NULL: unknown */
	const char *topo;    /* value of KTSTR_TOPO=; NULL when absent */
	const char *search;  /* PATH (guest directories) to find tools in */
};

/* KTSTR_TOPO=N,L,C,T as ktstr sends it: NUMA nodes, LLCs, cores per
 * LLC, threads per core (vCPUs = L * C * T). */
struct shell_topo {
	unsigned numa, llcs, cores, threads;
};

/* Parse "N,L,C,T": four decimal numbers, each 1..65536. Returns 0, or
 * -EINVAL for anything else. */
int shell_topo_parse(const char *s, struct shell_topo *t);

/* Count the CPUs in a kernel CPU list such as "0-3,5,7-8\n" (the format
 * of /sys/devices/system/cpu/online). Returns the count, or -EINVAL. */
long shell_cpulist_count(const char *s);

/* MemTotal from /proc/meminfo text, in MiB (rounded down). Returns the
 * value, or -EINVAL when the line is missing or malformed. */
long shell_meminfo_mib(const char *text);

/* The whole banner, lines ending in "\n" (the console's OPOST adds the
 * "\r"). Returns 0, or -EIO when writing to out failed. */
int shell_banner_write(FILE *out, const struct shell_banner_src *src);

#endif
