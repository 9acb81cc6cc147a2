// SPDX-License-Identifier: MIT
/*
 * check_audio - mel_audio_*: decoding, resampling, downmixing, and one
 * distinct error per kind of bad file (made here, in a temporary directory).
 * Run from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mel/audio.h"
#include "mel/mel.h"
#include "runner.h"

#include <valgrind/valgrind.h>

#define DATA_DIR "tests/data/mel"

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/check_audio.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp_path(const char *name)
{
	static char path[2][256];
	static int which;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", tmpdir, name);
	return path[which];
}

static void write_bytes(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static void *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long sz;

	ck_assert_msg(f, "cannot open %s (run from the repo root)", path);
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	buf = malloc(sz + 1);
	ck_assert_uint_eq(fread(buf, 1, sz, f), (size_t)sz);
	fclose(f);
	*n = sz;
	return buf;
}

/* Writes frames x channels float samples with libsndfile. */
static void write_sf(const char *path, int format, int rate, int ch,
		     const float *x, sf_count_t frames)
{
	SF_INFO si = { .samplerate = rate, .channels = ch, .format = format };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &si);

	ck_assert_msg(sf, "sf_open %s: %s", path, sf_strerror(NULL));
	ck_assert_int_eq(sf_writef_float(sf, x, frames), frames);
	ck_assert_int_eq(sf_close(sf), 0);
}

/* Decodes all of path; returns samples (caller frees), or NULL + *err. */
static float *decode_all(const char *path, const struct mel_audio_opts *o,
			 struct mel_audio_info *info, size_t piece, size_t *n,
			 int *err, char *msg, size_t msglen)
{
	struct mel_audio *a;
	float *x;
	size_t got = 0;
	ssize_t r;

	*err = mel_audio_open(&a, path, o, info, msg, msglen);
	if (*err)
		return NULL;
	x = malloc(info->samples * sizeof(float) + 4);
	ck_assert_ptr_nonnull(x);
	x[info->samples] = 12345.0f;	/* guard */
	for (;;) {
		size_t left = info->samples - got;

		r = mel_audio_read(a, x + got, left < piece ? left : piece);
		if (r <= 0)
			break;
		got += r;
	}
	ck_assert_msg(r == 0, "read: %zd %s", r, mel_audio_errmsg(a));
	ck_assert_int_eq(mel_audio_read(a, x, 16), 0);
	ck_assert_uint_eq(got, info->samples);
	ck_assert(x[info->samples] == 12345.0f);
	mel_audio_close(a);
	*n = got;
	return x;
}

/* Equal values (decoders may give -0.0 for 0). */
static void same_samples(const float *x, const float *ref, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i] != ref[i])	/* not ck_assert: it costs a write(2) */
			ck_abort_msg("sample %zu: %g vs %g", i, x[i], ref[i]);
}

/* Expects open to fail with err; the message is one line naming path. */
static void expect_open_error(const char *path, const struct mel_audio_opts *o,
			      int err, const char *words)
{
	struct mel_audio *a = (struct mel_audio *)1;
	char msg[512];
	int rc = mel_audio_open(&a, path, o, NULL, msg, sizeof(msg));

	ck_assert_msg(rc == err, "%s: got %d (%s), want %d", path, rc, msg, err);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(msg, path) == msg, "message '%s'", msg);
	ck_assert_msg(strstr(msg, words), "message '%s' lacks '%s'", msg, words);
	ck_assert_ptr_null(strchr(msg, '\n'));
}

START_TEST(test_wav_matches_f32)
{
	struct mel_audio_info info;
	size_t n, nref;
	float *ref = read_bytes(DATA_DIR "/sine1k_2s.f32", &nref);
	float *x;
	char msg[256];
	int err;

	/* odd piece sizes exercise partial reads */
	x = decode_all(DATA_DIR "/sine1k_2s.wav", NULL, &info, 999, &n, &err,
		       msg, sizeof(msg));
	ck_assert_msg(x, "%s", msg);
	ck_assert_uint_eq(n, nref / sizeof(float));
	ck_assert_uint_eq(info.samples, 32000);
	ck_assert_uint_eq(info.src_rate, 16000);
	ck_assert_uint_eq(info.src_channels, 1);
	ck_assert_uint_eq(info.src_frames, 32000);
	ck_assert_ptr_nonnull(strstr(info.format, "WAV"));
	same_samples(x, ref, n);
	free(x);
	free(ref);
}
END_TEST

