// SPDX-License-Identifier: MIT
/* Backend objects and the host backend (anonymous memory). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define HUGE_2M	(2u << 20)

struct pool_backend *pool_backend_create(const struct pool_backend_ops *ops, void *ctx)
{
	struct pool_backend *be;

	if (!ops || !OPTS_VALID(ops, struct pool_backend_ops, sizeof(size_t)) ||
	    !OPTS_GET(ops, alloc, NULL) || !OPTS_GET(ops, free, NULL)) {
		errno = EINVAL;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	if (!be)
		return NULL;
	memcpy(&be->ops, ops, ops->sz < sizeof(be->ops) ? ops->sz : sizeof(be->ops));
	be->ops.sz = sizeof(be->ops);
	if (!be->ops.name)
		be->ops.name = "custom";
	be->ctx = ctx;
	atomic_init(&be->refs, 1);
	return be;
}

struct pool_backend *pool_backend_get(struct pool_backend *be)
{
	if (!be->is_static)
		atomic_fetch_add_explicit(&be->refs, 1, memory_order_relaxed);
	return be;
}

void pool_backend_put(struct pool_backend *be)
{
	if (!be || be->is_static)
		return;
	if (atomic_fetch_sub_explicit(&be->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (be->ops.destroy)
		be->ops.destroy(be->ctx);
	free(be);
}

const char *pool_backend_name(const struct pool_backend *be)
{
	return be ? be->ops.name : NULL;
}

/* ------------------------------------------------------------------ host */

struct host_ctx {
	unsigned int flags;
};

static size_t page_size(void)
{
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

static size_t round_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

/*
 * How a host buffer was allocated, kept in pool_mem.map_offset (which the
 * host backend does not otherwise use): host_free() must never guess it
 * from the size, which allocation rounds (a 4033..4095-byte request is a
 * 4096-byte heap block).
 */
enum host_kind {
	HOST_KIND_HEAP = 1,	/* aligned_alloc() */
	HOST_KIND_MAP = 2,	/* mmap() */
};

static int host_alloc(void *ctx, size_t size, struct pool_mem *mem)
{
	const struct host_ctx *h = ctx;
	size_t len;
	void *p;
	int mflags = MAP_PRIVATE | MAP_ANONYMOUS;

	if (!size)
		return -EINVAL;
	if (size < page_size() && !h->flags) {
		len = round_up(size, 64);
		p = aligned_alloc(64, len);
		if (!p)
			return -ENOMEM;
		*mem = (struct pool_mem){ .cpu = p, .size = len,
					  .map_offset = HOST_KIND_HEAP };
		return 0;
	}
	len = round_up(size, (h->flags & POOL_HOST_HUGETLB) ? HUGE_2M : page_size());
	if (len < size)
		return -EOVERFLOW;
	if (h->flags & POOL_HOST_HUGETLB)
		mflags |= MAP_HUGETLB;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if ((h->flags & POOL_HOST_THP) && len >= HUGE_2M)
		madvise(p, len, MADV_HUGEPAGE);	/* advisory: THP may be off */
	if ((h->flags & POOL_HOST_MLOCK) && mlock(p, len)) {
		int err = -errno;

		munmap(p, len);
		return err;
	}
	*mem = (struct pool_mem){ .cpu = p, .size = len, .map_offset = HOST_KIND_MAP };
	return 0;
}

static void host_free(void *ctx, struct pool_mem *mem)
{
	(void)ctx;
	if (!mem->cpu)
		return;
	if (mem->map_offset == HOST_KIND_MAP)
		munmap(mem->cpu, mem->size);
	else
		free(mem->cpu);
	mem->cpu = NULL;
}

static int host_sync(void *ctx, struct pool_mem *mem, enum pool_sync_dir dir, size_t off,
		     size_t len)
{
	(void)ctx;
	(void)mem;
	(void)dir;
	(void)off;
	(void)len;
	return 0;	/* coherent host memory: nothing to do */
}

#define HOST_BACKEND(f)							\
	{								\
		.ops = { .sz = sizeof(struct pool_backend_ops), .name = "host", \
			 .alloc = host_alloc, .free = host_free,	\
			 .sync = host_sync },				\
		.ctx = &host_ctx[f], .is_static = true,			\
	}

static struct host_ctx host_ctx[POOL_HOST__ALL + 1] = {
	{ 0 }, { 1 }, { 2 }, { 3 }, { 4 }, { 5 }, { 6 }, { 7 },
};

static struct pool_backend host_backends[POOL_HOST__ALL + 1] = {
	HOST_BACKEND(0), HOST_BACKEND(1), HOST_BACKEND(2), HOST_BACKEND(3),
	HOST_BACKEND(4), HOST_BACKEND(5), HOST_BACKEND(6), HOST_BACKEND(7),
};

struct pool_backend *pool_backend_host(unsigned int flags)
{
	if (flags & ~POOL_HOST__ALL) {
		errno = EINVAL;
		return NULL;
	}
	return &host_backends[flags];
}
