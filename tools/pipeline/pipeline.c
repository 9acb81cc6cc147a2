// SPDX-License-Identifier: MIT
/* The Whisper front-end pipeline: pooled BOs, zero-copy handoff to the NPU. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>

#include "amdxdna_uapi.h"
#include "mel/audio.h"
#include "mel/mel.h"
#include "pipeline.h"
#include "pool/pool.h"
#include "pool/pool_xdna.h"
#include "pool/poolset.h"
#include "xdna/shim.h"
#include "xdna/xclbin.h"

#define PIPE_MAX_CTX		16
#define PIPE_STEM_SEED		0x5157u		/* weights of the emulated stem */

struct npu_ctx {
	struct xdna_hwctx *ctx;
	unsigned int cu;
};

struct pipe {
	const struct pipe_opts *o;
	struct pipe_result *res;
	struct xdna_dev *dev;
	struct pool_backend *be;
	struct pool_set *set;
	struct pool *audio, *mel, *enc;
	struct mel_plan *plan;
	struct npu_ctx npu[PIPE_MAX_CTX];
	unsigned int n_ctx;
	struct xdna_xclbin *xb;		/* the design */
	const struct xdna_xclbin_kernel *k;
	struct xdna_bo *insts;		/* instruction stream, or NULL */
	uint32_t ninsts;
	unsigned int total;
	size_t audio_cap;		/* samples per audio buffer */
	size_t mel_floats, enc_floats;
	int64_t timeout_ns;
	atomic_uint next;
	atomic_uint done;
	atomic_ullong audio_samples;
	atomic_ullong bytes_copied;
	atomic_ullong exhausted;
	atomic_uint ok, failed, verified, mismatched;
	pthread_mutex_t lock;		/* first_error, errors stream */
	double *lat[4];			/* decode, mel, npu, e2e per request (ms) */
};

struct stream {
	struct pipe *p;
	unsigned int id;
	struct mel_ws *ws;
	struct xdna_bo *cmd;
	struct npu_ctx *npu;
	float *ref;			/* CPU reference output (verify) */
};

enum { LAT_DECODE, LAT_MEL, LAT_NPU, LAT_E2E };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void pipe_error(struct pipe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void pipe_error(struct pipe *p, const char *fmt, ...)
{
	FILE *f = p->o->errors ? p->o->errors : stderr;
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->lock);
	if (!p->res->first_error[0])
		snprintf(p->res->first_error, sizeof(p->res->first_error), "%s", line);
	fprintf(f, "xdna-pipeline: %s\n", line);
	p->res->error_lines++;
	pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------ NPU side */

static const char *kernel_name(enum pipe_kernel k)
{
	return k == PIPE_KERNEL_STEM ? "whisper_stem" : "checksum";
}

static bool has_arg(const struct xdna_xclbin_kernel *k, const char *name)
{
	unsigned int i;

	for (i = 0; i < k->num_args; i++)
		if (!strcmp(k->args[i].name, name))
			return true;
	return false;
}

/* The packaged design: DIR/../data/NAME.xclbin, DIR the binary's directory. */
static void default_xclbin(const char *design, char *path, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, len, "%s/../data/%s.xclbin", exe, design);
			if (!access(path, R_OK))
				return;
		}
	}
	snprintf(path, len, "%s/%s.xclbin", XDNA_DATA_DIR, design);
}

