// SPDX-License-Identifier: MIT
/*
 * Size classes: powers of two up to 4 MiB, then quarter steps (at most 25 %
 * waste) up to the largest class; each class is an ordinary pool created on
 * first use.  Larger requests are allocated directly by the backend through
 * a "direct" pool whose buffers are freed at release.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CLASS_MAX	96
#define QUARTER_FROM	(4ull << 20)

struct pool_classes {
	char name[40];
	unsigned int n;
	size_t sizes[CLASS_MAX];
	unsigned int caps[CLASS_MAX];
	_Atomic(struct pool *) pools[CLASS_MAX];
	struct pool *direct;
	pthread_mutex_t lock;
	unsigned int flags;
	struct pool_backend *backend;
	size_t thread_cache_bytes;
	uint64_t idle_timeout_ms;
};

static const struct pool_class_cap default_caps[] = {
	{ 4u << 10, 1000 },
	{ 64u << 10, 500 },
	{ 1u << 20, 100 },
	{ 64u << 20, 16 },
};

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

static unsigned int cap_for(const struct pool_class_cap *caps, unsigned int ncaps, size_t size)
{
	for (unsigned int i = 0; i < ncaps; i++)
		if (size <= caps[i].max_size)
			return caps[i].max_buffers;
	return caps[ncaps - 1].max_buffers;
}

static int build_table(struct pool_classes *cls, size_t min, size_t max,
		       const struct pool_class_cap *caps, unsigned int ncaps)
{
	size_t s;

	for (s = min; s <= max && s <= QUARTER_FROM; s *= 2)
		cls->sizes[cls->n++] = s;
	for (s = QUARTER_FROM; s < max && cls->n < CLASS_MAX; s *= 2) {
		for (unsigned int q = 5; q <= 8; q++) {
			size_t c = s / 4 * q;

			if (c > max || cls->n >= CLASS_MAX)
				break;
			cls->sizes[cls->n++] = c;
		}
	}
	for (unsigned int i = 0; i < cls->n; i++) {
		cls->caps[i] = cap_for(caps, ncaps, cls->sizes[i]);
		if (!cls->caps[i])
			return -EINVAL;
	}
	return 0;
}

struct pool_classes *pool_classes_create(const struct pool_classes_opts *opts)
{
	const struct pool_class_cap *caps = OPTS_GET(opts, caps, NULL);
	unsigned int ncaps = OPTS_GET(opts, ncaps, 0);
	size_t min = OPTS_GET(opts, min_class, 0) ? opts->min_class : 256;
	size_t max = OPTS_GET(opts, max_class, 0) ? opts->max_class : 64ull << 20;
	const char *name = OPTS_GET(opts, name, NULL);
	struct pool_classes *cls;
	int err = -EINVAL;

	if (!OPTS_VALID(opts, struct pool_classes_opts, sizeof(size_t)))
		goto err;
	if (!caps) {
		caps = default_caps;
		ncaps = ARRAY_SIZE(default_caps);
	}
	if (!ncaps || !is_pow2(min) || max < min || max > (1ull << 40))
		goto err;
	for (unsigned int i = 1; i < ncaps; i++)
		if (caps[i].max_size <= caps[i - 1].max_size)
			goto err;
	if (!name)
		name = "class";
	if (!*name || strlen(name) >= sizeof(cls->name))
		goto err;
	cls = calloc(1, sizeof(*cls));
	if (!cls) {
		err = -ENOMEM;
		goto err;
	}
	strcpy(cls->name, name);
	err = build_table(cls, min, max, caps, ncaps);
	if (err)
		goto err_free;
	cls->flags = OPTS_GET(opts, flags, 0);
	cls->backend = OPTS_GET(opts, backend, NULL);
	cls->thread_cache_bytes = OPTS_GET(opts, thread_cache_bytes, 0);
	cls->idle_timeout_ms = OPTS_GET(opts, idle_timeout_ms, 0);
	pthread_mutex_init(&cls->lock, NULL);
	{
		char dname[POOL_NAME_MAX];

		snprintf(dname, sizeof(dname), "%s.direct", cls->name);
		POOL_OPTS(pool_opts, o, .name = dname, .flags = cls->flags | POOL_F_NO_CACHE,
			  .backend = cls->backend);
		cls->direct = pool_create_internal(&o, true);
		if (!cls->direct) {
			err = -errno;
			pthread_mutex_destroy(&cls->lock);
			goto err_free;
		}
	}
	return cls;

err_free:
	free(cls);
err:
	errno = -err;
	return NULL;
}

void pool_classes_destroy(struct pool_classes *cls)
{
	if (!cls)
		return;
	for (unsigned int i = 0; i < cls->n; i++)
		pool_destroy(atomic_load(&cls->pools[i]));
	pool_destroy(cls->direct);
	pthread_mutex_destroy(&cls->lock);
	free(cls);
}

int pool_classes_index(const struct pool_classes *cls, size_t size)
{
	unsigned int lo = 0, hi;

	if (!cls)
		return -EINVAL;
	hi = cls->n;
	if (!hi || size > cls->sizes[hi - 1])
		return -ERANGE;
	while (lo < hi) {	/* first class >= size */
		unsigned int mid = (lo + hi) / 2;

		if (cls->sizes[mid] < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)lo;
}

