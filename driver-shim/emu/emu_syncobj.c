// SPDX-License-Identifier: MIT
/*
 * xdna-emu: DRM sync objects, as drivers/gpu/drm/drm_syncobj.c has them.
 *
 * Every rule below cites the function it follows in
 *   gregkh/linux drivers/gpu/drm/drm_syncobj.c,
 *   commit ee6bf57ad14c891455f6ea6f3e7b96d841b436b8
 * (written "[fn() ee6bf57ad14c]"); "OLD" notes where torvalds/linux's
 * older copy in the index (0177cfb2a2db) differs.  The rule ids are those
 * of RULES-syncobj.md.  amdxdna sets DRIVER_SYNCOBJ and
 * DRIVER_SYNCOBJ_TIMELINE in every flavour, so no -EOPNOTSUPP here.
 *
 * A syncobj's fence is NULL, plain or a dma_fence_chain head
 * (emu_fence.c).  Waits look a fence up once per entry (find_seqno) and
 * then wait on *that* fence, as the kernel does; entries without one
 * (WAIT_FOR_SUBMIT / WAIT_AVAILABLE) sit on the syncobj's wait list and
 * get their fence when a point is added or the fence replaced.  Blocking
 * is on emu.cond with the caller's absolute CLOCK_MONOTONIC deadline.
 * Not emulated: -ERESTARTSYS (signals do not interrupt waits), the
 * WAIT_DEADLINE hint's effect, HANDLE_TO_FD / FD_TO_HANDLE / EVENTFD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE	(1 << 3)
#endif

/* DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT [drm_syncobj_find_fence() ee6bf57ad14c] */
#define EMU_WAIT_FOR_SUBMIT_NS	5000000000LL

/* struct syncobj_wait_entry */
struct emu_syncobj_wait {
	struct emu_syncobj_wait *next;
	bool queued;
	uint64_t point;
	struct emu_fence *fence;
};

/* ---- sync objects ---- */

struct emu_syncobj *emu_syncobj_new(void)
{
	struct emu_syncobj *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	emu.census.syncobjs++;
	return s;
}

void emu_syncobj_put_locked(struct emu_syncobj *s)
{
	if (--s->refs > 0)
		return;
	emu_fence_put(s->fence);
	free(s);
	emu.census.syncobjs--;
}

/*
 * The fence for point, with a reference, or -EINVAL: no fence, or
 * dma_fence_chain_find_seqno() fails.  A point found signalled and
 * collected gives the stub (a new signalled fence).
 * [drm_syncobj_array_wait_timeout(), drm_syncobj_find_fence() ee6bf57ad14c]
 */
static int emu_syncobj_fence_at(struct emu_syncobj *s, uint64_t point,
				struct emu_fence **out)
{
	struct emu_fence *fence = emu_fence_get(s->fence);

	if (!fence || emu_fence_chain_find_seqno(&fence, point)) {
		emu_fence_put(fence);
		return -EINVAL;
	}
	if (!fence)
		fence = emu_fence_stub();
	if (!fence)
		return -ENOMEM;
	*out = fence;
	return 0;
}

static void emu_syncobj_wait_unlink(struct emu_syncobj *s,
				    struct emu_syncobj_wait *w)
{
	struct emu_syncobj_wait **pp;

	for (pp = &s->waits; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	w->queued = false;
}

/* A changed fence: waiters whose point is now there take its fence.
 * [syncobj_wait_syncobj_func() ee6bf57ad14c] */
static void emu_syncobj_run_waits(struct emu_syncobj *s)
{
	struct emu_syncobj_wait *w, *next;

	for (w = s->waits; w; w = next) {
		next = w->next;
		if (!emu_syncobj_fence_at(s, w->point, &w->fence))
			emu_syncobj_wait_unlink(s, w);
	}
	emu_broadcast();
}

/* [drm_syncobj_fence_add_wait() ee6bf57ad14c] */
static void emu_syncobj_add_wait(struct emu_syncobj *s,
				 struct emu_syncobj_wait *w)
{
	if (w->fence)
		return;
	if (!emu_syncobj_fence_at(s, w->point, &w->fence))
		return;
	w->next = s->waits;
	s->waits = w;
	w->queued = true;
}

static void emu_syncobj_remove_wait(struct emu_syncobj *s,
				    struct emu_syncobj_wait *w)
{
	if (w->queued)
		emu_syncobj_wait_unlink(s, w);
}

/* SYNCOBJ-SIGNAL, -RESET, -TRANSFER-TO-BINARY: the fence is replaced; the
 * waits run only when it changed. [drm_syncobj_replace_fence() ee6bf57ad14c] */
static void emu_syncobj_replace_locked(struct emu_syncobj *s,
				       struct emu_fence *fence)
{
	struct emu_fence *old = s->fence;

