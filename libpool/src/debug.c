// SPDX-License-Identifier: MIT
/*
 * Debug mode (POOL_F_DEBUG or XDNAPOOL_DEBUG=1): idle buffers are poisoned
 * and checked at the next acquire (use after release), a canary past the
 * end is checked at release and while idle (write past the end), and
 * pool_audit() checks the books at trim and destroy.  ASan and valgrind
 * are told that idle memory must not be touched.
 */
#include <string.h>

#include "tcache.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define POOL_VALGRIND 1
#endif
#endif

/* ------------------------------------------------------- tool annotations */

static void mem_noaccess(void *p, size_t n)
{
#ifdef POOL_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#endif
#ifdef POOL_VALGRIND
	VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
	(void)p;
	(void)n;
}

static void mem_defined(void *p, size_t n)
{
#ifdef POOL_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef POOL_VALGRIND
	VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
	(void)p;
	(void)n;
}

static void mem_undefined(void *p, size_t n)
{
#ifdef POOL_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef POOL_VALGRIND
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#endif
	(void)p;
	(void)n;
}

/* ------------------------------------------------------------------ faults */

void pool_fault(struct pool *p, struct pool_buf *b, const char *what)
{
	if (p->on_fault) {
		p->on_fault(p->fault_arg, p, b, what);
		return;
	}
	pool_reportf(p, "xdnapool: pool '%s': buffer #%u (acquired at %s:%d): %s", p->name,
		     b ? b->id : 0, site_file_get(b), site_line_get(b), what);
	abort();
}

static const unsigned char canary[DBG_CANARY] = {
	0xde, 0xad, 0xbe, 0xef, 0x58, 0x44, 0x4e, 0x41,
	0x50, 0x4f, 0x4f, 0x4c, 0xca, 0xfe, 0xf0, 0x0d,
};

static bool has_canary(const struct pool_buf *b)
{
	return b->data && b->mem.size >= b->cap + DBG_CANARY;
}

static bool all_bytes(const unsigned char *s, unsigned char c, size_t n)
{
	return !n || (s[0] == c && !memcmp(s, s + 1, n - 1));
}

void dbg_check_canary(struct pool *p, struct pool_buf *b, const char *when)
{
	if (!has_canary(b) || !memcmp((char *)b->data + b->cap, canary, DBG_CANARY))
		return;
	pool_fault(p, b, when);
	memcpy((char *)b->data + b->cap, canary, DBG_CANARY);
}

/* Fresh memory: poison and canary, as if just released. */
void dbg_init(struct pool_buf *b)
{
	memset(b->data, DBG_POISON, b->cap);
	if (has_canary(b))
		memcpy((char *)b->data + b->cap, canary, DBG_CANARY);
	mem_noaccess(b->data, b->cap);
}

/*
 * Each acquire gets a handle of its own: the memory moves to another
 * descriptor and the old one is retired (EMPTY, on p->retired, reused
 * only after DBG_RETIRED_MAX others), so that a stale handle -- kept past
 * its release, while the buffer went to another owner -- is told from the
 * new owner's at release instead of releasing the new owner's buffer.
 * Without a free descriptor the handle stays as it is.
 */
static struct pool_buf *dbg_rehandle(struct pool *p, struct pool_buf *b)
{
	struct pool_buf *d;

	pool_lock(p);
	d = desc_get_locked(p);
	if (!d) {
		pool_unlock(p);
		return b;
	}
	__atomic_store_n(&d->retired, false, __ATOMIC_RELAXED);
	d->mem = b->mem;
	d->data = b->data;
	d->cap = b->cap;
	d->size = b->size;
	d->has_fence = false;
	d->idle_since = b->idle_since;
	atomic_store_explicit(&d->state, atomic_load(&b->state), memory_order_relaxed);
	memset(&b->mem, 0, sizeof(b->mem));
	b->data = NULL;
	__atomic_store_n(&b->retired, true, __ATOMIC_RELEASE);
	atomic_store_explicit(&b->state, BS_EMPTY, memory_order_release);
	list_push(&p->retired, b);
	if (p->retired.n > DBG_RETIRED_MAX) {
		struct pool_buf *old = p->retired.tail;

		list_del(&p->retired, old);
		__atomic_store_n(&old->retired, false, __ATOMIC_RELAXED);
		list_push(&p->empty, old);
	}
	pool_unlock(p);
	return d;
}

