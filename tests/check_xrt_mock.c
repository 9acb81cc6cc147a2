// SPDX-License-Identifier: MIT
/*
 * libpool-xrt against a test double of libxrt_coreutil (tests/xrt/mock_xrt.c)
 * in XRT's hardware mode: what the noop shim cannot show.  The BO flags and
 * group passed to XRT, xrtBOSync's arguments for BOs and sub-buffers,
 * export as a caller-owned dup of XRT's fd, a working dma-buf import, XRT
 * failures coming back as errors, and the device closed after its last BO.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/pool_xrt.h>

#include "mock_xrt.h"
#include "runner.h"

#ifndef MOCK_XRT_LIB
#error "MOCK_XRT_LIB must name the built test double"
#endif

static struct mock_xrt_state *st;
static void (*mock_xrt_reset_fn)(void);
static char xrt_dir[] = "/tmp/xrt-mock-XXXXXX";

static void setup(void)
{
	ck_assert_int_eq(st->bos_live, 0);
	ck_assert_int_eq(st->devs_open, 0);
	mock_xrt_reset_fn();
}

static void teardown(void)
{
	ck_assert_int_eq(st->violations, 0);
	ck_assert_int_eq(st->bos_live, 0);
	ck_assert_int_eq(st->devs_open, 0);
}

static struct pool_backend *xrt_be(const struct pool_xrt_opts *o)
{
	struct pool_backend *be = pool_backend_xrt(o);

	ck_assert_msg(be, "pool_backend_xrt: %s: %s", strerror(errno), pool_xrt_errmsg());
	return be;
}

static void no_report(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

static struct pool *xrt_pool(struct pool_backend *be, size_t size)
{
	POOL_OPTS(pool_opts, o, .size = size, .backend = be, .flags = POOL_F_NO_CACHE,
		  .report = no_report);
	struct pool *p = pool_create(&o);

	ck_assert_msg(p, "pool_create: %s", strerror(errno));
	return p;
}

static void assert_errmsg(const char *part)
{
	ck_assert_msg(strstr(pool_xrt_errmsg(), part), "errmsg '%s' lacks '%s'",
		      pool_xrt_errmsg(), part);
}

/* ------------------------------------------------------------------ tests */

START_TEST(test_flags_and_group)
{
	static const struct {
		enum pool_xrt_mem mem;
		uint64_t flags;
	} kinds[] = {
		{ POOL_XRT_MEM_HOST_ONLY, MOCK_XRT_BO_FLAGS_HOST_ONLY },
		{ POOL_XRT_MEM_CACHEABLE, MOCK_XRT_BO_FLAGS_CACHEABLE },
		{ POOL_XRT_MEM_NORMAL, 0 },
	};
	struct pool_backend *be;
	struct pool_buf *b;
	struct pool *p;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		POOL_OPTS(pool_xrt_opts, o, .mem = kinds[i].mem, .group = 3);

		be = xrt_be(&o);
		p = xrt_pool(be, 100);		/* a slab */
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
		ck_assert_uint_eq(st->last_flags, kinds[i].flags);
		ck_assert_uint_eq(st->last_group, 3);
		pool_release(b);
		pool_destroy(p);
		p = xrt_pool(be, 1 << 20);	/* a BO of its own */
		st->last_flags = ~0ULL;
		ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
		ck_assert_uint_eq(st->last_flags, kinds[i].flags);
		ck_assert_uint_eq(st->last_alloc_size, 1 << 20);
		pool_release(b);
		pool_destroy(p);
		pool_backend_put(be);
	}
}
END_TEST

START_TEST(test_sync_arguments)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *big = xrt_pool(be, 1 << 20), *small = xrt_pool(be, 1000);
	struct pool_xrt_buf_info i = { .sz = sizeof(i) };
	struct pool_buf *b, *s;

	ck_assert_int_eq(pool_acquire(big, &b, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_FROM_DEVICE, 4096, 100), 0);
	ck_assert_ptr_eq(st->sync_bo, pool_xrt_buf_bo(b));
	ck_assert_int_eq(st->sync_dir, 1);	/* XCL_BO_SYNC_BO_FROM_DEVICE */
	ck_assert_uint_eq(st->sync_off, 4096);
	ck_assert_uint_eq(st->sync_size, 100);
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(st->sync_dir, 0);	/* XCL_BO_SYNC_BO_TO_DEVICE */
	ck_assert_uint_eq(st->sync_size, 1 << 20);

	/* A sub-buffer syncs through its own handle, offsets relative to it. */
	ck_assert_int_eq(pool_acquire(small, &s, POOL_NOWAIT), 0);
	ck_assert_int_eq(pool_xrt_buf_info(s, &i), 0);
	ck_assert_ptr_nonnull(i.slab);
	ck_assert_int_eq(pool_buf_sync(s, POOL_SYNC_TO_DEVICE, 10, 20), 0);
	ck_assert_ptr_eq(st->sync_bo, i.bo);
	ck_assert_uint_eq(st->sync_off, 10);
	ck_assert_uint_eq(st->sync_size, 20);
	ck_assert_uint_eq(pool_buf_dev_addr(s), i.slab_dev_addr + i.offset);
	ck_assert_uint_ge(i.slab_dev_addr, MOCK_XRT_ADDR_BASE);

	/* XRT's failure comes back as the error, with the operation named. */
	st->fail_sync = EIO;
	ck_assert_int_eq(pool_buf_sync(b, POOL_SYNC_TO_DEVICE, 0, 0), -EIO);
	assert_errmsg("xrtBOSync(TO_DEVICE");
	st->fail_sync = 0;

	pool_release(b);
	pool_release(s);
	pool_destroy(big);
	pool_destroy(small);
	pool_backend_put(be);
}
END_TEST

