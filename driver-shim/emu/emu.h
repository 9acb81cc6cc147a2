/* SPDX-License-Identifier: MIT */
/*
 * xdna-emu internals.  Not installed, not seen by anything outside
 * driver-shim/emu.  See README.md for the model.
 *
 * Locking: one process-wide mutex (emu.lock) protects every object below;
 * functions named *_locked expect it held.  Blocking (syncobj waits, the
 * EXEC slot semaphore, context teardown) waits on emu.cond, which every
 * state change that may wake somebody broadcasts.  Device-wide state
 * shared with other processes is in emu_devshm.h; its segment lock nests
 * inside emu.lock.
 */
#ifndef XDNA_EMU_INTERNAL_H
#define XDNA_EMU_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "amdxdna_uapi.h"
#include "xdna_emu.h"

#define EMU_PAGE		4096ULL
#define EMU_NSEC_PER_SEC	1000000000ULL
#define EMU_NSEC_PER_USEC	1000ULL
#define EMU_USEC_PER_SEC	1000000ULL
#define EMU_PAGE_ALIGN(x)	(((x) + EMU_PAGE - 1) & ~(EMU_PAGE - 1))
#define EMU_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define EMU_MAX_FD		65536		/* fds at or above are refused */
#define EMU_DEV_PATH		"/dev/accel/accel0"

/* drivers/accel/amdxdna (npu4, Strix) constants */
#define EMU_DEV_MEM_BASE	0x4000000ULL	/* AIE2_DEVM_BASE */
#define EMU_HEAP_CHUNK		(64ULL << 20)	/* AIE2_DEVM_SIZE */
#define EMU_HEAP_MAX		(512ULL << 20)	/* AIE2_DEVM_MAX_SIZE */
#define EMU_DEV_BO_ALIGN	(32ULL << 10)	/* 1 << dev_mem_buf_shift */
#define EMU_MAX_CMD_BO		(32ULL << 10)	/* XDNA_MAX_CMD_BO_SIZE */
#define EMU_MAX_CMDS		4		/* HWCTX_MAX_CMDS */
#define EMU_MAX_HWCTX_ID	255		/* MAX_HWCTX_ID */
#define EMU_MAX_ARG_COUNT	4095		/* MAX_ARG_COUNT */
#define EMU_MAX_NUM_CUS		32		/* MAX_NUM_CUS */
#define EMU_MAP_OFFSET_START	(1ULL << 32)	/* DRM_FILE_PAGE_OFFSET_START */
#define EMU_COLS_MAX		8
#define EMU_ROWS		6
#define EMU_CORE_ROWS		4
#define EMU_KERNEL_NAME_MAX	64
#define EMU_CMD_BUF_SIZE	4096		/* MAX_CHAIN_CMDBUF_SIZE */
#define EMU_QOS_SIZE_MAX	32		/* out-of-tree amdxdna_qos_info */

enum emu_heap_model {
	EMU_HEAP_SINGLE,	/* one DEV_HEAP BO of at most dev_mem_size */
	EMU_HEAP_CHUNKS,	/* n x dev_mem_size chunks up to dev_heap_max_size */
};

enum emu_sync_range {
	EMU_SYNC_RANGE_NONE,	/* offset and size ignored: the whole BO */
	EMU_SYNC_RANGE_CLAMP,	/* offset >= size or overflow: -EINVAL; clamped */
	EMU_SYNC_RANGE_STRICT,	/* [offset, offset + size) must lie inside */
};

enum emu_wait_cmd {
	EMU_WAIT_CMD_NONE,		/* no ioctl nr 9: -EINVAL */
	EMU_WAIT_CMD_EOPNOTSUPP,	/* ioctl present, AIE2 has no cmd_wait */
	EMU_WAIT_CMD_IMPLEMENTED,
};

/*
 * A released driver (emu_flavour.c).  Each field is a row of RULES.md, which
 * names its upstream source.
 */
