// SPDX-License-Identifier: MIT
/*
 * xdna-emu: the emulated NPU kernels a PDI can name.
 *
 * Built-in kernels live in emu_builtin[]; xdna_emu_register_kernel()
 * adds (or overrides) kernels at run time.  Argument layouts are in
 * README.md; device addresses are passed as lo/hi word pairs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

struct emu_kernel {
	char name[EMU_KERNEL_NAME_MAX];
	xdna_emu_kernel_fn fn;
	struct emu_kernel *next;
};

static struct emu_kernel *emu_kernels;	/* under emu.lock */

static uint64_t emu_karg_addr(const struct xdna_emu_kcall *call,
			      uint32_t i)
{
	return call->args[i] | (uint64_t)call->args[i + 1] << 32;
}

/* copy: src lo, src hi, dst lo, dst hi, bytes */
static int emu_kernel_copy(const struct xdna_emu_kcall *call)
{
	const void *src;
	void *dst;
	uint32_t n;

	if (call->nargs < 5)
		return -EINVAL;
	n = call->args[4];
	src = call->map(call, emu_karg_addr(call, 0), n);
	dst = call->map(call, emu_karg_addr(call, 2), n);
	if (!src || !dst)
		return -EFAULT;
	memmove(dst, src, n);
	return 0;
}

/* scale_add: out[i] = a * x[i] + y[i] over float32.
 * x lo, x hi, y lo, y hi, out lo, out hi, n, a (float bits) */
static int emu_kernel_scale_add(const struct xdna_emu_kcall *call)
{
	const uint8_t *x, *y;
	uint64_t bytes;
	uint8_t *out;
	uint32_t i, n;
	float a;

	if (call->nargs < 8)
		return -EINVAL;
	n = call->args[6];
	bytes = (uint64_t)n * sizeof(float);
	memcpy(&a, &call->args[7], sizeof(a));
	x = call->map(call, emu_karg_addr(call, 0), bytes);
	y = call->map(call, emu_karg_addr(call, 2), bytes);
	out = call->map(call, emu_karg_addr(call, 4), bytes);
	if (!x || !y || !out)
		return -EFAULT;
	for (i = 0; i < n; i++) {
		float xi, yi, r;

		memcpy(&xi, x + (size_t)i * 4, 4);
		memcpy(&yi, y + (size_t)i * 4, 4);
		r = a * xi + yi;
		memcpy(out + (size_t)i * 4, &r, 4);
	}
	return 0;
}

/*
 * MLIR_AIE of the "passthrough" design: mlir-aie's START_CU registers
 * (opcode lo, hi, instr lo, hi, ninstr, bo0 lo, hi, bo1 lo, hi, bo2 lo, hi;
 * opcode 3 runs the instruction stream).  The model reads a toy stream of
 * (op, value) word pairs, op 1 = copy value bytes from bo0 to bo1; any other
 * op, an odd or unreachable stream, or another opcode is an ERROR.  Real
 * streams (npu_instgen) would be rejected: the emulator does not model the
 * array's DMAs.
 */
static int emu_kernel_mlir_passthrough(const struct xdna_emu_kcall *call)
{
	const uint8_t *insts;	/* at the caller's address: maybe unaligned */
	uint32_t n, i;

	if (call->nargs < 11 || call->args[0] != 3 || call->args[1])
		return -EINVAL;
	n = call->args[4];
	if (!n || n % 2)
		return -EINVAL;
	insts = call->map(call, emu_karg_addr(call, 2), (uint64_t)n * 4);
	if (!insts)
		return -EFAULT;
	for (i = 0; i < n; i += 2) {
		uint32_t op, bytes;
		const void *src;
		void *dst;

		memcpy(&op, insts + (size_t)i * 4, 4);
		memcpy(&bytes, insts + (size_t)(i + 1) * 4, 4);
		if (op != 1)
			return -EINVAL;
		src = call->map(call, emu_karg_addr(call, 5), bytes);
		dst = call->map(call, emu_karg_addr(call, 7), bytes);
		if (!src || !dst)
			return -EFAULT;
		memmove(dst, src, bytes);
	}
	return 0;
}

static const struct {
	const char *name;
	xdna_emu_kernel_fn fn;
} emu_builtin[] = {
	{ "copy", emu_kernel_copy },
	{ "scale_add", emu_kernel_scale_add },
	{ "whisper_stem", emu_kernel_whisper_stem },
	{ "checksum", emu_kernel_checksum },
};

/* The packaged designs' CPU models: (design, kernel). */
static const struct {
	const char *design, *kernel;
	xdna_emu_kernel_fn fn;
} emu_designs[] = {
	{ "copy", "copy", emu_kernel_copy },
	{ "scale_add", "scale_add", emu_kernel_scale_add },
	{ "whisper_stem", "whisper_stem", emu_kernel_whisper_stem },
	{ "checksum", "checksum", emu_kernel_checksum },
	{ "passthrough", "MLIR_AIE", emu_kernel_mlir_passthrough },
};

xdna_emu_kernel_fn emu_kernel_find_locked(const char *name)
{
	struct emu_kernel *k;
	size_t i;

	for (k = emu_kernels; k; k = k->next) {
		if (!strcmp(k->name, name))
			return k->fn;
	}
	for (i = 0; i < EMU_ARRAY_SIZE(emu_builtin); i++) {
		if (!strcmp(emu_builtin[i].name, name))
			return emu_builtin[i].fn;
	}
	return NULL;
}

/*
 * The CPU model of a design packaged by xclbin-pack (emu/pack/): a kernel
 * registered with xdna_emu_register_kernel() under the design's name (its
 * UUID xdna_emu_design_uuid(name)), else the built-in model of (design
 * UUID, kernel name).  None: NULL, and the design's commands end in ERROR.
 */
xdna_emu_kernel_fn emu_model_find_locked(const uint8_t design[16], const char *name)
{
	struct emu_kernel *k;
	uint8_t uuid[16];
	size_t i;

	for (k = emu_kernels; k; k = k->next) {
		xdna_emu_design_uuid(k->name, uuid);
		if (!strcmp(k->name, name) && !memcmp(uuid, design, 16))
			return k->fn;
	}
	for (i = 0; i < EMU_ARRAY_SIZE(emu_designs); i++) {
		xdna_emu_design_uuid(emu_designs[i].design, uuid);
		if (!strcmp(emu_designs[i].kernel, name) && !memcmp(uuid, design, 16))
			return emu_designs[i].fn;
	}
	return NULL;
}

int xdna_emu_register_kernel(const char *name, xdna_emu_kernel_fn fn)
{
	struct emu_kernel **pp, *k;
	int ret = 0;

	if (!name || !*name || strlen(name) >= EMU_KERNEL_NAME_MAX)
		return -EINVAL;
	emu_lock();
	for (pp = &emu_kernels; *pp && strcmp((*pp)->name, name);
	     pp = &(*pp)->next)
		;
	k = *pp;
	if (k && fn) {
		k->fn = fn;
	} else if (k) {
		*pp = k->next;
		free(k);
	} else if (!fn) {
		ret = -ENOENT;
	} else {
		k = calloc(1, sizeof(*k));
		if (k) {
			strcpy(k->name, name);
			k->fn = fn;
			k->next = emu_kernels;
			emu_kernels = k;
		} else {
			ret = -ENOMEM;
		}
	}
	emu_unlock();
	return ret;
}