/* Above the default slab threshold: a BO of its own. */
#define EXP_SIZE	(256 << 10)

START_TEST(test_export_is_a_dup)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *p = xrt_pool(be, EXP_SIZE);
	struct pool_buf *b;
	unsigned char *m;
	int fd, fd2;

	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	memset(pool_buf_data(b), 0x3c, EXP_SIZE);
	ck_assert_int_eq(pool_buf_export(b, &fd), 0);
	ck_assert_int_ne(fd, st->last_export_fd);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(pool_buf_export(b, &fd2), 0);
	ck_assert_int_ne(fd2, fd);
	close(fd2);

	/* The fd is the buffer: writes through either side show on the other. */
	m = mmap(NULL, EXP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_uint_eq(m[EXP_SIZE - 3], 0x3c);
	((unsigned char *)pool_buf_data(b))[7] = 0x99;
	ck_assert_uint_eq(m[7], 0x99);

	/* XRT closes its own fd with the BO; the caller's dup lives on. */
	pool_release(b);
	ck_assert_int_eq(pool_destroy(p), 0);
	ck_assert_int_lt(fcntl(st->last_export_fd, F_GETFD), 0);
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	ck_assert_uint_eq(m[EXP_SIZE - 3], 0x3c);
	munmap(m, EXP_SIZE);
	close(fd);

	/* A shim that gives no fd: -EIO outside noop, with the reason. */
	p = xrt_pool(be, EXP_SIZE);
	ck_assert_int_eq(pool_acquire(p, &b, POOL_NOWAIT), 0);
	st->fail_export = 1;
	fd = -1;
	ck_assert_int_eq(pool_buf_export(b, &fd), -EIO);
	ck_assert_int_eq(fd, -1);
	assert_errmsg("xrtBOExport");
	pool_release(b);
	pool_destroy(p);
	pool_backend_put(be);
}
END_TEST

START_TEST(test_import)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool_xrt_stats xs = { .sz = sizeof(xs) };
	struct pool_xrt_bo *bo;
	const unsigned char *m;
	unsigned char data[3 * 4096];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 13);
	fd = memfd_create("exported-bo", MFD_CLOEXEC);
	ck_assert_int_eq(write(fd, data, sizeof(data)), sizeof(data));

	ck_assert_int_eq(pool_xrt_import_fd(be, fd, &bo), 0);
	ck_assert_ptr_nonnull(pool_xrt_bo_handle(bo));
	ck_assert_uint_eq(pool_xrt_bo_size(bo), sizeof(data));
	ck_assert_uint_eq(pool_xrt_bo_dev_addr(bo), st->last_import_addr);
	ck_assert_int_eq(pool_xrt_stats_get(be, &xs), 0);
	ck_assert_uint_eq(xs.imports, 1);
	ck_assert_int_eq(pool_xrt_bo_sync(bo, POOL_SYNC_FROM_DEVICE, 4096, 0), 0);
	ck_assert_ptr_eq(st->sync_bo, pool_xrt_bo_handle(bo));
	ck_assert_uint_eq(st->sync_off, 4096);
	ck_assert_uint_eq(st->sync_size, 2 * 4096);
	ck_assert_int_eq(pool_xrt_bo_sync(bo, POOL_SYNC_FROM_DEVICE, 4096, 2 * 4096 + 1),
			 -EINVAL);
	m = pool_xrt_bo_map(bo);
	ck_assert_mem_eq(m, data, sizeof(data));
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);	/* still the caller's */
	close(fd);

	/* The backend goes first: the device must wait for the imported BO. */
	pool_backend_put(be);
	ck_assert_int_eq(st->devs_open, 1);
	ck_assert_uint_eq(m[4097], (unsigned char)(4097 * 13));
	pool_xrt_bo_free(bo);
	ck_assert_int_eq(st->devs_open, 0);
}
END_TEST

