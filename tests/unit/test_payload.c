/* test mode: payload argv from /args text and from [test] command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../modes/test/payload.h"
#include "unit.h"

static void expect(const char *text, const char *const *want, int err)
{
	struct tm_argv a;
	size_t n = 0;

	CU_ASSERT_EQUAL(tm_argv_parse(text, strlen(text), &a), err);
	if (err)
		return;
	while (want[n])
		n++;
	CU_ASSERT_EQUAL(a.argc, n);
	for (size_t i = 0; i < n && i < a.argc; i++)
		CU_ASSERT_STRING_EQUAL(a.argv[i], want[i]);
	CU_ASSERT_PTR_NULL(a.argv[a.argc]);
	tm_argv_free(&a);
}

static void test_parse(void)
{
	expect("/bin/echo\nhello world\n", (const char *[]){ "/bin/echo", "hello world", NULL }, 0);
	expect("/bin/true", (const char *[]){ "/bin/true", NULL }, 0);
	expect("a\n\nb\n", (const char *[]){ "a", "", "b", NULL }, 0);
	expect("a\r\nb\r\n", (const char *[]){ "a", "b", NULL }, 0);
	expect("sh\n-c\necho \"$x\" 'y'\n", (const char *[]){ "sh", "-c", "echo \"$x\" 'y'", NULL }, 0);
	expect("\n", (const char *[]){ "", NULL }, 0);
	expect("", (const char *[]){ NULL }, -ENODATA);
}

static void test_command(void)
{
	struct tm_argv a;

	CU_ASSERT_EQUAL_FATAL(tm_argv_command("echo a; exit 3", &a), 0);
	CU_ASSERT_EQUAL(a.argc, 3);
	CU_ASSERT_STRING_EQUAL(a.argv[0], "/bin/sh");
	CU_ASSERT_STRING_EQUAL(a.argv[1], "-c");
	CU_ASSERT_STRING_EQUAL(a.argv[2], "echo a; exit 3");
	tm_argv_free(&a);
	CU_ASSERT_EQUAL_FATAL(tm_argv_command("echo a\necho b\n", &a), 0);
	CU_ASSERT_EQUAL(a.argc, 3);
	CU_ASSERT_STRING_EQUAL(a.argv[2], "echo a\necho b\n");
	CU_ASSERT_PTR_NULL(a.argv[3]);
	tm_argv_free(&a);
}

static void test_read(void)
{
	char path[] = "/tmp/kt-args-XXXXXX";
	struct tm_argv a;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "x\ny\n", 4), 4);
	close(fd);
	CU_ASSERT_EQUAL(tm_argv_read(path, &a), 0);
	CU_ASSERT_EQUAL(a.argc, 2);
	tm_argv_free(&a);
	unlink(path);
	CU_ASSERT_EQUAL(tm_argv_read(path, &a), -ENOENT);
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "argv file parsing", test_parse },
		{ "[test] command", test_command },
		{ "read from file", test_read },
		{ NULL, NULL },
	};

	return kt_unit_run("payload", cases);
}
