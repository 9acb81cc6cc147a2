// SPDX-License-Identifier: MIT
/*
 * xdna-emu: syncobj -> sync_file export, and the sync_file fd.
 *
 * DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD with DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE
 * (drm_syncobj_handle_to_fd_ioctl(), drm_syncobj_export_sync_file()) and,
 * from Linux 6.16, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE with `point`
 * (torvalds/linux c2d3a7300695 "drm/syncobj: Extend EXPORT_SYNC_FILE for
 * timeline syncobjs"), cited from gregkh/linux drivers/gpu/drm/drm_syncobj.c
 * ee6bf57ad14c.  The sync_file (torvalds/linux drivers/dma-buf/sync_file.c
 * 0089d6ee3bb6) holds a reference to the fence found: a timeline point's
 * chain node, a binary syncobj's fence, or the stub for a point signalled
 * and collected.
 *
 * The fd is a real eventfd: poll() reports POLLIN once the fence signals
 * (sync_file_poll), close() releases it (sync_file_release).  The ioctl
 * interposer answers SYNC_IOC_FILE_INFO and SYNC_IOC_SET_DEADLINE on it;
 * SYNC_IOC_MERGE, read(), and dup()s of the fd are not modelled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/sync_file.h>

#include "emu.h"

/* struct drm_syncobj_handle as Linux 6.16 has it (libdrm 2.4.114 lacks point) */
struct emu_syncobj_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
	__u64 point;
};

#ifndef DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE	(1 << 1)
#endif

#ifndef SYNC_IOC_SET_DEADLINE
struct sync_set_deadline {
	__u64 deadline_ns;
	__u64 pad;
};
#define SYNC_IOC_SET_DEADLINE	_IOW(SYNC_IOC_MAGIC, 5, struct sync_set_deadline)
#endif

struct emu_sync_file {
	int fd;
	struct emu_fence *fence;
	bool notified;			/* the eventfd has been written */
	struct emu_sync_file *next;
};

static struct emu_sync_file *emu_sync_files;	/* under emu.lock */

static struct emu_sync_file *emu_sync_file_find_locked(int fd)
{
	struct emu_sync_file *sf;

	for (sf = emu_sync_files; sf; sf = sf->next)
		if (sf->fd == fd)
			return sf;
	return NULL;
}

/* sync_file_poll(): readable once the fence is signalled. */
static void emu_sync_file_check_locked(struct emu_sync_file *sf)
{
	uint64_t one = 1;

	if (sf->notified || !emu_fence_is_signaled(sf->fence))
		return;
	sf->notified = true;
	if (write(sf->fd, &one, sizeof(one)) != sizeof(one))
		return;		/* cannot fail on a fresh eventfd */
}

/* A fence signalled: wake the sync_files it completes (fence_check_cb_func). */
void emu_sync_file_notify_locked(void)
{
	struct emu_sync_file *sf;

	for (sf = emu_sync_files; sf; sf = sf->next)
		emu_sync_file_check_locked(sf);
}

/* sync_file_create(): takes its own reference to fence. */
static int emu_sync_file_create_locked(struct emu_fence *fence)
{
	struct emu_sync_file *sf = calloc(1, sizeof(*sf));
	int fd;

	if (!sf)
		return -ENOMEM;
	fd = eventfd(0, EFD_CLOEXEC);
	if (fd < 0 || fd >= EMU_MAX_FD) {
		int err = fd < 0 ? -errno : -EMFILE;

		if (fd >= 0)
			emu_sys_close(fd);
		free(sf);
		return err;
	}
	sf->fd = fd;
	sf->fence = emu_fence_get(fence);
	sf->next = emu_sync_files;
	emu_sync_files = sf;
	emu_fd_kind_set(fd, EMU_FD_SYNC_FILE);
	emu.census.sync_files++;
	emu_sync_file_check_locked(sf);
	return fd;
}

