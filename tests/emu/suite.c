// SPDX-License-Identifier: MIT
/*
 * check_emu: the tests of xdna-emu, the emulated amdxdna NPU (emu_test.h).
 * One suite, "xdna-emu", with one test case per test so that CK_RUN_CASE
 * (or -c) runs any of them alone.
 */
#include <errno.h>
#include <stdlib.h>

#include "emu_test.h"
#include "runner.h"

char *self_exe;

void emu_add_cases(Suite *s, const struct emu_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, emu_setup, emu_teardown);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
}

static Suite *emu_suite(void)
{
	Suite *s = suite_create("xdna-emu");

	emu_add_interpose_cases(s);
	emu_add_bo_cases(s);
	emu_add_heap_cases(s);
	emu_add_hwctx_cases(s);
	emu_add_exec_cases(s);
	emu_add_syncobj_cases(s);
	emu_add_sync_file_cases(s);
	emu_add_hooks_cases(s);
	emu_add_queries_cases(s);
	emu_add_rules_cases(s);
	suite_add_tcase(s, emu_syncobj_rules_tcase());
	suite_add_tcase(s, emu_devshm_tcase());
	return s;
}

/* Re-executed by run_self(): the emulator's banner is printed by then. */
static int banner_child(void)
{
	return 0;
}

static int find_self_exe(void)
{
	self_exe = realpath("/proc/self/exe", NULL);
	return self_exe ? 0 : -errno;
}

static void free_self_exe(void)
{
	free(self_exe);
}

TEST_SUITE(.suite = emu_suite, .needs = TEST_NEEDS_EMU,
	   .setup = find_self_exe, .cleanup = free_self_exe,
	   .children = (const struct test_child[]) {
		   { "--banner-child", banner_child },
		   { "--fail-child", fail_child },
		   { NULL },
	   });
