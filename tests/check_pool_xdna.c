// SPDX-License-Identifier: MIT
/* The xdna backend on the emulated NPU (run with libxdna-emu.so preloaded). */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/pool_xdna.h>
#include <xdna/shim.h>

#include "pool_testutil.h"
#include "runner.h"

static struct pool_stats stats(struct pool *p)
{
	struct pool_stats st = { .sz = sizeof(st) };

	ck_assert_int_eq(pool_stats_get(p, &st), 0);
	return st;
}

/* The emulator's fault hook, found at run time (0 or -errno). */
static int emu_fail_set(const char *spec)
{
	int (*fn)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT,
								"xdna_emu_fail_set");

	return fn ? fn(spec) : -ENOSYS;
}

static struct pool_backend *backend(enum pool_xdna_flavour fl)
{
	POOL_OPTS(pool_xdna_opts, xo, .flavour = fl);
	struct pool_backend *be = pool_backend_xdna(&xo);

	ck_assert_msg(be, "pool_backend_xdna: %s (is libxdna-emu.so preloaded?)",
		      strerror(errno));
	return be;
}

START_TEST(test_share_bos_reused)
{
	struct pool_backend *be = backend(POOL_XDNA_SHARE);
	POOL_OPTS(pool_opts, o, .name = "npu", .dtype = POOL_DTYPE_F32, .ndim = 1,
		  .shape = { 480000 }, .initial = 2, .max = 4, .backend = be);
	struct pool *p = pool_create(&o);
	struct pool_buf *a, *b;
	int fd = -1;

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(pool_backend_name(be), "xdna");
	ck_assert_ptr_nonnull(pool_backend_xdna_dev(be));
	pool_backend_put(be);		/* the pool keeps it */
	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_ptr_nonnull(pool_buf_data(a));
	ck_assert_uint_ne(pool_buf_handle(a), 0);
	ck_assert_uint_ne(pool_buf_dev_addr(a), 0);
	ck_assert_ptr_nonnull(pool_buf_backend_obj(a));
	ck_assert_uint_eq(xdna_bo_handle(pool_buf_backend_obj(a)), pool_buf_handle(a));
	ck_assert_uint_ge(pool_buf_capacity(a), 480000 * 4);
	memset(pool_buf_data(a), 0x11, pool_buf_size(a));
	ck_assert_int_eq(pool_buf_sync(a, POOL_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(pool_buf_sync(a, POOL_SYNC_FROM_DEVICE, 4096, 4096), 0);
	ck_assert_int_eq(pool_buf_export(a, &fd), 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pool_release(a), 0);
	/* reuse: the same mapped BO, no new allocation */
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
		ck_assert_ptr_eq(b, a);
		ck_assert_int_eq(((unsigned char *)pool_buf_data(b))[7], 0x11);
		pool_release(b);
	}
	ck_assert_uint_eq(stats(p).allocs, 2);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

START_TEST(test_dev_bos)
{
	struct pool_backend *be = backend(POOL_XDNA_DEV);
	POOL_OPTS(pool_opts, o, .name = "heap", .size = 64 * 1024, .initial = 1, .max = 2,
		  .backend = be);
	struct pool *p = pool_create(&o);
	struct pool_buf *a, *b;

	pool_backend_put(be);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_uint_ne(pool_buf_dev_addr(a), 0);
	ck_assert_uint_ne(pool_buf_dev_addr(a), pool_buf_dev_addr(b));
	pool_release(a);
	pool_release(b);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

START_TEST(test_create_bo_enomem)
{
	struct pool_backend *be = backend(POOL_XDNA_SHARE);
	POOL_OPTS(pool_opts, o, .size = 1 << 20, .initial = 1, .max = 4, .backend = be,
		  .flags = POOL_F_NO_CACHE);
	struct pool *p = pool_create(&o);
	struct pool_buf *b[4];

	pool_backend_put(be);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(emu_fail_set("create_bo:2"), 0);	/* the 2nd from now */
	ck_assert_int_eq(pool_acquire(p, &b[0], POOL_NOWAIT), 0);	/* preallocated */
	ck_assert_int_eq(pool_acquire(p, &b[1], POOL_NOWAIT), 0);	/* create #1 */
	ck_assert_int_eq(pool_acquire(p, &b[2], POOL_NOWAIT), -ENOMEM);	/* #2 fails */
	ck_assert_uint_eq(stats(p).total, 2);
	ck_assert_uint_eq(stats(p).outstanding, 2);
	ck_assert_int_eq(pool_acquire(p, &b[2], POOL_NOWAIT), 0);	/* consistent */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pool_release(b[i]), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
	emu_fail_set("");
}
END_TEST

START_TEST(test_bad_opts)
{
	POOL_OPTS(pool_xdna_opts, xo, .flavour = 7);

	errno = 0;
	ck_assert_ptr_null(pool_backend_xdna(&xo));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(pool_xdna_errmsg(), "flavour"));
	xo.flavour = POOL_XDNA_SHARE;
	xo.path = "/dev/accel/accel9";
	errno = 0;
	ck_assert_ptr_null(pool_backend_xdna(&xo));
	ck_assert_int_eq(errno, ENODEV);
	/* the reason, kept for the thread: later shim calls do not overwrite it */
	ck_assert_str_eq(pool_xdna_errmsg(), "/dev/accel/accel9: no such device");
	ck_assert_ptr_null(pool_backend_xdna_dev(pool_backend_host(0)));
	xo.path = NULL;
	{
		struct pool_backend *be = pool_backend_xdna(&xo);

		ck_assert_ptr_nonnull(be);
		ck_assert_str_eq(pool_xdna_errmsg(), "no error");
		pool_backend_put(be);
	}
}
END_TEST

/*
 * Regression (#15): a hardware context destroyed while pool buffers are
 * fenced on it.  The next acquire, trim or destroy reaped them through
 * xdna_hwctx_signalled() on the freed context (ASan: heap-use-after-free);
 * now the fence holds the context and a destroyed context reads signalled.
 */
START_TEST(test_fence_outlives_hwctx)
{
	struct pool_backend *be = backend(POOL_XDNA_SHARE);
	POOL_OPTS(pool_opts, o, .name = "fenced", .size = 4096, .initial = 2, .max = 2,
		  .backend = be);
	struct pool *p = pool_create(&o);
	struct xdna_dev *dev = pool_backend_xdna_dev(be);
	struct xdna_hwctx *ctx;
	struct pool_buf *a, *b, *c;
	struct pool_fence f;

	ck_assert_ptr_nonnull(p);
	pool_backend_put(be);
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	/* command 5 was never submitted: busy until the context goes */
	f = pool_xdna_fence(ctx, 5);
	ck_assert_int_eq(pool_release_fenced(a, &f), 0);
	ck_assert_int_eq(pool_release_fenced(b, &f), 0);
	ck_assert_int_eq(pool_acquire(p, &c, POOL_NOWAIT), -EAGAIN);
	ck_assert_uint_eq(stats(p).busy, 2);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	/* settled: both come back */
	ck_assert_int_eq(pool_acquire(p, &c, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(c), 0);
	ck_assert_uint_eq(stats(p).busy, 0);

	/* and at destroy, with the wait path */
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	f = pool_xdna_fence(ctx, 7);
	ck_assert_int_eq(pool_release_fenced(a, &f), 0);
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

/* A PDI the emulator understands: magic, then the kernel's name. */
static struct xdna_bo *make_pdi(struct xdna_dev *dev, const char *kernel)
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

/*
 * Regression (#15): pool_destroy() waited 10 s for each buffer fenced on a
 * stalled command, one after another.  Now one deadline bounds the whole
 * destroy and each buffer given up on gets its own line.
 */
START_TEST(test_destroy_stalled_bounded)
{
	struct pool_backend *be = backend(POOL_XDNA_SHARE);
	struct report_log log = { 0 };
	POOL_OPTS(pool_opts, o, .name = "stalled", .size = 4096, .initial = 4, .max = 4,
		  .backend = be, .destroy_timeout_ms = 300, .report = report_collect,
		  .report_arg = &log);
	struct pool *p = pool_create(&o);
	struct xdna_dev *dev = pool_backend_xdna_dev(be);
	struct xdna_bo *pdi, *cmd, *args[3];
	struct xdna_hwctx *ctx;
	struct pool_buf *b[3];
	struct pool_fence f;
	uint32_t payload[5];
	uint64_t seq, t0, ms;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(xdna_hwctx_create(dev, NULL, &ctx), 0);
	pdi = make_pdi(dev, "copy");
	ck_assert_int_eq(xdna_hwctx_config_cu(ctx, &pdi, NULL, 1), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
		args[i] = pool_buf_backend_obj(b[i]);
	}
	payload[0] = (uint32_t)pool_buf_dev_addr(b[0]);
	payload[1] = (uint32_t)(pool_buf_dev_addr(b[0]) >> 32);
	payload[2] = (uint32_t)pool_buf_dev_addr(b[1]);
	payload[3] = (uint32_t)(pool_buf_dev_addr(b[1]) >> 32);
	payload[4] = 4096;
	ck_assert_int_eq(xdna_cmd_encode(cmd, XDNA_CMD_START_CU, 0, payload, 5), 0);
	ck_assert_int_eq(emu_fail_set("stall:1"), 0);
	ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, args, 3, &seq), 0);
	f = pool_xdna_fence(ctx, seq);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pool_release_fenced(b[i], &f), 0);

	t0 = test_now_ns();
	ck_assert_int_eq(pool_destroy(p), 0);
	ms = (test_now_ns() - t0) / 1000000;
	ck_assert_msg(ms >= 250 && ms < 3000, "destroy took %llu ms", (unsigned long long)ms);
	ck_assert_int_eq(atomic_load(&log.n), 4);
	ck_assert(report_has(&log, "did not signal by the destroy deadline (timed out)"));
	ck_assert(report_has(&log, "gave up on 3 fenced buffers after 300 ms"));
	emu_fail_set("");
	/* the context aborts the command; the abandoned BOs go at device close */
	ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
	ck_assert_int_eq(xdna_bo_destroy(cmd), 0);
	ck_assert_int_eq(xdna_bo_destroy(pdi), 0);
	pool_backend_put(be);
}
END_TEST

static Suite *xdna_suite(void)
{
	Suite *s = suite_create("pool_xdna");
	TCase *tc = tcase_create("xdna");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_share_bos_reused);
	tcase_add_test(tc, test_dev_bos);
	tcase_add_test(tc, test_create_bo_enomem);
	tcase_add_test(tc, test_bad_opts);
	tcase_add_test(tc, test_fence_outlives_hwctx);
	tcase_add_test(tc, test_destroy_stalled_bounded);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = xdna_suite);
