// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: command execution (copy, scale_add, START_NPU, delays),
 * the in-flight limit, aborts on destroy and close, threads, WAIT_CMD.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"

START_TEST(test_exec_copy)
{
	struct amdxdna_drm_exec_cmd args;
	struct dev d;
	struct bo src, dst, cmd, notcmd, dsrc, ddst;
	uint32_t bos[2], a[5];
	uint64_t seq, submitted;
	unsigned int i;

	dev_up(&d, "copy");
	submitted = census().cmds_submitted;
	src = bo_new(d.fd, AMDXDNA_BO_SHARE, 8192);
	dst = bo_new(d.fd, AMDXDNA_BO_SHARE, 8192);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	notcmd = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	for (i = 0; i < 8192; i++)
		src.va[i] = (uint8_t)(i * 7);
	bos[0] = src.handle;
	bos[1] = dst.handle;

	/* argument checks */
	copy_args(a, src.xdna, dst.xdna, 8192);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	memset(&args, 0, sizeof(args));
	args.hwctx = d.ctx;
	args.cmd_handles = cmd.handle;
	args.args = (uintptr_t)bos;
	args.cmd_count = 1;
	args.arg_count = 2;
	args.ext = 1;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.ext = 0;
	args.type = AMDXDNA_CMD_SUBMIT_DEPENDENCY;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF;
	args.cmd_count = 2;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.cmd_count = 1;
	args.arg_count = 4096;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.arg_count = 2;
	/* latest: any SHARE BO is a command BO (RULES EXEC-CMD-BO); zeros are no packet */
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, notcmd.handle, bos, 2, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&notcmd), XDNA_ERT_CMD_STATE_ERROR);
	submitted++;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, 99, bos, 2, NULL), -EINVAL);
	bos[1] = 99;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, NULL),
			 -ENOENT);
	bos[1] = dst.handle;
	ck_assert_int_eq(exec_cmd(d.fd, 77, cmd.handle, bos, 2, NULL), -EINVAL);
	ck_assert_uint_eq(census().cmds_submitted, submitted);

	/* the real thing: seq 1, 2, ... and correct output */
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_uint_eq(seq, 1);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_int_eq(memcmp(src.va, dst.va, 8192), 0);
	{
		/* latest: WAIT_CMD exists, AIE2 has no cmd_wait, even for a valid seq */
		struct amdxdna_drm_wait_cmd w = { .hwctx = d.ctx, .seq = seq };

		ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w),
				 -EOPNOTSUPP);
	}

	memset(dst.va, 0, 8192);
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna + 100, dst.xdna + 8,
				   1000, bos, 2), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_int_eq(memcmp(src.va + 100, dst.va + 8, 1000), 0);
	ck_assert_uint_eq(dst.va[0], 0);

	/* the NPU reaches only the argument BOs */
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna, dst.xdna, 16, bos, 1),
			  XDNA_ERT_CMD_STATE_ERROR);
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna, dst.xdna, 8193, bos, 2),
			  XDNA_ERT_CMD_STATE_ERROR);
	/* a CU the context does not have */
	copy_args(a, src.xdna, dst.xdna, 16);
	cmd_start_cu((uint32_t *)cmd.va, 2, a, 5);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
	ck_assert_uint_eq(seq, 5);

	/* DEV BOs by device address */
	dsrc = dev_bo_new(d.fd, 4096);
	ddst = dev_bo_new(d.fd, 4096);
	strcpy((char *)dsrc.va, "through the heap");
	bos[0] = dsrc.handle;
	bos[1] = ddst.handle;
	ck_assert_uint_eq(run_copy(&d, &cmd, dsrc.xdna, ddst.xdna, 17, bos, 2),
			  XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_str_eq((char *)ddst.va, "through the heap");

	/* an unmapped SHARE BO has no device address */
	bos[0] = src.handle;
	bos[1] = dst.handle;
	ck_assert_int_eq(munmap(src.va, 8192), 0);
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna, dst.xdna, 16, bos, 2),
			  XDNA_ERT_CMD_STATE_ERROR);

	ck_assert_int_eq(gem_close(d.fd, src.handle), 0);
	bo_free(d.fd, &dst);
	bo_free(d.fd, &cmd);
	bo_free(d.fd, &notcmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_exec_scale_add)
{
	struct dev d;
	struct bo x, y, out, cmd;
	uint32_t bos[3], a[8];
	float alpha = 2.5f, *px, *py, *po;
	uint64_t seq;
	unsigned int i, n = 1000;

	dev_up(&d, "scale_add");
	x = bo_new(d.fd, AMDXDNA_BO_SHARE, n * 4);
	y = bo_new(d.fd, AMDXDNA_BO_SHARE, n * 4);
	out = bo_new(d.fd, AMDXDNA_BO_SHARE, n * 4);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	px = (float *)x.va;
	py = (float *)y.va;
	po = (float *)out.va;
	for (i = 0; i < n; i++) {
		px[i] = (float)i;
		py[i] = 1000.0f - (float)i;
	}
	a[0] = (uint32_t)x.xdna;
	a[1] = (uint32_t)(x.xdna >> 32);
	a[2] = (uint32_t)y.xdna;
	a[3] = (uint32_t)(y.xdna >> 32);
	a[4] = (uint32_t)out.xdna;
	a[5] = (uint32_t)(out.xdna >> 32);
	a[6] = n;
	memcpy(&a[7], &alpha, 4);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 8);
	bos[0] = x.handle;
	bos[1] = y.handle;
	bos[2] = out.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	for (i = 0; i < n; i++)
		ck_assert_float_eq(po[i], alpha * (float)i + 1000.0f - (float)i);

	/* too few arguments */
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 7);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);

	bo_free(d.fd, &x);
	bo_free(d.fd, &y);
	bo_free(d.fd, &out);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_exec_start_npu)
{
	struct dev d;
	struct bo src, dst, inst, cmd;
	uint32_t bos[3], *c;
	uint64_t seq;

	dev_up(&d, "copy");
	src = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	dst = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	inst = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	strcpy((char *)src.va, "npu");
	c = (uint32_t *)cmd.va;
	/* header, CU mask, instr addr lo/hi, size, 1 property, 5 args */
	c[0] = XDNA_ERT_CMD_STATE_NEW | ((1 + 4 + 1 + 5) << XDNA_ERT_COUNT_SHIFT) |
	       (XDNA_ERT_START_NPU << XDNA_ERT_OPCODE_SHIFT);
	c[1] = 1;
	c[2] = (uint32_t)inst.xdna;
	c[3] = (uint32_t)(inst.xdna >> 32);
	c[4] = 256;
	c[5] = 1;
	c[6] = 0xdeadbeef;
	copy_args(&c[7], src.xdna, dst.xdna, 4);
	bos[0] = src.handle;
	bos[1] = dst.handle;
	bos[2] = inst.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_str_eq((char *)dst.va, "npu");
	/* the instruction buffer must be reachable too */
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
	/* an opcode the emulator does not run */
	c[0] = XDNA_ERT_CMD_STATE_NEW | (2 << XDNA_ERT_COUNT_SHIFT) |
	       (XDNA_ERT_CMD_CHAIN << XDNA_ERT_OPCODE_SHIFT);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);

	bo_free(d.fd, &src);
	bo_free(d.fd, &dst);
	bo_free(d.fd, &inst);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_exec_delay)
{
	struct dev d;
	struct bo b, cmd;
	uint32_t a[5], bos[1];
	uint64_t seq;

	setenv("XDNA_EMU_DELAY_US", "300000", 1);
	dev_up(&d, "copy");
	b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	copy_args(a, b.xdna, b.xdna + 2048, 16);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	bos[0] = b.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 50), -ETIME);
	ck_assert_uint_eq(census().cmds_inflight, 1);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	bo_free(d.fd, &b);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

