// SPDX-License-Identifier: MIT
/*
 * The XRT backend: one BO per buffer for large buffers, sub-buffers of slab
 * BOs (xrtBOSubAlloc) for small ones.
 *
 * A slab serves one chunk size (the buffer size rounded up to slab_align),
 * keeps a bitmap of its chunks and is freed with its last sub-buffer.  A
 * sub-buffer's mapping and device address are XRT's (xrtBOMap/xrtBOAddress
 * of the sub-buffer), which are the slab's plus the offset.  Sub-buffers are
 * never exported: XRT exports the parent BO, i.e. the whole slab.
 *
 * The context holds the XRT device and one reference per live BO or slab
 * besides the backend's own, so the device is closed after its last BO
 * (XRT crashes when a device goes away under a BO).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xrt_internal.h"

#define PXRT_BUF_MAGIC	0x7078727462756621ULL	/* "pxrtbuf!" */

struct pxrt_slab {
	struct pxrt_slab *next;
	xrtBufferHandle bo;
	void *map;
	uint64_t dev_addr;
	size_t chunk;
	size_t bytes;
	unsigned int n, used, nwords;
	uint64_t bits[];	/* 1: chunk in use (bits past n preset) */
};

struct pxrt_buf {
	uint64_t magic;
	struct pxrt_ctx *ctx;
	xrtBufferHandle bo;
	size_t size;
	struct pxrt_slab *slab;	/* NULL: a BO of its own */
	size_t offset;
};

/* ---------------------------------------------------------------- context */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxrt_ctx *reg_head;

