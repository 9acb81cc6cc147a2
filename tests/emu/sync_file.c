// SPDX-License-Identifier: MIT
/*
 * Syncobj -> sync_file export and the sync_file fd, one test per row of
 * driver-shim/emu/RULES-syncobj.md's sync_file section (test_<RULE_ID with
 * '_' for '-'>), on the default test flavour (latest; RULES.md
 * SYNCOBJ_EXPORT_POINT has the flavour differences).  Commands take
 * XDNA_EMU_DELAY_US each, so a point is pending for a known time.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm.h>
#include <linux/sync_file.h>

#include "emu_test.h"

#ifndef DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE	(1 << 1)
#endif
#define EXPORT		DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE
#define TIMELINE	DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE
#define DELAY_US	200000		/* each command: 200 ms */

/* struct drm_syncobj_handle with Linux 6.16's point */
struct sf_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
	__u64 point;
};
#define SF_IOCTL_HANDLE_TO_FD	DRM_IOWR(0xC1, struct sf_handle)

/* Export handle's point as a sync_file: 0 and *out, or -errno. */
static int sf_export(int fd, uint32_t handle, uint32_t flags, uint64_t point, int *out)
{
	struct sf_handle h = { .handle = handle, .flags = flags, .fd = -1, .point = point };
	int ret = xioctl(fd, SF_IOCTL_HANDLE_TO_FD, &h);

	if (!ret)
		*out = h.fd;
	return ret;
}

/* SYNC_IOC_FILE_INFO with room for cap fences (0: the count only). */
static int sf_info(int sf, struct sync_file_info *info, struct sync_fence_info *fi,
		   uint32_t cap)
{
	memset(info, 0, sizeof(*info));
	info->num_fences = cap;
	info->sync_fence_info = (uintptr_t)fi;
	return ioctl(sf, SYNC_IOC_FILE_INFO, info) ? -errno : 0;
}

