/* SPDX-License-Identifier: MIT */
/*
 * libpool internals.
 *
 * A pool keeps buffer descriptors (struct pool_buf) for its whole life; a
 * descriptor's state word says whether it is IDLE (in a thread cache, in
 * the shared ring or on the shared free list), HELD (refs > 0, possibly
 * one of them a channel's), RETURNING (last release under way), BUSY
 * (fenced) or EMPTY (no memory: trimmed or never filled).  Every state
 * change happens under the pool lock or inside a thread-cache window (see
 * tcache.h), so pool_destroy() and pool_audit() can freeze both and see a
 * consistent picture.
 *
 * Where idle buffers live, fastest first:
 *   thread cache   per (pool, thread), LIFO, touched only by its thread
 *                  inside a window (tcache.h);
 *   shared ring    lock-free MPMC ring of pointers (ring.h): caches flush
 *                  to it and refill from it in batches, inside a window;
 *   free list      under the pool lock: growth, reaped fences, ring
 *                  overflow, pools with max_cached_bytes (no ring).
 *
 * Lock order (outermost first; asserted in debug, ASan and TSan builds):
 *
 *   classes lock (struct pool_classes)
 *     -> registry lock (pool_reg_lock: the pool list and thread slots)
 *       -> pool lock (struct pool: lists, counters, growth, waits)
 *         -> channel lock (struct pool_chan): a leaf, nothing is taken
 *            while it is held
 *
 * Only one pool lock is held at a time.  The cache window is a protocol,
 * not a lock: an owner inside a window never blocks on anything but the
 * pool lock, and a thread that freezes the caches (caches_freeze(): trim,
 * destroy, a waiter) never holds the pool lock while it waits for windows
 * to close.  So "window -> pool lock" and "pool lock -> enter window" are
 * both allowed.  Every function named *_locked is called with the pool
 * lock held and starts with lock_assert_held().
 */
#ifndef POOL_INTERNAL_H
#define POOL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

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

/* Lock assertions: debug (SAN=debug), ASan and TSan builds. */
#if !defined(NDEBUG) && (defined(POOL_DEBUG_BUILD) || defined(POOL_TSAN) || \
			 defined(__SANITIZE_ADDRESS__))
#define POOL_ASSERTS 1
#endif

#define POOL_MAGIC	0x786e61706f6f6c31ULL	/* "xnapool1" */
#define POOL_DEAD_MAGIC	0x786e61706f6f6c2dULL
#define BUF_MAGIC	0x5844424f42554621ULL	/* xored with the address */

#define CACHELINE_BYTES	64
#define POOL_NAME_MAX	64
#define POOL_MAX_THREADS	1024	/* threads with a cache slot */
#define TCACHE_MAX	64		/* buffers per thread cache */
#define TCACHE_DEFAULT_BYTES	(4u << 20)
#define RING_DEFAULT_SLOTS	1024	/* shared ring of a pool without max */
#define RING_MAX_SLOTS		4096

#define NSEC_PER_SEC		1000000000ull
#define NSEC_PER_MSEC		1000000ull
#define USEC_PER_SEC		1000000u
#define MSEC_PER_SEC		1000u

/*
 * A waiter spins up to wait_spin_ns for a release before sleeping on the
 * condition variable (waking a sleeping thread costs tens of microseconds
 * in a VM).  The budget learns how long waits take: twice the last wait,
 * between these bounds; each wait longer than the maximum (spinning would
 * not have helped) takes a quarter off, so waiters that always wait long
 * soon stop spinning while one outlier barely changes it.
 */
#define WAIT_SPIN_MAX_NS	250000
#define WAIT_SPIN_MIN_NS	2000
#define DESTROY_TIMEOUT_MS	10000	/* default: destroy waits this for all fences */
#define FENCE_POLL_NS		NSEC_PER_MSEC	/* fences without wait() are polled so often */
#define STATE_PROBE_INTERVAL_NS	NSEC_PER_MSEC	/* libpool:state at most this often per pool */
#define DBG_TAIL	64		/* bytes allocated past the end in debug mode */
#define DBG_CANARY	16		/* canary bytes checked there */
#define DBG_POISON	0x6b
#define DBG_RETIRED_MAX	1024		/* stale handles recognised, per pool */

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

/*
 * A callback of pool_fence_ops, NULL when the caller's sz does not cover
 * it (ops from an older header).  pool_release_fenced() checked sz.
 */
