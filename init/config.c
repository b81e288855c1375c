#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest INI line handed to inih, '\n' and '\0' included. inih's default
 * (200) is too short for "[modules] load = name name ...". */
#define KT_INI_LINE_MAX 8192
/* inih copies a section name into a fixed char[50] and silently cuts
 * anything longer (MAX_SECTION in ini.c, not a run-time option). */
#define KT_INI_SECTION_MAX 49

static const char kt_utf8_bom[] = "\xEF\xBB\xBF";

/* ---- diagnostics --------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void
diagf(kt_diag_fn diag, void *arg, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (!diag)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* A cut message still says where and what; mark the cut. */
	if ((size_t)n >= sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	diag(arg, msg);
}

/* ---- the store ----------------------------------------------------------- */

void kt_config_init(struct kt_config *c)
{
	memset(c, 0, sizeof(*c));
}

static void entry_free(struct kt_config_entry *e)
{
	free(e->section);
	free(e->key);
	free(e->value);
	free(e->origin);
}

void kt_config_free(struct kt_config *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		entry_free(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* c->v is not const even through a const c: the store hands out const
 * entries, kt_config_set updates them. */
static struct kt_config_entry *entry_find(const struct kt_config *c,
					  const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].section, section) == 0 &&
		    strcmp(c->v[i].key, key) == 0)
			return &c->v[i];
	}
	return NULL;
}

const struct kt_config_entry *kt_config_find(const struct kt_config *c,
					     const char *section,
					     const char *key)
{
	return entry_find(c, section, key);
}

