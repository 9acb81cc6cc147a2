// SPDX-License-Identifier: MIT
/*
 * The emulator's DRM syncobj rules: RESET, SIGNAL, TRANSFER, and the
 * syncobj ioctls not emulated
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

/* ---- RESET, SIGNAL ---- */

START_TEST(test_SYNCOBJ_RESET_ARGS)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, &h, 1, 1),
			 -EINVAL);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, &h, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(so_wait(fd, &h, 1, 0, 0, NULL), 0);	/* untouched */
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_RESET)
{
	int fd = open_flavour(_i);
	uint32_t h[2] = { so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED),
			  so_new(fd, 0) };

	ck_assert_int_eq(tsignal(fd, h[1], 6), 0);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_RESET, h, 2, 0), 0);
	/* no fence any more: binary or timeline */
	ck_assert_int_eq(so_wait(fd, &h[0], 1, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(poll1(fd, h[1], 6), -EINVAL);
	ck_assert_int_eq(poll1(fd, h[1], 0), -EINVAL);
	ck_assert_uint_eq(query(fd, h[1], DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_SIGNAL_ARGS)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, 0);

	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &h, 1, 1),
			 -EINVAL);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &h, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(so_wait(fd, &h, 1, 0, 0, NULL), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_SIGNAL)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t h[2] = { so_new(fd, 0), so_new(fd, 0) };

	pend_up(&pd, fd);
	ck_assert_int_eq(transfer(fd, h[1], 5, pd.sync, 1, 0), 0);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, h, 2, 0), 0);
	ck_assert_int_eq(so_wait(fd, h, 2, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
				 NULL), 0);
	/* a signalled stub replaced the (pending) chain */
	ck_assert_int_eq(poll1(fd, h[1], 5), -EINVAL);
	ck_assert_uint_eq(query(fd, h[1], DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  0);
	pend_down(&pd);
	close(fd);
}
END_TEST

/* ---- TRANSFER ---- */

