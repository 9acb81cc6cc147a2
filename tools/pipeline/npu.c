// SPDX-License-Identifier: MIT
/*
 * The NPU stage: per hardware context a submitter keeps up to
 * PIPE_CMDS_IN_FLIGHT commands running (one command BO each) and a
 * completion thread retires them in submission order.  A mel BO goes to
 * the NPU fenced on its command's syncobj point: the pool reuses it only
 * after the fence signals, so nobody waits for the device to give it back.
 */
#include <errno.h>
#include <string.h>

#include "common/tool.h"
#include "pipe_impl.h"
#include "pool/pool_xdna.h"

/* Wait for a free slot in c's ring: its index, or -EPIPE once closed. */
static int ring_reserve(struct pipe_ctx *c)
{
	int slot;

	pthread_mutex_lock(&c->lock);
	while (c->count == PIPE_CMDS_IN_FLIGHT && !c->closed)
		pthread_cond_wait(&c->cond, &c->lock);
	slot = c->closed ? -EPIPE : (int)((c->head + c->count) % PIPE_CMDS_IN_FLIGHT);
	pthread_mutex_unlock(&c->lock);
	return slot;
}

static void ring_push(struct pipe_ctx *c, struct pool_buf *t)
{
	pthread_mutex_lock(&c->lock);
	c->ring[(c->head + c->count) % PIPE_CMDS_IN_FLIGHT] = t;
	c->count++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* The oldest command (left in the ring: its command BO is busy), or NULL. */
static struct pool_buf *ring_oldest(struct pipe_ctx *c)
{
	struct pool_buf *t;

	pthread_mutex_lock(&c->lock);
	while (!c->count && !c->closed)
		pthread_cond_wait(&c->cond, &c->lock);
	t = c->count ? c->ring[c->head] : NULL;
	pthread_mutex_unlock(&c->lock);
	return t;
}

static void ring_pop(struct pipe_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	c->ring[c->head] = NULL;
	c->head = (c->head + 1) % PIPE_CMDS_IN_FLIGHT;
	c->count--;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* No more submissions: the completion thread drains and exits. */
static void ring_close(struct pipe_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	c->closed = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* EXEC the request on c in slot; the mel BO moves to the NPU fenced. */
static int submit(struct pipe_ctx *c, struct pipe_req *r, unsigned int slot)
{
	struct pipe *p = c->p;
	struct xdna_bo *args[3];
	struct pool_fence fence;
	int err;

	if (atomic_load(&c->stalled)) {
		pipe_error(p, "stream %u: NPU context %u is stalled (a command timed out)",
			   r->stream, c->index);
		return -EIO;
	}
	err = pipe_acquire(p, p->enc, &r->enc, r->stream);
	if (err)
		return err;
	args[0] = pool_buf_backend_obj(r->mel);
	args[1] = pool_buf_backend_obj(r->enc);
	r->ctx = c;
	r->slot = slot;
	err = pipe_encode_cmd(p, c, c->cmd[slot], args[0], pool_buf_dev_addr(r->mel), args[1],
			      pool_buf_dev_addr(r->enc), r->frames);
	if (!err)
		err = xdna_cmd_exec(c->hw, c->cmd[slot], args, pipe_exec_args(p, args), &r->seq);
	if (err) {
		pipe_error(p, "stream %u: submit: %s", r->stream, xdna_errmsg());
		return err;
	}
	r->trace.stream = r->stream;
	r->trace.mel_handle = pool_buf_handle(r->mel);
	r->trace.mel_dev_addr = pool_buf_dev_addr(r->mel);
	r->trace.exec_handles[0] = xdna_bo_handle(args[0]);
	r->trace.exec_handles[1] = xdna_bo_handle(args[1]);
	r->trace.seq = r->seq;
	if (p->o->trace)
		p->o->trace(p->o->trace_arg, &r->trace);
	fence = pool_xdna_fence(c->hw, r->seq);
	/* --verify reads the mel after the command: keep a reference for it. */
	if (p->o->verify)
		pool_buf_ref(r->mel);
	pool_release_fenced(r->mel, &fence);
	if (!p->o->verify)
		r->mel = NULL;
	return 0;
}

void *pipe_submitter_main(void *arg)
{
	struct pipe_ctx *c = arg;
	struct pipe *p = c->p;
	struct pool_buf *t;

	while (!pool_chan_recv(p->ch_npu, &t, POOL_FOREVER)) {
		struct pipe_req *r = pool_buf_data(t);
		int slot;

		r->ts[TS_SUBMIT] = tool_now_ns();
		slot = ring_reserve(c);
		/* the wait for a free slot is the NPU's queue, not the submitter's work */
		r->ts[TS_SLOT] = tool_now_ns();
		r->err = slot < 0 ? slot : submit(c, r, (unsigned int)slot);
		r->ts[TS_EXEC] = tool_now_ns();
		if (r->err)
			pipe_pass_on(p, p->ch_done, t);
		else
			ring_push(c, t);
	}
	ring_close(c);
	return NULL;
}

/* The command's end: its state, then the output from the device. */
static int complete(struct pipe_ctx *c, struct pipe_req *r)
{
	struct pipe *p = c->p;
	bool stalled = atomic_load(&c->stalled);
	/* behind a stalled command nothing completes: look, do not wait */
	int err = xdna_cmd_wait(c->hw, c->cmd[r->slot], r->seq,
				stalled ? 0 : p->o->npu_timeout_ns);

	/*
	 * -ETIME: our own deadline passed, the command may never end (a hung
	 * context: stop feeding it).  -ETIMEDOUT is the kernel's verdict (the
	 * command's state is TIMEOUT: its job timeout fired and the context
	 * was reset, xdna_cmd_wait()), an error of this command only.
	 */
	if (err == -ETIME) {
		if (!stalled)
			pipe_error(p, "stream %u: NPU command %llu on context %u not done after "
				   "%lld ms: the context is stalled", r->stream,
				   (unsigned long long)r->seq, c->index,
				   (long long)(p->o->npu_timeout_ns / 1000000));
		else
			pipe_error(p, "stream %u: NPU command %llu waits behind a stalled one",
				   r->stream, (unsigned long long)r->seq);
		atomic_store(&c->stalled, true);
		return err;
	}
	if (err) {
		pipe_error(p, "stream %u: NPU command %llu: %s", r->stream,
			   (unsigned long long)r->seq, xdna_errmsg());
		return err;
	}
	err = pool_buf_sync(r->enc, POOL_SYNC_FROM_DEVICE, 0, 0);
	if (err)
		pipe_error(p, "stream %u: sync of the encoder buffer from the device: %s",
			   r->stream, xdna_errmsg());
	return err;
}

void *pipe_completion_main(void *arg)
{
	struct pipe_ctx *c = arg;
	struct pool_buf *t;

	while ((t = ring_oldest(c))) {
		struct pipe_req *r = pool_buf_data(t);

		r->err = complete(c, r);
		r->ts[TS_COMPLETE] = tool_now_ns();
		ring_pop(c);
		pipe_pass_on(c->p, c->p->ch_done, t);
	}
	return NULL;
}
