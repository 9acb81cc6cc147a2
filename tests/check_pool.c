// SPDX-License-Identifier: MIT
/* libpool core semantics on the host backend. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
/* sanitizer/allocator_interface.h, which GCC does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include <pool/pool.h>

#include "pool_testutil.h"
#include "runner.h"

static struct pool *mkpool(size_t size, unsigned int initial, unsigned int max, unsigned int flags)
{
	POOL_OPTS(pool_opts, o, .name = "t", .size = size, .initial = initial, .max = max,
		  .flags = flags | POOL_F_NO_DEBUG);
	struct pool *p = pool_create(&o);

	ck_assert_msg(p, "pool_create: %s", strerror(errno));
	return p;
}

static struct pool_stats stats(struct pool *p)
{
	struct pool_stats st = { .sz = sizeof(st) };

	ck_assert_int_eq(pool_stats_get(p, &st), 0);
	return st;
}

START_TEST(test_shape_dtype_size)
{
	POOL_OPTS(pool_opts, o, .name = "mel", .dtype = POOL_DTYPE_F32, .ndim = 2,
		  .shape = { 80, 3000 }, .initial = 1);
	struct pool_buf *b;
	size_t shape[POOL_MAX_DIMS];
	struct pool *p = pool_create(&o);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(pool_buf_bytes(p), 80 * 3000 * 4);
	ck_assert_str_eq(pool_name(p), "mel");
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_uint_eq(pool_buf_size(b), 960000);
	ck_assert_uint_ge(pool_buf_capacity(b), 960000);
	ck_assert_uint_eq(pool_buf_shape(b, shape), 2);
	ck_assert_uint_eq(shape[0], 80);
	ck_assert_uint_eq(shape[1], 3000);
	ck_assert_int_eq(pool_buf_dtype(b), POOL_DTYPE_F32);
	ck_assert_ptr_eq(pool_buf_pool(b), p);
	if (test_backend_is_host()) {
		ck_assert_uint_eq(pool_buf_dev_addr(b), 0);
		ck_assert_uint_eq(pool_buf_handle(b), 0);
	} else {
		ck_assert_uint_ne(pool_buf_dev_addr(b), 0);
	}
	/* page aligned (XRT's noop shim mallocs), writable end to end */
	if (!test_backend_is("xrt"))
		ck_assert_uint_eq((uintptr_t)pool_buf_data(b) % 4096, 0);
	memset(pool_buf_data(b), 0xab, pool_buf_size(b));
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_FROM_DEVICE, 4096, 4096), 0);
	{
		int fd, err = pool_buf_export(b, &fd);

		/* Host memory has no dma-buf; NPU BOs do. */
		if (test_backend_is("xdna")) {
			ck_assert_int_eq(err, 0);
			close(fd);
		} else {
			ck_assert_int_eq(err, -EOPNOTSUPP);
		}
	}
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

START_TEST(test_explicit_size_agrees)
{
	POOL_OPTS(pool_opts, o, .dtype = POOL_DTYPE_I16, .ndim = 1, .shape = { 100 },
		  .size = 200);
	struct pool *p = pool_create(&o);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(pool_buf_bytes(p), 200);
	pool_destroy(p);
}
END_TEST

START_TEST(test_lifo_reuse_no_alloc)
{
	struct pool *p = mkpool(1 << 20, 2, 2, 0);
	struct pool_buf *a, *b, *c;
	struct pool_stats st;

	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(a), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_ptr_eq(a, b);		/* hot buffer reused first */
	ck_assert_int_eq(pool_acquire(p, &c, POOL_NOWAIT), 0);
	ck_assert_ptr_ne(b, c);
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(pool_release(b), 0);
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	}
	st = stats(p);
	ck_assert_uint_eq(st.allocs, 2);	/* reuse costs no allocation */
	ck_assert_uint_eq(st.acquires, 1003);
	ck_assert_uint_eq(st.releases, 1001);
	ck_assert_uint_eq(st.outstanding, 2);
	ck_assert_uint_eq(st.hits, 1003);
	ck_assert(st.hit_rate > 0.99);
	pool_release(b);
	pool_release(c);
	st = stats(p);
	ck_assert_uint_eq(st.outstanding, 0);
	ck_assert_uint_eq(st.idle, 2);
	ck_assert_uint_eq(st.bytes_cached, 2u << 20);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

