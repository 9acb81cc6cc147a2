// SPDX-License-Identifier: MIT
/*
 * Streaming log-mel: consecutive windows of W frames from a fixed audio
 * buffer.  The buffer holds absolute samples [start, start + fill); a window
 * of frames [F, F + W) needs samples [160 F - 200, 160 (F + W - 1) + 200),
 * so 160 W + 240 samples always suffice, and after the window everything
 * before 160 (F + W) - 200 is dropped (moved out of the buffer's front).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mel_impl.h"

#define TAIL_FRAMES	4	/* transcribe: frames past the content */

struct mel_stream {
	const struct mel_plan *p;
	struct mel_ws *ws;
	size_t w;			/* frames per window */
	size_t cap;			/* buffer size in samples */
	enum mel_stream_floor floor;
	float log_max_fixed;
	float *buf;
	size_t start;			/* absolute index of buf[0] */
	size_t fill;
	size_t next;			/* first frame of the next window */
	int finished;
	int tail_done;
	float gmax;
	float tail[MEL_MAX_MELS * TAIL_FRAMES];
};

static size_t min_cap(size_t w)
{
	return MEL_HOP * w + (MEL_N_FFT - MEL_HOP);
}

static int read_sopts(const struct mel_stream_opts *in,
		      struct mel_stream_opts *o)
{
	*o = (struct mel_stream_opts)MEL_STREAM_OPTS_INIT;
	if (in) {
		if (in->sz < offsetof(struct mel_stream_opts, floor) +
			     sizeof(in->floor))
			return -EINVAL;
		memcpy(o, in, in->sz < sizeof(*o) ? in->sz : sizeof(*o));
	}
	if (!o->window_frames)
		o->window_frames = MEL_CHUNK_FRAMES;
	if (o->window_frames > ((size_t)1 << 32))
		return -EINVAL;
	if (!o->ring_samples)
		o->ring_samples = min_cap(o->window_frames) + MEL_SAMPLE_RATE;
	if (o->ring_samples < min_cap(o->window_frames))
		return -EINVAL;
	if (o->floor > MEL_STREAM_FLOOR_NONE)
		return -EINVAL;
	if (o->floor == MEL_STREAM_FLOOR_FIXED && !isfinite(o->log_max))
		return -EINVAL;
	return 0;
}

static void restart(struct mel_stream *s)
{
	s->start = 0;
	s->fill = 0;
	s->next = 0;
	s->finished = 0;
	s->tail_done = 0;
	s->gmax = -INFINITY;
}

struct mel_stream *mel_stream_create(const struct mel_plan *plan,
				     const struct mel_stream_opts *opts,
				     int *err)
{
	struct mel_stream_opts o;
	struct mel_stream *s = NULL;
	int dummy, rc = -EINVAL;

	if (!err)
		err = &dummy;
	if (!plan || plan->mode == MEL_MODE_CHUNK)
		goto fail;
	rc = read_sopts(opts, &o);
	if (rc)
		goto fail;
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->buf = malloc(o.ring_samples * sizeof(float));
	s->ws = mel_ws_create(plan);
	if (!s->buf || !s->ws)
		goto fail;
	s->p = plan;
	s->w = o.window_frames;
	s->cap = o.ring_samples;
	s->floor = o.floor;
	s->log_max_fixed = o.log_max;
	restart(s);
	*err = 0;
	return s;
fail:
	mel_stream_destroy(s);
	*err = rc;
	return NULL;
}

void mel_stream_destroy(struct mel_stream *s)
{
	if (!s)
		return;
	mel_ws_destroy(s->ws);
	free(s->buf);
	free(s);
}

int mel_stream_reset(struct mel_stream *s, const struct mel_stream_opts *opts)
{
	struct mel_stream_opts o;
	int rc;

	if (!s)
		return -EINVAL;
	if (opts) {
		rc = read_sopts(opts, &o);
		if (rc)
			return rc;
		if (o.window_frames != s->w || o.ring_samples != s->cap)
			return -EINVAL;
		s->floor = o.floor;
		s->log_max_fixed = o.log_max;
	}
	restart(s);
	return 0;
}

float *mel_stream_wbuf(struct mel_stream *s, size_t *space)
{
	if (!s || !space)
		return NULL;
	*space = s->finished ? 0 : s->cap - s->fill;
	return s->buf + s->fill;
}

int mel_stream_commit(struct mel_stream *s, size_t n)
{
	if (!s)
		return -EINVAL;
	if (s->finished)
		return -EPIPE;
	if (n > s->cap - s->fill)
		return -EINVAL;
	s->fill += n;
	return 0;
}

ssize_t mel_stream_write(struct mel_stream *s, const float *pcm, size_t n)
{
	size_t space;
	float *dst = mel_stream_wbuf(s, &space);
	int rc;

	if (!dst || (!pcm && n))
		return -EINVAL;
	if (s->finished)
		return -EPIPE;
	if (n > space)
		n = space;
	memcpy(dst, pcm, n * sizeof(float));
	rc = mel_stream_commit(s, n);
	return rc ? rc : (ssize_t)n;
}

