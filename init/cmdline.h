/* Kernel command line: tokens split the way the kernel's next_arg() does. */
#ifndef KT_CMDLINE_H
#define KT_CMDLINE_H

#include <stddef.h>

struct kt_cmdline {
	size_t n;
	char **keys;   /* token before the first '=' (quotes removed) */
	char **vals;   /* after the '=', quotes removed; NULL for a bare token */
	size_t n_init; /* tokens after a bare "--": arguments for init */
	char **init_args;
};

/* Split text into tokens. Whitespace (space, tab, newline) separates
 * tokens except inside double quotes; quote characters themselves are
 * removed, so `key="a b"` and `"key=a b"` both give key / "a b". An
 * unterminated quote runs to the end of the text. Everything after a bare
 * `--` goes to init_args. Returns 0, or -ENOMEM (out is then empty). */
int kt_cmdline_parse(const char *text, struct kt_cmdline *out);

/* Read and parse a file such as /proc/cmdline. Returns 0 or -errno. */
int kt_cmdline_read(const char *path, struct kt_cmdline *out);

/* Value of the last KEY=... token: "" for a bare KEY, NULL when absent. */
const char *kt_cmdline_get(const struct kt_cmdline *c, const char *key);

void kt_cmdline_free(struct kt_cmdline *c);

#endif
