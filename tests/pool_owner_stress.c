// SPDX-License-Identifier: MIT
/*
 * The owner-token stress test of check_pool_concurrency (#15 item 4): 8
 * threads mix every kind of operation on one scarce pool -- acquire,
 * try-acquire, timed acquire, bulk acquire, release, fenced release, a
 * second reference, handoff through a pool_chan, trim and stats.  Every
 * holder stamps the WHOLE buffer with its token and checks every word
 * before it lets go: a buffer owned twice shows as a foreign word.  Then
 * the pool is destroyed while threads are blocked in acquire and others
 * hold buffers.  Iterations are scaled down under sanitizers and valgrind.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pool/pool.h>

#include "pool_owner_stress.h"
#include "pool_testutil.h"

#define OS_THREADS	8
#define OS_BUF_BYTES	4096
#define OS_MAX_BUFS	6		/* fewer than threads: acquires block */
#define OS_TIMED_NS	1000000		/* timed acquire: 1 ms */
#define OS_CHAN_TOKEN	0xC4A7C4A7C4A7C4A7ull	/* stamp of a buffer in the channel */

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define OS_UNDER_SANITIZER	1
#else
#define OS_UNDER_SANITIZER	0
#endif

struct os_shared {
	struct pool *p;
	struct pool_chan *ch;
	struct fake_timeline tl;
	atomic_ullong next_seq;
	atomic_int stop;
	atomic_int errors;
	atomic_ullong ops[OS_OP__COUNT];
	unsigned int iters;
	char what[160];
};

struct os_worker {
	struct os_shared *s;
	uint64_t token;
	pthread_t t;
};

static void os_fail(struct os_shared *s, const char *what, uint64_t token, uint64_t seen)
{
	if (atomic_fetch_add(&s->errors, 1) == 0)
		snprintf(s->what, sizeof(s->what), "%s (holder %#llx saw %#llx)", what,
			 (unsigned long long)token, (unsigned long long)seen);
}

static void os_stamp(struct pool_buf *b, uint64_t token)
{
	uint64_t *w = pool_buf_data(b);

	for (size_t i = 0; i < OS_BUF_BYTES / sizeof(*w); i++)
		__atomic_store_n(&w[i], token, __ATOMIC_RELAXED);
}

/* Every word still carries @token; the first foreign word otherwise. */
static bool os_check(struct os_shared *s, struct pool_buf *b, uint64_t token, const char *when)
{
	uint64_t *w = pool_buf_data(b);

	if (!w) {
		os_fail(s, "held buffer has no data", token, 0);
		return false;
	}
	for (size_t i = 0; i < OS_BUF_BYTES / sizeof(*w); i++) {
		uint64_t v = __atomic_load_n(&w[i], __ATOMIC_RELAXED);

		if (v != token) {
			os_fail(s, when, token, v);
			return false;
		}
	}
	return true;
}

/* A fresh buffer is zeroed (POOL_F_ZERO) and has one reference: take it. */
static void os_take(struct os_shared *s, struct pool_buf *b, uint64_t token)
{
	if (pool_buf_refs(b) != 1)
		os_fail(s, "acquired buffer does not have exactly one reference", token,
			(uint64_t)pool_buf_refs(b));
	os_check(s, b, 0, "acquired buffer is not zeroed: someone else wrote it");
	os_stamp(b, token);
}

static void os_give(struct os_shared *s, struct pool_buf *b, uint64_t token)
{
	if ((token & 3) == 0)
		sched_yield();	/* a window for a second owner to show */
	os_check(s, b, token, "buffer owned twice: a foreign token before release");
	if (pool_release(b))
		os_fail(s, "release of an owned buffer failed", token, 0);
}

static void os_give_fenced(struct os_shared *s, struct pool_buf *b, uint64_t token)
{
	uint64_t seq = atomic_fetch_add(&s->next_seq, 1) + 1;
	struct pool_fence f = fake_fence(&s->tl, seq);

	os_check(s, b, token, "buffer owned twice: a foreign token before fenced release");
	if (pool_release_fenced(b, &f))
		os_fail(s, "fenced release of an owned buffer failed", token, 0);
}

static int os_acquire(struct os_shared *s, struct pool_buf **b, int64_t timeout, uint64_t token)
{
	int err = pool_acquire(s->p, b, timeout);

	if (err == -EAGAIN || err == -ETIMEDOUT)
		return err;
	if (err) {
		os_fail(s, "acquire failed", token, (uint64_t)-err);
		return err;
	}
	os_take(s, *b, token);
	return 0;
}

