// SPDX-License-Identifier: MIT
/*
 * xdna-pipeline's /metrics, /health and textfile (metrics.h).  The HTTP
 * side is libmicrohttpd with its own polling thread; the file side a
 * thread that rewrites PATH every interval through PATH.tmp and rename(2),
 * so node_exporter never reads half a file.  Pool numbers come from
 * libpool (pool_stats_format for Prometheus, pool_stats_get for /health),
 * read when asked: nothing is sampled in the pipeline's hot path except
 * two counters per request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include <pool/pool.h>
#include <pool/poolset.h>

#include "metrics.h"

#define METRICS_MAX_POOLS		16
/* Text growth: the first buffer, and room past the pools' text for ours. */
#define METRICS_TEXT_CHUNK		4096
#define METRICS_TEXT_SLACK		4096
#define METRICS_CONN_TIMEOUT_S		10
#define PROM_CONTENT_TYPE		"text/plain; version=0.0.4; charset=utf-8"

struct pool_snap {
	char name[64];
	struct pool_stats st;
};

struct pipe_metrics {
	pthread_mutex_t lock;		/* set, snaps, e2e_sum */
	pthread_cond_t cond;		/* the writer's interval, stopping */
	struct MHD_Daemon *httpd;
	unsigned int port;
	char *file, *tmp;
	unsigned int interval_ms;
	pthread_t writer;
	bool writer_on, stopping, file_warned;
	struct pool_set *set;		/* attached pools, or NULL */
	struct pool *tickets;		/* attached too: the request pool */
	bool detached;
	struct pool_snap snaps[METRICS_MAX_POOLS];	/* at detach: leaks */
	unsigned int n_snaps;
	unsigned int requests;
	atomic_ullong ok, failed;
	double e2e_sum_s;
};

