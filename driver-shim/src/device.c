// SPDX-License-Identifier: MIT
/* Device discovery, open and close. */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xf86drm.h>

#include "shim_internal.h"

#define XDNA_ACCEL_DIR	"/dev/accel"

/*
 * Every ioctl of the shim goes through here.  Only EINTR is restarted: unlike
 * libdrm's drmIoctl(), which also loops on EAGAIN, because amdxdna uses
 * EAGAIN as an answer (CREATE_BO DEV: grow the heap, torvalds/linux
 * amdxdna_gem.c; CREATE_HWCTX when the heap has no room for the context's
 * command buffers; AIE4 waits during a reset) and a retry loop there spins
 * forever.
 */
int xdna_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret == -1 && errno == EINTR);
	return ret == -1 ? -errno : 0;
}

/* Fill name/version fields; -ENODEV if the node is not amdxdna. */
static int xdna_check_version(int fd, const char *path, struct xdna_dev_info *info)
{
	drmVersionPtr v = drmGetVersion(fd);
	int err = 0;

	if (!v)
		return xdna_fail(-ENODEV, "%s: DRM_IOCTL_VERSION failed: not a DRM node", path);
	if (!v->name || strcmp(v->name, XDNA_DRIVER_NAME)) {
		err = xdna_fail(-ENODEV, "%s: driver is '%s', not %s", path,
				v->name ? v->name : "?", XDNA_DRIVER_NAME);
		goto out;
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		snprintf(info->path, sizeof(info->path), "%s", path);
		snprintf(info->driver, sizeof(info->driver), "%s", v->name);
		snprintf(info->desc, sizeof(info->desc), "%s", v->desc ? v->desc : "");
		snprintf(info->date, sizeof(info->date), "%s", v->date ? v->date : "");
		info->version_major = v->version_major;
		info->version_minor = v->version_minor;
		info->version_patch = v->version_patchlevel;
		/* The emulator exports its test hooks; a real device has none. */
		info->emulated = dlsym(RTLD_DEFAULT, "xdna_emu_census_get") != NULL;
	}
out:
	drmFreeVersion(v);
	return err;
}

static int xdna_probe(const char *path, struct xdna_dev_info *info, int *fdp)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return xdna_fail(-ENODEV, "%s: no such device", path);
		return xdna_fail(err, "%s: open: %s%s", path, strerror(-err),
				 err == -EACCES ? " (is the user in the render group?)" : "");
	}
	err = xdna_check_version(fd, path, info);
	if (err || !fdp)
		close(fd);
	else
		*fdp = fd;
	return err;
}

static int xdna_node_minor(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "accel", 5))
		return -1;
	n = strtol(name + 5, &end, 10);
	if (end == name + 5 || *end || n < 0 || n > 255)
		return -1;
	return (int)n;
}

static int xdna_node_cmp(const void *a, const void *b)
{
	const struct xdna_node *x = a, *y = b;

	return (int)x->minor - (int)y->minor;
}

int xdna_enumerate(struct xdna_node *nodes, size_t max)
{
	const char *env = getenv("XDNA_DEVICE");
	struct xdna_node found[64];
	struct dirent *de;
	size_t n = 0, i;
	DIR *dir;

	if (!nodes && max)
		return -EINVAL;
	if (env && *env) {
		if (xdna_probe(env, NULL, NULL))
			return 0;
		if (max) {
			snprintf(nodes[0].path, sizeof(nodes[0].path), "%s", env);
			nodes[0].minor = 0;
		}
		return 1;
	}
	dir = opendir(XDNA_ACCEL_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir)) && n < sizeof(found) / sizeof(found[0])) {
		int minor = xdna_node_minor(de->d_name);

		if (minor < 0)
			continue;
		snprintf(found[n].path, sizeof(found[n].path), XDNA_ACCEL_DIR "/%.16s", de->d_name);
		found[n].minor = (unsigned int)minor;
		if (!xdna_probe(found[n].path, NULL, NULL))
			n++;
	}
	closedir(dir);
	qsort(found, n, sizeof(found[0]), xdna_node_cmp);
	for (i = 0; i < n && i < max; i++)
		nodes[i] = found[i];
	return (int)n;
}

