/* SPDX-License-Identifier: MIT */
/*
 * A lock-free multi-producer multi-consumer ring of buffer pointers, the
 * shared free store between thread caches (the design of DPDK's rte_ring:
 * free-running 32-bit head and tail indices per side; a side reserves
 * slots by moving its head with one CAS, copies, then publishes by moving
 * its tail once every earlier reservation has).
 *
 * Batches move in one operation: pool_ring_put() and pool_ring_get() take
 * up to n ("burst" in DPDK's words) and return how many they moved.  A
 * thread preempted between its head CAS and its tail store holds back
 * the others of its side; they spin briefly, then yield.
 *
 * The head is read with acquire so the other side's tail read after it is
 * no older (else room or avail could be computed from a stale tail).
 *
 * Only touched inside a thread-cache window or under the pool lock, so a
 * thread that froze the caches and holds the lock sees it quiescent.
 */
#ifndef POOL_RING_H
#define POOL_RING_H

#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define RING_SPINS_BEFORE_YIELD	64
#define CACHELINE		64

struct pool_buf;

struct ring_side {
	_Alignas(CACHELINE) _Atomic uint32_t head;
	_Atomic uint32_t tail;
};

struct pool_ring {
	struct ring_side prod;
	struct ring_side cons;
	_Alignas(CACHELINE) uint32_t size;	/* power of two */
	uint32_t mask;
	struct pool_buf *slot[];
};

static inline void pool_cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

static inline void ring_cpu_relax(unsigned int *spins)
{
	if (++*spins < RING_SPINS_BEFORE_YIELD)
		pool_cpu_pause();
	else
		sched_yield();
}

/* Wait until earlier reservations of this side are published, then publish. */
static inline void ring_publish(struct ring_side *s, uint32_t old, uint32_t next)
{
	unsigned int spins = 0;

	while (atomic_load_explicit(&s->tail, memory_order_acquire) != old)
		ring_cpu_relax(&spins);
	atomic_store_explicit(&s->tail, next, memory_order_release);
}

static inline struct pool_ring *pool_ring_create(uint32_t min_slots)
{
	uint32_t size = 1;
	struct pool_ring *r;

	while (size < min_slots)
		size <<= 1;
	r = aligned_alloc(CACHELINE, (sizeof(*r) + size * sizeof(r->slot[0]) + CACHELINE - 1) &
			  ~(size_t)(CACHELINE - 1));
	if (!r)
		return NULL;
	atomic_init(&r->prod.head, 0);
	atomic_init(&r->prod.tail, 0);
	atomic_init(&r->cons.head, 0);
	atomic_init(&r->cons.tail, 0);
	r->size = size;
	r->mask = size - 1;
	return r;
}

/* Put up to @n pointers; returns how many went in (0 when full). */
static inline unsigned int pool_ring_put(struct pool_ring *r, struct pool_buf *const *v,
					 unsigned int n)
{
	uint32_t head = atomic_load_explicit(&r->prod.head, memory_order_acquire), next, room;

	do {
		room = r->size + atomic_load_explicit(&r->cons.tail, memory_order_acquire) - head;
		if (n > room)
			n = room;
		if (!n)
			return 0;
		next = head + n;
	} while (!atomic_compare_exchange_weak_explicit(&r->prod.head, &head, next,
							memory_order_acquire,
							memory_order_acquire));
	for (unsigned int i = 0; i < n; i++)
		r->slot[(head + i) & r->mask] = v[i];
	ring_publish(&r->prod, head, next);
	return n;
}

/* Take up to @n pointers; returns how many came out (0 when empty). */
static inline unsigned int pool_ring_get(struct pool_ring *r, struct pool_buf **v,
					 unsigned int n)
{
	uint32_t head = atomic_load_explicit(&r->cons.head, memory_order_acquire), next, avail;

	do {
		avail = atomic_load_explicit(&r->prod.tail, memory_order_acquire) - head;
		if (n > avail)
			n = avail;
		if (!n)
			return 0;
		next = head + n;
	} while (!atomic_compare_exchange_weak_explicit(&r->cons.head, &head, next,
							memory_order_acquire,
							memory_order_acquire));
	for (unsigned int i = 0; i < n; i++)
		v[i] = r->slot[(head + i) & r->mask];
	ring_publish(&r->cons, head, next);
	return n;
}

/* Pointers in the ring (a snapshot; exact when the ring is quiescent). */
static inline unsigned int pool_ring_count(const struct pool_ring *r)
{
	uint32_t c = atomic_load_explicit(&r->cons.tail, memory_order_relaxed);
	uint32_t pr = atomic_load_explicit(&r->prod.tail, memory_order_relaxed);

	return pr - c <= r->size ? pr - c : 0;
}

#endif /* POOL_RING_H */
