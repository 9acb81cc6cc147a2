// SPDX-License-Identifier: MIT
/*
 * check_mel - libmel against the canonical whisper log-mel vectors, the
 * filterbank, a direct DFT, edge lengths, errors, streaming and threads.
 *
 * Run from the repository root.  Inputs are in tests/data/mel; the canonical
 * outputs are regenerated into MEL_REF_DIR by tests/gen_mel_ref.py.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mel/mel.h"
#include "mel_impl.h"
#include "naive.h"
#include "runner.h"

#ifndef MEL_REF_DIR
#define MEL_REF_DIR "build/tests/data/mel"
#endif
#define DATA_DIR "tests/data/mel"

/*
 * For loops over many elements: Check records every passing ck_assert,
 * which costs a write(2) each, so test element-wise and abort on failure.
 */
#define EXPECT(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static const enum mel_isa all_isas[] = {
	MEL_ISA_GENERIC, MEL_ISA_AVX2, MEL_ISA_AVX512,
};
#define N_ISAS (sizeof(all_isas) / sizeof(all_isas[0]))

static float *load_f32(const char *dir, const char *name, size_t *n)
{
	char path[512];
	float *buf;
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f, "cannot open %s (run from the repo root)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	rewind(f);
	buf = malloc(sz > 0 ? sz : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, sz, f), (size_t)sz);
	fclose(f);
	*n = sz / sizeof(float);
	return buf;
}

static struct mel_plan *plan_new(unsigned int n_mels, enum mel_mode mode,
				 enum mel_floor fl, enum mel_isa isa)
{
	struct mel_opts o = MEL_OPTS_INIT;
	struct mel_plan *p;
	int err;

	o.n_mels = n_mels;
	o.mode = mode;
	o.floor = fl;
	o.isa = isa;
	p = mel_plan_create(&o, &err);
	if (!p)
		ck_assert_int_eq(err, -ENOTSUP);
	return p;
}

/* Deterministic test signal: noise plus a chirp, on the int16 grid. */
static float *make_signal(size_t n, uint32_t seed)
{
	float *x = malloc(n * sizeof(float) + 1);
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

	ck_assert_ptr_nonnull(x);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / MEL_SAMPLE_RATE, u;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
		/* loudness changes every 2.5 s so windows have their own max */
		u *= 0.05 * (1 + (i / 40000) % 4);
		u += 0.3 * sin(2 * M_PI * (100 * t + 20 * t * t));
		x[i] = (float)(lrint(u * 32768.0) / 32768.0);
	}
	return x;
}

struct diff {
	double max, mean;
	size_t argmax;
};

static struct diff compare(const float *a, const float *b, size_t n)
{
	struct diff d = { 0 };

	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)a[i] - b[i]);

		if (e > d.max) {
			d.max = e;
			d.argmax = i;
		}
		d.mean += e;
	}
	d.mean /= n ? n : 1;
	return d;
}

/* ---------------------------------------------------------------- maths */

static const struct {
	const char *input;
	unsigned int n_mels;
	enum mel_mode mode;
	const char *ref;
} vectors[] = {
	{ "sine1k_2s.f32", 80, MEL_MODE_CHUNK, "sine1k_2s.mel80.chunk.f32" },
	{ "sine1k_2s.f32", 128, MEL_MODE_CHUNK, "sine1k_2s.mel128.chunk.f32" },
	{ "noise_7.3s.f32", 80, MEL_MODE_CHUNK, "noise_7.3s.mel80.chunk.f32" },
	{ "noise_7.3s.f32", 128, MEL_MODE_CHUNK, "noise_7.3s.mel128.chunk.f32" },
	{ "noise_7.3s.f32", 80, MEL_MODE_RAW, "noise_7.3s.mel80.raw.f32" },
	{ "noise_7.3s.f32", 80, MEL_MODE_TRANSCRIBE,
	  "noise_7.3s.mel80.transcribe.f32" },
};

