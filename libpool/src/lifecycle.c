// SPDX-License-Identifier: MIT
/*
 * Pool lifecycle: options, creation (preallocation), trimming and
 * destruction (waiters cancelled, fences waited for, outstanding buffers
 * reported and freed by their last release).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tcache.h"

/* Pool ids for the probes: process-wide, never reused. */
static uint32_t pool_next_id(void)
{
	static _Atomic uint32_t next;

	return atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) + 1;
}

/* ---------------------------------------------------------- create/destroy */

/*
 * The library's boolean switches, strict (libpool/README.md): the debug
 * mode (1/0), or -EINVAL with msg naming a bad XDNAPOOL_NO_MEMBARRIER
 * (read once, at the first pool) or XDNAPOOL_DEBUG.  Pool sets check
 * before creating their pools so that the reason is one line of theirs.
 */
int pool_env_check(char *msg, size_t len)
{
	const char *tc;

	pool_global_init();
	tc = tcache_env_error();
	if (tc) {
		snprintf(msg, len, "%s", tc);
		return -EINVAL;
	}
	return pool_env_bool("XDNAPOOL_DEBUG", msg, len);
}

/* pool_env_check(), the reason reported in one line of the pool's. */
static int env_debug(const struct pool_opts *o)
{
	char msg[POOL_ENV_MSG_MAX];
	int dbg = pool_env_check(msg, sizeof(msg));

	if (dbg >= 0)
		return dbg;
	pool_emit(OPTS_GET(o, report, NULL), OPTS_GET(o, report_arg, NULL),
		  OPTS_GET(o, report_file, NULL), "xdnapool: %s", msg);
	return dbg;
}

/* Byte size from shape x dtype and/or size; -EINVAL / -EOVERFLOW. */
static int opts_size(const struct pool_opts *o, bool direct, size_t *out)
{
	enum pool_dtype dt = OPTS_GET(o, dtype, POOL_DTYPE_BYTES);
	unsigned int ndim = OPTS_GET(o, ndim, 0);
	size_t size = OPTS_GET(o, size, 0);
	size_t esz = pool_dtype_size(dt);
	size_t n = esz;

	if (!esz || ndim > POOL_MAX_DIMS)
		return -EINVAL;
	if (!ndim) {
		if (!size && !direct)
			return -EINVAL;
		if (size % esz)
			return -EINVAL;
		n = size;
	}
	for (unsigned int i = 0; i < ndim; i++) {
		if (!o->shape[i])
			return -EINVAL;
		if (__builtin_mul_overflow(n, o->shape[i], &n))
			return -EOVERFLOW;
	}
	if (ndim && size && size != n)
		return -EINVAL;
	if (n > SIZE_MAX / 2)
		return -EOVERFLOW;
	*out = n;
	return 0;
}

void pool_free(struct pool *p)
{
	struct pool_buf *b = p->all;

	while (b) {
		struct pool_buf *next = b->all_next;

		b->magic = 0;
		free(b);
		b = next;
	}
	caches_free(p);
	free(p->ring);
	pool_backend_put(p->be);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	p->magic = POOL_DEAD_MAGIC;
	free(p);
}

