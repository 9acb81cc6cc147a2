/* SPDX-License-Identifier: MIT */
/*
 * Plain, unoptimised log-mel (not part of libmel): a direct DFT with
 * twiddles computed on every call, a dense filterbank and log10f per
 * element.  The baseline melbench compares against, and the tests' oracle
 * for the FFT.  FFTW glue (FFT=fftw builds only) is declared here too.
 */
#ifndef MEL_NAIVE_H
#define MEL_NAIVE_H

#include <stddef.h>
#include <sys/types.h>

#include "mel/mel.h"

/* |X[k]|^2, k = 0..200, of the Hann-windowed 400-sample frame (double DFT). */
void mel_naive_power(const float *frame, double *pw);

/* The whole pipeline, naively; same contract as mel_compute(). */
ssize_t mel_naive_compute(unsigned int n_mels, enum mel_mode mode,
			  const float *pcm, size_t n, float *out, size_t cap);

#ifdef MEL_HAVE_FFTW
struct mel_fftw;
/* prec 'f': fftwf r2c (the speed anchor); 'd': fftw double (cross-check) */
struct mel_fftw *mel_fftw_create(unsigned int n_mels, enum mel_mode mode,
				 char prec);
void mel_fftw_destroy(struct mel_fftw *f);
ssize_t mel_fftw_compute(struct mel_fftw *f, const float *pcm, size_t n,
			 float *out, size_t cap);
#endif

#endif /* MEL_NAIVE_H */
