// SPDX-License-Identifier: MIT
/*
 * Pool core: acquire and release, the shared store, growth, waiting and
 * fences.  Creation, trimming and destruction are in lifecycle.c, the
 * thread caches in tcache.c (protocol in tcache.h), debug mode in debug.c,
 * the accessors in buf.c.
 *
 * An acquire takes, fastest first: the thread's cache; a batch from the
 * shared ring into the cache (both lock-free, inside a cache window); then,
 * under the pool lock, take_locked(): reap signalled busy buffers, take
 * from the free list, grow, wait.  A release puts the buffer in the
 * thread's cache; a full cache moves its oldest batch to the ring.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcache.h"

#define GROW_BATCH_MAX	64	/* buffers allocated by one grow */
#define PUT_BATCH	64	/* pool_release_bulk() puts this many at once */

/* ------------------------------------------------------------------ puts */

/* The last release of a buffer once the pool is dead. */
static void orphan_count_locked(struct pool *p, bool *last)
{
	lock_assert_held(p);
	*last = false;
	if (!p->destroyed)
		return;	/* pool_destroy() has not counted the orphans yet */
	p->orphans--;
	*last = !p->orphans;
}

static void orphan_put_locked(struct pool *p, struct pool_buf *b, bool *last)
{
	buf_evict_locked(p, b);
	orphan_count_locked(p, last);
}

/* RETURNING buffers back under the lock: no cache, dead or direct pools. */
static int put_slow(struct pool *p, struct pool_buf **v, unsigned int n)
{
	bool last = false;

	pool_lock(p);
	p->st.releases += n;
	for (unsigned int i = 0; i < n; i++) {
		struct pool_buf *b = v[i];

		if (p->dead) {
			orphan_put_locked(p, b, &last);
		} else if (p->direct) {
			buf_evict_locked(p, b);
		} else {
			atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
			shared_push_locked(p, &b, 1);
		}
	}
	pool_unlock(p);
	if (last)
		pool_free(p);
	return 0;
}

/* Inside a window: IDLE buffers to the ring, the rest to the free list. */
static void window_put_shared(struct pool *p, struct pool_buf **v, unsigned int n)
{
	unsigned int put = p->ring ? pool_ring_put(p->ring, v, n) : 0;

	if (put < n) {
		pool_lock(p);
		shared_push_locked(p, v + put, n - put);
		pool_unlock(p);
	}
}

/* RETURNING, scrubbed buffers of @p go back: the thread cache first. */
static int buf_put(struct pool *p, struct pool_buf **v, unsigned int n)
{
	struct tcache *c = tcache_get(p);
	unsigned int have, room, over = 0;

	if (unlikely(!c) || unlikely(!tcache_enter(p, c)))
		return put_slow(p, v, n);
	have = tcache_count(c);
	room = c->cap - have;
	if (unlikely(n > room) && p->ring) {
		/* what does not fit goes to the ring in one operation */
		over = n - room;
		for (unsigned int i = 0; i < over; i++)
			atomic_store_explicit(&v[i]->state, BS_IDLE, memory_order_release);
		stamp_idle(p, v, over);
		window_put_shared(p, v, over);
	}
	for (unsigned int i = over; i < n; i++) {
		if (unlikely(have == c->cap)) {
			tcache_set_count(c, have);
			tcache_flush_full(p, c);
			have = tcache_count(c);
		}
		c->objs[have++] = v[i];
		atomic_store_explicit(&v[i]->state, BS_IDLE, memory_order_release);
	}
	tcache_set_count(c, have);
	counter_add(&c->releases, n);
	tcache_exit(c);
	return 0;
}

static int put_busy(struct pool *p, struct pool_buf *b)
{
	bool last = false;

	pool_lock(p);
	p->st.releases++;
	p->st.fenced++;
	if (p->dead) {
		/* destroy already waited for the busy list; this one until its deadline */
		struct pool_fence f = b->fence;
		int err = fence_wait_until_locked(p, &f, p->destroy_deadline);

		b->has_fence = false;
		fence_put(&f);
		if (err)
			buf_abandon_locked(p, b, &f, err);
		else
			buf_evict_locked(p, b);
		orphan_count_locked(p, &last);
	} else {
		atomic_store_explicit(&b->state, BS_BUSY, memory_order_release);
		list_push(&p->busy, b);
	}
	/* 0 when untraced: a tracer attached later sees no bogus busy time. */
	b->fenced_ns = POOL_PROBE_ON(reusable) ? pool_now_ns() : 0;
	if (POOL_PROBE_ON(release_fenced))
		POOL_PROBE(release_fenced, p->id, p->name, b->id, (uint64_t)(uintptr_t)b->fence.ctx,
			   b->fence.seq);
	pool_unlock(p);
	if (last)
		pool_free(p);
	return 0;
}

