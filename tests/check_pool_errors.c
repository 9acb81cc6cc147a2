// SPDX-License-Identifier: MIT
/* libpool error paths: each bad input is refused and changes nothing. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pool/pool.h>

#include "pool_testutil.h"
#include "runner.h"

static struct pool_stats stats(struct pool *p)
{
	struct pool_stats st = { .sz = sizeof(st) };

	ck_assert_int_eq(pool_stats_get(p, &st), 0);
	return st;
}

static void create_fails(const struct pool_opts *o, int err)
{
	errno = 0;
	ck_assert_ptr_null(pool_create(o));
	ck_assert_int_eq(errno, err);
}

START_TEST(test_zero_sizes)
{
	POOL_OPTS(pool_opts, none, .initial = 1);
	POOL_OPTS(pool_opts, dim0, .dtype = POOL_DTYPE_F32, .ndim = 2, .shape = { 80, 0 });

	create_fails(&none, EINVAL);
	create_fails(&dim0, EINVAL);
	create_fails(NULL, EINVAL);
}
END_TEST

START_TEST(test_overflowing_sizes)
{
	POOL_OPTS(pool_opts, o, .dtype = POOL_DTYPE_F64, .ndim = 3,
		  .shape = { SIZE_MAX / 4, 4, 2 });
	POOL_OPTS(pool_opts, huge, .size = SIZE_MAX - 10);

	create_fails(&o, EOVERFLOW);
	create_fails(&huge, EOVERFLOW);
}
END_TEST

START_TEST(test_max_below_initial)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 8, .max = 4);
	POOL_OPTS(pool_opts, m, .size = 4096, .min = 8, .max = 4);
	POOL_OPTS(pool_opts, g, .size = 4096, .initial = 2, .max = 3, .grow = POOL_GROW_NONE);
	POOL_OPTS(pool_opts, b, .size = 4096, .grow = 9);

	create_fails(&o, EINVAL);
	create_fails(&m, EINVAL);
	create_fails(&g, EINVAL);
	create_fails(&b, EINVAL);
}
END_TEST

START_TEST(test_unknown_flag_bits)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .flags = 1u << 20);
	POOL_OPTS(pool_opts, be, .size = 4096, .flags = POOL_F_THP,
		  .backend = pool_backend_host(0));

	create_fails(&o, EINVAL);
	create_fails(&be, EINVAL);	/* host flags only for the default backend */
	errno = 0;
	ck_assert_ptr_null(pool_backend_host(1u << 9));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_shape_size_mismatch)
{
	POOL_OPTS(pool_opts, o, .dtype = POOL_DTYPE_F32, .ndim = 1, .shape = { 480000 },
		  .size = 480000);		/* bytes, not samples */
	POOL_OPTS(pool_opts, odd, .dtype = POOL_DTYPE_F32, .size = 10);
	POOL_OPTS(pool_opts, dims, .dtype = POOL_DTYPE_F32, .ndim = 5);
	POOL_OPTS(pool_opts, dt, .dtype = 99, .size = 64);

	create_fails(&o, EINVAL);
	create_fails(&odd, EINVAL);
	create_fails(&dims, EINVAL);
	create_fails(&dt, EINVAL);
}
END_TEST

START_TEST(test_opts_sz)
{
	struct { struct pool_opts o; char future[16]; } big;
	struct pool_opts small;
	struct pool *p;

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.size = 4096;
	p = pool_create(&big.o);	/* newer struct, zero tail: fine */
	ck_assert_ptr_nonnull(p);
	pool_destroy(p);
	big.future[3] = 1;
	create_fails(&big.o, EINVAL);
	memset(&small, 0, sizeof(small));
	small.sz = 2;
	create_fails(&small, EINVAL);
	/* an old caller that knew only up to `size`: later fields read as 0 */
	memset(&small, 0xff, sizeof(small));
	small.sz = offsetof(struct pool_opts, size) + sizeof(size_t);
	small.name = "old";
	small.dtype = POOL_DTYPE_BYTES;
	small.ndim = 0;
	small.size = 4096;
	p = pool_create(&small);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(stats(p).total, 0);
	pool_destroy(p);
}
END_TEST

