/* SPDX-License-Identifier: MIT */
/*
 * mel.h - Whisper log-mel spectrogram front end.
 *
 * Computes exactly what openai-whisper's log_mel_spectrogram() computes:
 * 16 kHz audio, 400-point periodic Hann window, hop 160, centred frames with
 * reflect padding, last STFT frame dropped, power spectrum, Slaney mel
 * filterbank (80 or 128 bins, 0-8000 Hz), log10(max(x, 1e-10)), floor at
 * max - 8, then (x + 4) / 4.  Output is float32, row-major (n_mels, n_frames):
 * element [m][t] at out[m * n_frames + t].
 *
 * Thread safety: a struct mel_plan is immutable once created and may be used
 * by any number of threads at once.  A struct mel_ws (workspace) and a
 * struct mel_stream belong to one thread at a time.  No function allocates
 * after mel_plan_create()/mel_ws_create()/mel_stream_create(), except
 * mel_compute() called with a NULL workspace.
 *
 * Errors are returned as negative errno values.
 */
#ifndef MEL_MEL_H
#define MEL_MEL_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEL_SAMPLE_RATE		16000
#define MEL_N_FFT		400
#define MEL_HOP			160
#define MEL_N_BINS		201		/* MEL_N_FFT / 2 + 1 */
#define MEL_CHUNK_SAMPLES	480000		/* 30 s */
#define MEL_CHUNK_FRAMES	3000

enum mel_mode {
	MEL_MODE_CHUNK = 0,	/* pad with zeros / trim to 480000 samples: 3000 frames */
	MEL_MODE_RAW,		/* no padding: n / 160 frames, needs n > 200 */
	MEL_MODE_TRANSCRIBE,	/* audio + 480000 zeros: n / 160 + 3000 frames */
};

enum mel_floor {
	MEL_FLOOR_MAX = 0,	/* whisper: floor at (max over the whole output) - 8 */
	MEL_FLOOR_FIXED,	/* floor at opts.log_max - 8 */
	MEL_FLOOR_NONE,		/* no floor: (log10(max(x, 1e-10)) + 4) / 4 */
};

enum mel_isa {
	MEL_ISA_AUTO = 0,	/* best the CPU supports */
	MEL_ISA_GENERIC,	/* baseline x86-64 (SSE2) or portable C */
	MEL_ISA_AVX2,		/* AVX2 + FMA */
	MEL_ISA_AVX512,		/* AVX-512 F/DQ/VL/BW */
};

struct mel_opts {
	size_t sz;		/* sizeof(struct mel_opts): lets the struct grow */
	unsigned int n_mels;	/* 80 or 128 */
	enum mel_mode mode;
	enum mel_floor floor;
	float log_max;		/* MEL_FLOOR_FIXED only: log10 of the peak mel power */
	enum mel_isa isa;	/* MEL_ISA_AUTO: $XDNAPOOL_MEL_ISA, else the best */
};

/*
 * The environment variable that chooses the code path when opts.isa is
 * MEL_ISA_AUTO: "generic", "avx2" or "avx512" ("auto" or unset: the best the
 * CPU has).  mel_plan_create() fails with -EINVAL for another value and
 * -ENOTSUP for a path the CPU lacks, as for opts.isa.
 */
#define MEL_ISA_ENV "XDNAPOOL_MEL_ISA"

/*
 * The code path of that name ("auto", "generic", "avx2", "avx512") into
 * *out: 0, -EINVAL for another name (or NULL), -ENOTSUP when this build or
 * CPU cannot run it (*out is still set).
 */
int mel_isa_parse(const char *name, enum mel_isa *out);
/* "auto", "generic", "avx2", "avx512"; NULL for another value. */
const char *mel_isa_name(enum mel_isa isa);

/*
 * struct mel_opts o = MEL_OPTS_INIT;  (Whisper's defaults, sz set).  C++
 * before C++20 has no designated initializers: there it is a function call.
 */
