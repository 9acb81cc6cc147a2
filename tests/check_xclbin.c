// SPDX-License-Identifier: MIT
/*
 * libxdna-shim's xclbin reader: the packaged designs (build/data/NAME.xclbin,
 * made by tools/xclbin-pack) and hostile variants of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "xclbin_format.h"
#include "xdna/shim.h"
#include "xdna/xclbin.h"
#include "xdna_emu.h"

static char data_dir[PATH_MAX + 16];

/* build/tests/check_xclbin -> build/data */
static void find_data_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	*slash = '\0';
	snprintf(data_dir, sizeof(data_dir), "%s/../data", exe);
}

static void *slurp(const char *design, size_t *len)
{
	char path[PATH_MAX + 64];
	long sz;
	void *buf;
	FILE *f;

	find_data_dir();
	snprintf(path, sizeof(path), "%s/%s.xclbin", data_dir, design);
	f = fopen(path, "rb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	buf = malloc((size_t)sz);
	ck_assert(fread(buf, 1, (size_t)sz, f) == (size_t)sz);
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

static void assert_one_line(const char *msg, const char *a, const char *b)
{
	ck_assert_ptr_null(strchr(msg, '\n'));
	if (a)
		ck_assert_msg(strstr(msg, a), "\"%s\" does not name %s", msg, a);
	if (b)
		ck_assert_msg(strstr(msg, b), "\"%s\" does not name %s", msg, b);
}

START_TEST(test_designs_parse)
{
	static const struct { const char *name; unsigned int nargs, nbufs; } want[] = {
		{ "copy", 3, 2 }, { "scale_add", 5, 3 }, { "whisper_stem", 6, 2 },
		{ "checksum", 3, 2 },
	};
	const struct xdna_xclbin_partition *p;
	const struct xdna_xclbin_kernel *k;
	const struct xdna_xclbin_pdi *pdi;
	struct xdna_xclbin *xb;
	char path[PATH_MAX + 64];
	uint8_t uuid[16];
	unsigned int i, bufs = 0;

	find_data_dir();
	snprintf(path, sizeof(path), "%s/%s.xclbin", data_dir, want[_i].name);
	ck_assert_int_eq(xdna_xclbin_open(path, &xb), 0);
	xdna_emu_design_uuid(want[_i].name, uuid);
	ck_assert_mem_eq(xdna_xclbin_uuid(xb), uuid, 16);
	ck_assert_uint_eq(xdna_xclbin_num_sections(xb), 6);
	ck_assert_uint_eq(xdna_xclbin_num_kernels(xb), 1);
	k = xdna_xclbin_find_kernel(xb, want[_i].name);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->type, "dpu");
	ck_assert_uint_eq(k->kernel_id, 0x901);
	ck_assert_uint_eq(k->functional, 0);
	ck_assert_uint_eq(k->num_args, want[_i].nargs);
	for (i = 0; i < k->num_args; i++) {
		ck_assert_uint_eq(k->args[i].index, i);
		bufs += k->args[i].kind == XDNA_ARG_BUFFER;
	}
	ck_assert_uint_eq(bufs, want[_i].nbufs);
	ck_assert_uint_eq(k->num_instances, 1);
	p = xdna_xclbin_partition(xb);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->column_width, 1);
	ck_assert_uint_eq(p->num_start_columns, 1);
	ck_assert_uint_eq(p->num_pdis, 1);
	ck_assert_uint_eq(p->ops_per_cycle, 2048);
	ck_assert_str_eq(p->pdis[0].cdo_groups[0].name, "DPU");
	pdi = xdna_xclbin_kernel_pdi(xb, k);
	ck_assert_ptr_eq(pdi, &p->pdis[0]);
	ck_assert_int_eq(xdna_xclbin_pdi_index(xb, pdi), 0);
	ck_assert_uint_eq(xdna_xclbin_num_ips(xb), 1);
	ck_assert_uint_eq(xdna_xclbin_num_mems(xb), 1);
	ck_assert_uint_eq(xdna_xclbin_num_groups(xb), 1);
	ck_assert_uint_eq(xdna_xclbin_num_connections(xb), want[_i].nbufs);
	ck_assert_str_eq(xdna_xclbin_mem(xb, 0)->tag, "HOST");
	ck_assert_ptr_null(xdna_xclbin_find_kernel(xb, "nope"));
	assert_one_line(xdna_errmsg(), "nope", want[_i].name);
	xdna_xclbin_close(xb);
}
END_TEST