/* --------------------------------------------------------------- release */

/*
 * One probe per release, fired before the buffer goes back (after that the
 * pool may be gone if it was destroyed): latency covers validation, the
 * state change and scrubbing; hold time runs from the acquire.  The state
 * sample, if due, counts this release as done (@pending).
 */
static inline void trace_release(struct pool *p, struct pool_buf *b, uint64_t t0,
				 enum pool_state_pending pending)
{
	uint64_t now;

	if (unlikely(POOL_PROBE_ON(state)))
		pool_trace_state(p, pending);
	if (!POOL_PROBE_ON(release))
		return;
	now = pool_now_ns();
	POOL_PROBE(release, p->id, p->name, b->id, t0 ? now - t0 : 0,
		   b->acquire_ns ? now - b->acquire_ns : 0);
	b->acquire_ns = 0;	/* used once: an untraced acquire leaves none */
}

/*
 * Drop one reference.  Returns 1 when it was the last one and the buffer,
 * now RETURNING and scrubbed, must go back with buf_put(); 0 when done
 * (references remain, or it went on the busy list); -EINVAL.
 */
static int buf_drop(struct pool_buf *b, const struct pool_fence *f)
{
	uint64_t t0 = POOL_PROBE_ON(release) ? pool_now_ns() : 0;
	struct pool *p;
	uint32_t w;

	if (unlikely(!buf_valid(b)))
		return -EINVAL;
	p = b->pool;
	if (unlikely(__atomic_load_n(&b->retired, __ATOMIC_ACQUIRE))) {
		/* debug mode: this handle's buffer went back and out again */
		pool_fault(p, b, "stale handle released: its buffer was released and "
			   "acquired again since");
		return -EINVAL;
	}
	if (unlikely(f)) {
		if (!fence_ops_valid(f->ops))
			return -EINVAL;
		pool_lock(p);
		w = atomic_load_explicit(&b->state, memory_order_acquire);
		if (!bs_holder_may_use(w)) {
			pool_unlock(p);
			return -EINVAL;
		}
		/* the fence is read by whoever drops the last reference */
		fence_get(f);
		if (b->has_fence)
			fence_put(&b->fence);
		b->fence = *f;
		b->has_fence = true;
		pool_unlock(p);
	}
	w = atomic_load_explicit(&b->state, memory_order_acquire);
	/*
	 * The sole reference: nobody else may touch the state word, so a
	 * plain store does (a double release is still seen by the load
	 * above).  Debug pools pay the CAS, which also catches two threads
	 * releasing the same buffer at the same instant.
	 */
	if (likely(w == (BS_HELD | BS_REF)) && likely(!p->debug)) {
		atomic_store_explicit(&b->state, BS_RETURNING, memory_order_relaxed);
		goto returning;
	}
	for (;;) {
		uint32_t nw;

		if (unlikely(!bs_holder_may_use(w)))
			return -EINVAL;
		nw = BS_REFS(w) > 1 ? w - BS_REF : BS_RETURNING;
		if (atomic_compare_exchange_weak_explicit(&b->state, &w, nw,
							  memory_order_acq_rel,
							  memory_order_relaxed))
			break;
	}
	if (BS_REFS(w) > 1)
		return 0;
returning:
	if (unlikely(b->has_fence)) {
		trace_release(p, b, t0, POOL_PENDING_FENCED);
		put_busy(p, b);
		return 0;
	}
	if (!p->direct)
		buf_scrub(p, b);
	else if (unlikely(p->debug))
		dbg_check_canary(p, b, "tail canary overwritten (write past the end)");
	trace_release(p, b, t0, POOL_PENDING_RELEASE);
	return 1;
}

static __attribute__((noinline)) int release_slow(struct pool_buf *buf)
{
	int r = buf_drop(buf, NULL);

	return r > 0 ? buf_put(buf->pool, &buf, 1) : r;
}

/* A tracer wants to see releases: they take buf_drop(), which fires the probes. */
static inline bool release_traced(void)
{
	return POOL_PROBE_ON(release) | POOL_PROBE_ON(state);
}

