// SPDX-License-Identifier: MIT
/*
 * libpool-xrt under XRT's noop shim (set up by xrt_noop_env.c): the backend,
 * pools over it (whole BOs and slab sub-buffers), the checks that keep XRT
 * from failing or aborting the process, and dma-buf import errors.
 *
 * XRT keeps process-global state, so every check that changes XRT's
 * environment runs in a forked child that must exit normally.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/pool_xrt.h>

#include "xrt_noop_env.h"
#include "runner.h"

static char noop_dir[64];

/* ------------------------------------------------------------- helpers */

static struct pool_backend *xrt_be(const struct pool_xrt_opts *o)
{
	struct pool_backend *be = pool_backend_xrt(o);

	ck_assert_msg(be, "pool_backend_xrt: %s: %s", strerror(errno), pool_xrt_errmsg());
	return be;
}

static struct pool_xrt_stats xstats(struct pool_backend *be)
{
	struct pool_xrt_stats st = { .sz = sizeof(st) };

	ck_assert_int_eq(pool_xrt_stats_get(be, &st), 0);
	return st;
}

static void count_line(void *arg, const char *line)
{
	(void)line;
	++*(int *)arg;
}

static int report_lines;

static struct pool *xrt_pool(struct pool_backend *be, size_t size, unsigned int max)
{
	POOL_OPTS(pool_opts, o, .size = size, .max = max, .backend = be,
		  .flags = POOL_F_NO_CACHE, .report = count_line, .report_arg = &report_lines);
	struct pool *p = pool_create(&o);

	ck_assert_msg(p, "pool_create: %s: %s", strerror(errno), pool_xrt_errmsg());
	return p;
}

static struct pool_xrt_buf_info info_of(const struct pool_buf *b)
{
	struct pool_xrt_buf_info i = { .sz = sizeof(i) };

	ck_assert_int_eq(pool_xrt_buf_info(b, &i), 0);
	ck_assert_ptr_eq(pool_xrt_buf_bo(b), i.bo);
	return i;
}

static void assert_errmsg(const char *part)
{
	ck_assert_msg(strstr(pool_xrt_errmsg(), part), "errmsg '%s' lacks '%s'",
		      pool_xrt_errmsg(), part);
}

static void fill(struct pool_buf *b, size_t len, unsigned char v)
{
	memset(pool_buf_data(b), v, len);
}

static void assert_filled(struct pool_buf *b, size_t len, unsigned char v)
{
	const unsigned char *p = pool_buf_data(b);
	size_t i;

	for (i = 0; i < len; i++)
		ck_assert_msg(p[i] == v, "byte %zu is %u, not %u: buffers overlap", i, p[i], v);
}

/*
 * Run fn in a forked child (XRT's state is per process); its wait status.
 * It must exit normally with 0: a signal means XRT aborted, crashed or
 * hung (alarm).
 */
