/* SPDX-License-Identifier: MIT */
/*
 * Per-(pool, thread) caches: the private interface of tcache.c and the
 * inline helpers of the fast path.
 *
 * The window.  Each (pool, thread) pair has a LIFO cache.  The owner
 * thread touches it (and the pool's shared ring) only inside a window: it
 * sets cache->in, then reads pool->fast_off; if that is non-zero (pool
 * dead, someone freezing the caches, or waiters present) it leaves and
 * takes the locked slow path.  A thread that needs the caches (destroy,
 * trim, a waiter, an audit) raises fast_off, runs
 * membarrier(PRIVATE_EXPEDITED) (or, without it, relies on seq_cst on both
 * sides) and waits for every cache->in to drop: from then on no owner is
 * inside a window, and none will enter one while fast_off stays raised.
 * The hit path therefore takes no lock, makes no syscall and executes no
 * locked instruction when membarrier is available.
 *
 * Batches.  A cache holds up to cap buffers (thread_cache_bytes / size,
 * 1..TCACHE_MAX).  A full cache moves its oldest `batch` (cap / 2) to the
 * shared ring in one operation; an empty one takes up to `want` from the
 * ring in one operation.  `want` starts at 1 and doubles on every miss up
 * to batch (tcmalloc's slow start): a thread that reuses its own buffer
 * never takes more than it needs, so threads starting together share the
 * pool instead of one of them hoarding it, while a producer whose cache
 * is always empty soon moves full batches.
 */
#ifndef POOL_TCACHE_H
#define POOL_TCACHE_H

#include "internal.h"
#include "ring.h"

struct tcache {
	_Atomic unsigned int in;	/* the owner is inside a window */
	_Atomic unsigned int count;
	unsigned int cap;
	unsigned int batch;		/* buffers moved by one flush */
	unsigned int want;		/* buffers taken by the next refill */
	/* per-thread counters, single writer, summed on read */
	_Atomic uint64_t acquires;
	_Atomic uint64_t releases;
	struct pool_buf *objs[];
};

extern bool tcache_membarrier;
extern __thread unsigned int tcache_t_slot __attribute__((tls_model("initial-exec")));

void pool_global_init(void);
/* The reason a bad XDNAPOOL_NO_MEMBARRIER was refused, NULL if it was not. */
const char *tcache_env_error(void);
int tcache_slot_assign(void);
struct tcache *tcache_create(struct pool *p, int slot);

/* The caller's cache slot, assigned on first use; -1: none (slow path). */
static inline int tslot(void)
{
	unsigned int s = tcache_t_slot;	/* 0: none yet, else slot + 1 */

	if (likely(s - 1u < POOL_MAX_THREADS))
		return (int)s - 1;
	return tcache_slot_assign();
}

static inline struct tcache *tcache_get(struct pool *p)
{
	struct tcache *c;
	int slot;

	if (!p->caches)
		return NULL;
	slot = tslot();
	if (unlikely(slot < 0))
		return NULL;
	c = atomic_load_explicit(&p->caches[slot], memory_order_acquire);
	if (likely(c))
		return c;
	return tcache_create(p, slot);
}

/*
 * Enter the owner's window unless fast_off has bits outside @allow: moving
 * buffers out of a cache is fine while waiters exist, taking from or
 * putting into it is not.
 */
static inline bool tcache_enter_allow(struct pool *p, struct tcache *c, unsigned int allow)
{
#ifdef POOL_TSAN
	atomic_store_explicit(&c->in, 1, memory_order_seq_cst);
#else
	if (likely(tcache_membarrier)) {
		atomic_store_explicit(&c->in, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		atomic_store_explicit(&c->in, 1, memory_order_seq_cst);
	}
#endif
	if (likely(!(atomic_load_explicit(&p->fast_off, memory_order_seq_cst) & ~allow)))
		return true;
	atomic_store_explicit(&c->in, 0, memory_order_release);
	return false;
}

static inline bool tcache_enter(struct pool *p, struct tcache *c)
{
	return tcache_enter_allow(p, c, 0);
}

static inline void tcache_exit(struct tcache *c)
{
	atomic_store_explicit(&c->in, 0, memory_order_release);
}

/* Single-writer counter: a plain load and store, no locked instruction. */
static inline void counter_add(_Atomic uint64_t *v, uint64_t n)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline unsigned int tcache_count(struct tcache *c)
{
	return atomic_load_explicit(&c->count, memory_order_relaxed);
}

static inline void tcache_set_count(struct tcache *c, unsigned int n)
{
	atomic_store_explicit(&c->count, n, memory_order_relaxed);
}

/* Inside a window: the refill grows (slow start). */
static inline void tcache_missed(struct tcache *c)
{
	if (c->want < c->batch)
		c->want = c->want * 2 > c->batch ? c->batch : c->want * 2;
}

/* Inside a window, cache empty: up to want buffers from the shared ring. */
static inline unsigned int tcache_refill_ring(struct pool *p, struct tcache *c)
{
	unsigned int n;

	if (!p->ring)
		return 0;
	n = pool_ring_get(p->ring, c->objs, c->want);
	if (n) {
		tcache_set_count(c, n);
		tcache_missed(c);	/* else the locked refill counts the miss */
	}
	return n;
}

/* idle_since only when idle_timeout_ms asks for it: no clock read otherwise. */
static inline void stamp_idle(struct pool *p, struct pool_buf *const *v, unsigned int n)
{
	uint64_t now;

	if (likely(!p->stamp_idle) || !n)
		return;
	now = pool_now_ns();
	for (unsigned int i = 0; i < n; i++)
		v[i]->idle_since = now;
}

/* Inside a window, cache full: the oldest batch to the ring (or the list). */
void tcache_flush_full(struct pool *p, struct tcache *c);

void caches_freeze(struct pool *p, unsigned int bits);
void caches_thaw(struct pool *p);
/* Flush every thread's cache to the free list (not for dead pools). */
unsigned int caches_drain(struct pool *p);
/* With the caches frozen: every cached buffer to the free list. */
unsigned int caches_drain_locked(struct pool *p);
/* With the caches frozen: buffers in thread caches. */
unsigned int caches_count_frozen(struct pool *p);
void tcache_flush_own(struct pool *p, unsigned int slot);
void caches_free(struct pool *p);

#endif /* POOL_TCACHE_H */