struct pool_buf *dbg_on_acquire(struct pool *p, struct pool_buf *b)
{
	b = dbg_rehandle(p, b);
	b->acquire_ns = pool_now_ns();
	if (!b->data)
		return b;
	mem_defined(b->data, b->cap);
	if (!all_bytes(b->data, DBG_POISON, b->cap))
		pool_fault(p, b, "modified after release (use after release)");
	dbg_check_canary(p, b, "tail canary overwritten while idle");
	if (p->zero)
		memset(b->data, 0, b->cap);
	else
		mem_undefined(b->data, b->cap);
	return b;
}

/* Before the backend frees the memory: the tools may look at it again. */
void dbg_before_free(struct pool *p, struct pool_buf *b)
{
	if (b->data && p->debug)
		mem_defined(b->data, b->mem.size);
}

/* The buffer is ours (RETURNING or being reaped): make it idle. */
void buf_scrub(struct pool *p, struct pool_buf *b)
{
	if (!b->data)
		return;
	if (unlikely(p->debug)) {
		dbg_check_canary(p, b, "tail canary overwritten (write past the end)");
		memset(b->data, DBG_POISON, b->cap);
		mem_noaccess(b->data, b->cap);
	} else if (p->zero) {
		memset(b->data, 0, b->cap);
	}
}

/* ------------------------------------------------------------------- audit */

/*
 * The books: every buffer with memory is exactly once idle (free list,
 * ring or a thread cache), busy or held, and the state words agree.  Needs
 * the caches frozen and the lock held; skipped while a slow path has
 * buffers off every list (p->users: growth, a destroy waiting).
 */
void pool_audit_locked(struct pool *p, const char *when)
{
	unsigned int idle = 0, busy = 0, held = 0;
	unsigned int cached, ring, nfree = 0, nbusy = 0;
	char what[192];

	lock_assert_held(p);
	if (!p->debug || atomic_load(&p->users))
		return;
	cached = caches_count_frozen(p);
	ring = ring_count(p);
	for (struct pool_buf *b = p->free.head; b; b = b->next)
		nfree++;
	for (struct pool_buf *b = p->busy.head; b; b = b->next)
		nbusy++;
	for (struct pool_buf *b = p->all; b; b = b->all_next) {
		switch (BS_STATE(atomic_load_explicit(&b->state, memory_order_acquire))) {
		case BS_IDLE:
			idle++;
			break;
		case BS_BUSY:
			busy++;
			break;
		case BS_HELD:
		case BS_RETURNING:
			held++;
			break;
		default:
			break;
		}
	}
	if (p->total == p->free.n + p->busy.n + held + cached + ring && nfree == p->free.n &&
	    nbusy == p->busy.n && idle == p->free.n + cached + ring && busy == p->busy.n)
		return;
	snprintf(what, sizeof(what), "audit at %s: total %u != free %u (listed %u) + busy %u "
		 "(listed %u, state %u) + held %u + cached %u + ring %u (idle states %u)", when,
		 p->total, p->free.n, nfree, p->busy.n, nbusy, busy, held, cached, ring, idle);
	pool_fault(p, NULL, what);
}

void pool_audit(struct pool *p, const char *when)
{
	if (!p->debug)
		return;
	caches_freeze(p, 1);
	pool_lock(p);
	pool_audit_locked(p, when);
	pool_unlock(p);
	caches_thaw(p);
}
