/* SPDX-License-Identifier: MIT */
/*
 * libpool-xrt: a libpool backend whose buffers are XRT buffer objects, and
 * the import of dma-bufs (e.g. libxdna-shim BOs) into XRT.
 *
 * libpool-xrt is a separate library (libpool-xrt.a / libpool-xrt.so) that
 * dlopen()s libxrt_coreutil.so.2 at run time: neither it nor libpool has a
 * link-time XRT dependency.  Before its first XRT call it checks what XRT
 * would otherwise fail on (XILINX_XRT, the shim library of the emulation
 * mode, libxrt_coreutil itself) and returns -ENODEV with a one-line reason
 * instead.  No header of XRT is needed to use this one: XRT handles are
 * passed as void * (xrtDeviceHandle / xrtBufferHandle of the XRT C API).
 *
 * Conventions as libpool: pointer-returning calls give NULL and errno,
 * int-returning calls a negative errno; after a failure pool_xrt_errmsg()
 * holds a one-line explanation for the calling thread.
 */
#ifndef POOL_POOL_XRT_H
#define POOL_POOL_XRT_H

#include <stddef.h>
#include <stdint.h>

#include <pool/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kind of memory of every BO (the XRT_BO_FLAGS_* passed to xrtBOAlloc). */
enum pool_xrt_mem {
	/*
	 * XRT_BO_FLAGS_HOST_ONLY: host memory the device reaches.  What NPU
	 * input/output buffers must be (the C API does not pick it for you);
	 * on amdxdna a SHARE BO.
	 */
	POOL_XRT_MEM_HOST_ONLY = 0,
	/* XRT_BO_FLAGS_CACHEABLE: on amdxdna the device heap / command BOs. */
	POOL_XRT_MEM_CACHEABLE = 1,
	/* No flag: device memory of the memory group (Alveo-style banks). */
	POOL_XRT_MEM_NORMAL = 2,
};

enum pool_xrt_flags {
	/* One BO per buffer whatever its size (every buffer exportable). */
	POOL_XRT_F_NO_SLAB = 1u << 0,
};
#define POOL_XRT_F__ALL	((1u << 1) - 1)

#define POOL_XRT_SLAB_THRESHOLD_DEFAULT	(64u << 10)
#define POOL_XRT_SLAB_BYTES_DEFAULT	(2u << 20)
#define POOL_XRT_SLAB_ALIGN_DEFAULT	64u

struct pool_xrt_opts {
	size_t sz;
	unsigned int device;	/* xrtDeviceOpen() index */
	enum pool_xrt_mem mem;
	unsigned int flags;	/* enum pool_xrt_flags */
	uint32_t group;		/* memory group (bank) of xrtBOAlloc(); 0 on the NPU */
	/*
	 * Buffers of at most slab_threshold bytes are sub-buffers
	 * (xrtBOSubAlloc) of slab BOs of slab_bytes, at offsets that are
	 * multiples of slab_align (a power of two).  0: the defaults above.
	 * slab_bytes must hold one buffer of slab_threshold bytes.
	 */
	size_t slab_threshold;
	size_t slab_bytes;
	size_t slab_align;
};
#define POOL_XRT_OPTS_SZ_V1	(offsetof(struct pool_xrt_opts, slab_align) + sizeof(size_t))

/*
 * An XRT backend on device opts->device (opts NULL: defaults).  Pass it in
 * pool_opts.backend; drop your reference with pool_backend_put().  NULL
 * with errno: EINVAL (bad opts), ENODEV (XRT unusable here or no such
 * device: see pool_xrt_errmsg()), ENOMEM.
 *
 * Buffers: pool_buf_data() is the BO's mapping (mapped once, here),
 * pool_buf_dev_addr() is xrtBOAddress(), pool_buf_sync() is xrtBOSync() of
 * the range, pool_buf_export() is xrtBOExport() (a dup the caller closes;
 * -EOPNOTSUPP for slab sub-buffers, which would export the whole slab, and
 * under XRT's noop shim, which exports nothing; -EIO when another shim
 * gives no fd).
 */
