// SPDX-License-Identifier: MIT
/*
 * Designs from xclbin files on the (emulated) device: the context AMD's
 * shim would make, START_CU from typed arguments, instruction streams,
 * designs without a CPU model, and bad input leaving nothing behind.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "amdxdna_uapi.h"
#include "emu_census.h"
#include "runner.h"
#include "xdna/shim.h"
#include "xdna/xclbin.h"
#include "xdna_emu.h"

static char data_dir[PATH_MAX + 16];

static struct xdna_xclbin *design(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct xdna_xclbin *xb;

	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(data_dir, sizeof(data_dir), "%s/../data", exe);
	snprintf(path, sizeof(path), "%s/%s.xclbin", data_dir, name);
	ck_assert_msg(!xdna_xclbin_open(path, &xb), "%s", xdna_errmsg());
	return xb;
}

static struct xdna_dev *dev_open(void)
{
	struct xdna_dev *dev;

	ck_assert_msg(!xdna_dev_open(NULL, &dev), "%s", xdna_errmsg());
	return dev;
}

/* The ioctls that change driver state, successful ones only. */
static bool traced(const struct xdna_emu_ioctl_rec *r)
{
	if (r->ret)
		return false;	/* e.g. CREATE_HWCTX -EAGAIN before the heap grows */
	return r->nr == _IOC_NR(DRM_IOCTL_AMDXDNA_CREATE_HWCTX) ||
	       r->nr == _IOC_NR(DRM_IOCTL_AMDXDNA_DESTROY_HWCTX) ||
	       r->nr == _IOC_NR(DRM_IOCTL_AMDXDNA_CONFIG_HWCTX) ||
	       r->nr == _IOC_NR(DRM_IOCTL_AMDXDNA_CREATE_BO) ||
	       r->nr == _IOC_NR(DRM_IOCTL_AMDXDNA_EXEC_CMD) ||
	       r->nr == _IOC_NR(DRM_IOCTL_GEM_CLOSE);
}

/*
 * What AMD's shim issues for a one-kernel xclbin, written down from
 * amd/xdna-driver 856409cafc23 (the heap already exists: AMD's device
 * makes it at open; GET_INFO/GET_BO_INFO are queries, left out):
 *   src/shim/hwctx.cpp hwctx::hwctx -> create_ctx_on_device ->
 *     hwctx::ctx::create: CREATE_HWCTX (num_tiles = ncol * core rows)
 *   src/shim/kmq/hwctx.cpp hwctx_kmq::hwctx_kmq: per CU alloc_bo(pdi size,
 *     XRT_BO_FLAGS_CACHEABLE) = CREATE_BO AMDXDNA_BO_DEV (buffer.cpp), the
 *     PDI copied and synced (clflush, no ioctl), then CONFIG_HWCTX
 *     DRM_AMDXDNA_HWCTX_CONFIG_CU
 *   run: a CMD BO (CREATE_BO AMDXDNA_BO_CMD), EXEC_CMD
 *   ~hwctx_kmq: m_pdi_bos freed (GEM_CLOSE), then ~hwctx::ctx: DESTROY_HWCTX
 */
#define ROWS	0xffffffffu	/* CREATE_HWCTX num_tiles: 1 column x the device's core rows */
static const struct xdna_emu_ioctl_rec amd_sequence[] = {
	/* num_tiles = ncol * rows, max_opc = operations_per_cycle (2048) */
	{ _IOC_NR(DRM_IOCTL_AMDXDNA_CREATE_HWCTX), 0, ROWS, 2048 },
	{ _IOC_NR(DRM_IOCTL_AMDXDNA_CREATE_BO), 0, AMDXDNA_BO_DEV, 0 },
	/* one CU, cu_func = the kernel's functional (0) */
	{ _IOC_NR(DRM_IOCTL_AMDXDNA_CONFIG_HWCTX), 0, DRM_AMDXDNA_HWCTX_CONFIG_CU, 1 | 0 << 16 },
	{ _IOC_NR(DRM_IOCTL_AMDXDNA_CREATE_BO), 0, AMDXDNA_BO_CMD, 0 },
	{ _IOC_NR(DRM_IOCTL_AMDXDNA_EXEC_CMD), 0, 0, 0 },
	{ _IOC_NR(DRM_IOCTL_GEM_CLOSE), 0, 0, 0 },		/* the CMD BO */
	{ _IOC_NR(DRM_IOCTL_GEM_CLOSE), 0, 0, 0 },		/* the PDI BO */
	{ _IOC_NR(DRM_IOCTL_AMDXDNA_DESTROY_HWCTX), 0, 0, 0 },
};

