// SPDX-License-Identifier: MIT
/*
 * The probes' is-enabled semaphores.  The kernel (uprobe ref_ctr) raises
 * them while a tracer is attached; SystemTap's convention puts them in
 * .probes.
 */
#include "pool_trace.h"

#ifndef POOL_NO_PROBES
#define DEFINE_SEMAPHORE(name) \
	__attribute__((section(".probes"))) POOL_PROBE_SEMAPHORE(name)

DEFINE_SEMAPHORE(acquire);
DEFINE_SEMAPHORE(release);
DEFINE_SEMAPHORE(wait_begin);
DEFINE_SEMAPHORE(wait_end);
DEFINE_SEMAPHORE(timeout);
DEFINE_SEMAPHORE(exhausted);
DEFINE_SEMAPHORE(grow);
DEFINE_SEMAPHORE(evict);
DEFINE_SEMAPHORE(release_fenced);
DEFINE_SEMAPHORE(reusable);
DEFINE_SEMAPHORE(chan_send);
DEFINE_SEMAPHORE(chan_recv);
#endif
