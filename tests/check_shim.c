// SPDX-License-Identifier: MIT
/*
 * libxdna-shim against the xdna-emu emulated device: every call's success
 * path and the kernel's error rules as the shim reports them.  Each test
 * ends with the emulator's census back at zero (no BO, mapping, context,
 * syncobj or file left behind).
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
#include "runner.h"

static struct xdna_dev *dev;

/* The released driver the emulator plays (make check runs every one). */
static const char *flavour(void)
{
	const char *s = getenv("XDNA_EMU_FLAVOUR");

	return s && *s ? s : "7.0";
}

static bool flavour_is(const char *name)
{
	return !strcmp(flavour(), name);
}

/* Only the newest upstream driver grows the heap (multi-chunk dev_heap_xa). */
static bool heap_expands(void)
{
	const char *d = getenv("XDNA_EMU_DEVICE");

	return flavour_is("latest") && !(d && !strcmp(d, "npu1"));
}

/* SYNC_BO FROM_DEVICE is refused for ordinary BOs from 6.19 (driver 0.3). */
static bool kernel_refuses_sync_from_device(void)
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

/* ---------------------------------------------------------- buffer objects */

START_TEST(test_share_bo)
{
	struct xdna_bo *bo;
	uint8_t *p;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 5000, &bo), 0);
	ck_assert_uint_eq(xdna_bo_size(bo), 8192);	/* page rounded */
	ck_assert_uint_ne(xdna_bo_handle(bo), 0);
	ck_assert_int_eq(xdna_bo_type(bo), XDNA_BO_SHARE);
	ck_assert_ptr_eq(xdna_bo_dev(bo), dev);
	p = xdna_bo_map(bo);
	ck_assert_ptr_nonnull(p);
	/* PASID mode: the device address is the CPU mapping. */
	ck_assert_uint_eq(xdna_bo_dev_addr(bo), (uintptr_t)p);
	ck_assert_uint_eq(xdna_bo_map_offset(bo) % 4096, 0);
	memset(p, 0x5a, xdna_bo_size(bo));
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 4096, 4096), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_bo_destroy(NULL), 0);
}
END_TEST

START_TEST(test_bo_bad_args)
{
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 0, &bo), -EINVAL);
	ck_assert_int_eq(xdna_bo_create(dev, (enum xdna_bo_type)9, 4096, &bo), -EINVAL);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV_HEAP, 4096, &bo), -EINVAL);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, NULL), -EINVAL);
	/*
	 * Kernels up to 7.0 cap command BOs at 32 KiB (XDNA_MAX_CMD_BO_SIZE);
	 * the newest and the out-of-tree driver make them SHARE BOs, uncapped.
	 */
	if (flavour_is("latest") || flavour_is("oot")) {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 64 << 10, &bo), 0);
		ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	} else {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 64 << 10, &bo), -EINVAL);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "CREATE_BO CMD"));
	}
}
END_TEST

START_TEST(test_sync_bad_range)
{
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 8192, 1), -EINVAL);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 4096, 8192), -EINVAL);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, SIZE_MAX, 2), -EINVAL);
	ck_assert_int_eq(xdna_bo_sync(bo, (enum xdna_sync_dir)2, 0, 0), -EINVAL);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

/* With XDNA_OPEN_KERNEL_SYNC, TO_DEVICE goes through SYNC_BO and its failure is named. */
START_TEST(test_sync_failure_reported)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .flags = XDNA_OPEN_KERNEL_SYNC };
	struct xdna_dev *d;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 4096, &bo), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), -EIO);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "SYNC_BO"));
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST

/*
 * Audit finding 3: the default sync makes no ioctl, so FROM_DEVICE works on
 * kernels that refuse SYNC_BO FROM_DEVICE (v6.19 on); with kernel sync
 * asked for, FROM_DEVICE still never reaches a kernel that refuses it.
 */
START_TEST(test_sync_from_device_every_kernel)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .flags = XDNA_OPEN_KERNEL_SYNC };
	struct xdna_dev *d;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 4096, 4096), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	ck_assert_ptr_nonnull(strstr(xdna_dev_sync_method(dev), "clflush"));
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);

	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	/* A refused direction is flushed in user space: the fault is not reached. */
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0),
			 kernel_refuses_sync_from_device() ? 0 : -EIO);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST

