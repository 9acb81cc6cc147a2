/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libpool Check tests. */
#ifndef POOL_TESTUTIL_H
#define POOL_TESTUTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <pool/pool.h>

/*
 * A host backend that fails allocation number fail_at (1-based; 0: never)
 * with fail_err, or every allocation from then on if fail_sticky.  It counts
 * live allocations so tests can prove nothing leaked.
 */
struct fault_backend {
	struct pool_backend *be;
	atomic_int allocs;		/* attempts */
	atomic_int live;		/* allocated minus freed */
	int fail_at;
	int fail_err;
	bool fail_sticky;
	atomic_int syncs;
	atomic_int destroyed;
};

void fault_backend_init(struct fault_backend *fb, int fail_at);
/* Drops the creator's reference. */
void fault_backend_fini(struct fault_backend *fb);

/* A fake device timeline: seq N signals once fake_fence_signal(N). */
struct fake_timeline {
	atomic_ullong done;
	atomic_int checks;
	atomic_int waits;
};
extern const struct pool_fence_ops fake_fence_ops;
struct pool_fence fake_fence(struct fake_timeline *tl, uint64_t seq);

/* Collects report lines. */
struct report_log {
	char lines[32][512];
	atomic_int n;
};
void report_collect(void *arg, const char *line);
bool report_has(struct report_log *log, const char *needle);

/* Collects debug faults. */
struct fault_log {
	atomic_int n;
	char last[256];
};
void fault_collect(void *arg, struct pool *pool, struct pool_buf *buf, const char *what);

uint64_t test_now_ns(void);
/* False when tests/pool_backend_wrap.c runs the suite over another backend. */
bool test_backend_is_host(void);
bool test_backend_is(const char *name);
bool running_on_valgrind(void);

#endif
