/* SPDX-License-Identifier: MIT */
/*
 * Kernel body, compiled once per instruction set (kern_*.c define KERN_SYM,
 * KERN_NAME, KERN_ISA, KERN_LANES and KERN_FLANES, then include this file).
 *
 * Frames are processed KERN_LANES at a time, one frame per SIMD lane
 * (struct of arrays): every operation below is a vector operation on
 * KERN_LANES doubles, so the code is the plain scalar algorithm and a frame
 * gets bit-identical results in whichever lane it lands.
 *
 * The 400-point real FFT is a 200-point complex FFT of z[k] = x[2k] +
 * i x[2k + 1] (Stockham autosort, radix 8, 5, 5) followed by the usual
 * split into the 201 bins of the real transform, all in double.  The Hann
 * window is applied while the frames are transposed into lanes.
 */
#include <string.h>

#include "mel_impl.h"

#define KL	KERN_LANES
#define FL	KERN_FLANES
#define N2	MEL_FFT_HALF

typedef double vd __attribute__((vector_size(KL * 8)));
typedef float vfl __attribute__((vector_size(KL * 4)));
typedef float vfl_u __attribute__((vector_size(KL * 4), aligned(4)));
typedef float vf __attribute__((vector_size(FL * 4)));
typedef float vf_u __attribute__((vector_size(FL * 4), aligned(4)));
typedef int32_t vi __attribute__((vector_size(FL * 4)));

#define AI	static inline __attribute__((always_inline))

/* C has no vector ?:, so select through the integer view of the lanes. */
AI vf vsel(vi mask, vf a, vf b)
{
	return (vf)(((vi)a & mask) | ((vi)b & ~mask));
}

AI vf vmax(vf a, vf b)
{
	return vsel(a > b, a, b);
}

struct cv {
	vd re, im;
};

AI struct cv cadd(struct cv a, struct cv b)
{
	return (struct cv){ a.re + b.re, a.im + b.im };
}

AI struct cv csub(struct cv a, struct cv b)
{
	return (struct cv){ a.re - b.re, a.im - b.im };
}

/* a * (c + i s), c and s scalars */
AI struct cv cmuls(struct cv a, double c, double s)
{
	return (struct cv){ a.re * c - a.im * s, a.re * s + a.im * c };
}

/* -i * a */
AI struct cv cmi(struct cv a)
{
	return (struct cv){ a.im, -a.re };
}

AI struct cv ld(const vd *re, const vd *im, size_t i)
{
	return (struct cv){ re[i], im[i] };
}

AI void st(vd *re, vd *im, size_t i, struct cv a)
{
	re[i] = a.re;
	im[i] = a.im;
}

/* Forward 4-point DFT in place. */
AI void dft4(struct cv *a0, struct cv *a1, struct cv *a2, struct cv *a3)
{
	struct cv s02 = cadd(*a0, *a2), d02 = csub(*a0, *a2);
	struct cv s13 = cadd(*a1, *a3), d13 = cmi(csub(*a1, *a3));

	*a0 = cadd(s02, s13);
	*a2 = csub(s02, s13);
	*a1 = cadd(d02, d13);
	*a3 = csub(d02, d13);
}

/* Forward 8-point DFT: a[] in natural order, y[] natural order. */
AI void dft8(struct cv a[8])
{
	const double r = 0.70710678118654752440;
	struct cv e0 = a[0], e1 = a[2], e2 = a[4], e3 = a[6];
	struct cv o0 = a[1], o1 = a[3], o2 = a[5], o3 = a[7];
	struct cv t;

	dft4(&e0, &e1, &e2, &e3);
	dft4(&o0, &o1, &o2, &o3);
	/* o_k *= exp(-2 pi i k / 8) */
	o1 = (struct cv){ (o1.re + o1.im) * r, (o1.im - o1.re) * r };
	o2 = cmi(o2);
	o3 = (struct cv){ (o3.im - o3.re) * r, -(o3.re + o3.im) * r };
	t = e0; a[0] = cadd(t, o0); a[4] = csub(t, o0);
	t = e1; a[1] = cadd(t, o1); a[5] = csub(t, o1);
	t = e2; a[2] = cadd(t, o2); a[6] = csub(t, o2);
	t = e3; a[3] = cadd(t, o3); a[7] = csub(t, o3);
}