START_TEST(test_sync_env)
{
	struct xdna_dev *d;

	setenv("XDNA_SYNC", "banana", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "XDNA_SYNC=\"banana\""));
	setenv("XDNA_SYNC", "kernel", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), 0);
	ck_assert_str_eq(xdna_dev_sync_method(d), kernel_refuses_sync_from_device() ?
			 "SYNC_BO to device, user-space flush from device" : "SYNC_BO");
	ck_assert_int_eq(xdna_dev_close(d), 0);
	unsetenv("XDNA_SYNC");
}
END_TEST

START_TEST(test_user_cache_flush)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .flags = XDNA_OPEN_USER_CACHE_FLUSH };
	struct xdna_dev *d;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 4096, &bo), 0);
	/* An injected SYNC_BO failure cannot reach a sync that makes no ioctl. */
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 100, 200), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 4096, 1), -EINVAL);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST

START_TEST(test_create_bo_enomem)
{
	struct xdna_bo *a, *b;

	ck_assert_int_eq(xdna_emu_try_fail_set("create_bo:2"), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &a), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &b), -ENOMEM);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &b), 0);
	ck_assert_int_eq(xdna_bo_destroy(a), 0);
	ck_assert_int_eq(xdna_bo_destroy(b), 0);
}
END_TEST

START_TEST(test_mmap_failure_unwinds)
{
	struct xdna_emu_census before, after;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_emu_try_census_get(&before), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("mmap:1"), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &bo), -ENOMEM);
	ck_assert_int_eq(xdna_emu_try_census_get(&after), 0);
	ck_assert_uint_eq(after.live_bos, before.live_bos);
}
END_TEST

START_TEST(test_dev_bo_in_heap)
{
	struct xdna_bo *a, *b;
	uint8_t *pa, *pb;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 10000, &a), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &b), 0);
	pa = xdna_bo_map(a);
	pb = xdna_bo_map(b);
	ck_assert_ptr_nonnull(pa);
	ck_assert_ptr_nonnull(pb);
	/* Both inside one 64 MiB heap, 32 KiB aligned, distinct. */
	ck_assert_uint_eq((xdna_bo_dev_addr(a) & ~((64ull << 20) - 1)),
			  (xdna_bo_dev_addr(b) & ~((64ull << 20) - 1)));
	ck_assert_uint_eq(xdna_bo_dev_addr(a) % (32 << 10), 0);
	ck_assert_uint_eq(xdna_bo_dev_addr(b) % (32 << 10), 0);
	ck_assert_uint_ne(xdna_bo_dev_addr(a), xdna_bo_dev_addr(b));
	ck_assert_int_eq(llabs((long long)(pa - pb)) >= 10000, 1);
	memset(pa, 1, 10000);
	memset(pb, 2, 4096);
	ck_assert_uint_eq(pa[9999], 1);
	ck_assert_int_eq(xdna_bo_sync(a, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_destroy(a), 0);
	ck_assert_int_eq(xdna_bo_destroy(b), 0);
}
END_TEST

/*
 * The newest kernel grows the heap by 64 MiB chunks when it answers
 * -EAGAIN; the others have one 64 MiB heap and the shim names it.
 */
START_TEST(test_heap_grows)
{
	struct xdna_bo *bo[3] = { NULL };
	int i, n = heap_expands() ? 3 : 1;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 40u << 20, &bo[i]), 0);
	if (!heap_expands()) {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 40u << 20, &bo[1]), -ENOSPC);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "64 MiB"));
	}
	for (i = 0; i < n; i++) {
		memset(xdna_bo_map(bo[i]), i, 4096);
		ck_assert_int_eq(xdna_bo_destroy(bo[i]), 0);
	}
}
END_TEST

/*
 * Audit finding 5: a DEV BO's CPU address is the heap mapping plus its
 * offset, whatever GET_BO_INFO says of vaddr.
 */
START_TEST(test_dev_bo_cpu_addr_from_heap)
{
	struct xdna_bo *a, *b;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &a), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &b), 0);
	ck_assert_int_eq((intptr_t)((uint8_t *)xdna_bo_map(b) - (uint8_t *)xdna_bo_map(a)),
			 (intptr_t)(xdna_bo_dev_addr(b) - xdna_bo_dev_addr(a)));
	ck_assert_uint_ne((uintptr_t)xdna_bo_map(a), (uintptr_t)AMDXDNA_INVALID_ADDR);
	ck_assert_int_eq(xdna_bo_destroy(a), 0);
	ck_assert_int_eq(xdna_bo_destroy(b), 0);
}
END_TEST

