/* SPDX-License-Identifier: MIT */
/*
 * libpool: pools of equally shaped buffers for NPU pipelines.
 *
 * Conventions (as libbpf): functions returning a pointer return NULL and set
 * errno on failure; functions returning int return 0 (or a count) on success
 * and a negative errno on failure.  Option structs start with `sz`; declare
 * them with POOL_OPTS() so that sz is set and unused fields are zero.
 *
 * Thread safety: every call may be made from any thread.  A pool must not be
 * destroyed twice; after pool_destroy() the handle stays valid (every call
 * fails with -ESHUTDOWN, releases are accepted) until its last outstanding
 * buffer is released.
 */
#ifndef POOL_POOL_H
#define POOL_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POOL_VERSION_MAJOR	0
#define POOL_VERSION_MINOR	1
#define POOL_VERSION_PATCH	0

struct pool;
struct pool_buf;
struct pool_backend;

/*
 * Declare an options struct with sz set and every other field zero:
 *
 *	POOL_OPTS(pool_opts, o, .size = 4096, .max = 8);
 *
 * In C a plain designated initializer (ISO C11: libbpf's LIBBPF_OPTS without
 * its statement expression).  The name travels in __VA_ARGS__ so that the
 * field list may be empty, which C11 forbids for a macro's "...".
 *
 * C++ has designated initializers only from C++20: there POOL_OPTS(TYPE,
 * NAME) takes no fields (more arguments do not compile) and the fields are
 * set afterwards; pool_opts_init<T>() returns such a struct.
 */
#ifndef __cplusplus
#define POOL_OPTS(TYPE, ...)		POOL__OPTS(TYPE, __VA_ARGS__, )
#define POOL__OPTS(TYPE, NAME, ...)	\
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }
#else
#define POOL_OPTS(TYPE, NAME)		struct TYPE NAME = ::pool_opts_init<struct TYPE>()
#endif

/* Timeouts (nanoseconds) for the acquire, send and receive calls. */
#define POOL_NOWAIT	((int64_t)0)	/* never block: -EAGAIN */
#define POOL_FOREVER	((int64_t)-1)	/* block until success or destroy */

/* ------------------------------------------------------------------ dtypes */

enum pool_dtype {
	POOL_DTYPE_BYTES = 0,	/* untyped: 1-byte elements */
	POOL_DTYPE_U8,
	POOL_DTYPE_I8,
	POOL_DTYPE_U16,
	POOL_DTYPE_I16,
	POOL_DTYPE_F16,
	POOL_DTYPE_BF16,
	POOL_DTYPE_U32,
	POOL_DTYPE_I32,
	POOL_DTYPE_F32,
	POOL_DTYPE_U64,
	POOL_DTYPE_I64,
	POOL_DTYPE_F64,
	POOL_DTYPE__COUNT,
};

/* Element size in bytes, 0 for an unknown dtype. */
size_t pool_dtype_size(enum pool_dtype dtype);
/* "f32", "bf16", ...; NULL for an unknown dtype. */
const char *pool_dtype_name(enum pool_dtype dtype);
/* Parse a dtype name (as printed by pool_dtype_name, also "float32" etc.). */
int pool_dtype_parse(const char *name, enum pool_dtype *out);

#define POOL_MAX_DIMS	4

/* ------------------------------------------------------------------- pools */

/*
 * Misuse, and what catches it.
 *
 * Always (default mode): a NULL or foreign pointer, and a release, ref or
 * send of a buffer that is not held (idle, busy, already released by its
 * last holder) are -EINVAL and change nothing; buffers still held at
 * pool_destroy() are reported with their acquire call site.
 *
 * Not in default mode: handles are descriptors, reused LIFO, so a stale
 * handle -- kept past its release while the buffer went to a new owner --
 * IS the new owner's handle: releasing it returns 0 and takes the buffer
 * from under its owner.  Two threads releasing one sole reference at the
 * same instant may both succeed.  Writes after release or past the end
 * are not seen.
 *
 * Debug mode (POOL_F_DEBUG, XDNAPOOL_DEBUG=1) adds: every acquire returns
 * a handle of its own (the previous one is retired for the next 1024
 * acquires), so a stale handle's release is a fault and -EINVAL, and its
 * pool_buf_data() is NULL; the state word is changed by compare and swap,
 * so a concurrent double release fails once; idle buffers are poisoned
 * and checked at acquire (use after release); a canary past the end is
 * checked at release and while idle; the books are audited at trim and
 * destroy.  Faults call opts.on_fault, else report and abort().  Debug
 * handles are not reused: compare buffers by pool_buf_data(), not by
 * handle.
 */
