// SPDX-License-Identifier: MIT
/*
 * xdna-bench: what a fresh buffer per request costs.  For each size, the
 * median over N runs of
 *   fresh BO: CREATE_BO + GET_BO_INFO + mmap + GET_BO_INFO + first touch of
 *             every page + munmap + GEM_CLOSE   (xdna_bo_create/destroy)
 *   malloc:   malloc + first touch of every page + free (glibc recycles
 *             the freed block, so this is the warm-allocator baseline)
 *   mmap:     anonymous mmap + first touch + munmap (fresh pages, what any
 *             allocator pays the first time: separates page-fault cost
 *             from the driver's own)
 * This is the baseline libpool's acquire/release must beat.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"
#include "xdna/shim.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Write one byte per page, as a producer's first pass over the buffer does. */
static void touch(void *p, size_t size, size_t page)
{
	volatile char *c = p;
	size_t i;

	for (i = 0; i < size; i += page)
		c[i] = (char)i;
}

static int bench_bo(struct xdna_dev *dev, size_t size, uint64_t *t, size_t runs, size_t page)
{
	struct xdna_bo *bo;
	size_t i;
	int err;

	for (i = 0; i < runs; i++) {
		uint64_t t0 = tool_now_ns();

		err = xdna_bo_create(dev, XDNA_BO_SHARE, size, &bo);
		if (err)
			return err;
		touch(xdna_bo_map(bo), size, page);
		xdna_bo_destroy(bo);
		t[i] = tool_now_ns() - t0;
	}
	return 0;
}

static int bench_malloc(size_t size, uint64_t *t, size_t runs, size_t page)
{
	size_t i;

	for (i = 0; i < runs; i++) {
		uint64_t t0 = tool_now_ns();
		void *p = malloc(size);

		if (!p)
			return -ENOMEM;
		touch(p, size, page);
		free(p);
		t[i] = tool_now_ns() - t0;
	}
	return 0;
}

static int bench_mmap(size_t size, uint64_t *t, size_t runs, size_t page)
{
	size_t i;

	for (i = 0; i < runs; i++) {
		uint64_t t0 = tool_now_ns();
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		touch(p, size, page);
		munmap(p, size);
		t[i] = tool_now_ns() - t0;
	}
	return 0;
}

#define RUNS_DEFAULT	1000
#define RUNS_MAX	10000000ULL

static void usage(FILE *f)
{
	fprintf(f, "usage: xdna-bench [-n RUNS]\n"
		   "  -n, --runs RUNS  runs per size (1..%llu, default %d)\n"
		   "  -h, --help       this text\n"
		   "  --version        print the version\n"
		   "Exit status: 0 ok, 1 a device call failed, 2 bad usage, 3 no device.\n",
		RUNS_MAX, RUNS_DEFAULT);
}

static size_t parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'n' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	size_t runs = RUNS_DEFAULT;
	int c;

	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		if (c == 'n')
			runs = tool_parse_ull("--runs", optarg, 1, RUNS_MAX);
		else
			tool_common_option(c, usage);
	}
	tool_no_more_args(argc, argv, optind);
	return runs;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 512u << 10, 2u << 20, 12u << 20 };
	struct xdna_open_opts oo = { .sz = sizeof(oo) };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t runs, i;
	struct xdna_dev_info info;
	struct xdna_dev *dev;
	uint64_t *tb, *tm, *tp;
	int err = 0;

	tool_init(argv[0]);
	runs = parse_args(argc, argv);
	err = xdna_dev_open(&oo, &dev);
	if (err)
		return tool_device_error(err, NULL, xdna_errmsg());
	xdna_dev_info(dev, &info);
	tb = calloc(runs, sizeof(*tb));
	tm = calloc(runs, sizeof(*tm));
	tp = calloc(runs, sizeof(*tp));
	if (!tb || !tm || !tp) {
		fprintf(stderr, "xdna-bench: out of memory for %zu samples\n", runs);
		return 1;
	}
	printf("device %s%s, %zu runs per size, median\n", info.path,
	       info.emulated ? " (xdna-emu)" : "", runs);
	printf("%10s %14s %12s %12s %14s %12s\n", "size", "fresh BO us", "malloc us",
	       "mmap us", "BO/malloc", "BO/mmap");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && !err; i++) {
		uint64_t mb, mm, mp;

		err = bench_bo(dev, sizes[i], tb, runs, page);
		if (!err)
			err = bench_malloc(sizes[i], tm, runs, page);
		if (!err)
			err = bench_mmap(sizes[i], tp, runs, page);
		if (err)
			break;
		mb = median(tb, runs);
		mm = median(tm, runs);
		mp = median(tp, runs);
		printf("%8zuKiB %14.2f %12.2f %12.2f %13.1fx %11.2fx\n", sizes[i] >> 10, mb / 1e3,
		       mm / 1e3, mp / 1e3, mm ? (double)mb / (double)mm : 0.0,
		       mp ? (double)mb / (double)mp : 0.0);
	}
	if (err)
		fprintf(stderr, "xdna-bench: %s\n", xdna_errmsg());
	free(tb);
	free(tm);
	free(tp);
	xdna_dev_close(dev);
	return err ? 1 : 0;
}