START_TEST(test_SYNCOBJ_TRANSFER_PAD)
{
	int fd = open_flavour(_i);
	uint32_t s = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED), d = so_new(fd, 0);
	struct drm_syncobj_transfer a = {
		.src_handle = s,
		.dst_handle = d,
		.pad = 1,
	};

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &a), -EINVAL);
	a.dst_handle = 99;	/* pad first */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &a), -EINVAL);
	ck_assert_int_eq(so_wait(fd, &d, 1, 0, 0, NULL), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TRANSFER_FLAGS)
{
	int fd = open_flavour(_i);
	uint32_t s = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED), d = so_new(fd, 0);

	/* only WAIT_FOR_SUBMIT, either direction */
	ck_assert_int_eq(transfer(fd, d, 0, s, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL), -EINVAL);
	ck_assert_int_eq(transfer(fd, d, 1, s, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE), -EINVAL);
	/* checked after the destination, before the source */
	ck_assert_int_eq(transfer(fd, 99, 0, s, 0, 8), -ENOENT);
	ck_assert_int_eq(transfer(fd, d, 0, 99, 0, 8), -EINVAL);
	ck_assert_int_eq(transfer(fd, d, 0, s, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT), 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TRANSFER_ENOENT)
{
	int fd = open_flavour(_i);
	uint32_t s = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED), d = so_new(fd, 0);

	ck_assert_int_eq(transfer(fd, 99, 0, s, 0, 0), -ENOENT);
	ck_assert_int_eq(transfer(fd, 99, 4, s, 0, 0), -ENOENT);
	ck_assert_int_eq(transfer(fd, d, 0, 99, 0, 0), -ENOENT);
	ck_assert_int_eq(transfer(fd, d, 4, 99, 0, 0), -ENOENT);
	ck_assert_int_eq(transfer(fd, 98, 4, 99, 0, 0), -ENOENT);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TRANSFER_NOFENCE)
{
	int fd = open_flavour(_i);
	uint32_t s = so_new(fd, 0), d = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	uint32_t b = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	ck_assert_int_eq(transfer(fd, d, 0, s, 0, 0), -EINVAL);
	ck_assert_int_eq(transfer(fd, d, 3, s, 0, 0), -EINVAL);
	ck_assert_int_eq(tsignal(fd, s, 2), 0);
	ck_assert_int_eq(transfer(fd, d, 0, s, 3, 0), -EINVAL);
	ck_assert_int_eq(transfer(fd, d, 0, b, 1, 0), -EINVAL);	/* binary */
	ck_assert_int_eq(so_wait(fd, &d, 1, 0, 0, NULL), 0);	/* untouched */
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TRANSFER_WAIT_FOR_SUBMIT)
{
	int fd = open_flavour(0);
	uint32_t s = so_new(fd, 0), d = so_new(fd, 0);
	uint64_t sp = 2;
	struct drm_syncobj_timeline_array ta = {
		.handles = (uintptr_t)&s,
		.points = (uintptr_t)&sp,
		.count_handles = 1,
	};
	struct later l = { 0 };
	int64_t t0;

	/* waits for the source point to be submitted ... */
	later_start(&l, fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta, 50);
	ck_assert_int_eq(transfer(fd, d, 1, s, 2,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT), 0);
	ck_assert_int_eq(later_join(&l), 0);
	ck_assert_int_eq(poll1(fd, d, 1), 0);
	/* ... for 5 s at most */
	t0 = now_ns();
	ck_assert_int_eq(transfer(fd, d, 0, s, 3,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT), -ETIME);
	ck_assert_int_ge(now_ns() - t0, 4900 * MS);
	ck_assert_int_lt(now_ns() - t0, 8000 * MS);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TRANSFER_TO_BINARY)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0), b = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	pend_up(&pd, fd);
	ck_assert_int_eq(tsignal(fd, t, 4), 0);
	/* the fence found at the source point replaces dst's fence: here the
	 * chain link itself, so dst answers QUERY like the source did */
	ck_assert_int_eq(transfer(fd, b, 0, t, 3, 0), 0);
	ck_assert_int_eq(so_wait(fd, &b, 1, 0, 0, NULL), 0);
	ck_assert_uint_eq(query(fd, b, 0), 4);
	ck_assert_uint_eq(query(fd, b, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  4);
	/* a pending source point */
	ck_assert_int_eq(transfer(fd, b, 0, pd.sync, 1, 0), 0);
	ck_assert_int_eq(so_wait(fd, &b, 1, 0, 0, NULL), -ETIME);
	ck_assert_uint_eq(query(fd, b, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  1);
	pend_signal(&pd);
	ck_assert_int_eq(so_wait(fd, &b, 1, 0, 0, NULL), 0);
	ck_assert_uint_eq(query(fd, b, 0), 1);
	/* a binary source: its fence, not a timeline */
	ck_assert_int_eq(transfer(fd, t, 0, so_new(fd,
				  DRM_SYNCOBJ_CREATE_SIGNALED), 0, 0), 0);
	ck_assert_uint_eq(query(fd, t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  0);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TRANSFER_TO_TIMELINE)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0), b = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	pend_up(&pd, fd);
	/* dst_point != 0 adds a point holding the source fence */
	ck_assert_int_eq(transfer(fd, t, 2, b, 0, 0), 0);
	ck_assert_int_eq(poll1(fd, t, 2), 0);
	ck_assert_int_eq(transfer(fd, t, 6, pd.sync, 1, 0), 0);
	ck_assert_int_eq(poll1(fd, t, 6), -ETIME);
	ck_assert_uint_eq(query(fd, t, 0), 2);
	ck_assert_uint_eq(query(fd, t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  6);
	/* timeline to timeline, source point 0: the whole source timeline */
	ck_assert_int_eq(transfer(fd, b, 1, t, 0, 0), 0);
	ck_assert_int_eq(poll1(fd, b, 1), -ETIME);
	pend_signal(&pd);
	ck_assert_int_eq(poll1(fd, t, 6), 0);
	ck_assert_int_eq(poll1(fd, b, 1), 0);
	ck_assert_uint_eq(query(fd, t, 0), 6);
	pend_down(&pd);
	close(fd);
}
END_TEST

/* ---- not emulated ---- */

START_TEST(test_SYNCOBJ_FD_UNIMPLEMENTED)
{
	int fd = open_flavour(_i);
	struct drm_syncobj_handle hd = { .handle = so_new(fd, 0), .fd = -1 };
	struct rules_syncobj_eventfd ev = { .handle = hd.handle, .fd = -1 };

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &hd),
			 -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &hd),
			 -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), -EINVAL);
	close(fd);
}
END_TEST

void syncobj_rules_add_fence(TCase *tc)
{
	const TTest *const per_flavour[] = {
		test_SYNCOBJ_RESET_ARGS,
		test_SYNCOBJ_RESET,
		test_SYNCOBJ_SIGNAL_ARGS,
		test_SYNCOBJ_SIGNAL,
		test_SYNCOBJ_TRANSFER_PAD,
		test_SYNCOBJ_TRANSFER_FLAGS,
		test_SYNCOBJ_TRANSFER_ENOENT,
		test_SYNCOBJ_TRANSFER_NOFENCE,
		test_SYNCOBJ_TRANSFER_TO_BINARY,
		test_SYNCOBJ_TRANSFER_TO_TIMELINE,
		test_SYNCOBJ_FD_UNIMPLEMENTED,
	};
	size_t i;

	for (i = 0; i < sizeof(per_flavour) / sizeof(per_flavour[0]); i++)
		tcase_add_loop_test(tc, per_flavour[i], 0, EMU_NFLAVOURS);
	/* 5 s of kernel timeout: once */
	tcase_add_test(tc, test_SYNCOBJ_TRANSFER_WAIT_FOR_SUBMIT);
}
