// SPDX-License-Identifier: MIT
/* Hardware contexts: create (with the heap first), configure CUs, destroy. */
#include <stdlib.h>
#include <string.h>
#include <xf86drm.h>

#include "shim_internal.h"
#include "xdna/xclbin.h"

#define XDNA_MAX_CUS	16

static int xdna_hwctx_opts_check(const struct xdna_hwctx_opts *opts)
{
	if (!opts)
		return 0;
	if (opts->sz < sizeof(size_t) || opts->sz > sizeof(*opts))
		return xdna_fail(-EINVAL, "xdna_hwctx_create: opts->sz %zu unknown", opts->sz);
	return 0;
}

/* The whole array's core tiles, for callers that do not say. */
static uint32_t xdna_default_tiles(struct xdna_dev *dev)
{
	struct amdxdna_drm_query_aie_metadata md;

	if (xdna_query_aie_metadata(dev, &md) || !md.cols || !md.core.row_count)
		return 4;
	return (uint32_t)md.cols * md.core.row_count;
}

/*
 * CREATE_HWCTX.  The kernel carves the context's four command buffers from
 * the heap like DEV BOs (aie2_hwctx_init), so kernels with growing heaps
 * answer -EAGAIN when they do not fit (amdxdna_init_dev_bo): grow, retry.
 */
static int xdna_create_hwctx_ioctl(struct xdna_dev *dev, struct amdxdna_drm_create_hwctx *args)
{
	int err;

	for (;;) {
		err = xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, args);
		if (err != -EAGAIN)
			return err;
		pthread_mutex_lock(&dev->lock);
		err = xdna_heap_grow(dev);
		pthread_mutex_unlock(&dev->lock);
		if (err)
			return err;
	}
}

static int xdna_hwctx_create_failed(struct xdna_dev *dev, const struct amdxdna_drm_create_hwctx *args,
				    int err)
{
	unsigned int used, max;

	if (err == -ENOENT && !dev->heap_chunks)
		return xdna_fail(err, "CREATE_HWCTX: no device heap (create and map a DEV_HEAP BO first)");
	/*
	 * The firmware refuses a context beyond the device-wide budget
	 * (hwctx_limit in npuN_regs.c, shared by every process) and the
	 * kernel passes -EINVAL on (aie2_send_mgmt_msg_wait); the out-of-tree
	 * driver says -ENOENT (aie2_rq_add).
	 */
	if ((err == -EINVAL || err == -ENOENT || err == -EBUSY) &&
	    !xdna_hwctx_budget(dev, &used, &max) && used >= max)
		return xdna_fail(err, "CREATE_HWCTX: the device's budget of %u hardware contexts "
				 "is spent (%u in use by all processes)", max, used);
	if (err == -ENOSPC)
		return xdna_fail(err, "CREATE_HWCTX %u tiles: no room in the %u MiB device heap "
				 "for the context's command buffers", args->num_tiles,
				 (unsigned int)(dev->heap_chunks * (XDNA_HEAP_CHUNK >> 20)));
	return xdna_fail(err, "CREATE_HWCTX %u tiles: %s", args->num_tiles, xdna_strerror(err));
}

int xdna_hwctx_create(struct xdna_dev *dev, const struct xdna_hwctx_opts *opts,
		      struct xdna_hwctx **out)
{
	/* Room for the out-of-tree driver's larger QoS struct (caps.c). */
	union {
		struct amdxdna_qos_info info;
		uint32_t words[XDNA_QOS_SIZE_OOT / sizeof(uint32_t)];
	} q = { .info.priority = AMDXDNA_QOS_NORMAL_PRIORITY };
	struct amdxdna_qos_info *qos = &q.info;
	struct amdxdna_drm_create_hwctx args = { 0 };
	struct xdna_hwctx *ctx;
	int err;