START_TEST(test_bad_names)
{
	char longname[100];
	POOL_OPTS(pool_opts, o, .size = 4096, .name = "");

	create_fails(&o, EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	o.name = longname;
	create_fails(&o, EINVAL);
}
END_TEST

START_TEST(test_double_release)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2);
	struct pool *p = pool_create(&o);
	struct pool_buf *b, *c;
	struct pool_stats before, after;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(b), 0);
	before = stats(p);
	ck_assert_int_eq(pool_release(b), -EINVAL);
	ck_assert_int_eq(pool_release_to(p, b), -EINVAL);
	after = stats(p);
	ck_assert_uint_eq(after.releases, before.releases);
	ck_assert_uint_eq(after.idle, before.idle);
	/* the pool is intact: two distinct buffers, not the same one twice */
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &c, POOL_NOWAIT), 0);
	ck_assert_ptr_ne(b, c);
	pool_release(c);
	pool_release(b);
	pool_destroy(p);
}
END_TEST

START_TEST(test_double_release_refcounted)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 1);
	struct pool *p = pool_create(&o);
	struct pool_buf *b;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	pool_buf_ref(b);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_release(b), -EINVAL);
	ck_assert_uint_eq(stats(p).releases, 1);
	pool_destroy(p);
}
END_TEST

START_TEST(test_foreign_release)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1);
	struct pool *p = pool_create(&o), *q = pool_create(&o);
	struct pool_buf *b;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_to(q, b), -EINVAL);
	ck_assert_int_eq(pool_release_to(NULL, b), -EINVAL);
	ck_assert_int_eq(pool_buf_refs(b), 1);		/* still held */
	ck_assert_uint_eq(stats(q).releases, 0);
	ck_assert_int_eq(pool_release_to(p, b), 0);
	pool_destroy(p);
	pool_destroy(q);
}
END_TEST

START_TEST(test_not_a_buffer)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1);
	struct pool *p = pool_create(&o);
	uint64_t junk[64];
	struct pool_buf *b;
	void *heap = calloc(1, 512);

	memset(junk, 0x5a, sizeof(junk));
	ck_assert_int_eq(pool_release(NULL), -EINVAL);
	ck_assert_int_eq(pool_release((struct pool_buf *)junk), -EINVAL);
	ck_assert_int_eq(pool_release((struct pool_buf *)heap), -EINVAL);
	ck_assert_int_eq(pool_release((struct pool_buf *)((char *)junk + 1)), -EINVAL);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	/* the classic mistake: passing the data pointer */
	ck_assert_int_eq(pool_release((struct pool_buf *)pool_buf_data(b)), -EINVAL);
	ck_assert_int_eq(pool_buf_ref((struct pool_buf *)junk), -EINVAL);
	ck_assert_int_eq(pool_buf_refs((struct pool_buf *)junk), -EINVAL);
	ck_assert_ptr_null(pool_buf_data((struct pool_buf *)junk));
	/* the inline accessors and the exported functions agree */
	ck_assert_ptr_null((pool_buf_data)((struct pool_buf *)junk));
	ck_assert_ptr_null(pool_buf_data((struct pool_buf *)((char *)junk + 4)));
	ck_assert_ptr_null(pool_buf_data(NULL));
	ck_assert_uint_eq(pool_buf_size((struct pool_buf *)heap), 0);
	ck_assert_ptr_nonnull(pool_buf_data(b));
	ck_assert_ptr_eq(pool_buf_data(b), (pool_buf_data)(b));
	ck_assert_uint_eq(pool_buf_size(b), 4096);
	ck_assert_uint_eq(pool_buf_size(b), (pool_buf_size)(b));
	ck_assert_uint_eq(pool_buf_capacity(b), 4096);
	ck_assert_int_eq(pool_buf_sync((struct pool_buf *)junk, POOL_SYNC_TO_DEVICE, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(pool_buf_sync(b, 5, 0, 0), -EINVAL);
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 4096, 1), -EINVAL);
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 0, 8192), -EINVAL);
	ck_assert_int_eq(pool_release(b), 0);
	/* a released buffer cannot be synced or exported */
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 0, 0), -EINVAL);
	ck_assert_int_eq(pool_acquire(NULL, &b, 0), -EINVAL);
	ck_assert_int_eq(pool_acquire(p, NULL, 0), -EINVAL);
	ck_assert_int_eq(pool_acquire((struct pool *)junk, &b, 0), -EINVAL);
	free(heap);
	pool_destroy(p);
}
END_TEST

