// SPDX-License-Identifier: MIT
/*
 * xdna-emu: fences and DRM sync objects (drivers/gpu/drm/drm_syncobj.c).
 *
 * A syncobj holds either one plain fence (binary use) or a chain of
 * timeline points.  Point p resolves to the first link whose seqno is
 * >= p and is signalled when that link and every older link are
 * (dma_fence_chain semantics); point 0 means the whole current fence.
 * Waits block on emu.cond with the caller's absolute CLOCK_MONOTONIC
 * deadline; every signal broadcasts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

#define EMU_WAIT_FOR_SUBMIT_NS	5000000000LL	/* transfer's submit wait */

/* ---- fences ---- */

struct emu_fence *emu_fence_new(bool signaled)
{
	struct emu_fence *fence = calloc(1, sizeof(*fence));

	if (!fence)
		return NULL;
	fence->refs = 1;
	fence->signaled = signaled;
	return fence;
}

static struct emu_fence *emu_fence_get(struct emu_fence *fence)
{
	if (fence)
		fence->refs++;
	return fence;
}

void emu_fence_put(struct emu_fence *fence)
{
	unsigned int i;

	if (!fence || --fence->refs > 0)
		return;
	for (i = 0; i < fence->ndeps; i++)
		emu_fence_put(fence->deps[i]);
	free(fence->deps);
	free(fence);
}

bool emu_fence_is_signaled(const struct emu_fence *fence)
{
	unsigned int i;

	if (!fence->signaled)
		return false;
	for (i = 0; i < fence->ndeps; i++) {
		if (!emu_fence_is_signaled(fence->deps[i]))
			return false;
	}
	return true;
}

void emu_fence_signal_locked(struct emu_fence *fence, int error)
{
	fence->signaled = true;
	fence->error = error;
	emu_broadcast();
}

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

static void emu_syncobj_clear_chain(struct emu_syncobj *s)
{
	size_t i;

	for (i = 0; i < s->nchain; i++)
		emu_fence_put(s->chain[i].fence);
	s->nchain = 0;
}

/* drm_syncobj_replace_fence() */
static void emu_syncobj_replace_locked(struct emu_syncobj *s,
				       struct emu_fence *fence)
{
	emu_syncobj_clear_chain(s);
	emu_fence_put(s->fence);
	s->fence = emu_fence_get(fence);
	emu_broadcast();
}

void emu_syncobj_put_locked(struct emu_syncobj *s)
{
	if (--s->refs > 0)
		return;
	emu_syncobj_clear_chain(s);
	emu_fence_put(s->fence);
	free(s->chain);
	free(s);
	emu.census.syncobjs--;
}

/*
 * drm_syncobj_add_point().  A plain fence already there becomes the base
 * of the chain; an out-of-order point is folded onto the last seqno.
 * Signalled links behind a signalled link are dropped (chain GC).
 */
int emu_syncobj_add_point_locked(struct emu_syncobj *s,
				 struct emu_fence *fence, uint64_t point)
{
	uint64_t last;

	if (s->nchain + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct emu_point *c = realloc(s->chain, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		s->chain = c;
		s->cap = cap;
	}
	if (!s->nchain && s->fence) {
		s->chain[0].seqno = 0;
		s->chain[0].fence = s->fence;
		s->fence = NULL;
		s->nchain = 1;
	}
	while (s->nchain >= 2 && emu_fence_is_signaled(s->chain[0].fence) &&
	       emu_fence_is_signaled(s->chain[1].fence)) {
		emu_fence_put(s->chain[0].fence);
		memmove(&s->chain[0], &s->chain[1],
			(s->nchain - 1) * sizeof(*s->chain));
		s->nchain--;
	}
	last = s->nchain ? s->chain[s->nchain - 1].seqno : 0;
	s->chain[s->nchain].seqno = point > last ? point : last;
	s->chain[s->nchain].fence = emu_fence_get(fence);
	s->nchain++;
	emu_broadcast();
	return 0;
}

/* Number of chain links point resolves to (0: no such point). */
static size_t emu_syncobj_span(const struct emu_syncobj *s, uint64_t point)
{
	size_t n;

	if (!point)
		return s->nchain;
	if (!s->nchain || point > s->chain[s->nchain - 1].seqno)
		return 0;
	for (n = 0; s->chain[n].seqno < point; n++)
		;
	return n + 1;
}

int emu_syncobj_point_state(const struct emu_syncobj *s, uint64_t point)
{
	size_t i, n;

	if (!point && !s->nchain) {
		if (!s->fence)
			return EMU_PT_NONE;
		return emu_fence_is_signaled(s->fence) ? EMU_PT_SIGNALED :
							 EMU_PT_PENDING;
	}
	n = emu_syncobj_span(s, point);
	if (!n)
		return EMU_PT_NONE;
	for (i = 0; i < n; i++) {
		if (!emu_fence_is_signaled(s->chain[i].fence))
			return EMU_PT_PENDING;
	}
	return EMU_PT_SIGNALED;
}

/* A fence standing for point (dma_fence_chain_find_seqno()). */
static int emu_syncobj_capture(const struct emu_syncobj *s, uint64_t point,
			       struct emu_fence **out)
{
	struct emu_fence *fence;
	size_t i, n;