enum pool_flags {
	POOL_F_ZERO	= 1u << 0,	/* buffers are zeroed on release */
	POOL_F_DEBUG	= 1u << 1,	/* debug checks (also XDNAPOOL_DEBUG=1) */
	POOL_F_NO_CACHE	= 1u << 2,	/* no per-thread caches */
	POOL_F_THP	= 1u << 3,	/* default host backend: madvise(MADV_HUGEPAGE) */
	POOL_F_HUGETLB	= 1u << 4,	/* default host backend: MAP_HUGETLB */
	POOL_F_MLOCK	= 1u << 5,	/* default host backend: mlock() */
	POOL_F_NO_DEBUG	= 1u << 6,	/* ignore XDNAPOOL_DEBUG */
};
#define POOL_F__ALL	((1u << 7) - 1)

enum pool_grow {
	POOL_GROW_LINEAR = 0,	/* grow_step buffers at a time (default 1) */
	POOL_GROW_DOUBLE,	/* double the pool (at least grow_step) */
	POOL_GROW_NONE,		/* never beyond `initial` (max is forced to it) */
};

/* One line of a leak or debug report, without the newline. */
typedef void (*pool_report_fn)(void *arg, const char *line);

struct pool_opts {
	size_t sz;
	const char *name;		/* copied; NULL: "pool" */
	/* Shape: ndim dims of dtype elements.  ndim 0: `size` bytes. */
	enum pool_dtype dtype;
	unsigned int ndim;
	size_t shape[POOL_MAX_DIMS];
	size_t size;			/* bytes; if shape is set too it must agree */
	unsigned int initial;		/* preallocated by pool_create() */
	unsigned int min;		/* never trimmed below (preallocated too) */
	unsigned int max;		/* 0: no limit */
	enum pool_grow grow;
	unsigned int grow_step;		/* 0: 1 */
	unsigned int flags;		/* enum pool_flags */
	/* Backend: NULL is the default host backend (see POOL_F_THP...). */
	struct pool_backend *backend;
	/* Bytes kept per thread (LIFO cache); 0: default (4 MiB, >= 1 buffer). */
	size_t thread_cache_bytes;
	/* Idle buffers older than this are freed by maintenance; 0: never. */
	uint64_t idle_timeout_ms;
	/* Idle bytes beyond this are freed at release (evictions); 0: no cap. */
	size_t max_cached_bytes;
	/* Leak and debug reports: callback, else report_file, else stderr. */
	pool_report_fn report;
	void *report_arg;
	FILE *report_file;
	/*
	 * Debug faults (corruption, use after release): called instead of
	 * abort() when set.
	 */
	void (*on_fault)(void *arg, struct pool *pool, struct pool_buf *buf, const char *what);
	void *fault_arg;
	/*
	 * pool_destroy() waits at most this long in all for fenced buffers
	 * (and a fenced last release after destroy, until the same deadline);
	 * 0: 10000.
	 */
	uint64_t destroy_timeout_ms;
};
#define POOL_OPTS_SZ_V1	(offsetof(struct pool_opts, fault_arg) + sizeof(void *))

/* NULL with errno EINVAL, EOVERFLOW, ENOMEM or the backend's error. */
struct pool *pool_create(const struct pool_opts *opts);

/*
 * Frees idle buffers, wakes waiters with -ECANCELED, waits for fenced
 * buffers to signal until one deadline (opts.destroy_timeout_ms, for the
 * whole destroy), reports and leaks those that did not (one line each),
 * reports outstanding buffers (one line each, with the acquire call site)
 * and frees them at their last release.  NULL is a no-op.  Returns the
 * number of outstanding buffers.
 */
int pool_destroy(struct pool *pool);