	s->fence = emu_fence_get(fence);
	if (fence != old)
		emu_syncobj_run_waits(s);
	emu_fence_put(old);
}

/*
 * SYNCOBJ-TSIGNAL-ZERO, -POINT-UNORDERED, -TSIGNAL-ONTO-BINARY: a new
 * chain node on top of whatever fence is there (NULL, plain or a chain),
 * point 0 included; an out-of-order point only gets the chain's context
 * and seqno rules (dma_fence_chain_init()).  Then the whole chain is
 * walked once to collect signalled nodes.
 * [drm_syncobj_add_point() ee6bf57ad14c]
 */
int emu_syncobj_add_point_locked(struct emu_syncobj *s,
				 struct emu_fence *fence, uint64_t point)
{
	struct emu_fence *prev = emu_fence_get(s->fence);
	struct emu_fence *chain;

	chain = emu_fence_chain_new(emu_fence_get(prev), emu_fence_get(fence),
				    point);
	if (!chain) {
		emu_fence_put(fence);
		emu_fence_put(prev);
		emu_fence_put(prev);
		return -ENOMEM;
	}
	emu_fence_put(s->fence);
	s->fence = chain;
	emu_syncobj_run_waits(s);
	if (prev)
		emu_fence_chain_gc(prev);
	emu_fence_put(prev);
	return 0;
}

/* WAIT_CMD (emu_exec.c): is point there, pending or signalled now? */
int emu_syncobj_point_state(struct emu_syncobj *s, uint64_t point)
{
	struct emu_fence *fence;
	int st;

	if (emu_syncobj_fence_at(s, point, &fence))
		return EMU_PT_NONE;
	st = emu_fence_is_signaled(fence) ? EMU_PT_SIGNALED : EMU_PT_PENDING;
	emu_fence_put(fence);
	return st;
}

/* ---- handles ---- */

struct emu_syncobj *emu_syncobj_lookup(struct emu_file *f, uint32_t handle)
{
	if (!handle || handle >= f->nsync)
		return NULL;
	return f->sync[handle];
}

/* SYNCOBJ-HANDLE-ALLOC: the lowest free id from 1, per file.
 * [drm_syncobj_get_handle() idr_alloc(.., 1, 0, ..), drm_syncobj_open()
 * ee6bf57ad14c] */
int emu_syncobj_handle_alloc_locked(struct emu_file *f,
				    struct emu_syncobj *s, uint32_t *handle)
{
	uint32_t h;

