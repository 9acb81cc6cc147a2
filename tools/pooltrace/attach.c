// SPDX-License-Identifier: MIT
/*
 * Attaching pooltrace's programs to the USDT probes of libpool and
 * libxdna-shim, and detaching them all (before the last read of the maps).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "pooltrace_tool.h"
#include "pooltrace.skel.h"
#include "usdt_notes.h"

struct probe_set {
	char names[32][64];
	int n;
};

static void note_probe(const struct usdt_note *note, void *ctx)
{
	struct probe_set *set = ctx;

	if (set->n < 32)
		snprintf(set->names[set->n++], sizeof(set->names[0]), "%s", note->name);
}

static bool probe_present(const struct probe_set *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->names[i], name))
			return true;
	return false;
}

struct probe_prog {
	const char *provider;
	const char *probe;
	struct bpf_program *prog;
	struct bpf_link **link;
};

#define PROBE(prov, name) { prov, #name, skel->progs.on_##name, &skel->links.on_##name }

/*
 * Attach every program whose probe the targets have (an older library may
 * lack some); with libpool probes, acquire and release are required.
 */
/* Links beyond the skeleton's one per program (--top attaches several files). */
static struct bpf_link *extra_links[PT_MAX_FILES * 16];
static unsigned int n_extra;

int pt_attach_all(struct pooltrace_bpf *skel, const struct opts *o, const struct targets *t)
{
	struct probe_set pset = { .n = 0 }, xset = { .n = 0 };
	struct probe_prog probes[] = {
		PROBE(PROVIDER, acquire), PROBE(PROVIDER, release), PROBE(PROVIDER, wait_end),
		PROBE(PROVIDER, timeout), PROBE(PROVIDER, exhausted), PROBE(PROVIDER, grow),
		PROBE(PROVIDER, evict), PROBE(PROVIDER, release_fenced),
		PROBE(PROVIDER, reusable), PROBE(PROVIDER, state),
		PROBE(PROVIDER_XDNA, bo_create), PROBE(PROVIDER_XDNA, bo_destroy),
		PROBE(PROVIDER_XDNA, exec), PROBE(PROVIDER_XDNA, cmd_done),
	};
	size_t i;

	if (t->pool[0]) {
		usdt_for_each(t->pool, PROVIDER, note_probe, &pset);
		if (!probe_present(&pset, "acquire") || !probe_present(&pset, "release")) {
			fprintf(stderr, "pooltrace: %s lacks the %s:acquire/release probes\n",
				t->pool, PROVIDER);
			return -ENOENT;
		}
	}
	if (t->shim[0])
		usdt_for_each(t->shim, PROVIDER_XDNA, note_probe, &xset);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		bool xdna = !strcmp(probes[i].provider, PROVIDER_XDNA);
		const char *path = xdna ? t->shim : t->pool;
		struct bpf_link *l;

		if (!path[0] || !probe_present(xdna ? &xset : &pset, probes[i].probe))
			continue;
		l = bpf_program__attach_usdt(probes[i].prog, o->pid ? o->pid : -1, path,
					     probes[i].provider, probes[i].probe, NULL);
		if (!l) {
			int err = -errno;

			fprintf(stderr, "pooltrace: attach %s:%s in %s: %s\n", probes[i].provider,
				probes[i].probe, path, strerror(-err));
			return err;
		}
		if (!*probes[i].link)
			*probes[i].link = l;
		else if (n_extra < sizeof(extra_links) / sizeof(extra_links[0]))
			extra_links[n_extra++] = l;
		else
			bpf_link__destroy(l);
	}
	return 0;
}

/* Every program counts from now on: call once everything is attached. */
void pt_tracing_on(struct pooltrace_bpf *skel)
{
	__atomic_store_n(&skel->bss->tracing_on, true, __ATOMIC_SEQ_CST);
}

/*
 * Detach every program: nothing writes the maps after this.  The switch
 * first, so all stop at one instant, not one by one over the seconds that
 * unregistering their uprobes takes.
 */
void pt_detach_all(struct pooltrace_bpf *skel)
{
	struct bpf_link **links = (struct bpf_link **)&skel->links;
	size_t i, n = sizeof(skel->links) / sizeof(*links);

	__atomic_store_n(&skel->bss->tracing_on, false, __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	for (i = 0; i < n_extra; i++)
		bpf_link__destroy(extra_links[i]);
	n_extra = 0;
}

