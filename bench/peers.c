// SPDX-License-Identifier: MIT
/*
 * bench/peers: libpool against the pools users would pick instead, in one
 * process, in interleaved rounds (every round runs every pool once, so
 * drift in the machine hits all of them alike).  Prints, per workload, the
 * median, the min-max over rounds and the ratio to DPDK.  Asserts nothing.
 *
 *   a  uncontended acquire + touch + release, ns per pair
 *   b  2 threads on one pool, each acquire + touch + release, M pairs/s
 *   c  one-way handoff: A acquires and pushes into a polling SPSC ring,
 *      B pops and releases (the mel -> NPU pattern), M buffers/s
 *   d  bursty: 16 acquired and held, then the 16 released, ns per buffer
 *   e  bulk 16: the same with the bulk calls where a pool has them
 *
 * Pools: libpool (every check on: double/foreign release, ownership, leak
 * sites, stats), DPDK rte_mempool with lcore caches (every thread is
 * registered with EAL), FFmpeg AVBufferPool, GstBufferPool, and a
 * mutex + array stack.  Each pool's loops are instantiated from one macro
 * with its calls inlined, so no pool pays an indirect call the others do
 * not.
 *
 *   peers [-r ROUNDS] [-s BYTES] [-q]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pool/pool.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <libavutil/buffer.h>

#include <gst/gst.h>

#include "tool.h"

#define NBUF		128	/* buffers per pool */
#define DPDK_CACHE	32	/* rte_mempool lcore cache */
#define BURST		16	/* workloads d and e */
#define RING_SLOTS	16	/* the polling ring of workload c */
#define MAX_ROUNDS	31

static size_t buf_size = 960000;
static unsigned int rounds = 7;
static unsigned int scale = 1;

static void die(const char *what)
{
	fprintf(stderr, "peers: %s\n", what);
	exit(1);
}

static inline void touch(void *data)
{
	*(volatile char *)data = 1;
}

/* ------------------------------------------------------- the polling ring */

struct spsc {
	_Alignas(64) _Atomic unsigned int head;
	_Alignas(64) _Atomic unsigned int tail;
	_Alignas(64) void *slot[RING_SLOTS];
};

