// SPDX-License-Identifier: MIT
/*
 * Pool sets: an INI-like config file (format in libpool/README.md), with
 * XDNAPOOL_<POOL>_<KEY> environment overrides and the Whisper preset.
 *
 * Parsing goes: text -> sections of key/value pairs (with their origin for
 * error lines; config_text.c) -> presets expanded into ordinary sections
 * (config_whisper.c) -> environment overrides (config_env.c) -> pool_opts
 * (the table of keys, config_keys.c) -> pools.  Any bad value stops the
 * whole load with one line naming where it came from, the key and the value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config_internal.h"

/* Bigger than any sensible pool set: a stray multi-GB file is refused. */
#define CFG_FILE_MAX	(1u << 20)

struct set_entry {
	char name[POOL_NAME_MAX];
	struct pool_opts opts;
	struct pool *pool;
};

struct pool_set {
	unsigned int n;
	struct set_entry *e;
};

void pool_set_destroy(struct pool_set *set)
{
	if (!set)
		return;
	for (unsigned int i = set->n; i-- > 0;)
		pool_destroy(set->e[i].pool);
	free(set->e);
	free(set);
}

/*
 * "max = 1 is below initial = 2": the line names where max came from (the
 * file's line or the variable) and, when it is elsewhere, where the other
 * value came from.
 */
static int cross_err(struct parser *ps, struct section *s, const char *key, unsigned int v,
		     const char *other, unsigned int ov)
{
	struct kv *kv = cfg_kv_find(s, key), *okv = cfg_kv_find(s, other);
	char name[CFG_ENV_NAME_MAX], where[CFG_ENV_NAME_MAX + 16], also[CFG_ENV_NAME_MAX + 24];

	cfg_kv_origin(ps, s, okv, where, sizeof(where));
	also[0] = '\0';
	if (!kv || !okv || okv->line != kv->line || kv->line <= 0)
		snprintf(also, sizeof(also), " (%s)", where);
	if (kv && kv->line == CFG_FROM_ENV) {
		cfg_env_name(name, sizeof(name), ps->env_prefix, s->name, key);
		return cfg_err(ps, 0, "%s='%s' is below %s = %u%s", name, kv->val, other, ov, also);
	}
	if (kv && kv->line > 0)
		return cfg_err(ps, kv->line, "[%s] %s = %u is below %s = %u%s", s->name, key, v,
			       other, ov, okv && okv->line > 0 ? "" : also);
	/* from a preset: its section is not in the file under this name */
	cfg_kv_origin(ps, s, kv, name, sizeof(name));
	return cfg_err(ps, 0, "pool '%s': %s = %u (%s) is below %s = %u (%s)", s->name, key, v,
		       name, other, ov, where);
}

static int section_opts(struct parser *ps, struct section *s, struct set_entry *e,
			struct pool_backend *be)
{
	struct pool_opts *o = &e->opts;
	char list[CFG_MSG_MAX / 2], why[CFG_MSG_MAX / 2 + 32];
	int err;

	err = cfg_env_apply(ps, s, false);
	if (err)
		return err;
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	strcpy(e->name, s->name);
	o->name = e->name;
	for (unsigned int i = 0; i < s->nkv; i++) {
		const struct cfg_key *k = cfg_key_find(s->kv[i].key);
		const char *bad;

		if (!cfg_key_valid(k, false)) {
			cfg_key_list(false, list, sizeof(list));
			snprintf(why, sizeof(why), "unknown key (keys: %s)", list);
			return cfg_kv_err(ps, s, &s->kv[i], why);
		}
		bad = k->apply(o, s->kv[i].val);
		if (bad)
			return cfg_kv_err(ps, s, &s->kv[i], bad);
	}
	if (!o->ndim && !o->size)
		return cfg_err(ps, s->line, "[%s] needs shape (with dtype) or size", s->name);
	if (o->max && o->max < o->initial)
		return cross_err(ps, s, "max", o->max, "initial", o->initial);
	if (o->max && o->max < o->min)
		return cross_err(ps, s, "max", o->max, "min", o->min);
	if (!(o->flags & (POOL_F_THP | POOL_F_HUGETLB | POOL_F_MLOCK)))
		o->backend = be;
	return 0;
}

static int expand_presets(struct parser *ps)
{
	unsigned int nsec = ps->ns;	/* expanding appends sections */
	int err;

	for (unsigned int i = 0; i < nsec; i++) {
		const char *preset;

		if (!cfg_is_preset(&ps->s[i], &preset))
			continue;
		if (strcasecmp(preset, "whisper"))
			return cfg_kv_err(ps, &ps->s[i], cfg_kv_find(&ps->s[i], "preset"),
					  "unknown preset (whisper)");
		err = cfg_expand_whisper(ps, i);
		if (err)
			return err;
	}
	return cfg_env_check(ps);
}

