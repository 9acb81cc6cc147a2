// SPDX-License-Identifier: MIT
/* Fences, handoff channels, size classes, debug mode and the monitor. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/poolset.h>

#include "pool_testutil.h"
#include "runner.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

/*
 * Debug pools hand out buffers marked undefined for valgrind (their stale
 * content must not be used); tests that inspect the poison declare it read.
 */
static unsigned char peek(const unsigned char *d, size_t i)
{
	VALGRIND_MAKE_MEM_DEFINED(d + i, 1);
	return d[i];
}

static struct pool_stats stats(struct pool *p)
{
	struct pool_stats st = { .sz = sizeof(st) };

	ck_assert_int_eq(pool_stats_get(p, &st), 0);
	return st;
}

/* ----------------------------------------------------------------- fences */

START_TEST(test_fence_busy_until_signalled)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2, .max = 2);
	struct fake_timeline tl = { 0 };
	struct pool *p = pool_create(&o);
	struct pool_buf *a, *b, *x;
	struct pool_fence f1 = fake_fence(&tl, 1), f2 = fake_fence(&tl, 2);

	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_fenced(a, &f1), 0);
	ck_assert_int_eq(pool_release_fenced(b, &f2), 0);
	ck_assert_int_eq(pool_release_fenced(b, &f2), -EINVAL);	/* not held */
	ck_assert_uint_eq(stats(p).busy, 2);
	ck_assert_uint_eq(stats(p).fenced, 2);
	/* nothing signalled: no buffer, and the fences were checked */
	ck_assert_int_eq(pool_acquire(p, &x, POOL_NOWAIT), -EAGAIN);
	ck_assert_int_gt(atomic_load(&tl.checks), 0);
	atomic_store(&tl.done, 1);
	ck_assert_int_eq(pool_acquire(p, &x, POOL_NOWAIT), 0);
	ck_assert_ptr_eq(x, a);		/* the signalled (oldest) one */
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), -EAGAIN);
	pool_release(x);
	atomic_store(&tl.done, 2);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

static void *signal_later(void *arg)
{
	struct fake_timeline *tl = arg;

	usleep(20000);
	atomic_store(&tl->done, 5);
	return NULL;
}

START_TEST(test_fence_wait_in_acquire)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 1);
	struct fake_timeline tl = { 0 };
	struct pool *p = pool_create(&o);
	struct pool_buf *a, *x;
	struct pool_fence f = fake_fence(&tl, 5);
	pthread_t t;

	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release_fenced(a, &f), 0);
	pthread_create(&t, NULL, signal_later, &tl);
	/* blocks on the oldest fence instead of stalling on the condvar */
	ck_assert_int_eq(pool_acquire(p, &x, 5ll * 1000000000), 0);
	ck_assert_ptr_eq(x, a);
	ck_assert_int_gt(atomic_load(&tl.waits), 0);
	pthread_join(t, NULL);
	pool_release(x);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

START_TEST(test_fence_with_refs_and_destroy)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 1, .flags = POOL_F_ZERO);
	struct fake_timeline tl = { 0 };
	struct pool *p = pool_create(&o);
	struct pool_buf *a;
	struct pool_fence f = fake_fence(&tl, 3);

	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	memset(pool_buf_data(a), 1, 4096);
	pool_buf_ref(a);
	/* first holder hands it to the device; the second still uses it */
	ck_assert_int_eq(pool_release_fenced(a, &f), 0);
	ck_assert_uint_eq(stats(p).busy, 0);
	ck_assert_int_eq(((unsigned char *)pool_buf_data(a))[0], 1);	/* not zeroed */
	ck_assert_int_eq(pool_release(a), 0);	/* last: onto the busy list */
	ck_assert_uint_eq(stats(p).busy, 1);
	atomic_store(&tl.done, 3);
	ck_assert_int_eq(pool_trim(p, POOL_TRIM_IDLE), 0);	/* reaps, no timeout set */
	ck_assert_uint_eq(stats(p).busy, 0);
	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(((unsigned char *)pool_buf_data(a))[0], 0);	/* zeroed at reuse */
	pool_release(a);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

/* --------------------------------------------------------------- channels */

