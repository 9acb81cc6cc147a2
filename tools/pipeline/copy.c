// SPDX-License-Identifier: MIT
/*
 * The --copy baseline: what a fresh-buffer service does.  One thread per
 * stream decodes into private memory, computes the mel there, creates a
 * fresh BO per request, copies the mel into it, submits and waits.  It is
 * the comparison for the pooled, staged pipeline, measured alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#include "mel/mel.h"
#include "pipe_impl.h"

struct copy_stream {
	struct pipe *p;
	unsigned int id;
	struct pipe_ctx *ctx;
	struct mel_ws *ws;
	struct xdna_bo *cmd;		/* its own: the streams share contexts */
	float *audio, *mel, *ref;
};

/* Private buffers, a fresh BO pair, a copy, EXEC, wait.  0 or -errno. */
static int run_copy(struct copy_stream *s, unsigned int req, uint64_t *ts)
{
	struct pipe *p = s->p;
	size_t mel_bytes = p->mel_floats * sizeof(float);
	size_t enc_bytes = p->enc_floats * sizeof(float);
	struct xdna_bo *mbo = NULL, *ebo = NULL, *args[3];
	struct xdna_bo *cmd = s->cmd;
	ssize_t n, frames;
	uint64_t seq;
	int err;

	ts[TS_QUEUED] = ts[TS_FRONT] = tool_now_ns();
	/* pipe_load_audio() names its own failures */
	n = pipe_load_audio(p, s->id, req, s->audio, p->audio_cap);
	if (n < 0) {
		err = (int)n;
		goto done;
	}
	atomic_fetch_add(&p->audio_samples, (unsigned long long)n);
	ts[TS_DECODED] = tool_now_ns();
	frames = mel_compute(p->plan, s->ws, s->audio, (size_t)n, s->mel, p->mel_floats);
	if (frames < 0) {
		pipe_error(p, "stream %u (copy): log-mel of %zd samples: %s", s->id, n,
			   strerror((int)-frames));
		err = (int)frames;
		goto done;
	}
	ts[TS_MEL] = ts[TS_SUBMIT] = ts[TS_SLOT] = tool_now_ns();
	err = xdna_bo_create(p->dev, XDNA_BO_SHARE, mel_bytes, &mbo);
	if (err)
		goto out;
	memcpy(xdna_bo_map(mbo), s->mel, mel_bytes);
	atomic_fetch_add(&p->bytes_copied, mel_bytes);
	err = xdna_bo_sync(mbo, XDNA_SYNC_TO_DEVICE, 0, 0);
	if (!err)
		err = xdna_bo_create(p->dev, XDNA_BO_SHARE, enc_bytes, &ebo);
	if (!err)
		err = pipe_encode_cmd(p, s->ctx, cmd, mbo, xdna_bo_dev_addr(mbo), ebo,
				      xdna_bo_dev_addr(ebo), (unsigned int)frames);
	args[0] = mbo;
	args[1] = ebo;
	if (!err)
		err = xdna_cmd_exec(s->ctx->hw, cmd, args, pipe_exec_args(p, args), &seq);
	ts[TS_EXEC] = tool_now_ns();
	if (!err)
		err = xdna_cmd_wait(s->ctx->hw, cmd, seq, p->o->npu_timeout_ns);
	if (!err)
		err = xdna_bo_sync(ebo, XDNA_SYNC_FROM_DEVICE, 0, 0);
	ts[TS_COMPLETE] = ts[TS_CONSUME] = tool_now_ns();
	if (err)
		goto out;
	err = pipe_account_output(p, s->id, pipe_consume(p, s->ref, s->mel, xdna_bo_map(ebo),
							 (unsigned int)frames));
out:
	if (err && err != -EBADMSG)
		pipe_error(p, "stream %u (copy): %s", s->id, xdna_errmsg());
	xdna_bo_destroy(mbo);
	xdna_bo_destroy(ebo);
done:
	ts[TS_DONE] = tool_now_ns();
	return err;
}

static int stream_init(struct copy_stream *s)
{
	struct pipe *p = s->p;
	int err;

	s->ws = mel_ws_create(p->plan);
	s->audio = malloc(p->audio_cap * sizeof(float));
	s->mel = malloc(p->mel_floats * sizeof(float));
	s->ref = malloc(p->enc_floats * sizeof(float));
	if (!s->ws || !s->audio || !s->mel || !s->ref) {
		pipe_error(p, "stream %u (copy): out of memory", s->id);
		return -ENOMEM;
	}
	err = xdna_bo_create(p->dev, XDNA_BO_CMD, PIPE_CMD_BO_BYTES, &s->cmd);
	if (err)
		pipe_error(p, "stream %u: command BO: %s", s->id, xdna_errmsg());
	return err;
}

static void stream_fini(struct copy_stream *s)
{
	xdna_bo_destroy(s->cmd);
	mel_ws_destroy(s->ws);
	free(s->ref);
	free(s->audio);
	free(s->mel);
}

void *pipe_copy_stream_main(void *arg)
{
	struct pipe_client *cl = arg;
	struct pipe *p = cl->p;
	struct copy_stream s = { .p = p, .id = cl->id, .ctx = &p->ctx[cl->id % p->n_ctx] };
	unsigned int req;
	int init = stream_init(&s);

	while ((req = atomic_fetch_add(&p->next, 1)) < p->total) {
		uint64_t ts[TS__COUNT] = { 0 };
		int err = init ? init : run_copy(&s, req, ts);

		if (err) {
			atomic_fetch_add(&p->failed, 1);
		} else {
			atomic_fetch_add(&p->ok, 1);
			memcpy(pipe_req_ts(p, req), ts, sizeof(ts));
		}
		pipe_metrics_request(p->o->metrics, !err,
				     err ? 0 : (double)(ts[TS_DONE] - ts[TS_QUEUED]) / 1e6);
		if (p->o->progress)
			p->o->progress(p->o->progress_arg, atomic_fetch_add(&p->done, 1) + 1,
				       p->total);
	}
	stream_fini(&s);
	return NULL;
}