static int pool_init_opts(struct pool *p, const struct pool_opts *o, bool direct)
{
	unsigned int flags = OPTS_GET(o, flags, 0);
	const char *name = OPTS_GET(o, name, NULL);
	struct pool_backend *be = OPTS_GET(o, backend, NULL);
	size_t tcb = OPTS_GET(o, thread_cache_bytes, 0);
	int err, dbg;

	if (flags & ~POOL_F__ALL)
		return -EINVAL;
	dbg = env_debug(o);
	if (dbg < 0)
		return dbg;
	err = opts_size(o, direct, &p->size);
	if (err)
		return err;
	if (!name)
		name = "pool";
	if (!*name || strlen(name) >= POOL_NAME_MAX)
		return -EINVAL;
	strcpy(p->name, name);
	p->id = pool_next_id();
	p->dtype = OPTS_GET(o, dtype, POOL_DTYPE_BYTES);
	p->ndim = OPTS_GET(o, ndim, 0);
	for (unsigned int i = 0; i < p->ndim; i++)
		p->shape[i] = o->shape[i];
	if (!p->ndim && p->size) {
		p->ndim = 1;
		p->shape[0] = p->size / pool_dtype_size(p->dtype);
	}
	p->initial = OPTS_GET(o, initial, 0);
	p->min = OPTS_GET(o, min, 0);
	p->max = OPTS_GET(o, max, 0);
	p->grow = OPTS_GET(o, grow, POOL_GROW_LINEAR);
	p->grow_step = OPTS_GET(o, grow_step, 0) ? o->grow_step : 1;
	if ((unsigned int)p->grow > POOL_GROW_NONE)
		return -EINVAL;
	if (p->grow == POOL_GROW_NONE) {
		unsigned int fixed = p->initial > p->min ? p->initial : p->min;

		if (p->max && p->max != fixed)
			return -EINVAL;
		if (!fixed)
			return -EINVAL;
		p->max = fixed;
	}
	if (p->max && (p->max < p->initial || p->max < p->min))
		return -EINVAL;
	if (be && (flags & (POOL_F_THP | POOL_F_HUGETLB | POOL_F_MLOCK)))
		return -EINVAL;	/* those configure the default backend */
	if (!be)
		be = pool_backend_host(((flags & POOL_F_THP) ? POOL_HOST_THP : 0) |
				       ((flags & POOL_F_HUGETLB) ? POOL_HOST_HUGETLB : 0) |
				       ((flags & POOL_F_MLOCK) ? POOL_HOST_MLOCK : 0));
	p->be = pool_backend_get(be);
	p->zero = flags & POOL_F_ZERO;
	p->debug = (flags & POOL_F_DEBUG) || (!(flags & POOL_F_NO_DEBUG) && dbg);
	p->direct = direct;
	p->idle_timeout_ns = OPTS_GET(o, idle_timeout_ms, 0) * NSEC_PER_MSEC;
	p->stamp_idle = p->idle_timeout_ns != 0;
	p->wait_spin_ns = WAIT_SPIN_MAX_NS;
	p->max_cached_bytes = OPTS_GET(o, max_cached_bytes, 0);
	p->report = OPTS_GET(o, report, NULL);
	p->report_arg = OPTS_GET(o, report_arg, NULL);
	p->report_file = OPTS_GET(o, report_file, NULL);
	p->on_fault = OPTS_GET(o, on_fault, NULL);
	p->fault_arg = OPTS_GET(o, fault_arg, NULL);
	p->destroy_timeout_ns = (OPTS_GET(o, destroy_timeout_ms, 0) ?: DESTROY_TIMEOUT_MS) *
				NSEC_PER_MSEC;
	if (!direct && !(flags & POOL_F_NO_CACHE)) {
		size_t cap = (tcb ? tcb : TCACHE_DEFAULT_BYTES) / p->size;

		p->tc_cap = cap < 1 ? 1 : cap > TCACHE_MAX ? TCACHE_MAX : (unsigned int)cap;
		p->caches = calloc(POOL_MAX_THREADS, sizeof(*p->caches));
		if (!p->caches)
			return -ENOMEM;
		/*
		 * The lock-free shared ring; with max_cached_bytes, releases
		 * must see the cap, so spills stay on the locked list.
		 */
		if (!p->max_cached_bytes) {
			unsigned int slots = p->max ? p->max : RING_DEFAULT_SLOTS;

			p->ring = pool_ring_create(slots < RING_MAX_SLOTS ? slots : RING_MAX_SLOTS);
			if (!p->ring)
				return -ENOMEM;
		}
	}
	return 0;
}

struct pool *pool_create_internal(const struct pool_opts *o, bool direct)
{
	pthread_condattr_t ca;
	struct pool *p;
	unsigned int n;
	int err;

	if (!o || !OPTS_VALID(o, struct pool_opts, sizeof(size_t))) {
		errno = EINVAL;
		return NULL;
	}
	pool_global_init();
	pool_errdetail_clear();
	p = aligned_alloc(CACHELINE_BYTES, sizeof(*p));	/* sizeof is a multiple */
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->magic = POOL_MAGIC;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pool_init_opts(p, o, direct);
	if (err)
		goto err_free;

	/* preallocate max(initial, min) */
	n = p->initial > p->min ? p->initial : p->min;
	pool_lock(p);
	for (unsigned int i = 0; i < n; i++) {
		struct pool_mem mem;
		struct pool_buf *b;

		err = mem_alloc(p, p->size, &mem);
		if (err)
			break;
		b = desc_get_locked(p);
		if (!b) {
			p->be->ops.free(p->be->ctx, &mem);
			err = -ENOMEM;
			break;
		}
		desc_attach(p, b, &mem, p->size);
		atomic_store_explicit(&b->state, BS_IDLE, memory_order_relaxed);
		list_push(&p->free, b);
		p->total++;
		p->st.allocs++;
	}
	if (err) {
		while (p->free.n)
			buf_evict_locked(p, list_pop(&p->free));
		pool_unlock(p);
		goto err_free;
	}
	pool_unlock(p);

	reg_lock();
	p->reg_next = pool_reg_head;
	if (pool_reg_head)
		pool_reg_head->reg_prev = p;
	pool_reg_head = p;
	reg_unlock();
	return p;

err_free:
	if (!p->be)
		p->be = pool_backend_host(0);
	pool_free(p);
	errno = -err;
	return NULL;
}

