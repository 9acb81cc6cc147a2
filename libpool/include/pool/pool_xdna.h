/* SPDX-License-Identifier: MIT */
/*
 * libpool backend for AMD XDNA NPUs through libxdna-shim.
 *
 * Buffers are BOs created and mapped once (at pool growth); reuse costs no
 * ioctl and no mmap.  The descriptor keeps the GEM handle, size, map offset,
 * CPU address and device address (pool_buf_handle(), pool_buf_dev_addr(),
 * pool_buf_backend_obj() gives the struct xdna_bo *).  A new SHARE BO is
 * flushed to the device once after creation.
 */
#ifndef POOL_POOL_XDNA_H
#define POOL_POOL_XDNA_H

#include <pool/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xdna_dev;
struct xdna_hwctx;

enum pool_xdna_flavour {
	POOL_XDNA_SHARE = 0,	/* host memory shared with the NPU */
	POOL_XDNA_DEV = 1,	/* carved from the device heap */
};

struct pool_xdna_opts {
	size_t sz;
	/* An open device (kept open by the caller); NULL: open `path`. */
	struct xdna_dev *dev;
	const char *path;	/* NULL: XDNA_DEVICE or the first amdxdna node */
	enum pool_xdna_flavour flavour;
};
#define POOL_XDNA_OPTS_SZ_V1	(offsetof(struct pool_xdna_opts, flavour) + sizeof(int))

/*
 * NULL with errno: ENODEV without a device, EINVAL for bad options,
 * ENOMEM.  The reason in one line (e.g. "no amdxdna device under
 * /dev/accel") is pool_xdna_errmsg(), which is libxdna-shim's
 * xdna_errmsg() of that failure kept for this thread.  On a machine
 * without an NPU, run on the xdna-emu emulator (LD_PRELOAD, see
 * libxdna-emu(7)).
 */
struct pool_backend *pool_backend_xdna(const struct pool_xdna_opts *opts);
/* Why this thread's last pool_backend_xdna() failed ("no error" if it did not). */
const char *pool_xdna_errmsg(void);
/* The device a backend allocates from. */
struct xdna_dev *pool_backend_xdna_dev(const struct pool_backend *be);

/* Fences on a hardware context's timeline (its syncobj point seq). */
extern const struct pool_fence_ops pool_xdna_fence_ops;
struct pool_fence pool_xdna_fence(struct xdna_hwctx *ctx, uint64_t seq);

#ifdef __cplusplus
}
#endif

#endif /* POOL_POOL_XDNA_H */
