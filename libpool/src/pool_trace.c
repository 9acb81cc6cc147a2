// SPDX-License-Identifier: MIT
/*
 * The probes' is-enabled semaphores, and the libpool:state probe.
 *
 * The kernel (uprobe ref_ctr) raises a semaphore while a tracer is
 * attached; SystemTap's convention puts them in .probes.
 */
#include "internal.h"

#ifndef POOL_NO_PROBES
#define DEFINE_SEMAPHORE(name) \
	__attribute__((section(".probes"))) POOL_PROBE_SEMAPHORE(name)

DEFINE_SEMAPHORE(acquire);
DEFINE_SEMAPHORE(release);
DEFINE_SEMAPHORE(wait_begin);
DEFINE_SEMAPHORE(wait_end);
DEFINE_SEMAPHORE(timeout);
DEFINE_SEMAPHORE(exhausted);
DEFINE_SEMAPHORE(grow);
DEFINE_SEMAPHORE(evict);
DEFINE_SEMAPHORE(release_fenced);
DEFINE_SEMAPHORE(reusable);
DEFINE_SEMAPHORE(chan_send);
DEFINE_SEMAPHORE(chan_recv);
DEFINE_SEMAPHORE(state);
#endif

/*
 * libpool:state: how many buffers the pool has and where they are, as
 * pool_stats_get() counts them.  Counts since a tracer attached cannot
 * give that (buffers preallocated or held before it attached are never
 * seen), so the pool says it itself: at an acquire or release at most once
 * per STATE_PROBE_INTERVAL_NS (the census takes the lock and walks the
 * caches), whenever a grow or trim changes its size, and at destroy.
 */
static void fire_state_locked(struct pool *p, enum pool_state_pending pending)
{
	struct pool_census c;
	uint64_t out;

	lock_assert_held(p);
	pool_census_locked(p, &c);
	out = c.acquires > c.releases ? c.acquires - c.releases : 0;
	if (pending != POOL_PENDING_NONE && out) {
		/* the release under way has not been counted yet: show it done */
		out--;
		if (pending == POOL_PENDING_FENCED)
			c.busy++;
		else if (p->direct)
			c.total--;	/* a direct pool frees it */
		else
			c.idle++;
	}
	POOL_PROBE(state, p->id, p->name, c.total, out, c.idle, c.busy);
}

void pool_trace_state_locked(struct pool *p)
{
	lock_assert_held(p);
	if (POOL_PROBE_ON(state) && !p->dead)
		fire_state_locked(p, POOL_PENDING_NONE);
}

void pool_trace_state(struct pool *p, enum pool_state_pending pending)
{
	uint64_t now = pool_now_ns(), last;

	last = atomic_load_explicit(&p->state_probe_ns, memory_order_relaxed);
	if (now - last < STATE_PROBE_INTERVAL_NS ||
	    !atomic_compare_exchange_strong_explicit(&p->state_probe_ns, &last, now,
						     memory_order_relaxed,
						     memory_order_relaxed))
		return;	/* sampled recently, or another thread samples now */
	pool_lock(p);
	if (!p->dead)
		fire_state_locked(p, pending);
	pool_unlock(p);
}
