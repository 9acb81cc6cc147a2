// SPDX-License-Identifier: MIT
/*
 * xdna-emu: GEM objects (drivers/accel/amdxdna/amdxdna_gem.c).
 *
 * SHARE, CMD and DEV_HEAP BOs are memfd pages; a DEV BO is a 32 KiB
 * aligned carve-out of its file's device heap.  The emulator keeps its own
 * MAP_SHARED view of every memfd ("kva") and a contiguous view of each
 * file's heap chunks, so device accesses never depend on user mappings.
 * User mappings through the DRM fd map the same memfd pages and are
 * tracked (they hold the BO and the DRM file, like a VMA does).  PRIME
 * export hands out a real fd of the memfd; import recognises it by inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"

#define EMU_MAX_BO_SIZE		(1ULL << 40)
#define EMU_MEMFD_NAME		"xdna-emu-bo"

/* ---- backing memory ---- */

static struct emu_mem *emu_mem_wrap_locked(int fd, uint64_t size, int *err)
{
	struct emu_mem *m = calloc(1, sizeof(*m));
	struct stat st;

	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	m->kva = emu_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
	if (m->kva == MAP_FAILED || emu_sys_fstat(fd, &st)) {
		if (m->kva != MAP_FAILED)
			emu_sys_munmap(m->kva, size);
		free(m);
		*err = -ENOMEM;
		return NULL;
	}
	m->refs = 1;
	m->fd = fd;
	m->size = size;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->next = emu.mems;
	emu.mems = m;
	return m;
}

static struct emu_mem *emu_mem_new_locked(uint64_t size, int *err)
{
	struct emu_mem *m;
	int fd;

