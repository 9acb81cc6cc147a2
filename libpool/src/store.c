// SPDX-License-Identifier: MIT
/*
 * The pool's books under its lock: buffer lists, backend memory and
 * descriptors, the shared free list and ring, and fence reaping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcache.h"

#define BUSY_SCAN_MAX	16	/* busy buffers checked per reap */
#define RING_DRAIN_BATCH	64	/* buffers moved from the ring per step */

#ifdef POOL_ASSERTS
__thread unsigned int pool_t_locks;
#endif

void pool_cond_wait(struct pool *p, const struct timespec *ts)
{
	lock_assert_held(p);
#ifdef POOL_ASSERTS
	atomic_store_explicit(&p->lock_owner, 0, memory_order_relaxed);
	lock_order_drop(LOCK_POOL);
#endif
	if (ts)
		pthread_cond_timedwait(&p->cond, &p->lock, ts);
	else
		pthread_cond_wait(&p->cond, &p->lock);
#ifdef POOL_ASSERTS
	lock_order_take(LOCK_POOL);
	atomic_store_explicit(&p->lock_owner, lock_self(), memory_order_relaxed);
#endif
}

/* ------------------------------------------------------------------ lists */

void list_push(struct buf_list *l, struct pool_buf *b)
{
	b->prev = NULL;
	b->next = l->head;
	if (l->head)
		l->head->prev = b;
	else
		l->tail = b;
	l->head = b;
	l->n++;
}

void list_del(struct buf_list *l, struct pool_buf *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		l->head = b->next;
	if (b->next)
		b->next->prev = b->prev;
	else
		l->tail = b->prev;
	b->next = b->prev = NULL;
	l->n--;
}

struct pool_buf *list_pop(struct buf_list *l)
{
	struct pool_buf *b = l->head;

	if (b)
		list_del(l, b);
	return b;
}

/* ------------------------------------------------------ backend memory */

int mem_alloc(struct pool *p, size_t cap, struct pool_mem *mem)
{
	size_t bytes = p->debug ? cap + DBG_TAIL : cap;	/* room for the canary */
	int err;

	memset(mem, 0, sizeof(*mem));
	err = p->be->ops.alloc(p->be->ctx, bytes, mem);
	if (err) {
		if (p->be->ops.errmsg)
			pool_errdetail_set(p->be->ops.errmsg(p->be->ctx));
		return err < 0 ? err : -ENOMEM;
	}
	if (mem->size < cap) {
		p->be->ops.free(p->be->ctx, mem);
		return -ENOMEM;
	}
	if (!mem->dev_addr && p->be->ops.dev_addr)
		mem->dev_addr = p->be->ops.dev_addr(p->be->ctx, mem);
	return 0;
}

static void mem_free(struct pool *p, struct pool_buf *b)
{
	dbg_before_free(p, b);
	p->be->ops.free(p->be->ctx, &b->mem);
	memset(&b->mem, 0, sizeof(b->mem));
	b->data = NULL;
}

struct pool_buf *desc_get_locked(struct pool *p)
{
	struct pool_buf *b;

	lock_assert_held(p);
	b = list_pop(&p->empty);
	if (b)
		return b;
	b = aligned_alloc(CACHELINE_BYTES, sizeof(*b));	/* sizeof is a multiple */
	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->magic = BUF_MAGIC ^ (uintptr_t)b;
	b->pool = p;
	b->id = p->ndesc++;
	b->all_next = p->all;
	p->all = b;
	return b;
}

void desc_attach(struct pool *p, struct pool_buf *b, const struct pool_mem *mem, size_t cap)
{
	b->mem = *mem;
	b->data = mem->cpu;
	b->cap = cap;
	b->size = cap;
	b->has_fence = false;
	if (!b->data)
		return;
	if (p->debug)
		dbg_init(b);
	else if (p->zero)
		memset(b->data, 0, cap);
}

/* Free a buffer's memory; it becomes an EMPTY descriptor. */
void buf_evict_locked(struct pool *p, struct pool_buf *b)
{
	lock_assert_held(p);
	mem_free(p, b);
	atomic_store_explicit(&b->state, BS_EMPTY, memory_order_release);
	list_push(&p->empty, b);
	p->total--;
	p->st.frees++;
}

/* -------------------------------------------------------- shared store */

unsigned int ring_count(const struct pool *p)
{
	return p->ring ? pool_ring_count(p->ring) : 0;
}

static bool over_cap_locked(const struct pool *p)
{
	lock_assert_held(p);
	return p->max_cached_bytes && p->total > p->min &&
	       (uint64_t)(p->free.n + 1) * p->size > p->max_cached_bytes;
}

