// SPDX-License-Identifier: MIT
/*
 * xdna-info: list amdxdna devices and what the driver reports about them;
 * --selftest creates, maps, syncs, exports and frees one BO of each type.
 * --xclbin FILE prints a design (tools/xclbin-info.c).
 * Exit status: 0 success, 1 a device/self-test failure, 2 usage error or
 * an unreadable xclbin, 3 no device (tools/common/tool.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "amdxdna_uapi.h"
#include "xclbin-info.h"
#include "tool.h"
#include "xdna/shim.h"

struct info_opts {
	bool json;
	bool selftest;
	const char *device;
	const char *xclbin;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xdna-info [--device PATH] [--selftest] [--json]\n"
		   "       xdna-info --xclbin FILE [--json]\n"
		   "  --xclbin FILE  print the design in FILE (no device needed)\n"
		   "  --device PATH  use this node (default: XDNA_DEVICE or the first amdxdna node)\n"
		   "  --selftest     create, map, sync, export and free one BO of each type\n"
		   "  --json         machine-readable output\n"
		   "  -h, --help     this text\n"
		   "  --version      print the version\n"
		   "Exit status: 0 ok, 1 a device or self-test failure, 2 bad usage or input,\n"
		   "3 no device.\n");
}

static int parse_args(int argc, char **argv, struct info_opts *o)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "selftest", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "xclbin", required_argument, NULL, 'x' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":d:sjx:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = optarg;
			break;
		case 's':
			o->selftest = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'x':
			o->xclbin = optarg;
			break;
		default:
			tool_common_option(c, argv, usage);
			return -EINVAL;
		}
	}
	tool_no_more_args(argc, argv, optind);
	return 0;
}

/* ------------------------------------------------------------- reporting */

struct out {
	bool json;
	bool first;
};

static void out_kv(struct out *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void out_kv(struct out *o, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		printf("%s\n  \"%s\": ", o->first ? "" : ",", key);
	else
		printf("%-18s ", key);
	o->first = false;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!o->json)
		putchar('\n');
}

/* Strings for JSON need quotes; text output does not. */
#define Q(o)	((o)->json ? "\"" : "")

static void report_unsupported(struct out *o, const char *key, int err)
{
	if (err == -EOPNOTSUPP)
		out_kv(o, key, "%snot supported by this driver%s", Q(o), Q(o));
	else
		out_kv(o, key, "%serror: %s%s", Q(o), xdna_strerror(err), Q(o));
}

static void report_device(struct out *o, struct xdna_dev *dev)
{
	struct amdxdna_drm_query_firmware_version fw;
	struct amdxdna_drm_query_aie_metadata md;
	struct amdxdna_drm_query_clock_metadata clk;
	struct amdxdna_drm_query_aie_version av;
	struct amdxdna_drm_hwctx_entry ctxs[32];
	struct xdna_dev_info info;
	unsigned int mode, used, max;
	int err;

	xdna_dev_info(dev, &info);
	out_kv(o, "device", "%s%s%s", Q(o), info.path, Q(o));
	out_kv(o, "emulated", "%s", info.emulated ? "true" : "false");
	out_kv(o, "driver", "%s%s%s", Q(o), info.driver, Q(o));
	out_kv(o, "driver_version", "%s%d.%d.%d%s", Q(o), info.version_major, info.version_minor,
	       info.version_patch, Q(o));
	out_kv(o, "description", "%s%s%s", Q(o), info.desc, Q(o));
	out_kv(o, "cache_sync", "%s%s%s", Q(o), xdna_dev_sync_method(dev), Q(o));
	err = xdna_hwctx_budget(dev, &used, &max);
	if (err)
		report_unsupported(o, "hwctx_budget", err);
	else if (o->json)
		out_kv(o, "hwctx_budget", "{\"used\": %u, \"max\": %u}", used, max);
	else
		out_kv(o, "hwctx_budget", "%u of %u in use (all processes)", used, max);
	err = xdna_query_firmware_version(dev, &fw);
	if (err)
		report_unsupported(o, "firmware", err);
	else
		out_kv(o, "firmware", "%s%u.%u.%u.%u%s", Q(o), fw.major, fw.minor, fw.patch,
		       fw.build, Q(o));
	err = xdna_query_aie_version(dev, &av);
	if (err)
		report_unsupported(o, "aie_version", err);
	else
		out_kv(o, "aie_version", "%s%u.%u%s", Q(o), av.major, av.minor, Q(o));
	err = xdna_query_aie_metadata(dev, &md);
	if (err) {
		report_unsupported(o, "aie_array", err);
	} else if (o->json) {
		out_kv(o, "aie_array", "{\"cols\": %u, \"rows\": %u, \"col_size\": %u, "
		       "\"core_rows\": %u, \"mem_rows\": %u, \"shim_rows\": %u}",
		       md.cols, md.rows, md.col_size, md.core.row_count, md.mem.row_count,
		       md.shim.row_count);
	} else {
		out_kv(o, "aie_array", "%u cols x %u rows (core %u, mem %u, shim %u), col size %u",
		       md.cols, md.rows, md.core.row_count, md.mem.row_count, md.shim.row_count,
		       md.col_size);
	}
	err = xdna_query_clocks(dev, &clk);
	if (err) {
		report_unsupported(o, "clocks", err);
	} else {
		out_kv(o, "clock_mp_npu_mhz", "%u", clk.mp_npu_clock.freq_mhz);
		out_kv(o, "clock_h_mhz", "%u", clk.h_clock.freq_mhz);
	}
	err = xdna_query_power_mode(dev, &mode);
	if (err)
		report_unsupported(o, "power_mode", err);
	else
		out_kv(o, "power_mode", "%u", mode);
	err = xdna_query_hwctxs(dev, ctxs, sizeof(ctxs) / sizeof(ctxs[0]));
	if (err < 0)
		report_unsupported(o, "hw_contexts", err);
	else
		out_kv(o, "hw_contexts", "%d", err);
}

