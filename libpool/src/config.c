// SPDX-License-Identifier: MIT
/*
 * Pool sets: an INI-like config file (format in libpool/README.md), with
 * XDNAPOOL_<POOL>_<KEY> environment overrides and the Whisper preset.
 *
 * Parsing goes: text -> sections of key/value pairs (with their origin for
 * error lines) -> presets expanded into ordinary sections -> environment
 * overrides -> pool_opts -> pools.  Any bad value stops the whole load
 * with one line naming where it came from, the key and the value.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define KEY_MAX		32
#define VAL_MAX		128

struct kv {
	char key[KEY_MAX];
	char val[VAL_MAX];
	int line;		/* 0: from the environment or a preset */
};

struct section {
	char name[POOL_NAME_MAX];
	int line;
	struct kv *kv;
	unsigned int nkv;
};

struct parser {
	const char *origin;
	const char *env_prefix;
	bool no_env;
	pool_report_fn report;
	void *report_arg;
	FILE *err_file;
	struct section *s;
	unsigned int ns;
};

struct set_entry {
	char name[POOL_NAME_MAX];
	struct pool_opts opts;
	struct pool *pool;
};

struct pool_set {
	unsigned int n;
	struct set_entry *e;
};

__attribute__((format(printf, 3, 4)))
static int perr(struct parser *ps, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		pool_emit(ps->report, ps->report_arg, ps->err_file, "xdnapool: %s:%d: %s",
			  ps->origin, line, msg);
	else
		pool_emit(ps->report, ps->report_arg, ps->err_file, "xdnapool: %s", msg);
	return -EINVAL;
}

static void env_name(char *out, size_t len, const char *prefix, const char *pool,
		     const char *key);

/* Where a value came from (file line, environment, preset), for error lines. */
static int kv_err(struct parser *ps, const struct section *s, const struct kv *kv,
		  const char *why)
{
	char name[POOL_NAME_MAX + KEY_MAX + 32];

	if (kv->line > 0)
		return perr(ps, kv->line, "[%s] %s = '%s': %s", s->name, kv->key, kv->val, why);
	if (kv->line < 0) {
		env_name(name, sizeof(name), ps->env_prefix, s->name, kv->key);
		return perr(ps, 0, "%s='%s': %s", name, kv->val, why);
	}
	return perr(ps, 0, "pool '%s': %s = '%s': %s", s->name, kv->key, kv->val, why);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static struct section *section_add(struct parser *ps, const char *name, int line)
{
	struct section *n = realloc(ps->s, (ps->ns + 1) * sizeof(*n));

	if (!n)
		return NULL;
	ps->s = n;
	n = &ps->s[ps->ns++];
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);
	n->line = line;
	return n;
}

static struct section *section_find(struct parser *ps, const char *name)
{
	for (unsigned int i = 0; i < ps->ns; i++)
		if (!strcmp(ps->s[i].name, name))
			return &ps->s[i];
	return NULL;
}

