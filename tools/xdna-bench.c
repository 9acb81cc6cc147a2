// SPDX-License-Identifier: MIT
/*
 * xdna-bench: what a fresh buffer per request costs.  For each size, N
 * interleaved rounds of three peers (medians, the fresh BO's min-max, the
 * ratios of the medians):
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

/* Write one byte per page, as a producer's first pass over the buffer does. */
static void touch(void *p, size_t size, size_t page)
{
	volatile char *c = p;
	size_t i;

	for (i = 0; i < size; i += page)
		c[i] = (char)i;
}

/* One fresh BO: create, map, first touch, unmap, close. */
static int once_bo(struct xdna_dev *dev, size_t size, size_t page, double *ns)
{
	uint64_t t0 = tool_now_ns();
	struct xdna_bo *bo;
	int err;

	err = xdna_bo_create(dev, XDNA_BO_SHARE, size, &bo);
	if (err)
		return err;
	touch(xdna_bo_map(bo), size, page);
	xdna_bo_destroy(bo);
	*ns = (double)(tool_now_ns() - t0);
	return 0;
}

static int once_malloc(size_t size, size_t page, double *ns)
{
	uint64_t t0 = tool_now_ns();
	void *p = malloc(size);

	if (!p)
		return -ENOMEM;
	touch(p, size, page);
	free(p);
	*ns = (double)(tool_now_ns() - t0);
	return 0;
}

static int once_mmap(size_t size, size_t page, double *ns)
{
	uint64_t t0 = tool_now_ns();
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	touch(p, size, page);
	munmap(p, size);
	*ns = (double)(tool_now_ns() - t0);
	return 0;
}

enum peer { PEER_BO, PEER_MALLOC, PEER_MMAP, PEER__COUNT };

/*
 * Interleaved rounds: each round runs every peer once, starting with a
 * different one each time, so a noisy neighbour or a frequency change hits
 * all three alike.
 */
static int bench_size(struct xdna_dev *dev, size_t size, size_t page, size_t runs,
		      double *t[PEER__COUNT])
{
	size_t r;
	int k, err = 0;

	for (r = 0; r < runs && !err; r++) {
		for (k = 0; k < PEER__COUNT && !err; k++) {
			enum peer peer = (enum peer)((r + (size_t)k) % PEER__COUNT);

			if (peer == PEER_BO)
				err = once_bo(dev, size, page, &t[peer][r]);
			else if (peer == PEER_MALLOC)
				err = once_malloc(size, page, &t[peer][r]);
			else
				err = once_mmap(size, page, &t[peer][r]);
		}
	}
	return err;
}

/* tool_median sorts: afterwards the first and last samples are min and max. */
static void print_size(size_t size, size_t runs, double *t[PEER__COUNT])
{
	double mb = tool_median(t[PEER_BO], runs);
	double mm = tool_median(t[PEER_MALLOC], runs);
	double mp = tool_median(t[PEER_MMAP], runs);
	char range[48];

	snprintf(range, sizeof(range), "%.2f-%.2f", t[PEER_BO][0] / 1e3,
		 t[PEER_BO][runs - 1] / 1e3);
	printf("%8zuKiB %12.2f %19s %12.2f %12.2f %11.1fx %9.2fx\n", size >> 10, mb / 1e3, range,
	       mm / 1e3, mp / 1e3, mm > 0 ? mb / mm : 0.0, mp > 0 ? mb / mp : 0.0);
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

	while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
		if (c == 'n')
			runs = tool_parse_ull("--runs", optarg, 1, RUNS_MAX);
		else
			tool_common_option(c, argv, usage);
	}
	tool_no_more_args(argc, argv, optind);
	return runs;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 512u << 10, 2u << 20, 12u << 20 };
	struct xdna_open_opts oo = { .sz = sizeof(oo) };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	double *t[PEER__COUNT] = { NULL };
	struct xdna_dev_info info;
	struct xdna_dev *dev;
	size_t runs, i;
	int k, err = 0;

	tool_init(argv[0]);
	runs = parse_args(argc, argv);
	err = xdna_dev_open(&oo, &dev);
	if (err)
		return tool_device_error(err, NULL, xdna_errmsg());
	xdna_dev_info(dev, &info);
	for (k = 0; k < PEER__COUNT; k++) {
		t[k] = calloc(runs, sizeof(*t[k]));
		if (!t[k]) {
			fprintf(stderr, "xdna-bench: out of memory for %zu samples\n", runs);
			err = -ENOMEM;
			goto out;
		}
	}
	printf("device %s%s, %zu interleaved rounds per size: median (fresh BO also min-max)\n",
	       info.path, info.emulated ? " (xdna-emu)" : "", runs);
	printf("%11s %12s %19s %12s %12s %12s %10s\n", "size", "fresh BO us", "(min-max)", "malloc us",
	       "mmap us", "BO/malloc", "BO/mmap");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		err = bench_size(dev, sizes[i], page, runs, t);
		if (err) {
			fprintf(stderr, "xdna-bench: %zu KiB: %s\n", sizes[i] >> 10,
				err == -ENOMEM ? strerror(ENOMEM) : xdna_errmsg());
			break;
		}
		print_size(sizes[i], runs, t);
	}
out:
	for (k = 0; k < PEER__COUNT; k++)
		free(t[k]);
	xdna_dev_close(dev);
	return err ? 1 : 0;
}
