// SPDX-License-Identifier: MIT
/*
 * libxdna-shim against the xdna-emu emulated device: every call's success
 * path and the kernel's error rules as the shim reports them.  Each test
 * ends with the emulator's census back at zero (no BO, mapping, context,
 * syncobj or file left behind).
 *
 * This file holds the fixture, the suite, and the tests of opening,
 * queries and closing; check_shim_bo.c the buffer objects, check_shim_exec.c
 * the contexts and commands (shim_test.h).
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "amdxdna_uapi.h"
#include "xdna/shim.h"
#include "xdna_emu.h"
#include "emu_census.h"
#include "shim_test.h"
#include "runner.h"

struct xdna_dev *dev;

/* The released driver the emulator plays (make check runs every one). */
static const char *flavour(void)
{
	const char *s = getenv("XDNA_EMU_FLAVOUR");

	return s && *s ? s : "7.0";
}

bool flavour_is(const char *name)
{
	return !strcmp(flavour(), name);
}

/* Only the newest upstream driver grows the heap (multi-chunk dev_heap_xa). */
bool heap_expands(void)
{
	const char *d = getenv("XDNA_EMU_DEVICE");

	return flavour_is("latest") && !(d && !strcmp(d, "npu1"));
}

/* SYNC_BO FROM_DEVICE is refused for ordinary BOs from 6.19 (driver 0.3). */
bool kernel_refuses_sync_from_device(void)
{
	return flavour_is("7.0") || flavour_is("latest");
}


static void setup(void)
{
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	ck_assert_int_eq(xdna_dev_open(NULL, &dev), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(xdna_dev_close(dev), 0);
	dev = NULL;
	emu_census_assert_zero();
}

/* ------------------------------------------------------------------ open */

START_TEST(test_open_identifies_driver)
{
	struct xdna_node nodes[4];
	struct xdna_dev_info info;

	ck_assert_int_eq(xdna_dev_info(dev, &info), 0);
	ck_assert_str_eq(info.driver, "amdxdna_accel_driver");
	ck_assert_str_eq(info.path, "/dev/accel/accel0");
	ck_assert(info.emulated);
	/* DRM versions of the releases (amdxdna_pci_drv.c; oot 1.0). */
	ck_assert_int_eq(info.version_major, flavour_is("oot") ? 1 : 0);
	ck_assert_int_eq(info.version_minor, flavour_is("6.14") ? 0 : flavour_is("6.18") ? 1 :
			 flavour_is("7.0") ? 6 : flavour_is("latest") ? 10 : 0);
	ck_assert_int_eq(xdna_enumerate(nodes, 4), 1);
	ck_assert_str_eq(nodes[0].path, "/dev/accel/accel0");
	ck_assert_int_eq(xdna_enumerate(NULL, 0), 1);
	ck_assert_int_ge(xdna_dev_fd(dev), 0);
}
END_TEST

START_TEST(test_open_missing_device)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .path = "/dev/accel/accel7" };
	struct xdna_dev *d = (struct xdna_dev *)1;

	ck_assert_int_eq(xdna_dev_open(&o, &d), -ENODEV);
	ck_assert_ptr_null(d);
	/* what was looked at; the tools add where the emulator is (tool.h) */
	ck_assert_str_eq(xdna_errmsg(), "/dev/accel/accel7: no such device");
}
END_TEST

START_TEST(test_open_not_amdxdna)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .path = "/dev/null" };
	struct xdna_dev *d;

	ck_assert_int_eq(xdna_dev_open(&o, &d), -ENODEV);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "/dev/null"));
}
END_TEST

START_TEST(test_open_env_device)
{
	struct xdna_dev *d;

	setenv("XDNA_DEVICE", "/dev/accel/accel0", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
	setenv("XDNA_DEVICE", "/nonexistent/accel0", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), -ENODEV);
	ck_assert_int_eq(xdna_enumerate(NULL, 0), 0);
	unsetenv("XDNA_DEVICE");
}
END_TEST

START_TEST(test_open_bad_opts)
{
	struct xdna_open_opts o = { .sz = sizeof(o) + 8 };
	struct xdna_dev *d;

	ck_assert_int_eq(xdna_dev_open(&o, &d), -EINVAL);
	o.sz = sizeof(o);
	o.flags = 1u << 7;
	ck_assert_int_eq(xdna_dev_open(&o, &d), -EINVAL);
	ck_assert_int_eq(xdna_dev_open(NULL, NULL), -EINVAL);
}
END_TEST

/* --------------------------------------------------------------- queries */

START_TEST(test_queries)
{
	struct amdxdna_drm_query_firmware_version fw;
	struct amdxdna_drm_query_aie_metadata md;
	struct amdxdna_drm_query_clock_metadata clk;
	struct amdxdna_drm_query_aie_version av;
	struct amdxdna_drm_get_resource_info res;
	unsigned int mode;

	ck_assert_int_eq(xdna_query_firmware_version(dev, &fw), 0);
	ck_assert_uint_gt(fw.major + fw.minor, 0);
	ck_assert_int_eq(xdna_query_aie_version(dev, &av), 0);
	ck_assert_uint_eq(av.major, 2);
	ck_assert_int_eq(xdna_query_aie_metadata(dev, &md), 0);
	ck_assert_uint_gt(md.cols, 0);
	ck_assert_uint_eq(md.rows, md.core.row_count + md.mem.row_count + md.shim.row_count);
	ck_assert_int_eq(xdna_query_clocks(dev, &clk), 0);
	ck_assert_uint_gt(clk.mp_npu_clock.freq_mhz, 0);
	/* RESOURCE_INFO came with driver 0.4 (RULES.md GET_INFO_PARAMS) */
	ck_assert_int_eq(xdna_query_resource_info(dev, &res),
			 flavour_is("6.14") || flavour_is("6.18") ? -EOPNOTSUPP : 0);
	ck_assert_int_eq(xdna_set_power_mode(dev, POWER_MODE_HIGH), 0);
	ck_assert_int_eq(xdna_query_power_mode(dev, &mode), 0);
	ck_assert_uint_eq(mode, POWER_MODE_HIGH);
	ck_assert_int_eq(xdna_set_power_mode(dev, 99), -EINVAL);
}
END_TEST

