// SPDX-License-Identifier: MIT
/*
 * The emulator's DRM syncobj rules: WAIT and TIMELINE_WAIT
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

/* ---- WAIT, TIMELINE_WAIT ---- */

START_TEST(test_SYNCOBJ_WAIT_FLAGS)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	uint64_t p = 0;

	ck_assert_int_eq(so_wait(fd, &h, 1, 0,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 -EINVAL);
	ck_assert_int_eq(so_wait(fd, &h, 1, 0, 1u << 4, NULL), -EINVAL);
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, 0, 1u << 4, NULL), -EINVAL);
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, 0, 0x80000000u, NULL),
			 -EINVAL);
	/* flags are checked before the handles */
	ck_assert_int_eq(so_wait(fd, NULL, 1, 0, 1u << 4, NULL), -EINVAL);
	ck_assert_int_eq(so_wait(fd, &h, 1, 0,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 0);
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_DEADLINE)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	uint32_t none = so_new(fd, 0);
	uint64_t p = 0;
	struct rules_wait_dl dl = { 0 };

	/* accepted by both waits (a hint), with either struct size */
	ck_assert_int_eq(so_wait(fd, &h, 1, 0,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, NULL), 0);
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, NULL),
			 0);
	dl.w.handles = (uintptr_t)&h;
	dl.w.count_handles = 1;
	dl.w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
	dl.deadline_nsec = (uint64_t)now_ns();
	ck_assert_int_eq(xioctl(fd, RULES_IOCTL_SYNCOBJ_WAIT_DL, &dl), 0);
	ck_assert_uint_eq(dl.w.first_signaled, 0);
	/* a hint only: it changes no result */
	dl.w.handles = (uintptr_t)&none;
	ck_assert_int_eq(xioctl(fd, RULES_IOCTL_SYNCOBJ_WAIT_DL, &dl), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_COUNT0)
{
	int fd = open_flavour(_i);
	uint32_t first = 1234;

	/* no handles is success, before looking at the (bad) arrays */
	ck_assert_int_eq(so_wait(fd, NULL, 0, 0, 0, &first), 0);
	ck_assert_uint_eq(first, 1234);	/* not written */
	ck_assert_int_eq(so_twait(fd, NULL, NULL, 0, now_ns() + 1000 * MS,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first), 0);
	ck_assert_uint_eq(first, 1234);
	/* bad flags still fail first */
	ck_assert_int_eq(so_wait(fd, NULL, 0, 0, 1u << 4, NULL), -EINVAL);
	ck_assert_int_eq(so_twait(fd, NULL, NULL, 0, 0, 1u << 4, NULL),
			 -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_NOFENCE)
{
	int fd = open_flavour(_i);
	uint32_t h[2] = { so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED),
			  so_new(fd, 0) };
	uint32_t tl = so_new(fd, 0), first = 55;
	uint64_t p[2] = { 0, 0 };

	/* no fence: -EINVAL at once, whatever the timeout, even with WAIT_ANY
	 * and another entry signalled */
	ck_assert_int_eq(so_wait(fd, h, 2, now_ns() + 1000 * MS, 0, &first),
			 -EINVAL);
	ck_assert_uint_eq(first, 55);
	ck_assert_int_eq(so_twait(fd, h, p, 2, 0, 0, NULL), -EINVAL);
	/* a point on a binary fence, a point past the last one */
	ck_assert_int_eq(poll1(fd, h[0], 1), -EINVAL);
	ck_assert_int_eq(tsignal(fd, tl, 4), 0);
	ck_assert_int_eq(poll1(fd, tl, 4), 0);
	ck_assert_int_eq(poll1(fd, tl, 5), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_POLL)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t none = so_new(fd, 0);
	int64_t t0;

	pend_up(&pd, fd);
	t0 = now_ns();
	/* 0 polls; so does any absolute time already past, or negative */
	ck_assert_int_eq(poll1(fd, pd.sync, 1), -ETIME);
	ck_assert_int_eq(so_wait(fd, &pd.sync, 1, 1, 0, NULL), -ETIME);
	ck_assert_int_eq(so_wait(fd, &pd.sync, 1, now_ns() - 1000 * MS, 0,
				 NULL), -ETIME);
	ck_assert_int_eq(so_wait(fd, &pd.sync, 1, -5, 0, NULL), -ETIME);
	/* WAIT_FOR_SUBMIT with nothing submitted also polls */
	ck_assert_int_eq(so_wait(fd, &none, 1, 0,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	ck_assert_int_lt(now_ns() - t0, 500 * MS);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_TIMEOUT)
{
	int fd = open_flavour(_i);
	struct pend pd;
	int64_t t0, dl;

	pend_up(&pd, fd);
	t0 = now_ns();
	dl = t0 + 150 * MS;	/* absolute CLOCK_MONOTONIC */
	ck_assert_int_eq(so_wait(fd, &pd.sync, 1, dl, 0, NULL), -ETIME);
	ck_assert_int_ge(now_ns(), dl);
	ck_assert_int_lt(now_ns() - t0, 2000 * MS);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_FOR_SUBMIT)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, 0);
	uint64_t p = 3, sp = 3;
	struct drm_syncobj_timeline_array ta = {
		.handles = (uintptr_t)&h,
		.points = (uintptr_t)&sp,
		.count_handles = 1,
	};
	struct later l = { 0 };

	/* the point is waited for, then its fence */
	later_start(&l, fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta, 50);
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, now_ns() + 5000 * MS,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 0);
	ck_assert_int_eq(later_join(&l), 0);
	/* a later point times out; without the flag it is -EINVAL */
	p = 4;
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, now_ns() + 30 * MS,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	ck_assert_int_eq(poll1(fd, h, 4), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_AVAILABLE)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t h = so_new(fd, 0), first = 9;
	uint64_t p = 1;

	pend_up(&pd, fd);
	/* submitted but unsignalled counts */
	ck_assert_int_eq(so_twait(fd, &pd.sync, &p, 1, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, &first),
			 0);
	ck_assert_uint_eq(first, 0);
	p = 2;
	ck_assert_int_eq(so_twait(fd, &pd.sync, &p, 1, now_ns() + 20 * MS,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 -ETIME);
	/* and it waits for the point to appear */
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 -ETIME);
	ck_assert_int_eq(transfer(fd, h, 2, pd.sync, 1, 0), 0);
	ck_assert_int_eq(so_twait(fd, &h, &p, 1, 0,
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 0);
	ck_assert_int_eq(poll1(fd, h, 2), -ETIME);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_ALL_ANY)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t h[2], first;
	struct later l = { .abort = &pd };

	pend_up(&pd, fd);
	h[0] = pd.sync;
	h[1] = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	/* any: one signalled entry suffices */
	first = 7;
	ck_assert_int_eq(so_wait(fd, h, 2, 0, 0, &first), 0);
	ck_assert_uint_eq(first, 1);
	/* all: waits for every entry */
	ck_assert_int_eq(so_wait(fd, h, 2, now_ns() + 20 * MS,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), -ETIME);
	later_start(&l, fd, 0, NULL, 50);
	ck_assert_int_eq(so_wait(fd, h, 2, now_ns() + 5000 * MS,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), 0);
	ck_assert_int_eq(later_join(&l), 0);
	pd.ctx = 0;
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_FIRST_SIGNALED)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t h[3], first;
	struct later l = { .abort = &pd };

	pend_up(&pd, fd);
	h[0] = pd.sync;
	h[1] = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	h[2] = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	/* all, all signalled up front: the first index */
	first = 7;
	ck_assert_int_eq(so_wait(fd, h + 1, 2, 0,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first), 0);
	ck_assert_uint_eq(first, 0);
	/* any: the lowest signalled index */
	first = 7;
	ck_assert_int_eq(so_wait(fd, h, 3, 0, 0, &first), 0);
	ck_assert_uint_eq(first, 1);
	/* all, after blocking: the first index signalled up front */
	first = 7;
	later_start(&l, fd, 0, NULL, 30);
	ck_assert_int_eq(so_wait(fd, h, 3, now_ns() + 5000 * MS,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first), 0);
	ck_assert_int_eq(later_join(&l), 0);
	ck_assert_uint_eq(first, 1);
	pd.ctx = 0;
	pend_down(&pd);

	close(fd);

	/* all, none signalled up front: ~0 (a new file: 6.14 has one heap) */
	fd = open_flavour(_i);
	pend_up(&pd, fd);
	l.abort = &pd;
	first = 7;
	later_start(&l, fd, 0, NULL, 30);
	ck_assert_int_eq(so_wait(fd, &pd.sync, 1, now_ns() + 5000 * MS,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, &first), 0);
	ck_assert_int_eq(later_join(&l), 0);
	ck_assert_uint_eq(first, NONE);
	pd.ctx = 0;
	/* any, after blocking: the index that signalled (point 2 of the
	 * context is never submitted) */
	h[0] = so_new(fd, 0);
	h[1] = pd.sync;
	{
		uint64_t sp = 1;
		struct drm_syncobj_timeline_array ta = {
			.handles = (uintptr_t)&h[0],
			.points = (uintptr_t)&sp,
			.count_handles = 1,
		};
		uint64_t pts[2] = { 1, 2 };

		l.abort = NULL;
		later_start(&l, fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta, 30);
		first = 7;
		ck_assert_int_eq(so_twait(fd, h, pts, 2, now_ns() + 5000 * MS,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first),
				 0);
		ck_assert_int_eq(later_join(&l), 0);
		ck_assert_uint_eq(first, 0);
	}
	/* a failed wait writes nothing */
	first = 7;
	h[2] = so_new(fd, 0);
	ck_assert_int_eq(so_wait(fd, &h[2], 1, 0,
				 DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first),
			 -ETIME);
	ck_assert_uint_eq(first, 7);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_WAIT_CAPTURE)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t b = so_new(fd, 0);
	struct drm_syncobj_array sa = {
		.handles = (uintptr_t)&b,
		.count_handles = 1,
	};
	struct later l = { 0 };
	int64_t t0;

	pend_up(&pd, fd);
	ck_assert_int_eq(transfer(fd, b, 0, pd.sync, 1, 0), 0);
	/* the waiter holds the pending fence it found: SIGNAL replacing the
	 * syncobj's fence does not release it */
	later_start(&l, fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &sa, 30);
	t0 = now_ns();
	ck_assert_int_eq(so_wait(fd, &b, 1, t0 + 200 * MS, 0, NULL), -ETIME);
	ck_assert_int_eq(later_join(&l), 0);
	ck_assert_int_eq(so_wait(fd, &b, 1, 0, 0, NULL), 0);
	/* nor does RESET */
	ck_assert_int_eq(transfer(fd, b, 0, pd.sync, 1, 0), 0);
	later_start(&l, fd, DRM_IOCTL_SYNCOBJ_RESET, &sa, 30);
	ck_assert_int_eq(so_wait(fd, &b, 1, now_ns() + 200 * MS, 0, NULL),
			 -ETIME);
	ck_assert_int_eq(later_join(&l), 0);
	/* while its own fence signalling does */
	ck_assert_int_eq(transfer(fd, b, 0, pd.sync, 1, 0), 0);
	l.abort = &pd;
	later_start(&l, fd, 0, NULL, 30);
	ck_assert_int_eq(so_wait(fd, &b, 1, now_ns() + 5000 * MS, 0, NULL), 0);
	ck_assert_int_eq(later_join(&l), 0);
	pd.ctx = 0;
	pend_down(&pd);
	close(fd);
}
END_TEST

void syncobj_rules_add_wait(TCase *tc)
{
	const TTest *const per_flavour[] = {
		test_SYNCOBJ_WAIT_FLAGS,
		test_SYNCOBJ_WAIT_DEADLINE,
		test_SYNCOBJ_WAIT_COUNT0,
		test_SYNCOBJ_WAIT_NOFENCE,
		test_SYNCOBJ_WAIT_POLL,
		test_SYNCOBJ_WAIT_TIMEOUT,
		test_SYNCOBJ_WAIT_FOR_SUBMIT,
		test_SYNCOBJ_WAIT_AVAILABLE,
		test_SYNCOBJ_WAIT_ALL_ANY,
		test_SYNCOBJ_WAIT_FIRST_SIGNALED,
		test_SYNCOBJ_WAIT_CAPTURE,
	};
	size_t i;

	for (i = 0; i < sizeof(per_flavour) / sizeof(per_flavour[0]); i++)
		tcase_add_loop_test(tc, per_flavour[i], 0, EMU_NFLAVOURS);
}