/*
 * Audit finding 2: SHARE/CMD BOs have a usable device address on every
 * kernel: xdna_addr where the kernel reports it, else the mapping address.
 */
START_TEST(test_share_dev_addr_every_kernel)
{
	struct xdna_bo *bo, *cmd;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_uint_eq(xdna_bo_dev_addr(bo), (uintptr_t)xdna_bo_map(bo));
	ck_assert_uint_eq(xdna_bo_dev_addr(cmd), (uintptr_t)xdna_bo_map(cmd));
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_bo_destroy(cmd), 0);
}
END_TEST

START_TEST(test_bo_larger_than_heap_max)
{
	struct xdna_bo *bo;

	ck_assert_int_lt(xdna_bo_create(dev, XDNA_BO_DEV, 600u << 20, &bo), 0);
}
END_TEST

/* ------------------------------------------------------- dma-buf export */

START_TEST(test_export_maps_same_pages)
{
	struct xdna_bo *bo;
	uint8_t *p, *q;
	int fd;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	p = xdna_bo_map(bo);
	memset(p, 0x33, 8192);
	ck_assert_int_eq(xdna_bo_export(bo, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(q, MAP_FAILED);
	ck_assert_int_eq(memcmp(p, q, 8192), 0);
	q[100] = 0x77;
	ck_assert_uint_eq(p[100], 0x77);
	munmap(q, 8192);
	close(fd);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

START_TEST(test_import_same_and_other_file)
{
	struct xdna_bo *bo, *same, *other;
	struct xdna_dev *d2;
	int fd;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &bo), 0);
	memset(xdna_bo_map(bo), 0x42, 4096);
	ck_assert_int_eq(xdna_bo_export(bo, &fd), 0);
	/* Same DRM file: the kernel hands back the same handle. */
	ck_assert_int_eq(xdna_bo_import(dev, fd, &same), 0);
	ck_assert_ptr_eq(same, bo);
	ck_assert_int_eq(xdna_bo_destroy(same), 0);
	/* Another open file: a new handle onto the same pages. */
	ck_assert_int_eq(xdna_dev_open(NULL, &d2), 0);
	ck_assert_int_eq(xdna_bo_import(d2, fd, &other), 0);
	ck_assert_uint_eq(xdna_bo_size(other), 4096);
	ck_assert_uint_eq(((uint8_t *)xdna_bo_map(other))[4095], 0x42);
	close(fd);
	ck_assert_int_eq(xdna_bo_destroy(other), 0);
	ck_assert_int_eq(xdna_dev_close(d2), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

START_TEST(test_import_bad_fd)
{
	struct xdna_bo *bo;
	int fd = open("/dev/null", O_RDONLY);

	ck_assert_int_lt(xdna_bo_import(dev, fd, &bo), 0);
	ck_assert_int_eq(xdna_bo_import(dev, -1, &bo), -EINVAL);
	close(fd);
}
END_TEST

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Child: map the dma-buf it was sent, check the pattern, answer with its own. */
static int child_check_dmabuf(int sock, size_t size)
{
	int fd = recv_fd(sock);
	uint8_t *q;
	size_t i;

	if (fd < 0)
		return 10;
	q = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED)
		return 11;
	for (i = 0; i < size; i++)
		if (q[i] != (uint8_t)(i * 7))
			return 12;
	memset(q, 0xc3, size);
	munmap(q, size);
	close(fd);
	return 0;
}

START_TEST(test_dmabuf_across_processes)
{
	const size_t size = 1 << 20;
	struct xdna_bo *bo;
	int sv[2], fd, status;
	uint8_t *p;
	pid_t pid;
	size_t i;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, size, &bo), 0);
	p = xdna_bo_map(bo);
	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(xdna_bo_export(bo, &fd), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(child_check_dmabuf(sv[1], size));
	}
	close(sv[1]);
	ck_assert_int_eq(send_fd(sv[0], fd), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child saw different bytes (status %d)", status);
	ck_assert_uint_eq(p[0], 0xc3);
	ck_assert_uint_eq(p[size - 1], 0xc3);
	close(sv[0]);
	close(fd);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

/* ------------------------------------------------- contexts and commands */

/* A PDI the emulator understands: magic, then the kernel's name. */
static struct xdna_bo *make_pdi(const char *kernel)
{
	static const char magic[] = "XDNA-EMU-PDI";
	struct xdna_bo *pdi;
	char *p;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &pdi), 0);
	p = xdna_bo_map(pdi);
	memcpy(p, magic, sizeof(magic));
	strcpy(p + sizeof(magic), kernel);
	ck_assert_int_eq(xdna_bo_sync(pdi, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	return pdi;
}

struct npu {
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi;
	struct xdna_bo *cmd;
};

static void npu_open(struct npu *n, const char *kernel)
{
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &n->ctx), 0);
	n->pdi = make_pdi(kernel);
	ck_assert_int_eq(xdna_hwctx_config_cu(n->ctx, &n->pdi, NULL, 1), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &n->cmd), 0);
}