	if (!point && !s->nchain) {
		if (!s->fence)
			return -EINVAL;
		*out = emu_fence_get(s->fence);
		return 0;
	}
	n = emu_syncobj_span(s, point);
	if (!n)
		return -EINVAL;
	if (n == 1) {
		*out = emu_fence_get(s->chain[0].fence);
		return 0;
	}
	fence = emu_fence_new(true);
	if (!fence)
		return -ENOMEM;
	fence->deps = calloc(n, sizeof(*fence->deps));
	if (!fence->deps) {
		emu_fence_put(fence);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		fence->deps[i] = emu_fence_get(s->chain[i].fence);
	fence->ndeps = (unsigned int)n;
	*out = fence;
	return 0;
}

/* ---- handles ---- */

struct emu_syncobj *emu_syncobj_lookup(struct emu_file *f, uint32_t handle)
{
	if (!handle || handle >= f->nsync)
		return NULL;
	return f->sync[handle];
}

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

/* drm_syncobj_array_find(): references on every handle, or -ENOENT. */
static int emu_syncobj_array_find(struct emu_file *f, uint64_t uhandles,
				  uint32_t count, struct emu_syncobj ***out)
{
	const uint32_t *handles = (const uint32_t *)(uintptr_t)uhandles;
	struct emu_syncobj **objs;
	uint32_t i;

	if (!handles)
		return -EFAULT;
	objs = calloc(count, sizeof(*objs));
	if (!objs)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		objs[i] = emu_syncobj_lookup(f, handles[i]);
		if (!objs[i])
			break;
		objs[i]->refs++;
	}
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
 * drm_timeout_abs_to_jiffies(): 0 (or a time already past) polls.
 * Returns true and fills *ts when there is something to wait for.
 */
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

/* drm_syncobj_array_wait_timeout() */
static int emu_syncobj_array_wait(struct emu_syncobj **objs,
				  const uint64_t *points, uint32_t count,
				  uint32_t flags, int64_t timeout_nsec,
				  uint32_t *first_signaled)
{
	bool all = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	bool submit = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	bool avail = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
	struct timespec ts;
	bool wait = emu_deadline(timeout_nsec, &ts);
	uint32_t first = ~0u, i;

	for (i = 0; i < count; i++) {
		int st = emu_syncobj_point_state(objs[i], points[i]);

		if (st == EMU_PT_NONE && !submit && !avail)
			return -EINVAL;
		if (first == ~0u && (st == EMU_PT_SIGNALED ||
				     (avail && st != EMU_PT_NONE)))
			first = i;
	}
	for (;;) {
		uint32_t nsig = 0, hit = ~0u;

		for (i = 0; i < count; i++) {
			int st = emu_syncobj_point_state(objs[i], points[i]);

			if (st == EMU_PT_SIGNALED ||
			    (avail && st != EMU_PT_NONE)) {
				nsig++;
				if (hit == ~0u)
					hit = i;
			}
		}
		if (nsig == count || (nsig && !all)) {
			*first_signaled = all ? first : hit;
			return 0;
		}
		if (!wait)
			return -ETIME;
		if (emu_wait(&ts) == ETIMEDOUT)
			wait = false;	/* one last look, then -ETIME */
	}
}

static int emu_syncobj_wait_common(struct emu_file *f, uint64_t handles,
				   uint64_t upoints, uint32_t count,
				   uint32_t flags, int64_t timeout_nsec,
				   uint32_t *first_signaled)
{
	struct emu_syncobj **objs;
	uint64_t *points;
	int ret;

	if (!count)
		return -EINVAL;
	ret = emu_syncobj_array_find(f, handles, count, &objs);
	if (ret)
		return ret;
	points = calloc(count, sizeof(*points));
	if (!points) {
		ret = -ENOMEM;
		goto out;
	}
	if (upoints)
		memcpy(points, (const void *)(uintptr_t)upoints,
		       count * sizeof(*points));
	ret = emu_syncobj_array_wait(objs, points, count, flags, timeout_nsec,
				     first_signaled);
	free(points);
out:
	emu_syncobj_array_free(objs, count);
	return ret;
}

/* ---- ioctls ---- */

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

int emu_ioctl_syncobj_wait(struct emu_file *f, void *data)
{
	struct drm_syncobj_wait *args = data;

	if (args->flags & ~(uint32_t)(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT))
		return -EINVAL;
	return emu_syncobj_wait_common(f, args->handles, 0,
				       args->count_handles, args->flags,
				       args->timeout_nsec,
				       &args->first_signaled);
}

int emu_ioctl_syncobj_timeline_wait(struct emu_file *f, void *data)
{
	struct drm_syncobj_timeline_wait *args = data;

	if (args->flags & ~(uint32_t)(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE))
		return -EINVAL;
	return emu_syncobj_wait_common(f, args->handles, args->points,
				       args->count_handles, args->flags,
				       args->timeout_nsec,
				       &args->first_signaled);
}

/* RESET (fence NULL) and SIGNAL (a signalled stub) on every handle. */
static int emu_syncobj_replace_all(struct emu_file *f, void *data,
				   bool signal)
{
	struct drm_syncobj_array *args = data;
	struct emu_syncobj **objs;
	struct emu_fence *fence = NULL;
	uint32_t i;
	int ret;

	if (args->pad || !args->count_handles)
		return -EINVAL;
	ret = emu_syncobj_array_find(f, args->handles, args->count_handles,
				     &objs);
	if (ret)
		return ret;
	if (signal) {
		fence = emu_fence_new(true);
		if (!fence)
			ret = -ENOMEM;
	}
	for (i = 0; !ret && i < args->count_handles; i++)
		emu_syncobj_replace_locked(objs[i], fence);
	emu_fence_put(fence);
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

int emu_ioctl_syncobj_timeline_signal(struct emu_file *f, void *data)
{
	struct drm_syncobj_timeline_array *args = data;
	const uint64_t *points = (const uint64_t *)(uintptr_t)args->points;
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
	fence = emu_fence_new(true);
	if (!fence)
		ret = -ENOMEM;
	for (i = 0; !ret && i < args->count_handles; i++)
		ret = emu_syncobj_add_point_locked(objs[i], fence,
						   points ? points[i] : 0);
	emu_fence_put(fence);
	emu_syncobj_array_free(objs, args->count_handles);
	return ret;
}

int emu_ioctl_syncobj_query(struct emu_file *f, void *data)
{
	struct drm_syncobj_timeline_array *args = data;
	uint64_t *points = (uint64_t *)(uintptr_t)args->points;
	struct emu_syncobj **objs;
	uint32_t i;
	size_t j;
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
		struct emu_syncobj *s = objs[i];
		uint64_t point = 0;

		if (args->flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) {
			if (s->nchain)
				point = s->chain[s->nchain - 1].seqno;
		} else {
			/* the newest point with every older one signalled */
			for (j = 0; j < s->nchain; j++) {
				if (!emu_fence_is_signaled(s->chain[j].fence))
					break;
				point = s->chain[j].seqno;
			}
		}
		if (!points) {
			ret = -EFAULT;
			break;
		}
		points[i] = point;
	}
	emu_syncobj_array_free(objs, args->count_handles);
	return ret;
}

/* drm_syncobj_find_fence(), waiting up to 5 s for WAIT_FOR_SUBMIT. */
static int emu_syncobj_find_fence(struct emu_syncobj *s, uint64_t point,
				  uint32_t flags, struct emu_fence **out)
{
	struct timespec now, ts;
	int64_t deadline;

	if (!(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) ||
	    emu_syncobj_point_state(s, point) != EMU_PT_NONE)
		return emu_syncobj_capture(s, point, out);
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec +
		   EMU_WAIT_FOR_SUBMIT_NS;
	emu_deadline(deadline, &ts);
	while (emu_syncobj_point_state(s, point) == EMU_PT_NONE) {
		if (emu_wait(&ts) == ETIMEDOUT &&
		    emu_syncobj_point_state(s, point) == EMU_PT_NONE)
			return -ETIME;
	}
	return emu_syncobj_capture(s, point, out);
}

int emu_ioctl_syncobj_transfer(struct emu_file *f, void *data)
{
	struct drm_syncobj_transfer *args = data;
	struct emu_syncobj *dst, *src;
	struct emu_fence *fence;
	int ret;

	if (args->pad)
		return -EINVAL;
	dst = emu_syncobj_lookup(f, args->dst_handle);
	if (!dst)
		return -ENOENT;
	src = emu_syncobj_lookup(f, args->src_handle);
	if (!src)
		return -ENOENT;
	dst->refs++;
	src->refs++;
	ret = emu_syncobj_find_fence(src, args->src_point, args->flags,
				     &fence);
	if (!ret && args->dst_point)
		ret = emu_syncobj_add_point_locked(dst, fence,
						   args->dst_point);
	else if (!ret)
		emu_syncobj_replace_locked(dst, fence);
	if (!ret)
		emu_fence_put(fence);
	emu_syncobj_put_locked(src);
	emu_syncobj_put_locked(dst);
	return ret;
}
