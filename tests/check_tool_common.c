// SPDX-License-Identifier: MIT
/*
 * tools/common (tool.h): the strict option parsers every tool uses (a bad
 * value is one line naming option and value, exit 2), --version, the
 * percentiles and the no-device hint.  The refusals run in a forked child
 * (they exit), so this also works under CK_FORK=no.
 */
#include <check.h>
#include <limits.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "tool.h"

enum parser { P_ULL, P_DOUBLE, P_BYTES, P_LL, P_SDOUBLE };

/* Runs the parser in a child: its exit status and its stderr. */
static int refused(enum parser p, const char *s, char *err, size_t len)
{
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(fds[1], STDERR_FILENO);
		tool_init("/usr/bin/xdna-test");
		if (p == P_ULL)
			tool_parse_ull("--n", s, 1, 1000);
		else if (p == P_DOUBLE)
			tool_parse_double("--seconds", s, 0.5, 60);
		else if (p == P_LL)
			tool_parse_ll("--v", s, LLONG_MIN, 127);
		else if (p == P_SDOUBLE)
			tool_parse_double("--a", s, -10, 10);
		else
			tool_parse_bytes("BYTES", s, 1, 1ULL << 30);
		_exit(0);
	}
	close(fds[1]);
	while (got < (ssize_t)len - 1 && (n = read(fds[0], err + got, len - 1 - (size_t)got)) > 0)
		got += n;
	err[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void assert_refused(enum parser p, const char *s, const char *opt)
{
	char err[256], want[128];

	ck_assert_int_eq(refused(p, s, err, sizeof(err)), TOOL_EXIT_USAGE);
	snprintf(want, sizeof(want), "xdna-test: %s '%s' is not ", opt, s);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "'%s' for '%s'", err, s);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: '%s'", err);
}