START_TEST(test_flac_roundtrip)
{
	size_t nref, n;
	float *ref = read_bytes(DATA_DIR "/sine1k_2s.f32", &nref);
	const char *path = tmp_path("sine.flac");
	struct mel_audio_info info;
	char msg[256];
	float *x;
	int err;

	nref /= sizeof(float);
	write_sf(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1, ref, nref);
	x = decode_all(path, NULL, &info, 4096, &n, &err, msg, sizeof(msg));
	ck_assert_msg(x, "%s", msg);
	ck_assert_uint_eq(n, nref);
	same_samples(x, ref, n);	/* lossless */
	free(x);
	free(ref);
}
END_TEST

/* 44.1 kHz stereo: resampled to 16 kHz and averaged to mono. */
START_TEST(test_resample_downmix)
{
	const int rate = 44100, frames = 3 * rate;
	float *st = malloc(2 * frames * sizeof(float));
	const char *path = tmp_path("stereo44k.wav");
	struct mel_audio_info info;
	double maxerr = 0.0;
	char msg[256];
	size_t n;
	float *x;
	int err;

	for (int i = 0; i < frames; i++) {
		double t = (double)i / rate;

		st[2 * i] = 0.5 * sin(2 * M_PI * 1000 * t);
		st[2 * i + 1] = 0.3 * sin(2 * M_PI * 2500 * t);
	}
	write_sf(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 2, st, frames);
	x = decode_all(path, NULL, &info, 5000, &n, &err, msg, sizeof(msg));
	ck_assert_msg(x, "%s", msg);
	ck_assert_uint_eq(info.src_rate, rate);
	ck_assert_uint_eq(info.src_channels, 2);
	ck_assert_uint_eq(n, 48000);
	/* away from the ends, the converter is transparent */
	for (size_t i = 1000; i < n - 1000; i++) {
		double t = (double)i / 16000;
		double want = 0.25 * sin(2 * M_PI * 1000 * t) +
			      0.15 * sin(2 * M_PI * 2500 * t);

		maxerr = fmax(maxerr, fabs(x[i] - want));
	}
	ck_assert_msg(maxerr < 1e-3, "resampled signal off by %g", maxerr);
	free(x);
	free(st);
}
END_TEST

START_TEST(test_empty_file)
{
	const char *path = tmp_path("empty.wav");

	write_bytes(path, "", 0);
	expect_open_error(path, NULL, -MEL_AUDIO_EEMPTY, "empty");
}
END_TEST

START_TEST(test_garbage)
{
	const char *path = tmp_path("garbage.wav");
	unsigned char junk[4096];
	uint32_t s = 1;

	for (size_t i = 0; i < sizeof(junk); i++) {
		s = s * 1103515245u + 12345u;
		junk[i] = s >> 24;
	}
	write_bytes(path, junk, sizeof(junk));
	expect_open_error(path, NULL, -MEL_AUDIO_ECORRUPT, "not a readable");
}
END_TEST

START_TEST(test_truncated_header)
{
	size_t n;
	unsigned char *wav = read_bytes(DATA_DIR "/sine1k_2s.wav", &n);
	const char *path = tmp_path("trunc_hdr.wav");

	write_bytes(path, wav, 30);	/* cut inside the fmt chunk */
	expect_open_error(path, NULL, -MEL_AUDIO_ETRUNC, "truncated");
	free(wav);
}
END_TEST

