// SPDX-License-Identifier: MIT
/*
 * Concurrency: a stress test where every buffer carries its owner's token
 * (checked on every use: no buffer is ever owned twice), with a trimmer and
 * a stats reader running meanwhile; MPMC handoff; waiting under scarcity.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pool/pool.h>

#include "pool_owner_stress.h"
#include "pool_testutil.h"
#include "runner.h"

#define NTHREADS	8
#define TOTAL_PAIRS	(1u << 20)	/* >= 1 M acquire/release pairs in all */

struct stress {
	struct pool *p;
	unsigned int iters;
	atomic_int errors;
	atomic_int stop;
	atomic_ullong ops;
	char what[128];
};

struct worker {
	struct stress *s;
	uint64_t token;
	pthread_t t;
};

/* A buffer's first words: owner token and a use counter. */
struct stamp {
	uint64_t owner;
	uint64_t uses;
};

static void stress_fail(struct stress *s, const char *what)
{
	if (atomic_fetch_add(&s->errors, 1) == 0)
		snprintf(s->what, sizeof(s->what), "%s", what);
}

static void take(struct stress *s, struct pool_buf *b, uint64_t token)
{
	struct stamp *st = pool_buf_data(b);

	if (pool_buf_refs(b) != 1)
		stress_fail(s, "acquired buffer does not have exactly one reference");
	if (st->owner != 0)
		stress_fail(s, "buffer acquired while owned by another thread");
	st->owner = token;
	st->uses++;
}

static void use(struct stress *s, struct pool_buf *b, uint64_t token)
{
	struct stamp *st = pool_buf_data(b);

	if (st->owner != token)
		stress_fail(s, "buffer owned twice (token changed under its owner)");
}

static void give(struct stress *s, struct pool_buf *b, uint64_t token)
{
	struct stamp *st = pool_buf_data(b);

	use(s, b, token);
	st->owner = 0;
	if (pool_release(b))
		stress_fail(s, "release of an owned buffer failed");
}

static void *stress_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	unsigned int seed = (unsigned int)w->token;

	for (unsigned int i = 0; i < s->iters;) {
		unsigned int r = (unsigned int)rand_r(&seed) % 16;
		struct pool_buf *b[2];
		int err;

		if (r == 0) {
			/* bulk of two */
			err = pool_acquire_bulk(s->p, b, 2, POOL_FOREVER);
			if (err) {
				stress_fail(s, "bulk acquire failed");
				break;
			}
			take(s, b[0], w->token);
			take(s, b[1], w->token);
			use(s, b[0], w->token);
			give(s, b[1], w->token);
			give(s, b[0], w->token);
			i += 2;
			continue;
		}
		err = pool_acquire(s->p, &b[0], r == 1 ? POOL_NOWAIT : POOL_FOREVER);
		if (err == -EAGAIN)
			continue;
		if (err) {
			stress_fail(s, "acquire failed");
			break;
		}
		take(s, b[0], w->token);
		if (r == 2) {
			/* a second reference released by the same owner */
			pool_buf_ref(b[0]);
			use(s, b[0], w->token);
			pool_release(b[0]);
		}
		use(s, b[0], w->token);
		give(s, b[0], w->token);
		i++;
	}
	atomic_fetch_add(&s->ops, s->iters);
	return NULL;
}

static void *trimmer(void *arg)
{
	struct stress *s = arg;

	while (!atomic_load(&s->stop)) {
		struct pool_stats st = { .sz = sizeof(st) };

		if (pool_trim(s->p, 0) < 0)
			stress_fail(s, "trim failed");
		if (pool_stats_get(s->p, &st))
			stress_fail(s, "stats failed");
		usleep(500);
	}
	return NULL;
}