START_TEST(test_chan_semantics)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 3);
	POOL_OPTS(pool_chan_opts, co, .capacity = 2);
	struct pool *p = pool_create(&o);
	struct pool_chan *ch = pool_chan_create(&co);
	struct pool_buf *a, *b, *c, *x;
	uint64_t t0;

	ck_assert_ptr_nonnull(ch);
	pool_acquire(p, &a, POOL_NOWAIT);
	pool_acquire(p, &b, POOL_NOWAIT);
	pool_acquire(p, &c, POOL_NOWAIT);
	ck_assert_int_eq(pool_chan_recv(ch, &x, POOL_NOWAIT), -EAGAIN);
	t0 = test_now_ns();
	ck_assert_int_eq(pool_chan_recv(ch, &x, 10 * 1000000), -ETIMEDOUT);
	ck_assert_uint_ge(test_now_ns() - t0, 10 * 1000000);
	/* a stage keeps a reference while the next one consumes the buffer */
	ck_assert_int_eq(pool_buf_ref(a), 0);
	ck_assert_int_eq(pool_chan_send(ch, a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_chan_send(ch, b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_chan_send(ch, c, POOL_NOWAIT), -EAGAIN);	/* full */
	ck_assert_int_eq(pool_chan_send(ch, c, 1000000), -ETIMEDOUT);
	ck_assert_uint_eq(pool_chan_len(ch), 2);
	ck_assert_int_eq(pool_chan_recv(ch, &x, POOL_NOWAIT), 0);
	ck_assert_ptr_eq(x, a);		/* FIFO, same buffer: no copy */
	ck_assert_int_eq(pool_release(x), 0);
	ck_assert_int_eq(pool_buf_refs(a), 1);	/* our kept reference */
	ck_assert_int_eq(pool_release(a), 0);
	pool_chan_close(ch);
	ck_assert_int_eq(pool_chan_send(ch, c, POOL_NOWAIT), -EPIPE);
	ck_assert_int_eq(pool_chan_recv(ch, &x, POOL_FOREVER), 0);	/* drains */
	ck_assert_ptr_eq(x, b);
	ck_assert_int_eq(pool_chan_recv(ch, &x, POOL_FOREVER), -EPIPE);
	pool_release(b);
	pool_release(c);
	ck_assert_int_eq(pool_chan_send(ch, c, POOL_NOWAIT), -EINVAL);	/* released */
	pool_chan_destroy(ch);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	pool_destroy(p);
}
END_TEST

START_TEST(test_chan_destroy_releases_queued)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2);
	struct pool *p = pool_create(&o);
	struct pool_chan *ch = pool_chan_create(NULL);
	struct pool_buf *a;

	ck_assert_ptr_nonnull(ch);
	pool_acquire(p, &a, POOL_NOWAIT);
	ck_assert_int_eq(pool_chan_send(ch, a, POOL_NOWAIT), 0);
	pool_chan_destroy(ch);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

/*
 * A buffer sent into a channel is the channel's: a stray release, re-send,
 * ref or fenced release by the sender is -EINVAL and changes nothing; the
 * pool never hands it out again before the receiver releases it.
 */
static void check_chan_owns(struct pool *p, struct pool_classes *cls)
{
	POOL_OPTS(pool_chan_opts, co, .capacity = 2);
	struct pool_chan *ch = pool_chan_create(&co), *other = pool_chan_create(&co);
	struct pool_buf *b, *x, *y;
	struct fake_timeline tl = { 0 };
	struct pool_fence f = fake_fence(&tl, 1);
	struct pool_stats before, after;

	ck_assert_ptr_nonnull(ch);
	ck_assert_ptr_nonnull(other);
	if (cls)
		ck_assert_int_eq(pool_classes_acquire(cls, 3000, &b, POOL_NOWAIT), 0);
	else
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	p = pool_buf_pool(b);
	ck_assert_int_eq(pool_chan_send(ch, b, POOL_NOWAIT), 0);
	before = stats(p);
	ck_assert_int_eq(pool_release(b), -EINVAL);
	ck_assert_int_eq(pool_release_to(p, b), -EINVAL);
	ck_assert_int_eq(pool_release_bulk(&b, 1), -EINVAL);
	ck_assert_int_eq(pool_release_fenced(b, &f), -EINVAL);
	ck_assert_int_eq(pool_buf_ref(b), -EINVAL);
	ck_assert_int_eq(pool_chan_send(ch, b, POOL_NOWAIT), -EINVAL);
	ck_assert_int_eq(pool_chan_send(other, b, POOL_NOWAIT), -EINVAL);
	ck_assert_uint_eq(pool_chan_len(ch), 1);
	ck_assert_uint_eq(pool_chan_len(other), 0);
	ck_assert_int_eq(pool_buf_refs(b), 1);
	after = stats(p);
	ck_assert_uint_eq(after.releases, before.releases);
	ck_assert_uint_eq(after.idle, before.idle);
	ck_assert_uint_eq(after.fenced, before.fenced);
	/* the pool does not hand it out while the channel owns it */
	if (cls)
		ck_assert_int_eq(pool_classes_acquire(cls, 3000, &y, POOL_NOWAIT), 0);
	else
		ck_assert_int_eq(pool_acquire(p, &y, POOL_NOWAIT), 0);
	ck_assert_ptr_ne(y, b);
	ck_assert_int_eq(pool_chan_recv(ch, &x, POOL_NOWAIT), 0);
	ck_assert_ptr_eq(x, b);
	/* received: the receiver's reference is an ordinary one */
	ck_assert_int_eq(pool_buf_ref(x), 0);
	ck_assert_int_eq(pool_release(x), 0);
	ck_assert_int_eq(pool_release(x), 0);
	ck_assert_int_eq(pool_release(x), -EINVAL);
	ck_assert_int_eq(pool_release(y), 0);
	ck_assert_uint_eq(stats(p).outstanding, 0);
	pool_chan_destroy(ch);
	pool_chan_destroy(other);
}