struct emu_flavour {
	const char *name;		/* XDNA_EMU_FLAVOUR value */
	const char *release;
	int drm_major, drm_minor;
	bool get_array;			/* DRM_IOCTL_AMDXDNA_GET_ARRAY exists */
	bool flush_destroys_ctxs;	/* .flush: any close() of the file's fds */
	enum emu_heap_model heap;
	bool second_mmap_eexist;	/* amdxdna_hmm_register: pfns set */
	bool cmd_bo_share;		/* CMD BOs are SHARE BOs, no 32 KiB cap */
	bool exec_needs_args;		/* EXEC arg_count 0 is -EINVAL */
	bool sync_debug_only;		/* SYNC_BO FROM_DEVICE only for debug BOs */
	enum emu_sync_range sync_range;
	bool heap_size_multiple;	/* DEV_HEAP size a multiple of 64 MiB */
	bool unchecked_pads;		/* oot: CREATE_BO flags, GET_BO_INFO pad */
	unsigned int qos_size;		/* bytes of amdxdna_qos_info copied in */
	bool ctx_limit_oot;		/* aie2_rq_add ctx_limit: -ENOENT */
	bool fill_failed_payload;	/* amdxdna_cmd_set_error: 0xff payload */
	bool timeout_state;		/* a timed-out job ends in TIMEOUT */
	unsigned int destroy_wait_ms;	/* 0: waits for the last fence forever */
	unsigned int job_timeout_ms;	/* HWCTX_MAX_TIMEOUT; with timeout_state */
	bool share_addr_uva;		/* GET_BO_INFO xdna_addr of SHARE = user VA */
	bool dev_export_refused;	/* PRIME export of DEV BOs: -EOPNOTSUPP */
	enum emu_wait_cmd wait_cmd;
	bool config_cu_async;		/* CONFIG_CU answered before the firmware */
	bool export_point;		/* HANDLE_TO_FD_FLAGS_TIMELINE (Linux 6.16) */
};

/* A part (npuN_regs.c). */
struct emu_device {
	const char *name;		/* XDNA_EMU_DEVICE value */
	const char *part;
	uint16_t pci_device, pci_revision;
	const char *vbnv;
	uint32_t cols;			/* AIE columns (firmware metadata) */
	uint32_t first_col;
	bool col_align_nature;		/* COL_ALIGN_NATURE */
	unsigned int hwctx_limit;	/* device-wide, firmware enforced */
	unsigned int oot_ctx_limit;	/* out-of-tree driver's ctx_limit */
	uint64_t heap_max;		/* dev_heap_max_size (chunked heaps) */
};

/* KMALLOC_MAX_SIZE on x86-64: 1 << (MAX_PAGE_ORDER 10 + PAGE_SHIFT 12) */
#define EMU_KMALLOC_MAX		((size_t)4 << 20)

enum emu_fault_kind {
	EMU_FAULT_CREATE_BO,
	EMU_FAULT_SYNC_BO,
	EMU_FAULT_EXEC,
	EMU_FAULT_STALL,
	EMU_FAULT_MMAP,
	EMU_FAULT_CREATE_HWCTX,
	EMU_FAULT_CONFIG_HWCTX,
	EMU_FAULT_EXPORT,
	EMU_FAULT_IMPORT,
	EMU_FAULT_EXEC_CMD,
	EMU_FAULT_COUNT,
};

/*
 * A dma_fence (emu_fence.c): plain (signalled once, never unsignalled),
 * merged (a dma_fence_array of plain leaves: signalled when all are) or a
 * dma_fence_chain node (signalled when its contained fence and all its
 * predecessors are).
 */
enum emu_fence_kind { EMU_FENCE_PLAIN, EMU_FENCE_MERGED, EMU_FENCE_CHAIN };

/*
 * Who made a plain fence, for sync_file's names: a stub ("stub"/"stub",
 * dma_fence_stub_ops) or a job's drm_sched finished fence ("drm_sched",
 * the scheduler's name "amdxdna_js": aie2_ctx.c aie2_hwctx_init).
 */
enum emu_fence_origin { EMU_FENCE_STUB, EMU_FENCE_SCHED };

