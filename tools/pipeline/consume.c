// SPDX-License-Identifier: MIT
/*
 * Both ends of the staged pipeline: the stream clients, each keeping one
 * request on the request queue at a time, and the consumer, which reads
 * (or with --verify checks) each encoder output, gives the request's
 * buffers back and wakes its client.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "common/tool.h"
#include "pipe_impl.h"

#define PIPE_VERIFY_TOL	1e-4f		/* absolute and relative, per output */

int pipe_acquire(struct pipe *p, struct pool *pool, struct pool_buf **b, unsigned int sid)
{
	int err = pool_acquire(pool, b, p->timeout_ns);

	if (err == -ETIMEDOUT || err == -EAGAIN) {
		atomic_fetch_add(&p->exhausted, 1);
		pipe_error(p, "stream %u: acquire from pool '%s': %s", sid, pool_name(pool),
			   strerror(-err));
	} else if (err) {
		/* a new buffer failed: the device's reason names the operation */
		pipe_error(p, "stream %u: acquire from pool '%s': %s", sid, pool_name(pool),
			   xdna_errmsg());
	}
	return err;
}

/* The consumer's work: check (verify) or at least read the encoder output. */
int pipe_consume(struct pipe *p, float *ref, const float *mel, const void *out,
		 unsigned int frames)
{
	const struct pipe_opts *o = p->o;
	size_t n = o->kernel == PIPE_KERNEL_STEM ? (size_t)frames / 2 * o->d_model : 4;
	volatile float sink = 0;
	size_t i;

	if (!o->verify) {
		for (i = 0; i < n; i++)
			sink += ((const float *)out)[i];
		(void)sink;
		return 0;
	}
	if (o->kernel == PIPE_KERNEL_CHECKSUM) {
		uint32_t sum[4];

		pipe_ref_checksum(mel, (size_t)o->n_mels * frames, sum);
		return memcmp(sum, out, 3 * sizeof(uint32_t)) ? -EBADMSG : 0;
	}
	if (pipe_ref_stem(mel, o->n_mels, frames, o->d_model, PIPE_STEM_SEED, ref))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		float a = ref[i], b = ((const float *)out)[i];

		if (fabsf(a - b) > PIPE_VERIFY_TOL + PIPE_VERIFY_TOL * fabsf(a))
			return -EBADMSG;
	}
	return 0;
}

/* Count a consumed output; a mismatch is reported and fails the request. */
int pipe_account_output(struct pipe *p, unsigned int stream, int err)
{
	if (err == -EBADMSG) {
		atomic_fetch_add(&p->mismatched, 1);
		pipe_error(p, "stream %u: NPU output differs from the CPU reference", stream);
	} else if (!err && p->o->verify) {
		atomic_fetch_add(&p->verified, 1);
	}
	return err;
}

void pipe_req_finish(struct pipe *p, struct pool_buf *t)
{
	struct pipe_req *r = pool_buf_data(t);
	struct pipe_client *cl;
	uint64_t *ts = pipe_req_ts(p, r->id);

	pool_release(r->audio);
	pool_release(r->mel);
	pool_release(r->enc);
	r->ts[TS_DONE] = tool_now_ns();
	if (r->err) {
		atomic_fetch_add(&p->failed, 1);
	} else {
		atomic_fetch_add(&p->ok, 1);
		memcpy(ts, r->ts, sizeof(r->ts));
	}
	pipe_metrics_request(p->o->metrics, !r->err,
			     (double)(r->ts[TS_DONE] - r->ts[TS_QUEUED]) / 1e6);
	cl = &p->clients[r->stream];
	pool_release(t);
	if (p->o->progress)
		p->o->progress(p->o->progress_arg, atomic_fetch_add(&p->done, 1) + 1, p->total);
	sem_post(&cl->done);
}

void pipe_pass_on(struct pipe *p, struct pool_chan *ch, struct pool_buf *t)
{
	struct pipe_req *r = pool_buf_data(t);
	int err = pool_chan_send(ch, t, POOL_FOREVER);

	if (!err)
		return;
	pipe_error(p, "stream %u: request %u: handoff: %s", r->stream, r->id, strerror(-err));
	if (!r->err)
		r->err = err;
	pipe_req_finish(p, t);
}

void *pipe_consumer_main(void *arg)
{
	struct pipe *p = arg;
	struct pool_buf *t;

	while (!pool_chan_recv(p->ch_done, &t, POOL_FOREVER)) {
		struct pipe_req *r = pool_buf_data(t);

		r->ts[TS_CONSUME] = tool_now_ns();
		if (!r->err)
			r->err = pipe_account_output(p, r->stream,
						     pipe_consume(p, p->ref, r->mel ? pool_buf_data(r->mel) :
								  NULL, pool_buf_data(r->enc),
								  r->frames));
		pipe_req_finish(p, t);
	}
	return NULL;
}

/* One stream: a request on the queue, wait for it to finish, the next. */
void *pipe_client_main(void *arg)
{
	struct pipe_client *cl = arg;
	struct pipe *p = cl->p;
	unsigned int id;

	while ((id = atomic_fetch_add(&p->next, 1)) < p->total) {
		struct pool_buf *t;
		struct pipe_req *r;
		int err = pool_acquire(p->reqs, &t, p->timeout_ns);

		if (err) {
			pipe_error(p, "stream %u: acquire from pool '%s': %s", cl->id,
				   pool_name(p->reqs), strerror(-err));
			atomic_fetch_add(&p->failed, 1);
			continue;
		}
		r = pool_buf_data(t);
		*r = (struct pipe_req){ .id = id, .stream = cl->id };
		r->ts[TS_QUEUED] = tool_now_ns();
		pipe_pass_on(p, p->ch_req, t);
		while (sem_wait(&cl->done) && errno == EINTR)
			;
	}
	return NULL;
}
