// SPDX-License-Identifier: MIT
/*
 * pooltrace's reports: funclatency-style log2 histograms and a counter
 * table, or one JSON line per report; keys in a fixed order (pid, scope,
 * id, kind), counters in enum pt_cnt order.  Every record is timestamped:
 * wall clock (ISO-8601 UTC) and CLOCK_MONOTONIC ns, the probes' clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "pooltrace_tool.h"
#include "tool.h"
#include "pooltrace.skel.h"

const char *const pt_op_names[PT_OP__COUNT] = {
	"acquire", "release", "hold", "wait", "fenced", "device", "exec", "bo_create",
	"bo_destroy", "pool_device",
};

/* Counter names; reports list them in this (enum pt_cnt) order. */
const char *const pt_cnt_names[PT_CNT__COUNT] = {
	"acquires", "releases", "hits", "misses", "waits", "timeouts",
	"exhausted", "grown", "evicted", "fenced", "reusable", "execs", "cmds_done",
	"bos_created", "bos_destroyed", "device_kernel_ts", "pool_device_kernel_ts",
};

enum scope pt_op_scope(unsigned int op)
{
	if (op == PT_OP_DEVICE || op == PT_OP_EXEC)
		return S_CTX;
	if (op == PT_OP_BO_CREATE || op == PT_OP_BO_DESTROY)
		return S_BO;
	return S_POOL;
}

enum scope pt_cnt_scope(unsigned int c)
{
	if (c == PT_CNT_EXEC || c == PT_CNT_CMD_DONE || c == PT_CNT_DEVICE_KERNEL)
		return S_CTX;
	if (c == PT_CNT_BO_CREATE || c == PT_CNT_BO_DESTROY)
		return S_BO;
	return S_POOL;
}

const char *const pt_scope_names[] = { "pool", "context", "bo" };

/* Wall clock minus CLOCK_MONOTONIC, to date monotonic (BPF) timestamps. */
static long long wall_offset_ns;

void pt_init_clocks(void)
{
	struct timespec w;

	clock_gettime(CLOCK_REALTIME, &w);
	wall_offset_ns = ((long long)w.tv_sec * 1000000000ll + w.tv_nsec) - (long long)tool_now_ns();
}

void pt_iso_time(unsigned long long mono, char *buf, size_t len)
{
	long long wall = (long long)mono + wall_offset_ns;
	time_t sec = (time_t)(wall / 1000000000ll);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lldZ", (wall % 1000000000ll) / 1000000);
}

static void print_stars(unsigned long long v, unsigned long long max, int width)
{
	int n = max ? (int)((v * (unsigned long long)width) / max) : 0, i;

	for (i = 0; i < width; i++)
		putchar(i < n ? '*' : ' ');
}

static int log2_floor(unsigned long long v)
{
	int r = 0;

	while (v > 1) {
		v >>= 1;
		r++;
	}
	return r;
}

/*
 * Re-bucket a log2-ns histogram (bucket i holds [2^i, 2^(i+1)) ns) into log2
 * buckets of the chosen unit, labelled as funclatency labels them.
 */
static int rebucket(const struct pt_hist *h, unsigned long long unit, unsigned long long *out)
{
	int i, max = -1;

	memset(out, 0, sizeof(*out) * PT_SLOTS);
	for (i = 0; i < PT_SLOTS; i++) {
		int slot;

		if (!h->slots[i])
			continue;
		slot = log2_floor((i ? 1ull << i : 0) / unit);
		out[slot] += h->slots[i];
		if (slot > max)
			max = slot;
	}
	return max;
}

static void bucket_range(int i, unsigned long long *lo, unsigned long long *hi)
{
	*lo = (1ull << (i + 1)) >> 1;
	*hi = (1ull << (i + 1)) - 1;
	if (*lo == *hi)
		*lo -= 1;
}

static const char *const bo_type_names[] = { "?", "share", "dev_heap", "dev", "cmd" };

