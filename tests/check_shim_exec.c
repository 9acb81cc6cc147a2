// SPDX-License-Identifier: MIT
/*
 * libxdna-shim against xdna-emu (check_shim.c): hardware contexts, their
 * configuration and command execution.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "amdxdna_uapi.h"
#include "xdna/shim.h"
#include "xdna_emu.h"
#include "emu_census.h"
#include "shim_test.h"

/* ------------------------------------------------- contexts and commands */

/* A PDI the emulator understands: magic, then the kernel's name. */
static struct xdna_bo *make_pdi(const char *kernel)
{
	static const char magic[] = "XDNA-EMU-PDI";
	struct xdna_bo *pdi;
	char *p;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &pdi), 0);
	p = xdna_bo_map(pdi);
	memcpy(p, magic, sizeof(magic));
	strcpy(p + sizeof(magic), kernel);
	ck_assert_int_eq(xdna_bo_sync(pdi, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	return pdi;
}

struct npu {
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi;
	struct xdna_bo *cmd;
};

static void npu_open(struct npu *n, const char *kernel)
{
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &n->ctx), 0);
	n->pdi = make_pdi(kernel);
	ck_assert_int_eq(xdna_hwctx_config_cu(n->ctx, &n->pdi, NULL, 1), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &n->cmd), 0);
}

static void npu_close(struct npu *n)
{
	ck_assert_int_eq(xdna_bo_destroy(n->cmd), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(n->ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(n->pdi), 0);
}

static void addr_words(uint32_t *w, uint64_t addr)
{
	w[0] = (uint32_t)addr;
	w[1] = (uint32_t)(addr >> 32);
}

/* A START_CU packet for the emulator's copy kernel: src, dst, bytes. */
static int encode_copy(struct xdna_bo *cmd, struct xdna_bo *src, struct xdna_bo *dst,
		       uint32_t bytes)
{
	uint32_t payload[5];

	addr_words(&payload[0], xdna_bo_dev_addr(src));
	addr_words(&payload[2], xdna_bo_dev_addr(dst));
	payload[4] = bytes;
	return xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, payload, 5);
}

START_TEST(test_exec_copy)
{
	const size_t size = 256 << 10;
	struct xdna_bo *src, *dst, *args[2];
	struct npu n;
	uint64_t seq;
	size_t i;

	npu_open(&n, "copy");
	ck_assert_uint_ne(xdna_hwctx_handle(n.ctx), 0);
	ck_assert_uint_ne(xdna_hwctx_syncobj(n.ctx), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, size, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, size, &dst), 0);
	for (i = 0; i < size; i++)
		((uint8_t *)xdna_bo_map(src))[i] = (uint8_t)(i ^ (i >> 8));
	ck_assert_int_eq(xdna_bo_sync(src, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, (uint32_t)size), 0);
	ck_assert_int_eq(xdna_cmd_state(n.cmd), XDNA_ERT_CMD_STATE_NEW);
	args[0] = src;
	args[1] = dst;
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);	/* real kernels count from 0 */
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, 5000000000LL), 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, seq), 1);
	ck_assert_int_eq(xdna_cmd_state(n.cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_int_eq(xdna_bo_sync(dst, XDNA_SYNC_FROM_DEVICE, 0, 0), 0);
	ck_assert_int_eq(memcmp(xdna_bo_map(src), xdna_bo_map(dst), size), 0);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	npu_close(&n);
}
END_TEST

static void float_bo(struct xdna_bo **bo, size_t n, float base)
{
	float *f;
	size_t i;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, n * sizeof(float), bo), 0);
	f = xdna_bo_map(*bo);
	for (i = 0; i < n; i++)
		f[i] = base + (float)i;
}

