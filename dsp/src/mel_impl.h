/* SPDX-License-Identifier: MIT */
/* Private to dsp/: plan layout and the per-ISA kernel interface. */
#ifndef MEL_IMPL_H
#define MEL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "mel/mel.h"

#define MEL_FFT_HALF	200		/* complex FFT length (n_fft / 2) */
#define MEL_MAX_MELS	128
#define MEL_MAX_LANES	8		/* frames per SIMD group, widest kernel */
#define MEL_BLOCK	64		/* frames handed to a kernel at once */
#define MEL_EDGE_SLOTS	12		/* frames needing padding per call (<= 9) */
#define MEL_LOG_CLAMP	1e-10f
#define MEL_DYN_RANGE	8.0f

/* Stockham radix-8, 5, 5 stages of the 200-point complex FFT. */
#define MEL_TW1		(25 * 7)	/* stage 1: n = 200, m = 25, radix 8 */
#define MEL_TW2		(5 * 4)		/* stage 2: n = 25, m = 5, radix 5 */

/* Everything a kernel reads: built once per plan, read-only afterwards. */
struct mel_kparams {
	double win[MEL_N_FFT];		/* periodic Hann */
	double tw1[2][MEL_TW1];		/* cos, -sin of 2 pi j p / 200 */
	double tw2[2][MEL_TW2];		/* cos, -sin of 2 pi j p / 25 */
	double rtw[2][MEL_FFT_HALF / 2 + 1];	/* cos, sin of 2 pi k / 400 */
	unsigned int n_mels;
	uint16_t lo[MEL_MAX_MELS];	/* first non-zero bin of each filter */
	uint16_t cnt[MEL_MAX_MELS];	/* non-zero bins */
	uint16_t off[MEL_MAX_MELS];	/* index of the first weight in w */
	double w[2 * MEL_N_BINS];	/* weights / 4 (power computed x4) */
};

/*
 * A kernel computes mel power (not yet logged) for nfr frames: frame i is
 * the 400 samples at fr[i]; row m goes to out[m * stride + i].
 */
typedef void (*mel_kern_frames_fn)(const struct mel_kparams *kp,
				   const float *const *fr, size_t nfr,
				   float *out, size_t stride, void *scratch);
/* |X[k]|^2 of nfr frames into out[i * 201 + k] (tests). */
typedef void (*mel_kern_power_fn)(const struct mel_kparams *kp,
				  const float *const *fr, size_t nfr,
				  double *out, void *scratch);
/* In place x = log10(max(x, 1e-10)); returns the max. */
typedef float (*mel_kern_log_fn)(float *x, size_t n);
/* In place x = (max(x, floor) + 4) / 4. */
typedef void (*mel_kern_floor_fn)(float *x, size_t n, float floor_log);

struct mel_kern {
	const char *name;
	enum mel_isa isa;
	unsigned int lanes;
	size_t scratch;			/* bytes of 64-aligned scratch */
	mel_kern_frames_fn frames;
	mel_kern_power_fn power;
	mel_kern_log_fn log;
	mel_kern_floor_fn floor;
};

extern const struct mel_kern mel_kern_generic;
#if defined(__x86_64__)
extern const struct mel_kern mel_kern_avx2;
extern const struct mel_kern mel_kern_avx512;
#endif

struct mel_plan {
	unsigned int n_mels;
	enum mel_mode mode;
	enum mel_floor floor;
	float log_max;
	const struct mel_kern *k;
	struct mel_kparams kp;
	float filters[MEL_MAX_MELS * MEL_N_BINS];	/* dense, float32 */
};

struct mel_ws {
	void *scratch;			/* kernel scratch, 64-aligned */
	const float *ptr[MEL_BLOCK];
	float edge[MEL_EDGE_SLOTS][MEL_N_FFT];
};

/*
 * The signal frames are cut from: real samples [0, n), zeros [n, len),
 * reflection about 0 and len - 1.  Sample i (n_lo <= i < n) is at
 * base[i - n_lo]; samples below n_lo are never needed by the caller.
 */
struct mel_src {
	const float *base;
	size_t n_lo;
	size_t n;
	size_t len;
};

/* Mel power of frames [t0, t0 + nfr) into out[m * stride + (t - t0)]. */
void mel_run_frames(const struct mel_plan *p, struct mel_ws *ws,
		    const struct mel_src *src, size_t t0, size_t nfr,
		    float *out, size_t stride);

/* Builds the sparse filterbank in kp and the dense float32 copy. */
int mel_build_filters(unsigned int n_mels, float *dense,
		      struct mel_kparams *kp);
void mel_build_tables(struct mel_kparams *kp);

#endif /* MEL_IMPL_H */
