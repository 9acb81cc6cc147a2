// SPDX-License-Identifier: MIT
/*
 * check_mel (check_mel.c): libmel's maths -- the canonical whisper log-mel
 * vectors, the filterbank, a direct DFT, the naive reference, edge
 * lengths, every code path alike, XDNAPOOL_MEL_ISA, and FFTW.
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
#include "mel_test.h"

#ifndef MEL_REF_DIR
#define MEL_REF_DIR "build/tests/data/mel"
#endif
#define DATA_DIR "tests/data/mel"

static const enum mel_isa all_isas[] = {
	MEL_ISA_GENERIC, MEL_ISA_AVX2, MEL_ISA_AVX512,
};
#define N_ISAS (sizeof(all_isas) / sizeof(all_isas[0]))

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

TCase *mel_maths_tcase(void)
{
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
	return tc;
}
