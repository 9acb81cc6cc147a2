// SPDX-License-Identifier: MIT
/*
 * Waiting for a buffer, called from take_locked() (pool.c): the first step
 * flushes the thread caches (buffers may sit there), later ones wait for
 * the oldest fence, or spin briefly for a release and then sleep on the
 * condition variable.  One futex wake per release at most: a spinning
 * waiter sees wake_seq move, a sleeping one is signalled (broadcast only
 * for bulk waiters).
 */
#include <errno.h>
#include <time.h>

#include "tcache.h"

#define FENCE_SLICE_NS	((int64_t)NSEC_PER_MSEC)	/* fence waits recheck the pool this often */
#define WAIT_SPIN_CLOCK_EVERY	64	/* spin iterations per clock read */


static void wait_begin_locked(struct pool *p, struct waiter *w)
{
	lock_assert_held(p);
	w->waiting = true;
	w->t0 = pool_now_ns();
	p->st.waits++;
	if (!p->nwaiters++)
		atomic_fetch_or(&p->fast_off, FO_WAITERS);
	if (w->n > 1)
		p->bulk_waiters++;
	atomic_fetch_add(&p->users, 1);
	if (POOL_PROBE_ON(wait_begin))
		POOL_PROBE(wait_begin, p->id, p->name);
}

void wait_end_locked(struct pool *p, struct waiter *w, int result)
{
	uint64_t dt;

	lock_assert_held(p);
	if (!w->waiting)
		return;
	dt = pool_now_ns() - w->t0;
	p->st.wait_ns += dt;
	if (!--p->nwaiters)
		atomic_fetch_and(&p->fast_off, ~FO_WAITERS);
	if (w->n > 1)
		p->bulk_waiters--;
	atomic_fetch_sub(&p->users, 1);
	w->waiting = false;
	if (POOL_PROBE_ON(wait_end))
		POOL_PROBE(wait_end, p->id, p->name, dt, result);
}

/* The next spin budget from how long this wait took. */
static void wait_learn_locked(struct pool *p, uint64_t waited_ns)
{
	lock_assert_held(p);
	if (waited_ns > WAIT_SPIN_MAX_NS)	/* decays: one outlier does not reset it */
		p->wait_spin_ns = p->wait_spin_ns * 3 / 4 < WAIT_SPIN_MIN_NS ? WAIT_SPIN_MIN_NS :
				  p->wait_spin_ns * 3 / 4;
	else if (waited_ns * 2 > WAIT_SPIN_MAX_NS)
		p->wait_spin_ns = WAIT_SPIN_MAX_NS;
	else
		p->wait_spin_ns = waited_ns * 2 < WAIT_SPIN_MIN_NS ? WAIT_SPIN_MIN_NS : waited_ns * 2;
}

/*
 * Spin (lock dropped) until a release moves wake_seq, the budget is spent
 * or the deadline passes.  True when a release came.
 */
static bool wait_spin_locked(struct pool *p, struct waiter *w, uint64_t now)
{
	unsigned int seq = atomic_load_explicit(&p->wake_seq, memory_order_acquire);
	uint64_t end = now + p->wait_spin_ns, t = now;
	bool woken = false;

	lock_assert_held(p);
	if (w->deadline && end > w->deadline)
		end = w->deadline;
	pool_unlock(p);
	for (unsigned int i = 1; !woken && t < end; i++) {
		/*
		 * No PAUSE: in a VM a PAUSE loop trips pause-loop exiting and
		 * the host may deschedule the spinning vCPU for milliseconds.
		 */
		atomic_signal_fence(memory_order_seq_cst);
		woken = atomic_load_explicit(&p->wake_seq, memory_order_acquire) != seq ||
			(atomic_load_explicit(&p->fast_off, memory_order_relaxed) & FO_DEAD);
		if (!(i % WAIT_SPIN_CLOCK_EVERY))
			t = pool_now_ns();
	}
	pool_lock(p);
	if (woken)
		wait_learn_locked(p, pool_now_ns() - now);
	return woken;
}

/*
 * Block once: flush the thread caches the first time (buffers may sit
 * there), then wait for a release (spinning briefly first) or for the
 * oldest fence.  Called and returns with the lock held; -ETIMEDOUT when
 * the deadline has passed.
 */
int wait_step_locked(struct pool *p, struct waiter *w)
{
	uint64_t now = pool_now_ns();
	int64_t left = -1;
	struct timespec ts;

	lock_assert_held(p);
	if (w->timeout_ns > 0) {
		if (now >= w->deadline)
			return -ETIMEDOUT;
		left = (int64_t)(w->deadline - now);
	}
	if (!w->waiting)
		wait_begin_locked(p, w);
	if (!w->drained && p->caches) {
		w->drained = true;
		pool_unlock(p);
		caches_drain(p);
		pool_lock(p);
		return 0;
	}
	if (p->busy.n) {
		struct pool_fence f = p->busy.tail->fence;
		int64_t slice = left < 0 || left > FENCE_SLICE_NS ? FENCE_SLICE_NS : left;

		fence_get(&f);	/* another thread may reap it meanwhile */
		pool_unlock(p);
		if (f.ops->wait)
			f.ops->wait(f.ctx, f.seq, slice);
		else
			nanosleep(&(struct timespec){ 0, slice }, NULL);
		fence_put(&f);
		pool_lock(p);
		return 0;
	}
	if (wait_spin_locked(p, w, now))
		return 0;
	if (p->free.n >= w->n || p->dead)
		return 0;
	if (left < 0) {
		pool_cond_wait(p, NULL);
	} else {
		ts.tv_sec = (time_t)(w->deadline / NSEC_PER_SEC);
		ts.tv_nsec = (long)(w->deadline % NSEC_PER_SEC);
		pool_cond_wait(p, &ts);
	}
	wait_learn_locked(p, pool_now_ns() - now);
	return 0;
}

