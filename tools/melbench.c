// SPDX-License-Identifier: MIT
/*
 * melbench - time libmel's log-mel of 30 s of audio on one core.
 *
 *   melbench [-n RUNS]
 *
 * Prints the median (and minimum) over RUNS for 80 and 128 mels, each code
 * path the CPU has, and in the same run the ratio against a plain baseline
 * (direct DFT with per-call twiddles, dense filterbank, log10f per element)
 * and, in FFT=fftw builds, against FFTW's float r2c.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mel/mel.h"
#include "naive.h"
#include "tool.h"
#include "tool_isa.h"

#define N_SAMPLES	MEL_CHUNK_SAMPLES

struct timing {
	double median, min;
};

static struct timing summarize(double *t, int n)
{
	double med = tool_median(t, (size_t)n);

	return (struct timing){ med, t[0] };
}

typedef ssize_t (*run_fn)(void *ctx, const float *x, float *out, size_t cap);

static struct timing time_runs(run_fn fn, void *ctx, const float *x,
			     float *out, size_t cap, int runs)
{
	double *t = malloc(runs * sizeof(*t));
	struct timing s;

	if (!t) {
		perror("melbench");
		exit(1);
	}
	/* warm up (caches, page faults, clock ramp), and check */
	for (int i = 0; i < 1 + runs / 10; i++) {
		if (fn(ctx, x, out, cap) < 0) {
			fprintf(stderr, "melbench: compute failed\n");
			exit(1);
		}
	}
	for (int i = 0; i < runs; i++) {
		uint64_t t0 = tool_now_ns();

		fn(ctx, x, out, cap);
		t[i] = (double)(tool_now_ns() - t0) / 1e6;
	}
	s = summarize(t, runs);
	free(t);
	return s;
}

struct lib_ctx {
	struct mel_plan *p;
	struct mel_ws *ws;
};

static ssize_t run_lib(void *ctx, const float *x, float *out, size_t cap)
{
	struct lib_ctx *c = ctx;

	return mel_compute(c->p, c->ws, x, N_SAMPLES, out, cap);
}

static ssize_t run_naive(void *ctx, const float *x, float *out, size_t cap)
{
	return mel_naive_compute(*(unsigned int *)ctx, MEL_MODE_CHUNK, x,
				 N_SAMPLES, out, cap);
}

#ifdef MEL_HAVE_FFTW
static ssize_t run_fftw(void *ctx, const float *x, float *out, size_t cap)
{
	return mel_fftw_compute(ctx, x, N_SAMPLES, out, cap);
}
#endif

static int lib_time(unsigned int n_mels, enum mel_isa isa, int runs,
		    const float *x, float *out, struct timing *s,
		    const char **name)
{
	struct mel_opts o = MEL_OPTS_INIT;
	struct lib_ctx c;
	int err;

	o.n_mels = n_mels;
	o.isa = isa;
	c.p = mel_plan_create(&o, &err);
	if (!c.p)
		return err;
	c.ws = mel_ws_create(c.p);
	if (!c.ws) {
		mel_plan_destroy(c.p);
		return -ENOMEM;
	}
	*s = time_runs(run_lib, &c, x, out, n_mels * MEL_CHUNK_FRAMES, runs);
	*name = mel_plan_isa(c.p);
	mel_ws_destroy(c.ws);
	mel_plan_destroy(c.p);
	return 0;
}

/* 30 s of noise plus a chirp, on the int16 grid like decoded PCM16. */
static void make_audio(float *x)
{
	uint64_t s = 12345;

	for (size_t i = 0; i < N_SAMPLES; i++) {
		double t = (double)i / MEL_SAMPLE_RATE, u;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		u = 0.05 * ((double)(s >> 11) / 9007199254740992.0 - 0.5);
		u += 0.4 * sin(2 * M_PI * (50 * t + 130 * t * t));
		x[i] = (float)(lrint(u * 32768) / 32768.0);
	}
}

