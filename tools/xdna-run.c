// SPDX-License-Identifier: MIT
/*
 * xdna-run: run one kernel of an xclbin on the NPU (or xdna-emu) and print
 * per-run latency percentiles.
 *
 *   xdna-run --xclbin FILE --kernel NAME [--insts FILE]
 *            [--arg NAME=VALUE|NAME=@file|NAME=BYTES]... [--out NAME=file]...
 *            [--iterations N] [--json]
 *
 * Every kernel argument needs one --arg: a scalar takes a decimal number in
 * its size's range (negative for signed types; a finite decimal for a 4-byte
 * "float"), a buffer takes @file (a BO filled with the file) or a byte
 * count (a zeroed BO, 1 to 1 GiB, K/M/G allowed).  For mlir-aie
 * kernels (arguments opcode, instr, ninstr) --insts fills those three:
 * opcode 3, the instruction BO, its word count.  --out writes a buffer to
 * a file after the last run.  Exit status: 0 success, 1 a device or
 * command failure, 2 bad usage or input (one line on stderr each).
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"
#include "xdna/shim.h"
#include "xdna/xclbin.h"

#define RUN_MAX_ARGS	XDNA_XCLBIN_MAX_ARGS
/* A zeroed buffer --arg NAME=BYTES: at most 1 GiB (a typo must not ask for 2^64). */
#define RUN_MAX_BO_BYTES	(1ULL << 30)

