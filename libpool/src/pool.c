// SPDX-License-Identifier: MIT
/*
 * Pool core: creation, per-thread caches, acquire/release, waiting, fences,
 * trimming and destruction.
 *
 * Fast path.  Each (pool, thread) pair has a LIFO cache.  The owner thread
 * touches it only inside a "window": it sets cache->in, then reads
 * pool->fast_off; if that is non-zero (pool dead, someone freezing the
 * caches, or waiters present) it leaves and takes the locked slow path.  A
 * thread that needs the caches (destroy, trim, a waiter) raises fast_off,
 * runs membarrier(PRIVATE_EXPEDITED) (or, without it, relies on seq_cst
 * on both sides) and waits for every cache->in to drop: from then on no
 * owner is inside a window, and none will enter one while fast_off stays
 * raised.  The hit path therefore takes no lock, makes no syscall and
 * executes no locked instruction when membarrier is available.
 */
#include <errno.h>
#include <limits.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define POOL_VALGRIND 1
#endif
#endif

#define GROW_BATCH_MAX	64	/* buffers allocated by one grow */
#define BUSY_SCAN_MAX	16	/* busy buffers checked per reap */
#define FENCE_SLICE_NS	1000000	/* fence waits recheck the pool this often */

/* ------------------------------------------------------- tool annotations */

static void mem_noaccess(void *p, size_t n)
{
#ifdef POOL_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#endif
#ifdef POOL_VALGRIND
	VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
	(void)p;
	(void)n;
}

static void mem_defined(void *p, size_t n)
{
#ifdef POOL_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef POOL_VALGRIND
	VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
	(void)p;
	(void)n;
}

static void mem_undefined(void *p, size_t n)
{
#ifdef POOL_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef POOL_VALGRIND
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#endif
	(void)p;
	(void)n;
}

/* ------------------------------------------------- registry, thread slots */

pthread_mutex_t pool_reg_lock = PTHREAD_MUTEX_INITIALIZER;
struct pool *pool_reg_head;

#define SLOT_NONE	UINT_MAX

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static bool g_membarrier;
static uint64_t g_slots[POOL_MAX_THREADS / 64];
static __thread unsigned int t_slot __attribute__((tls_model("initial-exec")));	/* 0: none yet, else slot + 1 */

static void tcache_flush_own(struct pool *p, unsigned int slot);

static void thread_exit(void *v)
{
	unsigned int slot = (unsigned int)(uintptr_t)v - 1;

	pthread_mutex_lock(&pool_reg_lock);
	for (struct pool *p = pool_reg_head; p; p = p->reg_next)
		tcache_flush_own(p, slot);
	g_slots[slot / 64] &= ~(1ull << (slot % 64));
	pthread_mutex_unlock(&pool_reg_lock);
	t_slot = SLOT_NONE;	/* later calls of this thread take the slow path */
}

static void global_init(void)
{
	const char *e = getenv("XDNAPOOL_NO_MEMBARRIER");
	long q;

	pthread_key_create(&g_key, thread_exit);
#ifndef POOL_TSAN
	q = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
	if (q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0))
		g_membarrier = true;
#else
	(void)q;
#endif
	if (e && *e && *e != '0')
		g_membarrier = false;
}

static int slot_assign(void)
{
	int slot = -1;

	if (t_slot == SLOT_NONE)
		return -1;
	pthread_once(&g_once, global_init);
	pthread_mutex_lock(&pool_reg_lock);
	for (unsigned int i = 0; i < ARRAY_SIZE(g_slots) && slot < 0; i++) {
		if (~g_slots[i]) {
			int bit = __builtin_ctzll(~g_slots[i]);

			g_slots[i] |= 1ull << bit;
			slot = (int)(i * 64 + (unsigned int)bit);
		}
	}
	pthread_mutex_unlock(&pool_reg_lock);
	if (slot < 0) {
		t_slot = SLOT_NONE;
		return -1;
	}
	t_slot = (unsigned int)slot + 1;
	pthread_setspecific(g_key, (void *)(uintptr_t)t_slot);
	return slot;
}

static inline int tslot(void)
{
	unsigned int s = t_slot;

	if (likely(s - 1u < POOL_MAX_THREADS))
		return (int)s - 1;
	return slot_assign();
}

/* ---------------------------------------------------------- thread caches */

static struct tcache *tcache_create(struct pool *p, int slot)
{
	struct tcache *c;