/* close(): sync_file_release() drops the fence. */
void emu_sync_file_release_locked(int fd)
{
	struct emu_sync_file **pp, *sf;

	for (pp = &emu_sync_files; (sf = *pp); pp = &sf->next) {
		if (sf->fd != fd)
			continue;
		*pp = sf->next;
		emu_fence_put(sf->fence);
		free(sf);
		emu.census.sync_files--;
		return;
	}
}

/*
 * drm_syncobj_export_sync_file(): the fence at the point (flags 0: no
 * WAIT_FOR_SUBMIT), so an unknown handle is -ENOENT and a missing fence or
 * point -EINVAL (SYNCOBJ-EXPORT-NOFENCE).
 */
static int emu_syncobj_export_sync_file(struct emu_file *f, uint32_t handle,
					uint64_t point, __s32 *p_fd)
{
	struct emu_fence *fence;
	int ret = emu_syncobj_find_fence(f, handle, point, 0, &fence);

	if (ret)
		return ret;
	ret = emu_sync_file_create_locked(fence);
	emu_fence_put(fence);
	if (ret < 0)
		return ret;
	*p_fd = ret;
	return 0;
}

/*
 * drm_syncobj_handle_to_fd_ioctl() [ee6bf57ad14c]: pad, then flags (TIMELINE
 * only from 6.16: RULES.md SYNCOBJ_EXPORT_POINT), the point read only with
 * TIMELINE, EXPORT_SYNC_FILE exports; without it a point is -EINVAL and
 * an opaque syncobj fd is not modelled (SYNCOBJ-FD-UNIMPLEMENTED).
 */
