// SPDX-License-Identifier: MIT
/*
 * check_mel - libmel against the canonical whisper log-mel vectors, the
 * filterbank, a direct DFT, edge lengths, errors, streaming and threads.
 *
 * Run from the repository root.  Inputs are in tests/data/mel; the canonical
 * outputs are regenerated into MEL_REF_DIR by tests/gen_mel_ref.py.
 *
 * This file holds the shared helpers (mel_test.h), the error tests and the
 * suite; check_mel_maths.c and check_mel_stream.c the other test cases.
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
#include "runner.h"

float *load_f32(const char *dir, const char *name, size_t *n)
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

struct mel_plan *plan_new(unsigned int n_mels, enum mel_mode mode,
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
float *make_signal(size_t n, uint32_t seed)
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

struct diff compare(const float *a, const float *b, size_t n)
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

static Suite *mel_suite(void)
{
	Suite *s = suite_create("mel");
	TCase *tc;

	suite_add_tcase(s, mel_maths_tcase());

	tc = tcase_create("errors");
	tcase_add_test(tc, test_bad_opts);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, mel_stream_tcase());
	return s;
}

TEST_SUITE(.suite = mel_suite);
