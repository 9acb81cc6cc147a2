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
 *
 * This file holds the backing memory, the objects and their handles,
 * GET_BO_INFO, SYNC_BO, GEM_CLOSE and PRIME; CREATE_BO and the heap are in
 * emu_bo_create.c, mmap through the DRM fd in emu_bo_mmap.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"

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

struct emu_mem *emu_mem_new_locked(uint64_t size, int *err)
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

void emu_mem_put_locked(struct emu_mem *m)
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

/* ---- BO objects and handles ---- */

struct emu_bo *emu_bo_new_locked(uint32_t type, uint64_t size)
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
void emu_bo_attach_mem_locked(struct emu_bo *bo, struct emu_mem *m)
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

bool emu_file_has_bo(struct emu_file *f, struct emu_bo *bo)
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
