/* SPDX-License-Identifier: MIT */
/* Private to the xclbin reader (xclbin.c, xclbin_xml.c). */
#ifndef XDNA_XCLBIN_INTERNAL_H
#define XDNA_XCLBIN_INTERNAL_H

#include <stdbool.h>

#include "xclbin_format.h"
#include "xdna/xclbin.h"

struct xdna_xclbin {
	uint8_t *buf;			/* the whole file, ours */
	size_t len;
	struct axlf top;
	unsigned int num_sections;
	struct xdna_xclbin_section *sections;

	bool has_partition;
	struct xdna_xclbin_partition part;
	struct xdna_xclbin_pdi *pdis;
	struct xdna_xclbin_cdo_group *cdos;
	uint64_t *kernel_ids;		/* copied out: the file may be unaligned */
	uint32_t *pre_cdos;
	uint16_t *start_cols;

	unsigned int num_ips, num_mems, num_groups, num_conns;
	struct xdna_xclbin_ip *ips;
	struct xdna_xclbin_mem *mems, *groups;
	struct xdna_xclbin_connection *conns;

	unsigned int num_kernels;
	struct xdna_xclbin_kernel *kernels;
	char *strings;			/* the XML's strings, one allocation each */
	void *xml_allocs;		/* list of allocations (xclbin_xml.c) */
};

/* Parse EMBEDDED_METADATA (absent: no kernels). */
int xdna_xclbin_parse_xml(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec);
void xdna_xclbin_free_xml(struct xdna_xclbin *xb);

#endif
