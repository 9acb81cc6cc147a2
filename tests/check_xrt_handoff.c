// SPDX-License-Identifier: MIT
/*
 * tools/examples/xrt_handoff end to end, on the xdna-emu device (an
 * EMU_TESTS entry: the interposer is preloaded and inherited): A exports a
 * libxdna-shim BO as a dma-buf fd and passes it over a Unix socket, B
 * imports it into XRT.
 *
 * Under XRT's noop shim the import must fail as one clear line and exit 1;
 * with the XRT test double (tests/xrt/mock_xrt.c) B must read back what A
 * wrote; without XILINX_XRT, B must say so instead of aborting.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xrt_noop_env.h"
#include "runner.h"

#if !defined(XRT_HANDOFF_BIN) || !defined(MOCK_XRT_LIB)
#error "XRT_HANDOFF_BIN and MOCK_XRT_LIB must name the built programs"
#endif

static char noop_dir[64];
static char mock_dir[] = "/tmp/xrt-mock-XXXXXX";

struct run {
	int status;
	char out[4096];
	char err[4096];
};

static void read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

/* Run the example with @env ("NAME=value" sets, "NAME" unsets) applied. */
static void run_handoff(const char *const *env, const char *arg, struct run *r)
{
	int out[2], err[2];
	pid_t pid;

	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		for (; *env; env++)
			strchr(*env, '=') ? putenv((char *)*env) : unsetenv(*env);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execl(XRT_HANDOFF_BIN, "xrt_handoff", arg, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	ck_assert_int_eq(waitpid(pid, &r->status, 0), pid);
	read_all(out[0], r->out, sizeof(r->out));
	read_all(err[0], r->err, sizeof(r->err));
	ck_assert_msg(WIFEXITED(r->status), "xrt_handoff killed by signal %d; stderr: %s",
		      WTERMSIG(r->status), r->err);
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_one_line(const struct run *r, const char *part)
{
	ck_assert_msg(lines(r->err) == 1 && strstr(r->err, part),
		      "expected one line with '%s' on stderr, got: %s", part, r->err);
}

START_TEST(test_noop_import_fails_cleanly)
{
	static const char *const env[] = { NULL };
	struct run r;

	run_handoff(env, "65536", &r);
	ck_assert_int_eq(WEXITSTATUS(r.status), 1);
	ck_assert_msg(strstr(r.out, "A: sending a 65536-byte SHARE BO"), "stdout: %s", r.out);
	assert_one_line(&r, "xrt_handoff: B: import failed:");
	assert_one_line(&r, "noop shim cannot import");
}
END_TEST

START_TEST(test_import_with_xrt_double)
{
	static char xilinx[128];
	static const char *const env[] = {
		xilinx, "XCL_EMULATION_MODE", "XDNAPOOL_XRT_LIB=" MOCK_XRT_LIB, NULL,
	};
	struct run r;

	snprintf(xilinx, sizeof(xilinx), "XILINX_XRT=%s", mock_dir);
	run_handoff(env, "1000000", &r);
	ck_assert_msg(WEXITSTATUS(r.status) == 0, "exit %d; stderr: %s", WEXITSTATUS(r.status),
		      r.err);
	ck_assert_msg(strstr(r.out, "B: imported fd") &&
		      strstr(r.out, "contents as written by A"), "stdout: %s", r.out);
	ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(test_no_xilinx_xrt)
{
	static const char *const env[] = { "XILINX_XRT", NULL };
	struct run r;

	run_handoff(env, "4096", &r);
	ck_assert_int_eq(WEXITSTATUS(r.status), 1);
	assert_one_line(&r, "xrt_handoff: B: libpool-xrt: XILINX_XRT is not set");
}
END_TEST

START_TEST(test_usage)
{
	static const char *const env[] = { NULL };
	struct run r;

	/* one line naming the value, exit 2, before any buffer is made */
	static const char *const bad[] = { "0", "abc", "99999999999", "2G", " 64", "0x10" };
	char want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_handoff(env, bad[i], &r);
		ck_assert_int_eq(WEXITSTATUS(r.status), 2);
		snprintf(want, sizeof(want), "xrt_handoff: BYTES '%s' is not a byte count", bad[i]);
		assert_one_line(&r, want);
		ck_assert_ptr_nonnull(strstr(r.err, "1073741824"));	/* the cap, named */
	}
}
END_TEST

static int mock_setup(void)
{
	char path[128];

	if (!mkdtemp(mock_dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/lib", mock_dir);
	if (mkdir(path, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/lib/libxrt_core.so.2", mock_dir);
	return symlink(MOCK_XRT_LIB, path) ? -errno : 0;
}

static void mock_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/lib/libxrt_core.so.2", mock_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lib", mock_dir);
	rmdir(path);
	rmdir(mock_dir);
}

static Suite *handoff_suite(void)
{
	Suite *s = suite_create("xrt-handoff");
	TCase *tc = tcase_create("emu");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_noop_import_fails_cleanly);
	tcase_add_test(tc, test_import_with_xrt_double);
	tcase_add_test(tc, test_no_xilinx_xrt);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}

static const char *noop_missing(void)
{
	if (!xrt_noop_shim_path())
		return "XRT's noop shim is not installed";
	return NULL;
}

static int env_up(void)
{
	int err = xrt_noop_setup(noop_dir, sizeof(noop_dir));

	if (err)
		return err;
	err = mock_setup();
	if (err)
		goto err_mock;
	return 0;

err_mock:
	mock_cleanup();		/* what mock_setup() made before it failed */
	xrt_noop_cleanup(noop_dir);
	return err;
}

static void env_down(void)
{
	mock_cleanup();
	xrt_noop_cleanup(noop_dir);
}

TEST_SUITE(.suite = handoff_suite, .skip_reason = noop_missing, .setup = env_up,
	   .cleanup = env_down);
