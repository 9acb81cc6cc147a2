// SPDX-License-Identifier: MIT
/*
 * poolbench: libpool micro and scenario benchmarks.  Prints medians of
 * several runs and ratios; asserts nothing (numbers depend on the machine).
 *
 *   poolbench [-q] [-p PAIRS]   -q: fewer iterations (smoke run)
 *                               -p: only the uncontended pair (for a traced run)
 *
 * The fresh-BO comparison needs an XDNA device: on a machine without one it
 * prints the LD_PRELOAD line that runs it on the emulator.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/pool_xdna.h>
#include <pool/poolset.h>

#include "tool.h"

#define RUNS	5
#define MIB	(1u << 20)

static unsigned int scale = 1;

static struct pool *mkpool(const char *name, size_t size, unsigned int initial, unsigned int max)
{
	POOL_OPTS(pool_opts, o, .name = name, .size = size, .initial = initial, .max = max,
		  .flags = POOL_F_NO_DEBUG);
	struct pool *p = pool_create(&o);

	if (!p) {
		fprintf(stderr, "poolbench: pool_create: %s\n", strerror(errno));
		exit(1);
	}
	return p;
}

/* ns per acquire+release pair, uncontended */
static double bench_pair(struct pool *p, unsigned int n)
{
	struct pool_buf *b;
	uint64_t t0 = tool_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		if (pool_acquire(p, &b, POOL_NOWAIT)) {
			fprintf(stderr, "poolbench: acquire failed\n");
			exit(1);
		}
		*(volatile char *)pool_buf_data(b) = 1;
		pool_release(b);
	}
	return (double)(tool_now_ns() - t0) / n;
}

static double bench_malloc(size_t size, unsigned int n, bool touch)
{
	uint64_t t0 = tool_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		char *m = malloc(size);

		if (!m)
			exit(1);
		if (touch)
			memset(m, 0, size);	/* a fresh buffer is written before use */
		else
			*(volatile char *)m = 1;
		__asm__ volatile("" : : "r"(m) : "memory");	/* keep malloc/free */
		free(m);
	}
	return (double)(tool_now_ns() - t0) / n;
}

static double bench_mmap(size_t size, unsigned int n)
{
	uint64_t t0 = tool_now_ns();

	for (unsigned int i = 0; i < n; i++) {
		char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			exit(1);
		memset(m, 0, size);
		munmap(m, size);
	}
	return (double)(tool_now_ns() - t0) / n;
}

/* ------------------------------------------------------------ contended */

struct ctd {
	struct pool *p;
	unsigned int n;
	atomic_int *go;
};

static void *ctd_worker(void *arg)
{
	struct ctd *c = arg;
	struct pool_buf *b;

	while (!atomic_load(c->go))
		;
	for (unsigned int i = 0; i < c->n; i++) {
		if (pool_acquire(c->p, &b, POOL_FOREVER))
			exit(1);
		pool_release(b);
	}
	return NULL;
}

static double bench_contended(struct pool *p, unsigned int nthreads, unsigned int n)
{
	pthread_t t[8];
	struct ctd c[8];
	atomic_int go = 0;
	uint64_t t0;

	for (unsigned int i = 0; i < nthreads; i++) {
		c[i] = (struct ctd){ .p = p, .n = n, .go = &go };
		pthread_create(&t[i], NULL, ctd_worker, &c[i]);
	}
	t0 = tool_now_ns();
	atomic_store(&go, 1);
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return (double)nthreads * n / tool_secs_since(t0);
}

/* ------------------------------------------------------- handoff latency */

struct hand {
	struct pool *p;
	unsigned int n;
	atomic_int ready;
	atomic_int done;
	atomic_int taken;
	atomic_ullong t_release;
	uint64_t *lat;
};

static void *hand_consumer(void *arg)
{
	struct hand *h = arg;
	struct pool_buf *b;

	for (unsigned int i = 0; i < h->n; i++) {
		atomic_store(&h->ready, (int)i + 1);	/* about to block */
		if (pool_acquire(h->p, &b, POOL_FOREVER))
			exit(1);
		h->lat[i] = tool_now_ns() - atomic_load(&h->t_release);
		pool_release(b);
		atomic_store(&h->done, (int)i + 1);
		while (atomic_load(&h->taken) != (int)i + 1)
			;	/* the producer holds it again */
	}
	return NULL;
}

