#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "winsize.h"

#include "term_name.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int shell_dim_parse(const char *s)
{
	long v = 0;

	if (!s || !*s)
		return -1;
	/* Digits only: strtol would take "+5", " 5" and "5abc". */
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > SHELL_MAX_DIM)
			return -1;
	}
	return v >= 1 ? (int)v : -1;
}

static void __attribute__((format(printf, 3, 4)))
warnf(shell_warn_fn warn, void *arg, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(arg, msg);
}

static unsigned short dim_or_default(const char *key, const char *val,
				     int def, shell_warn_fn warn, void *arg,
				     int *nwarn)
{
	int v;

	if (!val)
		return (unsigned short)def;
	v = shell_dim_parse(val);
	if (v > 0)
		return (unsigned short)v;
	warnf(warn, arg, "%s='%.32s' is not a number in 1..%d, using %d", key,
	      val, SHELL_MAX_DIM, def);
	(*nwarn)++;
	return (unsigned short)def;
}

static void copy_name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

int shell_term_from_cmdline(struct shell_term *t, const char *rows,
			    const char *cols, const char *term,
			    const char *colorterm, shell_warn_fn warn,
			    void *arg)
{
	int nwarn = 0;

	memset(t, 0, sizeof(*t));
	t->ws.ws_row = dim_or_default("KTSTR_ROWS", rows, SHELL_DEFAULT_ROWS,
				      warn, arg, &nwarn);
	t->ws.ws_col = dim_or_default("KTSTR_COLS", cols, SHELL_DEFAULT_COLS,
				      warn, arg, &nwarn);

	copy_name(t->term, sizeof(t->term), SHELL_DEFAULT_TERM);
	if (term && kt_term_name_ok(term)) {
		copy_name(t->term, sizeof(t->term), term);
	} else if (term) {
		warnf(warn, arg, "KTSTR_TERM='%.32s' is not a terminal name, using %s",
		      term, SHELL_DEFAULT_TERM);
		nwarn++;
	}

	if (colorterm && kt_term_name_ok(colorterm)) {
		copy_name(t->colorterm, sizeof(t->colorterm), colorterm);
	} else if (colorterm && *colorterm) {
		warnf(warn, arg,
		      "KTSTR_COLORTERM='%.32s' is not a terminal name, leaving it unset",
		      colorterm);
		nwarn++;
	}
	return nwarn;
}
