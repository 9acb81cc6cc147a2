// SPDX-License-Identifier: MIT
/*
 * --perfetto FILE: the run as Chrome/Perfetto trace-event JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pooltrace_tool.h"

/*
 * Chrome trace-event JSON (https://docs.google.com/document/d/1CvAClvFfyA5R-
 * PhYUmn5OOQtYMH4h6I0nSsKchNAySU): an "X" slice per buffer, acquire ->
 * release, on the acquiring thread's track; an "X" slice per command,
 * submit -> signalled, on a track per hardware context (args.signal_time:
 * whose clock gave its end, the kernel's or the shim's); "C" counters per
 * pool.  Timestamps are CLOCK_MONOTONIC in microseconds.
 */
#define PF_OPEN		8192
#define PF_CTX_TID	0x40000000u	/* context tracks: tid = this + handle */

struct pf_open {
	__u32 tgid, pool, buf, tid;
	__u64 ts;
	bool used;
};

struct pf_pool {
	__u32 tgid, pool;
	long long outstanding;
	long long total;		/* -1: unknown (no grow/evict seen) */
	bool named;
};

struct perfetto {
	FILE *f;
	bool first;
	struct pf_open open[PF_OPEN];
	struct pf_pool pools[256];
	unsigned int npools;
	__u64 ctx_named[64];		/* (tgid << 32 | ctx) already given a name */
	unsigned int nctx;
	unsigned long long slices, cmds;
};

static void pf_sep(struct perfetto *pf)
{
	fputs(pf->first ? "\n" : ",\n", pf->f);
	pf->first = false;
}

static struct pf_open *pf_slot(struct perfetto *pf, __u32 tgid, __u32 pool, __u32 buf, bool add)
{
	unsigned int h = (tgid * 2654435761u ^ pool * 40503u ^ buf * 2246822519u) % PF_OPEN, i;

	for (i = 0; i < PF_OPEN; i++) {
		struct pf_open *s = &pf->open[(h + i) % PF_OPEN];

		if (s->used && s->tgid == tgid && s->pool == pool && s->buf == buf)
			return s;
		if (!s->used)
			return add ? s : NULL;
	}
	return NULL;
}

static void pf_forget(struct perfetto *pf, struct pf_open *s)
{
	/* Re-insert the rest of the cluster (linear probing deletion). */
	unsigned int i = (unsigned int)(s - pf->open), j;

	s->used = false;
	for (j = (i + 1) % PF_OPEN; pf->open[j].used; j = (j + 1) % PF_OPEN) {
		struct pf_open tmp = pf->open[j], *d;

		pf->open[j].used = false;
		d = pf_slot(pf, tmp.tgid, tmp.pool, tmp.buf, true);
		if (d)
			*d = tmp;
	}
}

static struct pf_pool *pf_pool(struct perfetto *pf, const struct pt_event *e)
{
	unsigned int i;

	for (i = 0; i < pf->npools; i++)
		if (pf->pools[i].tgid == e->tgid && pf->pools[i].pool == e->id)
			return &pf->pools[i];
	if (pf->npools == sizeof(pf->pools) / sizeof(pf->pools[0]))
		return NULL;
	pf->pools[pf->npools] = (struct pf_pool){ .tgid = e->tgid, .pool = e->id, .total = -1 };
	return &pf->pools[pf->npools++];
}

static void pf_counter(struct perfetto *pf, const struct pt_event *e, struct pf_pool *p)
{
	long long out = p->outstanding < 0 ? 0 : p->outstanding;

	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"C\", \"name\": \"pool %s\", \"pid\": %u, \"ts\": %.3f, "
		"\"args\": {\"outstanding\": %lld", e->name, e->tgid, e->ts_ns / 1e3, out);
	if (p->total >= 0)
		fprintf(pf->f, ", \"idle\": %lld", p->total > out ? p->total - out : 0);
	fputs("}}", pf->f);
}