static void npu_close(struct npu *n)
{
	ck_assert_int_eq(xdna_bo_destroy(n->cmd), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(n->ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(n->pdi), 0);
}

static void addr_words(uint32_t *w, uint64_t addr)
{
	w[0] = (uint32_t)addr;
	w[1] = (uint32_t)(addr >> 32);
}

/* A START_CU packet for the emulator's copy kernel: src, dst, bytes. */
static int encode_copy(struct xdna_bo *cmd, struct xdna_bo *src, struct xdna_bo *dst,
		       uint32_t bytes)
{
	uint32_t payload[5];

	addr_words(&payload[0], xdna_bo_dev_addr(src));
	addr_words(&payload[2], xdna_bo_dev_addr(dst));
	payload[4] = bytes;
	return xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, payload, 5);
}

START_TEST(test_exec_copy)
{
	const size_t size = 256 << 10;
	struct xdna_bo *src, *dst, *args[2];
	struct npu n;
	uint64_t seq;
	size_t i;

	npu_open(&n, "copy");
	ck_assert_uint_ne(xdna_hwctx_handle(n.ctx), 0);
	ck_assert_uint_ne(xdna_hwctx_syncobj(n.ctx), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, size, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, size, &dst), 0);
	for (i = 0; i < size; i++)
		((uint8_t *)xdna_bo_map(src))[i] = (uint8_t)(i ^ (i >> 8));
	ck_assert_int_eq(xdna_bo_sync(src, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, (uint32_t)size), 0);
	ck_assert_int_eq(xdna_cmd_state(n.cmd), XDNA_ERT_CMD_STATE_NEW);
	args[0] = src;
	args[1] = dst;
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);	/* real kernels count from 0 */
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, 5000000000LL), 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, seq), 1);
	ck_assert_int_eq(xdna_cmd_state(n.cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_int_eq(xdna_bo_sync(dst, XDNA_SYNC_FROM_DEVICE, 0, 0), 0);
	ck_assert_int_eq(memcmp(xdna_bo_map(src), xdna_bo_map(dst), size), 0);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	npu_close(&n);
}
END_TEST

static void float_bo(struct xdna_bo **bo, size_t n, float base)
{
	float *f;
	size_t i;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, n * sizeof(float), bo), 0);
	f = xdna_bo_map(*bo);
	for (i = 0; i < n; i++)
		f[i] = base + (float)i;
}

START_TEST(test_exec_scale_add)
{
	const size_t n = 4096;
	struct xdna_bo *x, *y, *out, *args[3];
	const float a = 2.5f;
	uint32_t payload[8];
	struct npu np;
	uint64_t seq;
	float *o;
	size_t i;

	npu_open(&np, "scale_add");
	float_bo(&x, n, 1.0f);
	float_bo(&y, n, -3.0f);
	float_bo(&out, n, 0.0f);
	addr_words(&payload[0], xdna_bo_dev_addr(x));
	addr_words(&payload[2], xdna_bo_dev_addr(y));
	addr_words(&payload[4], xdna_bo_dev_addr(out));
	payload[6] = (uint32_t)n;
	memcpy(&payload[7], &a, sizeof(a));
	ck_assert_int_eq(xdna_cmd_encode(np.cmd, XDNA_CMD_START_CU, 0, payload, 8), 0);
	args[0] = x;
	args[1] = y;
	args[2] = out;
	ck_assert_int_eq(xdna_cmd_exec(np.ctx, np.cmd, args, 3, &seq), 0);
	ck_assert_int_eq(xdna_cmd_wait(np.ctx, np.cmd, seq, -1), 0);
	o = xdna_bo_map(out);
	for (i = 0; i < n; i++)
		ck_assert_float_eq(o[i], a * (1.0f + (float)i) + (-3.0f + (float)i));
	xdna_bo_destroy(x);
	xdna_bo_destroy(y);
	xdna_bo_destroy(out);
	npu_close(&np);
}
END_TEST

