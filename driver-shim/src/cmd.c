// SPDX-License-Identifier: MIT
/* Command encoding (ERT packets), submission and completion. */
#include <string.h>
#include <time.h>
#include <xf86drm.h>

#include "shim_internal.h"
#include "shim_trace.h"

#define XDNA_MAX_ARGS	64

int xdna_cmd_encode(struct xdna_bo *cmd, enum xdna_cmd_opcode op, unsigned int cu,
		    const uint32_t *payload, unsigned int n)
{
	uint32_t *w;
	size_t words;

	if (!cmd || cmd->type != XDNA_BO_CMD)
		return xdna_fail(-EINVAL, "xdna_cmd_encode: not a CMD BO");
	if (op != XDNA_CMD_START_CU && op != XDNA_CMD_START_NPU)
		return xdna_fail(-EINVAL, "xdna_cmd_encode: unsupported opcode %d", (int)op);
	if (cu >= 32)
		return xdna_fail(-EINVAL, "xdna_cmd_encode: CU index %u beyond one CU mask", cu);
	if (n && !payload)
		return xdna_fail(-EINVAL, "xdna_cmd_encode: NULL payload");
	words = 1 + (size_t)n;		/* CU mask + payload */
	if (words > XDNA_ERT_MAX_COUNT || (1 + words) * 4 > cmd->size)
		return xdna_fail(-ENOSPC, "xdna_cmd_encode: %u payload words do not fit", n);
	w = cmd->map;
	w[1] = 1u << cu;
	if (n)
		memcpy(&w[2], payload, n * sizeof(*payload));
	/* Header last: the packet is complete before it says NEW. */
	__atomic_store_n(&w[0], XDNA_ERT_CMD_STATE_NEW |
			 ((uint32_t)words << XDNA_ERT_COUNT_SHIFT) |
			 ((uint32_t)op << XDNA_ERT_OPCODE_SHIFT), __ATOMIC_RELEASE);
	return 0;
}

int xdna_cmd_state(const struct xdna_bo *cmd)
{
	const uint32_t *w;

	if (!cmd || cmd->type != XDNA_BO_CMD)
		return -EINVAL;
	w = cmd->map;
	return (int)(__atomic_load_n(&w[0], __ATOMIC_ACQUIRE) & XDNA_ERT_STATE_MASK);
}

int xdna_cmd_exec(struct xdna_hwctx *ctx, struct xdna_bo *cmd, struct xdna_bo *const *args,
		  unsigned int nargs, uint64_t *seq)
{
	uint32_t handles[XDNA_MAX_ARGS];
	struct amdxdna_drm_exec_cmd exec;
	uint64_t t0 = 0;
	unsigned int i;
	int err;

	if (!ctx || !cmd || !seq || (nargs && !args))
		return xdna_fail(-EINVAL, "xdna_cmd_exec: NULL argument");
	if (nargs > XDNA_MAX_ARGS)
		return xdna_fail(-EINVAL, "xdna_cmd_exec: %u argument BOs (max %d)", nargs,
				 XDNA_MAX_ARGS);
	for (i = 0; i < nargs; i++) {
		if (!args[i])
			return xdna_fail(-EINVAL, "xdna_cmd_exec: argument BO %u is NULL", i);
		handles[i] = args[i]->handle;
	}
	exec = (struct amdxdna_drm_exec_cmd){
		.hwctx = ctx->handle,
		.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF,
		.cmd_handles = cmd->handle,
		.args = (uintptr_t)handles,
		.cmd_count = 1,
		.arg_count = nargs,
	};
	/* Timestamps only while a tracer listens (xdna:exec or xdna:cmd_done). */
	if (XDNA_PROBE_ON(exec) || XDNA_PROBE_ON(cmd_done))
		t0 = xdna_now_ns();
	err = xdna_ioctl(ctx->dev->fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &exec);
	if (err)
		return xdna_fail(err, "EXEC_CMD on context %u (%u args): %s", ctx->handle, nargs,
				 xdna_strerror(err));
	*seq = exec.seq;
	if (__builtin_expect(t0 != 0, 0)) {
		/* exec's latency first: cmd_done's bookkeeping exports a sync_file */
		if (XDNA_PROBE_ON(exec))
			XDNA_PROBE(exec, ctx->handle, exec.seq, xdna_now_ns() - t0,
				   (uint64_t)(uintptr_t)ctx);
		if (XDNA_PROBE_ON(cmd_done))
			xdna_trace_submitted(ctx, exec.seq, t0);
	}
	/* An untraced submission ends a tracing session (see xdna_trace_submitted). */
	if (!XDNA_PROBE_ON(cmd_done) &&
	    __builtin_expect(__atomic_load_n(&ctx->trace_on, __ATOMIC_RELAXED), 0))
		__atomic_store_n(&ctx->trace_on, false, __ATOMIC_RELAXED);
	return 0;
}

