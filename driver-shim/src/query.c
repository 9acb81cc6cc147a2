// SPDX-License-Identifier: MIT
/* GET_INFO, GET_ARRAY and SET_STATE queries. */
#include <string.h>

#include "shim_internal.h"

/*
 * Drivers answer an unknown GET_INFO param with -EOPNOTSUPP, and a kernel
 * without an ioctl answers -EINVAL from the DRM core; both mean "not
 * supported by this driver" to the caller.
 */
int xdna_get_info(struct xdna_dev *dev, uint32_t param, void *buf, uint32_t *size)
{
	struct amdxdna_drm_get_info args;
	int err;

	if (!dev || !buf || !size || !*size)
		return xdna_fail(-EINVAL, "xdna_get_info: bad argument");
	args = (struct amdxdna_drm_get_info){
		.param = param, .buffer_size = *size, .buffer = (uintptr_t)buf,
	};
	err = xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_GET_INFO, &args);
	if (err == -EOPNOTSUPP)
		return xdna_fail(err, "GET_INFO param %u: not supported by this driver", param);
	if (err)
		return xdna_fail(err, "GET_INFO param %u (%u bytes): %s", param, *size,
				 xdna_strerror(err));
	*size = args.buffer_size;
	return 0;
}

static int xdna_get_info_fixed(struct xdna_dev *dev, uint32_t param, void *buf, uint32_t size)
{
	memset(buf, 0, size);
	return xdna_get_info(dev, param, buf, &size);
}

int xdna_query_aie_version(struct xdna_dev *dev, struct amdxdna_drm_query_aie_version *out)
{
	return xdna_get_info_fixed(dev, DRM_AMDXDNA_QUERY_AIE_VERSION, out, sizeof(*out));
}

int xdna_query_aie_metadata(struct xdna_dev *dev, struct amdxdna_drm_query_aie_metadata *out)
{
	return xdna_get_info_fixed(dev, DRM_AMDXDNA_QUERY_AIE_METADATA, out, sizeof(*out));
}

int xdna_query_clocks(struct xdna_dev *dev, struct amdxdna_drm_query_clock_metadata *out)
{
	return xdna_get_info_fixed(dev, DRM_AMDXDNA_QUERY_CLOCK_METADATA, out, sizeof(*out));
}

int xdna_query_firmware_version(struct xdna_dev *dev,
				struct amdxdna_drm_query_firmware_version *out)
{
	return xdna_get_info_fixed(dev, DRM_AMDXDNA_QUERY_FIRMWARE_VERSION, out, sizeof(*out));
}

int xdna_query_resource_info(struct xdna_dev *dev, struct amdxdna_drm_get_resource_info *out)
{
	return xdna_get_info_fixed(dev, DRM_AMDXDNA_QUERY_RESOURCE_INFO, out, sizeof(*out));
}

int xdna_query_power_mode(struct xdna_dev *dev, unsigned int *mode)
{
	struct amdxdna_drm_get_power_mode pm;
	int err;

	if (!mode)
		return xdna_fail(-EINVAL, "xdna_query_power_mode: NULL argument");
	err = xdna_get_info_fixed(dev, DRM_AMDXDNA_GET_POWER_MODE, &pm, sizeof(pm));
	if (!err)
		*mode = pm.power_mode;
	return err;
}

int xdna_set_power_mode(struct xdna_dev *dev, unsigned int mode)
{
	struct amdxdna_drm_set_power_mode pm = { .power_mode = (__u8)mode };
	struct amdxdna_drm_set_state args = {
		.param = DRM_AMDXDNA_SET_POWER_MODE,
		.buffer_size = sizeof(pm),
		.buffer = (uintptr_t)&pm,
	};
	int err;

	if (!dev || mode > POWER_MODE_TURBO)
		return xdna_fail(-EINVAL, "xdna_set_power_mode: bad mode %u", mode);
	err = xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_SET_STATE, &args);
	if (err)
		return xdna_fail(err, "SET_STATE power mode %u: %s", mode, xdna_strerror(err));
	return 0;
}

/*
 * Kernels before GET_ARRAY report contexts through GET_INFO HW_CONTEXTS as
 * struct amdxdna_drm_query_hwctx; the kernel lowers buffer_size by what it
 * wrote (aie2_get_hwctx_status()).
 */
static int xdna_query_hwctxs_info(struct xdna_dev *dev, struct amdxdna_drm_hwctx_entry *out,
				  size_t max)
{
	struct amdxdna_drm_query_hwctx q[64];
	uint32_t size = sizeof(q);
	size_t n, i;
	int err;

	memset(q, 0, sizeof(q));
	err = xdna_get_info(dev, DRM_AMDXDNA_QUERY_HW_CONTEXTS, q, &size);
	if (err)
		return err;
	n = (sizeof(q) - size) / sizeof(q[0]);
	for (i = 0; i < n && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].context_id = q[i].context_id;
		out[i].start_col = q[i].start_col;
		out[i].num_col = q[i].num_col;
		out[i].pid = q[i].pid;
		out[i].command_submissions = q[i].command_submissions;
		out[i].command_completions = q[i].command_completions;
		out[i].migrations = q[i].migrations;
		out[i].preemptions = q[i].preemptions;
		out[i].errors = q[i].errors;
	}
	return (int)n;
}

int xdna_query_hwctxs(struct xdna_dev *dev, struct amdxdna_drm_hwctx_entry *out, size_t max)
{
	struct amdxdna_drm_get_array args;
	int err;

	if (!dev || (!out && max) || max > UINT32_MAX)
		return xdna_fail(-EINVAL, "xdna_query_hwctxs: bad argument");
	args = (struct amdxdna_drm_get_array){
		.param = DRM_AMDXDNA_HW_CONTEXT_ALL,
		.element_size = sizeof(*out),
		.num_element = (uint32_t)max,
		.buffer = (uintptr_t)out,
	};
	err = xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &args);
	/*
	 * The request is well formed, so -EINVAL is the DRM core refusing an
	 * ioctl this (pre-GET_ARRAY) kernel does not have.
	 */
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTTY)
		return xdna_query_hwctxs_info(dev, out, max);
	if (err)
		return xdna_fail(err, "GET_ARRAY HW_CONTEXT_ALL: %s", xdna_strerror(err));
	return (int)args.num_element;
}
