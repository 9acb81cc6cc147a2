// SPDX-License-Identifier: MIT
/* Buffer accessors, export and cache maintenance. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* The inline accessors of <pool/pool.h> read the head of the descriptor. */
_Static_assert(BUF_MAGIC == POOL_BUF_COOKIE, "cookie");
_Static_assert(offsetof(struct pool_buf, magic) == offsetof(struct pool_buf_head, cookie), "head");
_Static_assert(offsetof(struct pool_buf, data) == offsetof(struct pool_buf_head, data), "head");
_Static_assert(offsetof(struct pool_buf, size) == offsetof(struct pool_buf_head, size), "head");
_Static_assert(offsetof(struct pool_buf, cap) == offsetof(struct pool_buf_head, capacity), "head");

/* ------------------------------------------------------------- accessors */

const char *pool_name(const struct pool *p)
{
	return p ? p->name : NULL;
}

size_t pool_buf_bytes(const struct pool *p)
{
	return p ? p->size : 0;
}

void *(pool_buf_data)(const struct pool_buf *b)
{
	return buf_valid(b) ? b->data : NULL;
}

size_t (pool_buf_size)(const struct pool_buf *b)
{
	return buf_valid(b) ? b->size : 0;
}

size_t pool_buf_capacity(const struct pool_buf *b)
{
	return buf_valid(b) ? b->cap : 0;
}

unsigned int pool_buf_shape(const struct pool_buf *b, size_t *shape)
{
	const struct pool *p;

	if (!buf_valid(b) || !shape)
		return 0;
	p = b->pool;
	if (p->direct || b->size != p->size) {
		/* class and direct buffers: a flat array of dtype elements */
		shape[0] = b->size / pool_dtype_size(p->dtype);
		return 1;
	}
	memcpy(shape, p->shape, sizeof(p->shape));
	return p->ndim;
}

enum pool_dtype pool_buf_dtype(const struct pool_buf *b)
{
	return buf_valid(b) ? b->pool->dtype : POOL_DTYPE_BYTES;
}

struct pool *pool_buf_pool(const struct pool_buf *b)
{
	return buf_valid(b) ? b->pool : NULL;
}

uint64_t pool_buf_dev_addr(const struct pool_buf *b)
{
	return buf_valid(b) ? b->mem.dev_addr : 0;
}

uint32_t pool_buf_handle(const struct pool_buf *b)
{
	return buf_valid(b) ? b->mem.handle : 0;
}

void *pool_buf_backend_obj(const struct pool_buf *b)
{
	return buf_valid(b) ? b->mem.obj : NULL;
}

static bool buf_held(const struct pool_buf *b)
{
	return bs_holder_may_use(atomic_load_explicit(&b->state, memory_order_acquire));
}

int pool_buf_export(struct pool_buf *b, int *fd)
{
	struct pool_backend *be;

	if (!buf_valid(b) || !fd || !buf_held(b))
		return -EINVAL;
	be = b->pool->be;
	if (!be->ops.export_dmabuf)
		return -EOPNOTSUPP;
	return be->ops.export_dmabuf(be->ctx, &b->mem, fd);
}

int pool_buf_sync(struct pool_buf *b, enum pool_sync_dir dir, size_t off, size_t len)
{
	struct pool_backend *be;

	if (!buf_valid(b) || !buf_held(b))
		return -EINVAL;
	if (dir != POOL_SYNC_TO_DEVICE && dir != POOL_SYNC_FROM_DEVICE)
		return -EINVAL;
	if (off > b->cap || (len && len > b->cap - off))
		return -EINVAL;
	if (!len)
		len = b->cap - off;
	be = b->pool->be;
	if (!be->ops.sync)
		return 0;
	return be->ops.sync(be->ctx, &b->mem, dir, off, len);
}

