/* SPDX-License-Identifier: MIT */
/*
 * The amdxdna DRM/accel kernel ABI, as xdnapool uses it.
 *
 * The definitions follow the upstream include/uapi/drm/amdxdna_accel.h
 * (Linux and amd/xdna-driver, newest versions) field for field and name for
 * name, so code written against the kernel header compiles against this one.
 * They are our own: Debian bookworm ships no amdxdna header and the upstream
 * one needs __counted_by.  When a complete system header is present the
 * Makefile defines XDNA_HAVE_SYSTEM_UAPI and it is used instead; the static
 * assertions at the end check whichever definitions are in force.
 *
 * The command-BO layout (ERT header) is not uAPI in the kernel's sense but is
 * an ABI all the same: the driver reads the header and writes the final state
 * back.  Those definitions carry an XDNA_ prefix so they do not collide with
 * XRT's ert.h.
 */
#ifndef XDNA_AMDXDNA_UAPI_H
#define XDNA_AMDXDNA_UAPI_H

#include <stddef.h>
#include <linux/types.h>
#include <drm.h>		/* libdrm's copy of the DRM core uAPI */

#ifdef XDNA_HAVE_SYSTEM_UAPI
#include <drm/amdxdna_accel.h>
#else

#if defined(__cplusplus)
extern "C" {
#endif

#define AMDXDNA_INVALID_CMD_HANDLE	(~0UL)
#define AMDXDNA_INVALID_ADDR		(~0UL)
#define AMDXDNA_INVALID_CTX_HANDLE	0
#define AMDXDNA_INVALID_BO_HANDLE	0
#define AMDXDNA_INVALID_FENCE_HANDLE	0

/* Hardware context priority (struct amdxdna_qos_info.priority). */
#define AMDXDNA_QOS_REALTIME_PRIORITY	0x100
#define AMDXDNA_QOS_HIGH_PRIORITY	0x180
#define AMDXDNA_QOS_NORMAL_PRIORITY	0x200
#define AMDXDNA_QOS_LOW_PRIORITY	0x280

enum amdxdna_device_type {
	AMDXDNA_DEV_TYPE_UNKNOWN = -1,
	AMDXDNA_DEV_TYPE_KMQ = 0,
	AMDXDNA_DEV_TYPE_UMQ = 1,	/* driver 0.10 */
	AMDXDNA_DEV_TYPE_PF = 2,	/* driver 0.9 */
};

enum amdxdna_drm_ioctl_id {
	DRM_AMDXDNA_CREATE_HWCTX,
	DRM_AMDXDNA_DESTROY_HWCTX,
	DRM_AMDXDNA_CONFIG_HWCTX,
	DRM_AMDXDNA_CREATE_BO,
	DRM_AMDXDNA_GET_BO_INFO,
	DRM_AMDXDNA_SYNC_BO,
	DRM_AMDXDNA_EXEC_CMD,
	DRM_AMDXDNA_GET_INFO,
	DRM_AMDXDNA_SET_STATE,
	DRM_AMDXDNA_WAIT_CMD = 9,	/* AIE4 (out-of-tree driver) only */
	DRM_AMDXDNA_GET_ARRAY = 10,
};

struct amdxdna_qos_info {
	__u32 gops;
	__u32 fps;
	__u32 dma_bandwidth;
	__u32 latency;
	__u32 frame_exec_time;
	__u32 priority;
#ifdef XDNA_UAPI_OOT_LAYOUT
	/* amd/xdna-driver src/include/uapi/drm_local/amdxdna_accel.h */
	__u32 user_start_col;
	__u32 reserved;
#endif
};

struct amdxdna_drm_create_hwctx {
	__u64 ext;		/* MBZ */
	__u64 ext_flags;	/* MBZ */
	__u64 qos_p;		/* user pointer to struct amdxdna_qos_info */
	__u32 umq_bo;
	__u32 log_buf_bo;
	__u32 max_opc;
	__u32 num_tiles;
	__u32 mem_size;
	__u32 umq_doorbell;	/* out */
	__u32 handle;		/* out */
	__u32 syncobj_handle;	/* out */
};

struct amdxdna_drm_destroy_hwctx {
	__u32 handle;
	__u32 pad;		/* MBZ */
};

struct amdxdna_cu_config {
	__u32 cu_bo;
	__u8  cu_func;
	__u8  pad[3];		/* MBZ */
};

struct amdxdna_hwctx_param_config_cu {
	__u16 num_cus;
	__u16 pad[3];		/* MBZ */
	struct amdxdna_cu_config cu_configs[];
};

enum amdxdna_drm_config_hwctx_param {
	DRM_AMDXDNA_HWCTX_CONFIG_CU,
	DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF,
	DRM_AMDXDNA_HWCTX_REMOVE_DBG_BUF,
};

struct amdxdna_drm_config_hwctx {
	__u32 handle;
	__u32 param_type;
	__u64 param_val;
	__u32 param_val_size;
	__u32 pad;		/* MBZ */
};

enum amdxdna_bo_type {
	AMDXDNA_BO_INVALID = 0,
	AMDXDNA_BO_SHMEM = 1,	/* legacy name of SHARE */
	AMDXDNA_BO_SHARE = 1,
	AMDXDNA_BO_DEV_HEAP = 2,
	AMDXDNA_BO_DEV = 3,
	AMDXDNA_BO_CMD = 4,
};

struct amdxdna_drm_va_entry {
	__u64 vaddr;
	__u64 len;
};

struct amdxdna_drm_va_tbl {
	__s32 dmabuf_fd;
	__u32 num_entries;
	struct amdxdna_drm_va_entry va_entries[];
};

struct amdxdna_drm_create_bo {
	__u64 flags;		/* MBZ */
	__u64 vaddr;		/* MBZ (or a struct amdxdna_drm_va_tbl *) */
	__u64 size;
	__u32 type;
	__u32 handle;		/* out */
};

struct amdxdna_drm_get_bo_info {
	__u64 ext;		/* MBZ */
	__u64 ext_flags;	/* MBZ */
	__u32 handle;
	__u32 pad;		/* MBZ */
	__u64 map_offset;	/* out: fake offset for mmap() */
	__u64 vaddr;		/* out */
	__u64 xdna_addr;	/* out: device address */
};

struct amdxdna_drm_sync_bo {
	__u32 handle;
#define SYNC_DIRECT_TO_DEVICE	0U
#define SYNC_DIRECT_FROM_DEVICE	1U
	__u32 direction;
	__u64 offset;
	__u64 size;
};

enum amdxdna_cmd_type {
	AMDXDNA_CMD_SUBMIT_EXEC_BUF = 0,
	AMDXDNA_CMD_SUBMIT_DEPENDENCY,
	AMDXDNA_CMD_SUBMIT_SIGNAL,
};

struct amdxdna_drm_exec_cmd {
	__u64 ext;		/* MBZ */
	__u64 ext_flags;	/* MBZ */
	__u32 hwctx;
	__u32 type;
	__u64 cmd_handles;	/* the handle itself when cmd_count == 1 */
	__u64 args;		/* user pointer to __u32 BO handles */
	__u32 cmd_count;
	__u32 arg_count;
	__u64 seq;		/* out */
};

struct amdxdna_drm_wait_cmd {
	__u32 hwctx;
	__u32 timeout;		/* ms, 0 = infinite */
	__u64 seq;
};

struct amdxdna_drm_query_aie_status {
	__u64 buffer;
	__u32 buffer_size;
	__u32 cols_filled;
};

struct amdxdna_drm_query_aie_version {
	__u32 major;
	__u32 minor;
};

struct amdxdna_drm_query_aie_tile_metadata {
	__u16 row_count;
	__u16 row_start;
	__u16 dma_channel_count;
	__u16 lock_count;
	__u16 event_reg_count;
	__u16 pad[3];
};

struct amdxdna_drm_query_aie_metadata {
	__u32 col_size;
	__u16 cols;
	__u16 rows;
	struct amdxdna_drm_query_aie_version version;
	struct amdxdna_drm_query_aie_tile_metadata core;
	struct amdxdna_drm_query_aie_tile_metadata mem;
	struct amdxdna_drm_query_aie_tile_metadata shim;
};

struct amdxdna_drm_query_clock {
	__u8 name[16];
	__u32 freq_mhz;
	__u32 pad;
};

struct amdxdna_drm_query_clock_metadata {
	struct amdxdna_drm_query_clock mp_npu_clock;
	struct amdxdna_drm_query_clock h_clock;
};

enum amdxdna_sensor_type {
	AMDXDNA_SENSOR_TYPE_POWER,
	AMDXDNA_SENSOR_TYPE_COLUMN_UTILIZATION,
};

struct amdxdna_drm_query_sensor {
	__u8  label[64];
	__u32 input;
	__u32 max;
	__u32 average;
	__u32 highest;
	__u8  status[64];
	__u8  units[16];
	__s8  unitm;
	__u8  type;
	__u8  pad[6];
};

struct amdxdna_drm_query_hwctx {
	__u32 context_id;
	__u32 start_col;
	__u32 num_col;
	__u32 pad;
	__s64 pid;
	__u64 command_submissions;
	__u64 command_completions;
	__u64 migrations;
	__u64 preemptions;
	__u64 errors;
};

enum amdxdna_power_mode_type {
	POWER_MODE_DEFAULT,
	POWER_MODE_LOW,
	POWER_MODE_MEDIUM,
	POWER_MODE_HIGH,
	POWER_MODE_TURBO,
};

struct amdxdna_drm_get_power_mode {
	__u8 power_mode;
	__u8 pad[7];
};

struct amdxdna_drm_query_firmware_version {
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 build;
};

enum amdxdna_drm_get_param {
	DRM_AMDXDNA_QUERY_AIE_STATUS,
	DRM_AMDXDNA_QUERY_AIE_METADATA,
	DRM_AMDXDNA_QUERY_AIE_VERSION,
	DRM_AMDXDNA_QUERY_CLOCK_METADATA,
	DRM_AMDXDNA_QUERY_SENSORS,
	DRM_AMDXDNA_QUERY_HW_CONTEXTS,
	DRM_AMDXDNA_QUERY_FIRMWARE_VERSION = 8,
	DRM_AMDXDNA_GET_POWER_MODE,
	DRM_AMDXDNA_QUERY_TELEMETRY,
	DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE,
	DRM_AMDXDNA_QUERY_RESOURCE_INFO,
	DRM_AMDXDNA_GET_FRAME_BOUNDARY_PREEMPT_STATE,
};

struct amdxdna_drm_get_resource_info {
	__u64 npu_clk_max;
	__u64 npu_tops_max;
	__u64 npu_task_max;
	__u64 npu_tops_curr;
	__u64 npu_task_curr;
};

struct amdxdna_drm_attribute_state {
	__u8 state;
	__u8 pad[7];
};

struct amdxdna_drm_get_info {
	__u32 param;
	__u32 buffer_size;	/* in/out */
	__u64 buffer;
};

#define AMDXDNA_HWCTX_STATE_IDLE	0
#define AMDXDNA_HWCTX_STATE_ACTIVE	1

struct amdxdna_drm_hwctx_entry {
	__u32 context_id;
	__u32 start_col;
	__u32 num_col;
	__u32 hwctx_id;
	__s64 pid;
	__u64 command_submissions;
	__u64 command_completions;
	__u64 migrations;
	__u64 preemptions;
	__u64 errors;
	__u64 priority;
	__u64 heap_usage;
	__u64 suspensions;
	__u32 state;
	__u32 pasid;
	__u32 gops;
	__u32 fps;
	__u32 dma_bandwidth;
	__u32 latency;
	__u32 frame_exec_time;
	__u32 txn_op_idx;
	__u32 ctx_pc;
	__u32 fatal_error_type;
	__u32 fatal_error_exception_type;
	__u32 fatal_error_exception_pc;
	__u32 fatal_error_app_module;
	__u32 pad;
#ifdef XDNA_UAPI_OOT_LAYOUT
	/* the staging and out-of-tree headers (AMDXDNA_HWCTX_PROC_NAME_LEN) */
	char name[16];
#endif
};

struct amdxdna_async_error {
	__u64 err_code;
	__u64 ts_us;
	__u64 ex_err_code;
};

#define DRM_AMDXDNA_HW_CONTEXT_ALL	0
#define DRM_AMDXDNA_HW_LAST_ASYNC_ERR	2
#define DRM_AMDXDNA_BO_USAGE		6	/* driver 0.8 */

/* GET_ARRAY DRM_AMDXDNA_BO_USAGE, one element, @pid in. */
struct amdxdna_drm_bo_usage {
	__s64 pid;
	__u64 total_usage;
	__u64 internal_usage;
	__u64 heap_usage;
};

/* GET_INFO DRM_AMDXDNA_QUERY_TELEMETRY: this header, then map[map_num_elements]. */
struct amdxdna_drm_query_telemetry_header {
	__u32 major;
	__u32 minor;
	__u32 type;
	__u32 map_num_elements;
};

struct amdxdna_drm_get_array {
	__u32 param;
	__u32 element_size;	/* in/out */
	__u32 num_element;	/* in/out */
	__u32 pad;		/* MBZ */
	__u64 buffer;
};

enum amdxdna_drm_set_param {
	DRM_AMDXDNA_SET_POWER_MODE,
	DRM_AMDXDNA_WRITE_AIE_MEM,
	DRM_AMDXDNA_WRITE_AIE_REG,
	DRM_AMDXDNA_SET_FORCE_PREEMPT,
	DRM_AMDXDNA_SET_FRAME_BOUNDARY_PREEMPT,
};

struct amdxdna_drm_set_state {
	__u32 param;
	__u32 buffer_size;
	__u64 buffer;
};

struct amdxdna_drm_set_power_mode {
	__u8 power_mode;
	__u8 pad[7];
};

#define DRM_IOCTL_AMDXDNA_CREATE_HWCTX \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_CREATE_HWCTX, \
		 struct amdxdna_drm_create_hwctx)