static void run_copy(struct xdna_dev *dev, struct xdna_hwctx *ctx,
		     const struct xdna_xclbin_kernel *k, struct xdna_bo *src, struct xdna_bo *dst,
		     uint32_t bytes)
{
	struct xdna_karg a[3] = {
		{ .kind = XDNA_ARG_BUFFER, .bo = src },
		{ .kind = XDNA_ARG_BUFFER, .bo = dst },
		{ .kind = XDNA_ARG_SCALAR, .value = bytes },
	};
	struct xdna_bo *cmd, *bos[2] = { src, dst };
	int cu = xdna_hwctx_cu_index(ctx, k->name);
	uint64_t seq;

	ck_assert_int_eq(cu, 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, (unsigned int)cu, k, a, 3), 0);
	/* Header, CU mask, then the registers: src lo/hi, dst lo/hi, bytes. */
	ck_assert_uint_eq(((uint32_t *)xdna_bo_map(cmd))[2], (uint32_t)xdna_bo_dev_addr(src));
	ck_assert_uint_eq(((uint32_t *)xdna_bo_map(cmd))[6], bytes);
	ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 2, &seq), 0);
	ck_assert_msg(!xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), "%s", xdna_errmsg());
	xdna_bo_destroy(cmd);
}

START_TEST(test_ioctl_sequence_matches_amd)
{
	static struct xdna_emu_ioctl_rec rec[256];
	struct xdna_xclbin *xb = design("copy");
	const struct xdna_xclbin_kernel *k = xdna_xclbin_find_kernel(xb, "copy");
	struct xdna_bo *warm, *src, *dst;
	struct xdna_dev *dev = dev_open();
	struct xdna_hwctx *ctx;
	struct amdxdna_drm_query_aie_metadata md;
	unsigned int i, n = 0;
	int got;

	ck_assert_int_eq(xdna_query_aie_metadata(dev, &md), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &warm), 0);	/* the heap */
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	memset(xdna_bo_map(src), 0x5a, 4096);
	ck_assert_int_eq(xdna_emu_try_ioctl_trace(rec, 256), 0);
	ck_assert_msg(!xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), "%s", xdna_errmsg());
	ck_assert_uint_eq(xdna_hwctx_num_cus(ctx), 1);
	run_copy(dev, ctx, k, src, dst, 4096);
	xdna_xclbin_close(xb);
	xdna_hwctx_destroy(ctx);
	got = xdna_emu_try_ioctl_trace(NULL, 0);
	ck_assert_int_gt(got, 0);
	for (i = 0; i < (unsigned int)got; i++) {
		if (!traced(&rec[i]))
			continue;
		ck_assert_msg(n < sizeof(amd_sequence) / sizeof(amd_sequence[0]),
			      "extra ioctl %#x", rec[i].nr);
		{
			uint32_t arg0 = amd_sequence[n].arg0 == ROWS ? md.core.row_count
								    : amd_sequence[n].arg0;

			ck_assert_msg(rec[i].nr == amd_sequence[n].nr && rec[i].arg0 == arg0 &&
				      rec[i].arg1 == amd_sequence[n].arg1,
				      "ioctl %u: nr %#x args %u %u; AMD's shim: nr %#x args %u %u", n,
				      rec[i].nr, rec[i].arg0, rec[i].arg1, amd_sequence[n].nr, arg0,
				      amd_sequence[n].arg1);
		}
		n++;
	}
	ck_assert_uint_eq(n, sizeof(amd_sequence) / sizeof(amd_sequence[0]));
	ck_assert_int_eq(memcmp(xdna_bo_map(src), xdna_bo_map(dst), 4096), 0);
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	xdna_bo_destroy(warm);
	ck_assert_int_eq(xdna_dev_close(dev), 0);
	emu_census_assert_zero();
}
END_TEST