START_TEST(test_reference)
{
	size_t n, nref;
	float *x = load_f32(DATA_DIR, vectors[_i].input, &n);
	float *ref = load_f32(MEL_REF_DIR, vectors[_i].ref, &nref);
	float *out = malloc(nref * sizeof(float));

	for (size_t k = 0; k < N_ISAS; k++) {
		struct mel_plan *p = plan_new(vectors[_i].n_mels,
					      vectors[_i].mode, MEL_FLOOR_MAX,
					      all_isas[k]);
		struct diff d;
		ssize_t fr;

		if (!p)
			continue;
		ck_assert_int_eq(mel_out_floats(p, n), (ssize_t)nref);
		fr = mel_compute(p, NULL, x, n, out, nref);
		ck_assert_int_eq(fr * vectors[_i].n_mels, (ssize_t)nref);
		d = compare(out, ref, nref);
		printf("accuracy %-7s %-32s max |d| %.3g  mean |d| %.3g\n",
		       mel_plan_isa(p), vectors[_i].ref, d.max, d.mean);
		ck_assert_msg(d.max <= 1e-4, "%s: max %g at m %zu t %zu",
			      vectors[_i].ref, d.max, d.argmax / fr,
			      d.argmax % fr);
		ck_assert_msg(d.mean <= 1e-6, "%s: mean %g", vectors[_i].ref,
			      d.mean);
		mel_plan_destroy(p);
	}
	free(out);
	free(ref);
	free(x);
}
END_TEST

START_TEST(test_filterbank)
{
	unsigned int n_mels = _i ? 128 : 80;
	char name[64];
	size_t n, differ = 0;
	float *ref, *fb;

	snprintf(name, sizeof(name), "mel_filters_%u.f32", n_mels);
	ref = load_f32(DATA_DIR, name, &n);
	ck_assert_uint_eq(n, n_mels * MEL_N_BINS);
	fb = malloc(n * sizeof(float));
	ck_assert_int_eq(mel_filterbank(n_mels, fb, n - 1), -ENOSPC);
	ck_assert_int_eq(mel_filterbank(64, fb, n), -EINVAL);
	ck_assert_int_eq(mel_filterbank(n_mels, fb, n), 0);
	for (size_t i = 0; i < n; i++)
		differ += memcmp(&fb[i], &ref[i], sizeof(float)) != 0;
	ck_assert_msg(!differ, "%zu of %zu weights not bit-identical", differ, n);
	/* sparse: bins 0 and 200 unused, no filter wider than 14 bins */
	for (unsigned int m = 0; m < n_mels; m++) {
		unsigned int nz = 0;

		for (unsigned int k = 0; k < MEL_N_BINS; k++)
			nz += fb[m * MEL_N_BINS + k] != 0.0f;
		EXPECT(nz >= 1 && nz <= 14, "filter %u: %u bins", m, nz);
		EXPECT(fb[m * MEL_N_BINS] == 0.0f && fb[m * MEL_N_BINS + 200] == 0.0f,
		       "filter %u uses bin 0 or 200", m);
	}
	free(fb);
	free(ref);
}
END_TEST

/* The FFT of every kernel against a direct double DFT. */
START_TEST(test_fft_vs_dft)
{
	enum { NF = 19 };
	float *x = make_signal(MEL_N_FFT * NF, 7);
	const float *fr[NF];
	double *got = malloc(NF * MEL_N_BINS * sizeof(double));
	double want[MEL_N_BINS];
	struct mel_ws *ws;

	/* frame 3: a unit impulse, frame 4: a pure bin-10 cosine */
	memset(x + 3 * MEL_N_FFT, 0, MEL_N_FFT * sizeof(float));
	x[3 * MEL_N_FFT + 123] = 1.0f;
	for (int j = 0; j < MEL_N_FFT; j++)
		x[4 * MEL_N_FFT + j] = cos(2 * M_PI * 10 * j / MEL_N_FFT);
	for (int i = 0; i < NF; i++)
		fr[i] = x + i * MEL_N_FFT;
	for (size_t k = 0; k < N_ISAS; k++) {
		struct mel_plan *p = plan_new(80, MEL_MODE_RAW, MEL_FLOOR_MAX,
					      all_isas[k]);

		if (!p)
			continue;
		ws = mel_ws_create(p);
		p->k->power(&p->kp, fr, NF, got, ws->scratch);
		for (int i = 0; i < NF; i++) {
			double peak = 0.0, err = 0.0;

			mel_naive_power(fr[i], want);
			for (int b = 0; b < MEL_N_BINS; b++) {
				peak = fmax(peak, want[b]);
				err = fmax(err, fabs(got[i * MEL_N_BINS + b] -
						     want[b]));
			}
			EXPECT(err <= 1e-12 * peak + 1e-300,
				      "%s frame %d: error %g of peak %g",
				      mel_plan_isa(p), i, err, peak);
		}
		mel_ws_destroy(ws);
		mel_plan_destroy(p);
	}
	free(got);
	free(x);
}
END_TEST

