// SPDX-License-Identifier: MIT
/*
 * Slaney mel filterbank (librosa htk=False, norm="slaney"), as whisper's
 * mel_filters.npz holds it, and the FFT tables.  The rounding order follows
 * librosa: each triangle value is computed in double and stored as float,
 * then multiplied in double by the Slaney factor and stored as float again.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "mel_impl.h"

#define F_SP		(200.0 / 3.0)		/* Hz per mel below 1 kHz */
#define MIN_LOG_HZ	1000.0

static double min_log_mel(void)
{
	return MIN_LOG_HZ / F_SP;
}

static double logstep(void)
{
	return log(6.4) / 27.0;
}

static double hz_to_mel(double f)
{
	if (f < MIN_LOG_HZ)
		return f / F_SP;
	return min_log_mel() + log(f / MIN_LOG_HZ) / logstep();
}

static double mel_to_hz(double m)
{
	if (m < min_log_mel())
		return F_SP * m;
	return MIN_LOG_HZ * exp(logstep() * (m - min_log_mel()));
}

/* edges[0 .. n_mels + 1]: numpy.linspace(0, mel(8000), n_mels + 2) in Hz */
static void mel_edges(unsigned int n_mels, double *edges)
{
	double lo = hz_to_mel(0.0), hi = hz_to_mel(MEL_SAMPLE_RATE / 2.0);
	double step = (hi - lo) / (n_mels + 1);

	for (unsigned int i = 0; i < n_mels + 2; i++)
		edges[i] = mel_to_hz(i == n_mels + 1 ? hi : i * step + lo);
}

static void dense_filters(unsigned int n_mels, float *dense)
{
	double edges[MEL_MAX_MELS + 2];

	mel_edges(n_mels, edges);
	for (unsigned int m = 0; m < n_mels; m++) {
		double norm = 2.0 / (edges[m + 2] - edges[m]);

		for (unsigned int k = 0; k < MEL_N_BINS; k++) {
			double f = k * ((double)MEL_SAMPLE_RATE / MEL_N_FFT);
			double rise = (f - edges[m]) / (edges[m + 1] - edges[m]);
			double fall = (edges[m + 2] - f) /
				      (edges[m + 2] - edges[m + 1]);
			double v = rise < fall ? rise : fall;
			float w = v > 0.0 ? (float)v : 0.0f;

			dense[m * MEL_N_BINS + k] = (float)(w * norm);
		}
	}
}

int mel_filterbank(unsigned int n_mels, float *out, size_t cap)
{
	if (!out || (n_mels != 80 && n_mels != 128))
		return -EINVAL;
	if (cap < (size_t)n_mels * MEL_N_BINS)
		return -ENOSPC;
	dense_filters(n_mels, out);
	return 0;
}

/* Sparse form: each filter is one run of non-zero bins. */
int mel_build_filters(unsigned int n_mels, float *dense,
		      struct mel_kparams *kp)
{
	unsigned int off = 0;

	if (mel_filterbank(n_mels, dense, (size_t)n_mels * MEL_N_BINS))
		return -EINVAL;
	kp->n_mels = n_mels;
	for (unsigned int m = 0; m < n_mels; m++) {
		const float *row = dense + m * MEL_N_BINS;
		unsigned int lo = 0, hi;

		while (lo < MEL_N_BINS && row[lo] == 0.0f)
			lo++;
		hi = lo;
		while (hi < MEL_N_BINS && row[hi] != 0.0f)
			hi++;
		for (unsigned int k = hi; k < MEL_N_BINS; k++)
			if (row[k] != 0.0f)
				return -EINVAL;	/* not one run */
		if (off + (hi - lo) > 2 * MEL_N_BINS)
			return -EINVAL;
		kp->lo[m] = lo < MEL_N_BINS ? lo : 0;
		kp->cnt[m] = hi - lo;
		kp->off[m] = off;
		/* the kernel's power is 4x |X|^2: fold the 1/4 in (exact) */
		for (unsigned int k = lo; k < hi; k++)
			kp->w[off++] = row[k] * 0.25;
	}
	return 0;
}

void mel_build_tables(struct mel_kparams *kp)
{
	for (unsigned int i = 0; i < MEL_N_FFT; i++)
		kp->win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / MEL_N_FFT);
	for (unsigned int p = 0; p < 25; p++) {
		for (unsigned int j = 1; j < 8; j++) {
			double a = 2.0 * M_PI * (j * p) / 200.0;

			kp->tw1[0][p * 7 + j - 1] = cos(a);
			kp->tw1[1][p * 7 + j - 1] = -sin(a);
		}
	}
	for (unsigned int p = 0; p < 5; p++) {
		for (unsigned int j = 1; j < 5; j++) {
			double a = 2.0 * M_PI * (j * p) / 25.0;

			kp->tw2[0][p * 4 + j - 1] = cos(a);
			kp->tw2[1][p * 4 + j - 1] = -sin(a);
		}
	}
	for (unsigned int k = 0; k <= MEL_FFT_HALF / 2; k++) {
		double a = 2.0 * M_PI * k / MEL_N_FFT;

		kp->rtw[0][k] = cos(a);
		kp->rtw[1][k] = sin(a);
	}
}
