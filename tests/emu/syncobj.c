// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: syncobjs and timelines, and waits woken by a signal.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"

START_TEST(test_syncobj)
{
	struct drm_syncobj_create cr = { 0 };
	struct drm_syncobj_destroy de = { 0 };
	struct drm_syncobj_wait wa = { 0 };
	struct drm_syncobj_timeline_array ta = { 0 };
	struct drm_syncobj_array ar = { 0 };
	struct rusage r0, r1;
	uint32_t s, s2, sig, first = 99, bad = 77;
	uint64_t p, pts[2];
	int64_t t0, cpu;
	int fd = dev_open();

	cr.flags = 2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &cr), -EINVAL);
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &s), 0);
	ck_assert_int_eq(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED,
					  &sig), 0);
	ck_assert_uint_eq(census().syncobjs, 2);
	de.handle = 99;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &de), -EINVAL);
	de.handle = s;
	de.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &de), -EINVAL);

	/* binary waits */
	wa.handles = (uintptr_t)&s;
	wa.count_handles = 0;	/* current kernels: success (older: EINVAL) */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), 0);
	wa.count_handles = 1;
	wa.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;	/* not here */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -EINVAL);
	wa.flags = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -EINVAL);
	wa.handles = (uintptr_t)&bad;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -ENOENT);
	ck_assert_int_eq(drmSyncobjWait(fd, &sig, 1, 0, 0, &first), 0);
	ck_assert_uint_eq(first, 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, now_ns() + 20000000LL,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	{
		uint32_t both[2] = { s, sig };

		ck_assert_int_eq(drmSyncobjWait(fd, both, 2, 0,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first),
				 0);
		ck_assert_uint_eq(first, 1);
		ck_assert_int_eq(drmSyncobjWait(fd, both, 2, 0,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), -ETIME);
	}
	ck_assert_int_eq(drmSyncobjSignal(fd, &s, 1), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(drmSyncobjReset(fd, &s, 1), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, 0, 0, NULL), -EINVAL);
	ar.handles = (uintptr_t)&s;
	ar.count_handles = 1;
	ar.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &ar), -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &ar), -EINVAL);

	/* timelines */
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &s2), 0);
	p = 5;
	ck_assert_int_eq(drmSyncobjTimelineSignal(fd, &s2, &p, 1), 0);
	p = 3;
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0, 0, NULL), 0);
	p = 6;
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0, 0, NULL),
			 -EINVAL);
	t0 = now_ns();
	getrusage(RUSAGE_SELF, &r0);
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1,
				now_ns() + 200000000LL,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	getrusage(RUSAGE_SELF, &r1);
	ck_assert_int_ge(now_ns() - t0, 190000000LL);
	cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000LL +
	      (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
	      (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000LL +
	      (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
	ck_assert_int_lt(cpu, 100000);		/* blocked, not spinning */
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 -ETIME);
	ck_assert_int_eq(drmSyncobjQuery(fd, &s2, &p, 1), 0);
	ck_assert_uint_eq(p, 5);
	ck_assert_int_eq(drmSyncobjQuery2(fd, &s2, &p, 1,
				DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 0);
	ck_assert_uint_eq(p, 5);
	ta.handles = (uintptr_t)&s2;
	ta.points = (uintptr_t)pts;
	ta.count_handles = 1;
	ta.flags = 2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta),
			 -EINVAL);
	ta.flags = 0;
	ta.count_handles = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EINVAL);

	/* transfer: timeline point -> binary, binary -> timeline point */
	ck_assert_int_eq(drmSyncobjTransfer(fd, s, 0, s2, 4, 0), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(drmSyncobjTransfer(fd, s2, 9, sig, 0, 0), 0);
	p = 9;
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0, 0, NULL), 0);
	ck_assert_int_ne(drmSyncobjTransfer(fd, s, 0, s2, 20, 0), 0);
	ck_assert_int_ne(drmSyncobjTransfer(fd, 99, 0, s2, 1, 0), 0);

	ck_assert_int_eq(drmSyncobjDestroy(fd, s), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, s2), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sig), 0);
	ck_assert_uint_eq(census().syncobjs, 0);
	close(fd);
}
END_TEST

struct signaler {
	int fd;
	uint32_t s;
};

static void *signal_later(void *arg)
{
	struct signaler *sg = arg;
	uint64_t p = 2;

	usleep(50 * 1000);
	drmSyncobjTimelineSignal(sg->fd, &sg->s, &p, 1);
	return NULL;
}

START_TEST(test_syncobj_wait_wakes)
{
	struct signaler sg;
	pthread_t th;
	uint64_t p = 2;
	int fd = dev_open();

	sg.fd = fd;
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &sg.s), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, signal_later, &sg), 0);
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &sg.s, &p, 1,
				now_ns() + 5000000000LL,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sg.s), 0);
	close(fd);
}
END_TEST

void emu_add_syncobj_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "syncobj", test_syncobj },
		{ "syncobj_wait_wakes", test_syncobj_wait_wakes },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
