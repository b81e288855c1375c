/* Unit tests: PATH built from the executables under /include-files. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path_env.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char root[] = "/tmp/ktinit-path-XXXXXX";

/* The test tree under root. mode 0: a directory; link: a symlink. */
static const struct node {
	const char *path;
	mode_t mode;
	const char *link;
} tree[] = {
	{ "/include-files", 0, NULL },
	{ "/include-files/top", 0755, NULL },
	{ "/include-files/Alpha", 0, NULL },
	{ "/include-files/Alpha/y", 0755, NULL },
	{ "/include-files/bin", 0, NULL },
	{ "/include-files/bin/tool", 0755, NULL },
	{ "/include-files/bin/README", 0644, NULL },
	{ "/include-files/bin/sub", 0, NULL },
	{ "/include-files/bin/sub/t", 0700, NULL },
	{ "/include-files/bin-x", 0, NULL },
	{ "/include-files/bin-x/t", 0750, NULL },
	/* data only: not in PATH */
	{ "/include-files/data", 0, NULL },
	{ "/include-files/data/file.txt", 0644, NULL },
	{ "/include-files/data/empty", 0, NULL },
	/* the executable is three levels down: only that level is listed */
	{ "/include-files/nested", 0, NULL },
	{ "/include-files/nested/a", 0, NULL },
	{ "/include-files/nested/a/b", 0, NULL },
	{ "/include-files/nested/a/b/run", 0700, NULL },
	/* any execute bit counts */
	{ "/include-files/zeta", 0, NULL },
	{ "/include-files/zeta/x", 0601, NULL },
	/* symlinks are not followed: not to a directory, not to a file */
	{ "/include-files/linkdir", 0, "bin" },
	{ "/include-files/filelinks", 0, NULL },
	{ "/include-files/filelinks/tool", 0, "../bin/tool" },
	/* ':' would split the PATH entry */
	{ "/include-files/co:lon", 0, NULL },
	{ "/include-files/co:lon/x", 0755, NULL },
	/* 8 levels below include-files are walked, the 9th is not */
	{ "/include-files/d1", 0, NULL },
	{ "/include-files/d1/d2", 0, NULL },
	{ "/include-files/d1/d2/d3", 0, NULL },
	{ "/include-files/d1/d2/d3/d4", 0, NULL },
	{ "/include-files/d1/d2/d3/d4/d5", 0, NULL },
	{ "/include-files/d1/d2/d3/d4/d5/d6", 0, NULL },
	{ "/include-files/d1/d2/d3/d4/d5/d6/d7", 0, NULL },
	{ "/include-files/d1/d2/d3/d4/d5/d6/d7/d8", 0, NULL },
	{ "/include-files/d1/d2/d3/d4/d5/d6/d7/d8/x", 0755, NULL },
	{ "/include-files/d1/d2/d3/d4/d5/d6/d7/d8/d9", 0, NULL },
	{ "/include-files/d1/d2/d3/d4/d5/d6/d7/d8/d9/x", 0755, NULL },
	/* an empty include dir and one that is a file */
	{ "/empty", 0, NULL },
	{ "/file", 0755, NULL },
};

/* Bytewise order: "bin" < "bin-x" ('-' 0x2d) < "bin/sub" ('/' 0x2f). */
#define WANT_DIRS                                            \
	"/include-files:"                                    \
	"/include-files/Alpha:"                              \
	"/include-files/bin:"                                \
	"/include-files/bin-x:"                              \
	"/include-files/bin/sub:"                            \
	"/include-files/d1/d2/d3/d4/d5/d6/d7/d8:"            \
	"/include-files/nested/a/b:"                         \
	"/include-files/zeta"

static int make_node(const struct node *n)
{
	char path[4096];
	int fd, len;

	len = snprintf(path, sizeof(path), "%s%s", root, n->path);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	if (n->link)
		return symlink(n->link, path);
	if (n->mode == 0)
		return mkdir(path, 0755);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	/* chmod, not open's mode: the umask must not change the test. */
	return chmod(path, n->mode);
}

static int suite_init(void)
{
	size_t i;

	if (!mkdtemp(root))
		return -1;
	for (i = 0; i < ARRAY_SIZE(tree); i++) {
		if (make_node(&tree[i]))
			return -1;
	}
	return 0;
}

static int rm_node(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int suite_cleanup(void)
{
	return nftw(root, rm_node, 16, FTW_DEPTH | FTW_PHYS);
}

static const struct path_case {
	const char *name, *include_dir, *system, *want;
} path_cases[] = {
	{ "tree", "/include-files", KT_PATH_SYSTEM,
	  WANT_DIRS ":" KT_PATH_SYSTEM },
	{ "trailing slash", "/include-files/", KT_PATH_SYSTEM,
	  WANT_DIRS ":" KT_PATH_SYSTEM },
	{ "empty system: no trailing ':'", "/include-files", "", WANT_DIRS },
	{ "subtree", "/include-files/nested", "/bin",
	  "/include-files/nested/a/b:/bin" },
	{ "no executables", "/include-files/data", KT_PATH_SYSTEM,
	  KT_PATH_SYSTEM },
	{ "empty include dir", "/empty", KT_PATH_SYSTEM, KT_PATH_SYSTEM },
	{ "missing include dir", "/missing", KT_PATH_SYSTEM, KT_PATH_SYSTEM },
	{ "include dir is a file", "/file", KT_PATH_SYSTEM, KT_PATH_SYSTEM },
	{ "include dir is a symlink's target", "/include-files/linkdir",
	  "/bin", "/include-files/linkdir:/include-files/linkdir/sub:/bin" },
};

static void test_path_cases(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(path_cases); i++) {
		const struct path_case *tc = &path_cases[i];
		char *path = kt_path_build(root, tc->include_dir, tc->system);
		char msg[2048];
		int ok = path && strcmp(path, tc->want) == 0;

		snprintf(msg, sizeof(msg), "[%s] got '%s', want '%s'",
			 tc->name, path ? path : "(null)", tc->want);
		CU_assertImplementation(ok, __LINE__, msg, __FILE__, "",
					CU_FALSE);
		free(path);
	}
}

/* With root_prefix "" the names are the host paths themselves. */
static void test_no_prefix(void)
{
	char include_dir[256], want[512];
	char *path;

	snprintf(include_dir, sizeof(include_dir), "%s/include-files/nested",
		 root);
	snprintf(want, sizeof(want), "%s/include-files/nested/a/b:/bin", root);
	path = kt_path_build("", include_dir, "/bin");
	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	CU_ASSERT_STRING_EQUAL(path, want);
	free(path);
}

int main(void)
{
	unsigned int failures;
	CU_pSuite suite;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	suite = CU_add_suite("path_env", suite_init, suite_cleanup);
	if (!suite || !CU_add_test(suite, "PATH from a tree", test_path_cases) ||
	    !CU_add_test(suite, "empty root_prefix", test_no_prefix)) {
		CU_cleanup_registry();
		return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* CU_basic_run_tests() does not return test failures; a suite whose
	 * setup failed counts too. */
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures > 0 ? 1 : 0;
}