static int fork_child(int (*fn)(void *), void *arg)
{
	int status = -1;
	pid_t pid;

	pid = fork();
	if (!pid) {
		alarm(30);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void assert_child_ok(int status)
{
	ck_assert_int_ne(status, -1);
	ck_assert_msg(!WIFSIGNALED(status), "child killed by signal %d (%s): XRT was reached",
		      WTERMSIG(status), strsignal(WTERMSIG(status)));
	ck_assert_msg(WEXITSTATUS(status) == 0, "child failed (exit %d)", WEXITSTATUS(status));
}

static void run_in_child(int (*fn)(void *), void *arg)
{
	assert_child_ok(fork_child(fn, arg));
}

/* In a child: creating the backend must fail with -ENODEV naming @part. */
static int expect_enodev(const char *part)
{
	struct pool_backend *be;

	errno = 0;
	be = pool_backend_xrt(NULL);
	if (be || errno != ENODEV || !strstr(pool_xrt_errmsg(), part)) {
		fprintf(stderr, "expected ENODEV '%s', got %p errno %d: %s\n", part, (void *)be,
			errno, pool_xrt_errmsg());
		return 1;
	}
	if (pool_xrt_probe() != -ENODEV || !strstr(pool_xrt_errmsg(), part)) {
		fprintf(stderr, "probe: %s\n", pool_xrt_errmsg());
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- backend */

START_TEST(test_probe_and_create)
{
	POOL_OPTS(pool_xrt_opts, cacheable, .mem = POOL_XRT_MEM_CACHEABLE);
	POOL_OPTS(pool_xrt_opts, normal, .mem = POOL_XRT_MEM_NORMAL, .flags = POOL_XRT_F_NO_SLAB);
	const struct pool_xrt_opts *all[] = { NULL, &cacheable, &normal };
	struct pool_xrt_stats st;
	struct pool_backend *be;
	struct pool_buf *b;
	struct pool *p;
	size_t i;

	ck_assert_int_eq(pool_xrt_probe(), 0);
	ck_assert_str_eq(pool_xrt_errmsg(), "");
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		be = xrt_be(all[i]);
		ck_assert_str_eq(pool_backend_name(be), "xrt");
		st = xstats(be);
		ck_assert_uint_eq(st.bos + st.slabs + st.sub_bufs + st.imports + st.bytes, 0);
		p = xrt_pool(be, 3000, 0);
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
		fill(b, 3000, 0x5a);
		assert_filled(b, 3000, 0x5a);
		ck_assert_int_eq(pool_release(b), 0);
		ck_assert_int_eq(pool_destroy(p), 0);
		pool_backend_put(be);
	}
}
END_TEST

static void create_fails(const struct pool_xrt_opts *o, int err, const char *part)
{
	errno = 0;
	ck_assert_ptr_null(pool_backend_xrt(o));
	ck_assert_int_eq(errno, err);
	assert_errmsg(part);
}

START_TEST(test_bad_opts)
{
	POOL_OPTS(pool_xrt_opts, mem, .mem = (enum pool_xrt_mem)7);
	POOL_OPTS(pool_xrt_opts, flags, .flags = 1u << 9);
	POOL_OPTS(pool_xrt_opts, align, .slab_align = 48);
	POOL_OPTS(pool_xrt_opts, small, .slab_threshold = 8192, .slab_bytes = 4096);
	struct {
		struct pool_xrt_opts o;
		uint64_t future;
	} big = { .o.sz = sizeof(big), .future = 1 };
	struct pool_xrt_opts tiny = { .sz = 2 };

	create_fails(&mem, EINVAL, "mem");
	create_fails(&flags, EINVAL, "flags");
	create_fails(&align, EINVAL, "power of two");
	create_fails(&small, EINVAL, "slab_bytes");
	create_fails(&big.o, EINVAL, "pool_xrt_opts");
	create_fails(&tiny, EINVAL, "pool_xrt_opts");
	/* (XRT's noop shim opens any device index: no -ENODEV case here.) */
	/* A larger struct with a zero tail is fine (built against a newer header). */
	big.future = 0;
	pool_backend_put(xrt_be(&big.o));
}
END_TEST

/* ------------------------------------------------------------ whole BOs */

START_TEST(test_large_buffers_one_bo_each)
{
	const size_t size = 256 << 10;
	struct pool_backend *be = xrt_be(NULL);
	struct pool *p = xrt_pool(be, size, 0);
	struct pool_xrt_buf_info inf[3];
	struct pool_buf *b[3];
	int i, fd = -1;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
		ck_assert_ptr_nonnull(pool_buf_data(b[i]));
		ck_assert_uint_eq(pool_buf_size(b[i]), size);
		ck_assert_uint_ge(pool_buf_capacity(b[i]), size);
		inf[i] = info_of(b[i]);
		ck_assert_ptr_null(inf[i].slab);
		ck_assert_uint_eq(inf[i].size, size);
		ck_assert_uint_eq(pool_buf_dev_addr(b[i]), XRT_NOOP_DEV_ADDR);
		fill(b[i], size, (unsigned char)(0xa0 + i));
	}
	ck_assert_ptr_ne(inf[0].bo, inf[1].bo);
	ck_assert_ptr_ne(inf[1].bo, inf[2].bo);
	ck_assert_ptr_ne(inf[0].bo, inf[2].bo);
	for (i = 0; i < 3; i++)
		assert_filled(b[i], size, (unsigned char)(0xa0 + i));
	ck_assert_uint_eq(xstats(be).bos, 3);
	ck_assert_uint_eq(xstats(be).slabs, 0);
	ck_assert_uint_eq(xstats(be).bytes, 3 * size);

	ck_assert_int_eq(pool_buf_sync(b[0], POOL_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(pool_buf_sync(b[0], POOL_SYNC_FROM_DEVICE, 4096, 8192), 0);
	ck_assert_int_eq(pool_buf_sync(b[0], POOL_SYNC_FROM_DEVICE, size - 1, 1), 0);
	ck_assert_int_eq(pool_buf_sync(b[0], POOL_SYNC_TO_DEVICE, size + 1, 0), -EINVAL);
	ck_assert_int_eq(pool_buf_sync(b[0], POOL_SYNC_TO_DEVICE, size - 10, 11), -EINVAL);
	ck_assert_int_eq(pool_buf_sync(b[0], POOL_SYNC_TO_DEVICE, 0, size + 1), -EINVAL);

	/* Under noop XRT exports nothing: a clear error, not a bogus fd. */
	ck_assert_int_eq(pool_buf_export(b[1], &fd), -EOPNOTSUPP);
	ck_assert_int_eq(fd, -1);
	assert_errmsg("xrtBOExport");
	assert_errmsg("noop");

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pool_release(b[i]), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
	ck_assert_uint_eq(xstats(be).bos, 0);
	ck_assert_uint_eq(xstats(be).bytes, 0);
	pool_backend_put(be);
}
END_TEST

/* ----------------------------------------------------------------- slabs */

#define NSUB	40

static unsigned int count_slabs(const struct pool_xrt_buf_info *inf, int n)
{
	unsigned int slabs = 0;
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && inf[j].slab != inf[i].slab; j++)
			;
		slabs += j == i;
	}
	return slabs;
}

static void assert_sub_buffer(struct pool_buf *b, const struct pool_xrt_buf_info *i,
			      size_t align, size_t slab_bytes)
{
	ck_assert_ptr_nonnull(i->slab);
	ck_assert_ptr_ne(i->bo, i->slab);
	ck_assert_uint_eq(i->offset % align, 0);
	ck_assert_uint_le(i->offset + i->size, slab_bytes);
	/* XRT's own mapping and address of the sub-buffer: the slab's + offset. */
	ck_assert_ptr_eq(pool_buf_data(b), (char *)i->slab_map + i->offset);
	ck_assert_uint_eq(i->slab_dev_addr, XRT_NOOP_DEV_ADDR);
	ck_assert_uint_eq(pool_buf_dev_addr(b), i->slab_dev_addr + i->offset);
}

START_TEST(test_slab_carving)
{
	POOL_OPTS(pool_xrt_opts, o, .slab_threshold = 4096, .slab_bytes = 16384,
		  .slab_align = 256);
	struct pool_backend *be = xrt_be(&o);
	struct pool *p = xrt_pool(be, 1000, 0);
	struct pool_xrt_buf_info inf[NSUB];
	struct pool_buf *b[NSUB];
	size_t d;
	int i, j, fd = -1;

	for (i = 0; i < NSUB; i++) {
		ck_assert_int_eq(pool_acquire(p, &b[i], POOL_NOWAIT), 0);
		inf[i] = info_of(b[i]);
		ck_assert_uint_eq(inf[i].size, 1024);
		ck_assert_uint_ge(pool_buf_capacity(b[i]), 1000);
		assert_sub_buffer(b[i], &inf[i], 256, 16384);
		fill(b[i], inf[i].size, (unsigned char)(i + 1));
	}
	for (i = 0; i < NSUB; i++) {
		for (j = 0; j < i; j++) {
			if (inf[i].slab != inf[j].slab)
				continue;
			d = inf[i].offset > inf[j].offset ? inf[i].offset - inf[j].offset :
							    inf[j].offset - inf[i].offset;
			ck_assert_uint_ge(d, 1024);
		}
		assert_filled(b[i], inf[i].size, (unsigned char)(i + 1));
	}
	/* 16 chunks of 1024 per 16 KiB slab: 40 buffers take 3 slabs. */
	ck_assert_uint_eq(count_slabs(inf, NSUB), 3);
	ck_assert_uint_eq(xstats(be).slabs, 3);
	ck_assert_uint_eq(xstats(be).sub_bufs, NSUB);
	ck_assert_uint_eq(xstats(be).bos, 0);
	ck_assert_uint_eq(xstats(be).bytes, 3 * 16384);

	ck_assert_int_eq(pool_buf_sync(b[3], POOL_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(pool_buf_sync(b[3], POOL_SYNC_FROM_DEVICE, 512, 488), 0);
	ck_assert_int_eq(pool_buf_sync(b[3], POOL_SYNC_FROM_DEVICE, 512, 489), -EINVAL);

	/* Exporting a sub-buffer would export the whole slab: refused. */
	ck_assert_int_eq(pool_buf_export(b[5], &fd), -EOPNOTSUPP);
	ck_assert_int_eq(fd, -1);
	assert_errmsg("slab");

	/* A slab goes with its last sub-buffer. */
	for (i = 0; i < NSUB; i++)
		if (inf[i].slab == inf[0].slab)
			ck_assert_int_eq(pool_release(b[i]), 0);
	ck_assert_int_eq(pool_trim(p, 0), 16);
	ck_assert_uint_eq(xstats(be).slabs, 2);
	ck_assert_uint_eq(xstats(be).sub_bufs, NSUB - 16);
	for (i = 0; i < NSUB; i++)
		if (inf[i].slab != inf[0].slab)
			ck_assert_int_eq(pool_release(b[i]), 0);
	ck_assert_int_eq(pool_destroy(p), 0);
	ck_assert_uint_eq(xstats(be).slabs, 0);
	ck_assert_uint_eq(xstats(be).sub_bufs, 0);
	ck_assert_uint_eq(xstats(be).bytes, 0);
	pool_backend_put(be);
}
END_TEST

START_TEST(test_slab_threshold)
{
	POOL_OPTS(pool_xrt_opts, o, .slab_threshold = 4096);
	POOL_OPTS(pool_xrt_opts, noslab, .flags = POOL_XRT_F_NO_SLAB);
	struct pool_backend *be = xrt_be(&o), *be1 = xrt_be(&noslab);
	struct pool *at = xrt_pool(be, 4096, 0), *above = xrt_pool(be, 4097, 0);
	struct pool *small = xrt_pool(be1, 100, 0);
	struct pool_buf *a, *b, *c;
	int fd = -1;

	ck_assert_int_eq(pool_acquire(at, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(above, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(small, &c, POOL_NOWAIT), 0);
	ck_assert_ptr_nonnull(info_of(a).slab);
	ck_assert_uint_eq(info_of(a).size, 4096);
	ck_assert_ptr_null(info_of(b).slab);
	ck_assert_ptr_null(info_of(c).slab);
	ck_assert_uint_eq(pool_buf_dev_addr(c), XRT_NOOP_DEV_ADDR);
	/* A BO of its own gets to XRT's export (which noop refuses). */
	ck_assert_int_eq(pool_buf_export(c, &fd), -EOPNOTSUPP);
	assert_errmsg("xrtBOExport");
	ck_assert_int_eq(xstats(be).slabs, 1);
	ck_assert_int_eq(xstats(be).bos, 1);
	ck_assert_int_eq(xstats(be1).bos, 1);
	pool_release(a);
	pool_release(b);
	pool_release(c);
	pool_destroy(at);
	pool_destroy(above);
	pool_destroy(small);
	pool_backend_put(be);
	pool_backend_put(be1);
}
END_TEST

/* Pools of different sizes share one backend; the backend outlives its put. */
START_TEST(test_shared_backend)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *p1 = xrt_pool(be, 100, 0), *p2 = xrt_pool(be, 3000, 0);
	struct pool_buf *a, *b;

	pool_backend_put(be);	/* the pools hold it */
	ck_assert_int_eq(pool_acquire(p1, &a, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_acquire(p2, &b, POOL_NOWAIT), 0);
	ck_assert_ptr_ne(info_of(a).slab, info_of(b).slab);	/* one chunk size per slab */
	ck_assert_uint_eq(xstats(be).slabs, 2);
	fill(a, 100, 1);
	fill(b, 3000, 2);
	assert_filled(a, 100, 1);
	ck_assert_int_eq(pool_release(a), 0);
	ck_assert_int_eq(pool_release(b), 0);
	ck_assert_int_eq(pool_destroy(p1), 0);
	ck_assert_int_eq(pool_destroy(p2), 0);
}
END_TEST

START_TEST(test_destroy_with_outstanding)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *small = xrt_pool(be, 512, 0), *large = xrt_pool(be, 128 << 10, 0);
	struct pool_buf *s[3], *l[3], *x;
	struct pool_xrt_stats st;
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(pool_acquire(small, &s[i], POOL_NOWAIT), 0);
		ck_assert_int_eq(pool_acquire(large, &l[i], POOL_NOWAIT), 0);
	}
	report_lines = 0;
	ck_assert_int_eq(pool_destroy(small), 3);
	ck_assert_int_eq(pool_destroy(large), 3);
	ck_assert_int_ge(report_lines, 6);
	ck_assert_int_eq(pool_acquire(small, &x, POOL_NOWAIT), -ESHUTDOWN);
	/* Outstanding buffers stay usable until released. */
	st = xstats(be);
	ck_assert_uint_eq(st.bos, 3);
	ck_assert_uint_eq(st.sub_bufs, 3);
	for (i = 0; i < 3; i++) {
		fill(s[i], 512, 7);
		fill(l[i], 128 << 10, 8);
		ck_assert_int_eq(pool_buf_sync(l[i], POOL_SYNC_TO_DEVICE, 0, 0), 0);
		ck_assert_int_eq(pool_release(s[i]), 0);
		ck_assert_int_eq(pool_release(l[i]), 0);
	}
	st = xstats(be);
	ck_assert_uint_eq(st.bos + st.slabs + st.sub_bufs + st.bytes, 0);
	pool_backend_put(be);
}
END_TEST

/* --------------------------------------------------------------- threads */

struct worker {
	struct pool *pool;
	size_t size;
	unsigned char id;
	int err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const unsigned char *q;
	struct pool_buf *b;
	size_t k;
	int i;

	for (i = 0; i < 200 && !w->err; i++) {
		w->err = pool_acquire(w->pool, &b, POOL_FOREVER);
		if (w->err)
			break;
		memset(pool_buf_data(b), w->id, w->size);
		w->err = pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 0, 0);
		for (q = pool_buf_data(b), k = 0; k < w->size && !w->err; k++)
			if (q[k] != w->id)
				w->err = -EILSEQ;
		pool_release(b);
		if (i % 50 == 49)
			pool_trim(w->pool, 0);	/* slabs come and go */
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *ps[2] = { xrt_pool(be, 256, 3), xrt_pool(be, 100 << 10, 3) };
	struct worker w[4];
	pthread_t t[4];
	struct pool_xrt_stats st;
	int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .pool = ps[i % 2], .size = i % 2 ? 100 << 10 : 256,
					.id = (unsigned char)(i + 1) };
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(!w[i].err, "worker %d: %s", i, strerror(-w[i].err));
	}
	ck_assert_int_eq(pool_destroy(ps[0]), 0);
	ck_assert_int_eq(pool_destroy(ps[1]), 0);
	st = xstats(be);
	ck_assert_uint_eq(st.bos + st.slabs + st.sub_bufs + st.bytes, 0);
	pool_backend_put(be);
}
END_TEST

/* ------------------------------------------------- XRT must not be reached */

static int child_unset(void *arg)
{
	(void)arg;
	unsetenv("XILINX_XRT");
	return expect_enodev("XILINX_XRT is not set");
}

START_TEST(test_hazard_xilinx_xrt_unset)
{
	run_in_child(child_unset, NULL);
}
END_TEST

static int child_no_shim(void *arg)
{
	const char *empty = arg;
	char want[128];

	setenv("XILINX_XRT", empty, 1);
	snprintf(want, sizeof(want), "XRT shim %s/lib/libxrt_noop.so.2 is missing", empty);
	if (expect_enodev(want))
		return 1;
	unsetenv("XCL_EMULATION_MODE");	/* hardware: libxrt_core.so.2 */
	snprintf(want, sizeof(want), "XRT shim %s/lib/libxrt_core.so.2 is missing", empty);
	return expect_enodev(want);
}

static int child_dangling_shim(void *arg)
{
	const char *dir = arg;
	char path[128];

	snprintf(path, sizeof(path), "%s/lib", dir);
	if (mkdir(path, 0755))
		return 2;
	snprintf(path, sizeof(path), "%s/lib/libxrt_noop.so.2", dir);
	if (symlink("/nonexistent/libxrt_noop.so.2", path))
		return 2;
	setenv("XILINX_XRT", dir, 1);
	return expect_enodev("is missing");
}

static int child_emu_mode(void *arg)
{
	setenv("XCL_EMULATION_MODE", arg, 1);
	return expect_enodev(arg);
}

START_TEST(test_hazard_missing_shim)
{
	char empty[] = "/tmp/xrt-empty-XXXXXX", path[128];

	int st1, st2;

	ck_assert_ptr_nonnull(mkdtemp(empty));
	st1 = fork_child(child_no_shim, empty);
	st2 = fork_child(child_dangling_shim, empty);
	snprintf(path, sizeof(path), "%s/lib/libxrt_noop.so.2", empty);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lib", empty);
	rmdir(path);
	rmdir(empty);
	assert_child_ok(st1);
	assert_child_ok(st2);
}
END_TEST

START_TEST(test_hazard_emulation_modes)
{
	/* XRT's sw_emu hangs and hw_emu crashes here: never reached. */
	run_in_child(child_emu_mode, "sw_emu");
	run_in_child(child_emu_mode, "hw_emu");
	run_in_child(child_emu_mode, "bogus");
}
END_TEST

/* ----------------------------------------------------------------- import */

START_TEST(test_import_errors)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool_xrt_bo *bo = (struct pool_xrt_bo *)&bo;
	int fds[2], fd;

	ck_assert_int_eq(pool_xrt_import_fd(be, -1, &bo), -EBADF);
	ck_assert_ptr_null(bo);
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(pool_xrt_import_fd(be, fds[0], &bo), -EBADF);
	assert_errmsg("not open");
	ck_assert_int_eq(pool_xrt_import_fd(pool_backend_host(0), 0, &bo), -EINVAL);
	assert_errmsg("not an XRT backend");
	ck_assert_int_eq(pool_xrt_import_fd(be, 0, NULL), -EINVAL);

	/* A dma-buf stand-in (the emulator's exports are memfds too). */
	fd = memfd_create("xrt-import-test", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4096), 0);
	ck_assert_int_eq(pool_xrt_import_fd(be, fd, &bo), -EOPNOTSUPP);
	ck_assert_ptr_null(bo);
	assert_errmsg("xrtBOImport");
	assert_errmsg("memfd:xrt-import-test");
	assert_errmsg("noop");
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);	/* still the caller's */
	ck_assert_uint_eq(xstats(be).imports, 0);
	close(fd);

	ck_assert_ptr_null(pool_xrt_bo_map(NULL));
	ck_assert_ptr_null(pool_xrt_bo_handle(NULL));
	ck_assert_uint_eq(pool_xrt_bo_size(NULL), 0);
	ck_assert_uint_eq(pool_xrt_bo_dev_addr(NULL), 0);
	ck_assert_int_eq(pool_xrt_bo_sync(NULL, POOL_SYNC_TO_DEVICE, 0, 0), -EINVAL);
	pool_xrt_bo_free(NULL);
	pool_backend_put(be);
}
END_TEST

