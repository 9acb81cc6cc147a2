// SPDX-License-Identifier: MIT
/*
 * Handoff channels: a bounded MPMC ring of buffer pointers.  Sending moves
 * the sender's reference into the channel; receiving moves it out.  Nothing
 * is copied.  Condition variables are signalled only when someone waits.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

struct pool_chan {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	unsigned int cap;
	unsigned int head;	/* next to receive */
	unsigned int len;
	unsigned int recv_waiters;
	unsigned int send_waiters;
	bool closed;
	struct pool_buf *ring[];
};

/*
 * Channel ownership.  pool_chan_send() marks the buffer as the channel's
 * (one reference moves in) before queueing it; pool_chan_recv() hands that
 * reference to the receiver.  Both are one atomic operation on the state
 * word.
 */
int buf_chan_take(struct pool_buf *b)
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

void buf_chan_give(struct pool_buf *b)
{
	atomic_fetch_and_explicit(&b->state, ~BS_CHAN, memory_order_acq_rel);
}

/* The channel lock is a leaf: nothing else is taken while it is held. */
static void chan_lock(struct pool_chan *ch)
{
	lock_order_take(LOCK_CHAN);
	pthread_mutex_lock(&ch->lock);
}

static void chan_unlock(struct pool_chan *ch)
{
	pthread_mutex_unlock(&ch->lock);
	lock_order_drop(LOCK_CHAN);
}

struct pool_chan *pool_chan_create(const struct pool_chan_opts *opts)
{
	unsigned int cap = OPTS_GET(opts, capacity, 0);
	pthread_condattr_t ca;
	struct pool_chan *ch;

	if (!OPTS_VALID(opts, struct pool_chan_opts, sizeof(size_t)) || cap > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	if (!cap)
		cap = 16;
	ch = calloc(1, sizeof(*ch) + cap * sizeof(ch->ring[0]));
	if (!ch)
		return NULL;
	ch->cap = cap;
	pthread_mutex_init(&ch->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ch->not_empty, &ca);
	pthread_cond_init(&ch->not_full, &ca);
	pthread_condattr_destroy(&ca);
	return ch;
}

/* Wait on @cv until woken or the deadline (0: forever); -ETIMEDOUT. */
static int chan_wait(struct pool_chan *ch, pthread_cond_t *cv, uint64_t deadline)
{
	struct timespec ts;

	if (!deadline)
		return -pthread_cond_wait(cv, &ch->lock);
	if (pool_now_ns() >= deadline)
		return -ETIMEDOUT;
	ts.tv_sec = (time_t)(deadline / NSEC_PER_SEC);
	ts.tv_nsec = (long)(deadline % NSEC_PER_SEC);
	pthread_cond_timedwait(cv, &ch->lock, &ts);
	return 0;
}

/* A handoff, for tracers: which buffer, how full the channel is, how long it waited. */
static void chan_probe(bool send, const struct pool_buf *b, unsigned int len, uint64_t t0)
{
	uint64_t wait = pool_now_ns() - t0;

	if (send)
		POOL_PROBE(chan_send, b->pool->id, b->pool->name, b->id, (uint64_t)len, wait);
	else
		POOL_PROBE(chan_recv, b->pool->id, b->pool->name, b->id, (uint64_t)len, wait);
}

int pool_chan_send(struct pool_chan *ch, struct pool_buf *buf, int64_t timeout_ns)
{
	uint64_t deadline = timeout_ns > 0 ? pool_now_ns() + (uint64_t)timeout_ns : 0;
	uint64_t t0 = POOL_PROBE_ON(chan_send) ? pool_now_ns() : 0;
	unsigned int len = 0;
	int err = 0;

	if (!ch)
		return -EINVAL;
	/* the reference is the channel's from here: a stray release is refused */
	err = buf_chan_take(buf);
	if (err)
		return err;
	chan_lock(ch);
	while (!ch->closed && ch->len == ch->cap) {
		if (!timeout_ns) {
			err = -EAGAIN;
			break;
		}
		ch->send_waiters++;
		err = chan_wait(ch, &ch->not_full, deadline);
		ch->send_waiters--;
		if (err)
			break;
	}
	if (!err && ch->closed)
		err = -EPIPE;
	if (!err) {
		ch->ring[(ch->head + ch->len) % ch->cap] = buf;
		len = ++ch->len;
		if (ch->recv_waiters)
			pthread_cond_signal(&ch->not_empty);
	}
	chan_unlock(ch);
	if (err)
		buf_chan_give(buf);	/* not sent: the caller keeps it */
	else if (t0)
		chan_probe(true, buf, len, t0);
	return err;
}

int pool_chan_recv(struct pool_chan *ch, struct pool_buf **out, int64_t timeout_ns)
{
	uint64_t deadline = timeout_ns > 0 ? pool_now_ns() + (uint64_t)timeout_ns : 0;
	uint64_t t0 = POOL_PROBE_ON(chan_recv) ? pool_now_ns() : 0;
	unsigned int len = 0;
	int err = 0;

	if (!ch || !out)
		return -EINVAL;
	chan_lock(ch);
	while (!ch->len) {
		if (ch->closed) {
			err = -EPIPE;
			break;
		}
		if (!timeout_ns) {
			err = -EAGAIN;
			break;
		}
		ch->recv_waiters++;
		err = chan_wait(ch, &ch->not_empty, deadline);
		ch->recv_waiters--;
		if (err)
			break;
	}
	if (!err) {
		*out = ch->ring[ch->head];
		ch->head = (ch->head + 1) % ch->cap;
		len = --ch->len;
		if (ch->send_waiters)
			pthread_cond_signal(&ch->not_full);
	}
	chan_unlock(ch);
	if (!err) {
		buf_chan_give(*out);
		if (t0)
			chan_probe(false, *out, len, t0);
	}
	return err;
}

void pool_chan_close(struct pool_chan *ch)
{
	if (!ch)
		return;
	chan_lock(ch);
	ch->closed = true;
	pthread_cond_broadcast(&ch->not_empty);
	pthread_cond_broadcast(&ch->not_full);
	chan_unlock(ch);
}

unsigned int pool_chan_len(struct pool_chan *ch)
{
	unsigned int n;

	if (!ch)
		return 0;
	chan_lock(ch);
	n = ch->len;
	chan_unlock(ch);
	return n;
}

void pool_chan_destroy(struct pool_chan *ch)
{
	if (!ch)
		return;
	for (unsigned int i = 0; i < ch->len; i++) {
		struct pool_buf *b = ch->ring[(ch->head + i) % ch->cap];

		buf_chan_give(b);
		pool_release(b);
	}
	pthread_cond_destroy(&ch->not_empty);
	pthread_cond_destroy(&ch->not_full);
	pthread_mutex_destroy(&ch->lock);
	free(ch);
}
