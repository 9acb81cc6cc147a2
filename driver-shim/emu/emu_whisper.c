// SPDX-License-Identifier: MIT
/*
 * xdna-emu: the NPU kernels of the Whisper pipeline.
 *
 * whisper_stem is the front of Whisper's audio encoder:
 *   conv1d(n_mels -> d_model, k 3, pad 1) + GELU
 *   conv1d(d_model -> d_model, k 3, stride 2, pad 1) + GELU
 * with deterministic weights (xdna_emu_stem_param() in xdna_emu.h, so a CPU
 * reference can rebuild them).  Input: the log-mel, (n_mels, n_frames)
 * row-major float32, as dsp/ writes it.  Output: (n_frames / 2, d_model)
 * row-major float32, the layout the encoder's transformer blocks read.
 *
 * checksum is a cheap stand-in for fast runs: FNV-1a 64 of the input bytes,
 * the element count and the float sum.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

static uint64_t karg_addr(const struct xdna_emu_kcall *call, uint32_t i)
{
	return call->args[i] | (uint64_t)call->args[i + 1] << 32;
}

static float gelu(float x)
{
	return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

/* Weights laid out [k][c_in][c_out] so the inner loop runs over c_out. */
static float *stem_weights(uint32_t seed, uint32_t tensor, uint32_t c_in, uint32_t c_out)
{
	size_t n = (size_t)3 * c_in * c_out, i;
	float *w = malloc(n * sizeof(*w));

	if (!w)
		return NULL;
	for (i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(i / ((size_t)c_in * c_out));
		uint32_t ci = (uint32_t)(i / c_out % c_in), co = (uint32_t)(i % c_out);

		w[i] = xdna_emu_stem_param(seed, tensor, (co * c_in + ci) * 3 + k, c_in);
	}
	return w;
}

static void axpy(float *restrict y, const float *restrict x, float a, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}

/* h1 (T, d) = GELU(conv1(mel)); mel is (C, T). */
static void stem_conv1(const float *mel, uint32_t C, uint32_t T, uint32_t d, const float *w,
		       const float *b, float *h1)
{
	uint32_t t, k, c;

	for (t = 0; t < T; t++) {
		float *o = h1 + (size_t)t * d;

		memcpy(o, b, d * sizeof(*o));
		for (k = 0; k < 3; k++) {
			int64_t ti = (int64_t)t + k - 1;

			if (ti < 0 || ti >= T)
				continue;
			for (c = 0; c < C; c++)
				axpy(o, w + ((size_t)k * C + c) * d, mel[(size_t)c * T + ti], d);
		}
		for (c = 0; c < d; c++)
			o[c] = gelu(o[c]);
	}
}

/* out (T/2, d) = GELU(conv2(h1)), stride 2; h1 is (T, d). */
static void stem_conv2(const float *h1, uint32_t T, uint32_t d, const float *w, const float *b,
		       float *out)
{
	uint32_t T2 = T / 2, t, k, c;

	for (t = 0; t < T2; t++) {
		float *o = out + (size_t)t * d;

		memcpy(o, b, d * sizeof(*o));
		for (k = 0; k < 3; k++) {
			int64_t ti = 2 * (int64_t)t + k - 1;
			const float *x;

			if (ti < 0 || ti >= T)
				continue;
			x = h1 + (size_t)ti * d;
			for (c = 0; c < d; c++)
				axpy(o, w + ((size_t)k * d + c) * d, x[c], d);
		}
		for (c = 0; c < d; c++)
			o[c] = gelu(o[c]);
	}
}

/* whisper_stem: mel lo/hi, out lo/hi, n_mels, n_frames, d_model, seed */
int emu_kernel_whisper_stem(const struct xdna_emu_kcall *call)
{
	uint32_t C, T, d, seed, i;
	float *w1 = NULL, *w2 = NULL, *b1 = NULL, *b2 = NULL, *h1 = NULL;
	const float *mel;
	float *out;
	int err = -ENOMEM;

	if (call->nargs < 8)
		return -EINVAL;
	C = call->args[4];
	T = call->args[5];
	d = call->args[6];
	seed = call->args[7];
	if (!C || C > 256 || T < 2 || T > 1u << 20 || !d || d > 4096)
		return -EINVAL;
	mel = call->map(call, karg_addr(call, 0), (uint64_t)C * T * sizeof(float));
	out = call->map(call, karg_addr(call, 2), (uint64_t)(T / 2) * d * sizeof(float));
	if (!mel || !out)
		return -EFAULT;
	w1 = stem_weights(seed, 0, C, d);
	w2 = stem_weights(seed, 2, d, d);
	b1 = malloc(d * sizeof(*b1));
	b2 = malloc(d * sizeof(*b2));
	h1 = malloc((size_t)T * d * sizeof(*h1));
	if (!w1 || !w2 || !b1 || !b2 || !h1)
		goto out;
	for (i = 0; i < d; i++) {
		b1[i] = xdna_emu_stem_param(seed, 1, i, C);
		b2[i] = xdna_emu_stem_param(seed, 3, i, d);
	}
	stem_conv1(mel, C, T, d, w1, b1, h1);
	stem_conv2(h1, T, d, w2, b2, out);
	err = 0;
out:
	free(w1);
	free(w2);
	free(b1);
	free(b2);
	free(h1);
	return err;
}

/* checksum: in lo/hi, out lo/hi, n floats.  out: fnv64 lo, hi, n, sum (float). */
int emu_kernel_checksum(const struct xdna_emu_kcall *call)
{
	const uint8_t *in;
	uint32_t *out, n, i;
	uint64_t h = 0xcbf29ce484222325ull;
	double sum = 0;
	float fsum;

	if (call->nargs < 5)
		return -EINVAL;
	n = call->args[4];
	in = call->map(call, karg_addr(call, 0), (uint64_t)n * sizeof(float));
	out = call->map(call, karg_addr(call, 2), 4 * sizeof(uint32_t));
	if (!in || !out)
		return -EFAULT;
	for (i = 0; i < n * sizeof(float); i++)
		h = (h ^ in[i]) * 0x100000001b3ull;
	for (i = 0; i < n; i++) {
		float f;

		memcpy(&f, in + (size_t)i * 4, 4);
		sum += f;
	}
	fsum = (float)sum;
	out[0] = (uint32_t)h;
	out[1] = (uint32_t)(h >> 32);
	out[2] = n;
	memcpy(&out[3], &fsum, sizeof(fsum));
	return 0;
}
