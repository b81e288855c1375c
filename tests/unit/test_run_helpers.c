/* Unit tests: ktinit-run's host helpers (tools/run_util.c, run_term.c,
 * run_disk.c): sizes, QEMU option escaping, TERM names, the Ctrl-A escape
 * filter, the newc cpio lookup and the --disk-template magic check and
 * publish. Table-driven; a failing row names itself in the report. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/run_disk.h"
#include "../../tools/run_term.h"
#include "../../tools/run_util.h"
#include "term_name.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* CU_ASSERT with a printf-style message, so a table row that fails says
 * which row it was and what came back. */
static void check_at(int ok, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check_at(int ok, unsigned line, const char *fmt, ...)
{
	static char text[1024];
	va_list ap;

	if (ok) {
		CU_assertImplementation(CU_TRUE, line, "ok", __FILE__, "", CU_FALSE);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	CU_assertImplementation(CU_FALSE, line, text, __FILE__, "", CU_FALSE);
}
#define CHECK(ok, ...) check_at(!!(ok), __LINE__, __VA_ARGS__)

/* Bytes as C-escaped text for messages (one static buffer per slot). */
static const char *show(const char *p, size_t n, int slot)
{
	static char buf[2][256];
	char *o = buf[slot & 1];
	size_t i, k = 0;

	for (i = 0; i < n && k + 5 < sizeof(buf[0]); i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			o[k++] = (char)c;
		else
			k += (size_t)snprintf(o + k, sizeof(buf[0]) - k, "\\x%02x", c);
	}
	o[k] = '\0';
	return o;
}

/* --- scratch directories ------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static char *scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *d = xfmt("%s/ktinit-run-helpers-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (d && !mkdtemp(d)) {
		free(d);
		d = NULL;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return d;
}

static void scratch_free(char *d)
{
	if (d)
		nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	CU_ASSERT_FATAL(close(fd) == 0);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* The whole file, NUL-terminated; *len its size. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Number of entries in dir whose name contains part. */
static int count_names(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, part))
			n++;
	closedir(d);
	return n;
}

/* --- parse_size ---------------------------------------------------------- */