/* A kernel the test controls: blocks until released. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;

static int gate_kernel(const struct xdna_emu_kcall *call)
{
	(void)call;
	pthread_mutex_lock(&gate_lock);
	gate_entered++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_open--;
	pthread_mutex_unlock(&gate_lock);
	return 0;
}

struct exec_thread {
	struct dev *d;
	uint32_t cmd;
	int ret;
	uint64_t seq;
	int done;
};

static void *exec_thread_fn(void *arg)
{
	struct exec_thread *t = arg;

	t->ret = exec_cmd(t->d->fd, t->d->ctx, t->cmd, NULL, 0, &t->seq);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_inflight_limit)
{
	struct exec_thread t = { 0 };
	struct dev d;
	struct bo cmd[5];
	pthread_t th;
	uint64_t seq;
	unsigned int i;

	ck_assert_int_eq(xdna_emu_try_register_kernel("gate", gate_kernel), 0);
	gate_open = 0;
	gate_entered = 0;
	dev_up(&d, "gate");
	for (i = 0; i < 5; i++) {
		uint32_t dummy = 0;

		cmd[i] = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
		cmd_start_cu((uint32_t *)cmd[i].va, 1, &dummy, 1);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd[i].handle, NULL, 0,
					  &seq), 0);
		ck_assert_uint_eq(seq, i);	/* from 0, as the kernel */
	}
	ck_assert_uint_eq(census().cmds_inflight, 4);

	/* the fifth blocks until a slot frees */
	t.d = &d;
	t.cmd = cmd[4].handle;
	ck_assert_int_eq(pthread_create(&th, NULL, exec_thread_fn, &t), 0);
	usleep(100 * 1000);
	ck_assert_int_eq(__atomic_load_n(&t.done, __ATOMIC_ACQUIRE), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, 0, 20), -ETIME);

	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(t.ret, 0);
	ck_assert_uint_eq(t.seq, 4);
	/*
	 * Point 0 of a timeline is its newest fence (drm_syncobj.c), so
	 * command 0 alone is seen in its packet's state.
	 */
	for (i = 0; i < 5000 && cmd_state(&cmd[0]) != XDNA_ERT_CMD_STATE_COMPLETED; i++)
		usleep(1000);
	ck_assert_uint_eq(cmd_state(&cmd[0]), XDNA_ERT_CMD_STATE_COMPLETED);

	pthread_mutex_lock(&gate_lock);
	gate_open = 4;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	ck_assert_int_eq(wait_point(d.fd, d.sync, 4, 5000), 0);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(cmd_state(&cmd[i]),
				  XDNA_ERT_CMD_STATE_COMPLETED);
		bo_free(d.fd, &cmd[i]);
	}
	dev_down(&d);
	ck_assert_int_eq(xdna_emu_try_register_kernel("gate", NULL), 0);
}
END_TEST

