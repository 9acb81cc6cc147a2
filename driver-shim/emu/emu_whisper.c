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

#define STEM_TBLOCK	8	/* output frames sharing each weight row */

static void axpy(float *restrict y, const float *restrict x, float a, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}

/*
 * out (T_out, d) = GELU(conv(x) + b), kernel 3, padding 1, stride s, with
 * x[c][t] at x[c * xs_c + t * xs_t].  Weight rows (d floats) are applied
 * to a block of output frames while they sit in L1: the weights (1.7 MiB
 * for d = 384) would otherwise stream from memory once per frame.
 */
/* Not under sanitizers: an ifunc resolver runs before their runtime is up. */
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void stem_conv(const float *x, size_t xs_c, size_t xs_t, uint32_t C, uint32_t T,
		      uint32_t stride, uint32_t d, const float *w, const float *b, float *out)
{
	uint32_t T_out = stride == 1 ? T : T / 2, t0, j, k, c;

	for (t0 = 0; t0 < T_out; t0 += STEM_TBLOCK) {
		uint32_t nb = T_out - t0 < STEM_TBLOCK ? T_out - t0 : STEM_TBLOCK;

		for (j = 0; j < nb; j++)
			memcpy(out + (size_t)(t0 + j) * d, b, d * sizeof(*out));
		for (k = 0; k < 3; k++) {
			for (c = 0; c < C; c++) {
				const float *wr = w + ((size_t)k * C + c) * d;

				for (j = 0; j < nb; j++) {
					int64_t ti = (int64_t)(t0 + j) * stride + k - 1;

					if (ti < 0 || ti >= T)
						continue;
					axpy(out + (size_t)(t0 + j) * d, wr,
					     x[c * xs_c + (size_t)ti * xs_t], d);
				}
			}
		}
		for (j = 0; j < nb * d; j++)
			out[(size_t)t0 * d + j] = gelu(out[(size_t)t0 * d + j]);
	}
}

/* whisper_stem: mel lo/hi, out lo/hi, n_mels, n_frames, d_model, seed */
int emu_kernel_whisper_stem(const struct xdna_emu_kcall *call)
{
	uint32_t C, T, d, seed, i;
	float *w1 = NULL, *w2 = NULL, *b1 = NULL, *b2 = NULL, *h1 = NULL;
	float *mel_a = NULL, *out_a = NULL;
	const float *mel;
	float *out, *dst;
	size_t mel_bytes, out_bytes;
	int err = -ENOMEM;

	if (call->nargs < 8)
		return -EINVAL;
	C = call->args[4];
	T = call->args[5];
	d = call->args[6];
	seed = call->args[7];
	if (!C || C > 256 || T < 2 || T > 1u << 20 || !d || d > 4096)
		return -EINVAL;
	mel_bytes = (size_t)C * T * sizeof(float);
	out_bytes = (size_t)(T / 2) * d * sizeof(float);
	mel = call->map(call, karg_addr(call, 0), mel_bytes);
	out = call->map(call, karg_addr(call, 2), out_bytes);
	if (!mel || !out)
		return -EFAULT;
	/* device addresses need not be float aligned: work on aligned copies */
	if ((uintptr_t)mel % _Alignof(float)) {
		mel_a = malloc(mel_bytes);
		if (!mel_a)
			return -ENOMEM;
		memcpy(mel_a, mel, mel_bytes);
		mel = mel_a;
	}
	dst = out;
	if ((uintptr_t)out % _Alignof(float)) {
		out_a = malloc(out_bytes);
		if (!out_a)
			goto out;
		dst = out_a;
	}
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
	stem_conv(mel, T, 1, C, T, 1, d, w1, b1, h1);	/* mel is [c][t] */
	stem_conv(h1, 1, d, d, T, 2, d, w2, b2, dst);	/* h1 is [t][c] */
	if (dst != out)
		memcpy(out, dst, out_bytes);
	err = 0;
out:
	free(mel_a);
	free(out_a);
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
	uint32_t res[4], n, i;
	uint64_t h = 0xcbf29ce484222325ull;
	void *out;
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
	res[0] = (uint32_t)h;
	res[1] = (uint32_t)(h >> 32);
	res[2] = n;
	memcpy(&res[3], &fsum, sizeof(fsum));
	memcpy(out, res, sizeof(res));	/* any device address, odd ones too */
	return 0;
}