static void test_parse_size(void)
{
	static const struct {
		const char *in;
		int rc;
		uint64_t want;
	} rows[] = {
		/* bare bytes */
		{ "1", 0, 1 },
		{ "512", 0, 512 },
		{ "268435456", 0, 256ULL << 20 },
		{ "007", 0, 7 },
		/* suffixes: powers of 1024, any case, optional B / iB */
		{ "1K", 0, 1024 },
		{ "1k", 0, 1024 },
		{ "4KB", 0, 4096 },
		{ "4KiB", 0, 4096 },
		{ "4kib", 0, 4096 },
		{ "256M", 0, 256ULL << 20 },
		{ "256m", 0, 256ULL << 20 },
		{ "256MiB", 0, 256ULL << 20 },
		{ "256MB", 0, 256ULL << 20 },
		{ "3G", 0, 3ULL << 30 },
		{ "3g", 0, 3ULL << 30 },
		{ "3GiB", 0, 3ULL << 30 },
		{ "2T", 0, 2ULL << 40 },
		{ "2tb", 0, 2ULL << 40 },
		/* the largest values that fit, per unit */
		{ "16777215T", 0, 16777215ULL << 40 },
		{ "17179869183G", 0, 17179869183ULL << 30 },
		{ "18014398509481983K", 0, 18014398509481983ULL << 10 },
		{ "1844674407370955161", 0, 1844674407370955161ULL },
		/* zero is not a size */
		{ "0", -EINVAL, 0 },
		{ "0K", -EINVAL, 0 },
		{ "000M", -EINVAL, 0 },
		/* overflow */
		{ "16777216T", -EINVAL, 0 },          /* 2^64 */
		{ "17179869184G", -EINVAL, 0 },       /* 2^64 */
		{ "18014398509481984K", -EINVAL, 0 }, /* 2^64 */
		{ "18446744073709551616", -EINVAL, 0 },
		{ "99999999999999999999999", -EINVAL, 0 },
		{ "9999999999999999999T", -EINVAL, 0 },
		/* negative and signed */
		{ "-1", -EINVAL, 0 },
		{ "-1K", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		/* junk */
		{ "", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1 K", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
		{ "12abc", -EINVAL, 0 },
		{ "1B", -EINVAL, 0 },
		{ "1P", -EINVAL, 0 },
		{ "1KK", -EINVAL, 0 },
		{ "1Kx", -EINVAL, 0 },
		{ "1MiBs", -EINVAL, 0 },
		{ "1Mi", -EINVAL, 0 },
		{ "1Mb ", -EINVAL, 0 },
		{ "1G\n", -EINVAL, 0 },
		{ "abc", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		uint64_t v = 0xdeadbeef;
		int rc = parse_size(rows[i].in, &v);

		CHECK(rc == rows[i].rc, "parse_size(\"%s\") = %d, expected %d",
		      show(rows[i].in, strlen(rows[i].in), 0), rc, rows[i].rc);
		if (rows[i].rc == 0 && rc == 0)
			CHECK(v == rows[i].want,
			      "parse_size(\"%s\") gave %llu, expected %llu",
			      rows[i].in, (unsigned long long)v,
			      (unsigned long long)rows[i].want);
	}
}

/* --- qemu_opt_escape ------------------------------------------------------ */

static void test_qemu_opt_escape(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
		{ "", "" },
		{ "/tmp/plain/path.img", "/tmp/plain/path.img" },
		{ ",", ",," },
		{ "a,b", "a,,b" },
		{ ",,", ",,,," },
		{ ",lead", ",,lead" },
		{ "trail,", "trail,," },
		{ "/d,x/img,file=evil", "/d,,x/img,,file=evil" },
		{ "sp ace=eq:colon", "sp ace=eq:colon" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		char *got = qemu_opt_escape(rows[i].in);

		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CHECK(strcmp(got, rows[i].want) == 0,
		      "qemu_opt_escape(\"%s\") = \"%s\", expected \"%s\"",
		      rows[i].in, got, rows[i].want);
		free(got);
	}
}

/* --- kt_term_name_ok ------------------------------------------------------ */

static void test_term_name_ok(void)
{
	static const struct {
		const char *in;
		int ok;
	} rows[] = {
		{ "xterm", 1 },
		{ "xterm-256color", 1 },
		{ "screen.xterm-256color", 1 },
		{ "rxvt-unicode+x", 1 },
		{ "truecolor", 1 },
		{ "24bit", 1 },
		{ "a", 1 },
		{ "A_B", 1 },
		{ "", 0 },
		{ "xterm 256", 0 },
		{ "xterm\t", 0 },
		{ "xterm\n", 0 },
		{ "xterm;reboot", 0 },
		{ "x/y", 0 },
		{ "x=y", 0 },
		{ "x\"y", 0 },
		{ "x'y", 0 },
		{ "$TERM", 0 },
		{ "x`y`", 0 },
		{ "t\xc3\xabrm", 0 }, /* UTF-8: not a terminfo name */
		{ "x\x7f", 0 },
		{ "x\x1b[0m", 0 },
	};
	char name[80];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int ok = kt_term_name_ok(rows[i].in);

		CHECK(ok == rows[i].ok, "kt_term_name_ok(\"%s\") = %d, expected %d",
		      show(rows[i].in, strlen(rows[i].in), 0), ok, rows[i].ok);
	}
	/* 64 characters is the limit */
	memset(name, 'x', sizeof(name));
	name[64] = '\0';
	CHECK(kt_term_name_ok(name) == 1, "64 characters must be accepted");
	name[64] = 'x';
	name[65] = '\0';
	CHECK(kt_term_name_ok(name) == 0, "65 characters must be refused");
}

/* --- the Ctrl-A escape filter ----------------------------------------------- */

/* One run_esc_filter() call: input chunk, then what must come back. */
struct esc_step {
	const char *in;
	size_t n;
	enum run_esc_action act;
	const char *out;
	size_t outlen;
	size_t used;
};

#define S(lit) lit, sizeof(lit) - 1
#define ESC_END { NULL, 0, RUN_ESC_NONE, NULL, 0, 0 }

static const struct {
	const char *name;
	struct esc_step steps[4];
} esc_rows[] = {
	{ "plain bytes pass through",
	  { { S("hello\r\n"), RUN_ESC_NONE, S("hello\r\n"), 7 }, ESC_END } },
	{ "control and high bytes pass through",
	  { { S("\x00\x03\x04\x1a\x1c\x7f\xff\x02"), RUN_ESC_NONE,
	      S("\x00\x03\x04\x1a\x1c\x7f\xff\x02"), 8 }, ESC_END } },
	{ "x alone is not an escape",
	  { { S("xah?"), RUN_ESC_NONE, S("xah?"), 4 }, ESC_END } },
	{ "empty input",
	  { { S(""), RUN_ESC_NONE, S(""), 0 }, ESC_END } },
	{ "Ctrl-A x quits",
	  { { S("\x01x"), RUN_ESC_QUIT, S(""), 2 }, ESC_END } },
	{ "Ctrl-A X quits",
	  { { S("\x01X"), RUN_ESC_QUIT, S(""), 2 }, ESC_END } },
	{ "quit stops mid-chunk: bytes before are out, after are left",
	  { { S("ab\x01xcd"), RUN_ESC_QUIT, S("ab"), 4 }, ESC_END } },
	{ "Ctrl-A h is help",
	  { { S("\x01h"), RUN_ESC_HELP, S(""), 2 }, ESC_END } },
	{ "Ctrl-A H and Ctrl-A ? are help",
	  { { S("\x01H"), RUN_ESC_HELP, S(""), 2 },
	    { S("\x01?"), RUN_ESC_HELP, S(""), 2 }, ESC_END } },
	{ "help stops mid-chunk, the rest comes next call",
	  { { S("a\x01hb"), RUN_ESC_HELP, S("a"), 3 },
	    { S("b"), RUN_ESC_NONE, S("b"), 1 }, ESC_END } },
	{ "Ctrl-A a sends one Ctrl-A",
	  { { S("\x01" "a"), RUN_ESC_NONE, S("\x01"), 2 }, ESC_END } },
	{ "Ctrl-A A sends one Ctrl-A",
	  { { S("\x01" "A"), RUN_ESC_NONE, S("\x01"), 2 }, ESC_END } },
	{ "Ctrl-A Ctrl-A sends one Ctrl-A",
	  { { S("\x01\x01"), RUN_ESC_NONE, S("\x01"), 2 }, ESC_END } },
	{ "three Ctrl-A: one sent, one pending",
	  { { S("\x01\x01\x01"), RUN_ESC_NONE, S("\x01"), 3 },
	    { S("x"), RUN_ESC_QUIT, S(""), 1 }, ESC_END } },
	{ "Ctrl-A Ctrl-A x: a literal Ctrl-A, then plain x",
	  { { S("\x01\x01x"), RUN_ESC_NONE, S("\x01x"), 3 }, ESC_END } },
	{ "Ctrl-A then another key: both bytes go through",
	  { { S("\x01" "c"), RUN_ESC_NONE, S("\x01" "c"), 2 },
	    { S("\x01\x03"), RUN_ESC_NONE, S("\x01\x03"), 2 },
	    { S("\x01\x00"), RUN_ESC_NONE, S("\x01\x00"), 2 }, ESC_END } },
	{ "every chunk a Ctrl-A and a key: output is twice the input",
	  { { S("\x01z\x01y\x01w"), RUN_ESC_NONE, S("\x01z\x01y\x01w"), 6 },
	    ESC_END } },
	{ "Ctrl-A split across chunks, then x",
	  { { S("ab\x01"), RUN_ESC_NONE, S("ab"), 3 },
	    { S("x"), RUN_ESC_QUIT, S(""), 1 }, ESC_END } },
	{ "Ctrl-A split across chunks, then a",
	  { { S("\x01"), RUN_ESC_NONE, S(""), 1 },
	    { S("a" "rest"), RUN_ESC_NONE, S("\x01" "rest"), 5 }, ESC_END } },
	{ "Ctrl-A split across chunks, then Ctrl-A",
	  { { S("\x01"), RUN_ESC_NONE, S(""), 1 },
	    { S("\x01"), RUN_ESC_NONE, S("\x01"), 1 }, ESC_END } },
	{ "Ctrl-A split across chunks, then h",
	  { { S("q\x01"), RUN_ESC_NONE, S("q"), 2 },
	    { S("hz"), RUN_ESC_HELP, S(""), 1 },
	    { S("z"), RUN_ESC_NONE, S("z"), 1 }, ESC_END } },
	{ "Ctrl-A split across chunks, then another key: released as two",
	  { { S("\x01"), RUN_ESC_NONE, S(""), 1 },
	    { S("k"), RUN_ESC_NONE, S("\x01k"), 1 }, ESC_END } },
	{ "a pending Ctrl-A survives an empty chunk",
	  { { S("\x01"), RUN_ESC_NONE, S(""), 1 },
	    { S(""), RUN_ESC_NONE, S(""), 0 },
	    { S("x"), RUN_ESC_QUIT, S(""), 1 }, ESC_END } },
};

static void test_esc_filter(void)
{
	size_t r, s;

	for (r = 0; r < ARRAY_SIZE(esc_rows); r++) {
		struct run_esc e = { 0 };

		for (s = 0; s < ARRAY_SIZE(esc_rows[r].steps) && esc_rows[r].steps[s].in; s++) {
			const struct esc_step *st = &esc_rows[r].steps[s];
			/* out holds 2 * n bytes as documented, poisoned first */
			size_t cap = st->n ? 2 * st->n : 1;
			char *out = malloc(cap);
			size_t outlen = 99, used = 99;
			enum run_esc_action act;

			CU_ASSERT_PTR_NOT_NULL_FATAL(out);
			memset(out, '#', cap);
			act = run_esc_filter(&e, st->in, st->n, out, &outlen, &used);
			CHECK(act == st->act, "%s, call %zu: action %d, expected %d",
			      esc_rows[r].name, s + 1, (int)act, (int)st->act);
			CHECK(used == st->used, "%s, call %zu: used %zu, expected %zu",
			      esc_rows[r].name, s + 1, used, st->used);
			CHECK(outlen == st->outlen && memcmp(out, st->out, st->outlen) == 0,
			      "%s, call %zu: out \"%s\", expected \"%s\"",
			      esc_rows[r].name, s + 1,
			      show(out, outlen <= cap ? outlen : cap, 0),
			      show(st->out, st->outlen, 1));
			free(out);
		}
	}
}

/* The help text names each escape and suits a raw terminal. */
static void test_esc_help(void)
{
	const char *p;

	CU_ASSERT_PTR_NOT_NULL(strstr(run_esc_help, "Ctrl-A"));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_esc_help, "  x "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_esc_help, "  a "));
	CU_ASSERT_PTR_NOT_NULL(strstr(run_esc_help, "  h "));
	for (p = strchr(run_esc_help, '\n'); p; p = strchr(p + 1, '\n'))
		CHECK(p > run_esc_help && p[-1] == '\r',
		      "run_esc_help: a bare \\n at offset %td", p - run_esc_help);
}