/* The baseline kept for melbench is itself right. */
START_TEST(test_naive_reference)
{
	size_t n, nref;
	float *x = load_f32(DATA_DIR, "noise_7.3s.f32", &n);
	float *ref = load_f32(MEL_REF_DIR, "noise_7.3s.mel80.raw.f32", &nref);
	float *out = malloc(nref * sizeof(float));
	struct diff d;

	ck_assert_int_eq(mel_naive_compute(80, MEL_MODE_RAW, x, n, out, nref),
			 (ssize_t)(nref / 80));
	d = compare(out, ref, nref);
	ck_assert_msg(d.max <= 1e-4, "naive max %g", d.max);
	free(out);
	free(ref);
	free(x);
}
END_TEST

/* Unfloored log-mel of frame t by the direct DFT, for edge checks. */
static void naive_frame(const float *x, size_t n, size_t len, size_t t,
			const float *fb, float *col)
{
	float frame[MEL_N_FFT];
	double pw[MEL_N_BINS];

	for (int j = 0; j < MEL_N_FFT; j++) {
		long i = (long)t * MEL_HOP - MEL_N_FFT / 2 + j;

		if (i < 0)
			i = -i;
		if (i >= (long)len)
			i = 2 * ((long)len - 1) - i;
		frame[j] = (size_t)i < n ? x[i] : 0.0f;
	}
	mel_naive_power(frame, pw);
	for (int m = 0; m < 80; m++) {
		double acc = 0.0;

		for (int k = 0; k < MEL_N_BINS; k++)
			acc += fb[m * MEL_N_BINS + k] * pw[k];
		col[m] = (log10(fmax(acc, 1e-10)) + 4.0) / 4.0;
	}
}

/* Frames at the start, the end and around n checked against the DFT. */
static void check_edges(enum mel_mode mode, size_t n)
{
	size_t len = mode == MEL_MODE_CHUNK ? MEL_CHUNK_SAMPLES :
		     mode == MEL_MODE_RAW ? n : n + MEL_CHUNK_SAMPLES;
	struct mel_plan *p = plan_new(80, mode, MEL_FLOOR_NONE, MEL_ISA_AUTO);
	float *x = make_signal(n ? n : 1, (uint32_t)n);
	ssize_t frames = mel_frames(p, n);
	float *out, fb[80 * MEL_N_BINS], col[80];
	size_t probe[12], np = 0;

	ck_assert_int_gt(frames, 0);
	ck_assert_int_eq(frames, (ssize_t)(len / MEL_HOP));
	out = malloc(frames * 80 * sizeof(float));
	ck_assert_int_eq(mel_compute(p, NULL, x, n, out, frames * 80), frames);
	mel_filterbank(80, fb, sizeof(fb) / sizeof(fb[0]));
	for (size_t t = 0; t < 3 && t < (size_t)frames; t++) {
		probe[np++] = t;
		probe[np++] = frames - 1 - t;
	}
	for (size_t t = n / MEL_HOP; t < n / MEL_HOP + 4 && t < (size_t)frames; t++)
		probe[np++] = t;
	for (size_t i = 0; i < np; i++) {
		size_t t = probe[i];

		naive_frame(x, n < len ? n : len, len, t, fb, col);
		for (int m = 0; m < 80; m++)
			EXPECT(fabsf(out[m * frames + t] - col[m]) <= 2e-6,
			       "mode %d n %zu frame %zu mel %d: %g vs %g",
			       mode, n, t, m, out[m * frames + t], col[m]);
	}
	free(out);
	free(x);
	mel_plan_destroy(p);
}

START_TEST(test_edge_lengths)
{
	struct mel_plan *raw = plan_new(80, MEL_MODE_RAW, MEL_FLOOR_MAX,
					MEL_ISA_AUTO);
	float buf[80];
	float x[200] = { 0 };

	/* raw mode needs more than 200 samples (reflect padding) */
	ck_assert_int_eq(mel_frames(raw, 200), -ERANGE);
	ck_assert_int_eq(mel_frames(raw, 0), -ERANGE);
	ck_assert_int_eq(mel_compute(raw, NULL, x, 200, buf, 80), -ERANGE);
	ck_assert_int_eq(mel_frames(raw, 201), 1);
	ck_assert_int_eq(mel_frames(raw, 479), 2);
	ck_assert_int_eq(mel_frames(raw, 480), 3);
	mel_plan_destroy(raw);

	check_edges(MEL_MODE_RAW, 201);
	check_edges(MEL_MODE_RAW, 359);
	check_edges(MEL_MODE_RAW, 361);
	check_edges(MEL_MODE_RAW, 4321);
	check_edges(MEL_MODE_CHUNK, 1);
	check_edges(MEL_MODE_CHUNK, 250);
	check_edges(MEL_MODE_CHUNK, 479999);
	check_edges(MEL_MODE_CHUNK, MEL_CHUNK_SAMPLES);
	check_edges(MEL_MODE_TRANSCRIBE, 0);
	check_edges(MEL_MODE_TRANSCRIBE, 1000);
}
END_TEST

