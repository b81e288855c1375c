/* Unit tests: kernel command line tokenizer and the configuration store. */
#include <CUnit/Basic.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"

#define MAX_DIAGS 16
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------- */

struct diags {
	char *msg[MAX_DIAGS];
	size_t n;
};

static void diag_collect(void *arg, const char *msg)
{
	struct diags *d = arg;

	if (d->n < MAX_DIAGS)
		d->msg[d->n++] = strdup(msg);
}

static void diags_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->msg[i]);
	d->n = 0;
}

static const char *show(const char *s)
{
	return s ? s : "(null)";
}

/* A failed check names the table case, what was checked, got and want. */
static void expect_str(const char *ctx, const char *what, const char *got,
		       const char *want, unsigned int line)
{
	bool ok = (got && want) ? strcmp(got, want) == 0 : got == want;
	char msg[512];

	snprintf(msg, sizeof(msg), "[%s] %s: got '%s', want '%s'", ctx, what,
		 show(got), show(want));
	CU_assertImplementation(ok, line, msg, __FILE__, "", CU_FALSE);
}

static void expect_long(const char *ctx, const char *what, long got, long want,
			unsigned int line)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "[%s] %s: got %ld, want %ld", ctx, what, got,
		 want);
	CU_assertImplementation(got == want, line, msg, __FILE__, "", CU_FALSE);
}

#define EXPECT_STR(ctx, what, got, want) \
	expect_str(ctx, what, got, want, __LINE__)
#define EXPECT_LONG(ctx, what, got, want) \
	expect_long(ctx, what, (long)(got), (long)(want), __LINE__)

/* want is NULL-terminated. */
static void expect_diags(const char *ctx, const struct diags *d,
			 const char *const *want)
{
	size_t n = 0, i;

	while (want[n])
		n++;
	EXPECT_LONG(ctx, "number of diagnostics", d->n, n);
	for (i = 0; i < d->n && i < n; i++)
		EXPECT_STR(ctx, "diagnostic", d->msg[i], want[i]);
}

struct want_entry {
	const char *section, *key, *value, *origin;
};

#define NO_ENTRIES { { NULL, NULL, NULL, NULL } }

/* Exactly the entries in want (terminated by a NULL section). */
static void expect_entries(const char *ctx, const struct kt_config *c,
			   const struct want_entry *want)
{
	size_t n = 0;

	for (; want->section; want++, n++) {
		const struct kt_config_entry *e =
			kt_config_find(c, want->section, want->key);

		EXPECT_STR(ctx, want->key, e ? e->value : NULL, want->value);
		EXPECT_STR(ctx, "origin", e ? e->origin : NULL, want->origin);
	}
	EXPECT_LONG(ctx, "number of entries", c->n, n);
}

/* ---- cmdline: tokens ----------------------------------------------------- */

struct tok {
	const char *key, *val;
};

static const struct cmdline_case {
	const char *name, *text;
	size_t n;
	struct tok toks[6];
	size_t n_init;
	const char *init[4];
} cmdline_cases[] = {
	{ "brief example", "a=1 b=\"x y\" \"c=d e\" flag -- init1 init2",
	  4, { { "a", "1" }, { "b", "x y" }, { "c", "d e" }, { "flag", NULL } },
	  2, { "init1", "init2" } },
	{ "tabs and newlines", "\ta=1\n\n b=2\t\r\n", 2,
	  { { "a", "1" }, { "b", "2" } }, 0, { NULL } },
	{ "empty", "", 0, { { NULL, NULL } }, 0, { NULL } },
	{ "only blanks", " \t\n ", 0, { { NULL, NULL } }, 0, { NULL } },
	{ "/proc/cmdline newline", "console=ttyS0 quiet\n", 2,
	  { { "console", "ttyS0" }, { "quiet", NULL } }, 0, { NULL } },
	{ "unterminated quote in value", "a=\"x y", 1, { { "a", "x y" } },
	  0, { NULL } },
	{ "unterminated quote token", "x \"y z  ", 2,
	  { { "x", NULL }, { "y z  ", NULL } }, 0, { NULL } },
	{ "empty value", "k=", 1, { { "k", "" } }, 0, { NULL } },
	{ "empty quotes", "a \"\" b", 3,
	  { { "a", NULL }, { "", NULL }, { "b", NULL } }, 0, { NULL } },
	{ "second = stays in value", "a=b=c a==", 2,
	  { { "a", "b=c" }, { "a", "=" } }, 0, { NULL } },
	{ "empty key", "=v", 1, { { "", "v" } }, 0, { NULL } },
	{ "quotes inside", "k=a\"b c\"d", 1, { { "k", "ab cd" } }, 0, { NULL } },
	{ "quoted dashes", "x \"--\" y", 1, { { "x", NULL } }, 1, { "y" } },
	{ "dashes only", "--", 0, { { NULL, NULL } }, 0, { NULL } },
	{ "dashes with =", "--=1 x", 2, { { "--", "1" }, { "x", NULL } }, 0,
	  { NULL } },
	{ "init args keep everything", "-- a=1 \"b c\" --", 0,
	  { { NULL, NULL } }, 3, { "a=1", "b c", "--" } },
};

