// SPDX-License-Identifier: MIT
/*
 * The device heap.  DEV BOs live inside a per-process DEV_HEAP BO that must
 * exist and be mapped before the kernel accepts DEV BOs or hardware
 * contexts.  Newer kernels let the heap grow by 64 MiB chunks (up to
 * 512 MiB) that must be contiguous in the process's address space, so the
 * whole maximum is reserved up front and each chunk is mapped into it.
 * Caller holds dev->lock.
 */
#include <string.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "shim_internal.h"

static int xdna_heap_reserve(struct xdna_dev *dev)
{
	size_t len = XDNA_HEAP_MAX + XDNA_HEAP_CHUNK;
	uintptr_t base, aligned;
	void *p;

	/* Over-reserve so the heap can start on a 64 MiB boundary. */
	p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return xdna_fail(-errno, "device heap: cannot reserve %llu MiB of address space",
				 (unsigned long long)(len >> 20));
	base = (uintptr_t)p;
	aligned = (base + XDNA_HEAP_CHUNK - 1) & ~(uintptr_t)(XDNA_HEAP_CHUNK - 1);
	if (aligned > base)
		munmap(p, aligned - base);
	if (aligned + XDNA_HEAP_MAX < base + len)
		munmap((void *)(aligned + XDNA_HEAP_MAX), base + len - aligned - XDNA_HEAP_MAX);
	dev->heap_va = (void *)aligned;
	return 0;
}

static int xdna_heap_add_chunk(struct xdna_dev *dev)
{
	struct amdxdna_drm_create_bo create = {
		.size = XDNA_HEAP_CHUNK, .type = AMDXDNA_BO_DEV_HEAP,
	};
	struct amdxdna_drm_get_bo_info info;
	unsigned int i = dev->heap_chunks;
	char *at = (char *)dev->heap_va + i * XDNA_HEAP_CHUNK;
	void *p;
	int err;

	err = xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &create);
	/* One heap per client before the expandable heap (amdxdna_gem.c). */
	if (err == -EBUSY && i)
		return xdna_fail(-ENOSPC, "device heap full: this kernel allows one %llu MiB heap",
				 (unsigned long long)(XDNA_HEAP_CHUNK >> 20));
	if (err == -ENOSPC && i)
		return xdna_fail(err, "device heap full: this device allows %u MiB of heap",
				 (unsigned int)(i * (XDNA_HEAP_CHUNK >> 20)));
	if (err)
		return xdna_fail(err, "CREATE_BO DEV_HEAP chunk %u: %s", i, xdna_strerror(err));
	err = xdna_bo_read_info(dev, create.handle, &info);
	if (err) {
		xdna_fail(err, "GET_BO_INFO DEV_HEAP: %s", xdna_strerror(err));
		goto err_close;
	}
	p = mmap(at, XDNA_HEAP_CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, dev->fd,
		 info.map_offset);
	if (p == MAP_FAILED) {
		err = xdna_fail(-errno, "mmap DEV_HEAP chunk %u: %s", i, xdna_strerror(-errno));
		goto err_close;
	}
	if (!i) {
		err = xdna_bo_read_info(dev, create.handle, &info);
		if (err) {
			xdna_fail(err, "GET_BO_INFO DEV_HEAP after mmap: %s", xdna_strerror(err));
			goto err_unmap;
		}
		dev->heap_dev_addr = info.xdna_addr;
	}
	dev->heap_handle[i] = create.handle;
	dev->heap_chunks++;
	return 0;

err_unmap:
	/* Give the range back to the reservation rather than to the allocator. */
	mmap(at, XDNA_HEAP_CHUNK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
err_close:
	drmCloseBufferHandle(dev->fd, create.handle);
	return err;
}

int xdna_heap_ensure(struct xdna_dev *dev)
{
	int err;

	if (dev->heap_chunks)
		return 0;
	if (!dev->heap_va) {
		err = xdna_heap_reserve(dev);
		if (err)
			return err;
	}
	return xdna_heap_add_chunk(dev);
}

int xdna_heap_grow(struct xdna_dev *dev)
{
	if (!dev->heap_chunks)
		return xdna_heap_ensure(dev);
	if (dev->heap_chunks >= XDNA_HEAP_CHUNKS)
		return xdna_fail(-ENOMEM, "device heap at its %llu MiB maximum",
				 (unsigned long long)(XDNA_HEAP_MAX >> 20));
	return xdna_heap_add_chunk(dev);
}

void xdna_heap_release(struct xdna_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->heap_chunks; i++) {
		munmap((char *)dev->heap_va + i * XDNA_HEAP_CHUNK, XDNA_HEAP_CHUNK);
		drmCloseBufferHandle(dev->fd, dev->heap_handle[i]);
	}
	if (dev->heap_va)
		munmap((char *)dev->heap_va + dev->heap_chunks * XDNA_HEAP_CHUNK,
		       XDNA_HEAP_MAX - dev->heap_chunks * XDNA_HEAP_CHUNK);
	dev->heap_chunks = 0;
	dev->heap_va = NULL;
}
