/* run_util.h - small helpers shared by the parts of ktinit-run. */
#ifndef KT_RUN_UTIL_H
#define KT_RUN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROG "ktinit-run"

/* Non-zero while the user's terminal is in raw mode (--shell): lines
 * written to stderr then end in "\r\n", raw mode has no output processing. */
extern int run_crlf;

/* The line end for stderr right now: "\r\n" or "\n". */
const char *run_eol(void);

/* "ktinit-run: TEXT" and a line end on stderr. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A malloc'd formatted string, or NULL when out of memory. */
char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NULL-terminated, growable vector of malloc'd strings. */
struct strv {
	char **v;
	size_t n, cap;
};

/* Append s, which the vector then owns (freed on failure too). s may be
 * NULL (a failed allocation), which gives -ENOMEM. Returns 0 or -ENOMEM. */
int strv_add_owned(struct strv *sv, char *s);

/* Append a copy of s. Returns 0 or -ENOMEM. */
int strv_add(struct strv *sv, const char *s);

void strv_free(struct strv *sv);

/* A copy of s with ',' doubled, for a QEMU option list (-drive file=,
 * -chardev path=). NULL when out of memory. */
char *qemu_opt_escape(const char *s);

/* Parse a size: digits with an optional K, M, G or T suffix (powers of
 * 1024; "MiB" and "MB" read the same). Returns 0, or -EINVAL for anything
 * else, zero, or a value that does not fit in 64 bits. */
int parse_size(const char *s, uint64_t *out);

#endif