const char *pool_name(const struct pool *pool);
/* Bytes of one buffer. */
size_t pool_buf_bytes(const struct pool *pool);

/*
 * Take a buffer.  timeout_ns: POOL_NOWAIT (-EAGAIN when none is free and the
 * pool may not grow), POOL_FOREVER, or a relative timeout (-ETIMEDOUT).
 * -ECANCELED if the pool is destroyed while waiting, -ESHUTDOWN after.
 * -ENOMEM (or the backend's error) when growing fails; the pool stays
 * consistent.
 */
int pool_acquire_at(struct pool *pool, struct pool_buf **out, int64_t timeout_ns,
		    const char *file, int line);
int pool_acquire(struct pool *pool, struct pool_buf **out, int64_t timeout_ns);
#define pool_acquire(pool, out, timeout_ns) \
	pool_acquire_at(pool, out, timeout_ns, __FILE__, __LINE__)

/* All n or none (then bufs is untouched).  n above max: -EINVAL. */
int pool_acquire_bulk_at(struct pool *pool, struct pool_buf **bufs, unsigned int n,
			 int64_t timeout_ns, const char *file, int line);
int pool_acquire_bulk(struct pool *pool, struct pool_buf **bufs, unsigned int n,
		      int64_t timeout_ns);
#define pool_acquire_bulk(pool, bufs, n, timeout_ns) \
	pool_acquire_bulk_at(pool, bufs, n, timeout_ns, __FILE__, __LINE__)

/*
 * Drop one reference; the last returns the buffer to its pool.  NULL, a
 * pointer that is no buffer, or a buffer that is not held: -EINVAL and
 * nothing changes.
 */
int pool_release(struct pool_buf *buf);
/* As pool_release(), and -EINVAL if buf is not from pool. */
int pool_release_to(struct pool *pool, struct pool_buf *buf);
/* Releases every buffer; returns the first error (all valid ones released). */
int pool_release_bulk(struct pool_buf *const *bufs, unsigned int n);

/* One more reference (for a stage that keeps a buffer it hands on). */
int pool_buf_ref(struct pool_buf *buf);
/* Current references (0 when idle); -EINVAL for no buffer. */
int pool_buf_refs(const struct pool_buf *buf);

/* ------------------------------------------------------------- accessors */

void *pool_buf_data(const struct pool_buf *buf);
/* Valid bytes: the pool's buffer size, or the size asked of a class set. */
size_t pool_buf_size(const struct pool_buf *buf);

/*
 * The head of every buffer descriptor, read by the inline versions of
 * pool_buf_data() and pool_buf_size() below (the out-of-line functions
 * stay exported).  Part of the ABI; the rest of the descriptor is private.
 * The check is the one the library makes: an aligned pointer whose cookie
 * matches its address, else NULL / 0.
 */
struct pool_buf_head {
	uint64_t cookie;		/* POOL_BUF_COOKIE ^ (uintptr_t)buf */
	const void *priv_[2];
	void *data;
	size_t size;
	size_t capacity;
};
#define POOL_BUF_COOKIE	0x5844424f42554621ULL

static inline const struct pool_buf_head *pool_buf_head_(const struct pool_buf *buf)
{
	const struct pool_buf_head *h = (const struct pool_buf_head *)(const void *)buf;

	if (!buf || ((uintptr_t)buf & 7) || h->cookie != (POOL_BUF_COOKIE ^ (uintptr_t)buf))
		return NULL;
	return h;
}

static inline void *pool_buf_data_inline_(const struct pool_buf *buf)
{
	const struct pool_buf_head *h = pool_buf_head_(buf);

	return h ? h->data : NULL;
}

