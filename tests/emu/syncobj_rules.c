// SPDX-License-Identifier: MIT
/*
 * The emulator's DRM syncobj rules, one test per row of
 * driver-shim/emu/RULES-syncobj.md (test_<RULE_ID with '_' for '-'>).
 * Every test drives raw ioctl(2)s (no libdrm helper that retries) on
 * /dev/accel/accel0 under libxdna-emu.so.  The flavour-independent rules
 * run once per flavour (a loop test, _i indexes emu_flavours[]).
 *
 * A pending fence comes from a hardware context whose first command is
 * stalled (fault "stall:1"): its timeline point 1 stays unsignalled until
 * the context is destroyed, which aborts (signals) it.
 *
 * No main: the suite that wants these calls emu_syncobj_rules_tcase().
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

TCase *emu_syncobj_rules_tcase(void);

#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE	(1 << 3)
#endif
#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
struct rules_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD \
	DRM_IOWR(0xCF, struct rules_syncobj_eventfd)
#endif

/* struct drm_syncobj_wait as current kernels define it (deadline_nsec). */
struct rules_wait_dl {
	struct drm_syncobj_wait w;
	__u64 deadline_nsec;
};
#define RULES_IOCTL_SYNCOBJ_WAIT_DL DRM_IOWR(0xC3, struct rules_wait_dl)

#define MS		1000000LL
#define NONE		0xffffffffu	/* first_signaled before any write */

static const char *const emu_flavours[] = { "6.14", "6.18", "oot" };

/* ---- raw ioctls (xioctl, create_bo, now_ns: helpers.c) ---- */

static int open_flavour(int i)
{
	int fd;

	setenv("XDNA_EMU_FLAVOUR", emu_flavours[i], 1);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static int so_create(int fd, uint32_t flags, uint32_t *h)
{
	struct drm_syncobj_create a = { .flags = flags };
	int ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &a);

	if (!ret)
		*h = a.handle;
	return ret;
}

static uint32_t so_new(int fd, uint32_t flags)
{
	uint32_t h = 0;

	ck_assert_int_eq(so_create(fd, flags, &h), 0);
	return h;
}

static int so_destroy(int fd, uint32_t h)
{
	struct drm_syncobj_destroy a = { .handle = h };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &a);
}

/* binary WAIT; *first in: the value to preset, out: first_signaled */
static int so_wait(int fd, const uint32_t *h, uint32_t n, int64_t timeout,
		   uint32_t flags, uint32_t *first)
{
	struct drm_syncobj_wait a = {
		.handles = (uintptr_t)h,
		.timeout_nsec = timeout,
		.count_handles = n,
		.flags = flags,
		.first_signaled = first ? *first : 0,
	};
	int ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &a);

	if (first)
		*first = a.first_signaled;
	return ret;
}

static int so_twait(int fd, const uint32_t *h, const uint64_t *p,
		    uint32_t n, int64_t timeout, uint32_t flags,
		    uint32_t *first)
{
	struct drm_syncobj_timeline_wait a = {
		.handles = (uintptr_t)h,
		.points = (uintptr_t)p,
		.timeout_nsec = timeout,
		.count_handles = n,
		.flags = flags,
		.first_signaled = first ? *first : 0,
	};
	int ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &a);

	if (first)
		*first = a.first_signaled;
	return ret;
}

/* one handle, one point, poll */
static int poll1(int fd, uint32_t h, uint64_t p)
{
	return so_twait(fd, &h, &p, 1, 0, 0, NULL);
}

static int so_array(int fd, unsigned long req, const uint32_t *h,
		    uint32_t n, uint32_t pad)
{
	struct drm_syncobj_array a = {
		.handles = (uintptr_t)h,
		.count_handles = n,
		.pad = pad,
	};

	return xioctl(fd, req, &a);
}

