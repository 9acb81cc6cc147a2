// SPDX-License-Identifier: MIT
/*
 * What the running amdxdna kernel does, from its DRM version.  Filled in
 * once at open; every behaviour that differs between released drivers and
 * that the shim must follow is decided here, with its source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_internal.h"

/*
 * Upstream driver versions (torvalds/linux drivers/accel/amdxdna/
 * amdxdna_pci_drv.c, the comment above AMDXDNA_DRIVER_MINOR): 0.0 is
 * 6.14, 0.1 GET_ARRAY (6.18), 0.3 firmware debug buffers (6.19), 0.6 is
 * 7.0, 0.10 AIE4 UMQ.  amd/xdna-driver's out-of-tree driver is 1.x.
 */
#define XDNA_MINOR_DEBUG_BO	3

/*
 * The parts' context budgets, for kernels that do not report it
 * (QUERY_RESOURCE_INFO came with driver 0.4): the (device, revision) pairs
 * of torvalds/linux amdxdna_pci_drv.c amdxdna_ids[] and the .hwctx_limit of
 * npu1_regs.c / npu4_regs.c / npu5_regs.c / npu6_regs.c.
 */
static const struct {
	unsigned int device, revision, hwctx_limit;
} xdna_parts[] = {
	{ 0x1502, 0x00, 6 },	/* npu1, Phoenix */
	{ 0x17f0, 0x10, 16 },	/* npu4, Strix */
	{ 0x17f0, 0x11, 16 },	/* npu5, Krackan */
	{ 0x17f0, 0x20, 16 },	/* npu6 */
};

/* /sys/class/accel/accelN/device/NAME of the node at @path, as a number. */
static int xdna_sysfs_read(const char *path, const char *name, unsigned int *val)
{
	const char *node = strrchr(path, '/');
	char file[128], buf[32];
	FILE *f;
	int ok;

	if (!node)
		return -EINVAL;
	snprintf(file, sizeof(file), "/sys/class/accel%s/device/%s", node, name);
	f = fopen(file, "r");
	if (!f)
		return -errno;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	*val = (unsigned int)strtoul(buf, NULL, 0);
	return 0;
}

static unsigned int xdna_part_hwctx_limit(const char *path)
{
	unsigned int device, revision;
	size_t i;

	if (xdna_sysfs_read(path, "device", &device) ||
	    xdna_sysfs_read(path, "revision", &revision))
		return 0;
	for (i = 0; i < sizeof(xdna_parts) / sizeof(xdna_parts[0]); i++) {
		if (xdna_parts[i].device == device && xdna_parts[i].revision == revision)
			return xdna_parts[i].hwctx_limit;
	}
	return 0;
}

void xdna_caps_init(struct xdna_dev *dev)
{
	const struct xdna_dev_info *v = &dev->info;
	bool oot = v->version_major >= 1;

	/*
	 * From 0.3 SYNC_BO FROM_DEVICE is amdxdna_hwctx_sync_debug_bo():
	 * -EINVAL for any BO that is not a firmware debug BO.
	 */
	dev->caps.sync_from_device = oot || v->version_minor < XDNA_MINOR_DEBUG_BO;
	/*
	 * The out-of-tree driver copies a 32-byte amdxdna_qos_info
	 * (user_start_col, reserved) where upstream copies 24 (amd/xdna-driver
	 * src/include/uapi/drm_local/amdxdna_accel.h, amdxdna_ctx.c
	 * amdxdna_drm_create_hwctx_ioctl at 856409ca).
	 */
	dev->caps.qos_size = oot ? XDNA_QOS_SIZE_OOT : XDNA_QOS_SIZE_UPSTREAM;
	dev->caps.wait_cmd = oot;
	dev->caps.hwctx_limit = xdna_part_hwctx_limit(v->path);
	/* Decided once here, not at every xdna_bo_sync() (the per-request path). */
	dev->caps.user_flush = strcmp(xdna_cache_method(), "none") != 0;
}

int xdna_hwctx_budget(struct xdna_dev *dev, unsigned int *used, unsigned int *max)
{
	struct amdxdna_drm_hwctx_entry e[XDNA_HWCTX_LIST_MAX];
	struct amdxdna_drm_get_resource_info res;
	int n;

	if (!dev || !used || !max)
		return xdna_fail(-EINVAL, "xdna_hwctx_budget: NULL argument");
	if (!xdna_query_resource_info(dev, &res) && res.npu_task_max) {
		*used = (unsigned int)res.npu_task_curr;
		*max = (unsigned int)res.npu_task_max;
		return 0;
	}
	if (!dev->caps.hwctx_limit)
		return xdna_fail(-EOPNOTSUPP, "%s: the kernel reports no context budget and the "
				 "part is unknown", dev->info.path);
	n = xdna_query_hwctxs(dev, e, XDNA_HWCTX_LIST_MAX);
	if (n < 0)
		return n;
	*used = (unsigned int)n;
	*max = dev->caps.hwctx_limit;
	return 0;
}

/*
 * SYNC_BO through the kernel only when asked (XDNA_OPEN_KERNEL_SYNC) or
 * when there is no user-space flush (not x86), and FROM_DEVICE only where
 * the kernel still accepts it for ordinary BOs.
 */
bool xdna_dev_sync_uses_ioctl(const struct xdna_dev *dev, enum xdna_sync_dir dir)
{
	bool kernel = (dev->flags & XDNA_OPEN_KERNEL_SYNC) || !dev->caps.user_flush;

	if (!kernel)
		return false;
	return dir == XDNA_SYNC_TO_DEVICE || dev->caps.sync_from_device;
}

const char *xdna_dev_sync_method(const struct xdna_dev *dev)
{
	if (!dev)
		return "none";
	if (xdna_dev_sync_uses_ioctl(dev, XDNA_SYNC_TO_DEVICE))
		return dev->caps.sync_from_device ? "SYNC_BO" :
		       "SYNC_BO to device, user-space flush from device";
	return xdna_cache_method();
}
