// SPDX-License-Identifier: MIT
/* The run's figures: latencies, the stage table, what limits it; text or JSON. */
#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#include "pipe_impl.h"

/*
 * Stage spans in the request timestamps: wait = [wait_from, wait_to),
 * service = [from, to).  The submitter takes a request (TS_SUBMIT), waits
 * for one of its context's PIPE_CMDS_IN_FLIGHT command slots (TS_SLOT),
 * then acquires the encoder buffer, encodes and EXECs (TS_EXEC): the slot
 * wait is the NPU's queue, not the submitter's service.  The NPU's service
 * runs from EXEC to the fence seen and the output synced (TS_COMPLETE):
 * the command's run, its wait behind the context's earlier commands (a
 * context runs them in order) and the completion thread's wake-up.
 */
static const struct {
	const char *name;
	enum pipe_ts wait_from, wait_to, from, to;
} stage_ts[PIPE_STAGE__COUNT] = {
	[PIPE_STAGE_DECODE] = { "decode", TS_QUEUED, TS_FRONT, TS_FRONT, TS_DECODED },
	[PIPE_STAGE_MEL] = { "mel", TS_DECODED, TS_DECODED, TS_DECODED, TS_MEL },
	[PIPE_STAGE_SUBMIT] = { "submit", TS_MEL, TS_SUBMIT, TS_SLOT, TS_EXEC },
	[PIPE_STAGE_NPU] = { "npu", TS_SUBMIT, TS_SLOT, TS_EXEC, TS_COMPLETE },
	[PIPE_STAGE_CONSUME] = { "consume", TS_COMPLETE, TS_CONSUME, TS_CONSUME, TS_DONE },
};

/* Percentiles of v[0..n) (sorted in place), in ms. */
static struct pipe_lat lat_of(double *v, unsigned int n)
{
	struct pipe_lat l = { 0, 0, 0, 0 };
	double sum = 0;
	unsigned int i;

	if (!n)
		return l;
	tool_sort_doubles(v, n);
	for (i = 0; i < n; i++)
		sum += v[i];
	l.p50_ms = tool_percentile_sorted(v, n, 50);
	l.p99_ms = tool_percentile_sorted(v, n, 99);
	l.max_ms = v[n - 1];
	l.mean_ms = sum / n;
	return l;
}

/* The successful requests' (ts[b] - ts[a]) in ms, into v; their count. */
static unsigned int spans(struct pipe *p, enum pipe_ts a, enum pipe_ts b, double *v)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->total; i++) {
		const uint64_t *ts = pipe_req_ts(p, i);

		if (ts[TS_DONE] && ts[b] >= ts[a])
			v[n++] = (double)(ts[b] - ts[a]) / 1e6;
	}
	return n;
}

static struct pipe_lat span_lat(struct pipe *p, enum pipe_ts a, enum pipe_ts b, double *v)
{
	return lat_of(v, spans(p, a, b, v));
}

static void stage_table(struct pipe *p, double *v)
{
	struct pipe_result *r = p->res;
	unsigned int k, front;

	for (k = 0; k < PIPE_STAGE__COUNT; k++) {
		struct pipe_stage_report *s = &r->stages[k];

		s->name = stage_ts[k].name;
		s->wait = span_lat(p, stage_ts[k].wait_from, stage_ts[k].wait_to, v);
		s->service = span_lat(p, stage_ts[k].from, stage_ts[k].to, v);
	}
	/* --copy: a thread per stream does every CPU stage of its requests */
	front = r->workers ? r->workers : p->o->streams;
	r->stages[PIPE_STAGE_DECODE].threads = front;
	r->stages[PIPE_STAGE_MEL].threads = front;
	r->stages[PIPE_STAGE_SUBMIT].threads = r->workers ? r->contexts : p->o->streams;
	r->stages[PIPE_STAGE_NPU].threads = r->contexts * PIPE_CMDS_IN_FLIGHT;
	r->stages[PIPE_STAGE_CONSUME].threads = r->workers ? 1 : p->o->streams;
}

