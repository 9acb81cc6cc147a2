/* SPDX-License-Identifier: MIT */
/*
 * What the syncobj rules tests share (tests/emu/syncobj_rules*.c): the
 * raw-ioctl helpers, a pending fence, an ioctl another thread issues later
 * (all in syncobj_rules.c, with the TCase), and each area's list of tests.
 */
#ifndef TESTS_EMU_SYNCOBJ_RULES_H
#define TESTS_EMU_SYNCOBJ_RULES_H

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <drm.h>

#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE	(1 << 3)
#endif
#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
struct rules_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD \
	DRM_IOWR(0xCF, struct rules_syncobj_eventfd)
#endif

/* struct drm_syncobj_wait as current kernels define it (deadline_nsec). */
struct rules_wait_dl {
	struct drm_syncobj_wait w;
	__u64 deadline_nsec;
};
#define RULES_IOCTL_SYNCOBJ_WAIT_DL DRM_IOWR(0xC3, struct rules_wait_dl)

#define MS		1000000LL
#define NONE		0xffffffffu	/* first_signaled before any write */

/* The flavours every per-flavour test runs on (_i indexes them). */
extern const char *const emu_flavours[];
#define EMU_NFLAVOURS	3

/* Raw ioctls (xioctl, create_bo, now_ns: helpers.c) */
int open_flavour(int i);
int so_create(int fd, uint32_t flags, uint32_t *h);
uint32_t so_new(int fd, uint32_t flags);
int so_destroy(int fd, uint32_t h);
int so_wait(int fd, const uint32_t *h, uint32_t n, int64_t timeout,
	    uint32_t flags, uint32_t *first);
int so_twait(int fd, const uint32_t *h, const uint64_t *p,
	     uint32_t n, int64_t timeout, uint32_t flags,
	     uint32_t *first);
int poll1(int fd, uint32_t h, uint64_t p);
int so_array(int fd, unsigned long req, const uint32_t *h,
	     uint32_t n, uint32_t pad);
int so_tarray(int fd, unsigned long req, const uint32_t *h,
	      uint64_t *p, uint32_t n, uint32_t flags);
int tsignal(int fd, uint32_t h, uint64_t p);
uint64_t query(int fd, uint32_t h, uint32_t flags);
int transfer(int fd, uint32_t dst, uint64_t dpt, uint32_t src,
	     uint64_t spt, uint32_t flags);

/* ---- a pending fence: point 1 of a context with a stalled command ---- */

struct pend {
	int fd;
	uint32_t heap, ctx, sync, pdi, cmd;
	uint8_t *heap_va;
	uint32_t *cmd_va;
};

void *bo_map(int fd, uint32_t h, uint64_t size);
void pend_up(struct pend *p, int fd);
void pend_signal(struct pend *p);
void pend_down(struct pend *p);

/* ---- an ioctl issued by another thread after a delay ---- */

struct later {
	pthread_t th;
	int fd;
	unsigned long req;
	void *arg;
	int delay_ms;
	struct pend *abort;	/* or: destroy this context */
	int ret;
};

void later_start(struct later *l, int fd, unsigned long req,
		 void *arg, int delay_ms);
int later_join(struct later *l);

/* Each area adds its per-flavour loop tests, in this order. */
void syncobj_rules_add_handles(TCase *tc);	/* syncobj_rules_handles.c */
void syncobj_rules_add_wait(TCase *tc);		/* syncobj_rules_wait.c */
void syncobj_rules_add_timeline(TCase *tc);	/* syncobj_rules_timeline.c */
/* and, once, the 5 s TRANSFER_WAIT_FOR_SUBMIT last */
void syncobj_rules_add_fence(TCase *tc);	/* syncobj_rules_fence.c */

#endif /* TESTS_EMU_SYNCOBJ_RULES_H */
