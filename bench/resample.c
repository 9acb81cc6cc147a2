// SPDX-License-Identifier: MIT
/*
 * resamplebench: the sample-rate converters behind libmelaudio, measured.
 *
 *   resamplebench [-r ROUNDS] [FILE ...]
 *
 * Part 1, each converter (libsoxr's five recipes; libsamplerate and
 * libswresample when this build found them) on 22.05 kHz and 44.1 kHz
 * signals, block by block as libmelaudio feeds it (4096 frames, mono: the
 * downmix comes first):
 *   - time per second of audio: ROUNDS interleaved rounds (every converter
 *     once per round), median, min-max, ratio to libsoxr "high";
 *   - quality against the exact band-limited signal evaluated at 16 kHz:
 *     SNR of a 50-4000 Hz and a 4000-7000 Hz log sweep, the level of a
 *     7.6 kHz tone (pass-band edge), the level of a 9 kHz tone's alias
 *     (above the output's Nyquist: should vanish), and the largest log-mel
 *     difference (80 mels, bins below 7 kHz) of a 50-7000 Hz sweep.
 * Part 2, the front end as xdna-pipeline runs it, per FILE (default
 * build/data/speech.wav): decode + downmix + resample (libmelaudio) + log-mel
 * (libmel) into a 30 s window, per quality, interleaved rounds: ms per file
 * and times real time.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <soxr.h>
#ifdef HAVE_SAMPLERATE
#include <samplerate.h>
#endif
#ifdef HAVE_SWRESAMPLE
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#endif

#include "mel/audio.h"
#include "mel/mel.h"
#include "tool.h"

#define OUT_RATE	MEL_SAMPLE_RATE
#define BLOCK		4096		/* libmelaudio's decode block */
#define SIGNAL_S	10.0		/* seconds per test signal */
#define EDGE		2000		/* output samples left out at each end */
#define MAX_LAG		64		/* alignment search, output samples */
#define MAX_CONV	16
#define DEFAULT_ROUNDS	15
#define MAX_ROUNDS	64

/* ------------------------------------------------------------ converters */

struct conv {
	const char *name;
	void *(*create)(double in_rate, int arg);
	/* in == NULL: flush.  Returns samples written, or -1. */
	long (*process)(void *st, const float *in, size_t n, float *out, size_t cap);
	void (*destroy)(void *st);
	int arg;
};

static void *soxr_new(double in_rate, int recipe)
{
	soxr_quality_spec_t q = soxr_quality_spec((unsigned long)recipe, 0);
	soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
	soxr_runtime_spec_t rt = soxr_runtime_spec(1);
	soxr_error_t e;

	return soxr_create(in_rate, OUT_RATE, 1, &e, &io, &q, &rt);
}

static long soxr_run(void *st, const float *in, size_t n, float *out, size_t cap)
{
	size_t used = 0, made = 0, total = 0;

	do {
		if (soxr_process(st, in ? in + used : NULL, in ? n - used : 0, &used, out + total,
				 cap - total, &made))
			return -1;
		total += made;
		if (in)
			in += used, n -= used;
	} while ((in && n) || (!in && made));
	return (long)total;
}

static void soxr_del(void *st)
{
	soxr_delete(st);
}

#ifdef HAVE_SAMPLERATE
struct src_st {
	SRC_STATE *s;
	double ratio;
};

static void *src_new_(double in_rate, int type)
{
	struct src_st *s = malloc(sizeof(*s));
	int err;

	if (!s)
		return NULL;
	s->ratio = OUT_RATE / in_rate;
	s->s = src_new(type, 1, &err);
	if (!s->s) {
		free(s);
		return NULL;
	}
	return s;
}

static long src_run(void *st, const float *in, size_t n, float *out, size_t cap)
{
	struct src_st *s = st;
	long total = 0;
	static const float none;

	for (;;) {
		SRC_DATA d = { .data_in = in ? in : &none, .input_frames = in ? (long)n : 0,
			       .data_out = out + total, .output_frames = (long)cap - total,
			       .end_of_input = !in, .src_ratio = s->ratio };

		if (src_process(s->s, &d))
			return -1;
		total += d.output_frames_gen;
		if (in) {
			in += d.input_frames_used;
			n -= (size_t)d.input_frames_used;
			if (!n)
				return total;
		} else if (!d.output_frames_gen) {
			return total;
		}
	}
}

static void src_del(void *st)
{
	struct src_st *s = st;

	src_delete(s->s);
	free(s);
}
#endif