START_TEST(test_not_xrt)
{
	POOL_OPTS(pool_opts, o, .size = 4096);
	struct pool_xrt_buf_info i = { .sz = sizeof(i) };
	struct pool_xrt_stats st = { .sz = sizeof(st) };
	struct pool *p = pool_create(&o);
	struct pool_buf *b;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	ck_assert_ptr_null(pool_xrt_buf_bo(b));
	ck_assert_int_eq(pool_xrt_buf_info(b, &i), -EINVAL);
	ck_assert_ptr_null(pool_xrt_buf_bo(NULL));
	ck_assert_int_eq(pool_xrt_stats_get(pool_backend_host(0), &st), -EINVAL);
	ck_assert_int_eq(pool_xrt_stats_get(NULL, &st), -EINVAL);
	pool_release(b);
	pool_destroy(p);
}
END_TEST

static Suite *xrt_suite(void)
{
	Suite *s = suite_create("xrt");
	TCase *tc = tcase_create("noop");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_probe_and_create);
	tcase_add_test(tc, test_bad_opts);
	tcase_add_test(tc, test_large_buffers_one_bo_each);
	tcase_add_test(tc, test_slab_carving);
	tcase_add_test(tc, test_slab_threshold);
	tcase_add_test(tc, test_shared_backend);
	tcase_add_test(tc, test_destroy_with_outstanding);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_hazard_xilinx_xrt_unset);
	tcase_add_test(tc, test_hazard_missing_shim);
	tcase_add_test(tc, test_hazard_emulation_modes);
	tcase_add_test(tc, test_import_errors);
	tcase_add_test(tc, test_not_xrt);
	suite_add_tcase(s, tc);
	return s;
}

static const char *noop_missing(void)
{
	if (!xrt_noop_shim_path())
		return "XRT's noop shim (libxrt_noop.so.2) is not installed";
	return NULL;
}

static int noop_up(void)
{
	return xrt_noop_setup(noop_dir, sizeof(noop_dir));
}

static void noop_down(void)
{
	xrt_noop_cleanup(noop_dir);
}

TEST_SUITE(.suite = xrt_suite, .skip_reason = noop_missing, .setup = noop_up,
	   .cleanup = noop_down);