START_TEST(test_exec_scale_add)
{
	const size_t n = 4096;
	struct xdna_bo *x, *y, *out, *args[3];
	const float a = 2.5f;
	uint32_t payload[8];
	struct npu np;
	uint64_t seq;
	float *o;
	size_t i;

	npu_open(&np, "scale_add");
	float_bo(&x, n, 1.0f);
	float_bo(&y, n, -3.0f);
	float_bo(&out, n, 0.0f);
	addr_words(&payload[0], xdna_bo_dev_addr(x));
	addr_words(&payload[2], xdna_bo_dev_addr(y));
	addr_words(&payload[4], xdna_bo_dev_addr(out));
	payload[6] = (uint32_t)n;
	memcpy(&payload[7], &a, sizeof(a));
	ck_assert_int_eq(xdna_cmd_encode(np.cmd, XDNA_CMD_START_CU, 0, payload, 8), 0);
	args[0] = x;
	args[1] = y;
	args[2] = out;
	ck_assert_int_eq(xdna_cmd_exec(np.ctx, np.cmd, args, 3, &seq), 0);
	ck_assert_int_eq(xdna_cmd_wait(np.ctx, np.cmd, seq, -1), 0);
	o = xdna_bo_map(out);
	for (i = 0; i < n; i++)
		ck_assert_float_eq(o[i], a * (1.0f + (float)i) + (-3.0f + (float)i));
	xdna_bo_destroy(x);
	xdna_bo_destroy(y);
	xdna_bo_destroy(out);
	npu_close(&np);
}
END_TEST

/* A command whose address is not among its argument BOs fails on the NPU. */
START_TEST(test_exec_unreachable_address)
{
	struct xdna_bo *src, *dst;
	struct npu n;
	uint64_t seq;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, &src, 1, &seq), 0);
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, -1), -EIO);
	ck_assert_int_eq(xdna_cmd_state(n.cmd), XDNA_ERT_CMD_STATE_ERROR);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	npu_close(&n);
}
END_TEST

START_TEST(test_exec_before_config)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *cmd;
	uint64_t seq;

	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, NULL, 0), 0);
	ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, NULL, 0, &seq), -EINVAL);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "EXEC_CMD"));
	xdna_bo_destroy(cmd);
	xdna_hwctx_destroy(ctx);
}
END_TEST

START_TEST(test_config_unknown_kernel)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi;

	struct xdna_bo *cmd;
	uint64_t seq;

	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	pdi = make_pdi("no-such-kernel");
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 0), -EINVAL);
	if (flavour_is("6.14") || flavour_is("oot")) {
		/* CONFIG_CU waits for the firmware, which refuses the PDI */
		ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), -EINVAL);
	} else {
		/* 6.18 on: the refusal shows on the first command (CONFIG_CU_ASYNC) */
		ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), 0);
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
		ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, NULL, 0), 0);
		ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, &cmd, 1, &seq), 0);
		ck_assert_int_eq(xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), -EIO);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "ERROR"));
		xdna_bo_destroy(cmd);
	}
	xdna_bo_destroy(pdi);
	xdna_hwctx_destroy(ctx);
}
END_TEST

START_TEST(test_cmd_encode_errors)
{
	struct xdna_bo *share, *cmd;
	static uint32_t big[4096];

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &share), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_int_eq(xdna_cmd_encode(share, XDNA_CMD_START_CU, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(xdna_cmd_encode(cmd, (enum xdna_cmd_opcode)7, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 32, NULL, 0), -EINVAL);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, big, 2000), -ENOSPC);
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, NULL, 3), -EINVAL);
	ck_assert_int_eq(xdna_cmd_state(share), -EINVAL);
	xdna_bo_destroy(share);
	xdna_bo_destroy(cmd);
}
END_TEST

START_TEST(test_wait_timeout_then_abort)
{
	struct xdna_bo *src, *dst, *args[2];
	struct npu n;
	uint64_t seq;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	args[0] = src;
	args[1] = dst;
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, seq, 20 * 1000 * 1000), -ETIME);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, seq), 0);
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, 0), -ETIME);
	/* Destroying the context aborts what is still queued. */
	ck_assert_int_eq(xdna_bo_destroy(n.cmd), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(n.ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(n.pdi), 0);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
}
END_TEST

/*
 * Audit finding 1: command 0 is waited on like any other, and it does not
 * count as signalled before it completes.
 */