/*
 * The common case inline: the sole reference of a plain pool's buffer
 * (no debug, zeroing, fence, direct allocation or release_traced()) into a cache
 * with room.  HELD goes straight to IDLE inside the window: nobody else
 * may touch a sole reference's state, and no freezer runs while the
 * window is open.  The state load is acquire: another holder's fence is
 * stored before it drops its reference.  Everything else takes
 * release_slow().
 */
int pool_release(struct pool_buf *buf)
{
	struct pool *p;
	struct tcache *c;
	unsigned int n;

	if (unlikely(!buf_valid(buf)))
		return -EINVAL;
	p = buf->pool;
	if (likely(atomic_load_explicit(&buf->state, memory_order_acquire) == (BS_HELD | BS_REF)) &&
	    likely(!(p->debug | p->zero | p->direct | buf->has_fence)) &&
	    likely(!release_traced()) && likely(c = tcache_get(p)) &&
	    likely(tcache_enter(p, c))) {
		n = tcache_count(c);
		if (likely(n < c->cap)) {
			c->objs[n] = buf;
			tcache_set_count(c, n + 1);
			atomic_store_explicit(&buf->state, BS_IDLE, memory_order_release);
			counter_add(&c->releases, 1);
			tcache_exit(c);
			return 0;
		}
		tcache_exit(c);
	}
	return release_slow(buf);
}

int pool_release_to(struct pool *pool, struct pool_buf *buf)
{
	if (!pool || !buf_valid(buf) || buf->pool != pool)
		return -EINVAL;
	return pool_release(buf);
}

int pool_release_fenced(struct pool_buf *buf, const struct pool_fence *fence)
{
	if (!fence)
		return -EINVAL;
	return buf_drop(buf, fence) < 0 ? -EINVAL : 0;
}

/* Consecutive buffers of one pool go back in one cache operation. */
int pool_release_bulk(struct pool_buf *const *bufs, unsigned int n)
{
	struct pool_buf *v[PUT_BATCH];
	struct pool *vp = NULL;
	unsigned int k = 0;
	int err = 0;

	if (!bufs && n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		struct pool_buf *b = bufs[i];
		int r;

		/* a plain pool's sole reference: straight to the batch */
		if (likely(buf_valid(b)) &&
		    likely(atomic_load_explicit(&b->state, memory_order_acquire) ==
			   (BS_HELD | BS_REF)) &&
		    likely(!(b->pool->debug | b->pool->zero | b->pool->direct | b->has_fence)) &&
		    likely(!release_traced())) {
			atomic_store_explicit(&b->state, BS_RETURNING, memory_order_relaxed);
			r = 1;
		} else {
			r = buf_drop(b, NULL);
		}
		if (r < 0 && !err)
			err = r;
		if (r <= 0)
			continue;
		if (k && (b->pool != vp || k == PUT_BATCH)) {
			buf_put(vp, v, k);
			k = 0;
		}
		vp = b->pool;
		v[k++] = b;
	}
	if (k)
		buf_put(vp, v, k);
	return err;
}

int pool_buf_ref(struct pool_buf *b)
{
	uint32_t w;

	if (!buf_valid(b))
		return -EINVAL;
	w = atomic_load_explicit(&b->state, memory_order_relaxed);
	do {
		if (!bs_holder_may_use(w))
			return -EINVAL;
		if (BS_REFS(w) >= BS_REFS_MAX)
			return -EOVERFLOW;
	} while (!atomic_compare_exchange_weak_explicit(&b->state, &w, w + BS_REF,
							memory_order_acq_rel,
							memory_order_relaxed));
	return 0;
}

int pool_buf_refs(const struct pool_buf *b)
{
	uint32_t w;

	if (!buf_valid(b))
		return -EINVAL;
	w = atomic_load_explicit(&b->state, memory_order_acquire);
	return BS_STATE(w) == BS_HELD ? (int)BS_REFS(w) : 0;
}

/* --------------------------------------------------------------- acquire */

static inline void buf_hold(struct pool_buf *b)
{
	atomic_store_explicit(&b->state, BS_HELD | BS_REF, memory_order_release);
}

/* The call site is recorded always (leak reports); clocks only if asked. */
static inline struct pool_buf *buf_acquired(struct pool *p, struct pool_buf *b,
					    const char *file, int line)
{
	if (unlikely(p->debug))
		b = dbg_on_acquire(p, b);	/* a handle of its own */
	else if (unlikely(POOL_PROBE_ON(release)))
		b->acquire_ns = pool_now_ns();	/* trace_release() consumes it */
	site_set(b, file, line);
	if (unlikely(b->size != b->cap))
		b->size = b->cap;
	return b;
}