#ifdef HAVE_SWRESAMPLE
static void *swr_new(double in_rate, int unused)
{
	AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
	SwrContext *s = NULL;

	(void)unused;
	if (swr_alloc_set_opts2(&s, &mono, AV_SAMPLE_FMT_FLT, OUT_RATE, &mono, AV_SAMPLE_FMT_FLT,
				(int)in_rate, 0, NULL) < 0 || swr_init(s) < 0) {
		swr_free(&s);
		return NULL;
	}
	return s;
}

static long swr_run(void *st, const float *in, size_t n, float *out, size_t cap)
{
	uint8_t *o = (uint8_t *)out;
	const uint8_t *i = (const uint8_t *)in;
	long total = 0;
	int r;

	if (in)
		return swr_convert(st, &o, (int)cap, &i, (int)n);
	while ((r = swr_convert(st, &o, (int)cap - (int)total, NULL, 0)) > 0) {
		total += r;
		o = (uint8_t *)(out + total);
	}
	return r < 0 ? -1 : total;
}

static void swr_del(void *st)
{
	SwrContext *s = st;

	swr_free(&s);
}
#endif

static const struct conv convs[] = {
	{ "soxr high (default)", soxr_new, soxr_run, soxr_del, SOXR_HQ },
	{ "soxr very-high", soxr_new, soxr_run, soxr_del, SOXR_VHQ },
	{ "soxr medium", soxr_new, soxr_run, soxr_del, SOXR_MQ },
	{ "soxr low", soxr_new, soxr_run, soxr_del, SOXR_LQ },
	{ "soxr quick", soxr_new, soxr_run, soxr_del, SOXR_QQ },
#ifdef HAVE_SAMPLERATE
	{ "libsamplerate SINC_BEST", src_new_, src_run, src_del, SRC_SINC_BEST_QUALITY },
	{ "libsamplerate SINC_MEDIUM", src_new_, src_run, src_del, SRC_SINC_MEDIUM_QUALITY },
	{ "libsamplerate SINC_FASTEST", src_new_, src_run, src_del, SRC_SINC_FASTEST },
#endif
#ifdef HAVE_SWRESAMPLE
	{ "libswresample defaults", swr_new, swr_run, swr_del, 0 },
#endif
};
#define N_CONV (sizeof(convs) / sizeof(convs[0]))

/* --------------------------------------------------------------- signals */

/* A log sweep f0 -> f1 over d seconds, at time t (exact phase). */
static double sweep(double t, double f0, double f1, double d)
{
	double k = log(f1 / f0) / d;

	return 0.5 * sin(2 * M_PI * f0 * (exp(k * t) - 1) / k);
}

enum sig { SIG_LOW, SIG_HIGH, SIG_EDGE, SIG_ALIAS, SIG_MEL, SIG__COUNT };

static double signal_at(enum sig s, double t)
{
	switch (s) {
	case SIG_LOW:
		return sweep(t, 50, 4000, SIGNAL_S);
	case SIG_HIGH:
		return sweep(t, 4000, 7000, SIGNAL_S);
	case SIG_EDGE:
		return 0.5 * sin(2 * M_PI * 7600 * t);
	case SIG_ALIAS:
		return 0.5 * sin(2 * M_PI * 9000 * t);
	default:
		return sweep(t, 50, 7000, SIGNAL_S);
	}
}

/* The band-limited truth at 16 kHz: what an ideal converter gives. */
static double truth_at(enum sig s, double t)
{
	return s == SIG_ALIAS ? 0.0 : signal_at(s, t);
}

static float *make(enum sig s, double rate, size_t *n, bool truth)
{
	size_t i, len = (size_t)(SIGNAL_S * rate);
	float *x = malloc(len * sizeof(float));

	for (i = 0; x && i < len; i++)
		x[i] = (float)(truth ? truth_at(s, i / rate) : signal_at(s, i / rate));
	*n = len;
	return x;
}

/* Run c over in[0..n) block by block; output into out (cap), its length or -1. */
static long convert(const struct conv *c, double rate, const float *in, size_t n, float *out,
		    size_t cap)
{
	void *st = c->create(rate, c->arg);
	long total = 0, r;
	size_t off;

	if (!st)
		return -1;
	for (off = 0; off < n; off += BLOCK) {
		size_t k = n - off < BLOCK ? n - off : BLOCK;

		r = c->process(st, in + off, k, out + total, cap - (size_t)total);
		if (r < 0)
			goto fail;
		total += r;
	}
	r = c->process(st, NULL, 0, out + total, cap - (size_t)total);
	if (r < 0)
		goto fail;
	c->destroy(st);
	return total + r;
fail:
	c->destroy(st);
	return -1;
}

