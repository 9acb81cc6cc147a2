/* SPDX-License-Identifier: MIT */
/*
 * The Whisper front-end pipeline behind tools/xdna-pipeline, in stages:
 * N stream clients feed a request queue; decode+mel workers (one per core)
 * decode into a pooled audio BO and write the log-mel into a pooled mel
 * BO; NPU submitters (one per hardware context, up to the kernel's four
 * commands in flight each) EXEC it and release the mel fenced on the
 * command; completion threads retire the commands; a consumer reads the
 * encoder output and gives everything back.  Stages hand over request
 * tickets through libpool's pool_chan: ownership moves, bytes never do
 * (the DSP writes where the NPU reads).  Bounded channels and pool maxima
 * give backpressure.
 *
 * A --copy baseline does what a fresh-buffer service does (one thread per
 * stream, private memory, a fresh BO per request, a copy into it) so both
 * are measured alike.  Private to tools/ and tests/.
 */
#ifndef XDNA_PIPELINE_H
#define XDNA_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mel/audio.h"
#include "mel/mel.h"

/* The defaults, in one place (the tool's usage text prints these). */
#define PIPE_DEFAULT_STREAMS	16
#define PIPE_DEFAULT_N_MELS	80
#define PIPE_DEFAULT_D_MODEL	384		/* Whisper tiny */
#define PIPE_DEFAULT_SECONDS	30.0		/* one Whisper window */
#define PIPE_DEFAULT_CONTEXTS	4		/* at most, and never beyond streams */
#define PIPE_DEFAULT_QUALITY	MEL_AUDIO_HIGH	/* libsoxr HQ */
#define PIPE_DEFAULT_ACQUIRE_TIMEOUT_NS	(30ll * 1000000000)
#define PIPE_DEFAULT_NPU_TIMEOUT_NS	(60ll * 1000000000)	/* one command */
#define PIPE_REPORT_POOLS	4		/* pools in struct pipe_result */
#define PIPE_MAX_CTX		16		/* --contexts at most */
/*
 * Commands a hardware context runs at once: the kernel's HWCTX_MAX_CMDS
 * (torvalds/linux drivers/accel/amdxdna/aie2_ctx.c, job_sem; the emulator's
 * EMU_MAX_CMDS); EXEC_CMD blocks beyond it.
 */
#define PIPE_CMDS_IN_FLIGHT	4
struct pipe_metrics;

enum pipe_kernel {
	PIPE_KERNEL_STEM = 0,		/* conv1d+GELU x2: Whisper's encoder stem */
	PIPE_KERNEL_CHECKSUM,		/* cheap: hash of the mel */
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
	unsigned int streams;		/* concurrent streams; 0: PIPE_DEFAULT_STREAMS */
	unsigned int workers;		/* decode+mel workers; 0: one per online CPU */
	unsigned int requests;		/* total requests; 0: max(streams, inputs) */
	const char *const *inputs;	/* audio files */
	unsigned int n_inputs;
	/*
	 * Inputs the caller set aside before the run (pipe_input_check()
	 * refused them, each named once): each counts as one failed request
	 * in the result, so a run with any is not a success.
	 */
	unsigned int unusable_inputs;
	double gen_seconds;		/* no inputs: synthesise this much audio; 0: 30 */
	unsigned int n_mels;		/* 80 or 128; 0: 80 */
	enum mel_isa isa;		/* the log-mel's code path; AUTO: $XDNAPOOL_MEL_ISA */
	enum pipe_kernel kernel;	/* without xclbin: which packaged design */
	/*
	 * The NPU design: an xclbin (NULL: the packaged whisper_stem or
	 * checksum design, NAME.xclbin where tool_data_path() finds it:
	 * build/data or BINDIR/../share/xdnapool), its kernel (NULL: the first) and an instruction stream
	 * for mlir-aie kernels (NULL: none).  The kernel's arguments are
	 * filled by name: mel or in, out (buffers), n_mels, n_frames,
	 * d_model, seed, n (scalars), opcode, instr, ninstr (--insts); its
	 * kind (stem or checksum) follows from them.
	 */
	const char *xclbin;
	const char *kernel_name;
	const char *insts;
	unsigned int d_model;		/* 0: PIPE_DEFAULT_D_MODEL */
	unsigned int contexts;		/* hardware contexts; 0: min(streams, 4) */
	bool copy_mode;			/* the fresh-buffer baseline */
	bool verify;			/* check each NPU output on the CPU */
	const char *pool_config;	/* pool-set file (sizes from it) or NULL */
	enum mel_audio_quality resample;	/* sample-rate conversion (default high) */
	int64_t acquire_timeout_ns;	/* 0: 30 s */
	int64_t npu_timeout_ns;		/* one command, then it failed; 0: 60 s */
	FILE *errors;			/* one line per failed request; NULL: stderr */
	void (*progress)(void *arg, unsigned int done, unsigned int total);
	void *progress_arg;
	void (*trace)(void *arg, const struct pipe_trace *t);
	void *trace_arg;
	struct pipe_metrics *metrics;	/* /metrics, /health, textfile; NULL: none */
};