START_TEST(test_seq0_not_signalled_early)
{
	struct xdna_bo *src, *dst, *args[2];
	struct npu n;
	uint64_t seq;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	args[0] = src;
	args[1] = dst;
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, XDNA_SEQ_NONE), 1);
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, XDNA_SEQ_NONE, 0), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, 0), 0);
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, 0, 10 * 1000 * 1000), -ETIME);
	ck_assert_int_eq(xdna_bo_destroy(n.cmd), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(n.ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(n.pdi), 0);

	npu_open(&n, "copy");
	ck_assert_int_eq(encode_copy(n.cmd, src, dst, 4096), 0);
	ck_assert_int_eq(xdna_cmd_exec(n.ctx, n.cmd, args, 2, &seq), 0);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(xdna_cmd_wait(n.ctx, n.cmd, seq, 5000000000LL), 0);
	ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, 0), 1);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	npu_close(&n);
}
END_TEST

/*
 * Audit finding 7: the context budget is the device's (hwctx_limit); when
 * it is spent the shim says so, naming the budget.
 */
START_TEST(test_hwctx_budget_named)
{
	struct xdna_hwctx *ctx[64];
	unsigned int i, n = 0, used, max;
	int err = 0;

	/* Reported by the kernel from 0.4, else from the part (sysfs ids). */
	ck_assert_int_eq(xdna_hwctx_budget(dev, &used, &max), 0);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_gt(max, 0);
	while (n < 64) {
		err = xdna_hwctx_create(dev, NULL, &ctx[n]);
		if (err)
			break;
		n++;
	}
	ck_assert_int_eq(err, flavour_is("oot") ? -ENOENT : -EINVAL);
	ck_assert_uint_eq(n, flavour_is("oot") ? n : max);
	if (!flavour_is("oot"))
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "budget"));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(xdna_hwctx_destroy(ctx[i]), 0);
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx[0]), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx[0]), 0);
}
END_TEST

/*
 * Audit finding 8 / 4: the kernel takes each context's four command buffers
 * from the heap; with a full heap the newest kernel answers -EAGAIN (the
 * shim grows the heap and retries, where libdrm's drmIoctl() would spin
 * forever) and older ones -ENOSPC, which the shim names.
 */
START_TEST(test_hwctx_needs_heap_room)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *fill;
	int err;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 64u << 20, &fill), 0);
	err = xdna_hwctx_create(dev, NULL, &ctx);
	if (heap_expands()) {
		ck_assert_int_eq(err, 0);
		ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	} else {
		ck_assert_int_eq(err, -ENOSPC);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "command buffers"));
	}
	ck_assert_int_eq(xdna_bo_destroy(fill), 0);
}
END_TEST

/* More commands than the kernel keeps in flight: submission blocks, all finish in order. */
START_TEST(test_many_in_flight)
{
	enum { N = 12 };
	struct xdna_bo *src, *dst[N], *cmd[N], *args[2];
	uint64_t seq[N];
	struct npu n;
	int i;

	npu_open(&n, "copy");
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	memset(xdna_bo_map(src), 0x99, 4096);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst[i]), 0);
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd[i]), 0);
		ck_assert_int_eq(encode_copy(cmd[i], src, dst[i], 4096), 0);
		args[0] = src;
		args[1] = dst[i];
		ck_assert_int_eq(xdna_cmd_exec(n.ctx, cmd[i], args, 2, &seq[i]), 0);
		ck_assert_uint_eq(seq[i], (uint64_t)i);
	}
	ck_assert_int_eq(xdna_hwctx_wait(n.ctx, seq[N - 1], -1), 0);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(xdna_hwctx_signalled(n.ctx, seq[i]), 1);
		ck_assert_int_eq(xdna_cmd_state(cmd[i]), XDNA_ERT_CMD_STATE_COMPLETED);
		ck_assert_uint_eq(((uint8_t *)xdna_bo_map(dst[i]))[4095], 0x99);
		xdna_bo_destroy(dst[i]);
		xdna_bo_destroy(cmd[i]);
	}
	xdna_bo_destroy(src);
	npu_close(&n);
}
END_TEST