/* ---------------------------------------------------------------- text */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0 || b->oom)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap : METRICS_TEXT_CHUNK) * 2 + (size_t)n;
		char *np = realloc(b->p, cap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static char *done(struct buf *b)
{
	if (b->oom || !b->p) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* One pool's stats into out: 1, or 0 when there are none. */
static unsigned int snap_one(struct pool *p, struct pool_snap *out)
{
	if (!p)
		return 0;
	memset(out, 0, sizeof(*out));
	out->st.sz = sizeof(out->st);
	if (pool_stats_get(p, &out->st))
		return 0;
	snprintf(out->name, sizeof(out->name), "%s", pool_name(p));
	return 1;
}

/* The pools' stats now (attached) or at detach. */
static unsigned int snapshot(struct pipe_metrics *m, struct pool_snap *out)
{
	unsigned int n = 0;

	if (m->detached) {
		memcpy(out, m->snaps, m->n_snaps * sizeof(*out));
		return m->n_snaps;
	}
	for (unsigned int i = 0; m->set && i < pool_set_count(m->set) && n < METRICS_MAX_POOLS;
	     i++)
		n += snap_one(pool_set_pool(m->set, i), &out[n]);
	if (m->tickets && n < METRICS_MAX_POOLS)
		n += snap_one(m->tickets, &out[n]);
	return n;
}

char *pipe_metrics_prometheus(struct pipe_metrics *m)
{
	struct buf b = { 0 };
	int n = pool_stats_format(NULL, POOL_STATS_PROMETHEUS, NULL, 0);

	if (n < 0)
		return NULL;
	b.cap = (size_t)n + METRICS_TEXT_SLACK;
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	n = pool_stats_format(NULL, POOL_STATS_PROMETHEUS, b.p, b.cap);
	b.len = n < 0 ? 0 : (size_t)n < b.cap ? (size_t)n : b.cap - 1;
	b.p[b.len] = '\0';
	put(&b, "# HELP xdna_pipeline_requests_total Requests finished, by result.\n"
		"# TYPE xdna_pipeline_requests_total counter\n"
		"xdna_pipeline_requests_total{result=\"ok\"} %llu\n"
		"xdna_pipeline_requests_total{result=\"failed\"} %llu\n",
	    (unsigned long long)atomic_load(&m->ok), (unsigned long long)atomic_load(&m->failed));
	pthread_mutex_lock(&m->lock);
	put(&b, "# HELP xdna_pipeline_requests Requests this run makes.\n"
		"# TYPE xdna_pipeline_requests gauge\n"
		"xdna_pipeline_requests %u\n"
		"# HELP xdna_pipeline_request_seconds_total End-to-end time of finished requests.\n"
		"# TYPE xdna_pipeline_request_seconds_total counter\n"
		"xdna_pipeline_request_seconds_total %.9g\n", m->requests, m->e2e_sum_s);
	if (m->detached) {
		put(&b, "# HELP xdna_pipeline_leaked_buffers Buffers still held when the "
			"pipeline tore its pools down.\n"
			"# TYPE xdna_pipeline_leaked_buffers gauge\n");
		for (unsigned int i = 0; i < m->n_snaps; i++)
			put(&b, "xdna_pipeline_leaked_buffers{pool=\"%s\"} %llu\n", m->snaps[i].name,
			    (unsigned long long)m->snaps[i].st.outstanding);
	}
	pthread_mutex_unlock(&m->lock);
	return done(&b);
}

/* The warnings of one pool, as JSON strings; returns how many. */
static unsigned int pool_warnings(struct buf *b, const struct pool_snap *s, bool detached)
{
	unsigned int n = 0;

	put(b, "\"warnings\":[");
	if (s->st.acquires && s->st.hit_rate < PIPE_METRICS_MIN_HIT_RATE)
		put(b, "%s\"hit rate %.3f is below %.1f\"", n++ ? "," : "", s->st.hit_rate,
		    PIPE_METRICS_MIN_HIT_RATE);
	if (s->st.exhausted || s->st.timeouts)
		put(b, "%s\"exhausted: %llu acquires found no buffer, %llu timed out\"",
		    n++ ? "," : "", (unsigned long long)s->st.exhausted,
		    (unsigned long long)s->st.timeouts);
	if (detached && s->st.outstanding)
		put(b, "%s\"%llu buffers leaked (held at teardown)\"", n++ ? "," : "",
		    (unsigned long long)s->st.outstanding);
	put(b, "]");
	return n;
}

char *pipe_metrics_health(struct pipe_metrics *m)
{
	struct pool_snap snaps[METRICS_MAX_POOLS];
	unsigned long long ok = atomic_load(&m->ok), failed = atomic_load(&m->failed);
	unsigned int n, warnings = 0;
	struct buf b = { 0 }, pools = { 0 };
	bool attached, detached;

	pthread_mutex_lock(&m->lock);
	n = snapshot(m, snaps);
	attached = m->set != NULL;
	detached = m->detached;
	pthread_mutex_unlock(&m->lock);
	put(&pools, "[");
	for (unsigned int i = 0; i < n; i++) {
		const struct pool_stats *st = &snaps[i].st;

		put(&pools, "%s{\"name\":\"%s\",\"acquires\":%llu,\"hit_rate\":%.6g,"
			    "\"exhausted\":%llu,\"timeouts\":%llu,\"outstanding\":%llu,"
			    "\"buffers\":%llu,", i ? "," : "", snaps[i].name,
		    (unsigned long long)st->acquires, st->hit_rate,
		    (unsigned long long)st->exhausted, (unsigned long long)st->timeouts,
		    (unsigned long long)st->outstanding, (unsigned long long)st->total);
		warnings += pool_warnings(&pools, &snaps[i], detached);
		put(&pools, "}");
	}
	put(&pools, "]");
	if (pools.oom) {
		free(pools.p);
		return NULL;
	}
	put(&b, "{\"status\":\"%s\",\"running\":%s,\"requests\":{\"planned\":%u,\"ok\":%llu,"
		"\"failed\":%llu},\"pools\":%s}\n",
	    !attached && !detached ? "starting" : warnings || failed ? "warn" : "ok",
	    attached ? "true" : "false", m->requests, ok, failed, pools.p);
	free(pools.p);
	return done(&b);
}

/* ------------------------------------------------------------------ file */

static int write_file(struct pipe_metrics *m)
{
	char *text = pipe_metrics_prometheus(m);
	size_t len, off = 0;
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	fd = open(m->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while (off < len && !err) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			err = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (close(fd) && !err)
		err = -errno;
	/* rename(2) replaces the old file atomically: readers see one or the other */
	if (!err && rename(m->tmp, m->file))
		err = -errno;
	if (err)
		unlink(m->tmp);
out:
	free(text);
	return err;
}

static void *writer_main(void *arg)
{
	struct pipe_metrics *m = arg;
	struct timespec until;
	int err;

	pthread_mutex_lock(&m->lock);
	while (!m->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += m->interval_ms / 1000;
		until.tv_nsec += (long)(m->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!m->stopping &&
		       pthread_cond_timedwait(&m->cond, &m->lock, &until) != ETIMEDOUT)
			;
		if (m->stopping)
			break;
		pthread_mutex_unlock(&m->lock);
		err = write_file(m);
		pthread_mutex_lock(&m->lock);
		if (err && !m->file_warned) {
			m->file_warned = true;	/* once: the run goes on */
			fprintf(stderr, "xdna-pipeline: --metrics-file %s: %s\n", m->file,
				strerror(-err));
		}
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* ------------------------------------------------------------------ http */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, char *body,
			     const char *type)
{
	static char oom[] = "out of memory\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!body)
		r = MHD_create_response_from_buffer(strlen(oom), oom, MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, body ? type : "text/plain");
	ret = MHD_queue_response(c, body ? status : MHD_HTTP_INTERNAL_SERVER_ERROR, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct pipe_metrics *m = cls;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET /metrics or /health\n"),
			     "text/plain");
	if (!strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_OK, pipe_metrics_prometheus(m), PROM_CONTENT_TYPE);
	if (!strcmp(url, "/health"))
		return reply(c, MHD_HTTP_OK, pipe_metrics_health(m), "application/json");
	return reply(c, MHD_HTTP_NOT_FOUND, strdup("not found: /metrics and /health are\n"),
		     "text/plain");
}

/* "ADDR:PORT", ":PORT" or "[V6]:PORT" into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon, *port;
	unsigned long p;
	char *end;

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		port = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || memchr(s, ':', colon - s))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	}
	if (*port < '0' || *port > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		/* no address: loopback only, never every interface by default */
		if (inet_pton(AF_INET, *host ? host : "127.0.0.1", &a->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	}
	return 0;
}

int pipe_metrics_parse_listen(const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_listen(listen, &ss, &len);
}

static int start_httpd(struct pipe_metrics *m, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	socklen_t len;

	if (parse_listen(listen, &ss, &len)) {
		snprintf(err, errlen, "--metrics-listen '%s' is not ADDR:PORT", listen);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	m->httpd = MHD_start_daemon(flags, 0, NULL, NULL, handle, m,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned int)METRICS_CONN_TIMEOUT_S, MHD_OPTION_END);
	if (!m->httpd) {
		int e = errno ? errno : EADDRNOTAVAIL;

		snprintf(err, errlen, "--metrics-listen '%s': cannot listen: %s", listen,
			 strerror(e));
		return -e;
	}
	info = MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : 0;
	return 0;
}

static int start_file(struct pipe_metrics *m, const char *file, char *err, size_t errlen)
{
	int e;

	m->file = strdup(file);
	m->tmp = malloc(strlen(file) + sizeof(".tmp"));
	if (!m->file || !m->tmp)
		return -ENOMEM;
	strcpy(m->tmp, file);
	strcat(m->tmp, ".tmp");
	/* the first write now: a path that cannot be written is said up front */
	e = write_file(m);
	if (e) {
		snprintf(err, errlen, "--metrics-file %s: %s", file, strerror(-e));
		return e;
	}
	e = -pthread_create(&m->writer, NULL, writer_main, m);
	if (e) {
		snprintf(err, errlen, "--metrics-file: cannot start its thread: %s", strerror(-e));
		return e;
	}
	m->writer_on = true;
	return 0;
}

struct pipe_metrics *pipe_metrics_start(const struct pipe_metrics_opts *o, char *err,
					size_t errlen)
{
	struct pipe_metrics *m;
	pthread_condattr_t ca;
	int e = 0;

	snprintf(err, errlen, "out of memory");
	if (!o || o->sz < sizeof(*o)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	m->interval_ms = o->interval_ms ? o->interval_ms : PIPE_METRICS_DEFAULT_INTERVAL_MS;
	if (o->listen)
		e = start_httpd(m, o->listen, err, errlen);
	if (!e && o->file)
		e = start_file(m, o->file, err, errlen);
	if (e) {
		pipe_metrics_stop(m);
		errno = -e;
		return NULL;
	}
	return m;
}

unsigned int pipe_metrics_port(const struct pipe_metrics *m)
{
	return m ? m->port : 0;
}

void pipe_metrics_attach(struct pipe_metrics *m, struct pool_set *set, struct pool *tickets,
			 unsigned int requests)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->set = set;
	m->tickets = tickets;
	m->requests = requests;
	pthread_mutex_unlock(&m->lock);
}

void pipe_metrics_detach(struct pipe_metrics *m)
{
	struct pool_snap snaps[METRICS_MAX_POOLS];

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->n_snaps = snapshot(m, snaps);
	memcpy(m->snaps, snaps, m->n_snaps * sizeof(snaps[0]));
	m->detached = true;
	m->set = NULL;
	m->tickets = NULL;
	pthread_mutex_unlock(&m->lock);
}

void pipe_metrics_request(struct pipe_metrics *m, bool ok, double e2e_ms)
{
	if (!m)
		return;
	atomic_fetch_add(ok ? &m->ok : &m->failed, 1);
	if (!ok)
		return;
	pthread_mutex_lock(&m->lock);
	m->e2e_sum_s += e2e_ms / 1e3;
	pthread_mutex_unlock(&m->lock);
}

void pipe_metrics_stop(struct pipe_metrics *m)
{
	if (!m)
		return;
	if (m->writer_on) {
		pthread_mutex_lock(&m->lock);
		m->stopping = true;
		pthread_cond_broadcast(&m->cond);
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->writer, NULL);
		if (write_file(m))	/* the final numbers */
			fprintf(stderr, "xdna-pipeline: --metrics-file %s: cannot write\n", m->file);
	}
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m->file);
	free(m->tmp);
	free(m);
}
