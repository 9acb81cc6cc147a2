/* SPDX-License-Identifier: MIT */
/*
 * xdna-pipeline's operator interfaces while it runs:
 *   --metrics-listen ADDR:PORT  an HTTP server (libmicrohttpd, its own
 *       thread) with /metrics (Prometheus text: every live pool through
 *       pool_stats_format(), plus the pipeline's request counters) and
 *       /health (JSON: status and per-pool warnings: hit rate below 0.9,
 *       exhausted or timed-out acquires, buffers leaked at teardown);
 *   --metrics-file PATH  the same Prometheus text written atomically
 *       (PATH.tmp, then rename) every interval, for node_exporter's
 *       textfile collector.
 * Private to tools/.
 */
#ifndef XDNA_PIPELINE_METRICS_H
#define XDNA_PIPELINE_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct pool;
struct pool_set;
struct pipe_metrics;

/* Below this hit rate a pool's /health entry warns (the old service's rule). */
#define PIPE_METRICS_MIN_HIT_RATE	0.9

#define PIPE_METRICS_DEFAULT_INTERVAL_MS	5000

struct pipe_metrics_opts {
	size_t sz;
	/*
	 * "ADDR:PORT", ":PORT" (loopback) or "[V6ADDR]:PORT"; NULL: no server.
	 * Port 0 picks a free one (pipe_metrics_port() says which).
	 */
	const char *listen;
	const char *file;		/* NULL: no file */
	unsigned int interval_ms;	/* file rewrites; 0: the default */
};

/*
 * Checks the listen address (syntax only; -EINVAL) so that a bad option is
 * a usage error before any work.
 */
int pipe_metrics_parse_listen(const char *listen);

/*
 * Starts the server and the file writer: NULL with errno and one line in
 * err (the address or file and why) when it cannot.
 */
struct pipe_metrics *pipe_metrics_start(const struct pipe_metrics_opts *opts, char *err,
					size_t errlen);
/* The port the server listens on (0 without a server). */
unsigned int pipe_metrics_port(const struct pipe_metrics *m);

/*
 * The pools to report on (health) from now until detach: every pool of the
 * set and the request tickets' pool (NULL: none) -- the pools the process
 * has, so the same list as /metrics.  The pipeline calls it once they
 * exist and detach before it destroys them.
 * Detach keeps the buffers still outstanding then: those are leaks.
 */
void pipe_metrics_attach(struct pipe_metrics *m, struct pool_set *set, struct pool *tickets,
			 unsigned int requests);
void pipe_metrics_detach(struct pipe_metrics *m);
/* One request finished (ok or failed) after e2e_ms. */
void pipe_metrics_request(struct pipe_metrics *m, bool ok, double e2e_ms);

/* The texts served (malloc'd; NULL on ENOMEM): for the server, the file and tests. */
char *pipe_metrics_prometheus(struct pipe_metrics *m);
char *pipe_metrics_health(struct pipe_metrics *m);

/* Writes the file one last time, stops the server; NULL is a no-op. */
void pipe_metrics_stop(struct pipe_metrics *m);

#endif