struct pool_backend *pool_backend_xrt(const struct pool_xrt_opts *opts);

/*
 * 0 when XRT can be used in this process with the current environment,
 * else -ENODEV and pool_xrt_errmsg() says what is missing.  Checks the
 * environment and loads libxrt_coreutil.so.2, without any XRT call.
 */
int pool_xrt_probe(void);

/* The calling thread's last failure of this library, one line ("" if none). */
const char *pool_xrt_errmsg(void);

/*
 * The xrtBufferHandle of a buffer of an XRT backend, else NULL (recognised
 * by a magic number at the start of pool_buf_backend_obj(), so the other
 * backend's objects must be at least 8 bytes, as libpool's are).
 */
void *pool_xrt_buf_bo(const struct pool_buf *buf);

struct pool_xrt_buf_info {
	size_t sz;
	void *bo;		/* xrtBufferHandle (a sub-buffer for slab buffers) */
	size_t size;		/* bytes of the BO or sub-buffer */
	void *slab;		/* the slab's xrtBufferHandle; NULL: a BO of its own */
	size_t offset;		/* in the slab */
	void *slab_map;		/* the slab's mapping */
	uint64_t slab_dev_addr;	/* the slab's device address */
};
#define POOL_XRT_BUF_INFO_SZ_V1	\
	(offsetof(struct pool_xrt_buf_info, slab_dev_addr) + sizeof(uint64_t))

/* -EINVAL if buf is no buffer of an XRT backend.  info->sz must be set. */
int pool_xrt_buf_info(const struct pool_buf *buf, struct pool_xrt_buf_info *info);

/* Live objects of an XRT backend. */
struct pool_xrt_stats {
	size_t sz;
	uint64_t bos;		/* BOs of their own (large buffers) */
	uint64_t slabs;		/* slab BOs */
	uint64_t sub_bufs;	/* sub-buffers carved from slabs */
	uint64_t imports;	/* BOs from pool_xrt_import_fd() */
	uint64_t bytes;		/* bytes of BOs and slabs */
};
#define POOL_XRT_STATS_SZ_V1	(offsetof(struct pool_xrt_stats, bytes) + sizeof(uint64_t))

/* -EINVAL if be is no XRT backend.  st->sz must be set. */
int pool_xrt_stats_get(struct pool_backend *be, struct pool_xrt_stats *st);

/* ------------------------------------------------------ dma-buf import */

/* A BO imported into XRT from a dma-buf. */
struct pool_xrt_bo;

/*
 * Import dma-buf @fd (e.g. from xdna_bo_export() or pool_buf_export(), in
 * this process or received over a Unix socket with SCM_RIGHTS) into the
 * XRT device of backend @be with xrtBOImport().  The fd stays the
 * caller's.  -EINVAL: be is no XRT backend; -EBADF: fd is not open;
 * -EOPNOTSUPP: the shim cannot import (XRT's noop shim); another errno
 * from XRT.  Never aborts the process.
 */
int pool_xrt_import_fd(struct pool_backend *be, int fd, struct pool_xrt_bo **out);
/* xrtBOFree() and drop the device reference.  NULL is a no-op. */
void pool_xrt_bo_free(struct pool_xrt_bo *bo);
void *pool_xrt_bo_handle(const struct pool_xrt_bo *bo);	/* xrtBufferHandle */
void *pool_xrt_bo_map(const struct pool_xrt_bo *bo);	/* NULL if unmappable */
size_t pool_xrt_bo_size(const struct pool_xrt_bo *bo);
uint64_t pool_xrt_bo_dev_addr(const struct pool_xrt_bo *bo);
/* xrtBOSync() of [off, off + len); len 0: to the end. */
int pool_xrt_bo_sync(struct pool_xrt_bo *bo, enum pool_sync_dir dir, size_t off, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* POOL_POOL_XRT_H */
