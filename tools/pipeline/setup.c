// SPDX-License-Identifier: MIT
/*
 * Set-up and teardown: the device, the pools, the channels, the hardware
 * contexts.  Teardown runs after every stage has stopped (every command
 * retired or timed out) and in the order that lets fences settle: the
 * channels, then any stalled context (a command of it timed out: destroying
 * it makes the kernel abort its commands, and fences hold a reference to
 * the context, so its buffers settle at once), then the pools -- whose
 * fenced buffers signal while their contexts are still alive, within one
 * destroy deadline per pool -- then the other contexts, then the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mel/mel.h"
#include "pipe_impl.h"
#include "pool/pool_xdna.h"
#include "pool/poolset.h"

/* Pool-set errors (which name the file, line and the backend's reason). */
static void pool_set_error(void *arg, const char *line)
{
	pipe_error(arg, "%s", line);
}

static int make_pools(struct pipe *p)
{
	const struct pipe_opts *o = p->o;
	POOL_OPTS(pool_whisper_opts, w, .n_mels = o->n_mels, .d_model = o->d_model,
		  .streams = o->streams, .backend = p->be);
	POOL_OPTS(pool_set_opts, so, .backend = p->be, .report = pool_set_error, .report_arg = p);

	p->set = o->pool_config ? pool_set_load(o->pool_config, &so) : pool_set_whisper(&w, &so);
	if (!p->set)
		return -errno;
	p->audio = pool_set_get(p->set, "audio");
	p->mel = pool_set_get(p->set, "mel");
	p->enc = pool_set_get(p->set, "encoder");
	if (!p->audio || !p->mel || !p->enc) {
		pipe_error(p, "pool set needs pools named audio, mel and encoder");
		return -EINVAL;
	}
	p->audio_cap = pool_buf_bytes(p->audio) / sizeof(float);
	if (pool_buf_bytes(p->mel) < p->mel_floats * sizeof(float) ||
	    pool_buf_bytes(p->enc) < p->enc_floats * sizeof(float)) {
		pipe_error(p, "pool 'mel' needs %zu bytes and 'encoder' %zu bytes per buffer",
			   p->mel_floats * sizeof(float), p->enc_floats * sizeof(float));
		return -EINVAL;
	}
	return 0;
}

/*
 * The request tickets (host memory): one per stream, the bound on requests
 * in the pipeline, and the channels between the stages.  Each channel holds
 * what its receivers can take next (PIPE_CHAN_DEPTH each); a full channel
 * holds its senders back.
 */