/* --- cpio_has_entry ------------------------------------------------------- */

/* Files for the archives, sizes 0-5 so every padding case comes up. */
static const struct {
	const char *path, *data;
} cpio_files[] = {
	{ "init", "#!/bin/sh\n" },
	{ "etc/ktinit.ini", "[test]\n" },
	{ "empty", "" },
	{ "one", "1" },
	{ "two", "22" },
	{ "three", "333" },
	{ "bin/mkfs.btrfs2", "no" },
	{ "bin/mkfs.btrfs", "ELF?!" },
	{ "last", "the end" },
};

static void cpio_tree(const char *dir)
{
	size_t i;
	char *p;

	for (i = 0; i < ARRAY_SIZE(cpio_files); i++) {
		p = xfmt("%s/%s", dir, cpio_files[i].path);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		*strrchr(p, '/') = '\0';
		mkdir(p, 0755);
		p[strlen(p)] = '/';
		write_text(p, cpio_files[i].data);
		free(p);
	}
}

/* cpio -o -H FORMAT of the names (newline-separated) from dir to out. */
static void cpio_make(const char *dir, const char *format, const char *names,
		      const char *out)
{
	char *list = xfmt("%s.list", out);
	char *cmd = xfmt("cd '%s' && cpio -o -H %s --quiet <'%s' >'%s'", dir,
			 format, list, out);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cmd);
	write_text(list, names);
	rc = system(cmd);
	CHECK(rc == 0, "'%s' failed (status %d): is cpio installed?", cmd, rc);
	CU_ASSERT_FATAL(rc == 0);
	unlink(list);
	free(list);
	free(cmd);
}