#define FENCE_OP(ops, field)						\
	((ops)->sz >= offsetof(struct pool_fence_ops, field) + sizeof((ops)->field) ? \
	 (ops)->field : NULL)

bool pool_opts_valid(const void *opts, size_t known, size_t min_sz);

static inline bool fence_ops_valid(const struct pool_fence_ops *ops)
{
	return ops && pool_opts_valid(ops, sizeof(*ops), POOL_FENCE_OPS_SZ_MIN) &&
	       ops->signalled;
}

/* A kept fence holds its context (pool_fence_ops.get/put, optional). */
static inline void fence_get(const struct pool_fence *f)
{
	void (*get)(void *) = FENCE_OP(f->ops, get);

	if (get)
		get(f->ctx);
}

static inline void fence_put(const struct pool_fence *f)
{
	void (*put)(void *) = FENCE_OP(f->ops, put);

	if (put)
		put(f->ctx);
}

/*
 * A descriptor: 64-byte aligned, the first line holds everything the
 * acquire and release fast paths touch (it is written by both ends of a
 * producer -> consumer flow, so one line crosses cores, not two).  The
 * head matches struct pool_buf_head of <pool/pool.h> (inline accessors).
 */
struct pool_buf {
	/* line 0: fast paths */
	uint64_t magic;			/* BUF_MAGIC ^ (uintptr_t)self */
	struct pool *pool;
	_Atomic uint32_t state;
	uint32_t id;
	void *data;
	size_t size;			/* valid bytes */
	size_t cap;			/* buffer bytes (pool size or direct size) */
	/*
	 * Last acquire call site: written by the acquiring thread without the
	 * lock, read by reports from others (site_get()): relaxed atomics.
	 */
	const char *site_file;
	int site_line;
	bool has_fence;
	/* the rest: slow paths, tracing, debug */
	_Alignas(CACHELINE_BYTES) struct pool_mem mem;
	struct pool_buf *next, *prev;	/* free/busy/empty lists (pool lock) */
	struct pool_buf *all_next;	/* every descriptor of the pool */
	uint64_t idle_since;		/* ns, when it reached the shared list */
	uint64_t acquire_ns;		/* ns of the last traced acquire (debug/trace) */
	uint64_t fenced_ns;		/* ns it went busy (trace) */
	struct pool_fence fence;
	bool retired;			/* debug: a stale handle (on p->retired) */
};

static inline void site_set(struct pool_buf *b, const char *file, int line)
{
	__atomic_store_n(&b->site_file, file, __ATOMIC_RELAXED);
	__atomic_store_n(&b->site_line, line, __ATOMIC_RELAXED);
}

/* The call site for a report: "?" when none. */
static inline const char *site_file_get(const struct pool_buf *b)
{
	const char *f = b ? __atomic_load_n(&b->site_file, __ATOMIC_RELAXED) : NULL;

	return f ? f : "?";
}

static inline int site_line_get(const struct pool_buf *b)
{
	return b ? __atomic_load_n(&b->site_line, __ATOMIC_RELAXED) : 0;
}

struct buf_list {
	struct pool_buf *head, *tail;	/* head: most recent */
	unsigned int n;
};

struct tcache;
struct pool_ring;

/*
 * fast_off: non-zero sends every operation to the locked slow path.  The
 * low bits count threads freezing the caches.
 */
#define FO_DEAD		(1u << 31)
#define FO_WAITERS	(1u << 30)

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
	/* read on every fast-path operation */
	uint64_t magic;
	_Atomic unsigned int fast_off;
	bool debug, zero, direct;
	bool stamp_idle;		/* idle_timeout_ms set: stamp idle_since */
	size_t size;			/* bytes of one buffer */
	_Atomic(struct tcache *) *caches;	/* [POOL_MAX_THREADS] or NULL */
	struct pool_ring *ring;		/* NULL: no caches, or max_cached_bytes */
	unsigned int tc_cap;

	/* written under the lock: kept off the fast paths' line */
	_Alignas(CACHELINE_BYTES) pthread_mutex_t lock;
#ifdef POOL_ASSERTS
	_Atomic uintptr_t lock_owner;	/* lock_assert_held() */