struct run_opts {
	const char *xclbin, *kernel, *insts;
	const char *args[RUN_MAX_ARGS];
	unsigned int nargs;
	const char *outs[RUN_MAX_ARGS];
	unsigned int nouts;
	unsigned long iterations;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xdna-run --xclbin FILE --kernel NAME [--insts FILE]\n"
		   "                [--arg NAME=VALUE|NAME=@file|NAME=BYTES]... [--out NAME=file]...\n"
		   "                [--iterations N] [--json]\n"
		   "  -x, --xclbin FILE      the design\n"
		   "  -k, --kernel NAME      the kernel to run\n"
		   "  -i, --insts FILE       instruction stream of an mlir-aie kernel\n"
		   "  -a, --arg NAME=VALUE   a scalar, NAME=@file (a BO with the file) or NAME=BYTES\n"
		   "  -o, --out NAME=FILE    write that BO to FILE after the last run\n"
		   "  -n, --iterations N     runs (1..10000000, default 100)\n"
		   "  -j, --json             machine-readable output\n"
		   "  -h, --help             this text\n"
		   "  --version              print the version\n"
		   "Exit status: 0 ok, 1 a command failed, 2 bad usage or input, 3 no device.\n");
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "xclbin", required_argument, NULL, 'x' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "insts", required_argument, NULL, 'i' },
		{ "arg", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->iterations = 100;
	while ((c = getopt_long(argc, argv, ":x:k:i:a:o:n:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'x': o->xclbin = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->insts = optarg; break;
		case 'j': o->json = true; break;
		case 'a':
			if (o->nargs == RUN_MAX_ARGS) {
				fprintf(stderr, "xdna-run: more than %d --arg\n", RUN_MAX_ARGS);
				return -EINVAL;
			}
			o->args[o->nargs++] = optarg;
			break;
		case 'o':
			if (o->nouts == RUN_MAX_ARGS) {
				fprintf(stderr, "xdna-run: more than %d --out\n", RUN_MAX_ARGS);
				return -EINVAL;
			}
			o->outs[o->nouts++] = optarg;
			break;
		case 'n':
			o->iterations = tool_parse_ull("--iterations", optarg, 1, 10000000);
			break;
		default:
			tool_common_option(c, argv, usage);
			return -EINVAL;
		}
	}
	tool_no_more_args(argc, argv, optind);
	if (!o->xclbin || !o->kernel) {
		fprintf(stderr, "xdna-run: --xclbin and --kernel are required\n");
		return -EINVAL;
	}
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	void *buf;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* "NAME=..." for @name, or NULL. */
static const char *find_value(const char *const *list, unsigned int n, const char *name)
{
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strncmp(list[i], name, len) && list[i][len] == '=')
			return list[i] + len + 1;
	return NULL;
}

static bool is_insts_arg(const struct xdna_xclbin_arg *a)
{
	return !strcmp(a->name, "opcode") || !strcmp(a->name, "instr") ||
	       !strcmp(a->name, "ninstr");
}

static bool is_unsigned(const char *type)
{
	return !strncmp(type, "uint", 4) || !strncmp(type, "unsigned", 8) ||
	       !strncmp(type, "size_t", 6);
}

/*
 * A scalar --arg through the tools' strict parsers (one line naming it,
 * exit 2): decimal digits within the argument's size, a '-' for a negative
 * value of a signed type (two's complement in that size), a decimal
 * finite number for a 4-byte "float".  No hex, blanks, exponents, inf or
 * nan; no negative value for an unsigned type (uint32_t bytes=-1 is not
 * 4294967295).
 */
static uint64_t scalar_value(const struct xdna_xclbin_arg *a, const char *v)
{
	unsigned int bits = a->size && a->size < 8 ? a->size * 8 : 64;
	unsigned long long umax = bits < 64 ? (1ULL << bits) - 1 : ULLONG_MAX;
	long long smin = bits < 64 ? -(1LL << (bits - 1)) : LLONG_MIN;
	char opt[80];

	snprintf(opt, sizeof(opt), "--arg %s", a->name);
	if (a->size == 4 && !strcmp(a->type, "float")) {
		float f = (float)tool_parse_double(opt, v, -FLT_MAX, FLT_MAX);
		uint32_t u;

		memcpy(&u, &f, 4);
		return u;
	}
	if (*v == '-' && !is_unsigned(a->type))
		return (uint64_t)tool_parse_ll(opt, v, smin, 0) & umax;
	return tool_parse_ull(opt, v, 0, umax);
}

/* A zeroed buffer's size: a byte count (K/M/G) from 1 to RUN_MAX_BO_BYTES. */
static size_t buffer_bytes(const struct xdna_xclbin_arg *a, const char *v)
{
	char opt[80];

	snprintf(opt, sizeof(opt), "--arg %s", a->name);
	return (size_t)tool_parse_bytes(opt, v, 1, RUN_MAX_BO_BYTES);
}

struct run {
	struct run_opts *o;
	struct xdna_xclbin *xb;
	const struct xdna_xclbin_kernel *k;
	struct xdna_dev *dev;
	struct xdna_hwctx *ctx;
	struct xdna_bo *cmd, *insts;
	uint32_t ninsts;
	struct xdna_karg kargs[RUN_MAX_ARGS];
	size_t zeroed_bytes[RUN_MAX_ARGS];	/* --arg NAME=BYTES, parsed by check_args */
	struct xdna_bo *bos[RUN_MAX_ARGS];
	unsigned int nbos;
	uint64_t *lat;
};

/* Validates the command line against the kernel before touching the device. */
static int check_args(struct run *r)
{
	const struct xdna_xclbin_kernel *k = r->k;
	unsigned int i, j;

	for (i = 0; i < r->o->nargs; i++) {
		const char *eq = strchr(r->o->args[i], '=');

		if (!eq) {
			fprintf(stderr, "xdna-run: --arg '%s' is not NAME=VALUE\n", r->o->args[i]);
			return 2;
		}
		for (j = 0; j < k->num_args; j++)
			if (!strncmp(k->args[j].name, r->o->args[i], (size_t)(eq - r->o->args[i])) &&
			    !k->args[j].name[eq - r->o->args[i]])
				break;
		if (j == k->num_args) {
			fprintf(stderr, "xdna-run: kernel %s has no argument '%.*s' (too many --arg)\n",
				k->name, (int)(eq - r->o->args[i]), r->o->args[i]);
			return 2;
		}
	}
	for (i = 0; i < r->o->nouts; i++) {
		const char *eq = strchr(r->o->outs[i], '=');

		for (j = 0; eq && j < k->num_args; j++)
			if (k->args[j].kind == XDNA_ARG_BUFFER &&
			    !strncmp(k->args[j].name, r->o->outs[i], (size_t)(eq - r->o->outs[i])) &&
			    !k->args[j].name[eq - r->o->outs[i]])
				break;
		if (!eq || j == k->num_args) {
			fprintf(stderr, "xdna-run: --out '%s' does not name a buffer argument of %s\n",
				r->o->outs[i], k->name);
			return 2;
		}
	}
	for (i = 0; i < k->num_args; i++) {
		const struct xdna_xclbin_arg *a = &k->args[i];
		const char *v = find_value(r->o->args, r->o->nargs, a->name);

		if (!v && r->o->insts && is_insts_arg(a))
			continue;
		if (!v) {
			fprintf(stderr, "xdna-run: kernel %s argument %s (%s) needs --arg %s=%s "
				"(too few --arg)\n", k->name, a->name, a->kind ? "buffer" : "scalar",
				a->name, a->kind ? "@file|BYTES" : "VALUE");
			return 2;
		}
		if (a->kind == XDNA_ARG_SCALAR && *v == '@') {
			fprintf(stderr, "xdna-run: kernel %s argument %s is a scalar: give a number, "
				"not the file %s\n", k->name, a->name, v + 1);
			return 2;
		}
		if (a->kind == XDNA_ARG_SCALAR)
			r->kargs[i].value = scalar_value(a, v);
		if (a->kind == XDNA_ARG_BUFFER && *v != '@')
			r->zeroed_bytes[i] = buffer_bytes(a, v);	/* exit 2 before the device */
	}
	return 0;
}

static int make_buffers(struct run *r)
{
	const struct xdna_xclbin_kernel *k = r->k;
	unsigned int i;
	int err;

	if (r->o->insts) {
		err = xdna_insts_load(r->dev, r->o->insts, &r->insts, &r->ninsts);
		if (err) {
			fprintf(stderr, "xdna-run: %s\n", xdna_errmsg());
			return err == -EINVAL || err == -ENOENT ? 2 : 1;
		}
		r->bos[r->nbos++] = r->insts;
	}
	for (i = 0; i < k->num_args; i++) {
		const struct xdna_xclbin_arg *a = &k->args[i];
		const char *v = find_value(r->o->args, r->o->nargs, a->name);
		struct xdna_karg *ka = &r->kargs[i];
		size_t len = 0;
		void *data = NULL;

		ka->kind = a->kind;
		if (!v) {		/* filled from --insts */
			if (!strcmp(a->name, "opcode"))
				ka->value = 3;
			else if (!strcmp(a->name, "ninstr"))
				ka->value = r->ninsts;
			else
				ka->bo = r->insts;
			continue;
		}
		if (a->kind == XDNA_ARG_SCALAR)
			continue;
		if (*v == '@') {
			data = read_file(v + 1, &len);
			if (!data) {
				fprintf(stderr, "xdna-run: argument %s: %s: %s\n", a->name, v + 1,
					strerror(errno ? errno : EIO));
				return 2;
			}
		} else {
			len = r->zeroed_bytes[i];
		}
		if (!len) {
			free(data);
			fprintf(stderr, "xdna-run: buffer argument %s is empty\n", a->name);
			return 2;
		}
		err = xdna_bo_create(r->dev, XDNA_BO_SHARE, len, &ka->bo);
		if (err) {
			free(data);
			fprintf(stderr, "xdna-run: %s\n", xdna_errmsg());
			return 1;
		}
		r->bos[r->nbos++] = ka->bo;
		if (data)
			memcpy(xdna_bo_map(ka->bo), data, len);
		else
			memset(xdna_bo_map(ka->bo), 0, len);
		free(data);
		xdna_bo_sync(ka->bo, XDNA_SYNC_TO_DEVICE, 0, 0);
	}
	return 0;
}

static int write_outs(struct run *r)
{
	unsigned int i, j;

	for (i = 0; i < r->o->nouts; i++) {
		const char *eq = strchr(r->o->outs[i], '=');
		struct xdna_bo *bo = NULL;
		FILE *f;

		for (j = 0; j < r->k->num_args; j++)
			if (!strncmp(r->k->args[j].name, r->o->outs[i], (size_t)(eq - r->o->outs[i])) &&
			    !r->k->args[j].name[eq - r->o->outs[i]])
				bo = r->kargs[j].bo;
		xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0);
		f = fopen(eq + 1, "wb");
		if (!f || fwrite(xdna_bo_map(bo), 1, xdna_bo_size(bo), f) != xdna_bo_size(bo) ||
		    fclose(f)) {
			fprintf(stderr, "xdna-run: --out %s: %s\n", eq + 1, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static void report(struct run *r, uint64_t load_ns, uint64_t ctx_ns)
{
	unsigned long n = r->o->iterations;
	uint64_t *l = r->lat, sum = 0;
	double p50, p90, p99;
	unsigned long i;

	tool_sort_u64(l, n);
	for (i = 0; i < n; i++)
		sum += l[i];
	p50 = tool_percentile_sorted_u64(l, n, 50) / 1000.0;
	p90 = tool_percentile_sorted_u64(l, n, 90) / 1000.0;
	p99 = tool_percentile_sorted_u64(l, n, 99) / 1000.0;
	if (r->o->json) {
		printf("{\"kernel\": \"%s\", \"iterations\": %lu, \"xclbin_load_us\": %.1f, "
		       "\"context_us\": %.1f, \"latency_us\": {\"min\": %.1f, \"p50\": %.1f, "
		       "\"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f, \"mean\": %.1f}}\n",
		       r->k->name, n, load_ns / 1000.0, ctx_ns / 1000.0, l[0] / 1000.0, p50, p90, p99,
		       l[n - 1] / 1000.0, (double)sum / n / 1000.0);
	} else {
		printf("kernel %s: %lu runs; xclbin load %.1f us, context %.1f us\n", r->k->name, n,
		       load_ns / 1000.0, ctx_ns / 1000.0);
		printf("latency us: min %.1f p50 %.1f p90 %.1f p99 %.1f max %.1f mean %.1f\n",
		       l[0] / 1000.0, p50, p90, p99, l[n - 1] / 1000.0, (double)sum / n / 1000.0);
	}
}

int main(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run r = { .o = &o };
	uint64_t t0, load_ns, ctx_ns;
	unsigned long it;
	int cu, rc = 1, err;

	tool_init(argv[0]);
	if (parse_args(argc, argv, &o))
		return 2;
	t0 = tool_now_ns();
	if (xdna_xclbin_open(o.xclbin, &r.xb)) {
		fprintf(stderr, "xdna-run: %s\n", xdna_errmsg());
		return 2;
	}
	load_ns = tool_now_ns() - t0;
	r.k = xdna_xclbin_find_kernel(r.xb, o.kernel);
	if (!r.k) {
		fprintf(stderr, "xdna-run: %s\n", xdna_errmsg());
		xdna_xclbin_close(r.xb);
		return 2;
	}
	rc = check_args(&r);
	if (rc)
		goto out_xb;
	r.lat = calloc(o.iterations, sizeof(*r.lat));
	if (!r.lat) {
		fprintf(stderr, "xdna-run: out of memory\n");
		rc = 1;
		goto out_xb;
	}
	err = xdna_dev_open(NULL, &r.dev);
	if (err) {
		rc = tool_device_error(err, NULL, xdna_errmsg());
		goto out_xb;
	}
	rc = 1;
	t0 = tool_now_ns();
	err = xdna_hwctx_create_from_xclbin(r.dev, r.xb, NULL, &r.ctx);
	ctx_ns = tool_now_ns() - t0;
	if (err) {
		fprintf(stderr, "xdna-run: %s\n", xdna_errmsg());
		rc = err == -E2BIG ? 2 : 1;
		goto out_dev;
	}
	rc = make_buffers(&r);
	if (rc)
		goto out_dev;
	rc = 1;
	cu = xdna_hwctx_cu_index(r.ctx, r.k->name);
	if (cu < 0 || xdna_bo_create(r.dev, XDNA_BO_CMD, 4096, &r.cmd)) {
		fprintf(stderr, "xdna-run: %s\n", xdna_errmsg());
		goto out_dev;
	}
	for (it = 0; it < o.iterations; it++) {
		uint64_t seq;

		t0 = tool_now_ns();
		err = xdna_cmd_encode_kernel(r.cmd, (unsigned int)cu, r.k, r.kargs, r.k->num_args);
		if (!err)
			err = xdna_cmd_exec(r.ctx, r.cmd, r.bos, r.nbos, &seq);
		if (!err)
			err = xdna_cmd_wait(r.ctx, r.cmd, seq, 10000000000ll);
		r.lat[it] = tool_now_ns() - t0;
		if (err) {
			fprintf(stderr, "xdna-run: run %lu of %s: %s\n", it, r.k->name, xdna_errmsg());
			goto out_dev;
		}
	}
	rc = write_outs(&r);
	if (!rc)
		report(&r, load_ns, ctx_ns);
out_dev:
	/* Everything goes before the device: a leak report would be a bug. */
	xdna_bo_destroy(r.cmd);
	while (r.nbos)
		xdna_bo_destroy(r.bos[--r.nbos]);
	xdna_hwctx_destroy(r.ctx);
	if (xdna_dev_close(r.dev) > 0 && !rc)
		rc = 1;
out_xb:
	free(r.lat);
	xdna_xclbin_close(r.xb);
	return rc;
}