struct emu_fence {
	int refs;
	enum emu_fence_kind kind;
	bool signaled;			/* plain */
	int error;			/* plain */
	struct emu_fence **deps;	/* merged: the leaves */
	unsigned int ndeps;
	uint64_t seqno, context, prev_seqno;	/* chain */
	struct emu_fence *prev;		/* chain: the fence before (owned) */
	struct emu_fence *fence;	/* chain: the contained fence (owned) */
	/*
	 * dma_fence.timestamp: CLOCK_MONOTONIC ns when it signalled (plain;
	 * dma_fence_signal_timestamp_locked(fence, ktime_get())).  A new
	 * signalled stub carries its creation time, the collected-point stub
	 * the global stub's (dma_fence_get_stub(): first use).
	 */
	uint64_t timestamp_ns;
	enum emu_fence_origin origin;	/* plain: its driver and timeline names */
};

struct emu_syncobj_wait;

/*
 * drm_syncobj: its fence is NULL, a plain fence (binary use) or the head
 * of a chain (timeline use).  waits: waiters still looking for a fence
 * (the kernel's cb_list).
 */
struct emu_syncobj {
	int refs;
	struct emu_fence *fence;
	struct emu_syncobj_wait *waits;
};

/* Backing pages (a memfd) shared by a BO and the BOs importing it. */
struct emu_mem {
	int refs;
	int fd;
	uint64_t size;
	void *kva;			/* the emulator's own MAP_SHARED view */
	dev_t dev;
	ino_t ino;
	struct emu_mem *next;
};

struct emu_file;

/* A GEM object.  Device-wide: handles in several files may name it. */
struct emu_bo {
	int refs;			/* handles + mappings + jobs + heap */
	uint32_t type;			/* AMDXDNA_BO_* (imports are SHARE) */
	bool imported;
	uint64_t size;
	struct emu_mem *mem;		/* NULL for DEV BOs */
	uint64_t map_offset;		/* AMDXDNA_INVALID_ADDR for DEV BOs */
	uint64_t uva;			/* PASID mode user address */
	int nmaps;
	struct emu_file *owner;		/* DEV / DEV_HEAP: the heap's client */
	uint64_t dev_addr;		/* DEV / DEV_HEAP device address */
	struct emu_bo *next;
};

/* A userspace mapping made through a DRM fd; holds the BO and the file. */
struct emu_map {
	uintptr_t start, end;
	struct emu_bo *bo;
	struct emu_file *file;
	struct emu_map *next;
};

struct emu_range {
	uint64_t start, end;		/* device addresses, [start, end) */
};

struct emu_heap {
	struct emu_bo *chunk[EMU_HEAP_MAX / EMU_HEAP_CHUNK];
	unsigned int nchunks;
	uint64_t total;			/* bytes of heap chunks */
	uint64_t used;			/* bytes carved out for DEV BOs */
	uint8_t *view;			/* chunks mapped back to back */
	uint64_t view_size;
	struct emu_range *ranges;	/* sorted DEV BO allocations */
	size_t nranges, cap;
};

struct emu_cu {
	char kernel[EMU_KERNEL_NAME_MAX];
	xdna_emu_kernel_fn fn;		/* NULL: a design with no CPU model */
	uint8_t func;
	bool has_design;		/* the PDI names a design (xclbin-pack) */
	uint8_t design[16];
	bool told;			/* "no model" said once */
	bool rejected;			/* the firmware refused its PDI (async CONFIG_CU) */
};

struct emu_job {
	struct emu_job *next;
	uint64_t seq;
	struct emu_bo *cmd;
	struct emu_bo **bos;
	uint32_t nbos;
	struct emu_fence *fence;
	bool force_error;
	bool stall;
	struct timespec started;	/* when it became the head: the TDR clock */
};

struct emu_ctx {
	uint32_t handle;
	struct emu_file *file;
	uint32_t num_tiles, num_col, start_col;
	uint64_t cmd_buf_off[EMU_MAX_CMDS];	/* heap offsets of its cmd bufs */
	unsigned int ncmd_bufs;
	struct amdxdna_qos_info qos;
	struct emu_syncobj *syncobj;
	uint32_t syncobj_handle;
	struct emu_cu *cus;
	uint16_t num_cus;
	uint64_t next_seq;
	uint64_t submitted, completed, errors;
	unsigned int inflight;
	struct emu_job *head, *tail;
	unsigned int delay_us;
	int waiters;			/* EXECs blocked on a slot */
	int devshm_slot;		/* entry in the device segment, or -1 */
	bool dying, worker_done, orphaned;
	pthread_t thread;
};

