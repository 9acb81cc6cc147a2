// SPDX-License-Identifier: MIT
/*
 * The xdna probes' is-enabled semaphores (the kernel's uprobe ref_ctr
 * raises them while a tracer is attached), and the per-context table of
 * submit times that xdna:cmd_done needs, kept only while it is enabled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/sync_file.h>

#include "shim_internal.h"
#include "shim_trace.h"

/*
 * struct drm_syncobj_handle with Linux 6.16's `point` (libdrm 2.4.114's
 * drm.h has the 16-byte struct): drm_ioctl() zero-extends the shorter one,
 * so one request works on every kernel.  [torvalds/linux c2d3a7300695]
 */
struct xdna_syncobj_handle {
	uint32_t handle;
	uint32_t flags;
	int32_t fd;
	uint32_t pad;
	uint64_t point;
};
#define XDNA_IOCTL_SYNCOBJ_HANDLE_TO_FD	DRM_IOWR(0xC1, struct xdna_syncobj_handle)
#define XDNA_SYNCOBJ_EXPORT_SYNC_FILE	(1u << 0)	/* DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_* */
#define XDNA_SYNCOBJ_TIMELINE		(1u << 1)
#define XDNA_SYNC_FILE_FENCES		4

#ifndef XDNA_NO_PROBES
#define DEFINE_SEMAPHORE(name) \
	__attribute__((section(".probes"))) XDNA_PROBE_SEMAPHORE(name)

DEFINE_SEMAPHORE(bo_create);
DEFINE_SEMAPHORE(bo_destroy);
DEFINE_SEMAPHORE(exec);
DEFINE_SEMAPHORE(cmd_done);
#endif

static void xdna_stamp_close_locked(struct xdna_hwctx *ctx, struct xdna_cmd_stamp *s)
{
	if (s->sync_fd < 0)
		return;
	close(s->sync_fd);
	s->sync_fd = -1;
	ctx->trace_sync_fds--;
}

static void xdna_stamps_reset_locked(struct xdna_hwctx *ctx)
{
	unsigned int i;

	for (i = 0; i < XDNA_TRACE_STAMPS; i++) {
		xdna_stamp_close_locked(ctx, &ctx->stamps[i]);
		ctx->stamps[i].seq = 0;
		ctx->stamps[i].submit_ns = 0;
	}
}

void xdna_trace_init(struct xdna_hwctx *ctx)
{
	unsigned int i;

	for (i = 0; i < XDNA_TRACE_STAMPS; i++)
		ctx->stamps[i].sync_fd = -1;
	ctx->trace_sync_fds = 0;
}

/* The last reference is gone: no lock needed, nobody else sees ctx. */
void xdna_trace_fini(struct xdna_hwctx *ctx)
{
	xdna_stamps_reset_locked(ctx);
}

/*
 * Point @seq of the context's timeline as a sync_file fd (HANDLE_TO_FD
 * EXPORT_SYNC_FILE | TIMELINE), or -errno.  A kernel before 6.16 refuses
 * the TIMELINE flag with -EINVAL, as it refuses a point not yet added: a
 * binary export that works tells them apart, and is remembered per device.
 */
static int xdna_point_sync_file(struct xdna_hwctx *ctx, uint64_t seq)
{
	struct xdna_syncobj_handle h = {
		.handle = ctx->syncobj, .flags = XDNA_SYNCOBJ_EXPORT_SYNC_FILE | XDNA_SYNCOBJ_TIMELINE,
		.fd = -1, .point = seq,
	};
	int err;

	if (!ctx->syncobj || __atomic_load_n(&ctx->dev->no_sync_file_point, __ATOMIC_RELAXED))
		return -EOPNOTSUPP;
	err = xdna_ioctl(ctx->dev->fd, XDNA_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h);
	if (err == -EINVAL) {
		struct xdna_syncobj_handle b = { .handle = ctx->syncobj,
						 .flags = XDNA_SYNCOBJ_EXPORT_SYNC_FILE, .fd = -1 };

		if (!xdna_ioctl(ctx->dev->fd, XDNA_IOCTL_SYNCOBJ_HANDLE_TO_FD, &b)) {
			close(b.fd);
			__atomic_store_n(&ctx->dev->no_sync_file_point, true, __ATOMIC_RELAXED);
		}
	}
	return err ? err : h.fd;
}

