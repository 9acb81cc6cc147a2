// SPDX-License-Identifier: MIT
/*
 * Designs on the device: a hardware context configured from an xclbin,
 * START_CU packets from typed kernel arguments, instruction streams.
 * What AMD's shim does is cited per function (amd/xdna-driver, commit
 * 856409cafc23).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim_internal.h"
#include "xdna/xclbin.h"

#define XDNA_XCLBIN_MAX_CUS	16	/* hwctx.c's CONFIG_CU limit */

static uint32_t xdna_core_rows(struct xdna_dev *dev, uint32_t *cols)
{
	struct amdxdna_drm_query_aie_metadata md;

	if (xdna_query_aie_metadata(dev, &md) || !md.cols || !md.core.row_count) {
		*cols = 0;
		return 4;
	}
	*cols = md.cols;
	return md.core.row_count;
}

int xdna_hwctx_create_from_xclbin(struct xdna_dev *dev, const struct xdna_xclbin *xb,
				  const struct xdna_hwctx_opts *opts, struct xdna_hwctx **out)
{
	const struct xdna_xclbin_pdi *cu_pdi[XDNA_XCLBIN_MAX_CUS];
	const struct xdna_xclbin_kernel *cu_k[XDNA_XCLBIN_MAX_CUS];
	const char *cu_inst[XDNA_XCLBIN_MAX_CUS];
	struct xdna_bo *bos[XDNA_XCLBIN_MAX_CUS] = { NULL };
	uint8_t funcs[XDNA_XCLBIN_MAX_CUS];
	const struct xdna_xclbin_partition *part;
	struct xdna_hwctx_opts o = { .sz = sizeof(o) };
	struct xdna_hwctx *ctx;
	unsigned int n = 0, i, j;
	uint32_t rows, cols;
	int err;

	if (!dev || !xb || !out)
		return xdna_fail(-EINVAL, "xdna_hwctx_create_from_xclbin: NULL argument");
	*out = NULL;
	part = xdna_xclbin_partition(xb);
	if (!part)
		return xdna_fail(-EINVAL, "xclbin: no AIE_PARTITION section: not an NPU design");
	/* xclbin_parser: one CU per instance of each kernel that has a PDI. */
	for (i = 0; i < xdna_xclbin_num_kernels(xb); i++) {
		const struct xdna_xclbin_kernel *k = xdna_xclbin_kernel(xb, i);
		const struct xdna_xclbin_pdi *pdi = xdna_xclbin_kernel_pdi(xb, k);

		if (!pdi)
			continue;
		for (j = 0; j < (k->num_instances ? k->num_instances : 1); j++) {
			if (n == XDNA_XCLBIN_MAX_CUS)
				return xdna_fail(-E2BIG, "xclbin: more than %d CUs",
						 XDNA_XCLBIN_MAX_CUS);
			cu_k[n] = k;
			cu_pdi[n] = pdi;
			cu_inst[n] = k->num_instances ? k->instances[j] : k->name;
			funcs[n++] = (uint8_t)k->functional;
		}
	}
	if (!n)
		return xdna_fail(-EINVAL, "xclbin: no kernel has a PDI (\"No valid DPU kernel "
				 "found in xclbin\")");
	rows = xdna_core_rows(dev, &cols);
	if (cols && part->column_width > cols)
		return xdna_fail(-E2BIG, "xclbin: partition of %u columns is wider than the "
				 "device's %u", part->column_width, cols);
	if (opts) {
		if (opts->sz < sizeof(size_t) || opts->sz > sizeof(o))
			return xdna_fail(-EINVAL, "xdna_hwctx_create_from_xclbin: opts->sz %zu "
					 "unknown", opts->sz);
		memcpy(&o, opts, opts->sz);
		o.sz = sizeof(o);
	}
	/* hwctx::ctx::create: num_tiles = n_cols * core rows, max_opc = ops/cycle */
	o.num_tiles = part->column_width * rows;
	o.max_opc = part->ops_per_cycle;
	err = xdna_hwctx_create(dev, &o, &ctx);
	if (err)
		return err;
	ctx->cu_kernel = calloc(n, sizeof(*ctx->cu_kernel));
	ctx->cu_instance = calloc(n, sizeof(*ctx->cu_instance));
	ctx->pdi_bos = calloc(n, sizeof(*ctx->pdi_bos));
	if (!ctx->cu_kernel || !ctx->cu_instance || !ctx->pdi_bos) {
		err = xdna_fail(-ENOMEM, "xdna_hwctx_create_from_xclbin: out of memory");
		goto fail;
	}
	ctx->num_cus = n;
	/* hwctx_kmq::hwctx_kmq: a cacheable (DEV) BO per CU, PDI copied, synced. */
	for (i = 0; i < n; i++) {
		err = xdna_bo_create(dev, XDNA_BO_DEV, cu_pdi[i]->size, &bos[i]);
		if (err)
			goto fail;
		ctx->pdi_bos[i] = bos[i];
		memcpy(xdna_bo_map(bos[i]), cu_pdi[i]->image, cu_pdi[i]->size);
		err = xdna_bo_sync(bos[i], XDNA_SYNC_TO_DEVICE, 0, 0);
		if (err)
			goto fail;
		snprintf(ctx->cu_kernel[i], XDNA_CU_NAME_MAX, "%s", cu_k[i]->name);
		snprintf(ctx->cu_instance[i], XDNA_CU_NAME_MAX, "%s", cu_inst[i]);
	}
	err = xdna_hwctx_config_cu(ctx, bos, funcs, n);
	if (err)
		goto fail;
	*out = ctx;
	return 0;
fail:
	{
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", xdna_errmsg());
		xdna_hwctx_destroy(ctx);	/* and the PDI BOs made so far */
		return xdna_fail(err, "%s", msg);
	}
}