void pipe_summarise(struct pipe *p, double wall_s, double cpu_s)
{
	struct pipe_result *r = p->res;
	double front = 0, *v = malloc((p->total ? p->total : 1) * sizeof(*v));
	unsigned int i, n;

	/* an input set aside up front is the one request it would have had */
	r->unusable_inputs = p->o->unusable_inputs;
	r->requests = p->total + r->unusable_inputs;
	r->ok = atomic_load(&p->ok);
	r->failed = atomic_load(&p->failed) + r->unusable_inputs;
	r->verified = atomic_load(&p->verified);
	r->mismatched = atomic_load(&p->mismatched);
	r->audio_seconds = (double)atomic_load(&p->audio_samples) / MEL_SAMPLE_RATE;
	r->wall_s = wall_s;
	r->bytes_copied = atomic_load(&p->bytes_copied);
	r->exhausted = atomic_load(&p->exhausted);
	r->throughput_rps = wall_s > 0 ? r->ok / wall_s : 0;
	r->audio_x_realtime = wall_s > 0 ? r->audio_seconds / wall_s : 0;
	r->cores = pipe_usable_cpus();
	r->cpu_seconds = cpu_s;
	/* per successful request, as throughput_rps (see pipeline.h) */
	if (r->ok && cpu_s > 0)
		r->cpu_limit_rps = r->cores / (cpu_s / r->ok);
	r->efficiency = r->cpu_limit_rps > 0 ? r->throughput_rps / r->cpu_limit_rps : 0;
	if (!v)
		return;
	n = spans(p, TS_FRONT, TS_MEL, v);
	for (i = 0; i < n; i++)
		front += v[i];
	r->frontend_rtf = r->audio_seconds > 0 ? front / 1e3 / r->audio_seconds : 0;
	r->decode = span_lat(p, TS_FRONT, TS_DECODED, v);
	r->mel = span_lat(p, TS_DECODED, TS_MEL, v);
	r->npu = span_lat(p, TS_EXEC, TS_COMPLETE, v);
	r->e2e = span_lat(p, TS_QUEUED, TS_DONE, v);
	stage_table(p, v);
	free(v);
}

static void print_lat_json(FILE *f, const char *name, const struct pipe_lat *l)
{
	fprintf(f, "\"%s\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"mean\": %.3f}", name,
		l->p50_ms, l->p99_ms, l->max_ms, l->mean_ms);
}

static void print_pools_json(const struct pipe_result *r, FILE *f)
{
	unsigned int i;

	fprintf(f, "\"pools\": [");
	for (i = 0; i < r->n_pools; i++) {
		const struct pipe_pool_report *p = &r->pools[i];

		/* acquires, releases, outstanding: a checker asserts every pool balanced */
		fprintf(f, "%s{\"name\": \"%s\", \"buffer_bytes\": %zu, \"acquires\": %llu, "
			"\"releases\": %llu, \"outstanding\": %llu, "
			"\"hits\": %llu, \"allocated\": %llu, \"waits\": %llu, "
			"\"timeouts\": %llu, \"high_water\": %llu}",
			i ? ", " : "", p->name, p->buf_bytes,
			(unsigned long long)p->acquires, (unsigned long long)p->releases,
			(unsigned long long)p->outstanding, (unsigned long long)p->hits,
			(unsigned long long)p->allocs, (unsigned long long)p->waits,
			(unsigned long long)p->timeouts, (unsigned long long)p->high_water);
	}
	fprintf(f, "]");
}

static void print_json(const struct pipe_opts *o, const struct pipe_result *r, FILE *f)
{
	const struct pipe_lat *l[4] = { &r->decode, &r->mel, &r->npu, &r->e2e };
	static const char *const names[4] = { "decode_ms", "mel_ms", "npu_ms", "end_to_end_ms" };
	unsigned int i;

	fprintf(f, "{\"mode\": \"%s\", \"emulated\": %s, \"streams\": %u, \"workers\": %u, "
		"\"contexts\": %u, \"requests\": %u, \"ok\": %u, \"failed\": %u, "
		"\"unusable_inputs\": %u, "
		"\"verified\": %u, \"mismatched\": %u, \"audio_seconds\": %.3f, "
		"\"wall_seconds\": %.3f, ", o->copy_mode ? "copy" : "pooled",
		r->emulated ? "true" : "false", o->streams, r->workers, r->contexts, r->requests,
		r->ok, r->failed, r->unusable_inputs, r->verified, r->mismatched, r->audio_seconds,
		r->wall_s);
	for (i = 0; i < 4; i++) {
		print_lat_json(f, names[i], l[i]);
		fprintf(f, ", ");
	}
	fprintf(f, "\"stages\": [");
	for (i = 0; i < PIPE_STAGE__COUNT; i++) {
		fprintf(f, "%s{\"stage\": \"%s\", \"threads\": %u, ", i ? ", " : "",
			r->stages[i].name, r->stages[i].threads);
		print_lat_json(f, "wait_ms", &r->stages[i].wait);
		fprintf(f, ", ");
		print_lat_json(f, "service_ms", &r->stages[i].service);
		fprintf(f, "}");
	}
	fprintf(f, "], \"frontend_rtf\": %.5f, \"throughput_rps\": %.2f, "
		"\"audio_x_realtime\": %.1f, \"cores\": %u, \"cpu_seconds\": %.3f, "
		"\"cpu_limit_rps\": %.2f, \"efficiency\": %.3f, \"cpu_includes_emulated_npu\": %s, "
		"\"bytes_copied\": %llu, \"exhausted\": %llu, \"leaks\": %d, ",
		r->frontend_rtf, r->throughput_rps, r->audio_x_realtime, r->cores, r->cpu_seconds,
		r->cpu_limit_rps, r->efficiency, r->emulated ? "true" : "false",
		(unsigned long long)r->bytes_copied, (unsigned long long)r->exhausted, r->leaks);
	print_pools_json(r, f);
	fprintf(f, "}\n");
}

