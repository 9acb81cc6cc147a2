/* SPDX-License-Identifier: MIT */
/*
 * The Whisper front-end pipeline behind tools/xdna-pipeline: N concurrent
 * streams, each
 *
 *   acquire audio BO -> decode into it -> acquire mel BO -> log-mel from the
 *   audio mapping into the mel mapping -> release audio -> sync mel to the
 *   device -> EXEC (mel BO, encoder BO) -> release mel fenced on the
 *   command's syncobj point -> wait -> read the encoder output -> release.
 *
 * Bytes never move between stages: the DSP writes where the NPU reads.
 * A --copy baseline does what a fresh-buffer service does (private memory,
 * a fresh BO per request, a copy into it) so both are measured alike.
 * Private to tools/ and tests/.
 */
#ifndef XDNA_PIPELINE_H
#define XDNA_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum pipe_kernel {
	PIPE_KERNEL_STEM = 0,		/* conv1d+GELU x2: Whisper's encoder stem */
	PIPE_KERNEL_CHECKSUM,		/* cheap: hash of the mel */
};

enum pipe_resample {
	PIPE_RESAMPLE_MEDIUM = 0,	/* libsamplerate SINC_MEDIUM: ~97 dB SNR */
	PIPE_RESAMPLE_BEST,
	PIPE_RESAMPLE_FAST,
};

/* What the pipeline saw of one request's buffers (the zero-copy evidence). */
struct pipe_trace {
	unsigned int stream;
	const void *audio_map;		/* the audio BO's CPU mapping */
	const void *decode_dst;		/* where the decoder wrote */
	const void *mel_map;		/* the mel BO's CPU mapping */
	const void *mel_src;		/* what the DSP read */
	const void *mel_dst;		/* where the DSP wrote */
	uint32_t mel_handle;		/* GEM handle given to EXEC */
	uint64_t mel_dev_addr;		/* device address in the command */
	uint32_t exec_handles[2];	/* the handles EXEC_CMD was given */
	uint64_t seq;
};

struct pipe_opts {
	unsigned int streams;		/* concurrent streams; 0: 16 */
	unsigned int requests;		/* total requests; 0: max(streams, inputs) */
	const char *const *inputs;	/* audio files */
	unsigned int n_inputs;
	double gen_seconds;		/* no inputs: synthesise this much audio */
	unsigned int n_mels;		/* 80 or 128; 0: 80 */
	enum pipe_kernel kernel;	/* without xclbin: which packaged design */
	/*
	 * The NPU design: an xclbin (NULL: the packaged whisper_stem or
	 * checksum design, build/data/NAME.xclbin beside the binary's
	 * directory), its kernel (NULL: the first) and an instruction stream
	 * for mlir-aie kernels (NULL: none).  The kernel's arguments are
	 * filled by name: mel or in, out (buffers), n_mels, n_frames,
	 * d_model, seed, n (scalars), opcode, instr, ninstr (--insts); its
	 * kind (stem or checksum) follows from them.
	 */
	const char *xclbin;
	const char *kernel_name;
	const char *insts;
	unsigned int d_model;		/* 0: 384 */
	unsigned int contexts;		/* hardware contexts; 0: min(streams, 4) */
	bool copy_mode;			/* the fresh-buffer baseline */
	bool verify;			/* check each NPU output on the CPU */
	const char *pool_config;	/* pool-set file (sizes from it) or NULL */
	enum pipe_resample resample;	/* sample-rate conversion quality */
	int64_t acquire_timeout_ns;	/* 0: 30 s */
	FILE *errors;			/* one line per failed request; NULL: stderr */
	void (*progress)(void *arg, unsigned int done, unsigned int total);
	void *progress_arg;
	void (*trace)(void *arg, const struct pipe_trace *t);
	void *trace_arg;
};

struct pipe_lat {
	double p50_ms, p99_ms, max_ms;
	double mean_ms;
};

struct pipe_pool_report {
	char name[32];
	uint64_t acquires, hits, allocs, waits, timeouts, high_water, outstanding;
	size_t buf_bytes;
};

struct pipe_result {
	unsigned int requests, ok, failed;
	unsigned int verified, mismatched;
	double audio_seconds;		/* decoded, before padding */
	double wall_s;
	struct pipe_lat decode, mel, npu, e2e;
	double frontend_rtf;		/* (decode + mel time) / audio seconds */
	double throughput_rps;
	double audio_x_realtime;	/* audio seconds per wall second */
	uint64_t bytes_copied;		/* between stages: 0 unless copy_mode */
	uint64_t exhausted;		/* acquires that timed out */
	int leaks;			/* buffers outstanding at teardown */
	bool emulated;
	struct pipe_pool_report pools[3];
	unsigned int n_pools;
	char first_error[256];
	unsigned int error_lines;	/* lines written to o->errors */
};

/* 0 when every request succeeded, 1 when some failed, negative errno on setup. */
int pipe_run(const struct pipe_opts *opts, struct pipe_result *res);

/* Print the result as text or one JSON object. */
void pipe_print(const struct pipe_opts *opts, const struct pipe_result *res, bool json, FILE *f);

/*
 * The CPU reference of the emulated NPU kernels (same maths, written
 * independently): out is (n_frames / 2, d_model) for the stem, 4 words for
 * the checksum.
 */
int pipe_ref_stem(const float *mel, unsigned int n_mels, unsigned int n_frames,
		  unsigned int d_model, uint32_t seed, float *out);
void pipe_ref_checksum(const float *mel, size_t n, uint32_t out[4]);

/* Synthesise speech-like audio (voiced harmonics, formants, pauses). */
void pipe_synth_speech(float *out, size_t n, uint32_t seed);

#endif /* XDNA_PIPELINE_H */
