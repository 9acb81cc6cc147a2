/* SPDX-License-Identifier: MIT */
/*
 * Trace points.  They compile to nothing today; a later change maps them to
 * USDT probes (<sys/sdt.h>: STAP_PROBEV(xdnapool, name, ...)) with no change
 * at the call sites.  POOL_TRACE_ENABLED(name) guards work done only for a
 * probe (it becomes the probe's semaphore test).
 *
 *   acquire(pool, buf, hit)      a buffer was handed out
 *   release(pool, buf)           the last reference came back
 *   fenced(pool, buf, seq)       released onto the busy list
 *   wait(pool)                   an acquire starts to block
 *   wake(pool, wait_ns)          it stopped blocking
 *   timeout(pool)                it gave up (-ETIMEDOUT)
 *   exhausted(pool)              POOL_NOWAIT found nothing (-EAGAIN)
 *   grow(pool, n, total)         n buffers allocated from the backend
 *   trim(pool, n, total)         n idle buffers freed
 *   handoff(chan, buf, len)      a buffer moved into a channel
 */
#ifndef POOL_TRACE_H
#define POOL_TRACE_H

#define POOL_TRACE(name, ...)		do { } while (0)
#define POOL_TRACE_ENABLED(name)	0

#endif /* POOL_TRACE_H */
