/* SPDX-License-Identifier: MIT */
/*
 * USDT probes (provider "libpool"); the table of probes and arguments is
 * bpf/PROBES.md.
 *
 * Each probe has an is-enabled semaphore that the kernel raises while a
 * tracer is attached.  Only then does libpool read the clock, time the
 * operation itself and fire one probe carrying the latency: with nothing
 * attached a probe site costs one predictable load and a not-taken branch.
 * Semaphores have hidden visibility so that load is PC-relative, not a GOT
 * lookup, and probe sites are 5-byte NOPs so the kernel can replace the
 * trap with its faster uprobe path.
 *
 * Build with -DPOOL_NO_PROBES (make PROBES=0) for a library without any.
 */
#ifndef POOL_TRACE_H
#define POOL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef POOL_NO_PROBES

/* Arguments stay "used" (no warnings) but generate no code. */
static inline void pool_probe_sink(int unused, ...)
{
	(void)unused;
}
#define POOL_PROBE_ON(name)		false
#define POOL_PROBE(name, ...)		do { if (0) pool_probe_sink(0, __VA_ARGS__); } while (0)

#else

#define SDT_USE_VARIADIC 1
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#undef _SDT_NOP
#define _SDT_NOP .nops 5

#define POOL_PROBE_SEMAPHORE(name) \
	__attribute__((visibility("hidden"))) volatile unsigned short libpool_##name##_semaphore

extern POOL_PROBE_SEMAPHORE(acquire);
extern POOL_PROBE_SEMAPHORE(release);
extern POOL_PROBE_SEMAPHORE(wait_begin);
extern POOL_PROBE_SEMAPHORE(wait_end);
extern POOL_PROBE_SEMAPHORE(timeout);
extern POOL_PROBE_SEMAPHORE(exhausted);
extern POOL_PROBE_SEMAPHORE(grow);
extern POOL_PROBE_SEMAPHORE(evict);
extern POOL_PROBE_SEMAPHORE(release_fenced);
extern POOL_PROBE_SEMAPHORE(reusable);
extern POOL_PROBE_SEMAPHORE(chan_send);
extern POOL_PROBE_SEMAPHORE(chan_recv);
extern POOL_PROBE_SEMAPHORE(state);

#define POOL_PROBE_ON(name)	__builtin_expect(libpool_##name##_semaphore != 0, 0)
#define POOL_PROBE(name, ...)	STAP_PROBEV(libpool, name, __VA_ARGS__)

#endif /* POOL_NO_PROBES */

/* How an acquire was served (the `how` argument of libpool:acquire). */
enum pool_probe_how {
	POOL_HOW_CACHE = 0,	/* per-thread cache */
	POOL_HOW_SHARED = 1,	/* shared free list (or a signalled busy buffer) */
	POOL_HOW_ALLOC = 2,	/* backend allocation */
	POOL_HOW_WAITED = 3,	/* blocked first */
};

#endif /* POOL_TRACE_H */