static int so_tarray(int fd, unsigned long req, const uint32_t *h,
		     uint64_t *p, uint32_t n, uint32_t flags)
{
	struct drm_syncobj_timeline_array a = {
		.handles = (uintptr_t)h,
		.points = (uintptr_t)p,
		.count_handles = n,
		.flags = flags,
	};

	return xioctl(fd, req, &a);
}

static int tsignal(int fd, uint32_t h, uint64_t p)
{
	return so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &h, &p, 1, 0);
}

/* QUERY of one handle; returns the point (asserting success) */
static uint64_t query(int fd, uint32_t h, uint32_t flags)
{
	uint64_t p = 0xdeadULL;

	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, &h, &p, 1,
				   flags), 0);
	return p;
}

static int transfer(int fd, uint32_t dst, uint64_t dpt, uint32_t src,
		    uint64_t spt, uint32_t flags)
{
	struct drm_syncobj_transfer a = {
		.src_handle = src,
		.dst_handle = dst,
		.src_point = spt,
		.dst_point = dpt,
		.flags = flags,
	};

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &a);
}

/* ---- a pending fence: point 1 of a context with a stalled command ---- */

struct pend {
	int fd;
	uint32_t heap, ctx, sync, pdi, cmd;
	uint8_t *heap_va;
	uint32_t *cmd_va;
};

static void *bo_map(int fd, uint32_t h, uint64_t size)
{
	struct amdxdna_drm_get_bo_info info = { .handle = h };
	void *va;

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info), 0);
	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  (off_t)info.map_offset);
	ck_assert_ptr_ne(va, MAP_FAILED);
	return va;
}

static void pend_up(struct pend *p, int fd)
{
	union emu_qos qos = { .info.priority = AMDXDNA_QOS_NORMAL_PRIORITY };
	struct amdxdna_drm_create_hwctx c = {
		.qos_p = (uintptr_t)&qos,
		.num_tiles = 16,
	};
	union {
		struct amdxdna_hwctx_param_config_cu hdr;
		uint8_t raw[sizeof(struct amdxdna_hwctx_param_config_cu) +
			    sizeof(struct amdxdna_cu_config)];
	} cfg;
	struct amdxdna_drm_config_hwctx cc = {
		.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU,
		.param_val = (uintptr_t)&cfg,
		.param_val_size = sizeof(cfg),
	};
	struct amdxdna_drm_get_bo_info info = { 0 };
	struct amdxdna_drm_exec_cmd ex = {
		.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF,
		.cmd_count = 1,
	};
	uint8_t *pdi;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &p->heap),
			 0);
	p->heap_va = bo_map(fd, p->heap, HEAP_SZ);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &c), 0);
	p->ctx = c.handle;
	p->sync = c.syncobj_handle;
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, &p->pdi), 0);
	info.handle = p->pdi;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info), 0);
	pdi = (uint8_t *)(uintptr_t)info.vaddr;
	memcpy(pdi, XDNA_EMU_PDI_MAGIC, XDNA_EMU_PDI_MAGIC_LEN);
	strcpy((char *)pdi + XDNA_EMU_PDI_MAGIC_LEN, "copy");
	memset(&cfg, 0, sizeof(cfg));
	cfg.hdr.num_cus = 1;
	cfg.hdr.cu_configs[0].cu_bo = p->pdi;
	cc.handle = p->ctx;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cc), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 4096, &p->cmd), 0);
	p->cmd_va = bo_map(fd, p->cmd, 4096);
	p->cmd_va[0] = XDNA_ERT_CMD_STATE_NEW | (1 << XDNA_ERT_COUNT_SHIFT) |
		       (XDNA_ERT_START_CU << XDNA_ERT_OPCODE_SHIFT);
	p->cmd_va[1] = 1;
	/*
	 * Real kernels number commands from 0 (aie2_cmd_submit), and point 0
	 * is the newest fence: command 0 runs, command 1 stalls, so point 1
	 * is the pending one.  One argument BO: 6.14 refuses arg_count 0.
	 */
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:2"), 0);
	ex.hwctx = p->ctx;
	ex.cmd_handles = p->cmd;
	ex.args = (uintptr_t)&p->cmd;
	ex.arg_count = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &ex), 0);
	ck_assert_uint_eq(ex.seq, 0);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &ex), 0);
	ck_assert_uint_eq(ex.seq, 1);
	ck_assert_int_eq(poll1(fd, p->sync, 1), -ETIME);
}