/* Put IDLE buffers (off every list) on the free list. */
void shared_push_locked(struct pool *p, struct pool_buf **v, unsigned int n)
{
	uint64_t now = n && p->stamp_idle ? pool_now_ns() : 0;

	lock_assert_held(p);
	for (unsigned int i = 0; i < n; i++) {
		struct pool_buf *b = v[i];

		if (p->dead || over_cap_locked(p)) {
			if (!p->dead) {
				p->st.evictions++;
				if (POOL_PROBE_ON(evict))
					POOL_PROBE(evict, p->id, p->name, 1u, (uint64_t)p->total - 1);
			}
			buf_evict_locked(p, b);
			continue;
		}
		if (now)
			b->idle_since = now;
		list_push(&p->free, b);
	}
	/*
	 * Waiters are woken only when there are some: the steady state makes
	 * no syscall.  A spinning waiter sees wake_seq move; a sleeping one
	 * gets one futex wake (a broadcast only when a bulk waiter may need
	 * several buffers).
	 */
	if (p->nwaiters && n) {
		atomic_fetch_add_explicit(&p->wake_seq, 1, memory_order_release);
		if (n == 1 && !p->bulk_waiters)
			pthread_cond_signal(&p->cond);
		else
			pthread_cond_broadcast(&p->cond);
	}
}

/* Everything in the shared ring onto the free list. */
unsigned int ring_drain_locked(struct pool *p)
{
	struct pool_buf *v[RING_DRAIN_BATCH];
	unsigned int n, moved = 0;

	lock_assert_held(p);
	if (!p->ring)
		return 0;
	while ((n = pool_ring_get(p->ring, v, RING_DRAIN_BATCH))) {
		shared_push_locked(p, v, n);
		moved += n;
	}
	return moved;
}

/* ---------------------------------------------------------------- fences */

static int fence_signalled(const struct pool_fence *f)
{
	int r = f->ops->signalled(f->ctx, f->seq);

	return r != 0;	/* errors count as signalled: never strand a buffer */
}

/* Move signalled busy buffers (oldest first) to the free list. */
unsigned int reap_busy_locked(struct pool *p)
{
	struct pool_buf *b = p->busy.tail;
	unsigned int reaped = 0;

	lock_assert_held(p);
	for (unsigned int i = 0; b && i < BUSY_SCAN_MAX; i++) {
		struct pool_buf *prev = b->prev;

		if (fence_signalled(&b->fence)) {
			if (POOL_PROBE_ON(reusable))
				POOL_PROBE(reusable, p->id, p->name, b->id, b->fence.seq,
					   b->fenced_ns ? pool_now_ns() - b->fenced_ns : 0);
			list_del(&p->busy, b);
			b->has_fence = false;
			fence_put(&b->fence);
			buf_scrub(p, b);
			atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
			shared_push_locked(p, &b, 1);
			reaped++;
		}
		b = prev;
	}
	return reaped;
}

/*
 * A fenced buffer given up on: the device may still write it, so its
 * memory is leaked rather than freed or reused.
 */
void buf_abandon_locked(struct pool *p, struct pool_buf *b, const struct pool_fence *f, int err)
{
	lock_assert_held(p);
	pool_reportf(p, "xdnapool: pool '%s': buffer #%u: fence %llu did not signal by the "
		     "destroy deadline (%s); its memory is leaked", p->name, b->id,
		     (unsigned long long)f->seq, err == -ETIME ? "timed out" : strerror(-err));
	atomic_store_explicit(&b->state, BS_EMPTY, memory_order_release);
	memset(&b->mem, 0, sizeof(b->mem));
	b->data = NULL;
	list_push(&p->empty, b);
	p->total--;
}

/*
 * Wait for @f until the absolute @deadline (pool_now_ns()): 0 when it
 * signalled, -ETIME when the deadline passed, or wait()'s error.  Drops
 * the lock while it waits.
 */
int fence_wait_until_locked(struct pool *p, const struct pool_fence *f, uint64_t deadline)
{
	int (*wait)(void *, uint64_t, int64_t) = FENCE_OP(f->ops, wait);
	int err = 0;

	lock_assert_held(p);
	while (!fence_signalled(f)) {
		uint64_t now = pool_now_ns();

		if (now >= deadline)
			return -ETIME;
		pool_unlock(p);
		if (wait)
			err = wait(f->ctx, f->seq, (int64_t)(deadline - now));
		else
			nanosleep(&(struct timespec){ 0, FENCE_POLL_NS }, NULL);
		pool_lock(p);
		if (err == -ETIME || err == -ETIMEDOUT)
			err = 0;	/* the loop sees the deadline */
		else if (err)
			return err;
		else if (wait)
			return 0;
	}
	return 0;
}

/*
 * Wait for busy buffers' fences (the device may still use them) until the
 * destroy's one deadline, then free them; those still busy by then are
 * reported, one line each, and their memory is leaked.
 */
void destroy_busy_locked(struct pool *p)
{
	unsigned int lost = 0;

	lock_assert_held(p);
	while (p->busy.n) {
		struct pool_buf *b = p->busy.tail;
		struct pool_fence f = b->fence;
		int err;

		list_del(&p->busy, b);
		err = fence_wait_until_locked(p, &f, p->destroy_deadline);
		b->has_fence = false;
		fence_put(&f);
		if (err) {
			buf_abandon_locked(p, b, &f, err);
			lost++;
			continue;
		}
		buf_evict_locked(p, b);
	}
	if (lost)
		pool_reportf(p, "xdnapool: pool '%s': gave up on %u fenced buffer%s after %llu ms",
			     p->name, lost, lost == 1 ? "" : "s",
			     (unsigned long long)(p->destroy_timeout_ns / NSEC_PER_MSEC));
}