#ifndef __cplusplus
#define MEL_OPTS_INIT { .sz = sizeof(struct mel_opts), .n_mels = 80, \
			.mode = MEL_MODE_CHUNK, .floor = MEL_FLOOR_MAX }
#else
#define MEL_OPTS_INIT	mel__opts_init()
static inline struct mel_opts mel__opts_init(void)
{
	struct mel_opts o = mel_opts();

	o.sz = sizeof(o);
	o.n_mels = 80;
	o.mode = MEL_MODE_CHUNK;
	o.floor = MEL_FLOOR_MAX;
	return o;
}
#endif

struct mel_plan;
struct mel_ws;

/*
 * Creates a plan (filterbank, window, FFT tables, code path).  opts may be
 * NULL for the defaults (80 mels, chunk mode).  Returns NULL and sets *err
 * (when err is not NULL) to -EINVAL for bad options, -ENOTSUP for an ISA the
 * CPU lacks, -ENOMEM.
 */
struct mel_plan *mel_plan_create(const struct mel_opts *opts, int *err);
void mel_plan_destroy(struct mel_plan *plan);

unsigned int mel_plan_n_mels(const struct mel_plan *plan);
enum mel_mode mel_plan_mode(const struct mel_plan *plan);
/* Name of the code path in use: "avx512", "avx2" or "generic". */
const char *mel_plan_isa(const struct mel_plan *plan);

/*
 * Frames produced for n_samples input samples in the plan's mode, or
 * -ERANGE (raw mode with n_samples <= 200, or a length that overflows).
 */
ssize_t mel_frames(const struct mel_plan *plan, size_t n_samples);

/* Floats needed in the output for n_samples: n_mels * frames, or -errno. */
ssize_t mel_out_floats(const struct mel_plan *plan, size_t n_samples);

/*
 * Per-thread workspace for mel_compute() with a given plan (or any plan: the
 * size does not depend on the options).  Returns NULL on -ENOMEM.
 */
struct mel_ws *mel_ws_create(const struct mel_plan *plan);
void mel_ws_destroy(struct mel_ws *ws);

struct mel_info {
	size_t n_frames;
	float log_max;		/* max over the output of log10(max(mel, 1e-10)) */
	float floor_log;	/* floor applied in the log10 domain (-inf for none) */
};

/*
 * Log-mel of n 16 kHz mono samples into out[0 .. n_mels * frames), row-major
 * (n_mels, frames).  out_cap is out's size in floats.  ws may be NULL (a
 * workspace is then allocated and freed inside the call).
 *
 * Returns the number of frames, or -EINVAL (NULL pointers), -ERANGE (see
 * mel_frames), -ENOSPC (out_cap too small), -ENOMEM.
 */
ssize_t mel_compute(const struct mel_plan *plan, struct mel_ws *ws,
		    const float *pcm, size_t n, float *out, size_t out_cap);
/* The same, and fills *info (which may be NULL). */
ssize_t mel_compute_ex(const struct mel_plan *plan, struct mel_ws *ws,
		       const float *pcm, size_t n, float *out, size_t out_cap,
		       struct mel_info *info);

/*
 * The Slaney filterbank whisper uses, computed here: (n_mels, 201) float32
 * row-major into out (cap floats).  Returns 0, -EINVAL or -ENOSPC.
 */
int mel_filterbank(unsigned int n_mels, float *out, size_t cap);

/*
 * Streaming: consecutive windows of window_frames (default 3000) frames of an
 * arbitrarily long signal, using a fixed-size audio buffer.  The frames equal
 * those of mel_compute() over the whole signal in the plan's mode (raw or
 * transcribe; chunk mode is refused): real neighbouring samples across window
 * edges, reflection only at the ends of the signal.
 *
 * Floor: whisper floors at the maximum over the whole input, which a stream
 * cannot know before the end.  MEL_STREAM_FLOOR_WINDOW (default) floors each
 * window at that window's own maximum - 8.  For output identical to the
 * whole-signal computation run two passes: the first with any policy, then
 * mel_stream_log_max() is the whole signal's max; reset the stream with
 * MEL_STREAM_FLOOR_FIXED and that value and stream the audio again.
 *
 * Window layout: out holds (n_mels, window_frames) row-major, row stride
 * window_frames; a last window with fewer frames is zero-filled past its
 * frames, as whisper's pad_or_trim does to a short mel segment.
 *
 * In transcribe mode windows start at 0, W, 2W ... while below n / 160 (the
 * content frames whisper seeks over) and their frames are computed with the
 * 480000 trailing zeros whisper appends; in raw mode windows cover n / 160
 * frames.
 */