	if (!dev || !out)
		return xdna_fail(-EINVAL, "xdna_hwctx_create: NULL argument");
	*out = NULL;
	err = xdna_hwctx_opts_check(opts);
	if (err)
		return err;
	pthread_mutex_lock(&dev->lock);
	err = xdna_heap_ensure(dev);
	pthread_mutex_unlock(&dev->lock);
	if (err)
		return err;
	/* user_start_col follows upstream's 24 bytes, whichever header is used */
	if (dev->caps.qos_size > XDNA_QOS_SIZE_UPSTREAM)
		q.words[XDNA_QOS_SIZE_UPSTREAM / sizeof(uint32_t)] =
			XDNA_QOS_USER_START_COL_NOT_REQUESTED;
	if (opts) {
		qos->gops = opts->gops;
		qos->fps = opts->fps;
		qos->latency = opts->latency;
		if (opts->priority)
			qos->priority = opts->priority;
		args.max_opc = opts->max_opc;
		args.num_tiles = opts->num_tiles;
		args.mem_size = opts->mem_size;
	}
	if (!args.num_tiles)
		args.num_tiles = xdna_default_tiles(dev);
	args.qos_p = (uintptr_t)&q;
	err = xdna_create_hwctx_ioctl(dev, &args);
	if (err)
		return xdna_hwctx_create_failed(dev, &args, err);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		struct amdxdna_drm_destroy_hwctx d = { .handle = args.handle };

		xdna_ioctl(dev->fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &d);
		drmSyncobjDestroy(dev->fd, args.syncobj_handle);
		return xdna_fail(-ENOMEM, "xdna_hwctx_create: out of memory");
	}
	ctx->dev = dev;
	ctx->handle = args.handle;
	ctx->syncobj = args.syncobj_handle;
	pthread_mutex_init(&ctx->trace_lock, NULL);
	xdna_trace_init(ctx);
	atomic_init(&ctx->refs, 1);
	atomic_init(&ctx->dead, false);
	pthread_mutex_lock(&dev->lock);
	xdna_list_add(&dev->hwctxs, &ctx->link);
	pthread_mutex_unlock(&dev->lock);
	*out = ctx;
	return 0;
}

struct xdna_hwctx *xdna_hwctx_get(struct xdna_hwctx *ctx)
{
	if (ctx)
		atomic_fetch_add_explicit(&ctx->refs, 1, memory_order_relaxed);
	return ctx;
}

void xdna_hwctx_put(struct xdna_hwctx *ctx)
{
	if (ctx && atomic_fetch_sub_explicit(&ctx->refs, 1, memory_order_acq_rel) == 1) {
		xdna_trace_fini(ctx);
		pthread_mutex_destroy(&ctx->trace_lock);
		free(ctx);
	}
}

/*
 * Settle the context (the kernel drains or aborts its commands on
 * DESTROY_HWCTX) and drop the user's reference: fences that still name it
 * read it as signalled until they let it go.
 */
void xdna_hwctx_free_locked(struct xdna_hwctx *ctx)
{
	struct amdxdna_drm_destroy_hwctx args = { .handle = ctx->handle };

	xdna_list_del(&ctx->link);
	/* PDI BOs first, then the context, as AMD's hwctx_kmq destructor does. */
	xdna_hwctx_free_cus_locked(ctx);
	xdna_ioctl(ctx->dev->fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &args);
	atomic_store_explicit(&ctx->dead, true, memory_order_release);
	/* The kernel made the syncobj for us; it is ours to destroy. */
	if (ctx->syncobj)
		drmSyncobjDestroy(ctx->dev->fd, ctx->syncobj);
	xdna_hwctx_put(ctx);
}

