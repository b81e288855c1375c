#include "path_env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KT_PATH_MAX_DEPTH 8

struct dir_list {
	char **v;
	size_t n, cap;
};

static int dir_list_add(struct dir_list *l, const char *guest)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	copy = strdup(guest);
	if (!copy)
		return -ENOMEM;
	l->v[l->n++] = copy;
	return 0;
}

static void dir_list_free(struct dir_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* "parent/name", malloc'd. */
static char *path_join(const char *parent, const char *name)
{
	size_t size = strlen(parent) + 1 + strlen(name) + 1;
	char *p = malloc(size);
	int n;

	if (!p)
		return NULL;
	n = snprintf(p, size, "%s/%s", parent, name);
	if (n < 0 || (size_t)n >= size) {
		free(p);
		return NULL;
	}
	return p;
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static int walk(int dfd, const char *guest, int depth, struct dir_list *out);

/* Descend into dfd/name unless it turned into a symlink since the lstat
 * (O_NOFOLLOW). A directory that will not open is skipped: PATH is built
 * best effort. */
static int walk_child(int dfd, const char *guest, const char *name, int depth,
		      struct dir_list *out)
{
	char *child_guest;
	int fd, err;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	child_guest = path_join(guest, name);
	if (!child_guest) {
		close(fd);
		return -ENOMEM;
	}
	err = walk(fd, child_guest, depth + 1, out);
	free(child_guest);
	return err;
}

/* Walk the directory open at dfd (walk closes it); guest is its name in
 * the guest. Adds guest to out when it directly holds an executable. */
static int walk(int dfd, const char *guest, int depth, struct dir_list *out)
{
	bool has_exec = false;
	struct dirent *de;
	DIR *dir;
	int err = 0;

	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return 0;
	}
	while (!err && (de = readdir(dir))) {
		struct stat st;

		if (is_dot(de->d_name) ||
		    fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISREG(st.st_mode) && (st.st_mode & 0111))
			has_exec = true;
		else if (S_ISDIR(st.st_mode) && depth < KT_PATH_MAX_DEPTH)
			err = walk_child(dirfd(dir), guest, de->d_name, depth,
					 out);
	}
	/* ':' separates PATH entries: such a directory cannot be named. */
	if (!err && has_exec && !strchr(guest, ':'))
		err = dir_list_add(out, *guest ? guest : "/");
	closedir(dir);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: bytewise order. */
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dirs joined with ':', then system. */
static char *path_join_all(const struct dir_list *l, const char *system)
{
	size_t size = strlen(system) + 1, i, off = 0;
	char *path;

	for (i = 0; i < l->n; i++)
		size += strlen(l->v[i]) + 1;
	path = malloc(size);
	if (!path)
		return NULL;
	for (i = 0; i < l->n; i++) {
		size_t len = strlen(l->v[i]);

		memcpy(path + off, l->v[i], len);
		off += len;
		/* No trailing ':' when system is empty: an empty PATH entry
		 * means the current directory. */
		if (i + 1 < l->n || *system)
			path[off++] = ':';
	}
	memcpy(path + off, system, strlen(system) + 1);
	return path;
}

/* include_dir without trailing slashes; "" for "/", so that children
 * join as "/name". */
static char *guest_root(const char *include_dir)
{
	size_t len = strlen(include_dir);

	while (len > 0 && include_dir[len - 1] == '/')
		len--;
	return strndup(include_dir, len);
}

/* Open root_prefix + include_dir; 0 with *fd = -1 when it is not there. */
static int open_root(const char *root_prefix, const char *include_dir,
		     int *fd)
{
	size_t size = strlen(root_prefix) + strlen(include_dir) + 1;
	char *host = malloc(size);
	int n;

	if (!host)
		return -ENOMEM;
	n = snprintf(host, size, "%s%s", root_prefix, include_dir);
	if (n < 0 || (size_t)n >= size) {
		free(host);
		return -ENAMETOOLONG;
	}
	*fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(host);
	if (*fd >= 0 || errno == ENOENT || errno == ENOTDIR)
		return 0;
	return -errno;
}

char *kt_path_build(const char *root_prefix, const char *include_dir,
		    const char *system)
{
	struct dir_list dirs = { 0 };
	char *guest = NULL, *path = NULL;
	int fd, err;

	if (!system)
		system = "";
	err = open_root(root_prefix, include_dir, &fd);
	if (err || fd < 0)
		goto done;
	guest = guest_root(include_dir);
	if (!guest) {
		close(fd);
		err = -ENOMEM;
		goto done;
	}
	err = walk(fd, guest, 0, &dirs);
	if (err)
		goto done;
	if (dirs.n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(dirs.v, dirs.n, sizeof(*dirs.v), cmp_str);
done:
	if (!err) {
		path = path_join_all(&dirs, system);
		if (!path)
			err = -ENOMEM;
	}
	free(guest);
	dir_list_free(&dirs);
	if (err)
		errno = -err;
	return path;
}