START_TEST(test_destroy_aborts)
{
	struct exec_thread t = { 0 };
	struct dev d;
	struct bo cmd[5];
	uint64_t seq, points[4] = { 0, 1, 2, 3 };
	uint32_t syncs[4];
	pthread_t th;
	unsigned int i;

	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	dev_up(&d, "copy");
	for (i = 0; i < 5; i++) {
		cmd[i] = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
		cmd_start_cu((uint32_t *)cmd[i].va, 1, NULL, 0);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd[i].handle, NULL, 0,
					  &seq), 0);
	/* the stalled first command holds up the timeline */
	ck_assert_int_eq(wait_point(d.fd, d.sync, 1, 30), -ETIME);
	ck_assert_uint_eq(census().cmds_inflight, 4);
	t.d = &d;
	t.cmd = cmd[4].handle;
	ck_assert_int_eq(pthread_create(&th, NULL, exec_thread_fn, &t), 0);
	usleep(50 * 1000);
	ck_assert_int_eq(__atomic_load_n(&t.done, __ATOMIC_ACQUIRE), 0);

	/* destroying the context aborts everything and frees the waiter */
	ck_assert_int_eq(ctx_destroy(d.fd, d.ctx), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(t.ret, -EINVAL);
	ck_assert_uint_eq(census().cmds_inflight, 0);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(cmd_state(&cmd[i]), XDNA_ERT_CMD_STATE_ABORT);
		syncs[i] = d.sync;
	}
	ck_assert_int_eq(drmSyncobjTimelineWait(d.fd, syncs, points, 4,
						now_ns() + 1000000000LL,
						DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
						NULL), 0);
	for (i = 0; i < 5; i++)
		bo_free(d.fd, &cmd[i]);
	/* dev_down without the context */
	ck_assert_int_eq(drmSyncobjDestroy(d.fd, d.sync), 0);
	ck_assert_int_eq(gem_close(d.fd, d.pdi.handle), 0);
	ck_assert_int_eq(munmap(d.heap_va, HEAP_SZ), 0);
	ck_assert_int_eq(close(d.fd), 0);
}
END_TEST