#define DRM_IOCTL_AMDXDNA_DESTROY_HWCTX \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_DESTROY_HWCTX, \
		 struct amdxdna_drm_destroy_hwctx)
#define DRM_IOCTL_AMDXDNA_CONFIG_HWCTX \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_CONFIG_HWCTX, \
		 struct amdxdna_drm_config_hwctx)
#define DRM_IOCTL_AMDXDNA_CREATE_BO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_CREATE_BO, \
		 struct amdxdna_drm_create_bo)
#define DRM_IOCTL_AMDXDNA_GET_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_GET_BO_INFO, \
		 struct amdxdna_drm_get_bo_info)
#define DRM_IOCTL_AMDXDNA_SYNC_BO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_SYNC_BO, \
		 struct amdxdna_drm_sync_bo)
#define DRM_IOCTL_AMDXDNA_EXEC_CMD \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_EXEC_CMD, \
		 struct amdxdna_drm_exec_cmd)
#define DRM_IOCTL_AMDXDNA_GET_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_GET_INFO, \
		 struct amdxdna_drm_get_info)
#define DRM_IOCTL_AMDXDNA_SET_STATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_SET_STATE, \
		 struct amdxdna_drm_set_state)
#define DRM_IOCTL_AMDXDNA_WAIT_CMD \
	DRM_IOW(DRM_COMMAND_BASE + DRM_AMDXDNA_WAIT_CMD, \
		struct amdxdna_drm_wait_cmd)
