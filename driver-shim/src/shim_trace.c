// SPDX-License-Identifier: MIT
/*
 * The xdna probes' is-enabled semaphores (the kernel's uprobe ref_ctr
 * raises them while a tracer is attached), and the per-context table of
 * submit times that xdna:cmd_done needs, kept only while it is enabled.
 */
#include <string.h>

#include "shim_internal.h"
#include "shim_trace.h"

#ifndef XDNA_NO_PROBES
#define DEFINE_SEMAPHORE(name) \
	__attribute__((section(".probes"))) XDNA_PROBE_SEMAPHORE(name)

DEFINE_SEMAPHORE(bo_create);
DEFINE_SEMAPHORE(bo_destroy);
DEFINE_SEMAPHORE(exec);
DEFINE_SEMAPHORE(cmd_done);
#endif

/*
 * A traced submission.  The first of a tracing session (an untraced one came
 * before) forgets the stamps of the previous session: their commands were
 * never reported, and reporting them now would time the gap between sessions.
 */
void xdna_trace_submitted(struct xdna_hwctx *ctx, uint64_t seq, uint64_t t0)
{
	struct xdna_cmd_stamp *s = &ctx->stamps[seq % XDNA_TRACE_STAMPS];

	pthread_mutex_lock(&ctx->trace_lock);
	if (!__atomic_load_n(&ctx->trace_on, __ATOMIC_RELAXED)) {
		memset(ctx->stamps, 0, sizeof(ctx->stamps));
		ctx->trace_done = seq;
		__atomic_store_n(&ctx->trace_on, true, __ATOMIC_RELAXED);
	}
	s->seq = seq;
	s->submit_ns = t0;
	pthread_mutex_unlock(&ctx->trace_lock);
}

static void xdna_trace_fire_locked(struct xdna_hwctx *ctx, uint64_t seq, uint64_t now)
{
	struct xdna_cmd_stamp *s = &ctx->stamps[seq % XDNA_TRACE_STAMPS];

	if (!s->submit_ns || s->seq != seq)
		return;		/* submitted untraced, or already reported */
	XDNA_PROBE(cmd_done, ctx->handle, seq, now - s->submit_ns, (uint64_t)(uintptr_t)ctx);
	s->submit_ns = 0;
}

/*
 * The shim learned that command @seq signalled (a wait returned or a poll
 * said so).  Points of a timeline signal in order, so every earlier command
 * of the context still pending is done too: report those with the same
 * time (when the shim learned it, an upper bound of the signal time).
 */
void xdna_trace_signalled(struct xdna_hwctx *ctx, uint64_t seq)
{
	uint64_t now = xdna_now_ns(), s;

	pthread_mutex_lock(&ctx->trace_lock);
	if (!__atomic_load_n(&ctx->trace_on, __ATOMIC_RELAXED)) {
		/* No traced submission yet in this session: the stamps are old ones. */
		pthread_mutex_unlock(&ctx->trace_lock);
		return;
	}
	s = ctx->trace_done;
	if (seq >= XDNA_TRACE_STAMPS && s < seq - XDNA_TRACE_STAMPS + 1)
		s = seq - XDNA_TRACE_STAMPS + 1;
	for (; s < seq; s++)
		xdna_trace_fire_locked(ctx, s, now);
	xdna_trace_fire_locked(ctx, seq, now);
	if (seq + 1 > ctx->trace_done)
		ctx->trace_done = seq + 1;
	pthread_mutex_unlock(&ctx->trace_lock);
}
