// SPDX-License-Identifier: MIT
/*
 * xdna-emu: hardware contexts and command execution (amdxdna_ctx.c,
 * aie2_ctx.c, aie2_message.c).
 *
 * Each context has a worker thread that runs its commands in submission
 * order: it waits XDNA_EMU_DELAY_US, parses the ERT packet in the command
 * BO, calls the emulated kernel of the addressed CU, writes the final
 * state into the packet header and signals the command's point on the
 * context's timeline syncobj.  At most EMU_MAX_CMDS commands are in flight
 * per context; a further EXEC blocks until one completes, like the
 * kernel's job semaphore.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"
#include "emu_devshm.h"

/* A BO a running command may touch, in device address space. */
struct emu_span {
	uint64_t lo, hi;
	uint8_t *kva;
};

struct emu_exec {
	struct emu_span *spans;
	uint32_t nspans;
};

static struct emu_ctx *emu_ctx_lookup(struct emu_file *f, uint32_t handle)
{
	if (!handle || handle > EMU_MAX_HWCTX_ID)
		return NULL;
	return f->ctx[handle];
}

/* The counters GET_ARRAY shows, into the device segment. */
static void emu_ctx_publish_locked(struct emu_ctx *ctx)
{
	struct emu_devshm_counters c = {
		.submissions = ctx->submitted,
		.completions = ctx->completed,
		.errors = ctx->errors,
		.heap_usage = ctx->file->heap.used,
	};

	emu_devshm_ctx_update(ctx->devshm_slot, &c);
}

/* ---- command completion ---- */

static void emu_cmd_set_state(struct emu_bo *cmd, uint32_t state)
{
	uint32_t *hdr = cmd->mem->kva;

	*hdr = (*hdr & ~XDNA_ERT_STATE_MASK) | state;
}

static void emu_job_free_locked(struct emu_job *job)
{
	uint32_t i;

	for (i = 0; i < job->nbos; i++)
		emu_bo_put_locked(job->bos[i]);
	free(job->bos);
	emu_bo_put_locked(job->cmd);
	emu_fence_put(job->fence);
	free(job);
}

/*
 * RULES.md CMD-FAIL-FILL: amdxdna_cmd_set_error() (7.0-rc3 on) fills the
 * payload of an ERROR/ABORT/TIMEOUT command with 0xff before the state.
 */
static void emu_cmd_fill_failed(struct emu_ctx *ctx, struct emu_bo *cmd, uint32_t state)
{
	if (!ctx->file->flavour->fill_failed_payload || state == XDNA_ERT_CMD_STATE_COMPLETED)
		return;
	memset((uint8_t *)cmd->mem->kva + sizeof(uint32_t), 0xff, cmd->size - sizeof(uint32_t));
}

/* The head job is done: state into the packet, signal its point. */
static void emu_job_complete_locked(struct emu_ctx *ctx, uint32_t state,
				    int error)
{
	struct emu_job *job = ctx->head;

	ctx->head = job->next;
	if (!ctx->head)
		ctx->tail = NULL;
	else
		clock_gettime(CLOCK_MONOTONIC, &ctx->head->started);
	emu_cmd_fill_failed(ctx, job->cmd, state);
	emu_cmd_set_state(job->cmd, state);
	ctx->inflight--;
	ctx->completed++;
	if (state != XDNA_ERT_CMD_STATE_COMPLETED)
		ctx->errors++;
	emu.census.cmds_inflight--;
	emu.census.cmds_completed++;
	emu_ctx_publish_locked(ctx);
	emu_fence_signal_locked(job->fence, error);
	emu_job_free_locked(job);
}

static void emu_ctx_abort_all_locked(struct emu_ctx *ctx)
{
	while (ctx->head)
		emu_job_complete_locked(ctx, XDNA_ERT_CMD_STATE_ABORT,
					-ECANCELED);
}

/* ---- running a command ---- */

static void *emu_kmap(const struct xdna_emu_kcall *call, uint64_t addr,
		      uint64_t len)
{
	const struct emu_exec *ex = call->priv;
	uint32_t i;

	if (addr + len < addr)
		return NULL;
	for (i = 0; i < ex->nspans; i++) {
		const struct emu_span *s = &ex->spans[i];

		if (addr >= s->lo && addr + len <= s->hi)
			return s->kva + (addr - s->lo);
	}
	return NULL;
}