/* Destroying the context aborts the stalled command: point 1 signals. */
static void pend_signal(struct pend *p)
{
	struct amdxdna_drm_destroy_hwctx d = { .handle = p->ctx };

	ck_assert_int_eq(xioctl(p->fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &d), 0);
	p->ctx = 0;
}

static void pend_down(struct pend *p)
{
	if (p->ctx)
		pend_signal(p);
	ck_assert_int_eq(munmap(p->cmd_va, 4096), 0);
	ck_assert_int_eq(munmap(p->heap_va, HEAP_SZ), 0);
	/* the rest goes with the file */
}

/* ---- an ioctl issued by another thread after a delay ---- */

struct later {
	pthread_t th;
	int fd;
	unsigned long req;
	void *arg;
	int delay_ms;
	struct pend *abort;	/* or: destroy this context */
	int ret;
};

static void *later_fn(void *arg)
{
	struct later *l = arg;

	usleep((useconds_t)l->delay_ms * 1000);
	if (l->abort) {
		struct amdxdna_drm_destroy_hwctx d = { .handle = l->abort->ctx };

		l->ret = xioctl(l->fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &d);
	} else {
		l->ret = xioctl(l->fd, l->req, l->arg);
	}
	return NULL;
}

static void later_start(struct later *l, int fd, unsigned long req,
			void *arg, int delay_ms)
{
	l->fd = fd;
	l->req = req;
	l->arg = arg;
	l->delay_ms = delay_ms;
	ck_assert_int_eq(pthread_create(&l->th, NULL, later_fn, l), 0);
}

static int later_join(struct later *l)
{
	ck_assert_int_eq(pthread_join(l->th, NULL), 0);
	return l->ret;
}

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

/* ---- the TCase ---- */

static void rules_setup(void)
{
	unsetenv("XDNA_EMU_FLAVOUR");
	unsetenv("XDNA_EMU_DELAY_US");
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
}

static void rules_teardown(void)
{
	struct xdna_emu_census c;

	unsetenv("XDNA_EMU_FLAVOUR");
	xdna_emu_try_fail_set("");
	ck_assert_int_eq(xdna_emu_try_census_get(&c), 0);
	ck_assert_uint_eq(c.open_files, 0);
	ck_assert_uint_eq(c.syncobjs, 0);
	ck_assert_uint_eq(c.hwctxs, 0);
	ck_assert_uint_eq(c.live_handles, 0);
	ck_assert_uint_eq(c.mappings, 0);
	ck_assert_uint_eq(c.cmds_inflight, 0);
}

TCase *emu_syncobj_rules_tcase(void)
{
	const TTest *const per_flavour[] = {
		test_SYNCOBJ_CREATE_FLAGS,
		test_SYNCOBJ_CREATE_SIGNALED,
		test_SYNCOBJ_HANDLE_ALLOC,
		test_SYNCOBJ_DESTROY_PAD,
		test_SYNCOBJ_DESTROY_UNKNOWN,
		test_SYNCOBJ_ARRAY_ENOENT,
		test_SYNCOBJ_ARRAY_EFAULT,
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
	TCase *tc = tcase_create("syncobj_rules");
	size_t i;

	tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
	tcase_set_timeout(tc, 120);
	for (i = 0; i < sizeof(per_flavour) / sizeof(per_flavour[0]); i++)
		tcase_add_loop_test(tc, per_flavour[i], 0,
				    (int)(sizeof(emu_flavours) /
					  sizeof(emu_flavours[0])));
	/* 5 s of kernel timeout: once */
	tcase_add_test(tc, test_SYNCOBJ_TRANSFER_WAIT_FOR_SUBMIT);
	return tc;
}
