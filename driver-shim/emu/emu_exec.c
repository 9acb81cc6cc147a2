// SPDX-License-Identifier: MIT
/*
 * xdna-emu: command execution (amdxdna_ctx.c, aie2_ctx.c, aie2_message.c).
 *
 * Each context has a worker thread that runs its commands in submission
 * order: it waits XDNA_EMU_DELAY_US, parses the ERT packet in the command
 * BO, calls the emulated kernel of the addressed CU, writes the final
 * state into the packet header and signals the command's point on the
 * context's timeline syncobj.  At most EMU_MAX_CMDS commands are in flight
 * per context; a further EXEC blocks until one completes, like the
 * kernel's job semaphore.  The contexts themselves are in emu_ctx.c.
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

void emu_ctx_abort_all_locked(struct emu_ctx *ctx)
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
		.tv_sec = (time_t)(us / EMU_USEC_PER_SEC),
		.tv_nsec = (long)((us % EMU_USEC_PER_SEC) * EMU_NSEC_PER_USEC),
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

void *emu_ctx_worker(void *arg)
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
	/*
	 * Fault exec_cmd: the submit itself fails, as when the job's fence
	 * cannot be allocated (amdxdna_cmd_submit: amdxdna_fence_create()
	 * NULL -> -ENOMEM, T @098456f3 amdxdna_ctx.c, O @856409ca), after the
	 * context and BO lookups and before the job_sem wait.
	 */
	if (!ret && emu_fault_hit(EMU_FAULT_EXEC_CMD))
		ret = -ENOMEM;
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