static void test_cmdline_tokens(void)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cmdline_cases); i++) {
		const struct cmdline_case *tc = &cmdline_cases[i];
		struct kt_cmdline cl;

		CU_ASSERT_EQUAL_FATAL(kt_cmdline_parse(tc->text, &cl), 0);
		EXPECT_LONG(tc->name, "n", cl.n, tc->n);
		EXPECT_LONG(tc->name, "n_init", cl.n_init, tc->n_init);
		for (j = 0; j < cl.n && j < tc->n; j++) {
			EXPECT_STR(tc->name, "key", cl.keys[j], tc->toks[j].key);
			EXPECT_STR(tc->name, "val", cl.vals[j], tc->toks[j].val);
		}
		for (j = 0; j < cl.n_init && j < tc->n_init; j++)
			EXPECT_STR(tc->name, "init arg", cl.init_args[j],
				   tc->init[j]);
		kt_cmdline_free(&cl);
	}
}

static const struct get_case {
	const char *name, *text, *key, *want;
} get_cases[] = {
	{ "last occurrence wins", "a=1 a=2", "a", "2" },
	{ "bare flag last", "a=1 a", "a", "" },
	{ "value after bare", "a a=3", "a", "3" },
	{ "bare flag", "quiet", "quiet", "" },
	{ "absent", "a=1", "b", NULL },
	{ "case-sensitive", "A=1", "a", NULL },
	{ "init args not keys", "a=1 -- a=2 b=1", "a", "1" },
	{ "init args not keys, absent", "-- b=1", "b", NULL },
	{ "quoted value", "k=\"a b\"", "k", "a b" },
};

static void test_cmdline_get(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(get_cases); i++) {
		const struct get_case *tc = &get_cases[i];
		struct kt_cmdline cl;

		CU_ASSERT_EQUAL_FATAL(kt_cmdline_parse(tc->text, &cl), 0);
		EXPECT_STR(tc->name, tc->key, kt_cmdline_get(&cl, tc->key),
			   tc->want);
		kt_cmdline_free(&cl);
	}
}

/* No fixed buffer anywhere: one 100 000-byte value and 20 000 tokens. */
static void test_cmdline_long(void)
{
	size_t vlen = 100000, ntok = 20000, i;
	char *text = malloc(vlen + 16 + ntok * 2);
	struct kt_cmdline cl;
	char *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	p = text;
	memcpy(p, "big=\"", 5);
	p += 5;
	memset(p, 'x', vlen);
	p += vlen;
	memcpy(p, "\"", 1);
	p += 1;
	for (i = 0; i < ntok; i++) {
		*p++ = ' ';
		*p++ = 'f';
	}
	*p = '\0';

	CU_ASSERT_EQUAL_FATAL(kt_cmdline_parse(text, &cl), 0);
	CU_ASSERT_EQUAL(cl.n, ntok + 1);
	CU_ASSERT_EQUAL(strlen(kt_cmdline_get(&cl, "big")), vlen);
	CU_ASSERT_STRING_EQUAL(cl.keys[ntok], "f");
	kt_cmdline_free(&cl);
	kt_cmdline_free(&cl); /* twice is harmless */
	free(text);
}