static const char cpio_names[] =
	"init\netc\netc/ktinit.ini\nempty\none\ntwo\nthree\nbin\n"
	"bin/mkfs.btrfs2\nbin/mkfs.btrfs\nlast\n";

static void check_lookups(const char *archive, const char *what,
			  const char *const *present, size_t npresent,
			  const char *const *absent, size_t nabsent)
{
	size_t i;
	int rc;

	for (i = 0; i < npresent; i++) {
		rc = cpio_has_entry(archive, present[i]);
		CHECK(rc == 1, "%s: cpio_has_entry(\"%s\") = %d, expected 1 (present)",
		      what, present[i], rc);
	}
	for (i = 0; i < nabsent; i++) {
		rc = cpio_has_entry(archive, absent[i]);
		CHECK(rc == 0, "%s: cpio_has_entry(\"%s\") = %d, expected 0 (absent)",
		      what, absent[i], rc);
	}
}

static const char *const in_archive[] = {
	"init", "etc", "etc/ktinit.ini", "empty", "one", "two", "three",
	"bin", "bin/mkfs.btrfs2", "bin/mkfs.btrfs",
	"last", /* the last entry before the trailer */
};
static const char *const not_in_archive[] = {
	"bin/mkfs", "bin/mkfs.btrf", "bin/mkfs.btrfs3", "mkfs.btrfs",
	"/bin/mkfs.btrfs", "./bin/mkfs.btrfs", "bin/", "BIN/MKFS.BTRFS",
	"las", "lastt", "etc/ktinit.in", "nothing/here",
	"x", "0", "bin/mkfs.btrfs/",
};

static void test_cpio_lookup(void)
{
	char *d = scratch_dir(), *tree = xfmt("%s/tree", d);
	char *a = xfmt("%s/a.cpio", d), *c = xfmt("%s/c.cpio", d);
	char *last = xfmt("%s/last.cpio", d);
	static const char *const only_last[] = { "last" };
	static const char *const not_last[] = { "bin/mkfs.btrfs", "init" };

	CU_ASSERT_FATAL(tree && a && c && last);
	CU_ASSERT_FATAL(mkdir(tree, 0755) == 0);
	cpio_tree(tree);

	cpio_make(tree, "newc", cpio_names, a);
	check_lookups(a, "newc archive", in_archive, ARRAY_SIZE(in_archive),
		      not_in_archive, ARRAY_SIZE(not_in_archive));

	/* The "crc" flavour of newc (magic 070702) reads the same. */
	cpio_make(tree, "crc", cpio_names, c);
	check_lookups(c, "newc crc archive", in_archive, ARRAY_SIZE(in_archive),
		      not_in_archive, ARRAY_SIZE(not_in_archive));

	/* A one-entry archive: its only entry is the last one. */
	cpio_make(tree, "newc", "last\n", last);
	check_lookups(last, "one-entry archive", only_last, 1, not_last,
		      ARRAY_SIZE(not_last));

	free(tree);
	free(a);
	free(c);
	free(last);
	scratch_free(d);
}

/* Base + overlay, as ktinit-run boots them: concatenated archives, with
 * and without zero padding between them. */
