// SPDX-License-Identifier: MIT
/*
 * xclbin-pack: writes real xclbin (axlf) containers for the xdna-emu
 * emulator's designs (copy, scale_add, whisper_stem, checksum), run at
 * build time to make build/data/<design>.xclbin.
 *
 * The container is what IRON/mlir-aie's aiecc.py asks xclbinutil to build
 * (MEM_TOPOLOGY, IP_LAYOUT with one IP_PS_KERNEL DPU CU, CONNECTIVITY,
 * GROUP_TOPOLOGY, EMBEDDED_METADATA, AIE_PARTITION with one PDI whose CDO
 * group "DPU" lists the kernel id 0x901), laid out per upstream XRT's
 * xclbin.h (driver-shim/src/xclbin_format.h).  Only the PDI image is the
 * emulator's (driver-shim/emu/xdna_emu.h): real firmware would reject it.
 *
 *   xclbin-pack --design NAME -o FILE
 *   xclbin-pack --list
 *   xclbin-pack -h | --help | --version
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xclbin_format.h"
#include "xdna_emu.h"

#define PACK_KERNEL_ID	0x901		/* aiecc.py's default dpu_kernel_id */

struct pack_arg {
	const char *name;
	const char *type;
	unsigned int offset, size;
	int buffer;
};

struct pack_design {
	const char *name;
	struct pack_arg args[8];
	const char *kernel;		/* NULL: the design's name */
};

/* Argument registers as the emulator's kernels read them (emu/README.md). */
static const struct pack_design designs[] = {
	{ "copy", {
		{ "src", "void*", 0x0, 8, 1 },
		{ "dst", "void*", 0x8, 8, 1 },
		{ "bytes", "uint32_t", 0x10, 4, 0 }  }, NULL },
	{ "scale_add", {
		{ "x", "float*", 0x0, 8, 1 },
		{ "y", "float*", 0x8, 8, 1 },
		{ "out", "float*", 0x10, 8, 1 },
		{ "n", "uint32_t", 0x18, 4, 0 },
		{ "a", "float", 0x1c, 4, 0 }  }, NULL },
	{ "whisper_stem", {
		{ "mel", "float*", 0x0, 8, 1 },
		{ "out", "float*", 0x8, 8, 1 },
		{ "n_mels", "uint32_t", 0x10, 4, 0 },
		{ "n_frames", "uint32_t", 0x14, 4, 0 },
		{ "d_model", "uint32_t", 0x18, 4, 0 },
		{ "seed", "uint32_t", 0x1c, 4, 0 }  }, NULL },
	{ "checksum", {
		{ "in", "float*", 0x0, 8, 1 },
		{ "out", "uint32_t*", 0x8, 8, 1 },
		{ "n", "uint32_t", 0x10, 4, 0 }  }, NULL },
	/*
	 * An IRON/mlir-aie style design: aiecc.py's kernel MLIR_AIE with its
	 * argument layout (opcode, instr, ninstr, bo0.. at 0x14; aie2 designs
	 * from mlir-aie's programming_examples), run with an instruction
	 * stream.  The emulator's model of it reads a toy stream (emu/README.md).
	 */
	{ "passthrough", {
		{ "opcode", "uint64_t", 0x0, 8, 0 },
		{ "instr", "char *", 0x8, 8, 1 },
		{ "ninstr", "uint32_t", 0x10, 4, 0 },
		{ "bo0", "void*", 0x14, 8, 1 },
		{ "bo1", "void*", 0x1c, 8, 1 },
		{ "bo2", "void*", 0x24, 8, 1 } }, "MLIR_AIE" },
};

static const char *kname(const struct pack_design *d)
{
	return d->kernel ? d->kernel : d->name;
}