static inline size_t pool_buf_size_inline_(const struct pool_buf *buf)
{
	const struct pool_buf_head *h = pool_buf_head_(buf);

	return h ? h->size : 0;
}
#define pool_buf_data(buf)	pool_buf_data_inline_(buf)
#define pool_buf_size(buf)	pool_buf_size_inline_(buf)
/* Allocated bytes (>= size). */
size_t pool_buf_capacity(const struct pool_buf *buf);
/* Fills shape[POOL_MAX_DIMS]; returns ndim. */
unsigned int pool_buf_shape(const struct pool_buf *buf, size_t *shape);
enum pool_dtype pool_buf_dtype(const struct pool_buf *buf);
struct pool *pool_buf_pool(const struct pool_buf *buf);
/* Device (NPU) address; 0 on the host backend. */
uint64_t pool_buf_dev_addr(const struct pool_buf *buf);
/* GEM handle; 0 on the host backend. */
uint32_t pool_buf_handle(const struct pool_buf *buf);
/* The backend's per-buffer object (struct xdna_bo * on xdna), or NULL. */
void *pool_buf_backend_obj(const struct pool_buf *buf);
/* A new dma-buf fd the caller closes; -EOPNOTSUPP on the host backend. */
int pool_buf_export(struct pool_buf *buf, int *fd);

enum pool_sync_dir {
	POOL_SYNC_TO_DEVICE = 0,
	POOL_SYNC_FROM_DEVICE = 1,
};
/* Cache maintenance for [off, off + len); len 0: to the end. */
int pool_buf_sync(struct pool_buf *buf, enum pool_sync_dir dir, size_t off, size_t len);

/* ---------------------------------------------------- fence-aware reuse */

/*
 * A point on a device timeline, e.g. (hardware context, command seq).
 * signalled() returns 1, 0 or a negative errno (treated as signalled: the
 * buffer is reused); wait() returns 0, -ETIME/-ETIMEDOUT or an errno.
 *
 * Versioned like the option structs: set sz to sizeof(struct
 * pool_fence_ops) (POOL_OPTS() does).  sz must cover signalled
 * (POOL_FENCE_OPS_SZ_MIN); a callback beyond sz is taken as NULL, so ops
 * built against an older header keep working; bytes of a newer, larger
 * struct that this library does not know must be zero.  Otherwise
 * pool_release_fenced() is -EINVAL.
 */
struct pool_fence_ops {
	size_t sz;
	int (*signalled)(void *ctx, uint64_t seq);
	/* Optional: block up to timeout_ns; NULL: the pool polls signalled(). */
	int (*wait)(void *ctx, uint64_t seq, int64_t timeout_ns);
	/*
	 * Optional (V2): a reference on ctx for as long as the pool keeps the
	 * fence (taken at pool_release_fenced(), dropped once it signalled
	 * or was given up on), so that ctx may be destroyed while buffers
	 * are fenced on it (pool_xdna_fence_ops holds the hardware context).
	 */
	void (*get)(void *ctx);
	void (*put)(void *ctx);
};
#define POOL_FENCE_OPS_SZ_MIN	(offsetof(struct pool_fence_ops, signalled) + sizeof(void *))
#define POOL_FENCE_OPS_SZ_V1	(offsetof(struct pool_fence_ops, wait) + sizeof(void *))
#define POOL_FENCE_OPS_SZ_V2	(offsetof(struct pool_fence_ops, put) + sizeof(void *))

struct pool_fence {
	const struct pool_fence_ops *ops;
	void *ctx;
	uint64_t seq;
};

/*
 * Release a buffer the device still uses until @fence signals: it goes on
 * the pool's busy list (oldest first) and is reused only after that.  When
 * references remain, the fence is kept for the last release (a later fence
 * replaces an earlier one).  -EINVAL (and nothing changes) for fence ops
 * that are NULL, lack signalled or fail the sz check above.
 */
int pool_release_fenced(struct pool_buf *buf, const struct pool_fence *fence);

/* --------------------------------------------------------------- handoff */

struct pool_chan;

struct pool_chan_opts {
	size_t sz;
	unsigned int capacity;	/* buffers in flight; 0: 16 */
};
#define POOL_CHAN_OPTS_SZ_V1	(offsetof(struct pool_chan_opts, capacity) + sizeof(unsigned int))

/* A bounded multi-producer multi-consumer queue of buffers. */
struct pool_chan *pool_chan_create(const struct pool_chan_opts *opts);
/*
 * Move the caller's reference into the channel (no copy).  Full: waits as
 * pool_acquire() (-EAGAIN / -ETIMEDOUT); closed: -EPIPE; not a held
 * buffer: -EINVAL.
 */