static struct pool *class_pool(struct pool_classes *cls, unsigned int i)
{
	struct pool *p = atomic_load_explicit(&cls->pools[i], memory_order_acquire);
	char name[POOL_NAME_MAX];

	if (likely(p))
		return p;
	lock_order_take(LOCK_CLASSES);
	pthread_mutex_lock(&cls->lock);
	p = atomic_load_explicit(&cls->pools[i], memory_order_relaxed);
	if (!p) {
		snprintf(name, sizeof(name), "%s.%zu", cls->name, cls->sizes[i]);
		POOL_OPTS(pool_opts, o, .name = name, .size = cls->sizes[i],
			  .max = cls->caps[i], .flags = cls->flags, .backend = cls->backend,
			  .thread_cache_bytes = cls->thread_cache_bytes,
			  .idle_timeout_ms = cls->idle_timeout_ms);
		p = pool_create(&o);
		if (p)
			atomic_store_explicit(&cls->pools[i], p, memory_order_release);
	}
	pthread_mutex_unlock(&cls->lock);
	lock_order_drop(LOCK_CLASSES);
	return p;
}

int pool_classes_acquire_at(struct pool_classes *cls, size_t size, struct pool_buf **out,
			    int64_t timeout_ns, const char *file, int line)
{
	struct pool *p;
	int idx, err;

	if (!cls || !out || !size)
		return -EINVAL;
	idx = pool_classes_index(cls, size);
	if (idx < 0)
		return pool_acquire_direct(cls->direct, size, out, file, line);
	p = class_pool(cls, (unsigned int)idx);
	if (!p)
		return -errno;
	err = pool_acquire_at(p, out, timeout_ns, file, line);
	if (!err)
		(*out)->size = size;
	return err;
}

int (pool_classes_acquire)(struct pool_classes *cls, size_t size, struct pool_buf **out,
			   int64_t timeout_ns)
{
	return pool_classes_acquire_at(cls, size, out, timeout_ns, NULL, 0);
}

unsigned int pool_classes_count(const struct pool_classes *cls)
{
	return cls ? cls->n : 0;
}

size_t pool_classes_size(const struct pool_classes *cls, unsigned int i)
{
	return cls && i < cls->n ? cls->sizes[i] : 0;
}

unsigned int pool_classes_cap(const struct pool_classes *cls, unsigned int i)
{
	return cls && i < cls->n ? cls->caps[i] : 0;
}

struct pool *pool_classes_pool(const struct pool_classes *cls, unsigned int i)
{
	if (!cls || i >= cls->n)
		return NULL;
	return atomic_load_explicit(&((struct pool_classes *)cls)->pools[i],
				    memory_order_acquire);
}

struct pool *pool_classes_direct(const struct pool_classes *cls)
{
	return cls ? cls->direct : NULL;
}

int pool_classes_trim(struct pool_classes *cls, unsigned int flags)
{
	int total = 0;

	if (!cls)
		return -EINVAL;
	for (unsigned int i = 0; i < cls->n; i++) {
		struct pool *p = pool_classes_pool(cls, i);
		int n = p ? pool_trim(p, flags) : 0;

		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