/* A command whose address is not among its argument BOs fails on the NPU. */
START_TEST(test_exec_unreachable_address)
{
	struct xdna_bo *src, *dst;
	struct npu n;
	uint64_t seq;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, &src, 1, &seq), 0);
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, -1), -EIO);
	ck_assert_int_eq(xdna_cmd_state(n.cmd), XDNA_ERT_CMD_STATE_ERROR);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	npu_close(&n);
}
END_TEST

START_TEST(test_exec_before_config)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *cmd;
	uint64_t seq;

	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, NULL, 0), 0);
	ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, NULL, 0, &seq), -EINVAL);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "EXEC_CMD"));
	xdna_bo_destroy(cmd);
	xdna_hwctx_destroy(ctx);
}
END_TEST

START_TEST(test_config_unknown_kernel)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi;

	struct xdna_bo *cmd;
	uint64_t seq;

	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	pdi = make_pdi("no-such-kernel");
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 0), -EINVAL);
	if (flavour_is("6.14") || flavour_is("oot")) {
		/* CONFIG_CU waits for the firmware, which refuses the PDI */
		ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), -EINVAL);
	} else {
		/* 6.18 on: the refusal shows on the first command (CONFIG_CU_ASYNC) */
		ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), 0);
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
		ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, NULL, 0), 0);
		ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, &cmd, 1, &seq), 0);
		ck_assert_int_eq(xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), -EIO);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "ERROR"));
		xdna_bo_destroy(cmd);
	}
	xdna_bo_destroy(pdi);
	xdna_hwctx_destroy(ctx);
}
END_TEST

START_TEST(test_cmd_encode_errors)
{
	struct xdna_bo *share, *cmd;
	static uint32_t big[4096];

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &share), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_int_eq(xdna_cmd_encode(share, XDNA_CMD_START_CU, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(xdna_cmd_encode(cmd, (enum xdna_cmd_opcode)7, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 32, NULL, 0), -EINVAL);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, big, 2000), -ENOSPC);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, NULL, 3), -EINVAL);
	ck_assert_int_eq(xdna_cmd_state(share), -EINVAL);
	xdna_bo_destroy(share);
	xdna_bo_destroy(cmd);
}
END_TEST

START_TEST(test_wait_timeout_then_abort)
{
	struct xdna_bo *src, *dst, *args[2];
	struct npu n;
	uint64_t seq;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	args[0] = src;
	args[1] = dst;
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, seq, 20 * 1000 * 1000), -ETIME);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, seq), 0);
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, 0), -ETIME);
	/* Destroying the context aborts what is still queued. */
	ck_assert_int_eq(xdna_bo_destroy(n.cmd), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(n.ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(n.pdi), 0);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
}
END_TEST

/*
 * Audit finding 1: command 0 is waited on like any other, and it does not
 * count as signalled before it completes.
 */
START_TEST(test_seq0_not_signalled_early)
{
	struct xdna_bo *src, *dst, *args[2];
	struct npu n;
	uint64_t seq;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	args[0] = src;
	args[1] = dst;
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, XDNA_SEQ_NONE), 1);
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, XDNA_SEQ_NONE, 0), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, 0), 0);
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, 0, 10 * 1000 * 1000), -ETIME);
	ck_assert_int_eq(xdna_bo_destroy(n.cmd), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(n.ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(n.pdi), 0);

	npu_open(&n, "copy");
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, 5000000000LL), 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, 0), 1);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	npu_close(&n);
}
END_TEST

/*
 * Audit finding 7: the context budget is the device's (hwctx_limit); when
 * it is spent the shim says so, naming the budget.
 */
