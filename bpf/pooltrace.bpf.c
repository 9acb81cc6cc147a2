// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/*
 * pooltrace: latency histograms and counters from the USDT probes of
 * libpool (provider libpool) and libxdna-shim (provider xdna).
 *
 * Both libraries time each operation themselves and fire one probe per
 * operation carrying the latency (see bpf/PROBES.md): entry/exit uprobes
 * would mostly measure their own trap.  Filtering by process and pool happens here, in
 * the kernel, so user space only reads maps.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "pooltrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 targ_tgid = 0;		/* 0: every process */
const volatile bool filter_pool = false;
const volatile char targ_pool[PT_NAME_LEN] = {};
const volatile bool emit_events = false;	/* discrete events (--mode events) */
const volatile bool emit_trace = false;		/* + acquire, release, exec (--perfetto) */

/*
 * Set by pooltrace once every program is attached, cleared before the
 * first is detached: detaching takes seconds (a uprobe unregistration
 * each), and programs still attached meanwhile would count on while others
 * had stopped (acquires detached first, fenced releases counting on).  One
 * switch stops them all at one instant, so the last report is consistent.
 */
bool tracing_on = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pt_hist_key);
	__type(value, struct pt_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct pt_cnt_key);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pt_pool_key);
	__type(value, struct pt_pool);
} pools SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pt_fence_key);
	__type(value, struct pt_fence_pools);
} fence_pools SEC(".maps");

/* A zeroed histogram to insert from: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_hist);
} zero_hist SEC(".maps");

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline bool name_matches(const char *name)
{
	char buf[PT_NAME_LEN] = {};
	int i;

	if (bpf_probe_read_user_str(buf, sizeof(buf), name) < 0)
		return false;
	for (i = 0; i < PT_NAME_LEN; i++) {
		if (buf[i] != targ_pool[i])
			return false;
		if (!buf[i])
			return true;
	}
	return true;
}

/*
 * Process and pool filter; records the pool's name on first sight.  Returns
 * the pool's entry (NULL when filtered out, or the map is full: then
 * nothing is recorded either).
 */
static __always_inline struct pt_pool *want_pool(__u32 pool_id, const char *name)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pt_pool_key k = { .tgid = tgid, .pool_id = pool_id };
	struct pt_pool *p;

	if (!tracing_on)
		return NULL;
	if (targ_tgid && tgid != targ_tgid)
		return NULL;
	if (filter_pool && !name_matches(name))
		return NULL;
	p = bpf_map_lookup_elem(&pools, &k);
	if (!p) {
		struct pt_pool fresh = {};

		bpf_probe_read_user_str(fresh.name, sizeof(fresh.name), name);
		bpf_map_update_elem(&pools, &k, &fresh, BPF_NOEXIST);
		return bpf_map_lookup_elem(&pools, &k);
	}
	if (!p->name[0]) {
		/* The page holding the name was not resident last time. */
		bpf_probe_read_user_str(p->name, sizeof(p->name), name);
	}
	return p;
}

static __always_inline bool want(__u32 pool_id, const char *name)
{
	return want_pool(pool_id, name) != NULL;
}

static __always_inline bool want_tgid(void)
{
	if (!tracing_on)
		return false;
	return !targ_tgid || (bpf_get_current_pid_tgid() >> 32) == targ_tgid;
}

static __always_inline void hist_add(__u32 id, enum pt_op op, __u64 ns)
{
	struct pt_hist_key k = {
		.tgid = bpf_get_current_pid_tgid() >> 32, .id = id, .op = op,
	};
	struct pt_hist *h = bpf_map_lookup_elem(&hists, &k);
	__u32 slot, zero = 0;

	if (!h) {
		struct pt_hist *z = bpf_map_lookup_elem(&zero_hist, &zero);

		if (!z)
			return;
		bpf_map_update_elem(&hists, &k, z, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &k);
		if (!h)
			return;
	}
	slot = log2_u64(ns);
	if (slot >= PT_SLOTS)
		slot = PT_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
}

static __always_inline void count_add(__u32 id, enum pt_cnt cnt, __u64 n)
{
	struct pt_cnt_key k = {
		.tgid = bpf_get_current_pid_tgid() >> 32, .id = id, .cnt = cnt,
	};
	__u64 *c = bpf_map_lookup_elem(&counters, &k);

	if (c) {
		__sync_fetch_and_add(c, n);
		return;
	}
	if (bpf_map_update_elem(&counters, &k, &n, BPF_NOEXIST)) {
		c = bpf_map_lookup_elem(&counters, &k);	/* lost the race: add */
		if (c)
			__sync_fetch_and_add(c, n);
	}
}

