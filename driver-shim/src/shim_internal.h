/* SPDX-License-Identifier: MIT */
/* Private to libxdna-shim. */
#ifndef XDNA_SHIM_INTERNAL_H
#define XDNA_SHIM_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "amdxdna_uapi.h"
#include "xdna/shim.h"

#define NSEC_PER_SEC		1000000000ll
#define NSEC_PER_MSEC		1000000ll

#define XDNA_HEAP_CHUNK		(64ull << 20)	/* the kernel's heap unit */
#define XDNA_HEAP_MAX		(512ull << 20)
#define XDNA_HEAP_CHUNKS	(XDNA_HEAP_MAX / XDNA_HEAP_CHUNK)

/* Intrusive doubly linked list: the device tracks its live objects. */
struct xdna_link {
	struct xdna_link *prev, *next;
};

struct xdna_bo {
	struct xdna_link link;
	struct xdna_dev *dev;
	enum xdna_bo_type type;
	uint32_t handle;
	int refs;			/* > 1 only for re-imported buffers */
	size_t size;
	uint64_t map_offset;
	uint64_t xdna_addr;
	void *map;
	bool owns_map;			/* false for DEV BOs (inside the heap) */
};

/* Submit times of traced commands, by seq modulo the table size. */
#define XDNA_TRACE_STAMPS	256

/*
 * Sync_files kept open per context for traced commands in flight: fds are a
 * process-wide budget, and the kernel keeps at most a few commands in flight
 * per context (amdxdna HWCTX_MAX_CMDS); beyond this, a command's time comes
 * from an export when it is reported.
 */
#define XDNA_TRACE_SYNC_FILES	16

struct xdna_cmd_stamp {
	uint64_t seq;
	uint64_t submit_ns;		/* 0: none (untraced, or reported) */
	int sync_fd;			/* its point as a sync_file, or -1 */
};
#define XDNA_CU_NAME_MAX	80

/*
 * A hardware context lives until its last reference: the user's (dropped by
 * xdna_hwctx_destroy() or at device close) and the fences that name it
 * (xdna_hwctx_get()).  Destroy or close settles it: the kernel context is
 * gone, its commands are done or aborted (DESTROY_HWCTX drains them), and
 * from then on it reads as signalled without touching the device.
 */
struct xdna_hwctx {
	struct xdna_link link;
	struct xdna_dev *dev;
	uint32_t handle;
	uint32_t syncobj;
	/* xdna:cmd_done bookkeeping, used only while a tracer is attached */
	pthread_mutex_t trace_lock;
	bool trace_on;			/* stamps belong to the current tracing session */
	uint64_t trace_done;		/* lowest seq not yet swept */
	unsigned int trace_sync_fds;	/* stamps holding a sync_file */
	struct xdna_cmd_stamp stamps[XDNA_TRACE_STAMPS];
	/* From an xclbin (xclbin_ctx.c): the CUs' names and their PDI BOs. */
	unsigned int num_cus;
	char (*cu_kernel)[XDNA_CU_NAME_MAX];
	char (*cu_instance)[XDNA_CU_NAME_MAX];
	struct xdna_bo **pdi_bos;
	atomic_uint refs;
	atomic_bool dead;
};

#define XDNA_HWCTX_LIST_MAX	64		/* contexts counted for the budget */
#define XDNA_QOS_SIZE_UPSTREAM	24
#define XDNA_QOS_SIZE_OOT	32		/* + user_start_col, reserved */
#define XDNA_QOS_USER_START_COL_NOT_REQUESTED	0xff

#define XDNA_OPEN_FLAGS_ALL	(XDNA_OPEN_USER_CACHE_FLUSH | XDNA_OPEN_KERNEL_SYNC)

/*
 * What this kernel does, derived once from DRM_IOCTL_VERSION at open (see
 * caps.c for the versions and their sources).
 */
struct xdna_caps {
	bool sync_from_device;		/* SYNC_BO FROM_DEVICE accepted for any BO */
	size_t qos_size;		/* bytes of amdxdna_qos_info the kernel reads */
	bool wait_cmd;			/* DRM_IOCTL_AMDXDNA_WAIT_CMD implemented */
	unsigned int hwctx_limit;	/* the part's context budget; 0: unknown */
	bool user_flush;		/* caches can be flushed from user space (x86) */
};

struct xdna_dev {
	int fd;
	unsigned int flags;
	struct xdna_caps caps;
	FILE *report;
	struct xdna_dev_info info;
	pthread_mutex_t lock;		/* object lists and the heap */
	struct xdna_link bos;
	struct xdna_link hwctxs;
	/* The device heap: one VA reservation, chunks mapped into it. */
	void *heap_va;
	unsigned int heap_chunks;
	uint32_t heap_handle[XDNA_HEAP_CHUNKS];
	uint64_t heap_dev_addr;
	bool no_sync_file_point;	/* HANDLE_TO_FD has no TIMELINE flag (< 6.16) */
};

static inline void xdna_list_init(struct xdna_link *head)
{
	head->prev = head->next = head;
}

static inline void xdna_list_add(struct xdna_link *head, struct xdna_link *l)
{
	l->next = head;
	l->prev = head->prev;
	head->prev->next = l;
	head->prev = l;
}

static inline void xdna_list_del(struct xdna_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

#define xdna_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* ioctl restarted on EINTR only; returns 0 or -errno. */
int xdna_ioctl(int fd, unsigned long req, void *arg);

/* Record the thread's error message; returns err for tail calls. */
int xdna_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int xdna_heap_ensure(struct xdna_dev *dev);
int xdna_heap_grow(struct xdna_dev *dev);
void xdna_heap_release(struct xdna_dev *dev);

int xdna_bo_read_info(struct xdna_dev *dev, uint32_t handle, struct amdxdna_drm_get_bo_info *info);
void xdna_bo_free_locked(struct xdna_bo *bo);
void xdna_hwctx_free_locked(struct xdna_hwctx *ctx);
void xdna_hwctx_free_cus_locked(struct xdna_hwctx *ctx);

void xdna_trace_init(struct xdna_hwctx *ctx);
void xdna_trace_fini(struct xdna_hwctx *ctx);
void xdna_trace_submitted(struct xdna_hwctx *ctx, uint64_t seq, uint64_t t0);
void xdna_trace_signalled(struct xdna_hwctx *ctx, uint64_t seq);

void xdna_cache_flush(const void *addr, size_t len);
const char *xdna_cache_method(void);

void xdna_caps_init(struct xdna_dev *dev);
bool xdna_dev_sync_uses_ioctl(const struct xdna_dev *dev, enum xdna_sync_dir dir);

#endif /* XDNA_SHIM_INTERNAL_H */
