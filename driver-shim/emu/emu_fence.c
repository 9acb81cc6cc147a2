// SPDX-License-Identifier: MIT
/*
 * xdna-emu: fences, the part of drivers/dma-buf the syncobjs see.
 *
 * Three kinds, as in the kernel:
 *   - a plain fence (a job's out-fence, the signalled stub): signalled once;
 *   - a merged fence (dma_fence_array from dma_fence_unwrap_merge()):
 *     signalled when all its leaves are;
 *   - a chain node (struct dma_fence_chain): seqno, context, prev_seqno, a
 *     contained fence and the previous fence of the timeline; signalled
 *     when its contained fence and everything before it are.
 *
 * Sources: dma-fence-chain.c is cited from intel-lab-lkp/linux
 * drivers/dma-buf/dma-fence-chain.c commit
 * 05a0a11b242f408e054039637df61f3a055dd697 (gregkh/linux ee6bf57ad14c's
 * tree is not in the index; torvalds/linux 14d2bd53a47a's older copy has
 * the same find_seqno/walk/init logic).  Everything runs under emu.lock,
 * so the kernel's RCU and cmpxchg become plain loads and stores.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "emu.h"

/* dma_fence_context_alloc(): chain contexts from 1; plain fences use 0 */
static uint64_t emu_fence_next_context = 1;

static struct emu_fence *emu_fence_alloc(enum emu_fence_kind kind)
{
	struct emu_fence *fence = calloc(1, sizeof(*fence));

	if (!fence)
		return NULL;
	fence->refs = 1;
	fence->kind = kind;
	return fence;
}

uint64_t emu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * EMU_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* A pending fence, or a signalled private stub stamped now
 * (dma_fence_allocate_private_stub(ktime_get())). */
struct emu_fence *emu_fence_new(bool signaled)
{
	struct emu_fence *fence = emu_fence_alloc(EMU_FENCE_PLAIN);

	if (fence && signaled) {
		fence->signaled = true;
		fence->timestamp_ns = emu_now_ns();
	}
	return fence;
}

/* A job's out-fence: drm_sched's finished fence (aie2_cmd_submit). */
struct emu_fence *emu_fence_new_job(void)
{
	struct emu_fence *fence = emu_fence_new(false);

	if (fence)
		fence->origin = EMU_FENCE_SCHED;
	return fence;
}

/*
 * dma_fence_get_stub(): the one global stub, signalled at its first use
 * (on a real system during boot, by whichever driver asks first), which is
 * what a signalled and collected timeline point resolves to
 * (drm_syncobj_find_fence()).  Its timestamp is that first use, not the
 * point's signal time; here, when the emulator was loaded.  A copy per use.
 */
static uint64_t emu_stub_timestamp_ns;

__attribute__((constructor)) static void emu_fence_stub_init(void)
{
	emu_stub_timestamp_ns = emu_now_ns();
}

struct emu_fence *emu_fence_stub(void)
{
	struct emu_fence *fence = emu_fence_new(true);

	if (fence)
		fence->timestamp_ns = emu_stub_timestamp_ns;
	return fence;
}

struct emu_fence *emu_fence_get(struct emu_fence *fence)
{
	if (fence)
		fence->refs++;
	return fence;
}

/* Iterative along prev so that dropping a long timeline cannot recurse
 * deeply (dma_fence_chain_release() unlinks the same way). */
void emu_fence_put(struct emu_fence *fence)
{
	unsigned int i;

	while (fence && --fence->refs == 0) {
		struct emu_fence *prev = fence->prev;

		emu_fence_put(fence->fence);	/* plain or merged: shallow */
		for (i = 0; i < fence->ndeps; i++)
			emu_fence_put(fence->deps[i]);
		free(fence->deps);
		free(fence);
		fence = prev;
	}
}

/* dma_fence_chain_contained() */
static struct emu_fence *emu_fence_contained(struct emu_fence *fence)
{
	return fence->kind == EMU_FENCE_CHAIN ? fence->fence : fence;
}

static bool emu_fence_leaf_signaled(const struct emu_fence *fence)
{
	unsigned int i;

	if (fence->kind == EMU_FENCE_PLAIN)
		return fence->signaled;
	for (i = 0; i < fence->ndeps; i++) {	/* dma_fence_array */
		if (!fence->deps[i]->signaled)
			return false;
	}
	return true;
}

/* dma_fence_is_signaled(); for a chain node dma_fence_chain_signaled(). */
bool emu_fence_is_signaled(struct emu_fence *fence)
{
	while (fence) {
		if (!emu_fence_leaf_signaled(emu_fence_contained(fence)))
			return false;
		fence = fence->kind == EMU_FENCE_CHAIN ? fence->prev : NULL;
	}
	return true;
}

void emu_fence_signal_locked(struct emu_fence *fence, int error)
{
	fence->signaled = true;
	fence->error = error;
	fence->timestamp_ns = emu_now_ns();
	emu_sync_file_notify_locked();
	emu_broadcast();
}

/*
 * dma_fence_chain_init() (intel-lab-lkp/linux dma-fence-chain.c
 * 05a0a11b24): a later seqno on a chain reuses its context and records
 * prev_seqno; otherwise a new context, and on a chain the seqno becomes
 * max(prev seqno, seqno).  On a plain (binary) prev the seqno stays as
 * given, even 0.  Takes over the caller's references to prev and fence.
 */