/* "pool mel", "context 1", "bo share" */
static void key_label(struct pooltrace_bpf *skel, __u32 tgid, __u32 id, enum scope sc,
		      char *out, size_t len)
{
	struct pt_pool_key pk = { .tgid = tgid, .pool_id = id };
	struct pt_pool p;

	if (sc == S_CTX) {
		snprintf(out, len, "%u", id);
	} else if (sc == S_BO) {
		snprintf(out, len, "%s", id < 5 ? bo_type_names[id] : "?");
	} else if (bpf_map__lookup_elem(skel->maps.pools, &pk, sizeof(pk), &p, sizeof(p), 0)) {
		snprintf(out, len, "#%u", id);
	} else {
		snprintf(out, len, "%s", p.name);
	}
}

/* One histogram to print. */
struct hist_rec {
	const char *label;
	enum scope sc;
	unsigned int pid;
	enum pt_op op;
	const struct pt_hist *h;
	long long kernel;	/* device time: commands timed by the kernel; else -1 */
};

/* Which clock a device histogram shows (xdna:cmd_done's source). */
static void print_source(const struct hist_rec *r)
{
	unsigned long long n = r->h->count, k = (unsigned long long)r->kernel;

	if (r->kernel < 0)
		return;
	printf("source: %s (%llu of %llu commands by the kernel's signal timestamp, "
	       "sync_file; the rest by the shim's clock when it learned it)\n",
	       k == n ? "kernel" : k ? "mixed" : "shim", k, n);
}

static void print_hist(const struct opts *o, const struct hist_rec *r)
{
	unsigned long long b[PT_SLOTS], peak = 0;
	const struct pt_hist *h = r->h;
	int i, last = rebucket(h, o->unit, b);

	printf("\n%s %s (pid %u): %s latency\n", pt_scope_names[r->sc], r->label, r->pid,
	       pt_op_names[r->op]);
	printf("%24s : count     distribution\n", o->unit_name);
	for (i = 0; i <= last; i++)
		if (b[i] > peak)
			peak = b[i];
	for (i = 0; i <= last; i++) {
		unsigned long long lo, hi;

		bucket_range(i, &lo, &hi);
		printf("%10llu -> %-10llu : %-8llu |", lo, hi, b[i]);
		print_stars(b[i], peak, 40);
		printf("|\n");
	}
	printf("avg = %llu %s, total: %llu %s, count: %llu\n",
	       h->count ? h->sum_ns / h->count / o->unit : 0, o->unit_name,
	       h->sum_ns / o->unit, o->unit_name, (unsigned long long)h->count);
	print_source(r);
}

static void print_hist_json(const struct opts *o, const struct hist_rec *r, bool *first)
{
	unsigned long long b[PT_SLOTS];
	const struct pt_hist *h = r->h;
	int i, last = rebucket(h, o->unit, b);
	bool f = true;

	printf("%s{\"%s\": \"%s\", \"pid\": %u, \"op\": \"%s\", \"unit\": \"%s\", "
	       "\"count\": %llu, \"sum_ns\": %llu, ",
	       *first ? "" : ", ", pt_scope_names[r->sc], r->label, r->pid, pt_op_names[r->op],
	       o->unit_name, (unsigned long long)h->count, (unsigned long long)h->sum_ns);
	if (r->kernel >= 0)
		printf("\"kernel_ts\": %lld, ", r->kernel);
	printf("\"buckets\": [");
	for (i = 0; i <= last; i++) {
		unsigned long long lo, hi;

		if (!b[i])
			continue;
		bucket_range(i, &lo, &hi);
		printf("%s{\"low\": %llu, \"high\": %llu, \"count\": %llu}", f ? "" : ", ",
		       lo, hi, b[i]);
		f = false;
	}
	printf("]}");
	*first = false;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct any_key *a = pa, *b = pb;

	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->pad != b->pad)		/* scope, filled in by sorted_keys */
		return a->pad < b->pad ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
}

size_t pt_sorted_keys(struct bpf_map *map, bool hist, struct any_key **out)
{
	struct any_key k, next, *prev = NULL, *v = NULL;
	size_t n = 0, cap = 0;

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		if (n == cap) {
			struct any_key *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n] = k;
		v[n].pad = hist ? pt_op_scope(k.kind) : pt_cnt_scope(k.kind);
		n++;
	}
	if (n)		/* qsort(NULL, 0, ...) is undefined */
		qsort(v, n, sizeof(*v), key_cmp);
	*out = v;
	return n;
}

