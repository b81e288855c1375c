#include "cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A sanity bound for kt_cmdline_read(): /proc/cmdline is at most
 * COMMAND_LINE_SIZE (a few KiB); a wrong path such as /dev/zero must not
 * make PID 1 read forever. */
#define KT_CMDLINE_FILE_MAX (1024 * 1024)

/* The kernel's isspace() for ASCII: next_arg() splits on all of these. */
static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' ||
	       ch == '\f' || ch == '\r';
}

static const char *skip_spaces(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Length of the token at s up to the first unquoted blank; *len gets its
 * length without the quote characters. */
static size_t token_span(const char *s, size_t *len)
{
	bool quoted = false;
	size_t i;

	*len = 0;
	for (i = 0; s[i] && (quoted || !is_space(s[i])); i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else
			(*len)++;
	}
	return i;
}

static char *token_copy(const char *s, size_t span, size_t len)
{
	char *tok = malloc(len + 1);
	size_t i, j = 0;

	if (!tok)
		return NULL;
	for (i = 0; i < span; i++) {
		if (s[i] != '"')
			tok[j++] = s[i];
	}
	tok[j] = '\0';
	return tok;
}

struct tok_vec {
	char **v;
	size_t n, cap;
};

static int tok_push(struct tok_vec *tv, char *tok)
{
	if (tv->n == tv->cap) {
		size_t cap = tv->cap ? tv->cap * 2 : 16;
		char **v = realloc(tv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		tv->v = v;
		tv->cap = cap;
	}
	tv->v[tv->n++] = tok;
	return 0;
}

static void tok_vec_free(struct tok_vec *tv)
{
	size_t i;

	for (i = 0; i < tv->n; i++)
		free(tv->v[i]);
	free(tv->v);
	tv->v = NULL;
	tv->n = tv->cap = 0;
}

/* Every token of text, quotes removed. */
static int split_tokens(const char *text, struct tok_vec *tv)
{
	const char *s = skip_spaces(text);

	while (*s) {
		size_t len, span = token_span(s, &len);
		char *tok = token_copy(s, span, len);

		if (!tok || tok_push(tv, tok)) {
			free(tok);
			return -ENOMEM;
		}
		s = skip_spaces(s + span);
	}
	return 0;
}

static char **ptr_array(size_t n)
{
	/* calloc(0) may return NULL; an empty list is fine as NULL. */
	return n ? calloc(n, sizeof(char *)) : NULL;
}

/* Move the tokens into out: KEY=VALUE pairs before a bare "--", init
 * arguments after it. A pair lives in one allocation ("key\0value"), so
 * only keys[i] is freed. Takes ownership of every token in tv. */
static int sort_tokens(struct tok_vec *tv, struct kt_cmdline *out)
{
	size_t dashes = 0, i;

	while (dashes < tv->n && strcmp(tv->v[dashes], "--") != 0)
		dashes++;
	out->keys = ptr_array(dashes);
	out->vals = ptr_array(dashes);
	if (dashes < tv->n)
		out->init_args = ptr_array(tv->n - dashes - 1);
	if ((dashes && (!out->keys || !out->vals)) ||
	    (dashes + 1 < tv->n && !out->init_args))
		return -ENOMEM;

	for (i = 0; i < dashes; i++) {
		char *eq = strchr(tv->v[i], '=');

		if (eq)
			*eq = '\0';
		out->keys[i] = tv->v[i];
		out->vals[i] = eq ? eq + 1 : NULL;
	}
	out->n = dashes;
	for (i = dashes + 1; i < tv->n; i++)
		out->init_args[out->n_init++] = tv->v[i];
	if (dashes < tv->n)
		free(tv->v[dashes]);
	tv->n = 0;
	return 0;
}

int kt_cmdline_parse(const char *text, struct kt_cmdline *out)
{
	struct tok_vec tv = { 0 };
	int err;

	memset(out, 0, sizeof(*out));
	err = split_tokens(text, &tv);
	if (!err)
		err = sort_tokens(&tv, out);
	tok_vec_free(&tv);
	if (err)
		kt_cmdline_free(out);
	return err;
}

/* The whole file as a string; /proc files report size 0, so read until
 * EOF instead of trusting fstat. */
static int read_text(int fd, char **text)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *bigger;

			if (cap >= KT_CMDLINE_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

int kt_cmdline_read(const char *path, struct kt_cmdline *out)
{
	char *text = NULL;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = read_text(fd, &text);
	close(fd);
	if (!err)
		err = kt_cmdline_parse(text, out);
	free(text);
	return err;
}

const char *kt_cmdline_get(const struct kt_cmdline *c, const char *key)
{
	size_t i;

	for (i = c->n; i > 0; i--) {
		if (strcmp(c->keys[i - 1], key) == 0)
			return c->vals[i - 1] ? c->vals[i - 1] : "";
	}
	return NULL;
}

void kt_cmdline_free(struct kt_cmdline *c)
{
	size_t i;

	/* keys[i] and vals[i] share one allocation (see sort_tokens). */
	for (i = 0; i < c->n; i++)
		free(c->keys[i]);
	for (i = 0; i < c->n_init; i++)
		free(c->init_args[i]);
	free(c->keys);
	free(c->vals);
	free(c->init_args);
	memset(c, 0, sizeof(*c));
}