static void bench_handoff(unsigned int n, double *p50, double *p99)
{
	struct hand h = { .p = mkpool("handoff", 4096, 1, 1), .n = n };
	struct pool_buf *b;
	pthread_t t;

	h.lat = calloc(n, sizeof(*h.lat));
	if (pool_acquire(h.p, &b, POOL_NOWAIT))
		exit(1);
	pthread_create(&t, NULL, hand_consumer, &h);
	for (unsigned int i = 0; i < n; i++) {
		while (atomic_load(&h.ready) != (int)i + 1)
			;
		usleep(50);	/* let the consumer block */
		atomic_store(&h.t_release, tool_now_ns());
		pool_release(b);
		while (atomic_load(&h.done) != (int)i + 1)
			;
		if (pool_acquire(h.p, &b, POOL_FOREVER))
			exit(1);
		atomic_store(&h.taken, (int)i + 1);
	}
	pthread_join(t, NULL);
	pool_release(b);
	tool_sort_u64(h.lat, n);
	*p50 = tool_percentile_sorted_u64(h.lat, n, 50) / 1000;
	*p99 = tool_percentile_sorted_u64(h.lat, n, 99) / 1000;
	free(h.lat);
	pool_destroy(h.p);
}

/* --------------------------------------------------------------- service */

struct stream {
	struct pool *audio;
	struct pool *mel;
	unsigned int requests;
	atomic_int *errors;
	atomic_ullong *waits;
};

static void *stream_worker(void *arg)
{
	struct stream *s = arg;

	for (unsigned int i = 0; i < s->requests; i++) {
		struct pool_buf *a, *m;

		/* wait for a buffer instead of failing fast */
		if (pool_acquire(s->audio, &a, 10ll * 1000000000)) {
			atomic_fetch_add(s->errors, 1);
			continue;
		}
		memset(pool_buf_data(a), 0, 64 * 1024);	/* some of the 30 s of audio */
		if (pool_acquire(s->mel, &m, 10ll * 1000000000)) {
			atomic_fetch_add(s->errors, 1);
			pool_release(a);
			continue;
		}
		usleep(200);		/* "inference" */
		pool_release(a);
		pool_release(m);
	}
	return NULL;
}

static void bench_service(unsigned int streams, unsigned int requests)
{
	POOL_OPTS(pool_whisper_opts, w, .streams = 16, .per_stream = 1);
	POOL_OPTS(pool_set_opts, so, .no_env = true);
	struct pool_set *set = pool_set_whisper(&w, &so);
	struct stream *s = calloc(streams, sizeof(*s));
	pthread_t *t = calloc(streams, sizeof(*t));
	struct pool_stats st = { .sz = sizeof(st) };
	atomic_int errors = 0;
	atomic_ullong waits = 0;
	uint64_t t0;

	if (!set || !s || !t)
		exit(1);
	t0 = tool_now_ns();
	for (unsigned int i = 0; i < streams; i++) {
		s[i] = (struct stream){ .audio = pool_set_get(set, "audio"),
					.mel = pool_set_get(set, "mel"), .requests = requests,
					.errors = &errors, .waits = &waits };
		pthread_create(&t[i], NULL, stream_worker, &s[i]);
	}
	for (unsigned int i = 0; i < streams; i++)
		pthread_join(t[i], NULL);
	pool_stats_get(pool_set_get(set, "audio"), &st);
	printf("  %2u streams x %u requests of 30 s audio (%zu-byte buffers, pool max %u): "
	       "%d exhaustion errors, %.0f req/s, %llu waits, hit rate %.3f, %llu allocs\n",
	       streams, requests, pool_buf_bytes(pool_set_get(set, "audio")), 16u,
	       atomic_load(&errors), (double)streams * requests / tool_secs_since(t0),
	       (unsigned long long)st.waits, st.hit_rate, (unsigned long long)st.allocs);
	pool_set_destroy(set);
	free(s);
	free(t);
}

/* ------------------------------------------------------------------ xdna */

static void bench_xdna(double pool_pair_ns)
{
	POOL_OPTS(pool_xdna_opts, xo, .flavour = POOL_XDNA_SHARE);
	struct pool_backend *be = pool_backend_xdna(&xo);
	double fresh[RUNS], pooled[RUNS];
	unsigned int n = 200 / scale + 10;

	if (!be) {
		const char *hint = errno == ENODEV ? tool_emu_hint() : "";

		printf("xdna: skipped (%s%s%s)\n", strerror(errno), *hint ? "; " : "", hint);
		return;
	}
	for (unsigned int r = 0; r < RUNS; r++) {
		uint64_t t0 = tool_now_ns();

		for (unsigned int i = 0; i < n; i++) {
			struct pool_buf *b;
			POOL_OPTS(pool_opts, o, .name = "fresh", .size = 2 * MIB, .initial = 1,
				  .backend = be, .flags = POOL_F_NO_DEBUG);
			struct pool *p = pool_create(&o);	/* one fresh BO */

			if (!p || pool_acquire(p, &b, POOL_NOWAIT))
				exit(1);
			pool_release(b);
			pool_destroy(p);
		}
		fresh[r] = (double)(tool_now_ns() - t0) / n;
	}
	{
		POOL_OPTS(pool_opts, o, .name = "bo", .size = 2 * MIB, .initial = 2, .backend = be,
			  .flags = POOL_F_NO_DEBUG);
		struct pool *p = pool_create(&o);

		if (!p)
			exit(1);
		for (unsigned int r = 0; r < RUNS; r++)
			pooled[r] = bench_pair(p, 2000000 / scale);
		pool_destroy(p);
	}
	(void)pool_pair_ns;
	printf("xdna (SHARE BO, 2 MiB): fresh BO per request %.0f ns, pooled BO %.1f ns: "
	       "%.0fx\n", tool_median(fresh, RUNS), tool_median(pooled, RUNS),
	       tool_median(fresh, RUNS) / tool_median(pooled, RUNS));
	pool_backend_put(be);
}