static __u64 counter_of(struct pooltrace_bpf *skel, __u32 tgid, __u32 id, enum pt_cnt c)
{
	struct pt_cnt_key k = { .tgid = tgid, .id = id, .cnt = c };
	__u64 v = 0;

	if (bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0))
		return 0;
	return v;
}

static void print_hists(const struct opts *o, struct pooltrace_bpf *skel, bool *first)
{
	struct any_key *keys;
	size_t n = pt_sorted_keys(skel->maps.hists, true, &keys), i;
	char label[PT_NAME_LEN + 16];
	struct hist_rec rec;
	struct pt_hist h;

	for (i = 0; i < n; i++) {
		struct pt_hist_key k = { .tgid = keys[i].tgid, .id = keys[i].id,
					 .op = keys[i].kind };

		if (k.op >= PT_OP__COUNT || !(o->modes & (1u << k.op)))
			continue;
		if (bpf_map__lookup_elem(skel->maps.hists, &k, sizeof(k), &h, sizeof(h), 0))
			continue;
		key_label(skel, k.tgid, k.id, pt_op_scope(k.op), label, sizeof(label));
		rec = (struct hist_rec){ .label = label, .sc = pt_op_scope(k.op), .pid = k.tgid,
					 .op = k.op, .h = &h, .kernel = -1 };
		if (k.op == PT_OP_DEVICE || k.op == PT_OP_POOL_DEVICE)
			rec.kernel = (long long)counter_of(skel, k.tgid, k.id,
							   k.op == PT_OP_DEVICE ? PT_CNT_DEVICE_KERNEL :
							   PT_CNT_POOL_DEVICE_KERNEL);
		if (o->json)
			print_hist_json(o, &rec, first);
		else
			print_hist(o, &rec);
	}
	free(keys);
}

static void print_counters(const struct opts *o, struct pooltrace_bpf *skel, bool *first)
{
	struct any_key *keys;
	size_t n = pt_sorted_keys(skel->maps.counters, false, &keys), i;
	char label[PT_NAME_LEN + 16];
	__u64 v;

	if (!o->json && n)
		printf("\n%-8s %-24s %8s %-21s %12s\n", "scope", "name", "pid", "counter", "value");
	for (i = 0; i < n; i++) {
		struct pt_cnt_key k = { .tgid = keys[i].tgid, .id = keys[i].id,
					.cnt = keys[i].kind };
		enum scope sc = pt_cnt_scope(k.cnt);

		if (k.cnt >= PT_CNT__COUNT ||
		    bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0))
			continue;
		key_label(skel, k.tgid, k.id, sc, label, sizeof(label));
		if (o->json)
			printf("%s{\"%s\": \"%s\", \"pid\": %u, \"counter\": \"%s\", \"value\": %llu}",
			       *first ? "" : ", ", pt_scope_names[sc], label, k.tgid,
			       pt_cnt_names[k.cnt], (unsigned long long)v);
		else
			printf("%-8s %-24s %8u %-21s %12llu\n", pt_scope_names[sc], label, k.tgid,
			       pt_cnt_names[k.cnt], (unsigned long long)v);
		*first = false;
	}
	free(keys);
}

void pt_clear_map(struct bpf_map *map)
{
	struct any_key k;

	while (!bpf_map__get_next_key(map, NULL, &k, sizeof(k)))
		if (bpf_map__delete_elem(map, &k, sizeof(k), 0))
			break;
}

void pt_report(const struct opts *o, struct pooltrace_bpf *skel, int seq)
{
	unsigned long long now = tool_now_ns();
	bool first = true;
	char iso[64];

	pt_iso_time(now, iso, sizeof(iso));
	if (o->json) {
		printf("{\"time\": \"%s\", \"mono_ns\": %llu, \"report\": %d, \"histograms\": [",
		       iso, now, seq);
		print_hists(o, skel, &first);
		printf("], \"counters\": [");
		first = true;
		print_counters(o, skel, &first);
		printf("]}\n");
	} else {
		if (o->timestamps)
			printf("\n%s (monotonic %llu ns)\n", iso, now);
		print_hists(o, skel, &first);
		print_counters(o, skel, &first);
	}
	fflush(stdout);
}