static void test_cpio_concatenated(void)
{
	char *d = scratch_dir(), *tree = xfmt("%s/tree", d);
	char *a = xfmt("%s/base.cpio", d), *b = xfmt("%s/overlay.cpio", d);
	char *cat = xfmt("%s/cat.cpio", d), *tight = xfmt("%s/tight.cpio", d);
	char *pa, *pb, *both;
	size_t la, lb, trail, off;
	static const char *const present[] = { "init", "bin/mkfs.btrfs", "last" };
	static const char *const absent[] = { "bin/mkfs.btrfs3", "nope" };

	CU_ASSERT_FATAL(tree && a && b && cat && tight);
	CU_ASSERT_FATAL(mkdir(tree, 0755) == 0);
	cpio_tree(tree);
	cpio_make(tree, "newc", "init\netc\netc/ktinit.ini\n", a);
	cpio_make(tree, "newc", "one\nthree\nbin\nbin/mkfs.btrfs\nlast\n", b);
	pa = slurp(a, &la);
	pb = slurp(b, &lb);
	CU_ASSERT_FATAL(pa && pb);

	/* cpio pads each archive to 512 bytes with zeros. */
	both = malloc(la + lb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(both);
	memcpy(both, pa, la);
	memcpy(both + la, pb, lb);
	write_file(cat, both, la + lb);
	check_lookups(cat, "padded base + overlay", present, ARRAY_SIZE(present),
		      absent, ARRAY_SIZE(absent));
	CHECK(cpio_has_entry(a, "bin/mkfs.btrfs") == 0,
	      "the base alone must not have bin/mkfs.btrfs");

	/* Without the zero padding: the overlay right after the trailer's
	 * (4-aligned) end. */
	trail = 0;
	for (off = 0; off + 10 <= la; off++)
		if (memcmp(pa + off, "TRAILER!!!", 10) == 0)
			trail = off;
	CU_ASSERT_FATAL(trail > 0);
	trail = (trail + 11 + 3) & ~(size_t)3;
	memcpy(both + trail, pb, lb);
	write_file(tight, both, trail + lb);
	check_lookups(tight, "unpadded base + overlay", present,
		      ARRAY_SIZE(present), absent, ARRAY_SIZE(absent));

	free(both);
	free(pa);
	free(pb);
	free(tree);
	free(a);
	free(b);
	free(cat);
	free(tight);
	scratch_free(d);
}

/* Truncated archives: an entry whose header and name are wholly before
 * the cut is still found; a cut inside that header or name is "cannot
 * tell" (-1); nothing past the cut is ever reported present. Every cut
 * point is tried (ASan watches the reads). */
static void test_cpio_truncated(void)
{
	char *d = scratch_dir(), *tree = xfmt("%s/tree", d);
	char *a = xfmt("%s/a.cpio", d), *t = xfmt("%s/t.cpio", d);
	char *full;
	size_t len, cut, hdr, name_end;
	int rc;

	CU_ASSERT_FATAL(tree && a && t);
	CU_ASSERT_FATAL(mkdir(tree, 0755) == 0);
	cpio_tree(tree);
	cpio_make(tree, "newc", cpio_names, a);
	full = slurp(a, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(full);
	/* Where the header of bin/mkfs.btrfs starts and its name ends. */
	for (hdr = 0; hdr + 110 + 15 < len; hdr += 4)
		if (memcmp(full + hdr, "07070", 5) == 0 &&
		    memcmp(full + hdr + 110, "bin/mkfs.btrfs", 15) == 0)
			break;
	CU_ASSERT_FATAL(hdr + 110 + 15 < len);
	name_end = hdr + 110 + 15;

	for (cut = 0; cut < len; cut++) {
		write_file(t, full, cut);
		rc = cpio_has_entry(t, "bin/mkfs.btrfs");
		if (cut >= name_end)
			CHECK(rc == 1, "cut at %zu (entry's name ends at %zu): %d, "
			      "expected 1", cut, name_end, rc);
		else if (cut > hdr)
			CHECK(rc == -1, "cut at %zu, inside the entry's header or "
			      "name (%zu-%zu): %d, expected -1", cut, hdr,
			      name_end, rc);
		else
			CHECK(rc != 1, "cut at %zu, before the entry's header at "
			      "%zu: reported present", cut, hdr);
		rc = cpio_has_entry(t, "no/such/entry");
		CHECK(rc != 1, "cut at %zu: an absent entry reported present", cut);
	}
	free(full);
	free(tree);
	free(a);
	free(t);
	scratch_free(d);
}

/* Compressed, garbage, empty, missing: never "present"; not-cpio is -1. */
static void test_cpio_not_cpio(void)
{
	char *d = scratch_dir(), *tree = xfmt("%s/tree", d);
	char *a = xfmt("%s/a.cpio", d), *gz = xfmt("%s/a.cpio.gz", d);
	char *g = xfmt("%s/garbage", d), *e = xfmt("%s/empty", d);
	char *z = xfmt("%s/zeros", d), *odc = xfmt("%s/odc.cpio", d);
	char *bad = xfmt("%s/badhex.cpio", d), *cmd;
	char *nonul = xfmt("%s/nonul.cpio", d);
	char junk[4096], zeros[2048] = { 0 }, a_hdr_size[8];
	char *p;
	size_t i, n;
	int rc;
	const struct {
		const char *path, *what;
		int rc;
	} rows[] = {
		{ gz, "gzip-compressed archive", -1 },
		{ g, "random bytes", -1 },
		{ odc, "odc (old ASCII) cpio", -1 },
		{ bad, "newc header with a non-hex size", -1 },
		{ nonul, "a name without its NUL", -1 },
		{ "/nonexistent/ktinit/base.cpio", "a missing file", -1 },
		{ e, "an empty file", 0 },
		{ z, "only zero padding", 0 },
	};

	CU_ASSERT_FATAL(tree && a && gz && g && e && z && odc && bad && nonul);
	CU_ASSERT_FATAL(mkdir(tree, 0755) == 0);
	cpio_tree(tree);
	cpio_make(tree, "newc", cpio_names, a);
	cmd = xfmt("gzip -c <'%s' >'%s'", a, gz);
	CU_ASSERT_FATAL(cmd && system(cmd) == 0);
	free(cmd);
	cpio_make(tree, "odc", cpio_names, odc);

	srand(1);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(rand() | 1); /* never zero padding */
	write_file(g, junk, sizeof(junk));
	write_file(e, "", 0);
	write_file(z, zeros, sizeof(zeros));

	/* Corrupt the filesize field (bytes 54-61) of the first header. */
	p = slurp(a, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(a_hdr_size, p + 54, 8);
	memcpy(p + 54, "0000zz00", 8);
	write_file(bad, p, n);
	/* The first name is "init" (namesize 5): overwrite its NUL. */
	memcpy(p + 54, a_hdr_size, 8);
	CU_ASSERT_FATAL(memcmp(p + 110, "init", 5) == 0);
	p[114] = 'X';
	write_file(nonul, p, n);
	free(p);

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		rc = cpio_has_entry(rows[i].path, "init");
		CHECK(rc == rows[i].rc, "%s: cpio_has_entry(\"init\") = %d, expected %d",
		      rows[i].what, rc, rows[i].rc);
		rc = cpio_has_entry(rows[i].path, "bin/mkfs.btrfs");
		CHECK(rc == rows[i].rc,
		      "%s: cpio_has_entry(\"bin/mkfs.btrfs\") = %d, expected %d",
		      rows[i].what, rc, rows[i].rc);
	}
	/* A read error (a directory: EISDIR) must never read as "present".
	 * run_disk.h promises -1 for "unreadable"; today skip_zeros() takes
	 * a failed pread for the end of the file and the answer is 0. */
	rc = cpio_has_entry(d, "init");
	CHECK(rc != 1, "a directory: cpio_has_entry(\"init\") = %d", rc);
	free(tree);
	free(a);
	free(gz);
	free(g);
	free(e);
	free(z);
	free(odc);
	free(bad);
	free(nonul);
	scratch_free(d);
}

/* --- disk_check_magic ------------------------------------------------------ */

/* What a call writes to stderr (msg()), caught in a file. */
struct err_cap {
	int saved;
	char path[64];
};

static void err_begin(struct err_cap *c)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/ktinit-run-helpers-err-XXXXXX");
	fd = mkostemp(c->path, O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(c->saved >= 0);
	CU_ASSERT_FATAL(dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	close(fd);
}

/* The caught text (malloc'd); stderr is back. */
static char *err_end(struct err_cap *c)
{
	char *text;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	text = slurp(c->path, NULL);
	unlink(c->path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	return text;
}

static const char btrfs_magic[8] = { '_', 'B', 'H', 'R', 'f', 'S', '_', 'M' };

/* A file of size bytes (zeros) with bytes at off. */
static void make_image(const char *path, off_t size, off_t off,
		       const void *bytes, size_t n)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, size) == 0);
	if (n)
		CU_ASSERT_FATAL(pwrite(fd, bytes, n, off) == (ssize_t)n);
	close(fd);
}

#define DIFFERS "expected 0x4d5f53665248425f (\"_BHRfS_M\")"
#define SHORT "no btrfs superblock: the file ends before byte 0x10048"

static void test_disk_magic(void)
{
	static const char reversed[8] = { 'M', '_', 'S', 'f', 'R', 'H', 'B', '_' };
	static const char one_off[8] = { '_', 'B', 'H', 'R', 'f', 'S', '_', 'm' };
	const off_t at = DISK_BTRFS_MAGIC_OFFSET;
	const struct {
		const char *what;
		off_t size, off;
		const char *bytes;
		int rc;
		const char *said; /* on stderr; "" for silence */
	} rows[] = {
		{ "magic at 0x10040 in 1 MiB", 1 << 20, at, btrfs_magic, 0, "" },
		{ "magic, file ends right after it", at + 8, at, btrfs_magic, 0, "" },
		{ "zeroed 1 MiB", 1 << 20, 0, NULL, 1,
		  "no btrfs superblock: 0x0000000000000000 at byte 0x10040" },
		{ "magic one byte early", 1 << 20, at - 1, btrfs_magic, 1, DIFFERS },
		{ "magic one byte late", 1 << 20, at + 1, btrfs_magic, 1, DIFFERS },
		{ "magic at 0x40 (the primary's offset in the wrong place)",
		  1 << 20, 0x40, btrfs_magic, 1, DIFFERS },
		{ "byte-reversed magic", 1 << 20, at, reversed, 1,
		  "0x5f42485266535f4d at byte 0x10040" },
		{ "last byte differs", 1 << 20, at, one_off, 1,
		  "0x6d5f53665248425f at byte 0x10040" },
		{ "empty file", 0, 0, NULL, 1, SHORT },
		{ "file ends before 0x10040", at, 0, NULL, 1, SHORT },
		/* after a good read, so stale stack bytes would complete it */
		{ "magic, again", 1 << 20, at, btrfs_magic, 0, "" },
		{ "file ends inside the magic", at + 7, at, btrfs_magic, 1, SHORT },
	};
	struct err_cap cap;
	char *said;
	char *d = scratch_dir(), *img = xfmt("%s/img", d);
	size_t i;
	int fd, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(img);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		size_t n = rows[i].bytes ? 8 : 0;

		/* a magic that would reach past the size is cut off */
		if (n && rows[i].off + 8 > rows[i].size)
			n = (size_t)(rows[i].size - rows[i].off);
		make_image(img, rows[i].size, rows[i].off, rows[i].bytes, n);
		fd = open(img, O_RDONLY | O_CLOEXEC);
		CU_ASSERT_FATAL(fd >= 0);
		err_begin(&cap);
		rc = disk_check_magic(fd, img);
		said = err_end(&cap);
		CHECK(rc == rows[i].rc, "%s: disk_check_magic = %d, expected %d",
		      rows[i].what, rc, rows[i].rc);
		if (*rows[i].said)
			CHECK(strstr(said, rows[i].said) && strstr(said, img),
			      "%s: stderr \"%s\" does not say \"%s\" about %s",
			      rows[i].what, said, rows[i].said, img);
		else
			CHECK(*said == '\0', "%s: unexpected stderr \"%s\"",
			      rows[i].what, said);
		free(said);
		close(fd);
	}

	/* A read error is -1, not "no magic". */
	make_image(img, 1 << 20, at, btrfs_magic, 8);
	fd = open(img, O_WRONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	err_begin(&cap);
	rc = disk_check_magic(fd, img);
	said = err_end(&cap);
	CHECK(rc == -1, "write-only fd: disk_check_magic = %d, expected -1", rc);
	CHECK(strstr(said, "reading the btrfs magic at 0x10040") != NULL,
	      "write-only fd: stderr \"%s\" does not name the read error", said);
	free(said);
	close(fd);
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	rc = disk_check_magic(fd, d);
	CHECK(rc == -1, "a directory: disk_check_magic = %d, expected -1", rc);
	close(fd);

	free(img);
	scratch_free(d);
}

/* --- staging and publish ------------------------------------------------------ */

static void test_disk_publish(void)
{
	char *d = scratch_dir(), *img = xfmt("%s/disk.img", d);
	char *staging = NULL, *content, *stage_copy;
	int fd = -1, old_fd;
	struct stat st, sst;
	mode_t mask;
	char buf[16];

	CU_ASSERT_FATAL(img != NULL);
	/* A fresh image: staging beside it, sparse, sized, mode 0666-umask. */
	mask = umask(022);
	CU_ASSERT_FATAL(disk_staging_create(img, 4 << 20, &staging, &fd) == 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(staging);
	CU_ASSERT(fd >= 0);
	CHECK(strncmp(staging, img, strlen(img)) == 0 &&
	      strncmp(staging + strlen(img), ".staging.", 9) == 0,
	      "staging path %s is not IMAGE.staging.*", staging);
	CU_ASSERT_FATAL(fstat(fd, &sst) == 0);
	CU_ASSERT_EQUAL(sst.st_size, 4 << 20);
	CHECK((sst.st_mode & 07777) == 0644, "staging mode %o, expected 0644",
	      (unsigned)(sst.st_mode & 07777));
	CU_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CU_ASSERT(access(img, F_OK) < 0); /* nothing published yet */
	CU_ASSERT_FATAL(pwrite(fd, btrfs_magic, 8, DISK_BTRFS_MAGIC_OFFSET) == 8);
	CU_ASSERT_EQUAL(disk_check_magic(fd, staging), 0);

	CU_ASSERT_EQUAL(disk_publish(fd, staging, img), 0);
	/* the image is the staging file itself (renamed, not copied) */
	CU_ASSERT_FATAL(stat(img, &st) == 0);
	CHECK(st.st_ino == sst.st_ino && st.st_dev == sst.st_dev,
	      "the image is not the staging file's inode: copied, not renamed");
	CU_ASSERT_EQUAL(st.st_size, 4 << 20);
	CHECK(access(staging, F_OK) < 0 && errno == ENOENT,
	      "the staging file %s is still there after publish", staging);
	CHECK(count_names(d, ".staging.") == 0, "a staging file was left in %s", d);
	/* discard after a publish: nothing to remove, the image stays */
	disk_staging_discard(&staging, &fd);
	CU_ASSERT_PTR_NULL(staging);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT(access(img, F_OK) == 0);

	/* Replacing an existing image: atomic, a reader of the old one
	 * keeps the old bytes (a new inode takes the name). */
	write_text(img, "OLD IMAGE");
	old_fd = open(img, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(old_fd >= 0);
	CU_ASSERT_FATAL(disk_staging_create(img, 1 << 20, &staging, &fd) == 0);
	CU_ASSERT_FATAL(pwrite(fd, "NEW", 3, 0) == 3);
	CU_ASSERT_FATAL(fstat(fd, &sst) == 0);
	CU_ASSERT_EQUAL(disk_publish(fd, staging, img), 0);
	CU_ASSERT_FATAL(stat(img, &st) == 0);
	CU_ASSERT(st.st_ino == sst.st_ino);
	CU_ASSERT_EQUAL(st.st_size, 1 << 20);
	content = slurp(img, NULL);
	CU_ASSERT(content && memcmp(content, "NEW", 3) == 0);
	free(content);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT(pread(old_fd, buf, sizeof(buf) - 1, 0) == 9);
	CU_ASSERT_STRING_EQUAL(buf, "OLD IMAGE");
	close(old_fd);
	CHECK(count_names(d, ".staging.") == 0, "a staging file was left in %s", d);
	disk_staging_discard(&staging, &fd);

	/* Failure (fsync on a bad fd): the existing image is untouched, the
	 * staging file stays for discard, which removes it. */
	write_text(img, "KEEP ME");
	CU_ASSERT_FATAL(disk_staging_create(img, 1 << 20, &staging, &fd) == 0);
	CU_ASSERT_FATAL(pwrite(fd, "BAD", 3, 0) == 3);
	CU_ASSERT_EQUAL(disk_publish(-1, staging, img), -1);
	content = slurp(img, NULL);
	CHECK(content && strcmp(content, "KEEP ME") == 0,
	      "failed publish (fsync) changed the image: \"%s\"",
	      content ? content : "(gone)");
	free(content);
	CHECK(access(staging, F_OK) == 0,
	      "failed publish must leave the staging file for discard");
	stage_copy = strdup(staging);
	CU_ASSERT_PTR_NOT_NULL_FATAL(stage_copy);
	disk_staging_discard(&staging, &fd);
	CU_ASSERT(access(stage_copy, F_OK) < 0);
	CU_ASSERT_EQUAL(count_names(d, ".staging."), 0);
	content = slurp(img, NULL);
	CU_ASSERT(content && strcmp(content, "KEEP ME") == 0);
	free(content);
	free(stage_copy);

	/* Failure (the rename: the staging file is gone): image untouched. */
	CU_ASSERT_FATAL(disk_staging_create(img, 1 << 20, &staging, &fd) == 0);
	CU_ASSERT_FATAL(unlink(staging) == 0);
	CU_ASSERT_EQUAL(disk_publish(fd, staging, img), -1);
	content = slurp(img, NULL);
	CHECK(content && strcmp(content, "KEEP ME") == 0,
	      "failed publish (rename) changed the image: \"%s\"",
	      content ? content : "(gone)");
	free(content);
	disk_staging_discard(&staging, &fd); /* ENOENT is quiet */
	CU_ASSERT_PTR_NULL(staging);

	/* Failure (the image's name is taken by a non-empty directory): the
	 * directory is untouched, the staging file can be discarded. */
	{
		char *dimg = xfmt("%s/dir.img", d), *inner = xfmt("%s/dir.img/x", d);

		CU_ASSERT_FATAL(dimg && inner);
		CU_ASSERT_FATAL(mkdir(dimg, 0755) == 0);
		write_text(inner, "inner");
		CU_ASSERT_EQUAL(disk_staging_create(dimg, 1 << 20, &staging, &fd), -1);
		CU_ASSERT_PTR_NULL(staging);
		CU_ASSERT_EQUAL(count_names(d, ".staging."), 0);
		free(dimg);
		free(inner);
	}

	/* discard is safe on nothing */
	staging = NULL;
	fd = -1;
	disk_staging_discard(&staging, &fd);
	CU_ASSERT_PTR_NULL(staging);
	CU_ASSERT_EQUAL(fd, -1);

	umask(mask);
	free(img);
	scratch_free(d);
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "parse_size: suffixes, bytes, zero, overflow, junk", test_parse_size },
		{ "qemu_opt_escape doubles commas", test_qemu_opt_escape },
		{ "TERM names for the kernel command line", test_term_name_ok },
		{ "Ctrl-A escape filter", test_esc_filter },
		{ "Ctrl-A help text", test_esc_help },
		{ "cpio lookup: present, absent, last entry", test_cpio_lookup },
		{ "cpio lookup: concatenated archives", test_cpio_concatenated },
		{ "cpio lookup: truncated archive, every cut", test_cpio_truncated },
		{ "cpio lookup: compressed, garbage, empty, missing", test_cpio_not_cpio },
		{ "btrfs magic check", test_disk_magic },
		{ "staging file and atomic publish", test_disk_publish },
		{ NULL, NULL },
	};

	return kt_unit_run("ktinit-run host helpers", cases);
}