#define RUNS_DEFAULT	301
#define RUNS_MAX	1000000ULL

static void usage(FILE *f)
{
	fprintf(f, "usage: melbench [-n RUNS] [--isa auto|generic|avx2|avx512]\n"
		   "  -n, --runs RUNS  timed runs per case (1..%llu, default %d)\n"
		   "  --isa NAME       time that log-mel code path only (default: each)\n"
		   "  -h, --help       this text\n"
		   "  --version        print the version\n"
		   "Exit status: 0 ok, 1 out of memory or a libmel call failed, 2 bad usage.\n",
		RUNS_MAX, RUNS_DEFAULT);
}

static int parse_args(int argc, char **argv, enum mel_isa *only)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'n' },
		{ "isa", required_argument, NULL, 'i' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int runs = RUNS_DEFAULT, c;

	while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
		if (c == 'n') {
			runs = (int)tool_parse_ull("--runs", optarg, 1, RUNS_MAX);
		} else if (c == 'i') {
			*only = tool_parse_isa(optarg);
		} else {
			tool_common_option(c, argv, usage);
		}
	}
	tool_no_more_args(argc, argv, optind);
	tool_check_isa_env(*only);
	return runs;
}

int main(int argc, char **argv)
{
	static const enum mel_isa isas[] = {
		MEL_ISA_AVX512, MEL_ISA_AVX2, MEL_ISA_GENERIC,
	};
	static const unsigned int mels[] = { 80, 128 };
	int runs, naive_runs = 5;
	struct timing lib[2], s;
	const char *name;
	float *x, *out;

	enum mel_isa only = MEL_ISA_AUTO;	/* --isa: time that path only */

	tool_init(argv[0]);
	runs = parse_args(argc, argv, &only);
	x = malloc(N_SAMPLES * sizeof(float));
	out = malloc(128 * MEL_CHUNK_FRAMES * sizeof(float));
	if (!x || !out) {
		perror("melbench");
		return 1;
	}
	make_audio(x);
	printf("melbench: 30 s (480000 samples) -> (n_mels, 3000), chunk mode, "
	       "one thread, %d runs\n", runs);
	for (int i = 0; i < 2; i++) {
		if (lib_time(mels[i], only, runs, x, out, &lib[i], &name))
			return 1;
		printf("libmel %-7s %3u mels: median %.3f ms  min %.3f ms\n",
		       name, mels[i], lib[i].median, lib[i].min);
	}
	for (size_t k = 0; only == MEL_ISA_AUTO && k < sizeof(isas) / sizeof(isas[0]); k++) {
		for (int i = 0; i < 2; i++) {
			if (lib_time(mels[i], isas[k], runs, x, out, &s, &name))
				break;
			printf("  code path %-7s %3u mels: median %.3f ms\n",
			       name, mels[i], s.median);
		}
	}
#ifdef MEL_HAVE_FFTW
	for (int i = 0; i < 2; i++) {
		struct mel_fftw *f = mel_fftw_create(mels[i], MEL_MODE_CHUNK, 'f');

		if (!f)
			return 1;
		s = time_runs(run_fftw, f, x, out, mels[i] * MEL_CHUNK_FRAMES,
			      runs);
		printf("FFTW float r2c anchor %3u mels: median %.3f ms -> "
		       "libmel %.2fx faster\n", mels[i], s.median,
		       s.median / lib[i].median);
		mel_fftw_destroy(f);
	}
#else
	printf("FFTW anchor: not built (make FFT=fftw)\n");
#endif
	for (int i = 0; i < 2; i++) {
		unsigned int nm = mels[i];

		s = time_runs(run_naive, &nm, x, out, nm * MEL_CHUNK_FRAMES,
			      naive_runs);
		printf("baseline (direct DFT, dense filters, log10f) %3u mels: "
		       "median %.1f ms (%d runs) -> libmel %.0fx faster\n",
		       nm, s.median, naive_runs, s.median / lib[i].median);
	}
	free(out);
	free(x);
	return 0;
}