START_TEST(test_initial_min_max_growth)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2, .min = 3, .max = 5,
		  .flags = POOL_F_NO_CACHE);
	struct pool_buf *b[6];
	struct pool *p = pool_create(&o);
	struct pool_stats st;

	ck_assert_ptr_nonnull(p);
	st = stats(p);
	ck_assert_uint_eq(st.total, 3);	/* max(initial, min) preallocated */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b[5], POOL_NOWAIT), -EAGAIN);
	st = stats(p);
	ck_assert_uint_eq(st.allocs, 5);
	ck_assert_uint_eq(st.exhausted, 1);
	ck_assert_uint_eq(st.high_water, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pool_release(b[i]), 0);
	/* trim never goes below min */
	ck_assert_int_eq(pool_trim(p, 0), 2);
	st = stats(p);
	ck_assert_uint_eq(st.total, 3);
	ck_assert_uint_eq(st.evictions, 2);
	ck_assert_uint_eq(st.frees, 2);
	ck_assert_int_eq(pool_trim(p, 0), 0);
	pool_destroy(p);
}
END_TEST

START_TEST(test_grow_double)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 100, .grow = POOL_GROW_DOUBLE,
		  .flags = POOL_F_NO_CACHE);
	struct pool_buf *b[3];
	struct pool *p = pool_create(&o);

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
	/* 1, then +1 (double of 1), then +2 */
	ck_assert_uint_eq(stats(p).total, 4);
	for (int i = 0; i < 3; i++)
		pool_release(b[i]);
	pool_destroy(p);
}
END_TEST

START_TEST(test_grow_linear_step_and_none)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .max = 10, .grow_step = 4,
		  .flags = POOL_F_NO_CACHE);
	POOL_OPTS(pool_opts, f, .size = 4096, .initial = 2, .grow = POOL_GROW_NONE);
	struct pool_buf *b, *c[3];
	struct pool *p = pool_create(&o);
	struct pool *q = pool_create(&f);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_uint_eq(stats(p).total, 4);
	pool_release(b);
	ck_assert_int_eq(pool_acquire(q, &c[0], POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(q, &c[1], POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(q, &c[2], POOL_NOWAIT), -EAGAIN);
	pool_release(c[0]);
	pool_release(c[1]);
	pool_destroy(p);
	pool_destroy(q);
}
END_TEST

START_TEST(test_refcount)
{
	struct pool *p = mkpool(4096, 1, 1, 0);
	struct pool_buf *b, *x;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_buf_refs(b), 1);
	ck_assert_int_eq(pool_buf_ref(b), 0);
	ck_assert_int_eq(pool_buf_refs(b), 2);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_buf_refs(b), 1);
	/* still held: the pool has nothing to give */
	ck_assert_int_eq(pool_acquire(p, &x, POOL_NOWAIT), -EAGAIN);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_buf_refs(b), 0);
	ck_assert_int_eq(pool_buf_ref(b), -EINVAL);	/* idle: no ref to add to */
	ck_assert_int_eq(pool_acquire(p, &x, POOL_NOWAIT), 0);
	pool_release(x);
	pool_destroy(p);
}
END_TEST