int emu_ioctl_syncobj_handle_to_fd(struct emu_file *f, void *data)
{
	struct emu_syncobj_handle *args = data;
	uint32_t valid = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	uint64_t point = 0;

	if (f->flavour->export_point)
		valid |= DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE;
	if (args->pad)
		return -EINVAL;
	if (args->flags & ~valid)
		return -EINVAL;
	if (args->flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE)
		point = args->point;
	if (args->flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		return emu_syncobj_export_sync_file(f, args->handle, point, &args->fd);
	return -EINVAL;
}

/* ---- SYNC_IOC_FILE_INFO ---- */

static const char *emu_fence_driver_name(const struct emu_fence *fence)
{
	if (fence->kind == EMU_FENCE_CHAIN)
		return "dma_fence_chain";
	if (fence->kind == EMU_FENCE_MERGED)
		return "dma_fence_array";
	return fence->origin == EMU_FENCE_SCHED ? "drm_sched" : "stub";
}

static const char *emu_fence_timeline_name(const struct emu_fence *fence)
{
	if (fence->kind != EMU_FENCE_PLAIN)
		return "unbound";
	return fence->origin == EMU_FENCE_SCHED ? "amdxdna_js" : "stub";
}

/* dma_fence_get_status(): 0 pending, 1 signalled, or its error. */
static int emu_fence_status(struct emu_fence *fence)
{
	unsigned int i;

	if (!emu_fence_is_signaled(fence))
		return 0;
	if (fence->kind == EMU_FENCE_MERGED) {
		for (i = 0; i < fence->ndeps; i++)
			if (fence->deps[i]->error)
				return fence->deps[i]->error;
	}
	return fence->kind == EMU_FENCE_PLAIN && fence->error ? fence->error : 1;
}

/*
 * dma_fence_unwrap_for_each(): the leaves of each chain node from this one
 * back (dma_fence_chain_walk() skips and collects the signalled ones
 * behind it), an array's elements, or the fence itself.  Fills up to cap
 * entries of out (if not NULL); returns how many leaves there are.
 */
static unsigned int emu_fence_unwrap_each(struct emu_fence *head, struct sync_fence_info *out,
					  unsigned int cap)
{
	struct emu_fence *iter, *leaf;
	unsigned int n = 0, i, nleaves;

	for (iter = emu_fence_get(head); iter; iter = emu_fence_chain_walk(iter)) {
		struct emu_fence *c = iter->kind == EMU_FENCE_CHAIN ? iter->fence : iter;

		nleaves = c->kind == EMU_FENCE_MERGED ? c->ndeps : 1;
		for (i = 0; i < nleaves; i++, n++) {
			struct sync_fence_info *info = out && n < cap ? &out[n] : NULL;

			leaf = c->kind == EMU_FENCE_MERGED ? c->deps[i] : c;
			if (!info)
				continue;
			/* sync_fill_fence_info() */
			snprintf(info->obj_name, sizeof(info->obj_name), "%s",
				 emu_fence_timeline_name(leaf));
			snprintf(info->driver_name, sizeof(info->driver_name), "%s",
				 emu_fence_driver_name(leaf));
			info->status = emu_fence_status(leaf);
			info->flags = 0;
			info->timestamp_ns = emu_fence_is_signaled(leaf) ? leaf->timestamp_ns : 0;
		}
	}
	return n;
}

/*
 * sync_file_ioctl_fence_info() [sync_file.c 0089d6ee3bb6]: flags or pad
 * -EINVAL; num_fences 0 asks for the count (status of the whole fence);
 * fewer than there are -EINVAL; else each leaf's info, status 1 unless a
 * leaf's is <= 0 (the first such sticks).  The name is the sync_file's
 * fence's "driver-timeline<context>-<seqno>" (sync_file_get_name).
 */
static int emu_sync_file_info_locked(struct emu_sync_file *sf, void *arg)
{
	struct sync_fence_info *fi = NULL;
	struct sync_file_info info;
	unsigned int n, i;
	int ret;

	ret = emu_copy_from_user(&info, (uintptr_t)arg, sizeof(info));
	if (ret)
		return ret;
	if (info.flags || info.pad)
		return -EINVAL;
	n = emu_fence_unwrap_each(sf->fence, NULL, 0);
	if (!info.num_fences) {
		info.status = emu_fence_status(sf->fence);
	} else {
		if (info.num_fences < n)
			return -EINVAL;
		fi = calloc(n ? n : 1, sizeof(*fi));
		if (!fi)
			return -ENOMEM;
		n = emu_fence_unwrap_each(sf->fence, fi, n);
		info.status = 1;
		for (i = 0; i < n; i++)
			info.status = info.status <= 0 ? info.status : fi[i].status;
		ret = emu_copy_to_user(info.sync_fence_info, fi, n * sizeof(*fi));
		free(fi);
		if (ret)
			return ret;
	}
	snprintf(info.name, sizeof(info.name), "%s-%s%llu-%lld",
		 emu_fence_driver_name(sf->fence), emu_fence_timeline_name(sf->fence),
		 (unsigned long long)sf->fence->context, (long long)sf->fence->seqno);
	info.num_fences = n;
	return emu_copy_to_user((uintptr_t)arg, &info, sizeof(info));
}

/* sync_file_ioctl_set_deadline(): pad -EINVAL; the deadline is a hint. */
static int emu_sync_file_set_deadline(void *arg)
{
	struct sync_set_deadline ts;
	int ret = emu_copy_from_user(&ts, (uintptr_t)arg, sizeof(ts));

	if (ret)
		return ret;
	return ts.pad ? -EINVAL : 0;
}

/* sync_file_ioctl(): anything else is -ENOTTY (SYNC_IOC_MERGE too, here). */
int emu_sync_file_ioctl(int fd, unsigned long req, void *arg)
{
	struct emu_sync_file *sf;
	int ret;

	if (req == FIOCLEX || req == FIONCLEX || req == FIONBIO || req == FIOASYNC)
		return emu_sys_ioctl(fd, req, arg);
	emu_lock();
	sf = emu_sync_file_find_locked(fd);
	if (!sf)
		ret = -EBADF;
	else if (req == SYNC_IOC_FILE_INFO)
		ret = emu_sync_file_info_locked(sf, arg);
	else if (req == SYNC_IOC_SET_DEADLINE)
		ret = emu_sync_file_set_deadline(arg);
	else
		ret = -ENOTTY;
	emu_unlock();
	return emu_errno(ret);
}
