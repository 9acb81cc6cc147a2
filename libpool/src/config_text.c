// SPDX-License-Identifier: MIT
/*
 * Pool sets: the text of a config file (format in libpool/README.md) into
 * sections of key/value pairs, each remembering where it came from, and the
 * error lines that name that place: "ORIGIN:LINE: ..." for the file, the
 * variable for the environment.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

int cfg_err(struct parser *ps, int line, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX];
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

void cfg_env_name(char *out, size_t len, const char *prefix, const char *pool, const char *key)
{
	size_t n = (size_t)snprintf(out, len, "%s_%s_%s", prefix, pool, key);

	for (size_t i = 0; i < n && i < len; i++)
		out[i] = isalnum((unsigned char)out[i]) ? (char)toupper((unsigned char)out[i])
			: '_';
}

int cfg_kv_err(struct parser *ps, const struct section *s, const struct kv *kv, const char *why)
{
	char name[CFG_ENV_NAME_MAX];

	if (kv->line > 0)
		return cfg_err(ps, kv->line, "[%s] %s = '%s': %s", s->name, kv->key, kv->val, why);
	if (kv->line == CFG_FROM_ENV) {
		cfg_env_name(name, sizeof(name), ps->env_prefix, s->name, kv->key);
		return cfg_err(ps, 0, "%s='%s': %s", name, kv->val, why);
	}
	return cfg_err(ps, 0, "pool '%s': %s = '%s': %s", s->name, kv->key, kv->val, why);
}

void cfg_kv_origin(const struct parser *ps, const struct section *s, const struct kv *kv,
		   char *out, size_t len)
{
	if (kv && kv->line > 0)
		snprintf(out, len, "%s:%d", ps->origin, kv->line);
	else if (kv && kv->line == CFG_FROM_ENV)
		cfg_env_name(out, len, ps->env_prefix, s->name, kv->key);
	else
		snprintf(out, len, kv ? "the preset" : "the default");
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

struct section *cfg_section_add(struct parser *ps, const char *name, int line)
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

struct section *cfg_section_find(struct parser *ps, const char *name)
{
	for (unsigned int i = 0; i < ps->ns; i++)
		if (!strcmp(ps->s[i].name, name))
			return &ps->s[i];
	return NULL;
}

struct kv *cfg_kv_find(const struct section *s, const char *key)
{
	for (unsigned int i = 0; i < s->nkv; i++)
		if (!strcasecmp(s->kv[i].key, key))
			return &s->kv[i];
	return NULL;
}

/* Set (or replace) key = val; -ENOMEM, or -EINVAL for over-long text. */
int cfg_kv_set(struct section *s, const char *key, const char *val, int line)
{
	struct kv *kv = cfg_kv_find(s, key);

	if (strlen(key) >= CFG_KEY_MAX || strlen(val) >= CFG_VAL_MAX)
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

bool cfg_valid_name(const char *s)
{
	if (!*s || strlen(s) >= POOL_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

bool cfg_is_preset(const struct section *s, const char **name)
{
	struct kv *kv = cfg_kv_find(s, "preset");

	*name = kv ? kv->val : NULL;
	return kv != NULL;
}

static int parse_section(struct parser *ps, char *l, int line, struct section **cur)
{
	char *end = strchr(l, ']');

	if (!end || trim(end + 1)[0])
		return cfg_err(ps, line, "bad section header '%s'", l);
	*end = '\0';
	l = trim(l + 1);
	if (!cfg_valid_name(l))
		return cfg_err(ps, line, "bad pool name '%s' (letters, digits, '_', '-', '.'; "
			       "< %d chars)", l, POOL_NAME_MAX);
	if (cfg_section_find(ps, l))
		return cfg_err(ps, line, "section [%s] appears twice", l);
	*cur = cfg_section_add(ps, l, line);
	return *cur ? 0 : -ENOMEM;
}

static int parse_kv(struct parser *ps, char *l, int line, struct section *cur)
{
	char *eq = strchr(l, '=');

	if (!eq)
		return cfg_err(ps, line, "expected 'key = value', got '%s'", l);
	if (!cur)
		return cfg_err(ps, line, "'%s' before any [section]", l);
	*eq = '\0';
	/* inline comments after the value */
	for (char *c = eq + 1; *c; c++) {
		if ((*c == '#' || *c == ';') && isspace((unsigned char)c[-1])) {
			*c = '\0';
			break;
		}
	}
	if (cfg_kv_find(cur, trim(l)))
		return cfg_err(ps, line, "[%s] key '%s' set twice", cur->name, trim(l));
	if (cfg_kv_set(cur, trim(l), trim(eq + 1), line))
		return cfg_err(ps, line, "[%s] key or value too long", cur->name);
	return 0;
}

int cfg_parse_text(struct parser *ps, const char *text)
{
	struct section *cur = NULL;
	const char *p = text;
	int line = 0, err;

	while (*p) {
		char buf[CFG_LINE_MAX], *l;
		size_t len = strcspn(p, "\n");

		line++;
		if (len >= sizeof(buf))
			return cfg_err(ps, line, "line too long");
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len + (p[len] == '\n');
		l = trim(buf);
		if (!*l || *l == '#' || *l == ';')
			continue;
		err = *l == '[' ? parse_section(ps, l, line, &cur) : parse_kv(ps, l, line, cur);
		if (err)
			return err;
	}
	if (!ps->ns)
		return cfg_err(ps, 0, "%s: no [pool] section: not a pool set", ps->origin);
	return 0;
}

int cfg_parser_init(struct parser *ps, const char *origin, const struct pool_set_opts *opts)
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

void cfg_parser_free(struct parser *ps)
{
	for (unsigned int i = 0; i < ps->ns; i++)
		free(ps->s[i].kv);
	free(ps->s);
	ps->s = NULL;
	ps->ns = 0;
}