static int make_stages(struct pipe *p)
{
	const struct pipe_opts *o = p->o;
	POOL_OPTS(pool_opts, ro, .name = "request", .size = sizeof(struct pipe_req),
		  .initial = o->streams, .max = o->streams);
	POOL_OPTS(pool_chan_opts, req, .capacity = o->workers * PIPE_CHAN_DEPTH);
	POOL_OPTS(pool_chan_opts, npu, .capacity = p->n_ctx * PIPE_CMDS_IN_FLIGHT);
	POOL_OPTS(pool_chan_opts, done, .capacity = o->streams);

	p->host = pool_backend_host(0);
	ro.backend = p->host;
	p->reqs = p->host ? pool_create(&ro) : NULL;
	if (!p->reqs) {
		pipe_error(p, "cannot create the request pool: %s", strerror(errno));
		return -errno;
	}
	p->ch_req = pool_chan_create(&req);
	p->ch_npu = pool_chan_create(&npu);
	p->ch_done = pool_chan_create(&done);
	if (!p->ch_req || !p->ch_npu || !p->ch_done) {
		pipe_error(p, "cannot create the stage channels: %s", strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

/*
 * How many hardware contexts to open.  The budget is the device's, shared
 * by every process (hwctx_limit: 16 on npu4, 6 on npu1), so ask the device
 * what is free (QUERY_RESOURCE_INFO) rather than assume a number.  An
 * explicit --contexts beyond what is free is an error naming the budget;
 * the default takes what is free, up to min(streams, PIPE_DEFAULT_CONTEXTS).
 */
static int pick_contexts(struct pipe *p, const struct pipe_opts *o)
{
	unsigned int want = o->contexts ? o->contexts :
			    (o->streams < PIPE_DEFAULT_CONTEXTS ? o->streams :
								  PIPE_DEFAULT_CONTEXTS);
	unsigned int avail = PIPE_MAX_CTX, used, max = 0;

	if (!xdna_hwctx_budget(p->dev, &used, &max)) {
		avail = max > used ? max - used : 0;
		if (avail > PIPE_MAX_CTX)
			avail = PIPE_MAX_CTX;
	}
	if (!avail || (o->contexts && want > avail)) {
		pipe_error(p, "--contexts %u: the device has %u of its %u hardware contexts free "
			   "(the budget is shared by all processes)", want, avail, max);
		return -EBUSY;
	}
	p->n_ctx = want < avail ? want : avail;
	return 0;
}

static int open_device(struct pipe *p)
{
	const struct pipe_opts *o = p->o;
	struct xdna_dev_info info;
	int err = xdna_dev_open(NULL, &p->dev);

	if (err) {
		pipe_error(p, "%s", xdna_errmsg());
		return err;
	}
	xdna_dev_info(p->dev, &info);
	p->res->emulated = info.emulated;
	if (!o->insts)
		return 0;
	err = xdna_insts_load(p->dev, o->insts, &p->insts, &p->ninsts);
	if (err)
		pipe_error(p, "%s", xdna_errmsg());
	return err;
}

int pipe_setup(struct pipe *p)
{
	const struct pipe_opts *o = p->o;
	struct mel_opts mo = MEL_OPTS_INIT;
	unsigned int n;
	int err;

	err = open_device(p);
	if (err)
		return err;
	mo.n_mels = o->n_mels;
	mo.isa = o->isa;
	p->plan = mel_plan_create(&mo, &err);
	if (!p->plan) {
		pipe_error(p, "log-mel plan (%s): %s", mel_isa_name(o->isa), strerror(-err));
		return err;
	}
	p->mel_floats = (size_t)o->n_mels * MEL_CHUNK_FRAMES;
	p->enc_floats = o->kernel == PIPE_KERNEL_STEM ? (size_t)MEL_CHUNK_FRAMES / 2 * o->d_model
						      : 4;
	p->ref = malloc(p->enc_floats * sizeof(float));
	p->ts = calloc((size_t)p->total * TS__COUNT, sizeof(*p->ts));
	if (!p->ref || !p->ts)
		return -ENOMEM;
	err = pick_contexts(p, o);
	if (err)
		return err;
	if (o->copy_mode) {
		p->audio_cap = MEL_CHUNK_SAMPLES;
	} else {
		POOL_OPTS(pool_xdna_opts, xo, .dev = p->dev, .flavour = POOL_XDNA_SHARE);

		p->be = pool_backend_xdna(&xo);
		if (!p->be) {
			pipe_error(p, "pool backend: %s", xdna_errmsg());
			return -errno;
		}
		err = make_pools(p);
		if (!err)
			err = make_stages(p);
		if (err)
			return err;
		/* /health reports the pools /metrics does: the set's and the tickets' */
		pipe_metrics_attach(o->metrics, p->set, p->reqs, p->total);
	}
	/* n_ctx counts the contexts teardown closes */
	for (n = p->n_ctx, p->n_ctx = 0; p->n_ctx < n; p->n_ctx++) {
		struct pipe_ctx *c = &p->ctx[p->n_ctx];

		*c = (struct pipe_ctx){ .p = p, .index = p->n_ctx };
		pthread_mutex_init(&c->lock, NULL);
		pthread_cond_init(&c->cond, NULL);
		err = pipe_ctx_open(p, c);
		if (err) {
			p->n_ctx++;
			return err;
		}
	}
	return 0;
}

static int report_pool(struct pool *pool, struct pipe_pool_report *r)
{
	struct pool_stats st = { .sz = sizeof(st) };
	int err = pool_stats_get(pool, &st);

	if (err)
		return err;
	snprintf(r->name, sizeof(r->name), "%s", pool_name(pool));
	r->acquires = st.acquires;
	r->releases = st.releases;
	r->hits = st.hits;
	r->allocs = st.allocs;
	r->waits = st.waits;
	r->timeouts = st.timeouts;
	r->high_water = st.high_water;
	r->outstanding = st.outstanding;
	r->buf_bytes = pool_buf_bytes(pool);
	return 0;
}

static int outstanding(struct pool *pool)
{
	struct pool_stats st = { .sz = sizeof(st) };

	return pool && !pool_stats_get(pool, &st) ? (int)st.outstanding : 0;
}

void pipe_teardown(struct pipe *p)
{
	struct pipe_result *r = p->res;
	struct pool *pools[PIPE_REPORT_POOLS] = { p->audio, p->mel, p->enc, p->reqs };
	unsigned int i;

	/* Queued tickets (none after a clean run) go back to their pool. */
	pool_chan_destroy(p->ch_req);
	pool_chan_destroy(p->ch_npu);
	pool_chan_destroy(p->ch_done);
	for (i = 0; i < PIPE_REPORT_POOLS; i++)
		if (pools[i] && !report_pool(pools[i], &r->pools[r->n_pools]))
			r->n_pools++;
	for (i = 0; p->set && i < pool_set_count(p->set); i++)
		r->leaks += outstanding(pool_set_pool(p->set, i));
	r->leaks += outstanding(p->reqs);
	pipe_metrics_detach(p->o->metrics);
	/* A stalled context goes first: the kernel aborts its commands. */
	for (i = 0; i < p->n_ctx; i++)
		if (atomic_load(&p->ctx[i].stalled))
			pipe_ctx_close(&p->ctx[i]);
	/* The other contexts are still alive: their fenced buffers settle here. */
	pool_set_destroy(p->set);
	pool_destroy(p->reqs);
	pool_backend_put(p->be);
	for (i = 0; i < p->n_ctx; i++) {
		pipe_ctx_close(&p->ctx[i]);
		pthread_cond_destroy(&p->ctx[i].cond);
		pthread_mutex_destroy(&p->ctx[i].lock);
	}
	xdna_bo_destroy(p->insts);
	xdna_xclbin_close(p->xb);
	mel_plan_destroy(p->plan);
	if (p->dev)
		r->leaks += xdna_dev_close(p->dev);
	free(p->ref);
	free(p->ts);
}