START_TEST(test_truncated_data)
{
	size_t n;
	unsigned char *wav = read_bytes(DATA_DIR "/sine1k_2s.wav", &n);
	const char *path = tmp_path("trunc_data.wav");

	write_bytes(path, wav, 1000);	/* header says 64000 data bytes */
	expect_open_error(path, NULL, -MEL_AUDIO_ETRUNC, "truncated");
	free(wav);
}
END_TEST

START_TEST(test_zero_frames)
{
	const char *path = tmp_path("zero.wav");
	float none = 0.0f;

	write_sf(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, &none, 0);
	expect_open_error(path, NULL, -MEL_AUDIO_ESHORT, "too few");
}
END_TEST

START_TEST(test_too_short_for_min)
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;

	o.min_samples = 32001;
	expect_open_error(DATA_DIR "/sine1k_2s.wav", &o, -MEL_AUDIO_ESHORT,
			  "32000 frames");
}
END_TEST

START_TEST(test_unsupported_encoding)
{
	/* a RIFF/WAVE with format tag 0x1234, which nothing decodes */
	static const unsigned char hdr[44] = {
		'R', 'I', 'F', 'F', 36 + 8, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 0x34, 0x12, 1, 0,
		0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0,
		'd', 'a', 't', 'a', 8, 0, 0, 0,
	};
	unsigned char file[52] = { 0 };
	const char *path = tmp_path("tag1234.wav");

	memcpy(file, hdr, sizeof(hdr));
	write_bytes(path, file, sizeof(file));
	expect_open_error(path, NULL, -MEL_AUDIO_EFORMAT, "0x1234");
}
END_TEST

/* A PCM WAV (a tag libsndfile decodes) with no data chunk: not "unsupported format". */
START_TEST(test_pcm_wav_without_data)
{
	static const unsigned char hdr[36] = {
		'R', 'I', 'F', 'F', 28, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 0x01, 0x00, 1, 0,
		0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0,
	};
	const char *path = tmp_path("pcm_nodata.wav");
	struct mel_audio *a;
	char msg[512];

	write_bytes(path, hdr, sizeof(hdr));
	ck_assert_int_ne(mel_audio_open(&a, path, NULL, NULL, msg, sizeof(msg)),
			 -MEL_AUDIO_EFORMAT);
	ck_assert_msg(!strstr(msg, "unsupported") && !strstr(msg, "0x0001"), "%s", msg);
	expect_open_error(path, NULL, -MEL_AUDIO_ECORRUPT, "no data chunk");
}
END_TEST

START_TEST(test_too_long)
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
	struct mel_audio_info info;
	struct mel_audio *a;

	o.max_seconds = 1.5;
	expect_open_error(DATA_DIR "/sine1k_2s.wav", &o, -MEL_AUDIO_ELONG,
			  "longer than");
	o.max_seconds = 2.0;
	ck_assert_int_eq(mel_audio_open(&a, DATA_DIR "/sine1k_2s.wav", &o,
					&info, NULL, 0), 0);
	mel_audio_close(a);
}
END_TEST

START_TEST(test_missing_and_dir)
{
	expect_open_error(tmp_path("nope.wav"), NULL, -ENOENT, "No such");
	expect_open_error(tmpdir, NULL, -EISDIR, "directory");
}
END_TEST

