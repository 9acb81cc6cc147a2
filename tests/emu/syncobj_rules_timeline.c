// SPDX-License-Identifier: MIT
/*
 * The emulator's DRM syncobj rules: timeline points, TIMELINE_SIGNAL and
 * QUERY
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

/* ---- timeline points ---- */

START_TEST(test_SYNCOBJ_POINT_ZERO)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0), b = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	pend_up(&pd, fd);
	/* point 0 is the syncobj's current fence: binary wait on a binary */
	ck_assert_int_eq(poll1(fd, b, 0), 0);
	/* on a timeline, the newest link: every point so far */
	ck_assert_int_eq(transfer(fd, t, 1, pd.sync, 1, 0), 0);
	ck_assert_int_eq(tsignal(fd, t, 2), 0);
	ck_assert_int_eq(poll1(fd, t, 2), -ETIME);	/* 1 still pending */
	ck_assert_int_eq(poll1(fd, t, 0), -ETIME);
	ck_assert_int_eq(so_wait(fd, &t, 1, 0, 0, NULL), -ETIME);
	/* a context's timeline too */
	ck_assert_int_eq(poll1(fd, pd.sync, 0), -ETIME);
	pend_signal(&pd);
	ck_assert_int_eq(poll1(fd, t, 0), 0);
	ck_assert_int_eq(so_wait(fd, &t, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(poll1(fd, pd.sync, 0), 0);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_POINT_RESOLVE)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0);

	pend_up(&pd, fd);
	ck_assert_int_eq(tsignal(fd, t, 2), 0);
	ck_assert_int_eq(transfer(fd, t, 5, pd.sync, 1, 0), 0);
	/* a point at or below an existing link resolves to the first link
	 * at or above it: 1, 2 -> link 2; 3, 4, 5 -> link 5 */
	ck_assert_int_eq(poll1(fd, t, 1), 0);
	ck_assert_int_eq(poll1(fd, t, 2), 0);
	ck_assert_int_eq(poll1(fd, t, 3), -ETIME);
	ck_assert_int_eq(poll1(fd, t, 5), -ETIME);
	ck_assert_int_eq(poll1(fd, t, 6), -EINVAL);
	pend_signal(&pd);
	ck_assert_int_eq(poll1(fd, t, 3), 0);
	ck_assert_int_eq(poll1(fd, t, 5), 0);
	ck_assert_int_eq(poll1(fd, t, 6), -EINVAL);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_POINT_UNORDERED)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0);

	pend_up(&pd, fd);
	ck_assert_int_eq(tsignal(fd, t, 5), 0);
	/* 3 after 5: the new link gets seqno max(5, 3) = 5 in a new context;
	 * every point <= 5 now resolves to it (it holds the pending fence) */
	ck_assert_int_eq(transfer(fd, t, 3, pd.sync, 1, 0), 0);
	ck_assert_int_eq(poll1(fd, t, 5), -ETIME);
	ck_assert_int_eq(poll1(fd, t, 1), -ETIME);
	ck_assert_int_eq(poll1(fd, t, 6), -EINVAL);
	/* and QUERY sees only that link: not signalled, prev_seqno 0 */
	ck_assert_uint_eq(query(fd, t, 0), 0);
	ck_assert_uint_eq(query(fd, t,
				DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 5);
	pend_signal(&pd);
	ck_assert_int_eq(poll1(fd, t, 5), 0);
	ck_assert_uint_eq(query(fd, t, 0), 5);
	pend_down(&pd);
	close(fd);
}
END_TEST

/* ---- TIMELINE_SIGNAL ---- */

START_TEST(test_SYNCOBJ_TSIGNAL_ARGS)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, 0);
	uint64_t p = 1;

	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &h, &p,
				   1, 1), -EINVAL);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &h, &p,
				   0, 0), -EINVAL);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, NULL,
				   NULL, 0, 0), -EINVAL);
	ck_assert_int_eq(poll1(fd, h, 0), -EINVAL);	/* nothing added */
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TSIGNAL_POINTS_NULL)
{
	int fd = open_flavour(_i);
	uint32_t h[2] = { so_new(fd, 0), so_new(fd, 0) };

	/* no points array: every point is 0 */
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, h,
				   NULL, 2, 0), 0);
	ck_assert_int_eq(poll1(fd, h[0], 0), 0);
	ck_assert_int_eq(poll1(fd, h[1], 0), 0);
	ck_assert_int_eq(poll1(fd, h[1], 1), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TSIGNAL_ZERO)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0), e = so_new(fd, 0);

	pend_up(&pd, fd);
	/* point 0 adds a link (seqno 0 on an empty syncobj) ... */
	ck_assert_int_eq(tsignal(fd, e, 0), 0);
	ck_assert_uint_eq(query(fd, e, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  0);
	ck_assert_int_eq(poll1(fd, e, 0), 0);
	ck_assert_int_eq(poll1(fd, e, 1), -EINVAL);
	/* ... it does not replace the timeline: the pending point 2 stays */
	ck_assert_int_eq(transfer(fd, t, 2, pd.sync, 1, 0), 0);
	ck_assert_int_eq(tsignal(fd, t, 0), 0);
	ck_assert_uint_eq(query(fd, t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  2);
	ck_assert_int_eq(poll1(fd, t, 2), -ETIME);
	ck_assert_int_eq(poll1(fd, t, 0), -ETIME);
	pend_signal(&pd);
	ck_assert_int_eq(poll1(fd, t, 0), 0);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_TSIGNAL_ONTO_BINARY)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t b = so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED), c = so_new(fd, 0);

	pend_up(&pd, fd);
	/* the binary fence becomes the base of the chain */
	ck_assert_int_eq(tsignal(fd, b, 3), 0);
	ck_assert_uint_eq(query(fd, b, 0), 3);
	ck_assert_int_eq(poll1(fd, b, 3), 0);
	/* a pending base holds the new point back */
	ck_assert_int_eq(transfer(fd, c, 0, pd.sync, 1, 0), 0);
	ck_assert_int_eq(tsignal(fd, c, 7), 0);
	ck_assert_int_eq(poll1(fd, c, 7), -ETIME);
	ck_assert_uint_eq(query(fd, c, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  7);
	pend_signal(&pd);
	ck_assert_int_eq(poll1(fd, c, 7), 0);
	ck_assert_uint_eq(query(fd, c, 0), 7);
	pend_down(&pd);
	close(fd);
}
END_TEST