struct pool *pool_create(const struct pool_opts *opts)
{
	return pool_create_internal(opts, false);
}

static void reg_unlink(struct pool *p)
{
	reg_lock();
	if (p->reg_prev)
		p->reg_prev->reg_next = p->reg_next;
	else if (pool_reg_head == p)
		pool_reg_head = p->reg_next;
	if (p->reg_next)
		p->reg_next->reg_prev = p->reg_prev;
	p->reg_next = p->reg_prev = NULL;
	reg_unlock();
}

int pool_destroy(struct pool *p)
{
	unsigned int orphans = 0;
	bool last;

	if (!p)
		return 0;
	if (!pool_valid(p))
		return -EINVAL;
	pool_lock(p);
	if (p->dead) {
		pool_unlock(p);
		return -EINVAL;
	}
	pool_trace_state_locked(p);	/* the census at the end of its life */
	p->dead = true;
	p->destroy_deadline = pool_now_ns() + p->destroy_timeout_ns;
	pthread_cond_broadcast(&p->cond);
	pool_unlock(p);
	reg_unlink(p);
	caches_freeze(p, FO_DEAD);	/* never thawed */

	pool_lock(p);
	while (atomic_load(&p->users)) {
		pthread_cond_broadcast(&p->cond);
		pool_unlock(p);
		sched_yield();
		pool_lock(p);
	}
	pool_audit_locked(p, "destroy");
	caches_drain_locked(p);		/* dead: frees them */
	destroy_busy_locked(p);
	while (p->free.n)
		buf_evict_locked(p, list_pop(&p->free));
	for (struct pool_buf *b = p->all; b; b = b->all_next) {
		unsigned int s = BS_STATE(atomic_load(&b->state));

		if (s == BS_HELD || s == BS_RETURNING)
			orphans++;
	}
	if (orphans) {
		pool_reportf(p, "xdnapool: pool '%s' destroyed with %u outstanding buffer%s "
			     "(freed at their last release):", p->name, orphans,
			     orphans == 1 ? "" : "s");
		for (struct pool_buf *b = p->all; b; b = b->all_next) {
			uint32_t w = atomic_load(&b->state);

			if (BS_STATE(w) != BS_HELD && BS_STATE(w) != BS_RETURNING)
				continue;
			pool_reportf(p, "xdnapool:   buffer #%u, %zu bytes, %u ref%s, "
				     "acquired at %s:%d", b->id, b->cap, BS_REFS(w),
				     BS_REFS(w) == 1 ? "" : "s",
				     site_file_get(b), site_line_get(b));
		}
	}
	p->orphans = orphans;
	p->destroyed = true;
	last = !orphans;
	pool_unlock(p);
	if (last)
		pool_free(p);
	return (int)orphans;
}

/* ------------------------------------------------------------------ trim */

int pool_trim(struct pool *p, unsigned int flags)
{
	uint64_t now;
	struct pool_buf *b;
	int freed = 0;

	if (!pool_valid(p) || (flags & ~(POOL_TRIM_IDLE | POOL_TRIM_CACHES)))
		return -EINVAL;
	pool_lock(p);		/* destroy writes dead under the lock */
	if (p->dead) {
		pool_unlock(p);
		return -ESHUTDOWN;
	}
	pool_unlock(p);
	if (!(flags & POOL_TRIM_IDLE) || (flags & POOL_TRIM_CACHES))
		caches_drain(p);
	pool_lock(p);
	if (p->dead) {
		pool_unlock(p);
		return -ESHUTDOWN;
	}
	ring_drain_locked(p);
	reap_busy_locked(p);
	now = pool_now_ns();
	b = p->free.tail;	/* oldest first */
	while (b && p->total > p->min) {
		struct pool_buf *prev = b->prev;

		if (flags & POOL_TRIM_IDLE) {
			if (!p->idle_timeout_ns || now - b->idle_since < p->idle_timeout_ns)
				break;
		}
		list_del(&p->free, b);
		buf_evict_locked(p, b);
		p->st.evictions++;
		freed++;
		b = prev;
	}
	if (freed && POOL_PROBE_ON(evict))
		POOL_PROBE(evict, p->id, p->name, freed, (uint64_t)p->total);
	if (freed)
		pool_trace_state_locked(p);
	pool_unlock(p);
	pool_audit(p, "trim");
	return freed;
}

int pool_trim_all(unsigned int flags)
{
	int total = 0;

	reg_lock();
	for (struct pool *p = pool_reg_head; p; p = p->reg_next) {
		int n = pool_trim(p, flags);

		if (n > 0)
			total += n;
	}
	reg_unlock();
	return total;
}

