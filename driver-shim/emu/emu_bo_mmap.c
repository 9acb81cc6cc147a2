// SPDX-License-Identifier: MIT
/*
 * xdna-emu: mmap of BOs through the DRM fd (drivers/accel/amdxdna/
 * amdxdna_gem.c).
 *
 * User mappings through the DRM fd map the same memfd pages as the
 * emulator's own view and are tracked (they hold the BO and the DRM file,
 * like a VMA does); munmap() of a tracked range trims, splits or drops
 * the records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu.h"

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
