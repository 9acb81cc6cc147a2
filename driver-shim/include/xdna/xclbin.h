/* SPDX-License-Identifier: MIT */
/*
 * xclbin (axlf) reader, part of libxdna-shim.
 *
 * An NPU design (from IRON/mlir-aie, Vitis or the Ryzen AI software) comes
 * as an xclbin: an "xclbin2" container whose AIE_PARTITION section holds
 * the partition's width and its PDIs (each with CDO groups naming the
 * kernel ids it serves) and whose EMBEDDED_METADATA XML describes the
 * kernels and their arguments (register offset, size, scalar or buffer).
 *
 * The reader checks every offset, size and count against the file: a
 * truncated, corrupt or hostile file gives -EBADMSG (-EINVAL for bad
 * arguments, -ENOENT/-EACCES/-EIO from the file system) and xdna_errmsg()
 * names the section and the field.  The XML is parsed with expat, with
 * DTDs refused.  Everything returned points into the xclbin object and
 * lives until xdna_xclbin_close().  An opened xclbin is immutable and may
 * be read from several threads.
 */
#ifndef XDNA_XCLBIN_H
#define XDNA_XCLBIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xdna_xclbin;

/* Limits the reader enforces (larger values: -EBADMSG). */
#define XDNA_XCLBIN_MAX_SIZE		(1ull << 30)
#define XDNA_XCLBIN_MAX_KERNELS		64
#define XDNA_XCLBIN_MAX_ARGS		64
#define XDNA_XCLBIN_MAX_ARG_OFFSET	4096	/* bytes of argument registers */

/* Read and parse @path.  The whole file is read; nothing is mapped. */
int xdna_xclbin_open(const char *path, struct xdna_xclbin **out);
/* Parse @len bytes at @buf (copied: the caller may free @buf afterwards). */
int xdna_xclbin_open_mem(const void *buf, size_t len, struct xdna_xclbin **out);
/* NULL is a no-op. */
void xdna_xclbin_close(struct xdna_xclbin *xb);

/* The design's UUID (axlf_header uuid), 16 bytes. */
const uint8_t *xdna_xclbin_uuid(const struct xdna_xclbin *xb);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into @buf (37 bytes). */
void xdna_uuid_str(const uint8_t uuid[16], char buf[37]);

/* ---------------------------------------------------------------- sections */

struct xdna_xclbin_section {
	uint32_t kind;			/* enum axlf_section_kind */
	char name[17];			/* m_sectionName, NUL-terminated */
	uint64_t offset;
	uint64_t size;
	const void *data;		/* offset bytes into the file */
};

unsigned int xdna_xclbin_num_sections(const struct xdna_xclbin *xb);
const struct xdna_xclbin_section *xdna_xclbin_section(const struct xdna_xclbin *xb,
						       unsigned int i);
/* The first section of @kind, or NULL. */
const struct xdna_xclbin_section *xdna_xclbin_find_section(const struct xdna_xclbin *xb,
							    uint32_t kind);
/* "AIE_PARTITION", "IP_LAYOUT"... or "UNKNOWN". */
const char *xdna_xclbin_kind_name(uint32_t kind);

/* ------------------------------------------------- AIE_PARTITION and its PDIs */

struct xdna_xclbin_cdo_group {
	const char *name;
	uint8_t type;			/* CDO_Type: 1 PRIMARY, 2 LITE, 3 PREPOST */
	uint64_t pdi_id;
	unsigned int num_kernel_ids;
	const uint64_t *kernel_ids;	/* dpu_kernel_ids */
	unsigned int num_pre_cdo_groups;
	const uint32_t *pre_cdo_groups;
};

struct xdna_xclbin_pdi {
	uint8_t uuid[16];
	const void *image;
	size_t size;
	unsigned int num_cdo_groups;
	const struct xdna_xclbin_cdo_group *cdo_groups;
};

struct xdna_xclbin_partition {
	const char *name;
	uint8_t schema_version;
	uint32_t ops_per_cycle;
	uint64_t inference_fingerprint;
	uint64_t pre_post_fingerprint;
	uint16_t column_width;		/* columns the design needs */
	unsigned int num_start_columns;
	const uint16_t *start_columns;
	const char *kernel_commit_id;
	unsigned int num_pdis;
	const struct xdna_xclbin_pdi *pdis;
};

/* NULL when the xclbin has no AIE_PARTITION section. */
const struct xdna_xclbin_partition *xdna_xclbin_partition(const struct xdna_xclbin *xb);

