/* Plugin loader: the good fixture loads; every kind of bad one is
 * refused with the documented code and a message naming the file. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_load.h"
#include "unit.h"

static char dir[256];

static void copy_fixture(const char *fixture, const char *as, mode_t mode)
{
	char src[PATH_MAX], dst[PATH_MAX], cmd[3 * PATH_MAX];

	snprintf(src, sizeof(src), "%s/tests/fixtures/.libs/%s.so", BUILDDIR,
		 fixture);
	snprintf(dst, sizeof(dst), "%s/%s.so", dir, as);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(dst, mode), 0);
}

static int load(const char *name, char *msg, size_t len)
{
	struct kt_plugin p;
	int rc = kt_plugin_load(dir, name, &p, msg, len);

	if (rc == 0)
		kt_plugin_unload(&p);
	return rc;
}

static void test_good(void)
{
	struct kt_plugin p;
	char msg[1024] = "";

	copy_fixture("good_mode", "good", 0755);
	CU_ASSERT_EQUAL_FATAL(kt_plugin_load(dir, "good", &p, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(KTINIT_ABI_MAJOR_OF(p.ops->abi), KTINIT_MODE_ABI_MAJOR);
	CU_ASSERT_STRING_EQUAL(p.ops->name, "good");
	CU_ASSERT_EQUAL(p.ops->run(NULL), 42);
	kt_plugin_unload(&p);
}

static void test_wrong_abi(void)
{
	char msg[1024] = "";

	copy_fixture("wrong_abi", "wrong_abi", 0755);
	CU_ASSERT_EQUAL(load("wrong_abi", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ABI 2.0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "wrong_abi.so"));
}

static void test_no_symbol(void)
{
	char msg[1024] = "";

	copy_fixture("no_symbol", "nosym", 0755);
	CU_ASSERT_EQUAL(load("nosym", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no symbol 'ktinit_mode'"));
}

static void test_writable(void)
{
	static const mode_t modes[] = { 0775, 0757, 0777 };
	char msg[1024];

	for (size_t i = 0; i < 3; i++) {
		copy_fixture("good_mode", "good", modes[i]);
		msg[0] = '\0';
		CU_ASSERT_EQUAL(load("good", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "writable"));
	}
	copy_fixture("good_mode", "good", 0755);
}

static void test_not_regular(void)
{
	char link[PATH_MAX], sub[PATH_MAX], msg[1024] = "";

	copy_fixture("good_mode", "good", 0755);
	snprintf(link, sizeof(link), "%s/linked.so", dir);
	CU_ASSERT_EQUAL(symlink("good.so", link), 0);
	CU_ASSERT_EQUAL(load("linked", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "symlink"));
	snprintf(sub, sizeof(sub), "%s/adir.so", dir);
	CU_ASSERT_EQUAL(mkdir(sub, 0755), 0);
	CU_ASSERT_EQUAL(load("adir", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not a regular file"));
}

static void test_not_elf(void)
{
	char path[PATH_MAX], msg[1024] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/junk.so", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("not an ELF file\n", f);
	fclose(f);
	chmod(path, 0644);
	CU_ASSERT_EQUAL(load("junk", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "dlopen failed"));
}

static void test_misnamed(void)
{
	char msg[1024] = "";

	/* good_mode calls itself "good": as other.so it is refused. */
	copy_fixture("good_mode", "other", 0755);
	CU_ASSERT_EQUAL(load("other", msg, sizeof(msg)), KTINIT_EXIT_BAD_PLUGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "calls itself 'good'"));
}

static void test_unknown(void)
{
	char msg[1024] = "";

	CU_ASSERT_EQUAL(load("nosuchmode", msg, sizeof(msg)), KTINIT_EXIT_NO_MODE);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no such mode 'nosuchmode'"));
}

static void test_bad_names(void)
{
	static const char *const bad[] = {
		"", "../good", "a/b", "/good", "Good", "good.so", "te st",
		"x\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	char msg[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		CU_ASSERT_FALSE(kt_plugin_name_valid(bad[i]));
		CU_ASSERT_EQUAL(load(bad[i], msg, sizeof(msg)), KTINIT_EXIT_NO_MODE);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "invalid mode name"));
	}
	CU_ASSERT_TRUE(kt_plugin_name_valid("disk_template"));
	CU_ASSERT_TRUE(kt_plugin_name_valid("my-mode2"));
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "good plugin loads", test_good },
		{ "wrong ABI refused", test_wrong_abi },
		{ "missing symbol refused", test_no_symbol },
		{ "group/world-writable refused", test_writable },
		{ "symlink and directory refused", test_not_regular },
		{ "non-ELF refused with dlerror", test_not_elf },
		{ "name mismatch refused", test_misnamed },
		{ "unknown mode", test_unknown },
		{ "invalid names", test_bad_names },
		{ NULL, NULL },
	};
	char cmd[PATH_MAX + 16];
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/kt-plugin-XXXXXX");
	if (!mkdtemp(dir))
		return 99;
	rc = kt_unit_run("plugin_load", cases);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 99;
	return rc;
}