/*
 * What the NPU can reach for this command: the argument BOs, at their
 * device addresses (PASID mode: a SHARE/CMD BO's user address, which it
 * only has while mapped).
 */
static int emu_exec_prepare_locked(struct emu_exec *ex, struct emu_job *job)
{
	uint32_t i;

	ex->nspans = 0;
	ex->spans = calloc(job->nbos ? job->nbos : 1, sizeof(*ex->spans));
	if (!ex->spans)
		return -ENOMEM;
	for (i = 0; i < job->nbos; i++) {
		struct emu_bo *bo = job->bos[i];
		struct emu_span *s = &ex->spans[ex->nspans];

		if (bo->type == AMDXDNA_BO_DEV ||
		    bo->type == AMDXDNA_BO_DEV_HEAP) {
			s->lo = bo->dev_addr;
		} else if (bo->uva != AMDXDNA_INVALID_ADDR) {
			s->lo = bo->uva;
		} else {
			continue;
		}
		s->hi = s->lo + bo->size;
		s->kva = emu_bo_dev_ptr(bo);
		ex->nspans++;
	}
	return 0;
}

/* Parse the ERT packet (amdxdna_cmd_get_payload/get_cu_idx) and run it. */
static uint32_t emu_exec_run(struct emu_ctx *ctx, struct emu_job *job,
			     struct emu_exec *ex)
{
	static const uint32_t error = XDNA_ERT_CMD_STATE_ERROR;
	const uint32_t *cmd = job->cmd->mem->kva;
	uint32_t args[XDNA_ERT_MAX_COUNT];
	uint32_t hdr = cmd[0], op, count, nmasks, plen, i;
	const uint32_t *payload;
	struct xdna_emu_kcall call;
	int cu = -1;