struct pipe_lat {
	double p50_ms, p99_ms, max_ms;
	double mean_ms;
};

/* The stage table: how long requests waited for each stage, and its service time. */
enum pipe_stage {
	PIPE_STAGE_DECODE = 0,		/* wait: request queue */
	PIPE_STAGE_MEL,			/* no queue: same worker */
	PIPE_STAGE_SUBMIT,		/* wait: submitter queue; service: enc BO, encode, EXEC */
	PIPE_STAGE_NPU,			/* wait: a free command slot; service: EXEC
					 * returned -> fence signalled, output synced
					 * (includes queueing behind the context's
					 * earlier commands) */
	PIPE_STAGE_CONSUME,		/* wait: completion queue */
	PIPE_STAGE__COUNT
};

struct pipe_stage_report {
	const char *name;
	struct pipe_lat wait, service;
	unsigned int threads;		/* in parallel: threads; npu: command slots */
};

struct pipe_pool_report {
	char name[32];
	uint64_t acquires, releases, hits, allocs, waits, timeouts, high_water, outstanding;
	size_t buf_bytes;
};

struct pipe_result {
	unsigned int requests, ok, failed;	/* requests and failed count unusable inputs */
	unsigned int unusable_inputs;
	unsigned int verified, mismatched;
	double audio_seconds;		/* decoded, before padding */
	double wall_s;
	struct pipe_lat decode, mel, npu, e2e;
	double frontend_rtf;		/* (decode + mel time) / audio seconds */
	double throughput_rps;
	double audio_x_realtime;	/* audio seconds per wall second */
	uint64_t bytes_copied;		/* between stages: 0 unless copy_mode */
	uint64_t exhausted;		/* acquires that timed out */
	/* What limits the run: process CPU (getrusage) against the wall clock. */
	double cpu_seconds;		/* user + system, the whole run */
	/*
	 * cores / CPU seconds per successful request: what the CPUs would
	 * allow if they were all busy.  Per successful request, as throughput
	 * counts only those, so efficiency (throughput / cpu_limit_rps) is
	 * the share of the cores the run kept busy; 0 when nothing succeeded.
	 */
	double cpu_limit_rps;
	double efficiency;		/* throughput / cpu_limit_rps */
	unsigned int cores;		/* pipe_usable_cpus() */
	unsigned int workers, contexts;
	struct pipe_stage_report stages[PIPE_STAGE__COUNT];
	int leaks;			/* buffers outstanding at teardown */
	bool emulated;
	struct pipe_pool_report pools[PIPE_REPORT_POOLS];	/* audio, mel, encoder, request */
	unsigned int n_pools;
	char first_error[256];
	unsigned int error_lines;	/* lines written to o->errors */
};

/*
 * The CPUs this process may use: its affinity mask (sched_getaffinity, so
 * taskset and cpusets count), capped by the cgroup v2 cpu.max quota of its
 * cgroup and every ancestor (rounded up to whole CPUs).  The default
 * worker count and the result's cores.
 */
unsigned int pipe_usable_cpus(void);

/*
 * Whether path can be an input: it exists, is readable and the audio
 * decoder opens it (mel_audio_open() with the options the requests use,
 * then closed).  0, or -errno with one line "PATH: reason" in err.  A file
 * that opens may still fail while it is read: that fails its requests.
 */
int pipe_input_check(const struct pipe_opts *o, const char *path, char *err, size_t len);

/*
 * The design (o->xclbin or the packaged one, o->kernel_name, o->insts)
 * opened and checked as pipe_run() does, before any device work: 0, or
 * -errno with one line in err.
 */
int pipe_design_check(const struct pipe_opts *o, char *err, size_t len);

/* opts with every 0 replaced by its default (what pipe_run() runs). */
void pipe_opts_defaults(struct pipe_opts *o);

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
