/* SPDX-License-Identifier: MIT */
/*
 * audio.h - decode an audio file to 16 kHz mono float32 for mel_compute().
 *
 * Anything libsndfile reads (WAV, FLAC, Ogg/Vorbis, Opus, AIFF, ...).  Channels
 * are averaged to mono; other sample rates are converted to 16 kHz with
 * libsoxr.  Decoding, downmix and conversion run block by block straight
 * into the caller's buffer (no whole-file copy), so it can be a device
 * buffer mapping.
 *
 * A struct mel_audio belongs to one thread at a time.
 */
#ifndef MEL_AUDIO_H
#define MEL_AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Error codes besides those of open(2) (-ENOENT, -EACCES, ...), each with its
 * own mel_audio_strerror() text:
 */
#define MEL_AUDIO_EEMPTY	ENODATA		/* file of 0 bytes */
#define MEL_AUDIO_ESHORT	ENOMSG		/* fewer than min_samples frames */
#define MEL_AUDIO_ETRUNC	EPIPE		/* header or data cut short */
#define MEL_AUDIO_ECORRUPT	EBADMSG		/* not a readable audio file */
#define MEL_AUDIO_EFORMAT	EPROTONOSUPPORT	/* known format, unsupported
						 * encoding */
#define MEL_AUDIO_ELONG		EFBIG		/* longer than max_seconds */

/*
 * Sample-rate conversion quality: libsoxr's recipes (soxr.h).  Measured by
 * bench/resamplebench (pass band, SNR, mel error, time per second).
 */
enum mel_audio_quality {
	MEL_AUDIO_HIGH = 0,		/* "high": SOXR_HQ, 20-bit; the default */
	MEL_AUDIO_VERY_HIGH,		/* "very-high": SOXR_VHQ, 28-bit */
	MEL_AUDIO_MEDIUM,		/* "medium": SOXR_MQ, 16-bit */
	MEL_AUDIO_LOW,			/* "low": SOXR_LQ, 16-bit, wider transition */
	MEL_AUDIO_QUICK,		/* "quick": SOXR_QQ, cubic interpolation */
	MEL_AUDIO_QUALITY_COUNT
};

/* "high", "very-high", "medium", "low", "quick"; NULL for another value. */
const char *mel_audio_quality_name(enum mel_audio_quality q);
/* The quality of that name into *out: 0, or -EINVAL for another name. */
int mel_audio_quality_parse(const char *name, enum mel_audio_quality *out);

struct mel_audio_opts {
	size_t sz;			/* sizeof(struct mel_audio_opts) */
	double max_seconds;		/* 0: 4 hours */
	size_t min_samples;		/* 0: 1 */
	enum mel_audio_quality quality;
	/*
	 * Read a FIFO, socket or character device too (open blocks for a
	 * writer); else anything but a regular file is refused (-EINVAL).
	 */
	int allow_pipe;
};

/* struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT; (in C++ a function call) */
#ifndef __cplusplus
#define MEL_AUDIO_OPTS_INIT { .sz = sizeof(struct mel_audio_opts) }
#else
#define MEL_AUDIO_OPTS_INIT	mel__audio_opts_init()
static inline struct mel_audio_opts mel__audio_opts_init(void)
{
	struct mel_audio_opts o = mel_audio_opts();

	o.sz = sizeof(o);
	return o;
}
#endif

struct mel_audio_info {
	uint64_t samples;		/* 16 kHz mono samples mel_audio_read gives */
	unsigned int src_rate;
	unsigned int src_channels;
	uint64_t src_frames;
	char format[48];		/* e.g. "WAV (Microsoft) / Signed 16 bit PCM" */
};

/* Source rates and channel counts outside these are refused (-EPROTONOSUPPORT). */
#define MEL_AUDIO_MIN_RATE	1000
#define MEL_AUDIO_MAX_RATE	768000
#define MEL_AUDIO_MAX_CHANNELS	64

struct mel_audio;

/*
 * Opens path.  opts may be NULL.  On success *out is the handle and info
 * (may be NULL) is filled.  On failure returns a negative errno and, when
 * errbuf is not NULL, writes one line "PATH: reason" into it.
 */
int mel_audio_open(struct mel_audio **out, const char *path,
		   const struct mel_audio_opts *opts,
		   struct mel_audio_info *info, char *errbuf, size_t errlen);

/*
 * Decodes up to cap samples into dst.  Returns the count (exactly
 * info.samples in total over all calls), 0 at the end, or -errno
 * (-MEL_AUDIO_ETRUNC when the data stops early, -EIO).
 */
ssize_t mel_audio_read(struct mel_audio *a, float *dst, size_t cap);

/* Last error of a as one line "PATH: reason" (empty if none). */
const char *mel_audio_errmsg(const struct mel_audio *a);

void mel_audio_close(struct mel_audio *a);

/* Text for an error code returned above (negative or positive). */
const char *mel_audio_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* MEL_AUDIO_H */
