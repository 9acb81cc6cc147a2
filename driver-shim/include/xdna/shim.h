/* SPDX-License-Identifier: MIT */
/*
 * libxdna-shim: a thin userspace driver for AMD XDNA NPUs over the kernel's
 * amdxdna DRM/accel uAPI (/dev/accel/accelN), through libdrm.
 *
 * Conventions (as libbpf): every call that can fail returns 0 or a negative
 * errno; objects come from the create and open calls and go with destroy/close;
 * option structs start with `sz` (set it to sizeof the struct you compiled
 * against) so they can grow without breaking the ABI.  After a failure,
 * xdna_errmsg() holds a one-line, operation-specific explanation for the
 * calling thread.
 *
 * Thread safety: a device and its objects may be used from several threads;
 * one object must not be destroyed while another thread still uses it.
 */
#ifndef XDNA_SHIM_H
#define XDNA_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XDNA_SHIM_VERSION_MAJOR	0
#define XDNA_SHIM_VERSION_MINOR	1
#define XDNA_SHIM_VERSION_PATCH	0

struct xdna_dev;
struct xdna_bo;
struct xdna_hwctx;

/* Values are the kernel's enum amdxdna_bo_type. */
enum xdna_bo_type {
	XDNA_BO_SHARE = 1,	/* host memory shared with the NPU (SHMEM) */
	XDNA_BO_DEV_HEAP = 2,	/* the per-process device heap */
	XDNA_BO_DEV = 3,	/* carved from the device heap */
	XDNA_BO_CMD = 4,	/* command buffer (ERT packet) */
};

/* Values are the kernel's SYNC_DIRECT_*. */
enum xdna_sync_dir {
	XDNA_SYNC_TO_DEVICE = 0,
	XDNA_SYNC_FROM_DEVICE = 1,
};

/* ---------------------------------------------------------------- devices */

#define XDNA_PATH_MAX	64

struct xdna_node {
	char path[XDNA_PATH_MAX];	/* e.g. /dev/accel/accel0 */
	unsigned int minor;
};

/*
 * List accel nodes whose driver is amdxdna.  libdrm's enumeration knows only
 * /dev/dri, so this scans /dev/accel itself; XDNA_DEVICE=/path in the
 * environment replaces the scan.  Returns the number found (at most @max are
 * stored) or a negative errno.
 */
int xdna_enumerate(struct xdna_node *nodes, size_t max);

enum xdna_open_flags {
	/*
	 * Accepted for compatibility: user-space cache flushing is the default
	 * on x86 (see xdna_bo_sync()).
	 */
	XDNA_OPEN_USER_CACHE_FLUSH = 1u << 0,
	/*
	 * Sync through the SYNC_BO ioctl, as AMD's shim does only when forced.
	 * FROM_DEVICE is still done in user space on kernels that refuse it
	 * (v6.19 on, for every BO but firmware debug BOs).  The environment
	 * variable XDNA_SYNC=kernel sets this flag, XDNA_SYNC=user clears it.
	 */
	XDNA_OPEN_KERNEL_SYNC = 1u << 1,
};

struct xdna_open_opts {
	size_t sz;
	const char *path;	/* NULL: XDNA_DEVICE, else the first amdxdna node */
	unsigned int flags;	/* enum xdna_open_flags */
	FILE *report;		/* leak report on close; NULL: stderr */
};
#define XDNA_OPEN_OPTS_SZ_V1	(offsetof(struct xdna_open_opts, report) + sizeof(FILE *))

/*
 * Open an amdxdna device.  The node is accepted only if DRM_IOCTL_VERSION
 * names amdxdna_accel_driver.  No device: -ENODEV (xdna_errmsg() says what
 * was looked for; the tools add where the xdna-emu emulator is).
 */
int xdna_dev_open(const struct xdna_open_opts *opts, struct xdna_dev **out);

/*
 * Close a device.  Safe with objects outstanding: contexts and BOs still
 * alive are reported (one line each) and destroyed.  Returns the number of
 * outstanding objects that were reclaimed.
 */
int xdna_dev_close(struct xdna_dev *dev);

struct xdna_dev_info {
	char path[XDNA_PATH_MAX];
	char driver[32];		/* amdxdna_accel_driver */
	char desc[64];
	char date[16];
	int version_major;		/* 0.x upstream, 1.x out of tree */
	int version_minor;
	int version_patch;
	bool emulated;			/* the xdna-emu interposer answers */
};

int xdna_dev_info(const struct xdna_dev *dev, struct xdna_dev_info *info);
int xdna_dev_fd(const struct xdna_dev *dev);

/* ---------------------------------------------------------------- queries */

/*
 * Typed wrappers over GET_INFO / GET_ARRAY / SET_STATE.  A query the driver
 * does not implement returns -EOPNOTSUPP ("not supported by this driver");
 * callers treat that as information, not failure.  Out structures are the
 * kernel's (see xdna/amdxdna_uapi.h).
 */
