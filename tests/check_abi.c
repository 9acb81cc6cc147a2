// SPDX-License-Identifier: MIT
/*
 * The amdxdna ABI as compiled: ioctl request numbers and struct layouts.
 * The expected numbers are the upstream kernel's (DRM_COMMAND_BASE 0x40,
 * type 'd', sizes from include/uapi/drm/amdxdna_accel.h); the test prints
 * each so a log shows what this build sends to the kernel.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "amdxdna_uapi.h"
#include "runner.h"

struct abi_ioctl {
	const char *name;
	unsigned long request;
	unsigned long expected;
};

#define IOCTL(n, e) { #n, (unsigned long)(n), (e) }

static const struct abi_ioctl abi_ioctls[] = {
	IOCTL(DRM_IOCTL_AMDXDNA_CREATE_HWCTX, 0xc0386440UL),
	IOCTL(DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, 0xc0086441UL),
	IOCTL(DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, 0xc0186442UL),
	IOCTL(DRM_IOCTL_AMDXDNA_CREATE_BO, 0xc0206443UL),
	IOCTL(DRM_IOCTL_AMDXDNA_GET_BO_INFO, 0xc0306444UL),
	IOCTL(DRM_IOCTL_AMDXDNA_SYNC_BO, 0xc0186445UL),
	IOCTL(DRM_IOCTL_AMDXDNA_EXEC_CMD, 0xc0386446UL),
	IOCTL(DRM_IOCTL_AMDXDNA_GET_INFO, 0xc0106447UL),
	IOCTL(DRM_IOCTL_AMDXDNA_SET_STATE, 0xc0106448UL),
	IOCTL(DRM_IOCTL_AMDXDNA_WAIT_CMD, 0x40106449UL),
	IOCTL(DRM_IOCTL_AMDXDNA_GET_ARRAY, 0xc018644aUL),
};

START_TEST(test_ioctl_numbers)
{
	const struct abi_ioctl *io = &abi_ioctls[_i];

	printf("abi: %-34s = %#010lx  (nr %lu, size %lu, dir %lu)\n", io->name, io->request,
	       io->request & 0xff, (io->request >> 16) & 0x3fff, io->request >> 30);
	ck_assert_msg(io->request == io->expected, "%s is %#lx, kernel expects %#lx", io->name,
		      io->request, io->expected);
}
END_TEST

START_TEST(test_enums)
{
	ck_assert_int_eq(AMDXDNA_BO_SHARE, 1);
	ck_assert_int_eq(AMDXDNA_BO_SHMEM, AMDXDNA_BO_SHARE);
	ck_assert_int_eq(AMDXDNA_BO_DEV_HEAP, 2);
	ck_assert_int_eq(AMDXDNA_BO_DEV, 3);
	ck_assert_int_eq(AMDXDNA_BO_CMD, 4);
	ck_assert_int_eq(SYNC_DIRECT_TO_DEVICE, 0);
	ck_assert_int_eq(SYNC_DIRECT_FROM_DEVICE, 1);
	ck_assert_int_eq(DRM_AMDXDNA_QUERY_FIRMWARE_VERSION, 8);
	ck_assert_int_eq(DRM_AMDXDNA_GET_POWER_MODE, 9);
	ck_assert_int_eq(DRM_AMDXDNA_QUERY_RESOURCE_INFO, 12);
	ck_assert_int_eq(DRM_AMDXDNA_HW_CONTEXT_ALL, 0);
	ck_assert_int_eq(AMDXDNA_QOS_REALTIME_PRIORITY, 0x100);
	ck_assert_int_eq(AMDXDNA_QOS_LOW_PRIORITY, 0x280);
	ck_assert_int_eq(XDNA_ERT_START_CU, 0);
	ck_assert_int_eq(XDNA_ERT_START_NPU, 20);
	ck_assert_int_eq(XDNA_ERT_CMD_STATE_COMPLETED, 4);
}
END_TEST

/* The ERT header fields: state 3:0, count 22:12, opcode 27:23. */
START_TEST(test_ert_header)
{
	uint32_t h = 1u | (5u << XDNA_ERT_COUNT_SHIFT) | (20u << XDNA_ERT_OPCODE_SHIFT);

	ck_assert_uint_eq(h, 0x0a005001u);
	ck_assert_uint_eq(h & XDNA_ERT_STATE_MASK, 1);
	ck_assert_uint_eq((h & XDNA_ERT_COUNT_MASK) >> XDNA_ERT_COUNT_SHIFT, 5);
	ck_assert_uint_eq((h & XDNA_ERT_OPCODE_MASK) >> XDNA_ERT_OPCODE_SHIFT, 20);
	ck_assert_uint_eq(XDNA_ERT_MAX_COUNT, 2047);
}
END_TEST

static Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("layout");

	tcase_add_loop_test(tc, test_ioctl_numbers, 0,
			    (int)(sizeof(abi_ioctls) / sizeof(abi_ioctls[0])));
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_ert_header);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = abi_suite);