static int config_grow(struct kt_config *c)
{
	size_t cap = c->cap ? c->cap * 2 : 16;
	struct kt_config_entry *v;

	if (c->n < c->cap)
		return 0;
	v = realloc(c->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	c->cap = cap;
	return 0;
}

/* Replace value and origin of e, or leave e untouched on failure. */
static int entry_update(struct kt_config_entry *e, const char *value,
			const char *origin)
{
	char *v = strdup(value), *o = strdup(origin);

	if (!v || !o) {
		free(v);
		free(o);
		return -ENOMEM;
	}
	free(e->value);
	free(e->origin);
	e->value = v;
	e->origin = o;
	return 0;
}

int kt_config_set(struct kt_config *c, const char *section, const char *key,
		  const char *value, const char *origin)
{
	struct kt_config_entry *e;
	int err;

	if (!section || !key || !value || !origin)
		return -EINVAL;
	e = entry_find(c, section, key);
	if (e)
		return entry_update(e, value, origin);

	err = config_grow(c);
	if (err)
		return err;
	e = &c->v[c->n];
	memset(e, 0, sizeof(*e));
	e->section = strdup(section);
	e->key = strdup(key);
	if (!e->section || !e->key || entry_update(e, value, origin)) {
		entry_free(e);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

const char *kt_config_get(const struct kt_config *c, const char *section,
			  const char *key, const char *def)
{
	const struct kt_config_entry *e = kt_config_find(c, section, key);

	return e ? e->value : def;
}

/* Strict decimal: optional sign, digits, nothing else (no blanks, no 0x). */
static bool parse_long(const char *s, long *out)
{
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
	char *end;

	if (!isdigit((unsigned char)*digits))
		return false;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && *end == '\0';
}

long kt_config_long(const struct kt_config *c, const char *section,
		    const char *key, long def, long min, long max,
		    kt_diag_fn diag, void *arg)
{
	const struct kt_config_entry *e = kt_config_find(c, section, key);
	long v;

	if (!e)
		return def;
	if (parse_long(e->value, &v) && v >= min && v <= max)
		return v;
	diagf(diag, arg, "%s: [%s] %s: '%s' is not a number in [%ld, %ld]",
	      e->origin, section, key, e->value, min, max);
	return def;
}

static bool key_listed(const char *const *keys, const char *key)
{
	for (; keys && *keys; keys++) {
		if (strcmp(*keys, key) == 0)
			return true;
	}
	return false;
}

int kt_config_check_keys(const struct kt_config *c, const char *section,
			 const char *const *keys, kt_diag_fn diag, void *arg)
{
	int unknown = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct kt_config_entry *e = &c->v[i];

		if (strcmp(e->section, section) != 0 || key_listed(keys, e->key))
			continue;
		diagf(diag, arg, "%s: unknown key '%s' in [%s]", e->origin,
		      e->key, section);
		unknown++;
	}
	return unknown;
}

/* ---- INI ----------------------------------------------------------------- */

/* Section and key names: what the cmdline form ktinit.SECTION.KEY can
 * name, so every INI key can be overridden. */
static bool is_name_char(char ch)
{
	/* ASCII whatever the locale: isalnum() is locale-dependent. */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static size_t name_span(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_name_char(s[i]))
		i++;
	return i;
}

/* One INI parse: the reader's source, line count and first hard error. */
struct ini_state {
	struct kt_config *c;
	const char *name;
	kt_diag_fn diag;
	void *arg;

	FILE *file;	  /* source: a file ... */
	const char *text; /* ... or a string (the rest of it) */
	char *buf;	  /* getline() buffer */
	size_t buf_size;

	unsigned long line; /* number of the line last handed to inih */
	bool bad_section;   /* inside a malformed [section]: skip its keys */
	int err;	    /* -errno that ends the parse (memory, read) */

	char *origin; /* "NAME:LINE" for the handler */
	size_t origin_size;
};

enum line_kind {
	LINE_BLANK, /* blank or comment */
	LINE_SECTION,
	LINE_SECTION_BAD,
	LINE_SECTION_LONG, /* a section name inih would cut */
	LINE_KEY,
	LINE_BAD,
};

static bool is_blank(char ch)
{
	return isspace((unsigned char)ch);
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* "[name]", optionally followed by a comment. */
static enum line_kind section_kind(const char *s, size_t len)
{
	size_t n = name_span(s + 1, len - 1);
	const char *rest = s + 1 + n;
	size_t rest_len = len - 1 - n;

	if (n == 0 || rest_len == 0 || *rest != ']')
		return LINE_SECTION_BAD;
	rest++;
	rest_len--;
	trim(&rest, &rest_len);
	if (rest_len && *rest != ';' && *rest != '#')
		return LINE_SECTION_BAD;
	return n > KT_INI_SECTION_MAX ? LINE_SECTION_LONG : LINE_SECTION;
}

/* The shape of one line, the way inih will read it (multi-line values
 * off): blank, ;/# comment, [section], or key = value / key: value. */
static enum line_kind line_kind(const char *s, size_t len)
{
	size_t n;

	if (memchr(s, '\0', len))
		return LINE_BAD;
	trim(&s, &len);
	if (len == 0 || *s == ';' || *s == '#')
		return LINE_BLANK;
	if (*s == '[')
		return section_kind(s, len);
	n = name_span(s, len);
	if (n == 0)
		return LINE_BAD;
	while (n < len && is_blank(s[n]))
		n++;
	if (n == len || (s[n] != '=' && s[n] != ':'))
		return LINE_BAD;
	return LINE_KEY;
}

/* Next raw line of the source without its '\n'; 0 at the end. */
static int next_line(struct ini_state *st, const char **s, size_t *len)
{
	if (st->file) {
		ssize_t n = getline(&st->buf, &st->buf_size, st->file);

		if (n < 0) {
			if (ferror(st->file))
				st->err = errno ? -errno : -EIO;
			return 0;
		}
		*s = st->buf;
		*len = (size_t)n;
	} else {
		const char *nl = strchr(st->text, '\n');

		if (!*st->text)
			return 0;
		*s = st->text;
		*len = nl ? (size_t)(nl - st->text) : strlen(st->text);
		st->text += *len + (nl ? 1 : 0);
	}
	if (*len && (*s)[*len - 1] == '\n')
		(*len)--;
	return 1;
}

/* Decide what inih may see of this line. A bad line is reported here,
 * where every one of them can be named (inih returns only the first), and
 * inih gets a blank line instead, so nothing is reported twice. */
static bool line_accept(struct ini_state *st, const char *s, size_t len,
			int room)
{
	if (len >= (size_t)room - 1) {
		diagf(st->diag, st->arg,
		      "%s:%lu: syntax error: line longer than %d bytes",
		      st->name, st->line, room - 2);
		return false;
	}
	switch (line_kind(s, len)) {
	case LINE_BLANK:
		return true;
	case LINE_SECTION:
		st->bad_section = false;
		return true;
	case LINE_KEY:
		/* Keys under a broken header would land in the section
		 * before it. */
		return !st->bad_section;
	case LINE_SECTION_LONG:
		diagf(st->diag, st->arg,
		      "%s:%lu: syntax error: section name longer than %d bytes",
		      st->name, st->line, KT_INI_SECTION_MAX);
		st->bad_section = true;
		return false;
	case LINE_SECTION_BAD:
		st->bad_section = true;
		break;
	case LINE_BAD:
		break;
	}
	diagf(st->diag, st->arg, "%s:%lu: syntax error", st->name, st->line);
	return false;
}

/* ini_reader: called once per line (fgets-style, into inih's buffer). */
static char *ini_read(char *dst, int room, void *stream)
{
	struct ini_state *st = stream;
	const char *s;
	size_t len;

	if (st->err || room < 3 || !next_line(st, &s, &len))
		return NULL;
	st->line++;
	/* Strip a UTF-8 BOM here so the shape check sees the real line. */
	if (st->line == 1 && len >= 3 && memcmp(s, kt_utf8_bom, 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (!line_accept(st, s, len, room))
		len = 0;
	memcpy(dst, s, len);
	dst[len] = '\n';
	dst[len + 1] = '\0';
	return dst;
}

static int ini_entry(void *user, const char *section, const char *key,
		     const char *value)
{
	struct ini_state *st = user;
	int n, err;

	if (st->err)
		return 0;
	n = snprintf(st->origin, st->origin_size, "%s:%lu", st->name,
		     st->line);
	if (n < 0 || (size_t)n >= st->origin_size)
		err = -ENAMETOOLONG;
	else
		err = kt_config_set(st->c, section, key, value ? value : "",
				    st->origin);
	if (err) {
		st->err = err;
		return 0;
	}
	return 1;
}

/* inih's options are process-wide globals in Debian's build (r55). Pin the
 * ones the line check above relies on for this parse, and put them back. */
struct ini_opts {
	bool multiline, no_value, stop_on_first_error, use_stack;
	bool inline_comments;
	int max_line;
	char *start_prefixes, *inline_prefixes;
};

static void ini_opts_save(struct ini_opts *o)
{
	o->multiline = ini_allow_multiline;
	o->no_value = ini_allow_no_value;
	o->stop_on_first_error = ini_stop_on_first_error;
	o->use_stack = ini_use_stack;
	o->inline_comments = ini_allow_inline_comments;
	o->max_line = ini_max_line;
	o->start_prefixes = ini_start_comment_prefixes;
	o->inline_prefixes = ini_inline_comment_prefixes;
}

static void ini_opts_load(const struct ini_opts *o)
{
	ini_allow_multiline = o->multiline;
	ini_allow_no_value = o->no_value;
	ini_stop_on_first_error = o->stop_on_first_error;
	ini_use_stack = o->use_stack;
	ini_allow_inline_comments = o->inline_comments;
	ini_max_line = o->max_line;
	ini_start_comment_prefixes = o->start_prefixes;
	ini_inline_comment_prefixes = o->inline_prefixes;
}

static char kt_start_prefixes[] = ";#";
static char kt_inline_prefixes[] = ";";

/* Multi-line values off: an indented line is a line of its own, not a
 * continuation of the previous value (Python configparser style). */
static const struct ini_opts kt_ini_opts = {
	.multiline = false,
	.no_value = false,
	.stop_on_first_error = false,
	.use_stack = true,
	.inline_comments = true,
	.max_line = KT_INI_LINE_MAX,
	.start_prefixes = kt_start_prefixes,
	.inline_prefixes = kt_inline_prefixes,
};

static int ini_load(struct ini_state *st)
{
	struct ini_opts saved;
	int ret;

	st->origin_size = strlen(st->name) + sizeof(":18446744073709551615");
	st->origin = malloc(st->origin_size);
	if (!st->origin)
		return -ENOMEM;

	ini_opts_save(&saved);
	ini_opts_load(&kt_ini_opts);
	ret = ini_parse_stream(ini_read, st, ini_entry, st);
	ini_opts_load(&saved);

	/* Every bad line was reported by the reader; a positive return here
	 * means a line the shape check let through, so name it too. */
	if (ret > 0 && !st->err)
		diagf(st->diag, st->arg, "%s:%d: syntax error", st->name, ret);
	if (ret == -2 && !st->err)
		st->err = -ENOMEM;
	if (st->err)
		diagf(st->diag, st->arg, "%s:%lu: %s", st->name, st->line,
		      strerror(-st->err));

	free(st->origin);
	free(st->buf);
	return st->err;
}

int kt_config_load_file(struct kt_config *c, const char *path, kt_diag_fn diag,
			void *arg)
{
	struct ini_state st = {
		.c = c, .name = path, .diag = diag, .arg = arg,
	};
	int err;

	st.file = fopen(path, "re");
	if (!st.file)
		return -errno;
	err = ini_load(&st);
	fclose(st.file);
	return err;
}

int kt_config_load_string(struct kt_config *c, const char *text,
			  const char *name, kt_diag_fn diag, void *arg)
{
	struct ini_state st = {
		.c = c, .name = name ? name : "(string)", .diag = diag,
		.arg = arg, .text = text,
	};

	return ini_load(&st);
}

/* ---- cmdline ------------------------------------------------------------- */

struct cmdline_alias {
	const char *token;
	const char *section;
	const char *key;
	bool lowercase;
};

static const struct cmdline_alias kt_aliases[] = {
	{ "ktinit.mode", "init", "mode", false },
	{ "ktinit.log", "init", "log_level", false },
	/* ktstr passes the mode as KTSTR_MODE=Test; mode names are lower
	 * case. */
	{ "KTSTR_MODE", "init", "mode", true },
};

static char *ascii_lower(const char *s)
{
	char *low = strdup(s), *p;

	for (p = low; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return low;
}

static int apply_alias(struct kt_config *c, const struct cmdline_alias *a,
		       const char *val)
{
	char *low;
	int err;

	if (!a->lowercase)
		return kt_config_set(c, a->section, a->key, val, "cmdline");
	low = ascii_lower(val);
	if (!low)
		return -ENOMEM;
	err = kt_config_set(c, a->section, a->key, low, "cmdline");
	free(low);
	return err;
}

/* ktinit.SECTION.KEY=VALUE with both names non-empty [A-Za-z0-9_-]+;
 * rest is what follows "ktinit.". */
static int apply_dotted(struct kt_config *c, const char *rest, const char *val)
{
	size_t n = name_span(rest, strlen(rest));
	const char *key;
	char *section;
	int err;

	if (!val || n == 0 || rest[n] != '.')
		return -EINVAL;
	key = rest + n + 1;
	if (*key == '\0' || name_span(key, strlen(key)) != strlen(key))
		return -EINVAL;
	section = strndup(rest, n);
	if (!section)
		return -ENOMEM;
	err = kt_config_set(c, section, key, val, "cmdline");
	free(section);
	return err;
}

static const struct cmdline_alias *find_alias(const char *token)
{
	size_t i;

	for (i = 0; i < sizeof(kt_aliases) / sizeof(kt_aliases[0]); i++) {
		if (strcmp(kt_aliases[i].token, token) == 0)
			return &kt_aliases[i];
	}
	return NULL;
}

static void apply_token(struct kt_config *c, const char *key, const char *val,
			kt_diag_fn diag, void *arg)
{
	const struct cmdline_alias *a = find_alias(key);
	bool ours = strncmp(key, "ktinit.", 7) == 0;
	int err;

	if (strcmp(key, "ktinit.config") == 0 || (!a && !ours))
		return;
	if (a && !val) {
		diagf(diag, arg, "cmdline: '%s': expected %s=VALUE", key, key);
		return;
	}
	err = a ? apply_alias(c, a, val) : apply_dotted(c, key + 7, val);
	if (err == -EINVAL)
		diagf(diag, arg,
		      "cmdline: '%s%s%s': expected ktinit.SECTION.KEY=VALUE",
		      key, val ? "=" : "", val ? val : "");
	else if (err)
		diagf(diag, arg, "cmdline: '%s': %s", key, strerror(-err));
}

void kt_config_apply_cmdline(struct kt_config *c, const struct kt_cmdline *cl,
			     kt_diag_fn diag, void *arg)
{
	size_t i;

	/* In order, so the last of ktinit.mode= / KTSTR_MODE= /
	 * ktinit.init.mode= wins, as the kernel's last-one-wins rule. */
	for (i = 0; i < cl->n; i++)
		apply_token(c, cl->keys[i], cl->vals[i], diag, arg);
}
