// SPDX-License-Identifier: MIT
/* The NPU design: the xclbin and its kernel, hardware contexts, commands. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/tool.h"
#include "pipe_impl.h"

/* ERT opcode mlir-aie kernels take to run their instruction stream. */
#define PIPE_OPCODE_RUN_INSTS	3

static const char *kernel_name(enum pipe_kernel k)
{
	return k == PIPE_KERNEL_STEM ? "whisper_stem" : "checksum";
}

static bool has_arg(const struct xdna_xclbin_kernel *k, const char *name)
{
	unsigned int i;

	for (i = 0; i < k->num_args; i++)
		if (!strcmp(k->args[i].name, name))
			return true;
	return false;
}

/*
 * The packaged design NAME.xclbin, found from the binary (tool_data_path():
 * build/data in a build tree, BINDIR/../share/xdnapool installed); when it
 * is nowhere, the configured path, which the open's error then names.
 */
static void default_xclbin(const char *design, char *path, size_t len)
{
	char file[NAME_MAX + 1];

	snprintf(file, sizeof(file), "%s.xclbin", design);
	tool_data_path(file, path, len);
}

/* A design that cannot be used: one line in err says why. */
#define design_error(err, buf, len, ...) (snprintf(buf, len, __VA_ARGS__), (err))

static bool known_arg(const char *name)
{
	static const char *const known[] = { "mel", "in", "out", "n_mels", "n_frames", "d_model",
					     "seed", "n", "opcode", "instr", "ninstr" };
	unsigned int j;

	for (j = 0; j < sizeof(known) / sizeof(known[0]); j++)
		if (!strcmp(name, known[j]))
			return true;
	return false;
}

/*
 * Open the design and pick its kernel; every argument must be one the
 * pipeline knows how to fill.  Sets *kind to the kernel's kind.
 */
static int open_design(const struct pipe_opts *o, struct xdna_xclbin **xb,
		       const struct xdna_xclbin_kernel **kp, enum pipe_kernel *kind, char *e,
		       size_t len)
{
	char path[PATH_MAX + 64];
	const char *kname = o->kernel_name;
	const struct xdna_xclbin_kernel *k;
	unsigned int i;
	int err;

	if (!o->xclbin)
		default_xclbin(kernel_name(o->kernel), path, sizeof(path));
	err = xdna_xclbin_open(o->xclbin ? o->xclbin : path, xb);
	if (err)
		return design_error(err, e, len, "%s", xdna_errmsg());
	if (!kname)
		kname = o->xclbin ? (xdna_xclbin_num_kernels(*xb) ?
				     xdna_xclbin_kernel(*xb, 0)->name : "(none)") :
				    kernel_name(o->kernel);
	k = xdna_xclbin_find_kernel(*xb, kname);
	if (!k)
		return design_error(-ENOENT, e, len, "%s", xdna_errmsg());
	for (i = 0; i < k->num_args; i++)
		if (!known_arg(k->args[i].name))
			return design_error(-EINVAL, e, len, "kernel %s: the pipeline cannot fill "
					    "argument %s", k->name, k->args[i].name);
	if (!has_arg(k, "out") || (!has_arg(k, "mel") && !has_arg(k, "in")))
		return design_error(-EINVAL, e, len, "kernel %s: no mel/in and out buffer "
				    "arguments", k->name);
	if (has_arg(k, "instr") && !o->insts)
		return design_error(-EINVAL, e, len, "kernel %s takes an instruction stream: give "
				    "--insts", k->name);
	if (o->insts && access(o->insts, R_OK))
		return design_error(-errno, e, len, "--insts '%s': %s", o->insts,
				    strerror(errno));
	*kp = k;
	*kind = has_arg(k, "d_model") ? PIPE_KERNEL_STEM : PIPE_KERNEL_CHECKSUM;
	return 0;
}

int pipe_load_design(struct pipe *p, struct pipe_opts *o)
{
	char e[PIPE_ERR_LINE];
	int err = open_design(o, &p->xb, &p->k, &o->kernel, e, sizeof(e));

	if (err)
		pipe_error(p, "%s", e);
	return err;
}

