/* dlopen smoke test of every built mode plugin: it loads the way PID 1
 * loads it, its ABI matches, its name and hooks are there. */
#include <stdio.h>
#include <string.h>

#include "plugin_load.h"
#include "unit.h"

static void check_mode(const char *name)
{
	char dir[512], msg[1024] = "";
	struct kt_plugin p;

	snprintf(dir, sizeof(dir), "%s/modes/%s/.libs", BUILDDIR, name);
	CU_ASSERT_EQUAL_FATAL(kt_plugin_load(dir, name, &p, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(p.ops->abi, KTINIT_MODE_ABI_VERSION);
	CU_ASSERT_STRING_EQUAL(p.ops->name, name);
	CU_ASSERT_PTR_NOT_NULL(p.ops->summary);
	CU_ASSERT_PTR_NOT_NULL(p.ops->run);
	kt_plugin_unload(&p);
}

static void test_test(void)
{
	check_mode("test");
}

static void test_shell(void)
{
	check_mode("shell");
}

static void test_disk_template(void)
{
	check_mode("disk_template");
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "test.so", test_test },
		{ "shell.so", test_shell },
		{ "disk_template.so", test_disk_template },
		{ NULL, NULL },
	};

	return kt_unit_run("modes_dlopen", cases);
}