int pool_chan_send(struct pool_chan *ch, struct pool_buf *buf, int64_t timeout_ns);
/* Take the oldest buffer; closed and empty: -EPIPE. */
int pool_chan_recv(struct pool_chan *ch, struct pool_buf **out, int64_t timeout_ns);
/* No more sends; receivers drain what is queued, then get -EPIPE. */
void pool_chan_close(struct pool_chan *ch);
/* Buffers in the channel now. */
unsigned int pool_chan_len(struct pool_chan *ch);
/* Releases queued buffers; wakes nobody (close first). NULL is a no-op. */
void pool_chan_destroy(struct pool_chan *ch);

/* ---------------------------------------------------------------- trimming */

enum pool_trim_flags {
	POOL_TRIM_IDLE = 1u << 0,	/* only buffers idle longer than idle_timeout_ms */
	POOL_TRIM_CACHES = 1u << 1,	/* also flush other threads' caches */
};

/*
 * Free idle buffers, never below `min`.  flags 0: every idle buffer beyond
 * min (thread caches included).  Returns the number freed.
 */
int pool_trim(struct pool *pool, unsigned int flags);
/* pool_trim() on every live pool; returns the total freed. */
int pool_trim_all(unsigned int flags);

/*
 * Memory pressure and ageing without a hidden thread.  A monitor owns a PSI
 * trigger on /proc/pressure/memory and a periodic timer; poll its fd for
 * POLLIN and call pool_monitor_dispatch(), or ask for a helper thread.
 */
struct pool_monitor;

enum pool_monitor_flags {
	POOL_MON_THREAD = 1u << 0,	/* run a helper thread doing the polling */
	POOL_MON_NO_PSI = 1u << 1,	/* timer only */
};

struct pool_monitor_opts {
	size_t sz;
	unsigned int flags;
	/* PSI trigger "some <stall_us> <window_us>"; 0: 150000 and 1000000. */
	unsigned int stall_us;
	unsigned int window_us;
	/* Period of idle-timeout maintenance; 0: 1000 ms. */
	unsigned int interval_ms;
	const char *psi_path;	/* NULL: /proc/pressure/memory */
	/* Called after a pressure event trimmed `freed` buffers. */
	void (*on_pressure)(void *arg, int freed);
	void *arg;
};
#define POOL_MONITOR_OPTS_SZ_V1	(offsetof(struct pool_monitor_opts, arg) + sizeof(void *))

/*
 * PSI triggers from processes without CAP_SYS_RESOURCE need a window that
 * is a multiple of 2 s; the window is rounded up when the kernel refuses.
 */
struct pool_monitor *pool_monitor_create(const struct pool_monitor_opts *opts);
/*
 * An fd that becomes readable when pool_monitor_dispatch() has work;
 * -EBUSY when a helper thread (POOL_MON_THREAD) does the polling.
 */
int pool_monitor_fd(const struct pool_monitor *mon);
/* Handle pending events without blocking; returns buffers freed. */
int pool_monitor_dispatch(struct pool_monitor *mon);
/* Whether the PSI trigger is armed. */
bool pool_monitor_has_psi(const struct pool_monitor *mon);
/* The trigger written ("some 150000 2000000"), or NULL. */
const char *pool_monitor_trigger(const struct pool_monitor *mon);
void pool_monitor_destroy(struct pool_monitor *mon);

/* ------------------------------------------------------------------ stats */

struct pool_stats {
	size_t sz;
	uint64_t acquires;	/* successful acquires (buffers) */
	uint64_t releases;	/* last releases (buffers back to the pool) */
	uint64_t hits;		/* acquires served without backend allocation */
	uint64_t allocs;	/* backend allocations */
	uint64_t frees;		/* backend frees */
	uint64_t waits;		/* acquires that blocked */
	uint64_t wait_ns;	/* total time blocked */
	uint64_t timeouts;	/* -ETIMEDOUT */
	uint64_t exhausted;	/* -EAGAIN from POOL_NOWAIT */
	uint64_t evictions;	/* idle buffers freed (trim, cap, age) */
	uint64_t fenced;	/* releases onto the busy list */
	uint64_t outstanding;	/* held by users now */
	uint64_t high_water;	/* max buffers out of the shared list */
	uint64_t total;		/* buffers allocated now */
	uint64_t idle;		/* free buffers (shared list + thread caches) */
	uint64_t busy;		/* fenced, waiting for the device */
	uint64_t bytes_cached;	/* idle * buffer bytes */
	uint64_t bytes_total;
	double hit_rate;	/* hits / acquires (0 when none) */
};
#define POOL_STATS_SZ_V1	(offsetof(struct pool_stats, hit_rate) + sizeof(double))

