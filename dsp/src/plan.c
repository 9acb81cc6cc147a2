// SPDX-License-Identifier: MIT
/* Plans, workspaces, framing and the whole-signal log-mel. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mel_impl.h"

static int cpu_has(enum mel_isa isa)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	switch (isa) {
	case MEL_ISA_AVX512:
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512vl") &&
		       __builtin_cpu_supports("avx512bw");
	case MEL_ISA_AVX2:
		return __builtin_cpu_supports("avx2") &&
		       __builtin_cpu_supports("fma");
	default:
		break;
	}
#endif
	return isa == MEL_ISA_GENERIC;
}

static const struct mel_kern *kern_for(enum mel_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case MEL_ISA_AVX512:
		return &mel_kern_avx512;
	case MEL_ISA_AVX2:
		return &mel_kern_avx2;
#endif
	case MEL_ISA_GENERIC:
		return &mel_kern_generic;
	default:
		return NULL;
	}
}

static const char *const isa_names[] = {
	[MEL_ISA_AUTO] = "auto",
	[MEL_ISA_GENERIC] = "generic",
	[MEL_ISA_AVX2] = "avx2",
	[MEL_ISA_AVX512] = "avx512",
};

const char *mel_isa_name(enum mel_isa isa)
{
	return (unsigned int)isa <= MEL_ISA_AVX512 ? isa_names[isa] : NULL;
}

int mel_isa_parse(const char *name, enum mel_isa *out)
{
	unsigned int i;

	for (i = 0; name && i <= MEL_ISA_AVX512; i++) {
		if (strcmp(name, isa_names[i]))
			continue;
		*out = (enum mel_isa)i;
		if (i != MEL_ISA_AUTO && (!kern_for(*out) || !cpu_has(*out)))
			return -ENOTSUP;
		return 0;
	}
	return -EINVAL;
}

static const struct mel_kern *pick_kern(enum mel_isa isa, int *err)
{
	const char *env = getenv(MEL_ISA_ENV);

	/* the caller's explicit choice wins over the environment's */
	if (isa == MEL_ISA_AUTO && env && *env) {
		*err = mel_isa_parse(env, &isa);
		if (*err)
			return NULL;
	}
	static const enum mel_isa order[] = {
		MEL_ISA_AVX512, MEL_ISA_AVX2, MEL_ISA_GENERIC,
	};

	if (isa != MEL_ISA_AUTO) {
		if (isa > MEL_ISA_AVX512) {
			*err = -EINVAL;
			return NULL;
		}
		if (!kern_for(isa) || !cpu_has(isa)) {
			*err = -ENOTSUP;
			return NULL;
		}
		return kern_for(isa);
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (kern_for(order[i]) && cpu_has(order[i]))
			return kern_for(order[i]);
	return &mel_kern_generic;
}

/* Copies the caller's opts over the defaults, honouring a smaller sz. */
static int read_opts(const struct mel_opts *in, struct mel_opts *o)
{
	*o = (struct mel_opts)MEL_OPTS_INIT;
	if (!in)
		return 0;
	if (in->sz < offsetof(struct mel_opts, mode) + sizeof(in->mode))
		return -EINVAL;
	memcpy(o, in, in->sz < sizeof(*o) ? in->sz : sizeof(*o));
	if (o->n_mels != 80 && o->n_mels != 128)
		return -EINVAL;
	if (o->mode > MEL_MODE_TRANSCRIBE || o->floor > MEL_FLOOR_NONE)
		return -EINVAL;
	if (o->floor == MEL_FLOOR_FIXED && !isfinite(o->log_max))
		return -EINVAL;
	return 0;
}

struct mel_plan *mel_plan_create(const struct mel_opts *opts, int *err)
{
	struct mel_plan *p = NULL;
	struct mel_opts o;
	int dummy, rc;

	if (!err)
		err = &dummy;
	rc = read_opts(opts, &o);
	if (rc)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto fail;
	}
	p->k = pick_kern(o.isa, &rc);
	if (!p->k)
		goto fail;
	p->n_mels = o.n_mels;
	p->mode = o.mode;
	p->floor = o.floor;
	p->log_max = o.log_max;
	rc = mel_build_filters(o.n_mels, p->filters, &p->kp);
	if (rc)
		goto fail;
	mel_build_tables(&p->kp);
	*err = 0;
	return p;
fail:
	free(p);
	*err = rc;
	return NULL;
}

void mel_plan_destroy(struct mel_plan *plan)
{
	free(plan);
}

unsigned int mel_plan_n_mels(const struct mel_plan *plan)
{
	return plan ? plan->n_mels : 0;
}

enum mel_mode mel_plan_mode(const struct mel_plan *plan)
{
	return plan ? plan->mode : MEL_MODE_CHUNK;
}

const char *mel_plan_isa(const struct mel_plan *plan)
{
	return plan ? plan->k->name : "none";
}

ssize_t mel_frames(const struct mel_plan *plan, size_t n)
{
	size_t frames;

	if (!plan)
		return -EINVAL;
	switch (plan->mode) {
	case MEL_MODE_CHUNK:
		return MEL_CHUNK_FRAMES;
	case MEL_MODE_RAW:
		if (n <= MEL_N_FFT / 2)
			return -ERANGE;
		frames = n / MEL_HOP;
		break;
	default:
		if (n > SIZE_MAX - MEL_CHUNK_SAMPLES)
			return -ERANGE;
		frames = (n + MEL_CHUNK_SAMPLES) / MEL_HOP;
		break;
	}
	if (frames > SSIZE_MAX / MEL_MAX_MELS)
		return -ERANGE;
	return frames;
}