START_TEST(test_missing_file)
{
	struct xdna_xclbin *xb = (void *)1;

	ck_assert_int_eq(xdna_xclbin_open("/nonexistent/x.xclbin", &xb), -ENOENT);
	ck_assert_ptr_null(xb);
	assert_one_line(xdna_errmsg(), "/nonexistent/x.xclbin", NULL);
	ck_assert_int_eq(xdna_xclbin_open("/", &xb), -EINVAL);
	ck_assert_int_eq(xdna_xclbin_open(NULL, &xb), -EINVAL);
	ck_assert_int_eq(xdna_xclbin_open_mem(NULL, 4, &xb), -EINVAL);
}
END_TEST

/* Every prefix of a good file fails cleanly (ASan/valgrind catch overreads). */
START_TEST(test_truncated)
{
	struct xdna_xclbin *xb;
	size_t len, n;
	uint8_t *buf = slurp("whisper_stem", &len);

	for (n = 0; n < len; n++) {
		int err = xdna_xclbin_open_mem(buf, n, &xb);

		ck_assert_msg(err == -EBADMSG, "prefix of %zu bytes: %d", n, err);
		assert_one_line(xdna_errmsg(), "xclbin", NULL);
	}
	ck_assert_int_eq(xdna_xclbin_open_mem(buf, len, &xb), 0);
	xdna_xclbin_close(xb);
	free(buf);
}
END_TEST

/* Every byte flipped in turn: success or -EBADMSG, never a crash. */
START_TEST(test_bitflips)
{
	struct xdna_xclbin *xb;
	size_t len, i;
	uint8_t *buf = slurp("scale_add", &len);
	unsigned int ok = 0, bad = 0;

	for (i = 0; i < len; i++) {
		static const uint8_t masks[] = { 0x01, 0x80, 0xff };
		unsigned int m;

		for (m = 0; m < 3; m++) {
			int err;

			buf[i] ^= masks[m];
			err = xdna_xclbin_open_mem(buf, len, &xb);
			buf[i] ^= masks[m];
			ck_assert_msg(!err || err == -EBADMSG, "byte %zu ^ %#x: %d", i, masks[m], err);
			if (err) {
				bad++;
				assert_one_line(xdna_errmsg(), "xclbin", NULL);
			} else {
				ok++;
				xdna_xclbin_close(xb);
			}
		}
	}
	free(buf);
	ck_assert_uint_gt(bad, 0);
	ck_assert_uint_gt(ok, 0);
}
END_TEST

static const struct axlf_section_header *sec_hdr(const uint8_t *buf, uint32_t kind, size_t *at)
{
	const struct axlf *top = (const void *)buf;
	unsigned int i;

	for (i = 0; i < top->header.num_sections; i++) {
		const struct axlf_section_header *h = (const void *)(buf + sizeof(*top) + i * 40);

		if (h->kind == kind) {
			*at = sizeof(*top) + i * 40;
			return h;
		}
	}
	ck_abort_msg("no section %u", kind);
	return NULL;
}