/* A design that cannot be used: the caller's one line says why. */
static int design_error(struct pipe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int design_error(struct pipe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->res->first_error, sizeof(p->res->first_error), fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Open the design and pick its kernel; every argument must be one the
 * pipeline knows how to fill.  Sets o->kernel to the kernel's kind.
 */
static int load_design(struct pipe *p, struct pipe_opts *o)
{
	static const char *const known[] = { "mel", "in", "out", "n_mels", "n_frames", "d_model",
					     "seed", "n", "opcode", "instr", "ninstr" };
	char path[PATH_MAX + 64];
	const char *kname = o->kernel_name;
	unsigned int i, j;
	int err;

	if (!o->xclbin)
		default_xclbin(kernel_name(o->kernel), path, sizeof(path));
	err = xdna_xclbin_open(o->xclbin ? o->xclbin : path, &p->xb);
	if (err) {
		design_error(p, "%s", xdna_errmsg());
		return err;
	}
	if (!kname)
		kname = o->xclbin ? (xdna_xclbin_num_kernels(p->xb) ?
				     xdna_xclbin_kernel(p->xb, 0)->name : "(none)") :
				    kernel_name(o->kernel);
	p->k = xdna_xclbin_find_kernel(p->xb, kname);
	if (!p->k) {
		design_error(p, "%s", xdna_errmsg());
		return -ENOENT;
	}
	for (i = 0; i < p->k->num_args; i++) {
		for (j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			if (!strcmp(p->k->args[i].name, known[j]))
				break;
		if (j == sizeof(known) / sizeof(known[0])) {
			design_error(p, "kernel %s: the pipeline cannot fill argument %s", p->k->name,
				   p->k->args[i].name);
			return -EINVAL;
		}
	}
	if (!has_arg(p->k, "out") || (!has_arg(p->k, "mel") && !has_arg(p->k, "in"))) {
		design_error(p, "kernel %s: no mel/in and out buffer arguments", p->k->name);
		return -EINVAL;
	}
	if (has_arg(p->k, "instr") && !o->insts) {
		design_error(p, "kernel %s takes an instruction stream: give --insts", p->k->name);
		return -EINVAL;
	}
	o->kernel = has_arg(p->k, "d_model") ? PIPE_KERNEL_STEM : PIPE_KERNEL_CHECKSUM;
	return 0;
}

/* A context configured from the design, as AMD's shim makes it. */
static int npu_open(struct pipe *p, struct npu_ctx *n)
{
	int err = xdna_hwctx_create_from_xclbin(p->dev, p->xb, NULL, &n->ctx);

	if (err)
		return err;
	err = xdna_hwctx_cu_index(n->ctx, p->k->name);
	if (err < 0)
		return err;
	n->cu = (unsigned int)err;
	return 0;
}

static void npu_close(struct npu_ctx *n)
{
	xdna_hwctx_destroy(n->ctx);
	n->ctx = NULL;
}

/* START_CU with the kernel's arguments filled by name (see pipeline.h). */
static int encode_cmd(struct pipe *p, struct npu_ctx *n, struct xdna_bo *cmd,
		      struct xdna_bo *mbo, uint64_t mel, struct xdna_bo *ebo, uint64_t enc,
		      unsigned int frames)
{
	struct xdna_karg a[XDNA_XCLBIN_MAX_ARGS];
	const struct xdna_xclbin_kernel *k = p->k;
	unsigned int i;

	for (i = 0; i < k->num_args; i++) {
		const char *name = k->args[i].name;
		struct xdna_karg *v = &a[i];

		*v = (struct xdna_karg){ .kind = k->args[i].kind };
		if (!strcmp(name, "mel") || !strcmp(name, "in")) {
			v->bo = mbo;
			v->offset = mel - xdna_bo_dev_addr(mbo);
		} else if (!strcmp(name, "out")) {
			v->bo = ebo;
			v->offset = enc - xdna_bo_dev_addr(ebo);
		} else if (!strcmp(name, "instr")) {
			v->bo = p->insts;
		} else if (!strcmp(name, "n_mels")) {
			v->value = p->o->n_mels;
		} else if (!strcmp(name, "n_frames")) {
			v->value = frames;
		} else if (!strcmp(name, "d_model")) {
			v->value = p->o->d_model;
		} else if (!strcmp(name, "seed")) {
			v->value = PIPE_STEM_SEED;
		} else if (!strcmp(name, "n")) {
			v->value = (uint64_t)p->o->n_mels * frames;
		} else if (!strcmp(name, "opcode")) {
			v->value = 3;		/* mlir-aie: run the instruction stream */
		} else if (!strcmp(name, "ninstr")) {
			v->value = p->ninsts;
		}
	}
	return xdna_cmd_encode_kernel(cmd, n->cu, k, a, k->num_args);
}

/* The BOs a command reaches: mel, out and the instruction stream. */
static unsigned int exec_args(struct pipe *p, struct xdna_bo **args)
{
	if (!p->insts)
		return 2;
	args[2] = p->insts;
	return 3;
}

/* The consumer: check (verify) or at least read the encoder output. */
static int consume(struct stream *s, const float *mel, const void *out, unsigned int frames)
{
	struct pipe *p = s->p;
	const struct pipe_opts *o = p->o;
	size_t n = p->o->kernel == PIPE_KERNEL_STEM ? (size_t)frames / 2 * o->d_model : 4;
	volatile float sink = 0;
	size_t i;

	if (!o->verify) {
		for (i = 0; i < n; i++)
			sink += ((const float *)out)[i];
		(void)sink;
		return 0;
	}
	if (o->kernel == PIPE_KERNEL_CHECKSUM) {
		uint32_t ref[4];

		pipe_ref_checksum(mel, (size_t)o->n_mels * frames, ref);
		return memcmp(ref, out, 3 * sizeof(uint32_t)) ? -EBADMSG : 0;
	}
	if (pipe_ref_stem(mel, o->n_mels, frames, o->d_model, PIPE_STEM_SEED, s->ref))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		float a = s->ref[i], b = ((const float *)out)[i];

		if (fabsf(a - b) > 1e-4f + 1e-4f * fabsf(a))
			return -EBADMSG;
	}
	return 0;
}

/* Count a consumed output; a mismatch is reported and fails the request. */
static int account_output(struct stream *s, int err)
{
	struct pipe *p = s->p;

	if (err == -EBADMSG) {
		atomic_fetch_add(&p->mismatched, 1);
		pipe_error(p, "stream %u: NPU output differs from the CPU reference", s->id);
	} else if (!err && p->o->verify) {
		atomic_fetch_add(&p->verified, 1);
	}
	return err;
}

/* -------------------------------------------------------------- requests */

/* Decode (or synthesise) straight into dst; returns samples or -errno. */
static ssize_t load_audio(struct stream *s, unsigned int req, float *dst, size_t cap)
{
	struct pipe *p = s->p;
	const struct pipe_opts *o = p->o;
	struct mel_audio_opts ao = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a;
	char err[200];
	size_t got = 0;
	ssize_t n;
	int ret;

	if (!o->n_inputs) {
		n = (ssize_t)(o->gen_seconds * MEL_SAMPLE_RATE);
		if ((size_t)n > cap)
			n = (ssize_t)cap;
		pipe_synth_speech(dst, (size_t)n, req);
		return n;
	}
	ao.min_samples = 1;
	ao.quality = o->resample == PIPE_RESAMPLE_BEST ? MEL_AUDIO_SINC_BEST :
		     o->resample == PIPE_RESAMPLE_FAST ? MEL_AUDIO_SINC_FASTEST :
							 MEL_AUDIO_SINC_MEDIUM;
	ret = mel_audio_open(&a, o->inputs[req % o->n_inputs], &ao, NULL, err, sizeof(err));
	if (ret) {
		pipe_error(p, "stream %u: %s", s->id, err);
		return ret;
	}
	/* Longer files are trimmed to the window, as whisper's pad_or_trim does. */
	while (got < cap && (n = mel_audio_read(a, dst + got, cap - got)) > 0)
		got += (size_t)n;
	if (n < 0 && got < cap) {
		pipe_error(p, "stream %u: %s", s->id, mel_audio_errmsg(a));
		mel_audio_close(a);
		return n;
	}
	mel_audio_close(a);
	return (ssize_t)got;
}

static int acquire(struct pipe *p, struct pool *pool, struct pool_buf **b, unsigned int sid)
{
	int err = pool_acquire(pool, b, p->timeout_ns);

	if (err == -ETIMEDOUT || err == -EAGAIN)
		atomic_fetch_add(&p->exhausted, 1);
	if (err)
		pipe_error(p, "stream %u: acquire from pool '%s': %s", sid, pool_name(pool),
			   strerror(-err));
	return err;
}

static int run_pooled(struct stream *s, unsigned int req, double *t)
{
	struct pipe *p = s->p;
	struct pool_buf *ab = NULL, *mb = NULL, *eb = NULL;
	struct xdna_bo *args[3];
	struct pool_fence fence;
	struct pipe_trace tr = { .stream = s->id };
	ssize_t n, frames;
	uint64_t seq;
	int err;

	t[0] = now_ms();
	err = acquire(p, p->audio, &ab, s->id);
	if (err)
		return err;
	tr.audio_map = xdna_bo_map(pool_buf_backend_obj(ab));
	tr.decode_dst = pool_buf_data(ab);
	n = load_audio(s, req, pool_buf_data(ab), p->audio_cap);
	if (n < 0) {
		err = (int)n;
		goto out;
	}
	atomic_fetch_add(&p->audio_samples, (unsigned long long)n);
	t[1] = now_ms();
	err = acquire(p, p->mel, &mb, s->id);
	if (err)
		goto out;
	tr.mel_map = xdna_bo_map(pool_buf_backend_obj(mb));
	tr.mel_dst = pool_buf_data(mb);
	tr.mel_src = pool_buf_data(ab);
	frames = mel_compute(p->plan, s->ws, pool_buf_data(ab), (size_t)n, pool_buf_data(mb),
			     p->mel_floats);
	if (frames < 0) {
		err = (int)frames;
		pipe_error(p, "stream %u: log-mel of %zd samples: %s", s->id, n, strerror(-err));
		goto out;
	}
	t[2] = now_ms();
	pool_release(ab);
	ab = NULL;
	err = pool_buf_sync(mb, POOL_SYNC_TO_DEVICE, 0, 0);
	if (err) {
		pipe_error(p, "stream %u: sync of the mel buffer to the device: %s", s->id,
			   xdna_errmsg());
		goto out;
	}
	err = acquire(p, p->enc, &eb, s->id);
	if (err)
		goto out;
	args[0] = pool_buf_backend_obj(mb);
	args[1] = pool_buf_backend_obj(eb);
	err = encode_cmd(p, s->npu, s->cmd, args[0], pool_buf_dev_addr(mb), args[1],
			 pool_buf_dev_addr(eb), (unsigned int)frames);
	if (!err)
		err = xdna_cmd_exec(s->npu->ctx, s->cmd, args, exec_args(p, args), &seq);
	if (err) {
		pipe_error(p, "stream %u: submit: %s", s->id, xdna_errmsg());
		goto out;
	}
	tr.mel_handle = pool_buf_handle(mb);
	tr.mel_dev_addr = pool_buf_dev_addr(mb);
	tr.exec_handles[0] = xdna_bo_handle(args[0]);
	tr.exec_handles[1] = xdna_bo_handle(args[1]);
	tr.seq = seq;
	if (p->o->trace)
		p->o->trace(p->o->trace_arg, &tr);
	/* Ownership of the mel BO moves to the NPU until the fence signals. */
	fence = pool_xdna_fence(s->npu->ctx, seq);
	if (p->o->verify) {
		/* The reference needs the mel after the command: keep a reference. */
		pool_buf_ref(mb);
	}
	pool_release_fenced(mb, &fence);
	err = xdna_cmd_wait(s->npu->ctx, s->cmd, seq, 60ll * 1000000000);
	t[3] = now_ms();
	if (err) {
		pipe_error(p, "stream %u: NPU command %llu: %s", s->id, (unsigned long long)seq,
			   xdna_errmsg());
	} else {
		err = pool_buf_sync(eb, POOL_SYNC_FROM_DEVICE, 0, 0);
		if (err)
			pipe_error(p, "stream %u: sync of the encoder buffer from the device: %s",
				   s->id, xdna_errmsg());
		else
			err = account_output(s, consume(s, pool_buf_data(mb), pool_buf_data(eb),
							(unsigned int)frames));
	}
	if (p->o->verify)
		pool_release(mb);
	mb = NULL;
out:
	pool_release(ab);
	pool_release(mb);
	pool_release(eb);
	t[4] = now_ms();
	return err;
}

/* The baseline: private memory, a fresh BO per request, a copy into it. */
static int run_copy(struct stream *s, unsigned int req, double *t)
{
	struct pipe *p = s->p;
	size_t mel_bytes = p->mel_floats * sizeof(float);
	size_t enc_bytes = p->enc_floats * sizeof(float);
	struct xdna_bo *mbo = NULL, *ebo = NULL, *args[3];
	float *audio, *mel = NULL;
	ssize_t n, frames = 0;
	uint64_t seq;
	int err;

	t[0] = now_ms();
	audio = malloc(p->audio_cap * sizeof(float));
	if (!audio)
		return -ENOMEM;
	n = load_audio(s, req, audio, p->audio_cap);
	err = n < 0 ? (int)n : 0;
	if (!err) {
		atomic_fetch_add(&p->audio_samples, (unsigned long long)n);
		mel = malloc(mel_bytes);
		err = mel ? 0 : -ENOMEM;
	}
	t[1] = now_ms();
	if (!err) {
		frames = mel_compute(p->plan, s->ws, audio, (size_t)n, mel, p->mel_floats);
		err = frames < 0 ? (int)frames : 0;
	}
	t[2] = now_ms();
	free(audio);
	if (!err)
		err = xdna_bo_create(p->dev, XDNA_BO_SHARE, mel_bytes, &mbo);
	if (!err) {
		memcpy(xdna_bo_map(mbo), mel, mel_bytes);
		atomic_fetch_add(&p->bytes_copied, mel_bytes);
		err = xdna_bo_sync(mbo, XDNA_SYNC_TO_DEVICE, 0, 0);
	}
	if (!err)
		err = xdna_bo_create(p->dev, XDNA_BO_SHARE, enc_bytes, &ebo);
	if (!err)
		err = encode_cmd(p, s->npu, s->cmd, mbo, xdna_bo_dev_addr(mbo), ebo,
				 xdna_bo_dev_addr(ebo), (unsigned int)frames);
	if (!err) {
		args[0] = mbo;
		args[1] = ebo;
		err = xdna_cmd_exec(s->npu->ctx, s->cmd, args, exec_args(p, args), &seq);
	}
	if (!err)
		err = xdna_cmd_wait(s->npu->ctx, s->cmd, seq, 60ll * 1000000000);
	t[3] = now_ms();
	if (!err)
		err = xdna_bo_sync(ebo, XDNA_SYNC_FROM_DEVICE, 0, 0);
	if (!err)
		err = account_output(s, consume(s, mel, xdna_bo_map(ebo), (unsigned int)frames));
	else
		pipe_error(p, "stream %u (copy): %s", s->id, xdna_errmsg());
	xdna_bo_destroy(mbo);
	xdna_bo_destroy(ebo);
	free(mel);
	t[4] = now_ms();
	return err;
}

static void *stream_main(void *arg)
{
	struct stream *s = arg;
	struct pipe *p = s->p;
	unsigned int req;

	while ((req = atomic_fetch_add(&p->next, 1)) < p->total) {
		double t[5] = { 0 };
		int err = p->o->copy_mode ? run_copy(s, req, t) : run_pooled(s, req, t);

		if (err) {
			atomic_fetch_add(&p->failed, 1);
		} else {
			atomic_fetch_add(&p->ok, 1);
			p->lat[LAT_DECODE][req] = t[1] - t[0];
			p->lat[LAT_MEL][req] = t[2] - t[1];
			p->lat[LAT_NPU][req] = t[3] - t[2];
			p->lat[LAT_E2E][req] = t[4] - t[0];
		}
		if (p->o->progress)
			p->o->progress(p->o->progress_arg, atomic_fetch_add(&p->done, 1) + 1,
				       p->total);
	}
	return NULL;
}

/* ------------------------------------------------------------ set-up */

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
 * How many hardware contexts to open.  The budget is the device's, shared
 * by every process (hwctx_limit: 16 on npu4, 6 on npu1), so ask the device
 * what is free (QUERY_RESOURCE_INFO) rather than assume a number.  An
 * explicit --contexts beyond what is free is an error naming the budget;
 * the default takes what is free, up to min(streams, 4).
 */
static int pick_contexts(struct pipe *p, const struct pipe_opts *o)
{
	unsigned int want = o->contexts ? o->contexts : (o->streams < 4 ? o->streams : 4);
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

static int setup(struct pipe *p)
{
	const struct pipe_opts *o = p->o;
	struct mel_opts mo = MEL_OPTS_INIT;
	struct xdna_dev_info info;
	unsigned int i;
	int err;

	err = xdna_dev_open(NULL, &p->dev);
	if (err) {
		pipe_error(p, "%s", xdna_errmsg());
		return err;
	}
	xdna_dev_info(p->dev, &info);
	p->res->emulated = info.emulated;
	if (o->insts) {
		err = xdna_insts_load(p->dev, o->insts, &p->insts, &p->ninsts);
		if (err) {
			pipe_error(p, "%s", xdna_errmsg());
			return err;
		}
	}
	mo.n_mels = o->n_mels;
	p->plan = mel_plan_create(&mo, &err);
	if (!p->plan)
		return err;
	p->mel_floats = (size_t)o->n_mels * MEL_CHUNK_FRAMES;
	p->enc_floats = o->kernel == PIPE_KERNEL_STEM ? (size_t)MEL_CHUNK_FRAMES / 2 * o->d_model
						      : 4;
	if (!o->copy_mode) {
		POOL_OPTS(pool_xdna_opts, xo, .dev = p->dev, .flavour = POOL_XDNA_SHARE);

		p->be = pool_backend_xdna(&xo);
		if (!p->be)
			return -errno;
		err = make_pools(p);
		if (err)
			return err;
	} else {
		p->audio_cap = MEL_CHUNK_SAMPLES;
	}
	err = pick_contexts(p, o);
	if (err)
		return err;
	for (i = 0; i < p->n_ctx; i++) {
		err = npu_open(p, &p->npu[i]);
		if (err) {
			pipe_error(p, "NPU context %u: %s", i, xdna_errmsg());
			return err;
		}
	}
	for (i = 0; i < 4; i++) {
		p->lat[i] = calloc(p->total, sizeof(double));
		if (!p->lat[i])
			return -ENOMEM;
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
	r->hits = st.hits;
	r->allocs = st.allocs;
	r->waits = st.waits;
	r->timeouts = st.timeouts;
	r->high_water = st.high_water;
	r->outstanding = st.outstanding;
	r->buf_bytes = pool_buf_bytes(pool);
	return 0;
}

static void teardown(struct pipe *p)
{
	struct pipe_result *r = p->res;
	unsigned int i;
	int leaks = 0;

	if (p->set) {
		struct pool *pools[3] = { p->audio, p->mel, p->enc };

		for (i = 0; i < 3; i++)
			if (pools[i] && !report_pool(pools[i], &r->pools[r->n_pools]))
				r->n_pools++;
		for (i = 0; i < pool_set_count(p->set); i++) {
			struct pool_stats st = { .sz = sizeof(st) };

			if (!pool_stats_get(pool_set_pool(p->set, i), &st))
				leaks += (int)st.outstanding;
		}
		pool_set_destroy(p->set);
	}
	r->leaks = leaks;
	pool_backend_put(p->be);
	for (i = 0; i < p->n_ctx; i++)
		npu_close(&p->npu[i]);
	xdna_bo_destroy(p->insts);
	xdna_xclbin_close(p->xb);
	mel_plan_destroy(p->plan);
	if (p->dev)
		r->leaks += xdna_dev_close(p->dev);
	for (i = 0; i < 4; i++)
		free(p->lat[i]);
}

/* ------------------------------------------------------------ results */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct pipe_lat percentiles(const double *v, unsigned int n)
{
	struct pipe_lat l = { 0, 0, 0, 0 };
	double *s, sum = 0;
	unsigned int i;

	if (!n)
		return l;
	s = malloc(n * sizeof(*s));
	if (!s)
		return l;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	l.p50_ms = s[n / 2];
	l.p99_ms = s[(size_t)((n - 1) * 0.99 + 0.5)];
	l.max_ms = s[n - 1];
	for (i = 0; i < n; i++)
		sum += s[i];
	l.mean_ms = sum / n;
	free(s);
	return l;
}

/* Only successful requests have latencies: compact them first. */
static unsigned int compact(double *v, const double *e2e, unsigned int total)
{
	unsigned int i, n = 0;

	for (i = 0; i < total; i++)
		if (e2e[i] > 0)
			v[n++] = v[i];
	return n;
}

static void summarise(struct pipe *p, double wall_ms)
{
	struct pipe_result *r = p->res;
	double front = 0;
	unsigned int n, i, k;

	/* The stage arrays first: the end-to-end array is their mask. */
	for (k = 0; k < LAT_E2E; k++)
		compact(p->lat[k], p->lat[LAT_E2E], p->total);
	n = compact(p->lat[LAT_E2E], p->lat[LAT_E2E], p->total);
	r->decode = percentiles(p->lat[LAT_DECODE], n);
	r->mel = percentiles(p->lat[LAT_MEL], n);
	r->npu = percentiles(p->lat[LAT_NPU], n);
	r->e2e = percentiles(p->lat[LAT_E2E], n);
	for (i = 0; i < n; i++)
		front += p->lat[LAT_DECODE][i] + p->lat[LAT_MEL][i];
	r->requests = p->total;
	r->ok = atomic_load(&p->ok);
	r->failed = atomic_load(&p->failed);
	r->verified = atomic_load(&p->verified);
	r->mismatched = atomic_load(&p->mismatched);
	r->audio_seconds = (double)atomic_load(&p->audio_samples) / MEL_SAMPLE_RATE;
	r->wall_s = wall_ms / 1e3;
	r->frontend_rtf = r->audio_seconds > 0 ? front / 1e3 / r->audio_seconds : 0;
	r->throughput_rps = r->wall_s > 0 ? r->ok / r->wall_s : 0;
	r->audio_x_realtime = r->wall_s > 0 ? r->audio_seconds / r->wall_s : 0;
	r->bytes_copied = atomic_load(&p->bytes_copied);
	r->exhausted = atomic_load(&p->exhausted);
}

int pipe_run(const struct pipe_opts *opts, struct pipe_result *res)
{
	struct pipe_opts o = *opts;
	struct pipe p = { .o = &o, .res = res };
	struct stream *st = NULL;
	pthread_t *th = NULL;
	unsigned int i, started = 0;
	double t0;
	int err;

	memset(res, 0, sizeof(*res));
	if (!o.streams)
		o.streams = 16;
	if (!o.n_mels)
		o.n_mels = 80;
	if (!o.d_model)
		o.d_model = 384;
	if (!o.n_inputs && o.gen_seconds <= 0)
		o.gen_seconds = 30;
	p.total = o.requests ? o.requests : (o.n_inputs > o.streams ? o.n_inputs : o.streams);
	p.timeout_ns = o.acquire_timeout_ns ? o.acquire_timeout_ns : 30ll * 1000000000;
	pthread_mutex_init(&p.lock, NULL);
	err = load_design(&p, &o);
	if (!err)
		err = setup(&p);
	if (err)
		goto out;
	st = calloc(o.streams, sizeof(*st));
	th = calloc(o.streams, sizeof(*th));
	if (!st || !th) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < o.streams; i++) {
		st[i] = (struct stream){ .p = &p, .id = i, .npu = &p.npu[i % p.n_ctx] };
		st[i].ws = mel_ws_create(p.plan);
		if (o.verify && o.kernel == PIPE_KERNEL_STEM)
			st[i].ref = malloc(p.enc_floats * sizeof(float));
		if (!st[i].ws || (o.verify && o.kernel == PIPE_KERNEL_STEM && !st[i].ref)) {
			err = -ENOMEM;
			pipe_error(&p, "stream %u: out of memory", i);
			goto out_streams;
		}
		err = xdna_bo_create(p.dev, XDNA_BO_CMD, 4096, &st[i].cmd);
		if (err) {
			pipe_error(&p, "stream %u: command BO: %s", i, xdna_errmsg());
			goto out_streams;
		}
	}
	t0 = now_ms();
	for (started = 0; started < o.streams; started++) {
		err = -pthread_create(&th[started], NULL, stream_main, &st[started]);
		if (err)
			break;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	summarise(&p, now_ms() - t0);
out_streams:
	for (i = 0; i < o.streams; i++) {
		xdna_bo_destroy(st[i].cmd);
		mel_ws_destroy(st[i].ws);
		free(st[i].ref);
	}
out:
	free(st);
	free(th);
	teardown(&p);
	pthread_mutex_destroy(&p.lock);
	if (err)
		return err;
	return res->failed || res->mismatched ? 1 : 0;
}

void pipe_print(const struct pipe_opts *o, const struct pipe_result *r, bool json, FILE *f)
{
	const struct pipe_lat *l[4] = { &r->decode, &r->mel, &r->npu, &r->e2e };
	static const char *const names[4] = { "decode", "mel", "npu", "end_to_end" };
	unsigned int i;

	if (json) {
		fprintf(f, "{\"mode\": \"%s\", \"emulated\": %s, \"streams\": %u, \"requests\": %u, "
			"\"ok\": %u, \"failed\": %u, \"verified\": %u, \"mismatched\": %u, "
			"\"audio_seconds\": %.3f, \"wall_seconds\": %.3f, ",
			o->copy_mode ? "copy" : "pooled", r->emulated ? "true" : "false",
			o->streams, r->requests, r->ok, r->failed, r->verified, r->mismatched,
			r->audio_seconds, r->wall_s);
		for (i = 0; i < 4; i++)
			fprintf(f, "\"%s_ms\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, "
				"\"mean\": %.3f}, ", names[i], l[i]->p50_ms, l[i]->p99_ms,
				l[i]->max_ms, l[i]->mean_ms);
		fprintf(f, "\"frontend_rtf\": %.5f, \"throughput_rps\": %.2f, "
			"\"audio_x_realtime\": %.1f, \"bytes_copied\": %llu, \"exhausted\": %llu, "
			"\"leaks\": %d, \"pools\": [",
			r->frontend_rtf, r->throughput_rps, r->audio_x_realtime,
			(unsigned long long)r->bytes_copied, (unsigned long long)r->exhausted,
			r->leaks);
		for (i = 0; i < r->n_pools; i++) {
			const struct pipe_pool_report *p = &r->pools[i];

			fprintf(f, "%s{\"name\": \"%s\", \"buffer_bytes\": %zu, \"acquires\": %llu, "
				"\"hits\": %llu, \"allocated\": %llu, \"waits\": %llu, "
				"\"timeouts\": %llu, \"high_water\": %llu}",
				i ? ", " : "", p->name, p->buf_bytes,
				(unsigned long long)p->acquires, (unsigned long long)p->hits,
				(unsigned long long)p->allocs, (unsigned long long)p->waits,
				(unsigned long long)p->timeouts, (unsigned long long)p->high_water);
		}
		fprintf(f, "]}\n");
		return;
	}
	fprintf(f, "%u requests on %u streams (%s, %s): %u ok, %u failed", r->requests,
		o->streams, o->copy_mode ? "copy baseline" : "pooled zero-copy",
		r->emulated ? "xdna-emu" : "NPU", r->ok, r->failed);
	if (o->verify)
		fprintf(f, ", %u verified against the CPU reference, %u mismatched", r->verified,
			r->mismatched);
	fprintf(f, "\n%-12s %10s %10s %10s\n", "stage (ms)", "p50", "p99", "max");
	for (i = 0; i < 4; i++)
		fprintf(f, "%-12s %10.3f %10.3f %10.3f\n", names[i], l[i]->p50_ms, l[i]->p99_ms,
			l[i]->max_ms);
	fprintf(f, "audio %.1f s in %.3f s wall: front-end RTF %.5f (decode + mel time / audio "
		"time), %.1fx real time end to end, %.2f requests/s\n",
		r->audio_seconds, r->wall_s, r->frontend_rtf, r->audio_x_realtime,
		r->throughput_rps);
	for (i = 0; i < r->n_pools; i++) {
		const struct pipe_pool_report *p = &r->pools[i];

		fprintf(f, "pool %-8s %9zu B/buf: %llu acquires, %llu hits, %llu allocated, %llu waits, "
			"%llu timeouts, high-water %llu\n", p->name, p->buf_bytes,
			(unsigned long long)p->acquires, (unsigned long long)p->hits,
			(unsigned long long)p->allocs, (unsigned long long)p->waits,
			(unsigned long long)p->timeouts, (unsigned long long)p->high_water);
	}
	fprintf(f, "exhaustion %llu, leaks %d, bytes copied between stages %llu\n",
		(unsigned long long)r->exhausted, r->leaks, (unsigned long long)r->bytes_copied);
}