struct amdxdna_drm_query_aie_version;
struct amdxdna_drm_query_aie_metadata;
struct amdxdna_drm_query_clock_metadata;
struct amdxdna_drm_query_firmware_version;
struct amdxdna_drm_get_resource_info;
struct amdxdna_drm_hwctx_entry;

int xdna_get_info(struct xdna_dev *dev, uint32_t param, void *buf, uint32_t *size);
int xdna_query_aie_version(struct xdna_dev *dev, struct amdxdna_drm_query_aie_version *out);
int xdna_query_aie_metadata(struct xdna_dev *dev, struct amdxdna_drm_query_aie_metadata *out);
int xdna_query_clocks(struct xdna_dev *dev, struct amdxdna_drm_query_clock_metadata *out);
int xdna_query_firmware_version(struct xdna_dev *dev,
				struct amdxdna_drm_query_firmware_version *out);
int xdna_query_resource_info(struct xdna_dev *dev, struct amdxdna_drm_get_resource_info *out);
int xdna_query_power_mode(struct xdna_dev *dev, unsigned int *mode);
int xdna_set_power_mode(struct xdna_dev *dev, unsigned int mode);
/*
 * Hardware contexts of this process (GET_ARRAY HW_CONTEXT_ALL).  Returns the
 * number of contexts (at most @max stored) or a negative errno.
 */
int xdna_query_hwctxs(struct xdna_dev *dev, struct amdxdna_drm_hwctx_entry *out, size_t max);

/* ---------------------------------------------------------- buffer objects */

/*
 * Create a BO.  SHARE and CMD BOs are mapped MAP_SHARED once, here; their
 * device address is the kernel's xdna_addr, or the mapping's address where
 * the kernel reports none (before the 2026 GEM refactor), as AMD's shim
 * does.  DEV BOs are carved by the kernel from the device heap, which is
 * created (64 MiB, its user VA 64 MiB aligned) and mapped on first use; on
 * kernels with an expandable heap it grows by contiguous 64 MiB chunks up
 * to 512 MiB when the kernel says -EAGAIN, elsewhere a full heap is
 * -ENOSPC with a message naming its size.  A DEV BO's CPU address is the
 * heap mapping plus its offset in the heap.  DEV_HEAP BOs are managed by
 * the shim and cannot be created directly (-EINVAL).
 */
int xdna_bo_create(struct xdna_dev *dev, enum xdna_bo_type type, size_t size,
		   struct xdna_bo **out);

/* munmap + GEM_CLOSE.  NULL is a no-op. */
int xdna_bo_destroy(struct xdna_bo *bo);

void *xdna_bo_map(const struct xdna_bo *bo);
size_t xdna_bo_size(const struct xdna_bo *bo);
uint32_t xdna_bo_handle(const struct xdna_bo *bo);
uint64_t xdna_bo_dev_addr(const struct xdna_bo *bo);
uint64_t xdna_bo_map_offset(const struct xdna_bo *bo);
enum xdna_bo_type xdna_bo_type(const struct xdna_bo *bo);
struct xdna_dev *xdna_bo_dev(const struct xdna_bo *bo);

/*
 * Make CPU writes visible to the device (TO_DEVICE) or device writes visible
 * to the CPU (FROM_DEVICE) for [off, off + len); len 0 means to the end.
 *
 * By default (x86) this flushes CPU caches from user space (clflushopt or
 * clflush) and makes no ioctl, as AMD's shim does; elsewhere, or with
 * XDNA_OPEN_KERNEL_SYNC, TO_DEVICE issues SYNC_BO and FROM_DEVICE issues it
 * only where the kernel accepts it (before v6.19).
 */
int xdna_bo_sync(struct xdna_bo *bo, enum xdna_sync_dir dir, size_t off, size_t len);

/* PRIME export: a new dma-buf fd (O_CLOEXEC|O_RDWR) the caller closes. */
int xdna_bo_export(struct xdna_bo *bo, int *fd);

/*
 * PRIME import of a dma-buf fd; the BO is mapped like a created one.  The
 * fd stays the caller's.  Importing a buffer this device already knows
 * returns the same xdna_bo with one more reference (destroy drops one).
 */
int xdna_bo_import(struct xdna_dev *dev, int fd, struct xdna_bo **out);

/*
 * The device's hardware-context budget, shared by every process: *used of
 * *max.  From QUERY_RESOURCE_INFO where the kernel has it (driver 0.4 on),
 * else the part's hwctx_limit and the contexts GET_ARRAY/HW_CONTEXTS list.
 * -EOPNOTSUPP when neither says.
 */
int xdna_hwctx_budget(struct xdna_dev *dev, unsigned int *used, unsigned int *max);

/* How xdna_bo_sync() syncs on this device: "clflushopt", "clflush", "SYNC_BO"... */
const char *xdna_dev_sync_method(const struct xdna_dev *dev);

/* ------------------------------------------------ hardware contexts, commands */

