// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: one test per row of driver-shim/emu/RULES.md, named after
 * the row.  Each runs on the flavour make check runs the binary under
 * (XDNA_EMU_FLAVOUR) and checks the rule where that release has it and its
 * absence where it does not, so the matrix covers both sides of every row.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"

static bool fl(const char *a)
{
	return emu_flavour_is(a);
}

static bool single_heap(void)
{
	return !fl("latest");
}

static bool npu1(void)
{
	const char *d = getenv("XDNA_EMU_DEVICE");

	return d && !strcmp(d, "npu1");
}

/* The rules fixture: the matrix flavour, not the pinned one. */
static void rules_setup(void)
{
	emu_setup();
	setenv("XDNA_EMU_FLAVOUR", emu_flavour(), 1);
}

START_TEST(test_DRM_VERSION)
{
	int fd = dev_open();
	drmVersionPtr v = drmGetVersion(fd);

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->version_major, fl("oot") ? 1 : 0);
	ck_assert_int_eq(v->version_minor, fl("6.18") ? 1 : fl("7.0") ? 6 :
			 fl("latest") ? 10 : 0);
	drmFreeVersion(v);
	close(fd);
}
END_TEST

START_TEST(test_IOCTL_GET_ARRAY)
{
	struct amdxdna_drm_hwctx_entry e;
	struct amdxdna_drm_get_array a = {
		.param = DRM_AMDXDNA_HW_CONTEXT_ALL, .element_size = sizeof(e),
		.num_element = 1, .buffer = (uintptr_t)&e,
	};
	int fd = dev_open();

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &a), fl("6.14") ? -EINVAL : 0);
	close(fd);
}
END_TEST

START_TEST(test_IOCTL_WAIT_CMD)
{
	struct amdxdna_drm_wait_cmd w = { .hwctx = 1 };
	int fd = dev_open();
	int want = fl("latest") ? -EOPNOTSUPP : -EINVAL;	/* oot: no such context */

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), want);
	close(fd);
}
END_TEST

START_TEST(test_FLUSH_DESTROYS_CTXS)
{
	uint32_t heap, ctx, sync;
	uint8_t *va;
	int fd = dev_open(), dup_fd;

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), 0);
	dup_fd = dup(fd);
	ck_assert_int_ge(dup_fd, 0);
	ck_assert_int_eq(close(dup_fd), 0);
	/* Gone with the dup's close on 6.14, 6.18 and oot (.flush). */
	ck_assert_int_eq(ctx_destroy(fd, ctx),
			 fl("6.14") || fl("6.18") || fl("oot") ? -EINVAL : 0);
	drmSyncobjDestroy(fd, sync);
	munmap(va, HEAP_SZ);
	close(fd);
}
END_TEST

START_TEST(test_HEAP_SECOND)
{
	uint32_t heap, heap2;
	uint8_t *va;
	int fd = dev_open();

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap2),
			 single_heap() ? -EBUSY : 0);
	munmap(va, HEAP_SZ);
	close(fd);
}
END_TEST

START_TEST(test_HEAP_SIZE)
{
	int fd = dev_open();
	uint32_t h;
	int want_small = fl("latest") || fl("oot") ? -EINVAL : 0;

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, 2 * HEAP_SZ, NULL),
			 single_heap() ? -EINVAL : 0);
	close(fd);
	fd = dev_open();
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, MiB, &h), want_small);
	close(fd);
}
END_TEST

START_TEST(test_DEV_BO_NO_HEAP)
{
	uint32_t heap;
	int fd = dev_open();
	int want = single_heap() ? -EINVAL : -EAGAIN;

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), want);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), want);	/* unmapped */
	close(fd);
}
END_TEST

START_TEST(test_DEV_BO_NO_ROOM)
{
	uint32_t heap, big;
	uint8_t *va;
	int fd = dev_open();

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, HEAP_SZ, &big), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL),
			 single_heap() ? -ENOSPC : npu1() ? -ENOSPC : -EAGAIN);
	munmap(va, HEAP_SZ);
	close(fd);
}
END_TEST