static bool sf_readable(int sf, int ms)
{
	struct pollfd p = { .fd = sf, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

struct rig {
	struct dev d;
	struct bo buf, cmd[2];
};

static void rig_up(struct rig *r)
{
	char us[16];

	snprintf(us, sizeof(us), "%d", DELAY_US);
	setenv("XDNA_EMU_DELAY_US", us, 1);
	dev_up(&r->d, "copy");
	r->buf = bo_new(r->d.fd, AMDXDNA_BO_SHARE, 4096);
	r->cmd[0] = bo_new(r->d.fd, AMDXDNA_BO_CMD, 4096);
	r->cmd[1] = bo_new(r->d.fd, AMDXDNA_BO_CMD, 4096);
}

/* Submit command i (a 16-byte copy); its seq. */
static uint64_t rig_submit(struct rig *r, int i)
{
	uint32_t a[5], bos[1] = { r->buf.handle };
	uint64_t seq;

	copy_args(a, r->buf.xdna, r->buf.xdna + 2048, 16);
	cmd_start_cu((uint32_t *)r->cmd[i].va, 1, a, 5);
	ck_assert_int_eq(exec_cmd(r->d.fd, r->d.ctx, r->cmd[i].handle, bos, 1, &seq), 0);
	return seq;
}

static void rig_down(struct rig *r)
{
	bo_free(r->d.fd, &r->buf);
	bo_free(r->d.fd, &r->cmd[0]);
	bo_free(r->d.fd, &r->cmd[1]);
	dev_down(&r->d);
}

/* SYNCOBJ-EXPORT-ARGS: pad, unknown flags; no opaque fd without EXPORT. */
START_TEST(test_SYNCOBJ_EXPORT_ARGS)
{
	struct drm_syncobj_create c = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	struct sf_handle h = { .flags = EXPORT, .fd = -1, .pad = 1 };
	int fd = dev_open(), sf;

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	h.handle = c.handle;
	ck_assert_int_eq(xioctl(fd, SF_IOCTL_HANDLE_TO_FD, &h), -EINVAL);
	ck_assert_int_eq(sf_export(fd, c.handle, EXPORT | (1 << 2), 0, &sf), -EINVAL);
	/* A point without TIMELINE is not read: binary export of the fence. */
	ck_assert_int_eq(sf_export(fd, c.handle, EXPORT, 7, &sf), 0);
	ck_assert(sf_readable(sf, 0));
	ck_assert_int_eq(close(sf), 0);
	ck_assert_uint_eq(census().sync_files, 0);
	close(fd);
}
END_TEST

/* SYNCOBJ-EXPORT-NOFENCE: unknown handle -ENOENT, no fence or point -EINVAL. */
START_TEST(test_SYNCOBJ_EXPORT_NOFENCE)
{
	struct drm_syncobj_create c = { 0 };
	int fd = dev_open(), sf = -1;

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	ck_assert_int_eq(sf_export(fd, c.handle + 100, EXPORT, 0, &sf), -ENOENT);
	ck_assert_int_eq(sf_export(fd, c.handle, EXPORT, 0, &sf), -EINVAL);
	ck_assert_int_eq(sf_export(fd, c.handle, EXPORT | TIMELINE, 3, &sf), -EINVAL);
	ck_assert_uint_eq(census().sync_files, 0);
	close(fd);
}
END_TEST

/*
 * SYNC-FILE-INFO: a pending point reads status 0, timestamp 0, one
 * drm_sched fence; once signalled, POLLIN, status 1 and the kernel's
 * signal time (CLOCK_MONOTONIC), after the submit and before we looked.
 */
START_TEST(test_SYNC_FILE_INFO)
{
	struct sync_fence_info fi[4];
	struct sync_file_info info;
	struct rig r;
	int64_t t0, t1;
	uint64_t seq;
	int sf;

	rig_up(&r);
	t0 = now_ns();
	seq = rig_submit(&r, 0);
	ck_assert_int_eq(sf_export(r.d.fd, r.d.sync, EXPORT | TIMELINE, seq, &sf), 0);
	ck_assert_uint_eq(census().sync_files, 1);
	ck_assert_int_eq(sf_info(sf, &info, NULL, 0), 0);
	ck_assert_int_eq(info.status, 0);
	ck_assert_uint_eq(info.num_fences, 1);
	ck_assert_msg(!strncmp(info.name, "dma_fence_chain-unbound", 23), "%s", info.name);
	ck_assert(!sf_readable(sf, 0));
	ck_assert_int_eq(sf_info(sf, &info, fi, 4), 0);
	ck_assert_int_eq(info.status, 0);
	ck_assert_int_eq(fi[0].status, 0);
	ck_assert_uint_eq(fi[0].timestamp_ns, 0);
	ck_assert_str_eq(fi[0].driver_name, "drm_sched");
	ck_assert_str_eq(fi[0].obj_name, "amdxdna_js");
	/* poll() blocks until it signals, as on a sync_file */
	ck_assert(sf_readable(sf, 5000));
	t1 = now_ns();
	ck_assert_int_eq(sf_info(sf, &info, fi, 4), 0);
	ck_assert_int_eq(info.status, 1);
	ck_assert_int_eq(fi[0].status, 1);
	ck_assert_int_ge((int64_t)fi[0].timestamp_ns, t0 + DELAY_US * 1000LL);
	ck_assert_int_le((int64_t)fi[0].timestamp_ns, t1);
	ck_assert_int_eq(wait_point(r.d.fd, r.d.sync, seq, 5000), 0);
	ck_assert_int_eq(close(sf), 0);
	ck_assert_uint_eq(census().sync_files, 0);
	rig_down(&r);
}
END_TEST

/*
 * SYNC-FILE-UNWRAP: point 1 exported while 0 is pending holds both fences
 * (the chain's walk keeps unsignalled predecessors); too small an array is
 * -EINVAL; the fences come newest first.
 */
START_TEST(test_SYNC_FILE_UNWRAP)
{
	struct sync_fence_info fi[4];
	struct sync_file_info info;
	struct rig r;
	uint64_t s0, s1;
	int sf;

	rig_up(&r);
	s0 = rig_submit(&r, 0);
	s1 = rig_submit(&r, 1);
	ck_assert_uint_eq(s1, s0 + 1);
	ck_assert_int_eq(sf_export(r.d.fd, r.d.sync, EXPORT | TIMELINE, s1, &sf), 0);
	ck_assert_int_eq(sf_info(sf, &info, NULL, 0), 0);
	ck_assert_uint_eq(info.num_fences, 2);
	ck_assert_int_eq(sf_info(sf, &info, fi, 1), -EINVAL);
	ck_assert_int_eq(sf_info(sf, &info, fi, 4), 0);
	ck_assert_uint_eq(info.num_fences, 2);
	ck_assert_int_eq(wait_point(r.d.fd, r.d.sync, s1, 5000), 0);
	ck_assert_int_eq(sf_info(sf, &info, fi, 4), 0);
	/* both signalled: the walk collected the predecessor */
	ck_assert_uint_eq(info.num_fences, 1);
	ck_assert_int_eq(info.status, 1);
	ck_assert_uint_gt(fi[0].timestamp_ns, 0);
	close(sf);
	rig_down(&r);
}
END_TEST

/*
 * SYNC-FILE-STUB: a point signalled and collected (a later point's
 * add_point walked past it) exports the global stub: "stub" names and the
 * stub's timestamp (its first use), not the point's signal time.  Point 0
 * is the syncobj's current fence: the newest command, whatever seq 0 was.
 */
START_TEST(test_SYNC_FILE_STUB)
{
	struct sync_fence_info fi[2], fj[2];
	struct sync_file_info info;
	struct rig r;
	uint64_t seq[4];
	char want[32];
	int i, sf, sg;

	rig_up(&r);
	for (i = 0; i < 4; i++) {
		seq[i] = rig_submit(&r, i % 2);
		ck_assert_uint_eq(seq[i], (uint64_t)i);
		ck_assert_int_eq(wait_point(r.d.fd, r.d.sync, seq[i], 5000), 0);
	}
	ck_assert_int_eq(sf_export(r.d.fd, r.d.sync, EXPORT | TIMELINE, seq[1], &sf), 0);
	ck_assert_int_eq(sf_info(sf, &info, fi, 2), 0);
	ck_assert_uint_eq(info.num_fences, 1);
	ck_assert_str_eq(fi[0].driver_name, "stub");
	ck_assert_str_eq(info.name, "stub-stub0-0");
	ck_assert_int_eq(sf_export(r.d.fd, r.d.sync, EXPORT | TIMELINE, seq[2], &sg), 0);
	ck_assert_int_eq(sf_info(sg, &info, fj, 2), 0);
	ck_assert_str_eq(fj[0].driver_name, "stub");
	ck_assert_uint_eq(fj[0].timestamp_ns, fi[0].timestamp_ns);
	close(sg);
	/* the head is never collected: its own fence and time; point 0 is it */
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(sf_export(r.d.fd, r.d.sync, EXPORT | TIMELINE,
					   i ? 0 : seq[3], &sg), 0);
		ck_assert_int_eq(sf_info(sg, &info, fj, 2), 0);
		ck_assert_str_eq(fj[0].driver_name, "drm_sched");
		ck_assert_uint_gt(fj[0].timestamp_ns, fi[0].timestamp_ns);
		snprintf(want, sizeof(want), "-%llu", (unsigned long long)seq[3]);
		ck_assert_str_eq(info.name + strlen(info.name) - strlen(want), want);
		close(sg);
	}
	close(sf);
	rig_down(&r);
}
END_TEST

/* SYNC-FILE-IOCTL: FILE_INFO flags/pad -EINVAL, SET_DEADLINE a hint, others -ENOTTY. */
START_TEST(test_SYNC_FILE_IOCTL)
{
	struct drm_syncobj_create c = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };
	struct sync_file_info info = { .flags = 1 };
	struct sync_fence_info fi;
	struct sync_merge_data m = { .fd2 = -1 };
	int fd = dev_open(), sf;
	int64_t t = now_ns();

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	ck_assert_int_eq(sf_export(fd, c.handle, EXPORT, 0, &sf), 0);
	ck_assert_int_eq(ioctl(sf, SYNC_IOC_FILE_INFO, &info), -1);
	ck_assert_int_eq(errno, EINVAL);
	info.flags = 0;
	info.pad = 1;
	ck_assert_int_eq(ioctl(sf, SYNC_IOC_FILE_INFO, &info), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(ioctl(sf, SYNC_IOC_MERGE, &m), -1);
	ck_assert_int_eq(errno, ENOTTY);
	/* a binary syncobj's signalled stub: created with the syncobj */
	ck_assert_int_eq(sf_info(sf, &info, &fi, 1), 0);
	ck_assert_int_eq(info.status, 1);
	ck_assert_str_eq(fi.driver_name, "stub");
	ck_assert_int_ge((int64_t)fi.timestamp_ns, t);
	ck_assert_int_le((int64_t)fi.timestamp_ns, now_ns());
	close(sf);
	close(fd);
}
END_TEST

void emu_add_sync_file_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "SYNCOBJ_EXPORT_ARGS", test_SYNCOBJ_EXPORT_ARGS },
		{ "SYNCOBJ_EXPORT_NOFENCE", test_SYNCOBJ_EXPORT_NOFENCE },
		{ "SYNC_FILE_INFO", test_SYNC_FILE_INFO },
		{ "SYNC_FILE_UNWRAP", test_SYNC_FILE_UNWRAP },
		{ "SYNC_FILE_STUB", test_SYNC_FILE_STUB },
		{ "SYNC_FILE_IOCTL", test_SYNC_FILE_IOCTL },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
