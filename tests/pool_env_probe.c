// SPDX-License-Identifier: MIT
/*
 * pool-env-probe: a fresh process for the tests of what libpool reads once
 * per process (XDNAPOOL_NO_MEMBARRIER, at the first pool).  It creates one
 * host pool with the environment it was given and prints one line:
 *   membarrier=0|1 created=0|1 errno=N reports=N first=LINE
 * check_poolset runs it through exec: a forked child of the test would
 * inherit what an earlier test of the same process read (CK_FORK=no, as
 * under valgrind).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "pool/pool.h"

/* tcache.c: whether the thread caches use membarrier(2); the static library's. */
extern bool tcache_membarrier;

struct probe_log {
	int n;
	char first[256];
};

static void probe_report(void *arg, const char *line)
{
	struct probe_log *log = arg;

	if (!log->n++)
		snprintf(log->first, sizeof(log->first), "%s", line);
}

int main(void)
{
	struct probe_log log = { 0 };
	POOL_OPTS(pool_opts, o, .size = 4096, .report = probe_report, .report_arg = &log);
	struct pool *p;
	int err;

	errno = 0;
	p = pool_create(&o);
	err = p ? 0 : errno;
	printf("membarrier=%d created=%d errno=%d reports=%d first=%s\n", tcache_membarrier ? 1 : 0,
	       p ? 1 : 0, err, log.n, log.first);
	if (p)
		pool_destroy(p);
	return 0;
}
