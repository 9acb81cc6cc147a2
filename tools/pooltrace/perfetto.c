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
 * PhYUmn5OOQtYMH4h6I0nSsKchNAySU).  Buffers and commands overlap without
 * nesting (a worker holds audio while mel outlives it; up to 4 commands in
 * flight per context), which "X" slices on one thread may not: each is a
 * nestable async pair, "b" then "e", with an id of its own (process-local
 * id2): per (pool, buffer) in cat "buffer", named after the pool, and per
 * (context, seq) in cat "npu", named "NPU context N" (args.signal_time: whose
 * clock gave its end, the kernel's or the shim's); the viewer groups each
 * name's tracks.  A buffer's pair is written at its release, so each "b" has
 * its "e" (acquires still open at the end are left out).  "C" counters per
 * pool (outstanding, idle, busy) are libpool's own census, its state probe,
 * sampled at most once a millisecond while buffers move, at each grow and
 * trim and at destroy: counting acquires and releases from the moment pooltrace
 * attached would miss buffers allocated or held before.  "M" names each
 * process and each thread seen.  Timestamps are CLOCK_MONOTONIC in
 * microseconds.
 */
#define PF_OPEN		8192
#define PF_THREADS	1024

struct pf_open {
	__u32 tgid, pool, buf, tid;
	__u64 ts;
	bool used;
};

struct perfetto {
	FILE *f;
	bool first;
	struct pf_open open[PF_OPEN];
	__u32 named_tid[PF_THREADS];	/* threads given an "M" thread_name */
	__u32 named_pid[PF_THREADS];	/* processes given an "M" process_name */
	unsigned int ntid, npid;
	unsigned long long slices, cmds, samples;
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

/* A sample of libpool's census of a pool: one counter track per pool. */
static void pf_counter(struct perfetto *pf, const struct pt_event *e)
{
	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"C\", \"name\": \"pool %s\", \"pid\": %u, \"ts\": %.3f, "
		"\"args\": {\"outstanding\": %lld, \"idle\": %lld, \"busy\": %lld}}", e->name,
		e->tgid, e->ts_ns / 1e3, (long long)e->a, (long long)e->b, (long long)e->c);
	pf->samples++;
}

/* The "M" record naming a thread (or, @process, its process) from its comm, once. */
static void pf_name(struct perfetto *pf, __u32 tgid, __u32 tid, bool process)
{
	__u32 *seen = process ? pf->named_pid : pf->named_tid;
	unsigned int *n = process ? &pf->npid : &pf->ntid, i;
	char path[64], comm[32] = "?";
	FILE *f;

	for (i = 0; i < *n; i++)
		if (seen[i] == (process ? tgid : tid))
			return;
	if (*n == PF_THREADS)
		return;
	seen[(*n)++] = process ? tgid : tid;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", tgid, process ? tgid : tid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"M\", \"name\": \"%s\", \"pid\": %u, \"tid\": %u, "
		"\"args\": {\"name\": \"%s\"}}", process ? "process_name" : "thread_name", tgid,
		process ? tgid : tid, comm);
}

/* A nestable async pair: "b" at @start, "e" at @end, one id; args on the "b". */
static void pf_async(struct perfetto *pf, const struct pt_event *e, const char *cat,
		     const char *name, __u64 id, __u32 tid, __u64 start, const char *args)
{
	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"b\", \"cat\": \"%s\", \"name\": \"%s\", "
		"\"id2\": {\"local\": \"0x%llx\"}, \"pid\": %u, \"tid\": %u, \"ts\": %.3f, "
		"\"args\": {%s}}", cat, name, (unsigned long long)id, e->tgid, tid, start / 1e3,
		args);
	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"e\", \"cat\": \"%s\", \"name\": \"%s\", "
		"\"id2\": {\"local\": \"0x%llx\"}, \"pid\": %u, \"tid\": %u, \"ts\": %.3f}",
		cat, name, (unsigned long long)id, e->tgid, e->tid, e->ts_ns / 1e3);
}

static void pf_buffer(struct perfetto *pf, const struct pt_event *e, const struct pf_open *s)
{
	__u32 tid = s ? s->tid : e->tid;
	__u64 start = s ? s->ts : e->ts_ns - (__u64)e->b;
	char args[128];

	pf_name(pf, e->tgid, tid, false);
	snprintf(args, sizeof(args), "\"pool\": \"%s\", \"buf\": %lld, \"tid\": %u", e->name,
		 (long long)e->a, tid);
	pf_async(pf, e, "buffer", e->name, (__u64)e->id << 32 | (__u32)e->a, tid, start, args);
	pf->slices++;
}

static void pf_command(struct perfetto *pf, const struct pt_event *e)
{
	char name[48], args[128];

	snprintf(name, sizeof(name), "NPU context %u", e->id);
	snprintf(args, sizeof(args), "\"context\": %u, \"seq\": %lld, \"signal_time\": \"%s\"",
		 e->id, (long long)e->b, pt_signal_source_name(e->source));
	pf_name(pf, e->tgid, e->tid, false);
	pf_async(pf, e, "npu", name, (__u64)e->id << 32 | (__u32)e->b, e->tid,
		 e->ts_ns - (__u64)e->a, args);
	pf->cmds++;
}

void pt_perfetto_event(struct perfetto *pf, const struct pt_event *e)
{
	struct pf_open *s;

	pf_name(pf, e->tgid, e->tgid, true);
	switch (e->kind) {
	case PT_EV_ACQUIRE:
		s = pf_slot(pf, e->tgid, e->id, (__u32)e->a, true);
		if (s)
			*s = (struct pf_open){ .tgid = e->tgid, .pool = e->id, .buf = (__u32)e->a,
					       .tid = e->tid, .ts = e->ts_ns, .used = true };
		break;
	case PT_EV_RELEASE:
		s = pf_slot(pf, e->tgid, e->id, (__u32)e->a, false);
		if (s || e->b)
			pf_buffer(pf, e, s);
		if (s)
			pf_forget(pf, s);
		break;
	case PT_EV_STATE:
		pf_counter(pf, e);
		break;
	case PT_EV_CMD_DONE:
		pf_command(pf, e);
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
		fprintf(stderr, "pooltrace: %s: %llu buffer slices, %llu NPU commands, "
			"%llu pool samples\n", path, pf->slices, pf->cmds, pf->samples);
	free(pf);
	return err;
}