#endif
	pthread_cond_t cond;		/* free buffers or destroy */
	struct buf_list free;		/* IDLE, LIFO */
	struct buf_list busy;		/* BUSY, oldest at tail */
	struct buf_list empty;		/* EMPTY descriptors */
	struct buf_list retired;	/* debug: stale handles, newest at head */
	struct pool_buf *all;
	uint32_t ndesc;
	unsigned int total;		/* buffers with memory, or being allocated */
	unsigned int nwaiters;
	unsigned int bulk_waiters;	/* waiters for more than one buffer */
	_Atomic unsigned int wake_seq;	/* moved by releases while there are waiters */
	uint64_t wait_spin_ns;		/* a waiter's spin budget (adaptive) */
	_Atomic unsigned int users;	/* threads in a lock-dropping slow path */
	struct pool_counters st;	/* slow-path counters (lock) */
	_Atomic uint64_t state_probe_ns; /* last libpool:state sample (pool_trace.c) */
	bool dead;
	bool destroyed;			/* orphans counted */
	unsigned int orphans;

	struct pool *reg_next, *reg_prev;

	struct pool_backend *be;
	uint32_t id;			/* unique in the process, for probes */
	char name[POOL_NAME_MAX];
	enum pool_dtype dtype;
	unsigned int ndim;
	size_t shape[POOL_MAX_DIMS];
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
	uint64_t destroy_timeout_ns;
	uint64_t destroy_deadline;	/* set by pool_destroy() */
};

/* registry (tcache.c): every live pool */
extern pthread_mutex_t pool_reg_lock;
extern struct pool *pool_reg_head;

/* ------------------------------------------------------- lock order */


enum lock_rank {
	LOCK_CLASSES	= 1u << 0,
	LOCK_REGISTRY	= 1u << 1,
	LOCK_POOL	= 1u << 2,
	LOCK_CHAN	= 1u << 3,
};

#ifdef POOL_ASSERTS
#include <assert.h>
extern __thread unsigned int pool_t_locks;	/* enum lock_rank bits held */

/* Taking a lock of @rank: nothing of the same or an inner rank is held. */
static inline void lock_order_take(unsigned int rank)
{
	assert(!(pool_t_locks & ~(rank - 1)) && "libpool lock order violated");
	pool_t_locks |= rank;
}

static inline void lock_order_drop(unsigned int rank)
{
	assert(pool_t_locks & rank);
	pool_t_locks &= ~rank;
}

static inline uintptr_t lock_self(void)
{
	return (uintptr_t)&pool_t_locks;	/* unique per thread */
}
#define lock_assert_held(p) \
	assert(atomic_load_explicit(&(p)->lock_owner, memory_order_relaxed) == lock_self() && \
	       "pool lock not held")
#else
static inline void lock_order_take(unsigned int rank) { (void)rank; }
static inline void lock_order_drop(unsigned int rank) { (void)rank; }
#define lock_assert_held(p)	((void)(p))
#endif

static inline void pool_lock(struct pool *p)
{
	lock_order_take(LOCK_POOL);
	pthread_mutex_lock(&p->lock);
#ifdef POOL_ASSERTS
	atomic_store_explicit(&p->lock_owner, lock_self(), memory_order_relaxed);
#endif
}

static inline void pool_unlock(struct pool *p)
{
#ifdef POOL_ASSERTS
	assert(atomic_load_explicit(&p->lock_owner, memory_order_relaxed) == lock_self());
	atomic_store_explicit(&p->lock_owner, 0, memory_order_relaxed);
#endif
	pthread_mutex_unlock(&p->lock);
	lock_order_drop(LOCK_POOL);
}

/* pthread_cond_(timed)wait on the pool lock; @ts NULL: no deadline. */
void pool_cond_wait(struct pool *p, const struct timespec *ts);

static inline void reg_lock(void)
{
	lock_order_take(LOCK_REGISTRY);
	pthread_mutex_lock(&pool_reg_lock);
}

static inline void reg_unlock(void)
{
	pthread_mutex_unlock(&pool_reg_lock);
	lock_order_drop(LOCK_REGISTRY);
}

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