/* ------------------------------------ IP_LAYOUT, MEM_TOPOLOGY, CONNECTIVITY */

struct xdna_xclbin_ip {
	uint32_t type;			/* IP_TYPE: 1 IP_KERNEL, 7 IP_PS_KERNEL... */
	uint32_t properties;
	uint64_t base_address;
	char name[65];			/* "kernel:instance" */
};

struct xdna_xclbin_mem {
	uint8_t type;			/* MEM_TYPE */
	uint8_t used;
	uint64_t size_kb;
	uint64_t base_address;
	char tag[17];
};

struct xdna_xclbin_connection {
	int32_t arg_index;
	int32_t ip_layout_index;	/* checked against IP_LAYOUT */
	int32_t mem_data_index;		/* checked against MEM_TOPOLOGY */
};

unsigned int xdna_xclbin_num_ips(const struct xdna_xclbin *xb);
const struct xdna_xclbin_ip *xdna_xclbin_ip(const struct xdna_xclbin *xb, unsigned int i);
unsigned int xdna_xclbin_num_mems(const struct xdna_xclbin *xb);
const struct xdna_xclbin_mem *xdna_xclbin_mem(const struct xdna_xclbin *xb, unsigned int i);
/* GROUP_TOPOLOGY (ASK_GROUP_TOPOLOGY): same layout as MEM_TOPOLOGY. */
unsigned int xdna_xclbin_num_groups(const struct xdna_xclbin *xb);
const struct xdna_xclbin_mem *xdna_xclbin_group(const struct xdna_xclbin *xb, unsigned int i);
unsigned int xdna_xclbin_num_connections(const struct xdna_xclbin *xb);
const struct xdna_xclbin_connection *xdna_xclbin_connection(const struct xdna_xclbin *xb,
							     unsigned int i);

/* ------------------------------------------ kernels (EMBEDDED_METADATA XML) */

enum xdna_arg_kind {
	XDNA_ARG_SCALAR = 0,		/* addressQualifier 0 */
	XDNA_ARG_BUFFER = 1,		/* addressQualifier 1 (global) or 2 (constant) */
};

struct xdna_xclbin_arg {
	const char *name;
	unsigned int index;		/* id: arguments are sorted by it, 0..n-1 */
	uint32_t offset;		/* byte offset in the argument registers */
	uint32_t size;			/* bytes */
	enum xdna_arg_kind kind;
	const char *type;		/* C type from the metadata, e.g. "uint64_t" */
};

struct xdna_xclbin_kernel {
	const char *name;
	const char *type;		/* "dpu" for NPU kernels */
	uint32_t functional;		/* extended-data functional: CONFIG_CU cu_func */
	uint64_t kernel_id;		/* extended-data dpu_kernel_id */
	unsigned int num_args;
	const struct xdna_xclbin_arg *args;
	unsigned int num_instances;
	const char *const *instances;	/* CU names */
	uint32_t regs_size;		/* max(offset + size) over the arguments */
};

unsigned int xdna_xclbin_num_kernels(const struct xdna_xclbin *xb);
const struct xdna_xclbin_kernel *xdna_xclbin_kernel(const struct xdna_xclbin *xb,
						     unsigned int i);
/* NULL (and xdna_errmsg() naming @name and the kernels there are) if absent. */
const struct xdna_xclbin_kernel *xdna_xclbin_find_kernel(const struct xdna_xclbin *xb,
							  const char *name);
/*
 * The PDI whose CDO groups list @k's kernel id, as AMD's shim picks it
 * (amd/xdna-driver src/shim/hwctx.cpp, xclbin_parser::get_pdi); NULL if none.
 */
const struct xdna_xclbin_pdi *xdna_xclbin_kernel_pdi(const struct xdna_xclbin *xb,
						      const struct xdna_xclbin_kernel *k);
/* Index of @pdi in the partition, or -1. */
int xdna_xclbin_pdi_index(const struct xdna_xclbin *xb, const struct xdna_xclbin_pdi *pdi);

/* ------------------------------------------------- running a design's kernels */

struct xdna_dev;
struct xdna_bo;
struct xdna_hwctx;
struct xdna_hwctx_opts;

