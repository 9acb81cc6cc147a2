// SPDX-License-Identifier: MIT
/* The plain baseline: see naive.h.  Deliberately straightforward. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "naive.h"

void mel_naive_power(const float *frame, double *pw)
{
	double c[MEL_N_FFT], s[MEL_N_FFT], x[MEL_N_FFT];

	/* twiddles on every call, as a textbook DFT would */
	for (int i = 0; i < MEL_N_FFT; i++) {
		c[i] = cos(2.0 * M_PI * i / MEL_N_FFT);
		s[i] = sin(2.0 * M_PI * i / MEL_N_FFT);
		x[i] = frame[i] * (0.5 - 0.5 * c[i]);
	}
	for (int k = 0; k < MEL_N_BINS; k++) {
		double re = 0.0, im = 0.0;

		for (int i = 0; i < MEL_N_FFT; i++) {
			int j = (k * i) % MEL_N_FFT;

			re += x[i] * c[j];
			im -= x[i] * s[j];
		}
		pw[k] = re * re + im * im;
	}
}

static float sample(const float *pcm, size_t n, size_t len, long i)
{
	if (i < 0)
		i = -i;
	if (i >= (long)len)
		i = 2 * ((long)len - 1) - i;
	return (size_t)i < n ? pcm[i] : 0.0f;
}

ssize_t mel_naive_compute(unsigned int n_mels, enum mel_mode mode,
			  const float *pcm, size_t n, float *out, size_t cap)
{
	float *fb, frame[MEL_N_FFT];
	double pw[MEL_N_BINS];
	size_t len, frames;
	float mx = -INFINITY;

	if (n_mels != 80 && n_mels != 128)
		return -EINVAL;
	if (mode == MEL_MODE_CHUNK)
		len = MEL_CHUNK_SAMPLES;
	else if (mode == MEL_MODE_RAW)
		len = n;
	else
		len = n + MEL_CHUNK_SAMPLES;
	if (len <= MEL_N_FFT / 2)
		return -ERANGE;
	frames = len / MEL_HOP;
	if (cap < frames * n_mels)
		return -ENOSPC;
	if (n > len)
		n = len;
	fb = malloc(n_mels * MEL_N_BINS * sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	mel_filterbank(n_mels, fb, n_mels * MEL_N_BINS);
	for (size_t t = 0; t < frames; t++) {
		for (int j = 0; j < MEL_N_FFT; j++)
			frame[j] = sample(pcm, n, len,
					  (long)(t * MEL_HOP) - 200 + j);
		mel_naive_power(frame, pw);
		for (unsigned int m = 0; m < n_mels; m++) {
			double acc = 0.0;
			float v;

			for (int k = 0; k < MEL_N_BINS; k++)
				acc += fb[m * MEL_N_BINS + k] * pw[k];
			v = log10f(fmaxf((float)acc, 1e-10f));
			out[m * frames + t] = v;
			mx = fmaxf(mx, v);
		}
	}
	for (size_t i = 0; i < frames * n_mels; i++)
		out[i] = (fmaxf(out[i], mx - 8.0f) + 4.0f) / 4.0f;
	free(fb);
	return frames;
}
