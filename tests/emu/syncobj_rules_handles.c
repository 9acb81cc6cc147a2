// SPDX-License-Identifier: MIT
/*
 * The emulator's DRM syncobj rules: CREATE, DESTROY, handles and
 * handle arrays
 * (driver-shim/emu/RULES-syncobj.md; the harness is syncobj_rules.c).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>

#include "amdxdna_uapi.h"
#include "xdna_emu.h"
#include "emu_test.h"
#include "syncobj_rules.h"

/* ---- CREATE, DESTROY, handles ---- */

START_TEST(test_SYNCOBJ_CREATE_FLAGS)
{
	int fd = open_flavour(_i);
	uint32_t h;

	ck_assert_int_eq(so_create(fd, 2, &h), -EINVAL);
	ck_assert_int_eq(so_create(fd, 0x80000000u, &h), -EINVAL);
	ck_assert_int_eq(so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED | 4, &h),
			 -EINVAL);
	ck_assert_int_eq(so_create(fd, 0, &h), 0);
	ck_assert_int_eq(so_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED, &h), 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_CREATE_SIGNALED)
{
	int fd = open_flavour(_i);
	uint32_t sig = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	uint32_t none = so_new(fd, 0);

	ck_assert_int_eq(so_wait(fd, &sig, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(so_wait(fd, &none, 1, 0, 0, NULL), -EINVAL);
	/* the stub is not a timeline */
	ck_assert_uint_eq(query(fd, sig, 0), 0);
	ck_assert_int_eq(poll1(fd, sig, 1), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_HANDLE_ALLOC)
{
	int fd = open_flavour(_i);
	uint32_t a = so_new(fd, 0), b = so_new(fd, 0), c = so_new(fd, 0);

	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	ck_assert_uint_eq(c, 3);
	ck_assert_int_eq(so_destroy(fd, b), 0);
	ck_assert_uint_eq(so_new(fd, 0), 2);	/* lowest free id */
	ck_assert_uint_eq(so_new(fd, 0), 4);
	close(fd);
	fd = open_flavour(_i);			/* per-file namespace */
	ck_assert_uint_eq(so_new(fd, 0), 1);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_DESTROY_PAD)
{
	int fd = open_flavour(_i);
	struct drm_syncobj_destroy d = { .handle = so_new(fd, 0), .pad = 1 };

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	d.pad = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_DESTROY_UNKNOWN)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, 0);

	ck_assert_int_eq(so_destroy(fd, 0), -EINVAL);
	ck_assert_int_eq(so_destroy(fd, 99), -EINVAL);
	ck_assert_int_eq(so_destroy(fd, h), 0);
	ck_assert_int_eq(so_destroy(fd, h), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_ARRAY_ENOENT)
{
	int fd = open_flavour(_i);
	uint32_t h[2] = { so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED), 77 };
	uint64_t p[2] = { 0, 0 };

	ck_assert_int_eq(so_wait(fd, h, 2, 0, 0, NULL), -ENOENT);
	ck_assert_int_eq(so_twait(fd, h, p, 2, 0, 0, NULL), -ENOENT);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, h, 2, 0),
			 -ENOENT);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, h, 2, 0),
			 -ENOENT);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, h, p,
				   2, 0), -ENOENT);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, h, p, 2, 0),
			 -ENOENT);
	/* handle 0 is never valid */
	h[1] = 0;
	ck_assert_int_eq(so_wait(fd, h, 2, 0, 0, NULL), -ENOENT);
	/* nothing happened to the good handle: RESET did not reset it */
	ck_assert_int_eq(so_wait(fd, h, 1, 0, 0, NULL), 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_ARRAY_EFAULT)
{
	int fd = open_flavour(_i);
	uint64_t p = 0;

	ck_assert_int_eq(so_wait(fd, NULL, 1, 0, 0, NULL), -EFAULT);
	ck_assert_int_eq(so_twait(fd, NULL, &p, 1, 0, 0, NULL), -EFAULT);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, NULL, 1, 0),
			 -EFAULT);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, NULL, 1, 0),
			 -EFAULT);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, NULL,
				   &p, 1, 0), -EFAULT);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, NULL, &p, 1, 0),
			 -EFAULT);
	close(fd);
}
END_TEST

void syncobj_rules_add_handles(TCase *tc)
{
	const TTest *const per_flavour[] = {
		test_SYNCOBJ_CREATE_FLAGS,
		test_SYNCOBJ_CREATE_SIGNALED,
		test_SYNCOBJ_HANDLE_ALLOC,
		test_SYNCOBJ_DESTROY_PAD,
		test_SYNCOBJ_DESTROY_UNKNOWN,
		test_SYNCOBJ_ARRAY_ENOENT,
		test_SYNCOBJ_ARRAY_EFAULT,
	};
	size_t i;

	for (i = 0; i < sizeof(per_flavour) / sizeof(per_flavour[0]); i++)
		tcase_add_loop_test(tc, per_flavour[i], 0, EMU_NFLAVOURS);
}
