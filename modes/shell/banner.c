#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "banner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LABEL_FMT "  %-10s "
#define INDENT "             " /* as wide as LABEL_FMT */
#define WRAP_COL 78
#define INCLUDE_DIR "/include-files"
#define WALK_DEPTH 8

static const char *const tools[] = {
	"busybox", "bpftool", "bpftrace", "perf", "trace-cmd", "stress-ng",
	"strace", "gdb", NULL,
};

/* Read a small text file (the mapped guest path) into buf, NUL-ended. */
static int read_text(const struct shell_banner_src *src, const char *guest,
		     char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (src->path(src->arg, guest, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

/* Decimal digits at *s, advanced past them; -1 when there are none. */
static long take_num(const char **s, long max)
{
	long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > max)
			return -1;
	}
	*s = p;
	return v;
}

int shell_topo_parse(const char *s, struct shell_topo *t)
{
	unsigned v[4];

	if (!s)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		long n = take_num(&s, 65536);

		if (n < 1 || *s != (i == 3 ? '\0' : ','))
			return -EINVAL;
		v[i] = (unsigned)n;
		s++;
	}
	t->numa = v[0];
	t->llcs = v[1];
	t->cores = v[2];
	t->threads = v[3];
	return 0;
}

long shell_cpulist_count(const char *s)
{
	long count = 0;

	for (;;) {
		long lo = take_num(&s, INT_MAX), hi = lo;

		if (lo < 0)
			return -EINVAL;
		if (*s == '-') {
			s++;
			hi = take_num(&s, INT_MAX);
			if (hi < lo)
				return -EINVAL;
		}
		count += hi - lo + 1;
		if (*s != ',')
			break;
		s++;
	}
	while (*s == '\n' || *s == ' ')
		s++;
	return *s ? -EINVAL : count;
}

long shell_meminfo_mib(const char *text)
{
	const char *p = strstr(text, "MemTotal:");
	long kb;

	if (!p || (p != text && p[-1] != '\n'))
		return -EINVAL;
	p += strlen("MemTotal:");
	while (*p == ' ' || *p == '\t')
		p++;
	kb = take_num(&p, LONG_MAX / 10);
	if (kb < 0 || strncmp(p, " kB", 3) != 0)
		return -EINVAL;
	return kb / 1024;
}

static const char *plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

static void put_topology(FILE *out, const struct shell_banner_src *src)
{
	struct shell_topo t;
	char buf[4096];
	long cpus;

	fprintf(out, LABEL_FMT, "topology:");
	if (src->topo && shell_topo_parse(src->topo, &t) == 0) {
		unsigned long total = (unsigned long)t.llcs * t.cores * t.threads;

		fprintf(out,
			"%u NUMA node%s, %u LLC%s, %u core%s/LLC, %u thread%s/core (%lu vCPU%s)\n",
			t.numa, plural(t.numa), t.llcs, plural(t.llcs), t.cores,
			plural(t.cores), t.threads, plural(t.threads), total,
			plural(total));
		return;
	}
	if (read_text(src, "/sys/devices/system/cpu/online", buf, sizeof(buf)) == 0 &&
	    (cpus = shell_cpulist_count(buf)) > 0) {
		fprintf(out, "%ld online CPU%s\n", cpus, plural((unsigned long)cpus));
		return;
	}
	fputs("unknown\n", out);
}

static void put_memory(FILE *out, const struct shell_banner_src *src)
{
	char buf[8192];
	long mib = -1;

	if (read_text(src, "/proc/meminfo", buf, sizeof(buf)) == 0)
		mib = shell_meminfo_mib(buf);
	fprintf(out, LABEL_FMT, "memory:");
	if (mib >= 0)
		fprintf(out, "%ld MiB\n", mib);
	else
		fputs("unknown\n", out);
}

/* The include-files walk: sorted, symlinks not followed, bounded depth
 * and bounded output, so a huge tree cannot flood the console. */
struct listing {
	FILE *out;
	unsigned shown, more;
	int any_exec;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_entry(struct listing *l, const char *host, const char *guest,
		       int depth);

static void list_dir(struct listing *l, const char *host, const char *guest,
		     int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(host);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *name;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **grown = realloc(names, ncap * sizeof(*names));

			if (!grown)
				break; /* list what fitted */
			names = grown;
			cap = ncap;
		}
		name = strdup(de->d_name);
		if (name)
			names[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char h[PATH_MAX], g[PATH_MAX];
		int hl = snprintf(h, sizeof(h), "%s/%s", host, names[i]);
		int gl = snprintf(g, sizeof(g), "%s/%s", guest, names[i]);

		if (hl > 0 && (size_t)hl < sizeof(h) && gl > 0 &&
		    (size_t)gl < sizeof(g))
			list_entry(l, h, g, depth);
		free(names[i]);
	}
	free(names);
}