static char *write_temp(const char *data, size_t len)
{
	char tmpl[] = "/tmp/ktinit-test-XXXXXX";
	int fd = mkstemp(tmpl);

	if (fd < 0)
		return NULL;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(tmpl);
		return NULL;
	}
	close(fd);
	return strdup(tmpl);
}

static void test_cmdline_read(void)
{
	static const char text[] = "ktinit.mode=shell \"x=a b\"\n";
	char *path = write_temp(text, sizeof(text) - 1);
	struct kt_cmdline cl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	CU_ASSERT_EQUAL(kt_cmdline_read(path, &cl), 0);
	CU_ASSERT_EQUAL(cl.n, 2);
	CU_ASSERT_STRING_EQUAL(kt_cmdline_get(&cl, "ktinit.mode"), "shell");
	CU_ASSERT_STRING_EQUAL(kt_cmdline_get(&cl, "x"), "a b");
	kt_cmdline_free(&cl);
	unlink(path);
	free(path);

	CU_ASSERT_EQUAL(kt_cmdline_read("/nonexistent/cmdline", &cl), -ENOENT);
	CU_ASSERT_EQUAL(cl.n, 0);
}

/* ---- config: precedence -------------------------------------------------- */

static void test_config_precedence(void)
{
	static const char ini[] = "[init]\n"
				  "log_level = debug\n"
				  "mode = test\n"
				  "[stdio]\n"
				  "wait_ms = 2000\n"
				  "chunk_bytes = 4096\n";
	static const struct want_entry want[] = {
		{ "init", "mode", "shell", "cmdline" },
		{ "init", "log_level", "debug", "t.ini:2" },
		{ "init", "on_exit", "reboot", "default" },
		{ "stdio", "wait_ms", "3000", "cmdline" },
		{ "stdio", "chunk_bytes", "4096", "t.ini:6" },
		{ NULL, NULL, NULL, NULL },
	};
	struct kt_config c;
	struct kt_cmdline cl;
	struct diags d = { 0 };

	kt_config_init(&c);
	CU_ASSERT_EQUAL(kt_config_set(&c, "init", "mode", "test", "default"), 0);
	CU_ASSERT_EQUAL(kt_config_set(&c, "init", "log_level", "info", "default"), 0);
	CU_ASSERT_EQUAL(kt_config_set(&c, "init", "on_exit", "reboot", "default"), 0);
	CU_ASSERT_EQUAL(kt_config_set(&c, "stdio", "wait_ms", "1000", "default"), 0);
	CU_ASSERT_EQUAL(kt_config_load_string(&c, ini, "t.ini", diag_collect, &d), 0);
	CU_ASSERT_EQUAL_FATAL(kt_cmdline_parse("ro ktinit.stdio.wait_ms=3000 "
					       "ktinit.mode=shell", &cl), 0);
	kt_config_apply_cmdline(&c, &cl, diag_collect, &d);
	kt_cmdline_free(&cl);

	expect_entries("precedence", &c, want);
	CU_ASSERT_STRING_EQUAL(kt_config_get(&c, "init", "nope", "dflt"), "dflt");
	CU_ASSERT_PTR_NULL(kt_config_get(&c, "init", "nope", NULL));
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
	kt_config_free(&c);
	kt_config_free(&c); /* twice is harmless */
}

/* ---- config: INI shapes and syntax errors -------------------------------- */