START_TEST(test_close_releases_everything)
{
	struct dev d;
	struct bo cmd, b;
	uint32_t s;
	uint64_t seq;
	int pfd;

	ck_assert_int_eq(xdna_emu_try_fail_set("stall:2"), 0);
	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	ck_assert_int_eq(drmSyncobjCreate(d.fd, 0, &s), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(d.fd, b.handle, DRM_RDWR, &pfd), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	ck_assert_int_eq(munmap(cmd.va, 4096), 0);
	ck_assert_int_eq(munmap(b.va, 4096), 0);
	ck_assert_int_eq(munmap(d.heap_va, HEAP_SZ), 0);
	ck_assert_int_eq(close(d.fd), 0);
	/* file, context (stalled command aborted), BOs, syncobjs: gone */
	ck_assert_uint_eq(census().open_files, 0);
	ck_assert_uint_eq(census().live_bos, 0);
	ck_assert_uint_eq(census().hwctxs, 0);
	ck_assert_int_eq(close(pfd), 0);
}
END_TEST

struct worker_arg {
	int fd;
	int errors;
};

static void *copy_worker(void *arg)
{
	struct worker_arg *w = arg;
	struct bo pdi, src, dst, cmd;
	uint32_t ctx, sync, bos[2];
	unsigned int i;

	if (ctx_create(w->fd, 4, &ctx, &sync)) {
		w->errors++;
		return NULL;
	}
	pdi = dev_bo_new(w->fd, 4096);
	write_pdi(pdi.va, "copy");
	if (config_cu(w->fd, ctx, pdi.handle, 0))
		w->errors++;
	src = bo_new(w->fd, AMDXDNA_BO_SHARE, 4096);
	dst = bo_new(w->fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(w->fd, AMDXDNA_BO_CMD, 4096);
	bos[0] = src.handle;
	bos[1] = dst.handle;
	for (i = 0; i < 20; i++) {
		struct dev d = { .fd = w->fd, .ctx = ctx, .sync = sync };

		memset(src.va, (int)i, 4096);
		if (run_copy(&d, &cmd, src.xdna, dst.xdna, 4096, bos, 2) !=
		    XDNA_ERT_CMD_STATE_COMPLETED || dst.va[4095] != (uint8_t)i)
			w->errors++;
	}
	bo_free(w->fd, &src);
	bo_free(w->fd, &dst);
	bo_free(w->fd, &cmd);
	gem_close(w->fd, pdi.handle);
	ctx_destroy(w->fd, ctx);
	drmSyncobjDestroy(w->fd, sync);
	return NULL;
}

START_TEST(test_threads)
{
	struct worker_arg w[4];
	pthread_t th[4];
	uint32_t heap;
	uint8_t *va;
	uint64_t completed = census().cmds_completed;
	int fd = dev_open();
	unsigned int i;

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	for (i = 0; i < 4; i++) {
		w[i].fd = fd;
		w[i].errors = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, copy_worker,
						&w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(w[i].errors, 0);
	}
	ck_assert_uint_eq(census().cmds_completed - completed, 80);
	ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
	close(fd);
}
END_TEST

START_TEST(test_wait_cmd_oot)
{
	struct amdxdna_drm_wait_cmd w = { 0 };
	struct dev d;
	struct bo cmd;
	uint64_t seq;

	setenv("XDNA_EMU_FLAVOUR", "oot", 1);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:2"), 0);
	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	w.hwctx = d.ctx;
	w.seq = seq;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	w.seq = seq;
	w.timeout = 20;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), -ETIME);
	w.seq = seq + 1;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), -EINVAL);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

/*
 * Regression (#15): the checksum kernel stored its result through a
 * uint32_t pointer at the output's device address, misaligned when that
 * address is odd (UBSan: store to misaligned address).
 */
