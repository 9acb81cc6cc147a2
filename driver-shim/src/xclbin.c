// SPDX-License-Identifier: MIT
/*
 * xclbin reader: the axlf container and its binary sections (AIE_PARTITION,
 * IP_LAYOUT, MEM_TOPOLOGY, GROUP_TOPOLOGY, CONNECTIVITY).  Layouts from
 * upstream XRT's xclbin.h (see xclbin_format.h).  Every structure is copied
 * out of the file after its range is checked; counts are capped so that a
 * hostile file cannot make us allocate more than a few MiB beyond itself.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_internal.h"
#include "xclbin_internal.h"

#define XB_MAX_PDIS		256
#define XB_MAX_CDOS		4096	/* over all PDIs */
#define XB_MAX_IDS		65536	/* kernel ids and pre-CDO ids, over all groups */
#define XB_MAX_COLS		64
#define XB_MAX_ENTRIES		4096	/* IP_LAYOUT, MEM_TOPOLOGY, CONNECTIVITY */

#define XB_BAD(sec, field, fmt, ...) \
	xdna_fail(-EBADMSG, "xclbin: %s %s " fmt, sec, field, ##__VA_ARGS__)

/* [off, off + count * elem) inside [0, size), without overflow. */
static bool xb_fits(uint64_t size, uint64_t off, uint64_t count, uint64_t elem)
{
	if (off > size)
		return false;
	return !count || count <= (size - off) / elem;
}

/* A string at section offset @off: NUL-terminated inside the section. */
static int xb_str(const struct xdna_xclbin_section *sec, const char *field, uint32_t off,
		  const char **out)
{
	const char *p = sec->data;

	if (off >= sec->size)
		return XB_BAD(xdna_xclbin_kind_name(sec->kind), field,
			      "offset %u beyond the %llu-byte section", off,
			      (unsigned long long)sec->size);
	if (!memchr(p + off, '\0', sec->size - off))
		return XB_BAD(xdna_xclbin_kind_name(sec->kind), field,
			      "string at offset %u is not terminated", off);
	*out = p + off;
	return 0;
}

static int xb_array(const struct xdna_xclbin_section *sec, const char *field,
		    const struct axlf_array_offset *a, uint32_t max, size_t elem)
{
	if (a->size > max)
		return XB_BAD(xdna_xclbin_kind_name(sec->kind), field, "count %u above %u",
			      a->size, max);
	if (!xb_fits(sec->size, a->offset, a->size, elem))
		return XB_BAD(xdna_xclbin_kind_name(sec->kind), field,
			      "%u x %zu bytes at offset %u overrun the %llu-byte section",
			      a->size, elem, a->offset, (unsigned long long)sec->size);
	return 0;
}

const char *xdna_xclbin_kind_name(uint32_t kind)
{
	switch (kind) {
	case AXLF_BITSTREAM: return "BITSTREAM";
	case AXLF_EMBEDDED_METADATA: return "EMBEDDED_METADATA";
	case AXLF_MEM_TOPOLOGY: return "MEM_TOPOLOGY";
	case AXLF_CONNECTIVITY: return "CONNECTIVITY";
	case AXLF_IP_LAYOUT: return "IP_LAYOUT";
	case AXLF_DEBUG_IP_LAYOUT: return "DEBUG_IP_LAYOUT";
	case AXLF_CLOCK_FREQ_TOPOLOGY: return "CLOCK_FREQ_TOPOLOGY";
	case AXLF_BUILD_METADATA: return "BUILD_METADATA";
	case AXLF_KEYVALUE_METADATA: return "KEYVALUE_METADATA";
	case AXLF_USER_METADATA: return "USER_METADATA";
	case AXLF_PDI: return "PDI";
	case AXLF_BITSTREAM_PARTIAL_PDI: return "BITSTREAM_PARTIAL_PDI";
	case AXLF_PARTITION_METADATA: return "PARTITION_METADATA";
	case AXLF_SYSTEM_METADATA: return "SYSTEM_METADATA";
	case AXLF_SOFT_KERNEL: return "SOFT_KERNEL";
	case AXLF_AIE_METADATA: return "AIE_METADATA";
	case AXLF_GROUP_TOPOLOGY: return "GROUP_TOPOLOGY";
	case AXLF_GROUP_CONNECTIVITY: return "GROUP_CONNECTIVITY";
	case AXLF_AIE_RESOURCES: return "AIE_RESOURCES";
	case AXLF_OVERLAY: return "OVERLAY";
	case AXLF_VENDER_METADATA: return "VENDER_METADATA";
	case AXLF_AIE_PARTITION: return "AIE_PARTITION";
	case AXLF_IP_METADATA: return "IP_METADATA";
	case AXLF_AIE_RESOURCES_BIN: return "AIE_RESOURCES_BIN";
	case AXLF_AIE_TRACE_METADATA: return "AIE_TRACE_METADATA";
	}
	return "UNKNOWN";
}

void xdna_uuid_str(const uint8_t u[16], char buf[37])
{
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* ------------------------------------------------------------- container */

static int xb_parse_header(struct xdna_xclbin *xb)
{
	uint64_t hdrs_end;
	unsigned int i;

	if (xb->len < sizeof(struct axlf))
		return xdna_fail(-EBADMSG, "xclbin: file of %zu bytes is shorter than the "
				 "%zu-byte axlf header", xb->len, sizeof(struct axlf));
	memcpy(&xb->top, xb->buf, sizeof(xb->top));
	if (memcmp(xb->top.magic, AXLF_MAGIC, sizeof(AXLF_MAGIC)))
		return xdna_fail(-EBADMSG, "xclbin: header m_magic is not \"xclbin2\"");
	if (xb->top.header.length < sizeof(struct axlf) || xb->top.header.length > xb->len)
		return XB_BAD("header", "m_length", "%llu but the file has %zu bytes (truncated?)",
			      (unsigned long long)xb->top.header.length, xb->len);
	xb->len = xb->top.header.length;	/* trailing bytes are not ours */
	if (xb->top.header.num_sections > AXLF_MAX_SECTIONS)
		return XB_BAD("header", "m_numSections", "%u above %u",
			      xb->top.header.num_sections, AXLF_MAX_SECTIONS);
	xb->num_sections = xb->top.header.num_sections;
	hdrs_end = sizeof(struct axlf) +
		   (uint64_t)xb->num_sections * sizeof(struct axlf_section_header);
	if (hdrs_end > xb->len)
		return XB_BAD("header", "m_numSections", "%u section headers overrun the "
			      "%zu-byte file", xb->num_sections, xb->len);
	xb->sections = calloc(xb->num_sections ? xb->num_sections : 1, sizeof(*xb->sections));
	if (!xb->sections)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	for (i = 0; i < xb->num_sections; i++) {
		struct axlf_section_header h;
		struct xdna_xclbin_section *s = &xb->sections[i];

		memcpy(&h, xb->buf + sizeof(struct axlf) + (size_t)i * sizeof(h), sizeof(h));
		if (!xb_fits(xb->len, h.offset, h.size, 1))
			return xdna_fail(-EBADMSG, "xclbin: section %u (%s) m_sectionOffset %llu + "
					 "m_sectionSize %llu overrun the %zu-byte file", i,
					 xdna_xclbin_kind_name(h.kind),
					 (unsigned long long)h.offset,
					 (unsigned long long)h.size, xb->len);
		s->kind = h.kind;
		memcpy(s->name, h.name, sizeof(h.name));
		s->name[16] = '\0';
		s->offset = h.offset;
		s->size = h.size;
		s->data = xb->buf + h.offset;
	}
	return 0;
}

/* --------------------------------------------------------- AIE_PARTITION */

static int xb_parse_cdo(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec,
			uint32_t off, struct xdna_xclbin_cdo_group *g, unsigned int *nids,
			unsigned int *npre)
{
	const uint8_t *base = sec->data;
	struct axlf_cdo_group c;
	uint32_t i;
	int err;

	memcpy(&c, base + off, sizeof(c));
	err = xb_str(sec, "cdo_group.mpo_name", c.mpo_name, &g->name);
	if (!err)
		err = xb_array(sec, "cdo_group.dpu_kernel_ids", &c.dpu_kernel_ids, 1024, 8);
	if (!err)
		err = xb_array(sec, "cdo_group.pre_cdo_groups", &c.pre_cdo_groups, 1024, 4);
	if (err)
		return err;
	if (*nids + c.dpu_kernel_ids.size > XB_MAX_IDS ||
	    *npre + c.pre_cdo_groups.size > XB_MAX_IDS)
		return XB_BAD("AIE_PARTITION", "cdo_group.dpu_kernel_ids",
			      "more than %u ids over all CDO groups", XB_MAX_IDS);
	g->type = c.cdo_type;
	g->pdi_id = c.pdi_id;
	g->num_kernel_ids = c.dpu_kernel_ids.size;
	g->kernel_ids = xb->kernel_ids + *nids;
	for (i = 0; i < c.dpu_kernel_ids.size; i++)
		memcpy(&xb->kernel_ids[(*nids)++], base + c.dpu_kernel_ids.offset + 8 * i, 8);
	g->num_pre_cdo_groups = c.pre_cdo_groups.size;
	g->pre_cdo_groups = xb->pre_cdos + *npre;
	for (i = 0; i < c.pre_cdo_groups.size; i++)
		memcpy(&xb->pre_cdos[(*npre)++], base + c.pre_cdo_groups.offset + 4 * i, 4);
	return 0;
}

static int xb_parse_pdis(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec,
			 const struct axlf_aie_partition *p)
{
	const uint8_t *base = sec->data;
	unsigned int ncdo = 0, nids = 0, npre = 0;
	uint32_t i, j;
	int err;

	err = xb_array(sec, "aie_pdi", &p->aie_pdi, XB_MAX_PDIS, sizeof(struct axlf_aie_pdi));
	if (err)
		return err;
	xb->pdis = calloc(p->aie_pdi.size + 1, sizeof(*xb->pdis));
	if (!xb->pdis)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	/* First pass: check the arrays and count, so each is allocated once. */
	for (i = 0; i < p->aie_pdi.size; i++) {
		struct xdna_xclbin_pdi *d = &xb->pdis[i];
		struct axlf_aie_pdi a;

		memcpy(&a, base + p->aie_pdi.offset + (size_t)i * sizeof(a), sizeof(a));
		err = xb_array(sec, "aie_pdi.pdi_image", &a.pdi_image, AXLF_PDI_IMAGE_MAX, 1);
		if (!err)
			err = xb_array(sec, "aie_pdi.cdo_groups", &a.cdo_groups, XB_MAX_CDOS,
				       sizeof(struct axlf_cdo_group));
		if (err)
			return err;
		if (!a.pdi_image.size)
			return XB_BAD("AIE_PARTITION", "aie_pdi.pdi_image", "of PDI %u is empty", i);
		if (ncdo + a.cdo_groups.size > XB_MAX_CDOS)
			return XB_BAD("AIE_PARTITION", "aie_pdi.cdo_groups",
				      "more than %u groups over all PDIs", XB_MAX_CDOS);
		memcpy(d->uuid, a.uuid, sizeof(d->uuid));
		d->image = base + a.pdi_image.offset;
		d->size = a.pdi_image.size;
		d->num_cdo_groups = a.cdo_groups.size;
		for (j = 0; j < a.cdo_groups.size; j++) {
			struct axlf_cdo_group c;

			memcpy(&c, base + a.cdo_groups.offset + (size_t)j * sizeof(c), sizeof(c));
			nids += c.dpu_kernel_ids.size > 1024 ? 1025 : c.dpu_kernel_ids.size;
			npre += c.pre_cdo_groups.size > 1024 ? 1025 : c.pre_cdo_groups.size;
		}
		ncdo += a.cdo_groups.size;
	}
	if (nids > XB_MAX_IDS || npre > XB_MAX_IDS)
		return XB_BAD("AIE_PARTITION", "cdo_group.dpu_kernel_ids",
			      "more than %u ids over all CDO groups", XB_MAX_IDS);
	xb->cdos = calloc(ncdo + 1, sizeof(*xb->cdos));
	xb->kernel_ids = calloc(nids + 1, sizeof(*xb->kernel_ids));
	xb->pre_cdos = calloc(npre + 1, sizeof(*xb->pre_cdos));
	if (!xb->cdos || !xb->kernel_ids || !xb->pre_cdos)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	ncdo = nids = npre = 0;
	for (i = 0; i < p->aie_pdi.size; i++) {
		struct axlf_aie_pdi a;

		memcpy(&a, base + p->aie_pdi.offset + (size_t)i * sizeof(a), sizeof(a));
		xb->pdis[i].cdo_groups = xb->cdos + ncdo;
		for (j = 0; j < a.cdo_groups.size; j++) {
			err = xb_parse_cdo(xb, sec, a.cdo_groups.offset + j * 96u, &xb->cdos[ncdo++],
					   &nids, &npre);
			if (err)
				return err;
		}
	}
	xb->part.num_pdis = p->aie_pdi.size;
	xb->part.pdis = xb->pdis;
	return 0;
}

static int xb_parse_partition(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec)
{
	struct axlf_aie_partition p;
	uint32_t i;
	int err;

	if (sec->size < sizeof(p))
		return XB_BAD("AIE_PARTITION", "size", "%llu below the %zu-byte aie_partition",
			      (unsigned long long)sec->size, sizeof(p));
	memcpy(&p, sec->data, sizeof(p));
	err = xb_str(sec, "mpo_name", p.mpo_name, &xb->part.name);
	if (!err)
		err = xb_str(sec, "kernel_commit_id", p.kernel_commit_id,
			     &xb->part.kernel_commit_id);
	if (!err)
		err = xb_array(sec, "info.start_columns", &p.info.start_columns, XB_MAX_COLS, 2);
	if (err)
		return err;
	if (!p.info.column_width || p.info.column_width > XB_MAX_COLS)
		return XB_BAD("AIE_PARTITION", "info.column_width", "%u outside 1..%u",
			      p.info.column_width, XB_MAX_COLS);
	xb->start_cols = calloc(p.info.start_columns.size + 1, sizeof(uint16_t));
	if (!xb->start_cols)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	for (i = 0; i < p.info.start_columns.size; i++)
		memcpy(&xb->start_cols[i], (const uint8_t *)sec->data +
		       p.info.start_columns.offset + 2 * i, 2);
	xb->part.schema_version = p.schema_version;
	xb->part.ops_per_cycle = p.operations_per_cycle;
	xb->part.inference_fingerprint = p.inference_fingerprint;
	xb->part.pre_post_fingerprint = p.pre_post_fingerprint;
	xb->part.column_width = p.info.column_width;
	xb->part.num_start_columns = p.info.start_columns.size;
	xb->part.start_columns = xb->start_cols;
	err = xb_parse_pdis(xb, sec, &p);
	if (err)
		return err;
	xb->has_partition = true;
	return 0;
}

/* --------------------------------------- IP_LAYOUT, MEM_TOPOLOGY, CONNECTIVITY */

/* int32_t m_count at 0, then @count entries of @elem bytes at @data_off. */
static int xb_table(const struct xdna_xclbin_section *sec, size_t data_off, size_t elem,
		    unsigned int *count)
{
	const char *name = xdna_xclbin_kind_name(sec->kind);
	int32_t n;

	if (sec->size < sizeof(n))
		return XB_BAD(name, "m_count", "missing: section is %llu bytes",
			      (unsigned long long)sec->size);
	memcpy(&n, sec->data, sizeof(n));
	if (n < 0 || n > XB_MAX_ENTRIES)
		return XB_BAD(name, "m_count", "%d outside 0..%d", n, XB_MAX_ENTRIES);
	if (n && !xb_fits(sec->size, data_off, (uint64_t)n, elem))
		return XB_BAD(name, "m_count", "%d entries of %zu bytes overrun the %llu-byte "
			      "section", n, elem, (unsigned long long)sec->size);
	*count = (unsigned int)n;
	return 0;
}

static int xb_parse_ips(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec)
{
	unsigned int i, n;
	int err = xb_table(sec, AXLF_IP_LAYOUT_DATA, sizeof(struct axlf_ip_data), &n);

	if (err)
		return err;
	xb->ips = calloc(n + 1, sizeof(*xb->ips));
	if (!xb->ips)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	for (i = 0; i < n; i++) {
		struct axlf_ip_data d;

		memcpy(&d, (const uint8_t *)sec->data + AXLF_IP_LAYOUT_DATA + i * sizeof(d),
		       sizeof(d));
		if (!memchr(d.name, '\0', sizeof(d.name)))
			return XB_BAD("IP_LAYOUT", "m_name", "of IP %u is not terminated", i);
		xb->ips[i].type = d.type;
		xb->ips[i].properties = d.properties;
		xb->ips[i].base_address = d.base_address;
		memcpy(xb->ips[i].name, d.name, sizeof(d.name));
	}
	xb->num_ips = n;
	return 0;
}

static int xb_parse_mems(const struct xdna_xclbin_section *sec, struct xdna_xclbin_mem **out,
			 unsigned int *count)
{
	struct xdna_xclbin_mem *m;
	unsigned int i, n;
	int err = xb_table(sec, AXLF_MEM_TOPOLOGY_DATA, sizeof(struct axlf_mem_data), &n);

	if (err)
		return err;
	m = calloc(n + 1, sizeof(*m));
	if (!m)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	for (i = 0; i < n; i++) {
		struct axlf_mem_data d;

		memcpy(&d, (const uint8_t *)sec->data + AXLF_MEM_TOPOLOGY_DATA + i * sizeof(d),
		       sizeof(d));
		m[i].type = d.type;
		m[i].used = d.used;
		m[i].size_kb = d.size_kb;
		m[i].base_address = d.base_address;
		memcpy(m[i].tag, d.tag, sizeof(d.tag));	/* m[i].tag[16] stays NUL */
	}
	*out = m;
	*count = n;
	return 0;
}

static int xb_parse_conns(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec)
{
	unsigned int i, n;
	int err = xb_table(sec, AXLF_CONNECTIVITY_DATA, sizeof(struct axlf_connection), &n);

	if (err)
		return err;
	xb->conns = calloc(n + 1, sizeof(*xb->conns));
	if (!xb->conns)
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	for (i = 0; i < n; i++) {
		struct axlf_connection c;

		memcpy(&c, (const uint8_t *)sec->data + AXLF_CONNECTIVITY_DATA + i * sizeof(c),
		       sizeof(c));
		if (c.ip_layout_index < 0 || (unsigned int)c.ip_layout_index >= xb->num_ips)
			return XB_BAD("CONNECTIVITY", "m_ip_layout_index", "%d of connection %u "
				      "outside IP_LAYOUT's %u IPs", c.ip_layout_index, i,
				      xb->num_ips);
		if (c.mem_data_index < 0 || (unsigned int)c.mem_data_index >= xb->num_mems)
			return XB_BAD("CONNECTIVITY", "mem_data_index", "%d of connection %u "
				      "outside MEM_TOPOLOGY's %u banks", c.mem_data_index, i,
				      xb->num_mems);
		xb->conns[i].arg_index = c.arg_index;
		xb->conns[i].ip_layout_index = c.ip_layout_index;
		xb->conns[i].mem_data_index = c.mem_data_index;
	}
	xb->num_conns = n;
	return 0;
}

/* ---------------------------------------------------------------- open */

static int xb_parse(struct xdna_xclbin *xb)
{
	const struct xdna_xclbin_section *s;
	int err = xb_parse_header(xb);

	if (err)
		return err;
	/* Order matters: CONNECTIVITY is checked against IP_LAYOUT and MEM_TOPOLOGY. */
	if ((s = xdna_xclbin_find_section(xb, AXLF_IP_LAYOUT)) && (err = xb_parse_ips(xb, s)))
		return err;
	if ((s = xdna_xclbin_find_section(xb, AXLF_MEM_TOPOLOGY)) &&
	    (err = xb_parse_mems(s, &xb->mems, &xb->num_mems)))
		return err;
	if ((s = xdna_xclbin_find_section(xb, AXLF_GROUP_TOPOLOGY)) &&
	    (err = xb_parse_mems(s, &xb->groups, &xb->num_groups)))
		return err;
	if ((s = xdna_xclbin_find_section(xb, AXLF_CONNECTIVITY)) &&
	    (err = xb_parse_conns(xb, s)))
		return err;
	if ((s = xdna_xclbin_find_section(xb, AXLF_AIE_PARTITION)) &&
	    (err = xb_parse_partition(xb, s)))
		return err;
	return xdna_xclbin_parse_xml(xb, xdna_xclbin_find_section(xb, AXLF_EMBEDDED_METADATA));
}

void xdna_xclbin_close(struct xdna_xclbin *xb)
{
	if (!xb)
		return;
	xdna_xclbin_free_xml(xb);
	free(xb->sections);
	free(xb->pdis);
	free(xb->cdos);
	free(xb->kernel_ids);
	free(xb->pre_cdos);
	free(xb->start_cols);
	free(xb->ips);
	free(xb->mems);
	free(xb->groups);
	free(xb->conns);
	free(xb->buf);
	free(xb);
}

/* Takes ownership of @buf. */
static int xb_open_owned(uint8_t *buf, size_t len, struct xdna_xclbin **out)
{
	struct xdna_xclbin *xb = calloc(1, sizeof(*xb));
	int err;

	if (!xb) {
		free(buf);
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	}
	xb->buf = buf;
	xb->len = len;
	err = xb_parse(xb);
	if (err) {
		xdna_xclbin_close(xb);
		return err;
	}
	*out = xb;
	return 0;
}

int xdna_xclbin_open_mem(const void *buf, size_t len, struct xdna_xclbin **out)
{
	uint8_t *copy;

	if (!out || (!buf && len))
		return xdna_fail(-EINVAL, "xdna_xclbin_open_mem: NULL argument");
	*out = NULL;
	if (len > XDNA_XCLBIN_MAX_SIZE)
		return xdna_fail(-EBADMSG, "xclbin: %zu bytes is above the %llu-byte limit", len,
				 XDNA_XCLBIN_MAX_SIZE);
	copy = malloc(len ? len : 1);
	if (!copy)
		return xdna_fail(-ENOMEM, "xclbin: out of memory for %zu bytes", len);
	if (len)
		memcpy(copy, buf, len);
	return xb_open_owned(copy, len, out);
}

int xdna_xclbin_open(const char *path, struct xdna_xclbin **out)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, err;

	if (!path || !out)
		return xdna_fail(-EINVAL, "xdna_xclbin_open: NULL argument");
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return xdna_fail(err, "xclbin %s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return xdna_fail(-EINVAL, "xclbin %s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > XDNA_XCLBIN_MAX_SIZE) {
		close(fd);
		return xdna_fail(-EBADMSG, "xclbin %s: %lld bytes is above the %llu-byte limit",
				 path, (long long)st.st_size, XDNA_XCLBIN_MAX_SIZE);
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return xdna_fail(-ENOMEM, "xclbin %s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			close(fd);
			free(buf);
			return xdna_fail(err, "xclbin %s: read: %s", path,
					 n < 0 ? strerror(-err) : "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	err = xb_open_owned(buf, got, out);
	if (err) {
		/* Prefix the path: "xclbin FILE: <section> <field> ..." */
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", xdna_errmsg());
		if (!strncmp(msg, "xclbin: ", 8))
			return xdna_fail(err, "xclbin %s: %s", path, msg + 8);
	}
	return err;
}

/* ------------------------------------------------------------- accessors */

const uint8_t *xdna_xclbin_uuid(const struct xdna_xclbin *xb)
{
	return xb->top.header.uuid;
}

unsigned int xdna_xclbin_num_sections(const struct xdna_xclbin *xb)
{
	return xb->num_sections;
}

const struct xdna_xclbin_section *xdna_xclbin_section(const struct xdna_xclbin *xb,
						       unsigned int i)
{
	return i < xb->num_sections ? &xb->sections[i] : NULL;
}

const struct xdna_xclbin_section *xdna_xclbin_find_section(const struct xdna_xclbin *xb,
							    uint32_t kind)
{
	unsigned int i;

	for (i = 0; i < xb->num_sections; i++)
		if (xb->sections[i].kind == kind)
			return &xb->sections[i];
	return NULL;
}

const struct xdna_xclbin_partition *xdna_xclbin_partition(const struct xdna_xclbin *xb)
{
	return xb->has_partition ? &xb->part : NULL;
}

#define XB_LIST(fn, type, arr, count) \
	unsigned int xdna_xclbin_num_##fn##s(const struct xdna_xclbin *xb) \
	{ return xb->count; } \
	const type *xdna_xclbin_##fn(const struct xdna_xclbin *xb, unsigned int i) \
	{ return i < xb->count ? &xb->arr[i] : NULL; }

XB_LIST(ip, struct xdna_xclbin_ip, ips, num_ips)
XB_LIST(mem, struct xdna_xclbin_mem, mems, num_mems)
XB_LIST(group, struct xdna_xclbin_mem, groups, num_groups)
XB_LIST(connection, struct xdna_xclbin_connection, conns, num_conns)
XB_LIST(kernel, struct xdna_xclbin_kernel, kernels, num_kernels)

const struct xdna_xclbin_kernel *xdna_xclbin_find_kernel(const struct xdna_xclbin *xb,
							  const char *name)
{
	char names[160] = "";
	size_t used = 0;
	unsigned int i;

	if (!xb || !name) {
		xdna_fail(-EINVAL, "xdna_xclbin_find_kernel: NULL argument");
		return NULL;
	}
	for (i = 0; i < xb->num_kernels; i++) {
		if (!strcmp(xb->kernels[i].name, name))
			return &xb->kernels[i];
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 i ? ", " : "", xb->kernels[i].name);
	}
	xdna_fail(-ENOENT, "xclbin: no kernel \"%s\" (kernels: %s)", name,
		  xb->num_kernels ? names : "none");
	return NULL;
}

const struct xdna_xclbin_pdi *xdna_xclbin_kernel_pdi(const struct xdna_xclbin *xb,
						      const struct xdna_xclbin_kernel *k)
{
	unsigned int i, j, n;

	if (!xb->has_partition || !k)
		return NULL;
	for (i = 0; i < xb->part.num_pdis; i++) {
		const struct xdna_xclbin_pdi *p = &xb->part.pdis[i];

		for (j = 0; j < p->num_cdo_groups; j++)
			for (n = 0; n < p->cdo_groups[j].num_kernel_ids; n++)
				if (p->cdo_groups[j].kernel_ids[n] == k->kernel_id)
					return p;
	}
	return NULL;
}

int xdna_xclbin_pdi_index(const struct xdna_xclbin *xb, const struct xdna_xclbin_pdi *pdi)
{
	if (!xb->has_partition || pdi < xb->part.pdis || pdi >= xb->part.pdis + xb->part.num_pdis)
		return -1;
	return (int)(pdi - xb->part.pdis);
}
