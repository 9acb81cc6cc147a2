/* SPDX-License-Identifier: MIT */
/*
 * The axlf ("xclbin2") container layout: our own definitions of the
 * structures an NPU design uses, written from upstream XRT's
 * src/runtime_src/core/include/xclbin.h (Xilinx/XRT, commit 0302efcc7308,
 * structs axlf, axlf_header, axlf_section_header, mem_topology/mem_data,
 * connectivity/connection, ip_layout/ip_data, array_offset, cdo_group,
 * aie_pdi, aie_partition_info, aie_partition).  Debian's libxrt-dev 2.13
 * predates AIE_PARTITION, so we cannot include it.
 *
 * All fields are little endian; the reader never casts into the file: it
 * copies each structure out with memcpy after checking its range, so
 * unaligned sections are fine.  Private to libxdna-shim and its packer.
 */
#ifndef XDNA_XCLBIN_FORMAT_H
#define XDNA_XCLBIN_FORMAT_H

#include <stdint.h>

#define AXLF_MAGIC		"xclbin2"	/* 8 bytes with the NUL */

/* enum axlf_section_kind (the values an NPU design uses, and their neighbours) */
enum axlf_kind {
	AXLF_BITSTREAM		= 0,
	AXLF_EMBEDDED_METADATA	= 2,
	AXLF_MEM_TOPOLOGY	= 6,
	AXLF_CONNECTIVITY	= 7,
	AXLF_IP_LAYOUT		= 8,
	AXLF_DEBUG_IP_LAYOUT	= 9,
	AXLF_CLOCK_FREQ_TOPOLOGY = 11,
	AXLF_BUILD_METADATA	= 14,
	AXLF_KEYVALUE_METADATA	= 15,
	AXLF_USER_METADATA	= 16,
	AXLF_PDI		= 18,
	AXLF_BITSTREAM_PARTIAL_PDI = 19,
	AXLF_PARTITION_METADATA	= 20,
	AXLF_SYSTEM_METADATA	= 22,
	AXLF_SOFT_KERNEL	= 23,
	AXLF_AIE_METADATA	= 25,
	AXLF_GROUP_TOPOLOGY	= 26,	/* ASK_GROUP_TOPOLOGY */
	AXLF_GROUP_CONNECTIVITY	= 27,	/* ASK_GROUP_CONNECTIVITY */
	AXLF_AIE_RESOURCES	= 29,
	AXLF_OVERLAY		= 30,
	AXLF_VENDER_METADATA	= 31,
	AXLF_AIE_PARTITION	= 32,
	AXLF_IP_METADATA	= 33,
	AXLF_AIE_RESOURCES_BIN	= 34,
	AXLF_AIE_TRACE_METADATA	= 35,
};

#define AXLF_MAX_SECTIONS	0x10000		/* XCLBIN_MAX_NUM_SECTION */

struct axlf_section_header {
	uint32_t kind;
	char name[16];
	uint64_t offset;		/* from the start of the file */
	uint64_t size;
};
_Static_assert(sizeof(struct axlf_section_header) == 40, "axlf_section_header is 40 bytes");
_Static_assert(__builtin_offsetof(struct axlf_section_header, offset) == 24, "m_sectionOffset at 24");

struct axlf_header {
	uint64_t length;		/* of the whole file */
	uint64_t time_stamp;
	uint64_t feature_rom_time_stamp;
	uint16_t version_patch;
	uint8_t version_major;
	uint8_t version_minor;
	uint16_t mode;			/* XCLBIN_MODE */
	uint16_t action_mask;
	uint8_t interface_uuid[16];
	uint8_t platform_vbnv[64];
	uint8_t uuid[16];		/* union with m_next_axlf */
	char debug_bin[16];
	uint32_t num_sections;
};
_Static_assert(sizeof(struct axlf_header) == 152, "axlf_header is 152 bytes");
_Static_assert(__builtin_offsetof(struct axlf_header, uuid) == 112, "uuid at 112");
_Static_assert(__builtin_offsetof(struct axlf_header, num_sections) == 144, "m_numSections at 144");