START_TEST(test_chan_owns_sent_buffer)
{
	static const unsigned int modes[] = {
		POOL_F_NO_DEBUG, POOL_F_DEBUG, POOL_F_NO_CACHE | POOL_F_NO_DEBUG,
		POOL_F_NO_CACHE | POOL_F_DEBUG, POOL_F_ZERO | POOL_F_NO_DEBUG,
	};

	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2, .flags = modes[i]);
		struct pool *p = pool_create(&o);

		ck_assert_ptr_nonnull(p);
		check_chan_owns(p, NULL);
		ck_assert_int_eq(pool_destroy(p), 0);
	}
	/* size classes: a class pool and a direct (freed at release) buffer */
	for (unsigned int i = 0; i < 2; i++) {
		POOL_OPTS(pool_classes_opts, co, .max_class = i ? 2048 : 0);
		struct pool_classes *cls = pool_classes_create(&co);

		ck_assert_ptr_nonnull(cls);
		check_chan_owns(NULL, cls);
		pool_classes_destroy(cls);
	}
}
END_TEST

/* A kept reference is the keeper's to drop; the channel's one is not. */
START_TEST(test_chan_owns_with_kept_ref)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 2);
	struct pool *p = pool_create(&o);
	struct pool_chan *ch = pool_chan_create(NULL);
	struct pool_buf *b, *x;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_buf_ref(b), 0);
	ck_assert_int_eq(pool_chan_send(ch, b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_chan_send(ch, b, POOL_NOWAIT), -EINVAL);	/* one channel */
	ck_assert_int_eq(pool_buf_ref(b), 0);		/* the keeper may */
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_release(b), 0);		/* the keeper's refs are gone */
	ck_assert_int_eq(pool_release(b), -EINVAL);	/* the channel's is not */
	ck_assert_int_eq(pool_buf_refs(b), 1);
	ck_assert_uint_eq(stats(p).releases, 0);
	ck_assert_int_eq(pool_chan_recv(ch, &x, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(x), 0);
	/* a failed send leaves the buffer with the sender */
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	pool_chan_close(ch);
	ck_assert_int_eq(pool_chan_send(ch, b, POOL_NOWAIT), -EPIPE);
	ck_assert_int_eq(pool_release(b), 0);
	pool_chan_destroy(ch);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

/* ------------------------------------------------------------ size classes */

START_TEST(test_class_table)
{
	struct pool_classes *cls = pool_classes_create(NULL);
	unsigned int n;
	size_t prev = 0;

	ck_assert_ptr_nonnull(cls);
	n = pool_classes_count(cls);
	/* 256 B .. 4 MiB: 15 powers of two, then 16 quarter steps to 64 MiB */
	ck_assert_uint_eq(n, 15 + 16);
	ck_assert_uint_eq(pool_classes_size(cls, 0), 256);
	ck_assert_uint_eq(pool_classes_size(cls, 14), 4u << 20);
	ck_assert_uint_eq(pool_classes_size(cls, 15), 5u << 20);
	ck_assert_uint_eq(pool_classes_size(cls, 16), 6u << 20);
	ck_assert_uint_eq(pool_classes_size(cls, 19), 10u << 20);
	ck_assert_uint_eq(pool_classes_size(cls, n - 1), 64u << 20);
	ck_assert_uint_eq(pool_classes_size(cls, n), 0);
	for (unsigned int i = 0; i < n; i++) {
		size_t s = pool_classes_size(cls, i);

		ck_assert_uint_gt(s, prev);
		/* waste above 4 MiB is at most 25 % */
		if (prev >= (4u << 20))
			ck_assert_uint_le((s - prev - 1) * 100 / s, 25);
		prev = s;
	}
	/* default caps */
	ck_assert_uint_eq(pool_classes_cap(cls, pool_classes_index(cls, 4096)), 1000);
	ck_assert_uint_eq(pool_classes_cap(cls, pool_classes_index(cls, 64 << 10)), 500);
	ck_assert_uint_eq(pool_classes_cap(cls, pool_classes_index(cls, 1 << 20)), 100);
	ck_assert_uint_eq(pool_classes_cap(cls, pool_classes_index(cls, 2 << 20)), 16);
	ck_assert_int_eq(pool_classes_index(cls, 1), 0);
	ck_assert_int_eq(pool_classes_index(cls, 257), 1);
	ck_assert_int_eq(pool_classes_index(cls, (4u << 20) + 1), 15);
	ck_assert_int_eq(pool_classes_index(cls, (64u << 20) + 1), -ERANGE);
	pool_classes_destroy(cls);
}
END_TEST

START_TEST(test_class_acquire_and_direct)
{
	static const struct pool_class_cap caps[] = { { 8192, 2 }, { 1 << 20, 1 } };
	POOL_OPTS(pool_classes_opts, co, .name = "c", .min_class = 4096, .max_class = 1 << 20,
		  .caps = caps, .ncaps = 2);
	struct pool_classes *cls = pool_classes_create(&co);
	struct pool_buf *a, *b, *c, *d;
	struct pool *direct;

	ck_assert_ptr_nonnull(cls);
	ck_assert_ptr_null(pool_classes_pool(cls, 0));	/* created on first use */
	ck_assert_int_eq(pool_classes_acquire(cls, 5000, &a, POOL_NOWAIT), 0);
	ck_assert_uint_eq(pool_buf_size(a), 5000);
	ck_assert_uint_eq(pool_buf_capacity(a), 8192);
	ck_assert_str_eq(pool_name(pool_buf_pool(a)), "c.8192");
	ck_assert_int_eq(pool_classes_acquire(cls, 8192, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_classes_acquire(cls, 6000, &c, POOL_NOWAIT), -EAGAIN);	/* cap */
	ck_assert_int_eq(pool_classes_acquire(cls, 0, &c, POOL_NOWAIT), -EINVAL);
	/* beyond the largest class: straight to the backend, freed at release */
	ck_assert_int_eq(pool_classes_acquire(cls, 3u << 20, &d, POOL_NOWAIT), 0);
	direct = pool_classes_direct(cls);
	ck_assert_ptr_eq(pool_buf_pool(d), direct);
	ck_assert_uint_eq(pool_buf_size(d), 3u << 20);
	memset(pool_buf_data(d), 7, 3u << 20);
	ck_assert_uint_eq(stats(direct).total, 1);
	ck_assert_int_eq(pool_release(d), 0);
	ck_assert_int_eq(pool_release(d), -EINVAL);
	ck_assert_uint_eq(stats(direct).total, 0);
	ck_assert_uint_eq(stats(direct).frees, 1);
	ck_assert_int_eq(pool_release(a), 0);
	ck_assert_int_eq(pool_classes_acquire(cls, 6000, &c, POOL_NOWAIT), 0);
	ck_assert_ptr_eq(c, a);		/* reused */
	ck_assert_uint_eq(pool_buf_size(c), 6000);
	pool_release(b);
	pool_release(c);
	ck_assert_int_eq(pool_classes_trim(cls, 0), 2);
	pool_classes_destroy(cls);
}
END_TEST

START_TEST(test_class_bad_opts)
{
	static const struct pool_class_cap unsorted[] = { { 8192, 2 }, { 4096, 1 } };
	POOL_OPTS(pool_classes_opts, a, .min_class = 3000);
	POOL_OPTS(pool_classes_opts, b, .caps = unsorted, .ncaps = 2);
	POOL_OPTS(pool_classes_opts, c, .min_class = 8192, .max_class = 4096);

	ck_assert_ptr_null(pool_classes_create(&a));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(pool_classes_create(&b));
	ck_assert_ptr_null(pool_classes_create(&c));
}
END_TEST

/* ----------------------------------------------------------------- debug */

static struct pool *debug_pool(struct fault_log *faults, struct report_log *log, size_t size,
			       unsigned int flags)
{
	POOL_OPTS(pool_opts, o, .name = "dbg", .size = size, .initial = 1, .max = 1,
		  .flags = POOL_F_DEBUG | flags, .on_fault = fault_collect, .fault_arg = faults,
		  .report = report_collect, .report_arg = log);
	struct pool *p = pool_create(&o);

	ck_assert_ptr_nonnull(p);
	return p;
}

struct stale_ctx {
	struct pool *p;
	struct pool_buf *got;
};

static void *acquire_other(void *arg)
{
	struct stale_ctx *s = arg;

	/* a wait: the buffer sits in the releasing thread's cache */
	ck_assert_int_eq(pool_acquire(s->p, &s->got, 1000000000), 0);
	return NULL;
}

/*
 * Regression (#15): a stale handle -- kept after its release, while the
 * buffer went to a new owner -- released the new owner's buffer and
 * returned 0.  Debug mode gives every acquire a handle of its own, so the
 * stale one is refused (-EINVAL, a fault) and the owner keeps its buffer.
 */
START_TEST(test_debug_stale_handle)
{
	struct fault_log faults = { 0 };
	struct report_log log = { 0 };
	struct pool *p = debug_pool(&faults, &log, 256, 0);
	struct stale_ctx s = { .p = p };
	struct pool_buf *a;
	pthread_t t;

	ck_assert_int_eq(pool_acquire(p, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(a), 0);
	/* the pool's only buffer goes to another owner */
	ck_assert_int_eq(pthread_create(&t, NULL, acquire_other, &s), 0);
	pthread_join(t, NULL);
	ck_assert_ptr_nonnull(s.got);
	ck_assert_ptr_ne(s.got, a);
	memset(pool_buf_data(s.got), 3, 256);
	ck_assert_int_eq(pool_release(a), -EINVAL);		/* stale */
	ck_assert_int_eq(atomic_load(&faults.n), 1);
	ck_assert_msg(strstr(faults.last, "stale handle"), "'%s'", faults.last);
	ck_assert_uint_eq(stats(p).outstanding, 1);		/* still the owner's */
	ck_assert_int_eq(((unsigned char *)pool_buf_data(s.got))[255], 3);
	ck_assert_int_eq(pool_release(s.got), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
}
END_TEST

START_TEST(test_debug_use_after_release)
{
	struct fault_log faults = { 0 };
	struct report_log log = { 0 };
	struct pool *p = debug_pool(&faults, &log, 4096, 0);
	struct pool_buf *b;
	unsigned char *d;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	d = pool_buf_data(b);
	ck_assert_int_eq(peek(d, 100), 0x6b);	/* poison from creation */
	memset(d, 1, 4096);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(atomic_load(&faults.n), 0);
#if defined(__SANITIZE_ADDRESS__)
	/* released memory is poisoned: ASan reports any touch */
	ck_assert(__asan_address_is_poisoned(d + 17));
#endif
	if (!running_on_valgrind()) {
#if !defined(__SANITIZE_ADDRESS__)
		d[17] = 2;	/* use after release (ASan/valgrind would flag it) */
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
		ck_assert_int_eq(atomic_load(&faults.n), 1);
		ck_assert_ptr_nonnull(strstr(faults.last, "use after release"));
		pool_release(b);
#endif
	}
	pool_destroy(p);
}
END_TEST

START_TEST(test_debug_tail_canary)
{
	struct fault_log faults = { 0 };
	struct report_log log = { 0 };
	struct pool *p = debug_pool(&faults, &log, 1000, POOL_F_ZERO);
	struct pool_buf *b;
	unsigned char *d;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	d = pool_buf_data(b);
	ck_assert_int_eq(d[999], 0);	/* zero flag: zeroed after the poison check */
	ck_assert_uint_ge(pool_buf_capacity(b), 1000);
	d[1000] = 0;	/* one past the end: the canary */
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(atomic_load(&faults.n), 1);
	ck_assert_ptr_nonnull(strstr(faults.last, "write past the end"));
	/* repaired: the next cycle is clean */
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(atomic_load(&faults.n), 1);
	pool_destroy(p);
}
END_TEST

START_TEST(test_debug_env_and_leak_site)
{
	struct report_log log = { 0 };
	struct pool_buf *b;
	struct pool *p;
	unsigned char *d;
	int line;

	setenv("XDNAPOOL_DEBUG", "1", 1);
	{
		POOL_OPTS(pool_opts, o, .name = "envdbg", .size = 4096, .initial = 1,
			  .report = report_collect, .report_arg = &log);
		p = pool_create(&o);
	}
	unsetenv("XDNAPOOL_DEBUG");
	ck_assert_ptr_nonnull(p);
	line = __LINE__ + 1;
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	d = pool_buf_data(b);
	ck_assert_int_eq(peek(d, 0), 0x6b);	/* debug poison: the env turned it on */
	ck_assert_int_eq(pool_destroy(p), 1);
	{
		char site[64];

		snprintf(site, sizeof(site), "check_pool_features.c:%d", line);
		ck_assert_msg(report_has(&log, site), "leak report lacks %s", site);
	}
	pool_release(b);
}
END_TEST

/* ---------------------------------------------------------------- monitor */

START_TEST(test_monitor_timer_trims_idle)
{
	POOL_OPTS(pool_opts, o, .name = "aging", .size = 4096, .initial = 3, .min = 1,
		  .idle_timeout_ms = 1, .flags = POOL_F_NO_CACHE);
	POOL_OPTS(pool_monitor_opts, mo, .flags = POOL_MON_NO_PSI, .interval_ms = 5);
	struct pool *p = pool_create(&o);
	struct pool_monitor *m = pool_monitor_create(&mo);
	struct pollfd pfd;
	int freed = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(m);
	ck_assert(!pool_monitor_has_psi(m));
	pfd = (struct pollfd){ .fd = pool_monitor_fd(m), .events = POLLIN };
	for (int i = 0; i < 200 && stats(p).total > 1; i++) {
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		freed += pool_monitor_dispatch(m);
	}
	ck_assert_int_ge(freed, 2);
	ck_assert_uint_eq(stats(p).total, 1);	/* min is kept */
	pool_monitor_destroy(m);
	pool_destroy(p);
}
END_TEST

START_TEST(test_monitor_psi_trigger)
{
	POOL_OPTS(pool_monitor_opts, mo, .flags = POOL_MON_THREAD);
	POOL_OPTS(pool_monitor_opts, bad, .psi_path = "/nonexistent/pressure");
	POOL_OPTS(pool_monitor_opts, inv, .stall_us = 2000000, .window_us = 1000000);
	struct pool_monitor *m;

	errno = 0;
	ck_assert_ptr_null(pool_monitor_create(&bad));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(pool_monitor_create(&inv));
	ck_assert_int_eq(errno, EINVAL);
	if (access("/proc/pressure/memory", R_OK | W_OK)) {
		/* no PSI on this kernel: the opt-out must work instead */
		mo.flags |= POOL_MON_NO_PSI;
	}
	m = pool_monitor_create(&mo);
	ck_assert_msg(m, "monitor: %s", strerror(errno));
	if (!(mo.flags & POOL_MON_NO_PSI)) {
		const char *t = pool_monitor_trigger(m);

		ck_assert(pool_monitor_has_psi(m));
		/* 1 s, or rounded up to 2 s without CAP_SYS_RESOURCE */
		ck_assert(!strcmp(t, "some 150000 1000000") || !strcmp(t, "some 150000 2000000"));
	}
	ck_assert_int_eq(pool_monitor_fd(m), -EBUSY);	/* the helper thread polls */
	pool_monitor_destroy(m);
}
END_TEST

static Suite *features_suite(void)
{
	Suite *s = suite_create("pool_features");
	TCase *tc = tcase_create("features");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fence_busy_until_signalled);
	tcase_add_test(tc, test_fence_wait_in_acquire);
	tcase_add_test(tc, test_fence_with_refs_and_destroy);
	tcase_add_test(tc, test_chan_semantics);
	tcase_add_test(tc, test_chan_destroy_releases_queued);
	tcase_add_test(tc, test_chan_owns_sent_buffer);
	tcase_add_test(tc, test_chan_owns_with_kept_ref);
	tcase_add_test(tc, test_class_table);
	tcase_add_test(tc, test_class_acquire_and_direct);
	tcase_add_test(tc, test_class_bad_opts);
	tcase_add_test(tc, test_debug_use_after_release);
	tcase_add_test(tc, test_debug_stale_handle);
	tcase_add_test(tc, test_debug_tail_canary);
	tcase_add_test(tc, test_debug_env_and_leak_site);
	tcase_add_test(tc, test_monitor_timer_trims_idle);
	tcase_add_test(tc, test_monitor_psi_trigger);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = features_suite);