START_TEST(test_bulk_all_or_nothing)
{
	struct pool *p = mkpool(4096, 0, 4, 0);
	struct pool_buf *v[4] = { 0 }, *one, *w[4] = { 0 };

	ck_assert_int_eq(pool_acquire(p, &one, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire_bulk(p, v, 4, POOL_NOWAIT), -EAGAIN);
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(v[i]);	/* untouched */
	ck_assert_uint_eq(stats(p).outstanding, 1);
	ck_assert_int_eq(pool_acquire_bulk(p, v, 3, POOL_NOWAIT), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pool_buf_refs(v[i]), 1);
	ck_assert_int_eq(pool_acquire_bulk(p, w, 5, POOL_NOWAIT), -EINVAL);	/* > max */
	ck_assert_int_eq(pool_acquire_bulk(p, w, 0, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_bulk(v, 3), 0);
	ck_assert_int_eq(pool_release(one), 0);
	ck_assert_int_eq(pool_acquire_bulk(p, w, 4, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_bulk(w, 4), 0);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	pool_destroy(p);
}
END_TEST

/*
 * Bulk calls through the cache: a released batch comes back as the same
 * buffers (LIFO, no allocation); a bad pointer in a bulk release is
 * reported while the valid ones still go back; runs of two pools mix.
 */
START_TEST(test_bulk_roundtrip)
{
	struct pool *p = mkpool(4096, 8, 8, 0), *q = mkpool(4096, 2, 2, 0);
	struct pool_buf *v[8], *w[8], *mix[4], *bogus = (struct pool_buf *)(void *)v;

	ck_assert_int_eq(pool_acquire_bulk(p, v, 8, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_bulk(v, 8), 0);
	ck_assert_uint_eq(stats(p).idle, 8);
	ck_assert_int_eq(pool_acquire_bulk(p, w, 8, POOL_NOWAIT), 0);
	for (int i = 0; i < 8; i++) {
		int found = 0;

		ck_assert_int_eq(pool_buf_refs(w[i]), 1);
		for (int j = 0; j < 8; j++) {
			found += v[j] == w[i];
			if (j != i)
				ck_assert_ptr_ne(w[i], w[j]);
		}
		ck_assert_int_eq(found, 1);
	}
	ck_assert_uint_eq(stats(p).allocs, 8);
	ck_assert_uint_eq(stats(p).outstanding, 8);
	/* a bogus pointer in the middle: -EINVAL, the others are released */
	for (int i = 0; i < 8; i++)
		v[i] = i == 1 ? bogus : w[i];
	ck_assert_int_eq(pool_release_bulk(v, 8), -EINVAL);
	ck_assert_uint_eq(stats(p).outstanding, 1);	/* w[1] was replaced */
	ck_assert_int_eq(pool_release(w[1]), 0);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	ck_assert_int_eq(pool_release_bulk(&w[2], 1), -EINVAL);	/* already released */
	/* two pools in one call */
	ck_assert_int_eq(pool_acquire_bulk(p, mix, 2, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire_bulk(q, mix + 2, 2, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_bulk(mix, 4), 0);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	ck_assert_uint_eq(stats(q).outstanding, 0);
	ck_assert_uint_eq(stats(q).idle, 2);
	ck_assert_int_eq(pool_destroy(p), 0);
	ck_assert_int_eq(pool_destroy(q), 0);

	/* more than a cache holds: the cache flushes in the middle of a call */
	{
		POOL_OPTS(pool_opts, o, .size = 4096, .initial = 16, .max = 16,
			  .thread_cache_bytes = 4 * 4096, .flags = POOL_F_NO_DEBUG);
		struct pool_buf *x[16], *y[16];

		p = pool_create(&o);
		ck_assert_ptr_nonnull(p);
		for (int round = 0; round < 3; round++) {
			ck_assert_int_eq(pool_acquire_bulk(p, x, 16, POOL_NOWAIT), 0);
			for (int i = 0; i < 16; i++)
				memset(pool_buf_data(x[i]), i, 4096);
			ck_assert_int_eq(pool_release_bulk(x, 16), 0);
			ck_assert_uint_eq(stats(p).idle, 16);
			ck_assert_uint_eq(stats(p).outstanding, 0);
		}
		ck_assert_int_eq(pool_acquire_bulk(p, y, 16, POOL_NOWAIT), 0);
		for (int i = 0; i < 16; i++)
			for (int j = i + 1; j < 16; j++)
				ck_assert_ptr_ne(y[i], y[j]);
		ck_assert_int_eq(pool_release_bulk(y, 16), 0);
		ck_assert_uint_eq(stats(p).allocs, 16);
		ck_assert_int_eq(pool_destroy(p), 0);
	}
}
END_TEST

START_TEST(test_zero_on_release)
{
	struct pool *p = mkpool(8192, 1, 1, POOL_F_ZERO);
	struct pool_buf *b;
	unsigned char *d;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	d = pool_buf_data(b);
	for (size_t i = 0; i < 8192; i++)
		ck_assert_uint_eq(d[i], 0);
	memset(d, 0x5a, 8192);
	pool_release(b);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	d = pool_buf_data(b);
	for (size_t i = 0; i < 8192; i++)
		ck_assert_uint_eq(d[i], 0);
	pool_release(b);
	pool_destroy(p);
}
END_TEST

START_TEST(test_timeout_and_eagain)
{
	struct pool *p = mkpool(4096, 1, 1, 0);
	struct pool_buf *b, *x;
	uint64_t t0;
	struct pool_stats st;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &x, POOL_NOWAIT), -EAGAIN);
	t0 = test_now_ns();
	ck_assert_int_eq(pool_acquire(p, &x, 20 * 1000000), -ETIMEDOUT);
	/* not a speed assertion: a timeout must not return before its deadline */
	ck_assert_uint_ge(test_now_ns() - t0, 20 * 1000000);
	st = stats(p);
	ck_assert_uint_eq(st.timeouts, 1);
	ck_assert_uint_eq(st.waits, 1);
	ck_assert_uint_ge(st.wait_ns, 20 * 1000000);
	ck_assert_uint_eq(st.exhausted, 1);
	pool_release(b);
	pool_destroy(p);
}
END_TEST

struct waiter_arg {
	struct pool *p;
	struct pool_buf *got;
	int rc;
	atomic_int started;
};

static void *waiter(void *arg)
{
	struct waiter_arg *w = arg;

	atomic_store(&w->started, 1);
	w->rc = pool_acquire(w->p, &w->got, POOL_FOREVER);
	return NULL;
}

static void wait_for_waiter(struct pool *p)
{
	/* the waiter shows in the stats once it blocks */
	for (int i = 0; i < 100000 && stats(p).waits == 0; i++)
		usleep(100);
	ck_assert_uint_ge(stats(p).waits, 1);
}

START_TEST(test_waiter_woken_by_release)
{
	struct pool *p = mkpool(4096, 1, 1, 0);
	struct waiter_arg w = { .p = p };
	struct pool_buf *b;
	pthread_t t;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	pthread_create(&t, NULL, waiter, &w);
	wait_for_waiter(p);
	ck_assert_int_eq(pool_release(b), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(w.rc, 0);
	ck_assert_ptr_eq(w.got, b);
	pool_release(w.got);
	pool_destroy(p);
}
END_TEST

START_TEST(test_destroy_wakes_waiters)
{
	struct report_log log = { 0 };
	POOL_OPTS(pool_opts, o, .name = "w", .size = 4096, .initial = 1, .max = 1,
		  .report = report_collect, .report_arg = &log);
	struct pool *p = pool_create(&o);
	struct waiter_arg w = { .p = p };
	struct pool_buf *b;
	pthread_t t;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	pthread_create(&t, NULL, waiter, &w);
	wait_for_waiter(p);
	ck_assert_int_eq(pool_destroy(p), 1);	/* b is outstanding */
	pthread_join(t, NULL);
	ck_assert_int_eq(w.rc, -ECANCELED);
	/* the handle stays valid until the last release */
	ck_assert_int_eq(pool_acquire(p, &w.got, POOL_NOWAIT), -ESHUTDOWN);
	ck_assert_int_eq(pool_trim(p, 0), -ESHUTDOWN);
	ck_assert(report_has(&log, "1 outstanding buffer"));
	ck_assert(report_has(&log, "check_pool.c:"));
	ck_assert_int_eq(pool_release(b), 0);	/* frees buffer and pool */
}
END_TEST

START_TEST(test_destroy_leak_report_and_late_release)
{
	struct fault_backend fb;
	struct report_log log = { 0 };
	struct pool_buf *a, *b, *c;
	struct pool *p;

	fault_backend_init(&fb, 0);
	{
		POOL_OPTS(pool_opts, o, .name = "leaky", .size = 4096, .initial = 4,
			  .backend = fb.be, .report = report_collect, .report_arg = &log);
		p = pool_create(&o);
	}
	ck_assert_ptr_nonnull(p);
	fault_backend_fini(&fb);	/* the pool keeps the backend alive */
	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &c, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(c), 0);
	ck_assert_int_eq(pool_buf_ref(b), 0);
	ck_assert_int_eq(pool_destroy(p), 2);
	ck_assert_int_eq(atomic_load(&fb.live), 2);	/* idle ones freed */
	ck_assert_int_eq(atomic_load(&log.n), 3);
	ck_assert(report_has(&log, "pool 'leaky' destroyed with 2 outstanding buffers"));
	ck_assert(report_has(&log, "2 refs"));
	ck_assert_int_eq(pool_release(a), 0);
	ck_assert_int_eq(atomic_load(&fb.live), 1);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(atomic_load(&fb.live), 1);	/* one ref left */
	ck_assert_int_eq(atomic_load(&fb.destroyed), 0);
	ck_assert_int_eq(pool_release(b), 0);		/* last: pool freed */
	ck_assert_int_eq(atomic_load(&fb.live), 0);
	ck_assert_int_eq(atomic_load(&fb.destroyed), 1);
}
END_TEST

START_TEST(test_destroy_null_and_empty)
{
	ck_assert_int_eq(pool_destroy(NULL), 0);
	ck_assert_int_eq(pool_destroy(mkpool(4096, 0, 0, 0)), 0);
}
END_TEST

START_TEST(test_idle_timeout_trim)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 4, .min = 1, .idle_timeout_ms = 1,
		  .flags = POOL_F_NO_CACHE);
	struct pool *p = pool_create(&o);
	struct pool_buf *b;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	usleep(5000);
	ck_assert_int_eq(pool_release(b), 0);	/* fresh: idle for 0 ms */
	ck_assert_int_eq(pool_trim(p, POOL_TRIM_IDLE), 3);	/* the 3 old ones */
	ck_assert_uint_eq(stats(p).total, 1);
	pool_destroy(p);
}
END_TEST

START_TEST(test_idle_trim_without_timeout_is_noop)
{
	struct pool *p = mkpool(4096, 3, 0, POOL_F_NO_CACHE);

	ck_assert_int_eq(pool_trim(p, POOL_TRIM_IDLE), 0);
	ck_assert_int_eq(pool_trim(p, 0xff), -EINVAL);
	ck_assert_int_eq(pool_trim_all(0) >= 3, 1);
	ck_assert_uint_eq(stats(p).total, 0);
	pool_destroy(p);
}
END_TEST

START_TEST(test_max_cached_bytes)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .max_cached_bytes = 2 * 4096,
		  .flags = POOL_F_NO_CACHE);
	struct pool *p = pool_create(&o);
	struct pool_buf *b[5];
	struct pool_stats st;

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pool_release(b[i]), 0);
	st = stats(p);
	ck_assert_uint_eq(st.idle, 2);
	ck_assert_uint_eq(st.evictions, 3);
	ck_assert_uint_le(st.bytes_cached, 2 * 4096);
	pool_destroy(p);
}
END_TEST