int xdna_cmd_encode_kernel(struct xdna_bo *cmd, unsigned int cu,
			   const struct xdna_xclbin_kernel *k, const struct xdna_karg *args,
			   unsigned int nargs)
{
	uint32_t regs[XDNA_XCLBIN_MAX_ARG_OFFSET / 4];
	uint8_t *bytes = (uint8_t *)regs;
	unsigned int i;

	if (!cmd || !k || (nargs && !args))
		return xdna_fail(-EINVAL, "xdna_cmd_encode_kernel: NULL argument");
	if (nargs != k->num_args)
		return xdna_fail(nargs > k->num_args ? -E2BIG : -EINVAL,
				 "kernel %s takes %u arguments, %u given", k->name, k->num_args,
				 nargs);
	memset(regs, 0, sizeof(regs));
	for (i = 0; i < nargs; i++) {
		const struct xdna_xclbin_arg *a = &k->args[i];
		uint64_t v;

		if (args[i].kind != a->kind)
			return xdna_fail(-EINVAL, "kernel %s argument %s is a %s, given a %s",
					 k->name, a->name, a->kind ? "buffer" : "scalar",
					 args[i].kind ? "buffer" : "scalar");
		if (a->kind == XDNA_ARG_BUFFER) {
			if (!args[i].bo)
				return xdna_fail(-EINVAL, "kernel %s argument %s: no BO", k->name,
						 a->name);
			if (args[i].offset >= xdna_bo_size(args[i].bo))
				return xdna_fail(-EINVAL, "kernel %s argument %s: offset %llu beyond "
						 "the %zu-byte BO", k->name, a->name,
						 (unsigned long long)args[i].offset,
						 xdna_bo_size(args[i].bo));
			v = xdna_bo_dev_addr(args[i].bo) + args[i].offset;
		} else {
			v = args[i].value;
			if (a->size < 8 && v >> (a->size * 8))
				return xdna_fail(-EINVAL, "kernel %s argument %s: %llu does not fit "
						 "in %u bytes", k->name, a->name,
						 (unsigned long long)v, a->size);
			if (a->size > 8)
				return xdna_fail(-EINVAL, "kernel %s argument %s: %u-byte scalars "
						 "are not supported", k->name, a->name, a->size);
		}
		/* Little endian, as the registers are (x86 and the NPU alike). */
		memcpy(bytes + a->offset, &v, a->size < 8 ? a->size : 8);
	}
	return xdna_cmd_encode(cmd, XDNA_CMD_START_CU, cu, regs, (k->regs_size + 3) / 4);
}

int xdna_insts_load_mem(struct xdna_dev *dev, const void *buf, size_t len,
			struct xdna_bo **out, uint32_t *nwords)
{
	struct xdna_bo *bo;
	int err;

	if (!dev || !out || !nwords || (len && !buf))
		return xdna_fail(-EINVAL, "xdna_insts_load: NULL argument");
	*out = NULL;
	if (!len || len % 4 || len / 4 > UINT32_MAX)
		return xdna_fail(-EINVAL, "instruction stream of %zu bytes: not a whole number "
				 "of 32-bit words", len);
	err = xdna_bo_create(dev, XDNA_BO_DEV, len, &bo);
	if (err)
		return err;
	memcpy(xdna_bo_map(bo), buf, len);
	err = xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0);
	if (err) {
		xdna_bo_destroy(bo);
		return err;
	}
	*out = bo;
	*nwords = (uint32_t)(len / 4);
	return 0;
}

int xdna_insts_load(struct xdna_dev *dev, const char *path, struct xdna_bo **out,
		    uint32_t *nwords)
{
	struct stat st;
	size_t got = 0;
	void *buf;
	int fd, err;

	if (!path)
		return xdna_fail(-EINVAL, "xdna_insts_load: NULL path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		return xdna_fail(err, "instructions %s: %s", path, strerror(-err));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 30)) {
		close(fd);
		return xdna_fail(-EINVAL, "instructions %s: not a regular file under 1 GiB", path);
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return xdna_fail(-ENOMEM, "instructions %s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, (char *)buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return xdna_fail(-EIO, "instructions %s: short read", path);
	}
	err = xdna_insts_load_mem(dev, buf, got, out, nwords);
	free(buf);
	if (err == -EINVAL)
		return xdna_fail(err, "instructions %s: %zu bytes is not a whole number of "
				 "32-bit words", path, got);
	return err;
}