START_TEST(test_CMD_BO_SIZE)
{
	uint32_t h;
	int fd = dev_open();
	bool capped = fl("6.14") || fl("6.18") || fl("7.0");

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 64 * 1024, &h), capped ? -EINVAL : 0);
	close(fd);
}
END_TEST

START_TEST(test_BO_INFO_ADDR)
{
	struct amdxdna_drm_get_bo_info info;
	uint32_t h;
	uint8_t *p;
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	ck_assert_int_eq(bo_info(fd, h, &info), 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.map_offset);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(bo_info(fd, h, &info), 0);
	ck_assert_uint_eq(info.vaddr, (uintptr_t)p);
	ck_assert_uint_eq(info.xdna_addr, fl("latest") || fl("oot") ? (uintptr_t)p : INVALID);
	munmap(p, 4096);
	close(fd);
}
END_TEST

static int sync_bo(int fd, uint32_t h, uint32_t dir, uint64_t off, uint64_t size)
{
	struct amdxdna_drm_sync_bo s = { .handle = h, .direction = dir,
					 .offset = off, .size = size };

	return xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &s);
}

START_TEST(test_SYNC_FROM_DEVICE)
{
	uint32_t h;
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	ck_assert_int_eq(sync_bo(fd, h, SYNC_DIRECT_FROM_DEVICE, 0, 4096),
			 fl("7.0") || fl("latest") ? -EINVAL : 0);
	ck_assert_int_eq(sync_bo(fd, h, SYNC_DIRECT_TO_DEVICE, 0, 4096), 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNC_RANGE)
{
	uint32_t h;
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 8192, &h), 0);
	/* offset past the end: ignored up to 7.0, refused by latest and oot */
	ck_assert_int_eq(sync_bo(fd, h, SYNC_DIRECT_TO_DEVICE, 8192, 1),
			 fl("latest") || fl("oot") ? -EINVAL : 0);
	/* size past the end: clamped by latest, refused by oot */
	ck_assert_int_eq(sync_bo(fd, h, SYNC_DIRECT_TO_DEVICE, 4096, 8192),
			 fl("oot") ? -EINVAL : 0);
	close(fd);
}
END_TEST

START_TEST(test_SYNC_CMD_PIN)
{
	uint32_t h;
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 4096, &h), 0);
	ck_assert_int_eq(sync_bo(fd, h, SYNC_DIRECT_TO_DEVICE, 0, 4096),
			 fl("6.14") || fl("6.18") ? -EOPNOTSUPP : 0);
	close(fd);
}
END_TEST

START_TEST(test_MMAP_SECOND)
{
	struct amdxdna_drm_get_bo_info info;
	uint32_t h;
	uint8_t *p, *q;
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	ck_assert_int_eq(bo_info(fd, h, &info), 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.map_offset);
	ck_assert_ptr_ne(p, MAP_FAILED);
	q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)info.map_offset);
	if (fl("latest") || fl("oot")) {
		ck_assert_ptr_ne(q, MAP_FAILED);
		munmap(q, 4096);
	} else {
		ck_assert_ptr_eq(q, MAP_FAILED);
		ck_assert_int_eq(errno, EEXIST);
	}
	munmap(p, 4096);
	close(fd);
}
END_TEST

START_TEST(test_CTX_HEAP)
{
	uint32_t heap, ctx, sync;
	int fd = dev_open();

	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), -ENOENT);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap), 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), single_heap() ? -EINVAL : -EAGAIN);
	close(fd);
}
END_TEST

START_TEST(test_CTX_CMD_BUFS)
{
	uint32_t heap, ctx, sync;
	struct bo b;
	uint8_t *va;
	int fd = dev_open();

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), 0);
	/* Four 4 KiB command buffers, one 32 KiB slot each, come first. */
	b = dev_bo_new(fd, 4096);
	ck_assert_uint_eq(b.xdna, DEV_BASE + 4 * 32 * 1024);
	ck_assert_int_eq(ctx_destroy(fd, ctx), 0);
	drmSyncobjDestroy(fd, sync);
	munmap(va, HEAP_SZ);
	close(fd);
}
END_TEST

