// SPDX-License-Identifier: MIT
/* Stats: collection (pool_stats_get) and export as text, JSON and Prometheus. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tcache.h"

void pool_census_locked(struct pool *p, struct pool_census *c)
{
	lock_assert_held(p);
	*c = (struct pool_census){
		.total = p->total,
		.idle = p->free.n + ring_count(p),
		.busy = p->busy.n,
		.acquires = p->st.acquires,
		.releases = p->st.releases,
	};
	if (!p->caches)
		return;
	for (unsigned int i = 0; i < POOL_MAX_THREADS; i++) {
		struct tcache *t = atomic_load_explicit(&p->caches[i], memory_order_acquire);
		uint64_t acq;

		if (!t)
			continue;
		acq = atomic_load_explicit(&t->acquires, memory_order_relaxed);
		c->acquires += acq;
		c->cache_acquires += acq;
		c->releases += atomic_load_explicit(&t->releases, memory_order_relaxed);
		c->idle += tcache_count(t);
	}
}

int pool_stats_get(struct pool *p, struct pool_stats *st)
{
	struct pool_stats s = { .sz = sizeof(s) };
	struct pool_census n;
	struct pool_counters c;

	if (!pool_valid(p) || !st ||
	    !OPTS_VALID(st, struct pool_stats, sizeof(size_t)))
		return -EINVAL;
	pool_lock(p);
	c = p->st;
	pool_census_locked(p, &n);
	pool_unlock(p);
	s.total = n.total;
	s.busy = n.busy;
	s.idle = n.idle;
	s.acquires = n.acquires;
	s.releases = n.releases;
	s.hits = c.hits + n.cache_acquires;
	s.allocs = c.allocs;
	s.frees = c.frees;
	s.waits = c.waits;
	s.wait_ns = c.wait_ns;
	s.timeouts = c.timeouts;
	s.exhausted = c.exhausted;
	s.evictions = c.evictions;
	s.fenced = c.fenced;
	s.high_water = c.high_water;
	s.outstanding = s.acquires > s.releases ? s.acquires - s.releases : 0;
	s.bytes_cached = s.idle * p->size;
	s.bytes_total = s.total * p->size;
	s.hit_rate = s.acquires ? (double)s.hits / (double)s.acquires : 0.0;
	memcpy((char *)st + sizeof(size_t), (char *)&s + sizeof(size_t),
	       (st->sz < sizeof(s) ? st->sz : sizeof(s)) - sizeof(size_t));
	return 0;
}

struct sb {
	char *buf;
	size_t len;
	size_t pos;	/* bytes the full text needs so far */
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *sb, const char *fmt, ...)
{
	size_t room = sb->pos < sb->len ? sb->len - sb->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->pos += (size_t)n;
}

enum unit { U_COUNT, U_NS, U_RATIO };

static const struct metric {
	const char *name;	/* text/JSON key */
	const char *prom;	/* Prometheus name after xdnapool_ */
	const char *type;
	const char *help;
	size_t off;
	enum unit unit;
} metrics[] = {
#define M(f, prom, type, help) { #f, prom, type, help, offsetof(struct pool_stats, f), U_COUNT }
	M(acquires, "acquires_total", "counter", "Buffers acquired."),
	M(releases, "releases_total", "counter", "Buffers returned by their last release."),
	M(hits, "hits_total", "counter", "Acquires served without a backend allocation."),
	M(allocs, "backend_allocs_total", "counter", "Backend allocations."),
	M(frees, "backend_frees_total", "counter", "Backend frees."),
	M(waits, "waits_total", "counter", "Acquires that blocked."),
	{ "wait_ns", "wait_seconds_total", "counter", "Time acquires spent blocked.",
	  offsetof(struct pool_stats, wait_ns), U_NS },
	M(timeouts, "timeouts_total", "counter", "Acquires that timed out."),
	M(exhausted, "exhausted_total", "counter", "Non-blocking acquires that found no buffer."),
	M(evictions, "evictions_total", "counter", "Idle buffers freed by trimming or caps."),
	M(fenced, "fenced_total", "counter", "Releases onto the busy (fenced) list."),
	M(outstanding, "outstanding", "gauge", "Buffers held by users."),
	M(high_water, "high_water", "gauge", "Most buffers out of the shared free list at once."),
	M(total, "buffers", "gauge", "Buffers allocated."),
	M(idle, "idle", "gauge", "Idle buffers (shared list and thread caches)."),
	M(busy, "busy", "gauge", "Buffers waiting for a device fence."),
	M(bytes_cached, "cached_bytes", "gauge", "Bytes of idle buffers."),
	M(bytes_total, "bytes", "gauge", "Bytes of all buffers."),
	{ "hit_rate", "hit_ratio", "gauge", "Hits per acquire.",
	  offsetof(struct pool_stats, hit_rate), U_RATIO },
#undef M
};

struct entry {
	char name[POOL_NAME_MAX];
	struct pool_stats st;
};

static uint64_t mval(const struct pool_stats *st, const struct metric *m)
{
	return *(const uint64_t *)((const char *)st + m->off);
}

static void put_value(struct sb *sb, const struct pool_stats *st, const struct metric *m,
		      bool prom)
{
	if (m->unit == U_RATIO)
		sb_printf(sb, "%.6g", st->hit_rate);
	else if (m->unit == U_NS && prom)
		sb_printf(sb, "%.9g", (double)mval(st, m) / (double)NSEC_PER_SEC);
	else
		sb_printf(sb, "%llu", (unsigned long long)mval(st, m));
}

