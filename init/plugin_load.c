#include "plugin_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int kt_plugin_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > KT_MODE_NAME_MAX)
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

static int check_file(const char *path, const char *name, char *msg,
		      size_t msglen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT) {
			snprintf(msg, msglen, "no such mode '%s': %s not found",
				 name, path);
			return KTINIT_EXIT_NO_MODE;
		}
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "%s: refused: not a regular file%s", path,
			 S_ISLNK(st.st_mode) ? " (symlink)" : "");
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, msglen,
			 "%s: refused: group- or world-writable (mode %04o)",
			 path, (unsigned)(st.st_mode & 07777));
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	return 0;
}

static int check_ops(const struct ktinit_mode_ops *ops, const char *path,
		     const char *name, char *msg, size_t msglen)
{
	if (KTINIT_ABI_MAJOR_OF(ops->abi) != KTINIT_MODE_ABI_MAJOR) {
		snprintf(msg, msglen,
			 "%s: refused: plugin ABI %u.%u, core speaks %u.%u",
			 path, KTINIT_ABI_MAJOR_OF(ops->abi),
			 KTINIT_ABI_MINOR_OF(ops->abi), KTINIT_MODE_ABI_MAJOR,
			 KTINIT_MODE_ABI_MINOR);
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	if (!ops->name || strcmp(ops->name, name) != 0) {
		snprintf(msg, msglen, "%s: refused: it calls itself '%s'", path,
			 ops->name ? ops->name : "(null)");
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	if (!ops->run) {
		snprintf(msg, msglen, "%s: refused: no run hook", path);
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	return 0;
}

int kt_plugin_load(const char *dir, const char *name, struct kt_plugin *out,
		   char *msg, size_t msglen)
{
	const struct ktinit_mode_ops *ops;
	void *handle = NULL;
	int n, rc;

	memset(out, 0, sizeof(*out));
	if (!kt_plugin_name_valid(name)) {
		snprintf(msg, msglen,
			 "invalid mode name '%s': use 1-%d characters of [a-z0-9_-]",
			 name ? name : "", KT_MODE_NAME_MAX);
		return KTINIT_EXIT_NO_MODE;
	}
	n = snprintf(out->path, sizeof(out->path), "%s/%s.so", dir, name);
	if (n < 0 || (size_t)n >= sizeof(out->path)) {
		snprintf(msg, msglen, "plugin path for '%s' under '%s' is too long",
			 name, dir);
		return KTINIT_EXIT_NO_MODE;
	}
	rc = check_file(out->path, name, msg, msglen);
	if (rc)
		return rc;
	dlerror();
	handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(msg, msglen,
			 "%s: dlopen failed: %s (are its libraries in the initramfs?)",
			 out->path, dlerror());
		return KTINIT_EXIT_BAD_PLUGIN;
	}
	ops = dlsym(handle, KTINIT_MODE_SYMBOL);
	if (!ops) {
		snprintf(msg, msglen, "%s: refused: no symbol '%s' (%s)",
			 out->path, KTINIT_MODE_SYMBOL, dlerror());
		rc = KTINIT_EXIT_BAD_PLUGIN;
		goto fail;
	}
	rc = check_ops(ops, out->path, name, msg, msglen);
	if (rc)
		goto fail;
	out->handle = handle;
	out->ops = ops;
	return 0;
fail:
	dlclose(handle);
	return rc;
}

void kt_plugin_unload(struct kt_plugin *p)
{
	if (p->handle)
		dlclose(p->handle);
	p->handle = NULL;
	p->ops = NULL;
}