/* Named corruptions, each with the section and field its message must name. */
START_TEST(test_corrupt_fields)
{
	struct xdna_xclbin *xb;
	size_t len, at;
	uint8_t *good = slurp("copy", &len), *buf = malloc(len);
	const struct axlf_section_header *h;
	struct axlf_aie_partition p;
	uint32_t u32;
	uint64_t u64;
	int32_t i32;

#define EXPECT_BAD(sec, field) do { \
		ck_assert_int_eq(xdna_xclbin_open_mem(buf, len, &xb), -EBADMSG); \
		assert_one_line(xdna_errmsg(), sec, field); \
		memcpy(buf, good, len); \
	} while (0)

	memcpy(buf, good, len);
	buf[0] = 'X';
	EXPECT_BAD("m_magic", NULL);
	u64 = len + 1;
	memcpy(buf + 304, &u64, 8);
	EXPECT_BAD("header", "m_length");
	u32 = 0x10000000;
	memcpy(buf + 304 + 144, &u32, 4);
	EXPECT_BAD("header", "m_numSections");

	h = sec_hdr(good, AXLF_AIE_PARTITION, &at);
	u64 = len;		/* offset at the very end, nonzero size */
	memcpy(buf + at + 24, &u64, 8);	/* m_sectionOffset, after 4 bytes of padding */
	EXPECT_BAD("AIE_PARTITION", "m_sectionOffset");
	memcpy(&p, good + h->offset, sizeof(p));
	u32 = 0xffffff00;
	memcpy(buf + h->offset + 4, &u32, 4);		/* mpo_name */
	EXPECT_BAD("AIE_PARTITION", "mpo_name");
	memcpy(buf + h->offset + 120, &u32, 4);		/* aie_pdi.size */
	EXPECT_BAD("AIE_PARTITION", "aie_pdi");
	u32 = 1;
	memcpy(buf + h->offset + 124, &u32, 4);		/* aie_pdi.offset */
	u32 = (uint32_t)h->size;
	memcpy(buf + h->offset + 124, &u32, 4);
	EXPECT_BAD("AIE_PARTITION", "aie_pdi");
	buf[h->offset + 32] = 0;			/* column_width */
	buf[h->offset + 33] = 0;
	EXPECT_BAD("AIE_PARTITION", "column_width");
	{
		struct axlf_aie_pdi d;
		size_t pdi_at = h->offset + p.aie_pdi.offset;

		memcpy(&d, good + pdi_at, sizeof(d));
		u32 = (uint32_t)h->size;		/* pdi_image.size overruns */
		memcpy(buf + pdi_at + 16, &u32, 4);
		EXPECT_BAD("AIE_PARTITION", "pdi_image");
		u32 = 0xfffffff0;			/* pdi_image.offset overruns */
		memcpy(buf + pdi_at + 20, &u32, 4);
		EXPECT_BAD("AIE_PARTITION", "pdi_image");
		u32 = 100000;				/* cdo_groups.size */
		memcpy(buf + pdi_at + 24, &u32, 4);
		EXPECT_BAD("AIE_PARTITION", "cdo_groups");
		u32 = 1000;				/* kernel ids overrun */
		memcpy(buf + h->offset + d.cdo_groups.offset + 16, &u32, 4);
		EXPECT_BAD("AIE_PARTITION", "dpu_kernel_ids");
	}

	h = sec_hdr(good, AXLF_IP_LAYOUT, &at);
	i32 = -1;
	memcpy(buf + h->offset, &i32, 4);
	EXPECT_BAD("IP_LAYOUT", "m_count");
	i32 = 2;
	memcpy(buf + h->offset, &i32, 4);
	EXPECT_BAD("IP_LAYOUT", "m_count");
	memset(buf + h->offset + 8 + 16, 'A', 64);
	EXPECT_BAD("IP_LAYOUT", "m_name");

	h = sec_hdr(good, AXLF_CONNECTIVITY, &at);
	i32 = 7;
	memcpy(buf + h->offset + 4 + 4, &i32, 4);
	EXPECT_BAD("CONNECTIVITY", "m_ip_layout_index");
	memcpy(buf + h->offset + 4 + 8, &i32, 4);
	EXPECT_BAD("CONNECTIVITY", "mem_data_index");
	h = sec_hdr(good, AXLF_MEM_TOPOLOGY, &at);
	i32 = 5000;
	memcpy(buf + h->offset, &i32, 4);
	EXPECT_BAD("MEM_TOPOLOGY", "m_count");
	free(buf);
	free(good);
}
END_TEST