static void print_stage_table(const struct pipe_result *r, FILE *f)
{
	unsigned int i;

	/* parallel: threads, or for the NPU its command slots (contexts x 4) */
	fprintf(f, "%-10s %8s %27s %27s\n", "stage", "parallel", "queue wait ms p50/p99/max",
		"service ms p50/p99/max");
	for (i = 0; i < PIPE_STAGE__COUNT; i++) {
		const struct pipe_stage_report *s = &r->stages[i];

		fprintf(f, "%-10s %8u %9.3f/%8.3f/%8.3f %9.3f/%8.3f/%8.3f\n", s->name, s->threads,
			s->wait.p50_ms, s->wait.p99_ms, s->wait.max_ms, s->service.p50_ms,
			s->service.p99_ms, s->service.max_ms);
	}
	fprintf(f, "%-10s %8s %27s %9.3f/%8.3f/%8.3f\n", "end-to-end", "", "", r->e2e.p50_ms,
		r->e2e.p99_ms, r->e2e.max_ms);
}

static void print_pools(const struct pipe_result *r, FILE *f)
{
	unsigned int i;

	for (i = 0; i < r->n_pools; i++) {
		const struct pipe_pool_report *p = &r->pools[i];

		fprintf(f, "pool %-8s %9zu B/buf: %llu acquires, %llu hits, %llu allocated, "
			"%llu waits, %llu timeouts, high-water %llu\n", p->name, p->buf_bytes,
			(unsigned long long)p->acquires, (unsigned long long)p->hits,
			(unsigned long long)p->allocs, (unsigned long long)p->waits,
			(unsigned long long)p->timeouts, (unsigned long long)p->high_water);
	}
}

void pipe_print(const struct pipe_opts *opts, const struct pipe_result *r, bool json, FILE *f)
{
	struct pipe_opts o = *opts;

	pipe_opts_defaults(&o);
	if (json) {
		print_json(&o, r, f);
		return;
	}
	fprintf(f, "%u requests on %u streams (%s, %s): %u ok, %u failed", r->requests,
		o.streams, o.copy_mode ? "copy baseline, a thread per stream" :
		"pooled zero-copy, staged", r->emulated ? "xdna-emu" : "NPU", r->ok, r->failed);
	if (r->unusable_inputs)
		fprintf(f, " (%u unusable input%s, named above)", r->unusable_inputs,
			r->unusable_inputs == 1 ? "" : "s");
	if (o.verify)
		fprintf(f, ", %u verified against the CPU reference, %u mismatched", r->verified,
			r->mismatched);
	fputc('\n', f);
	print_stage_table(r, f);
	fprintf(f, "audio %.1f s in %.3f s wall: front-end RTF %.5f (decode + mel time / audio "
		"time), %.1fx real time end to end, %.2f requests/s\n",
		r->audio_seconds, r->wall_s, r->frontend_rtf, r->audio_x_realtime,
		r->throughput_rps);
	fprintf(f, "CPU %.3f s (%.2f ms per successful request): %u cores allow %.2f "
		"requests/s, efficiency %.3f%s\n", r->cpu_seconds,
		r->ok ? r->cpu_seconds * 1e3 / r->ok : 0.0, r->cores,
		r->cpu_limit_rps, r->efficiency,
		r->emulated ? " (includes the emulated NPU's kernels: xdna-emu runs them on the "
			      "CPU in this process)" : "");
	print_pools(r, f);
	fprintf(f, "exhaustion %llu, leaks %d, bytes copied between stages %llu\n",
		(unsigned long long)r->exhausted, r->leaks, (unsigned long long)r->bytes_copied);
}