	fd = memfd_create(EMU_MEMFD_NAME, MFD_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (ftruncate(fd, (off_t)size)) {
		emu_sys_close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	m = emu_mem_wrap_locked(fd, size, err);
	if (!m)
		emu_sys_close(fd);
	return m;
}

/* A memfd of ours that came back from elsewhere (another process). */
static struct emu_mem *emu_mem_adopt_locked(int fd, const struct stat *st,
					    int *err)
{
	char path[64], link[128];
	struct emu_mem *m;
	ssize_t n;
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || !S_ISREG(st->st_mode) || !st->st_size) {
		*err = -EINVAL;
		return NULL;
	}
	link[n] = '\0';
	if (strncmp(link, "/memfd:" EMU_MEMFD_NAME " ",
		    sizeof("/memfd:" EMU_MEMFD_NAME))) {
		*err = -EINVAL;
		return NULL;
	}
	nfd = emu_sys_open(path, O_RDWR | O_CLOEXEC, 0);
	if (nfd < 0) {
		*err = -EINVAL;
		return NULL;
	}
	m = emu_mem_wrap_locked(nfd, (uint64_t)st->st_size, err);
	if (!m)
		emu_sys_close(nfd);
	return m;
}

static void emu_mem_put_locked(struct emu_mem *m)
{
	struct emu_mem **pp;

	if (--m->refs > 0)
		return;
	for (pp = &emu.mems; *pp && *pp != m; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = m->next;
	emu_sys_munmap(m->kva, m->size);
	emu_sys_close(m->fd);
	free(m);
}

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

static void emu_heap_free_locked(struct emu_heap *h, uint64_t off)
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

/* ---- BO objects and handles ---- */

static struct emu_bo *emu_bo_new_locked(uint32_t type, uint64_t size)
{
	struct emu_bo *bo = calloc(1, sizeof(*bo));

	if (!bo)
		return NULL;
	bo->refs = 1;
	bo->type = type;
	bo->size = size;
	bo->uva = AMDXDNA_INVALID_ADDR;
	bo->map_offset = AMDXDNA_INVALID_ADDR;
	bo->dev_addr = AMDXDNA_INVALID_ADDR;
	bo->next = emu.bos;
	emu.bos = bo;
	emu.census.live_bos++;
	return bo;
}

/* Give the BO its pages and a fake mmap offset (drm_vma_offset_add). */
static void emu_bo_attach_mem_locked(struct emu_bo *bo, struct emu_mem *m)
{
	bo->mem = m;
	bo->map_offset = emu.next_map_offset;
	emu.next_map_offset += bo->size;
}

void emu_bo_get(struct emu_bo *bo)
{
	bo->refs++;
}

void emu_bo_put_locked(struct emu_bo *bo)
{
	struct emu_bo **pp;

	if (--bo->refs > 0)
		return;
	for (pp = &emu.bos; *pp && *pp != bo; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = bo->next;
	if (bo->type == AMDXDNA_BO_DEV)
		emu_heap_free_locked(&bo->owner->heap,
				     bo->dev_addr - EMU_DEV_MEM_BASE);
	if (bo->type == AMDXDNA_BO_DEV_HEAP && !bo->imported)
		emu.census.heap_bytes -= bo->size;
	if (bo->mem)
		emu_mem_put_locked(bo->mem);
	emu.census.live_bos--;
	free(bo);
}

struct emu_bo *emu_bo_lookup(struct emu_file *f, uint32_t handle)
{
	if (!handle || handle >= f->nbo)
		return NULL;
	return f->bo[handle];
}

/* idr_alloc(&object_idr, obj, 1, 0): the lowest free handle. */
int emu_handle_alloc_locked(struct emu_file *f, struct emu_bo *bo,
			    uint32_t *handle)
{
	uint32_t h;

	for (h = 1; h < f->nbo && f->bo[h]; h++)
		;
	if (h >= f->nbo) {
		uint32_t n = f->nbo ? f->nbo * 2 : 16;
		struct emu_bo **t = realloc(f->bo, n * sizeof(*t));

		if (!t)
			return -ENOMEM;
		memset(t + f->nbo, 0, (n - f->nbo) * sizeof(*t));
		f->bo = t;
		f->nbo = n;
		h = h ? h : 1;
	}
	f->bo[h] = bo;
	emu_bo_get(bo);
	emu.census.live_handles++;
	*handle = h;
	return 0;
}

static bool emu_file_has_bo(struct emu_file *f, struct emu_bo *bo)
{
	uint32_t h;

	for (h = 1; h < f->nbo; h++) {
		if (f->bo[h] == bo)
			return true;
	}
	return false;
}

void *emu_bo_dev_ptr(struct emu_bo *bo)
{
	if (bo->type == AMDXDNA_BO_DEV)
		return bo->owner->heap.view +
		       (bo->dev_addr - EMU_DEV_MEM_BASE);
	return bo->mem->kva;
}

/* Called when the file is released, after its contexts are gone. */
void emu_file_drop_bos_locked(struct emu_file *f)
{
	struct emu_heap *h = &f->heap;
	uint32_t i;

	for (i = 1; i < f->nbo; i++) {
		struct emu_bo *bo = f->bo[i];

		if (!bo)
			continue;
		f->bo[i] = NULL;
		emu.census.live_handles--;
		emu_bo_put_locked(bo);
	}
	free(f->bo);
	f->bo = NULL;
	f->nbo = 0;
	for (i = 0; i < h->nchunks; i++)
		emu_bo_put_locked(h->chunk[i]);
	h->nchunks = 0;
	if (h->view)
		emu_sys_munmap(h->view, h->view_size);
	h->view = NULL;
	free(h->ranges);
	h->ranges = NULL;
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

/* ---- GET_BO_INFO, SYNC_BO, GEM_CLOSE ---- */

int emu_ioctl_get_bo_info(struct emu_file *f, void *data)
{
	struct amdxdna_drm_get_bo_info *args = data;
	struct emu_bo *bo;

	if (args->ext || args->ext_flags ||
	    (args->pad && !f->flavour->unchecked_pads))
		return -EINVAL;
	bo = emu_bo_lookup(f, args->handle);
	if (!bo)
		return -ENOENT;
	args->vaddr = bo->uva;
	/*
	 * RULES.md BO-INFO-ADDR: HEAP/DEV BOs report their device address;
	 * SHARE/CMD BOs report the user VA (PASID mode) only where
	 * amdxdna_gem_dev_addr() exists, else AMDXDNA_INVALID_ADDR.
	 */
	if (bo->type == AMDXDNA_BO_DEV || bo->type == AMDXDNA_BO_DEV_HEAP)
		args->xdna_addr = bo->dev_addr;
	else if (f->flavour->share_addr_uva)
		args->xdna_addr = bo->uva;
	else
		args->xdna_addr = AMDXDNA_INVALID_ADDR;
	args->map_offset = bo->map_offset;
	return 0;
}

int emu_ioctl_sync_bo(struct emu_file *f, void *data)
{
	struct amdxdna_drm_sync_bo *args = data;
	struct emu_bo *bo;

	if (emu_fault_hit(EMU_FAULT_SYNC_BO))
		return -EIO;
	bo = emu_bo_lookup(f, args->handle);
	if (!bo)
		return -ENOENT;
	switch (f->flavour->sync_range) {
	case EMU_SYNC_RANGE_NONE:
		/* RULES.md SYNC-CMD-PIN: amdxdna_gem_pin_nolock() has no CMD case */
		if (bo->type == AMDXDNA_BO_CMD && !f->flavour->sync_debug_only)
			return -EOPNOTSUPP;
		break;
	case EMU_SYNC_RANGE_CLAMP:
		/* RULES.md SYNC-RANGE-CLAMP: amdxdna_flush_bo() */
		if (args->offset >= bo->size ||
		    args->offset + args->size < args->offset)
			return -EINVAL;
		break;
	case EMU_SYNC_RANGE_STRICT:
		/* RULES.md SYNC-RANGE-STRICT: out-of-tree amdxdna_drm_sync_bo_ioctl() */
		if (bo->size < args->offset || bo->size < args->size ||
		    args->offset > bo->size - args->size)
			return -EINVAL;
		break;
	}
	/*
	 * RULES.md SYNC-FROM-DEVICE: since 6.19 FROM_DEVICE goes to
	 * amdxdna_hwctx_sync_debug_bo(), which finds no context for a BO that
	 * is no debug BO (the flush has been done: coherent memory here).
	 */
	if (f->flavour->sync_debug_only && args->direction == SYNC_DIRECT_FROM_DEVICE)
		return -EINVAL;
	return 0;
}

int emu_ioctl_gem_close(struct emu_file *f, void *data)
{
	struct drm_gem_close *args = data;
	struct emu_bo *bo;

	/* RULES.md GEM-CLOSE: drm_gem_close_ioctl() does not look at pad */
	bo = emu_bo_lookup(f, args->handle);
	if (!bo)
		return -EINVAL;
	f->bo[args->handle] = NULL;
	emu.census.live_handles--;
	emu_bo_put_locked(bo);
	return 0;
}

/* ---- PRIME ---- */

static int emu_mem_reopen(struct emu_mem *m, int acc, bool cloexec)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	fd = emu_sys_open(path, acc | (cloexec ? O_CLOEXEC : 0), 0);
	if (fd < 0)
		fd = emu_sys_dupfd(m->fd, cloexec);
	return fd;
}

int emu_ioctl_prime_handle_to_fd(struct emu_file *f, void *data)
{
	struct drm_prime_handle *args = data;
	struct emu_bo *bo;
	int fd, ret;

	if (emu_fault_hit(EMU_FAULT_EXPORT))
		return -ENOMEM;		/* dma_buf_export() */
	if (args->flags & ~(uint32_t)(DRM_CLOEXEC | DRM_RDWR))
		return -EINVAL;
	bo = emu_bo_lookup(f, args->handle);
	if (!bo)
		return -ENOENT;
	if (bo->type == AMDXDNA_BO_DEV)
		return -EOPNOTSUPP;
	fd = emu_mem_reopen(bo->mem,
			    (args->flags & DRM_RDWR) ? O_RDWR : O_RDONLY,
			    args->flags & DRM_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = emu_fd_track_export_locked(fd);
	if (ret) {
		emu_sys_close(fd);
		return ret;
	}
	args->fd = fd;
	return 0;
}

static struct emu_mem *emu_mem_find_locked(const struct stat *st)
{
	struct emu_mem *m;

	for (m = emu.mems; m; m = m->next) {
		if (m->dev == st->st_dev && m->ino == st->st_ino)
			return m;
	}
	return NULL;
}

int emu_ioctl_prime_fd_to_handle(struct emu_file *f, void *data)
{
	struct drm_prime_handle *args = data;
	struct emu_mem *m;
	struct emu_bo *bo;
	struct stat st;
	uint32_t h;
	int ret;

	if (emu_fault_hit(EMU_FAULT_IMPORT))
		return -ENOMEM;		/* dma_buf_attach() */
	if (emu_fd_kind(args->fd) == EMU_FD_DRM)
		return -EINVAL;
	if (emu_sys_fstat(args->fd, &st))
		return -errno;
	m = emu_mem_find_locked(&st);
	if (m) {
		/* drm_prime_lookup_buf_handle(): same dma-buf, same handle */
		for (h = 1; h < f->nbo; h++) {
			if (f->bo[h] && f->bo[h]->mem == m) {
				args->handle = h;
				return 0;
			}
		}
		m->refs++;
	} else {
		m = emu_mem_adopt_locked(args->fd, &st, &ret);
		if (!m)
			return ret;
	}
	bo = emu_bo_new_locked(AMDXDNA_BO_SHARE, m->size);
	if (!bo) {
		emu_mem_put_locked(m);
		return -ENOMEM;
	}
	bo->imported = true;
	emu_bo_attach_mem_locked(bo, m);
	ret = emu_handle_alloc_locked(f, bo, &args->handle);
	emu_bo_put_locked(bo);
	return ret;
}

/* ---- mmap through the DRM fd ---- */

static int emu_bo_mmap_check_locked(struct emu_file *f, size_t len, int prot,
				    int flags, off_t off, struct emu_bo **out)
{
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	struct emu_bo *bo;

	if (emu_fault_hit(EMU_FAULT_MMAP))
		return -ENOMEM;
	if (!len || (off & (off_t)(EMU_PAGE - 1)))
		return -EINVAL;
	if (shared && (prot & PROT_WRITE) && f->accmode == O_RDONLY)
		return -EACCES;
	/* drm_vma_offset_exact_lookup_locked() */
	for (bo = emu.bos; bo; bo = bo->next) {
		if (bo->mem && bo->map_offset == (uint64_t)off)
			break;
	}
	if (!bo || EMU_PAGE_ALIGN((uint64_t)len) > bo->size)
		return -EINVAL;
	if (!emu_file_has_bo(f, bo))
		return -EACCES;
	if (!shared)
		return -EINVAL;		/* is_cow_mapping() */
	/* RULES.md MMAP-SECOND: amdxdna_hmm_register() finds pfns set. */
	if (f->flavour->second_mmap_eexist && bo->nmaps)
		return -EEXIST;
	*out = bo;
	return 0;
}

static void emu_map_free_locked(struct emu_map *m)
{
	emu.census.mappings--;
	emu.census.mapped_bytes -= m->end - m->start;
	emu_maps_count(-1);
	if (--m->bo->nmaps == 0)
		m->bo->uva = AMDXDNA_INVALID_ADDR;
	emu_bo_put_locked(m->bo);
	emu_file_put_locked(m->file);
	free(m);
}

static struct emu_map *emu_map_new_locked(uintptr_t start, uintptr_t end,
					  struct emu_bo *bo,
					  struct emu_file *f)
{
	struct emu_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->start = start;
	m->end = end;
	m->bo = bo;
	m->file = f;
	emu_bo_get(bo);
	emu_file_get(f);
	bo->nmaps++;
	if (bo->uva == AMDXDNA_INVALID_ADDR)
		bo->uva = start;
	emu.census.mappings++;
	emu.census.mapped_bytes += end - start;
	emu_maps_count(1);
	return m;
}

/* Pages [s, e) were unmapped (or replaced): trim, split or drop maps. */
static void emu_maps_forget_locked(uintptr_t s, uintptr_t e)
{
	struct emu_map **pp = &emu.maps, *m, *n, *dead = NULL;

	while ((m = *pp)) {
		if (m->end <= s || m->start >= e) {
			pp = &m->next;
		} else if (m->start >= s && m->end <= e) {
			*pp = m->next;
			m->next = dead;
			dead = m;
		} else if (m->start < s && m->end > e) {
			n = emu_map_new_locked(e, m->end, m->bo, m->file);
			emu.census.mapped_bytes -= m->end - s;
			m->end = s;
			if (n) {
				n->next = m->next;
				m->next = n;
				pp = &n->next;
			} else {
				pp = &m->next;
			}
		} else if (m->start < s) {
			emu.census.mapped_bytes -= m->end - s;
			m->end = s;
			pp = &m->next;
		} else {
			emu.census.mapped_bytes -= e - m->start;
			m->start = e;
			pp = &m->next;
		}
	}
	while ((m = dead)) {
		dead = m->next;
		emu_map_free_locked(m);
	}
}

void emu_maps_forget(uintptr_t start, size_t len)
{
	emu_lock();
	emu_maps_forget_locked(start, start + EMU_PAGE_ALIGN(len));
	emu_unlock();
}

/*
 * munmap and forget under one lock: otherwise another thread's BO mmap can
 * get the same address between the two and lose its record (the NPU then
 * cannot reach that BO).  BO mmaps record under the same lock.
 */
int emu_maps_munmap(void *addr, size_t len)
{
	int ret;

	emu_lock();
	ret = emu_sys_munmap(addr, len);
	if (!ret)
		emu_maps_forget_locked((uintptr_t)addr, (uintptr_t)addr + EMU_PAGE_ALIGN(len));
	emu_unlock();
	return ret;
}

void *emu_bo_mmap(int fd, void *addr, size_t len, int prot, int flags,
		  off_t off)
{
	struct emu_bo *bo = NULL;
	struct emu_file *f;
	struct emu_map *m;
	void *p = MAP_FAILED;
	uintptr_t start;
	int ret;

	emu_lock();
	f = emu_fd_file_locked(fd);
	if (!f) {
		emu_unlock();
		return emu_sys_mmap(addr, len, prot, flags, fd, off);
	}
	emu_file_get(f);
	ret = emu_bo_mmap_check_locked(f, len, prot, flags, off, &bo);
	if (!ret) {
		p = emu_sys_mmap(addr, len, prot, flags, bo->mem->fd, 0);
		if (p == MAP_FAILED)
			ret = -errno;
	}
	if (!ret) {
		start = (uintptr_t)p;
		emu_maps_forget_locked(start, start + EMU_PAGE_ALIGN(len));
		m = emu_map_new_locked(start, start + EMU_PAGE_ALIGN(len), bo,
				       f);
		if (m) {
			m->next = emu.maps;
			emu.maps = m;
		} else {
			emu_sys_munmap(p, len);
			p = MAP_FAILED;
			ret = -ENOMEM;
		}
	}
	emu_file_put_locked(f);
	emu_unlock();
	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}
	return p;
}
