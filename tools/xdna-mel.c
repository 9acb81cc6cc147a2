// SPDX-License-Identifier: MIT
/*
 * xdna-mel - log-mel spectrogram of an audio file, as whisper computes it.
 *
 *   xdna-mel IN OUT.f32 [--n-mels 80|128] [--mode chunk|raw|transcribe]
 *            [--isa auto|generic|avx2|avx512] [--resample QUALITY]
 *
 * IN is anything libsndfile reads (resampled to 16 kHz, downmixed to mono),
 * or raw little-endian float32 16 kHz mono when it ends in .f32.  OUT gets
 * float32 (n_mels, n_frames) row-major; the shape is printed.
 * Exit status: 0 ok, 1 runtime error, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mel/audio.h"
#include "tool.h"
#include "tool_isa.h"
#include "mel/mel.h"

static const char *prog = "xdna-mel";
static enum mel_audio_quality quality = MEL_AUDIO_HIGH;	/* --resample */

static void usage(FILE *f)
{
	fprintf(f, "usage: %s IN OUT.f32 [--n-mels 80|128] [--mode chunk|raw|transcribe]\n"
		"       [--isa auto|generic|avx2|avx512] [--resample QUALITY]\n"
		"  IN                 audio file (WAV, FLAC, ... any rate) or raw float32 .f32\n"
		"  OUT.f32            the log-mel spectrogram, float32, n_mels rows\n"
		"  --n-mels 80|128    mel bands (default 80)\n"
		"  --mode MODE        chunk (30 s, Whisper's), raw or transcribe\n"
		"  --isa NAME         log-mel code path: auto (default), generic, avx2, avx512\n"
		"  --resample Q       libsoxr quality: quick, low, medium, high (default), very-high\n"
		"  -h, --help         this text\n"
		"  --version          print the version\n"
		"Exit status: 0 ok, 1 undecodable input or unwritable output, 2 bad usage\n"
		"(also an input it cannot open, a bad XDNAPOOL_MEL_ISA).\n",
		prog);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Raw float32 input.  0 or 1 (message printed). */
static int load_f32(const char *path, float **x, size_t *n)
{
	FILE *f = fopen(path, "rb");
	long sz;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 1;
	}
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto io;
	if (!sz || sz % sizeof(float)) {
		fprintf(stderr, "%s: %s: %ld bytes is not a whole number of float32 samples "
			"(at least one)\n", prog, path, sz);
		fclose(f);
		return 1;
	}
	*n = sz / sizeof(float);
	*x = malloc(*n ? *n * sizeof(float) : 1);
	if (!*x || fread(*x, sizeof(float), *n, f) != *n)
		goto io;
	fclose(f);
	return 0;
io:
	fprintf(stderr, "%s: %s: cannot read\n", prog, path);
	fclose(f);
	return 1;
}

static int load_audio(const char *path, float **x, size_t *n)
{
	struct mel_audio_opts ao = MEL_AUDIO_OPTS_INIT;
	struct mel_audio_info info;
	struct mel_audio *a;
	char err[512];
	size_t got = 0;
	ssize_t r;

	if (ends_with(path, ".f32"))
		return load_f32(path, x, n);
	ao.quality = quality;
	if (mel_audio_open(&a, path, &ao, &info, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	*x = malloc(info.samples * sizeof(float));
	if (!*x) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		mel_audio_close(a);
		return 1;
	}
	while ((r = mel_audio_read(a, *x + got, info.samples - got)) > 0)
		got += r;
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, mel_audio_errmsg(a));
		mel_audio_close(a);
		return 1;
	}
	mel_audio_close(a);
	*n = got;
	return 0;
}

static int parse_args(int argc, char **argv, struct mel_opts *o,
		      const char **in, const char **out)
{
	static const struct option lo[] = {
		{ "n-mels", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'o' },
		{ "isa", required_argument, NULL, 'i' },
		{ "resample", required_argument, NULL, 'q' },
		TOOL_COMMON_LONGOPTS,
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c == 'm' && !strcmp(optarg, "80")) {
			o->n_mels = 80;
		} else if (c == 'm' && !strcmp(optarg, "128")) {
			o->n_mels = 128;
		} else if (c == 'm') {
			fprintf(stderr, "%s: --n-mels '%s': must be 80 or 128\n",
				prog, optarg);
			return 2;
		} else if (c == 'o' && !strcmp(optarg, "chunk")) {
			o->mode = MEL_MODE_CHUNK;
		} else if (c == 'o' && !strcmp(optarg, "raw")) {
			o->mode = MEL_MODE_RAW;
		} else if (c == 'o' && !strcmp(optarg, "transcribe")) {
			o->mode = MEL_MODE_TRANSCRIBE;
		} else if (c == 'o') {
			fprintf(stderr, "%s: --mode '%s': must be chunk, raw or "
				"transcribe\n", prog, optarg);
			return 2;
		} else if (c == 'i') {
			o->isa = tool_parse_isa(optarg);
		} else if (c == 'q') {
			if (mel_audio_quality_parse(optarg, &quality)) {
				fprintf(stderr, "%s: --resample '%s': not quick, low, medium, high "
					"or very-high\n", prog, optarg);
				return 2;
			}
		} else {
			tool_common_option(c, argv, usage);
			return 2;
		}
	}
	if (argc - optind < 2)
		tool_usage_error("needs IN and OUT.f32 (see --help)");
	tool_no_more_args(argc, argv, optind + 2);
	*in = argv[optind];
	*out = argv[optind + 1];
	/* as xdna-run and xdna-pipeline: an input it cannot open is bad usage */
	if (access(*in, R_OK))
		tool_usage_error("input '%s': %s", *in, strerror(errno));
	tool_check_isa_env(o->isa);
	return 0;
}

static int write_out(const char *path, const float *m, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(m, sizeof(float), n, f) != n) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	if (fclose(f)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mel_opts o = MEL_OPTS_INIT;
	const char *in, *out;
	struct mel_plan *p;
	float *x = NULL, *m = NULL;
	ssize_t need, frames;
	size_t n = 0;
	int rc, err;

	tool_init(argv[0]);
	rc = parse_args(argc, argv, &o, &in, &out);
	if (rc)
		return rc;
	p = mel_plan_create(&o, &err);
	if (!p) {	/* a bad XDNAPOOL_MEL_ISA was refused in parse_args() */
		fprintf(stderr, "%s: %s\n", prog, strerror(-err));
		return 1;
	}
	rc = load_audio(in, &x, &n);
	if (rc)
		goto done;
	rc = 1;
	need = mel_out_floats(p, n);
	if (need < 0) {
		fprintf(stderr, "%s: %s: %zu samples: %s\n", prog, in, n,
			need == -ERANGE ? "too short for raw mode (needs more "
			"than 200)" : strerror(-need));
		goto done;
	}
	m = malloc(need * sizeof(float));
	if (!m) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto done;
	}
	frames = mel_compute(p, NULL, x, n, m, need);
	if (frames < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(-frames));
		goto done;
	}
	rc = write_out(out, m, need);
	if (!rc)
		printf("%s: (%u, %zd) float32\n", out, o.n_mels, frames);
done:
	free(m);
	free(x);
	mel_plan_destroy(p);
	return rc;
}
