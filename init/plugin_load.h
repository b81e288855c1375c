/* Find, check and dlopen one mode plugin. The only file that calls dl*. */
#ifndef KT_PLUGIN_LOAD_H
#define KT_PLUGIN_LOAD_H

#include <limits.h>
#include <stddef.h>

#include <ktinit/mode.h>

#define KT_MODE_NAME_MAX 64

struct kt_plugin {
	void *handle;
	const struct ktinit_mode_ops *ops;
	char path[PATH_MAX];
};

/* 1 when name is 1..KT_MODE_NAME_MAX characters of [a-z0-9_-]. */
int kt_plugin_name_valid(const char *name);

/* Load <dir>/<name>.so: the name must be valid, the file a regular file
 * (not a symlink) that is not group- or world-writable; dlopen with
 * RTLD_NOW | RTLD_LOCAL; the ktinit_mode symbol present; its ABI major equal
 * to ours; its name equal to the file's; run non-NULL. Returns 0, or the
 * exit code to report (KTINIT_EXIT_NO_MODE, KTINIT_EXIT_BAD_PLUGIN) with a
 * message in msg that names the file and the reason. */
int kt_plugin_load(const char *dir, const char *name, struct kt_plugin *out,
		   char *msg, size_t msglen);

void kt_plugin_unload(struct kt_plugin *p);

#endif
