// SPDX-License-Identifier: MIT
/*
 * xdna-emu: hardware contexts (amdxdna_ctx.c, aie2_ctx.c, aie2_message.c):
 * CREATE_HWCTX, DESTROY_HWCTX, CONFIG_HWCTX and each context's lifetime.
 *
 * Each context has a worker thread (emu_exec.c) that runs its commands in
 * submission order; creating a context starts it, destroying one drains
 * and stops it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"
#include "emu_devshm.h"

struct emu_ctx *emu_ctx_lookup(struct emu_file *f, uint32_t handle)
{
	if (!handle || handle > EMU_MAX_HWCTX_ID)
		return NULL;
	return f->ctx[handle];
}

/* The counters GET_ARRAY shows, into the device segment. */
void emu_ctx_publish_locked(struct emu_ctx *ctx)
{
	struct emu_devshm_counters c = {
		.submissions = ctx->submitted,
		.completions = ctx->completed,
		.errors = ctx->errors,
		.heap_usage = ctx->file->heap.used,
	};

	emu_devshm_ctx_update(ctx->devshm_slot, &c);
}

/* ---- context lifetime ---- */

/*
 * RULES.md CTX-DESTROY-DRAIN: from 7.0, aie2_hwctx_wait_for_idle() gives the
 * last fence up to 2 s before the firmware context goes (and with it every
 * command still queued: ABORT); earlier drivers destroy it first.
 */
static void emu_ctx_drain_locked(struct emu_ctx *ctx)
{
	unsigned int ms = ctx->file->flavour->destroy_wait_ms;
	struct timespec deadline;

	if (!ms || ctx->orphaned)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	emu_timespec_add_ms(&deadline, ms);
	while (ctx->head && !(ctx->head->stall && !ctx->head->next))
		if (emu_wait(&deadline) == ETIMEDOUT)
			break;
}

/*
 * RULES.md CTX-CMD-BUFS: aie2_hwctx_init() takes HWCTX_MAX_CMDS DEV BOs of
 * MAX_CHAIN_CMDBUF_SIZE (4 KiB, so one 32 KiB slot each) from the heap.
 */
static int emu_ctx_cmd_bufs_alloc_locked(struct emu_ctx *ctx)
{
	int ret;

	while (ctx->ncmd_bufs < EMU_MAX_CMDS) {
		ret = emu_heap_carve_locked(ctx->file, EMU_CMD_BUF_SIZE,
					    &ctx->cmd_buf_off[ctx->ncmd_bufs]);
		if (ret)
			return ret;
		ctx->ncmd_bufs++;
	}
	return 0;
}

static void emu_ctx_cmd_bufs_free_locked(struct emu_ctx *ctx)
{
	while (ctx->ncmd_bufs)
		emu_heap_uncarve_locked(ctx->file, ctx->cmd_buf_off[--ctx->ncmd_bufs]);
}

/* The context is already unreachable from its file's table. */
static void emu_ctx_destroy_locked(struct emu_ctx *ctx)
{
	emu_ctx_drain_locked(ctx);
	ctx->dying = true;
	emu_broadcast();
	if (ctx->orphaned) {
		emu_ctx_abort_all_locked(ctx);
	} else {
		while (!ctx->worker_done)
			emu_wait(NULL);
		pthread_join(ctx->thread, NULL);
	}
	while (ctx->waiters)
		emu_wait(NULL);
	emu_ctx_cmd_bufs_free_locked(ctx);
	emu_devshm_ctx_del(ctx->devshm_slot);
	emu_syncobj_put_locked(ctx->syncobj);
	free(ctx->cus);
	free(ctx);
	emu.census.hwctxs--;
}

void emu_file_drop_ctxs_locked(struct emu_file *f)
{
	uint32_t i;

	for (i = 1; i <= EMU_MAX_HWCTX_ID; i++) {
		struct emu_ctx *ctx = f->ctx[i];

		if (!ctx)
			continue;
		f->ctx[i] = NULL;
		emu_ctx_destroy_locked(ctx);
	}
}

void emu_ctx_orphan_all(void)
{
	struct emu_file *f;
	uint32_t i;

	for (f = emu.files; f; f = f->next) {
		for (i = 1; i <= EMU_MAX_HWCTX_ID; i++) {
			if (!f->ctx[i])
				continue;
			f->ctx[i]->orphaned = true;
			f->ctx[i]->waiters = 0;
			/* The parent's entry: its slot is not ours. */
			f->ctx[i]->devshm_slot = -1;
		}
	}
}

