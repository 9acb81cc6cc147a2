// SPDX-License-Identifier: MIT
/*
 * Runs the libpool suites over another backend without touching them: the
 * test binaries are linked with -Wl,--wrap=pool_create, and every pool
 * created without an explicit backend gets the one POOL_TEST_BACKEND names:
 *
 *   xdna  SHARE BOs of the (emulated) NPU through libxdna-shim
 *   xrt   XRT BOs under XRT's noop shim (set up here in a temp dir)
 *
 * Pools that name their own backend (fault injection, host flags) keep it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pool/pool.h>
#include <pool/pool_xdna.h>
#ifdef HAVE_XRT
#include <pool/pool_xrt.h>

#include "xrt/xrt_noop_env.h"
#endif

struct pool *__real_pool_create(const struct pool_opts *opts);
struct pool *__wrap_pool_create(const struct pool_opts *opts);

static pthread_once_t wrap_once = PTHREAD_ONCE_INIT;
static struct pool_backend *wrap_be;
#ifdef HAVE_XRT
static char wrap_dir[256];
#endif

static void wrap_cleanup(void)
{
	pool_backend_put(wrap_be);
#ifdef HAVE_XRT
	if (wrap_dir[0])
		xrt_noop_cleanup(wrap_dir);
#endif
}

static void wrap_init(void)
{
	const char *which = getenv("POOL_TEST_BACKEND");

	if (!which || !strcmp(which, "host"))
		return;
	if (!strcmp(which, "xdna")) {
		POOL_OPTS(pool_xdna_opts, xo, .flavour = POOL_XDNA_SHARE);

		wrap_be = pool_backend_xdna(&xo);
#ifdef HAVE_XRT
	} else if (!strcmp(which, "xrt")) {
		if (xrt_noop_setup(wrap_dir, sizeof(wrap_dir)) == 0)
			wrap_be = pool_backend_xrt(NULL);
#endif
	} else {
		fprintf(stderr, "POOL_TEST_BACKEND '%s' is not host, xdna or xrt\n", which);
		exit(2);
	}
	if (!wrap_be) {
		fprintf(stderr, "POOL_TEST_BACKEND=%s: backend unavailable: %s\n", which,
			strerror(errno));
		exit(1);
	}
	atexit(wrap_cleanup);
}

struct pool *__wrap_pool_create(const struct pool_opts *opts)
{
	struct pool_opts o;

	pthread_once(&wrap_once, wrap_init);
	/* Other struct sizes are ABI tests: leave them exactly as they are. */
	if (!wrap_be || !opts || opts->backend || opts->sz != sizeof(o))
		return __real_pool_create(opts);
	o = *opts;
	o.backend = wrap_be;
	return __real_pool_create(&o);
}