START_TEST(test_CTX_BUDGET)
{
	unsigned int limit = fl("oot") ? (npu1() ? 6 : 32) : (npu1() ? 6 : 16), i;
	uint32_t heap[2], ctx, sync;
	uint8_t *va[2];
	int fd[2] = { dev_open(), dev_open() };

	ck_assert_int_eq(heap_up(fd[0], &heap[0], &va[0]), 0);
	ck_assert_int_eq(heap_up(fd[1], &heap[1], &va[1]), 0);
	/* Shared by every client of the device: two files fill one budget. */
	for (i = 0; i < limit; i++)
		ck_assert_int_eq(ctx_create(fd[i & 1], 4, &ctx, &sync), 0);
	ck_assert_int_eq(ctx_create(fd[0], 4, &ctx, &sync), fl("oot") ? -ENOENT : -EINVAL);
	munmap(va[0], HEAP_SZ);
	munmap(va[1], HEAP_SZ);
	close(fd[0]);
	close(fd[1]);
}
END_TEST

/*
 * The out-of-tree driver copies 32 bytes of QoS: 24 bytes at the end of a
 * readable page are enough upstream and -EFAULT there.
 */
START_TEST(test_CTX_QOS_SIZE)
{
	struct amdxdna_drm_create_hwctx args = { .num_tiles = 4 };
	long page = sysconf(_SC_PAGESIZE);
	uint32_t heap;
	uint8_t *va, *pages;
	int fd = dev_open();

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	pages = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(pages, MAP_FAILED);
	ck_assert_int_eq(munmap(pages + page, page), 0);
	memset(pages, 0, page);
	args.qos_p = (uintptr_t)(pages + page - sizeof(struct amdxdna_qos_info));
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &args),
			 fl("oot") ? -EFAULT : 0);
	if (!fl("oot")) {
		ck_assert_int_eq(ctx_destroy(fd, args.handle), 0);
		drmSyncobjDestroy(fd, args.syncobj_handle);
	}
	munmap(pages, page);
	munmap(va, HEAP_SZ);
	close(fd);
}
END_TEST

START_TEST(test_EXEC_SEQ_0)
{
	struct dev d;
	struct bo src, dst, cmd;
	uint32_t a[5], bos[2];
	uint64_t seq = 99;

	dev_up(&d, "copy");
	src = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	dst = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	copy_args(a, (uintptr_t)src.va, (uintptr_t)dst.va, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	bos[0] = src.handle;
	bos[1] = dst.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_uint_eq(seq, 1);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	bo_free(d.fd, &src);
	bo_free(d.fd, &dst);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

/*
 * SYNCOBJ_EXPORT_POINT: a context's timeline point as a sync_file (Linux
 * 6.16's TIMELINE flag); 6.14 refuses the flag and exports only the current
 * fence.
 */
struct rules_syncobj_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
	__u64 point;
};
#define RULES_IOCTL_HANDLE_TO_FD	DRM_IOWR(0xC1, struct rules_syncobj_handle)

START_TEST(test_SYNCOBJ_EXPORT_POINT)
{
	struct rules_syncobj_handle h = { .flags = 1 << 1 | 1, .fd = -1 };
	bool has = !fl("6.14");
	struct dev d;
	struct bo src, cmd;
	uint32_t a[5], bos[1];
	uint64_t seq;
	int i;

	dev_up(&d, "copy");
	src = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	copy_args(a, src.xdna, src.xdna + 2048, 16);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	bos[0] = src.handle;
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq), 0);
		ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	}
	h.handle = d.sync;
	h.point = seq;
	ck_assert_int_eq(xioctl(d.fd, RULES_IOCTL_HANDLE_TO_FD, &h), has ? 0 : -EINVAL);
	if (has)
		ck_assert_int_eq(close(h.fd), 0);
	/* Every flavour: the binary export, of the current fence. */
	h.flags = 1;
	h.fd = -1;
	ck_assert_int_eq(xioctl(d.fd, RULES_IOCTL_HANDLE_TO_FD, &h), 0);
	ck_assert_int_ge(h.fd, 0);
	ck_assert_int_eq(close(h.fd), 0);
	bo_free(d.fd, &src);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_EXEC_NO_ARGS)
{
	struct dev d;
	struct bo cmd;
	uint32_t dummy = 0;
	uint64_t seq;
	int ret;

	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, &dummy, 1);
	ret = exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq);
	ck_assert_int_eq(ret, fl("6.14") ? -EINVAL : 0);
	if (!ret)
		ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_EXEC_CMD_BO)
{
	struct dev d;
	struct bo share;
	uint32_t dummy = 0;
	uint64_t seq;
	int ret;

	dev_up(&d, "copy");
	share = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd_start_cu((uint32_t *)share.va, 1, &dummy, 1);
	ret = exec_cmd(d.fd, d.ctx, share.handle, &share.handle, 1, &seq);
	ck_assert_int_eq(ret, fl("latest") || fl("oot") ? 0 : -EINVAL);
	if (!ret)
		ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	bo_free(d.fd, &share);
	dev_down(&d);
}
END_TEST

