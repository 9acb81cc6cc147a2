/* SPDX-License-Identifier: MIT */
/*
 * libpool-xrt internals: the XRT C API as function pointers resolved from
 * libxrt_coreutil.so.2 at run time, the backend context, errors.
 *
 * The prototypes come from XRT's own headers (typeof), so a signature that
 * changes in XRT breaks the build instead of the call.
 */
#ifndef POOL_XRT_INTERNAL_H
#define POOL_XRT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>

#include <pool/pool_xrt.h>

#define PXRT_HIDDEN	__attribute__((visibility("hidden")))

/* X(name): every XRT function libpool-xrt calls. */
#define PXRT_FUNCS(X)		\
	X(xrtDeviceOpen)	\
	X(xrtDeviceClose)	\
	X(xrtBOAlloc)		\
	X(xrtBOSubAlloc)	\
	X(xrtBOImport)		\
	X(xrtBOExport)		\
	X(xrtBOFree)		\
	X(xrtBOSize)		\
	X(xrtBOAddress)		\
	X(xrtBOSync)		\
	X(xrtBOMap)

struct pxrt_api {
#define PXRT_FIELD(name) __typeof__(name) *name;
	PXRT_FUNCS(PXRT_FIELD)
#undef PXRT_FIELD
};

/* What XRT will do, from the environment (XCL_EMULATION_MODE). */
enum pxrt_mode {
	PXRT_MODE_HW = 0,	/* $XILINX_XRT/lib/libxrt_core.so.2 */
	PXRT_MODE_NOOP,		/* $XILINX_XRT/lib/libxrt_noop.so.2 */
};

/*
 * Check the environment as XRT's shim loader will, then load the API.
 * -ENODEV (with the message set) when an XRT call would fail or abort.
 */
PXRT_HIDDEN int pxrt_load(const struct pxrt_api **api, enum pxrt_mode *mode);

/* Set the thread's message; returns err. */
PXRT_HIDDEN int pxrt_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
PXRT_HIDDEN void pxrt_clear_error(void);

/* -errno after an XRT call that failed, else @fallback (XRT leaves errno 0). */
PXRT_HIDDEN int pxrt_errno(int fallback);

struct pxrt_slab;

/* Backend context; lives while the backend or any of its BOs does. */
struct pxrt_ctx {
	const struct pxrt_api *api;
	enum pxrt_mode mode;
	xrtDeviceHandle dev;
	unsigned int index;
	xrtBufferFlags bo_flags;
	xrtMemoryGroup group;
	size_t page;
	bool slabs;			/* carve small buffers */
	size_t slab_threshold, slab_bytes, slab_align;
	_Atomic long refs;		/* backend + every live BO, slab, import */
	struct pool_backend *be;	/* NULL once the backend is destroyed */
	struct pxrt_ctx *reg_next;	/* registry of live backends */

	pthread_mutex_t lock;		/* slabs and stats */
	struct pxrt_slab *slab_list;
	struct pool_xrt_stats st;
};

/* Registry: the context of a live XRT backend, with a reference; or NULL. */
PXRT_HIDDEN struct pxrt_ctx *pxrt_ctx_find(struct pool_backend *be);
PXRT_HIDDEN void pxrt_ctx_get(struct pxrt_ctx *c);
/* The last reference closes the device. */
PXRT_HIDDEN void pxrt_ctx_put(struct pxrt_ctx *c);

PXRT_HIDDEN const char *pxrt_mode_name(enum pxrt_mode mode);
PXRT_HIDDEN int pxrt_check_range(size_t size, size_t off, size_t *len);
/* xrtBOAddress(), 0 when XRT reports no address. */
PXRT_HIDDEN uint64_t pxrt_bo_addr(const struct pxrt_api *api, xrtBufferHandle bo);
/* xrtBOSync() of [off, off + len) of a @size-byte BO; len 0: to the end. */
PXRT_HIDDEN int pxrt_sync(const struct pxrt_api *api, xrtBufferHandle bo, size_t size,
			  enum pool_sync_dir dir, size_t off, size_t len);

#endif /* POOL_XRT_INTERNAL_H */