/* A DRM file (struct drm_file + struct amdxdna_client). */
struct emu_file {
	int refs;			/* fds + in-flight ioctls + mappings */
	int fds;
	const struct emu_flavour *flavour;
	const struct emu_device *device;
	int accmode;
	unsigned int delay_us;
	unsigned int job_timeout_ms;	/* 0: a stalled job waits forever */
	pid_t pid;
	struct emu_bo **bo;		/* GEM handle table, [0] unused */
	uint32_t nbo;
	struct emu_syncobj **sync;	/* syncobj handle table, [0] unused */
	uint32_t nsync;
	struct emu_ctx *ctx[EMU_MAX_HWCTX_ID + 1];
	uint32_t next_ctx_id;
	struct emu_heap heap;
	struct emu_file *next;
};

struct emu_fault {
	uint64_t at[EMU_FAULT_COUNT];	/* 0: disarmed */
	uint64_t seen[EMU_FAULT_COUNT];
};

struct emu_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct emu_file *files;
	struct emu_bo *bos;
	struct emu_mem *mems;
	struct emu_map *maps;
	uint64_t next_map_offset;
	struct emu_fault fault;
	bool fault_env_bad;		/* bad XDNA_EMU_FAIL: no device */
	struct xdna_emu_census census;
};

extern struct emu_state emu;

/*
 * The real libc (or next interposer's) entry points, resolved lazily with
 * dlsym(RTLD_NEXT) and falling back to raw syscalls while resolving.  The
 * emulator never calls its own interposers.
 */
int emu_sys_open(const char *path, int flags, mode_t mode);
int emu_sys_close(int fd);
void *emu_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		   off_t off);
int emu_sys_munmap(void *addr, size_t len);
int emu_sys_fstat(int fd, struct stat *st);
int emu_sys_ioctl(int fd, unsigned long req, void *arg);
int emu_sys_dupfd(int fd, bool cloexec);

/*
 * The next definition of an interposed libc entry point, looked up on first
 * use; NULL while a lookup is under way on this thread (the caller then
 * makes the raw syscall).  Each interposer file has its own slots.
 */
void *emu_resolve(void **slot, const char *name);
#define REAL_SLOT(name)	static void *real_##name
#define REAL(name)	((__typeof__(&name))emu_resolve(&real_##name, #name))

/* emu_libc_fs.c: true when path is an emulated node; *ret = open result. */
bool emu_open_path(const char *path, int flags, int *ret);

/* Lock-free fast-path state, also in emu_libc.c. */
int emu_fd_kind(int fd);
void emu_fd_kind_set(int fd, int kind);
bool emu_maps_any(void);
int emu_maps_munmap(void *addr, size_t len);
void emu_maps_count(int delta);

/* emu_core.c */
void emu_lock(void);
void emu_unlock(void);
void emu_broadcast(void);
/* Wait on emu.cond; deadline NULL = forever.  Returns 0 or ETIMEDOUT. */
int emu_wait(const struct timespec *deadline);
bool emu_fault_hit(enum emu_fault_kind kind);
void emu_file_get(struct emu_file *f);
void emu_file_put_locked(struct emu_file *f);
int emu_file_open(int flags);
struct emu_file *emu_fd_file_locked(int fd);
int emu_fd_track_dup_locked(int oldfd, int newfd);
int emu_fd_track_export_locked(int fd);
void emu_fd_untrack_locked(int fd);
int emu_drm_ioctl(int fd, unsigned long req, void *arg);
const struct emu_flavour *emu_env_flavour(void);
const struct emu_device *emu_env_device(void);
int emu_sysfs_device(const char *name, char *buf, size_t size);
/* Command latency the emulator models (XDNA_EMU_DELAY_US); -EINVAL if bad. */
#define EMU_DEFAULT_DELAY_US	50
#define EMU_MAX_DELAY_US	10000000UL
#define EMU_MAX_JOB_TIMEOUT_MS	3600000UL
int emu_env_ulong(const char *name, const char *what, unsigned long lo, unsigned long hi,
		  unsigned long *out);
