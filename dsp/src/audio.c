// SPDX-License-Identifier: MIT
/*
 * Audio file decoding to 16 kHz mono float32: libsndfile decodes a block,
 * the block is downmixed in place and libsoxr converts it straight into
 * the caller's buffer (a device buffer mapping), so a file of any length
 * costs one block of private memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mel/audio.h"
#include "mel/mel.h"

#define BLOCK_FRAMES	4096
#define MAX_CHANNELS	MEL_AUDIO_MAX_CHANNELS
#define RIFF_MAX_CHUNKS	65536	/* the walk before sf_open() gives up there */
#define DEFAULT_MAX_S	(4.0 * 3600.0)

struct mel_audio {
	SNDFILE *sf;
	soxr_t soxr;			/* NULL at 16 kHz: no conversion */
	unsigned int channels;
	uint64_t src_frames;		/* frames the header promises */
	uint64_t src_read;		/* frames decoded so far */
	uint64_t total;			/* 16 kHz samples to deliver */
	uint64_t done;			/* delivered */
	unsigned int rate;
	int eof;
	float *in;			/* BLOCK_FRAMES * channels */
	float *mono;			/* BLOCK_FRAMES */
	size_t mono_pos, mono_len;
	char *path;			/* for messages */
	char msg[512];
};

const char *mel_audio_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case MEL_AUDIO_EEMPTY:
		return "file is empty";
	case MEL_AUDIO_ESHORT:
		return "too few audio samples";
	case MEL_AUDIO_ETRUNC:
		return "file is truncated";
	case MEL_AUDIO_ECORRUPT:
		return "not a readable audio file (corrupt or unknown format)";
	case MEL_AUDIO_EFORMAT:
		return "unsupported audio format or encoding";
	case MEL_AUDIO_ELONG:
		return "audio is longer than the maximum duration";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