void pxrt_ctx_get(struct pxrt_ctx *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

static void ctx_free(struct pxrt_ctx *c)
{
	if (c->dev)
		c->api->xrtDeviceClose(c->dev);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void pxrt_ctx_put(struct pxrt_ctx *c)
{
	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		ctx_free(c);
}

struct pxrt_ctx *pxrt_ctx_find(struct pool_backend *be)
{
	struct pxrt_ctx *c;

	if (!be)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	for (c = reg_head; c && c->be != be; c = c->reg_next)
		;
	if (c)
		pxrt_ctx_get(c);
	pthread_mutex_unlock(&reg_lock);
	return c;
}

static void ctx_unregister(struct pxrt_ctx *c)
{
	struct pxrt_ctx **pp;

	pthread_mutex_lock(&reg_lock);
	for (pp = &reg_head; *pp && *pp != c; pp = &(*pp)->reg_next)
		;
	if (*pp)
		*pp = c->reg_next;
	c->be = NULL;
	pthread_mutex_unlock(&reg_lock);
}

static const char *mem_name(xrtBufferFlags flags)
{
	if (flags == XRT_BO_FLAGS_HOST_ONLY)
		return "HOST_ONLY";
	return flags == XRT_BO_FLAGS_CACHEABLE ? "CACHEABLE" : "NORMAL";
}

/* xrtBOAddress() reports failure as all ones (or LLONG_MAX): no address. */
uint64_t pxrt_bo_addr(const struct pxrt_api *api, xrtBufferHandle bo)
{
	uint64_t a = api->xrtBOAddress(bo);

	return (a == UINT64_MAX || a == (uint64_t)INT64_MAX) ? 0 : a;
}

/* ------------------------------------------------------------ whole BOs */

/*
 * BOs are whole pages: GEM objects are, and XRT allocates the host side of
 * some BOs with aligned_alloc(page, size), which wants a multiple.
 */
static size_t page_round(const struct pxrt_ctx *c, size_t size)
{
	return (size + c->page - 1) & ~(c->page - 1);
}

static int bo_alloc(struct pxrt_ctx *c, size_t want, struct pool_mem *mem)
{
	const struct pxrt_api *api = c->api;
	size_t size = page_round(c, want);
	struct pxrt_buf *b;
	void *map;
	int err;

	if (size < want)
		return pxrt_fail(-EOVERFLOW, "%zu-byte buffer", want);
	b = calloc(1, sizeof(*b));
	if (!b)
		return pxrt_fail(-ENOMEM, "out of memory");
	errno = 0;
	b->bo = api->xrtBOAlloc(c->dev, size, c->bo_flags, c->group);
	if (!b->bo) {
		err = pxrt_fail(pxrt_errno(-ENOMEM), "xrtBOAlloc(%zu bytes, %s, group %u) failed",
				size, mem_name(c->bo_flags), c->group);
		goto err_free;
	}
	map = api->xrtBOMap(b->bo);
	if (!map) {
		err = pxrt_fail(-EIO, "xrtBOMap of a %zu-byte %s BO failed: no CPU mapping",
				size, mem_name(c->bo_flags));
		goto err_bo;
	}
	b->magic = PXRT_BUF_MAGIC;
	b->ctx = c;
	b->size = size;
	pxrt_ctx_get(c);
	pthread_mutex_lock(&c->lock);
	c->st.bos++;
	c->st.bytes += size;
	pthread_mutex_unlock(&c->lock);
	*mem = (struct pool_mem){ .cpu = map, .size = size, .obj = b,
				  .dev_addr = pxrt_bo_addr(api, b->bo) };
	return 0;

err_bo:
	api->xrtBOFree(b->bo);
err_free:
	free(b);
	return err;
}

static void bo_free(struct pxrt_ctx *c, struct pxrt_buf *b)
{
	c->api->xrtBOFree(b->bo);
	pthread_mutex_lock(&c->lock);
	c->st.bos--;
	c->st.bytes -= b->size;
	pthread_mutex_unlock(&c->lock);
}

/* ----------------------------------------------------------------- slabs */

static int slab_new_locked(struct pxrt_ctx *c, size_t chunk, struct pxrt_slab **out)
{
	const struct pxrt_api *api = c->api;
	unsigned int n = c->slab_bytes / chunk, nwords = (n + 63) / 64;
	struct pxrt_slab *s;
	int err;

	s = calloc(1, sizeof(*s) + nwords * sizeof(uint64_t));
	if (!s)
		return pxrt_fail(-ENOMEM, "out of memory");
	s->chunk = chunk;
	s->n = n;
	s->nwords = nwords;
	s->bytes = page_round(c, (size_t)n * chunk);
	if (n % 64)
		s->bits[nwords - 1] = ~0ULL << (n % 64);
	errno = 0;
	s->bo = api->xrtBOAlloc(c->dev, s->bytes, c->bo_flags, c->group);
	if (!s->bo) {
		err = pxrt_fail(pxrt_errno(-ENOMEM), "xrtBOAlloc(%zu-byte slab, %s, group %u) failed",
				s->bytes, mem_name(c->bo_flags), c->group);
		goto err_free;
	}
	s->map = api->xrtBOMap(s->bo);
	if (!s->map) {
		err = pxrt_fail(-EIO, "xrtBOMap of a %zu-byte %s slab failed: no CPU mapping",
				s->bytes, mem_name(c->bo_flags));
		goto err_bo;
	}
	s->dev_addr = pxrt_bo_addr(api, s->bo);
	s->next = c->slab_list;
	c->slab_list = s;
	c->st.slabs++;
	c->st.bytes += s->bytes;
	pxrt_ctx_get(c);
	*out = s;
	return 0;

err_bo:
	api->xrtBOFree(s->bo);
err_free:
	free(s);
	return err;
}

/* Take a free chunk of @chunk bytes, making a slab if none has one. */
static int slab_take(struct pxrt_ctx *c, size_t chunk, struct pxrt_slab **out, size_t *off)
{
	struct pxrt_slab *s;
	unsigned int w;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	for (s = c->slab_list; s && (s->chunk != chunk || s->used == s->n); s = s->next)
		;
	if (!s)
		err = slab_new_locked(c, chunk, &s);
	if (err)
		goto out;
	for (w = 0; !~s->bits[w]; w++)
		;
	*off = ((size_t)w * 64 + __builtin_ctzll(~s->bits[w])) * chunk;
	s->bits[w] |= 1ULL << __builtin_ctzll(~s->bits[w]);
	s->used++;
	c->st.sub_bufs++;
	*out = s;
out:
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* Give a chunk back; the last one frees the slab. */
static void slab_give(struct pxrt_ctx *c, struct pxrt_slab *s, size_t off)
{
	size_t i = off / s->chunk;
	struct pxrt_slab **pp;
	bool empty;

	pthread_mutex_lock(&c->lock);
	s->bits[i / 64] &= ~(1ULL << (i % 64));
	c->st.sub_bufs--;
	empty = !--s->used;
	if (empty) {
		for (pp = &c->slab_list; *pp != s; pp = &(*pp)->next)
			;
		*pp = s->next;
		c->st.slabs--;
		c->st.bytes -= s->bytes;
	}
	pthread_mutex_unlock(&c->lock);
	if (!empty)
		return;
	c->api->xrtBOFree(s->bo);
	free(s);
	pxrt_ctx_put(c);
}

static int sub_alloc(struct pxrt_ctx *c, size_t size, struct pool_mem *mem)
{
	const struct pxrt_api *api = c->api;
	size_t chunk = (size + c->slab_align - 1) & ~(c->slab_align - 1);
	struct pxrt_buf *b;
	void *map;
	int err;

	b = calloc(1, sizeof(*b));
	if (!b)
		return pxrt_fail(-ENOMEM, "out of memory");
	err = slab_take(c, chunk, &b->slab, &b->offset);
	if (err)
		goto err_free;
	errno = 0;
	b->bo = api->xrtBOSubAlloc(b->slab->bo, chunk, b->offset);
	if (!b->bo) {
		err = pxrt_fail(pxrt_errno(-ENOMEM), "xrtBOSubAlloc(%zu bytes at %zu) failed",
				chunk, b->offset);
		goto err_give;
	}
	map = api->xrtBOMap(b->bo);
	if (!map) {
		err = pxrt_fail(-EIO, "xrtBOMap of a sub-buffer failed");
		goto err_bo;
	}
	b->magic = PXRT_BUF_MAGIC;
	b->ctx = c;
	b->size = chunk;
	*mem = (struct pool_mem){ .cpu = map, .size = chunk, .obj = b,
				  .dev_addr = pxrt_bo_addr(api, b->bo) };
	return 0;

err_bo:
	api->xrtBOFree(b->bo);
err_give:
	slab_give(c, b->slab, b->offset);
err_free:
	free(b);
	return err;
}

/* ------------------------------------------------------------ backend ops */

static int xrt_alloc(void *arg, size_t size, struct pool_mem *mem)
{
	struct pxrt_ctx *c = arg;

	if (!size)
		return pxrt_fail(-EINVAL, "zero-byte buffer");
	if (c->slabs && size <= c->slab_threshold)
		return sub_alloc(c, size, mem);
	return bo_alloc(c, size, mem);
}

static void xrt_free(void *arg, struct pool_mem *mem)
{
	struct pxrt_ctx *c = arg;
	struct pxrt_buf *b = mem->obj;

	if (!b)
		return;
	b->magic = 0;
	if (b->slab) {
		c->api->xrtBOFree(b->bo);
		slab_give(c, b->slab, b->offset);
	} else {
		bo_free(c, b);
		pxrt_ctx_put(c);
	}
	free(b);
	mem->obj = NULL;
	mem->cpu = NULL;
}

int pxrt_sync(const struct pxrt_api *api, xrtBufferHandle bo, size_t size,
	      enum pool_sync_dir dir, size_t off, size_t len)
{
	const char *dname = dir == POOL_SYNC_TO_DEVICE ? "TO_DEVICE" : "FROM_DEVICE";
	int ret, err;

	err = pxrt_check_range(size, off, &len);
	if (err || !len)
		return err;
	errno = 0;
	ret = api->xrtBOSync(bo, dir == POOL_SYNC_TO_DEVICE ? XCL_BO_SYNC_BO_TO_DEVICE :
			     XCL_BO_SYNC_BO_FROM_DEVICE, len, off);
	if (!ret)
		return 0;
	err = ret < 0 ? ret : pxrt_errno(-EIO);
	return pxrt_fail(err, "xrtBOSync(%s, %zu bytes at %zu) failed: %s", dname, len, off,
			 strerror(-err));
}

static int xrt_sync(void *arg, struct pool_mem *mem, enum pool_sync_dir dir, size_t off,
		    size_t len)
{
	const struct pxrt_ctx *c = arg;
	const struct pxrt_buf *b = mem->obj;

	return pxrt_sync(c->api, b->bo, b->size, dir, off, len);
}

static int xrt_export(void *arg, struct pool_mem *mem, int *fd)
{
	struct pxrt_ctx *c = arg;
	struct pxrt_buf *b = mem->obj;
	int xfd;

	if (b->slab)
		return pxrt_fail(-EOPNOTSUPP,
				 "a %zu-byte buffer is a sub-buffer of a slab BO: exporting it would export the whole slab (use POOL_XRT_F_NO_SLAB or a slab_threshold below the buffer size)",
				 b->size);
	errno = 0;
	xfd = c->api->xrtBOExport(b->bo);
	if (xfd < 0 && c->mode == PXRT_MODE_NOOP)
		return pxrt_fail(pxrt_errno(-EOPNOTSUPP),
				 "xrtBOExport gave no dma-buf fd: XRT's noop shim cannot export");
	if (xfd < 0)
		return pxrt_fail(pxrt_errno(-EIO), "xrtBOExport gave no dma-buf fd");
	/* XRT keeps its fd (closed with the BO): the caller gets a dup. */
	*fd = fcntl(xfd, F_DUPFD_CLOEXEC, 0);
	if (*fd < 0)
		return pxrt_fail(-errno, "dup of the exported fd: %s", strerror(errno));
	return 0;
}

static uint64_t xrt_dev_addr(void *arg, const struct pool_mem *mem)
{
	struct pxrt_ctx *c = arg;
	const struct pxrt_buf *b = mem->obj;

	return b ? pxrt_bo_addr(c->api, b->bo) : 0;
}

static void xrt_destroy(void *arg)
{
	struct pxrt_ctx *c = arg;

	ctx_unregister(c);
	pxrt_ctx_put(c);
}

static const struct pool_backend_ops xrt_ops = {
	.sz = sizeof(struct pool_backend_ops),
	.name = "xrt",
	.alloc = xrt_alloc,
	.free = xrt_free,
	.sync = xrt_sync,
	.export_dmabuf = xrt_export,
	.dev_addr = xrt_dev_addr,
	.destroy = xrt_destroy,
};

/* -------------------------------------------------------------- creation */

static bool opts_tail_zero(const struct pool_xrt_opts *o)
{
	const unsigned char *p = (const unsigned char *)o;
	size_t i;

	for (i = sizeof(*o); i < o->sz; i++)
		if (p[i])
			return false;
	return true;
}

static int config_mem(struct pxrt_ctx *c, const struct pool_xrt_opts *o)
{
	switch (o->mem) {
	case POOL_XRT_MEM_HOST_ONLY:
		c->bo_flags = XRT_BO_FLAGS_HOST_ONLY;
		return 0;
	case POOL_XRT_MEM_CACHEABLE:
		c->bo_flags = XRT_BO_FLAGS_CACHEABLE;
		return 0;
	case POOL_XRT_MEM_NORMAL:
		c->bo_flags = XRT_BO_FLAGS_NONE;
		return 0;
	}
	return pxrt_fail(-EINVAL, "unknown pool_xrt_opts.mem %d", (int)o->mem);
}

static int config_slabs(struct pxrt_ctx *c, const struct pool_xrt_opts *o)
{
	size_t align = o->slab_align ? o->slab_align : POOL_XRT_SLAB_ALIGN_DEFAULT;
	size_t thr = o->slab_threshold ? o->slab_threshold : POOL_XRT_SLAB_THRESHOLD_DEFAULT;
	size_t chunk;

	c->slabs = !(o->flags & POOL_XRT_F_NO_SLAB);
	if (!c->slabs)
		return 0;
	if (align & (align - 1))
		return pxrt_fail(-EINVAL, "slab_align %zu is not a power of two", align);
	if (thr > SIZE_MAX - align || thr > UINT32_MAX)
		return pxrt_fail(-EINVAL, "slab_threshold %zu is too large", thr);
	chunk = (thr + align - 1) & ~(align - 1);
	if (o->slab_bytes && o->slab_bytes < chunk)
		return pxrt_fail(-EINVAL, "slab_bytes %zu cannot hold a buffer of slab_threshold %zu",
				 o->slab_bytes, thr);
	c->slab_align = align;
	c->slab_threshold = thr;
	c->slab_bytes = o->slab_bytes ? o->slab_bytes : POOL_XRT_SLAB_BYTES_DEFAULT;
	if (c->slab_bytes < chunk)
		c->slab_bytes = chunk;
	if (c->slab_bytes / align > UINT32_MAX)
		return pxrt_fail(-EINVAL, "slab_bytes %zu is too large", c->slab_bytes);
	return 0;
}

static int ctx_config(struct pxrt_ctx *c, const struct pool_xrt_opts *in)
{
	struct pool_xrt_opts o = { .sz = sizeof(o) };
	int err;

	if (in) {
		if (in->sz < sizeof(size_t) || !opts_tail_zero(in))
			return pxrt_fail(-EINVAL, "bad pool_xrt_opts (sz %zu)", in->sz);
		memcpy(&o, in, in->sz < sizeof(o) ? in->sz : sizeof(o));
	}
	if (o.flags & ~POOL_XRT_F__ALL)
		return pxrt_fail(-EINVAL, "unknown pool_xrt_opts.flags 0x%x", o.flags);
	err = config_mem(c, &o);
	if (err)
		return err;
	c->index = o.device;
	c->group = o.group;
	return config_slabs(c, &o);
}

static int ctx_open(struct pxrt_ctx *c)
{
	errno = 0;
	c->dev = c->api->xrtDeviceOpen(c->index);
	if (c->dev)
		return 0;
	return pxrt_fail(-ENODEV, "xrtDeviceOpen(%u) failed (%s, %s): no such XRT device",
			 c->index, errno ? strerror(errno) : "no error code",
			 pxrt_mode_name(c->mode));
}

static int ctx_register(struct pxrt_ctx *c)
{
	c->be = pool_backend_create(&xrt_ops, c);
	if (!c->be)
		return pxrt_fail(errno ? -errno : -ENOMEM, "pool_backend_create failed");
	atomic_init(&c->refs, 1);
	pthread_mutex_lock(&reg_lock);
	c->reg_next = reg_head;
	reg_head = c;
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

struct pool_backend *pool_backend_xrt(const struct pool_xrt_opts *opts)
{
	struct pxrt_ctx *c;
	int err;

	pxrt_clear_error();
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->page = (size_t)sysconf(_SC_PAGESIZE);
	err = ctx_config(c, opts);
	if (err)
		goto err_free;
	err = pxrt_load(&c->api, &c->mode);
	if (err)
		goto err_free;
	err = ctx_open(c);
	if (err)
		goto err_free;
	err = ctx_register(c);
	if (err)
		goto err_free;
	return c->be;

err_free:
	ctx_free(c);
	errno = -err;
	return NULL;
}

/* ------------------------------------------------------------- accessors */

static const struct pxrt_buf *buf_of(const struct pool_buf *buf)
{
	const struct pxrt_buf *b = pool_buf_backend_obj(buf);

	return b && b->magic == PXRT_BUF_MAGIC ? b : NULL;
}

void *pool_xrt_buf_bo(const struct pool_buf *buf)
{
	const struct pxrt_buf *b = buf_of(buf);

	return b ? b->bo : NULL;
}

int pool_xrt_buf_info(const struct pool_buf *buf, struct pool_xrt_buf_info *info)
{
	const struct pxrt_buf *b = buf_of(buf);
	struct pool_xrt_buf_info i = { .sz = sizeof(i) };

	if (!b || !info || info->sz < sizeof(size_t))
		return -EINVAL;
	i.bo = b->bo;
	i.size = b->size;
	if (b->slab) {
		i.slab = b->slab->bo;
		i.offset = b->offset;
		i.slab_map = b->slab->map;
		i.slab_dev_addr = b->slab->dev_addr;
	}
	memcpy(info, &i, info->sz < sizeof(i) ? info->sz : sizeof(i));
	return 0;
}

int pool_xrt_stats_get(struct pool_backend *be, struct pool_xrt_stats *st)
{
	struct pxrt_ctx *c;
	struct pool_xrt_stats s;

	if (!st || st->sz < sizeof(size_t))
		return -EINVAL;
	c = pxrt_ctx_find(be);
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	s = c->st;
	pthread_mutex_unlock(&c->lock);
	pxrt_ctx_put(c);
	s.sz = sizeof(s);
	memcpy(st, &s, st->sz < sizeof(s) ? st->sz : sizeof(s));
	return 0;
}