/* Send ours, then take whichever buffer is oldest in the channel. */
static void os_handoff(struct os_shared *s, struct pool_buf *b, uint64_t token)
{
	struct pool_buf *r;

	os_check(s, b, token, "buffer owned twice: a foreign token before send");
	os_stamp(b, OS_CHAN_TOKEN);
	if (pool_chan_send(s->ch, b, POOL_FOREVER)) {
		os_fail(s, "send of an owned buffer failed", token, 0);
		return;
	}
	if (pool_chan_recv(s->ch, &r, POOL_FOREVER)) {
		os_fail(s, "receive failed", token, 0);
		return;
	}
	os_check(s, r, OS_CHAN_TOKEN, "received buffer was written while in the channel");
	os_stamp(r, token);
	os_give(s, r, token);
}

static void os_stats(struct os_shared *s, uint64_t token)
{
	struct pool_stats st = { .sz = sizeof(st) };

	if (pool_stats_get(s->p, &st)) {
		os_fail(s, "stats failed", token, 0);
		return;
	}
	if (st.total > OS_MAX_BUFS)
		os_fail(s, "more buffers than max", token, st.total);
}

static void os_one(struct os_shared *s, struct os_worker *w, enum os_op op)
{
	struct pool_buf *b[2];

	switch (op) {
	case OS_OP_ACQUIRE:
	case OS_OP_TRY:
	case OS_OP_TIMED:
		if (!os_acquire(s, &b[0], op == OS_OP_ACQUIRE ? POOL_FOREVER :
				op == OS_OP_TRY ? POOL_NOWAIT : OS_TIMED_NS, w->token))
			os_give(s, b[0], w->token);
		break;
	case OS_OP_BULK:
		if (pool_acquire_bulk(s->p, b, 2, POOL_FOREVER)) {
			os_fail(s, "bulk acquire failed", w->token, 0);
			break;
		}
		os_take(s, b[0], w->token);
		os_take(s, b[1], w->token);
		os_give(s, b[1], w->token);
		os_give(s, b[0], w->token);
		break;
	case OS_OP_FENCED:
		if (!os_acquire(s, &b[0], POOL_FOREVER, w->token))
			os_give_fenced(s, b[0], w->token);
		break;
	case OS_OP_REF:
		if (os_acquire(s, &b[0], POOL_FOREVER, w->token))
			break;
		if (pool_buf_ref(b[0]) || pool_buf_refs(b[0]) != 2)
			os_fail(s, "second reference failed", w->token, 0);
		pool_release(b[0]);
		os_give(s, b[0], w->token);
		break;
	case OS_OP_HANDOFF:
		if (!os_acquire(s, &b[0], POOL_FOREVER, w->token))
			os_handoff(s, b[0], w->token);
		break;
	case OS_OP_TRIM:
		if (pool_trim(s->p, (w->token & 1) ? POOL_TRIM_CACHES : 0) < 0)
			os_fail(s, "trim failed", w->token, 0);
		break;
	case OS_OP_STATS:
		os_stats(s, w->token);
		break;
	default:
		break;
	}
	atomic_fetch_add(&s->ops[op], 1);
}

static void *os_worker_main(void *arg)
{
	struct os_worker *w = arg;
	struct os_shared *s = w->s;
	unsigned int seed = (unsigned int)w->token;

	for (unsigned int i = 0; i < s->iters && !atomic_load(&s->errors); i++)
		os_one(s, w, (enum os_op)(rand_r(&seed) % OS_OP__COUNT));
	return NULL;
}

/* The "device": signals every fence issued so far, every 100 us. */
static void *os_device_main(void *arg)
{
	struct os_shared *s = arg;

	while (!atomic_load(&s->stop)) {
		atomic_store(&s->tl.done, atomic_load(&s->next_seq));
		usleep(100);
	}
	atomic_store(&s->tl.done, UINT64_MAX);
	return NULL;
}

unsigned int owner_stress_iters(void)
{
	if (running_on_valgrind())
		return 300;
	return OS_UNDER_SANITIZER ? 3000 : 40000;
}

static struct pool *os_pool(void)
{
	POOL_OPTS(pool_opts, o, .name = "owner", .size = OS_BUF_BYTES, .initial = 2,
		  .max = OS_MAX_BUFS, .flags = POOL_F_ZERO, .destroy_timeout_ms = 5000);