START_TEST(test_chunk_trim_and_empty)
{
	struct mel_plan *p = plan_new(80, MEL_MODE_CHUNK, MEL_FLOOR_MAX,
				      MEL_ISA_AUTO);
	struct mel_plan *tp = plan_new(80, MEL_MODE_TRANSCRIBE, MEL_FLOOR_MAX,
				       MEL_ISA_AUTO);
	size_t cap = 80 * MEL_CHUNK_FRAMES;
	float *x = make_signal(MEL_CHUNK_SAMPLES + 1, 3);
	float *a = malloc(cap * sizeof(float)), *b = malloc(cap * sizeof(float));
	struct mel_info info;

	/* one sample over 30 s is trimmed: same as exactly 30 s */
	ck_assert_int_eq(mel_compute(p, NULL, x, MEL_CHUNK_SAMPLES, a, cap),
			 MEL_CHUNK_FRAMES);
	ck_assert_int_eq(mel_compute(p, NULL, x, MEL_CHUNK_SAMPLES + 1, b, cap),
			 MEL_CHUNK_FRAMES);
	ck_assert(!memcmp(a, b, cap * sizeof(float)));
	/* ... but not as 30 s minus one */
	ck_assert_int_eq(mel_compute(p, NULL, x, MEL_CHUNK_SAMPLES - 1, b, cap),
			 MEL_CHUNK_FRAMES);
	ck_assert(memcmp(a, b, cap * sizeof(float)));
	/* empty input: all log10(1e-10) = -10, so (-10 + 4) / 4 everywhere */
	ck_assert_int_eq(mel_compute_ex(p, NULL, NULL, 0, a, cap, &info),
			 MEL_CHUNK_FRAMES);
	ck_assert_float_eq_tol(info.log_max, -10.0f, 1e-6f);
	for (size_t i = 0; i < cap; i++)
		EXPECT(fabsf(a[i] + 1.5f) <= 1e-6f, "empty: %g at %zu", a[i], i);
	ck_assert_int_eq(mel_frames(tp, 0), MEL_CHUNK_FRAMES);
	ck_assert_int_eq(mel_compute(tp, NULL, NULL, 0, b, cap),
			 MEL_CHUNK_FRAMES);
	ck_assert(!memcmp(a, b, cap * sizeof(float)));
	free(a);
	free(b);
	free(x);
	mel_plan_destroy(p);
	mel_plan_destroy(tp);
}
END_TEST

START_TEST(test_isas_agree)
{
	size_t n = 3 * MEL_SAMPLE_RATE + 77, cap;
	float *x = make_signal(n, 11), *ref = NULL, *out;
	struct mel_plan *p0 = plan_new(128, MEL_MODE_RAW, MEL_FLOOR_MAX,
				       MEL_ISA_GENERIC);
	ssize_t fr = mel_frames(p0, n);

	cap = fr * 128;
	ref = malloc(cap * sizeof(float));
	out = malloc(cap * sizeof(float));
	ck_assert_int_eq(mel_compute(p0, NULL, x, n, ref, cap), fr);
	for (size_t k = 1; k < N_ISAS; k++) {
		struct mel_plan *p = plan_new(128, MEL_MODE_RAW, MEL_FLOOR_MAX,
					      all_isas[k]);
		struct diff d;

		if (!p)
			continue;
		ck_assert_int_eq(mel_compute(p, NULL, x, n, out, cap), fr);
		d = compare(out, ref, cap);
		ck_assert_msg(d.max <= 1e-6, "%s vs generic: %g",
			      mel_plan_isa(p), d.max);
		mel_plan_destroy(p);
	}
	mel_plan_destroy(p0);
	free(out);
	free(ref);
	free(x);
}
END_TEST

/* --------------------------------------------------------------- errors */