START_TEST(test_scale_add_and_checksum)
{
	struct xdna_xclbin *xb = design("scale_add");
	const struct xdna_xclbin_kernel *k = xdna_xclbin_find_kernel(xb, "scale_add");
	struct xdna_dev *dev = dev_open();
	struct xdna_bo *x, *y, *out, *cmd, *bos[3];
	struct xdna_hwctx *ctx;
	float a = 0.5f, *o;
	uint32_t abits;
	uint64_t seq;
	unsigned int i;

	memcpy(&abits, &a, 4);
	ck_assert_msg(!xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), "%s", xdna_errmsg());
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 1024 * 4, &x), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 1024 * 4, &y), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 1024 * 4, &out), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	for (i = 0; i < 1024; i++) {
		((float *)xdna_bo_map(x))[i] = (float)i;
		((float *)xdna_bo_map(y))[i] = 1.0f;
	}
	{
		struct xdna_karg args[5] = {
			{ .kind = XDNA_ARG_BUFFER, .bo = x }, { .kind = XDNA_ARG_BUFFER, .bo = y },
			{ .kind = XDNA_ARG_BUFFER, .bo = out },
			{ .kind = XDNA_ARG_SCALAR, .value = 1024 },
			{ .kind = XDNA_ARG_SCALAR, .value = abits },
		};

		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, args, 5), 0);
		/* Wrong count, wrong kind, a scalar too wide for its 4 bytes. */
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, args, 4), -EINVAL);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "scale_add takes 5"));
		args[3].kind = XDNA_ARG_BUFFER;
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, args, 5), -EINVAL);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "argument n is a scalar"));
		args[3].kind = XDNA_ARG_SCALAR;
		args[3].value = 1ull << 32;
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, args, 5), -EINVAL);
		args[3].value = 1024;
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, args, 5), 0);
	}
	bos[0] = x; bos[1] = y; bos[2] = out;
	ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 3, &seq), 0);
	ck_assert_msg(!xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), "%s", xdna_errmsg());
	o = xdna_bo_map(out);
	for (i = 0; i < 1024; i++)
		ck_assert_float_eq(o[i], 0.5f * (float)i + 1.0f);
	ck_assert_int_eq(xdna_hwctx_cu_index(ctx, "nope"), -ENOENT);
	xdna_xclbin_close(xb);
	xdna_bo_destroy(cmd);
	xdna_bo_destroy(out);
	xdna_bo_destroy(y);
	xdna_bo_destroy(x);
	xdna_hwctx_destroy(ctx);	/* and its PDI BO */
	ck_assert_int_eq(xdna_dev_close(dev), 0);
	emu_census_assert_zero();
}
END_TEST

/* The design's UUID in the packaged PDI replaced: a design with no model. */
START_TEST(test_design_without_model)
{
	struct xdna_xclbin *good = design("copy"), *xb;
	const struct xdna_xclbin_section *s =
		xdna_xclbin_find_section(good, 32 /* AIE_PARTITION */);
	const struct xdna_xclbin_pdi *pdi = &xdna_xclbin_partition(good)->pdis[0];
	size_t len = s->offset + s->size, at = (size_t)((const uint8_t *)pdi->image -
							 (const uint8_t *)s->data) + s->offset;
	uint8_t *buf = malloc(len);
	struct xdna_dev *dev = dev_open();
	struct xdna_bo *src, *dst;
	struct xdna_hwctx *ctx;
	FILE *err = tmpfile();
	char line[256];
	int saved, lines = 0;

	/* The file is laid out contiguously: copy it from the first section. */
	memcpy(buf, (const uint8_t *)xdna_xclbin_section(good, 0)->data -
	       xdna_xclbin_section(good, 0)->offset, len);
	buf[at + pdi->size - 1] ^= 0xff;		/* last byte of the design UUID */
	ck_assert_int_eq(xdna_xclbin_open_mem(buf, len, &xb), 0);
	ck_assert_msg(!xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), "%s", xdna_errmsg());
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &src), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &dst), 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(err), 2);
	{
		struct xdna_karg a[3] = {
			{ .kind = XDNA_ARG_BUFFER, .bo = src }, { .kind = XDNA_ARG_BUFFER, .bo = dst },
			{ .kind = XDNA_ARG_SCALAR, .value = 64 },
		};
		struct xdna_bo *cmd, *bos[2] = { src, dst };
		const struct xdna_xclbin_kernel *k = xdna_xclbin_kernel(xb, 0);
		uint64_t seq;
		int r, i;

		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
		for (i = 0; i < 2; i++) {
			ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, a, 3), 0);
			ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 2, &seq), 0);
			r = xdna_cmd_wait(ctx, cmd, seq, 5000000000LL);
			ck_assert_int_eq(r, -EIO);
			ck_assert_int_eq(xdna_cmd_state(cmd), XDNA_ERT_CMD_STATE_ERROR);
		}
		xdna_bo_destroy(cmd);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err);
	while (fgets(line, sizeof(line), err))
		lines += !!strstr(line, "no CPU model for design");
	fclose(err);
	ck_assert_int_eq(lines, 1);		/* one line, not one per command */
	xdna_bo_destroy(src);
	xdna_bo_destroy(dst);
	xdna_hwctx_destroy(ctx);
	xdna_xclbin_close(xb);
	xdna_xclbin_close(good);
	free(buf);
	ck_assert_int_eq(xdna_dev_close(dev), 0);
	emu_census_assert_zero();
}
END_TEST