START_TEST(test_CMD_FAIL_FILL)
{
	struct dev d;
	struct bo cmd;
	uint32_t word = 0x1234;
	uint64_t seq;

	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	/* copy with no arguments: the kernel fails it */
	cmd_start_cu((uint32_t *)cmd.va, 1, &word, 1);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, &cmd.handle, 1, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
	ck_assert_uint_eq(((uint32_t *)cmd.va)[2],
			  fl("7.0") || fl("latest") ? 0xffffffffu : word);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_GEM_CLOSE)
{
	struct drm_gem_close c = { .pad = 7 };
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &c.handle), 0);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c), 0);	/* pad ignored */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c), -EINVAL);
	close(fd);
}
END_TEST

static int get_info(int fd, uint32_t param, void *buf, uint32_t size)
{
	struct amdxdna_drm_get_info a = { .param = param, .buffer_size = size,
					  .buffer = (uintptr_t)buf };

	return xioctl(fd, DRM_IOCTL_AMDXDNA_GET_INFO, &a);
}

START_TEST(test_GET_INFO_PARAMS)
{
	struct amdxdna_drm_get_resource_info res;
	struct amdxdna_drm_attribute_state st;
	struct amdxdna_drm_query_sensor s[16];
	int fd = dev_open();
	bool old = fl("6.14") || fl("6.18");

	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_RESOURCE_INFO, &res, sizeof(res)),
			 old ? -EOPNOTSUPP : 0);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE, &st, sizeof(st)),
			 old ? -EOPNOTSUPP : 0);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_SENSORS, s, sizeof(s)),
			 old || fl("7.0") ? -EOPNOTSUPP : 0);
	close(fd);
}
END_TEST

/* The part's PCI ids in sysfs, as amdxdna_pci_drv.c's amdxdna_ids[] list them. */
START_TEST(test_SYSFS_PART)
{
	char buf[32] = { 0 };
	FILE *f = fopen("/sys/class/accel/accel0/device/revision", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, npu1() ? "0x00\n" : "0x10\n");
	f = fopen("/sys/class/accel/accel0/device/device", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, npu1() ? "0x1502\n" : "0x17f0\n");
}
END_TEST