static void run_stress(unsigned int flags, unsigned int max, bool trim)
{
	POOL_OPTS(pool_opts, o, .name = "stress", .size = 4096, .initial = 2, .max = max,
		  .flags = flags | POOL_F_ZERO);
	struct stress s = { .iters = TOTAL_PAIRS / NTHREADS };
	struct worker w[NTHREADS];
	struct pool_stats st = { .sz = sizeof(st) };
	pthread_t tt;

	s.p = pool_create(&o);
	ck_assert_ptr_nonnull(s.p);
	if (trim)
		pthread_create(&tt, NULL, trimmer, &s);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .s = &s, .token = 0x1000 + (uint64_t)i };
		pthread_create(&w[i].t, NULL, stress_worker, &w[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(w[i].t, NULL);
	atomic_store(&s.stop, 1);
	if (trim)
		pthread_join(tt, NULL);
	ck_assert_msg(atomic_load(&s.errors) == 0, "%d errors, first: %s",
		      atomic_load(&s.errors), s.what);
	ck_assert_uint_ge(atomic_load(&s.ops), TOTAL_PAIRS);
	ck_assert_int_eq(pool_stats_get(s.p, &st), 0);
	ck_assert_uint_eq(st.outstanding, 0);
	ck_assert_uint_eq(st.acquires, st.releases);
	ck_assert_uint_ge(st.acquires, TOTAL_PAIRS);
	if (max)
		ck_assert_uint_le(st.total, max);
	ck_assert_uint_eq(st.idle, st.total);
	ck_assert_int_eq(pool_destroy(s.p), 0);
}

/* fewer buffers than threads: waiting, waking and cache draining */
START_TEST(test_stress_scarce)
{
	run_stress(0, 6, false);
}
END_TEST

/* plenty of buffers, with a thread trimming and reading stats all along */
START_TEST(test_stress_trimmed)
{
	run_stress(0, 0, true);
}
END_TEST

/* the locked path alone */
START_TEST(test_stress_no_cache)
{
	run_stress(POOL_F_NO_CACHE, 5, true);
}
END_TEST

/* ---------------------------------------------------------------- handoff */

#define CHAN_ITEMS	20000

struct pipe {
	struct pool *p;
	struct pool_chan *ch;
	atomic_int errors;
	atomic_int received;
	atomic_ullong sum;
};

static void *producer(void *arg)
{
	struct pipe *pp = arg;

	for (unsigned int i = 1; i <= CHAN_ITEMS; i++) {
		struct pool_buf *b;

		if (pool_acquire(pp->p, &b, POOL_FOREVER)) {
			atomic_fetch_add(&pp->errors, 1);
			break;
		}
		*(uint64_t *)pool_buf_data(b) = i;
		if (pool_chan_send(pp->ch, b, POOL_FOREVER)) {
			atomic_fetch_add(&pp->errors, 1);
			pool_release(b);
			break;
		}
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct pipe *pp = arg;
	struct pool_buf *b;

	while (pool_chan_recv(pp->ch, &b, POOL_FOREVER) == 0) {
		atomic_fetch_add(&pp->sum, *(uint64_t *)pool_buf_data(b));
		atomic_fetch_add(&pp->received, 1);
		if (pool_release(b))
			atomic_fetch_add(&pp->errors, 1);
	}
	return NULL;
}

START_TEST(test_chan_mpmc)
{
	POOL_OPTS(pool_opts, o, .name = "pipe", .size = 4096, .max = 8);
	POOL_OPTS(pool_chan_opts, co, .capacity = 4);
	struct pipe pp = { 0 };
	pthread_t prod[3], cons[3];
	uint64_t expect = 3ull * CHAN_ITEMS * (CHAN_ITEMS + 1) / 2;
	struct pool_stats st = { .sz = sizeof(st) };

	pp.p = pool_create(&o);
	pp.ch = pool_chan_create(&co);
	ck_assert_ptr_nonnull(pp.p);
	ck_assert_ptr_nonnull(pp.ch);
	for (int i = 0; i < 3; i++) {
		pthread_create(&prod[i], NULL, producer, &pp);
		pthread_create(&cons[i], NULL, consumer, &pp);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(prod[i], NULL);
	pool_chan_close(pp.ch);
	for (int i = 0; i < 3; i++)
		pthread_join(cons[i], NULL);
	ck_assert_int_eq(atomic_load(&pp.errors), 0);
	ck_assert_int_eq(atomic_load(&pp.received), 3 * CHAN_ITEMS);
	ck_assert_uint_eq(atomic_load(&pp.sum), expect);
	ck_assert_int_eq(pool_stats_get(pp.p, &st), 0);
	ck_assert_uint_eq(st.outstanding, 0);
	ck_assert_uint_le(st.total, 8);
	pool_chan_destroy(pp.ch);
	ck_assert_int_eq(pool_destroy(pp.p), 0);
}
END_TEST

/* many threads blocked on an empty pool all get served, none lost */
struct scarce {
	struct pool *p;
	atomic_int done;
	atomic_int errors;
};

static void *scarce_worker(void *arg)
{
	struct scarce *sc = arg;

	for (int i = 0; i < 2000; i++) {
		struct pool_buf *b;

		if (pool_acquire(sc->p, &b, 10ll * 1000000000)) {
			atomic_fetch_add(&sc->errors, 1);
			return NULL;
		}
		pool_release(b);
	}
	atomic_fetch_add(&sc->done, 1);
	return NULL;
}

START_TEST(test_single_buffer_many_waiters)
{
	POOL_OPTS(pool_opts, o, .size = 4096, .initial = 1, .max = 1);
	struct scarce sc = { .p = pool_create(&o) };
	pthread_t t[NTHREADS];

	ck_assert_ptr_nonnull(sc.p);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, scarce_worker, &sc);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(atomic_load(&sc.errors), 0);
	ck_assert_int_eq(atomic_load(&sc.done), NTHREADS);
	ck_assert_int_eq(pool_destroy(sc.p), 0);
}
END_TEST

/* destroy while other threads release their last buffers */
struct late {
	struct pool_buf *b[4];
	atomic_int go;
};

static void *late_releaser(void *arg)
{
	struct late *l = arg;

	while (!atomic_load(&l->go))
		;
	for (int i = 0; i < 4; i++)
		pool_release(l->b[i]);
	return NULL;
}

START_TEST(test_destroy_races_releases)
{
	for (int round = 0; round < 50; round++) {
		POOL_OPTS(pool_opts, o, .size = 4096, .initial = 8,
			  .report = report_collect);
		struct report_log log = { 0 };
		struct late l[2] = { 0 };
		pthread_t t[2];
		struct pool *p;

		o.report_arg = &log;
		p = pool_create(&o);
		ck_assert_ptr_nonnull(p);
		for (int k = 0; k < 2; k++) {
			ck_assert_int_eq(pool_acquire_bulk(p, l[k].b, 4, POOL_NOWAIT), 0);
			pthread_create(&t[k], NULL, late_releaser, &l[k]);
		}
		atomic_store(&l[0].go, 1);
		atomic_store(&l[1].go, 1);
		ck_assert_int_ge(pool_destroy(p), 0);	/* whatever is still out */
		for (int k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
	}
}
END_TEST

/*
 * Threads starting together share the pool instead of growing it: a cache
 * refill takes no more than its slow start allows, for small buffers
 * (batched) and large ones alike.
 */
struct share {
	struct pool *p;
	pthread_barrier_t start;
	atomic_int errors;
};

static void *share_worker(void *arg)
{
	struct share *sh = arg;

	pthread_barrier_wait(&sh->start);
	for (int i = 0; i < 200; i++) {
		struct pool_buf *b;

		if (pool_acquire(sh->p, &b, 10ll * 1000000000)) {
			atomic_fetch_add(&sh->errors, 1);
			return NULL;
		}
		memset(pool_buf_data(b), i, 64);
		if (i % 16 == 0)
			sched_yield();
		pool_release(b);
	}
	return NULL;
}

#define SHARE_SLACK	2	/* buffers the pool may add beyond one per thread */

START_TEST(test_streams_share_pool)
{
	static const size_t sizes[] = { 4096, 960000 };

	for (unsigned int k = 0; k < 2; k++) {
		POOL_OPTS(pool_opts, o, .size = sizes[k], .initial = 16, .max = 32);
		struct share sh = { .p = pool_create(&o) };
		struct pool_stats st = { .sz = sizeof(st) };
		pthread_t t[16];

		ck_assert_ptr_nonnull(sh.p);
		pthread_barrier_init(&sh.start, NULL, 16);
		for (int i = 0; i < 16; i++)
			pthread_create(&t[i], NULL, share_worker, &sh);
		for (int i = 0; i < 16; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&sh.start);
		ck_assert_int_eq(atomic_load(&sh.errors), 0);
		ck_assert_int_eq(pool_stats_get(sh.p, &st), 0);
		/*
		 * 16 nearly always; the pool was seen to grow to 17 twice in
		 * many runs (once under ThreadSanitizer, once in a plain run
		 * under load), so up to SHARE_SLACK more.  By the code, that
		 * is the caches' slow start at work: a thread whose cache
		 * missed twice refills two (tcache.h, want doubles per miss),
		 * one to use and one idle in its own cache, and a peer that
		 * then finds the shared store empty grows the pool rather
		 * than reach into another thread's cache (as DPDK's per-lcore
		 * caches do not either).  The bug this guards against, refills
		 * without the slow start, grew it to 30.
		 */
		ck_assert_msg(st.allocs == st.total && st.total >= 16 &&
			      st.total <= 16 + SHARE_SLACK,
			      "%zu-byte buffers: 16 streams grew the pool to %llu (%llu allocs)",
			      sizes[k], (unsigned long long)st.total,
			      (unsigned long long)st.allocs);
		ck_assert_uint_eq(st.outstanding, 0);
		ck_assert_int_eq(pool_destroy(sh.p), 0);
	}
}
END_TEST

/*
 * One-way flow, producer -> channel -> consumer (the mel -> NPU pattern):
 * every buffer moves between the producer's empty cache and the consumer's
 * full one through the shared ring.  A trimmer meanwhile freezes the
 * caches and (debug pools) audits the books; nothing is lost or doubled.
 */
struct oneway {
	struct pool *p;
	struct pool_chan *ch;
	unsigned int n;
	atomic_int errors;
	atomic_int stop;
};

static void *oneway_producer(void *arg)
{
	struct oneway *ow = arg;

	for (unsigned int i = 0; i < ow->n; i++) {
		struct pool_buf *b;

		if (pool_acquire(ow->p, &b, 10ll * 1000000000)) {
			atomic_fetch_add(&ow->errors, 1);
			break;
		}
		*(unsigned int *)pool_buf_data(b) = i;
		if (pool_chan_send(ow->ch, b, POOL_FOREVER)) {
			atomic_fetch_add(&ow->errors, 1);
			pool_release(b);
			break;
		}
	}
	pool_chan_close(ow->ch);
	return NULL;
}

static void *oneway_consumer(void *arg)
{
	struct oneway *ow = arg;
	struct pool_buf *b;
	unsigned int next = 0;

	while (pool_chan_recv(ow->ch, &b, POOL_FOREVER) == 0) {
		if (*(unsigned int *)pool_buf_data(b) != next++)
			atomic_fetch_add(&ow->errors, 1);
		if (pool_release(b))
			atomic_fetch_add(&ow->errors, 1);
	}
	if (next != ow->n)
		atomic_fetch_add(&ow->errors, 1);
	return NULL;
}

static void *oneway_trimmer(void *arg)
{
	struct oneway *ow = arg;

	while (!atomic_load(&ow->stop)) {
		pool_trim(ow->p, POOL_TRIM_CACHES);
		usleep(500);
	}
	return NULL;
}

START_TEST(test_one_way_flow)
{
	static const unsigned int flags[] = { POOL_F_NO_DEBUG, POOL_F_DEBUG };

	for (unsigned int k = 0; k < 2; k++) {
		POOL_OPTS(pool_opts, o, .size = k ? 4096 : 960000, .initial = 8, .min = 8,
			  .max = 8, .flags = flags[k], .on_fault = fault_collect);
		POOL_OPTS(pool_chan_opts, co, .capacity = 4);
		struct fault_log faults = { 0 };
		struct oneway ow = { .n = running_on_valgrind() ? 2000 : 50000 };
		struct pool_stats st = { .sz = sizeof(st) };
		pthread_t tp, tc, tt;

		o.fault_arg = &faults;
		ow.p = pool_create(&o);
		ow.ch = pool_chan_create(&co);
		ck_assert_ptr_nonnull(ow.p);
		ck_assert_ptr_nonnull(ow.ch);
		pthread_create(&tc, NULL, oneway_consumer, &ow);
		pthread_create(&tp, NULL, oneway_producer, &ow);
		pthread_create(&tt, NULL, oneway_trimmer, &ow);
		pthread_join(tp, NULL);
		pthread_join(tc, NULL);
		atomic_store(&ow.stop, 1);
		pthread_join(tt, NULL);
		ck_assert_int_eq(atomic_load(&ow.errors), 0);
		ck_assert_int_eq(pool_stats_get(ow.p, &st), 0);
		ck_assert_uint_eq(st.acquires, ow.n);
		ck_assert_uint_eq(st.releases, ow.n);
		ck_assert_uint_eq(st.total, 8);
		ck_assert_uint_eq(st.idle, 8);
		ck_assert_uint_eq(st.allocs, 8);
		pool_chan_destroy(ow.ch);
		ck_assert_int_eq(pool_destroy(ow.p), 0);
		ck_assert_msg(atomic_load(&faults.n) == 0, "fault: %s", faults.last);
	}
}
END_TEST

struct destroy_race {
	struct pool *p;
	atomic_int go;
	atomic_int stop;
	int result;
};

static void *trimmer_until_shutdown(void *arg)
{
	struct destroy_race *r = arg;
	int err;

	while (!atomic_load(&r->go))
		sched_yield();
	while ((err = pool_trim(r->p, POOL_TRIM_IDLE)) >= 0)
		;
	r->result = err;
	return NULL;
}

/*
 * Regression (#15, TSan): pool_trim() read p->dead without the lock while
 * pool_destroy() wrote it under the lock.  A held buffer keeps the pool
 * alive after destroy, so the trimmer may run into it.
 */
START_TEST(test_trim_races_destroy)
{
	for (int round = 0; round < 50; round++) {
		POOL_OPTS(pool_opts, o, .name = "trim-destroy", .size = 256, .initial = 4,
			  .flags = POOL_F_NO_DEBUG);
		struct destroy_race r = { .p = pool_create(&o) };
		struct pool_buf *held;
		pthread_t t;

		ck_assert_ptr_nonnull(r.p);
		ck_assert_int_eq(pool_acquire(r.p, &held, POOL_NOWAIT), 0);
		ck_assert_int_eq(pthread_create(&t, NULL, trimmer_until_shutdown, &r), 0);
		atomic_store(&r.go, 1);
		ck_assert_int_eq(pool_destroy(r.p), 1);
		pthread_join(t, NULL);
		ck_assert_int_eq(r.result, -ESHUTDOWN);
		ck_assert_int_eq(pool_release(held), 0);	/* frees the pool */
	}
}
END_TEST

static void discard_report(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

/*
 * Cycles a buffer until the pool is destroyed; an anchor buffer held all
 * along keeps the pool alive until the thread has stopped using it.
 */
static void *cycler_until_shutdown(void *arg)
{
	struct destroy_race *r = arg;
	struct pool_buf *anchor, *b;

	if (pool_acquire(r->p, &anchor, POOL_NOWAIT))
		return NULL;
	atomic_store(&r->go, 1);
	while (pool_acquire(r->p, &b, POOL_NOWAIT) == 0)
		pool_release(b);
	pool_release(anchor);	/* the last orphan: frees the pool */
	return NULL;
}

/*
 * Regression (#15, TSan): the leak report read site_file/site_line of a
 * buffer that another thread was taking from its cache at that moment.
 */
START_TEST(test_leak_report_races_acquire)
{
	for (int round = 0; round < 50; round++) {
		POOL_OPTS(pool_opts, o, .name = "report-race", .size = 256, .initial = 4,
			  .flags = POOL_F_NO_DEBUG, .report = discard_report);
		struct destroy_race r = { .p = pool_create(&o) };
		pthread_t t;
		int orphans;

		ck_assert_ptr_nonnull(r.p);
		ck_assert_int_eq(pthread_create(&t, NULL, cycler_until_shutdown, &r), 0);
		while (!atomic_load(&r.go))
			sched_yield();
		usleep(100);
		/* r.p is the thread's from here: it may release its buffers
		 * before destroy counts them (0), or after (1 or 2) */
		orphans = pool_destroy(r.p);
		pthread_join(t, NULL);
		ck_assert_int_ge(orphans, 0);
		ck_assert_int_le(orphans, 2);
	}
}
END_TEST

/*
 * #15 item 4: 8 threads mixing every operation, each holder stamping the
 * whole buffer with its token and checking it before it lets go
 * (tests/pool_owner_stress.c); every kind of operation ran.
 */
START_TEST(test_owner_token_mix)
{
	struct owner_stress_result r = { 0 };
	uint64_t sum = 0;

	ck_assert_int_eq(owner_stress_mix(&r), 0);
	for (int i = 0; i < OS_OP__COUNT; i++) {
		ck_assert_msg(r.ops[i] > 0, "operation %d never ran", i);
		sum += r.ops[i];
	}
	ck_assert_uint_eq(sum, 8ull * owner_stress_iters());
	ck_assert_uint_gt(r.acquires, sum / 2);
}
END_TEST

/* Destroy while 6 threads block in acquire and every buffer is held. */
START_TEST(test_owner_token_destroy_blocked_held)
{
	unsigned int cancelled;

	ck_assert_int_eq(owner_stress_destroy(&cancelled), 6);	/* reported */
	ck_assert_uint_eq(cancelled, 6);
}
END_TEST

static Suite *conc_suite(void)
{
	Suite *s = suite_create("pool_concurrency");
	TCase *tc = tcase_create("stress");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_stress_scarce);
	tcase_add_test(tc, test_stress_trimmed);
	tcase_add_test(tc, test_stress_no_cache);
	tcase_add_test(tc, test_chan_mpmc);
	tcase_add_test(tc, test_single_buffer_many_waiters);
	tcase_add_test(tc, test_destroy_races_releases);
	tcase_add_test(tc, test_streams_share_pool);
	tcase_add_test(tc, test_one_way_flow);
	suite_add_tcase(s, tc);
	/* one case each: CK_RUN_CASE runs either alone (under TSan) */
	tc = tcase_create("trim_vs_destroy");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_trim_races_destroy);
	suite_add_tcase(s, tc);
	tc = tcase_create("owner_token");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_owner_token_mix);
	tcase_add_test(tc, test_owner_token_destroy_blocked_held);
	suite_add_tcase(s, tc);
	tc = tcase_create("report_vs_acquire");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_leak_report_races_acquire);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = conc_suite);