	for (h = 1; h < f->nsync && f->sync[h]; h++)
		;
	if (h >= f->nsync) {
		uint32_t n = f->nsync ? f->nsync * 2 : 16;
		struct emu_syncobj **t = realloc(f->sync, n * sizeof(*t));

		if (!t)
			return -ENOMEM;
		memset(t + f->nsync, 0, (n - f->nsync) * sizeof(*t));
		f->sync = t;
		f->nsync = n;
		h = h ? h : 1;
	}
	f->sync[h] = s;
	s->refs++;
	*handle = h;
	return 0;
}

void emu_file_drop_syncobjs_locked(struct emu_file *f)
{
	uint32_t h;

	for (h = 1; h < f->nsync; h++) {
		if (f->sync[h])
			emu_syncobj_put_locked(f->sync[h]);
	}
	free(f->sync);
	f->sync = NULL;
	f->nsync = 0;
}

/*
 * SYNCOBJ-ARRAY-EFAULT, SYNCOBJ-ARRAY-ENOENT: a reference on every
 * handle; unreadable array -EFAULT, any unknown handle -ENOENT.
 * [drm_syncobj_array_find() ee6bf57ad14c]
 */
static int emu_syncobj_array_find(struct emu_file *f, uint64_t uhandles,
				  uint32_t count, struct emu_syncobj ***out)
{
	struct emu_syncobj **objs;
	uint32_t *handles;
	uint32_t i;
	int ret;

	if (!uhandles)
		return -EFAULT;
	handles = emu_user_dup(uhandles, (size_t)count * sizeof(*handles), &ret);
	if (!handles)
		return ret ?: -EFAULT;
	objs = calloc(count, sizeof(*objs));
	if (!objs) {
		free(handles);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		objs[i] = emu_syncobj_lookup(f, handles[i]);
		if (!objs[i])
			break;
		objs[i]->refs++;
	}
	free(handles);
	if (i < count) {
		while (i-- > 0)
			emu_syncobj_put_locked(objs[i]);
		free(objs);
		return -ENOENT;
	}
	*out = objs;
	return 0;
}

static void emu_syncobj_array_free(struct emu_syncobj **objs, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		emu_syncobj_put_locked(objs[i]);
	free(objs);
}

/*
 * SYNCOBJ-WAIT-POLL, SYNCOBJ-WAIT-TIMEOUT: timeout_nsec is absolute
 * CLOCK_MONOTONIC; 0, or a time not after now, polls.  Returns 1 and fills
 * *ts when there is time to wait.  [drm_timeout_abs_to_jiffies()
 * ee6bf57ad14c]
 */
void emu_timespec_add_ms(struct timespec *ts, unsigned long ms)
{
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int emu_deadline(int64_t abs_ns, struct timespec *ts)
{
	struct timespec now;
	int64_t now_ns;

	if (abs_ns <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
	if (abs_ns <= now_ns)
		return 0;
	ts->tv_sec = abs_ns / 1000000000LL;
	ts->tv_nsec = abs_ns % 1000000000LL;
	return 1;
}

/*
 * [drm_syncobj_array_wait_timeout() ee6bf57ad14c]
 * SYNCOBJ-WAIT-NOFENCE: an entry without a fence at its point is -EINVAL
 *   up front unless WAIT_FOR_SUBMIT or WAIT_AVAILABLE.
 * SYNCOBJ-WAIT-CAPTURE: each entry waits on the fence it found; later
 *   changes to the syncobj only matter to entries still without one.
 * SYNCOBJ-WAIT-AVAILABLE: with WAIT_AVAILABLE having the fence is enough.
 * SYNCOBJ-WAIT-ALL-ANY, SYNCOBJ-WAIT-FIRST-SIGNALED: *idx is the first
 *   entry found signalled in the first pass; later only without WAIT_ALL
 *   (the entry that ended the wait).  Expiry is -ETIME.
 */
static int emu_syncobj_array_wait(struct emu_syncobj **objs,
				  const uint64_t *points, uint32_t count,
				  uint32_t flags, int64_t timeout_nsec,
				  uint32_t *idx)
{
	bool all = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	bool avail = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
	bool lazy = flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
			     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE);
	struct emu_syncobj_wait *e;
	struct timespec ts;
	bool wait = emu_deadline(timeout_nsec, &ts);
	uint32_t nsig = 0, i;
	int ret = 0;

	e = calloc(count, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		e[i].point = points[i];
		ret = emu_syncobj_fence_at(objs[i], points[i], &e[i].fence);
		if (ret == -ENOMEM)
			goto out;
		if (ret) {
			if (lazy) {
				ret = 0;
				continue;
			}
			goto out;
		}
		if (avail || emu_fence_is_signaled(e[i].fence)) {
			if (!nsig)
				*idx = i;
			nsig++;
		}
	}
	if (nsig == count || (nsig && !all))
		goto out;
	if (lazy) {
		for (i = 0; i < count; i++)
			emu_syncobj_add_wait(objs[i], &e[i]);
	}
	for (;;) {
		nsig = 0;
		for (i = 0; i < count; i++) {
			if (!e[i].fence ||
			    !(avail || emu_fence_is_signaled(e[i].fence)))
				continue;
			if (!all) {
				*idx = i;
				goto out;
			}
			nsig++;
		}
		if (nsig == count)
			goto out;
		if (!wait) {
			ret = -ETIME;
			goto out;
		}
		if (emu_wait(&ts) == ETIMEDOUT)
			wait = false;	/* one last look, then -ETIME */
	}
out:
	for (i = 0; i < count; i++) {
		emu_syncobj_remove_wait(objs[i], &e[i]);
		emu_fence_put(e[i].fence);
	}
	free(e);
	return ret;
}

/*
 * SYNCOBJ-WAIT-COUNT0: no handles is success, first_signaled untouched
 *   (OLD: -EINVAL) -- checked after the flags, before the arrays.
 * Points absent (binary WAIT, or a NULL points array) are all 0.
 * first_signaled is written only on success, ~0 if nothing set it.
 * [drm_syncobj_wait_ioctl(), drm_syncobj_timeline_wait_ioctl(),
 * drm_syncobj_array_wait() ee6bf57ad14c]
 */
static int emu_syncobj_wait_common(struct emu_file *f, uint64_t handles,
				   uint64_t upoints, uint32_t count,
				   uint32_t flags, int64_t timeout_nsec,
				   uint32_t *first_signaled)
{
	struct emu_syncobj **objs;
	uint32_t first = ~0u;
	uint64_t *points;
	int ret;

	if (!count)
		return 0;
	ret = emu_syncobj_array_find(f, handles, count, &objs);
	if (ret)
		return ret;
	points = calloc(count, sizeof(*points));
	if (!points) {
		ret = -ENOMEM;
		goto out;
	}
	if (upoints && emu_copy_from_user(points, upoints, count * sizeof(*points))) {
		ret = -EFAULT;
		free(points);
		goto out;
	}
	ret = emu_syncobj_array_wait(objs, points, count, flags, timeout_nsec,
				     &first);
	if (!ret)
		*first_signaled = first;
	free(points);
out:
	emu_syncobj_array_free(objs, count);
	return ret;
}

/* ---- ioctls ---- */

/* SYNCOBJ-CREATE-FLAGS, SYNCOBJ-CREATE-SIGNALED: only SIGNALED, which
 * installs a signalled stub; without it there is no fence.
 * [drm_syncobj_create_ioctl(), drm_syncobj_create(),
 * drm_syncobj_assign_null_handle() ee6bf57ad14c] */
int emu_ioctl_syncobj_create(struct emu_file *f, void *data)
{
	struct drm_syncobj_create *args = data;
	struct emu_fence *fence;
	struct emu_syncobj *s;
	int ret;

	if (args->flags & ~(uint32_t)DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	s = emu_syncobj_new();
	if (!s)
		return -ENOMEM;
	if (args->flags & DRM_SYNCOBJ_CREATE_SIGNALED) {
		fence = emu_fence_new(true);
		if (!fence) {
			emu_syncobj_put_locked(s);
			return -ENOMEM;
		}
		emu_syncobj_replace_locked(s, fence);
		emu_fence_put(fence);
	}
	ret = emu_syncobj_handle_alloc_locked(f, s, &args->handle);
	emu_syncobj_put_locked(s);
	return ret;
}

/* SYNCOBJ-DESTROY-PAD, SYNCOBJ-DESTROY-UNKNOWN: pad -EINVAL; an unknown
 * handle is -EINVAL too (idr_remove() NULL), not -ENOENT.
 * [drm_syncobj_destroy_ioctl(), drm_syncobj_destroy() ee6bf57ad14c] */
int emu_ioctl_syncobj_destroy(struct emu_file *f, void *data)
{
	struct drm_syncobj_destroy *args = data;
	struct emu_syncobj *s;

	if (args->pad)
		return -EINVAL;
	s = emu_syncobj_lookup(f, args->handle);
	if (!s)
		return -EINVAL;
	f->sync[args->handle] = NULL;
	emu_syncobj_put_locked(s);
	return 0;
}

/* SYNCOBJ-WAIT-FLAGS, SYNCOBJ-WAIT-DEADLINE: WAIT takes WAIT_ALL,
 * WAIT_FOR_SUBMIT and WAIT_DEADLINE (a hint, ignored here; OLD: no
 * WAIT_DEADLINE), not WAIT_AVAILABLE.  [drm_syncobj_wait_ioctl()
 * ee6bf57ad14c] */
int emu_ioctl_syncobj_wait(struct emu_file *f, void *data)
{
	struct drm_syncobj_wait *args = data;

	if (args->flags & ~(uint32_t)(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE))
		return -EINVAL;
	return emu_syncobj_wait_common(f, args->handles, 0,
				       args->count_handles, args->flags,
				       args->timeout_nsec,
				       &args->first_signaled);
}

/* SYNCOBJ-WAIT-FLAGS: TIMELINE_WAIT adds WAIT_AVAILABLE.
 * [drm_syncobj_timeline_wait_ioctl() ee6bf57ad14c] */
int emu_ioctl_syncobj_timeline_wait(struct emu_file *f, void *data)
{
	struct drm_syncobj_timeline_wait *args = data;

	if (args->flags & ~(uint32_t)(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE))
		return -EINVAL;
	return emu_syncobj_wait_common(f, args->handles, args->points,
				       args->count_handles, args->flags,
				       args->timeout_nsec,
				       &args->first_signaled);
}

/*
 * SYNCOBJ-RESET-ARGS, SYNCOBJ-SIGNAL-ARGS: pad, then count 0: -EINVAL.
 * SYNCOBJ-RESET: the fence becomes NULL.  SYNCOBJ-SIGNAL: a new signalled
 * stub replaces the fence (a timeline's chain goes).
 * [drm_syncobj_reset_ioctl(), drm_syncobj_signal_ioctl() ee6bf57ad14c]
 */
static int emu_syncobj_replace_all(struct emu_file *f, void *data,
				   bool signal)
{
	struct drm_syncobj_array *args = data;
	struct emu_syncobj **objs;
	struct emu_fence *fence;
	uint32_t i;
	int ret;

	if (args->pad || !args->count_handles)
		return -EINVAL;
	ret = emu_syncobj_array_find(f, args->handles, args->count_handles,
				     &objs);
	if (ret)
		return ret;
	for (i = 0; i < args->count_handles; i++) {
		fence = signal ? emu_fence_new(true) : NULL;
		if (signal && !fence) {
			ret = -ENOMEM;
			break;
		}
		emu_syncobj_replace_locked(objs[i], fence);
		emu_fence_put(fence);
	}
	emu_syncobj_array_free(objs, args->count_handles);
	return ret;
}

int emu_ioctl_syncobj_reset(struct emu_file *f, void *data)
{
	return emu_syncobj_replace_all(f, data, false);
}

int emu_ioctl_syncobj_signal(struct emu_file *f, void *data)
{
	return emu_syncobj_replace_all(f, data, true);
}

/* SYNCOBJ-TSIGNAL-ARGS: flags != 0, then count 0: -EINVAL.
 * SYNCOBJ-TSIGNAL-POINTS-NULL: no points array: every point 0.
 * Each handle gets a chain node holding a signalled stub.
 * [drm_syncobj_timeline_signal_ioctl() ee6bf57ad14c] */
int emu_ioctl_syncobj_timeline_signal(struct emu_file *f, void *data)
{
	struct drm_syncobj_timeline_array *args = data;
	uint64_t *points = NULL;
	struct emu_syncobj **objs;
	struct emu_fence *fence;
	uint32_t i;
	int ret;

	if (args->flags || !args->count_handles)
		return -EINVAL;
	ret = emu_syncobj_array_find(f, args->handles, args->count_handles,
				     &objs);
	if (ret)
		return ret;
	if (args->points) {
		points = emu_user_dup(args->points,
				      (size_t)args->count_handles * sizeof(*points), &ret);
		if (!points) {
			emu_syncobj_array_free(objs, args->count_handles);
			return ret ?: -EFAULT;
		}
	}
	for (i = 0; !ret && i < args->count_handles; i++) {
		fence = emu_fence_new(true);
		if (!fence) {
			ret = -ENOMEM;
			break;
		}
		ret = emu_syncobj_add_point_locked(objs[i], fence,
						   points ? points[i] : 0);
		emu_fence_put(fence);
	}
	free(points);
	emu_syncobj_array_free(objs, args->count_handles);
	return ret;
}

/*
 * SYNCOBJ-QUERY-ARGS: flags other than LAST_SUBMITTED, then count 0:
 *   -EINVAL.  SYNCOBJ-QUERY-EFAULT: an unwritable points array.
 * SYNCOBJ-QUERY-BINARY: a fence that is not a chain (none, stub) → 0.
 * SYNCOBJ-QUERY-LAST-SUBMITTED: the head's seqno.
 * SYNCOBJ-QUERY-SIGNALED: walk back (collecting) while the context is the
 *   head's; the last node reached gives its seqno if signalled, else its
 *   prev_seqno.
 * [drm_syncobj_query_ioctl() ee6bf57ad14c]
 */
static uint64_t emu_syncobj_query_one(struct emu_syncobj *s, uint32_t flags)
{
	struct emu_fence *fence = emu_fence_get(s->fence), *iter, *last;
	uint64_t point = 0;

	if (fence && fence->kind == EMU_FENCE_CHAIN) {
		last = emu_fence_get(fence);
		if (flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) {
			point = fence->seqno;
		} else {
			for (iter = emu_fence_get(fence); iter;
			     iter = emu_fence_chain_walk(iter)) {
				if (iter->context != fence->context) {
					emu_fence_put(iter);
					break;
				}
				emu_fence_put(last);
				last = emu_fence_get(iter);
			}
			point = emu_fence_is_signaled(last) ? last->seqno :
							      last->prev_seqno;
		}
		emu_fence_put(last);
	}
	emu_fence_put(fence);
	return point;
}

int emu_ioctl_syncobj_query(struct emu_file *f, void *data)
{
	struct drm_syncobj_timeline_array *args = data;
	uint64_t points = args->points;
	struct emu_syncobj **objs;
	uint32_t i;
	int ret;

	if (args->flags & ~(uint32_t)DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED)
		return -EINVAL;
	if (!args->count_handles)
		return -EINVAL;
	ret = emu_syncobj_array_find(f, args->handles, args->count_handles,
				     &objs);
	if (ret)
		return ret;
	for (i = 0; i < args->count_handles; i++) {
		uint64_t point = emu_syncobj_query_one(objs[i], args->flags);

		if (!points) {
			ret = -EFAULT;
			break;
		}
		if (emu_copy_to_user(points + i * sizeof(point), &point, sizeof(point))) {
			ret = -EFAULT;
			break;
		}
	}
	emu_syncobj_array_free(objs, args->count_handles);
	return ret;
}

/*
 * SYNCOBJ-TRANSFER-FLAGS: flags other than WAIT_FOR_SUBMIT -EINVAL (before
 *   the source is looked up).  SYNCOBJ-TRANSFER-ENOENT: unknown source.
 * SYNCOBJ-TRANSFER-NOFENCE: no fence at the point: -EINVAL, or with
 * SYNCOBJ-TRANSFER-WAIT-FOR-SUBMIT a wait of at most 5 s, then -ETIME.
 * [drm_syncobj_find_fence() ee6bf57ad14c]
 */
int emu_syncobj_find_fence(struct emu_file *f, uint32_t handle, uint64_t point,
			   uint32_t flags, struct emu_fence **out)
{
	struct emu_syncobj_wait w = { .point = point };
	struct emu_syncobj *s;
	struct timespec now, ts;
	bool wait;
	int ret;

	if (flags & ~(uint32_t)DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)
		return -EINVAL;
	s = emu_syncobj_lookup(f, handle);
	if (!s)
		return -ENOENT;
	s->refs++;
	ret = emu_syncobj_fence_at(s, point, out);
	if (ret != -EINVAL ||
	    !(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &now);
	wait = emu_deadline((int64_t)now.tv_sec * 1000000000LL + now.tv_nsec +
			    EMU_WAIT_FOR_SUBMIT_NS, &ts);
	emu_syncobj_add_wait(s, &w);
	for (;;) {
		if (w.fence) {
			ret = 0;
			break;
		}
		if (!wait) {
			ret = -ETIME;
			break;
		}
		if (emu_wait(&ts) == ETIMEDOUT)
			wait = false;
	}
	*out = w.fence;
	emu_syncobj_remove_wait(s, &w);
out:
	emu_syncobj_put_locked(s);
	return ret;
}

/*
 * SYNCOBJ-TRANSFER-PAD: pad -EINVAL.  SYNCOBJ-TRANSFER-ENOENT: unknown
 * destination first.  SYNCOBJ-TRANSFER-TO-TIMELINE: dst_point != 0 adds
 * that point holding the source fence unwrapped and merged.
 * SYNCOBJ-TRANSFER-TO-BINARY: dst_point 0 replaces the destination's fence
 * with the fence found at the source point (a chain node stays one).
 * [drm_syncobj_transfer_ioctl(), drm_syncobj_transfer_to_timeline(),
 * drm_syncobj_transfer_to_binary() ee6bf57ad14c]
 */
int emu_ioctl_syncobj_transfer(struct emu_file *f, void *data)
{
	struct drm_syncobj_transfer *args = data;
	struct emu_fence *fence, *merged;
	struct emu_syncobj *dst;
	int ret;

	if (args->pad)
		return -EINVAL;
	dst = emu_syncobj_lookup(f, args->dst_handle);
	if (!dst)
		return -ENOENT;
	dst->refs++;
	ret = emu_syncobj_find_fence(f, args->src_handle, args->src_point,
				     args->flags, &fence);
	if (ret)
		goto out;
	if (args->dst_point) {
		merged = emu_fence_unwrap_merge(fence);
		ret = merged ? emu_syncobj_add_point_locked(dst, merged,
							    args->dst_point) :
			       -ENOMEM;
		emu_fence_put(merged);
	} else {
		emu_syncobj_replace_locked(dst, fence);
	}
	emu_fence_put(fence);
out:
	emu_syncobj_put_locked(dst);
	return ret;
}