int emu_env_delay_us(unsigned int *us);
/* emu_env.c: -EINVAL (named on stderr) if an XDNA_EMU_* name is not one the emulator reads. */
int emu_env_check_names(void);
int emu_env_job_timeout_ms(const struct emu_flavour *fl, unsigned int *ms);
int emu_errno(int ret);
/*
 * copy_from_user()/copy_to_user(): the caller's memory is read or written
 * through process_vm_readv/writev on ourselves, so a bad pointer is
 * -EFAULT, as from the kernel, instead of a crash.  0 or -EFAULT.
 */
int emu_copy_from_user(void *dst, uint64_t uptr, size_t n);
int emu_copy_to_user(uint64_t uptr, const void *src, size_t n);
/* A malloc'ed copy of n bytes at uptr (n may be 0), or NULL and *err. */
void *emu_user_dup(uint64_t uptr, size_t n, int *err);

enum { EMU_FD_NONE, EMU_FD_DRM, EMU_FD_EXPORT, EMU_FD_SYNC_FILE };

/* emu_bo.c; CREATE_BO and the heap in emu_bo_create.c, mmap in emu_bo_mmap.c */
struct emu_mem *emu_mem_new_locked(uint64_t size, int *err);
void emu_mem_put_locked(struct emu_mem *m);
struct emu_bo *emu_bo_new_locked(uint32_t type, uint64_t size);
/* Give the BO its pages and a fake mmap offset (drm_vma_offset_add). */
void emu_bo_attach_mem_locked(struct emu_bo *bo, struct emu_mem *m);
bool emu_file_has_bo(struct emu_file *f, struct emu_bo *bo);
void emu_heap_free_locked(struct emu_heap *h, uint64_t off);
void emu_bo_get(struct emu_bo *bo);
void emu_bo_put_locked(struct emu_bo *bo);
struct emu_bo *emu_bo_lookup(struct emu_file *f, uint32_t handle);
int emu_handle_alloc_locked(struct emu_file *f, struct emu_bo *bo,
			    uint32_t *handle);
void emu_file_drop_bos_locked(struct emu_file *f);
void *emu_bo_dev_ptr(struct emu_bo *bo);
int emu_heap_carve_locked(struct emu_file *f, uint64_t size, uint64_t *off);
void emu_heap_uncarve_locked(struct emu_file *f, uint64_t off);
int emu_ioctl_create_bo(struct emu_file *f, void *data);
int emu_ioctl_get_bo_info(struct emu_file *f, void *data);
int emu_ioctl_sync_bo(struct emu_file *f, void *data);
int emu_ioctl_gem_close(struct emu_file *f, void *data);
int emu_ioctl_prime_handle_to_fd(struct emu_file *f, void *data);
int emu_ioctl_prime_fd_to_handle(struct emu_file *f, void *data);
void *emu_bo_mmap(int fd, void *addr, size_t len, int prot, int flags,
		  off_t off);
void emu_maps_forget(uintptr_t start, size_t len);

/* emu_fence.c */
struct emu_fence *emu_fence_new(bool signaled);
struct emu_fence *emu_fence_new_job(void);
struct emu_fence *emu_fence_stub(void);
uint64_t emu_now_ns(void);
struct emu_fence *emu_fence_get(struct emu_fence *fence);
void emu_fence_put(struct emu_fence *fence);
bool emu_fence_is_signaled(struct emu_fence *fence);
void emu_fence_signal_locked(struct emu_fence *fence, int error);
struct emu_fence *emu_fence_chain_new(struct emu_fence *prev,
				      struct emu_fence *fence, uint64_t seqno);
struct emu_fence *emu_fence_chain_walk(struct emu_fence *fence);
int emu_fence_chain_find_seqno(struct emu_fence **pfence, uint64_t seqno);
void emu_fence_chain_gc(struct emu_fence *fence);
struct emu_fence *emu_fence_unwrap_merge(struct emu_fence *fence);