/* A stalled command times out from 7.0 on (JOB_TIMEOUT), shortened for the test. */
START_TEST(test_JOB_TIMEOUT)
{
	struct dev d;
	struct bo cmd;
	uint32_t word = 0x5678;
	uint64_t seq;
	bool times_out = fl("7.0") || fl("latest");

	setenv("XDNA_EMU_JOB_TIMEOUT_MS", "50", 1);
	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, &word, 1);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, &cmd.handle, 1, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 2000), times_out ? 0 : -ETIME);
	if (times_out) {
		ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_TIMEOUT);
		ck_assert_uint_eq(((uint32_t *)cmd.va)[2], 0xffffffffu);
	}
	bo_free(d.fd, &cmd);
	dev_down(&d);
	unsetenv("XDNA_EMU_JOB_TIMEOUT_MS");
}
END_TEST

START_TEST(test_JOB_TIMEOUT_ENV)
{
	setenv("XDNA_EMU_JOB_TIMEOUT_MS", "5x", 1);
	ck_assert_int_eq(open(DEV, O_RDWR), -1);
	ck_assert_int_eq(errno, ENODEV);
	unsetenv("XDNA_EMU_JOB_TIMEOUT_MS");
}
END_TEST

/* Every XDNA_EMU_* value read at open() is strict, every name known: no silent default. */
START_TEST(test_ENV_VALUES)
{
	static const char *const bad_delay[] = { "abc", "-5", " 5", "5us", "", "10000001" };
	static const char *const bad_name[] = { "XDNA_EMU_DELAYUS", "XDNA_EMU_",
						"XDNA_EMU_quiet", "XDNA_EMU_FLAVOR" };
	int fd;

	for (size_t i = 0; i < EMU_NCASES(bad_delay); i++) {
		setenv("XDNA_EMU_DELAY_US", bad_delay[i], 1);
		errno = 0;
		ck_assert_msg(open(DEV, O_RDWR) == -1 && errno == ENODEV,
			      "XDNA_EMU_DELAY_US='%s' opened the device", bad_delay[i]);
	}
	setenv("XDNA_EMU_DELAY_US", "0", 1);
	fd = open(DEV, O_RDWR);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unsetenv("XDNA_EMU_DELAY_US");
	/* a misspelt name is refused like a bad value, not ignored */
	for (size_t i = 0; i < EMU_NCASES(bad_name); i++) {
		setenv(bad_name[i], "5", 1);
		errno = 0;
		fd = open(DEV, O_RDWR);
		unsetenv(bad_name[i]);
		ck_assert_msg(fd == -1 && errno == ENODEV, "%s=5 opened the device", bad_name[i]);
	}
	fd = open(DEV, O_RDWR);
	ck_assert_int_ge(fd, 0);
	close(fd);
}
END_TEST

/* copy_from_user/copy_to_user: a bad pointer is -EFAULT, never a crash (exec.c covers every ioctl). */
START_TEST(test_USER_EFAULT)
{
	struct drm_version v = { .name = (char *)(uintptr_t)16, .name_len = 16 };
	int fd = dev_open();

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_VERSION, (void *)(uintptr_t)16), -EFAULT);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_VERSION, &v), -EFAULT);
	close(fd);
}
END_TEST

/*
 * kmalloc_array() cannot give more than 4 MiB: 2^31 handles are -ENOMEM,
 * not a 8 GiB malloc (found by fuzz_emu: an OOM on a fuzzed count).
 */
START_TEST(test_KMALLOC_MAX)
{
	uint32_t h = 0;
	struct drm_syncobj_timeline_array q = { .handles = (uintptr_t)&h,
						.count_handles = 1u << 31 };
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&h, .count_handles = 0xb4b4b4b4 };
	int fd = dev_open();

	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &h), 0);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &q), -ENOMEM);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ENOMEM);
	q.count_handles = 1;
	q.points = (uintptr_t)&w.timeout_nsec;	/* any writable u64 */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &q), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, h), 0);
	close(fd);
}
END_TEST

