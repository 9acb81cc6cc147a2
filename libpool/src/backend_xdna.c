// SPDX-License-Identifier: MIT
/* The xdna backend: BOs through libxdna-shim (public header only). */
#include <errno.h>
#include <stdlib.h>

#include <pool/pool_xdna.h>
#include <xdna/shim.h>

#include "internal.h"

struct xdna_be {
	struct xdna_dev *dev;
	enum xdna_bo_type type;
	bool own_dev;
};

static int xb_alloc(void *ctx, size_t size, struct pool_mem *mem)
{
	struct xdna_be *x = ctx;
	struct xdna_bo *bo;
	int err;

	err = xdna_bo_create(x->dev, x->type, size, &bo);
	if (err)
		return err;
	*mem = (struct pool_mem){
		.cpu = xdna_bo_map(bo),
		.size = xdna_bo_size(bo),
		.dev_addr = xdna_bo_dev_addr(bo),
		.map_offset = xdna_bo_map_offset(bo),
		.handle = xdna_bo_handle(bo),
		.obj = bo,
	};
	if (x->type == XDNA_BO_SHARE) {
		/* flushed once after creation; reuse needs no ioctl */
		err = xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0);
		if (err) {
			xdna_bo_destroy(bo);
			return err;
		}
	}
	return 0;
}

static const char *xb_errmsg(void *ctx)
{
	(void)ctx;
	return xdna_errmsg();
}

static void xb_free(void *ctx, struct pool_mem *mem)
{
	(void)ctx;
	xdna_bo_destroy(mem->obj);
	mem->obj = NULL;
}

static int xb_sync(void *ctx, struct pool_mem *mem, enum pool_sync_dir dir, size_t off,
		   size_t len)
{
	(void)ctx;
	return xdna_bo_sync(mem->obj, dir == POOL_SYNC_TO_DEVICE ? XDNA_SYNC_TO_DEVICE :
			    XDNA_SYNC_FROM_DEVICE, off, len);
}

static int xb_export(void *ctx, struct pool_mem *mem, int *fd)
{
	(void)ctx;
	return xdna_bo_export(mem->obj, fd);
}

static void xb_destroy(void *ctx)
{
	struct xdna_be *x = ctx;

	if (x->own_dev)
		xdna_dev_close(x->dev);
	free(x);
}

static const struct pool_backend_ops xdna_ops = {
	.sz = sizeof(struct pool_backend_ops),
	.name = "xdna",
	.alloc = xb_alloc,
	.free = xb_free,
	.sync = xb_sync,
	.export_dmabuf = xb_export,
	.destroy = xb_destroy,
	.errmsg = xb_errmsg,
};

/* Why this thread's last pool_backend_xdna() failed (kept from libxdna-shim). */
static __thread char xdna_why[256];

const char *pool_xdna_errmsg(void)
{
	return xdna_why[0] ? xdna_why : "no error";
}

static void xdna_why_set(const char *msg)
{
	snprintf(xdna_why, sizeof(xdna_why), "%s", msg);
}

struct pool_backend *pool_backend_xdna(const struct pool_xdna_opts *opts)
{
	enum pool_xdna_flavour fl = OPTS_GET(opts, flavour, POOL_XDNA_SHARE);
	struct pool_backend *be;
	struct xdna_be *x;
	int err;

	xdna_why[0] = '\0';
	if (!OPTS_VALID(opts, struct pool_xdna_opts, sizeof(size_t)) ||
	    (fl != POOL_XDNA_SHARE && fl != POOL_XDNA_DEV)) {
		xdna_why_set("bad pool_xdna_opts (sz or flavour)");
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->type = fl == POOL_XDNA_DEV ? XDNA_BO_DEV : XDNA_BO_SHARE;
	x->dev = OPTS_GET(opts, dev, NULL);
	if (!x->dev) {
		struct xdna_open_opts oo = { .sz = sizeof(oo), .path = OPTS_GET(opts, path, NULL) };

		err = xdna_dev_open(&oo, &x->dev);
		if (err) {
			xdna_why_set(xdna_errmsg());
			free(x);
			errno = -err;
			return NULL;
		}
		x->own_dev = true;
	}
	be = pool_backend_create(&xdna_ops, x);
	if (!be) {
		err = errno;
		xb_destroy(x);
		errno = err;
	}
	return be;
}

struct xdna_dev *pool_backend_xdna_dev(const struct pool_backend *be)
{
	if (!be || be->ops.alloc != xb_alloc)
		return NULL;
	return ((struct xdna_be *)be->ctx)->dev;
}

static int xf_signalled(void *ctx, uint64_t seq)
{
	return xdna_hwctx_signalled(ctx, seq);
}

static int xf_wait(void *ctx, uint64_t seq, int64_t timeout_ns)
{
	return xdna_hwctx_wait(ctx, seq, timeout_ns);
}

static void xf_get(void *ctx)
{
	xdna_hwctx_get(ctx);
}

static void xf_put(void *ctx)
{
	xdna_hwctx_put(ctx);
}

const struct pool_fence_ops pool_xdna_fence_ops = {
	.sz = sizeof(struct pool_fence_ops),
	.signalled = xf_signalled,
	.wait = xf_wait,
	.get = xf_get,
	.put = xf_put,
};

struct pool_fence pool_xdna_fence(struct xdna_hwctx *ctx, uint64_t seq)
{
	return (struct pool_fence){ .ops = &pool_xdna_fence_ops, .ctx = ctx, .seq = seq };
}
