// SPDX-License-Identifier: MIT
/* Buffer objects: create, map, sync, PRIME export/import, destroy. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "shim_internal.h"
#include "shim_trace.h"

static size_t xdna_page_round(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) & ~(page - 1);
}

int xdna_bo_read_info(struct xdna_dev *dev, uint32_t handle, struct amdxdna_drm_get_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, info);
}

static int xdna_create_handle(struct xdna_dev *dev, enum xdna_bo_type type, size_t size,
			      uint32_t *handle)
{
	struct amdxdna_drm_create_bo args = { .size = size, .type = type };
	unsigned int seen;
	int err;

	for (;;) {
		pthread_mutex_lock(&dev->lock);
		seen = dev->heap_chunks;
		pthread_mutex_unlock(&dev->lock);
		err = xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args);
		if (err != -EAGAIN || type != XDNA_BO_DEV)
			break;
		/* Grow once even if several threads were refused together. */
		pthread_mutex_lock(&dev->lock);
		err = dev->heap_chunks == seen ? xdna_heap_grow(dev) : 0;
		pthread_mutex_unlock(&dev->lock);
		if (err)
			return err;
	}
	if (err == -ENOSPC && type == XDNA_BO_DEV)
		return xdna_fail(err, "CREATE_BO DEV %zu bytes: no room in the %u MiB device heap",
				 size, (unsigned int)(seen * (XDNA_HEAP_CHUNK >> 20)));
	if (err)
		return xdna_fail(err, "CREATE_BO %s %zu bytes: %s", xdna_bo_type_name(type), size,
				 xdna_strerror(err));
	*handle = args.handle;
	return 0;
}

static void xdna_gem_close(struct xdna_dev *dev, uint32_t handle)
{
	drmCloseBufferHandle(dev->fd, handle);
}

/*
 * A DEV BO lives inside the heap: its CPU address is the heap mapping plus
 * its offset in the heap, as AMD's shim computes it (amd/xdna-driver
 * src/shim/buffer.cpp).  GET_BO_INFO's vaddr is not used: "none" is
 * AMDXDNA_INVALID_ADDR there, not 0, and IOVA-mode kernels report none.
 */
static int xdna_bo_point_into_heap(struct xdna_bo *bo, const struct amdxdna_drm_get_bo_info *info)
{
	struct xdna_dev *dev = bo->dev;
	uint64_t off = info->xdna_addr - dev->heap_dev_addr;

	if (info->xdna_addr == AMDXDNA_INVALID_ADDR || info->xdna_addr < dev->heap_dev_addr ||
	    off > (uint64_t)dev->heap_chunks * XDNA_HEAP_CHUNK ||
	    bo->size > (uint64_t)dev->heap_chunks * XDNA_HEAP_CHUNK - off)
		return xdna_fail(-EFAULT, "DEV BO handle %u: device address %#llx is outside the "
				 "%u MiB heap at %#llx", bo->handle,
				 (unsigned long long)info->xdna_addr,
				 (unsigned int)(dev->heap_chunks * (XDNA_HEAP_CHUNK >> 20)),
				 (unsigned long long)dev->heap_dev_addr);
	bo->xdna_addr = info->xdna_addr;
	bo->map = (char *)dev->heap_va + off;
	return 0;
}

/*
 * The device address of a SHARE/CMD BO.  In PASID mode it is the user VA of
 * the mapping, but only kernels with the 2026 GEM refactor ("Refactor GEM BO
 * handling and add helper APIs for address retrieval") report it in
 * xdna_addr; earlier ones leave AMDXDNA_INVALID_ADDR there.  AMD's shim
 * falls back to the mapping address (buffer::paddr), and so do we.
 */
static uint64_t xdna_bo_host_dev_addr(const struct xdna_bo *bo,
				      const struct amdxdna_drm_get_bo_info *info)
{
	if (info->xdna_addr != AMDXDNA_INVALID_ADDR && info->xdna_addr)
		return info->xdna_addr;
	return (uint64_t)(uintptr_t)bo->map;
}

/* Map SHARE/CMD BOs; point DEV BOs into the heap mapping. */
static int xdna_bo_map_in(struct xdna_bo *bo)
{
	struct amdxdna_drm_get_bo_info info;
	struct xdna_dev *dev = bo->dev;
	void *p;
	int err;

	err = xdna_bo_read_info(dev, bo->handle, &info);
	if (err)
		return xdna_fail(err, "GET_BO_INFO handle %u: %s", bo->handle, xdna_strerror(err));
	bo->map_offset = info.map_offset;
	if (bo->type == XDNA_BO_DEV) {
		pthread_mutex_lock(&dev->lock);
		err = xdna_bo_point_into_heap(bo, &info);
		pthread_mutex_unlock(&dev->lock);
		return err;
	}
	p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd, info.map_offset);
	if (p == MAP_FAILED) {
		err = -errno;
		return xdna_fail(err, "mmap %s BO handle %u (%zu bytes): %s",
				 xdna_bo_type_name(bo->type), bo->handle, bo->size,
				 xdna_strerror(err));
	}
	bo->map = p;
	bo->owns_map = true;
	/* Kernels that report the user VA know it only once it is mapped. */
	err = xdna_bo_read_info(dev, bo->handle, &info);
	if (err)
		return xdna_fail(err, "GET_BO_INFO handle %u after mmap: %s", bo->handle,
				 xdna_strerror(err));
	bo->xdna_addr = xdna_bo_host_dev_addr(bo, &info);
	return 0;
}