#define DRM_IOCTL_AMDXDNA_GET_ARRAY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_AMDXDNA_GET_ARRAY, \
		 struct amdxdna_drm_get_array)

#if defined(__cplusplus)
}
#endif

#endif /* !XDNA_HAVE_SYSTEM_UAPI */

/*
 * Command BO layout.  The first word is the ERT packet header the driver
 * parses (drivers/accel/amdxdna/amdxdna_ctx.h): state in bits 3:0 (written
 * back by the driver on completion), extra CU masks in 11:10, payload word
 * count in 22:12, opcode in 27:23.  For START_CU the payload begins with
 * 1 + extra CU masks, then the kernel's register-map arguments; START_NPU
 * adds struct xdna_ert_start_npu after the CU mask.
 */
#define XDNA_ERT_STATE_MASK		0x0000000fU
#define XDNA_ERT_EXTRA_CU_MASK_SHIFT	10
#define XDNA_ERT_EXTRA_CU_MASK_MASK	0x00000c00U
#define XDNA_ERT_COUNT_SHIFT		12
#define XDNA_ERT_COUNT_MASK		0x007ff000U
#define XDNA_ERT_OPCODE_SHIFT		23
#define XDNA_ERT_OPCODE_MASK		0x0f800000U
#define XDNA_ERT_MAX_COUNT		(XDNA_ERT_COUNT_MASK >> XDNA_ERT_COUNT_SHIFT)