static inline void spsc_push(struct spsc *r, void *v)
{
	unsigned int t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	while (t - atomic_load_explicit(&r->head, memory_order_acquire) == RING_SLOTS)
		__builtin_ia32_pause();
	r->slot[t % RING_SLOTS] = v;
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

static inline void *spsc_pop(struct spsc *r)
{
	unsigned int h = atomic_load_explicit(&r->head, memory_order_relaxed);
	void *v;

	while (atomic_load_explicit(&r->tail, memory_order_acquire) == h)
		__builtin_ia32_pause();
	v = r->slot[h % RING_SLOTS];
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return v;
}

/* ------------------------------------------------------------ the pools */

/* libpool, default 4 MiB thread cache, or one as large as DPDK's */
static size_t lp_cache_bytes;

static void *lp_create(void)
{
	POOL_OPTS(pool_opts, o, .name = "peers", .size = buf_size, .initial = NBUF, .max = NBUF,
		  .flags = POOL_F_NO_DEBUG, .thread_cache_bytes = lp_cache_bytes);
	struct pool *p = pool_create(&o);

	if (!p)
		die("pool_create");
	return p;
}

static void lp_destroy(void *ctx)
{
	if (pool_destroy(ctx))
		die("libpool leaked");
}

static inline void *lp_get(void *ctx)
{
	struct pool_buf *b;

	return pool_acquire(ctx, &b, POOL_FOREVER) ? NULL : b;
}

static inline void lp_put(void *ctx, void *h)
{
	(void)ctx;
	pool_release(h);
}

static inline void *lp_data(void *h)
{
	return pool_buf_data(h);
}

static inline int lp_get_bulk(void *ctx, void **v, unsigned int n)
{
	return pool_acquire_bulk(ctx, (struct pool_buf **)v, n, POOL_FOREVER);
}

static inline void lp_put_bulk(void *ctx, void **v, unsigned int n)
{
	(void)ctx;
	pool_release_bulk((struct pool_buf *const *)v, n);
}

static void lp_thread(void) { }
static void lp_thread_end(void) { }

#define lpd_create lp_create
#define lpd_destroy lp_destroy
#define lpd_get lp_get
#define lpd_put lp_put
#define lpd_data lp_data
#define lpd_get_bulk lp_get_bulk
#define lpd_put_bulk lp_put_bulk
#define lpd_thread lp_thread
#define lpd_thread_end lp_thread_end

/* DPDK rte_mempool with per-lcore caches */
static void *dp_create(void)
{
	static unsigned int seq;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	snprintf(name, sizeof(name), "peers%u", seq++);
	mp = rte_mempool_create(name, NBUF, (unsigned int)buf_size, DPDK_CACHE, 0, NULL, NULL,
				NULL, NULL, SOCKET_ID_ANY, 0);
	if (!mp) {
		fprintf(stderr, "peers: rte_mempool_create: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	return mp;
}

static void dp_destroy(void *ctx)
{
	rte_mempool_free(ctx);
}

static inline void *dp_get(void *ctx)
{
	void *obj;

	while (rte_mempool_get(ctx, &obj))
		__builtin_ia32_pause();
	return obj;
}

static inline void dp_put(void *ctx, void *h)
{
	rte_mempool_put(ctx, h);
}

static inline void *dp_data(void *h)
{
	return h;
}

static inline int dp_get_bulk(void *ctx, void **v, unsigned int n)
{
	while (rte_mempool_get_bulk(ctx, v, n))
		__builtin_ia32_pause();
	return 0;
}

static inline void dp_put_bulk(void *ctx, void **v, unsigned int n)
{
	rte_mempool_put_bulk(ctx, v, n);
}

static void dp_thread(void)
{
	if (rte_lcore_id() == LCORE_ID_ANY && rte_thread_register())
		die("rte_thread_register");
}

static void dp_thread_end(void)
{
	rte_thread_unregister();
}

/* mutex + array stack of malloc'd buffers */
struct mx {
	pthread_mutex_t lock;
	unsigned int n;
	void *v[NBUF];
};

static void *mx_create(void)
{
	struct mx *m = calloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	for (unsigned int i = 0; i < NBUF; i++)
		if (!(m->v[m->n++] = malloc(buf_size)))
			die("malloc");
	return m;
}

static void mx_destroy(void *ctx)
{
	struct mx *m = ctx;

	for (unsigned int i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m);
}

static inline void *mx_get(void *ctx)
{
	struct mx *m = ctx;
	void *b = NULL;

	while (!b) {
		pthread_mutex_lock(&m->lock);
		if (m->n)
			b = m->v[--m->n];
		pthread_mutex_unlock(&m->lock);
	}
	return b;
}

static inline void mx_put(void *ctx, void *h)
{
	struct mx *m = ctx;

	pthread_mutex_lock(&m->lock);
	m->v[m->n++] = h;
	pthread_mutex_unlock(&m->lock);
}

static inline void *mx_data(void *h)
{
	return h;
}

#define mx_get_bulk NULL
#define mx_put_bulk NULL
static void mx_thread(void) { }
static void mx_thread_end(void) { }

/* FFmpeg AVBufferPool */
static void *av_create(void)
{
	AVBufferPool *bp = av_buffer_pool_init(buf_size, NULL);
	AVBufferRef *v[NBUF];

	if (!bp)
		die("av_buffer_pool_init");
	for (unsigned int i = 0; i < NBUF; i++)	/* preallocate */
		if (!(v[i] = av_buffer_pool_get(bp)))
			die("av_buffer_pool_get");
	for (unsigned int i = 0; i < NBUF; i++)
		av_buffer_unref(&v[i]);
	return bp;
}

static void av_destroy(void *ctx)
{
	AVBufferPool *bp = ctx;

	av_buffer_pool_uninit(&bp);
}

static inline void *av_get(void *ctx)
{
	return av_buffer_pool_get(ctx);
}

static inline void av_put(void *ctx, void *h)
{
	AVBufferRef *r = h;

	(void)ctx;
	av_buffer_unref(&r);
}

static inline void *av_data(void *h)
{
	return ((AVBufferRef *)h)->data;
}

#define av_get_bulk NULL
#define av_put_bulk NULL
static void av_thread(void) { }
static void av_thread_end(void) { }

/* GStreamer GstBufferPool */
static void *gs_create(void)
{
	GstBufferPool *bp = gst_buffer_pool_new();
	GstStructure *cfg = gst_buffer_pool_get_config(bp);

	gst_buffer_pool_config_set_params(cfg, NULL, (guint)buf_size, NBUF, NBUF);
	if (!gst_buffer_pool_set_config(bp, cfg) || !gst_buffer_pool_set_active(bp, TRUE))
		die("GstBufferPool setup");
	return bp;
}

static void gs_destroy(void *ctx)
{
	gst_buffer_pool_set_active(ctx, FALSE);
	gst_object_unref(ctx);
}

static inline void *gs_get(void *ctx)
{
	GstBuffer *b = NULL;

	if (gst_buffer_pool_acquire_buffer(ctx, &b, NULL) != GST_FLOW_OK)
		die("gst_buffer_pool_acquire_buffer");
	return b;
}

static inline void gs_put(void *ctx, void *h)
{
	(void)ctx;
	gst_buffer_unref(h);
}

/* GstBuffer memory is reached through a map, as users do */
static inline void gs_touch(void *h)
{
	GstMapInfo mi;

	if (!gst_buffer_map(h, &mi, GST_MAP_WRITE))
		die("gst_buffer_map");
	touch(mi.data);
	gst_buffer_unmap(h, &mi);
}

#define gs_get_bulk NULL
#define gs_put_bulk NULL
static void gs_thread(void) { }
static void gs_thread_end(void) { }

/* ------------------------------------------------------------ workloads */

struct run {
	void *ctx;
	unsigned int n;
	struct spsc *ring;
	atomic_int *go;
	void (*thread_init)(void);
	double ns;
};

#define TOUCH_OF(X, h)	X##_touch_(h)
#define lp_touch_(h)	touch(lp_data(h))
#define lpd_touch_(h)	touch(lp_data(h))
#define dp_touch_(h)	touch(h)
#define mx_touch_(h)	touch(h)
#define av_touch_(h)	touch(av_data(h))
#define gs_touch_(h)	gs_touch(h)

#define DEFINE_WORKLOADS(X)						\
static double X##_a(void *ctx, unsigned int n)				\
{									\
	uint64_t t0 = tool_now_ns();						\
									\
	for (unsigned int i = 0; i < n; i++) {				\
		void *h = X##_get(ctx);					\
									\
		TOUCH_OF(X, h);						\
		X##_put(ctx, h);					\
	}								\
	return (double)(tool_now_ns() - t0) / n;				\
}									\
									\
static void *X##_b_thread(void *arg)					\
{									\
	struct run *r = arg;						\
	uint64_t t0;							\
									\
	X##_thread();							\
	while (!atomic_load(r->go))					\
		;							\
	t0 = tool_now_ns();							\
	for (unsigned int i = 0; i < r->n; i++) {			\
		void *h = X##_get(r->ctx);				\
									\
		TOUCH_OF(X, h);						\
		X##_put(r->ctx, h);					\
	}								\
	r->ns = (double)(tool_now_ns() - t0);				\
	X##_thread_end();						\
	return NULL;							\
}									\
									\
static void *X##_c_consumer(void *arg)					\
{									\
	struct run *r = arg;						\
									\
	X##_thread();							\
	for (unsigned int i = 0; i < r->n; i++) {			\
		void *h = spsc_pop(r->ring);				\
									\
		TOUCH_OF(X, h);						\
		X##_put(r->ctx, h);					\
	}								\
	X##_thread_end();						\
	return NULL;							\
}									\
									\
static double X##_c(void *ctx, unsigned int n)				\
{									\
	struct spsc *ring = aligned_alloc(64, sizeof(*ring));		\
	struct run r = { .ctx = ctx, .n = n, .ring = ring };		\
	pthread_t t;							\
	uint64_t t0;							\
									\
	memset(ring, 0, sizeof(*ring));					\
	pthread_create(&t, NULL, X##_c_consumer, &r);			\
	t0 = tool_now_ns();							\
	for (unsigned int i = 0; i < n; i++) {				\
		void *h = X##_get(ctx);					\
									\
		TOUCH_OF(X, h);						\
		spsc_push(ring, h);					\
	}								\
	pthread_join(t, NULL);						\
	free(ring);							\
	return n / ((double)(tool_now_ns() - t0) / 1e3);	/* M/s */	\
}									\
									\
static double X##_d(void *ctx, unsigned int n)				\
{									\
	void *v[BURST];							\
	uint64_t t0 = tool_now_ns();						\
									\
	for (unsigned int i = 0; i < n; i++) {				\
		for (unsigned int k = 0; k < BURST; k++) {		\
			v[k] = X##_get(ctx);				\
			TOUCH_OF(X, v[k]);				\
		}							\
		for (unsigned int k = 0; k < BURST; k++)		\
			X##_put(ctx, v[k]);				\
	}								\
	return (double)(tool_now_ns() - t0) / ((double)n * BURST);		\
}

DEFINE_WORKLOADS(lp)
DEFINE_WORKLOADS(dp)
DEFINE_WORKLOADS(mx)
DEFINE_WORKLOADS(av)
DEFINE_WORKLOADS(gs)

#define lpd_a lp_a
#define lpd_b_thread lp_b_thread
#define lpd_c lp_c
#define lpd_d lp_d

#define DEFINE_BULK(X)							\
static double X##_e(void *ctx, unsigned int n)				\
{									\
	void *v[BURST];							\
	uint64_t t0 = tool_now_ns();						\
									\
	for (unsigned int i = 0; i < n; i++) {				\
		X##_get_bulk(ctx, v, BURST);				\
		for (unsigned int k = 0; k < BURST; k++)		\
			TOUCH_OF(X, v[k]);				\
		X##_put_bulk(ctx, v, BURST);				\
	}								\
	return (double)(tool_now_ns() - t0) / ((double)n * BURST);		\
}

DEFINE_BULK(lp)
DEFINE_BULK(dp)
#define lpd_e lp_e

/* b: two threads on one pool, aggregate M pairs/s */
static double run_b(void *ctx, unsigned int n, void *(*fn)(void *))
{
	struct run r[2];
	atomic_int go = 0;
	pthread_t t[2];
	uint64_t t0;

	for (int i = 0; i < 2; i++) {
		r[i] = (struct run){ .ctx = ctx, .n = n, .go = &go };
		pthread_create(&t[i], NULL, fn, &r[i]);
	}
	usleep(1000);
	t0 = tool_now_ns();
	atomic_store(&go, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 2.0 * n / ((double)(tool_now_ns() - t0) / 1e3);
}

/* ---------------------------------------------------------------- table */

enum { W_A, W_B, W_C, W_D, W_E, NW };

static const struct wl {
	const char *name;
	const char *unit;
	bool higher_better;
} wls[NW] = {
	{ "a. uncontended acquire+touch+release", "ns/pair", false },
	{ "b. 2 threads, one pool", "M pairs/s", true },
	{ "c. one-way handoff A -> polling ring -> B", "M bufs/s", true },
	{ "d. bursty: 16 held, then released", "ns/buffer", false },
	{ "e. bulk 16 (bulk calls)", "ns/buffer", false },
};

struct impl {
	const char *name;
	void *(*create)(void);
	void (*destroy)(void *);
	double (*a)(void *, unsigned int);
	void *(*b)(void *);
	double (*c)(void *, unsigned int);
	double (*d)(void *, unsigned int);
	double (*e)(void *, unsigned int);
	size_t cache_bytes;	/* libpool: thread_cache_bytes */
	double v[NW][MAX_ROUNDS];
};

#define IMPL(X, label, cb, bulk)					\
	{ label, X##_create, X##_destroy, X##_a, X##_b_thread, X##_c, X##_d, bulk, cb, { { 0 } } }

static struct impl impls[] = {
	IMPL(lp, "libpool", 0, lp_e),
	IMPL(lpd, "libpool, DPDK-sized cache", 0, lpd_e),
	IMPL(dp, "DPDK rte_mempool (lcore cache)", 0, dp_e),
	IMPL(mx, "mutex + stack", 0, NULL),
	IMPL(av, "FFmpeg AVBufferPool", 0, NULL),
	IMPL(gs, "GstBufferPool", 0, NULL),
};
#define NIMPL	(sizeof(impls) / sizeof(impls[0]))
#define DPDK_IDX	2

static void stats_of(const double *v, unsigned int n, double *med, double *lo, double *hi)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	tool_sort_doubles(s, n);
	*med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	*lo = s[0];
	*hi = s[n - 1];
}

static void print_table(void)
{
	printf("\n%u interleaved rounds, %zu-byte buffers, %u per pool; median [min-max], "
	       "ratio to DPDK (>1: better than DPDK)\n", rounds, buf_size, NBUF);
	for (unsigned int w = 0; w < NW; w++) {
		double dmed, lo, hi;

		stats_of(impls[DPDK_IDX].v[w], rounds, &dmed, &lo, &hi);
		printf("\n%s (%s)\n", wls[w].name, wls[w].unit);
		for (unsigned int i = 0; i < NIMPL; i++) {
			double med, ratio;

			if (w == W_E && !impls[i].e)
				continue;
			stats_of(impls[i].v[w], rounds, &med, &lo, &hi);
			ratio = wls[w].higher_better ? med / dmed : dmed / med;
			printf("  %-32s %9.2f  [%8.2f - %8.2f]  %5.2fx\n", impls[i].name, med, lo,
			       hi, ratio);
		}
	}
}

#define SIZE_MIN	64ULL
#define SIZE_MAX_BYTES	(1ULL << 30)

static void usage(FILE *f)
{
	fprintf(f, "usage: peers [-r ROUNDS] [-s BYTES] [-q]\n"
		   "  -r, --rounds ROUNDS  interleaved rounds (1..%d, default %u)\n"
		   "  -s, --size BYTES     buffer size (%llu..%llu, K/M/G allowed, default %zu)\n"
		   "  -q, --quick          fewer iterations (a smoke run)\n"
		   "  -h, --help           this text\n"
		   "  --version            print the version\n"
		   "Exit status: 0 ok, 1 a pool or EAL call failed, 2 bad usage.\n",
		MAX_ROUNDS, rounds, SIZE_MIN, SIZE_MAX_BYTES, buf_size);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "quick", no_argument, NULL, 'q' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":r:s:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = (unsigned int)tool_parse_ull("--rounds", optarg, 1, MAX_ROUNDS);
			break;
		case 's':
			buf_size = (size_t)tool_parse_bytes("--size", optarg, SIZE_MIN,
							    SIZE_MAX_BYTES);
			break;
		case 'q':
			scale = 20;
			break;
		default:
			tool_common_option(opt, argv, usage);
			exit(TOOL_EXIT_USAGE);
		}
	}
	tool_no_more_args(argc, argv, optind);
}

int main(int argc, char **argv)
{
	char *eal[] = { "peers", "--no-huge", "--no-pci", "--no-shconf",
			"--file-prefix=xdnapool-peers", "-l", "0", "-m", "1024",
			"--log-level=1", "--no-telemetry" };
	unsigned int na, nb, nc, nd;
	cpu_set_t all;

	tool_init(argv[0]);
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* rte_eal_init pins the calling thread to lcore 0: undo that after */
	sched_getaffinity(0, sizeof(all), &all);
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "peers: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	sched_setaffinity(0, sizeof(all), &all);
	gst_init(NULL, NULL);
	impls[1].cache_bytes = DPDK_CACHE * buf_size;

	na = 2000000 / scale;
	nb = 1000000 / scale;
	nc = 1000000 / scale;
	nd = 100000 / scale;
	printf("peers: %u rounds; a %u pairs, b 2 x %u, c %u, d/e %u bursts of %u\n", rounds,
	       na, nb, nc, nd, BURST);
	for (unsigned int r = 0; r < rounds; r++) {
		for (unsigned int k = 0; k < NIMPL; k++) {
			/* rotate the order too, so no pool always runs first */
			struct impl *im = &impls[(k + r) % NIMPL];
			void *ctx;

			lp_cache_bytes = im->cache_bytes;
			ctx = im->create();
			im->a(ctx, na / 10);	/* warm */
			im->v[W_A][r] = im->a(ctx, na);
			im->v[W_B][r] = run_b(ctx, nb, im->b);
			im->v[W_C][r] = im->c(ctx, nc);
			im->v[W_D][r] = im->d(ctx, nd);
			if (im->e)
				im->v[W_E][r] = im->e(ctx, nd);
			im->destroy(ctx);
		}
		fprintf(stderr, "round %u/%u done\n", r + 1, rounds);
	}
	print_table();
	rte_eal_cleanup();
	return 0;
}