START_TEST(test_acquire_after_destroy)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2);
	struct pool *p = pool_create(&o);
	struct pool_buf *held, *b, *v[2];

	ck_assert_int_eq(pool_acquire(p, &held, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_destroy(p), 1);
	/* valid until the last release: every call is refused cleanly */
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), -ESHUTDOWN);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_FOREVER), -ESHUTDOWN);
	ck_assert_int_eq(pool_acquire_bulk(p, v, 2, POOL_NOWAIT), -ESHUTDOWN);
	ck_assert_int_eq(pool_destroy(p), -EINVAL);	/* twice */
	ck_assert_int_eq(pool_buf_ref(held), 0);
	ck_assert_int_eq(pool_release(held), 0);
	ck_assert_int_eq(pool_release(held), 0);	/* last: frees the pool */
}
END_TEST

START_TEST(test_enomem_on_nth_prealloc)
{
	struct fault_backend fb;

	fault_backend_init(&fb, 3);
	{
		POOL_OPTS(pool_opts, o, .size = 4096, .initial = 5, .backend = fb.be);

		create_fails(&o, ENOMEM);
	}
	ck_assert_int_eq(atomic_load(&fb.live), 0);	/* the two made are freed */
	ck_assert_int_eq(atomic_load(&fb.destroyed), 0);
	fault_backend_fini(&fb);
	ck_assert_int_eq(atomic_load(&fb.destroyed), 1);
}
END_TEST

START_TEST(test_enomem_on_nth_grow)
{
	struct fault_backend fb;
	struct pool_buf *b[4];
	struct pool *p;
	struct pool_stats st;

	fault_backend_init(&fb, 3);
	{
		POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 4, .backend = fb.be,
			  .flags = POOL_F_NO_CACHE);

		p = pool_create(&o);
	}
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pool_acquire(p, &b[0], POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b[1], POOL_NOWAIT), 0);	/* alloc #2 */
	ck_assert_int_eq(pool_acquire(p, &b[2], POOL_NOWAIT), -ENOMEM);	/* #3 fails */
	st = stats(p);
	ck_assert_uint_eq(st.total, 2);
	ck_assert_uint_eq(st.outstanding, 2);
	ck_assert_int_eq(atomic_load(&fb.live), 2);
	/* consistent afterwards: the next allocation works and max still holds */
	ck_assert_int_eq(pool_acquire(p, &b[2], POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b[3], POOL_NOWAIT), 0);
	{
		struct pool_buf *x;

		ck_assert_int_eq(pool_acquire(p, &x, POOL_NOWAIT), -EAGAIN);	/* at max */
	}
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pool_release(b[i]), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
	ck_assert_int_eq(atomic_load(&fb.live), 0);
	fault_backend_fini(&fb);
}
END_TEST

START_TEST(test_enomem_bulk_all_or_nothing)
{
	struct fault_backend fb;
	struct pool_buf *v[4] = { 0 };
	struct pool *p;

	fault_backend_init(&fb, 3);
	{
		POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 8, .backend = fb.be);

		p = pool_create(&o);
	}
	ck_assert_int_eq(pool_acquire_bulk(p, v, 4, POOL_NOWAIT), -ENOMEM);
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(v[i]);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	ck_assert_int_eq(pool_acquire_bulk(p, v, 4, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_bulk(v, 4), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
	ck_assert_int_eq(atomic_load(&fb.live), 0);
	fault_backend_fini(&fb);
}
END_TEST

START_TEST(test_backend_error_code_passes_through)
{
	struct fault_backend fb;
	struct pool_buf *b;
	struct pool *p;

	fault_backend_init(&fb, 1);
	fb.fail_err = -ENOSPC;
	fb.fail_sticky = true;
	{
		POOL_OPTS(pool_opts, o, .size = 4096, .backend = fb.be);

		p = pool_create(&o);
	}
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), -ENOSPC);
	ck_assert_int_eq(pool_acquire(p, &b, 1000000), -ENOSPC);	/* no wait */
	ck_assert_uint_eq(stats(p).total, 0);
	pool_destroy(p);
	fault_backend_fini(&fb);
}
END_TEST