START_TEST(test_query_unsupported)
{
	uint8_t buf[64];
	uint32_t size = sizeof(buf);

	/* A param no driver implements is information, not a crash. */
	ck_assert_int_eq(xdna_get_info(dev, 0x7fff, buf, &size), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "not supported by this driver"));
	ck_assert_str_eq(xdna_strerror(-EOPNOTSUPP), "not supported by this driver");
}
END_TEST

START_TEST(test_query_hwctxs)
{
	struct amdxdna_drm_hwctx_entry e[4];
	struct xdna_hwctx *ctx;

	ck_assert_int_eq(xdna_query_hwctxs(dev, e, 4), 0);
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	ck_assert_int_eq(xdna_query_hwctxs(dev, e, 4), 1);
	ck_assert_uint_eq(e[0].pid, (uint64_t)getpid());
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	ck_assert_int_eq(xdna_query_hwctxs(dev, e, 4), 0);
}
END_TEST

/* 6.14 has no GET_ARRAY: the same answer through GET_INFO HW_CONTEXTS. */
START_TEST(test_query_hwctxs_before_get_array)
{
	struct amdxdna_drm_hwctx_entry e[4];
	struct amdxdna_drm_get_array arr = { .param = DRM_AMDXDNA_HW_CONTEXT_ALL,
					     .element_size = sizeof(e[0]), .num_element = 4,
					     .buffer = (uintptr_t)e };
	struct xdna_hwctx *ctx;
	struct xdna_dev *d;

	setenv("XDNA_EMU_FLAVOUR", "6.14", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), 0);
	unsetenv("XDNA_EMU_FLAVOUR");
	ck_assert_int_eq(ioctl(xdna_dev_fd(d), DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(xdna_query_hwctxs(d, e, 4), 0);
	ck_assert_int_eq(xdna_hwctx_create(d, NULL, &ctx), 0);
	ck_assert_int_eq(xdna_query_hwctxs(d, e, 4), 1);
	ck_assert_uint_eq(e[0].pid, (uint64_t)getpid());
	ck_assert_uint_gt(e[0].num_col, 0);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST


/* --------------------------------------------------- close with leftovers */

START_TEST(test_close_reports_outstanding)
{
	struct xdna_dev *d;
	struct xdna_hwctx *ctx;
	struct xdna_bo *a, *b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct xdna_open_opts o = { .sz = sizeof(o), .report = f };

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 4096, &a), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_DEV, 4096, &b), 0);
	ck_assert_int_eq(xdna_hwctx_create(d, NULL, &ctx), 0);
	ck_assert_int_eq(xdna_dev_close(d), 3);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "SHARE BO handle"));
	ck_assert_ptr_nonnull(strstr(buf, "DEV BO handle"));
	ck_assert_ptr_nonnull(strstr(buf, "hardware context"));
	free(buf);
}
END_TEST

START_TEST(test_strerror)
{
	ck_assert_str_eq(xdna_strerror(-EIO), strerror(EIO));
	ck_assert_ptr_nonnull(strstr(xdna_strerror(-ENOENT), "heap"));
	/* no LD_PRELOAD advice: a library cannot know a path that works */
	ck_assert_str_eq(xdna_strerror(-ENODEV), "no amdxdna device");
	ck_assert_str_eq(xdna_strerror(-ENOMEM), strerror(ENOMEM));
	ck_assert_str_eq(xdna_bo_type_name(XDNA_BO_DEV_HEAP), "DEV_HEAP");
}
END_TEST


static Suite *shim_suite(void)
{
	Suite *s = suite_create("shim");
	TCase *tc = tcase_create("emulated device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_identifies_driver);
	tcase_add_test(tc, test_open_missing_device);
	tcase_add_test(tc, test_open_not_amdxdna);
	tcase_add_test(tc, test_open_env_device);
	tcase_add_test(tc, test_open_bad_opts);
	tcase_add_test(tc, test_queries);
	tcase_add_test(tc, test_query_unsupported);
	tcase_add_test(tc, test_query_hwctxs);
	tcase_add_test(tc, test_query_hwctxs_before_get_array);
	shim_add_bo_tests(tc);
	shim_add_exec_tests(tc);
	tcase_add_test(tc, test_close_reports_outstanding);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}
/* Tests arm their own faults: none from XDNA_EMU_FAIL. */
static int disarm_faults(void)
{
	return xdna_emu_try_fail_set("");
}

TEST_SUITE(.suite = shim_suite, .needs = TEST_NEEDS_EMU, .setup = disarm_faults);