static void pf_ctx_name(struct perfetto *pf, __u32 tgid, __u32 ctx)
{
	__u64 key = (__u64)tgid << 32 | ctx;
	unsigned int i;

	for (i = 0; i < pf->nctx; i++)
		if (pf->ctx_named[i] == key)
			return;
	if (pf->nctx < sizeof(pf->ctx_named) / sizeof(pf->ctx_named[0]))
		pf->ctx_named[pf->nctx++] = key;
	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %u, \"tid\": %u, "
		"\"args\": {\"name\": \"NPU context %u\"}}", tgid, PF_CTX_TID + ctx, ctx);
}

void pt_perfetto_event(struct perfetto *pf, const struct pt_event *e)
{
	struct pf_open *s;
	struct pf_pool *p;
	__u64 start;

	switch (e->kind) {
	case PT_EV_ACQUIRE:
		s = pf_slot(pf, e->tgid, e->id, (__u32)e->a, true);
		if (s)
			*s = (struct pf_open){ .tgid = e->tgid, .pool = e->id, .buf = (__u32)e->a,
					       .tid = e->tid, .ts = e->ts_ns, .used = true };
		p = pf_pool(pf, e);
		if (p) {
			p->outstanding++;
			pf_counter(pf, e, p);
		}
		break;
	case PT_EV_RELEASE:
		s = pf_slot(pf, e->tgid, e->id, (__u32)e->a, false);
		if (s || e->b) {
			__u32 tid = s ? s->tid : e->tid;

			start = s ? s->ts : e->ts_ns - (__u64)e->b;
			pf_sep(pf);
			fprintf(pf->f, "{\"ph\": \"X\", \"cat\": \"buffer\", \"name\": \"%s\", "
				"\"pid\": %u, \"tid\": %u, \"ts\": %.3f, \"dur\": %.3f, "
				"\"args\": {\"pool\": \"%s\", \"buf\": %lld}}", e->name, e->tgid, tid,
				start / 1e3, (e->ts_ns - start) / 1e3, e->name, (long long)e->a);
			pf->slices++;
			if (s)
				pf_forget(pf, s);
		}
		p = pf_pool(pf, e);
		if (p) {
			p->outstanding--;
			pf_counter(pf, e, p);
		}
		break;
	case PT_EV_GROW:
	case PT_EV_EVICT:
		p = pf_pool(pf, e);
		if (p) {
			p->total = e->b;
			pf_counter(pf, e, p);
		}
		break;
	case PT_EV_CMD_DONE:
		pf_ctx_name(pf, e->tgid, e->id);
		start = e->ts_ns - (__u64)e->a;
		pf_sep(pf);
		fprintf(pf->f, "{\"ph\": \"X\", \"cat\": \"npu\", \"name\": \"cmd %lld\", "
			"\"pid\": %u, \"tid\": %u, \"ts\": %.3f, \"dur\": %.3f, "
			"\"args\": {\"context\": %u, \"seq\": %lld, \"signal_time\": \"%s\"}}",
			(long long)e->b, e->tgid, PF_CTX_TID + e->id, start / 1e3, e->a / 1e3, e->id,
			(long long)e->b, pt_signal_source_name(e->source));
		pf->cmds++;
		break;
	default:
		break;
	}
}

struct perfetto *pt_perfetto_open(const char *path)
{
	struct perfetto *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->f = fopen(path, "w");
	if (!pf->f) {
		fprintf(stderr, "pooltrace: --perfetto %s: %s\n", path, strerror(errno));
		free(pf);
		return NULL;
	}
	pf->first = true;
	fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", pf->f);
	return pf;
}

int pt_perfetto_close(struct perfetto *pf, const char *path)
{
	int err;

	if (!pf)
		return 0;
	fputs("\n]}\n", pf->f);
	err = fclose(pf->f) ? -errno : 0;
	if (path)
		fprintf(stderr, "pooltrace: %s: %llu buffer slices, %llu NPU commands\n", path,
			pf->slices, pf->cmds);
	free(pf);
	return err;
}
