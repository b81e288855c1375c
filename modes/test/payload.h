/* test mode: where the payload's argv comes from. */
#ifndef KT_TEST_PAYLOAD_H
#define KT_TEST_PAYLOAD_H

#include <stddef.h>

struct tm_argv {
	char **argv; /* NULL-terminated */
	size_t argc;
	char *buf;   /* backing store */
};

/* Parse text as one argument per line ('\n' separated; a final newline
 * does not start an empty argument; a '\r' before '\n' is dropped).
 * Returns 0, -ENOMEM, or -ENODATA for no arguments at all. */
int tm_argv_parse(const char *text, size_t len, struct tm_argv *out);

/* Read path and parse it as above. Returns 0 or -errno. */
int tm_argv_read(const char *path, struct tm_argv *out);

/* argv = { "/bin/sh", "-c", command }. Returns 0 or -ENOMEM. */
int tm_argv_command(const char *command, struct tm_argv *out);

/* argv = { first, the blank-separated words of words... } (no quoting;
 * words may be NULL or empty). Returns 0 or -ENOMEM. */
int tm_argv_words(const char *first, const char *words, struct tm_argv *out);

void tm_argv_free(struct tm_argv *a);

#endif