struct emu_fence *emu_fence_chain_new(struct emu_fence *prev,
				      struct emu_fence *fence, uint64_t seqno)
{
	struct emu_fence *chain = emu_fence_alloc(EMU_FENCE_CHAIN);
	bool prev_chain = prev && prev->kind == EMU_FENCE_CHAIN;

	if (!chain)
		return NULL;
	chain->prev = prev;
	chain->fence = fence;
	if (prev_chain && seqno > prev->seqno) {
		chain->context = prev->context;
		chain->prev_seqno = prev->seqno;
	} else {
		chain->context = emu_fence_next_context++;
		if (prev_chain && prev->seqno > seqno)
			seqno = prev->seqno;
	}
	chain->seqno = seqno;
	return chain;
}

/*
 * dma_fence_chain_walk(): the fence before this chain node, garbage
 * collecting the signalled nodes right behind it.  Consumes the caller's
 * reference to fence and returns one to the result (NULL at the end).
 */
struct emu_fence *emu_fence_chain_walk(struct emu_fence *fence)
{
	struct emu_fence *prev;

	if (fence->kind != EMU_FENCE_CHAIN) {
		emu_fence_put(fence);
		return NULL;
	}
	while ((prev = fence->prev)) {
		struct emu_fence *replacement;

		if (prev->kind == EMU_FENCE_CHAIN) {
			if (!emu_fence_leaf_signaled(prev->fence))
				break;
			replacement = emu_fence_get(prev->prev);
		} else {
			if (!emu_fence_leaf_signaled(prev))
				break;
			replacement = NULL;
		}
		fence->prev = replacement;
		emu_fence_put(prev);
	}
	emu_fence_get(prev);
	emu_fence_put(fence);
	return prev;
}

/*
 * dma_fence_chain_find_seqno(): point 0 leaves *pfence alone; a fence that
 * is not a chain node, or a seqno past the chain's, is -EINVAL; otherwise
 * walk back while the node's prev_seqno still covers seqno (same context).
 * *pfence may end up NULL: the point is signalled and collected.
 */
int emu_fence_chain_find_seqno(struct emu_fence **pfence, uint64_t seqno)
{
	struct emu_fence *head = *pfence;

	if (!seqno)
		return 0;
	if (!head || head->kind != EMU_FENCE_CHAIN || head->seqno < seqno)
		return -EINVAL;
	for (*pfence = emu_fence_get(head); *pfence;
	     *pfence = emu_fence_chain_walk(*pfence)) {
		if ((*pfence)->context != head->context ||
		    (*pfence)->prev_seqno < seqno)
			break;
	}
	emu_fence_put(head);
	return 0;
}

/* Walk the whole chain once (drm_syncobj_add_point()'s garbage collection). */
void emu_fence_chain_gc(struct emu_fence *fence)
{
	struct emu_fence *iter;

	for (iter = emu_fence_get(fence); iter; iter = emu_fence_chain_walk(iter))
		;
}

static int emu_fence_collect(struct emu_fence *fence, struct emu_fence **out,
			     unsigned int *n, unsigned int cap)
{
	unsigned int i;

	if (fence->kind == EMU_FENCE_MERGED) {
		for (i = 0; i < fence->ndeps; i++) {
			if (emu_fence_collect(fence->deps[i], out, n, cap))
				return -ENOMEM;
		}
		return 0;
	}
	if (fence->signaled)
		return 0;
	if (out) {
		if (*n >= cap)
			return -ENOMEM;
		out[*n] = emu_fence_get(fence);
	}
	(*n)++;
	return 0;
}

/* Leaves of fence still unsignalled, through chains and arrays. */
static int emu_fence_unwrap(struct emu_fence *fence, struct emu_fence **out,
			    unsigned int *n, unsigned int cap)
{
	struct emu_fence *iter;

	for (iter = emu_fence_get(fence); iter; iter = emu_fence_chain_walk(iter)) {
		if (emu_fence_collect(emu_fence_contained(iter), out, n, cap)) {
			emu_fence_put(iter);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * dma_fence_unwrap_merge() of one fence (drivers/dma-buf/dma-fence-unwrap.c,
 * as drm_syncobj_transfer_to_timeline() uses it): no unsignalled leaf →
 * a signalled stub; one → that leaf; more → an array of them.
 */
struct emu_fence *emu_fence_unwrap_merge(struct emu_fence *fence)
{
	struct emu_fence *merged;
	unsigned int n = 0, cap;

	emu_fence_unwrap(fence, NULL, &n, 0);
	if (n == 0)
		return emu_fence_new(true);
	cap = n;
	merged = emu_fence_alloc(EMU_FENCE_MERGED);
	if (!merged)
		return NULL;
	merged->deps = calloc(cap, sizeof(*merged->deps));
	n = 0;
	if (!merged->deps || emu_fence_unwrap(fence, merged->deps, &n, cap)) {
		merged->ndeps = n;
		emu_fence_put(merged);
		return NULL;
	}
	merged->ndeps = n;
	if (n == 1) {
		struct emu_fence *leaf = emu_fence_get(merged->deps[0]);

		emu_fence_put(merged);
		return leaf;
	}
	return merged;	/* leaves are plain: the array is flat */
}