int mel_stream_finish(struct mel_stream *s)
{
	if (!s)
		return -EINVAL;
	s->finished = 1;
	return 0;
}

float mel_stream_log_max(const struct mel_stream *s)
{
	return s ? s->gmax : -INFINITY;
}

static void make_src(const struct mel_stream *s, struct mel_src *src)
{
	size_t end = s->start + s->fill;

	src->base = s->buf;
	src->n_lo = s->start;
	src->n = end;
	if (!s->finished)
		src->len = SIZE_MAX / 4;	/* the end is not known yet */
	else if (s->p->mode == MEL_MODE_RAW)
		src->len = end;
	else
		src->len = end + MEL_CHUNK_SAMPLES;
}

/*
 * Transcribe mode: whisper's max also covers the frames past the content
 * (from the 480000 appended zeros); those that overlap audio can hold it.
 */
static void tail_max(struct mel_stream *s, size_t content)
{
	const struct mel_plan *p = s->p;
	size_t total = s->start + s->fill, cnt = 0;
	struct mel_src src;

	s->tail_done = 1;
	if (p->mode != MEL_MODE_TRANSCRIBE)
		return;
	while (cnt < TAIL_FRAMES &&
	       (content + cnt) * MEL_HOP < total + MEL_N_FFT / 2)
		cnt++;
	if (!cnt)
		return;
	make_src(s, &src);
	mel_run_frames(p, s->ws, &src, content, cnt, s->tail, cnt);
	s->gmax = fmaxf(s->gmax, p->k->log(s->tail, cnt * p->n_mels));
}

static void drop_consumed(struct mel_stream *s)
{
	size_t keep, drop;

	if (s->next * MEL_HOP <= MEL_N_FFT / 2)
		return;
	keep = s->next * MEL_HOP - MEL_N_FFT / 2;
	if (keep <= s->start)
		return;
	drop = keep - s->start;
	if (drop > s->fill)
		drop = s->fill;
	memmove(s->buf, s->buf + drop, (s->fill - drop) * sizeof(float));
	s->start += drop;
	s->fill -= drop;
}

static float window_floor(const struct mel_stream *s, float lmax)
{
	switch (s->floor) {
	case MEL_STREAM_FLOOR_WINDOW:
		return lmax - MEL_DYN_RANGE;
	case MEL_STREAM_FLOOR_FIXED:
		return s->log_max_fixed - MEL_DYN_RANGE;
	default:
		return -INFINITY;
	}
}

/* Frames of signal in the next window, 0 when done, or -errno. */
static ssize_t next_frames(struct mel_stream *s)
{
	size_t end = s->start + s->fill, content;

	if (!s->finished) {
		if (end < (s->next + s->w - 1) * MEL_HOP + MEL_N_FFT / 2)
			return -EAGAIN;
		return s->w;
	}
	if (s->p->mode == MEL_MODE_RAW && end <= MEL_N_FFT / 2)
		return -ERANGE;
	content = end / MEL_HOP;
	if (s->next >= content)
		return 0;
	return content - s->next < s->w ? content - s->next : s->w;
}

ssize_t mel_stream_read(struct mel_stream *s, float *out, size_t cap,
			struct mel_window *win)
{
	const struct mel_plan *p;
	struct mel_src src;
	ssize_t nfr;
	size_t nf;
	float lmax, fl;

	if (!s || !out)
		return -EINVAL;
	p = s->p;
	if (cap < s->w * p->n_mels)
		return -ENOSPC;
	nfr = next_frames(s);
	if (nfr <= 0) {
		if (!nfr && !s->tail_done)
			tail_max(s, (s->start + s->fill) / MEL_HOP);
		return nfr;
	}
	nf = nfr;
	make_src(s, &src);
	mel_run_frames(p, s->ws, &src, s->next, nf, out, s->w);
	for (unsigned int m = 0; m < p->n_mels && nf < s->w; m++)
		memset(out + m * s->w + nf, 0, (s->w - nf) * sizeof(float));
	lmax = p->k->log(out, s->w * p->n_mels);
	s->gmax = fmaxf(s->gmax, lmax);
	fl = window_floor(s, lmax);
	p->k->floor(out, s->w * p->n_mels, fl);
	for (unsigned int m = 0; m < p->n_mels && nf < s->w; m++)
		memset(out + m * s->w + nf, 0, (s->w - nf) * sizeof(float));
	if (win) {
		win->first_frame = s->next;
		win->n_frames = nf;
		win->log_max = lmax;
		win->floor_log = fl;
	}
	if (s->finished && s->next + nf >= (s->start + s->fill) / MEL_HOP)
		tail_max(s, s->next + nf);
	s->next += s->w;
	drop_consumed(s);
	return nfr;
}
