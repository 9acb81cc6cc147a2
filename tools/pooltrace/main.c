// SPDX-License-Identifier: MIT
/*
 * pooltrace: latency histograms and counters of libpool and libxdna-shim
 * operations on a live process, from their USDT probes (providers libpool
 * and xdna), in the manner of libbpf-tools' funclatency.
 *
 *   pooltrace -p PID [options] [interval [count]]
 *   pooltrace --binary PATH ...      attach by library/binary path (processes
 *                                    not started yet are caught too)
 *   pooltrace --unpin DIR            remove maps pinned by --pin
 *
 * Exit status: 0 done, 1 runtime error, 2 usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pooltrace_tool.h"
#include "pooltrace.skel.h"
#include "tool.h"

volatile sig_atomic_t pt_exiting;

static void on_signal(int sig)
{
	(void)sig;
	pt_exiting = 1;
}

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (verbose || (level == LIBBPF_WARN && getenv("POOLTRACE_VERBOSE")))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int run(struct opts *o, struct pooltrace_bpf *skel, struct ring_buffer *rb)
{
	unsigned long long start = tool_now_ns(), next, now;
	int err = 0, reports = 0, pidfd = pt_watch_target(o->pid);

	next = start + (unsigned long long)o->interval * NSEC_PER_SEC;
	while (!pt_exiting) {
		if (rb)
			err = ring_buffer__poll(rb, 100);
		else
			usleep(100 * 1000);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
		now = tool_now_ns();
		if (pt_target_gone(pidfd, o->pid)) {
			fprintf(stderr, "pooltrace: process %d exited\n", (int)o->pid);
			break;
		}
		if (o->duration && now - start >= (unsigned long long)o->duration * NSEC_PER_SEC)
			break;
		if (o->interval && now >= next) {
			/* The last one is printed after detaching, by main(). */
			if (o->count && reports + 1 >= o->count)
				break;
			pt_report(o, skel, reports++);
			if (!o->cumulative) {
				pt_clear_map(skel->maps.hists);
				pt_clear_map(skel->maps.counters);
			}
			next += (unsigned long long)o->interval * NSEC_PER_SEC;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return err ? err : reports;
}

static int main_top(struct opts *o)
{
	struct pooltrace_bpf *skel;
	int err;

	if (pt_preflight())
		return 1;
	skel = pooltrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "pooltrace: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = (__u32)o->pid;
	err = pooltrace_bpf__load(skel);
	if (err)
		fprintf(stderr, "pooltrace: cannot load BPF programs: %s\n", strerror(-err));
	else
		err = pt_top_attach(skel, o);
	if (!err) {
		pt_tracing_on(skel);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		fprintf(stderr, "Tracing every pool... Hit Ctrl-C to end.\n");
		err = pt_run_top(o, skel);
	}
	pooltrace_bpf__destroy(skel);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct pooltrace_bpf *skel;
	struct perfetto *pf = NULL;
	struct targets t;
	struct ev_ctx ectx;
	struct opts o;
	int err, reports;

	tool_init(argv[0]);
	pt_parse_args(argc, argv, &o);
	if (o.unpin_dir)
		return pt_unpin(o.unpin_dir);
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);
	pt_init_clocks();
	if (o.top)
		return main_top(&o);
	/* The target first: "permission denied" on its maps says more than "run as root". */
	if (pt_resolve_target(&o, &t) || pt_preflight())
		return 1;
	if (o.pin_dir && pt_pin_check(&o))
		return 1;
	skel = pooltrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "pooltrace: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = (__u32)o.pid;
	skel->rodata->emit_events = (o.modes & M_EVENTS) != 0;
	skel->rodata->emit_trace = o.perfetto != NULL;
	if (o.pool) {
		skel->rodata->filter_pool = true;
		strncpy((char *)skel->rodata->targ_pool, o.pool, PT_NAME_LEN - 1);
	}
	err = pooltrace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "pooltrace: cannot load BPF programs: %s\n", strerror(-err));
		goto out;
	}
	if (o.perfetto) {
		pf = pt_perfetto_open(o.perfetto);
		if (!pf) {
			err = -EIO;
			goto out;
		}
	}
	ectx = (struct ev_ctx){ .o = &o, .pf = pf };
	if (o.modes & M_EVENTS || pf) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), pt_on_event, &ectx, NULL);
		if (!rb) {
			err = -errno;
			goto out;
		}
	}
	err = pt_attach_all(skel, &o, &t);
	if (!err && o.pin_dir && o.pin_live)
		err = pt_pin_maps(skel, o.pin_dir);
	if (err)
		goto out;
	pt_tracing_on(skel);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* stdout stays pure JSON: the banner goes to stderr there. */
	fprintf(o.json ? stderr : stdout, "Tracing %s%s%s%s%s... Hit Ctrl-C to end.\n",
		t.pool[0] ? PROVIDER ":* in " : "", t.pool, t.pool[0] && t.shim[0] ? ", " : "",
		t.shim[0] ? PROVIDER_XDNA ":* in " : "", t.shim);
	fflush(o.json ? stderr : stdout);
	reports = run(&o, skel, rb);
	err = reports < 0 ? reports : 0;
	/* A consistent snapshot: no program writes the maps after this. */
	pt_detach_all(skel);
	if (rb)
		ring_buffer__consume(rb);
	pt_report(&o, skel, reports < 0 ? 0 : reports);
	if (o.pin_dir && !o.pin_live && !err)
		err = pt_pin_maps(skel, o.pin_dir);
	if (o.pin_dir && !err)
		fprintf(o.json ? stderr : stdout, "\nmaps stay pinned: bpftool map dump pinned "
			"%s/hists (pooltrace --unpin %s removes them)\n", o.pin_dir, o.pin_dir);
	if (pf) {
		if (pt_perfetto_close(pf, o.perfetto) && !err)
			err = -EIO;
		pf = NULL;
	}
out:
	ring_buffer__free(rb);
	pt_perfetto_close(pf, NULL);
	pooltrace_bpf__destroy(skel);
	return err ? 1 : 0;
}