/* Forward 5-point DFT. */
AI void dft5(struct cv a[5])
{
	const double c1 = 0.30901699437494742410;	/* cos(2 pi / 5) */
	const double c2 = -0.80901699437494742410;	/* cos(4 pi / 5) */
	const double s1 = 0.95105651629515357212;	/* sin(2 pi / 5) */
	const double s2 = 0.58778525229247312917;	/* sin(4 pi / 5) */
	struct cv t1 = cadd(a[1], a[4]), t2 = cadd(a[2], a[3]);
	struct cv t3 = csub(a[1], a[4]), t4 = csub(a[2], a[3]);
	struct cv b1, b2, d1, d2;

	b1.re = a[0].re + c1 * t1.re + c2 * t2.re;
	b1.im = a[0].im + c1 * t1.im + c2 * t2.im;
	b2.re = a[0].re + c2 * t1.re + c1 * t2.re;
	b2.im = a[0].im + c2 * t1.im + c1 * t2.im;
	d1.re = s1 * t3.re + s2 * t4.re;
	d1.im = s1 * t3.im + s2 * t4.im;
	d2.re = s2 * t3.re - s1 * t4.re;
	d2.im = s2 * t3.im - s1 * t4.im;
	a[0] = cadd(a[0], cadd(t1, t2));
	d1 = cmi(d1);
	d2 = cmi(d2);
	a[1] = cadd(b1, d1);
	a[4] = csub(b1, d1);
	a[2] = cadd(b2, d2);
	a[3] = csub(b2, d2);
}

#define SHUF __builtin_shufflevector
typedef float vfk_u __attribute__((vector_size(KL * 4), aligned(4)));