START_TEST(test_thread_cache_bounded_by_bytes)
{
	/* 2 MiB buffers, 4 MiB cache: 2 per thread, the rest to the shared list */
	struct pool *p = mkpool(2u << 20, 0, 0, 0);
	struct pool_buf *b[6];

	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(pool_release(b[i]), 0);
	ck_assert_uint_eq(stats(p).idle, 6);
	/* trimming reaches buffers cached by threads too */
	ck_assert_int_eq(pool_trim(p, 0), 6);
	ck_assert_uint_eq(stats(p).total, 0);
	pool_destroy(p);
}
END_TEST

static void *exit_with_cached(void *arg)
{
	struct pool *p = arg;
	struct pool_buf *b[3];

	for (int i = 0; i < 3; i++)
		pool_acquire(p, &b[i], POOL_FOREVER);
	for (int i = 0; i < 3; i++)
		pool_release(b[i]);
	return NULL;
}

START_TEST(test_thread_exit_flushes_cache)
{
	struct pool *p = mkpool(4096, 0, 3, 0);
	struct pool_buf *v[3];
	pthread_t t;

	pthread_create(&t, NULL, exit_with_cached, p);
	pthread_join(t, NULL);
	/* all three are usable by this thread without waiting */
	ck_assert_int_eq(pool_acquire_bulk(p, v, 3, POOL_NOWAIT), 0);
	pool_release_bulk(v, 3);
	pool_destroy(p);
}
END_TEST

