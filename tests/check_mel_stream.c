// SPDX-License-Identifier: MIT
/*
 * check_mel (check_mel.c): libmel's streaming API against whole-file
 * results, its errors, and threads sharing one plan.
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

TCase *mel_stream_tcase(void)
{
	TCase *tc = tcase_create("stream");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_stream_raw);
	tcase_add_test(tc, test_stream_transcribe);
	tcase_add_test(tc, test_stream_small_ring);
	tcase_add_test(tc, test_stream_errors);
	tcase_add_test(tc, test_threads_share_plan);
	return tc;
}