static inline void trace_acquire(struct pool *p, struct pool_buf *b, uint64_t t0,
				 unsigned int how)
{
	if (POOL_PROBE_ON(acquire))
		POOL_PROBE(acquire, p->id, p->name, b->id, t0 ? pool_now_ns() - t0 : 0, how);
	if (unlikely(POOL_PROBE_ON(state)))
		pool_trace_state(p, POOL_PENDING_NONE);
}

static void hwm_update_locked(struct pool *p)
{
	uint64_t out;

	lock_assert_held(p);
	out = p->total - p->free.n - p->busy.n - ring_count(p);
	if (out > p->st.high_water)
		p->st.high_water = out;
}

static unsigned int grow_count_locked(const struct pool *p, unsigned int need)
{
	unsigned int n = p->grow_step;
	unsigned int room = p->max ? p->max - p->total : UINT_MAX;

	lock_assert_held(p);
	if (p->grow == POOL_GROW_DOUBLE && p->total > n)
		n = p->total;
	if (n < need)
		n = need;
	if (n > room)
		n = room;
	if (n > GROW_BATCH_MAX && n > need)
		n = need > GROW_BATCH_MAX ? need : GROW_BATCH_MAX;
	return n;
}

/* Step: signalled busy buffers back to the free list, when short. */
static void take_reap_locked(struct pool *p, unsigned int n)
{
	lock_assert_held(p);
	if (p->free.n < n && p->busy.n)
		reap_busy_locked(p);
}

/* Step: n buffers from the free list (the ring emptied into it first). */
static bool take_free_locked(struct pool *p, struct pool_buf **bufs, unsigned int n)
{
	lock_assert_held(p);
	if (p->free.n < n)
		ring_drain_locked(p);
	if (p->free.n < n)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		bufs[i] = list_pop(&p->free);
		buf_hold(bufs[i]);
	}
	return true;
}

/*
 * Step: allocate what is missing, with the lock dropped.  0: buffers were
 * added (take again); GROW_NO_ROOM: max reached, wait; else the backend's
 * error or -ECANCELED (destroyed meanwhile).
 */
#define GROW_NO_ROOM	1
static int take_grow_locked(struct pool *p, unsigned int n, unsigned int *grown)
{
	struct pool_mem mems[GROW_BATCH_MAX], *mv = mems;
	unsigned int need = n - p->free.n, room, g, ok = 0;
	int err = 0;

	lock_assert_held(p);
	room = p->max ? p->max - p->total : UINT_MAX;
	if (room < need)
		return GROW_NO_ROOM;
	g = grow_count_locked(p, need);
	if (g > GROW_BATCH_MAX && !(mv = malloc(g * sizeof(*mv))))
		return -ENOMEM;
	p->total += g;
	atomic_fetch_add(&p->users, 1);
	pool_unlock(p);
	for (; ok < g && !err; ok++)
		err = mem_alloc(p, p->size, &mv[ok]);
	if (err)
		ok--;
	pool_lock(p);
	atomic_fetch_sub(&p->users, 1);
	p->total -= g - ok;
	p->st.allocs += ok;
	for (unsigned int i = 0; i < ok; i++) {
		struct pool_buf *b = desc_get_locked(p);

		if (!b) {
			p->be->ops.free(p->be->ctx, &mv[i]);
			p->total--;
			p->st.frees++;
			err = -ENOMEM;
			continue;
		}
		desc_attach(p, b, &mv[i], p->size);
		atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
		if (p->stamp_idle)
			b->idle_since = pool_now_ns();
		list_push(&p->free, b);	/* no cap: we need them */
		(*grown)++;
	}
	if (mv != mems)
		free(mv);
	if (POOL_PROBE_ON(grow))
		POOL_PROBE(grow, p->id, p->name, ok, (uint64_t)p->total);
	pool_trace_state_locked(p);
	if (p->dead)
		return -ECANCELED;
	if (err && p->free.n < n) {
		/* all or nothing: capacity is back for others */
		if (p->nwaiters)
			pthread_cond_broadcast(&p->cond);
		return err;
	}
	return 0;
}