START_TEST(test_bad_args)
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a;

	ck_assert_int_eq(mel_audio_open(NULL, "x", NULL, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(mel_audio_open(&a, NULL, NULL, NULL, NULL, 0), -EINVAL);
	o.max_seconds = -1;
	ck_assert_int_eq(mel_audio_open(&a, DATA_DIR "/sine1k_2s.wav", &o,
					NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(mel_audio_read(NULL, NULL, 0), -EINVAL);
	mel_audio_close(NULL);
}
END_TEST

START_TEST(test_strerror_distinct)
{
	static const int codes[] = {
		MEL_AUDIO_EEMPTY, MEL_AUDIO_ESHORT, MEL_AUDIO_ETRUNC,
		MEL_AUDIO_ECORRUPT, MEL_AUDIO_EFORMAT, MEL_AUDIO_ELONG,
	};
	const size_t nc = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < nc; i++) {
		ck_assert_str_eq(mel_audio_strerror(codes[i]),
				 mel_audio_strerror(-codes[i]));
		for (size_t j = 0; j < i; j++) {
			ck_assert_int_ne(codes[i], codes[j]);
			ck_assert_str_ne(mel_audio_strerror(codes[i]),
					 mel_audio_strerror(codes[j]));
		}
	}
}
END_TEST

/* Decoded straight into a buffer, the mel equals the f32 input's. */
START_TEST(test_decode_then_mel)
{
	struct mel_plan *p = mel_plan_create(NULL, NULL);
	struct mel_audio_info info;
	size_t n, nref, cap = 80 * MEL_CHUNK_FRAMES;
	float *ref = read_bytes(DATA_DIR "/sine1k_2s.f32", &nref);
	float *a = malloc(cap * sizeof(float)), *b = malloc(cap * sizeof(float));
	char msg[256];
	float *x;
	int err;

	x = decode_all(DATA_DIR "/sine1k_2s.wav", NULL, &info, 1 << 20, &n,
		       &err, msg, sizeof(msg));
	ck_assert_msg(x, "%s", msg);
	ck_assert_int_eq(mel_compute(p, NULL, x, n, a, cap), MEL_CHUNK_FRAMES);
	ck_assert_int_eq(mel_compute(p, NULL, ref, nref / 4, b, cap),
			 MEL_CHUNK_FRAMES);
	ck_assert(!memcmp(a, b, cap * sizeof(float)));
	mel_plan_destroy(p);
	free(a);
	free(b);
	free(x);
	free(ref);
}
END_TEST

/* A 16-bit PCM RIFF/WAVE header: fmt at 12, then @after (n bytes). */
static size_t wav_header(unsigned char *w, uint32_t rate, uint16_t ch)
{
	static const unsigned char fmt[] = { 'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E',
					     'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0 };
	uint32_t bps = rate * 2u * ch;

	memcpy(w, fmt, sizeof(fmt));
	w[22] = (unsigned char)ch;
	w[23] = (unsigned char)(ch >> 8);
	for (int i = 0; i < 4; i++) {
		w[24 + i] = (unsigned char)(rate >> (8 * i));
		w[28 + i] = (unsigned char)(bps >> (8 * i));
	}
	w[32] = (unsigned char)(2 * ch);
	w[33] = 0;
	w[34] = 16;
	w[35] = 0;
	return 36;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * Regression (#15): a 72-byte WAV whose LIST chunk declares more bytes
 * than the file has made libsndfile 1.2.0's sf_open() spin for ever.  The
 * chunks are now checked against the file size before libsndfile sees it.
 */
START_TEST(test_list_chunk_overruns_file)
{
	const char *path = tmp_path("list.wav");
	unsigned char w[72] = { 0 };
	size_t n = wav_header(w, 16000, 1);

	memcpy(w + n, "LIST", 4);
	put32(w + n + 4, 60);		/* 36 + 8 + 60 > 72 */
	memcpy(w + n + 8, "INFOISFT", 8);
	put32(w + n + 16, 40);
	put32(w + 4, sizeof(w) - 8);
	write_bytes(path, w, sizeof(w));
	expect_open_error(path, NULL, -MEL_AUDIO_ETRUNC,
			  "'LIST' chunk at offset 36 declares 60 bytes, 28 left");
	put32(w + n + 4, 0xfffffff0u);
	write_bytes(path, w, sizeof(w));
	expect_open_error(path, NULL, -MEL_AUDIO_ETRUNC, "'LIST' chunk at offset 36");
}
END_TEST

/* A FIFO blocked in open(); now refused unless allow_pipe. */
START_TEST(test_fifo_refused)
{
	const char *path = tmp_path("fifo.wav");

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	expect_open_error(path, NULL, -EINVAL, "not a regular file (a FIFO)");
	expect_open_error("/dev/null", NULL, -EINVAL, "a character device");
}
END_TEST

static const char *fifo_writer_src;
static const char *fifo_writer_dst;

static void *fifo_writer(void *arg)
{
	size_t n;
	unsigned char *wav = read_bytes(fifo_writer_src, &n);
	FILE *f = fopen(fifo_writer_dst, "wb");

	(void)arg;
	if (f) {
		fwrite(wav, 1, n, f);
		fclose(f);
	}
	free(wav);
	return NULL;
}

/* ... and read when asked for. */
START_TEST(test_fifo_allowed)
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
	struct mel_audio_info info;
	const char *path = tmp_path("fifo2.wav");
	char msg[256];
	size_t n;
	float *x;
	pthread_t t;
	int err;

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	fifo_writer_src = DATA_DIR "/sine1k_2s.wav";
	fifo_writer_dst = path;
	ck_assert_int_eq(pthread_create(&t, NULL, fifo_writer, NULL), 0);
	o.allow_pipe = 1;
	x = decode_all(path, &o, &info, 4096, &n, &err, msg, sizeof(msg));
	ck_assert_msg(x, "%s", msg);
	ck_assert_uint_eq(n, 32000);
	free(x);
	pthread_join(t, NULL);
}
END_TEST

/*
 * A fmt chunk declaring 738,000,000 Hz opened "successfully" with 0
 * samples; rates and channel counts outside what the decoder supports are
 * refused at open, naming the value.
 */
START_TEST(test_absurd_rate_and_channels)
{
	static const struct {
		uint32_t rate;
		uint16_t ch;
		const char *words;
	} c[] = {
		{ 738000000, 1, "sample rate 738000000 Hz (supported: 1000..768000 Hz)" },
		{ 999, 1, "sample rate 999 Hz" },
		{ 800000, 1, "sample rate 800000 Hz" },
		{ 16000, 100, "100 channels (supported: 1..64)" },
	};

	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *path = tmp_path("rate.wav");
		unsigned char w[44 + 400] = { 0 };
		size_t n = wav_header(w, c[i].rate, c[i].ch);

		memcpy(w + n, "data", 4);
		put32(w + n + 4, 400);
		put32(w + 4, sizeof(w) - 8);
		write_bytes(path, w, sizeof(w));
		expect_open_error(path, NULL, -MEL_AUDIO_EFORMAT, c[i].words);
	}
}
END_TEST

/* A read error names the file. */
START_TEST(test_read_error_names_file)
{
	size_t n;
	unsigned char *wav = read_bytes(DATA_DIR "/sine1k_2s.wav", &n);
	const char *path = tmp_path("cut.wav");
	struct mel_audio *a;
	float x[40000];
	ssize_t r, got = 0;

	write_bytes(path, wav, n);
	ck_assert_int_eq(mel_audio_open(&a, path, NULL, NULL, NULL, 0), 0);
	ck_assert_int_eq(truncate(path, 4000), 0);	/* cut under the reader */
	while ((r = mel_audio_read(a, x + got, 40000 - got)) > 0)
		got += r;
	ck_assert_int_lt(r, 0);
	ck_assert_msg(strstr(mel_audio_errmsg(a), path) == mel_audio_errmsg(a), "'%s'",
		      mel_audio_errmsg(a));
	mel_audio_close(a);
	free(wav);
}
END_TEST

/* ------------------------------------------------- libsoxr, rates, channels */

/* Max |x - want| over the middle of x (the converter's ends excluded). */
static double sine_error(const float *x, size_t n, double amp, double hz)
{
	double maxerr = 0.0;

	for (size_t i = 800; i + 800 < n; i++)
		maxerr = fmax(maxerr, fabs(x[i] - amp * sin(2 * M_PI * hz * i / 16000.0)));
	return maxerr;
}

/*
 * Every quality name maps to its recipe and round-trips; each converts a
 * 22.05 kHz tone within its own bound (quick is cubic interpolation).
 */
START_TEST(test_each_quality)
{
	static const struct {
		const char *name;
		double tol;
	} q[MEL_AUDIO_QUALITY_COUNT] = {
		[MEL_AUDIO_HIGH] = { "high", 1e-3 },
		[MEL_AUDIO_VERY_HIGH] = { "very-high", 1e-3 },
		[MEL_AUDIO_MEDIUM] = { "medium", 2e-3 },
		[MEL_AUDIO_LOW] = { "low", 5e-3 },
		[MEL_AUDIO_QUICK] = { "quick", 5e-2 },
	};
	const int rate = 22050, frames = 2 * rate;
	const char *path = tmp_path("q22k.wav");
	float *src = malloc(frames * sizeof(float));
	enum mel_audio_quality got;

	for (int i = 0; i < frames; i++)
		src[i] = 0.5f * (float)sin(2 * M_PI * 1000.0 * i / rate);
	write_sf(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 1, src, frames);
	for (unsigned int k = 0; k < MEL_AUDIO_QUALITY_COUNT; k++) {
		struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
		struct mel_audio_info info;
		char msg[256];
		double e;
		size_t n;
		float *x;
		int err;

		ck_assert_str_eq(mel_audio_quality_name(k), q[k].name);
		ck_assert_int_eq(mel_audio_quality_parse(q[k].name, &got), 0);
		ck_assert_int_eq(got, k);
		o.quality = k;
		x = decode_all(path, &o, &info, 3001, &n, &err, msg, sizeof(msg));
		ck_assert_msg(x, "%s: %s", q[k].name, msg);
		ck_assert_uint_eq(n, 32000);
		e = sine_error(x, n, 0.5, 1000.0);
		ck_assert_msg(e < q[k].tol, "%s: off by %g (bound %g)", q[k].name, e, q[k].tol);
		free(x);
	}
	ck_assert_int_eq(mel_audio_quality_parse("best", &got), -EINVAL);
	ck_assert_int_eq(mel_audio_quality_parse(NULL, &got), -EINVAL);
	ck_assert_ptr_null(mel_audio_quality_name(MEL_AUDIO_QUALITY_COUNT));
	{
		struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;

		o.quality = MEL_AUDIO_QUALITY_COUNT;
		expect_open_error(path, &o, -EINVAL, "bad options");
	}
	free(src);
}
END_TEST

/*
 * 8 kHz to 192 kHz, 1 to 8 channels: the same tone on every channel comes
 * out as that tone at 16 kHz, round(frames * 16000 / rate) samples.
 */
START_TEST(test_rates_and_channels)
{
	static const int rates[] = { 8000, 11025, 16000, 22050, 24000, 32000, 44100,
				     48000, 88200, 96000, 176400, 192000 };

	/* under valgrind (50x slower) every third rate, 1, 4 and 8 channels */
	size_t step = RUNNING_ON_VALGRIND ? 3 : 1;

	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r += step) {
		int rate = rates[r], frames = rate / 2;

		for (int ch = 1; ch <= 8; ch += RUNNING_ON_VALGRIND ? 3 + (ch == 4) : 1) {
			float *src = malloc((size_t)frames * ch * sizeof(float));
			const char *path = tmp_path("rc.wav");
			struct mel_audio_info info;
			char msg[256];
			size_t n, want = ((size_t)frames * 16000 + rate / 2) / rate;
			double e;
			float *x;
			int err;

			for (int i = 0; i < frames; i++)
				for (int c = 0; c < ch; c++)
					src[i * ch + c] = 0.4f * (float)sin(2 * M_PI * 440.0 * i / rate);
			write_sf(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, ch, src, frames);
			x = decode_all(path, NULL, &info, 4096, &n, &err, msg, sizeof(msg));
			ck_assert_msg(x, "%d Hz x %d: %s", rate, ch, msg);
			ck_assert_uint_eq(info.src_rate, rate);
			ck_assert_uint_eq(info.src_channels, ch);
			ck_assert_uint_eq(n, want);
			e = sine_error(x, n, 0.4, 440.0);
			ck_assert_msg(e < 2e-3, "%d Hz x %d channels: off by %g", rate, ch, e);
			free(x);
			free(src);
		}
	}
}
END_TEST

/*
 * A file longer than the window: the caller reads the first 30 s into its
 * buffer and stops (pad_or_trim); reading on gives the rest, exactly.
 */
START_TEST(test_long_file_beyond_window)
{
	const int rate = 44100, frames = 45 * rate;
	float *src = malloc((size_t)frames * 2 * sizeof(float));
	float *win = malloc(MEL_CHUNK_SAMPLES * sizeof(float));
	const char *path = tmp_path("long.wav");
	struct mel_audio_info info;
	struct mel_audio *a;
	size_t got = 0, rest = 0;
	ssize_t r;

	for (int i = 0; i < frames; i++)
		src[2 * i] = src[2 * i + 1] = 0.3f * (float)sin(2 * M_PI * 300.0 * i / rate);
	write_sf(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, rate, 2, src, frames);
	ck_assert_int_eq(mel_audio_open(&a, path, NULL, &info, NULL, 0), 0);
	ck_assert_uint_eq(info.samples, 45 * 16000);
	while (got < MEL_CHUNK_SAMPLES &&
	       (r = mel_audio_read(a, win + got, MEL_CHUNK_SAMPLES - got)) > 0)
		got += (size_t)r;
	ck_assert_uint_eq(got, MEL_CHUNK_SAMPLES);
	ck_assert_msg(sine_error(win, got, 0.3, 300.0) < 2e-3, "window off");
	while ((r = mel_audio_read(a, win, 7777)) > 0)
		rest += (size_t)r;
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(got + rest, info.samples);
	mel_audio_close(a);
	free(win);
	free(src);
}
END_TEST

/* A header and nothing after it: refused at open, one line naming the file. */
START_TEST(test_header_only)
{
	const char *path = tmp_path("hdr.wav");
	unsigned char w[64] = { 0 };
	size_t n = wav_header(w, 44100, 2);

	memcpy(w + n, "data", 4);
	put32(w + n + 4, 88200);		/* a second of audio promised */
	put32(w + 4, 36 + 88200);
	write_bytes(path, w, n + 8);
	expect_open_error(path, NULL, -MEL_AUDIO_ETRUNC, "truncated");
}
END_TEST

/* Text is not audio. */
START_TEST(test_non_audio)
{
	const char *path = tmp_path("notes.wav");
	static const char text[] = "These are meeting notes, not a recording.\n";

	write_bytes(path, text, sizeof(text) - 1);
	expect_open_error(path, NULL, -MEL_AUDIO_ECORRUPT, "not a readable");
}
END_TEST

static Suite *audio_suite(void)
{
	Suite *s = suite_create("audio");
	TCase *tc = tcase_create("decode");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_wav_matches_f32);
	tcase_add_test(tc, test_flac_roundtrip);
	tcase_add_test(tc, test_resample_downmix);
	tcase_add_test(tc, test_decode_then_mel);
	tcase_add_test(tc, test_each_quality);
	tcase_add_test(tc, test_rates_and_channels);
	tcase_add_test(tc, test_long_file_beyond_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_truncated_data);
	tcase_add_test(tc, test_zero_frames);
	tcase_add_test(tc, test_too_short_for_min);
	tcase_add_test(tc, test_unsupported_encoding);
	tcase_add_test(tc, test_pcm_wav_without_data);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_missing_and_dir);
	tcase_add_test(tc, test_bad_args);
	tcase_add_test(tc, test_strerror_distinct);
	tcase_add_test(tc, test_list_chunk_overruns_file);
	tcase_add_test(tc, test_fifo_refused);
	tcase_add_test(tc, test_fifo_allowed);
	tcase_add_test(tc, test_absurd_rate_and_channels);
	tcase_add_test(tc, test_read_error_names_file);
	tcase_add_test(tc, test_header_only);
	tcase_add_test(tc, test_non_audio);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = audio_suite);