/*
 * Create a hardware context for @xb and configure its CUs, as AMD's shim
 * does (amd/xdna-driver 856409ca, src/shim/hwctx.cpp xclbin_parser and
 * hwctx::ctx::create, src/shim/kmq/hwctx.cpp hwctx_kmq::hwctx_kmq):
 *  1. CREATE_HWCTX with num_tiles = the partition's column_width times the
 *     device's core rows and max_opc = its operations_per_cycle (opts
 *     may add QoS; its num_tiles and max_opc are ignored);
 *  2. per CU (each instance of each kernel whose kernel id a PDI's CDO
 *     group lists; kernels without one are skipped, as AMD's shim does):
 *     CREATE_BO DEV of the PDI's size, the PDI copied in and synced to the
 *     device;
 *  3. CONFIG_HWCTX CONFIG_CU: cu_bo = that BO, cu_func = the kernel's
 *     extended-data functional.
 * The PDI BOs belong to the context (freed by xdna_hwctx_destroy()).
 * No AIE_PARTITION or no CU: -EINVAL; a partition wider than the device:
 * -E2BIG; both without touching the device.  @xb may be closed afterwards.
 */
int xdna_hwctx_create_from_xclbin(struct xdna_dev *dev, const struct xdna_xclbin *xb,
				  const struct xdna_hwctx_opts *opts, struct xdna_hwctx **out);

/* The CU index for kernel or instance @name, or -ENOENT (with a message). */
int xdna_hwctx_cu_index(const struct xdna_hwctx *ctx, const char *name);
/* Number of CUs configured from an xclbin (0 for other contexts). */
unsigned int xdna_hwctx_num_cus(const struct xdna_hwctx *ctx);

/* One kernel argument's value, of the kind the metadata says. */
struct xdna_karg {
	enum xdna_arg_kind kind;
	uint64_t value;			/* SCALAR: the value (its low `size` bytes) */
	struct xdna_bo *bo;		/* BUFFER: device address of bo + offset */
	uint64_t offset;
};

/*
 * Encode a START_CU packet for kernel @k on CU @cu into @cmd.  The payload
 * is the kernel's argument registers, regs_size bytes (rounded up to
 * words), each argument at its metadata offset: scalars little endian in
 * their size (at most 8 bytes), buffers as 64-bit device addresses (lo,
 * hi), as XRT's kernel args do (Xilinx/XRT xrt_kernel.cpp, set_arg_at_index
 * -> the CU's register map).  For mlir-aie kernels (opcode 3) the caller
 * passes opcode = 3, instr = the instruction BO and ninstr = its word
 * count.
 *
 * What the driver does with it (read in torvalds/linux
 * drivers/accel/amdxdna/aie2_message.c; not yet seen on hardware): on
 * every upstream flavour (6.14 .. 7.0) and the out-of-tree driver's AIE2
 * contexts, a single ERT_START_CU command goes to the firmware as
 * MSG_OP_EXECUTE_BUFFER_CF (aie2_execbuf: cu_idx from the CU mask, the
 * payload after the mask copied unchanged); in a command chain each
 * command becomes a cmd_chain_slot_execbuf_cf (aie2_cmdlist_fill_one_slot_cf,
 * later aie2_cmdlist_fill_cf: cu_idx, arg_cnt = payload words, the words
 * copied).  So the firmware sees these registers exactly as laid out
 * here; the CU's PDI decides what they mean.  The shim submits one
 * command per EXEC_CMD.  AIE4 user-mode queues (out of tree) are not
 * handled.
 * Wrong count: -E2BIG / -EINVAL naming the kernel; wrong kind or a scalar
 * that does not fit its size: -EINVAL naming the argument.
 */
int xdna_cmd_encode_kernel(struct xdna_bo *cmd, unsigned int cu,
			   const struct xdna_xclbin_kernel *k, const struct xdna_karg *args,
			   unsigned int nargs);

/*
 * Load an instruction stream (mlir-aie's insts.bin: little-endian 32-bit
 * words) into a new DEV BO, synced to the device (mlir-aie's host code
 * allocates it XCL_BO_FLAGS_CACHEABLE, which AMD's shim makes a DEV BO:
 * src/shim/buffer.cpp).  *nwords gets the word count.  Empty, or a length
 * that is not a multiple of 4: -EINVAL naming the file and its length.
 */
int xdna_insts_load(struct xdna_dev *dev, const char *path, struct xdna_bo **out,
		    uint32_t *nwords);
int xdna_insts_load_mem(struct xdna_dev *dev, const void *buf, size_t len,
			struct xdna_bo **out, uint32_t *nwords);

#ifdef __cplusplus
}
#endif

#endif /* XDNA_XCLBIN_H */