/* In-register transpose of KL x KL doubles: r[l][j] -> r[j][l]. */
AI void transpose(vd r[KL])
{
#if KL == 8
	vd a[8], b[8];

	for (int i = 0; i < 8; i += 2) {
		a[i] = SHUF(r[i], r[i + 1], 0, 8, 2, 10, 4, 12, 6, 14);
		a[i + 1] = SHUF(r[i], r[i + 1], 1, 9, 3, 11, 5, 13, 7, 15);
	}
	for (int i = 0; i < 8; i += 4) {
		b[i] = SHUF(a[i], a[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
		b[i + 2] = SHUF(a[i], a[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
		b[i + 1] = SHUF(a[i + 1], a[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
		b[i + 3] = SHUF(a[i + 1], a[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
	}
	for (int i = 0; i < 4; i++) {
		r[i] = SHUF(b[i], b[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
		r[i + 4] = SHUF(b[i], b[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
	}
#elif KL == 4
	vd a0 = SHUF(r[0], r[1], 0, 4, 2, 6), a1 = SHUF(r[0], r[1], 1, 5, 3, 7);
	vd a2 = SHUF(r[2], r[3], 0, 4, 2, 6), a3 = SHUF(r[2], r[3], 1, 5, 3, 7);

	r[0] = SHUF(a0, a2, 0, 1, 4, 5);
	r[2] = SHUF(a0, a2, 2, 3, 6, 7);
	r[1] = SHUF(a1, a3, 0, 1, 4, 5);
	r[3] = SHUF(a1, a3, 2, 3, 6, 7);
#elif KL == 2
	vd a0 = SHUF(r[0], r[1], 0, 2), a1 = SHUF(r[0], r[1], 1, 3);

	r[0] = a0;
	r[1] = a1;
#else
#error "KERN_LANES must be 2, 4 or 8"
#endif
}

/*
 * Transpose KL frames into lanes, KL samples at a time, applying the
 * window: z[k] = w[2k] x[2k] + i w[2k + 1] x[2k + 1].
 */
AI void load_frames(const struct mel_kparams *kp, const float *const *fr,
		    vd *re, vd *im)
{
	for (size_t j0 = 0; j0 < MEL_N_FFT; j0 += KL) {
		vd r[KL];

		for (unsigned int l = 0; l < KL; l++)
			r[l] = __builtin_convertvector(
				*(const vfk_u *)(fr[l] + j0), vd);
		transpose(r);
		for (unsigned int j = 0; j < KL; j += 2) {
			re[(j0 + j) / 2] = r[j] * kp->win[j0 + j];
			im[(j0 + j) / 2] = r[j + 1] * kp->win[j0 + j + 1];
		}
	}
}

/* Stage 1: radix 8, n = 200, m = 25, stride 1.  x -> y. */
AI void stage1(const struct mel_kparams *kp, const vd *xr, const vd *xi,
	       vd *yr, vd *yi)
{
	for (size_t p = 0; p < 25; p++) {
		struct cv a[8];

		for (int r = 0; r < 8; r++)
			a[r] = ld(xr, xi, p + 25 * r);
		dft8(a);
		st(yr, yi, 8 * p, a[0]);
		for (int j = 1; j < 8; j++) {
			size_t t = p * 7 + j - 1;

			st(yr, yi, 8 * p + j,
			   cmuls(a[j], kp->tw1[0][t], kp->tw1[1][t]));
		}
	}
}

/* Stage 2: radix 5, n = 25, m = 5, stride 8.  y -> x. */
AI void stage2(const struct mel_kparams *kp, const vd *xr, const vd *xi,
	       vd *yr, vd *yi)
{
	for (size_t p = 0; p < 5; p++) {
		for (size_t q = 0; q < 8; q++) {
			struct cv a[5];

			for (int r = 0; r < 5; r++)
				a[r] = ld(xr, xi, q + 8 * (p + 5 * r));
			dft5(a);
			st(yr, yi, q + 8 * (5 * p), a[0]);
			for (int j = 1; j < 5; j++) {
				size_t t = p * 4 + j - 1;

				st(yr, yi, q + 8 * (5 * p + j),
				   cmuls(a[j], kp->tw2[0][t], kp->tw2[1][t]));
			}
		}
	}
}

/* Stage 3: radix 5, n = 5, m = 1, stride 40, no twiddles.  x -> y. */
AI void stage3(const vd *xr, const vd *xi, vd *yr, vd *yi)
{
	for (size_t q = 0; q < 40; q++) {
		struct cv a[5];

		for (int r = 0; r < 5; r++)
			a[r] = ld(xr, xi, q + 40 * r);
		dft5(a);
		for (int j = 0; j < 5; j++)
			st(yr, yi, q + 40 * j, a[j]);
	}
}

/*
 * Real-FFT split: X[k] = E + W^k O with E = (Z[k] + conj Z[200-k]) / 2,
 * O = (Z[k] - conj Z[200-k]) / 2i, W = exp(-2 pi i / 400), and
 * X[200 - k] = conj(E - W^k O).  Power is computed times 4 (the filter
 * weights carry the 1/4).
 */
AI void power(const struct mel_kparams *kp, const vd *zr, const vd *zi,
	      vd *pw)
{
	vd s = zr[0] + zi[0], d = zr[0] - zi[0];

	pw[0] = 4 * s * s;
	pw[N2] = 4 * d * d;
	for (size_t k = 1; k <= N2 / 2; k++) {
		vd ar = zr[k], ai = zi[k], br = zr[N2 - k], bi = zi[N2 - k];
		vd er = ar + br, ei = ai - bi;		/* 2E */
		vd orr = ai + bi, oi = br - ar;		/* 2O */
		double c = kp->rtw[0][k], sn = kp->rtw[1][k];
		vd tr = c * orr + sn * oi, ti = c * oi - sn * orr;	/* 2 W^k O */
		vd pr = er + tr, pi = ei + ti, mr = er - tr, mi = ei - ti;

		pw[k] = pr * pr + pi * pi;
		pw[N2 - k] = mr * mr + mi * mi;
	}
}

AI void mel_apply(const struct mel_kparams *kp, const vd *pw, float *out,
		  size_t stride, size_t nl)
{
	for (unsigned int m = 0; m < kp->n_mels; m++) {
		const double *w = kp->w + kp->off[m];
		const vd *p = pw + kp->lo[m];
		vd acc = { 0 };
		vfl f;

		for (unsigned int b = 0; b < kp->cnt[m]; b++)
			acc += w[b] * p[b];
		f = __builtin_convertvector(acc, vfl);
		if (nl == KL) {
			*(vfl_u *)(out + m * stride) = f;
			continue;
		}
		for (size_t l = 0; l < nl; l++)
			out[m * stride + l] = f[l];
	}
}

/*
 * The power spectra of frames fr[i .. i + KL) (lanes past nfr repeat the
 * first frame) into pw; returns how many lanes are real frames.
 */
static inline size_t power_block(const struct mel_kparams *kp, const float *const *fr,
				 size_t nfr, size_t i, vd *scratch, vd *pw)
{
	vd *ar = scratch, *ai = ar + N2, *br = ai + N2, *bi = br + N2;
	const float *lane[KL];
	size_t nl = nfr - i < KL ? nfr - i : KL;

	for (size_t l = 0; l < KL; l++)
		lane[l] = fr[i + (l < nl ? l : 0)];
	load_frames(kp, lane, ar, ai);
	stage1(kp, ar, ai, br, bi);
	stage2(kp, br, bi, ar, ai);
	stage3(ar, ai, br, bi);
	power(kp, br, bi, pw);
	return nl;
}

static void KERN_SYM(frames)(const struct mel_kparams *kp,
			     const float *const *fr, size_t nfr, float *out,
			     size_t stride, void *scratch)
{
	vd *pw = (vd *)scratch + 4 * N2;

	for (size_t i = 0; i < nfr; i += KL) {
		size_t nl = power_block(kp, fr, nfr, i, scratch, pw);

		mel_apply(kp, pw, out + i, stride, nl);
	}
}

/* |X[k]|^2 of nfr frames into out[i * 201 + k] (for tests). */
static void KERN_SYM(power)(const struct mel_kparams *kp,
			    const float *const *fr, size_t nfr, double *out,
			    void *scratch)
{
	vd *pw = (vd *)scratch + 4 * N2;

	for (size_t i = 0; i < nfr; i += KL) {
		size_t nl = power_block(kp, fr, nfr, i, scratch, pw);

		for (size_t l = 0; l < nl; l++)
			for (size_t k = 0; k < MEL_N_BINS; k++)
				out[(i + l) * MEL_N_BINS + k] = pw[k][l] * 0.25;
	}
}

/*
 * log10 of FL floats: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * ln m = f - f^2/2 + f^3 P(f) with f = m - 1 (Cephes logf polynomial), and
 * log10 x = e log10(2) + ln(m) log10(e), log10(2) split in two so that
 * e * hi is exact.
 */
AI vf vlog10(vf x)
{
	const float lg2_hi = 0.30102539062f, lg2_lo = 4.6050389811e-6f;
	const float l10e = 0.43429448190325182765f;
	vi bits, e;
	vf m, f, z, y, ef;

	vi big;

	x = vmax(x, (vf){ 0 } + MEL_LOG_CLAMP);
	bits = (vi)x;
	e = ((bits >> 23) & 0xff) - 127;
	m = (vf)((bits & 0x007fffff) | 0x3f800000);
	/* m in [1, 2): fold to [sqrt(1/2), sqrt(2)) */
	big = m > 1.41421356f;
	m = vsel(big, m * 0.5f, m);
	e = e - big;			/* big is -1 where true */
	f = m - 1.0f;
	z = f * f;
	y = (vf){ 0 } + 7.0376836292E-2f;
	y = y * f - 1.1514610310E-1f;
	y = y * f + 1.1676998740E-1f;
	y = y * f - 1.2420140846E-1f;
	y = y * f + 1.4249322787E-1f;
	y = y * f - 1.6668057665E-1f;
	y = y * f + 2.0000714765E-1f;
	y = y * f - 2.4999993993E-1f;
	y = y * f + 3.3333331174E-1f;
	y = y * f * z - 0.5f * z;
	ef = __builtin_convertvector(e, vf);
	return ef * lg2_hi + (ef * lg2_lo + (f + y) * l10e);
}

static float KERN_SYM(log)(float *x, size_t n)
{
	vf mx = { 0 }, t;
	size_t i = 0;
	float r;

	mx += -100.0f;
	for (; i + FL <= n; i += FL) {
		t = vlog10(*(vf_u *)(x + i));
		*(vf_u *)(x + i) = t;
		mx = vmax(t, mx);
	}
	if (i < n) {
		t = (vf){ 0 } + 1.0f;
		memcpy(&t, x + i, (n - i) * sizeof(float));
		t = vlog10(t);
		memcpy(x + i, &t, (n - i) * sizeof(float));
		for (size_t l = 0; l < n - i; l++)
			mx[l] = t[l] > mx[l] ? t[l] : mx[l];
	}
	r = mx[0];
	for (size_t l = 1; l < FL; l++)
		r = mx[l] > r ? mx[l] : r;
	return r;
}

static void KERN_SYM(floor)(float *x, size_t n, float floor_log)
{
	size_t i = 0;

	for (; i + FL <= n; i += FL) {
		vf t = *(vf_u *)(x + i);

		t = vmax(t, (vf){ 0 } + floor_log);
		*(vf_u *)(x + i) = (t + 4.0f) * 0.25f;
	}
	for (; i < n; i++) {
		float t = x[i] > floor_log ? x[i] : floor_log;

		x[i] = (t + 4.0f) * 0.25f;
	}
}

const struct mel_kern KERN_NAME = {
	.name = KERN_STR,
	.isa = KERN_ISA,
	.lanes = KL,
	.scratch = (4 * N2 + MEL_N_BINS) * sizeof(vd),
	.frames = KERN_SYM(frames),
	.power = KERN_SYM(power),
	.log = KERN_SYM(log),
	.floor = KERN_SYM(floor),
};