static int emu_ctx_start(struct emu_ctx *ctx)
{
	sigset_t all, old;
	int ret;

	/* The worker must not take the application's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&ctx->thread, NULL, emu_ctx_worker, ctx);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

/* xa_alloc_cyclic(&hwctx_xa, ..., XA_LIMIT(1, MAX_HWCTX_ID), &next) */
static int emu_ctx_id_alloc(struct emu_file *f, uint32_t *id)
{
	uint32_t i, h;

	for (i = 0; i < EMU_MAX_HWCTX_ID; i++) {
		h = (f->next_ctx_id - 1 + i) % EMU_MAX_HWCTX_ID + 1;
		if (!f->ctx[h]) {
			*id = h;
			f->next_ctx_id = h % EMU_MAX_HWCTX_ID + 1;
			return 0;
		}
	}
	return -EBUSY;
}

static bool emu_qos_priority_ok(uint32_t prio)
{
	return !prio || prio == AMDXDNA_QOS_REALTIME_PRIORITY ||
	       prio == AMDXDNA_QOS_HIGH_PRIORITY ||
	       prio == AMDXDNA_QOS_NORMAL_PRIORITY ||
	       prio == AMDXDNA_QOS_LOW_PRIORITY;
}

/*
 * RULES.md CTX-HEAP: no heap is -ENOENT (aie2_hwctx_init); the context's
 * command buffers are DEV BOs, so an unmapped heap fails as a DEV BO does:
 * -EINVAL with one heap, -EAGAIN with chunked heaps (amdxdna_init_dev_bo).
 */
static int emu_ctx_check_heap(struct emu_file *f)
{
	struct emu_heap *h = &f->heap;

	if (!h->nchunks)
		return -ENOENT;
	if (h->chunk[0]->uva == AMDXDNA_INVALID_ADDR)
		return f->flavour->heap == EMU_HEAP_SINGLE ? -EINVAL : -EAGAIN;
	return 0;
}

/* RULES.md CTX-COLS: aie2_hwctx_col_list(). */
static int emu_ctx_cols(struct emu_file *f, uint32_t num_tiles, uint32_t *num_col,
			uint32_t *start_col)
{
	const struct emu_device *d = f->device;
	uint32_t n = num_tiles / EMU_CORE_ROWS;

	if (!num_tiles || !n || n > d->cols)
		return -EINVAL;
	*num_col = n;
	*start_col = d->first_col && d->cols - n ? d->first_col : 0;
	return 0;
}

/*
 * RULES.md CTX-BUDGET: the device takes at most hwctx_limit contexts over
 * all processes (npuN_regs.c).  Upstream does not count them itself: the
 * firmware refuses CREATE_CONTEXT and aie2_send_mgmt_msg_wait()
 * (aie2_message.c) turns a failed status into -EINVAL; the exact count the
 * firmware allows only a Ryzen AI machine can confirm.  The out-of-tree
 * driver counts them (aie2_ctx_runqueue.c aie2_rq_add: ctx_limit, -ENOENT)
 * and time-shares up to that many.  The count lives in the device-wide
 * segment (emu_devshm.c), checked and taken under its lock.
 */
static int emu_ctx_devshm_add(struct emu_ctx *ctx)
{
	struct emu_devshm_ctx e = {
		.context_id = ctx->handle,
		.start_col = ctx->start_col,
		.num_col = ctx->num_col,
		.priority = ctx->qos.priority,
		.gops = ctx->qos.gops,
		.fps = ctx->qos.fps,
		.dma_bandwidth = ctx->qos.dma_bandwidth,
		.latency = ctx->qos.latency,
		.frame_exec_time = ctx->qos.frame_exec_time,
		.heap_usage = ctx->file->heap.used,
	};
	const struct emu_device *d = ctx->file->device;
	bool oot = ctx->file->flavour->ctx_limit_oot;
	int slot = emu_devshm_ctx_add(&e, oot ? d->oot_ctx_limit : d->hwctx_limit);

	if (slot == -EBUSY)
		return oot ? -ENOENT : -EINVAL;
	if (slot < 0)
		return slot;
	ctx->devshm_slot = slot;
	return 0;
}

int emu_ioctl_create_hwctx(struct emu_file *f, void *data)
{
	struct amdxdna_drm_create_hwctx *args = data;
	uint8_t qos_buf[EMU_QOS_SIZE_MAX];
	struct amdxdna_qos_info qos;
	uint32_t id, num_col, start_col;
	struct emu_ctx *ctx;
	int ret;

	if (emu_fault_hit(EMU_FAULT_CREATE_HWCTX))
		return -ENOMEM;
	if (args->ext || args->ext_flags)
		return -EINVAL;
	if (!args->qos_p)
		return -EFAULT;		/* copy_from_user(NULL) */
	/*
	 * RULES.md CTX-QOS-SIZE: copy_from_user(sizeof(qos)): 24 bytes
	 * upstream, 32 in the out-of-tree driver (user_start_col, reserved).
	 */
	ret = emu_copy_from_user(qos_buf, args->qos_p,
				 f->flavour->qos_size ? f->flavour->qos_size : sizeof(qos));
	if (ret)
		return ret;
	memcpy(&qos, qos_buf, sizeof(qos));
	if (!emu_qos_priority_ok(qos.priority))
		return -EINVAL;
	ret = emu_ctx_check_heap(f);
	if (ret)
		return ret;
	ret = emu_ctx_cols(f, args->num_tiles, &num_col, &start_col);
	if (ret)
		return ret;
	ret = emu_ctx_id_alloc(f, &id);
	if (ret)
		return ret;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->handle = id;
	ctx->file = f;
	ctx->qos = qos;
	ctx->num_tiles = args->num_tiles;
	ctx->num_col = num_col;
	ctx->start_col = start_col;
	/* RULES.md EXEC-SEQ-0: job->seq = hwctx->priv->seq++ on a zeroed priv */
	ctx->next_seq = 0;
	ctx->delay_us = f->delay_us;
	ctx->devshm_slot = -1;
	ret = emu_ctx_devshm_add(ctx);
	if (ret) {
		free(ctx);
		return ret;
	}
	ctx->syncobj = emu_syncobj_new();
	if (!ctx->syncobj) {
		emu_devshm_ctx_del(ctx->devshm_slot);
		free(ctx);
		return -ENOMEM;
	}
	ret = emu_ctx_cmd_bufs_alloc_locked(ctx);
	if (!ret)
		ret = emu_syncobj_handle_alloc_locked(f, ctx->syncobj,
						      &ctx->syncobj_handle);
	if (!ret)
		ret = emu_ctx_start(ctx);
	if (ret) {
		emu_ctx_cmd_bufs_free_locked(ctx);
		emu_devshm_ctx_del(ctx->devshm_slot);
		if (ctx->syncobj_handle) {
			f->sync[ctx->syncobj_handle] = NULL;
			emu_syncobj_put_locked(ctx->syncobj);
		}
		emu_syncobj_put_locked(ctx->syncobj);
		free(ctx);
		return ret;
	}
	f->ctx[id] = ctx;
	emu.census.hwctxs++;
	args->handle = id;
	args->syncobj_handle = ctx->syncobj_handle;
	args->umq_doorbell = 0;
	return 0;
}

int emu_ioctl_destroy_hwctx(struct emu_file *f, void *data)
{
	struct amdxdna_drm_destroy_hwctx *args = data;
	struct emu_ctx *ctx;

	if (args->pad)
		return -EINVAL;
	ctx = emu_ctx_lookup(f, args->handle);
	if (!ctx)
		return -EINVAL;
	f->ctx[args->handle] = NULL;
	emu_ctx_destroy_locked(ctx);
	return 0;
}

/* ---- CONFIG_HWCTX ---- */

/*
 * The emulator's PDI: magic, then the NUL-terminated kernel name; from
 * xclbin-pack, then also the design tag and the design's UUID (xdna_emu.h).
 * Anything else is not a PDI: the firmware refuses it (-EINVAL).  A
 * well-formed design PDI whose design has no CPU model is accepted, and
 * its commands end in ERROR (emu_cu_run).
 */
static int emu_pdi_parse_locked(struct emu_bo *bo, struct emu_cu *cu)
{
	const char *p = emu_bo_dev_ptr(bo);
	size_t room = bo->size - XDNA_EMU_PDI_MAGIC_LEN, n, rest;

	if (bo->size <= XDNA_EMU_PDI_MAGIC_LEN ||
	    memcmp(p, XDNA_EMU_PDI_MAGIC, XDNA_EMU_PDI_MAGIC_LEN))
		return -EINVAL;
	p += XDNA_EMU_PDI_MAGIC_LEN;
	if (room > EMU_KERNEL_NAME_MAX)
		room = EMU_KERNEL_NAME_MAX;
	n = strnlen(p, room);
	if (!n || n == room)
		return -EINVAL;
	memcpy(cu->kernel, p, n);
	cu->kernel[n] = '\0';
	rest = bo->size - XDNA_EMU_PDI_MAGIC_LEN - n - 1;
	p += n + 1;
	if (rest >= XDNA_EMU_PDI_DESIGN_TAG_LEN + 16 &&
	    !memcmp(p, XDNA_EMU_PDI_DESIGN_TAG, XDNA_EMU_PDI_DESIGN_TAG_LEN)) {
		cu->has_design = true;
		memcpy(cu->design, p + XDNA_EMU_PDI_DESIGN_TAG_LEN, 16);
		cu->fn = emu_model_find_locked(cu->design, cu->kernel);
		return 0;
	}
	cu->fn = emu_kernel_find_locked(cu->kernel);
	return cu->fn ? 0 : -EINVAL;	/* firmware rejected the PDI */
}

/* aie2_hwctx_cu_config() + aie2_config_cu() */
static int emu_ctx_config_cu(struct emu_file *f, struct emu_ctx *ctx,
			     const void *buf, uint32_t size)
{
	const struct amdxdna_hwctx_param_config_cu *cfg = buf;
	struct emu_cu *cus;
	uint32_t i;
	int ret = 0;

	if (cfg->pad[0] || cfg->pad[1] || cfg->pad[2])
		return -EINVAL;
	if (ctx->cus)
		return -EINVAL;		/* no re-config */
	if (!cfg->num_cus)
		return -EINVAL;
	if (sizeof(*cfg) + (size_t)cfg->num_cus * sizeof(cfg->cu_configs[0]) >
	    size)
		return -EINVAL;
	if (cfg->num_cus > EMU_MAX_NUM_CUS)
		return -EINVAL;
	cus = calloc(cfg->num_cus, sizeof(*cus));
	if (!cus)
		return -ENOMEM;
	for (i = 0; !ret && i < cfg->num_cus; i++) {
		struct emu_bo *bo = emu_bo_lookup(f, cfg->cu_configs[i].cu_bo);

		if (!bo || bo->type != AMDXDNA_BO_DEV) {
			ret = -EINVAL;
			break;
		}
		cus[i].func = cfg->cu_configs[i].cu_func;
		ret = emu_pdi_parse_locked(bo, &cus[i]);
		/*
		 * RULES.md CONFIG_CU_ASYNC: from 6.18 CONFIG_CU goes to the
		 * firmware with xdna_mailbox_send_msg() and its answer is not
		 * waited for (aie2_config_cu_resp_handler ignores the status),
		 * so a refused PDI shows as ERROR on the CU's commands.
		 */
		if (ret == -EINVAL && f->flavour->config_cu_async) {
			cus[i].rejected = true;
			ret = 0;
		}
	}
	if (ret) {
		free(cus);
		return ret;
	}
	ctx->cus = cus;
	ctx->num_cus = cfg->num_cus;
	return 0;
}

int emu_ioctl_config_hwctx(struct emu_file *f, void *data)
{
	struct amdxdna_drm_config_hwctx *args = data;
	uint8_t buf[EMU_PAGE];
	struct emu_ctx *ctx;

	if (emu_fault_hit(EMU_FAULT_CONFIG_HWCTX))
		return -EIO;		/* the firmware's mailbox */
	if (args->pad)
		return -EINVAL;
	switch (args->param_type) {
	case DRM_AMDXDNA_HWCTX_CONFIG_CU:
		if (args->param_val_size > EMU_PAGE)
			return -E2BIG;
		memset(buf, 0, sizeof(buf));
		if (args->param_val_size && !args->param_val)
			return -EFAULT;
		if (args->param_val_size &&
		    emu_copy_from_user(buf, args->param_val, args->param_val_size))
			return -EFAULT;
		break;
	case DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF:
	case DRM_AMDXDNA_HWCTX_REMOVE_DBG_BUF:
		break;
	default:
		return -EINVAL;
	}
	ctx = emu_ctx_lookup(f, args->handle);
	if (!ctx)
		return -EINVAL;
	if (args->param_type != DRM_AMDXDNA_HWCTX_CONFIG_CU)
		return -EOPNOTSUPP;
	return emu_ctx_config_cu(f, ctx, buf, args->param_val_size);
}