/* Step: no buffer and no room; -EAGAIN when not waiting, -ETIMEDOUT. */
static int take_wait_locked(struct pool *p, struct waiter *w)
{
	int err;

	lock_assert_held(p);
	if (!w->timeout_ns) {
		p->st.exhausted++;
		if (POOL_PROBE_ON(exhausted))
			POOL_PROBE(exhausted, p->id, p->name,
				   (uint64_t)(p->total - p->free.n - p->busy.n), (uint64_t)p->max);
		return -EAGAIN;
	}
	err = wait_step_locked(p, w);
	if (err) {
		p->st.timeouts++;
		if (POOL_PROBE_ON(timeout))
			POOL_PROBE(timeout, p->id, p->name, w->t0 ? pool_now_ns() - w->t0 : 0);
	}
	return err;
}

/*
 * Take n buffers, all or none, in the order of the steps: reap busy, take
 * free, grow, wait.  Lock held on entry and exit.
 */
static int take_locked(struct pool *p, struct pool_buf **bufs, unsigned int n,
		       int64_t timeout_ns, unsigned int *how)
{
	struct waiter w = {
		.timeout_ns = timeout_ns, .n = n,
		.deadline = timeout_ns > 0 ? pool_now_ns() + (uint64_t)timeout_ns : 0,
	};
	unsigned int grown = 0;
	int err;

	lock_assert_held(p);
	for (;;) {
		if (p->dead) {
			err = w.waiting ? -ECANCELED : -ESHUTDOWN;
			break;
		}
		take_reap_locked(p, n);
		if (take_free_locked(p, bufs, n)) {
			err = 0;
			break;
		}
		err = take_grow_locked(p, n, &grown);
		if (!err)
			continue;
		if (err != GROW_NO_ROOM)
			break;
		err = take_wait_locked(p, &w);
		if (err)
			break;
	}
	if (!err) {
		*how = w.t0 ? POOL_HOW_WAITED : grown ? POOL_HOW_ALLOC : POOL_HOW_SHARED;
		p->st.acquires += n;
		p->st.hits += n - (grown < n ? grown : n);
		hwm_update_locked(p);
		/* more left and others waiting: pass the wake on */
		if (p->free.n && p->nwaiters > (w.waiting ? 1u : 0u))
			pthread_cond_signal(&p->cond);
	}
	wait_end_locked(p, &w, err);
	return err;
}

/*
 * After a locked take: a few more from the free list into the caller's
 * cache, as many as its slow start allows and at most half of what is
 * left, so threads starting together still share the pool.
 */
static void tcache_refill_locked(struct pool *p, struct tcache *c)
{
	unsigned int have, k;

	lock_assert_held(p);
	if (!c || p->nwaiters || !tcache_enter(p, c))
		return;
	have = tcache_count(c);
	k = c->want > 1 ? c->want - 1 : 0;
	if (k > p->free.n / 2)
		k = p->free.n / 2;
	if (k > c->cap - have)
		k = c->cap - have;
	for (unsigned int i = 0; i < k; i++)
		c->objs[have + i] = list_pop(&p->free);
	tcache_set_count(c, have + k);
	tcache_missed(c);
	tcache_exit(c);
}

static int acquire_slow(struct pool *p, struct tcache *c, struct pool_buf **out,
			int64_t timeout_ns, const char *file, int line, uint64_t t0)
{
	struct pool_buf *b;
	unsigned int how;
	int err;

	if (p->direct)
		return -EINVAL;
	pool_lock(p);
	err = take_locked(p, &b, 1, timeout_ns, &how);
	if (!err)
		tcache_refill_locked(p, c);
	pool_unlock(p);
	if (err)
		return err;
	b = buf_acquired(p, b, file, line);
	trace_acquire(p, b, t0, how);
	*out = b;
	return 0;
}

int pool_acquire_at(struct pool *p, struct pool_buf **out, int64_t timeout_ns,
		    const char *file, int line)
{
	uint64_t t0 = POOL_PROBE_ON(acquire) ? pool_now_ns() : 0;
	unsigned int how = POOL_HOW_CACHE;
	struct tcache *c;
	struct pool_buf *b;
	unsigned int n;

	if (unlikely(!pool_valid(p) || !out))
		return -EINVAL;
	c = tcache_get(p);
	if (likely(c) && likely(tcache_enter(p, c))) {
		n = tcache_count(c);
		if (unlikely(!n)) {
			n = tcache_refill_ring(p, c);
			how = POOL_HOW_SHARED;
		}
		if (likely(n)) {
			b = c->objs[n - 1];
			tcache_set_count(c, n - 1);
			buf_hold(b);
			counter_add(&c->acquires, 1);
			tcache_exit(c);
			b = buf_acquired(p, b, file, line);
			trace_acquire(p, b, t0, how);
			*out = b;
			return 0;
		}
		tcache_exit(c);
	}
	return acquire_slow(p, c, out, timeout_ns, file, line, t0);
}

