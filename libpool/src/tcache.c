// SPDX-License-Identifier: MIT
/*
 * Thread caches: slots, creation, batched flushes, freezing and draining.
 * The protocol is described in tcache.h; the fast paths that use it are in
 * pool.c.
 */
#include <errno.h>
#include <limits.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcache.h"

/* ------------------------------------------------- registry, thread slots */

pthread_mutex_t pool_reg_lock = PTHREAD_MUTEX_INITIALIZER;
struct pool *pool_reg_head;

#define SLOT_NONE	UINT_MAX

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static uint64_t g_slots[POOL_MAX_THREADS / 64];
bool tcache_membarrier;
__thread unsigned int tcache_t_slot __attribute__((tls_model("initial-exec")));

static void thread_exit(void *v)
{
	unsigned int slot = (unsigned int)(uintptr_t)v - 1;

	reg_lock();
	for (struct pool *p = pool_reg_head; p; p = p->reg_next)
		tcache_flush_own(p, slot);
	g_slots[slot / 64] &= ~(1ull << (slot % 64));
	reg_unlock();
	tcache_t_slot = SLOT_NONE;	/* later calls of this thread take the slow path */
}

/* A bad XDNAPOOL_NO_MEMBARRIER: every pool_create() fails with this reason. */
static char g_env_err[POOL_ENV_MSG_MAX];

const char *tcache_env_error(void)
{
	return g_env_err[0] ? g_env_err : NULL;
}

static void global_init(void)
{
	int off = pool_env_bool("XDNAPOOL_NO_MEMBARRIER", g_env_err, sizeof(g_env_err));
	long q;

	pthread_key_create(&g_key, thread_exit);
#ifndef POOL_TSAN
	q = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
	if (q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    !syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0))
		tcache_membarrier = true;
#else
	(void)q;
#endif
	if (off)	/* on, or a bad value (pools then fail to create) */
		tcache_membarrier = false;
}

void pool_global_init(void)
{
	pthread_once(&g_once, global_init);
}

int tcache_slot_assign(void)
{
	int slot = -1;

	if (tcache_t_slot == SLOT_NONE)
		return -1;
	pool_global_init();
	reg_lock();
	for (unsigned int i = 0; i < ARRAY_SIZE(g_slots) && slot < 0; i++) {
		if (~g_slots[i]) {
			int bit = __builtin_ctzll(~g_slots[i]);

			g_slots[i] |= 1ull << bit;
			slot = (int)(i * 64 + (unsigned int)bit);
		}
	}
	reg_unlock();
	if (slot < 0) {
		tcache_t_slot = SLOT_NONE;
		return -1;
	}
	tcache_t_slot = (unsigned int)slot + 1;
	pthread_setspecific(g_key, (void *)(uintptr_t)tcache_t_slot);
	return slot;
}

/* ---------------------------------------------------------- thread caches */

struct tcache *tcache_create(struct pool *p, int slot)
{
	struct tcache *c;
	size_t bytes = sizeof(*c) + p->tc_cap * sizeof(c->objs[0]);

	if (atomic_load_explicit(&p->fast_off, memory_order_acquire) & FO_DEAD)
		return NULL;
	/* its own cache lines: two threads' caches never share one */
	bytes = (bytes + CACHELINE_BYTES - 1) & ~(size_t)(CACHELINE_BYTES - 1);
	c = aligned_alloc(CACHELINE_BYTES, bytes);
	if (!c)
		return NULL;
	memset(c, 0, bytes);
	c->cap = p->tc_cap;
	c->batch = p->tc_cap / 2 ? p->tc_cap / 2 : 1;
	c->want = 1;
	atomic_store_explicit(&p->caches[slot], c, memory_order_release);
	return c;
}

void caches_free(struct pool *p)
{
	if (!p->caches)
		return;
	for (unsigned int i = 0; i < POOL_MAX_THREADS; i++)
		free(atomic_load_explicit(&p->caches[i], memory_order_acquire));
	free(p->caches);
	p->caches = NULL;
}

/*
 * Inside a window, cache full: move the oldest batch to the shared ring in
 * one operation; what the ring cannot take goes to the free list under the
 * lock (allowed inside a window, see internal.h).
 */
void tcache_flush_full(struct pool *p, struct tcache *c)
{
	unsigned int n = tcache_count(c), k = c->batch, put = 0;

	stamp_idle(p, c->objs, k);
	if (p->ring)
		put = pool_ring_put(p->ring, c->objs, k);
	if (put < k) {
		pool_lock(p);
		shared_push_locked(p, c->objs + put, k - put);
		pool_unlock(p);
	}
	memmove(c->objs, c->objs + k, (n - k) * sizeof(c->objs[0]));
	tcache_set_count(c, n - k);
}

/* A thread's own cache to the free list (thread exit, bulk acquire). */
void tcache_flush_own(struct pool *p, unsigned int slot)
{
	struct tcache *c;
	unsigned int n;

	if (!p->caches)
		return;
	c = atomic_load_explicit(&p->caches[slot], memory_order_acquire);
	if (!c || !tcache_enter_allow(p, c, FO_WAITERS))
		return;		/* frozen or dead: the freezer takes them */
	n = tcache_count(c);
	if (n) {
		pool_lock(p);
		shared_push_locked(p, c->objs, n);
		pool_unlock(p);
		tcache_set_count(c, 0);
	}
	tcache_exit(c);
}

/* Raise fast_off by @bits and wait until no owner is inside a window. */
void caches_freeze(struct pool *p, unsigned int bits)
{
	atomic_fetch_add_explicit(&p->fast_off, bits, memory_order_seq_cst);
	if (!p->caches)
		return;
#ifndef POOL_TSAN
	if (tcache_membarrier)
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

void caches_thaw(struct pool *p)
{
	atomic_fetch_sub_explicit(&p->fast_off, 1, memory_order_release);
}

unsigned int caches_drain_locked(struct pool *p)
{
	unsigned int moved = 0;

	lock_assert_held(p);
	if (!p->caches)
		return 0;
	for (unsigned int i = 0; i < POOL_MAX_THREADS; i++) {
		struct tcache *c = atomic_load_explicit(&p->caches[i], memory_order_acquire);
		unsigned int n;

		if (!c || !(n = tcache_count(c)))
			continue;
		shared_push_locked(p, c->objs, n);
		tcache_set_count(c, 0);
		moved += n;
	}
	return moved + ring_drain_locked(p);
}

unsigned int caches_drain(struct pool *p)
{
	unsigned int n;

	if (!p->caches)
		return 0;
	caches_freeze(p, 1);
	pool_lock(p);
	n = caches_drain_locked(p);
	pool_unlock(p);
	caches_thaw(p);
	return n;
}

unsigned int caches_count_frozen(struct pool *p)
{
	unsigned int n = 0;

	if (!p->caches)
		return 0;
	for (unsigned int i = 0; i < POOL_MAX_THREADS; i++) {
		struct tcache *c = atomic_load_explicit(&p->caches[i], memory_order_acquire);

		if (c)
			n += tcache_count(c);
	}
	return n;
}
