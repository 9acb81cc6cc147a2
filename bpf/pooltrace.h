/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/*
 * Types shared by pooltrace.bpf.c and user space (tools/pooltrace, tests).
 * Map layouts are ABI for anyone reading the pinned maps with bpftool.
 */
#ifndef POOLTRACE_H
#define POOLTRACE_H

#define PT_NAME_LEN	32
#define PT_SLOTS	48	/* log2 buckets: up to 2^48 ns (~3 days) */

/* Histogram kinds. */
enum pt_op {
	PT_OP_ACQUIRE = 0,	/* acquire latency */
	PT_OP_RELEASE = 1,	/* release latency */
	PT_OP_HOLD = 2,		/* acquire -> release of the same buffer */
	PT_OP_WAIT = 3,		/* time blocked in a waiting acquire */
	PT_OP_DEVICE = 4,	/* submit -> device completion */
	PT_OP__COUNT,
};

/* Counters. */
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
	PT_CNT_SUBMIT,
	PT_CNT_COMPLETE,
	PT_CNT__COUNT,
};

/* How an acquire was served (the probe's `how` argument). */
enum pt_how {
	PT_HOW_CACHE = 0,	/* per-thread cache */
	PT_HOW_SHARED = 1,	/* shared free list */
	PT_HOW_ALLOC = 2,	/* backend allocation */
	PT_HOW_WAITED = 3,	/* blocked first */
};

struct pt_key {
	__u32 tgid;
	__u32 pool_id;
	__u32 kind;		/* enum pt_op or enum pt_cnt */
	__u32 pad;
};

struct pt_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 slots[PT_SLOTS];
};

struct pt_pool {
	char name[PT_NAME_LEN];
};

/* Discrete events for --mode events (ring buffer). */
enum pt_event_kind {
	PT_EV_WAIT = 0,		/* a = wait ns, b = result */
	PT_EV_TIMEOUT,		/* a = wait ns */
	PT_EV_EXHAUSTED,	/* a = outstanding, b = max */
	PT_EV_GROW,		/* a = buffers added, b = total */
	PT_EV_EVICT,		/* a = buffers freed, b = total */
	PT_EV_COMPLETE,		/* a = device ns, b = seq */
};

struct pt_event {
	__u64 ts_ns;
	__u32 tgid;
	__u32 pool_id;
	__u32 kind;
	__u32 pad;
	__s64 a;
	__s64 b;
	char name[PT_NAME_LEN];
};

#endif /* POOLTRACE_H */
