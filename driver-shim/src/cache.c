// SPDX-License-Identifier: MIT
/*
 * User-space cache maintenance, the alternative to SYNC_BO that XRT uses on
 * x86: clflush writes a line back and invalidates it, which serves both
 * directions.  Other architectures fall back to a full barrier only, so the
 * flag is for x86 hosts.
 */
#include "shim_internal.h"

#define XDNA_CACHELINE	64

void xdna_cache_flush(const void *addr, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(XDNA_CACHELINE - 1);
	uintptr_t end = (uintptr_t)addr + len;

	__builtin_ia32_mfence();
	for (; p < end; p += XDNA_CACHELINE)
		__builtin_ia32_clflush((const void *)p);
	__builtin_ia32_mfence();
#else
	(void)addr;
	(void)len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}