enum xdna_ert_opcode {
	XDNA_ERT_START_CU = 0,
	XDNA_ERT_START_DPU = 18,
	XDNA_ERT_CMD_CHAIN = 19,
	XDNA_ERT_START_NPU = 20,
	XDNA_ERT_START_NPU_PREEMPT = 21,
	XDNA_ERT_START_NPU_PREEMPT_ELF = 22,
};

enum xdna_ert_cmd_state {
	XDNA_ERT_CMD_STATE_NEW = 1,
	XDNA_ERT_CMD_STATE_QUEUED = 2,
	XDNA_ERT_CMD_STATE_RUNNING = 3,
	XDNA_ERT_CMD_STATE_COMPLETED = 4,
	XDNA_ERT_CMD_STATE_ERROR = 5,
	XDNA_ERT_CMD_STATE_ABORT = 6,
	XDNA_ERT_CMD_STATE_SUBMITTED = 7,
	XDNA_ERT_CMD_STATE_TIMEOUT = 8,
	XDNA_ERT_CMD_STATE_NORESPONSE = 9,
};

struct xdna_ert_start_npu {
	__u64 buffer;		/* instruction buffer device address */
	__u32 buffer_size;
	__u32 prop_count;
	__u32 prop_args[];	/* properties, then the kernel's arguments */
};