static struct kv *kv_find(const struct section *s, const char *key)
{
	for (unsigned int i = 0; i < s->nkv; i++)
		if (!strcasecmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

/* Set (or replace) key = val; -ENOMEM, or -EINVAL for over-long text. */
static int kv_set(struct section *s, const char *key, const char *val, int line)
{
	struct kv *kv = kv_find(s, key);

	if (strlen(key) >= KEY_MAX || strlen(val) >= VAL_MAX)
		return -EINVAL;
	if (!kv) {
		struct kv *n = realloc(s->kv, (s->nkv + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->kv = n;
		kv = &s->kv[s->nkv++];
	}
	strcpy(kv->key, key);
	strcpy(kv->val, val);
	kv->line = line;
	return 0;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= POOL_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

static int parse_text(struct parser *ps, const char *text)
{
	struct section *cur = NULL;
	const char *p = text;
	int line = 0;

	while (*p) {
		char buf[512], *l, *eq;
		size_t len = strcspn(p, "\n");

		line++;
		if (len >= sizeof(buf))
			return perr(ps, line, "line too long");
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len + (p[len] == '\n');
		l = trim(buf);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');

			if (!end || trim(end + 1)[0])
				return perr(ps, line, "bad section header '%s'", l);
			*end = '\0';
			l = trim(l + 1);
			if (!valid_name(l))
				return perr(ps, line, "bad pool name '%s' (letters, digits, "
					    "'_', '-', '.'; < %d chars)", l, POOL_NAME_MAX);
			if (section_find(ps, l))
				return perr(ps, line, "section [%s] appears twice", l);
			cur = section_add(ps, l, line);
			if (!cur)
				return -ENOMEM;
			continue;
		}
		eq = strchr(l, '=');
		if (!eq)
			return perr(ps, line, "expected 'key = value', got '%s'", l);
		if (!cur)
			return perr(ps, line, "'%s' before any [section]", l);
		*eq = '\0';
		/* inline comments after the value */
		for (char *c = eq + 1; *c; c++) {
			if ((*c == '#' || *c == ';') && isspace((unsigned char)c[-1])) {
				*c = '\0';
				break;
			}
		}
		if (kv_find(cur, trim(l)))
			return perr(ps, line, "[%s] key '%s' set twice", cur->name, trim(l));
		if (kv_set(cur, trim(l), trim(eq + 1), line))
			return perr(ps, line, "[%s] key or value too long", cur->name);
	}
	return 0;
}

/* ------------------------------------------------------------ values */

static int parse_u64(const char *s, bool suffix, uint64_t *out)
{
	unsigned long long v;
	char *end;
	unsigned int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (suffix && *end) {
		switch (toupper((unsigned char)*end)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default: return -EINVAL;
		}
		end++;
		if (toupper((unsigned char)*end) == 'I')
			end++;
		if (toupper((unsigned char)*end) == 'B')
			end++;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned int *out)
{
	uint64_t v;

	if (parse_u64(s, false, &v) || v > UINT_MAX)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (unsigned int i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_shape(const char *s, struct pool_opts *o)
{
	char buf[VAL_MAX], *save = NULL, *tok;
	unsigned int n = 0;

	strcpy(buf, s);
	for (tok = strtok_r(buf, "x,* \t", &save); tok; tok = strtok_r(NULL, "x,* \t", &save)) {
		uint64_t v;

		if (n == POOL_MAX_DIMS || parse_u64(tok, false, &v) || !v || v > SIZE_MAX)
			return -EINVAL;
		o->shape[n++] = (size_t)v;
	}
	if (!n)
		return -EINVAL;
	o->ndim = n;
	return 0;
}

static int set_flag(struct pool_opts *o, unsigned int flag, const char *val)
{
	bool b;

	if (parse_bool(val, &b))
		return -EINVAL;
	if (b)
		o->flags |= flag;
	else
		o->flags &= ~flag;
	return 0;
}

static const char *const pool_keys[] = {
	"dtype", "shape", "size", "initial", "min", "max", "grow", "grow_step", "zero",
	"debug", "thread_cache", "thread_cache_bytes", "idle_timeout_ms",
	"max_cached_bytes", "thp", "hugetlb", "mlock",
};

static const char *const whisper_keys[] = {
	"preset", "seconds", "sample_rate", "n_mels", "d_model", "hop_length", "streams",
	"per_stream", "prefix", "zero", "debug", "thp", "hugetlb", "mlock",
};

/* Apply one key; on error returns a reason for the error line. */
static const char *apply_key(struct pool_opts *o, const struct kv *kv)
{
	const char *k = kv->key, *v = kv->val;
	uint64_t u;
	bool b;

	if (!strcasecmp(k, "dtype"))
		return pool_dtype_parse(v, &o->dtype) ? "unknown dtype (f32, f16, bf16, i8, "
			"u8, i16, u16, i32, u32, i64, u64, f64, bytes)" : NULL;
	if (!strcasecmp(k, "shape"))
		return parse_shape(v, o) ? "expected up to 4 positive dimensions, e.g. 80x3000"
			: NULL;
	if (!strcasecmp(k, "size"))
		return parse_u64(v, true, &u) || !u || u > SIZE_MAX / 2 ?
			"expected a positive byte size (suffix K, M or G)" :
			(o->size = (size_t)u, NULL);
	if (!strcasecmp(k, "initial"))
		return parse_uint(v, &o->initial) ? "expected a non-negative integer" : NULL;
	if (!strcasecmp(k, "min"))
		return parse_uint(v, &o->min) ? "expected a non-negative integer" : NULL;
	if (!strcasecmp(k, "max"))
		return parse_uint(v, &o->max) ? "expected a non-negative integer (0: no limit)"
			: NULL;
	if (!strcasecmp(k, "grow_step"))
		return parse_uint(v, &o->grow_step) || !o->grow_step ?
			"expected a positive integer" : NULL;
	if (!strcasecmp(k, "grow")) {
		if (!strcasecmp(v, "linear"))
			o->grow = POOL_GROW_LINEAR;
		else if (!strcasecmp(v, "double"))
			o->grow = POOL_GROW_DOUBLE;
		else if (!strcasecmp(v, "none"))
			o->grow = POOL_GROW_NONE;
		else
			return "expected linear, double or none";
		return NULL;
	}
	if (!strcasecmp(k, "zero"))
		return set_flag(o, POOL_F_ZERO, v) ? "expected yes or no" : NULL;
	if (!strcasecmp(k, "debug"))
		return set_flag(o, POOL_F_DEBUG, v) ? "expected yes or no" : NULL;
	if (!strcasecmp(k, "thp"))
		return set_flag(o, POOL_F_THP, v) ? "expected yes or no" : NULL;
	if (!strcasecmp(k, "hugetlb"))
		return set_flag(o, POOL_F_HUGETLB, v) ? "expected yes or no" : NULL;
	if (!strcasecmp(k, "mlock"))
		return set_flag(o, POOL_F_MLOCK, v) ? "expected yes or no" : NULL;
	if (!strcasecmp(k, "thread_cache")) {
		if (parse_bool(v, &b))
			return "expected yes or no";
		if (b)
			o->flags &= ~POOL_F_NO_CACHE;
		else
			o->flags |= POOL_F_NO_CACHE;
		return NULL;
	}
	if (!strcasecmp(k, "thread_cache_bytes"))
		return parse_u64(v, true, &u) || u > SIZE_MAX ?
			"expected a byte size (suffix K, M or G)" :
			(o->thread_cache_bytes = (size_t)u, NULL);
	if (!strcasecmp(k, "idle_timeout_ms"))
		return parse_u64(v, false, &o->idle_timeout_ms) ? "expected milliseconds" : NULL;
	if (!strcasecmp(k, "max_cached_bytes"))
		return parse_u64(v, true, &u) || u > SIZE_MAX ?
			"expected a byte size (suffix K, M or G)" :
			(o->max_cached_bytes = (size_t)u, NULL);
	return "unknown key";
}

/* ----------------------------------------------------------- environment */

static void env_name(char *out, size_t len, const char *prefix, const char *pool,
		     const char *key)
{
	size_t n = (size_t)snprintf(out, len, "%s_%s_%s", prefix, pool, key);

	for (size_t i = 0; i < n && i < len; i++)
		out[i] = isalnum((unsigned char)out[i]) ? (char)toupper((unsigned char)out[i])
			: '_';
}

/* XDNAPOOL_<SECTION>_<KEY> replaces or adds key for each known key. */
static int env_apply(struct parser *ps, struct section *s, const char *const *keys,
		     unsigned int nkeys)
{
	char name[POOL_NAME_MAX + KEY_MAX + 32];

	if (ps->no_env)
		return 0;
	for (unsigned int i = 0; i < nkeys; i++) {
		const char *v;

		env_name(name, sizeof(name), ps->env_prefix, s->name, keys[i]);
		v = getenv(name);
		if (!v)
			continue;
		if (kv_set(s, keys[i], v, -1))	/* line -1: the environment */
			return perr(ps, 0, "%s='%s': value too long", name, v);
	}
	return 0;
}

/* ----------------------------------------------------------------- whisper */

struct whisper_why {
	const char *key;	/* the offending key, or NULL */
	unsigned int val;
	const char *why;
};

static int whisper_err(struct whisper_why *w, const char *key, unsigned int v, const char *why)
{
	w->key = key;
	w->val = v;
	w->why = why;
	return -EINVAL;
}

static int whisper_fill(const struct pool_whisper_opts *w, struct pool_opts out[],
			char names[][POOL_WHISPER_NAME_MAX], struct whisper_why *e)
{
	static const char *const base[POOL_WHISPER__COUNT] = { "audio", "mel", "encoder" };
	unsigned int secs = OPTS_GET(w, max_seconds, 0) ? w->max_seconds : 30;
	unsigned int rate = OPTS_GET(w, sample_rate, 0) ? w->sample_rate : 16000;
	unsigned int mels = OPTS_GET(w, n_mels, 0) ? w->n_mels : 80;
	unsigned int dm = OPTS_GET(w, d_model, 0) ? w->d_model : 384;
	unsigned int hop = OPTS_GET(w, hop_length, 0) ? w->hop_length : 160;
	unsigned int streams = OPTS_GET(w, streams, 0) ? w->streams : 16;
	unsigned int per = OPTS_GET(w, per_stream, 0) ? w->per_stream : 2;
	const char *prefix = OPTS_GET(w, prefix, NULL);
	uint64_t samples = (uint64_t)secs * rate, frames, maxb;

	if (mels != 80 && mels != 128)
		return whisper_err(e, "n_mels", mels, "must be 80 or 128");
	if (secs > 3600)
		return whisper_err(e, "seconds", secs, "must be 1..3600");
	if (rate > 192000)
		return whisper_err(e, "sample_rate", rate, "must be 1..192000");
	if (dm > 8192)
		return whisper_err(e, "d_model", dm, "must be 1..8192");
	frames = samples / hop;
	if (frames < 2)
		return whisper_err(e, "hop_length", hop,
				   "leaves fewer than 2 mel frames");
	maxb = (uint64_t)streams * per;
	if (maxb > UINT_MAX / 2)
		return whisper_err(e, "streams", streams, "too many buffers");
	for (unsigned int i = 0; i < POOL_WHISPER__COUNT; i++) {
		struct pool_opts *o = &out[i];

		memset(o, 0, sizeof(*o));
		o->sz = sizeof(*o);
		o->dtype = POOL_DTYPE_F32;
		o->initial = streams;
		o->max = (unsigned int)maxb;
		o->flags = OPTS_GET(w, flags, 0);
		o->backend = OPTS_GET(w, backend, NULL);
		if (prefix && names) {
			snprintf(names[i], POOL_WHISPER_NAME_MAX, "%s%s", prefix, base[i]);
			o->name = names[i];
		} else {
			o->name = base[i];
		}
	}
	out[POOL_WHISPER_AUDIO].ndim = 1;
	out[POOL_WHISPER_AUDIO].shape[0] = (size_t)samples;
	out[POOL_WHISPER_MEL].ndim = 2;
	out[POOL_WHISPER_MEL].shape[0] = mels;
	out[POOL_WHISPER_MEL].shape[1] = (size_t)frames;
	out[POOL_WHISPER_ENCODER].ndim = 2;
	out[POOL_WHISPER_ENCODER].shape[0] = (size_t)(frames / 2);
	out[POOL_WHISPER_ENCODER].shape[1] = dm;
	return 0;
}

int pool_whisper_opts(const struct pool_whisper_opts *wopts,
		      struct pool_opts out[POOL_WHISPER__COUNT],
		      char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX])
{
	if (!out || !OPTS_VALID(wopts, struct pool_whisper_opts, sizeof(size_t)))
		return -EINVAL;
	struct whisper_why e;
	int err;

	if (OPTS_GET(wopts, prefix, NULL) && !names)
		return -EINVAL;
	err = whisper_fill(wopts, out, names, &e);
	if (err)
		pool_emit(NULL, NULL, NULL, "xdnapool: whisper: %s = %u: %s", e.key, e.val,
			  e.why);
	return err;
}

static bool is_flag_key(const char *k)
{
	return !strcasecmp(k, "zero") || !strcasecmp(k, "debug") || !strcasecmp(k, "thp") ||
	       !strcasecmp(k, "hugetlb") || !strcasecmp(k, "mlock");
}

/* A [section] with preset = whisper becomes three ordinary sections. */
static int expand_whisper(struct parser *ps, unsigned int si)
{
	struct pool_whisper_opts w = { .sz = sizeof(w) };
	char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX];
	struct pool_opts o[POOL_WHISPER__COUNT];
	struct section *s = &ps->s[si];
	struct { const char *key; unsigned int *dst; } nums[] = {
		{ "seconds", &w.max_seconds }, { "sample_rate", &w.sample_rate },
		{ "n_mels", &w.n_mels }, { "d_model", &w.d_model },
		{ "hop_length", &w.hop_length }, { "streams", &w.streams },
		{ "per_stream", &w.per_stream },
	};
	struct pool_opts flags = { .sz = sizeof(flags) };
	struct whisper_why why;
	const char *prefix = "";
	char sname[POOL_NAME_MAX];
	int err;

	err = env_apply(ps, s, whisper_keys, ARRAY_SIZE(whisper_keys));
	if (err)
		return err;
	for (unsigned int i = 0; i < s->nkv; i++) {
		struct kv *kv = &s->kv[i];
		bool known = false;

		for (unsigned int j = 0; j < ARRAY_SIZE(nums); j++) {
			if (strcasecmp(kv->key, nums[j].key))
				continue;
			known = true;
			if (parse_uint(kv->val, nums[j].dst) || !*nums[j].dst)
				return kv_err(ps, s, kv, "expected a positive integer");
		}
		if (known || !strcasecmp(kv->key, "preset"))
			continue;
		if (!strcasecmp(kv->key, "prefix")) {
			if (strlen(kv->val) > 32)
				return kv_err(ps, s, kv, "at most 32 characters");
			prefix = kv->val;
			continue;
		}
		if (is_flag_key(kv->key)) {
			if (apply_key(&flags, kv))
				return kv_err(ps, s, kv, "expected yes or no");
			continue;
		}
		return kv_err(ps, s, kv, "unknown key for preset = whisper");
	}
	w.prefix = prefix;
	w.flags = flags.flags;
	if (whisper_fill(&w, o, names, &why)) {
		struct kv *kv = kv_find(s, why.key);

		if (kv)
			return kv_err(ps, s, kv, why.why);
		return perr(ps, s->line, "[%s] %s = %u (default): %s", s->name, why.key,
			    why.val, why.why);
	}

	/* replace the preset section by the three pools, as key/values */
	strcpy(sname, s->name);
	for (unsigned int i = 0; i < POOL_WHISPER__COUNT; i++) {
		char shape[VAL_MAX], num[32];
		struct section *n;

		if (!valid_name(o[i].name))
			return perr(ps, ps->s[si].line, "[%s] prefix '%s' makes a bad pool name",
				    sname, prefix);
		if (section_find(ps, o[i].name))
			return perr(ps, ps->s[si].line, "[%s] pool '%s' defined twice", sname,
				    o[i].name);
		n = section_add(ps, o[i].name, ps->s[si].line);
		if (!n)
			return -ENOMEM;
		if (o[i].ndim == 1)
			snprintf(shape, sizeof(shape), "%zu", o[i].shape[0]);
		else
			snprintf(shape, sizeof(shape), "%zux%zu", o[i].shape[0], o[i].shape[1]);
		err = kv_set(n, "dtype", "f32", 0) ?: kv_set(n, "shape", shape, 0);
		snprintf(num, sizeof(num), "%u", o[i].initial);
		err = err ?: kv_set(n, "initial", num, 0);
		snprintf(num, sizeof(num), "%u", o[i].max);
		err = err ?: kv_set(n, "max", num, 0);
		for (unsigned int j = 0; !err && j < ps->s[si].nkv; j++) {
			const struct kv *kv = &ps->s[si].kv[j];

			if (is_flag_key(kv->key))
				err = kv_set(n, kv->key, kv->val, kv->line);
		}
		if (err)
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------------ sets */

static bool is_preset(const struct section *s, const char **name)
{
	struct kv *kv = kv_find(s, "preset");

	*name = kv ? kv->val : NULL;
	return kv != NULL;
}

static void parser_free(struct parser *ps)
{
	for (unsigned int i = 0; i < ps->ns; i++)
		free(ps->s[i].kv);
	free(ps->s);
}

void pool_set_destroy(struct pool_set *set)
{
	if (!set)
		return;
	for (unsigned int i = set->n; i-- > 0;)
		pool_destroy(set->e[i].pool);
	free(set->e);
	free(set);
}

static int section_opts(struct parser *ps, struct section *s, struct set_entry *e,
			struct pool_backend *be)
{
	struct pool_opts *o = &e->opts;
	int err;

	err = env_apply(ps, s, pool_keys, ARRAY_SIZE(pool_keys));
	if (err)
		return err;
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	strcpy(e->name, s->name);
	o->name = e->name;
	for (unsigned int i = 0; i < s->nkv; i++) {
		const char *why = apply_key(o, &s->kv[i]);

		if (why)
			return kv_err(ps, s, &s->kv[i], why);
	}
	if (!o->ndim && !o->size)
		return perr(ps, s->line, "[%s] needs shape (with dtype) or size", s->name);
	if (o->max && o->max < o->initial)
		return perr(ps, s->line, "[%s] max = %u is below initial = %u", s->name, o->max,
			    o->initial);
	if (o->max && o->max < o->min)
		return perr(ps, s->line, "[%s] max = %u is below min = %u", s->name, o->max,
			    o->min);
	if (!(o->flags & (POOL_F_THP | POOL_F_HUGETLB | POOL_F_MLOCK)))
		o->backend = be;
	return 0;
}

static struct pool_set *set_build(struct parser *ps, const struct pool_set_opts *opts)
{
	struct pool_backend *be = OPTS_GET(opts, backend, NULL);
	bool dry = OPTS_GET(opts, dry_run, false);
	struct pool_set *set;
	unsigned int nsec = ps->ns;
	int err = 0;

	/* expand presets (they append sections) */
	for (unsigned int i = 0; i < nsec; i++) {
		const char *preset;

		if (!is_preset(&ps->s[i], &preset))
			continue;
		if (strcasecmp(preset, "whisper")) {
			err = kv_err(ps, &ps->s[i], kv_find(&ps->s[i], "preset"),
				     "unknown preset (whisper)");
			goto err;
		}
		err = expand_whisper(ps, i);
		if (err)
			goto err;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		err = -ENOMEM;
		goto err;
	}
	set->e = calloc(ps->ns ? ps->ns : 1, sizeof(*set->e));
	if (!set->e) {
		free(set);
		err = -ENOMEM;
		goto err;
	}
	for (unsigned int i = 0; i < ps->ns; i++) {
		struct set_entry *e = &set->e[set->n];
		const char *preset;

		if (is_preset(&ps->s[i], &preset))
			continue;
		err = section_opts(ps, &ps->s[i], e, be);
		if (err)
			goto err_set;
		set->n++;
		if (dry)
			continue;
		e->pool = pool_create(&e->opts);
		if (!e->pool) {
			err = -errno;
			perr(ps, ps->s[i].line, "[%s] cannot create the pool: %s%s%s%s", e->name,
			     strerror(-err), *pool_errdetail() ? " (" : "", pool_errdetail(),
			     *pool_errdetail() ? ")" : "");
			goto err_set;
		}
	}
	parser_free(ps);
	return set;

err_set:
	pool_set_destroy(set);
err:
	parser_free(ps);
	errno = -err;
	return NULL;
}

static int parser_init(struct parser *ps, const char *origin, const struct pool_set_opts *opts)
{
	if (!OPTS_VALID(opts, struct pool_set_opts, sizeof(size_t)))
		return -EINVAL;
	memset(ps, 0, sizeof(*ps));
	ps->origin = origin ? origin : "<string>";
	ps->env_prefix = OPTS_GET(opts, env_prefix, NULL) ? opts->env_prefix : "XDNAPOOL";
	ps->no_env = OPTS_GET(opts, no_env, false);
	ps->report = OPTS_GET(opts, report, NULL);
	ps->report_arg = OPTS_GET(opts, report_arg, NULL);
	ps->err_file = OPTS_GET(opts, err_file, NULL);
	return 0;
}

struct pool_set *pool_set_parse(const char *text, const char *origin,
				const struct pool_set_opts *opts)
{
	struct parser ps;
	int err;

	if (!text) {
		errno = EINVAL;
		return NULL;
	}
	err = parser_init(&ps, origin, opts);
	if (err) {
		errno = -err;
		return NULL;
	}
	err = parse_text(&ps, text);
	if (err) {
		parser_free(&ps);
		errno = -err;
		return NULL;
	}
	return set_build(&ps, opts);
}

struct pool_set *pool_set_load(const char *path, const struct pool_set_opts *opts)
{
	struct pool_set *set;
	char *text = NULL;
	size_t cap = 0, len = 0;
	FILE *f;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	f = fopen(path, "re");
	if (!f) {
		int err = errno;
		struct parser ps;

		if (!parser_init(&ps, path, opts))
			perr(&ps, 0, "%s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *nt = realloc(text, cap = cap ? cap * 2 : 8192);

			if (!nt) {
				free(text);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	fclose(f);
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		free(text);
		errno = EINVAL;
		return NULL;
	}
	set = pool_set_parse(text, path, opts);
	free(text);
	return set;
}

struct pool_set *pool_set_whisper(const struct pool_whisper_opts *wopts,
				  const struct pool_set_opts *opts)
{
	char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX];
	struct pool_opts o[POOL_WHISPER__COUNT];
	struct parser ps;
	int err;

	err = parser_init(&ps, "whisper", opts);
	if (!err && !OPTS_VALID(wopts, struct pool_whisper_opts, sizeof(size_t)))
		err = -EINVAL;
	if (!err) {
		struct whisper_why why;

		err = whisper_fill(wopts, o, names, &why);
		if (err)
			perr(&ps, 0, "whisper: %s = %u: %s", why.key, why.val, why.why);
	}
	for (unsigned int i = 0; !err && i < POOL_WHISPER__COUNT; i++) {
		struct section *s = section_add(&ps, o[i].name, 0);
		char shape[VAL_MAX], num[32];
		unsigned int f = o[i].flags;

		if (!s) {
			err = -ENOMEM;
			break;
		}
		if (o[i].ndim == 1)
			snprintf(shape, sizeof(shape), "%zu", o[i].shape[0]);
		else
			snprintf(shape, sizeof(shape), "%zux%zu", o[i].shape[0], o[i].shape[1]);
		err = kv_set(s, "dtype", "f32", 0) ?: kv_set(s, "shape", shape, 0);
		snprintf(num, sizeof(num), "%u", o[i].initial);
		err = err ?: kv_set(s, "initial", num, 0);
		snprintf(num, sizeof(num), "%u", o[i].max);
		err = err ?: kv_set(s, "max", num, 0);
		err = err ?: kv_set(s, "zero", f & POOL_F_ZERO ? "yes" : "no", 0);
		err = err ?: kv_set(s, "debug", f & POOL_F_DEBUG ? "yes" : "no", 0);
		err = err ?: kv_set(s, "thp", f & POOL_F_THP ? "yes" : "no", 0);
		err = err ?: kv_set(s, "hugetlb", f & POOL_F_HUGETLB ? "yes" : "no", 0);
		err = err ?: kv_set(s, "mlock", f & POOL_F_MLOCK ? "yes" : "no", 0);
	}
	if (err) {
		parser_free(&ps);
		errno = -err;
		return NULL;
	}
	{
		POOL_OPTS(pool_set_opts, so, .backend = OPTS_GET(wopts, backend, NULL) ?:
			  OPTS_GET(opts, backend, NULL));

		so.env_prefix = ps.env_prefix;
		so.no_env = ps.no_env;
		so.report = ps.report;
		so.report_arg = ps.report_arg;
		so.err_file = ps.err_file;
		so.dry_run = OPTS_GET(opts, dry_run, false);
		return set_build(&ps, &so);
	}
}

struct pool *pool_set_get(const struct pool_set *set, const char *name)
{
	if (!set || !name) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned int i = 0; i < set->n; i++)
		if (!strcmp(set->e[i].name, name))
			return set->e[i].pool;
	errno = ENOENT;
	return NULL;
}

unsigned int pool_set_count(const struct pool_set *set)
{
	return set ? set->n : 0;
}

struct pool *pool_set_pool(const struct pool_set *set, unsigned int i)
{
	return set && i < set->n ? set->e[i].pool : NULL;
}

const struct pool_opts *pool_set_pool_opts(const struct pool_set *set, unsigned int i)
{
	return set && i < set->n ? &set->e[i].opts : NULL;
}