	if (job->force_error)
		return error;
	op = (hdr & XDNA_ERT_OPCODE_MASK) >> XDNA_ERT_OPCODE_SHIFT;
	count = (hdr & XDNA_ERT_COUNT_MASK) >> XDNA_ERT_COUNT_SHIFT;
	nmasks = 1 + ((hdr & XDNA_ERT_EXTRA_CU_MASK_MASK) >>
		      XDNA_ERT_EXTRA_CU_MASK_SHIFT);
	if (op != XDNA_ERT_START_CU && op != XDNA_ERT_START_NPU)
		return error;
	if ((1 + (uint64_t)count) * 4 > job->cmd->size || count <= nmasks)
		return error;
	for (i = 0; i < nmasks && cu < 0; i++) {
		if (cmd[1 + i])
			cu = __builtin_ffs((int)cmd[1 + i]) - 1;
	}
	if (cu < 0 || cu >= ctx->num_cus)
		return error;
	payload = cmd + 1 + nmasks;
	plen = count - nmasks;
	if (op == XDNA_ERT_START_NPU) {
		uint64_t inst;
		uint32_t isize, props;

		if (plen < 4)
			return error;
		inst = payload[0] | (uint64_t)payload[1] << 32;
		isize = payload[2];
		props = payload[3];
		if ((uint64_t)props + 4 > plen)
			return error;
		if (isize && !emu_kmap(&(struct xdna_emu_kcall){ .priv = ex },
				       inst, isize))
			return error;
		payload += 4 + props;
		plen -= 4 + props;
	}
	memcpy(args, payload, plen * sizeof(*args));
	call = (struct xdna_emu_kcall){
		.kernel = ctx->cus[cu].kernel,
		.cu_func = ctx->cus[cu].func,
		.args = args,
		.nargs = plen,
		.map = emu_kmap,
		.priv = ex,
	};
	if (ctx->cus[cu].rejected)
		return error;
	if (!ctx->cus[cu].fn) {
		if (!__atomic_exchange_n(&ctx->cus[cu].told, true, __ATOMIC_RELAXED)) {
			char u[40];
			const uint8_t *d = ctx->cus[cu].design;

			snprintf(u, sizeof(u), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
				 "%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4], d[5],
				 d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
			fprintf(stderr, "xdna-emu: no CPU model for design %s kernel %s: "
				"command ends in ERROR\n", u, ctx->cus[cu].kernel);
		}
		return error;
	}
	if (ctx->cus[cu].fn(&call))
		return error;
	return XDNA_ERT_CMD_STATE_COMPLETED;
}

static void emu_sleep_us(unsigned int us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Runs the head job; drops emu.lock while the "NPU" works. */
static void emu_ctx_run_locked(struct emu_ctx *ctx, struct emu_job *job)
{
	struct emu_exec ex;
	uint32_t state = XDNA_ERT_CMD_STATE_ERROR;
	int ret;

	ret = emu_exec_prepare_locked(&ex, job);
	emu_cmd_set_state(job->cmd, XDNA_ERT_CMD_STATE_NEW);
	emu_unlock();
	if (ctx->delay_us)
		emu_sleep_us(ctx->delay_us);
	if (!ret)
		state = emu_exec_run(ctx, job, &ex);
	free(ex.spans);
	emu_lock();
	emu_job_complete_locked(ctx, state, 0);
}

/*
 * RULES.md JOB_TIMEOUT: a command the firmware never answers.  From 7.0 the
 * drm_sched timeout (HWCTX_MAX_TIMEOUT, 60 s) ends it in TIMEOUT with its
 * payload filled (aie2_sched_job_timedout -> amdxdna_cmd_set_error, 7.0-rc3)
 * and the context goes on; earlier drivers restart the context without
 * writing a state, which is not modelled: the command stays stalled.
 */
static void emu_ctx_stalled_locked(struct emu_ctx *ctx, struct emu_job *job)
{
	unsigned int ms = ctx->file->job_timeout_ms;
	struct timespec deadline = job->started;

	if (!ms) {
		emu_wait(NULL);
		return;
	}
	emu_timespec_add_ms(&deadline, ms);
	if (emu_wait(&deadline) == ETIMEDOUT && ctx->head == job && !ctx->dying)
		emu_job_complete_locked(ctx, XDNA_ERT_CMD_STATE_TIMEOUT, -ETIME);
}

static void *emu_ctx_worker(void *arg)
{
	struct emu_ctx *ctx = arg;

	emu_lock();
	while (!ctx->dying) {
		struct emu_job *job = ctx->head;

		if (!job) {
			emu_wait(NULL);
			continue;
		}
		if (job->stall) {
			emu_ctx_stalled_locked(ctx, job);
			continue;
		}
		emu_ctx_run_locked(ctx, job);
	}
	emu_ctx_abort_all_locked(ctx);
	ctx->worker_done = true;
	emu_broadcast();
	emu_unlock();
	return NULL;
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

/* ---- EXEC_CMD ---- */

static void emu_put_bos_locked(struct emu_bo **bos, uint32_t n)
{
	while (n-- > 0)
		emu_bo_put_locked(bos[n]);
	free(bos);
}

/* References on every argument BO, or -ENOENT. */
static int emu_exec_args_locked(struct emu_file *f, uint64_t uargs,
				uint32_t count, struct emu_bo ***out)
{
	uint32_t *handles;
	struct emu_bo **bos;
	uint32_t i;
	int ret;

	if (count && !uargs)
		return -EFAULT;
	handles = emu_user_dup(uargs, (size_t)count * sizeof(*handles), &ret);
	if (!handles)
		return ret ?: -EFAULT;
	bos = calloc(count ? count : 1, sizeof(*bos));
	if (!bos) {
		free(handles);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		bos[i] = emu_bo_lookup(f, handles[i]);
		if (!bos[i]) {
			emu_put_bos_locked(bos, i);
			free(handles);
			return -ENOENT;
		}
		emu_bo_get(bos[i]);
	}
	free(handles);
	*out = bos;
	return 0;
}

/* down_interruptible(&job_sem): wait for one of EMU_MAX_CMDS slots. */
static int emu_ctx_slot_wait_locked(struct emu_ctx *ctx)
{
	ctx->waiters++;
	while (ctx->inflight >= EMU_MAX_CMDS && !ctx->dying)
		emu_wait(NULL);
	ctx->waiters--;
	emu_broadcast();
	return ctx->dying ? -EINVAL : 0;
}

static int emu_ctx_queue_locked(struct emu_ctx *ctx, struct emu_bo *cmd,
				struct emu_bo **bos, uint32_t nbos,
				__u64 *seq)
{
	struct emu_job *job = calloc(1, sizeof(*job));
	int ret;

	if (!job)
		return -ENOMEM;
	job->fence = emu_fence_new_job();
	if (!job->fence) {
		free(job);
		return -ENOMEM;
	}
	job->seq = ctx->next_seq;
	ret = emu_syncobj_add_point_locked(ctx->syncobj, job->fence,
					   job->seq);
	if (ret) {
		emu_fence_put(job->fence);
		free(job);
		return ret;
	}
	ctx->next_seq++;
	job->cmd = cmd;
	job->bos = bos;
	job->nbos = nbos;
	job->force_error = emu_fault_hit(EMU_FAULT_EXEC);
	job->stall = emu_fault_hit(EMU_FAULT_STALL);
	if (ctx->tail)
		ctx->tail->next = job;
	else
		ctx->head = job;
	if (ctx->head == job)
		clock_gettime(CLOCK_MONOTONIC, &job->started);
	ctx->tail = job;
	ctx->inflight++;
	ctx->submitted++;
	emu_ctx_publish_locked(ctx);
	emu.census.cmds_inflight++;
	emu.census.cmds_submitted++;
	emu_broadcast();
	*seq = job->seq;
	return 0;
}

int emu_ioctl_exec_cmd(struct emu_file *f, void *data)
{
	struct amdxdna_drm_exec_cmd *args = data;
	struct emu_bo *cmd, **bos;
	struct emu_ctx *ctx;
	int ret;

	if (args->ext || args->ext_flags)
		return -EINVAL;
	if (args->type != AMDXDNA_CMD_SUBMIT_EXEC_BUF)
		return -EINVAL;
	if (args->arg_count > EMU_MAX_ARG_COUNT || args->cmd_count != 1)
		return -EINVAL;
	/* RULES.md EXEC-NO-ARGS: 6.14 refuses arg_count 0 */
	if (!args->arg_count && f->flavour->exec_needs_args)
		return -EINVAL;
	cmd = emu_bo_lookup(f, (uint32_t)args->cmd_handles);
	/* RULES.md EXEC-CMD-BO: a CMD BO, or any SHARE BO once CMD is SHARE */
	if (!cmd || !(cmd->type == AMDXDNA_BO_CMD ||
		      (f->flavour->cmd_bo_share && cmd->type == AMDXDNA_BO_SHARE && cmd->mem)))
		return -EINVAL;
	ret = emu_exec_args_locked(f, args->args, args->arg_count, &bos);
	if (ret)
		return ret;
	emu_bo_get(cmd);
	ctx = emu_ctx_lookup(f, args->hwctx);
	if (!ctx || !ctx->cus)
		ret = -EINVAL;		/* no such context / CU not configured */
	if (!ret)
		ret = emu_ctx_slot_wait_locked(ctx);
	if (!ret)
		ret = emu_ctx_queue_locked(ctx, cmd, bos, args->arg_count,
					   &args->seq);
	if (ret) {
		emu_bo_put_locked(cmd);
		emu_put_bos_locked(bos, args->arg_count);
	}
	return ret;
}

/* ---- WAIT_CMD (out-of-tree driver only) ---- */

int emu_ioctl_wait_cmd(struct emu_file *f, void *data)
{
	struct amdxdna_drm_wait_cmd *args = data;
	struct emu_syncobj *s;
	struct timespec ts, *deadline = NULL;
	struct emu_ctx *ctx;
	int ret = 0, st;

	/* RULES.md IOCTL-WAIT-CMD: latest has the ioctl, AIE2 no cmd_wait */
	if (f->flavour->wait_cmd == EMU_WAIT_CMD_EOPNOTSUPP)
		return -EOPNOTSUPP;
	ctx = emu_ctx_lookup(f, args->hwctx);
	if (!ctx || args->seq >= ctx->next_seq)
		return -EINVAL;
	if (args->timeout) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		emu_timespec_add_ms(&ts, args->timeout);
		deadline = &ts;
	}
	s = ctx->syncobj;
	s->refs++;
	while ((st = emu_syncobj_point_state(s, args->seq)) !=
	       EMU_PT_SIGNALED) {
		if (st == EMU_PT_NONE) {
			ret = -EINVAL;
			break;
		}
		if (emu_wait(deadline) == ETIMEDOUT &&
		    emu_syncobj_point_state(s, args->seq) != EMU_PT_SIGNALED) {
			ret = -ETIME;
			break;
		}
	}
	emu_syncobj_put_locked(s);
	return ret;
}