static int fail(char *buf, size_t len, const char *path, int err,
		const char *fmt, ...)
{
	char detail[160] = "";
	va_list ap;

	if (!buf || !len)
		return err;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	snprintf(buf, len, "%s: %s%s%s", path, mel_audio_strerror(err),
		 *detail ? ": " : "", detail);
	return err;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

/* Declared RIFF size past the end of the file?  (0 / ~0: unknown, no) */
static int riff_truncated(const unsigned char *h, size_t hn, off_t size)
{
	uint32_t rs;

	if (hn < 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		return 0;
	rs = le32(h + 4);
	return rs && rs != 0xffffffffu && (off_t)rs + 8 > size;
}

/*
 * Walk the RIFF/WAVE chunks before libsndfile sees the file: a chunk that
 * declares more bytes than the file holds can make libsndfile 1.2.0's
 * header parser spin for ever (a LIST chunk, in a 72-byte file).  Only the
 * data chunk may run past the end (a cut recording: open or read says
 * truncated), and a streamed file's data chunk of size 0 or ~0 ends the
 * walk.  0, or -MEL_AUDIO_ETRUNC naming the chunk.
 */
static int riff_walk(int fd, off_t size, char *detail, size_t dl)
{
	unsigned char h[12];
	uint64_t pos = 12;

	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		return 0;
	for (unsigned int i = 0; i < RIFF_MAX_CHUNKS && pos + 8 <= (uint64_t)size; i++) {
		unsigned char c[8];
		char id[5];
		uint32_t cs;

		if (pread(fd, c, sizeof(c), (off_t)pos) != (ssize_t)sizeof(c))
			return 0;	/* classified later */
		cs = le32(c + 4);
		if (cs == 0xffffffffu)
			return 0;
		/* data may be cut short, or 0 when streamed: to the end */
		if (!memcmp(c, "data", 4) && (!cs || pos + 8 + cs > (uint64_t)size))
			return 0;
		if (pos + 8 + cs > (uint64_t)size) {
			for (int k = 0; k < 4; k++)
				id[k] = c[k] >= 0x20 && c[k] < 0x7f ? (char)c[k] : '?';
			id[4] = 0;
			snprintf(detail, dl, "'%s' chunk at offset %llu declares %u bytes, "
				 "%llu left in the file", id, (unsigned long long)pos, cs,
				 (unsigned long long)(size - (off_t)pos - 8));
			return -MEL_AUDIO_ETRUNC;
		}
		pos += 8 + (uint64_t)cs + (cs & 1);
	}
	return 0;
}

/*
 * WAV format tags libsndfile's wav.c decodes (PCM, MS ADPCM, IEEE float,
 * A-law, mu-law, IMA ADPCM, GSM 6.10, G.721, MPEG layer 3, extensible):
 * a refused file with one of these is not an encoding problem.
 */
static bool wav_tag_decoded(unsigned int tag)
{
	static const unsigned int tags[] = {
		0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x0011, 0x0031, 0x0040, 0x0055, 0xfffe,
	};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tags[i] == tag)
			return true;
	return false;
}

/*
 * libsndfile refused the file: tell a cut-off header, an encoding it does
 * not support, a WAV without its data chunk and plain garbage apart.
 */
static int classify_refusal(int fd, off_t size, int sferr, char *detail,
			    size_t dlen)
{
	unsigned char h[512];
	ssize_t hn = pread(fd, h, sizeof(h), 0);
	bool has_data = false;
	size_t pos = 12;
	int tag = -1;

	if (sferr == SF_ERR_UNSUPPORTED_ENCODING)
		return -MEL_AUDIO_EFORMAT;
	if (hn < 0)
		return -errno;
	if (hn < 12) {
		if (hn >= 4 && (!memcmp(h, "RIFF", 4) || !memcmp(h, "fLaC", 4) ||
				!memcmp(h, "OggS", 4) || !memcmp(h, "FORM", 4)))
			return -MEL_AUDIO_ETRUNC;
		return -MEL_AUDIO_ECORRUPT;
	}
	if (riff_truncated(h, hn, size))
		return -MEL_AUDIO_ETRUNC;
	if (memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		return -MEL_AUDIO_ECORRUPT;
	/* walk the RIFF chunks in the first bytes for the fmt tag and data */
	while (pos + 8 <= (size_t)hn) {
		uint32_t cs = le32(h + pos + 4);

		if (!memcmp(h + pos, "fmt ", 4) && cs >= 16 &&
		    pos + 8 + 16 <= (size_t)hn)
			tag = (int)le16(h + pos + 8);
		if (!memcmp(h + pos, "data", 4))
			has_data = true;
		if (pos + 8 + (uint64_t)cs > (uint64_t)size)
			return -MEL_AUDIO_ETRUNC;
		pos += 8 + cs + (cs & 1);
	}
	if (tag >= 0 && !wav_tag_decoded((unsigned int)tag)) {
		snprintf(detail, dlen, "WAV format tag 0x%04x", (unsigned int)tag);
		return -MEL_AUDIO_EFORMAT;
	}
	/* a format it decodes: the structure is wrong, not the encoding */
	if (tag >= 0 && !has_data && pos >= (uint64_t)size)
		snprintf(detail, dlen, "WAV with a fmt chunk but no data chunk");
	return -MEL_AUDIO_ECORRUPT;	/* else the caller gives sf_strerror() */
}

static int read_aopts(const struct mel_audio_opts *in,
		      struct mel_audio_opts *o)
{
	*o = (struct mel_audio_opts)MEL_AUDIO_OPTS_INIT;
	if (in) {
		if (in->sz < offsetof(struct mel_audio_opts, min_samples) +
			     sizeof(in->min_samples))
			return -EINVAL;
		memcpy(o, in, in->sz < sizeof(*o) ? in->sz : sizeof(*o));
	}
	if (o->max_seconds < 0 || (unsigned int)o->quality >= MEL_AUDIO_QUALITY_COUNT)
		return -EINVAL;
	if (o->max_seconds == 0)
		o->max_seconds = DEFAULT_MAX_S;
	if (!o->min_samples)
		o->min_samples = 1;
	return 0;
}

/* soxr's recipe for each quality name (soxr.h: SOXR_QQ .. SOXR_VHQ). */
static const struct {
	const char *name;
	unsigned long recipe;
} qualities[MEL_AUDIO_QUALITY_COUNT] = {
	[MEL_AUDIO_HIGH] = { "high", SOXR_HQ },
	[MEL_AUDIO_VERY_HIGH] = { "very-high", SOXR_VHQ },
	[MEL_AUDIO_MEDIUM] = { "medium", SOXR_MQ },
	[MEL_AUDIO_LOW] = { "low", SOXR_LQ },
	[MEL_AUDIO_QUICK] = { "quick", SOXR_QQ },
};

const char *mel_audio_quality_name(enum mel_audio_quality q)
{
	return (unsigned int)q < MEL_AUDIO_QUALITY_COUNT ? qualities[q].name : NULL;
}

int mel_audio_quality_parse(const char *name, enum mel_audio_quality *out)
{
	unsigned int i;

	for (i = 0; name && i < MEL_AUDIO_QUALITY_COUNT; i++) {
		if (!strcmp(name, qualities[i].name)) {
			*out = (enum mel_audio_quality)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Checks what libsndfile opened; fills a and info.  0 or -errno. */
static int check_opened(struct mel_audio *a, const SF_INFO *si, int fd,
			off_t size, const struct mel_audio_opts *o,
			struct mel_audio_info *info, char *detail, size_t dl)
{
	unsigned char h[12];
	ssize_t hn = pread(fd, h, sizeof(h), 0);
	SF_FORMAT_INFO fi = { .format = si->format & SF_FORMAT_TYPEMASK };
	SF_FORMAT_INFO fe = { .format = si->format & SF_FORMAT_SUBMASK };

	if (si->channels <= 0 || si->channels > MAX_CHANNELS) {
		snprintf(detail, dl, "%d channels (supported: 1..%d)", si->channels,
			 MAX_CHANNELS);
		return -MEL_AUDIO_EFORMAT;
	}
	if (si->samplerate < MEL_AUDIO_MIN_RATE || si->samplerate > MEL_AUDIO_MAX_RATE) {
		snprintf(detail, dl, "sample rate %d Hz (supported: %d..%d Hz)",
			 si->samplerate, MEL_AUDIO_MIN_RATE, MEL_AUDIO_MAX_RATE);
		return -MEL_AUDIO_EFORMAT;
	}
	if (hn > 0 && riff_truncated(h, hn, size))
		return -MEL_AUDIO_ETRUNC;
	if (si->frames <= 0 || (uint64_t)si->frames < o->min_samples) {
		snprintf(detail, dl, "%lld frames, need at least %zu",
			 (long long)si->frames, o->min_samples);
		return -MEL_AUDIO_ESHORT;
	}
	if ((double)si->frames / si->samplerate > o->max_seconds) {
		snprintf(detail, dl, "%.1f s, maximum %.1f s",
			 (double)si->frames / si->samplerate, o->max_seconds);
		return -MEL_AUDIO_ELONG;
	}
	a->channels = si->channels;
	a->src_frames = si->frames;
	a->rate = (unsigned int)si->samplerate;
	if (si->samplerate == MEL_SAMPLE_RATE)
		a->total = si->frames;
	else
		a->total = ((uint64_t)si->frames * MEL_SAMPLE_RATE +
			    si->samplerate / 2) / si->samplerate;
	/* a few frames at a high rate round to no 16 kHz sample at all */
	if (a->total < o->min_samples) {
		snprintf(detail, dl, "%lld frames at %d Hz are %llu samples at 16 kHz, need at "
			 "least %zu", (long long)si->frames, si->samplerate,
			 (unsigned long long)a->total, o->min_samples);
		return -MEL_AUDIO_ESHORT;
	}
	if (!info)
		return 0;
	memset(info, 0, sizeof(*info));
	info->samples = a->total;
	info->src_rate = si->samplerate;
	info->src_channels = si->channels;
	info->src_frames = si->frames;
	sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof(fi));
	sf_command(NULL, SFC_GET_FORMAT_INFO, &fe, sizeof(fe));
	snprintf(info->format, sizeof(info->format), "%s / %s",
		 fi.name ? fi.name : "?", fe.name ? fe.name : "?");
	return 0;
}

static int setup_buffers(struct mel_audio *a, const struct mel_audio_opts *o)
{
	soxr_quality_spec_t q;
	soxr_io_spec_t io;
	soxr_runtime_spec_t rt;
	soxr_error_t e;

	a->in = a->channels > 1 ? malloc((size_t)BLOCK_FRAMES * a->channels * sizeof(float)) :
				  NULL;
	a->mono = malloc(BLOCK_FRAMES * sizeof(float));
	if ((a->channels > 1 && !a->in) || !a->mono)
		return -ENOMEM;
	if (a->rate == MEL_SAMPLE_RATE)
		return 0;
	q = soxr_quality_spec(qualities[o->quality].recipe, 0);
	io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
	/* one thread: the caller runs one decoder per core */
	rt = soxr_runtime_spec(1);
	a->soxr = soxr_create(a->rate, MEL_SAMPLE_RATE, 1, &e, &io, &q, &rt);
	return a->soxr ? 0 : -ENOMEM;
}

int mel_audio_open(struct mel_audio **out, const char *path,
		   const struct mel_audio_opts *opts,
		   struct mel_audio_info *info, char *errbuf, size_t errlen)
{
	struct mel_audio_opts o;
	struct mel_audio *a = NULL;
	char detail[160] = "";
	SF_INFO si = { 0 };
	struct stat st;
	int fd, dfd, rc;

	if (errbuf && errlen)
		errbuf[0] = 0;
	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	rc = read_aopts(opts, &o);
	if (rc)
		return fail(errbuf, errlen, path, rc, "bad options");
	/* O_NONBLOCK: a FIFO without a writer must not block us here */
	fd = open(path, O_RDONLY | O_CLOEXEC | (o.allow_pipe ? 0 : O_NONBLOCK));
	if (fd < 0)
		return fail(errbuf, errlen, path, -errno, NULL);
	if (fstat(fd, &st)) {
		rc = -errno;
		goto err_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto err_fd;
	}
	if (!S_ISREG(st.st_mode) && !o.allow_pipe) {
		snprintf(detail, sizeof(detail), "not a regular file (%s); set allow_pipe "
			 "to read one", S_ISFIFO(st.st_mode) ? "a FIFO" :
			 S_ISSOCK(st.st_mode) ? "a socket" : S_ISCHR(st.st_mode) ?
			 "a character device" : "a block device");
		rc = -EINVAL;
		goto err_fd;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		rc = -MEL_AUDIO_EEMPTY;
		goto err_fd;
	}
	if (S_ISREG(st.st_mode)) {
		rc = riff_walk(fd, st.st_size, detail, sizeof(detail));
		if (rc)
			goto err_fd;
	}
	a = calloc(1, sizeof(*a));
	if (!a || !(a->path = strdup(path))) {
		rc = -ENOMEM;
		goto err_a;
	}
	/*
	 * libsndfile reads the very file the chunk walk checked: a duplicate
	 * of this descriptor (sf_open_fd() closes it, also when it fails),
	 * never the path again, which another process could have pointed at
	 * a different file meanwhile.  The walk used pread(), so the offset
	 * is still 0, where sf_open_fd() takes the file to start.
	 */
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	a->sf = dfd < 0 ? NULL : sf_open_fd(dfd, SFM_READ, &si, SF_TRUE);
	if (!a->sf) {
		rc = classify_refusal(fd, st.st_size, sf_error(NULL), detail,
				      sizeof(detail));
		if (!*detail)
			snprintf(detail, sizeof(detail), "%s",
				 sf_strerror(NULL));
		goto err_a;
	}
	rc = check_opened(a, &si, fd, st.st_size, &o, info, detail,
			  sizeof(detail));
	if (!rc)
		rc = setup_buffers(a, &o);
	if (rc)
		goto err_a;
	close(fd);
	*out = a;
	return 0;
err_a:
	mel_audio_close(a);
err_fd:
	close(fd);
	return fail(errbuf, errlen, path, rc, *detail ? "%s" : NULL, detail);
}

void mel_audio_close(struct mel_audio *a)
{
	if (!a)
		return;
	if (a->sf)
		sf_close(a->sf);
	soxr_delete(a->soxr);
	free(a->path);
	free(a->in);
	free(a->mono);
	free(a);
}

const char *mel_audio_errmsg(const struct mel_audio *a)
{
	return a ? a->msg : "";
}

static ssize_t read_err(struct mel_audio *a, int err, const char *what)
{
	snprintf(a->msg, sizeof(a->msg), "%s: %s: %s", a->path, mel_audio_strerror(err),
		 what);
	return err;
}

/* The channels' mean; stereo (the common case) without the inner loop. */
static void downmix(float *dst, const float *in, size_t n, unsigned int ch)
{
	const float scale = 1.0f / (float)ch;
	size_t i;

	if (ch == 2) {
		for (i = 0; i < n; i++)
			dst[i] = (in[2 * i] + in[2 * i + 1]) * 0.5f;
		return;
	}
	for (i = 0; i < n; i++) {
		float acc = 0.0f;

		for (unsigned int c = 0; c < ch; c++)
			acc += in[i * ch + c];
		dst[i] = acc * scale;
	}
}

/* Decodes up to n frames (n <= BLOCK_FRAMES) as mono into dst. */
static ssize_t decode(struct mel_audio *a, float *dst, size_t n)
{
	unsigned int ch = a->channels;
	sf_count_t got;

	if (a->src_read + n > a->src_frames)
		n = a->src_frames - a->src_read;
	if (!n)
		return 0;
	got = sf_readf_float(a->sf, ch == 1 ? dst : a->in, (sf_count_t)n);
	if (got < 0 || sf_error(a->sf))
		return read_err(a, -EIO, sf_strerror(a->sf));
	if (got == 0)
		return read_err(a, -MEL_AUDIO_ETRUNC, "audio data ends early");
	if (ch > 1)
		downmix(dst, a->in, (size_t)got, ch);
	a->src_read += got;
	return got;
}

static ssize_t read_direct(struct mel_audio *a, float *dst, size_t want)
{
	size_t got = 0;

	while (got < want) {
		size_t n = want - got < BLOCK_FRAMES ? want - got : BLOCK_FRAMES;
		ssize_t r = decode(a, dst + got, n);

		if (r < 0)
			return r;
		if (!r)
			return read_err(a, -MEL_AUDIO_ETRUNC,
					"audio data ends early");
		got += r;
	}
	return got;
}

/*
 * Through the resampler, which writes into dst directly.  The total is
 * fixed at open (round(frames * 16000 / rate)); the converter's last few
 * samples are trimmed, or padded with zeros, to match it.
 */
static ssize_t read_resampled(struct mel_audio *a, float *dst, size_t want)
{
	size_t got = 0;

	while (got < want) {
		size_t used = 0, made = 0;
		soxr_error_t e;
		ssize_t r;

		if (a->mono_pos == a->mono_len && !a->eof) {
			r = decode(a, a->mono, BLOCK_FRAMES);
			if (r < 0)
				return r;
			a->mono_pos = 0;
			a->mono_len = (size_t)r;
			a->eof = r == 0;
		}
		/* in == NULL tells soxr the input has ended: flush */
		e = soxr_process(a->soxr, a->eof ? NULL : a->mono + a->mono_pos,
				 a->mono_len - a->mono_pos, &used, dst + got, want - got, &made);
		if (e)
			return read_err(a, -EIO, soxr_strerror(e));
		a->mono_pos += used;
		got += made;
		if (a->eof && !made) {
			memset(dst + got, 0, (want - got) * sizeof(float));
			got = want;
		}
	}
	return (ssize_t)got;
}

ssize_t mel_audio_read(struct mel_audio *a, float *dst, size_t cap)
{
	size_t want;
	ssize_t r;

	if (!a || (!dst && cap))
		return -EINVAL;
	a->msg[0] = 0;
	want = a->total - a->done < cap ? a->total - a->done : cap;
	if (!want)
		return 0;
	r = a->soxr ? read_resampled(a, dst, want) : read_direct(a, dst, want);
	if (r > 0)
		a->done += r;
	return r;
}
