/* PATH for payloads: directories under /include-files that hold
 * executables, then the system directories. */
#ifndef KT_PATH_ENV_H
#define KT_PATH_ENV_H

#include <stddef.h>

#define KT_PATH_SYSTEM "/bin:/sbin:/usr/bin:/usr/sbin"

/* Walk include_dir (at most 8 levels, symlinks not followed) and collect
 * every directory that directly holds at least one executable regular file;
 * sort them bytewise, join with ':' and append ":" system. A missing
 * include_dir gives just system. Directories are named by their guest path:
 * the walk happens under root_prefix + include_dir but the names exclude
 * root_prefix (pass "" for the real root). Returns a malloc'd string, or
 * NULL with errno set. */
char *kt_path_build(const char *root_prefix, const char *include_dir,
		    const char *system);

#endif
