// SPDX-License-Identifier: MIT
/*
 * pipe_run(): set up, start the stages (see pipe_impl.h), let the stream
 * clients run every request through, stop the stages in order, report.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/tool.h"
#include "pipe_impl.h"

#define PIPE_CPUSET_MIN		1024		/* CPUs a mask is sized for at least */
#define PIPE_CGROUP_ROOT	"/sys/fs/cgroup"

void pipe_error(struct pipe *p, const char *fmt, ...)
{
	FILE *f = p->o->errors ? p->o->errors : stderr;
	char line[PIPE_ERR_LINE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->lock);
	if (!p->res->first_error[0])
		snprintf(p->res->first_error, sizeof(p->res->first_error), "%s", line);
	fprintf(f, "xdna-pipeline: %s\n", line);
	p->res->error_lines++;
	pthread_mutex_unlock(&p->lock);
}

uint64_t *pipe_req_ts(struct pipe *p, unsigned int id)
{
	return p->ts + (size_t)id * TS__COUNT;
}

/* The CPUs the affinity mask allows (taskset, cpusets), or 0 if unknown. */
static unsigned int affinity_cpus(void)
{
	long online = sysconf(_SC_NPROCESSORS_CONF);
	size_t ncpu = online > 0 ? (size_t)online : PIPE_CPUSET_MIN;
	unsigned int n = 0;
	cpu_set_t *set;

	if (ncpu < PIPE_CPUSET_MIN)
		ncpu = PIPE_CPUSET_MIN;
	set = CPU_ALLOC(ncpu);
	if (!set)
		return 0;
	if (!sched_getaffinity(0, CPU_ALLOC_SIZE(ncpu), set))
		n = (unsigned int)CPU_COUNT_S(CPU_ALLOC_SIZE(ncpu), set);
	CPU_FREE(set);
	return n;
}

/* cgroup v2 cpu.max of dir: its quota in CPUs (rounded up), 0 for "max" or none. */
static unsigned int cpu_max_quota(const char *dir)
{
	char path[PATH_MAX + 64], q[32];
	unsigned long long period = 0;
	unsigned int cpus = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.max", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%31s %llu", q, &period) == 2 && strcmp(q, "max") && period) {
		unsigned long long quota = strtoull(q, NULL, 10);

		cpus = (unsigned int)((quota + period - 1) / period);
	}
	fclose(f);
	return cpus;
}

/*
 * The smallest cgroup v2 CPU quota on the way from this process's cgroup
 * up to the root (each level's cpu.max caps those below), 0 if none.
 */
static unsigned int cgroup_cpus(void)
{
	char line[PATH_MAX], dir[PATH_MAX + 32], *slash;
	unsigned int min = 0, q;
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool found = false;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "0::", 3);	/* the v2 hierarchy */
	fclose(f);
	if (!found)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	snprintf(dir, sizeof(dir), "%s%s", PIPE_CGROUP_ROOT, line + 3);
	for (;;) {
		q = cpu_max_quota(dir);
		if (q && (!min || q < min))
			min = q;
		slash = strrchr(dir, '/');
		if (!slash || slash - dir < (ptrdiff_t)strlen(PIPE_CGROUP_ROOT))
			break;
		*slash = '\0';
	}
	return min;
}

unsigned int pipe_usable_cpus(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = affinity_cpus(), quota = cgroup_cpus();

	if (!n)
		n = online > 0 ? (unsigned int)online : 1;
	return quota && quota < n ? quota : n;
}