static __always_inline void event_src(__u32 id, const char *name, enum pt_event_kind kind,
				      __s64 a, __s64 b, __u32 source, __s64 c)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pt_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->tgid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->id = id;
	e->kind = kind;
	e->source = source;
	e->reserved = 0;
	e->a = a;
	e->b = b;
	e->c = c;
	e->name[0] = 0;
	if (name)
		bpf_probe_read_user_str(e->name, sizeof(e->name), name);
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void event(__u32 id, const char *name, enum pt_event_kind kind,
				  __s64 a, __s64 b)
{
	event_src(id, name, kind, a, b, 0, 0);
}

/* A discrete event: --mode events, and --perfetto. */
#define EVENT(...)	do { if (emit_events || emit_trace) event(__VA_ARGS__); } while (0)
/* Every operation: --perfetto only. */
#define TRACE(...)	do { if (emit_trace) event(__VA_ARGS__); } while (0)

SEC("usdt")
int BPF_USDT(on_acquire, __u32 pool_id, const char *name, __u32 buf_id, __u64 lat_ns,
	     __u32 how)
{
	if (!want(pool_id, name))
		return 0;
	hist_add(pool_id, PT_OP_ACQUIRE, lat_ns);
	count_add(pool_id, PT_CNT_ACQUIRE, 1);
	count_add(pool_id, how == PT_HOW_ALLOC ? PT_CNT_MISS : PT_CNT_HIT, 1);
	TRACE(pool_id, name, PT_EV_ACQUIRE, buf_id, (__s64)lat_ns);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_release, __u32 pool_id, const char *name, __u32 buf_id, __u64 lat_ns,
	     __u64 hold_ns)
{
	if (!want(pool_id, name))
		return 0;
	hist_add(pool_id, PT_OP_RELEASE, lat_ns);
	if (hold_ns)	/* 0: acquired before the tracer attached */
		hist_add(pool_id, PT_OP_HOLD, hold_ns);
	count_add(pool_id, PT_CNT_RELEASE, 1);
	TRACE(pool_id, name, PT_EV_RELEASE, buf_id, (__s64)hold_ns);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_wait_end, __u32 pool_id, const char *name, __u64 wait_ns, __s32 result)
{
	if (!want(pool_id, name))
		return 0;
	hist_add(pool_id, PT_OP_WAIT, wait_ns);
	count_add(pool_id, PT_CNT_WAITED, 1);
	EVENT(pool_id, name, PT_EV_WAIT, (__s64)wait_ns, result);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_timeout, __u32 pool_id, const char *name, __u64 wait_ns)
{
	if (!want(pool_id, name))
		return 0;
	count_add(pool_id, PT_CNT_TIMEOUT, 1);
	EVENT(pool_id, name, PT_EV_TIMEOUT, (__s64)wait_ns, 0);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_exhausted, __u32 pool_id, const char *name, __u64 outstanding, __u64 max)
{
	if (!want(pool_id, name))
		return 0;
	count_add(pool_id, PT_CNT_EXHAUSTED, 1);
	EVENT(pool_id, name, PT_EV_EXHAUSTED, (__s64)outstanding, (__s64)max);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_grow, __u32 pool_id, const char *name, __u32 n, __u64 total)
{
	if (!want(pool_id, name))
		return 0;
	count_add(pool_id, PT_CNT_GROW, n);
	EVENT(pool_id, name, PT_EV_GROW, n, (__s64)total);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_evict, __u32 pool_id, const char *name, __u32 n, __u64 total)
{
	if (!want(pool_id, name))
		return 0;
	count_add(pool_id, PT_CNT_EVICT, n);
	EVENT(pool_id, name, PT_EV_EVICT, n, (__s64)total);
	return 0;
}

/*
 * The pool's own census (libpool samples it at most once a millisecond
 * while buffers move, at each grow and trim and at destroy): kept in the
 * pool's entry for --top and bpftool, and a counter sample on the timeline.
 */