START_TEST(test_exec_checksum_odd_out)
{
	struct dev d;
	struct bo in, out, cmd;
	uint32_t bos[2], a[5], res[4];
	uint64_t seq, h = 0xcbf29ce484222325ull;
	unsigned int i, n = 257;
	float sum = 0;

	dev_up(&d, "checksum");
	in = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	out = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	for (i = 0; i < n; i++) {
		float f = (float)i * 0.5f;

		memcpy(in.va + 4 * i, &f, 4);
		sum += f;
	}
	for (i = 0; i < n * 4; i++)
		h = (h ^ in.va[i]) * 0x100000001b3ull;
	a[0] = (uint32_t)in.xdna;
	a[1] = (uint32_t)(in.xdna >> 32);
	a[2] = (uint32_t)(out.xdna + 1);
	a[3] = (uint32_t)((out.xdna + 1) >> 32);
	a[4] = n;
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	bos[0] = in.handle;
	bos[1] = out.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	memcpy(res, out.va + 1, sizeof(res));
	ck_assert_uint_eq(res[0], (uint32_t)h);
	ck_assert_uint_eq(res[1], (uint32_t)(h >> 32));
	ck_assert_uint_eq(res[2], n);
	ck_assert_uint_eq(out.va[0], 0);
	(void)sum;
	bo_free(d.fd, &in);
	bo_free(d.fd, &out);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

#define BAD_PTR	((void *)(uintptr_t)8)	/* never mapped */

/*
 * Regression (#15): the emulator dereferenced ioctl pointers blindly; a
 * raw DRM_IOCTL_VERSION with bad string pointers crashed it.  Like the
 * kernel's copy_from_user()/copy_to_user(), a bad pointer is -EFAULT.
 */
START_TEST(test_bad_user_pointers)
{
	struct dev d;
	struct drm_version v = { 0 };
	struct amdxdna_drm_get_info gi = { 0 };
	struct amdxdna_drm_query_aie_version av;
	struct amdxdna_drm_exec_cmd ex = { 0 };
	struct drm_syncobj_wait sw = { 0 };
	struct drm_syncobj_timeline_array ta = { 0 };
	struct bo cmd;
	char name[64];

	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	/* the argument itself */
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_VERSION, BAD_PTR), -EFAULT);
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_GET_INFO, BAD_PTR), -EFAULT);
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_GET_INFO,
				(void *)(uintptr_t)0x7ff0000000000000ull), -EFAULT);
	/* DRM_IOCTL_VERSION's strings */
	v.name = BAD_PTR;
	v.name_len = 16;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_VERSION, &v), -EFAULT);
	v = (struct drm_version){ .name = name, .name_len = sizeof(name), .desc = BAD_PTR,
				  .desc_len = 8 };
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_VERSION, &v), -EFAULT);
	v = (struct drm_version){ .name = name, .name_len = sizeof(name) };
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_VERSION, &v), 0);
	/* read-only memory is not writable */
	v = (struct drm_version){ .name = (char *)"read-only", .name_len = 4 };
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_VERSION, &v), -EFAULT);
	/* GET_INFO's buffer */
	gi.param = DRM_AMDXDNA_QUERY_AIE_VERSION;
	gi.buffer_size = sizeof(av);
	gi.buffer = (uintptr_t)BAD_PTR;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_GET_INFO, &gi), -EFAULT);
	gi.buffer = (uintptr_t)&av;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_GET_INFO, &gi), 0);
	/* EXEC_CMD's argument handles */
	ex.hwctx = d.ctx;
	ex.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF;
	ex.cmd_handles = cmd.handle;
	ex.cmd_count = 1;
	ex.args = (uintptr_t)BAD_PTR;
	ex.arg_count = 2;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &ex), -EFAULT);
	/* syncobj handle and point arrays */
	sw.handles = (uintptr_t)BAD_PTR;
	sw.count_handles = 1;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw), -EFAULT);
	ta.handles = (uintptr_t)&d.sync;
	ta.points = (uintptr_t)BAD_PTR;
	ta.count_handles = 1;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EFAULT);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

void emu_add_exec_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "exec_copy", test_exec_copy },
		{ "exec_scale_add", test_exec_scale_add },
		{ "exec_start_npu", test_exec_start_npu },
		{ "exec_delay", test_exec_delay },
		{ "inflight_limit", test_inflight_limit },
		{ "destroy_aborts", test_destroy_aborts },
		{ "close_releases", test_close_releases_everything },
		{ "threads", test_threads },
		{ "wait_cmd_oot", test_wait_cmd_oot },
		{ "exec_checksum_odd_out", test_exec_checksum_odd_out },
		{ "bad_user_pointers", test_bad_user_pointers },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