#define PAIRS_MAX	100000000ULL

static void usage(FILE *f)
{
	fprintf(f, "usage: poolbench [-q] [-p PAIRS]\n"
		   "  -q, --quick        fewer iterations (a smoke run)\n"
		   "  -p, --pairs PAIRS  only the uncontended acquire+release pair, PAIRS a run\n"
		   "                     (1..%llu; for a run under pooltrace)\n"
		   "  -h, --help         this text\n"
		   "  --version          print the version\n"
		   "Exit status: 0 ok, 1 a pool call failed, 2 bad usage.\n", PAIRS_MAX);
}

/* Returns the -p pair count, 0 for the whole benchmark. */
static unsigned long parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "pairs", required_argument, NULL, 'p' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	unsigned long np = 0;
	int c;

	while ((c = getopt_long(argc, argv, ":qp:h", longopts, NULL)) != -1) {
		if (c == 'q')
			scale = 20;
		else if (c == 'p')
			np = (unsigned long)tool_parse_ull("--pairs", optarg, 1, PAIRS_MAX);
		else
			tool_common_option(c, argv, usage);
	}
	tool_no_more_args(argc, argv, optind);
	return np;
}

int main(int argc, char **argv)
{
	double pair[RUNS], mal[RUNS], maltouch[RUNS], mm[RUNS], ctd[RUNS];
	double p50, p99, pair_med;
	unsigned long np;
	unsigned int n;
	struct pool *p;

	tool_init(argv[0]);
	np = parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (np) {
		/* Only the uncontended pair, N pairs a run (for a traced run). */
		p = mkpool("bench", 2 * MIB, 2, 0);
		bench_pair(p, (unsigned int)np / 10 + 1);
		for (int r = 0; r < RUNS; r++)
			pair[r] = bench_pair(p, (unsigned int)np);
		printf("uncontended acquire+release (2 MiB buffers): %.1f ns/pair, median of %d "
		       "runs of %lu\n", tool_median(pair, RUNS), RUNS, np);
		pool_destroy(p);
		return 0;
	}
	n = 20000000 / scale;
	printf("poolbench (median of %d runs)\n", RUNS);

	p = mkpool("bench", 2 * MIB, 2, 0);
	bench_pair(p, n / 10);	/* warm */
	for (int r = 0; r < RUNS; r++)
		pair[r] = bench_pair(p, n);
	pair_med = tool_median(pair, RUNS);
	printf("uncontended acquire+release (2 MiB buffers): %.1f ns/pair (target <= 20)\n",
	       pair_med);
	for (int r = 0; r < RUNS; r++) {
		mal[r] = bench_malloc(2 * MIB, 200000 / scale, false);
		maltouch[r] = bench_malloc(2 * MIB, 2000 / scale + 10, true);
		mm[r] = bench_mmap(2 * MIB, 2000 / scale + 10);
	}
	printf("malloc+free 2 MiB: %.1f ns (%.1fx the pool pair)\n", tool_median(mal, RUNS),
	       tool_median(mal, RUNS) / pair_med);
	printf("malloc+memset+free 2 MiB (fresh buffer per request): %.0f ns (%.0fx)\n",
	       tool_median(maltouch, RUNS), tool_median(maltouch, RUNS) / pair_med);
	printf("mmap+memset+munmap 2 MiB: %.0f ns (%.0fx)\n", tool_median(mm, RUNS),
	       tool_median(mm, RUNS) / pair_med);
	pool_destroy(p);

	p = mkpool("contended", 2 * MIB, 4, 0);
	for (int r = 0; r < RUNS; r++)
		ctd[r] = bench_contended(p, 2, n / 2);
	printf("2 threads contended, one pool: %.1f M pairs/s aggregate (target >= 20)\n",
	       tool_median(ctd, RUNS) / 1e6);
	pool_destroy(p);

	bench_handoff(20000 / scale + 100, &p50, &p99);
	printf("handoff through a waiting acquire: wake latency p50 %.1f us, p99 %.1f us "
	       "(target p99 <= 50)\n", p50, p99);

	bench_xdna(pair_med);

	printf("service scenario (whisper pools, 16 audio buffers, waiting acquire):\n");
	bench_service(16, 400 / scale + 5);
	bench_service(50, 200 / scale + 5);
	return 0;
}
