/* SPDX-License-Identifier: MIT */
/*
 * The staged pipeline's private state.  Pooled mode runs
 *
 *   stream clients --req--> decode+mel workers --npu--> submitters (one per
 *   hardware context, up to PIPE_CMDS_IN_FLIGHT commands each) --ring-->
 *   completion (one per context) --done--> consumer --> back to the client
 *
 * Every arrow but the ring is a pool_chan carrying a request ticket (a
 * buffer of the host "request" pool) that holds the references to the
 * request's audio, mel and encoder BOs: ownership moves, bytes never do.
 * Channel capacities and pool maxima bound every queue (backpressure).
 */
#ifndef XDNA_PIPE_IMPL_H
#define XDNA_PIPE_IMPL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "metrics.h"
#include "pipeline.h"
#include "pool/pool.h"
#include "xdna/shim.h"
#include "xdna/xclbin.h"

#define PIPE_STEM_SEED		0x5157u		/* weights of the emulated stem */
#define PIPE_CMD_BO_BYTES	4096		/* one ERT packet per command BO */
#define PIPE_CHAN_DEPTH		2		/* channel slots per consumer thread */
#define PIPE_ERR_LINE		256

/* Stage timestamps of one request (ns, tool_now_ns()). */
enum pipe_ts {
	TS_QUEUED,		/* the client put it on the request queue */
	TS_FRONT,		/* a worker took it */
	TS_DECODED,
	TS_MEL,			/* mel written and synced: on the NPU queue */
	TS_SUBMIT,		/* a submitter took it */
	TS_SLOT,		/* it has a command slot (ring_reserve returned) */
	TS_EXEC,		/* EXEC_CMD returned */
	TS_COMPLETE,		/* its fence signalled, output synced */
	TS_CONSUME,		/* the consumer took it */
	TS_DONE,
	TS__COUNT
};

/* A request ticket: the payload of a "request" pool buffer. */
struct pipe_req {
	unsigned int id, stream;
	struct pool_buf *audio, *mel, *enc;	/* references the ticket holds */
	struct pipe_ctx *ctx;			/* the context it ran on */
	unsigned int slot;			/* its command BO in ctx */
	size_t samples;
	unsigned int frames;
	uint64_t seq;
	int err;				/* 0 or the failing stage's -errno */
	uint64_t ts[TS__COUNT];
	struct pipe_trace trace;
};

/* One hardware context, its submitter and its completion thread. */
struct pipe_ctx {
	struct pipe *p;
	unsigned int index;
	struct xdna_hwctx *hw;
	unsigned int cu;
	struct xdna_bo *cmd[PIPE_CMDS_IN_FLIGHT];
	/* In-flight ring, submission order: slot (head + i) % N. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pool_buf *ring[PIPE_CMDS_IN_FLIGHT];
	unsigned int head, count;
	bool closed;
	/*
	 * A command did not finish by the NPU timeout: the context runs its
	 * commands in order, so nothing after it will either.  Later requests
	 * fail at once, and teardown destroys the context before the pools
	 * (the kernel aborts its commands, which settles their fences).
	 */
	atomic_bool stalled;
	pthread_t submitter, completion;
	bool started;
};

struct pipe_client {
	struct pipe *p;
	unsigned int id;
	sem_t done;			/* the consumer posts: request finished */
	pthread_t th;
};

struct pipe_worker {
	struct pipe *p;
	unsigned int id;
	struct mel_ws *ws;
	pthread_t th;
};

struct pipe {
	const struct pipe_opts *o;
	struct pipe_result *res;
	struct xdna_dev *dev;
	struct pool_backend *be, *host;
	struct pool_set *set;
	struct pool *audio, *mel, *enc, *reqs;
	struct pool_chan *ch_req, *ch_npu, *ch_done;
	struct mel_plan *plan;
	struct pipe_ctx ctx[PIPE_MAX_CTX];
	unsigned int n_ctx;
	struct xdna_xclbin *xb;		/* the design */
	const struct xdna_xclbin_kernel *k;
	struct xdna_bo *insts;		/* instruction stream, or NULL */
	uint32_t ninsts;
	unsigned int total;
	size_t audio_cap;		/* samples per audio buffer */
	size_t mel_floats, enc_floats;
	int64_t timeout_ns;
	float *ref;			/* the consumer's CPU reference (verify) */
	atomic_uint next;
	atomic_uint done;
	atomic_ullong audio_samples;
	atomic_ullong bytes_copied;
	atomic_ullong exhausted;
	atomic_uint ok, failed, verified, mismatched;
	pthread_mutex_t lock;		/* first_error, errors stream */
	uint64_t *ts;			/* total x TS__COUNT, per request */
	struct pipe_client *clients;	/* one per stream */
};

/* pipeline.c */
void pipe_error(struct pipe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t *pipe_req_ts(struct pipe *p, unsigned int id);

/* design.c: the NPU design, its contexts and commands */
int pipe_load_design(struct pipe *p, struct pipe_opts *o);
int pipe_ctx_open(struct pipe *p, struct pipe_ctx *c);
void pipe_ctx_close(struct pipe_ctx *c);
int pipe_encode_cmd(struct pipe *p, struct pipe_ctx *c, struct xdna_bo *cmd,
		    struct xdna_bo *mbo, uint64_t mel, struct xdna_bo *ebo, uint64_t enc,
		    unsigned int frames);
unsigned int pipe_exec_args(struct pipe *p, struct xdna_bo **args);

/* setup.c */
int pipe_setup(struct pipe *p);
void pipe_teardown(struct pipe *p);

/* front.c: decode + mel workers */
ssize_t pipe_load_audio(struct pipe *p, unsigned int stream, unsigned int req, float *dst,
			size_t cap);
void *pipe_worker_main(void *arg);

/* npu.c: submitters and completion */
void *pipe_submitter_main(void *arg);
void *pipe_completion_main(void *arg);

/* consume.c: the consumer, the stream clients */
int pipe_consume(struct pipe *p, float *ref, const float *mel, const void *out,
		 unsigned int frames);
int pipe_account_output(struct pipe *p, unsigned int stream, int err);
void *pipe_consumer_main(void *arg);
void *pipe_client_main(void *arg);
/* Send the ticket on; if that fails the request fails and finishes here. */
void pipe_pass_on(struct pipe *p, struct pool_chan *ch, struct pool_buf *ticket);
/* Account a finished request, release its buffers, wake its client. */
void pipe_req_finish(struct pipe *p, struct pool_buf *ticket);
int pipe_acquire(struct pipe *p, struct pool *pool, struct pool_buf **b, unsigned int sid);

/* copy.c: the fresh-buffer baseline (one thread per stream, synchronous) */
void *pipe_copy_stream_main(void *arg);

/* report.c */
void pipe_summarise(struct pipe *p, double wall_s, double cpu_s);

#endif