START_TEST(test_hwctx_budget_named)
{
	struct xdna_hwctx *ctx[64];
	unsigned int i, n = 0, used, max;
	int err = 0;

	/* Reported by the kernel from 0.4, else from the part (sysfs ids). */
	ck_assert_int_eq(xdna_hwctx_budget(dev, &used, &max), 0);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_gt(max, 0);
	while (n < 64) {
		err = xdna_hwctx_create(dev, NULL, &ctx[n]);
		if (err)
			break;
		n++;
	}
	ck_assert_int_eq(err, flavour_is("oot") ? -ENOENT : -EINVAL);
	ck_assert_uint_eq(n, flavour_is("oot") ? n : max);
	if (!flavour_is("oot"))
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "budget"));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(xdna_hwctx_destroy(ctx[i]), 0);
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx[0]), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx[0]), 0);
}
END_TEST

/*
 * Audit finding 8 / 4: the kernel takes each context's four command buffers
 * from the heap; with a full heap the newest kernel answers -EAGAIN (the
 * shim grows the heap and retries, where libdrm's drmIoctl() would spin
 * forever) and older ones -ENOSPC, which the shim names.
 */
START_TEST(test_hwctx_needs_heap_room)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *fill;
	int err;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 64u << 20, &fill), 0);
	err = xdna_hwctx_create(dev, NULL, &ctx);
	if (heap_expands()) {
		ck_assert_int_eq(err, 0);
		ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	} else {
		ck_assert_int_eq(err, -ENOSPC);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "command buffers"));
	}
	ck_assert_int_eq(xdna_bo_destroy(fill), 0);
}
END_TEST

/* More commands than the kernel keeps in flight: submission blocks, all finish in order. */
START_TEST(test_many_in_flight)
{
	enum { N = 12 };
	struct xdna_bo *src, *dst[N], *cmd[N], *args[2];
	uint64_t seq[N];
	struct npu n;
	int i;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	memset(xdna_bo_map(src), 0x99, 4096);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst[i]), 0);
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd[i]), 0);
		ck_assert_int_eq(encode_copy(cmd[i], src, dst[i], 4096), 0);
		args[0] = src;
		args[1] = dst[i];
		ck_assert_int_eq(xdna_cmd_exec(n.ctx, cmd[i], args, 2, &seq[i]), 0);
		ck_assert_uint_eq(seq[i], (uint64_t)i);
	}
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, seq[N - 1], -1), 0);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, seq[i]), 1);
		ck_assert_int_eq(xdna_cmd_state(cmd[i]), XDNA_ERT_CMD_STATE_COMPLETED);
		ck_assert_uint_eq(((uint8_t *)xdna_bo_map(dst[i]))[4095], 0x99);
		xdna_bo_destroy(dst[i]);
		xdna_bo_destroy(cmd[i]);
	}
	xdna_bo_destroy(src);
	npu_close(&n);
}
END_TEST

START_TEST(test_hwctx_opts)
{
	struct xdna_hwctx_opts o = { .sz = sizeof(o), .priority = AMDXDNA_QOS_HIGH_PRIORITY,
				     .num_tiles = 4 };
	struct xdna_hwctx *ctx;

	ck_assert_int_eq(xdna_hwctx_create(dev, &o, &ctx), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	o.sz = sizeof(o) + 4;
	ck_assert_int_eq(xdna_hwctx_create(dev, &o, &ctx), -EINVAL);
	o.sz = sizeof(o);
	o.num_tiles = 100000;
	ck_assert_int_eq(xdna_hwctx_create(dev, &o, &ctx), -EINVAL);
	ck_assert_int_eq(xdna_hwctx_destroy(NULL), 0);
}
END_TEST

/*
 * Many threads creating, submitting and destroying BOs at once: a BO mapped
 * at an address another thread just unmapped must stay reachable by the
 * NPU (xdna-emu once lost such mappings to a munmap/forget race).
 */
struct churn {
	struct npu *n;
	int failures;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	int i;

	for (i = 0; i < 150; i++) {
		struct xdna_bo *src, *dst, *cmd, *args[2];
		uint64_t seq;

		if (xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &src) ||
		    xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &dst) ||
		    xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd)) {
			c->failures++;
			return NULL;
		}
		memset(xdna_bo_map(src), i, 8192);
		args[0] = src;
		args[1] = dst;
		if (encode_copy(cmd, src, dst, 8192) ||
		    xdna_cmd_exec(c->n->ctx, cmd, args, 2, &seq) ||
		    xdna_cmd_wait(c->n->ctx, cmd, seq, -1) ||
		    memcmp(xdna_bo_map(src), xdna_bo_map(dst), 8192))
			c->failures++;
		xdna_bo_destroy(cmd);
		xdna_bo_destroy(dst);
		xdna_bo_destroy(src);
	}
	return NULL;
}