/* SNR (dB) of y against ref over the middle, at the best integer lag. */
static double snr_db(const float *y, long ny, const float *ref, size_t nr, double *level_db)
{
	double best = -1e30, sig = 0, err, lvl = 0;
	long lag, i, n = (long)nr < ny ? (long)nr : ny;

	for (i = EDGE; i < n - EDGE; i++)
		sig += (double)ref[i] * ref[i];
	for (lag = -MAX_LAG; lag <= MAX_LAG; lag++) {
		double e = 0, p = 0;

		for (i = EDGE; i < n - EDGE; i++) {
			double d = (double)y[i + lag] - ref[i];

			e += d * d;
			p += (double)y[i + lag] * y[i + lag];
		}
		err = 10 * log10(sig / (e + 1e-300));
		if (err > best) {
			best = err;
			lvl = 10 * log10(p / (sig + 1e-300));
		}
	}
	if (level_db)
		*level_db = lvl;
	return best;
}

/* RMS level of y over the middle, dB relative to amplitude 0.5. */
static double level_db(const float *y, long ny)
{
	double p = 0;
	long i;

	for (i = EDGE; i < ny - EDGE; i++)
		p += (double)y[i] * y[i];
	p /= (double)(ny - 2 * EDGE);
	return 10 * log10(p / 0.125 + 1e-300);
}

/* Slaney's mel scale (whisper's filterbank: librosa htk=False). */
static double hz_of_mel(double m)
{
	const double f_sp = 200.0 / 3, min_log_mel = 1000.0 / f_sp, logstep = log(6.4) / 27;

	return m < min_log_mel ? f_sp * m : 1000.0 * exp(logstep * (m - min_log_mel));
}

static double mel_of_hz(double f)
{
	const double f_sp = 200.0 / 3, min_log_mel = 1000.0 / f_sp, logstep = log(6.4) / 27;

	return f < 1000 ? f / f_sp : min_log_mel + log(f / 1000.0) / logstep;
}

/*
 * The largest log-mel difference over the bins that end below
 * MEL_ERR_MAX_HZ and the frames away from the signal's ends (where the
 * converters' start-up and the truth differ by construction).
 */
#define MEL_ERR_MAX_HZ	7000.0
#define MEL_ERR_EDGE	20		/* frames */

static double mel_error(struct mel_plan *plan, const float *y, long ny, const float *ref,
			size_t nr)
{
	unsigned int nm = mel_plan_n_mels(plan), b;
	size_t cap = (size_t)nm * MEL_CHUNK_FRAMES, t, frames;
	float *a = malloc(cap * sizeof(float)), *r = malloc(cap * sizeof(float));
	size_t n = (size_t)ny < nr ? (size_t)ny : nr;
	double worst = 0, top = mel_of_hz(OUT_RATE / 2.0);

	frames = n / 160;
	if (!a || !r || mel_compute(plan, NULL, y, n, a, cap) < 0 ||
	    mel_compute(plan, NULL, ref, n, r, cap) < 0) {
		worst = NAN;
		goto out;
	}
	for (b = 0; b < nm; b++) {
		if (hz_of_mel(top * (b + 2) / (nm + 1)) >= MEL_ERR_MAX_HZ)
			break;
		for (t = MEL_ERR_EDGE; t + MEL_ERR_EDGE < frames; t++)
			worst = fmax(worst, fabs((double)a[b * MEL_CHUNK_FRAMES + t] -
						 r[b * MEL_CHUNK_FRAMES + t]));
	}
out:
	free(a);
	free(r);
	return worst;
}

/* ---------------------------------------------------------------- part 1 */