static int64_t xdna_deadline(int64_t timeout_ns)
{
	struct timespec ts;
	int64_t now;

	if (timeout_ns < 0)
		return INT64_MAX;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* Out-of-tree AIE4 contexts have no syncobj and use WAIT_CMD instead. */
static int xdna_wait_cmd_ioctl(struct xdna_hwctx *ctx, uint64_t seq, int64_t timeout_ns)
{
	struct amdxdna_drm_wait_cmd w = { .hwctx = ctx->handle, .seq = seq };

	if (timeout_ns >= 0)
		w.timeout = timeout_ns / NSEC_PER_MSEC ? (uint32_t)(timeout_ns / NSEC_PER_MSEC) : 1;
	return xdna_ioctl(ctx->dev->fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w);
}

/*
 * DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT on point @seq of the context's syncobj,
 * until the absolute CLOCK_MONOTONIC @deadline_ns (0 polls).  The kernel adds
 * point seq for command seq, counting from 0 (torvalds/linux
 * drivers/accel/amdxdna/aie2_ctx.c, aie2_cmd_submit: job->seq =
 * hwctx->priv->seq++, drm_syncobj_add_point(..., job->seq)).  Point 0 of a
 * timeline is its newest fence (drm_syncobj.c, drm_syncobj_find_fence), so a
 * wait on command 0 also waits for what was submitted after it: late, never
 * early.
 */
static int xdna_syncobj_wait_point(struct xdna_hwctx *ctx, uint64_t seq, int64_t deadline_ns)
{
	struct drm_syncobj_timeline_wait w = {
		.handles = (uintptr_t)&ctx->syncobj,
		.points = (uintptr_t)&seq,
		.timeout_nsec = deadline_ns,
		.count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};

	return xdna_ioctl(ctx->dev->fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
}

static bool xdna_hwctx_dead(const struct xdna_hwctx *ctx)
{
	return atomic_load_explicit(&ctx->dead, memory_order_acquire);
}

int xdna_hwctx_wait(struct xdna_hwctx *ctx, uint64_t seq, int64_t timeout_ns)
{
	int err;

	if (!ctx)
		return xdna_fail(-EINVAL, "xdna_hwctx_wait: NULL context");
	if (seq == XDNA_SEQ_NONE || xdna_hwctx_dead(ctx))
		return 0;
	if (ctx->syncobj)
		err = xdna_syncobj_wait_point(ctx, seq, xdna_deadline(timeout_ns));
	else
		err = xdna_wait_cmd_ioctl(ctx, seq, timeout_ns);
	if (err && xdna_hwctx_dead(ctx))
		return 0;	/* destroyed while we waited: settled */
	if (!err && XDNA_PROBE_ON(cmd_done))
		xdna_trace_signalled(ctx, seq);
	if (err == -ETIME)
		return xdna_fail(err, "context %u: command %llu not done after %lld ns",
				 ctx->handle, (unsigned long long)seq, (long long)timeout_ns);
	if (err)
		return xdna_fail(err, "wait for command %llu on context %u: %s",
				 (unsigned long long)seq, ctx->handle, xdna_strerror(err));
	return 0;
}

/*
 * A poll of point @seq, not SYNCOBJ_QUERY: the query answers the newest
 * signalled point, 0 when none has signalled, so it cannot tell "command 0
 * done" from "nothing done" (drm_syncobj.c, drm_syncobj_query_ioctl).
 */
int xdna_hwctx_signalled(struct xdna_hwctx *ctx, uint64_t seq)
{
	int err;

	if (!ctx)
		return xdna_fail(-EINVAL, "xdna_hwctx_signalled: NULL context");
	if (seq == XDNA_SEQ_NONE || xdna_hwctx_dead(ctx))
		return 1;
	if (ctx->syncobj)
		err = xdna_syncobj_wait_point(ctx, seq, 0);
	else
		err = xdna_wait_cmd_ioctl(ctx, seq, 0);
	if (err && xdna_hwctx_dead(ctx))
		return 1;
	if (err == -ETIME || err == -ETIMEDOUT)
		return 0;
	if (err)
		return xdna_fail(err, "poll of command %llu on context %u: %s",
				 (unsigned long long)seq, ctx->handle, xdna_strerror(err));
	if (XDNA_PROBE_ON(cmd_done))
		xdna_trace_signalled(ctx, seq);
	return 1;
}

static const char *xdna_cmd_state_name(int state)
{
	static const char *const names[] = {
		[XDNA_ERT_CMD_STATE_NEW] = "NEW",
		[XDNA_ERT_CMD_STATE_QUEUED] = "QUEUED",
		[XDNA_ERT_CMD_STATE_RUNNING] = "RUNNING",
		[XDNA_ERT_CMD_STATE_COMPLETED] = "COMPLETED",
		[XDNA_ERT_CMD_STATE_ERROR] = "ERROR",
		[XDNA_ERT_CMD_STATE_ABORT] = "ABORT",
		[XDNA_ERT_CMD_STATE_SUBMITTED] = "SUBMITTED",
		[XDNA_ERT_CMD_STATE_TIMEOUT] = "TIMEOUT",
		[XDNA_ERT_CMD_STATE_NORESPONSE] = "NORESPONSE",
	};

	if (state >= 0 && state < (int)(sizeof(names) / sizeof(names[0])) && names[state])
		return names[state];
	return "unknown";
}

int xdna_cmd_wait(struct xdna_hwctx *ctx, struct xdna_bo *cmd, uint64_t seq,
		  int64_t timeout_ns)
{
	int err = xdna_hwctx_wait(ctx, seq, timeout_ns);
	int state;

	if (err)
		return err;
	state = xdna_cmd_state(cmd);
	switch (state) {
	case XDNA_ERT_CMD_STATE_COMPLETED:
		return 0;
	case XDNA_ERT_CMD_STATE_ABORT:
		return xdna_fail(-ECANCELED, "command %llu aborted", (unsigned long long)seq);
	case XDNA_ERT_CMD_STATE_TIMEOUT:
		return xdna_fail(-ETIMEDOUT, "command %llu timed out on the NPU",
				 (unsigned long long)seq);
	default:
		return xdna_fail(-EIO, "command %llu on context %u finished in state %s (%d)",
				 (unsigned long long)seq, ctx->handle, xdna_cmd_state_name(state),
				 state);
	}
}