START_TEST(test_parse_ull)
{
	static const char *const bad[] = { "", "abc", "0", "1001", " 5", "5 ", "+5", "-5",
					   "0x10", "1e3", "99999999999999999999999" };

	ck_assert_uint_eq(tool_parse_ull("--n", "1", 1, 1000), 1);
	ck_assert_uint_eq(tool_parse_ull("--n", "1000", 1, 1000), 1000);
	ck_assert_uint_eq(tool_parse_ull("--n", "007", 1, 1000), 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(P_ULL, bad[i], "--n");
}
END_TEST

START_TEST(test_parse_double)
{
	static const char *const bad[] = { "", ".", "abc", "0.4", "61", " 1", "1 ", "-1",
					   "+1", "0x10", "1e1", "inf", "nan", "1..2" };

	ck_assert(tool_parse_double("--seconds", "0.5", 0.5, 60) == 0.5);
	ck_assert(tool_parse_double("--seconds", "30", 0.5, 60) == 30);
	ck_assert(tool_parse_double("--seconds", ".75", 0.5, 60) == 0.75);
	ck_assert(tool_parse_double("--seconds", "2.", 0.5, 60) == 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(P_DOUBLE, bad[i], "--seconds");
}
END_TEST

/* Signed: a leading '-' (down to LLONG_MIN), never '+', blanks or hex. */
START_TEST(test_parse_signed)
{
	static const char *const bad_ll[] = { "", "-", "128", "--1", "+1", " -1", "-0x10",
					      "-9223372036854775809", "1e3" };
	static const char *const bad_d[] = { "-", "-inf", "nan", "-1e1", "+1", "-10.5", " -1",
					     "--1", "1e400" };

	ck_assert(tool_parse_ll("--v", "-9223372036854775808", LLONG_MIN, 127) == LLONG_MIN);
	ck_assert(tool_parse_ll("--v", "-1", LLONG_MIN, 127) == -1);
	ck_assert(tool_parse_ll("--v", "-0", LLONG_MIN, 127) == 0);
	ck_assert(tool_parse_ll("--v", "127", LLONG_MIN, 127) == 127);
	for (size_t i = 0; i < sizeof(bad_ll) / sizeof(bad_ll[0]); i++)
		assert_refused(P_LL, bad_ll[i], "--v");
	ck_assert(tool_parse_double("--a", "-0.5", -10, 10) == -0.5);
	ck_assert(tool_parse_double("--a", "-10", -10, 10) == -10);
	for (size_t i = 0; i < sizeof(bad_d) / sizeof(bad_d[0]); i++)
		assert_refused(P_SDOUBLE, bad_d[i], "--a");
}
END_TEST

START_TEST(test_parse_bytes)
{
	static const char *const bad[] = { "", "K", "0", "0K", "2G", "1T", "1KB", "abc",
					   " 1", "-1", "0x10", "99999999999", "1073741825" };

	ck_assert_uint_eq(tool_parse_bytes("BYTES", "4096", 1, 1ULL << 30), 4096);
	ck_assert_uint_eq(tool_parse_bytes("BYTES", "64K", 1, 1ULL << 30), 65536);
	ck_assert_uint_eq(tool_parse_bytes("BYTES", "3m", 1, 1ULL << 30), 3ULL << 20);
	ck_assert_uint_eq(tool_parse_bytes("BYTES", "1G", 1, 1ULL << 30), 1ULL << 30);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(P_BYTES, bad[i], "BYTES");
}
END_TEST

START_TEST(test_percentiles)
{
	double v[] = { 5, 1, 4, 2, 3 };

	tool_sort_doubles(v, 5);
	for (int i = 0; i < 5; i++)
		ck_assert(v[i] == i + 1);
	ck_assert(tool_percentile_sorted(v, 5, 0) == 1);
	ck_assert(tool_percentile_sorted(v, 5, 50) == 3);
	ck_assert(tool_percentile_sorted(v, 5, 100) == 5);
	ck_assert(tool_percentile_sorted(v, 5, 25) == 2);
	ck_assert(tool_percentile_sorted(v, 5, 90) > 4.5 && tool_percentile_sorted(v, 5, 90) < 4.7);
	ck_assert(tool_percentile_sorted(v, 0, 50) == 0);
	tool_sort_doubles(v, 0);
}
END_TEST

/* The u64 variant (latencies in ns): the same ranks, interpolated alike. */
START_TEST(test_percentiles_u64)
{
	uint64_t u[] = { 5000, 1000, 4000, 2000, 3000, UINT64_C(1) << 40 };
	double d[6];

	tool_sort_u64(u, 6);
	for (int i = 0; i < 5; i++)
		ck_assert(u[i] == (uint64_t)(i + 1) * 1000);
	for (int i = 0; i < 6; i++)
		d[i] = (double)u[i];
	for (double p = 0; p <= 100; p += 2.5)
		ck_assert_msg(tool_percentile_sorted_u64(u, 6, p) == tool_percentile_sorted(d, 6, p),
			      "p%.1f", p);
	ck_assert(tool_percentile_sorted_u64(u, 6, 50) == 3500);	/* not lat[n/2] = 4000 */
	ck_assert(tool_percentile_sorted_u64(u, 0, 50) == 0);
	tool_sort_u64(u, 0);
}
END_TEST

/* The benchmarks' median: sorts, middle value, mean of the middle two. */
START_TEST(test_median)
{
	double odd[] = { 9, 1, 5 }, even[] = { 8, 2, 6, 4 }, one[] = { 7 };

	ck_assert(tool_median(odd, 3) == 5);
	ck_assert(odd[0] == 1 && odd[2] == 9);
	ck_assert(tool_median(even, 4) == 5);
	ck_assert(tool_median(one, 1) == 7);
}
END_TEST

START_TEST(test_name_and_hint)
{
	const char *hint;

	tool_init("/a/b/xdna-thing");
	ck_assert_str_eq(tool_name(), "xdna-thing");
	/* this binary is build/tests/NAME: the build tree's emulator is one up */
	hint = tool_emu_hint();
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "libxdna-emu")) {
		ck_assert_str_eq(hint, "");
		return;
	}
	ck_assert_msg(strstr(hint, "run on the emulated device: LD_PRELOAD=/"), "%s", hint);
	ck_assert_msg(strstr(hint, "/libxdna-emu.so"), "%s", hint);
	ck_assert_int_eq(access(strchr(hint, '=') + 1, R_OK), 0);
	ck_assert_int_eq(tool_device_error(-ENODEV, "open", "no device here"), TOOL_EXIT_NODEV);
	ck_assert_int_eq(tool_device_error(-EIO, NULL, "broken"), TOOL_EXIT_FAIL);
}
END_TEST

/*
 * The packaged designs from where this binary is (build/tests/NAME:
 * build/data), not from a path baked in at build time; a missing one
 * names the configured DATADIR/xdnapool.
 */
START_TEST(test_data_path)
{
	char path[PATH_MAX], exe[PATH_MAX], *slash;
	const char *tail = "/xdnapool/no-such-design.xclbin";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';		/* build/tests */
	slash = strrchr(exe, '/');
	ck_assert_ptr_nonnull(slash);
	strcpy(slash, "/data/whisper_stem.xclbin");	/* build/data/... */
	ck_assert_int_eq(tool_data_path("whisper_stem.xclbin", path, sizeof(path)), 0);
	ck_assert_str_eq(path, exe);
	ck_assert_int_eq(tool_data_path("no-such-design.xclbin", path, sizeof(path)), -ENOENT);
	ck_assert_msg(strlen(path) > strlen(tail) &&
		      !strcmp(path + strlen(path) - strlen(tail), tail), "%s", path);
	ck_assert_msg(path[0] == '/', "%s", path);
}
END_TEST

static Suite *tool_common_suite(void)
{
	Suite *s = suite_create("tool_common");
	TCase *tc = tcase_create("common");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_parse_ull);
	tcase_add_test(tc, test_parse_double);
	tcase_add_test(tc, test_parse_bytes);
	tcase_add_test(tc, test_parse_signed);
	tcase_add_test(tc, test_percentiles);
	tcase_add_test(tc, test_percentiles_u64);
	tcase_add_test(tc, test_median);
	tcase_add_test(tc, test_name_and_hint);
	tcase_add_test(tc, test_data_path);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = tool_common_suite);