static const struct ini_case {
	const char *name, *text;
	const char *diags[10];
	struct want_entry want[6];
} ini_cases[] = {
	{ "comments and blanks",
	  "; c\n# c\n\n   \n[init] ; main\nmode = test ; inline\n"
	  "log_level=debug\n",
	  { NULL },
	  { { "init", "mode", "test", "t.ini:6" },
	    { "init", "log_level", "debug", "t.ini:7" } } },
	{ "colon, indented lines are not continuations",
	  "[stdio]\n  bulk_port: /dev/vport0p1\n\twait_ms =  500  \n"
	  "  [init]\n  mode=x\n",
	  { NULL },
	  { { "stdio", "bulk_port", "/dev/vport0p1", "t.ini:2" },
	    { "stdio", "wait_ms", "500", "t.ini:3" },
	    { "init", "mode", "x", "t.ini:5" } } },
	{ "CRLF and BOM", "\xEF\xBB\xBF[init]\r\nmode=test\r\n\r\nx=1",
	  { NULL },
	  { { "init", "mode", "test", "t.ini:2" },
	    { "init", "x", "1", "t.ini:4" } } },
	{ "case-sensitive", "[init]\nmode=a\nMode=b\n[Init]\nmode=c\n",
	  { NULL },
	  { { "init", "mode", "a", "t.ini:2" },
	    { "init", "Mode", "b", "t.ini:3" },
	    { "Init", "mode", "c", "t.ini:5" } } },
	{ "later value wins", "[init]\nmode=a\n[test]\nx=1\n[init]\nmode=b\n",
	  { NULL },
	  { { "init", "mode", "b", "t.ini:6" },
	    { "test", "x", "1", "t.ini:4" } } },
	{ "empty value", "[init]\nmode=\nx = ;only a comment\n", { NULL },
	  { { "init", "mode", "", "t.ini:2" },
	    { "init", "x", "", "t.ini:3" } } },
	{ "key before any section", "k=1\n[s]\n", { NULL },
	  { { "", "k", "1", "t.ini:1" } } },
	{ "value keeps = and ;", "[a]\nk = x=y;z\n", { NULL },
	  { { "a", "k", "x=y;z", "t.ini:2" } } },
	{ "syntax errors, parsing goes on",
	  "[init]\n"		  /* 1 */
	  "mode = test\n"	  /* 2 */
	  "garbage line\n"	  /* 3 */
	  "[stdio\n"		  /* 4: keys below are skipped */
	  "bulk_port = x\n"	  /* 5 */
	  "[test]\n"		  /* 6 */
	  "= novalue\n"		  /* 7 */
	  "timeout = 5\n"	  /* 8 */
	  "key with space = 1\n"  /* 9 */
	  "[bad name]\n"	  /* 10 */
	  "x = 1\n"		  /* 11 */
	  "[ok] trailing\n"	  /* 12 */
	  "y = 2\n"		  /* 13 */
	  "[log]\n"		  /* 14 */
	  "level = 3\n"		  /* 15 */
	  "[]\n"		  /* 16 */
	  "k.dot = 1\n",	  /* 17 */
	  { "t.ini:3: syntax error", "t.ini:4: syntax error",
	    "t.ini:7: syntax error", "t.ini:9: syntax error",
	    "t.ini:10: syntax error", "t.ini:12: syntax error",
	    "t.ini:16: syntax error", "t.ini:17: syntax error" },
	  { { "init", "mode", "test", "t.ini:2" },
	    { "test", "timeout", "5", "t.ini:8" },
	    { "log", "level", "3", "t.ini:15" } } },
	{ "section name too long",
	  "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nk=1\n"
	  "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nk=2\n",
	  { "t.ini:1: syntax error: section name longer than 49 bytes" },
	  { { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "k", "2",
	      "t.ini:4" } } },
};

static void test_ini_cases(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ini_cases); i++) {
		const struct ini_case *tc = &ini_cases[i];
		struct diags d = { 0 };
		struct kt_config c;

		kt_config_init(&c);
		EXPECT_LONG(tc->name, "return",
			    kt_config_load_string(&c, tc->text, "t.ini",
						  diag_collect, &d), 0);
		expect_diags(tc->name, &d, tc->diags);
		expect_entries(tc->name, &c, tc->want);
		diags_free(&d);
		kt_config_free(&c);
	}
}

/* "[modules] load = ..." can be long; a line past the limit is an error
 * with its own line number, and the lines after it keep theirs. */
