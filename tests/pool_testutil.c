// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VG 1
#endif
#endif

#include "pool_testutil.h"

int pool_test_host_alloc(size_t size, struct pool_mem *mem);
void pool_test_host_free(struct pool_mem *mem);

static int fb_alloc(void *ctx, size_t size, struct pool_mem *mem)
{
	struct fault_backend *fb = ctx;
	int n = atomic_fetch_add(&fb->allocs, 1) + 1;
	int err;

	if (fb->fail_at && (n == fb->fail_at || (fb->fail_sticky && n > fb->fail_at)))
		return fb->fail_err ? fb->fail_err : -ENOMEM;
	err = pool_test_host_alloc(size, mem);
	if (!err)
		atomic_fetch_add(&fb->live, 1);
	return err;
}

static void fb_free(void *ctx, struct pool_mem *mem)
{
	struct fault_backend *fb = ctx;

	pool_test_host_free(mem);
	atomic_fetch_sub(&fb->live, 1);
}

static int fb_sync(void *ctx, struct pool_mem *mem, enum pool_sync_dir dir, size_t off,
		   size_t len)
{
	struct fault_backend *fb = ctx;

	(void)mem;
	(void)dir;
	(void)off;
	(void)len;
	atomic_fetch_add(&fb->syncs, 1);
	return 0;
}

static void fb_destroy(void *ctx)
{
	struct fault_backend *fb = ctx;

	atomic_fetch_add(&fb->destroyed, 1);
}

void fault_backend_init(struct fault_backend *fb, int fail_at)
{
	struct pool_backend_ops ops = {
		.sz = sizeof(ops), .name = "fault", .alloc = fb_alloc, .free = fb_free,
		.sync = fb_sync, .destroy = fb_destroy,
	};

	memset(fb, 0, sizeof(*fb));
	fb->fail_at = fail_at;
	fb->be = pool_backend_create(&ops, fb);
}

void fault_backend_fini(struct fault_backend *fb)
{
	pool_backend_put(fb->be);
}

/* Plain anonymous memory, as the host backend does. */
int pool_test_host_alloc(size_t size, struct pool_mem *mem)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size + page - 1) / page * page;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	*mem = (struct pool_mem){ .cpu = p, .size = len, .handle = 7, .dev_addr = 0x1000 };
	return 0;
}

void pool_test_host_free(struct pool_mem *mem)
{
	munmap(mem->cpu, mem->size);
}

static int ff_signalled(void *ctx, uint64_t seq)
{
	struct fake_timeline *tl = ctx;

	atomic_fetch_add(&tl->checks, 1);
	return atomic_load(&tl->done) >= seq;
}

static int ff_wait(void *ctx, uint64_t seq, int64_t timeout_ns)
{
	struct fake_timeline *tl = ctx;
	uint64_t end = test_now_ns() + (timeout_ns < 0 ? UINT64_MAX / 2 : (uint64_t)timeout_ns);

	atomic_fetch_add(&tl->waits, 1);
	while (atomic_load(&tl->done) < seq) {
		if (test_now_ns() >= end)
			return -ETIME;
		nanosleep(&(struct timespec){ 0, 50000 }, NULL);
	}
	return 0;
}

const struct pool_fence_ops fake_fence_ops = {
	.sz = sizeof(struct pool_fence_ops),
	.signalled = ff_signalled,
	.wait = ff_wait,
};

struct pool_fence fake_fence(struct fake_timeline *tl, uint64_t seq)
{
	return (struct pool_fence){ .ops = &fake_fence_ops, .ctx = tl, .seq = seq };
}

void report_collect(void *arg, const char *line)
{
	struct report_log *log = arg;
	int i = atomic_fetch_add(&log->n, 1);

	if (i < 32)
		snprintf(log->lines[i], sizeof(log->lines[i]), "%s", line);
}

bool report_has(struct report_log *log, const char *needle)
{
	int n = atomic_load(&log->n);

	for (int i = 0; i < n && i < 32; i++)
		if (strstr(log->lines[i], needle))
			return true;
	return false;
}

void fault_collect(void *arg, struct pool *pool, struct pool_buf *buf, const char *what)
{
	struct fault_log *log = arg;

	(void)pool;
	(void)buf;
	atomic_fetch_add(&log->n, 1);
	snprintf(log->last, sizeof(log->last), "%s", what);
}

uint64_t test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool running_on_valgrind(void)
{
#ifdef HAVE_VG
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

bool test_backend_is(const char *name)
{
	const char *b = getenv("POOL_TEST_BACKEND");

	return !strcmp(b && *b ? b : "host", name);
}

bool test_backend_is_host(void)
{
	return test_backend_is("host");
}
