/* The core's services table as a mode sees it: COM2 lines (whole, however
 * long), log levels (ERR/WARN copied to COM2), LIFE and exit frames on the
 * bulk port with their COM2 line, path mapping under a root. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ktinit/frame.h>

#include "services.h"
#include "unit.h"

static struct kt_core core;
static int com1[2], com2[2], bulk[2];

static void setup(void)
{
	kt_core_init(&core, "/tmp/root");
	CU_ASSERT_EQUAL_FATAL(pipe2(com1, O_NONBLOCK), 0);
	CU_ASSERT_EQUAL_FATAL(pipe2(com2, O_NONBLOCK), 0);
	CU_ASSERT_EQUAL_FATAL(pipe2(bulk, O_NONBLOCK), 0);
	fcntl(com2[0], F_SETPIPE_SZ, 1 << 20);
	core.ch.com1_fd = com1[1];
	core.ch.com2_fd = com2[1];
	core.ch.bulk_fd = bulk[1];
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		close(com1[i]);
		close(com2[i]);
		close(bulk[i]);
	}
	kt_config_free(&core.cfg);
}

static ssize_t drain(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void test_com2_long_line(void)
{
	static char text[10001], got[20000];
	const struct ktinit_services *svc = &kt_services;

	setup();
	memset(text, 'x', sizeof(text) - 1);
	svc->com2(&core.ctx, "%s", text);
	CU_ASSERT_EQUAL(drain(com2[0], got, sizeof(got)), 10001);
	CU_ASSERT_EQUAL(got[10000], '\n');
	svc->com2(&core.ctx, "short %d", 7);
	drain(com2[0], got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "short 7\n");
	teardown();
}

static void test_log_levels(void)
{
	char got[4096];

	setup();
	core.log_level = KTINIT_LOG_INFO;
	kt_services.log(&core.ctx, KTINIT_LOG_DEBUG, "hidden");
	CU_ASSERT(drain(com1[0], got, sizeof(got)) <= 0);
	kt_services.log(&core.ctx, KTINIT_LOG_INFO, "info %s", "line");
	drain(com1[0], got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "ktinit: info line\n");
	CU_ASSERT(drain(com2[0], got, sizeof(got)) <= 0); /* info stays off COM2 */
	core.mode_name = "test";
	kt_services.log(&core.ctx, KTINIT_LOG_WARN, "careful");
	drain(com2[0], got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "ktinit: test: careful\n");
	teardown();
}

static void test_frames(void)
{
	static const uint8_t exit7[20] = { 0x54, 0x49, 0x58, 0x45, 4, 0, 0, 0, 0xa5, 0xe7,
					   0x93, 0xbc, 0, 0, 0, 0, 7, 0, 0, 0 };
	uint8_t buf[256];
	char got[256];

	setup();
	kt_services.send_exit(&core.ctx, KTINIT_FRAME_EXIT, 7);
	CU_ASSERT_EQUAL(read(bulk[0], buf, sizeof(buf)), 20);
	CU_ASSERT_EQUAL(memcmp(buf, exit7, 20), 0);
	drain(com2[0], got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, "ktinit: exit code 7\n");
	CU_ASSERT_EQUAL(kt_services.life(&core.ctx, KTINIT_LIFE_PAYLOAD_STARTING, "why"), 0);
	CU_ASSERT_EQUAL(read(bulk[0], buf, sizeof(buf)), 16 + 4);
	CU_ASSERT_EQUAL(ktinit_get_le32(buf), KTINIT_FRAME_LIFE);
	CU_ASSERT_EQUAL(ktinit_get_le32(buf + 4), 4);
	CU_ASSERT_EQUAL(buf[16], KTINIT_LIFE_PAYLOAD_STARTING);
	CU_ASSERT_EQUAL(memcmp(buf + 17, "why", 3), 0);
	teardown();
}

static void test_life_payload(void)
{
	uint8_t buf[8];
	char long_reason[32];

	memset(long_reason, 'r', sizeof(long_reason) - 1);
	long_reason[sizeof(long_reason) - 1] = '\0';
	CU_ASSERT_EQUAL(ktinit_life_payload(buf, sizeof(buf), 3, NULL), 1);
	CU_ASSERT_EQUAL(buf[0], 3);
	CU_ASSERT_EQUAL(ktinit_life_payload(buf, sizeof(buf), 4, "ab"), 3);
	CU_ASSERT_EQUAL(memcmp(buf, "\x04" "ab", 3), 0);
	/* A reason too long for the buffer is cut, never overflows it. */
	CU_ASSERT_EQUAL(ktinit_life_payload(buf, sizeof(buf), 1, long_reason), 8);
	CU_ASSERT_EQUAL(buf[7], 'r');
}

static void test_path(void)
{
	char buf[64];

	setup();
	CU_ASSERT_EQUAL(kt_services.path(&core.ctx, "/args", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "/tmp/root/args");
	CU_ASSERT_EQUAL(kt_services.path(&core.ctx, "/a-very-long-guest-path-that-does-not-fit-in-the-buffer", buf, 32),
			-ENAMETOOLONG);
	teardown();
}

int main(void)
{
	static const struct kt_unit_case cases[] = {
		{ "COM2 lines are whole, however long", test_com2_long_line },
		{ "log levels and COM2 copies", test_log_levels },
		{ "EXIT and LIFE frames", test_frames },
		{ "LIFE payload layout and cut", test_life_payload },
		{ "guest paths under the root", test_path },
		{ NULL, NULL },
	};

	return kt_unit_run("services", cases);
}