enum mel_stream_floor {
	MEL_STREAM_FLOOR_WINDOW = 0,	/* per window: that window's max - 8 */
	MEL_STREAM_FLOOR_FIXED,		/* log_max - 8 (second pass) */
	MEL_STREAM_FLOOR_NONE,		/* no floor */
};

struct mel_stream_opts {
	size_t sz;			/* sizeof(struct mel_stream_opts) */
	size_t window_frames;		/* 0: 3000 */
	size_t ring_samples;		/* audio buffer; 0: 160 * W + 240 + 16000 */
	enum mel_stream_floor floor;
	float log_max;			/* MEL_STREAM_FLOOR_FIXED */
};

#ifndef __cplusplus
#define MEL_STREAM_OPTS_INIT { .sz = sizeof(struct mel_stream_opts) }
#else
#define MEL_STREAM_OPTS_INIT	mel__stream_opts_init()
static inline struct mel_stream_opts mel__stream_opts_init(void)
{
	struct mel_stream_opts o = mel_stream_opts();

	o.sz = sizeof(o);
	return o;
}
#endif

struct mel_window {
	size_t first_frame;		/* index of the window's first frame */
	size_t n_frames;		/* frames of signal in this window */
	float log_max;			/* max log10 over the window's frames */
	float floor_log;		/* floor applied (-inf for none) */
};

struct mel_stream;

/*
 * The stream keeps a pointer to plan (which must outlive it).  Returns NULL
 * and *err = -EINVAL (chunk mode, ring smaller than 160 * W + 240, bad
 * opts) or -ENOMEM.
 */
struct mel_stream *mel_stream_create(const struct mel_plan *plan,
				     const struct mel_stream_opts *opts,
				     int *err);
void mel_stream_destroy(struct mel_stream *s);
/* Start over (new signal); opts NULL keeps the floor policy.  0 or -EINVAL. */
int mel_stream_reset(struct mel_stream *s, const struct mel_stream_opts *opts);

/*
 * Zero-copy input: a pointer where up to *space samples may be written
 * (decode straight into it), then mel_stream_commit() the count written.
 * *space is 0 when the buffer is full: read a window first.
 */
float *mel_stream_wbuf(struct mel_stream *s, size_t *space);
int mel_stream_commit(struct mel_stream *s, size_t n);	/* 0, -EINVAL, -EPIPE after finish */
/* Copying input: writes min(n, space) samples and returns that count. */
ssize_t mel_stream_write(struct mel_stream *s, const float *pcm, size_t n);
/* End of the signal. */
int mel_stream_finish(struct mel_stream *s);

/*
 * Next window into out (cap floats, at least n_mels * window_frames).
 * Returns its frame count (> 0), 0 when every window has been read, -EAGAIN
 * when more input is needed (a full buffer always holds a window), -ENOSPC,
 * -ERANGE (raw-mode signal of <= 200 samples).  win may be NULL.
 */
ssize_t mel_stream_read(struct mel_stream *s, float *out, size_t cap,
			struct mel_window *win);

/*
 * Max log10 mel power over every frame of the signal seen so far; after the
 * last window of a finished stream it is whisper's whole-input max (in
 * transcribe mode including the frames past the content that overlap audio).
 */
float mel_stream_log_max(const struct mel_stream *s);

#ifdef __cplusplus
}
#endif
#endif /* MEL_MEL_H */
