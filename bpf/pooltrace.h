/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Types shared by pooltrace.bpf.c and user space (tools/pooltrace, tests).
 * Map layouts are ABI for anyone reading the pinned maps with bpftool: the
 * key fields are typed with these enums, so `bpftool map dump` prints their
 * names (BTF) rather than numbers.
 */
#ifndef POOLTRACE_H
#define POOLTRACE_H

#define PT_NAME_LEN	32
#define PT_SLOTS	48	/* log2 buckets: up to 2^48 ns (~3 days) */

/*
 * Histogram kinds.  The key's `id` is a pool id for the libpool ones, a
 * hardware context handle for PT_OP_DEVICE and PT_OP_EXEC, a BO type
 * (enum xdna_bo_type) for PT_OP_BO_*, a pool id for PT_OP_POOL_DEVICE.
 */
enum pt_op {
	PT_OP_ACQUIRE = 0,	/* libpool: acquire latency */
	PT_OP_RELEASE = 1,	/* libpool: release latency */
	PT_OP_HOLD = 2,		/* libpool: acquire -> release of the same buffer */
	PT_OP_WAIT = 3,		/* libpool: time blocked in a waiting acquire */
	PT_OP_FENCED = 4,	/* libpool: fenced release -> found reusable (busy list) */
	PT_OP_DEVICE = 5,	/* xdna: exec submitted -> signalled: the fence's kernel
				 * timestamp where the kernel exports it (source kernel),
				 * else when the shim learnt it (source shim) */
	PT_OP_EXEC = 6,		/* xdna: EXEC_CMD ioctl latency */
	PT_OP_BO_CREATE = 7,	/* xdna: xdna_bo_create latency */
	PT_OP_BO_DESTROY = 8,	/* xdna: xdna_bo_destroy latency */
	PT_OP_POOL_DEVICE = 9,	/* both: PT_OP_DEVICE of the commands a pool's buffers were
				 * released fenced on (id = pool id; see struct pt_fence_key) */
	PT_OP__COUNT,
};

/* Counters, in the order pooltrace prints them. */
enum pt_cnt {
	PT_CNT_ACQUIRE = 0,
	PT_CNT_RELEASE,
	PT_CNT_HIT,		/* served from a cache or the free list */
	PT_CNT_MISS,		/* needed a backend allocation */
	PT_CNT_WAITED,		/* acquires that blocked */
	PT_CNT_TIMEOUT,
	PT_CNT_EXHAUSTED,
	PT_CNT_GROW,		/* buffers allocated */
	PT_CNT_EVICT,		/* buffers trimmed */
	PT_CNT_FENCED,		/* libpool: releases with a fence */
	PT_CNT_REUSABLE,	/* libpool: fenced buffers found signalled */
	PT_CNT_EXEC,		/* xdna: commands submitted (per context) */
	PT_CNT_CMD_DONE,	/* xdna: commands seen signalled (per context) */
	PT_CNT_BO_CREATE,	/* xdna: BOs created (per BO type) */
	PT_CNT_BO_DESTROY,	/* xdna: BOs freed (per BO type) */
	PT_CNT_DEVICE_KERNEL,	/* xdna: cmds_done timed by the kernel's signal timestamp */
	PT_CNT_POOL_DEVICE_KERNEL, /* both: the same, per pool (PT_OP_POOL_DEVICE) */
	PT_CNT__COUNT,
};

/* Where xdna:cmd_done's signal time came from (its arg4). */
enum pt_signal_source {
	PT_SIGNAL_SHIM = 0,	/* the shim's clock when it learned it */
	PT_SIGNAL_KERNEL = 1,	/* the fence's dma_fence timestamp, via a sync_file */
};

/* How an acquire was served (the probe's `how` argument). */
enum pt_how {
	PT_HOW_CACHE = 0,	/* per-thread cache */
	PT_HOW_SHARED = 1,	/* shared free list */
	PT_HOW_ALLOC = 2,	/* backend allocation */
	PT_HOW_WAITED = 3,	/* blocked first */
};