/* A growable byte buffer; offsets stay valid, pointers do not. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

static size_t buf_put(struct buf *b, const void *data, size_t n)
{
	size_t at = b->len;

	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			fprintf(stderr, "xclbin-pack: out of memory\n");
			exit(1);
		}
		memset(b->p + b->cap, 0, cap - b->cap);
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + at, data, n);
	else
		memset(b->p + at, 0, n);
	b->len += n;
	return at;
}

static void buf_align(struct buf *b, size_t a)
{
	while (b->len % a)
		buf_put(b, NULL, 1);
}

static size_t buf_str(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s) + 1);
}

static void xml_kernel(struct buf *b, const struct pack_design *d)
{
	char line[2048];
	unsigned int i;

	snprintf(line, sizeof(line),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<project name=\"%s\">\n"
		 "  <platform vendor=\"xilinx\" boardid=\"npu\" name=\"xdna-emu\" featureRomTime=\"0\">\n"
		 "    <version major=\"1\" minor=\"0\"/>\n"
		 "    <description/>\n"
		 "    <device name=\"fpga0\" fpgaDevice=\"\" addrWidth=\"0\">\n"
		 "      <core name=\"OCL_REGION_0\" target=\"bitstream\" type=\"clc_region\" "
		 "clockFreq=\"0MHz\" numComputeUnits=\"1\">\n"
		 "        <kernel name=\"%s\" language=\"c\" vlnv=\"\" "
		 "preferredWorkGroupSizeMultiple=\"0\" workGroupSize=\"1\" debug=\"false\" "
		 "interrupt=\"false\" hwControlProtocol=\"ap_ctrl_hs\" type=\"dpu\">\n"
		 "          <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" "
		 "dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n",
		 d->name, kname(d));
	buf_put(b, line, strlen(line));
	for (i = 0; i < 8 && d->args[i].name; i++) {
		const struct pack_arg *a = &d->args[i];

		snprintf(line, sizeof(line),
			 "          <arg name=\"%s\" addressQualifier=\"%d\" id=\"%u\" "
			 "port=\"S_AXI_CONTROL\" size=\"0x%x\" offset=\"0x%x\" hostOffset=\"0x0\" "
			 "hostSize=\"0x%x\" type=\"%s\"/>\n",
			 a->name, a->buffer, i, a->size, a->offset, a->size, a->type);
		buf_put(b, line, strlen(line));
	}
	snprintf(line, sizeof(line),
		 "          <instance name=\"%sInst\">\n"
		 "            <addrRemap base=\"0x0\" port=\"S_AXI_CONTROL\"/>\n"
		 "          </instance>\n"
		 "          <extended-data subtype=\"DPU\" functional=\"0\" dpu_kernel_id=\"0x%x\"/>\n"
		 "        </kernel>\n"
		 "      </core>\n"
		 "    </device>\n"
		 "  </platform>\n"
		 "</project>\n", kname(d), PACK_KERNEL_ID);
	buf_put(b, line, strlen(line));
}

static void sec_mem_topology(struct buf *b)
{
	int32_t count = 1;
	struct axlf_mem_data m = { .type = 2 /* MEM_DRAM */, .used = 1,
				   .size_kb = 0x400000, .base_address = 0x4000000 };

	memcpy(m.tag, "HOST", 5);
	buf_put(b, &count, 4);
	buf_put(b, NULL, 4);
	buf_put(b, &m, sizeof(m));
}

static void sec_ip_layout(struct buf *b, const struct pack_design *d)
{
	int32_t count = 1;
	struct axlf_ip_data ip = {
		.type = AXLF_IP_PS_KERNEL,
		/* ps_kernel: m_subtype ST_DPU (bits 0-1), m_functional FC_DPU,
		 * m_kernel_id in bits 16-27 */
		.properties = 1u | (uint32_t)PACK_KERNEL_ID << 16,
		.base_address = UINT64_MAX,		/* "not_used" */
	};

	snprintf((char *)ip.name, sizeof(ip.name), "%s:%sInst", kname(d), kname(d));
	buf_put(b, &count, 4);
	buf_put(b, NULL, 4);
	buf_put(b, &ip, sizeof(ip));
}

static void sec_connectivity(struct buf *b, const struct pack_design *d)
{
	int32_t count = 0;
	size_t at = buf_put(b, &count, 4);
	unsigned int i;

	for (i = 0; i < 8 && d->args[i].name; i++) {
		struct axlf_connection c = { .arg_index = (int32_t)i };

		if (!d->args[i].buffer)
			continue;
		buf_put(b, &c, sizeof(c));
		count++;
	}
	memcpy(b->p + at, &count, 4);
}