START_TEST(test_concurrent_bo_churn)
{
	enum { T = 4 };
	struct churn c[T];
	pthread_t th[T];
	struct npu n;
	int i;

	npu_open(&n, "copy");
	for (i = 0; i < T; i++) {
		c[i] = (struct churn){ .n = &n };
		ck_assert_int_eq(pthread_create(&th[i], NULL, churn_main, &c[i]), 0);
	}
	for (i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(c[i].failures, 0);
	}
	npu_close(&n);
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

/*
 * Fault matrix finding (#15): CONFIG_HWCTX failing with EIO (the firmware's
 * mailbox) was reported as "command completed with an error".
 */
START_TEST(test_config_eio_named)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi;

	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	pdi = make_pdi("copy");
	ck_assert_int_eq(xdna_emu_try_fail_set("config_hwctx:1"), 0);
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), -EIO);
	ck_assert_msg(strstr(xdna_errmsg(), "CONFIG_HWCTX CONFIG_CU") &&
		      strstr(xdna_errmsg(), strerror(EIO)) &&
		      !strstr(xdna_errmsg(), "command"), "'%s'", xdna_errmsg());
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), 0);
	xdna_bo_destroy(pdi);
	xdna_hwctx_destroy(ctx);
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
	tcase_add_test(tc, test_config_eio_named);
	tcase_add_test(tc, test_open_missing_device);
	tcase_add_test(tc, test_open_not_amdxdna);
	tcase_add_test(tc, test_open_env_device);
	tcase_add_test(tc, test_open_bad_opts);
	tcase_add_test(tc, test_queries);
	tcase_add_test(tc, test_query_unsupported);
	tcase_add_test(tc, test_query_hwctxs);
	tcase_add_test(tc, test_query_hwctxs_before_get_array);
	tcase_add_test(tc, test_share_bo);
	tcase_add_test(tc, test_bo_bad_args);
	tcase_add_test(tc, test_sync_bad_range);
	tcase_add_test(tc, test_sync_failure_reported);
	tcase_add_test(tc, test_sync_from_device_every_kernel);
	tcase_add_test(tc, test_sync_env);
	tcase_add_test(tc, test_dev_bo_cpu_addr_from_heap);
	tcase_add_test(tc, test_share_dev_addr_every_kernel);
	tcase_add_test(tc, test_seq0_not_signalled_early);
	tcase_add_test(tc, test_hwctx_budget_named);
	tcase_add_test(tc, test_hwctx_needs_heap_room);
	tcase_add_test(tc, test_user_cache_flush);
	tcase_add_test(tc, test_create_bo_enomem);
	tcase_add_test(tc, test_mmap_failure_unwinds);
	tcase_add_test(tc, test_dev_bo_in_heap);
	tcase_add_test(tc, test_heap_grows);
	tcase_add_test(tc, test_bo_larger_than_heap_max);
	tcase_add_test(tc, test_export_maps_same_pages);
	tcase_add_test(tc, test_import_same_and_other_file);
	tcase_add_test(tc, test_import_bad_fd);
	tcase_add_test(tc, test_dmabuf_across_processes);
	tcase_add_test(tc, test_exec_copy);
	tcase_add_test(tc, test_exec_scale_add);
	tcase_add_test(tc, test_exec_unreachable_address);
	tcase_add_test(tc, test_exec_before_config);
	tcase_add_test(tc, test_config_unknown_kernel);
	tcase_add_test(tc, test_cmd_encode_errors);
	tcase_add_test(tc, test_wait_timeout_then_abort);
	tcase_add_test(tc, test_many_in_flight);
	tcase_add_test(tc, test_hwctx_opts);
	tcase_add_test(tc, test_concurrent_bo_churn);
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
