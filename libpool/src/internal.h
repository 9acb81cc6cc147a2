/* SPDX-License-Identifier: MIT */
/*
 * libpool internals.
 *
 * A pool keeps buffer descriptors (struct pool_buf) for its whole life; a
 * descriptor's state word says whether it is IDLE (on the shared free list
 * or in a thread cache), HELD (refs > 0), RETURNING (last release under
 * way), BUSY (fenced) or EMPTY (no memory: trimmed or never filled).  Every
 * state change happens either under the pool lock or inside a thread-cache
 * window (see tcache_enter()), so pool_destroy() can freeze both and see a
 * consistent picture.
 */
#ifndef POOL_INTERNAL_H
#define POOL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <pool/pool.h>
#include <pool/poolset.h>

#include "pool_trace.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#if defined(__SANITIZE_THREAD__)
#define POOL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define POOL_TSAN 1
#endif
#endif

#define POOL_MAGIC	0x786e61706f6f6c31ULL	/* "xnapool1" */
#define POOL_DEAD_MAGIC	0x786e61706f6f6c2dULL
#define BUF_MAGIC	0x5844424f42554621ULL	/* xored with the address */

#define POOL_NAME_MAX	64
#define POOL_MAX_THREADS	1024	/* threads with a cache slot */
#define TCACHE_MAX	64		/* buffers per thread cache */
#define TCACHE_DEFAULT_BYTES	(4u << 20)
#define DBG_TAIL	64		/* bytes allocated past the end in debug mode */
#define DBG_CANARY	16		/* canary bytes checked there */
#define DBG_POISON	0x6b

/* Buffer state word: state in the low byte, references above. */
enum buf_state {
	BS_EMPTY = 0,
	BS_IDLE = 1,
	BS_HELD = 2,
	BS_RETURNING = 3,
	BS_BUSY = 4,
};
#define BS_CHAN		0x80u		/* flag: one of the references is a channel's */
#define BS_REF		(1u << 8)
#define BS_STATE(w)	((w) & 0x7fu)
#define BS_REFS(w)	((w) >> 8)
#define BS_REFS_MAX	((1u << 23) - 1)	/* references a buffer can carry */

/*
 * A holder may drop or add a reference: the buffer is HELD and not every
 * reference is the channel's.  A buffer sent into a channel with its only
 * reference belongs to the channel until received: releasing, ref-ing or
 * re-sending it is -EINVAL and changes nothing.
 */
static inline bool bs_holder_may_use(uint32_t w)
{
	return BS_STATE(w) == BS_HELD && BS_REFS(w) > ((w & BS_CHAN) ? 1u : 0u);
}

struct pool_buf {
	uint64_t magic;			/* BUF_MAGIC ^ (uintptr_t)self */
	struct pool *pool;
	_Atomic uint32_t state;
	uint32_t id;
	void *data;
	size_t size;			/* valid bytes */
	size_t cap;			/* buffer bytes (pool size or direct size) */
	struct pool_mem mem;
	struct pool_buf *next, *prev;	/* free/busy/empty lists (pool lock) */
	struct pool_buf *all_next;	/* every descriptor of the pool */
	uint64_t idle_since;		/* ns, when it reached the shared list */
	uint64_t acquire_ns;		/* ns of the last acquire (debug/trace) */
	uint64_t fenced_ns;		/* ns it went busy (trace) */
	const char *site_file;		/* last acquire call site */
	int site_line;
	bool has_fence;
	struct pool_fence fence;
};

struct buf_list {
	struct pool_buf *head, *tail;	/* head: most recent */
	unsigned int n;
};

/* Per-(pool, thread) cache: written by its thread inside a window. */
struct tcache {
	_Atomic unsigned int in;	/* the owner is inside a window */
	_Atomic unsigned int count;
	unsigned int cap;
	unsigned int batch;
	/* per-thread counters, single writer, summed on read */
	_Atomic uint64_t acquires;
	_Atomic uint64_t releases;
	struct pool_buf *objs[];
};

/* fast_off: non-zero sends every operation to the locked slow path. */
#define FO_DEAD		(1u << 31)
#define FO_WAITERS	(1u << 30)
#define FO_FREEZE_MASK	((1u << 30) - 1)

struct pool_backend {
	struct pool_backend_ops ops;
	void *ctx;
	_Atomic int refs;
	bool is_static;
};

struct pool_counters {
	uint64_t acquires, releases, hits, allocs, frees, waits, wait_ns;
	uint64_t timeouts, exhausted, evictions, fenced, high_water;
};

struct pool {
	uint64_t magic;
	_Atomic unsigned int fast_off;
	bool debug, zero, direct;
	size_t size;			/* bytes of one buffer */
	size_t alloc_size;		/* asked of the backend */
	_Atomic(struct tcache *) *caches;	/* [POOL_MAX_THREADS] or NULL */
	unsigned int tc_cap;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* free buffers or destroy */
	struct buf_list free;		/* IDLE, LIFO */
	struct buf_list busy;		/* BUSY, oldest at tail */
	struct buf_list empty;		/* EMPTY descriptors */
	struct pool_buf *all;
	uint32_t ndesc;
	unsigned int total;		/* buffers with memory, or being allocated */
	unsigned int nwaiters;
	_Atomic unsigned int users;	/* threads in a lock-dropping slow path */
	struct pool_counters st;	/* slow-path counters (lock) */
	bool dead;
	bool destroyed;			/* orphans counted */
	unsigned int orphans;
	pthread_mutex_t drain_lock;

	struct pool *reg_next, *reg_prev;

	struct pool_backend *be;
	uint32_t id;			/* unique in the process, for probes */
	char name[POOL_NAME_MAX];
	enum pool_dtype dtype;
	unsigned int ndim;
	size_t shape[POOL_MAX_DIMS];
	unsigned int flags;
	unsigned int min, max, initial;
	enum pool_grow grow;
	unsigned int grow_step;
	uint64_t idle_timeout_ns;
	size_t max_cached_bytes;
	pool_report_fn report;
	void *report_arg;
	FILE *report_file;
	void (*on_fault)(void *arg, struct pool *pool, struct pool_buf *buf, const char *what);
	void *fault_arg;
};

/* opts.c */
bool pool_opts_valid(const void *opts, size_t known, size_t min_sz);
#define OPTS_VALID(opts, type, min_sz) \
	(!(opts) || pool_opts_valid(opts, sizeof(type), min_sz))
#define OPTS_GET(opts, field, def) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field) \
	 ? (opts)->field : (def))
uint64_t pool_now_ns(void);
void pool_reportf(const struct pool *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pool_emit(pool_report_fn fn, void *arg, FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* backend.c */
struct pool_backend *pool_backend_get(struct pool_backend *be);

/* registry (pool.c) */
extern pthread_mutex_t pool_reg_lock;
extern struct pool *pool_reg_head;

/* pool.c internals shared with classes.c / chan.c */
int pool_acquire_direct(struct pool *p, size_t size, struct pool_buf **out,
			const char *file, int line);
struct pool *pool_create_internal(const struct pool_opts *opts, bool direct);
/* chan.c: the channel takes a holder's reference / gives it to a receiver. */
int pool_buf_chan_take(struct pool_buf *b);
void pool_buf_chan_give(struct pool_buf *b);
static inline bool buf_valid(const struct pool_buf *b)
{
	return b && !((uintptr_t)b & 7) && b->magic == (BUF_MAGIC ^ (uintptr_t)b);
}

#endif /* POOL_INTERNAL_H */