/* The emulator's PDI for @d: see XDNA_EMU_PDI_DESIGN_TAG. */
static void emu_pdi(struct buf *b, const struct pack_design *d, const uint8_t design[16])
{
	buf_put(b, XDNA_EMU_PDI_MAGIC, XDNA_EMU_PDI_MAGIC_LEN);
	buf_str(b, kname(d));
	buf_put(b, XDNA_EMU_PDI_DESIGN_TAG, XDNA_EMU_PDI_DESIGN_TAG_LEN);
	buf_put(b, design, 16);
}

static void sec_aie_partition(struct buf *b, const struct pack_design *d,
			      const uint8_t design[16])
{
	struct axlf_aie_partition p = { .operations_per_cycle = 2048,
					.inference_fingerprint = 23423,
					.pre_post_fingerprint = 12345 };
	struct axlf_aie_pdi pdi;
	struct axlf_cdo_group cdo = { .cdo_type = 1 /* CT_PRIMARY */, .pdi_id = 0x1 };
	uint64_t kid = PACK_KERNEL_ID;
	uint16_t col = 0;
	size_t base = b->len, at_p, at_pdi, at_cdo, img;
	uint32_t pre = 0xc1;

	memset(&pdi, 0, sizeof(pdi));
	at_p = buf_put(b, NULL, sizeof(p));
	p.mpo_name = (uint32_t)(buf_str(b, d->name) - base);
	p.kernel_commit_id = (uint32_t)(buf_str(b, "") - base);
	cdo.mpo_name = (uint32_t)(buf_str(b, "DPU") - base);
	buf_align(b, 8);
	p.info.column_width = 1;
	p.info.start_columns.size = 1;
	p.info.start_columns.offset = (uint32_t)(buf_put(b, &col, 2) - base);
	buf_align(b, 8);
	cdo.dpu_kernel_ids.size = 1;
	cdo.dpu_kernel_ids.offset = (uint32_t)(buf_put(b, &kid, 8) - base);
	cdo.pre_cdo_groups.size = 1;
	cdo.pre_cdo_groups.offset = (uint32_t)(buf_put(b, &pre, 4) - base);
	buf_align(b, 8);
	img = b->len;
	emu_pdi(b, d, design);
	pdi.pdi_image.size = (uint32_t)(b->len - img);
	pdi.pdi_image.offset = (uint32_t)(img - base);
	/* The PDI container's own UUID: the design's, last byte + 1. */
	memcpy(pdi.uuid, design, 16);
	pdi.uuid[15]++;
	buf_align(b, 8);
	at_cdo = buf_put(b, &cdo, sizeof(cdo));
	pdi.cdo_groups.size = 1;
	pdi.cdo_groups.offset = (uint32_t)(at_cdo - base);
	at_pdi = buf_put(b, &pdi, sizeof(pdi));
	p.aie_pdi.size = 1;
	p.aie_pdi.offset = (uint32_t)(at_pdi - base);
	memcpy(b->p + at_p, &p, sizeof(p));
}

