/* SPDX-License-Identifier: MIT */
/*
 * USDT probes of libxdna-shim (provider "xdna"); the table of probes and
 * arguments is bpf/PROBES.md.  The same scheme as libpool's
 * (libpool/src/pool_trace.h): each probe has an is-enabled semaphore that
 * the kernel raises while a tracer is attached; only then does the shim read
 * the clock (CLOCK_MONOTONIC) and fire one probe per operation carrying its
 * latency.  Probe sites are 5-byte NOPs.
 *
 * Build with -DXDNA_NO_PROBES (make PROBES=0) for a library without any.
 */
#ifndef XDNA_SHIM_TRACE_H
#define XDNA_SHIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#ifdef XDNA_NO_PROBES

static inline void xdna_probe_sink(int unused, ...)
{
	(void)unused;
}
#define XDNA_PROBE_ON(name)		false
#define XDNA_PROBE(name, ...)		do { if (0) xdna_probe_sink(0, __VA_ARGS__); } while (0)

#else

#define SDT_USE_VARIADIC 1
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#undef _SDT_NOP
#define _SDT_NOP .nops 5

#define XDNA_PROBE_SEMAPHORE(name) \
	__attribute__((visibility("hidden"))) volatile unsigned short xdna_##name##_semaphore

extern XDNA_PROBE_SEMAPHORE(bo_create);
extern XDNA_PROBE_SEMAPHORE(bo_destroy);
extern XDNA_PROBE_SEMAPHORE(exec);
extern XDNA_PROBE_SEMAPHORE(cmd_done);

#define XDNA_PROBE_ON(name)	__builtin_expect(xdna_##name##_semaphore != 0, 0)
#define XDNA_PROBE(name, ...)	STAP_PROBEV(xdna, name, __VA_ARGS__)

#endif /* XDNA_NO_PROBES */

/* xdna:cmd_done's source (arg4): where the signal time came from. */
enum xdna_signal_source {
	XDNA_SIGNAL_SHIM = 0,	/* the shim's clock when it learned it (wait or poll) */
	XDNA_SIGNAL_KERNEL = 1,	/* the fence's own timestamp, via a sync_file */
};

/* CLOCK_MONOTONIC in ns: the clock of every probe argument (and of BPF's ktime). */
static inline uint64_t xdna_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* XDNA_SHIM_TRACE_H */