static int xdna_pick_path(const struct xdna_open_opts *opts, char *path, size_t len)
{
	const char *env = getenv("XDNA_DEVICE");
	struct xdna_node node;
	int n;

	if (opts && opts->path) {
		snprintf(path, len, "%s", opts->path);
		return 0;
	}
	if (env && *env) {
		snprintf(path, len, "%s", env);
		return 0;
	}
	n = xdna_enumerate(&node, 1);
	if (n < 0)
		return xdna_fail(n, "cannot scan " XDNA_ACCEL_DIR ": %s", strerror(-n));
	if (n == 0)
		return xdna_fail(-ENODEV, "no amdxdna device under " XDNA_ACCEL_DIR);
	snprintf(path, len, "%s", node.path);
	return 0;
}

/* XDNA_SYNC=user|kernel overrides XDNA_OPEN_KERNEL_SYNC; anything else is an error. */
static int xdna_sync_env(unsigned int *flags)
{
	const char *s = getenv("XDNA_SYNC");

	if (!s)
		return 0;
	if (!strcmp(s, "kernel")) {
		*flags |= XDNA_OPEN_KERNEL_SYNC;
		return 0;
	}
	if (!strcmp(s, "user")) {
		*flags &= ~XDNA_OPEN_KERNEL_SYNC;
		return 0;
	}
	return xdna_fail(-EINVAL, "XDNA_SYNC=\"%s\": expected \"user\" or \"kernel\"", s);
}

int xdna_dev_open(const struct xdna_open_opts *opts, struct xdna_dev **out)
{
	char path[XDNA_PATH_MAX];
	struct xdna_dev *dev;
	unsigned int flags;
	int err;

	if (!out)
		return xdna_fail(-EINVAL, "xdna_dev_open: out is NULL");
	*out = NULL;
	if (opts && opts->sz < sizeof(size_t))
		return xdna_fail(-EINVAL, "xdna_dev_open: opts->sz %zu too small", opts->sz);
	if (opts && opts->sz > sizeof(*opts))
		return xdna_fail(-EINVAL, "xdna_dev_open: opts->sz %zu is from a newer ABI",
				 opts->sz);
	if (opts && (opts->flags & ~XDNA_OPEN_FLAGS_ALL))
		return xdna_fail(-EINVAL, "xdna_dev_open: unknown flags %#x", opts->flags);
	flags = opts ? opts->flags : 0;
	err = xdna_sync_env(&flags);
	if (err)
		return err;
	err = xdna_pick_path(opts, path, sizeof(path));
	if (err)
		return err;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return xdna_fail(-ENOMEM, "xdna_dev_open: out of memory");
	err = xdna_probe(path, &dev->info, &dev->fd);
	if (err) {
		free(dev);
		return err;
	}
	dev->flags = flags;
	xdna_caps_init(dev);
	dev->report = opts && opts->sz >= XDNA_OPEN_OPTS_SZ_V1 ? opts->report : NULL;
	pthread_mutex_init(&dev->lock, NULL);
	xdna_list_init(&dev->bos);
	xdna_list_init(&dev->hwctxs);
	*out = dev;
	return 0;
}

static int xdna_reclaim(struct xdna_dev *dev)
{
	FILE *f = dev->report ? dev->report : stderr;
	int n = 0;

	while (dev->hwctxs.next != &dev->hwctxs) {
		struct xdna_hwctx *ctx = xdna_container_of(dev->hwctxs.next,
							   struct xdna_hwctx, link);

		fprintf(f, "xdna-shim: %s: hardware context %u still open at close\n",
			dev->info.path, ctx->handle);
		xdna_hwctx_free_locked(ctx);
		n++;
	}
	while (dev->bos.next != &dev->bos) {
		struct xdna_bo *bo = xdna_container_of(dev->bos.next, struct xdna_bo, link);

		fprintf(f, "xdna-shim: %s: %s BO handle %u (%zu bytes) still alive at close\n",
			dev->info.path, xdna_bo_type_name(bo->type), bo->handle, bo->size);
		xdna_bo_free_locked(bo);
		n++;
	}
	return n;
}

int xdna_dev_close(struct xdna_dev *dev)
{
	int n;

	if (!dev)
		return 0;
	pthread_mutex_lock(&dev->lock);
	n = xdna_reclaim(dev);
	xdna_heap_release(dev);
	pthread_mutex_unlock(&dev->lock);
	pthread_mutex_destroy(&dev->lock);
	close(dev->fd);
	free(dev);
	return n;
}

int xdna_dev_info(const struct xdna_dev *dev, struct xdna_dev_info *info)
{
	if (!dev || !info)
		return -EINVAL;
	*info = dev->info;
	return 0;
}

int xdna_dev_fd(const struct xdna_dev *dev)
{
	return dev ? dev->fd : -EINVAL;
}