static void test_ini_long_lines(void)
{
	size_t ok_len = 8000, bad_len = 9000;
	char *text = malloc(ok_len + bad_len + 64);
	const struct kt_config_entry *e;
	struct diags d = { 0 };
	struct kt_config c;
	char *p = text;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	p += snprintf(p, 32, "[modules]\nload = ");
	memset(p, 'm', ok_len);
	p += ok_len;
	p += snprintf(p, 32, "\nbad = ");
	memset(p, 'b', bad_len);
	p += bad_len;
	snprintf(p, 32, "\ndir = /lib\n");

	kt_config_init(&c);
	CU_ASSERT_EQUAL(kt_config_load_string(&c, text, "t.ini", diag_collect,
					      &d), 0);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.msg[0],
			       "t.ini:3: syntax error: line longer than 8190 bytes");
	e = kt_config_find(&c, "modules", "load");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(strlen(e->value), ok_len);
	CU_ASSERT_PTR_NULL(kt_config_find(&c, "modules", "bad"));
	e = kt_config_find(&c, "modules", "dir");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->origin, "t.ini:4");
	diags_free(&d);
	kt_config_free(&c);
	free(text);
}

/* Files: origin is PATH:LINE; a NUL byte makes its line an error. */
static void test_ini_file(void)
{
	static const char data[] = "[init]\nmode = test\nx\0y = 1\nlog_level=3\n";
	char *path = write_temp(data, sizeof(data) - 1);
	char want_origin[256], want_diag[256];
	const struct kt_config_entry *e;
	struct diags d = { 0 };
	struct kt_config c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	kt_config_init(&c);
	CU_ASSERT_EQUAL(kt_config_load_file(&c, path, diag_collect, &d), 0);
	snprintf(want_diag, sizeof(want_diag), "%s:3: syntax error", path);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.msg[0], want_diag);
	e = kt_config_find(&c, "init", "log_level");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	snprintf(want_origin, sizeof(want_origin), "%s:4", path);
	CU_ASSERT_STRING_EQUAL(e->origin, want_origin);
	CU_ASSERT_EQUAL(c.n, 2);
	diags_free(&d);
	unlink(path);
	free(path);

	CU_ASSERT_EQUAL(kt_config_load_file(&c, "/nonexistent/ktinit.ini",
					    diag_collect, &d), -ENOENT);
	CU_ASSERT_EQUAL(d.n, 0);
	kt_config_free(&c);
}

/* ---- config: unknown keys ------------------------------------------------ */

