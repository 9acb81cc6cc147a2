// SPDX-License-Identifier: MIT
/*
 * CPU references of the emulated NPU kernels, written independently of the
 * emulator's (plain loops, double accumulation), and the synthetic speech
 * generator used when no audio file is given.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "xdna_emu.h"

static double gelu(double x)
{
	return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

/* conv1d, kernel 3, padding 1: x is [c_in][t_in] with strides (xs_c, xs_t). */
static double conv_at(const float *x, size_t xs_c, size_t xs_t, unsigned int c_in,
		      unsigned int t_in, long t_center, unsigned int co, uint32_t seed,
		      uint32_t wt, uint32_t bt)
{
	double acc = xdna_emu_stem_param(seed, bt, co, c_in);
	unsigned int ci, k;

	for (ci = 0; ci < c_in; ci++) {
		for (k = 0; k < 3; k++) {
			long ti = t_center + (long)k - 1;

			if (ti < 0 || ti >= (long)t_in)
				continue;
			acc += (double)xdna_emu_stem_param(seed, wt, (co * c_in + ci) * 3 + k, c_in) *
			       x[ci * xs_c + (size_t)ti * xs_t];
		}
	}
	return acc;
}

int pipe_ref_stem(const float *mel, unsigned int n_mels, unsigned int n_frames,
		  unsigned int d_model, uint32_t seed, float *out)
{
	unsigned int t, d, t2 = n_frames / 2;
	float *h1 = malloc((size_t)n_frames * d_model * sizeof(*h1));

	if (!h1)
		return -ENOMEM;
	/* h1[t][d]: conv1 over the mel (n_mels, n_frames) */
	for (t = 0; t < n_frames; t++)
		for (d = 0; d < d_model; d++)
			h1[(size_t)t * d_model + d] =
				(float)gelu(conv_at(mel, n_frames, 1, n_mels, n_frames, t, d, seed,
						    0, 1));
	/* out[t][d]: conv2 with stride 2 over h1, seen as [c = d][t] */
	for (t = 0; t < t2; t++)
		for (d = 0; d < d_model; d++)
			out[(size_t)t * d_model + d] =
				(float)gelu(conv_at(h1, 1, d_model, d_model, n_frames,
						    2 * (long)t, d, seed, 2, 3));
	free(h1);
	return 0;
}

void pipe_ref_checksum(const float *mel, size_t n, uint32_t out[4])
{
	const unsigned char *b = (const unsigned char *)mel;
	uint64_t h = 0xcbf29ce484222325ull;
	double sum = 0;
	float fsum;
	size_t i;

	for (i = 0; i < n * sizeof(float); i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	for (i = 0; i < n; i++)
		sum += mel[i];
	fsum = (float)sum;
	out[0] = (uint32_t)h;
	out[1] = (uint32_t)(h >> 32);
	out[2] = (uint32_t)n;
	memcpy(&out[3], &fsum, sizeof(fsum));
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define SYNTH_MAX_HARM	96

/* Harmonic gains of one syllable: three formant resonances. */
static int syllable_gains(double f0, const float f[3], double *g)
{
	int h, n = 0;

	for (h = 1; h * f0 < 5000 && n < SYNTH_MAX_HARM; h++, n++) {
		double fh = h * f0, sum = 0;
		int j;

		for (j = 0; j < 3; j++) {
			double x = (fh - f[j]) / (80.0 + 40 * j);

			sum += 1.0 / (1.0 + x * x);
		}
		g[n] = sum / h;
	}
	return n;
}

/*
 * Speech-like: a voiced source (harmonics of a 90-220 Hz pitch with
 * vibrato) shaped by three formants that change per syllable (4 per
 * second), with pauses and a little breath noise, around -20 dBFS.  The
 * harmonics come from the sin(hx) recurrence, so a 30 s signal takes a few
 * tens of milliseconds.
 */
void pipe_synth_speech(float *out, size_t n, uint32_t seed)
{
	static const float formants[4][3] = {
		{ 700, 1220, 2600 }, { 300, 2300, 3000 }, { 500, 900, 2400 }, { 400, 1900, 2550 },
	};
	double g[SYNTH_MAX_HARM], phase = 0, f0 = 120;
	uint32_t s = seed * 2654435761u + 1;
	size_t i, syl = (size_t)-1;
	int nh = 0;

	for (i = 0; i < n; i++) {
		double t = (double)i / 16000.0, env, v = 0, c, s1, s2;
		size_t k = (size_t)(t * 4.0);
		int h;

		if (k != syl) {
			syl = k;
			f0 = 90 + rnd(&s) % 130;
			nh = syllable_gains(f0, formants[(syl + seed) % 4], g);
		}
		env = (syl + seed) % 7 == 6 ? 0 : sin(M_PI * (t * 4.0 - (double)k));
		phase += 2 * M_PI * f0 * (1 + 0.02 * sin(2 * M_PI * 5 * t)) / 16000.0;
		if (phase > 2 * M_PI)
			phase -= 2 * M_PI;
		c = 2 * cos(phase);
		s2 = 0;
		s1 = sin(phase);
		for (h = 0; h < nh; h++) {
			double s0;

			v += g[h] * s1;
			s0 = c * s1 - s2;
			s2 = s1;
			s1 = s0;
		}
		v = 0.1 * env * v + 0.003 * ((double)(rnd(&s) % 2001) / 1000.0 - 1.0);
		out[i] = (float)v;
	}
}