/* -------------------------------------------------------------- self-test */

struct step_log {
	struct out *o;
	int failed;
	bool first;
};

static int step(struct step_log *l, const char *type, const char *what, int err,
		const char *detail)
{
	if (l->o->json) {
		printf("%s\n    {\"type\": \"%s\", \"step\": \"%s\", \"ok\": %s, \"detail\": \"%s\"}",
		       l->first ? "" : ",", type, what, err ? "false" : "true",
		       err ? xdna_errmsg() : detail);
		l->first = false;
	} else {
		printf("selftest %-8s %-7s %s  %s\n", type, what, err ? "FAIL" : "ok",
		       err ? xdna_errmsg() : detail);
	}
	if (err)
		l->failed++;
	return err;
}

/* The bytes must survive export: map the dma-buf and compare. */
static int check_export(struct xdna_bo *bo, char *detail, size_t len)
{
	size_t n = xdna_bo_size(bo);
	int fd, err;
	void *p;

	err = xdna_bo_export(bo, &fd);
	if (err)
		return err;
	p = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		/* A real dma-buf may refuse CPU mmap; the fd is still valid. */
		snprintf(detail, len, "dma-buf fd %d (not CPU-mappable)", fd);
		close(fd);
		return 0;
	}
	err = memcmp(p, xdna_bo_map(bo), n) ? -EIO : 0;
	snprintf(detail, len, "dma-buf fd %d, %s", fd, err ? "bytes DIFFER" : "bytes match");
	munmap(p, n);
	close(fd);
	return err;
}

static void selftest_type(struct step_log *l, struct xdna_dev *dev, enum xdna_bo_type type,
			  size_t size)
{
	const char *name = xdna_bo_type_name(type);
	struct xdna_bo *bo = NULL;
	char detail[128];
	int err;

	err = xdna_bo_create(dev, type, size, &bo);
	snprintf(detail, sizeof(detail), "%zu bytes, handle %u", size, xdna_bo_handle(bo));
	if (step(l, name, "create", err, detail))
		return;
	memset(xdna_bo_map(bo), 0xa5, xdna_bo_size(bo));
	snprintf(detail, sizeof(detail), "cpu %p, device 0x%llx", xdna_bo_map(bo),
		 (unsigned long long)xdna_bo_dev_addr(bo));
	step(l, name, "map", xdna_bo_dev_addr(bo) == AMDXDNA_INVALID_ADDR ? -EFAULT : 0, detail);
	err = xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0);
	if (!err)
		err = xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0);
	step(l, name, "sync", err, "to and from device");
	if (type != XDNA_BO_DEV) {
		err = check_export(bo, detail, sizeof(detail));
		step(l, name, "export", err, detail);
	}
	step(l, name, "free", xdna_bo_destroy(bo),
	     type == XDNA_BO_DEV ? "GEM_CLOSE (heap stays mapped)" : "munmap + GEM_CLOSE");
}

static int selftest(struct out *o, struct xdna_dev *dev)
{
	struct step_log l = { .o = o, .first = true };

	if (o->json)
		printf(",\n  \"selftest\": [");
	selftest_type(&l, dev, XDNA_BO_SHARE, 2u << 20);
	selftest_type(&l, dev, XDNA_BO_CMD, 4096);
	/* The first DEV BO brings the device heap (DEV_HEAP) into being. */
	selftest_type(&l, dev, XDNA_BO_DEV, 64u << 10);
	if (o->json)
		printf("\n  ],\n  \"selftest_failed\": %d", l.failed);
	else
		printf("selftest: %s (%d failed)\n", l.failed ? "FAILED" : "passed", l.failed);
	return l.failed ? -EIO : 0;
}

/* Every amdxdna node, so a machine with several NPUs (or none) is plain. */
static void list_devices(struct out *o)
{
	struct xdna_node nodes[16];
	int n = xdna_enumerate(nodes, 16), i;

	if (n < 0) {
		out_kv(o, "devices", "%serror: %s%s", Q(o), xdna_strerror(n), Q(o));
		return;
	}
	if (o->json) {
		printf("%s\n  \"devices\": [", o->first ? "" : ",");
		for (i = 0; i < n && i < 16; i++)
			printf("%s\"%s\"", i ? ", " : "", nodes[i].path);
		printf("]");
		o->first = false;
		return;
	}
	for (i = 0; i < n && i < 16; i++)
		out_kv(o, i ? "" : "devices", "%s", nodes[i].path);
	if (!n)
		out_kv(o, "devices", "none found by scanning /dev/accel");
}

int main(int argc, char **argv)
{
	struct info_opts opts = { 0 };
	struct xdna_open_opts oo = { .sz = sizeof(oo) };
	struct out o = { .first = true };
	struct xdna_dev *dev;
	int err, leaks;

	tool_init(argv[0]);
	if (parse_args(argc, argv, &opts))
		return TOOL_EXIT_USAGE;
	if (opts.xclbin)
		return xclbin_info(opts.xclbin, opts.json);
	o.json = opts.json;
	oo.path = opts.device;
	err = xdna_dev_open(&oo, &dev);
	if (err)
		return tool_device_error(err, NULL, xdna_errmsg());
	if (o.json)
		printf("{");
	list_devices(&o);
	report_device(&o, dev);
	if (opts.selftest)
		err = selftest(&o, dev);
	if (o.json)
		printf("\n}\n");
	leaks = xdna_dev_close(dev);
	if (leaks)
		fprintf(stderr, "xdna-info: %d objects leaked\n", leaks);
	return err || leaks ? 1 : 0;
}