int (pool_acquire)(struct pool *pool, struct pool_buf **out, int64_t timeout_ns)
{
	return pool_acquire_at(pool, out, timeout_ns, NULL, 0);
}

/* Bulk fast path: all n from the cache, topped up from the ring. */
/*
 * Bulk fast path, one window: the newest of the cache, the rest straight
 * from the ring into @bufs; all n or nothing (what the ring gave goes back).
 */
static bool acquire_bulk_cached(struct pool *p, struct tcache *c, struct pool_buf **bufs,
				unsigned int n)
{
	unsigned int have, k, got = 0;

	if (!c || !tcache_enter(p, c))
		return false;
	have = tcache_count(c);
	k = have < n ? have : n;
	if (k < n) {
		if (p->ring)
			got = pool_ring_get(p->ring, bufs + k, n - k);
		if (k + got < n) {
			if (got)
				window_put_shared(p, bufs + k, got);
			tcache_exit(c);
			return false;
		}
	}
	memcpy(bufs, c->objs + have - k, k * sizeof(bufs[0]));
	tcache_set_count(c, have - k);
	for (unsigned int i = 0; i < n; i++)
		buf_hold(bufs[i]);
	counter_add(&c->acquires, n);
	tcache_exit(c);
	return true;
}

int pool_acquire_bulk_at(struct pool *p, struct pool_buf **bufs, unsigned int n,
			 int64_t timeout_ns, const char *file, int line)
{
	uint64_t t0 = POOL_PROBE_ON(acquire) ? pool_now_ns() : 0;
	unsigned int how = POOL_HOW_CACHE;
	struct tcache *c;
	int err;

	if (!pool_valid(p) || (!bufs && n) || p->direct)
		return -EINVAL;
	if (!n)
		return 0;
	if (p->max && n > p->max)
		return -EINVAL;
	c = tcache_get(p);
	if (!acquire_bulk_cached(p, c, bufs, n)) {
		pool_lock(p);
		/* our own cached buffers count too */
		if (c && tcache_enter_allow(p, c, FO_WAITERS)) {
			shared_push_locked(p, c->objs, tcache_count(c));
			tcache_set_count(c, 0);
			tcache_exit(c);
		}
		err = take_locked(p, bufs, n, timeout_ns, &how);
		pool_unlock(p);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < n; i++) {
		bufs[i] = buf_acquired(p, bufs[i], file, line);
		trace_acquire(p, bufs[i], t0, how);
	}
	return 0;
}

int (pool_acquire_bulk)(struct pool *pool, struct pool_buf **bufs, unsigned int n,
			int64_t timeout_ns)
{
	return pool_acquire_bulk_at(pool, bufs, n, timeout_ns, NULL, 0);
}

/* Direct pools: every acquire allocates exactly @size, every release frees. */
int pool_acquire_direct(struct pool *p, size_t size, struct pool_buf **out,
			const char *file, int line)
{
	uint64_t t0 = POOL_PROBE_ON(acquire) ? pool_now_ns() : 0;
	struct pool_mem mem;
	struct pool_buf *b;
	int err;

	if (!size || size > SIZE_MAX / 2)
		return -EINVAL;
	pool_lock(p);
	if (p->dead) {
		pool_unlock(p);
		return -ESHUTDOWN;
	}
	p->total++;
	atomic_fetch_add(&p->users, 1);
	pool_unlock(p);
	err = mem_alloc(p, size, &mem);
	pool_lock(p);
	atomic_fetch_sub(&p->users, 1);
	b = err ? NULL : desc_get_locked(p);
	if (!b) {
		if (!err) {
			p->be->ops.free(p->be->ctx, &mem);
			err = -ENOMEM;
		}
		p->total--;
		pool_unlock(p);
		return err;
	}
	desc_attach(p, b, &mem, size);
	buf_hold(b);
	p->st.acquires++;
	p->st.allocs++;
	hwm_update_locked(p);
	pool_unlock(p);
	b = buf_acquired(p, b, file, line);
	trace_acquire(p, b, t0, POOL_HOW_ALLOC);
	*out = b;
	return 0;
}