/* A PDI the firmware refuses: CONFIG_CU fails on 6.14/oot, its first command from 6.18. */
START_TEST(test_CONFIG_CU_ASYNC)
{
	struct dev d = { .fd = dev_open() };
	uint32_t word = 0;
	struct bo cmd;
	uint64_t seq;
	bool sync = fl("6.14") || fl("oot");

	ck_assert_int_eq(heap_up(d.fd, &d.heap, &d.heap_va), 0);
	ck_assert_int_eq(ctx_create(d.fd, 4, &d.ctx, &d.sync), 0);
	d.pdi = dev_bo_new(d.fd, 4096);
	memset(d.pdi.va, 0x5a, 64);			/* no PDI at all */
	ck_assert_int_eq(config_cu(d.fd, d.ctx, d.pdi.handle, 0), sync ? -EINVAL : 0);
	if (!sync) {
		cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
		cmd_start_cu((uint32_t *)cmd.va, 1, &word, 1);
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, &cmd.handle, 1, &seq), 0);
		ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
		ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
		bo_free(d.fd, &cmd);
	}
	dev_down(&d);
}
END_TEST

START_TEST(test_OOT_UNCHECKED)
{
	struct amdxdna_drm_create_bo cb = { .type = AMDXDNA_BO_SHARE, .size = 4096, .flags = 1 };
	int fd = dev_open();

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &cb), fl("oot") ? 0 : -EINVAL);
	close(fd);
}
END_TEST

void emu_add_rules_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "DRM_VERSION", test_DRM_VERSION },
		{ "IOCTL_GET_ARRAY", test_IOCTL_GET_ARRAY },
		{ "IOCTL_WAIT_CMD", test_IOCTL_WAIT_CMD },
		{ "FLUSH_DESTROYS_CTXS", test_FLUSH_DESTROYS_CTXS },
		{ "HEAP_SECOND", test_HEAP_SECOND },
		{ "HEAP_SIZE", test_HEAP_SIZE },
		{ "DEV_BO_NO_HEAP", test_DEV_BO_NO_HEAP },
		{ "DEV_BO_NO_ROOM", test_DEV_BO_NO_ROOM },
		{ "CMD_BO_SIZE", test_CMD_BO_SIZE },
		{ "BO_INFO_ADDR", test_BO_INFO_ADDR },
		{ "SYNC_FROM_DEVICE", test_SYNC_FROM_DEVICE },
		{ "SYNC_RANGE", test_SYNC_RANGE },
		{ "SYNC_CMD_PIN", test_SYNC_CMD_PIN },
		{ "MMAP_SECOND", test_MMAP_SECOND },
		{ "CTX_HEAP", test_CTX_HEAP },
		{ "CTX_CMD_BUFS", test_CTX_CMD_BUFS },
		{ "CTX_BUDGET", test_CTX_BUDGET },
		{ "CTX_QOS_SIZE", test_CTX_QOS_SIZE },
		{ "EXEC_SEQ_0", test_EXEC_SEQ_0 },
		{ "SYNCOBJ_EXPORT_POINT", test_SYNCOBJ_EXPORT_POINT },
		{ "EXEC_NO_ARGS", test_EXEC_NO_ARGS },
		{ "EXEC_CMD_BO", test_EXEC_CMD_BO },
		{ "CMD_FAIL_FILL", test_CMD_FAIL_FILL },
		{ "GEM_CLOSE", test_GEM_CLOSE },
		{ "OOT_UNCHECKED", test_OOT_UNCHECKED },
		{ "GET_INFO_PARAMS", test_GET_INFO_PARAMS },
		{ "SYSFS_PART", test_SYSFS_PART },
		{ "JOB_TIMEOUT", test_JOB_TIMEOUT },
		{ "JOB_TIMEOUT_ENV", test_JOB_TIMEOUT_ENV },
		{ "ENV_VALUES", test_ENV_VALUES },
		{ "USER_EFAULT", test_USER_EFAULT },
		{ "KMALLOC_MAX", test_KMALLOC_MAX },
		{ "CONFIG_CU_ASYNC", test_CONFIG_CU_ASYNC },
	};
	size_t i;

	for (i = 0; i < EMU_NCASES(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, rules_setup, emu_teardown);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
}