/* Hostile designs fail before or at CONFIG_CU and leave nothing behind. */
/* The released drivers whose CONFIG_CU waits for the firmware's answer. */
static bool config_cu_waits(void)
{
	const char *f = getenv("XDNA_EMU_FLAVOUR");

	return f && (!strcmp(f, "6.14") || !strcmp(f, "oot"));
}

START_TEST(test_bad_designs_leave_nothing)
{
	struct xdna_xclbin *good = design("checksum"), *xb;
	const struct xdna_xclbin_section *s0 = xdna_xclbin_section(good, 0);
	const struct xdna_xclbin_section *s = xdna_xclbin_find_section(good, 32);
	const struct xdna_xclbin_pdi *pdi = &xdna_xclbin_partition(good)->pdis[0];
	size_t len = s->offset + s->size;
	size_t img = (size_t)((const uint8_t *)pdi->image - (const uint8_t *)s->data) + s->offset;
	uint8_t *buf = malloc(len);
	const uint8_t *file = (const uint8_t *)s0->data - s0->offset;
	struct xdna_dev *dev = dev_open();
	struct xdna_hwctx *ctx = (void *)1;
	struct xdna_bo *insts;
	uint32_t nwords, words[3] = { 1, 2, 3 };

	/* A partition wider than the device (npu4: 8 columns, npu1: 5). */
	memcpy(buf, file, len);
	buf[s->offset + 32] = 32;
	ck_assert_int_eq(xdna_xclbin_open_mem(buf, len, &xb), 0);
	ck_assert_int_eq(xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), -E2BIG);
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "32 columns"));
	xdna_xclbin_close(xb);
	/*
	 * A PDI the "firmware" refuses: where CONFIG_CU waits for the answer
	 * (6.14, oot) it is -EINVAL, BO and context undone; from 6.18 the
	 * refusal shows on the commands instead (RULES.md CONFIG_CU_ASYNC).
	 */
	memcpy(buf, file, len);
	buf[img] ^= 0xff;
	ck_assert_int_eq(xdna_xclbin_open_mem(buf, len, &xb), 0);
	if (config_cu_waits()) {
		ck_assert_int_eq(xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), -EINVAL);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "CONFIG_CU"));
		ck_assert_ptr_null(strchr(xdna_errmsg(), '\n'));
	} else {
		ck_assert_int_eq(xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), 0);
		ck_assert_int_eq(xdna_hwctx_destroy(ctx), 0);
		ctx = NULL;
	}
	xdna_xclbin_close(xb);
	/* Instruction streams: odd lengths and empty ones refused. */
	ck_assert_int_eq(xdna_insts_load_mem(dev, words, 10, &insts, &nwords), -EINVAL);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "10 bytes"));
	ck_assert_int_eq(xdna_insts_load_mem(dev, words, 0, &insts, &nwords), -EINVAL);
	ck_assert_int_eq(xdna_insts_load(dev, "/nonexistent/insts.bin", &insts, &nwords), -ENOENT);
	ck_assert_int_eq(xdna_insts_load_mem(dev, words, 12, &insts, &nwords), 0);
	ck_assert_uint_eq(nwords, 3);
	ck_assert_mem_eq(xdna_bo_map(insts), words, 12);
	xdna_bo_destroy(insts);
	xdna_xclbin_close(good);
	free(buf);
	ck_assert_int_eq(xdna_dev_close(dev), 0);	/* nothing outstanding */
	emu_census_assert_zero();
}
END_TEST

