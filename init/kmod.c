#include "kmod.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };

static int open_module(const char *dir, const char *name, int *compressed,
		       char *path, size_t len)
{
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		int n = snprintf(path, len, "%s/%s%s", dir, name, suffixes[i]);
		int fd;

		if (n < 0 || (size_t)n >= len)
			return -ENAMETOOLONG;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*compressed = i > 0;
			return fd;
		}
		if (errno != ENOENT)
			return -errno;
	}
	snprintf(path, len, "%s/%s.ko", dir, name);
	return -ENOENT;
}

int kt_kmod_load(const char *dir, const char *name, kt_kmod_report_fn report,
		 void *arg)
{
	char path[PATH_MAX], msg[PATH_MAX + 160];
	int compressed = 0, err = 0;
	int fd = open_module(dir, name, &compressed, path, sizeof(path));

	if (fd < 0) {
		snprintf(msg, sizeof(msg), "module %s: %s: %s", name, path,
			 strerror(-fd));
		report(arg, msg);
		return fd;
	}
	if (syscall(SYS_finit_module, fd, "",
		    compressed ? MODULE_INIT_COMPRESSED_FILE : 0) < 0 &&
	    errno != EEXIST)
		err = -errno;
	close(fd);
	if (err) {
		snprintf(msg, sizeof(msg), "module %s: %s: %s%s", name, path,
			 strerror(-err),
			 err == -ENOENT ? " (a dependency not loaded first?)" :
			 err == -EINVAL && compressed ?
					  " (kernel without CONFIG_MODULE_DECOMPRESS?)" : "");
		report(arg, msg);
	}
	return err;
}

int kt_kmod_load_list(const char *dir, const char *list,
		      kt_kmod_report_fn report, void *arg)
{
	const char *p = list;
	int failed = 0;

	while (p && *p) {
		char name[256];
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (len == 0)
			break;
		if (len >= sizeof(name)) {
			report(arg, "module name too long in [modules] load");
			failed++;
		} else {
			memcpy(name, p, len);
			name[len] = '\0';
			failed += kt_kmod_load(dir, name, report, arg) != 0;
		}
		p += len;
	}
	return failed;
}