	return pool_create(&o);
}

int owner_stress_mix(struct owner_stress_result *res)
{
	POOL_OPTS(pool_chan_opts, co, .capacity = 2 * OS_THREADS);
	struct os_shared s = { .iters = owner_stress_iters() };
	struct os_worker w[OS_THREADS];
	struct pool_stats st = { .sz = sizeof(st) };
	pthread_t dev;

	s.p = os_pool();
	s.ch = pool_chan_create(&co);
	ck_assert_ptr_nonnull(s.p);
	ck_assert_ptr_nonnull(s.ch);
	pthread_create(&dev, NULL, os_device_main, &s);
	for (int i = 0; i < OS_THREADS; i++) {
		w[i] = (struct os_worker){ .s = &s, .token = 0xA110C000ull + (uint64_t)i };
		pthread_create(&w[i].t, NULL, os_worker_main, &w[i]);
	}
	for (int i = 0; i < OS_THREADS; i++)
		pthread_join(w[i].t, NULL);
	atomic_store(&s.stop, 1);
	pthread_join(dev, NULL);
	ck_assert_msg(atomic_load(&s.errors) == 0, "%d errors, first: %s",
		      atomic_load(&s.errors), s.what);
	ck_assert_uint_eq(pool_chan_len(s.ch), 0);
	pool_chan_destroy(s.ch);
	ck_assert_int_ge(pool_trim(s.p, POOL_TRIM_CACHES), 0);
	ck_assert_int_eq(pool_stats_get(s.p, &st), 0);
	ck_assert_uint_eq(st.outstanding, 0);
	ck_assert_uint_eq(st.acquires, st.releases);
	ck_assert_uint_le(st.total, OS_MAX_BUFS);
	for (int i = 0; i < OS_OP__COUNT; i++)
		res->ops[i] = atomic_load(&s.ops[i]);
	res->acquires = st.acquires;
	return pool_destroy(s.p);
}

/* ---- destroy while blocked and while held ---- */

struct os_blocked {
	struct os_shared *s;
	int err;
	pthread_t t;
};

static void *os_blocked_main(void *arg)
{
	struct os_blocked *bw = arg;
	struct pool_buf *b;

	bw->err = pool_acquire(bw->s->p, &b, POOL_FOREVER);
	if (!bw->err)
		pool_release(b);	/* not expected: the test fails on err */
	return NULL;
}

int owner_stress_destroy(unsigned int *cancelled)
{
	struct os_shared s = { 0 };
	struct os_blocked bw[OS_THREADS - 2];
	struct pool_buf *held[OS_MAX_BUFS], *late;
	struct pool_stats st = { .sz = sizeof(st) };
	int reported;

	s.p = os_pool();
	ck_assert_ptr_nonnull(s.p);
	for (int i = 0; i < OS_MAX_BUFS; i++) {
		ck_assert_int_eq(pool_acquire(s.p, &held[i], POOL_FOREVER), 0);
		os_stamp(held[i], 0xD0000000ull + (uint64_t)i);
	}
	for (int i = 0; i < OS_THREADS - 2; i++) {
		bw[i] = (struct os_blocked){ .s = &s, .err = 1 };
		pthread_create(&bw[i].t, NULL, os_blocked_main, &bw[i]);
	}
	/* all of them blocked (or about to) in pool_acquire */
	for (int tries = 0; tries < 2000; tries++) {
		ck_assert_int_eq(pool_stats_get(s.p, &st), 0);
		if (st.waits >= OS_THREADS - 2)
			break;
		usleep(1000);
	}
	reported = pool_destroy(s.p);
	*cancelled = 0;
	for (int i = 0; i < OS_THREADS - 2; i++) {
		pthread_join(bw[i].t, NULL);
		*cancelled += bw[i].err == -ECANCELED || bw[i].err == -ESHUTDOWN;
	}
	ck_assert_int_eq(pool_acquire(s.p, &late, POOL_NOWAIT), -ESHUTDOWN);
	/* outstanding buffers stay theirs until released after destroy */
	for (int i = 0; i < OS_MAX_BUFS; i++) {
		ck_assert(os_check(&s, held[i], 0xD0000000ull + (uint64_t)i,
				   "held buffer changed by destroy"));
		ck_assert_int_eq(pool_release(held[i]), 0);
	}
	ck_assert_msg(atomic_load(&s.errors) == 0, "%s", s.what);
	return reported;
}