static void quality(double rate, struct mel_plan *plan)
{
	float *in[SIG__COUNT], *ref[SIG__COUNT], *out;
	size_t n_in, n_ref, cap = (size_t)(SIGNAL_S * OUT_RATE) + 65536;
	unsigned int k, s;

	out = malloc(cap * sizeof(float));
	for (s = 0; s < SIG__COUNT; s++) {
		in[s] = make(s, rate, &n_in, false);
		ref[s] = make(s, OUT_RATE, &n_ref, true);
	}
	printf("\nquality, %.0f Hz -> 16 kHz (vs the exact band-limited signal):\n", rate);
	printf("%-28s %12s %13s %11s %12s %10s\n", "converter", "SNR 50-4k dB",
	       "SNR 4k-7k dB", "7.6 kHz dB", "9k alias dB", "mel err <7k");
	for (k = 0; k < N_CONV; k++) {
		double q[4] = { 0 }, mel = NAN;
		long ny;

		for (s = 0; s < SIG__COUNT; s++) {
			ny = convert(&convs[k], rate, in[s], n_in, out, cap);
			if (ny < 0) {
				printf("%-28s failed\n", convs[k].name);
				break;
			}
			if (s == SIG_LOW || s == SIG_HIGH)
				q[s] = snr_db(out, ny, ref[s], n_ref, NULL);
			else if (s == SIG_EDGE || s == SIG_ALIAS)
				q[s] = level_db(out, ny);
			else
				mel = mel_error(plan, out, ny, ref[s], n_ref);
		}
		if (s == SIG__COUNT)
			printf("%-28s %12.1f %13.1f %11.2f %12.1f %10.2e\n", convs[k].name,
			       q[SIG_LOW], q[SIG_HIGH], q[SIG_EDGE], q[SIG_ALIAS], mel);
	}
	for (s = 0; s < SIG__COUNT; s++) {
		free(in[s]);
		free(ref[s]);
	}
	free(out);
}

/* Timings of every converter; a converter that fails is a "failed" row and 1. */
static int speed(double rate, int rounds)
{
	size_t n, cap;
	float *in = make(SIG_MEL, rate, &n, false), *out;
	double t[MAX_CONV][64], hq = 0;
	bool failed[MAX_CONV] = { false };
	unsigned int k;
	int r, rc = 0;

	cap = (size_t)(SIGNAL_S * OUT_RATE) + 65536;
	out = malloc(cap * sizeof(float));
	/* interleaved: every converter once per round, so drift hits all alike */
	for (r = 0; r < rounds; r++)
		for (k = 0; k < N_CONV; k++) {
			uint64_t t0 = tool_now_ns();

			if (convert(&convs[k], rate, in, n, out, cap) < 0)
				failed[k] = true;
			t[k][r] = (double)(tool_now_ns() - t0) / 1e6 / SIGNAL_S;
		}
	printf("\nspeed, %.0f Hz -> 16 kHz, ms per second of audio (%d interleaved rounds):\n",
	       rate, rounds);
	printf("%-28s %9s %19s %14s\n", "converter", "median", "min-max", "vs soxr high");
	for (k = 0; k < N_CONV; k++) {
		double v[64], med, lo, hi;

		if (failed[k]) {
			printf("%-28s %9s\n", convs[k].name, "failed");
			fprintf(stderr, "resamplebench: %s failed at %.0f Hz\n", convs[k].name, rate);
			rc = 1;
			continue;
		}
		memcpy(v, t[k], sizeof(double) * (size_t)rounds);
		med = tool_median(v, (size_t)rounds);
		lo = v[0];
		hi = v[rounds - 1];
		if (!k)
			hq = med;
		if (hq > 0)
			printf("%-28s %9.4f %9.4f-%-9.4f %13.2fx\n", convs[k].name, med, lo, hi,
			       med / hq);
		else	/* the reference failed: no ratio */
			printf("%-28s %9.4f %9.4f-%-9.4f %14s\n", convs[k].name, med, lo, hi, "-");
	}
	free(in);
	free(out);
	return rc;
}

/* ---------------------------------------------------------------- part 2 */

static const enum mel_audio_quality fe_q[] = { MEL_AUDIO_HIGH, MEL_AUDIO_VERY_HIGH,
					       MEL_AUDIO_MEDIUM, MEL_AUDIO_LOW, MEL_AUDIO_QUICK };
#define N_FEQ (sizeof(fe_q) / sizeof(fe_q[0]))

/* Decode + resample + mel of path into a 30 s window; seconds of audio, or -1. */
static double front_end(const char *path, enum mel_audio_quality q, struct mel_plan *plan,
			struct mel_ws *ws, float *audio, float *mel)
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a;
	char err[256];
	size_t got = 0;
	ssize_t r = 0;

	o.quality = q;
	if (mel_audio_open(&a, path, &o, NULL, err, sizeof(err))) {
		fprintf(stderr, "resamplebench: %s\n", err);
		return -1;
	}
	while (got < MEL_CHUNK_SAMPLES &&
	       (r = mel_audio_read(a, audio + got, MEL_CHUNK_SAMPLES - got)) > 0)
		got += (size_t)r;
	mel_audio_close(a);
	if (r < 0 || mel_compute(plan, ws, audio, got, mel,
				 (size_t)mel_plan_n_mels(plan) * MEL_CHUNK_FRAMES) < 0)
		return -1;
	return (double)got / MEL_SAMPLE_RATE;
}

