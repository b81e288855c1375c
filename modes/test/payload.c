#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tm_argv_parse(const char *text, size_t len, struct tm_argv *out)
{
	size_t lines = 0, i, n = 0;
	char *p;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return -ENODATA;
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	lines += text[len - 1] != '\n';
	out->buf = malloc(len + 1);
	out->argv = calloc(lines + 1, sizeof(char *));
	if (!out->buf || !out->argv) {
		tm_argv_free(out);
		return -ENOMEM;
	}
	memcpy(out->buf, text, len);
	out->buf[len] = '\0';
	for (p = out->buf; n < lines; n++) {
		char *nl = strchr(p, '\n');

		if (nl) {
			*nl = '\0';
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
		}
		out->argv[n] = p;
		p = nl ? nl + 1 : p + strlen(p);
	}
	out->argc = n;
	return 0;
}

int tm_argv_read(const char *path, struct tm_argv *out)
{
	size_t cap = 4096, len = 0;
	char *text = malloc(cap);
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto done;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *t = cap < (1u << 24) ? realloc(text, cap * 2) : NULL;

			if (!t) {
				err = -ENOMEM;
				goto done;
			}
			text = t;
			cap *= 2;
		}
		r = read(fd, text + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	err = tm_argv_parse(text, len, out);
done:
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

int tm_argv_command(const char *command, struct tm_argv *out)
{
	static const char sh[] = "/bin/sh\0-c";
	size_t len = strlen(command);

	memset(out, 0, sizeof(*out));
	out->buf = malloc(sizeof(sh) + len + 1);
	out->argv = calloc(4, sizeof(char *));
	if (!out->buf || !out->argv) {
		tm_argv_free(out);
		return -ENOMEM;
	}
	/* One buffer: "/bin/sh\0-c\0COMMAND\0"; newlines stay in COMMAND. */
	memcpy(out->buf, sh, sizeof(sh));
	memcpy(out->buf + sizeof(sh), command, len + 1);
	out->argv[0] = out->buf;
	out->argv[1] = out->buf + strlen(out->buf) + 1;
	out->argv[2] = out->buf + sizeof(sh);
	out->argc = 3;
	return 0;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int tm_argv_words(const char *first, const char *words, struct tm_argv *out)
{
	size_t flen = strlen(first), wlen = words ? strlen(words) : 0;
	size_t n = 0;
	char *p;

	memset(out, 0, sizeof(*out));
	/* One buffer: "FIRST\0WORDS\0", WORDS split in place. */
	out->buf = malloc(flen + 1 + wlen + 1);
	out->argv = calloc(1 + wlen / 2 + 2, sizeof(char *));
	if (!out->buf || !out->argv) {
		tm_argv_free(out);
		return -ENOMEM;
	}
	memcpy(out->buf, first, flen + 1);
	out->argv[n++] = out->buf;
	p = out->buf + flen + 1;
	memcpy(p, words ? words : "", wlen + 1);
	while (*p) {
		while (is_blank(*p))
			*p++ = '\0';
		if (!*p)
			break;
		out->argv[n++] = p;
		while (*p && !is_blank(*p))
			p++;
	}
	out->argc = n;
	return 0;
}

void tm_argv_free(struct tm_argv *a)
{
	free(a->argv);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}