int pipe_design_check(const struct pipe_opts *o, char *err, size_t len)
{
	const struct xdna_xclbin_kernel *k;
	struct xdna_xclbin *xb = NULL;
	enum pipe_kernel kind;
	int ret = open_design(o, &xb, &k, &kind, err, len);

	xdna_xclbin_close(xb);
	return ret;
}

/*
 * A context configured from the design, as AMD's shim makes it, with one
 * command BO per command it may have in flight.
 */
int pipe_ctx_open(struct pipe *p, struct pipe_ctx *c)
{
	unsigned int i;
	int err = xdna_hwctx_create_from_xclbin(p->dev, p->xb, NULL, &c->hw);

	if (err) {
		pipe_error(p, "NPU context %u: %s", c->index, xdna_errmsg());
		return err;
	}
	err = xdna_hwctx_cu_index(c->hw, p->k->name);
	if (err < 0) {
		pipe_error(p, "NPU context %u: %s", c->index, xdna_errmsg());
		return err;
	}
	c->cu = (unsigned int)err;
	for (i = 0; i < PIPE_CMDS_IN_FLIGHT; i++) {
		err = xdna_bo_create(p->dev, XDNA_BO_CMD, PIPE_CMD_BO_BYTES, &c->cmd[i]);
		if (err) {
			pipe_error(p, "NPU context %u: command BO: %s", c->index, xdna_errmsg());
			return err;
		}
	}
	return 0;
}

/* The context first: the kernel drains or aborts what still uses the command BOs. */
void pipe_ctx_close(struct pipe_ctx *c)
{
	unsigned int i;

	xdna_hwctx_destroy(c->hw);
	c->hw = NULL;
	for (i = 0; i < PIPE_CMDS_IN_FLIGHT; i++) {
		xdna_bo_destroy(c->cmd[i]);
		c->cmd[i] = NULL;
	}
}

/* START_CU with the kernel's arguments filled by name (see pipeline.h). */
int pipe_encode_cmd(struct pipe *p, struct pipe_ctx *c, struct xdna_bo *cmd,
		    struct xdna_bo *mbo, uint64_t mel, struct xdna_bo *ebo, uint64_t enc,
		    unsigned int frames)
{
	struct xdna_karg a[XDNA_XCLBIN_MAX_ARGS];
	const struct xdna_xclbin_kernel *k = p->k;
	unsigned int i;

	for (i = 0; i < k->num_args; i++) {
		const char *name = k->args[i].name;
		struct xdna_karg *v = &a[i];

		*v = (struct xdna_karg){ .kind = k->args[i].kind };
		if (!strcmp(name, "mel") || !strcmp(name, "in")) {
			v->bo = mbo;
			v->offset = mel - xdna_bo_dev_addr(mbo);
		} else if (!strcmp(name, "out")) {
			v->bo = ebo;
			v->offset = enc - xdna_bo_dev_addr(ebo);
		} else if (!strcmp(name, "instr")) {
			v->bo = p->insts;
		} else if (!strcmp(name, "n_mels")) {
			v->value = p->o->n_mels;
		} else if (!strcmp(name, "n_frames")) {
			v->value = frames;
		} else if (!strcmp(name, "d_model")) {
			v->value = p->o->d_model;
		} else if (!strcmp(name, "seed")) {
			v->value = PIPE_STEM_SEED;
		} else if (!strcmp(name, "n")) {
			v->value = (uint64_t)p->o->n_mels * frames;
		} else if (!strcmp(name, "opcode")) {
			v->value = PIPE_OPCODE_RUN_INSTS;
		} else if (!strcmp(name, "ninstr")) {
			v->value = p->ninsts;
		}
	}
	return xdna_cmd_encode_kernel(cmd, c->cu, k, a, k->num_args);
}

/* The BOs a command reaches: mel, out and the instruction stream. */
unsigned int pipe_exec_args(struct pipe *p, struct xdna_bo **args)
{
	if (!p->insts)
		return 2;
	args[2] = p->insts;
	return 3;
}