static int front_ends(char **files, int n, int rounds, struct mel_plan *plan)
{
	float *audio = malloc(MEL_CHUNK_SAMPLES * sizeof(float));
	float *mel = malloc((size_t)mel_plan_n_mels(plan) * MEL_CHUNK_FRAMES * sizeof(float));
	struct mel_ws *ws = mel_ws_create(plan);
	static double t[N_FEQ][64];
	int f, r, rc = 0;
	unsigned int k;

	printf("\nfront end (decode + downmix + resample + log-mel, one thread), "
	       "%d interleaved rounds:\n", rounds);
	printf("%-34s %-10s %10s %21s %12s\n", "file", "quality", "median ms", "min-max ms",
	       "x real time");
	for (f = 0; f < n; f++) {
		bool failed[N_FEQ] = { false };
		struct mel_audio_info info;
		struct mel_audio *a;
		double secs = 0;

		if (mel_audio_open(&a, files[f], NULL, &info, NULL, 0)) {
			fprintf(stderr, "resamplebench: cannot open %s\n", files[f]);
			rc = 1;
			continue;
		}
		mel_audio_close(a);
		for (r = 0; r < rounds; r++)
			for (k = 0; k < N_FEQ; k++) {
				uint64_t t0 = tool_now_ns();

				secs = front_end(files[f], fe_q[k], plan, ws, audio, mel);
				t[k][r] = (double)(tool_now_ns() - t0) / 1e6;
				failed[k] |= secs < 0;
			}
		for (k = 0; k < N_FEQ; k++) {
			double med = tool_median(t[k], (size_t)rounds);

			if (failed[k]) {	/* no negative "x real time" */
				printf("%-34s %-10s %10s\n", files[f],
				       mel_audio_quality_name(fe_q[k]), "failed");
				fprintf(stderr, "resamplebench: %s: the front end failed (%s)\n",
					files[f], mel_audio_quality_name(fe_q[k]));
				rc = 1;
				continue;
			}
			printf("%-34s %-10s %10.3f %10.3f-%-10.3f %11.0fx   (%u Hz, %u ch, %.1f s)\n",
			       files[f], mel_audio_quality_name(fe_q[k]), med, t[k][0],
			       t[k][rounds - 1], secs / (med / 1e3), info.src_rate,
			       info.src_channels, secs);
		}
	}
	mel_ws_destroy(ws);
	free(audio);
	free(mel);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: resamplebench [-r ROUNDS] [FILE ...]\n"
		   "  -r, --rounds ROUNDS  interleaved rounds, 1..%d (default %d)\n"
		   "  FILE                 speech for the front-end rows (default build/data/speech.wav)\n"
		   "  -h, --help           this text\n"
		   "  --version            print the version\n"
		   "Exit status: 0 ok, 1 a file or a converter failed, 2 bad usage.\n",
		MAX_ROUNDS, DEFAULT_ROUNDS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static char *default_files[] = { "build/data/speech.wav" };
	int rounds = DEFAULT_ROUNDS, c, rc;
	struct mel_plan *plan;
	int err;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":r:h", longopts, NULL)) != -1) {
		if (c == 'r')
			rounds = (int)tool_parse_ull("--rounds", optarg, 1, MAX_ROUNDS);
		else
			tool_common_option(c, argv, usage);
	}
	plan = mel_plan_create(NULL, &err);
	if (!plan) {
		fprintf(stderr, "resamplebench: mel plan: %s\n", strerror(-err));
		return 1;
	}
	printf("resamplebench: %zu converters, blocks of %d frames, %.0f s signals%s%s\n", N_CONV,
	       BLOCK, SIGNAL_S,
#ifdef HAVE_SAMPLERATE
	       "",
#else
	       "; libsamplerate not built in",
#endif
#ifdef HAVE_SWRESAMPLE
	       ""
#else
	       "; libswresample not built in"
#endif
	);
	quality(22050, plan);
	quality(44100, plan);
	rc = speed(22050, rounds);
	rc |= speed(44100, rounds);
	rc |= optind < argc ? front_ends(argv + optind, argc - optind, rounds, plan)
			    : front_ends(default_files, 1, rounds, plan);
	mel_plan_destroy(plan);
	return rc;
}