/* Sum the per-thread counters; st->sz must be set. */
int pool_stats_get(struct pool *pool, struct pool_stats *st);

enum pool_stats_format {
	POOL_STATS_TEXT = 0,
	POOL_STATS_JSON,
	POOL_STATS_PROMETHEUS,
};
/*
 * Format the stats of @pool (NULL: every live pool) like snprintf: returns
 * the length the full text needs, writes at most len bytes.
 */
int pool_stats_format(struct pool *pool, enum pool_stats_format fmt, char *buf, size_t len);
/* Same to a stream. */
int pool_stats_print(struct pool *pool, enum pool_stats_format fmt, FILE *f);

/* --------------------------------------------------------------- backends */

/* What a backend allocation yields; the pool keeps it in the descriptor. */
struct pool_mem {
	void *cpu;		/* CPU mapping, NULL if none */
	size_t size;		/* allocated bytes (>= requested) */
	uint64_t dev_addr;
	uint64_t map_offset;
	uint32_t handle;
	void *obj;		/* backend object (e.g. struct xdna_bo *) */
};

/*
 * A backend: alloc must return memory of at least `size` bytes; the
 * remaining ops may be NULL (-EOPNOTSUPP / 0).  destroy is called when the
 * last pool using the backend is gone and the creator dropped its reference.
 */
struct pool_backend_ops {
	size_t sz;
	const char *name;
	int (*alloc)(void *ctx, size_t size, struct pool_mem *mem);
	void (*free)(void *ctx, struct pool_mem *mem);
	int (*sync)(void *ctx, struct pool_mem *mem, enum pool_sync_dir dir, size_t off,
		    size_t len);
	/* A dma-buf fd of the memory (the caller closes it). */
	int (*export_dmabuf)(void *ctx, struct pool_mem *mem, int *fd);
	uint64_t (*dev_addr)(void *ctx, const struct pool_mem *mem);
	void (*destroy)(void *ctx);
	/*
	 * Optional: one line on the calling thread's last failed alloc (e.g.
	 * the driver's), which pool-set errors append.
	 */
	const char *(*errmsg)(void *ctx);
};
#define POOL_BACKEND_OPS_SZ_V1	(offsetof(struct pool_backend_ops, destroy) + sizeof(void *))

/* A backend from an ops table (copied) and its context; refcount 1. */
struct pool_backend *pool_backend_create(const struct pool_backend_ops *ops, void *ctx);
/* Drop the caller's reference (pools hold their own). NULL is a no-op. */
void pool_backend_put(struct pool_backend *be);
const char *pool_backend_name(const struct pool_backend *be);

enum pool_host_flags {
	POOL_HOST_THP = 1u << 0,	/* madvise(MADV_HUGEPAGE) */
	POOL_HOST_HUGETLB = 1u << 1,	/* MAP_HUGETLB (fails if none reserved) */
	POOL_HOST_MLOCK = 1u << 2,	/* mlock(); fails past RLIMIT_MEMLOCK */
};
#define POOL_HOST__ALL	((1u << 3) - 1)

/* Page-aligned anonymous memory (sub-page sizes: 64-byte aligned heap). */
struct pool_backend *pool_backend_host(unsigned int flags);

/*
 * Backends for AMD XDNA NPUs through libxdna-shim: see <pool/pool_xdna.h>.
 */

#ifdef __cplusplus
}

/* A value-initialised (all-zero, padding included) T with sz set. */
template <typename T> inline T pool_opts_init()
{
	T o = T();

	o.sz = sizeof(T);
	return o;
}
#endif

#endif /* POOL_POOL_H */