static void *hold_then_exit(void *arg)
{
	struct pool *p = arg;
	struct pool_buf *b;

	pool_acquire(p, &b, POOL_FOREVER);
	pool_release(b);	/* lands in this thread's cache */
	usleep(20000);		/* main destroys the pool meanwhile */
	return NULL;
}

START_TEST(test_pool_destroyed_before_thread_exit)
{
	struct pool *p = mkpool(4096, 1, 1, 0);
	pthread_t t;

	pthread_create(&t, NULL, hold_then_exit, p);
	while (stats(p).releases == 0)
		usleep(100);
	ck_assert_int_eq(pool_destroy(p), 0);
	pthread_join(t, NULL);	/* its exit destructor must not touch p */
}
END_TEST

START_TEST(test_stats_formats)
{
	POOL_OPTS(pool_opts, o, .name = "fmt\"q", .size = 4096, .initial = 1);
	struct pool *p = pool_create(&o);
	struct pool_buf *b;
	char buf[8192], small[16];
	int n;

	ck_assert_ptr_nonnull(p);
	pool_acquire(p, &b, POOL_NOWAIT);
	pool_release(b);
	n = pool_stats_format(p, POOL_STATS_TEXT, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq((int)strlen(buf), n);
	ck_assert_ptr_nonnull(strstr(buf, "acquires=1 "));
	ck_assert_ptr_nonnull(strstr(buf, "hit_rate=1"));
	n = pool_stats_format(p, POOL_STATS_JSON, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "{\"name\":\"fmt\\\"q\",\"acquires\":1,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"hit_rate\":1}"));
	n = pool_stats_format(p, POOL_STATS_PROMETHEUS, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "# TYPE xdnapool_acquires_total counter\n"));
	ck_assert_ptr_nonnull(strstr(buf, "xdnapool_acquires_total{pool=\"fmt\\\"q\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "xdnapool_cached_bytes{pool=\"fmt\\\"q\"} 4096\n"));
	/* snprintf semantics */
	ck_assert_int_eq(pool_stats_format(p, POOL_STATS_JSON, small, sizeof(small)),
			 pool_stats_format(p, POOL_STATS_JSON, NULL, 0));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	/* every live pool */
	n = pool_stats_format(NULL, POOL_STATS_JSON, buf, sizeof(buf));
	ck_assert_int_lt(n, (int)sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "{\"pools\":[{\"name\":\"fmt\\\"q\""));
	ck_assert_int_eq(pool_stats_format(p, 7, buf, sizeof(buf)), -EINVAL);
	pool_destroy(p);
}
END_TEST