static void list_entry(struct listing *l, const char *host, const char *guest,
		       int depth)
{
	struct stat st;
	int exec;

	if (lstat(host, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		if (depth < WALK_DEPTH)
			list_dir(l, host, guest, depth + 1);
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	if (l->shown >= SHELL_BANNER_MAX_FILES) {
		l->more++;
		return;
	}
	exec = (st.st_mode & 0111) != 0;
	l->any_exec |= exec;
	if (l->shown)
		fputs(INDENT, l->out);
	else
		fprintf(l->out, LABEL_FMT, "includes:");
	fprintf(l->out, "%s%s\n", guest, exec ? "*" : "");
	l->shown++;
}

static void put_includes(FILE *out, const struct shell_banner_src *src)
{
	struct listing l = { .out = out };
	char host[PATH_MAX];

	if (src->path(src->arg, INCLUDE_DIR, host, sizeof(host)) < 0)
		return;
	list_dir(&l, host, INCLUDE_DIR, 1);
	if (!l.shown)
		return; /* no /include-files: nothing worth a line */
	if (l.more)
		fprintf(out, INDENT "... and %u more\n", l.more);
	if (l.any_exec)
		fputs(INDENT "(* executable, on PATH)\n", out);
}

/* Is name an executable regular file in one of the PATH directories? */
static int on_path(const struct shell_banner_src *src, const char *name)
{
	const char *dir = src->search;

	while (dir && *dir) {
		size_t dl = strcspn(dir, ":");
		char guest[PATH_MAX], host[PATH_MAX];
		struct stat st;
		int n = snprintf(guest, sizeof(guest), "%.*s/%s", (int)dl, dir,
				 name);

		if (dl && *dir == '/' && n > 0 && (size_t)n < sizeof(guest) &&
		    src->path(src->arg, guest, host, sizeof(host)) == 0 &&
		    stat(host, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111))
			return 1;
		dir += dl;
		if (*dir == ':')
			dir++;
	}
	return 0;
}

static void put_tools(FILE *out, const struct shell_banner_src *src)
{
	int any = 0;

	fprintf(out, LABEL_FMT, "tools:");
	for (int i = 0; tools[i]; i++) {
		if (!on_path(src, tools[i]))
			continue;
		fprintf(out, "%s%s", any ? " " : "", tools[i]);
		any = 1;
	}
	fputs(any ? "\n" : "none found\n", out);
}

/* /proc/mounts escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void put_mounts(FILE *out, const struct shell_banner_src *src)
{
	char buf[16384];
	char *line, *save = NULL;
	int col = 0;

	fprintf(out, LABEL_FMT, "mounts:");
	if (read_text(src, "/proc/mounts", buf, sizeof(buf)) < 0) {
		fputs("unknown\n", out);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[3], *fsave = NULL;
		int len;

		f[0] = strtok_r(line, " ", &fsave); /* source: not shown */
		f[1] = strtok_r(NULL, " ", &fsave); /* target */
		f[2] = strtok_r(NULL, " ", &fsave); /* type */
		if (!f[0] || !f[1] || !f[2])
			continue;
		unescape_octal(f[1]);
		len = (int)(strlen(f[1]) + strlen(f[2]) + 3);
		if (col && (int)sizeof(INDENT) - 1 + col + len > WRAP_COL) {
			fputs("\n" INDENT, out);
			col = 0;
		}
		fprintf(out, "%s%s (%s)", col ? ", " : "", f[1], f[2]);
		col += len + (col ? 2 : 0);
	}
	fputs(col ? "\n" : "none\n", out);
}

int shell_banner_write(FILE *out, const struct shell_banner_src *src)
{
	fputs("\n", out);
	fprintf(out, "ktinit shell on Linux %s\n",
		src->release ? src->release : "(unknown release)");
	put_memory(out, src);
	put_topology(out, src);
	put_includes(out, src);
	put_tools(out, src);
	put_mounts(out, src);
	fputs("  exit or Ctrl-D ends the VM\n\n", out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