SEC("usdt")
int BPF_USDT(on_state, __u32 pool_id, const char *name, __u64 total, __u64 outstanding,
	     __u64 idle, __u64 busy)
{
	struct pt_pool *p = want_pool(pool_id, name);

	if (!p)
		return 0;
	p->total = total;
	p->outstanding = outstanding;
	p->idle = idle;
	p->busy = busy;
	p->state_ns = bpf_ktime_get_ns();
	if (emit_trace)
		event_src(pool_id, name, PT_EV_STATE, (__s64)outstanding, (__s64)idle, 0,
			  (__s64)busy);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_release_fenced, __u32 pool_id, const char *name, __u32 buf_id, __u64 fence_ctx,
	     __u64 seq)
{
	struct pt_fence_key k = {
		.tgid = bpf_get_current_pid_tgid() >> 32, .ctx_cookie = fence_ctx, .seq = seq,
	};
	struct pt_fence_pools *fp;
	__u32 i, old;

	if (!want(pool_id, name) || !pool_id)
		return 0;
	count_add(pool_id, PT_CNT_FENCED, 1);
	fp = bpf_map_lookup_elem(&fence_pools, &k);
	if (!fp) {
		struct pt_fence_pools fresh = { .pool_id = { pool_id } };

		if (!bpf_map_update_elem(&fence_pools, &k, &fresh, BPF_NOEXIST))
			return 0;
		fp = bpf_map_lookup_elem(&fence_pools, &k);	/* another thread's */
		if (!fp)
			return 0;
	}
	/*
	 * Each pool once per command, however many of its buffers ride on it:
	 * claim the first free slot unless an earlier one holds this pool.  A
	 * claimed slot never goes back to 0, so the list has no holes
	 * (BPF_CMPXCHG, -mcpu=v3: Linux 5.12).
	 */
	for (i = 0; i < PT_FENCE_POOLS; i++) {
		old = __sync_val_compare_and_swap(&fp->pool_id[i], 0, pool_id);
		if (old == 0 || old == pool_id)
			return 0;
	}
	return 0;
}

SEC("usdt")
int BPF_USDT(on_reusable, __u32 pool_id, const char *name, __u32 buf_id, __u64 seq,
	     __u64 fenced_ns)
{
	if (!want(pool_id, name))
		return 0;
	if (fenced_ns)	/* 0: released before the tracer attached */
		hist_add(pool_id, PT_OP_FENCED, fenced_ns);
	count_add(pool_id, PT_CNT_REUSABLE, 1);
	EVENT(pool_id, name, PT_EV_REUSABLE, (__s64)fenced_ns, (__s64)seq);
	return 0;
}

/* ------------------------------------------------- provider xdna (the shim) */

SEC("usdt")
int BPF_USDT(on_bo_create, __u32 type, __u64 size, __u64 lat_ns, __u32 handle)
{
	if (!want_tgid())
		return 0;
	if (lat_ns)
		hist_add(type, PT_OP_BO_CREATE, lat_ns);
	count_add(type, PT_CNT_BO_CREATE, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_bo_destroy, __u32 type, __u64 size, __u64 lat_ns, __u32 handle)
{
	if (!want_tgid())
		return 0;
	if (lat_ns)
		hist_add(type, PT_OP_BO_DESTROY, lat_ns);
	count_add(type, PT_CNT_BO_DESTROY, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_exec, __u32 hwctx, __u64 seq, __u64 lat_ns, __u64 cookie)
{
	if (!want_tgid())
		return 0;
	hist_add(hwctx, PT_OP_EXEC, lat_ns);
	count_add(hwctx, PT_CNT_EXEC, 1);
	TRACE(hwctx, NULL, PT_EV_EXEC, (__s64)lat_ns, (__s64)seq);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_cmd_done, __u32 hwctx, __u64 seq, __u64 device_ns, __u64 cookie,
	     __u32 source)
{
	struct pt_fence_key k = {
		.tgid = bpf_get_current_pid_tgid() >> 32, .ctx_cookie = cookie, .seq = seq,
	};
	struct pt_fence_pools *fp;
	__u32 i;

	if (!want_tgid())
		return 0;
	hist_add(hwctx, PT_OP_DEVICE, device_ns);
	count_add(hwctx, PT_CNT_CMD_DONE, 1);
	if (source == PT_SIGNAL_KERNEL)
		count_add(hwctx, PT_CNT_DEVICE_KERNEL, 1);
	fp = bpf_map_lookup_elem(&fence_pools, &k);
	if (fp) {
		for (i = 0; i < PT_FENCE_POOLS; i++) {
			if (!fp->pool_id[i])
				break;
			hist_add(fp->pool_id[i], PT_OP_POOL_DEVICE, device_ns);
			if (source == PT_SIGNAL_KERNEL)
				count_add(fp->pool_id[i], PT_CNT_POOL_DEVICE_KERNEL, 1);
		}
		bpf_map_delete_elem(&fence_pools, &k);
	}
	if (emit_events || emit_trace)
		event_src(hwctx, NULL, PT_EV_CMD_DONE, (__s64)device_ns, (__s64)seq, source, 0);
	return 0;
}