	if (atomic_load_explicit(&p->fast_off, memory_order_acquire) & FO_DEAD)
		return NULL;
	c = calloc(1, sizeof(*c) + p->tc_cap * sizeof(c->objs[0]));
	if (!c)
		return NULL;
	c->cap = p->tc_cap;
	c->batch = p->tc_cap / 2 ? p->tc_cap / 2 : 1;
	atomic_store_explicit(&p->caches[slot], c, memory_order_release);
	return c;
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
	if (likely(g_membarrier)) {
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

static inline void counter_inc(_Atomic uint64_t *v)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* Raise fast_off by @bits and wait until no owner is inside a window. */
static void caches_freeze(struct pool *p, unsigned int bits)
{
	atomic_fetch_add_explicit(&p->fast_off, bits, memory_order_seq_cst);
	if (!p->caches)
		return;
#ifndef POOL_TSAN
	if (g_membarrier)
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
#endif
	for (unsigned int i = 0; i < POOL_MAX_THREADS; i++) {
		struct tcache *c = atomic_load_explicit(&p->caches[i], memory_order_acquire);

		if (!c)
			continue;
		while (atomic_load_explicit(&c->in, memory_order_seq_cst))
			sched_yield();
	}
}

static void caches_thaw(struct pool *p)
{
	atomic_fetch_sub_explicit(&p->fast_off, 1, memory_order_release);
}

/* ------------------------------------------------------------------ lists */

static void list_push(struct buf_list *l, struct pool_buf *b)
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

static void list_del(struct buf_list *l, struct pool_buf *b)
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

static struct pool_buf *list_pop(struct buf_list *l)
{
	struct pool_buf *b = l->head;

	if (b)
		list_del(l, b);
	return b;
}

/* ------------------------------------------------------------------ debug */

static void pool_fault(struct pool *p, struct pool_buf *b, const char *what)
{
	if (p->on_fault) {
		p->on_fault(p->fault_arg, p, b, what);
		return;
	}
	pool_reportf(p, "xdnapool: pool '%s': buffer #%u (acquired at %s:%d): %s", p->name,
		     b ? b->id : 0, b && b->site_file ? b->site_file : "?",
		     b ? b->site_line : 0, what);
	abort();
}

static const unsigned char canary[DBG_CANARY] = {
	0xde, 0xad, 0xbe, 0xef, 0x58, 0x44, 0x4e, 0x41,
	0x50, 0x4f, 0x4f, 0x4c, 0xca, 0xfe, 0xf0, 0x0d,
};

static bool has_canary(const struct pool_buf *b)
{
	return b->data && b->mem.size >= b->cap + DBG_CANARY;
}

static bool all_bytes(const unsigned char *s, unsigned char c, size_t n)
{
	return !n || (s[0] == c && !memcmp(s, s + 1, n - 1));
}

static void dbg_check_canary(struct pool *p, struct pool_buf *b, const char *when)
{
	if (!has_canary(b) || !memcmp((char *)b->data + b->cap, canary, DBG_CANARY))
		return;
	pool_fault(p, b, when);
	memcpy((char *)b->data + b->cap, canary, DBG_CANARY);
}

/* Fresh memory: poison and canary, as if just released. */
static void dbg_init(struct pool_buf *b)
{
	memset(b->data, DBG_POISON, b->cap);
	if (has_canary(b))
		memcpy((char *)b->data + b->cap, canary, DBG_CANARY);
	mem_noaccess(b->data, b->cap);
}

static void dbg_on_acquire(struct pool *p, struct pool_buf *b)
{
	b->acquire_ns = pool_now_ns();
	if (!b->data)
		return;
	mem_defined(b->data, b->cap);
	if (!all_bytes(b->data, DBG_POISON, b->cap))
		pool_fault(p, b, "modified after release (use after release)");
	dbg_check_canary(p, b, "tail canary overwritten while idle");
	if (p->zero)
		memset(b->data, 0, b->cap);
	else
		mem_undefined(b->data, b->cap);
}

/* The buffer is ours (RETURNING or being reaped): make it idle. */
static void buf_scrub(struct pool *p, struct pool_buf *b)
{
	if (!b->data)
		return;
	if (unlikely(p->debug)) {
		dbg_check_canary(p, b, "tail canary overwritten (write past the end)");
		memset(b->data, DBG_POISON, b->cap);
		mem_noaccess(b->data, b->cap);
	} else if (p->zero) {
		memset(b->data, 0, b->cap);
	}
}

/* ------------------------------------------------------ backend memory */

static size_t alloc_size(const struct pool *p, size_t cap)
{
	return p->debug ? cap + DBG_TAIL : cap;
}

static int mem_alloc(struct pool *p, size_t cap, struct pool_mem *mem)
{
	int err;

	memset(mem, 0, sizeof(*mem));
	err = p->be->ops.alloc(p->be->ctx, alloc_size(p, cap), mem);
	if (err)
		return err < 0 ? err : -ENOMEM;
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
	if (b->data && p->debug)
		mem_defined(b->data, b->mem.size);
	p->be->ops.free(p->be->ctx, &b->mem);
	memset(&b->mem, 0, sizeof(b->mem));
	b->data = NULL;
}

static struct pool_buf *desc_get_locked(struct pool *p)
{
	struct pool_buf *b = list_pop(&p->empty);

	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->magic = BUF_MAGIC ^ (uintptr_t)b;
	b->pool = p;
	b->id = p->ndesc++;
	b->all_next = p->all;
	p->all = b;
	return b;
}

static void desc_attach(struct pool *p, struct pool_buf *b, const struct pool_mem *mem,
			size_t cap)
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
static void buf_evict_locked(struct pool *p, struct pool_buf *b)
{
	mem_free(p, b);
	atomic_store_explicit(&b->state, BS_EMPTY, memory_order_release);
	list_push(&p->empty, b);
	p->total--;
	p->st.frees++;
}

static void pool_free(struct pool *p);

/* ----------------------------------------------------------------- puts */

static bool over_cap_locked(const struct pool *p)
{
	return p->max_cached_bytes && p->total > p->min &&
	       (uint64_t)(p->free.n + 1) * p->size > p->max_cached_bytes;
}

/* Put IDLE buffers (off every list) on the shared list. */
static void shared_push_locked(struct pool *p, struct pool_buf **v, unsigned int n)
{
	uint64_t now = n ? pool_now_ns() : 0;

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
		b->idle_since = now;
		list_push(&p->free, b);
	}
	/*
	 * Waiters are woken only when there are some: the steady state makes
	 * no syscall.  Broadcast, as a bulk waiter may need several.
	 */
	if (p->nwaiters && n)
		pthread_cond_broadcast(&p->cond);
}

/* The last release of a buffer once the pool is dead. */
static void orphan_put_locked(struct pool *p, struct pool_buf *b, bool *last)
{
	buf_evict_locked(p, b);
	*last = false;
	if (!p->destroyed)
		return;	/* pool_destroy() has not counted the orphans yet */
	p->orphans--;
	*last = !p->orphans;
}

static int put_slow(struct pool *p, struct pool_buf *b)
{
	bool last = false;

	pthread_mutex_lock(&p->lock);
	p->st.releases++;
	if (p->dead) {
		orphan_put_locked(p, b, &last);
	} else if (p->direct) {
		buf_evict_locked(p, b);
	} else {
		atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
		shared_push_locked(p, &b, 1);
	}
	pthread_mutex_unlock(&p->lock);
	if (last)
		pool_free(p);
	return 0;
}

/* A RETURNING, scrubbed buffer goes back: thread cache first. */
static int buf_put(struct pool *p, struct pool_buf *b)
{
	struct pool_buf *spill[TCACHE_MAX];
	struct tcache *c = tcache_get(p);
	unsigned int n, k;

	if (unlikely(!c) || unlikely(!tcache_enter(p, c)))
		return put_slow(p, b);
	n = atomic_load_explicit(&c->count, memory_order_relaxed);
	if (likely(n < c->cap)) {
		c->objs[n] = b;
		atomic_store_explicit(&c->count, n + 1, memory_order_relaxed);
		atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
		counter_inc(&c->releases);
		tcache_exit(c);
		return 0;
	}
	/* full: spill the older half to the shared list */
	k = c->batch;
	memcpy(spill, c->objs, k * sizeof(spill[0]));
	memmove(c->objs, c->objs + k, (n - k) * sizeof(c->objs[0]));
	c->objs[n - k] = b;
	atomic_store_explicit(&c->count, n - k + 1, memory_order_relaxed);
	atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
	counter_inc(&c->releases);
	atomic_fetch_add(&p->users, 1);		/* spill is off every list */
	tcache_exit(c);
	pthread_mutex_lock(&p->lock);
	shared_push_locked(p, spill, k);
	atomic_fetch_sub(&p->users, 1);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void tcache_flush_own(struct pool *p, unsigned int slot)
{
	struct pool_buf *v[TCACHE_MAX];
	struct tcache *c;
	unsigned int n;

	if (!p->caches)
		return;
	c = atomic_load_explicit(&p->caches[slot], memory_order_acquire);
	if (!c || !tcache_enter_allow(p, c, FO_WAITERS))
		return;		/* frozen or dead: the freezer takes them */
	n = atomic_load_explicit(&c->count, memory_order_relaxed);
	memcpy(v, c->objs, n * sizeof(v[0]));
	atomic_store_explicit(&c->count, 0, memory_order_relaxed);
	if (n)
		atomic_fetch_add(&p->users, 1);
	tcache_exit(c);
	if (!n)
		return;
	pthread_mutex_lock(&p->lock);
	shared_push_locked(p, v, n);
	atomic_fetch_sub(&p->users, 1);
	pthread_mutex_unlock(&p->lock);
}

/* With the caches frozen: move every cached buffer to the shared list. */
static unsigned int caches_drain_locked(struct pool *p)
{
	unsigned int moved = 0;

	if (!p->caches)
		return 0;
	for (unsigned int i = 0; i < POOL_MAX_THREADS; i++) {
		struct tcache *c = atomic_load_explicit(&p->caches[i], memory_order_acquire);
		unsigned int n;

		if (!c)
			continue;
		n = atomic_load_explicit(&c->count, memory_order_relaxed);
		if (!n)
			continue;
		shared_push_locked(p, c->objs, n);
		atomic_store_explicit(&c->count, 0, memory_order_relaxed);
		moved += n;
	}
	return moved;
}

/* Flush every thread's cache to the shared list (not for dead pools). */
static unsigned int caches_drain(struct pool *p)
{
	unsigned int n;

	if (!p->caches)
		return 0;
	caches_freeze(p, 1);
	pthread_mutex_lock(&p->lock);
	n = caches_drain_locked(p);
	pthread_mutex_unlock(&p->lock);
	caches_thaw(p);
	return n;
}

/* ---------------------------------------------------------------- fences */

static int fence_signalled(const struct pool_fence *f)
{
	int r = f->ops->signalled(f->ctx, f->seq);

	return r != 0;	/* errors count as signalled: never strand a buffer */
}

/* Move signalled busy buffers (oldest first) to the free list. */
static unsigned int reap_busy_locked(struct pool *p)
{
	struct pool_buf *b = p->busy.tail;
	unsigned int reaped = 0;

	for (unsigned int i = 0; b && i < BUSY_SCAN_MAX; i++) {
		struct pool_buf *prev = b->prev;

		if (fence_signalled(&b->fence)) {
			if (POOL_PROBE_ON(device_complete))
				POOL_PROBE(device_complete, p->id, p->name, b->id, b->fence.seq,
					   b->fenced_ns ? pool_now_ns() - b->fenced_ns : 0);
			list_del(&p->busy, b);
			b->has_fence = false;
			buf_scrub(p, b);
			atomic_store_explicit(&b->state, BS_IDLE, memory_order_release);
			shared_push_locked(p, &b, 1);
			reaped++;
		}
		b = prev;
	}
	return reaped;
}

static int put_busy(struct pool *p, struct pool_buf *b)
{
	bool last = false;

	pthread_mutex_lock(&p->lock);
	p->st.releases++;
	p->st.fenced++;
	if (p->dead) {
		/* destroy already waited for the busy list; wait for this one */
		struct pool_fence f = b->fence;

		pthread_mutex_unlock(&p->lock);
		if (f.ops->wait)
			f.ops->wait(f.ctx, f.seq, -1);
		pthread_mutex_lock(&p->lock);
		orphan_put_locked(p, b, &last);
	} else {
		atomic_store_explicit(&b->state, BS_BUSY, memory_order_release);
		list_push(&p->busy, b);
	}
	/* 0 when untraced: a tracer attached later sees no bogus busy time. */
	b->fenced_ns = POOL_PROBE_ON(device_complete) ? pool_now_ns() : 0;
	if (POOL_PROBE_ON(device_submit))
		POOL_PROBE(device_submit, p->id, p->name, b->id, (uint64_t)(uintptr_t)b->fence.ctx,
			   b->fence.seq);
	pthread_mutex_unlock(&p->lock);
	if (last)
		pool_free(p);
	return 0;
}

/* --------------------------------------------------------------- release */

/*
 * One probe per release, fired before the buffer goes back (after that the
 * pool may be gone if it was destroyed): latency covers validation, the
 * state change and scrubbing; hold time runs from the acquire.
 */
static inline void trace_release(struct pool *p, struct pool_buf *b, uint64_t t0)
{
	uint64_t now;

	if (!POOL_PROBE_ON(release))
		return;
	now = pool_now_ns();
	POOL_PROBE(release, p->id, p->name, b->id, t0 ? now - t0 : 0,
		   b->acquire_ns ? now - b->acquire_ns : 0);
}

static int buf_release(struct pool_buf *b, const struct pool_fence *f)
{
	uint64_t t0 = POOL_PROBE_ON(release) ? pool_now_ns() : 0;
	struct pool *p;
	uint32_t w;

	if (unlikely(!buf_valid(b)))
		return -EINVAL;
	p = b->pool;
	if (unlikely(f)) {
		if (!f->ops || !f->ops->signalled)
			return -EINVAL;
		pthread_mutex_lock(&p->lock);
		w = atomic_load_explicit(&b->state, memory_order_acquire);
		if (!bs_holder_may_use(w)) {
			pthread_mutex_unlock(&p->lock);
			return -EINVAL;
		}
		/* the fence is read by whoever drops the last reference */
		b->fence = *f;
		b->has_fence = true;
		pthread_mutex_unlock(&p->lock);
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
		trace_release(p, b, t0);
		return put_busy(p, b);
	}
	if (!p->direct)
		buf_scrub(p, b);
	else if (unlikely(p->debug))
		dbg_check_canary(p, b, "tail canary overwritten (write past the end)");
	trace_release(p, b, t0);
	return buf_put(p, b);
}

int pool_release(struct pool_buf *buf)
{
	return buf_release(buf, NULL);
}

int pool_release_to(struct pool *pool, struct pool_buf *buf)
{
	if (!pool || !buf_valid(buf) || buf->pool != pool)
		return -EINVAL;
	return buf_release(buf, NULL);
}

int pool_release_fenced(struct pool_buf *buf, const struct pool_fence *fence)
{
	if (!fence)
		return -EINVAL;
	return buf_release(buf, fence);
}

int pool_release_bulk(struct pool_buf *const *bufs, unsigned int n)
{
	int err = 0;

	if (!bufs && n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		int r = buf_release(bufs[i], NULL);

		if (r && !err)
			err = r;
	}
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

/* Pool ids for the probes: process-wide, never reused. */
static uint32_t pool_next_id(void)
{
	static _Atomic uint32_t next;

	return atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) + 1;
}

static inline void buf_hold(struct pool_buf *b)
{
	atomic_store_explicit(&b->state, BS_HELD | BS_REF, memory_order_release);
}

static inline void buf_acquired(struct pool *p, struct pool_buf *b, const char *file, int line)
{
	b->site_file = file;
	b->site_line = line;
	b->size = b->cap;
	if (unlikely(p->debug))
		dbg_on_acquire(p, b);
	else
		b->acquire_ns = POOL_PROBE_ON(release) ? pool_now_ns() : 0;
}

static inline void trace_acquire(struct pool *p, struct pool_buf *b, uint64_t t0,
				 unsigned int how)
{
	if (POOL_PROBE_ON(acquire))
		POOL_PROBE(acquire, p->id, p->name, b->id, t0 ? pool_now_ns() - t0 : 0, how);
}

static void hwm_update_locked(struct pool *p)
{
	uint64_t out = p->total - p->free.n - p->busy.n;

	if (out > p->st.high_water)
		p->st.high_water = out;
}

static unsigned int grow_count_locked(const struct pool *p, unsigned int need)
{
	unsigned int n = p->grow_step;
	unsigned int room = p->max ? p->max - p->total : UINT_MAX;

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

static uint64_t deadline_of(int64_t timeout_ns)
{
	return timeout_ns > 0 ? pool_now_ns() + (uint64_t)timeout_ns : 0;
}

struct waiter {
	int64_t timeout_ns;
	uint64_t deadline;
	uint64_t t0;
	bool waiting;
	bool drained;
};

static void wait_begin_locked(struct pool *p, struct waiter *w)
{
	w->waiting = true;
	w->t0 = pool_now_ns();
	p->st.waits++;
	if (!p->nwaiters++)
		atomic_fetch_or(&p->fast_off, FO_WAITERS);
	atomic_fetch_add(&p->users, 1);
	if (POOL_PROBE_ON(wait_begin))
		POOL_PROBE(wait_begin, p->id, p->name);
}

static void wait_end_locked(struct pool *p, struct waiter *w, int result)
{
	uint64_t dt;

	if (!w->waiting)
		return;
	dt = pool_now_ns() - w->t0;
	p->st.wait_ns += dt;
	if (!--p->nwaiters)
		atomic_fetch_and(&p->fast_off, ~FO_WAITERS);
	atomic_fetch_sub(&p->users, 1);
	w->waiting = false;
	if (POOL_PROBE_ON(wait_end))
		POOL_PROBE(wait_end, p->id, p->name, dt, result);
}

/*
 * Block once: flush the thread caches the first time (buffers may sit
 * there), then wait for a release or for the oldest fence.  Called and
 * returns with the lock held; -ETIMEDOUT when the deadline has passed.
 */
static int wait_step_locked(struct pool *p, struct waiter *w)
{
	uint64_t now = pool_now_ns();
	int64_t left = -1;

	if (w->timeout_ns > 0) {
		if (now >= w->deadline)
			return -ETIMEDOUT;
		left = (int64_t)(w->deadline - now);
	}
	if (!w->waiting)
		wait_begin_locked(p, w);
	if (!w->drained && p->caches) {
		w->drained = true;
		pthread_mutex_unlock(&p->lock);
		caches_drain(p);
		pthread_mutex_lock(&p->lock);
		return 0;
	}
	if (p->busy.n) {
		struct pool_fence f = p->busy.tail->fence;
		int64_t slice = left < 0 || left > FENCE_SLICE_NS ? FENCE_SLICE_NS : left;

		pthread_mutex_unlock(&p->lock);
		if (f.ops->wait)
			f.ops->wait(f.ctx, f.seq, slice);
		else
			nanosleep(&(struct timespec){ 0, slice }, NULL);
		pthread_mutex_lock(&p->lock);
		return 0;
	}
	if (left < 0) {
		pthread_cond_wait(&p->cond, &p->lock);
	} else {
		struct timespec ts = {
			.tv_sec = (time_t)(w->deadline / 1000000000ull),
			.tv_nsec = (long)(w->deadline % 1000000000ull),
		};

		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	return 0;
}

/*
 * Take n buffers, all or none: idle ones first, then signalled busy ones,
 * then growth, else wait.  Lock held on entry and exit.
 */
static int take_locked(struct pool *p, struct pool_buf **bufs, unsigned int n,
		       int64_t timeout_ns, unsigned int *hits, unsigned int *how)
{
	struct waiter w = { .timeout_ns = timeout_ns, .deadline = deadline_of(timeout_ns) };
	int err;

	for (;;) {
		unsigned int room, k, g;

		if (p->dead) {
			err = w.waiting ? -ECANCELED : -ESHUTDOWN;
			break;
		}
		if (p->free.n < n && p->busy.n)
			reap_busy_locked(p);
		room = p->max ? p->max - p->total : UINT_MAX;
		if (p->free.n >= n || room >= n - p->free.n) {
			k = p->free.n < n ? p->free.n : n;
			g = k < n ? grow_count_locked(p, n - k) : 0;
			err = 0;
			if (g) {
				struct pool_mem mems[GROW_BATCH_MAX];
				struct pool_mem *mv = g <= GROW_BATCH_MAX ? mems : NULL;
				unsigned int ok = 0;

				if (!mv && !(mv = malloc(g * sizeof(*mv)))) {
					err = -ENOMEM;
					break;
				}
				p->total += g;
				atomic_fetch_add(&p->users, 1);
				pthread_mutex_unlock(&p->lock);
				for (; ok < g; ok++) {
					err = mem_alloc(p, p->size, &mv[ok]);
					if (err)
						break;
				}
				pthread_mutex_lock(&p->lock);
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
					atomic_store_explicit(&b->state, BS_IDLE,
							      memory_order_release);
					b->idle_since = pool_now_ns();
					list_push(&p->free, b);	/* no cap: we need them */
				}
				if (mv != mems)
					free(mv);
				if (POOL_PROBE_ON(grow))
					POOL_PROBE(grow, p->id, p->name, ok, (uint64_t)p->total);
				if (p->dead) {
					err = -ECANCELED;
					break;
				}
				if (err && p->free.n < n) {
					/* all or nothing: capacity is back for others */
					if (p->nwaiters)
						pthread_cond_broadcast(&p->cond);
					break;
				}
				err = 0;
				if (p->free.n < n)
					continue;	/* raced with other takers */
			}
			for (unsigned int i = 0; i < n; i++) {
				struct pool_buf *b = list_pop(&p->free);

				buf_hold(b);
				bufs[i] = b;
			}
			if (g && p->free.n && p->nwaiters)
				pthread_cond_broadcast(&p->cond);
			*hits = k;
			*how = w.t0 ? POOL_HOW_WAITED : g ? POOL_HOW_ALLOC : POOL_HOW_SHARED;
			p->st.acquires += n;
			p->st.hits += k;
			hwm_update_locked(p);
			break;
		}
		if (!timeout_ns) {
			p->st.exhausted++;
			if (POOL_PROBE_ON(exhausted))
				POOL_PROBE(exhausted, p->id, p->name,
					   (uint64_t)(p->total - p->free.n - p->busy.n),
					   (uint64_t)p->max);
			err = -EAGAIN;
			break;
		}
		err = wait_step_locked(p, &w);
		if (err) {
			p->st.timeouts++;
			if (POOL_PROBE_ON(timeout))
				POOL_PROBE(timeout, p->id, p->name, w.t0 ? pool_now_ns() - w.t0 : 0);
			break;
		}
	}
	wait_end_locked(p, &w, err);
	return err;
}

/* Buffers at least this large are never batched into a thread cache. */
#define TCACHE_REFILL_MAX_BYTES	(64u << 10)

/* After a slow acquire: move a batch of idle buffers into our cache. */
static void tcache_refill(struct pool *p)
{
	struct pool_buf *v[TCACHE_MAX];
	struct tcache *c = tcache_get(p);
	unsigned int n = 0, have;

	/*
	 * Batching only pays for small, frequent buffers, where the lock is a
	 * visible share of the work.  Large buffers would be stranded: with
	 * as many threads as buffers starting at once, the first ones would
	 * empty the free list into their caches and the others would grow
	 * the pool instead of sharing it.  (Releases still fill the cache, so
	 * a thread reusing its own buffer keeps the lock-free path.)
	 */
	if (!c || p->size >= TCACHE_REFILL_MAX_BYTES)
		return;
	pthread_mutex_lock(&p->lock);
	have = atomic_load_explicit(&c->count, memory_order_relaxed);
	if (!p->nwaiters && !p->dead && have < c->batch) {
		while (n < c->batch - have && p->free.n > 0)
			v[n++] = list_pop(&p->free);
	}
	if (n)
		atomic_fetch_add(&p->users, 1);
	pthread_mutex_unlock(&p->lock);
	if (!n)
		return;
	if (tcache_enter(p, c)) {
		have = atomic_load_explicit(&c->count, memory_order_relaxed);
		if (have + n <= c->cap) {
			memcpy(c->objs + have, v, n * sizeof(v[0]));
			atomic_store_explicit(&c->count, have + n, memory_order_relaxed);
			n = 0;
		}
		tcache_exit(c);
	}
	pthread_mutex_lock(&p->lock);
	shared_push_locked(p, v, n);
	atomic_fetch_sub(&p->users, 1);
	pthread_mutex_unlock(&p->lock);
}

static int acquire_slow(struct pool *p, struct pool_buf **out, int64_t timeout_ns,
			const char *file, int line, uint64_t t0)
{
	struct pool_buf *b;
	unsigned int hits, how;
	int err;

	if (p->direct)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	err = take_locked(p, &b, 1, timeout_ns, &hits, &how);
	pthread_mutex_unlock(&p->lock);
	if (err)
		return err;
	tcache_refill(p);
	buf_acquired(p, b, file, line);
	trace_acquire(p, b, t0, how);
	*out = b;
	return 0;
}

int pool_acquire_at(struct pool *p, struct pool_buf **out, int64_t timeout_ns,
		    const char *file, int line)
{
	uint64_t t0 = POOL_PROBE_ON(acquire) ? pool_now_ns() : 0;
	struct tcache *c;
	struct pool_buf *b;
	unsigned int n;

	if (unlikely(!p || p->magic != POOL_MAGIC || !out))
		return -EINVAL;
	c = tcache_get(p);
	if (likely(c) && likely(tcache_enter(p, c))) {
		n = atomic_load_explicit(&c->count, memory_order_relaxed);
		if (likely(n)) {
			b = c->objs[n - 1];
			atomic_store_explicit(&c->count, n - 1, memory_order_relaxed);
			buf_hold(b);
			counter_inc(&c->acquires);
			tcache_exit(c);
			buf_acquired(p, b, file, line);
			trace_acquire(p, b, t0, POOL_HOW_CACHE);
			*out = b;
			return 0;
		}
		tcache_exit(c);
	}
	return acquire_slow(p, out, timeout_ns, file, line, t0);
}

int (pool_acquire)(struct pool *pool, struct pool_buf **out, int64_t timeout_ns)
{
	return pool_acquire_at(pool, out, timeout_ns, NULL, 0);
}

int pool_acquire_bulk_at(struct pool *p, struct pool_buf **bufs, unsigned int n,
			 int64_t timeout_ns, const char *file, int line)
{
	uint64_t t0 = POOL_PROBE_ON(acquire) ? pool_now_ns() : 0;
	unsigned int hits, how;
	int err;

	if (!p || p->magic != POOL_MAGIC || (!bufs && n) || p->direct)
		return -EINVAL;
	if (!n)
		return 0;
	if (p->max && n > p->max)
		return -EINVAL;
	/* our own cached buffers count too */
	if (p->caches) {
		int slot = tslot();

		if (slot >= 0)
			tcache_flush_own(p, (unsigned int)slot);
	}
	pthread_mutex_lock(&p->lock);
	err = take_locked(p, bufs, n, timeout_ns, &hits, &how);
	pthread_mutex_unlock(&p->lock);
	if (err)
		return err;
	for (unsigned int i = 0; i < n; i++) {
		buf_acquired(p, bufs[i], file, line);
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
	struct pool_mem mem;
	struct pool_buf *b;
	int err;

	if (!size || size > SIZE_MAX / 2)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (p->dead) {
		pthread_mutex_unlock(&p->lock);
		return -ESHUTDOWN;
	}
	p->total++;
	atomic_fetch_add(&p->users, 1);
	pthread_mutex_unlock(&p->lock);
	err = mem_alloc(p, size, &mem);
	pthread_mutex_lock(&p->lock);
	atomic_fetch_sub(&p->users, 1);
	b = err ? NULL : desc_get_locked(p);
	if (!b) {
		if (!err) {
			p->be->ops.free(p->be->ctx, &mem);
			err = -ENOMEM;
		}
		p->total--;
		pthread_mutex_unlock(&p->lock);
		return err;
	}
	desc_attach(p, b, &mem, size);
	buf_hold(b);
	p->st.acquires++;
	p->st.allocs++;
	hwm_update_locked(p);
	pthread_mutex_unlock(&p->lock);
	buf_acquired(p, b, file, line);
	*out = b;
	return 0;
}

/* ------------------------------------------------------------------ trim */

int pool_trim(struct pool *p, unsigned int flags)
{
	uint64_t now;
	struct pool_buf *b;
	int freed = 0;

	if (!p || p->magic != POOL_MAGIC || (flags & ~(POOL_TRIM_IDLE | POOL_TRIM_CACHES)))
		return -EINVAL;
	if (p->dead)
		return -ESHUTDOWN;
	if (!(flags & POOL_TRIM_IDLE) || (flags & POOL_TRIM_CACHES))
		caches_drain(p);
	pthread_mutex_lock(&p->lock);
	if (p->dead) {
		pthread_mutex_unlock(&p->lock);
		return -ESHUTDOWN;
	}
	reap_busy_locked(p);
	now = pool_now_ns();
	b = p->free.tail;	/* oldest first */
	while (b && p->total > p->min) {
		struct pool_buf *prev = b->prev;

		if (flags & POOL_TRIM_IDLE) {
			if (!p->idle_timeout_ns || now - b->idle_since < p->idle_timeout_ns)
				break;
		}
		list_del(&p->free, b);
		buf_evict_locked(p, b);
		p->st.evictions++;
		freed++;
		b = prev;
	}
	if (freed && POOL_PROBE_ON(evict))
		POOL_PROBE(evict, p->id, p->name, freed, (uint64_t)p->total);
	pthread_mutex_unlock(&p->lock);
	return freed;
}

int pool_trim_all(unsigned int flags)
{
	int total = 0;

	pthread_mutex_lock(&pool_reg_lock);
	for (struct pool *p = pool_reg_head; p; p = p->reg_next) {
		int n = pool_trim(p, flags);

		if (n > 0)
			total += n;
	}
	pthread_mutex_unlock(&pool_reg_lock);
	return total;
}

/* ---------------------------------------------------------- create/destroy */

static bool env_debug(void)
{
	const char *e = getenv("XDNAPOOL_DEBUG");

	return e && (!strcmp(e, "1") || !strcasecmp(e, "yes") || !strcasecmp(e, "true") ||
		     !strcasecmp(e, "on"));
}

/* Byte size from shape x dtype and/or size; -EINVAL / -EOVERFLOW. */
static int opts_size(const struct pool_opts *o, bool direct, size_t *out)
{
	enum pool_dtype dt = OPTS_GET(o, dtype, POOL_DTYPE_BYTES);
	unsigned int ndim = OPTS_GET(o, ndim, 0);
	size_t size = OPTS_GET(o, size, 0);
	size_t esz = pool_dtype_size(dt);
	size_t n = esz;

	if (!esz || ndim > POOL_MAX_DIMS)
		return -EINVAL;
	if (!ndim) {
		if (!size && !direct)
			return -EINVAL;
		if (size % esz)
			return -EINVAL;
		n = size;
	}
	for (unsigned int i = 0; i < ndim; i++) {
		if (!o->shape[i])
			return -EINVAL;
		if (__builtin_mul_overflow(n, o->shape[i], &n))
			return -EOVERFLOW;
	}
	if (ndim && size && size != n)
		return -EINVAL;
	if (n > SIZE_MAX / 2)
		return -EOVERFLOW;
	*out = n;
	return 0;
}

static void pool_free(struct pool *p)
{
	struct pool_buf *b = p->all;

	while (b) {
		struct pool_buf *next = b->all_next;

		b->magic = 0;
		free(b);
		b = next;
	}
	if (p->caches) {
		for (unsigned int i = 0; i < POOL_MAX_THREADS; i++)
			free(atomic_load_explicit(&p->caches[i], memory_order_acquire));
		free(p->caches);
	}
	pool_backend_put(p->be);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->drain_lock);
	pthread_cond_destroy(&p->cond);
	p->magic = POOL_DEAD_MAGIC;
	free(p);
}

static int pool_init_opts(struct pool *p, const struct pool_opts *o, bool direct)
{
	unsigned int flags = OPTS_GET(o, flags, 0);
	const char *name = OPTS_GET(o, name, NULL);
	struct pool_backend *be = OPTS_GET(o, backend, NULL);
	size_t tcb = OPTS_GET(o, thread_cache_bytes, 0);
	int err;

	if (flags & ~POOL_F__ALL)
		return -EINVAL;
	err = opts_size(o, direct, &p->size);
	if (err)
		return err;
	if (!name)
		name = "pool";
	if (!*name || strlen(name) >= POOL_NAME_MAX)
		return -EINVAL;
	strcpy(p->name, name);
	p->id = pool_next_id();
	p->flags = flags;
	p->dtype = OPTS_GET(o, dtype, POOL_DTYPE_BYTES);
	p->ndim = OPTS_GET(o, ndim, 0);
	for (unsigned int i = 0; i < p->ndim; i++)
		p->shape[i] = o->shape[i];
	if (!p->ndim && p->size) {
		p->ndim = 1;
		p->shape[0] = p->size / pool_dtype_size(p->dtype);
	}
	p->initial = OPTS_GET(o, initial, 0);
	p->min = OPTS_GET(o, min, 0);
	p->max = OPTS_GET(o, max, 0);
	p->grow = OPTS_GET(o, grow, POOL_GROW_LINEAR);
	p->grow_step = OPTS_GET(o, grow_step, 0) ? o->grow_step : 1;
	if ((unsigned int)p->grow > POOL_GROW_NONE)
		return -EINVAL;
	if (p->grow == POOL_GROW_NONE) {
		unsigned int fixed = p->initial > p->min ? p->initial : p->min;

		if (p->max && p->max != fixed)
			return -EINVAL;
		if (!fixed)
			return -EINVAL;
		p->max = fixed;
	}
	if (p->max && (p->max < p->initial || p->max < p->min))
		return -EINVAL;
	if (be && (flags & (POOL_F_THP | POOL_F_HUGETLB | POOL_F_MLOCK)))
		return -EINVAL;	/* those configure the default backend */
	if (!be)
		be = pool_backend_host(((flags & POOL_F_THP) ? POOL_HOST_THP : 0) |
				       ((flags & POOL_F_HUGETLB) ? POOL_HOST_HUGETLB : 0) |
				       ((flags & POOL_F_MLOCK) ? POOL_HOST_MLOCK : 0));
	p->be = pool_backend_get(be);
	p->zero = flags & POOL_F_ZERO;
	p->debug = (flags & POOL_F_DEBUG) || (!(flags & POOL_F_NO_DEBUG) && env_debug());
	p->direct = direct;
	p->alloc_size = alloc_size(p, p->size);
	p->idle_timeout_ns = OPTS_GET(o, idle_timeout_ms, 0) * 1000000ull;
	p->max_cached_bytes = OPTS_GET(o, max_cached_bytes, 0);
	p->report = OPTS_GET(o, report, NULL);
	p->report_arg = OPTS_GET(o, report_arg, NULL);
	p->report_file = OPTS_GET(o, report_file, NULL);
	p->on_fault = OPTS_GET(o, on_fault, NULL);
	p->fault_arg = OPTS_GET(o, fault_arg, NULL);
	if (!direct && !(flags & POOL_F_NO_CACHE)) {
		size_t cap = (tcb ? tcb : TCACHE_DEFAULT_BYTES) / p->size;

		p->tc_cap = cap < 1 ? 1 : cap > TCACHE_MAX ? TCACHE_MAX : (unsigned int)cap;
		p->caches = calloc(POOL_MAX_THREADS, sizeof(*p->caches));
		if (!p->caches)
			return -ENOMEM;
	}
	return 0;
}

struct pool *pool_create_internal(const struct pool_opts *o, bool direct)
{
	pthread_condattr_t ca;
	struct pool *p;
	unsigned int n;
	int err;

	if (!o || !OPTS_VALID(o, struct pool_opts, sizeof(size_t))) {
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&g_once, global_init);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->magic = POOL_MAGIC;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->drain_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pool_init_opts(p, o, direct);
	if (err)
		goto err_free;

	/* preallocate max(initial, min) */
	n = p->initial > p->min ? p->initial : p->min;
	pthread_mutex_lock(&p->lock);
	for (unsigned int i = 0; i < n; i++) {
		struct pool_mem mem;
		struct pool_buf *b;

		err = mem_alloc(p, p->size, &mem);
		if (err)
			break;
		b = desc_get_locked(p);
		if (!b) {
			p->be->ops.free(p->be->ctx, &mem);
			err = -ENOMEM;
			break;
		}
		desc_attach(p, b, &mem, p->size);
		atomic_store_explicit(&b->state, BS_IDLE, memory_order_relaxed);
		list_push(&p->free, b);
		p->total++;
		p->st.allocs++;
	}
	if (err) {
		while (p->free.n)
			buf_evict_locked(p, list_pop(&p->free));
		pthread_mutex_unlock(&p->lock);
		goto err_free;
	}
	pthread_mutex_unlock(&p->lock);

	pthread_mutex_lock(&pool_reg_lock);
	p->reg_next = pool_reg_head;
	if (pool_reg_head)
		pool_reg_head->reg_prev = p;
	pool_reg_head = p;
	pthread_mutex_unlock(&pool_reg_lock);
	return p;

err_free:
	if (!p->be)
		p->be = pool_backend_host(0);
	pool_free(p);
	errno = -err;
	return NULL;
}

struct pool *pool_create(const struct pool_opts *opts)
{
	return pool_create_internal(opts, false);
}

static void reg_unlink(struct pool *p)
{
	pthread_mutex_lock(&pool_reg_lock);
	if (p->reg_prev)
		p->reg_prev->reg_next = p->reg_next;
	else if (pool_reg_head == p)
		pool_reg_head = p->reg_next;
	if (p->reg_next)
		p->reg_next->reg_prev = p->reg_prev;
	p->reg_next = p->reg_prev = NULL;
	pthread_mutex_unlock(&pool_reg_lock);
}

/* Wait for busy buffers' fences (the device may still use them), then free. */
static void destroy_busy_locked(struct pool *p)
{
	while (p->busy.n) {
		struct pool_buf *b = p->busy.tail;
		struct pool_fence f = b->fence;
		int err = 0;

		list_del(&p->busy, b);
		if (!fence_signalled(&f) && f.ops->wait) {
			pthread_mutex_unlock(&p->lock);
			err = f.ops->wait(f.ctx, f.seq, 10 * 1000000000ll);
			pthread_mutex_lock(&p->lock);
		}
		if (err) {
			pool_reportf(p, "xdnapool: pool '%s': buffer #%u: fence %llu did not "
				     "signal (%s); its memory is leaked", p->name, b->id,
				     (unsigned long long)f.seq, strerror(-err));
			atomic_store_explicit(&b->state, BS_EMPTY, memory_order_release);
			memset(&b->mem, 0, sizeof(b->mem));
			b->data = NULL;
			list_push(&p->empty, b);
			p->total--;
			continue;
		}
		buf_evict_locked(p, b);
	}
}

int pool_destroy(struct pool *p)
{
	unsigned int orphans = 0;
	bool last;

	if (!p)
		return 0;
	if (p->magic != POOL_MAGIC)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (p->dead) {
		pthread_mutex_unlock(&p->lock);
		return -EINVAL;
	}
	p->dead = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	reg_unlink(p);
	caches_freeze(p, FO_DEAD);	/* never thawed */

	pthread_mutex_lock(&p->lock);
	while (atomic_load(&p->users)) {
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		sched_yield();
		pthread_mutex_lock(&p->lock);
	}
	caches_drain_locked(p);		/* dead: frees them */
	destroy_busy_locked(p);
	while (p->free.n)
		buf_evict_locked(p, list_pop(&p->free));
	for (struct pool_buf *b = p->all; b; b = b->all_next) {
		unsigned int s = BS_STATE(atomic_load(&b->state));

		if (s == BS_HELD || s == BS_RETURNING)
			orphans++;
	}
	if (orphans) {
		pool_reportf(p, "xdnapool: pool '%s' destroyed with %u outstanding buffer%s "
			     "(freed at their last release):", p->name, orphans,
			     orphans == 1 ? "" : "s");
		for (struct pool_buf *b = p->all; b; b = b->all_next) {
			uint32_t w = atomic_load(&b->state);

			if (BS_STATE(w) != BS_HELD && BS_STATE(w) != BS_RETURNING)
				continue;
			pool_reportf(p, "xdnapool:   buffer #%u, %zu bytes, %u ref%s, "
				     "acquired at %s:%d", b->id, b->cap, BS_REFS(w),
				     BS_REFS(w) == 1 ? "" : "s",
				     b->site_file ? b->site_file : "?", b->site_line);
		}
	}
	p->orphans = orphans;
	p->destroyed = true;
	last = !orphans;
	pthread_mutex_unlock(&p->lock);
	if (last)
		pool_free(p);
	return (int)orphans;
}

/* ------------------------------------------------------------- accessors */

const char *pool_name(const struct pool *p)
{
	return p ? p->name : NULL;
}

size_t pool_buf_bytes(const struct pool *p)
{
	return p ? p->size : 0;
}

void *pool_buf_data(const struct pool_buf *b)
{
	return buf_valid(b) ? b->data : NULL;
}

size_t pool_buf_size(const struct pool_buf *b)
{
	return buf_valid(b) ? b->size : 0;
}

size_t pool_buf_capacity(const struct pool_buf *b)
{
	return buf_valid(b) ? b->cap : 0;
}

unsigned int pool_buf_shape(const struct pool_buf *b, size_t *shape)
{
	const struct pool *p;

	if (!buf_valid(b) || !shape)
		return 0;
	p = b->pool;
	if (p->direct || b->size != p->size) {
		/* class and direct buffers: a flat array of dtype elements */
		shape[0] = b->size / pool_dtype_size(p->dtype);
		return 1;
	}
	memcpy(shape, p->shape, sizeof(p->shape));
	return p->ndim;
}

enum pool_dtype pool_buf_dtype(const struct pool_buf *b)
{
	return buf_valid(b) ? b->pool->dtype : POOL_DTYPE_BYTES;
}

struct pool *pool_buf_pool(const struct pool_buf *b)
{
	return buf_valid(b) ? b->pool : NULL;
}

uint64_t pool_buf_dev_addr(const struct pool_buf *b)
{
	return buf_valid(b) ? b->mem.dev_addr : 0;
}

uint32_t pool_buf_handle(const struct pool_buf *b)
{
	return buf_valid(b) ? b->mem.handle : 0;
}

void *pool_buf_backend_obj(const struct pool_buf *b)
{
	return buf_valid(b) ? b->mem.obj : NULL;
}

static bool buf_held(const struct pool_buf *b)
{
	return bs_holder_may_use(atomic_load_explicit(&b->state, memory_order_acquire));
}

/*
 * Channel ownership.  pool_chan_send() marks the buffer as the channel's
 * (one reference moves in) before queueing it; pool_chan_recv() hands that
 * reference to the receiver.  Both are one CAS on the state word.
 */
int pool_buf_chan_take(struct pool_buf *b)
{
	uint32_t w;

	if (!buf_valid(b))
		return -EINVAL;
	w = atomic_load_explicit(&b->state, memory_order_relaxed);
	do {
		if (BS_STATE(w) != BS_HELD || !BS_REFS(w) || (w & BS_CHAN))
			return -EINVAL;
	} while (!atomic_compare_exchange_weak_explicit(&b->state, &w, w | BS_CHAN,
							memory_order_acq_rel,
							memory_order_relaxed));
	return 0;
}

void pool_buf_chan_give(struct pool_buf *b)
{
	atomic_fetch_and_explicit(&b->state, ~BS_CHAN, memory_order_acq_rel);
}

int pool_buf_export(struct pool_buf *b, int *fd)
{
	struct pool_backend *be;

	if (!buf_valid(b) || !fd || !buf_held(b))
		return -EINVAL;
	be = b->pool->be;
	if (!be->ops.export)
		return -EOPNOTSUPP;
	return be->ops.export(be->ctx, &b->mem, fd);
}

int pool_buf_sync(struct pool_buf *b, enum pool_sync_dir dir, size_t off, size_t len)
{
	struct pool_backend *be;

	if (!buf_valid(b) || !buf_held(b))
		return -EINVAL;
	if (dir != POOL_SYNC_TO_DEVICE && dir != POOL_SYNC_FROM_DEVICE)
		return -EINVAL;
	if (off > b->cap || (len && len > b->cap - off))
		return -EINVAL;
	if (!len)
		len = b->cap - off;
	be = b->pool->be;
	if (!be->ops.sync)
		return 0;
	return be->ops.sync(be->ctx, &b->mem, dir, off, len);
}

/* ------------------------------------------------------------------ stats */

int pool_stats_get(struct pool *p, struct pool_stats *st)
{
	struct pool_stats s = { .sz = sizeof(s) };
	uint64_t tc_acq = 0, tc_rel = 0, cached = 0;
	struct pool_counters c;

	if (!p || p->magic != POOL_MAGIC || !st ||
	    !OPTS_VALID(st, struct pool_stats, sizeof(size_t)))
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	c = p->st;
	s.total = p->total;
	s.busy = p->busy.n;
	s.idle = p->free.n;
	if (p->caches) {
		for (unsigned int i = 0; i < POOL_MAX_THREADS; i++) {
			struct tcache *t = atomic_load_explicit(&p->caches[i],
								memory_order_acquire);

			if (!t)
				continue;
			tc_acq += atomic_load_explicit(&t->acquires, memory_order_relaxed);
			tc_rel += atomic_load_explicit(&t->releases, memory_order_relaxed);
			cached += atomic_load_explicit(&t->count, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&p->lock);
	s.acquires = c.acquires + tc_acq;
	s.releases = c.releases + tc_rel;
	s.hits = c.hits + tc_acq;
	s.allocs = c.allocs;
	s.frees = c.frees;
	s.waits = c.waits;
	s.wait_ns = c.wait_ns;
	s.timeouts = c.timeouts;
	s.exhausted = c.exhausted;
	s.evictions = c.evictions;
	s.fenced = c.fenced;
	s.high_water = c.high_water;
	s.outstanding = s.acquires > s.releases ? s.acquires - s.releases : 0;
	s.idle += cached;
	s.bytes_cached = s.idle * p->size;
	s.bytes_total = s.total * p->size;
	s.hit_rate = s.acquires ? (double)s.hits / (double)s.acquires : 0.0;
	memcpy((char *)st + sizeof(size_t), (char *)&s + sizeof(size_t),
	       (st->sz < sizeof(s) ? st->sz : sizeof(s)) - sizeof(size_t));
	return 0;
}