START_TEST(test_device_open_fails)
{
	POOL_OPTS(pool_xrt_opts, o, .device = 5);

	errno = 0;
	ck_assert_ptr_null(pool_backend_xrt(&o));
	ck_assert_int_eq(errno, ENODEV);
	assert_errmsg("xrtDeviceOpen(5)");
	assert_errmsg("hardware mode");
}
END_TEST

START_TEST(test_alloc_failures)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *big = xrt_pool(be, 1 << 20), *small = xrt_pool(be, 1000);
	struct pool_xrt_stats xs = { .sz = sizeof(xs) };
	struct pool_buf *b;

	st->fail_alloc = 1;
	ck_assert_int_eq(pool_acquire(big, &b, POOL_NOWAIT), -ENOMEM);
	assert_errmsg("xrtBOAlloc(1048576 bytes, HOST_ONLY");
	ck_assert_int_eq(pool_acquire(big, &b, POOL_NOWAIT), 0);	/* pool intact */
	pool_release(b);

	st->fail_alloc = 1;				/* the slab */
	ck_assert_int_eq(pool_acquire(small, &b, POOL_NOWAIT), -ENOMEM);
	assert_errmsg("slab");
	st->fail_sub = 1;				/* the sub-buffer */
	ck_assert_int_eq(pool_acquire(small, &b, POOL_NOWAIT), -ENOMEM);
	assert_errmsg("xrtBOSubAlloc");
	ck_assert_int_eq(pool_xrt_stats_get(be, &xs), 0);
	ck_assert_uint_eq(xs.slabs, 0);			/* given back */
	ck_assert_uint_eq(xs.sub_bufs, 0);
	ck_assert_int_eq(pool_acquire(small, &b, POOL_NOWAIT), 0);
	pool_release(b);

	pool_destroy(big);
	pool_destroy(small);
	pool_backend_put(be);
}
END_TEST

START_TEST(test_teardown_order)
{
	struct pool_backend *be = xrt_be(NULL);
	struct pool *small = xrt_pool(be, 64), *big = xrt_pool(be, 1 << 18);
	struct pool_buf *s[20], *b[2];
	int i;

	for (i = 0; i < 20; i++)
		ck_assert_int_eq(pool_acquire(small, &s[i], POOL_NOWAIT), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pool_acquire(big, &b[i], POOL_NOWAIT), 0);
	pool_destroy(small);
	pool_destroy(big);
	pool_backend_put(be);
	ck_assert_int_eq(st->devs_open, 1);
	for (i = 19; i >= 0; i--)
		pool_release(s[i]);
	pool_release(b[1]);
	ck_assert_int_eq(st->devs_open, 1);
	pool_release(b[0]);
	/* teardown(): no slab freed under a sub-buffer, device closed last. */
}
END_TEST

/* ------------------------------------------------------------------ suite */

static Suite *mock_suite(void)
{
	Suite *s = suite_create("xrt-mock");
	TCase *tc = tcase_create("hardware-mode");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_flags_and_group);
	tcase_add_test(tc, test_sync_arguments);
	tcase_add_test(tc, test_export_is_a_dup);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_device_open_fails);
	tcase_add_test(tc, test_alloc_failures);
	tcase_add_test(tc, test_teardown_order);
	suite_add_tcase(s, tc);
	return s;
}

/* XILINX_XRT with lib/libxrt_core.so.2 (hardware mode), XRT = the double. */
static int env_setup(void)
{
	char path[128];

	if (!mkdtemp(xrt_dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/lib", xrt_dir);
	if (mkdir(path, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/lib/libxrt_core.so.2", xrt_dir);
	if (symlink(MOCK_XRT_LIB, path))
		return -errno;
	if (setenv("XILINX_XRT", xrt_dir, 1) || unsetenv("XCL_EMULATION_MODE") ||
	    setenv("XDNAPOOL_XRT_LIB", MOCK_XRT_LIB, 1))
		return -errno;
	return 0;
}

static void env_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/lib/libxrt_core.so.2", xrt_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lib", xrt_dir);
	rmdir(path);
	rmdir(xrt_dir);
}

/* The same file libpool-xrt will dlopen(): one copy, one state. */
static int mock_up(void)
{
	struct mock_xrt_state *(*state)(void);
	int err = env_setup();
	void *h;

	if (err)
		goto err_env;
	h = dlopen(MOCK_XRT_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "check_xrt_mock: %s\n", dlerror());
		err = -ENOENT;
		goto err_env;
	}
	state = (struct mock_xrt_state *(*)(void))dlsym(h, "mock_xrt_state");
	mock_xrt_reset_fn = (void (*)(void))dlsym(h, "mock_xrt_reset");
	st = state();
	return 0;

err_env:
	env_cleanup();		/* also what env_setup() made before it failed */
	return err;
}

TEST_SUITE(.suite = mock_suite, .setup = mock_up, .cleanup = env_cleanup);