/* emu_syncobj.c */
struct emu_syncobj *emu_syncobj_new(void);
void emu_syncobj_put_locked(struct emu_syncobj *s);
int emu_syncobj_add_point_locked(struct emu_syncobj *s,
				 struct emu_fence *fence, uint64_t point);
struct emu_syncobj *emu_syncobj_lookup(struct emu_file *f, uint32_t handle);
int emu_syncobj_point_state(struct emu_syncobj *s, uint64_t point);

enum { EMU_PT_NONE, EMU_PT_PENDING, EMU_PT_SIGNALED };
int emu_syncobj_handle_alloc_locked(struct emu_file *f,
				    struct emu_syncobj *s, uint32_t *handle);
void emu_file_drop_syncobjs_locked(struct emu_file *f);
int emu_ioctl_syncobj_create(struct emu_file *f, void *data);
int emu_ioctl_syncobj_destroy(struct emu_file *f, void *data);
int emu_ioctl_syncobj_wait(struct emu_file *f, void *data);
int emu_ioctl_syncobj_timeline_wait(struct emu_file *f, void *data);
int emu_ioctl_syncobj_reset(struct emu_file *f, void *data);
int emu_ioctl_syncobj_signal(struct emu_file *f, void *data);
int emu_ioctl_syncobj_timeline_signal(struct emu_file *f, void *data);
int emu_ioctl_syncobj_query(struct emu_file *f, void *data);
int emu_ioctl_syncobj_transfer(struct emu_file *f, void *data);
int emu_syncobj_find_fence(struct emu_file *f, uint32_t handle, uint64_t point,
			   uint32_t flags, struct emu_fence **out);

/* emu_sync_file.c: sync_file fds (eventfds the interposer recognises) */
int emu_ioctl_syncobj_handle_to_fd(struct emu_file *f, void *data);
int emu_sync_file_ioctl(int fd, unsigned long req, void *arg);
void emu_sync_file_release_locked(int fd);
void emu_sync_file_notify_locked(void);
int emu_deadline(int64_t abs_ns, struct timespec *ts);
/* *ts += ms (CLOCK_MONOTONIC deadlines for emu_wait()). */
void emu_timespec_add_ms(struct timespec *ts, unsigned long ms);

/* emu_ctx.c; EXEC_CMD and WAIT_CMD in emu_exec.c */
int emu_ioctl_create_hwctx(struct emu_file *f, void *data);
int emu_ioctl_destroy_hwctx(struct emu_file *f, void *data);
int emu_ioctl_config_hwctx(struct emu_file *f, void *data);
int emu_ioctl_exec_cmd(struct emu_file *f, void *data);
int emu_ioctl_wait_cmd(struct emu_file *f, void *data);
void emu_file_drop_ctxs_locked(struct emu_file *f);
void emu_ctx_orphan_all(void);
struct emu_ctx *emu_ctx_lookup(struct emu_file *f, uint32_t handle);
/* The counters GET_ARRAY shows, into the device segment. */
void emu_ctx_publish_locked(struct emu_ctx *ctx);

/* emu_exec.c: each context's worker runs its commands. */
void emu_ctx_abort_all_locked(struct emu_ctx *ctx);
void *emu_ctx_worker(void *arg);

/* emu_kernels.c */
xdna_emu_kernel_fn emu_kernel_find_locked(const char *name);
xdna_emu_kernel_fn emu_model_find_locked(const uint8_t design[16], const char *name);
xdna_emu_kernel_fn emu_model_find_locked(const uint8_t design[16], const char *name);

/* emu_whisper.c: the Whisper pipeline's NPU kernels. */
int emu_kernel_whisper_stem(const struct xdna_emu_kcall *call);
int emu_kernel_checksum(const struct xdna_emu_kcall *call);

/* emu_query.c */
int emu_ioctl_get_info(struct emu_file *f, void *data);
int emu_ioctl_set_state(struct emu_file *f, void *data);
int emu_ioctl_get_array(struct emu_file *f, void *data);

#endif /* XDNA_EMU_INTERNAL_H */
