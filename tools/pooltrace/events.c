// SPDX-License-Identifier: MIT
/*
 * The ring buffer's records: discrete events (--mode events) as text or
 * JSON lines, and every record to --perfetto.  Each line has its time.
 */
#include <stdio.h>

#include "pooltrace_tool.h"

static const char *const ev_names[PT_EV__COUNT] = {
	"wait", "timeout", "exhausted", "grow", "evict", "reusable", "cmd_done", "exec",
	"acquire", "release", "state",
};

/* What `a` and `b` of each event are (printed as name=value). */
static const char *const ev_fields[PT_EV__COUNT][2] = {
	{ "wait_ns", "result" }, { "wait_ns", NULL }, { "outstanding", "max" },
	{ "added", "total" }, { "freed", "total" }, { "fenced_ns", "seq" },
	{ "device_ns", "seq" }, { "exec_ns", "seq" }, { "buf", "latency_ns" },
	{ "buf", "hold_ns" }, { "outstanding", "idle" },
};

int pt_on_event(void *ctx, void *data, size_t len)
{
	const struct ev_ctx *c = ctx;
	const struct opts *o = c->o;
	const struct pt_event *e = data;
	const char *const *fld;
	char iso[64];

	if (len < sizeof(*e) || e->kind >= PT_EV__COUNT)
		return 0;
	if (c->pf)
		pt_perfetto_event(c->pf, e);
	if (!(o->modes & M_EVENTS) || e->kind == PT_EV_ACQUIRE || e->kind == PT_EV_RELEASE ||
	    e->kind == PT_EV_EXEC || e->kind == PT_EV_STATE)
		return 0;	/* --perfetto's records */
	fld = ev_fields[e->kind];
	pt_iso_time(e->ts_ns, iso, sizeof(iso));
	if (o->json) {
		printf("{\"time\": \"%s\", \"mono_ns\": %llu, \"event\": \"%s\", \"pid\": %u, "
		       "\"tid\": %u, ", iso, (unsigned long long)e->ts_ns, ev_names[e->kind],
		       e->tgid, e->tid);
		if (e->kind == PT_EV_CMD_DONE)
			printf("\"context\": %u", e->id);
		else
			printf("\"pool\": \"%s\"", e->name);
		printf(", \"%s\": %lld", fld[0], (long long)e->a);
		if (fld[1])
			printf(", \"%s\": %lld", fld[1], (long long)e->b);
		if (e->kind == PT_EV_CMD_DONE)
			printf(", \"source\": \"%s\"", pt_signal_source_name(e->source));
		printf("}\n");
	} else {
		if (o->timestamps)
			printf("%s %llu ", iso, (unsigned long long)e->ts_ns);
		printf("%-10s pid %-7u ", ev_names[e->kind], e->tgid);
		if (e->kind == PT_EV_CMD_DONE)
			printf("context %-15u", e->id);
		else
			printf("pool %-20s", e->name);
		printf(" %s=%lld", fld[0], (long long)e->a);
		if (fld[1])
			printf(" %s=%lld", fld[1], (long long)e->b);
		if (e->kind == PT_EV_CMD_DONE)
			printf(" source=%s", pt_signal_source_name(e->source));
		putchar('\n');
	}
	return 0;
}