struct xdna_hwctx_opts {
	size_t sz;
	uint32_t num_tiles;	/* 0: the whole array's core tiles */
	uint32_t max_opc;
	uint32_t mem_size;
	uint32_t priority;	/* AMDXDNA_QOS_*_PRIORITY; 0: normal */
	uint32_t gops;
	uint32_t fps;
	uint32_t latency;
};
#define XDNA_HWCTX_OPTS_SZ_V1	(offsetof(struct xdna_hwctx_opts, latency) + sizeof(uint32_t))

/*
 * Create a hardware context (the device heap is created first if needed:
 * the kernel refuses a context without one).  The context owns a timeline
 * syncobj whose point N signals when command N completes.
 */
int xdna_hwctx_create(struct xdna_dev *dev, const struct xdna_hwctx_opts *opts,
		      struct xdna_hwctx **out);
/*
 * Destroys the context and its syncobj (the kernel drains or aborts its
 * commands) and drops the caller's reference.  NULL is a no-op.  Holders
 * of xdna_hwctx_get() references (fences) may still call
 * xdna_hwctx_signalled() (1) and xdna_hwctx_wait() (0) on it.
 */
int xdna_hwctx_destroy(struct xdna_hwctx *ctx);
/* A reference that keeps the context's memory for fences; NULL-safe. */
struct xdna_hwctx *xdna_hwctx_get(struct xdna_hwctx *ctx);
void xdna_hwctx_put(struct xdna_hwctx *ctx);
uint32_t xdna_hwctx_handle(const struct xdna_hwctx *ctx);
uint32_t xdna_hwctx_syncobj(const struct xdna_hwctx *ctx);

/*
 * CONFIG_HWCTX CONFIG_CU: CU i runs the PDI held in pdi[i] with function
 * funcs[i] (funcs may be NULL: all 0).
 */
int xdna_hwctx_config_cu(struct xdna_hwctx *ctx, struct xdna_bo *const *pdi,
			 const uint8_t *funcs, unsigned int n);

/* ERT opcodes the shim encodes. */
enum xdna_cmd_opcode {
	XDNA_CMD_START_CU = 0,
	XDNA_CMD_START_NPU = 20,
};

/*
 * Encode an ERT packet into a CMD BO: header (state NEW, count, opcode), the
 * CU mask selecting @cu, then @payload.  Returns -ENOSPC if it does not fit,
 * -EINVAL for a bad opcode, CU index or a BO that is not a CMD BO.
 */
int xdna_cmd_encode(struct xdna_bo *cmd, enum xdna_cmd_opcode op, unsigned int cu,
		    const uint32_t *payload, unsigned int n);

/* The state field the driver wrote back (XDNA_ERT_CMD_STATE_*). */
int xdna_cmd_state(const struct xdna_bo *cmd);

/*
 * Submit @cmd on @ctx; @args are the BOs the command may reach.  The kernel
 * allows a few commands in flight per context and blocks beyond that.
 * *seq receives the command's sequence number (its syncobj point).
 */
int xdna_cmd_exec(struct xdna_hwctx *ctx, struct xdna_bo *cmd, struct xdna_bo *const *args,
		  unsigned int nargs, uint64_t *seq);

/*
 * A sequence number no command has: "nothing submitted".  Waiting on it
 * returns at once and it counts as signalled.  Real kernels number a
 * context's commands from 0, so 0 is a valid command.
 */
#define XDNA_SEQ_NONE	UINT64_MAX

/*
 * Wait until command @seq of the context completes (point @seq of its
 * syncobj signals).  timeout_ns < 0 waits forever.  -ETIME when the deadline
 * passes.  Seq 0 is the context's first command; the kernel's point 0 is the
 * newest fence, so waiting on 0 may also wait for later commands.
 */
int xdna_hwctx_wait(struct xdna_hwctx *ctx, uint64_t seq, int64_t timeout_ns);

/* 1 if command @seq has completed, 0 if not, negative errno on error. */
int xdna_hwctx_signalled(struct xdna_hwctx *ctx, uint64_t seq);

/*
 * xdna_hwctx_wait() and then the command's final state: 0 when COMPLETED,
 * -EIO on ERROR, -ECANCELED on ABORT, -ETIMEDOUT on TIMEOUT.
 */
int xdna_cmd_wait(struct xdna_hwctx *ctx, struct xdna_bo *cmd, uint64_t seq,
		  int64_t timeout_ns);

/* ------------------------------------------------------------------ errors */

/*
 * Describe a negative errno from this library, including what it means for
 * amdxdna (e.g. -ENOENT from CREATE_HWCTX: no device heap).
 */
const char *xdna_strerror(int err);

/* The calling thread's last failure, one line naming the operation. */
const char *xdna_errmsg(void);

const char *xdna_bo_type_name(enum xdna_bo_type type);

#ifdef __cplusplus
}
#endif

#endif /* XDNA_SHIM_H */