START_TEST(test_hwctx_opts)
{
	struct xdna_hwctx_opts o = { .sz = sizeof(o), .priority = AMDXDNA_QOS_HIGH_PRIORITY,
				     .num_tiles = 4 };
	struct xdna_hwctx *ctx;

	ck_assert_int_eq(xdna_hwctx_create(dev, &o, &ctx), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	o.sz = sizeof(o) + 4;
	ck_assert_int_eq(xdna_hwctx_create(dev, &o, &ctx), -EINVAL);
	o.sz = sizeof(o);
	o.num_tiles = 100000;
	ck_assert_int_eq(xdna_hwctx_create(dev, &o, &ctx), -EINVAL);
	ck_assert_int_eq(xdna_hwctx_destroy(NULL), 0);
}
END_TEST

/*
 * Many threads creating, submitting and destroying BOs at once: a BO mapped
 * at an address another thread just unmapped must stay reachable by the
 * NPU (xdna-emu once lost such mappings to a munmap/forget race).
 */
struct churn {
	struct npu *n;
	int failures;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	int i;

	for (i = 0; i < 150; i++) {
		struct xdna_bo *src, *dst, *cmd, *args[2];
		uint64_t seq;

		if (xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &src) ||
		    xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &dst) ||
		    xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd)) {
			c->failures++;
			return NULL;
		}
		memset(xdna_bo_map(src), i, 8192);
		args[0] = src;
		args[1] = dst;
		if (encode_copy(cmd, src, dst, 8192) ||
		    xdna_cmd_exec(c->n->ctx, cmd, args, 2, &seq) ||
		    xdna_cmd_wait(c->n->ctx, cmd, seq, -1) ||
		    memcmp(xdna_bo_map(src), xdna_bo_map(dst), 8192))
			c->failures++;
		xdna_bo_destroy(cmd);
		xdna_bo_destroy(dst);
		xdna_bo_destroy(src);
	}
	return NULL;
}

START_TEST(test_concurrent_bo_churn)
{
	enum { T = 4 };
	struct churn c[T];
	pthread_t th[T];
	struct npu n;
	int i;

	npu_open(&n, "copy");
	for (i = 0; i < T; i++) {
		c[i] = (struct churn){ .n = &n };
		ck_assert_int_eq(pthread_create(&th[i], NULL, churn_main, &c[i]), 0);
	}
	for (i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(c[i].failures, 0);
	}
	npu_close(&n);
}
END_TEST

/*
 * Fault matrix finding (#15): CONFIG_HWCTX failing with EIO (the firmware's
 * mailbox) was reported as "command completed with an error".
 */
START_TEST(test_config_eio_named)
{
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi;

	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	pdi = make_pdi("copy");
	ck_assert_int_eq(xdna_emu_try_fail_set("config_hwctx:1"), 0);
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), -EIO);
	ck_assert_msg(strstr(xdna_errmsg(), "CONFIG_HWCTX CONFIG_CU") &&
		      strstr(xdna_errmsg(), strerror(EIO)) &&
		      !strstr(xdna_errmsg(), "command"), "'%s'", xdna_errmsg());
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), 0);
	xdna_bo_destroy(pdi);
	xdna_hwctx_destroy(ctx);
}
END_TEST

void shim_add_exec_tests(TCase *tc)
{
	tcase_add_test(tc, test_config_eio_named);
	tcase_add_test(tc, test_seq0_not_signalled_early);
	tcase_add_test(tc, test_hwctx_budget_named);
	tcase_add_test(tc, test_hwctx_needs_heap_room);
	tcase_add_test(tc, test_exec_copy);
	tcase_add_test(tc, test_exec_scale_add);
	tcase_add_test(tc, test_exec_unreachable_address);
	tcase_add_test(tc, test_exec_before_config);
	tcase_add_test(tc, test_config_unknown_kernel);
	tcase_add_test(tc, test_cmd_encode_errors);
	tcase_add_test(tc, test_wait_timeout_then_abort);
	tcase_add_test(tc, test_many_in_flight);
	tcase_add_test(tc, test_hwctx_opts);
	tcase_add_test(tc, test_concurrent_bo_churn);
}