static int pack(const struct pack_design *d, const char *out)
{
	static const uint32_t kinds[] = { AXLF_MEM_TOPOLOGY, AXLF_IP_LAYOUT, AXLF_CONNECTIVITY,
					  AXLF_GROUP_TOPOLOGY, AXLF_EMBEDDED_METADATA,
					  AXLF_AIE_PARTITION };
	const unsigned int n = sizeof(kinds) / sizeof(kinds[0]);
	struct axlf top = { .signature_length = -1 };
	struct buf b = { 0 };
	uint8_t design[16];
	size_t hdrs;
	unsigned int i;
	FILE *f;

	xdna_emu_design_uuid(d->name, design);
	memcpy(top.magic, AXLF_MAGIC, sizeof(AXLF_MAGIC));
	memset(top.reserved, 0xff, sizeof(top.reserved));
	memset(top.key_block, 0xff, sizeof(top.key_block));
	top.header.version_major = 2;
	top.header.version_minor = 13;
	top.header.mode = 0;			/* XCLBIN_FLAT */
	top.header.action_mask = 0;
	snprintf((char *)top.header.platform_vbnv, sizeof(top.header.platform_vbnv),
		 "xilinx_xdna_emu_1_0");
	memcpy(top.header.uuid, design, 16);
	top.header.num_sections = n;
	buf_put(&b, NULL, sizeof(top));
	hdrs = buf_put(&b, NULL, n * sizeof(struct axlf_section_header));
	for (i = 0; i < n; i++) {
		struct axlf_section_header h = { .kind = kinds[i] };
		size_t at;

		buf_align(&b, 8);
		at = b.len;
		switch (kinds[i]) {
		case AXLF_MEM_TOPOLOGY:
		case AXLF_GROUP_TOPOLOGY:
			sec_mem_topology(&b);
			break;
		case AXLF_IP_LAYOUT:
			sec_ip_layout(&b, d);
			break;
		case AXLF_CONNECTIVITY:
			sec_connectivity(&b, d);
			break;
		case AXLF_EMBEDDED_METADATA:
			xml_kernel(&b, d);
			break;
		case AXLF_AIE_PARTITION:
			sec_aie_partition(&b, d, design);
			break;
		}
		h.offset = at;
		h.size = b.len - at;
		snprintf(h.name, sizeof(h.name), "%s", d->name);
		memcpy(b.p + hdrs + i * sizeof(h), &h, sizeof(h));
	}
	buf_align(&b, 8);
	top.header.length = b.len;
	/* Reproducible builds: no time stamp (SOURCE_DATE_EPOCH style). */
	top.header.time_stamp = 0;
	memcpy(b.p, &top, sizeof(top));
	f = fopen(out, "wb");
	if (!f || fwrite(b.p, 1, b.len, f) != b.len || fclose(f)) {
		fprintf(stderr, "xclbin-pack: %s: %s\n", out, strerror(errno));
		free(b.p);
		return 1;
	}
	free(b.p);
	return 0;
}

#ifndef XCLBIN_PACK_VERSION
#error "XCLBIN_PACK_VERSION comes from the Makefile's VERSION"
#endif

/*
 * A build helper, self-contained like the emulator it serves: its own
 * option parsing (no tools/common), with the tools' conventions: one-line
 * errors naming the value, exit 0 (done), 1 (cannot write), 2 (bad usage).
 */
static void usage(FILE *f)
{
	fprintf(f, "usage: xclbin-pack --design NAME -o FILE | --list\n"
		"Write the emulator's design NAME as an xclbin file.\n"
		"  -d, --design NAME  the design (--list shows them)\n"
		"  -o, --output FILE  where to write it\n"
		"  -l, --list         print the designs, one a line\n"
		"  -h, --help         this text\n"
		"      --version      print the version\n"
		"Exit status: 0 done, 1 the file could not be written, 2 bad usage.\n");
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xclbin-pack: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

enum { OPT_VERSION = 256 };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "design", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *out = NULL;
	bool list = false;
	unsigned int i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:o:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("xclbin-pack (xdnapool) %s\n", XCLBIN_PACK_VERSION);
			return 0;
		case ':':	/* "--design" as given, "-ld" by its letter */
			if (!strncmp(argv[optind - 1], "--", 2))
				return usage_error("option '%s' requires an argument (see --help)",
						   argv[optind - 1]);
			return usage_error("option '-%c' requires an argument (see --help)",
					   optopt);
		default:	/* a short option by its letter, a long one as given */
			if (optopt)
				return usage_error("unrecognized option '-%c' (see --help)",
						   optopt);
			return usage_error("unrecognized option '%s' (see --help)",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (see --help)", argv[optind]);
	if (list) {
		for (i = 0; i < sizeof(designs) / sizeof(designs[0]); i++)
			printf("%s\n", designs[i].name);
		return 0;
	}
	if (!name || !out)
		return usage_error("needs --design NAME and -o FILE, or --list (see --help)");
	for (i = 0; i < sizeof(designs) / sizeof(designs[0]); i++)
		if (!strcmp(designs[i].name, name))
			return pack(&designs[i], out);
	return usage_error("no design '%s' (--list shows them)", name);
}
