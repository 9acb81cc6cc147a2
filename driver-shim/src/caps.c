// SPDX-License-Identifier: MIT
/*
 * What the running amdxdna kernel does, from its DRM version.  Filled in
 * once at open; every behaviour that differs between released drivers and
 * that the shim must follow is decided here, with its source.
 */
#include <string.h>

#include "shim_internal.h"

/*
 * Upstream driver versions (torvalds/linux drivers/accel/amdxdna/
 * amdxdna_pci_drv.c, the comment above AMDXDNA_DRIVER_MINOR): 0.0 is
 * 6.14, 0.1 GET_ARRAY (6.18), 0.3 firmware debug buffers (6.19), 0.6 is
 * 7.0, 0.10 AIE4 UMQ.  amd/xdna-driver's out-of-tree driver is 1.x.
 */
#define XDNA_MINOR_DEBUG_BO	3

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
	dev->caps.qos_size = oot ? XDNA_QOS_SIZE_OOT : sizeof(struct amdxdna_qos_info);
	dev->caps.wait_cmd = oot;
}

/*
 * SYNC_BO through the kernel only when asked (XDNA_OPEN_KERNEL_SYNC) or
 * when there is no user-space flush (not x86), and FROM_DEVICE only where
 * the kernel still accepts it for ordinary BOs.
 */
bool xdna_dev_sync_uses_ioctl(const struct xdna_dev *dev, enum xdna_sync_dir dir)
{
	bool kernel = (dev->flags & XDNA_OPEN_KERNEL_SYNC) || !strcmp(xdna_cache_method(), "none");

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