/* pool.c internals shared with the other files */
void list_push(struct buf_list *l, struct pool_buf *b);
void list_del(struct buf_list *l, struct pool_buf *b);
struct pool_buf *list_pop(struct buf_list *l);
int mem_alloc(struct pool *p, size_t cap, struct pool_mem *mem);
void desc_attach(struct pool *p, struct pool_buf *b, const struct pool_mem *mem, size_t cap);
unsigned int reap_busy_locked(struct pool *p);
void destroy_busy_locked(struct pool *p);
/* util.c: the backend's message on the calling thread's last failed alloc */
void pool_errdetail_clear(void);
void pool_errdetail_set(const char *msg);
const char *pool_errdetail(void);
/* util.c: a strict boolean XDNAPOOL_* switch (1, 0 or -EINVAL with msg) */
int pool_env_bool(const char *name, char *msg, size_t len);
/* lifecycle.c: the switches read at pool creation (debug, or -EINVAL with msg) */
#define POOL_ENV_MSG_MAX	160
int pool_env_check(char *msg, size_t len);
void buf_abandon_locked(struct pool *p, struct pool_buf *b, const struct pool_fence *f, int err);
int fence_wait_until_locked(struct pool *p, const struct pool_fence *f, uint64_t deadline);
/* lifecycle.c */
void pool_free(struct pool *p);
struct pool_buf *desc_get_locked(struct pool *p);
void buf_evict_locked(struct pool *p, struct pool_buf *b);
void shared_push_locked(struct pool *p, struct pool_buf **v, unsigned int n);
unsigned int ring_drain_locked(struct pool *p);
unsigned int ring_count(const struct pool *p);

/* wait.c: a blocked acquire, one step at a time (lock held) */
struct waiter {
	int64_t timeout_ns;
	uint64_t deadline;
	uint64_t t0;
	unsigned int n;
	bool waiting;
	bool drained;
};
int wait_step_locked(struct pool *p, struct waiter *w);
void wait_end_locked(struct pool *p, struct waiter *w, int result);

/* debug.c: checks of POOL_F_DEBUG pools and tool annotations */
void pool_fault(struct pool *p, struct pool_buf *b, const char *what);
void dbg_init(struct pool_buf *b);
struct pool_buf *dbg_on_acquire(struct pool *p, struct pool_buf *b);
void dbg_check_canary(struct pool *p, struct pool_buf *b, const char *when);
void dbg_before_free(struct pool *p, struct pool_buf *b);
void buf_scrub(struct pool *p, struct pool_buf *b);
/* total == free + busy + held + cached; the caches frozen, lock held. */
void pool_audit_locked(struct pool *p, const char *when);
/* Freezes the caches and audits (POOL_F_DEBUG pools only). */
void pool_audit(struct pool *p, const char *when);

int pool_acquire_direct(struct pool *p, size_t size, struct pool_buf **out,
			const char *file, int line);

/* stats.c: where the buffers are, as pool_stats_get() counts them (lock held). */
struct pool_census {
	uint64_t total;			/* buffers with memory */
	uint64_t idle;			/* free list, ring and thread caches */
	uint64_t busy;			/* fenced, not yet seen signalled */
	uint64_t acquires, releases;	/* slow paths and caches */
	uint64_t cache_acquires;	/* served by a thread cache (hits) */
};
void pool_census_locked(struct pool *p, struct pool_census *c);

/*
 * pool_trace.c: the libpool:state probe.  pool_trace_state() is called
 * only when POOL_PROBE_ON(state) (the hot paths test it inline); @pending
 * is the release under way when it fires (the buffer is still counted as
 * held).  pool_trace_state_locked() tests it itself.
 */
enum pool_state_pending {
	POOL_PENDING_NONE = 0,		/* after an acquire, grow or trim */
	POOL_PENDING_RELEASE,		/* a plain release: held -> idle (direct: freed) */
	POOL_PENDING_FENCED,		/* a fenced release: held -> busy */
};
void pool_trace_state(struct pool *p, enum pool_state_pending pending);
void pool_trace_state_locked(struct pool *p);
struct pool *pool_create_internal(const struct pool_opts *opts, bool direct);
/* chan.c: the channel takes a holder's reference / gives it to a receiver. */
int buf_chan_take(struct pool_buf *b);
void buf_chan_give(struct pool_buf *b);
/* A live pool; like buf_valid(), safe on any 8-byte aligned pointer. */
static inline bool pool_valid(const struct pool *p)
{
	return p && !((uintptr_t)p & 7) && *(const uint64_t *)(const void *)p == POOL_MAGIC;
}

/*
 * The cookie is read as a plain 8-byte word: @b may be any pointer, only
 * 8-byte aligned, not yet a descriptor (which is 64-byte aligned).
 */
static inline bool buf_valid(const struct pool_buf *b)
{
	return b && !((uintptr_t)b & 7) &&
	       *(const uint64_t *)(const void *)b == (BUF_MAGIC ^ (uintptr_t)b);
}

#endif /* POOL_INTERNAL_H */
