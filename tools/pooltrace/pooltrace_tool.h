/* SPDX-License-Identifier: MIT */
/*
 * pooltrace's private interfaces, one file per responsibility (in the manner
 * of libbpf-tools):
 *   args.c      options (getopt_long), --help, --version
 *   target.c    privileges, and which files hold the probes (-p / --binary)
 *   attach.c    attaching the BPF programs to the USDT probes, detaching
 *   pin.c       --pin / --pin-live / --unpin
 *   report.c    histograms and counters, text and JSON; clocks
 *   events.c    the ring buffer's discrete events (--mode events)
 *   perfetto.c  --perfetto FILE
 *   top.c       --top
 *   main.c      the tracing loop
 */
#ifndef POOLTRACE_TOOL_H
#define POOLTRACE_TOOL_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "pooltrace.h"

struct bpf_map;
struct pooltrace_bpf;
struct pt_event;

#define PROVIDER	"libpool"
#define PROVIDER_XDNA	"xdna"

enum mode_bits {
	M_ACQUIRE = 1 << PT_OP_ACQUIRE,
	M_RELEASE = 1 << PT_OP_RELEASE,
	M_HOLD = 1 << PT_OP_HOLD,
	M_WAIT = 1 << PT_OP_WAIT,
	M_FENCED = 1 << PT_OP_FENCED,
	M_DEVICE = 1 << PT_OP_DEVICE | 1 << PT_OP_POOL_DEVICE,
	M_EXEC = 1 << PT_OP_EXEC,
	M_BO = 1 << PT_OP_BO_CREATE | 1 << PT_OP_BO_DESTROY,
	M_EVENTS = 1 << 16,
	/* every histogram; events (one line each) only when asked for */
	M_ALL = (1 << PT_OP__COUNT) - 1,
};

struct opts {
	pid_t pid;
	const char *binary;
	const char *pool;
	unsigned int modes;
	unsigned long long unit;	/* ns per printed unit */
	const char *unit_name;
	int interval;
	int count;			/* reports before exiting (with an interval) */
	int duration;
	bool timestamps;
	bool json;
	bool cumulative;
	bool verbose;
	bool force;
	bool pin_live;
	const char *pin_dir;
	const char *unpin_dir;
	const char *perfetto;
	bool top;
};

/* Set by SIGINT/SIGTERM: every loop stops. */
extern volatile sig_atomic_t pt_exiting;

/* args.c: exits 0 after --help/--version, 2 (one line) on a usage error. */
void pt_parse_args(int argc, char **argv, struct opts *o);

/* target.c */
struct targets {
	char pool[PATH_MAX];		/* "" if no libpool probes */
	char shim[PATH_MAX];		/* "" if no xdna probes */
};
int pt_preflight(void);
int pt_resolve_target(const struct opts *o, struct targets *t);
/* -p PID's end: a pidfd (or -1) to poll, and whether the process is gone. */
int pt_watch_target(pid_t pid);
bool pt_target_gone(int pidfd, pid_t pid);

/* attach.c; --top attaches up to PT_MAX_FILES files with probes */
#define PT_MAX_FILES	64
int pt_attach_all(struct pooltrace_bpf *skel, const struct opts *o, const struct targets *t);
void pt_tracing_on(struct pooltrace_bpf *skel);
void pt_detach_all(struct pooltrace_bpf *skel);

/* pin.c */
int pt_pin_check(const struct opts *o);
int pt_pin_maps(struct pooltrace_bpf *skel, const char *dir);
int pt_unpin(const char *dir);

/* report.c: what a key's id is, for a histogram or counter kind. */
enum scope { S_POOL, S_CTX, S_BO };

extern const char *const pt_op_names[PT_OP__COUNT];
extern const char *const pt_cnt_names[PT_CNT__COUNT];
extern const char *const pt_scope_names[];

enum scope pt_op_scope(unsigned int op);
enum scope pt_cnt_scope(unsigned int c);
void pt_init_clocks(void);
/* ISO-8601 UTC with milliseconds, of a CLOCK_MONOTONIC time. */
void pt_iso_time(unsigned long long mono, char *buf, size_t len);

/* Where a command's signal time came from (xdna:cmd_done's arg4). */
static inline const char *pt_signal_source_name(__u32 source)
{
	return source == PT_SIGNAL_KERNEL ? "kernel" : "shim";
}

/* Keys of a map, sorted (tgid, kind's scope, id, kind): a fixed order. */
struct any_key {
	__u32 tgid, id, kind, pad;
};
size_t pt_sorted_keys(struct bpf_map *map, bool hist, struct any_key **out);
void pt_clear_map(struct bpf_map *map);
void pt_report(const struct opts *o, struct pooltrace_bpf *skel, int seq);

/* perfetto.c */
struct perfetto;
struct perfetto *pt_perfetto_open(const char *path);
void pt_perfetto_event(struct perfetto *pf, const struct pt_event *e);
/* Writes the closing bracket; says how much it wrote; 0 or -errno. */
int pt_perfetto_close(struct perfetto *pf, const char *path);

/* events.c: the ring buffer's callback; ctx is a struct ev_ctx. */
struct ev_ctx {
	const struct opts *o;
	struct perfetto *pf;
};
int pt_on_event(void *ctx, void *data, size_t len);

/* top.c */
int pt_top_attach(struct pooltrace_bpf *skel, struct opts *o);
int pt_run_top(struct opts *o, struct pooltrace_bpf *skel);

#endif