/* ---- QUERY ---- */

START_TEST(test_SYNCOBJ_QUERY_ARGS)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, 0);
	uint64_t p;

	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, &h, &p, 1, 2),
			 -EINVAL);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, &h, &p, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, &h, &p, 0,
				   DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			 -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_QUERY_BINARY)
{
	int fd = open_flavour(_i);
	uint32_t h[3] = { so_new(fd, 0), so_new(fd, DRM_SYNCOBJ_CREATE_SIGNALED),
			  so_new(fd, 0) };
	uint64_t p[3] = { 9, 9, 9 };
	unsigned int i;

	ck_assert_int_eq(tsignal(fd, h[2], 4), 0);
	ck_assert_int_eq(so_array(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &h[2], 1, 0), 0);
	/* no fence, a stub, a timeline replaced by SIGNAL: all 0 */
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, h, p, 3, 0), 0);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(p[i], 0);
	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, h, p, 3,
				   DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 0);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(p[i], 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_QUERY_SIGNALED)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0);

	pend_up(&pd, fd);
	ck_assert_int_eq(tsignal(fd, t, 1), 0);
	ck_assert_int_eq(tsignal(fd, t, 2), 0);
	ck_assert_uint_eq(query(fd, t, 0), 2);
	ck_assert_int_eq(transfer(fd, t, 3, pd.sync, 1, 0), 0);
	ck_assert_int_eq(tsignal(fd, t, 4), 0);
	/* the last point with it and everything before signalled */
	ck_assert_uint_eq(query(fd, t, 0), 2);
	ck_assert_uint_eq(query(fd, pd.sync, 0), 0);
	pend_signal(&pd);
	ck_assert_uint_eq(query(fd, t, 0), 4);
	ck_assert_uint_eq(query(fd, pd.sync, 0), 1);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_QUERY_LAST_SUBMITTED)
{
	int fd = open_flavour(_i);
	struct pend pd;
	uint32_t t = so_new(fd, 0);

	pend_up(&pd, fd);
	ck_assert_int_eq(transfer(fd, t, 3, pd.sync, 1, 0), 0);
	ck_assert_int_eq(tsignal(fd, t, 8), 0);
	ck_assert_uint_eq(query(fd, t, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED),
			  8);
	ck_assert_uint_eq(query(fd, pd.sync,
				DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 1);
	ck_assert_uint_eq(query(fd, t, 0), 0);
	pend_down(&pd);
	close(fd);
}
END_TEST

START_TEST(test_SYNCOBJ_QUERY_EFAULT)
{
	int fd = open_flavour(_i);
	uint32_t h = so_new(fd, 0);

	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, &h, NULL, 1, 0),
			 -EFAULT);
	close(fd);
}
END_TEST

void syncobj_rules_add_timeline(TCase *tc)
{
	const TTest *const per_flavour[] = {
		test_SYNCOBJ_POINT_ZERO,
		test_SYNCOBJ_POINT_RESOLVE,
		test_SYNCOBJ_POINT_UNORDERED,
		test_SYNCOBJ_TSIGNAL_ARGS,
		test_SYNCOBJ_TSIGNAL_POINTS_NULL,
		test_SYNCOBJ_TSIGNAL_ZERO,
		test_SYNCOBJ_TSIGNAL_ONTO_BINARY,
		test_SYNCOBJ_QUERY_ARGS,
		test_SYNCOBJ_QUERY_BINARY,
		test_SYNCOBJ_QUERY_SIGNALED,
		test_SYNCOBJ_QUERY_LAST_SUBMITTED,
		test_SYNCOBJ_QUERY_EFAULT,
	};
	size_t i;

	for (i = 0; i < sizeof(per_flavour) / sizeof(per_flavour[0]); i++)
		tcase_add_loop_test(tc, per_flavour[i], 0, EMU_NFLAVOURS);
}
