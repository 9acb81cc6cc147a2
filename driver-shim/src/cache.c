// SPDX-License-Identifier: MIT
/*
 * User-space cache maintenance: how buffers are synced by default.
 *
 * AMD's own shim flushes CPU caches from user space and issues SYNC_BO only
 * when forced (amd/xdna-driver src/shim/buffer.cpp), and since v6.19 the
 * kernel refuses SYNC_BO FROM_DEVICE for every BO that is not a firmware
 * debug BO (torvalds/linux drivers/accel/amdxdna/amdxdna_gem.c,
 * amdxdna_drm_sync_bo_ioctl -> amdxdna_hwctx_sync_debug_bo: -EINVAL).  A
 * flush writes dirty lines back and invalidates them, so one primitive
 * serves both directions.
 *
 * The loop is the kernel's drm_clflush_virt_range() (drivers/gpu/drm/
 * drm_cache.c): a full barrier, one flush per cache line, a last flush of
 * the final byte to serialise, a full barrier.  clflushopt where the CPU
 * has it (CPUID.(EAX=7,ECX=0):EBX[23]), clflush otherwise; the line size is
 * CPUID.1:EBX[15:8] * 8.
 */
#include <pthread.h>

#include "shim_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

#define XDNA_CPUID_CLFLUSHOPT	(1u << 23)	/* leaf 7, EBX */
#define XDNA_CPUID_CLFLUSH	(1u << 19)	/* leaf 1, EDX */
#define XDNA_CACHELINE_DEFAULT	64

static struct {
	pthread_once_t once;
	unsigned int line;
	bool opt;
	bool have;
} xdna_clflush = { .once = PTHREAD_ONCE_INIT };

static void xdna_clflush_probe(void)
{
	unsigned int a, b, c, d;

	xdna_clflush.line = XDNA_CACHELINE_DEFAULT;
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		xdna_clflush.have = d & XDNA_CPUID_CLFLUSH;
		if (b >> 8 & 0xff)
			xdna_clflush.line = (b >> 8 & 0xff) * 8;
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		xdna_clflush.opt = b & XDNA_CPUID_CLFLUSHOPT;
}

static inline void xdna_clflushopt(const volatile void *p)
{
	/* The encoding of clflushopt: 0x66 prefix + clflush. */
	__asm__ volatile(".byte 0x66; clflush %0" : "+m"(*(volatile char *)p));
}

static inline void xdna_clflush_line(const volatile void *p)
{
	__asm__ volatile("clflush %0" : "+m"(*(volatile char *)p));
}

const char *xdna_cache_method(void)
{
	pthread_once(&xdna_clflush.once, xdna_clflush_probe);
	if (!xdna_clflush.have)
		return "barrier";
	return xdna_clflush.opt ? "clflushopt" : "clflush";
}

void xdna_cache_flush(const void *addr, size_t len)
{
	uintptr_t line, p, end;

	if (!len)
		return;
	pthread_once(&xdna_clflush.once, xdna_clflush_probe);
	if (!xdna_clflush.have) {
		__builtin_ia32_mfence();
		return;
	}
	line = xdna_clflush.line;
	p = (uintptr_t)addr & ~(line - 1);
	end = (uintptr_t)addr + len;
	__builtin_ia32_mfence();
	if (xdna_clflush.opt) {
		for (; p < end; p += line)
			xdna_clflushopt((const void *)p);
		xdna_clflushopt((const void *)(end - 1));
	} else {
		for (; p < end; p += line)
			xdna_clflush_line((const void *)p);
	}
	__builtin_ia32_mfence();
}
#else
const char *xdna_cache_method(void)
{
	return "none";
}

/* No user-space flush outside x86: callers sync through the kernel. */
void xdna_cache_flush(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#endif
