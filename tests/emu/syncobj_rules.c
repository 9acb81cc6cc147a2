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
 * This file is the harness: the helpers (syncobj_rules.h) and the TCase,
 * which takes each area's tests: syncobj_rules_handles.c, _wait.c,
 * _timeline.c, _fence.c.  No main: the suite that wants these calls
 * emu_syncobj_rules_tcase().
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

TCase *emu_syncobj_rules_tcase(void);

const char *const emu_flavours[EMU_NFLAVOURS] = { "6.14", "6.18", "oot" };

/* ---- raw ioctls (xioctl, create_bo, now_ns: helpers.c) ---- */

int open_flavour(int i)
{
	int fd;

	setenv("XDNA_EMU_FLAVOUR", emu_flavours[i], 1);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

int so_create(int fd, uint32_t flags, uint32_t *h)
{
	struct drm_syncobj_create a = { .flags = flags };
	int ret = xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &a);

	if (!ret)
		*h = a.handle;
	return ret;
}

uint32_t so_new(int fd, uint32_t flags)
{
	uint32_t h = 0;

	ck_assert_int_eq(so_create(fd, flags, &h), 0);
	return h;
}

int so_destroy(int fd, uint32_t h)
{
	struct drm_syncobj_destroy a = { .handle = h };

	return xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &a);
}

/* binary WAIT; *first in: the value to preset, out: first_signaled */
int so_wait(int fd, const uint32_t *h, uint32_t n, int64_t timeout,
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

int so_twait(int fd, const uint32_t *h, const uint64_t *p,
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
int poll1(int fd, uint32_t h, uint64_t p)
{
	return so_twait(fd, &h, &p, 1, 0, 0, NULL);
}

int so_array(int fd, unsigned long req, const uint32_t *h,
	     uint32_t n, uint32_t pad)
{
	struct drm_syncobj_array a = {
		.handles = (uintptr_t)h,
		.count_handles = n,
		.pad = pad,
	};

	return xioctl(fd, req, &a);
}

int so_tarray(int fd, unsigned long req, const uint32_t *h,
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

int tsignal(int fd, uint32_t h, uint64_t p)
{
	return so_tarray(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &h, &p, 1, 0);
}

/* QUERY of one handle; returns the point (asserting success) */
uint64_t query(int fd, uint32_t h, uint32_t flags)
{
	uint64_t p = 0xdeadULL;

	ck_assert_int_eq(so_tarray(fd, DRM_IOCTL_SYNCOBJ_QUERY, &h, &p, 1,
				   flags), 0);
	return p;
}

int transfer(int fd, uint32_t dst, uint64_t dpt, uint32_t src,
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

void *bo_map(int fd, uint32_t h, uint64_t size)
{
	struct amdxdna_drm_get_bo_info info = { .handle = h };
	void *va;

	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info), 0);
	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  (off_t)info.map_offset);
	ck_assert_ptr_ne(va, MAP_FAILED);
	return va;
}

void pend_up(struct pend *p, int fd)
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
void pend_signal(struct pend *p)
{
	struct amdxdna_drm_destroy_hwctx d = { .handle = p->ctx };

	ck_assert_int_eq(xioctl(p->fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &d), 0);
	p->ctx = 0;
}

void pend_down(struct pend *p)
{
	if (p->ctx)
		pend_signal(p);
	ck_assert_int_eq(munmap(p->cmd_va, 4096), 0);
	ck_assert_int_eq(munmap(p->heap_va, HEAP_SZ), 0);
	/* the rest goes with the file */
}

/* ---- an ioctl issued by another thread after a delay ---- */

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

void later_start(struct later *l, int fd, unsigned long req,
		 void *arg, int delay_ms)
{
	l->fd = fd;
	l->req = req;
	l->arg = arg;
	l->delay_ms = delay_ms;
	ck_assert_int_eq(pthread_create(&l->th, NULL, later_fn, l), 0);
}

int later_join(struct later *l)
{
	ck_assert_int_eq(pthread_join(l->th, NULL), 0);
	return l->ret;
}

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
	TCase *tc = tcase_create("syncobj_rules");

	tcase_add_checked_fixture(tc, rules_setup, rules_teardown);
	tcase_set_timeout(tc, 120);
	syncobj_rules_add_handles(tc);
	syncobj_rules_add_wait(tc);
	syncobj_rules_add_timeline(tc);
	syncobj_rules_add_fence(tc);
	return tc;
}