void pipe_opts_defaults(struct pipe_opts *o)
{
	if (!o->streams)
		o->streams = PIPE_DEFAULT_STREAMS;
	if (!o->workers)
		o->workers = pipe_usable_cpus();
	if (!o->n_mels)
		o->n_mels = PIPE_DEFAULT_N_MELS;
	if (!o->d_model)
		o->d_model = PIPE_DEFAULT_D_MODEL;
	if (!o->n_inputs && o->gen_seconds <= 0)
		o->gen_seconds = PIPE_DEFAULT_SECONDS;
	if (!o->acquire_timeout_ns)
		o->acquire_timeout_ns = PIPE_DEFAULT_ACQUIRE_TIMEOUT_NS;
	if (!o->npu_timeout_ns)
		o->npu_timeout_ns = PIPE_DEFAULT_NPU_TIMEOUT_NS;
	if (!o->requests)
		o->requests = o->n_inputs > o->streams ? o->n_inputs : o->streams;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Every thread of the run, started in stage order and joined in it. */
struct pipe_threads {
	struct pipe_worker *workers;
	unsigned int n_workers, n_clients;
	pthread_t consumer;
	bool consumer_started;
};

static int start_stages(struct pipe *p, struct pipe_threads *t)
{
	const struct pipe_opts *o = p->o;
	unsigned int i;
	int err;

	t->workers = calloc(o->workers, sizeof(*t->workers));
	if (!t->workers)
		return -ENOMEM;
	err = -pthread_create(&t->consumer, NULL, pipe_consumer_main, p);
	if (err)
		return err;
	t->consumer_started = true;
	for (i = 0; i < p->n_ctx; i++) {
		struct pipe_ctx *c = &p->ctx[i];

		err = -pthread_create(&c->completion, NULL, pipe_completion_main, c);
		if (err)
			return err;
		err = -pthread_create(&c->submitter, NULL, pipe_submitter_main, c);
		if (err) {
			pthread_mutex_lock(&c->lock);
			c->closed = true;
			pthread_cond_broadcast(&c->cond);
			pthread_mutex_unlock(&c->lock);
			pthread_join(c->completion, NULL);
			return err;
		}
		c->started = true;
	}
	for (; t->n_workers < o->workers; t->n_workers++) {
		struct pipe_worker *w = &t->workers[t->n_workers];

		*w = (struct pipe_worker){ .p = p, .id = t->n_workers };
		w->ws = mel_ws_create(p->plan);
		if (!w->ws)
			return -ENOMEM;
		err = -pthread_create(&w->th, NULL, pipe_worker_main, w);
		if (err) {
			mel_ws_destroy(w->ws);
			return err;
		}
	}
	return 0;
}

/*
 * Upstream first: once the request queue is closed and the workers are
 * gone nothing reaches the NPU queue; once the submitters are gone the
 * completion threads drain their rings; the consumer goes last.
 */
static void stop_stages(struct pipe *p, struct pipe_threads *t)
{
	unsigned int i;

	if (p->ch_req)
		pool_chan_close(p->ch_req);
	for (i = 0; i < t->n_workers; i++) {
		pthread_join(t->workers[i].th, NULL);
		mel_ws_destroy(t->workers[i].ws);
	}
	if (p->ch_npu)
		pool_chan_close(p->ch_npu);
	for (i = 0; i < p->n_ctx; i++) {
		if (!p->ctx[i].started)
			continue;
		pthread_join(p->ctx[i].submitter, NULL);
		pthread_join(p->ctx[i].completion, NULL);
	}
	if (p->ch_done)
		pool_chan_close(p->ch_done);
	if (t->consumer_started)
		pthread_join(t->consumer, NULL);
	free(t->workers);
}

static int run_clients(struct pipe *p, struct pipe_threads *t)
{
	void *(*fn)(void *) = p->o->copy_mode ? pipe_copy_stream_main : pipe_client_main;
	unsigned int i;
	int err = 0;

	for (i = 0; i < p->o->streams; i++) {
		struct pipe_client *cl = &p->clients[i];

		*cl = (struct pipe_client){ .p = p, .id = i };
		sem_init(&cl->done, 0, 0);
	}
	for (; t->n_clients < p->o->streams; t->n_clients++) {
		err = -pthread_create(&p->clients[t->n_clients].th, NULL, fn,
				      &p->clients[t->n_clients]);
		if (err) {
			pipe_error(p, "stream %u: cannot start its thread: %s", t->n_clients,
				   strerror(-err));
			break;
		}
	}
	for (i = 0; i < t->n_clients; i++)
		pthread_join(p->clients[i].th, NULL);
	for (i = 0; i < p->o->streams; i++)
		sem_destroy(&p->clients[i].done);
	return t->n_clients ? 0 : err;
}

int pipe_run(const struct pipe_opts *opts, struct pipe_result *res)
{
	struct pipe_opts o = *opts;
	struct pipe p = { .o = &o, .res = res };
	struct pipe_threads t = { 0 };
	uint64_t t0;
	double cpu0;
	int err;

	memset(res, 0, sizeof(*res));
	pipe_opts_defaults(&o);
	p.total = o.requests;
	p.timeout_ns = o.acquire_timeout_ns;
	pthread_mutex_init(&p.lock, NULL);
	p.clients = calloc(o.streams, sizeof(*p.clients));
	if (!p.clients) {
		err = -ENOMEM;
		goto out;
	}
	err = pipe_load_design(&p, &o);
	if (err)
		goto out;
	err = pipe_setup(&p);
	if (err)
		goto out;
	t0 = tool_now_ns();
	cpu0 = cpu_seconds();
	if (!o.copy_mode) {
		err = start_stages(&p, &t);
		if (err) {
			pipe_error(&p, "cannot start the pipeline's threads: %s", strerror(-err));
			stop_stages(&p, &t);
			goto out;
		}
	}
	for (unsigned int i = 0; i < o.unusable_inputs; i++)
		pipe_metrics_request(o.metrics, false, 0);
	err = run_clients(&p, &t);
	if (!o.copy_mode)
		stop_stages(&p, &t);
	res->workers = o.copy_mode ? 0 : o.workers;
	res->contexts = p.n_ctx;
	pipe_summarise(&p, tool_secs_since(t0), cpu_seconds() - cpu0);
out:
	pipe_teardown(&p);
	free(p.clients);
	pthread_mutex_destroy(&p.lock);
	if (err)
		return err;
	return res->failed || res->mismatched ? 1 : 0;	/* failed counts unusable inputs */
}