int xdna_hwctx_destroy(struct xdna_hwctx *ctx)
{
	struct xdna_dev *dev;

	if (!ctx)
		return 0;
	dev = ctx->dev;
	pthread_mutex_lock(&dev->lock);
	xdna_hwctx_free_locked(ctx);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

uint32_t xdna_hwctx_handle(const struct xdna_hwctx *ctx)
{
	return ctx ? ctx->handle : AMDXDNA_INVALID_CTX_HANDLE;
}

uint32_t xdna_hwctx_syncobj(const struct xdna_hwctx *ctx)
{
	return ctx ? ctx->syncobj : AMDXDNA_INVALID_FENCE_HANDLE;
}

int xdna_hwctx_config_cu(struct xdna_hwctx *ctx, struct xdna_bo *const *pdi,
			 const uint8_t *funcs, unsigned int n)
{
	/* The header and its flexible array of CU configs, contiguous. */
	union {
		struct amdxdna_hwctx_param_config_cu hdr;
		uint8_t bytes[sizeof(struct amdxdna_hwctx_param_config_cu) +
			      XDNA_MAX_CUS * sizeof(struct amdxdna_cu_config)];
	} cfg;
	struct amdxdna_drm_config_hwctx args;
	unsigned int i;
	int err;

	if (!ctx || !pdi || !n || n > XDNA_MAX_CUS)
		return xdna_fail(-EINVAL, "xdna_hwctx_config_cu: bad CU count %u", n);
	memset(&cfg, 0, sizeof(cfg));
	cfg.hdr.num_cus = (__u16)n;
	for (i = 0; i < n; i++) {
		if (!pdi[i])
			return xdna_fail(-EINVAL, "xdna_hwctx_config_cu: CU %u has no PDI BO", i);
		cfg.hdr.cu_configs[i].cu_bo = pdi[i]->handle;
		cfg.hdr.cu_configs[i].cu_func = funcs ? funcs[i] : 0;
	}
	args = (struct amdxdna_drm_config_hwctx){
		.handle = ctx->handle,
		.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU,
		.param_val = (uintptr_t)&cfg,
		.param_val_size = (__u32)(sizeof(cfg.hdr) + n * sizeof(cfg.hdr.cu_configs[0])),
	};
	err = xdna_ioctl(ctx->dev->fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &args);
	if (err)
		return xdna_fail(err, "CONFIG_HWCTX CONFIG_CU (%u CUs) on context %u: %s", n,
				 ctx->handle, xdna_strerror(err));
	return 0;
}

/* The CUs configured from an xclbin (xclbin_ctx.c); dev->lock held. */
void xdna_hwctx_free_cus_locked(struct xdna_hwctx *ctx)
{
	unsigned int i;

	for (i = 0; ctx->pdi_bos && i < ctx->num_cus; i++)
		if (ctx->pdi_bos[i] && --ctx->pdi_bos[i]->refs == 0)
			xdna_bo_free_locked(ctx->pdi_bos[i]);
	free(ctx->pdi_bos);
	free(ctx->cu_kernel);
	free(ctx->cu_instance);
	ctx->pdi_bos = NULL;
	ctx->cu_kernel = ctx->cu_instance = NULL;
	ctx->num_cus = 0;
}

unsigned int xdna_hwctx_num_cus(const struct xdna_hwctx *ctx)
{
	return ctx ? ctx->num_cus : 0;
}

/* By instance name first, then the first CU of a kernel of that name. */
int xdna_hwctx_cu_index(const struct xdna_hwctx *ctx, const char *name)
{
	unsigned int i;

	if (!ctx || !name)
		return xdna_fail(-EINVAL, "xdna_hwctx_cu_index: NULL argument");
	for (i = 0; i < ctx->num_cus; i++)
		if (!strcmp(ctx->cu_instance[i], name))
			return (int)i;
	for (i = 0; i < ctx->num_cus; i++)
		if (!strcmp(ctx->cu_kernel[i], name))
			return (int)i;
	return xdna_fail(-ENOENT, "context %u: no CU for kernel \"%s\" (%u CUs)", ctx->handle,
			 name, ctx->num_cus);
}