START_TEST(test_stats_sz_growth)
{
	struct pool *p = mkpool(4096, 1, 1, 0);
	struct { struct pool_stats st; uint64_t future; } big;
	struct pool_stats old;

	memset(&big, 0, sizeof(big));
	big.st.sz = sizeof(big);		/* newer caller: zero tail is fine */
	ck_assert_int_eq(pool_stats_get(p, &big.st), 0);
	ck_assert_uint_eq(big.st.total, 1);
	big.future = 1;
	ck_assert_int_eq(pool_stats_get(p, &big.st), -EINVAL);
	memset(&old, 0xff, sizeof(old));
	old.sz = offsetof(struct pool_stats, hits);	/* older caller: partial fill */
	ck_assert_int_eq(pool_stats_get(p, &old), 0);
	ck_assert_uint_eq(old.acquires, 0);
	ck_assert_uint_eq(old.hits, UINT64_MAX);	/* untouched */
	pool_destroy(p);
}
END_TEST

/* Live heap bytes: ASan's count (no quarantine), else glibc's. */
static size_t heap_live_bytes(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/*
 * Regression (#15): a 4033..4095-byte buffer is a heap block rounded to
 * 4096, and host_free() took it for mmap'ed memory from its size: munmap
 * failed (the block leaked) or, page aligned, unmapped a page of the heap.
 * Debug mode adds a 64-byte tail, so 3969..4031 bytes did the same.
 */
START_TEST(test_host_subpage_rounded_to_page)
{
	static const struct {
		size_t size;
		unsigned int flags;
	} c[] = {
		{ 4033, POOL_F_NO_DEBUG }, { 4050, POOL_F_NO_DEBUG }, { 4095, POOL_F_NO_DEBUG },
		{ 4032, POOL_F_NO_DEBUG }, { 3969, POOL_F_DEBUG }, { 4000, POOL_F_DEBUG },
		{ 4031, POOL_F_DEBUG },
	};
	size_t before = heap_live_bytes();

	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int round = 0; round < 50; round++) {
			POOL_OPTS(pool_opts, o, .name = "subpage", .size = c[i].size,
				  .initial = 64, .flags = c[i].flags,
				  .backend = pool_backend_host(0));
			struct pool *p = pool_create(&o);
			struct pool_buf *b;

			ck_assert_msg(p, "pool_create(%zu): %s", c[i].size, strerror(errno));
			ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
			memset(pool_buf_data(b), 0xa5, c[i].size);
			ck_assert_int_eq(pool_release(b), 0);
			pool_destroy(p);
		}
	}
	/* 7 x 50 x 64 x 4 KiB = 89 MiB leaked before the fix */
	ck_assert_msg(heap_live_bytes() < before + (8u << 20),
		      "heap grew from %zu to %zu bytes", before, heap_live_bytes());
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_shape_dtype_size);
	tcase_add_test(tc, test_explicit_size_agrees);
	tcase_add_test(tc, test_lifo_reuse_no_alloc);
	tcase_add_test(tc, test_initial_min_max_growth);
	tcase_add_test(tc, test_grow_double);
	tcase_add_test(tc, test_grow_linear_step_and_none);
	tcase_add_test(tc, test_refcount);
	tcase_add_test(tc, test_bulk_all_or_nothing);
	tcase_add_test(tc, test_bulk_roundtrip);
	tcase_add_test(tc, test_zero_on_release);
	tcase_add_test(tc, test_timeout_and_eagain);
	tcase_add_test(tc, test_waiter_woken_by_release);
	tcase_add_test(tc, test_destroy_wakes_waiters);
	tcase_add_test(tc, test_destroy_leak_report_and_late_release);
	tcase_add_test(tc, test_destroy_null_and_empty);
	tcase_add_test(tc, test_idle_timeout_trim);
	tcase_add_test(tc, test_idle_trim_without_timeout_is_noop);
	tcase_add_test(tc, test_max_cached_bytes);
	tcase_add_test(tc, test_thread_cache_bounded_by_bytes);
	tcase_add_test(tc, test_thread_exit_flushes_cache);
	tcase_add_test(tc, test_pool_destroyed_before_thread_exit);
	tcase_add_test(tc, test_stats_formats);
	tcase_add_test(tc, test_stats_sz_growth);
	tcase_add_test(tc, test_host_subpage_rounded_to_page);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = pool_suite);