ssize_t mel_out_floats(const struct mel_plan *plan, size_t n)
{
	ssize_t f = mel_frames(plan, n);

	return f < 0 ? f : f * (ssize_t)plan->n_mels;
}

struct mel_ws *mel_ws_create(const struct mel_plan *plan)
{
	struct mel_ws *ws;
	size_t sz = mel_kern_generic.scratch;

#if defined(__x86_64__)
	if (mel_kern_avx2.scratch > sz)
		sz = mel_kern_avx2.scratch;
	if (mel_kern_avx512.scratch > sz)
		sz = mel_kern_avx512.scratch;
#endif
	(void)plan;
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return NULL;
	ws->scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!ws->scratch) {
		free(ws);
		return NULL;
	}
	return ws;
}

void mel_ws_destroy(struct mel_ws *ws)
{
	if (!ws)
		return;
	free(ws->scratch);
	free(ws);
}

/* Sample i of the padded-and-reflected signal. */
static float src_at(const struct mel_src *s, int64_t i)
{
	if (i < 0)
		i = -i;
	if (i >= (int64_t)s->len)
		i = 2 * ((int64_t)s->len - 1) - i;
	return i < (int64_t)s->n ? s->base[i - (int64_t)s->n_lo] : 0.0f;
}

/*
 * The 400 samples of frame t: a pointer into the signal when the frame lies
 * inside the real samples, NULL when it is all zeros, otherwise assembled
 * in the next edge slot.
 */
static const float *frame_at(const struct mel_src *s, size_t t,
			     struct mel_ws *ws, unsigned int *slot)
{
	int64_t a = (int64_t)t * MEL_HOP - MEL_N_FFT / 2;
	int64_t b = a + MEL_N_FFT, len = s->len, n = s->n;
	float *e;

	if (a >= 0 && b <= n)
		return s->base + (a - (int64_t)s->n_lo);
	if (a >= n && (b <= len || 2 * len - 1 - b >= n))
		return NULL;
	e = ws->edge[(*slot)++ % MEL_EDGE_SLOTS];
	for (int j = 0; j < MEL_N_FFT; j++)
		e[j] = src_at(s, a + j);
	return e;
}

static void zero_cols(float *out, size_t stride, unsigned int n_mels,
		      size_t cnt)
{
	for (unsigned int m = 0; m < n_mels; m++)
		memset(out + m * stride, 0, cnt * sizeof(float));
}

void mel_run_frames(const struct mel_plan *p, struct mel_ws *ws,
		    const struct mel_src *src, size_t t0, size_t nfr,
		    float *out, size_t stride)
{
	size_t i = 0;

	while (i < nfr) {
		unsigned int slot = 0;
		size_t cnt = 0;

		while (i + cnt < nfr && cnt < MEL_BLOCK) {
			const float *f = frame_at(src, t0 + i + cnt, ws, &slot);

			if (!f)
				break;
			ws->ptr[cnt++] = f;
		}
		if (cnt) {
			p->k->frames(&p->kp, ws->ptr, cnt, out + i, stride,
				     ws->scratch);
			i += cnt;
			continue;
		}
		/* a run of all-zero frames: zero power, no FFT needed */
		while (i + cnt < nfr && !frame_at(src, t0 + i + cnt, ws, &slot))
			cnt++;
		zero_cols(out + i, stride, p->n_mels, cnt);
		i += cnt;
	}
}

static size_t signal_len(const struct mel_plan *p, size_t n)
{
	switch (p->mode) {
	case MEL_MODE_CHUNK:
		return MEL_CHUNK_SAMPLES;
	case MEL_MODE_RAW:
		return n;
	default:
		return n + MEL_CHUNK_SAMPLES;
	}
}

ssize_t mel_compute_ex(const struct mel_plan *plan, struct mel_ws *ws,
		       const float *pcm, size_t n, float *out, size_t out_cap,
		       struct mel_info *info)
{
	struct mel_ws *own = NULL;
	struct mel_src src;
	ssize_t frames;
	size_t need;
	float lmax, fl;

	if (!plan || (!pcm && n) || !out)
		return -EINVAL;
	frames = mel_frames(plan, n);
	if (frames < 0)
		return frames;
	need = (size_t)frames * plan->n_mels;
	if (out_cap < need)
		return -ENOSPC;
	if (!ws) {
		own = mel_ws_create(plan);
		if (!own)
			return -ENOMEM;
		ws = own;
	}
	src.base = pcm;
	src.n_lo = 0;
	src.len = signal_len(plan, n);
	src.n = n < src.len ? n : src.len;
	mel_run_frames(plan, ws, &src, 0, frames, out, frames);
	lmax = plan->k->log(out, need);
	switch (plan->floor) {
	case MEL_FLOOR_MAX:
		fl = lmax - MEL_DYN_RANGE;
		break;
	case MEL_FLOOR_FIXED:
		fl = plan->log_max - MEL_DYN_RANGE;
		break;
	default:
		fl = -INFINITY;
		break;
	}
	plan->k->floor(out, need, fl);
	if (info) {
		info->n_frames = frames;
		info->log_max = lmax;
		info->floor_log = fl;
	}
	mel_ws_destroy(own);
	return frames;
}

ssize_t mel_compute(const struct mel_plan *plan, struct mel_ws *ws,
		    const float *pcm, size_t n, float *out, size_t out_cap)
{
	return mel_compute_ex(plan, ws, pcm, n, out, out_cap, NULL);
}