/* An mlir-aie kernel: opcode 3, the instruction BO and its word count. */
START_TEST(test_mlir_aie_instruction_stream)
{
	struct xdna_xclbin *xb = design("passthrough");
	const struct xdna_xclbin_kernel *k = xdna_xclbin_find_kernel(xb, "MLIR_AIE");
	struct xdna_dev *dev = dev_open();
	struct xdna_bo *insts, *in, *out, *trace, *cmd, *bos[4];
	const uint32_t stream[4] = { 1, 1000, 1, 24 };	/* the model's toy ops */
	struct xdna_hwctx *ctx;
	const uint32_t *w;
	uint32_t nwords;
	uint64_t seq;
	unsigned int i;

	ck_assert_ptr_nonnull(k);
	ck_assert_msg(!xdna_hwctx_create_from_xclbin(dev, xb, NULL, &ctx), "%s", xdna_errmsg());
	ck_assert_int_eq(xdna_insts_load_mem(dev, stream, sizeof(stream), &insts, &nwords), 0);
	ck_assert_uint_eq(nwords, 4);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &in), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &out), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &trace), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	for (i = 0; i < 4096; i++)
		((uint8_t *)xdna_bo_map(in))[i] = (uint8_t)(i * 7);
	{
		struct xdna_karg a[6] = {
			{ .kind = XDNA_ARG_SCALAR, .value = 3 },
			{ .kind = XDNA_ARG_BUFFER, .bo = insts },
			{ .kind = XDNA_ARG_SCALAR, .value = nwords },
			{ .kind = XDNA_ARG_BUFFER, .bo = in },
			{ .kind = XDNA_ARG_BUFFER, .bo = out },
			{ .kind = XDNA_ARG_BUFFER, .bo = trace },
		};

		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, a, 6), 0);
		w = xdna_bo_map(cmd);
		/* header, CU mask, then 0x2c bytes of registers: 11 words */
		ck_assert_uint_eq((w[0] >> 12) & 0x7ff, 1 + 11);
		ck_assert_uint_eq(w[2], 3);
		ck_assert_uint_eq(w[3], 0);
		ck_assert_uint_eq(w[4] | (uint64_t)w[5] << 32, xdna_bo_dev_addr(insts));
		ck_assert_uint_eq(w[6], 4);
		ck_assert_uint_eq(w[7] | (uint64_t)w[8] << 32, xdna_bo_dev_addr(in));
		ck_assert_uint_eq(w[9] | (uint64_t)w[10] << 32, xdna_bo_dev_addr(out));
		bos[0] = insts; bos[1] = in; bos[2] = out; bos[3] = trace;
		ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 4, &seq), 0);
		ck_assert_msg(!xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), "%s", xdna_errmsg());
		ck_assert_int_eq(memcmp(xdna_bo_map(in), xdna_bo_map(out), 1000), 0);
		ck_assert_uint_eq(((uint8_t *)xdna_bo_map(out))[1000], 0);
		/* Another opcode: the model refuses it, the command ends in ERROR. */
		a[0].value = 2;
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, a, 6), 0);
		ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 4, &seq), 0);
		ck_assert_int_eq(xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), -EIO);
		/* A word count beyond the instruction BO: ERROR too. */
		a[0].value = 3;
		a[2].value = 2048;
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, a, 6), 0);
		ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 4, &seq), 0);
		ck_assert_int_eq(xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), -EIO);
		/*
		 * The stream at an odd device address (the address is the
		 * caller's): read bytewise, not as a misaligned uint32_t
		 * load (UBSan under make asan), and still run.
		 */
		a[2].value = nwords;
		memset(xdna_bo_map(out), 0, 4096);
		memcpy((uint8_t *)xdna_bo_map(insts) + 1, stream, sizeof(stream));
		ck_assert_int_eq(xdna_bo_sync(insts, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
		ck_assert_int_eq(xdna_cmd_encode_kernel(cmd, 0, k, a, 6), 0);
		((uint32_t *)xdna_bo_map(cmd))[4] += 1;
		ck_assert_int_eq(xdna_cmd_exec(ctx, cmd, bos, 4, &seq), 0);
		ck_assert_msg(!xdna_cmd_wait(ctx, cmd, seq, 5000000000LL), "%s", xdna_errmsg());
		ck_assert_int_eq(memcmp(xdna_bo_map(in), xdna_bo_map(out), 1000), 0);
		ck_assert_uint_eq(((uint8_t *)xdna_bo_map(out))[1000], 0);
	}
	xdna_bo_destroy(cmd);
	xdna_bo_destroy(trace);
	xdna_bo_destroy(out);
	xdna_bo_destroy(in);
	xdna_bo_destroy(insts);
	xdna_hwctx_destroy(ctx);
	xdna_xclbin_close(xb);
	ck_assert_int_eq(xdna_dev_close(dev), 0);
	emu_census_assert_zero();
}
END_TEST

static Suite *xclbin_run_suite(void)
{
	Suite *s = suite_create("xclbin_run");
	TCase *tc = tcase_create("design");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ioctl_sequence_matches_amd);
	tcase_add_test(tc, test_scale_add_and_checksum);
	tcase_add_test(tc, test_design_without_model);
	tcase_add_test(tc, test_bad_designs_leave_nothing);
	tcase_add_test(tc, test_mlir_aie_instruction_stream);
	suite_add_tcase(s, tc);
	return s;
}

static int disarm_faults(void)
{
	return xdna_emu_try_fail_set("");
}

TEST_SUITE(.suite = xclbin_run_suite, .needs = TEST_NEEDS_EMU, .setup = disarm_faults);