/*
 * A traced submission.  The first of a tracing session (an untraced one came
 * before) forgets the stamps of the previous session: their commands were
 * never reported, and reporting them now would time the gap between sessions.
 *
 * The command's point is exported as a sync_file now, while it is surely
 * on the timeline: the file holds the point's own fence, whose signal time
 * it reports later.  Exported only when the command is reported, a point
 * may be gone: drm_syncobj_add_point() walks the chain and collects the
 * signalled links (dma_fence_chain_walk), so with several commands in
 * flight an earlier point resolves to another node or the stub.
 */
void xdna_trace_submitted(struct xdna_hwctx *ctx, uint64_t seq, uint64_t t0)
{
	struct xdna_cmd_stamp *s = &ctx->stamps[seq % XDNA_TRACE_STAMPS];
	int fd = -1;

	pthread_mutex_lock(&ctx->trace_lock);
	if (!__atomic_load_n(&ctx->trace_on, __ATOMIC_RELAXED)) {
		xdna_stamps_reset_locked(ctx);
		ctx->trace_done = seq;
		__atomic_store_n(&ctx->trace_on, true, __ATOMIC_RELAXED);
	}
	/* a slot still holding an unreported command: that one is forgotten */
	xdna_stamp_close_locked(ctx, s);
	if (ctx->trace_sync_fds < XDNA_TRACE_SYNC_FILES)
		fd = xdna_point_sync_file(ctx, seq);
	s->seq = seq;
	s->submit_ns = t0;
	if (fd >= 0) {
		s->sync_fd = fd;
		ctx->trace_sync_fds++;
	}
	pthread_mutex_unlock(&ctx->trace_lock);
}

/* "dma_fence_chain-unbound<context>-<seqno>": the point the file holds. */
static bool xdna_sync_file_is_point(const char *name, uint64_t seq)
{
	const char *dash = strrchr(name, '-');
	char want[24];

	if (strncmp(name, "dma_fence_chain-", 16) || !dash)
		return false;
	snprintf(want, sizeof(want), "-%llu", (unsigned long long)seq);
	return !strcmp(dash, want);
}

/*
 * The kernel's own signal time of point @seq from its sync_file @fd:
 * SYNC_IOC_FILE_INFO gives the fence's dma_fence.timestamp, CLOCK_MONOTONIC
 * ktime_get() when amdxdna's job fence signalled (drivers/dma-buf/sync_file.c
 * sync_fill_fence_info).  0 when it cannot tell: the file holds another
 * node than the point (the global stub of a collected point, whose time is
 * not this command's; point 0 resolving to the timeline's head), the fence
 * has not signalled, or any failure.
 */
static uint64_t xdna_sync_file_signal_ns(int fd, uint64_t seq)
{
	struct sync_fence_info fi[XDNA_SYNC_FILE_FENCES];
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	info.num_fences = XDNA_SYNC_FILE_FENCES;
	info.sync_fence_info = (uintptr_t)fi;
	/* The point's own fence comes first; status 1, or its error: signalled. */
	if (!xdna_ioctl(fd, SYNC_IOC_FILE_INFO, &info) && info.num_fences >= 1 &&
	    fi[0].status != 0 && xdna_sync_file_is_point(info.name, seq))
		return fi[0].timestamp_ns;
	return 0;
}

/* From the file exported at submit, else (none was kept) one exported now. */
static uint64_t xdna_kernel_signal_ns_locked(struct xdna_hwctx *ctx, struct xdna_cmd_stamp *s)
{
	uint64_t ts;
	int fd;

	if (s->sync_fd >= 0) {
		ts = xdna_sync_file_signal_ns(s->sync_fd, s->seq);
		xdna_stamp_close_locked(ctx, s);
		return ts;
	}
	fd = xdna_point_sync_file(ctx, s->seq);
	if (fd < 0)
		return 0;
	ts = xdna_sync_file_signal_ns(fd, s->seq);
	close(fd);
	return ts;
}

static void xdna_trace_fire_locked(struct xdna_hwctx *ctx, uint64_t seq, uint64_t now)
{
	struct xdna_cmd_stamp *s = &ctx->stamps[seq % XDNA_TRACE_STAMPS];
	uint32_t source = XDNA_SIGNAL_KERNEL;
	uint64_t end;

	if (!s->submit_ns || s->seq != seq)
		return;		/* submitted untraced, or already reported */
	end = xdna_kernel_signal_ns_locked(ctx, s);
	if (end < s->submit_ns || end > now) {
		end = now;	/* no kernel time: when the shim learned it */
		source = XDNA_SIGNAL_SHIM;
	}
	XDNA_PROBE(cmd_done, ctx->handle, seq, end - s->submit_ns, (uint64_t)(uintptr_t)ctx,
		   source);
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