START_TEST(test_bad_opts)
{
	struct mel_opts o = MEL_OPTS_INIT;
	int err = 0;

	ck_assert_ptr_null(mel_plan_create(&(struct mel_opts){ .sz = 4 }, &err));
	ck_assert_int_eq(err, -EINVAL);
	o.n_mels = 64;
	ck_assert_ptr_null(mel_plan_create(&o, &err));
	ck_assert_int_eq(err, -EINVAL);
	o = (struct mel_opts)MEL_OPTS_INIT;
	o.mode = 7;
	ck_assert_ptr_null(mel_plan_create(&o, &err));
	ck_assert_int_eq(err, -EINVAL);
	o = (struct mel_opts)MEL_OPTS_INIT;
	o.isa = 42;
	ck_assert_ptr_null(mel_plan_create(&o, &err));
	ck_assert_int_eq(err, -EINVAL);
	o = (struct mel_opts)MEL_OPTS_INIT;
	o.floor = MEL_FLOOR_FIXED;
	o.log_max = NAN;
	ck_assert_ptr_null(mel_plan_create(&o, &err));
	ck_assert_int_eq(err, -EINVAL);
	o.floor = 9;
	ck_assert_ptr_null(mel_plan_create(&o, NULL));
	/* an older, shorter struct still works: fields past sz are defaults */
	o = (struct mel_opts)MEL_OPTS_INIT;
	o.sz = offsetof(struct mel_opts, floor);
	o.n_mels = 128;
	o.floor = 5;	/* past sz: ignored */
	struct mel_plan *p = mel_plan_create(&o, &err);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(mel_plan_n_mels(p), 128);
	mel_plan_destroy(p);
	p = mel_plan_create(NULL, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(mel_plan_n_mels(p), 80);
	ck_assert_int_eq(mel_plan_mode(p), MEL_MODE_CHUNK);
	mel_plan_destroy(p);
}
END_TEST

START_TEST(test_bad_args)
{
	struct mel_plan *p = plan_new(80, MEL_MODE_RAW, MEL_FLOOR_MAX,
				      MEL_ISA_AUTO);
	struct mel_plan *t = plan_new(80, MEL_MODE_TRANSCRIBE, MEL_FLOOR_MAX,
				      MEL_ISA_AUTO);
	size_t n = 16000;
	float *x = make_signal(n, 5);
	size_t need = 100 * 80;
	float *out = malloc(need * sizeof(float));

	ck_assert_int_eq(mel_out_floats(p, n), (ssize_t)need);
	ck_assert_int_eq(mel_compute(p, NULL, x, n, out, need - 1), -ENOSPC);
	ck_assert_int_eq(mel_compute(p, NULL, x, n, out, 0), -ENOSPC);
	ck_assert_int_eq(mel_compute(p, NULL, NULL, n, out, need), -EINVAL);
	ck_assert_int_eq(mel_compute(p, NULL, x, n, NULL, need), -EINVAL);
	ck_assert_int_eq(mel_compute(NULL, NULL, x, n, out, need), -EINVAL);
	ck_assert_int_eq(mel_frames(NULL, n), -EINVAL);
	ck_assert_int_eq(mel_frames(t, SIZE_MAX), -ERANGE);
	ck_assert_int_eq(mel_frames(p, SIZE_MAX), -ERANGE);
	ck_assert_int_eq(mel_compute(p, NULL, x, n, out, need), 100);
	free(out);
	free(x);
	mel_plan_destroy(p);
	mel_plan_destroy(t);
}
END_TEST

/* ------------------------------------------------------------ streaming */

#define LONG_SAMPLES (75 * MEL_SAMPLE_RATE + 123)

struct whole {
	float *out;		/* whisper floor over the whole signal */
	float *none;		/* no floor */
	ssize_t frames;
	float log_max;
};

static struct whole whole_file(enum mel_mode mode, const float *x, size_t n)
{
	struct mel_plan *p = plan_new(80, mode, MEL_FLOOR_MAX, MEL_ISA_AUTO);
	struct mel_plan *q = plan_new(80, mode, MEL_FLOOR_NONE, MEL_ISA_AUTO);
	struct mel_info info;
	struct whole w;
	size_t cap;

	w.frames = mel_frames(p, n);
	cap = w.frames * 80;
	w.out = malloc(cap * sizeof(float));
	w.none = malloc(cap * sizeof(float));
	ck_assert_int_eq(mel_compute_ex(p, NULL, x, n, w.out, cap, &info),
			 w.frames);
	ck_assert_int_eq(mel_compute(q, NULL, x, n, w.none, cap), w.frames);
	w.log_max = info.log_max;
	mel_plan_destroy(p);
	mel_plan_destroy(q);
	return w;
}

/* Feeds x in pieces of `piece` samples, alternating the two input APIs. */
static ssize_t feed_and_read(struct mel_stream *s, const float *x, size_t n,
			     size_t *pos, size_t piece, float *out, size_t cap,
			     struct mel_window *win)
{
	ssize_t r;

	for (;;) {
		r = mel_stream_read(s, out, cap, win);
		if (r != -EAGAIN)
			return r;
		if (*pos == n) {
			EXPECT(!mel_stream_finish(s), "finish");
			continue;
		}
		size_t k = n - *pos < piece ? n - *pos : piece, space;

		if ((*pos / piece) % 2) {
			float *dst = mel_stream_wbuf(s, &space);

			EXPECT(space > 0, "-EAGAIN with a full buffer");
			k = k < space ? k : space;
			memcpy(dst, x + *pos, k * sizeof(float));
			EXPECT(!mel_stream_commit(s, k), "commit");
		} else {
			r = mel_stream_write(s, x + *pos, k);
			EXPECT(r > 0, "write: %zd", r);
			k = r;
		}
		*pos += k;
	}
}

static void check_stream(enum mel_mode mode, size_t wf, size_t ring,
			 size_t piece)
{
	float *x = make_signal(LONG_SAMPLES, 99);
	struct whole w = whole_file(mode, x, LONG_SAMPLES);
	struct mel_plan *p = plan_new(80, mode, MEL_FLOOR_MAX, MEL_ISA_AUTO);
	struct mel_stream_opts so = MEL_STREAM_OPTS_INIT;
	size_t content = LONG_SAMPLES / MEL_HOP, pos = 0, cap, wins = 0;
	struct mel_stream *s;
	struct mel_window win;
	float *out, gmax;
	ssize_t r;
	int err;

	so.window_frames = wf;
	so.ring_samples = ring;
	s = mel_stream_create(p, &so, &err);
	ck_assert_msg(s, "stream: %d", err);
	cap = wf * 80;
	out = malloc(cap * sizeof(float));

	/* pass 1: per-window floor */
	while ((r = feed_and_read(s, x, LONG_SAMPLES, &pos, piece, out, cap,
				  &win)) > 0) {
		float wmax = -INFINITY;

		EXPECT(win.first_frame == wins * wf && win.n_frames == (size_t)r &&
		       (size_t)r == (content - win.first_frame < wf ?
				     content - win.first_frame : wf),
		       "window %zu: first %zu, %zd frames", wins,
		       win.first_frame, r);
		for (int m = 0; m < 80; m++) {
			for (size_t t = 0; t < wf; t++) {
				float v = out[m * wf + t], u, e;

				if (t >= (size_t)r) {
					EXPECT(v == 0.0f, "pad %zu not 0", t);
					continue;
				}
				u = w.none[m * w.frames + win.first_frame + t];
				wmax = fmaxf(wmax, u);
				/* same unfloored value, floored at the window */
				e = fmaxf(u, (win.floor_log + 4.0f) / 4.0f);
				EXPECT(fabsf(v - e) <= 1e-6f,
				       "win %zu m %d t %zu: %g vs %g", wins, m,
				       t, v, e);
			}
		}
		EXPECT(fabsf(win.log_max - (4 * wmax - 4)) <= 1e-5f,
		       "window %zu max %g vs %g", wins, win.log_max,
		       4 * wmax - 4);
		EXPECT(win.floor_log == win.log_max - 8.0f, "floor");
		wins++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(wins, (content + wf - 1) / wf);
	ck_assert_int_eq(mel_stream_read(s, out, cap, &win), 0);
	gmax = mel_stream_log_max(s);
	ck_assert_msg(gmax == w.log_max, "stream max %.9g, whole %.9g", gmax,
		      w.log_max);

	/* pass 2: floor fixed at the whole signal's max: bit-identical */
	so.floor = MEL_STREAM_FLOOR_FIXED;
	so.log_max = gmax;
	ck_assert_int_eq(mel_stream_reset(s, &so), 0);
	pos = 0;
	wins = 0;
	while ((r = feed_and_read(s, x, LONG_SAMPLES, &pos, piece, out, cap,
				  &win)) > 0) {
		for (int m = 0; m < 80; m++)
			EXPECT(!memcmp(out + m * wf,
				       w.out + m * w.frames + win.first_frame,
				       r * sizeof(float)),
			       "pass 2, window at %zu, mel %d differs",
			       win.first_frame, m);
		wins++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(wins, (content + wf - 1) / wf);
	free(out);
	mel_stream_destroy(s);
	mel_plan_destroy(p);
	free(w.out);
	free(w.none);
	free(x);
}

START_TEST(test_stream_raw)
{
	check_stream(MEL_MODE_RAW, 3000, 0, 16000);
}
END_TEST

START_TEST(test_stream_transcribe)
{
	check_stream(MEL_MODE_TRANSCRIBE, 3000, 0, 7919);
}
END_TEST

START_TEST(test_stream_small_ring)
{
	/* the smallest buffer a window allows, many windows, odd pieces */
	check_stream(MEL_MODE_RAW, 700, 160 * 700 + 240, 1013);
	check_stream(MEL_MODE_TRANSCRIBE, 1, 400, 97);
}
END_TEST

START_TEST(test_stream_errors)
{
	struct mel_plan *chunk = plan_new(80, MEL_MODE_CHUNK, MEL_FLOOR_MAX,
					  MEL_ISA_AUTO);
	struct mel_plan *raw = plan_new(80, MEL_MODE_RAW, MEL_FLOOR_MAX,
					MEL_ISA_AUTO);
	struct mel_stream_opts so = MEL_STREAM_OPTS_INIT;
	float x[150] = { 0 }, *out = malloc(80 * 3000 * sizeof(float));
	struct mel_stream *s;
	size_t space;
	int err;

	ck_assert_ptr_null(mel_stream_create(chunk, NULL, &err));
	ck_assert_int_eq(err, -EINVAL);
	so.ring_samples = 160 * 3000 + 239;
	ck_assert_ptr_null(mel_stream_create(raw, &so, &err));
	ck_assert_int_eq(err, -EINVAL);
	so = (struct mel_stream_opts)MEL_STREAM_OPTS_INIT;
	so.floor = MEL_STREAM_FLOOR_FIXED;
	so.log_max = INFINITY;
	ck_assert_ptr_null(mel_stream_create(raw, &so, &err));
	ck_assert_int_eq(err, -EINVAL);

	s = mel_stream_create(raw, NULL, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(mel_stream_read(s, out, 80 * 3000 - 1, NULL), -ENOSPC);
	ck_assert_int_eq(mel_stream_read(s, out, 80 * 3000, NULL), -EAGAIN);
	ck_assert_int_eq(mel_stream_write(s, x, 150), 150);
	ck_assert_int_eq(mel_stream_read(s, out, 80 * 3000, NULL), -EAGAIN);
	mel_stream_wbuf(s, &space);
	ck_assert_int_eq(mel_stream_commit(s, space + 1), -EINVAL);
	ck_assert_int_eq(mel_stream_finish(s), 0);
	ck_assert_int_eq(mel_stream_write(s, x, 1), -EPIPE);
	ck_assert_int_eq(mel_stream_commit(s, 1), -EPIPE);
	/* 150 samples are too few for raw mode, as for mel_compute */
	ck_assert_int_eq(mel_stream_read(s, out, 80 * 3000, NULL), -ERANGE);
	/* a full buffer always holds a window */
	ck_assert_int_eq(mel_stream_reset(s, NULL), 0);
	for (;;) {
		float *dst = mel_stream_wbuf(s, &space);

		if (!space)
			break;
		memset(dst, 0, space * sizeof(float));
		ck_assert_int_eq(mel_stream_commit(s, space), 0);
	}
	ck_assert_int_eq(mel_stream_read(s, out, 80 * 3000, NULL), 3000);
	mel_stream_destroy(s);
	free(out);
	mel_plan_destroy(chunk);
	mel_plan_destroy(raw);
}
END_TEST

/* ------------------------------------------------------------- threads */

struct job {
	const struct mel_plan *p;
	const float *x;
	size_t n;
	const float *want;
	size_t cap;
	int ok;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	struct mel_ws *ws = mel_ws_create(j->p);
	float *out = malloc(j->cap * sizeof(float));

	j->ok = ws && out;
	for (int it = 0; it < 3 && j->ok; it++) {
		j->ok = mel_compute(j->p, ws, j->x, j->n, out, j->cap) > 0 &&
			!memcmp(out, j->want, j->cap * sizeof(float));
	}
	free(out);
	mel_ws_destroy(ws);
	return NULL;
}

START_TEST(test_threads_share_plan)
{
	enum { NT = 4 };
	struct mel_plan *p = plan_new(80, MEL_MODE_RAW, MEL_FLOOR_MAX,
				      MEL_ISA_AUTO);
	pthread_t th[NT];
	struct job jobs[NT];

	for (int i = 0; i < NT; i++) {
		size_t n = MEL_SAMPLE_RATE * (1 + i) + 33 * i;
		float *want;

		jobs[i].p = p;
		jobs[i].x = make_signal(n, 40 + i);
		jobs[i].n = n;
		jobs[i].cap = mel_out_floats(p, n);
		want = malloc(jobs[i].cap * sizeof(float));
		ck_assert_int_gt(mel_compute(p, NULL, jobs[i].x, n, want,
					     jobs[i].cap), 0);
		jobs[i].want = want;
	}
	for (int i = 0; i < NT; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
	for (int i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(jobs[i].ok, "thread %d differs", i);
		free((void *)jobs[i].x);
		free((void *)jobs[i].want);
	}
	mel_plan_destroy(p);
}
END_TEST

/* ---------------------------------------------------------------- FFTW */

#ifdef MEL_HAVE_FFTW
START_TEST(test_fftw_crosscheck)
{
	size_t n, nref;
	float *x = load_f32(DATA_DIR, "noise_7.3s.f32", &n);
	float *ref = load_f32(MEL_REF_DIR, "noise_7.3s.mel80.chunk.f32", &nref);
	float *a = malloc(nref * sizeof(float)), *b = malloc(nref * sizeof(float));
	struct mel_plan *p = plan_new(80, MEL_MODE_CHUNK, MEL_FLOOR_MAX,
				      MEL_ISA_AUTO);
	struct mel_fftw *fd = mel_fftw_create(80, MEL_MODE_CHUNK, 'd');
	struct mel_fftw *ff = mel_fftw_create(80, MEL_MODE_CHUNK, 'f');
	struct diff d;

	ck_assert_ptr_nonnull(fd);
	ck_assert_ptr_nonnull(ff);
	ck_assert_int_eq(mel_compute(p, NULL, x, n, a, nref), 3000);
	ck_assert_int_eq(mel_fftw_compute(fd, x, n, b, nref), 3000);
	d = compare(a, b, nref);
	printf("fftw double vs libmel: max %.3g mean %.3g\n", d.max, d.mean);
	ck_assert_msg(d.max <= 1e-6, "fftw double vs ours: %g", d.max);
	ck_assert_int_eq(mel_fftw_compute(ff, x, n, b, nref), 3000);
	d = compare(b, ref, nref);
	printf("fftw float vs canonical: max %.3g mean %.3g\n", d.max, d.mean);
	ck_assert_msg(d.max <= 2e-4, "fftw float vs canonical: %g", d.max);
	mel_fftw_destroy(fd);
	mel_fftw_destroy(ff);
	mel_plan_destroy(p);
	free(a);
	free(b);
	free(ref);
	free(x);
}
END_TEST
#endif

/*
 * XDNAPOOL_MEL_ISA picks the code path when opts.isa is AUTO; an explicit
 * opts.isa wins; an unknown name is -EINVAL and a path this CPU lacks
 * -ENOTSUP, as mel_isa_parse() says.
 */
START_TEST(test_isa_env)
{
	static const char *const names[] = { "generic", "avx2", "avx512" };
	struct mel_opts o = MEL_OPTS_INIT;
	struct mel_plan *p;
	enum mel_isa isa;
	int err;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int supported = mel_isa_parse(names[i], &isa);

		ck_assert_msg(supported == 0 || supported == -ENOTSUP, "%s: %d", names[i],
			      supported);
		ck_assert_str_eq(mel_isa_name(isa), names[i]);
		ck_assert_int_eq(setenv(MEL_ISA_ENV, names[i], 1), 0);
		p = mel_plan_create(NULL, &err);
		ck_assert_int_eq(err, supported);
		if (p)
			ck_assert_str_eq(mel_plan_isa(p), names[i]);
		mel_plan_destroy(p);
		/* the caller's choice overrides the environment */
		o.isa = MEL_ISA_GENERIC;
		p = mel_plan_create(&o, &err);
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(mel_plan_isa(p), "generic");
		mel_plan_destroy(p);
	}
	ck_assert_int_eq(setenv(MEL_ISA_ENV, "sse9", 1), 0);
	ck_assert_ptr_null(mel_plan_create(NULL, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(mel_isa_parse("sse9", &isa), -EINVAL);
	ck_assert_int_eq(mel_isa_parse(NULL, &isa), -EINVAL);
	ck_assert_int_eq(setenv(MEL_ISA_ENV, "auto", 1), 0);
	p = mel_plan_create(NULL, &err);
	ck_assert_ptr_nonnull(p);
	mel_plan_destroy(p);
	unsetenv(MEL_ISA_ENV);
}
END_TEST

static Suite *mel_suite(void)
{
	Suite *s = suite_create("mel");
	TCase *tc = tcase_create("maths");

	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_reference, 0,
			    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_loop_test(tc, test_filterbank, 0, 2);
	tcase_add_test(tc, test_fft_vs_dft);
	tcase_add_test(tc, test_naive_reference);
	tcase_add_test(tc, test_edge_lengths);
	tcase_add_test(tc, test_chunk_trim_and_empty);
	tcase_add_test(tc, test_isas_agree);
	tcase_add_test(tc, test_isa_env);
#ifdef MEL_HAVE_FFTW
	tcase_add_test(tc, test_fftw_crosscheck);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_bad_opts);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_stream_raw);
	tcase_add_test(tc, test_stream_transcribe);
	tcase_add_test(tc, test_stream_small_ring);
	tcase_add_test(tc, test_stream_errors);
	tcase_add_test(tc, test_threads_share_plan);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = mel_suite);