/* JSON and Prometheus label values: escape quote, backslash, newline. */
static void put_escaped(struct sb *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_printf(sb, "\\%c", *s);
		else if (*s == '\n')
			sb_printf(sb, "\\n");
		else if ((unsigned char)*s < 0x20)
			sb_printf(sb, "\\u%04x", *s);
		else
			sb_printf(sb, "%c", *s);
	}
}

static void fmt_text(struct sb *sb, const struct entry *e, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		sb_printf(sb, "%s:", e[i].name);
		for (unsigned int j = 0; j < ARRAY_SIZE(metrics); j++) {
			sb_printf(sb, " %s=", metrics[j].name);
			put_value(sb, &e[i].st, &metrics[j], false);
		}
		sb_printf(sb, "\n");
	}
}

static void fmt_json_one(struct sb *sb, const struct entry *e)
{
	sb_printf(sb, "{\"name\":\"");
	put_escaped(sb, e->name);
	sb_printf(sb, "\"");
	for (unsigned int j = 0; j < ARRAY_SIZE(metrics); j++) {
		sb_printf(sb, ",\"%s\":", metrics[j].name);
		put_value(sb, &e->st, &metrics[j], false);
	}
	sb_printf(sb, "}");
}

static void fmt_json(struct sb *sb, const struct entry *e, unsigned int n, bool one)
{
	if (one) {
		fmt_json_one(sb, e);
		sb_printf(sb, "\n");
		return;
	}
	sb_printf(sb, "{\"pools\":[");
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			sb_printf(sb, ",");
		fmt_json_one(sb, &e[i]);
	}
	sb_printf(sb, "]}\n");
}

static void fmt_prom(struct sb *sb, const struct entry *e, unsigned int n)
{
	for (unsigned int j = 0; j < ARRAY_SIZE(metrics); j++) {
		const struct metric *m = &metrics[j];

		sb_printf(sb, "# HELP xdnapool_%s %s\n", m->prom, m->help);
		sb_printf(sb, "# TYPE xdnapool_%s %s\n", m->prom, m->type);
		for (unsigned int i = 0; i < n; i++) {
			sb_printf(sb, "xdnapool_%s{pool=\"", m->prom);
			put_escaped(sb, e[i].name);
			sb_printf(sb, "\"} ");
			put_value(sb, &e[i].st, m, true);
			sb_printf(sb, "\n");
		}
	}
}

static int collect(struct pool *pool, struct entry **out, unsigned int *n)
{
	struct entry *e = NULL;
	unsigned int cnt = 0, i = 0;
	int err;

	if (pool) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->st.sz = sizeof(e->st);
		err = pool_stats_get(pool, &e->st);
		if (err) {
			free(e);
			return err;
		}
		strcpy(e->name, pool->name);
		*out = e;
		*n = 1;
		return 0;
	}
	pthread_mutex_lock(&pool_reg_lock);
	for (struct pool *p = pool_reg_head; p; p = p->reg_next)
		cnt++;
	e = calloc(cnt ? cnt : 1, sizeof(*e));
	if (!e) {
		pthread_mutex_unlock(&pool_reg_lock);
		return -ENOMEM;
	}
	/* oldest first: the registry pushes at the head */
	i = cnt;
	for (struct pool *p = pool_reg_head; p; p = p->reg_next) {
		struct entry *x = &e[--i];

		x->st.sz = sizeof(x->st);
		pool_stats_get(p, &x->st);
		strcpy(x->name, p->name);
	}
	pthread_mutex_unlock(&pool_reg_lock);
	*out = e;
	*n = cnt;
	return 0;
}

int pool_stats_format(struct pool *pool, enum pool_stats_format fmt, char *buf, size_t len)
{
	struct sb sb = { .buf = buf, .len = buf ? len : 0 };
	struct entry *e;
	unsigned int n;
	int err;

	if ((unsigned int)fmt > POOL_STATS_PROMETHEUS || (pool && !pool_valid(pool)))
		return -EINVAL;
	err = collect(pool, &e, &n);
	if (err)
		return err;
	if (sb.len)
		sb.buf[0] = '\0';
	switch (fmt) {
	case POOL_STATS_TEXT:
		fmt_text(&sb, e, n);
		break;
	case POOL_STATS_JSON:
		fmt_json(&sb, e, n, pool != NULL);
		break;
	case POOL_STATS_PROMETHEUS:
		fmt_prom(&sb, e, n);
		break;
	}
	free(e);
	if (sb.len && sb.pos >= sb.len)
		sb.buf[sb.len - 1] = '\0';
	return sb.pos > INT32_MAX ? -EOVERFLOW : (int)sb.pos;
}

int pool_stats_print(struct pool *pool, enum pool_stats_format fmt, FILE *f)
{
	int n = pool_stats_format(pool, fmt, NULL, 0);
	char *buf;

	if (n < 0)
		return n;
	if (!f)
		return -EINVAL;
	buf = malloc((size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	n = pool_stats_format(pool, fmt, buf, (size_t)n + 1);
	if (n >= 0 && fputs(buf, f) == EOF)
		n = -EIO;
	free(buf);
	return n;
}