static void xdna_bo_track(struct xdna_bo *bo)
{
	pthread_mutex_lock(&bo->dev->lock);
	xdna_list_add(&bo->dev->bos, &bo->link);
	pthread_mutex_unlock(&bo->dev->lock);
}

int xdna_bo_create(struct xdna_dev *dev, enum xdna_bo_type type, size_t size,
		   struct xdna_bo **out)
{
	uint64_t t0 = XDNA_PROBE_ON(bo_create) ? xdna_now_ns() : 0;
	struct xdna_bo *bo;
	int err;

	if (!dev || !out)
		return xdna_fail(-EINVAL, "xdna_bo_create: NULL argument");
	*out = NULL;
	if (type != XDNA_BO_SHARE && type != XDNA_BO_CMD && type != XDNA_BO_DEV)
		return xdna_fail(-EINVAL, "xdna_bo_create: type %d cannot be created directly",
				 (int)type);
	if (!size || size > SIZE_MAX / 2)
		return xdna_fail(-EINVAL, "xdna_bo_create: bad size %zu", size);
	if (type == XDNA_BO_DEV) {
		pthread_mutex_lock(&dev->lock);
		err = xdna_heap_ensure(dev);
		pthread_mutex_unlock(&dev->lock);
		if (err)
			return err;
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return xdna_fail(-ENOMEM, "xdna_bo_create: out of memory");
	bo->dev = dev;
	bo->type = type;
	bo->refs = 1;
	bo->size = xdna_page_round(size);
	xdna_list_init(&bo->link);
	err = xdna_create_handle(dev, type, bo->size, &bo->handle);
	if (err)
		goto err_free;
	err = xdna_bo_map_in(bo);
	if (err)
		goto err_close;
	xdna_bo_track(bo);
	*out = bo;
	if (XDNA_PROBE_ON(bo_create))
		XDNA_PROBE(bo_create, (uint32_t)type, (uint64_t)bo->size,
			   t0 ? xdna_now_ns() - t0 : 0, bo->handle);
	return 0;

err_close:
	xdna_gem_close(dev, bo->handle);
err_free:
	free(bo);
	return err;
}

/*
 * Every path that frees a BO comes here (xdna_bo_destroy, a context's PDI
 * BOs, the reclaim at close), so xdna:bo_destroy fires for each BO that
 * xdna:bo_create announced; latency counts from @t0 (0: untimed).
 */
static void xdna_bo_free_timed_locked(struct xdna_bo *bo, uint64_t t0)
{
	enum xdna_bo_type type = bo->type;
	uint32_t handle = bo->handle;
	size_t size = bo->size;

	xdna_list_del(&bo->link);
	if (bo->owns_map)
		munmap(bo->map, bo->size);
	xdna_gem_close(bo->dev, bo->handle);
	free(bo);
	if (XDNA_PROBE_ON(bo_destroy))
		XDNA_PROBE(bo_destroy, (uint32_t)type, (uint64_t)size,
			   t0 ? xdna_now_ns() - t0 : 0, handle);
}

void xdna_bo_free_locked(struct xdna_bo *bo)
{
	xdna_bo_free_timed_locked(bo, XDNA_PROBE_ON(bo_destroy) ? xdna_now_ns() : 0);
}

int xdna_bo_destroy(struct xdna_bo *bo)
{
	uint64_t t0 = XDNA_PROBE_ON(bo_destroy) ? xdna_now_ns() : 0;
	struct xdna_dev *dev;

	if (!bo)
		return 0;
	dev = bo->dev;
	pthread_mutex_lock(&dev->lock);
	/* Fired when the BO is really freed (not when a re-import drops a reference). */
	if (--bo->refs == 0)
		xdna_bo_free_timed_locked(bo, t0);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

void *xdna_bo_map(const struct xdna_bo *bo)
{
	return bo ? bo->map : NULL;
}

size_t xdna_bo_size(const struct xdna_bo *bo)
{
	return bo ? bo->size : 0;
}

uint32_t xdna_bo_handle(const struct xdna_bo *bo)
{
	return bo ? bo->handle : AMDXDNA_INVALID_BO_HANDLE;
}

uint64_t xdna_bo_dev_addr(const struct xdna_bo *bo)
{
	return bo ? bo->xdna_addr : AMDXDNA_INVALID_ADDR;
}

uint64_t xdna_bo_map_offset(const struct xdna_bo *bo)
{
	return bo ? bo->map_offset : 0;
}

enum xdna_bo_type xdna_bo_type(const struct xdna_bo *bo)
{
	return bo ? bo->type : (enum xdna_bo_type)AMDXDNA_BO_INVALID;
}

struct xdna_dev *xdna_bo_dev(const struct xdna_bo *bo)
{
	return bo ? bo->dev : NULL;
}

static int xdna_sync_bo_ioctl(struct xdna_bo *bo, enum xdna_sync_dir dir, size_t off,
			      size_t len)
{
	struct amdxdna_drm_sync_bo args = {
		.handle = bo->handle, .direction = dir, .offset = off, .size = len,
	};
	int err = xdna_ioctl(bo->dev->fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &args);

	if (err)
		/* xdna_strerror() reads -EIO as a command's error: not here */
		return xdna_fail(err, "SYNC_BO handle %u %s %zu+%zu: %s", bo->handle,
				 dir == XDNA_SYNC_TO_DEVICE ? "to device" : "from device",
				 off, len, err == -EIO ? "I/O error syncing the BO's cache lines" :
				 xdna_strerror(err));
	return 0;
}

int xdna_bo_sync(struct xdna_bo *bo, enum xdna_sync_dir dir, size_t off, size_t len)
{
	if (!bo)
		return xdna_fail(-EINVAL, "xdna_bo_sync: NULL BO");
	if (dir != XDNA_SYNC_TO_DEVICE && dir != XDNA_SYNC_FROM_DEVICE)
		return xdna_fail(-EINVAL, "xdna_bo_sync: bad direction %d", (int)dir);
	if (off > bo->size || len > bo->size - off)
		return xdna_fail(-EINVAL, "xdna_bo_sync: range %zu+%zu outside BO of %zu bytes",
				 off, len, bo->size);
	if (!len)
		len = bo->size - off;
	if (xdna_dev_sync_uses_ioctl(bo->dev, dir))
		return xdna_sync_bo_ioctl(bo, dir, off, len);
	xdna_cache_flush((char *)bo->map + off, len);
	return 0;
}

int xdna_bo_export(struct xdna_bo *bo, int *fd)
{
	if (!bo || !fd)
		return xdna_fail(-EINVAL, "xdna_bo_export: NULL argument");
	if (drmPrimeHandleToFD(bo->dev->fd, bo->handle, DRM_CLOEXEC | DRM_RDWR, fd)) {
		int err = -errno;

		return xdna_fail(err, "PRIME_HANDLE_TO_FD handle %u: %s", bo->handle,
				 xdna_strerror(err));
	}
	return 0;
}

static struct xdna_bo *xdna_bo_find_locked(struct xdna_dev *dev, uint32_t handle)
{
	struct xdna_link *l;

	for (l = dev->bos.next; l != &dev->bos; l = l->next) {
		struct xdna_bo *bo = xdna_container_of(l, struct xdna_bo, link);

		if (bo->handle == handle)
			return bo;
	}
	return NULL;
}

int xdna_bo_import(struct xdna_dev *dev, int fd, struct xdna_bo **out)
{
	uint64_t t0 = XDNA_PROBE_ON(bo_create) ? xdna_now_ns() : 0;
	struct xdna_bo *bo;
	uint32_t handle;
	off_t size;
	int err;

	if (!dev || !out || fd < 0)
		return xdna_fail(-EINVAL, "xdna_bo_import: bad argument (fd %d)", fd);
	*out = NULL;
	if (drmPrimeFDToHandle(dev->fd, fd, &handle)) {
		err = -errno;
		return xdna_fail(err, "PRIME_FD_TO_HANDLE fd %d: %s", fd, xdna_strerror(err));
	}
	pthread_mutex_lock(&dev->lock);
	bo = xdna_bo_find_locked(dev, handle);
	if (bo)
		bo->refs++;
	pthread_mutex_unlock(&dev->lock);
	if (bo) {
		*out = bo;
		return 0;
	}
	/* A dma-buf's size is what SEEK_END reports. */
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0) {
		xdna_gem_close(dev, handle);
		return xdna_fail(-EINVAL, "xdna_bo_import: fd %d has no size", fd);
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo) {
		xdna_gem_close(dev, handle);
		return xdna_fail(-ENOMEM, "xdna_bo_import: out of memory");
	}
	*bo = (struct xdna_bo){ .dev = dev, .type = XDNA_BO_SHARE, .handle = handle,
				.refs = 1, .size = (size_t)size };
	xdna_list_init(&bo->link);
	err = xdna_bo_map_in(bo);
	if (err) {
		xdna_gem_close(dev, handle);
		free(bo);
		return err;
	}
	xdna_bo_track(bo);
	*out = bo;
	if (XDNA_PROBE_ON(bo_create))
		XDNA_PROBE(bo_create, (uint32_t)XDNA_BO_SHARE, (uint64_t)bo->size,
			   t0 ? xdna_now_ns() - t0 : 0, bo->handle);
	return 0;
}