static int set_create(struct parser *ps, struct pool_set *set, struct pool_backend *be,
		      bool dry)
{
	for (unsigned int i = 0; i < ps->ns; i++) {
		struct set_entry *e = &set->e[set->n];
		const char *preset;
		int err;

		if (cfg_is_preset(&ps->s[i], &preset))
			continue;
		err = section_opts(ps, &ps->s[i], e, be);
		if (err)
			return err;
		set->n++;
		if (dry)
			continue;
		e->pool = pool_create(&e->opts);
		if (!e->pool) {
			err = -errno;
			cfg_err(ps, ps->s[i].line, "[%s] cannot create the pool: %s%s%s%s", e->name,
				strerror(-err), *pool_errdetail() ? " (" : "", pool_errdetail(),
				*pool_errdetail() ? ")" : "");
			return err;
		}
	}
	return 0;
}

/*
 * A bad XDNAPOOL_DEBUG or XDNAPOOL_NO_MEMBARRIER fails every pool: one line
 * of the set's naming it, before a pool_create() would report it too.
 */
static int env_switches(struct parser *ps)
{
	char msg[POOL_ENV_MSG_MAX];
	int err = pool_env_check(msg, sizeof(msg));

	if (err >= 0)
		return 0;
	cfg_err(ps, 0, "%s", msg);
	return err;
}

struct pool_set *cfg_set_build(struct parser *ps, const struct pool_set_opts *opts)
{
	struct pool_set *set = NULL;
	int err;

	err = expand_presets(ps);
	if (err)
		goto err;
	err = env_switches(ps);
	if (err)
		goto err;
	err = -ENOMEM;
	set = calloc(1, sizeof(*set));
	if (!set)
		goto err;
	set->e = calloc(ps->ns ? ps->ns : 1, sizeof(*set->e));
	if (!set->e)
		goto err;
	err = set_create(ps, set, OPTS_GET(opts, backend, NULL), OPTS_GET(opts, dry_run, false));
	if (err)
		goto err;
	cfg_parser_free(ps);
	return set;
err:
	pool_set_destroy(set);
	cfg_parser_free(ps);
	errno = -err;
	return NULL;
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
	err = cfg_parser_init(&ps, origin, opts);
	if (err) {
		errno = -err;
		return NULL;
	}
	err = cfg_parse_text(&ps, text);
	if (err) {
		cfg_parser_free(&ps);
		errno = -err;
		return NULL;
	}
	return cfg_set_build(&ps, opts);
}

/* The whole file, NUL-terminated; a directory, a huge file or a NUL byte is refused. */
static char *read_text(struct parser *ps, FILE *f, const char *path, int *errp)
{
	struct stat st;
	char *text, *nul;
	size_t len;

	if (fstat(fileno(f), &st)) {
		*errp = -errno;
		cfg_err(ps, 0, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		*errp = -EISDIR;
		cfg_err(ps, 0, "%s: is a directory, not a pool set", path);
		return NULL;
	}
	text = malloc(CFG_FILE_MAX + 1);
	if (!text) {
		*errp = -ENOMEM;
		return NULL;
	}
	len = fread(text, 1, CFG_FILE_MAX + 1, f);
	if (ferror(f) || len > CFG_FILE_MAX) {
		*errp = ferror(f) ? -EIO : -EFBIG;
		cfg_err(ps, 0, "%s: %s", path, ferror(f) ? "read error" :
			"larger than 1 MiB: not a pool set");
		free(text);
		return NULL;
	}
	text[len] = '\0';
	nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1;

		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		*errp = -EINVAL;
		cfg_err(ps, line, "a NUL byte (offset %zu): not a text file", (size_t)(nul - text));
		free(text);
		return NULL;
	}
	return text;
}

struct pool_set *pool_set_load(const char *path, const struct pool_set_opts *opts)
{
	struct pool_set *set;
	struct parser ps;
	char *text;
	FILE *f;
	int err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	err = cfg_parser_init(&ps, path, opts);
	if (err) {
		errno = -err;
		return NULL;
	}
	f = fopen(path, "re");
	if (!f) {
		err = errno;
		cfg_err(&ps, 0, "%s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	text = read_text(&ps, f, path, &err);
	fclose(f);
	if (!text) {
		errno = -err;
		return NULL;
	}
	set = pool_set_parse(text, path, opts);
	free(text);
	return set;
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