struct pt_hist_key {
	__u32 tgid;
	__u32 id;		/* pool id, context handle or BO type: see enum pt_op */
	enum pt_op op;
	__u32 pad;
};

struct pt_cnt_key {
	__u32 tgid;
	__u32 id;		/* as in pt_hist_key */
	enum pt_cnt cnt;
	__u32 pad;
};

struct pt_pool_key {
	__u32 tgid;
	__u32 pool_id;
};

/*
 * The join of the two providers: libpool:release_fenced records which pools
 * had a buffer released on a fence (ctx_cookie, seq); xdna:cmd_done, whose
 * ctx_cookie is the same struct xdna_hwctx *, looks the command up, adds its
 * device time to each of those pools' PT_OP_POOL_DEVICE histogram, and
 * deletes the entry.  An LRU map: entries of commands whose completion is
 * never seen (submitted before a tracer attached) age out.
 */
#define PT_FENCE_POOLS	4	/* pools counted per command; more are left out */

struct pt_fence_key {
	__u32 tgid;
	__u32 pad;
	__u64 ctx_cookie;	/* libpool's fence context = xdna's ctx_cookie */
	__u64 seq;
};

/*
 * Pool ids (never 0: libpool numbers pools from 1) in the order they were
 * claimed; the first 0 ends the list.  A slot is claimed by compare-and-swap
 * from 0, so two threads releasing onto one command at once neither lose a
 * pool nor record one twice.
 */
struct pt_fence_pools {
	__u32 pool_id[PT_FENCE_POOLS];
};

struct pt_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 slots[PT_SLOTS];
};

/*
 * A pool seen: its name, and its latest libpool:state sample (state_ns 0:
 * none yet), the pool's own census of its buffers.
 */
struct pt_pool {
	char name[PT_NAME_LEN];
	__u64 state_ns;		/* CLOCK_MONOTONIC of the sample */
	__u64 total;		/* buffers with memory */
	__u64 outstanding;	/* held by users */
	__u64 idle;		/* free list, ring and thread caches */
	__u64 busy;		/* released on a fence not yet seen signalled */
};

/*
 * Ring-buffer records.  The discrete ones (--mode events) and, for
 * --perfetto, every acquire, release and exec too.  `a` and `b` per kind:
 */
enum pt_event_kind {
	PT_EV_WAIT = 0,		/* a = wait ns, b = result (0, -ETIMEDOUT, -ECANCELED) */
	PT_EV_TIMEOUT,		/* a = wait ns */
	PT_EV_EXHAUSTED,	/* a = outstanding, b = max */
	PT_EV_GROW,		/* a = buffers added, b = total buffers */
	PT_EV_EVICT,		/* a = buffers freed, b = total buffers */
	PT_EV_REUSABLE,		/* a = fenced ns, b = seq */
	PT_EV_CMD_DONE,		/* id = context, a = device ns, b = seq, source */
	PT_EV_EXEC,		/* id = context, a = ioctl ns, b = seq (--perfetto) */
	PT_EV_ACQUIRE,		/* a = buffer index, b = latency ns (--perfetto) */
	PT_EV_RELEASE,		/* a = buffer index, b = hold ns (--perfetto) */
	PT_EV_STATE,		/* a = outstanding, b = idle, c = busy (--perfetto) */
	PT_EV__COUNT,
};

struct pt_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 tgid;
	__u32 tid;
	__u32 id;		/* pool id, or context handle */
	enum pt_event_kind kind;
	__u32 source;		/* PT_EV_CMD_DONE: enum pt_signal_source; else 0 */
	__u32 reserved;		/* 0 */
	__s64 a;
	__s64 b;
	__s64 c;		/* PT_EV_STATE only; else 0 */
	char name[PT_NAME_LEN];	/* pool name ("" for xdna events) */
};

#endif /* POOLTRACE_H */
