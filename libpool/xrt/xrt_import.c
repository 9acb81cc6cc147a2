// SPDX-License-Identifier: MIT
/*
 * dma-buf import into XRT: xrtBOImport() on the device of an XRT backend,
 * wrapped with the checks XRT does not make and errors it does not give.
 *
 * A GEM handle means nothing outside the DRM fd that made it, so a buffer
 * of another driver (libxdna-shim, the xdna backend of libpool) reaches
 * XRT as a dma-buf fd: xdna_bo_export() / pool_buf_export() in the
 * exporting process, SCM_RIGHTS across a Unix socket, then this.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xrt_internal.h"

struct pool_xrt_bo {
	struct pxrt_ctx *ctx;
	xrtBufferHandle bo;
	void *map;
	size_t size;
	uint64_t dev_addr;
};

/* What the fd is, for messages: "/dmabuf:", "/memfd:x (deleted)", ... */
static void fd_describe(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		n = snprintf(buf, len, "?");
	buf[n] = '\0';
}

static int import_fail(const struct pxrt_ctx *c, int fd)
{
	char what[128];

	fd_describe(fd, what, sizeof(what));
	if (c->mode == PXRT_MODE_NOOP)
		return pxrt_fail(pxrt_errno(-EOPNOTSUPP),
				 "xrtBOImport(fd %d: %s) failed: XRT's noop shim cannot import dma-bufs (that needs an NPU with XRT >= 2.15 and its xdna plugin)",
				 fd, what);
	return pxrt_fail(pxrt_errno(-EIO),
			 "xrtBOImport(fd %d: %s) failed: the XRT driver refused the dma-buf",
			 fd, what);
}

int pool_xrt_import_fd(struct pool_backend *be, int fd, struct pool_xrt_bo **out)
{
	struct pool_xrt_bo *bo;
	struct pxrt_ctx *c;
	int err;

	pxrt_clear_error();
	if (!out)
		return pxrt_fail(-EINVAL, "pool_xrt_import_fd: NULL out");
	*out = NULL;
	c = pxrt_ctx_find(be);
	if (!c)
		return pxrt_fail(-EINVAL, "pool_xrt_import_fd: not an XRT backend");
	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		err = pxrt_fail(-EBADF, "pool_xrt_import_fd: fd %d is not open", fd);
		goto err_put;
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo) {
		err = pxrt_fail(-ENOMEM, "out of memory");
		goto err_put;
	}
	errno = 0;
	bo->bo = c->api->xrtBOImport(c->dev, fd);
	if (!bo->bo) {
		err = import_fail(c, fd);
		goto err_free;
	}
	bo->ctx = c;		/* keeps the reference from pxrt_ctx_find() */
	bo->map = c->api->xrtBOMap(bo->bo);
	bo->size = c->api->xrtBOSize(bo->bo);
	bo->dev_addr = pxrt_bo_addr(c->api, bo->bo);
	pthread_mutex_lock(&c->lock);
	c->st.imports++;
	pthread_mutex_unlock(&c->lock);
	*out = bo;
	return 0;

err_free:
	free(bo);
err_put:
	pxrt_ctx_put(c);
	return err;
}

void pool_xrt_bo_free(struct pool_xrt_bo *bo)
{
	struct pxrt_ctx *c;

	if (!bo)
		return;
	c = bo->ctx;
	c->api->xrtBOFree(bo->bo);
	pthread_mutex_lock(&c->lock);
	c->st.imports--;
	pthread_mutex_unlock(&c->lock);
	free(bo);
	pxrt_ctx_put(c);
}

void *pool_xrt_bo_handle(const struct pool_xrt_bo *bo)
{
	return bo ? bo->bo : NULL;
}

void *pool_xrt_bo_map(const struct pool_xrt_bo *bo)
{
	return bo ? bo->map : NULL;
}

size_t pool_xrt_bo_size(const struct pool_xrt_bo *bo)
{
	return bo ? bo->size : 0;
}

uint64_t pool_xrt_bo_dev_addr(const struct pool_xrt_bo *bo)
{
	return bo ? bo->dev_addr : 0;
}

int pool_xrt_bo_sync(struct pool_xrt_bo *bo, enum pool_sync_dir dir, size_t off, size_t len)
{
	if (!bo || (dir != POOL_SYNC_TO_DEVICE && dir != POOL_SYNC_FROM_DEVICE))
		return pxrt_fail(-EINVAL, "pool_xrt_bo_sync: bad argument");
	return pxrt_sync(bo->ctx->api, bo->bo, bo->size, dir, off, len);
}
