// SPDX-License-Identifier: MIT
/*
 * xdna-emu: CREATE_BO and the device heap (drivers/accel/amdxdna/
 * amdxdna_gem.c).
 *
 * SHARE and CMD BOs get memfd pages of their own; DEV_HEAP BOs are the
 * file's device heap chunks; a DEV BO is a 32 KiB aligned carve-out of
 * that heap.  The objects, handles and backing memory are in emu_bo.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"

#define EMU_MAX_BO_SIZE		(1ULL << 40)

/* ---- device heap ---- */

static uint64_t emu_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* drm_mm best fit over [0, limit), EMU_DEV_BO_ALIGN aligned offsets. */
static int emu_heap_alloc_locked(struct emu_heap *h, uint64_t size,
				 uint64_t limit, uint64_t *off)
{
	uint64_t prev = 0, best_hole = UINT64_MAX, best = UINT64_MAX;
	size_t i, at = 0;

	for (i = 0; i <= h->nranges; i++) {
		uint64_t end = i < h->nranges ? h->ranges[i].start : limit;
		uint64_t start = emu_align_up(prev, EMU_DEV_BO_ALIGN);

		if (start < end && end - start >= size &&
		    end - prev < best_hole) {
			best_hole = end - prev;
			best = start;
			at = i;
		}
		if (i < h->nranges)
			prev = h->ranges[i].end;
	}
	if (best == UINT64_MAX)
		return -ENOSPC;
	if (h->nranges == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct emu_range *r = realloc(h->ranges, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		h->ranges = r;
		h->cap = cap;
	}
	memmove(&h->ranges[at + 1], &h->ranges[at],
		(h->nranges - at) * sizeof(*h->ranges));
	h->ranges[at].start = best;
	h->ranges[at].end = best + size;
	h->nranges++;
	h->used += size;
	*off = best;
	return 0;
}

void emu_heap_free_locked(struct emu_heap *h, uint64_t off)
{
	size_t i;

	for (i = 0; i < h->nranges; i++) {
		if (h->ranges[i].start != off)
			continue;
		h->used -= h->ranges[i].end - h->ranges[i].start;
		memmove(&h->ranges[i], &h->ranges[i + 1],
			(h->nranges - i - 1) * sizeof(*h->ranges));
		h->nranges--;
		return;
	}
}

static int emu_heap_map_chunk_locked(struct emu_file *f, struct emu_bo *chunk)
{
	struct emu_heap *h = &f->heap;
	void *p;

	if (!h->view) {
		uint64_t size = f->flavour->heap == EMU_HEAP_SINGLE ?
				EMU_HEAP_CHUNK : f->device->heap_max;

		p = emu_sys_mmap(NULL, size, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
		if (p == MAP_FAILED)
			return -ENOMEM;
		h->view = p;
		h->view_size = size;
	}
	p = emu_sys_mmap(h->view + (chunk->dev_addr - EMU_DEV_MEM_BASE),
			 chunk->size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, chunk->mem->fd, 0);
	return p == MAP_FAILED ? -ENOMEM : 0;
}

/* ---- CREATE_BO ---- */

static int emu_create_share(struct emu_file *f,
			    struct amdxdna_drm_create_bo *args,
			    struct emu_bo **out)
{
	uint64_t size = EMU_PAGE_ALIGN(args->size);
	struct emu_mem *m;
	struct emu_bo *bo;
	int ret;

	/* RULES.md CMD-BO-SIZE: XDNA_MAX_CMD_BO_SIZE until CMD became SHARE */
	if (args->type == AMDXDNA_BO_CMD && !f->flavour->cmd_bo_share &&
	    (args->size > EMU_MAX_CMD_BO || args->size < sizeof(uint32_t)))
		return -EINVAL;
	if (!args->size || !size)
		return -EINVAL;
	if (size > EMU_MAX_BO_SIZE)
		return -ENOMEM;
	m = emu_mem_new_locked(size, &ret);
	if (!m)
		return ret;
	bo = emu_bo_new_locked(args->type, size);
	if (!bo) {
		emu_mem_put_locked(m);
		return -ENOMEM;
	}
	emu_bo_attach_mem_locked(bo, m);
	*out = bo;
	return 0;
}

static int emu_create_heap(struct emu_file *f,
			   struct amdxdna_drm_create_bo *args,
			   struct emu_bo **out)
{
	struct emu_heap *h = &f->heap;
	uint64_t size = args->size;
	struct emu_mem *m;
	struct emu_bo *bo;
	int ret;

	if (f->flavour->heap == EMU_HEAP_SINGLE) {
		/* RULES.md HEAP-SINGLE-SIZE, HEAP-SINGLE-SECOND */
		if (!size || size > EMU_HEAP_CHUNK ||
		    (f->flavour->heap_size_multiple && size % EMU_HEAP_CHUNK))
			return -EINVAL;
		if (h->nchunks)
			return -EBUSY;
		size = EMU_PAGE_ALIGN(size);
	} else {
		/* RULES.md HEAP-CHUNK-SIZE, HEAP-CHUNK-MAX */
		if (!size || size % EMU_HEAP_CHUNK)
			return -EINVAL;
		if (h->total + size > f->device->heap_max)
			return -ENOSPC;
	}
	m = emu_mem_new_locked(size, &ret);
	if (!m)
		return ret;
	bo = emu_bo_new_locked(AMDXDNA_BO_DEV_HEAP, size);
	if (!bo) {
		emu_mem_put_locked(m);
		return -ENOMEM;
	}
	emu_bo_attach_mem_locked(bo, m);
	bo->owner = f;
	bo->dev_addr = EMU_DEV_MEM_BASE + h->total;
	emu.census.heap_bytes += size;
	ret = emu_heap_map_chunk_locked(f, bo);
	if (ret) {
		emu_bo_put_locked(bo);
		return ret;
	}
	emu_bo_get(bo);
	h->chunk[h->nchunks++] = bo;
	h->total += size;
	*out = bo;
	return 0;
}

/*
 * amdxdna_init_dev_bo(): every chunk under [off, off + size) must be
 * mapped, at user addresses contiguous with the first one.
 */
static int emu_dev_bo_span(struct emu_heap *h, uint64_t off, uint64_t size,
			   uint64_t *uva)
{
	uint64_t start = 0, exp_uva = 0;
	unsigned int i;

	if (!h->nchunks)
		return -EAGAIN;
	for (i = 0; i < h->nchunks; i++) {
		if (off < start + h->chunk[i]->size)
			break;
		start += h->chunk[i]->size;
	}
	if (i == h->nchunks)
		return -EAGAIN;
	exp_uva = h->chunk[i]->uva;
	*uva = exp_uva + (off - start);
	for (; i < h->nchunks; i++) {
		if (h->chunk[i]->uva == AMDXDNA_INVALID_ADDR)
			return -EAGAIN;
		if (h->chunk[i]->uva != exp_uva)
			return -EINVAL;
		start += h->chunk[i]->size;
		if (start >= off + size)
			return 0;
		exp_uva += h->chunk[i]->size;
	}
	return -EAGAIN;
}

static int emu_create_dev(struct emu_file *f,
			  struct amdxdna_drm_create_bo *args,
			  struct emu_bo **out)
{
	uint64_t size = EMU_PAGE_ALIGN(args->size), off, uva;
	struct emu_heap *h = &f->heap;
	struct emu_bo *bo;
	int ret;

	if (f->flavour->heap == EMU_HEAP_SINGLE) {
		/* RULES.md DEV-BO-SINGLE: amdxdna_gem_heap_alloc() */
		if (!h->nchunks ||
		    h->chunk[0]->uva == AMDXDNA_INVALID_ADDR ||
		    args->size > h->total || !args->size || !size)
			return -EINVAL;
		ret = emu_heap_alloc_locked(h, size, h->total, &off);
		if (ret)
			return ret;
		uva = h->chunk[0]->uva + off;
	} else {
		/* RULES.md DEV-BO-CHUNKS: amdxdna_init_dev_bo() */
		if (!args->size || !size || size > f->device->heap_max)
			return -EINVAL;
		ret = emu_heap_alloc_locked(h, size, f->device->heap_max, &off);
		if (ret)
			return ret;
		ret = emu_dev_bo_span(h, off, size, &uva);
		if (ret) {
			emu_heap_free_locked(h, off);
			return ret;
		}
	}
	bo = emu_bo_new_locked(AMDXDNA_BO_DEV, size);
	if (!bo) {
		emu_heap_free_locked(h, off);
		return -ENOMEM;
	}
	bo->owner = f;
	bo->dev_addr = EMU_DEV_MEM_BASE + off;
	bo->uva = uva;
	*out = bo;
	return 0;
}

/*
 * Device memory the driver takes for itself (a context's command buffers),
 * by the rules of a DEV BO of @size.
 */
int emu_heap_carve_locked(struct emu_file *f, uint64_t size, uint64_t *off)
{
	struct emu_heap *h = &f->heap;
	uint64_t uva;
	int ret;

	if (f->flavour->heap == EMU_HEAP_SINGLE)
		return emu_heap_alloc_locked(h, size, h->total, off);
	ret = emu_heap_alloc_locked(h, size, f->device->heap_max, off);
	if (ret)
		return ret;
	ret = emu_dev_bo_span(h, *off, size, &uva);
	if (ret)
		emu_heap_free_locked(h, *off);
	return ret;
}

void emu_heap_uncarve_locked(struct emu_file *f, uint64_t off)
{
	emu_heap_free_locked(&f->heap, off);
}

int emu_ioctl_create_bo(struct emu_file *f, void *data)
{
	struct amdxdna_drm_create_bo *args = data;
	struct emu_bo *bo = NULL;
	int ret;

	if (emu_fault_hit(EMU_FAULT_CREATE_BO))
		return -ENOMEM;
	/* RULES.md CREATE-BO-FLAGS (the out-of-tree driver does not check) */
	if (args->flags && !f->flavour->unchecked_pads)
		return -EINVAL;
	switch (args->type) {
	case AMDXDNA_BO_SHARE:
	case AMDXDNA_BO_CMD:
		/* vaddr: user-pointer / dma-buf va table BOs, not emulated */
		ret = args->vaddr ? -EINVAL : emu_create_share(f, args, &bo);
		break;
	case AMDXDNA_BO_DEV_HEAP:
		ret = args->vaddr ? -EINVAL : emu_create_heap(f, args, &bo);
		break;
	case AMDXDNA_BO_DEV:
		ret = emu_create_dev(f, args, &bo);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	ret = emu_handle_alloc_locked(f, bo, &args->handle);
	emu_bo_put_locked(bo);	/* the handle holds it now */
	return ret;
}
