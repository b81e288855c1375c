#include "sched_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "say.h"

/* Read a small control file into buf (NUL-terminated). Returns 0 or -errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t r = read(fd, buf + got, len - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t w;

	if (fd < 0)
		return -errno;
	do
		w = write(fd, s, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		w = -errno;
	close(fd);
	return w < 0 ? (int)w : (size_t)w == len ? 0 : -EIO;
}

/* dir/name into buf. Returns 0, or -ENAMETOOLONG. */
static int join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int has_word(const char *list, const char *word, size_t wlen)
{
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		int start = p == list || p[-1] == ' ' || p[-1] == '\n';
		char end = p[wlen];

		if (start && (end == ' ' || end == '\n' || end == '\0'))
			return 1;
		p += wlen;
	}
	return 0;
}

/* "+cpu +io ..." for the controllers dir offers and has not enabled yet;
 * one write enables them all, and only when it fails does each one get
 * its own write, to say exactly which controller refused. */
static void enable_controllers(struct ktinit_ctx *ctx, const char *dir)
{
	char path[PATH_MAX], avail[512], enabled[512], want[1024], one[64];
	size_t n = 0;
	char *tok, *save = NULL;
	int err;

	if (join(path, sizeof(path), dir, "cgroup.subtree_control") ||
	    read_small(path, enabled, sizeof(enabled)))
		enabled[0] = '\0';
	if (join(path, sizeof(path), dir, "cgroup.controllers") ||
	    read_small(path, avail, sizeof(avail)))
		return; /* checked by the caller */
	want[0] = '\0';
	for (tok = strtok_r(avail, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		int w;

		if (has_word(enabled, tok, strlen(tok)))
			continue;
		w = snprintf(want + n, sizeof(want) - n, "%s+%s", n ? " " : "", tok);
		if (w < 0 || (size_t)w >= sizeof(want) - n)
			break;
		n += (size_t)w;
	}
	if (!n)
		return;
	if (join(path, sizeof(path), dir, "cgroup.subtree_control") ||
	    write_str(path, want) == 0)
		return;
	for (tok = strtok_r(want, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		snprintf(one, sizeof(one), "%s", tok);
		err = write_str(path, one);
		if (err)
			tm_warn(ctx, "cgroup: writing \"%s\" to %s: %s", one, path,
				strerror(-err));
	}
}

/* Next component of a relative path; refuses "." and "..". */
static int next_component(const char **p, char *comp, size_t len)
{
	const char *s = *p, *e;

	while (*s == '/')
		s++;
	if (!*s)
		return 0;
	e = strchr(s, '/');
	if (!e)
		e = s + strlen(s);
	if ((size_t)(e - s) >= len)
		return -ENAMETOOLONG;
	memcpy(comp, s, (size_t)(e - s));
	comp[e - s] = '\0';
	if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0)
		return -EINVAL;
	*p = e;
	return 1;
}

static int make_level(struct ktinit_ctx *ctx, const char *key,
		      const char *parent, const char *child)
{
	char probe[PATH_MAX];
	struct stat st;

	if (join(probe, sizeof(probe), parent, "cgroup.controllers") ||
	    access(probe, F_OK) != 0) {
		tm_say(ctx, "%s: %s is not a cgroup v2 directory (no "
			    "cgroup.controllers; is cgroup2 mounted on %s?)",
		       key, parent, TM_CGROUP_ROOT);
		return -ENOTDIR;
	}
	enable_controllers(ctx, parent);
	if (mkdir(child, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(child, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	tm_say(ctx, "%s: mkdir %s: %s", key, child, strerror(errno));
	return -errno;
}

int tm_cgroup_prepare(struct ktinit_ctx *ctx, const char *key, const char *rel,
		      char *out, size_t outlen)
{
	char dir[PATH_MAX], child[PATH_MAX], comp[256];
	const char *p = rel;
	int levels = 0, r, err;

	if (ctx->svc->path(ctx, TM_CGROUP_ROOT, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	while ((r = next_component(&p, comp, sizeof(comp))) > 0) {
		if (join(child, sizeof(child), dir, comp)) {
			r = -ENAMETOOLONG;
			break;
		}
		err = make_level(ctx, key, dir, child);
		if (err)
			return err;
		memcpy(dir, child, strlen(child) + 1);
		levels++;
	}
	if (r < 0 || !levels) {
		tm_say(ctx, "%s = %s: expected a path relative to %s without "
			    "\".\" or \"..\"", key, rel, TM_CGROUP_ROOT);
		return -EINVAL;
	}
	if (strlen(dir) >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, dir, strlen(dir) + 1);
	return 0;
}