/* XML replaced in place (same size, padded with spaces). */
static int open_with_xml(const char *xml)
{
	struct xdna_xclbin *xb;
	size_t len, at, n = strlen(xml);
	uint8_t *buf = slurp("copy", &len);
	const struct axlf_section_header *h = sec_hdr(buf, AXLF_EMBEDDED_METADATA, &at);
	int err;

	ck_assert_uint_le(n, h->size);
	memset(buf + h->offset, ' ', h->size);
	memcpy(buf + h->offset, xml, n);
	err = xdna_xclbin_open_mem(buf, len, &xb);
	if (!err)
		xdna_xclbin_close(xb);
	free(buf);
	return err;
}

#define XML_PRE "<project><platform><device><core><kernel name=\"k\" type=\"dpu\">"
#define XML_POST "</kernel></core></device></platform></project>"

START_TEST(test_bad_xml)
{
	static const struct { const char *xml, *names; } cases[] = {
		{ "<project", "EMBEDDED_METADATA line" },
		{ "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><project/>", "DOCTYPE" },
		{ XML_PRE "<arg name=\"a\" id=\"0\" size=\"4\" offset=\"0\"/>"
		  "<arg name=\"b\" id=\"0\" size=\"4\" offset=\"4\"/>" XML_POST, "id 0 where 1" },
		{ XML_PRE "<arg name=\"a\" id=\"1\" size=\"4\" offset=\"0\"/>" XML_POST,
		  "id 1 where 0" },
		{ XML_PRE "<arg name=\"a\" id=\"0\" size=\"4\" offset=\"0x2000\"/>" XML_POST,
		  "offset" },
		{ XML_PRE "<arg name=\"a\" id=\"0\" size=\"0\" offset=\"0\"/>" XML_POST, "size" },
		{ XML_PRE "<arg name=\"a\" id=\"0\" size=\"4\" offset=\"0\" "
		  "addressQualifier=\"1\"/>" XML_POST, "buffer argument has size 4" },
		{ XML_PRE "<arg name=\"a\" id=\"0\" size=\"8\" offset=\"0\"/>"
		  "<arg name=\"b\" id=\"1\" size=\"4\" offset=\"4\"/>" XML_POST, "overlaps" },
		{ XML_PRE "<arg name=\"a\" id=\"x\" size=\"4\" offset=\"0\"/>" XML_POST, "id \"x\"" },
		{ XML_PRE "<arg id=\"0\" size=\"4\" offset=\"0\"/>" XML_POST, "no name" },
		{ XML_PRE "<extended-data functional=\"300\"/>" XML_POST, "functional" },
		{ XML_PRE XML_POST "<x/>", "junk" },
		{ "<project><platform><device><core><kernel name=\"k\"/><kernel name=\"k\"/>"
		  "</core></device></platform></project>", "twice" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(open_with_xml(cases[i].xml) == -EBADMSG, "case %u accepted", i);
		assert_one_line(xdna_errmsg(), "EMBEDDED_METADATA", cases[i].names);
	}
	/* A well-formed kernel elsewhere in the tree is not a kernel. */
	ck_assert_int_eq(open_with_xml("<project><kernel name=\"k\"/></project>"), 0);
}
END_TEST

static Suite *xclbin_suite(void)
{
	Suite *s = suite_create("xclbin");
	TCase *tc = tcase_create("reader");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_designs_parse, 0, 4);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bitflips);
	tcase_add_test(tc, test_corrupt_fields);
	tcase_add_test(tc, test_bad_xml);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = xclbin_suite);