static void test_check_keys(void)
{
	static const char ini[] = "[init]\nmode = test\nbogus = 1\n"
				  "[test]\ntimeout = 5\n[init]\nlog_level=1\n"
				  "typo=2\n";
	static const char *const init_keys[] = { "mode", "log_level", NULL };
	static const char *const test_keys[] = { "timeout", NULL };
	static const char *const no_keys[] = { NULL };
	static const char *const want_init[] = {
		"t.ini:3: unknown key 'bogus' in [init]",
		"t.ini:8: unknown key 'typo' in [init]",
		"cmdline: unknown key 'extra' in [init]",
		NULL,
	};
	static const char *const want_test[] = {
		"t.ini:5: unknown key 'timeout' in [test]",
		NULL,
	};
	static const char *const want_none[] = { NULL };
	struct diags d = { 0 };
	struct kt_cmdline cl;
	struct kt_config c;

	kt_config_init(&c);
	CU_ASSERT_EQUAL(kt_config_load_string(&c, ini, "t.ini", NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(kt_cmdline_parse("ktinit.init.extra=1", &cl), 0);
	kt_config_apply_cmdline(&c, &cl, NULL, NULL);
	kt_cmdline_free(&cl);

	CU_ASSERT_EQUAL(kt_config_check_keys(&c, "init", init_keys,
					     diag_collect, &d), 3);
	expect_diags("init", &d, want_init);
	diags_free(&d);

	CU_ASSERT_EQUAL(kt_config_check_keys(&c, "test", test_keys,
					     diag_collect, &d), 0);
	expect_diags("test, all known", &d, want_none);
	CU_ASSERT_EQUAL(kt_config_check_keys(&c, "test", no_keys,
					     diag_collect, &d), 1);
	expect_diags("test, none known", &d, want_test);
	diags_free(&d);

	CU_ASSERT_EQUAL(kt_config_check_keys(&c, "absent", no_keys,
					     diag_collect, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	kt_config_free(&c);
}

/* ---- config: numbers ----------------------------------------------------- */

static const struct long_case {
	const char *value;
	long min, max, want;
	const char *diag;
} long_cases[] = {
	{ "42", 0, 100, 42, NULL },
	{ "0", 0, 100, 0, NULL },
	{ "100", 0, 100, 100, NULL },
	{ "-5", -10, 10, -5, NULL },
	{ "+7", 0, 100, 7, NULL },
	{ "007", 0, 100, 7, NULL },
	{ "abc", 0, 100, -1, "t.ini:4: [s] k: 'abc' is not a number in [0, 100]" },
	{ "101", 0, 100, -1, "t.ini:4: [s] k: '101' is not a number in [0, 100]" },
	{ "-1", 0, 100, -1, "t.ini:4: [s] k: '-1' is not a number in [0, 100]" },
	{ "12x", 0, 100, -1, "t.ini:4: [s] k: '12x' is not a number in [0, 100]" },
	{ "", 0, 100, -1, "t.ini:4: [s] k: '' is not a number in [0, 100]" },
	{ " 5", 0, 100, -1, "t.ini:4: [s] k: ' 5' is not a number in [0, 100]" },
	{ "5 ", 0, 100, -1, "t.ini:4: [s] k: '5 ' is not a number in [0, 100]" },
	{ "0x10", 0, 100, -1, "t.ini:4: [s] k: '0x10' is not a number in [0, 100]" },
	{ "-", 0, 100, -1, "t.ini:4: [s] k: '-' is not a number in [0, 100]" },
	{ "1.5", 0, 100, -1, "t.ini:4: [s] k: '1.5' is not a number in [0, 100]" },
	{ "99999999999999999999", 0, LONG_MAX, -1,
	  "t.ini:4: [s] k: '99999999999999999999' is not a number in "
	  "[0, 9223372036854775807]" },
};

static void test_config_long(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(long_cases); i++) {
		const struct long_case *tc = &long_cases[i];
		const char *want_diags[] = { tc->diag, NULL };
		struct diags d = { 0 };
		struct kt_config c;
		long v;

		kt_config_init(&c);
		CU_ASSERT_EQUAL(kt_config_set(&c, "s", "k", tc->value, "t.ini:4"), 0);
		v = kt_config_long(&c, "s", "k", -1, tc->min, tc->max,
				   diag_collect, &d);
		EXPECT_LONG(tc->value, "value", v, tc->want);
		expect_diags(tc->value, &d, want_diags);
		/* An absent key is the default, silently. */
		EXPECT_LONG(tc->value, "absent",
			    kt_config_long(&c, "s", "other", 9, 0, 1,
					   diag_collect, &d), 9);
		EXPECT_LONG(tc->value, "diags after absent", d.n,
			    tc->diag ? 1 : 0);
		diags_free(&d);
		kt_config_free(&c);
	}
}

/* ---- config: command line tokens ----------------------------------------- */

static const struct apply_case {
	const char *text;
	const char *diag;
	struct want_entry want[3];
} apply_cases[] = {
	{ "ktinit.test.timeout=30", NULL,
	  { { "test", "timeout", "30", "cmdline" } } },
	{ "\"ktinit.s.k=a b\"", NULL, { { "s", "k", "a b", "cmdline" } } },
	{ "ktinit.s-1.k_2=v", NULL, { { "s-1", "k_2", "v", "cmdline" } } },
	{ "ktinit.s.k=", NULL, { { "s", "k", "", "cmdline" } } },
	{ "ktinit.s.k=1 ktinit.s.k=2", NULL, { { "s", "k", "2", "cmdline" } } },
	{ "ktinit.mode=shell", NULL, { { "init", "mode", "shell", "cmdline" } } },
	{ "ktinit.log=debug", NULL,
	  { { "init", "log_level", "debug", "cmdline" } } },
	{ "KTSTR_MODE=Shell", NULL, { { "init", "mode", "shell", "cmdline" } } },
	{ "KTSTR_MODE=test ktinit.mode=shell", NULL,
	  { { "init", "mode", "shell", "cmdline" } } },
	{ "ktinit.mode=shell KTSTR_MODE=TEST", NULL,
	  { { "init", "mode", "test", "cmdline" } } },
	{ "ktinit.config=/x.ini ktinit.config", NULL, NO_ENTRIES },
	{ "ktinit ktinitx.a.b=1 foo=bar KTSTR_COLS=80 -- ktinit.a.b=1", NULL, NO_ENTRIES },
	{ "ktinit.foo=1",
	  "cmdline: 'ktinit.foo=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit..k=1", "cmdline: 'ktinit..k=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.s.=1", "cmdline: 'ktinit.s.=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.s.k", "cmdline: 'ktinit.s.k': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.s.k.j=1",
	  "cmdline: 'ktinit.s.k.j=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.s$.k=1",
	  "cmdline: 'ktinit.s$.k=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "\"ktinit.s.k y=1\"",
	  "cmdline: 'ktinit.s.k y=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.=1", "cmdline: 'ktinit.=1': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.", "cmdline: 'ktinit.': expected ktinit.SECTION.KEY=VALUE", NO_ENTRIES },
	{ "ktinit.mode", "cmdline: 'ktinit.mode': expected ktinit.mode=VALUE", NO_ENTRIES },
	{ "KTSTR_MODE", "cmdline: 'KTSTR_MODE': expected KTSTR_MODE=VALUE", NO_ENTRIES },
};

static void test_apply_cmdline(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(apply_cases); i++) {
		const struct apply_case *tc = &apply_cases[i];
		const char *want_diags[] = { tc->diag, NULL };
		struct diags d = { 0 };
		struct kt_cmdline cl;
		struct kt_config c;

		kt_config_init(&c);
		CU_ASSERT_EQUAL_FATAL(kt_cmdline_parse(tc->text, &cl), 0);
		kt_config_apply_cmdline(&c, &cl, diag_collect, &d);
		expect_diags(tc->text, &d, want_diags);
		expect_entries(tc->text, &c, tc->want);
		kt_cmdline_free(&cl);
		diags_free(&d);
		kt_config_free(&c);
	}
}

static void test_config_set_args(void)
{
	struct kt_config c;

	kt_config_init(&c);
	CU_ASSERT_EQUAL(kt_config_set(&c, NULL, "k", "v", "o"), -EINVAL);
	CU_ASSERT_EQUAL(kt_config_set(&c, "s", "k", NULL, "o"), -EINVAL);
	CU_ASSERT_EQUAL(c.n, 0);
	/* Many entries: the store grows. */
	for (int i = 0; i < 100; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		CU_ASSERT_EQUAL(kt_config_set(&c, "s", key, key, "o"), 0);
	}
	CU_ASSERT_EQUAL(c.n, 100);
	CU_ASSERT_STRING_EQUAL(kt_config_get(&c, "s", "k57", NULL), "k57");
	kt_config_free(&c);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "cmdline tokens and quoting", test_cmdline_tokens },
		{ "cmdline get, last occurrence wins", test_cmdline_get },
		{ "cmdline of any length", test_cmdline_long },
		{ "cmdline read from a file", test_cmdline_read },
		{ "config precedence", test_config_precedence },
		{ "INI shapes and syntax errors", test_ini_cases },
		{ "INI long lines", test_ini_long_lines },
		{ "INI file", test_ini_file },
		{ "unknown keys", test_check_keys },
		{ "kt_config_long", test_config_long },
		{ "cmdline tokens applied", test_apply_cmdline },
		{ "kt_config_set arguments", test_config_set_args },
	};
	unsigned int failures;
	CU_pSuite suite;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	suite = CU_add_suite("cmdline_config", NULL, NULL);
	if (!suite)
		goto error;
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			goto error;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* CU_basic_run_tests() does not return test failures. */
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures > 0 ? 1 : 0;
error:
	CU_cleanup_registry();
	return 99;
}