START_TEST(test_backend_ops_validation)
{
	struct pool_backend_ops ops = { .sz = sizeof(ops) };

	errno = 0;
	ck_assert_ptr_null(pool_backend_create(&ops, NULL));	/* no alloc/free */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(pool_backend_create(NULL, NULL));
	ck_assert_str_eq(pool_backend_name(pool_backend_host(0)), "host");
	pool_backend_put(pool_backend_host(0));	/* static: a no-op */
	pool_backend_put(NULL);
}
END_TEST

START_TEST(test_fenced_bad_args)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1);
	struct pool *p = pool_create(&o);
	struct pool_fence nofn = { 0 };
	struct pool_buf *b;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_fenced(b, NULL), -EINVAL);
	ck_assert_int_eq(pool_release_fenced(b, &nofn), -EINVAL);
	ck_assert_int_eq(pool_buf_refs(b), 1);
	ck_assert_int_eq(pool_release(b), 0);
	pool_destroy(p);
}
END_TEST

static int sz_signalled(void *ctx, uint64_t seq)
{
	(void)seq;
	return ++*(int *)ctx >= 2;	/* busy once, then signalled */
}

static unsigned int sz_gets;

static void sz_get(void *ctx)
{
	(void)ctx;
	sz_gets++;
}

/*
 * pool_fence_ops is versioned by sz (#15): no sz is refused; ops from an
 * older header (sz = V1) have their get/put ignored even if the bytes past
 * sz are not NULL; a newer struct's unknown non-zero tail is refused.
 */
START_TEST(test_fence_ops_sz)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 1);
	struct {
		struct pool_fence_ops ops;
		uint64_t newer;
	} big = { .ops = { .sz = sizeof(big), .signalled = sz_signalled }, .newer = 1 };
	struct pool_fence_ops ops = { .signalled = sz_signalled, .get = sz_get, .put = sz_get };
	struct pool *p = pool_create(&o);
	struct pool_fence f = { .ops = &ops };
	struct pool_buf *b;
	int polls = 0;

	f.ctx = &polls;
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_fenced(b, &f), -EINVAL);		/* sz 0 */
	ops.sz = POOL_FENCE_OPS_SZ_MIN - 1;
	ck_assert_int_eq(pool_release_fenced(b, &f), -EINVAL);
	f.ops = &big.ops;
	ck_assert_int_eq(pool_release_fenced(b, &f), -EINVAL);		/* unknown tail */
	big.newer = 0;
	f.ops = &ops;
	ops.sz = POOL_FENCE_OPS_SZ_V1;		/* get/put are beyond sz */
	ck_assert_int_eq(pool_buf_refs(b), 1);
	ck_assert_int_eq(pool_release_fenced(b, &f), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_FOREVER), 0);
	ck_assert_uint_eq(sz_gets, 0);
	ck_assert_int_ge(polls, 2);
	ops.sz = sizeof(ops);
	polls = 0;
	ck_assert_int_eq(pool_release_fenced(b, &f), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_FOREVER), 0);
	ck_assert_uint_eq(sz_gets, 2);			/* get, then put */
	f.ops = &big.ops;
	ck_assert_int_eq(pool_release_fenced(b, &f), 0);	/* zero tail: fine */
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

static Suite *errors_suite(void)
{
	Suite *s = suite_create("pool_errors");
	TCase *tc = tcase_create("errors");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_zero_sizes);
	tcase_add_test(tc, test_overflowing_sizes);
	tcase_add_test(tc, test_max_below_initial);
	tcase_add_test(tc, test_unknown_flag_bits);
	tcase_add_test(tc, test_shape_size_mismatch);
	tcase_add_test(tc, test_opts_sz);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_double_release);
	tcase_add_test(tc, test_double_release_refcounted);
	tcase_add_test(tc, test_foreign_release);
	tcase_add_test(tc, test_not_a_buffer);
	tcase_add_test(tc, test_acquire_after_destroy);
	tcase_add_test(tc, test_enomem_on_nth_prealloc);
	tcase_add_test(tc, test_enomem_on_nth_grow);
	tcase_add_test(tc, test_enomem_bulk_all_or_nothing);
	tcase_add_test(tc, test_backend_error_code_passes_through);
	tcase_add_test(tc, test_backend_ops_validation);
	tcase_add_test(tc, test_fenced_bad_args);
	tcase_add_test(tc, test_fence_ops_sz);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = errors_suite);