/* struct axlf up to m_sections (the first section header follows) */
struct axlf {
	char magic[8];
	int32_t signature_length;
	uint8_t reserved[28];
	uint8_t key_block[256];
	uint64_t unique_id;
	struct axlf_header header;
};
_Static_assert(sizeof(struct axlf) == 456, "axlf header block is 456 bytes");
_Static_assert(__builtin_offsetof(struct axlf, header) == 304, "axlf_header at 304");

struct axlf_mem_data {
	uint8_t type;			/* enum MEM_TYPE */
	uint8_t used;
	uint8_t padding[6];
	uint64_t size_kb;		/* or route_id */
	uint64_t base_address;		/* or flow_id */
	uint8_t tag[16];
};
_Static_assert(sizeof(struct axlf_mem_data) == 40, "mem_data is 40 bytes");
/* mem_topology: int32_t m_count, then (8-aligned) m_mem_data[] */
#define AXLF_MEM_TOPOLOGY_DATA	8

struct axlf_connection {
	int32_t arg_index;
	int32_t ip_layout_index;
	int32_t mem_data_index;
};
_Static_assert(sizeof(struct axlf_connection) == 12, "connection is 12 bytes");
/* connectivity: int32_t m_count, then m_connection[] at 4 */
#define AXLF_CONNECTIVITY_DATA	4

struct axlf_ip_data {
	uint32_t type;			/* enum IP_TYPE */
	uint32_t properties;
	uint64_t base_address;
	uint8_t name[64];
};
_Static_assert(sizeof(struct axlf_ip_data) == 80, "ip_data is 80 bytes");
/* ip_layout: int32_t m_count, then m_ip_data[] at 8 */
#define AXLF_IP_LAYOUT_DATA	8

#define AXLF_IP_KERNEL		1
#define AXLF_IP_PS_KERNEL	7

struct axlf_array_offset {
	uint32_t size;			/* elements */
	uint32_t offset;		/* from the start of the section */
};
_Static_assert(sizeof(struct axlf_array_offset) == 8, "array_offset is 8 bytes");

struct axlf_cdo_group {
	uint32_t mpo_name;
	uint8_t cdo_type;		/* enum CDO_Type */
	uint8_t padding[3];
	uint64_t pdi_id;
	struct axlf_array_offset dpu_kernel_ids;	/* uint64_t */
	struct axlf_array_offset pre_cdo_groups;	/* uint32_t */
	uint8_t reserved[64];
};
_Static_assert(sizeof(struct axlf_cdo_group) == 96, "cdo_group is 96 bytes");

#define AXLF_PDI_IMAGE_MAX	(32u * 1024 * 64 * 64)	/* PDI_IMAGE_MAX_SIZE */

struct axlf_aie_pdi {
	uint8_t uuid[16];
	struct axlf_array_offset pdi_image;		/* uint8_t */
	struct axlf_array_offset cdo_groups;		/* struct axlf_cdo_group */
	uint8_t reserved[64];
};
_Static_assert(sizeof(struct axlf_aie_pdi) == 96, "aie_pdi is 96 bytes");

struct axlf_aie_partition_info {
	uint16_t column_width;
	uint8_t padding[6];
	struct axlf_array_offset start_columns;		/* uint16_t */
	uint8_t reserved[72];
};
_Static_assert(sizeof(struct axlf_aie_partition_info) == 88, "aie_partition_info is 88 bytes");

struct axlf_aie_partition {
	uint8_t schema_version;
	uint8_t padding0[3];
	uint32_t mpo_name;
	uint32_t operations_per_cycle;
	uint8_t padding[4];
	uint64_t inference_fingerprint;
	uint64_t pre_post_fingerprint;
	struct axlf_aie_partition_info info;
	struct axlf_array_offset aie_pdi;		/* struct axlf_aie_pdi */
	uint32_t kernel_commit_id;			/* mpo */
	uint8_t reserved[52];
};
_Static_assert(sizeof(struct axlf_aie_partition) == 184, "aie_partition is 184 bytes");
_Static_assert(__builtin_offsetof(struct axlf_aie_partition, info) == 32, "info at 32");
_Static_assert(__builtin_offsetof(struct axlf_aie_partition, aie_pdi) == 120, "aie_pdi at 120");

#endif /* XDNA_XCLBIN_FORMAT_H */