/* The DRM driver name amdxdna registers (DRM_IOCTL_VERSION). */
#define XDNA_DRIVER_NAME	"amdxdna_accel_driver"
/* Character major of accel nodes (/dev/accel/accelN). */
#define XDNA_ACCEL_MAJOR	261

/*
 * Layout checks.  Sizes and the offsets of every field the kernel writes
 * back ("out" fields) are pinned: a mismatch would corrupt user memory.
 */
#ifdef __cplusplus
#define XDNA_STATIC_ASSERT	static_assert	/* C++11's spelling */
#else
#define XDNA_STATIC_ASSERT	_Static_assert
#endif
#define XDNA_ABI_SIZE(type, n) \
	XDNA_STATIC_ASSERT(sizeof(struct type) == (n), #type " size")
#define XDNA_ABI_OFF(type, field, n) \
	XDNA_STATIC_ASSERT(offsetof(struct type, field) == (n), #type "." #field)

/*
 * 24 bytes upstream, 32 in the out-of-tree header (user_start_col,
 * reserved): either may be the system header; the shim sends 32 to 1.x.
 */
XDNA_STATIC_ASSERT(sizeof(struct amdxdna_qos_info) == 24 || sizeof(struct amdxdna_qos_info) == 32,
	       "amdxdna_qos_info size");
XDNA_ABI_OFF(amdxdna_qos_info, priority, 20);
XDNA_ABI_SIZE(amdxdna_drm_create_hwctx, 56);
XDNA_ABI_OFF(amdxdna_drm_create_hwctx, qos_p, 16);
XDNA_ABI_OFF(amdxdna_drm_create_hwctx, umq_doorbell, 44);
XDNA_ABI_OFF(amdxdna_drm_create_hwctx, handle, 48);
XDNA_ABI_OFF(amdxdna_drm_create_hwctx, syncobj_handle, 52);
XDNA_ABI_SIZE(amdxdna_drm_destroy_hwctx, 8);
XDNA_ABI_SIZE(amdxdna_cu_config, 8);
XDNA_ABI_SIZE(amdxdna_hwctx_param_config_cu, 8);
XDNA_ABI_OFF(amdxdna_hwctx_param_config_cu, cu_configs, 8);
XDNA_ABI_SIZE(amdxdna_drm_config_hwctx, 24);
XDNA_ABI_OFF(amdxdna_drm_config_hwctx, param_val, 8);
XDNA_ABI_SIZE(amdxdna_drm_va_entry, 16);
XDNA_ABI_SIZE(amdxdna_drm_va_tbl, 8);
XDNA_ABI_SIZE(amdxdna_drm_create_bo, 32);
XDNA_ABI_OFF(amdxdna_drm_create_bo, size, 16);
XDNA_ABI_OFF(amdxdna_drm_create_bo, type, 24);
XDNA_ABI_OFF(amdxdna_drm_create_bo, handle, 28);
XDNA_ABI_SIZE(amdxdna_drm_get_bo_info, 48);
XDNA_ABI_OFF(amdxdna_drm_get_bo_info, handle, 16);
XDNA_ABI_OFF(amdxdna_drm_get_bo_info, map_offset, 24);
XDNA_ABI_OFF(amdxdna_drm_get_bo_info, vaddr, 32);
XDNA_ABI_OFF(amdxdna_drm_get_bo_info, xdna_addr, 40);
XDNA_ABI_SIZE(amdxdna_drm_sync_bo, 24);
XDNA_ABI_OFF(amdxdna_drm_sync_bo, offset, 8);
XDNA_ABI_OFF(amdxdna_drm_sync_bo, size, 16);
XDNA_ABI_SIZE(amdxdna_drm_exec_cmd, 56);
XDNA_ABI_OFF(amdxdna_drm_exec_cmd, hwctx, 16);
XDNA_ABI_OFF(amdxdna_drm_exec_cmd, cmd_handles, 24);
XDNA_ABI_OFF(amdxdna_drm_exec_cmd, args, 32);
XDNA_ABI_OFF(amdxdna_drm_exec_cmd, cmd_count, 40);
XDNA_ABI_OFF(amdxdna_drm_exec_cmd, seq, 48);
XDNA_ABI_SIZE(amdxdna_drm_wait_cmd, 16);
XDNA_ABI_OFF(amdxdna_drm_wait_cmd, seq, 8);
XDNA_ABI_SIZE(amdxdna_drm_query_aie_status, 16);
XDNA_ABI_OFF(amdxdna_drm_query_aie_status, cols_filled, 12);
XDNA_ABI_SIZE(amdxdna_drm_query_aie_version, 8);
XDNA_ABI_SIZE(amdxdna_drm_query_aie_tile_metadata, 16);
XDNA_ABI_SIZE(amdxdna_drm_query_aie_metadata, 64);
XDNA_ABI_OFF(amdxdna_drm_query_aie_metadata, version, 8);
XDNA_ABI_OFF(amdxdna_drm_query_aie_metadata, core, 16);
XDNA_ABI_OFF(amdxdna_drm_query_aie_metadata, mem, 32);
XDNA_ABI_OFF(amdxdna_drm_query_aie_metadata, shim, 48);
XDNA_ABI_SIZE(amdxdna_drm_query_clock, 24);
XDNA_ABI_OFF(amdxdna_drm_query_clock, freq_mhz, 16);
XDNA_ABI_SIZE(amdxdna_drm_query_clock_metadata, 48);
XDNA_ABI_SIZE(amdxdna_drm_query_sensor, 168);
XDNA_ABI_SIZE(amdxdna_drm_query_hwctx, 64);
XDNA_ABI_OFF(amdxdna_drm_query_hwctx, pid, 16);
XDNA_ABI_SIZE(amdxdna_drm_get_power_mode, 8);
XDNA_ABI_SIZE(amdxdna_drm_query_firmware_version, 16);
XDNA_ABI_SIZE(amdxdna_drm_get_resource_info, 40);
XDNA_ABI_SIZE(amdxdna_drm_attribute_state, 8);
XDNA_ABI_SIZE(amdxdna_drm_get_info, 16);
XDNA_ABI_OFF(amdxdna_drm_get_info, buffer_size, 4);
XDNA_ABI_OFF(amdxdna_drm_get_info, buffer, 8);
/*
 * 144 bytes upstream; the staging and out-of-tree headers append name[16]
 * (160).  The kernel copies min(element_size, its size) per element and
 * strides by ours, so either works; the fields before are pinned.
 */
XDNA_STATIC_ASSERT(sizeof(struct amdxdna_drm_hwctx_entry) == 144 ||
	       sizeof(struct amdxdna_drm_hwctx_entry) == 160, "amdxdna_drm_hwctx_entry size");
XDNA_ABI_OFF(amdxdna_drm_hwctx_entry, pid, 16);
XDNA_ABI_OFF(amdxdna_drm_hwctx_entry, state, 88);
XDNA_ABI_SIZE(amdxdna_async_error, 24);
XDNA_ABI_SIZE(amdxdna_drm_bo_usage, 32);
XDNA_ABI_SIZE(amdxdna_drm_query_telemetry_header, 16);
XDNA_ABI_SIZE(amdxdna_drm_get_array, 24);
XDNA_ABI_OFF(amdxdna_drm_get_array, element_size, 4);
XDNA_ABI_OFF(amdxdna_drm_get_array, num_element, 8);
XDNA_ABI_OFF(amdxdna_drm_get_array, buffer, 16);
XDNA_ABI_SIZE(amdxdna_drm_set_state, 16);
XDNA_ABI_SIZE(amdxdna_drm_set_power_mode, 8);
XDNA_ABI_SIZE(xdna_ert_start_npu, 16);

#undef XDNA_ABI_SIZE
#undef XDNA_ABI_OFF

#endif /* XDNA_AMDXDNA_UAPI_H */
