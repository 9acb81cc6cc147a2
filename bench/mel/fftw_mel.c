// SPDX-License-Identifier: MIT
/*
 * FFTW anchor for melbench and the cross-check test (FFT=fftw builds only;
 * FFTW is GPL and never part of libmel).  White-box: it reads the plan's
 * tables through dsp/src/mel_impl.h, an include path only this object
 * gets.  FFTW does the 400-point real FFT frame by frame; the mel, log and
 * floor stages are libmel's, so a timing comparison isolates the FFT.
 */
#include <errno.h>
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "mel_impl.h"
#include "naive.h"

#define FB	64	/* frames per batched FFTW float transform */

struct mel_fftw {
	struct mel_plan *p;
	char prec;
	fftwf_plan pf;			/* FB frames at once */
	float pb[MEL_N_BINS * FB];	/* power, [bin][frame] */
	float acc[FB];
	fftw_plan pd;
	float *inf;
	fftwf_complex *outf;
	double *ind;
	fftw_complex *outd;
	float winf[MEL_N_FFT];
	float frame[MEL_N_FFT];
	double pw[MEL_N_BINS];
};

struct mel_fftw *mel_fftw_create(unsigned int n_mels, enum mel_mode mode,
				 char prec)
{
	struct mel_opts o = MEL_OPTS_INIT;
	struct mel_fftw *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return NULL;
	o.n_mels = n_mels;
	o.mode = mode;
	f->prec = prec;
	f->p = mel_plan_create(&o, &err);
	if (!f->p)
		goto fail;
	for (int i = 0; i < MEL_N_FFT; i++)
		f->winf[i] = (float)f->p->kp.win[i];
	if (prec == 'f') {
		int n = MEL_N_FFT;

		f->inf = fftwf_alloc_real(MEL_N_FFT * FB);
		f->outf = fftwf_alloc_complex(MEL_N_BINS * FB);
		if (!f->inf || !f->outf)
			goto fail;
		memset(f->inf, 0, MEL_N_FFT * FB * sizeof(float));
		f->pf = fftwf_plan_many_dft_r2c(1, &n, FB, f->inf, NULL, 1,
						MEL_N_FFT, f->outf, NULL, 1,
						MEL_N_BINS, FFTW_MEASURE);
		if (!f->pf)
			goto fail;
		return f;
	}
	f->ind = fftw_alloc_real(MEL_N_FFT);
	f->outd = fftw_alloc_complex(MEL_N_BINS);
	if (!f->ind || !f->outd)
		goto fail;
	f->pd = fftw_plan_dft_r2c_1d(MEL_N_FFT, f->ind, f->outd, FFTW_MEASURE);
	if (!f->pd)
		goto fail;
	return f;
fail:
	mel_fftw_destroy(f);
	return NULL;
}

void mel_fftw_destroy(struct mel_fftw *f)
{
	if (!f)
		return;
	if (f->pf)
		fftwf_destroy_plan(f->pf);
	if (f->pd)
		fftw_destroy_plan(f->pd);
	fftwf_free(f->inf);
	fftwf_free(f->outf);
	fftw_free(f->ind);
	fftw_free(f->outd);
	mel_plan_destroy(f->p);
	free(f);
}

static float sample(const float *x, size_t n, size_t len, long i)
{
	if (i < 0)
		i = -i;
	if (i >= (long)len)
		i = 2 * ((long)len - 1) - i;
	return (size_t)i < n ? x[i] : 0.0f;
}

static void power_frame(struct mel_fftw *f, const float *fr)
{
	for (int i = 0; i < MEL_N_FFT; i++)
		f->ind[i] = fr[i] * f->p->kp.win[i];
	fftw_execute(f->pd);
	for (int k = 0; k < MEL_N_BINS; k++)
		f->pw[k] = 4.0 * (f->outd[k][0] * f->outd[k][0] +
				  f->outd[k][1] * f->outd[k][1]);
}

static const float *frame_ptr(struct mel_fftw *f, const float *x, size_t n,
			      size_t len, size_t t, float *tmp)
{
	long a = (long)t * MEL_HOP - MEL_N_FFT / 2;

	if (a >= 0 && a + MEL_N_FFT <= (long)n)
		return x + a;
	for (int j = 0; j < MEL_N_FFT; j++)
		tmp[j] = sample(x, n, len, a + j);
	(void)f;
	return tmp;
}

/* Float: FB frames per FFTW call, mel vectorisable across frames. */
static void batch_float(struct mel_fftw *f, const float *x, size_t n,
			size_t len, size_t t0, size_t cnt, float *out,
			size_t stride)
{
	const struct mel_kparams *kp = &f->p->kp;

	for (size_t i = 0; i < cnt; i++) {
		const float *fr = frame_ptr(f, x, n, len, t0 + i, f->frame);
		float *in = f->inf + i * MEL_N_FFT;

		for (int j = 0; j < MEL_N_FFT; j++)
			in[j] = fr[j] * f->winf[j];
	}
	fftwf_execute(f->pf);
	for (size_t i = 0; i < cnt; i++) {
		const fftwf_complex *c = f->outf + i * MEL_N_BINS;

		for (int k = 0; k < MEL_N_BINS; k++)
			f->pb[k * FB + i] = c[k][0] * c[k][0] + c[k][1] * c[k][1];
	}
	for (unsigned int m = 0; m < kp->n_mels; m++) {
		memset(f->acc, 0, sizeof(f->acc));
		for (unsigned int b = 0; b < kp->cnt[m]; b++) {
			float w = 4 * kp->w[kp->off[m] + b];
			const float *p = f->pb + (kp->lo[m] + b) * FB;

			for (size_t i = 0; i < FB; i++)
				f->acc[i] += w * p[i];
		}
		memcpy(out + m * stride + t0, f->acc, cnt * sizeof(float));
	}
}

ssize_t mel_fftw_compute(struct mel_fftw *f, const float *x, size_t n,
			 float *out, size_t cap)
{
	const struct mel_plan *p = f->p;
	const struct mel_kparams *kp = &p->kp;
	ssize_t frames = mel_frames(p, n);
	size_t len;

	if (frames < 0)
		return frames;
	if (cap < (size_t)frames * p->n_mels)
		return -ENOSPC;
	len = p->mode == MEL_MODE_CHUNK ? MEL_CHUNK_SAMPLES :
	      p->mode == MEL_MODE_RAW ? n : n + MEL_CHUNK_SAMPLES;
	if (n > len)
		n = len;
	for (ssize_t t = 0; f->prec == 'f' && t < frames; t += FB)
		batch_float(f, x, n, len, t, frames - t < FB ? frames - t : FB,
			    out, frames);
	for (ssize_t t = 0; f->prec != 'f' && t < frames; t++) {
		long a = t * MEL_HOP - MEL_N_FFT / 2;
		const float *fr = x + a;

		if (a < 0 || a + MEL_N_FFT > (long)n) {
			for (int j = 0; j < MEL_N_FFT; j++)
				f->frame[j] = sample(x, n, len, a + j);
			fr = f->frame;
		}
		power_frame(f, fr);
		for (unsigned int m = 0; m < p->n_mels; m++) {
			double acc = 0.0;

			for (unsigned int b = 0; b < kp->cnt[m]; b++)
				acc += kp->w[kp->off[m] + b] *
				       f->pw[kp->lo[m] + b];
			out[m * frames + t] = (float)acc;
		}
	}
	p->k->floor(out, frames * p->n_mels,
		    p->k->log(out, frames * p->n_mels) - MEL_DYN_RANGE);
	return frames;
}
