// SPDX-License-Identifier: MIT
/*
 * Pool sets: XDNAPOOL_<POOL>_<KEY> environment overrides.  A variable of
 * the prefix that names no pool of the set, or a key its section does not
 * take, is an error naming it (XDNAPOOL_AUDIO_MXA=1 must not be ignored);
 * the library's own switches are not pool keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

extern char **environ;

/*
 * The one list of XDNAPOOL_* variables that are not pool overrides: every
 * one a library of the tree reads (libpool/README.md lists them).  A pool
 * named "mel" must not turn dsp's XDNAPOOL_MEL_ISA into an unknown key.
 */
static const char *const env_reserved[] = {
	"DEBUG",		/* libpool lifecycle.c: debug mode for every pool */
	"NO_MEMBARRIER",	/* libpool tcache.c */
	"XRT_LIB",		/* libpool xrt/xrt_load.c */
	"MEL_ISA",		/* dsp plan.c: MEL_ISA_ENV, the log-mel code path */
};

int cfg_env_apply(struct parser *ps, struct section *s, bool preset)
{
	char name[CFG_ENV_NAME_MAX];

	if (ps->no_env)
		return 0;
	for (unsigned int i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		const char *v;

		if (!cfg_key_valid(k, preset))
			continue;
		cfg_env_name(name, sizeof(name), ps->env_prefix, s->name, k->name);
		v = getenv(name);
		if (!v)
			continue;
		if (cfg_kv_set(s, k->name, v, CFG_FROM_ENV))
			return cfg_err(ps, 0, "%s='%.64s': value too long", name, v);
	}
	return 0;
}

static bool is_reserved(const struct parser *ps, const char *rest)
{
	if (strcmp(ps->env_prefix, "XDNAPOOL"))
		return false;
	for (unsigned int i = 0; i < ARRAY_SIZE(env_reserved); i++)
		if (!strcmp(rest, env_reserved[i]))
			return true;
	return false;
}

/* Does NAME (without "=value") override a key of section s? */
static bool names_key(const struct parser *ps, const struct section *s, const char *name,
		      size_t len)
{
	char want[CFG_ENV_NAME_MAX];
	const char *preset;
	bool is_p = cfg_is_preset(s, &preset);

	for (unsigned int i = 0; i < cfg_nkeys; i++) {
		if (!cfg_key_valid(&cfg_keys[i], is_p))
			continue;
		cfg_env_name(want, sizeof(want), ps->env_prefix, s->name, cfg_keys[i].name);
		if (strlen(want) == len && !strncmp(want, name, len))
			return true;
	}
	return false;
}

static int unknown(struct parser *ps, const char *var, size_t len)
{
	char want[CFG_ENV_NAME_MAX], list[CFG_MSG_MAX / 2];
	const char *val = var + len + 1, *preset;
	size_t n = 0;

	const struct section *best = NULL;
	size_t best_len = 0;

	/* a pool of the set (the longest name that fits), but not one of its keys */
	for (unsigned int i = 0; i < ps->ns; i++) {
		cfg_env_name(want, sizeof(want), ps->env_prefix, ps->s[i].name, "");
		if (!strncmp(want, var, strlen(want)) && strlen(want) > best_len) {
			best = &ps->s[i];
			best_len = strlen(want);
		}
	}
	if (best) {
		bool is_p = cfg_is_preset(best, &preset);

		cfg_key_list(is_p, list, sizeof(list));
		return cfg_err(ps, 0, "%.*s='%.64s': %s '%s' has no key %.*s (keys: %s)",
			       (int)len, var, val, is_p ? "preset section" : "pool", best->name,
			       (int)(len - best_len), var + best_len, list);
	}
	list[0] = '\0';
	for (unsigned int i = 0; i < ps->ns && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
				      ps->s[i].name);
	return cfg_err(ps, 0, "%.*s='%.64s': %s has no such pool (pools: %s)", (int)len, var,
		       val, ps->origin, list);
}

int cfg_env_check(struct parser *ps)
{
	size_t plen = strlen(ps->env_prefix);

	if (ps->no_env || !environ)
		return 0;
	for (char **e = environ; *e; e++) {
		const char *var = *e, *eq = strchr(var, '=');
		size_t len = eq ? (size_t)(eq - var) : strlen(var);
		bool found = false;
		char rest[CFG_ENV_NAME_MAX];

		if (!eq || len <= plen + 1 || strncmp(var, ps->env_prefix, plen) || var[plen] != '_')
			continue;
		snprintf(rest, sizeof(rest), "%.*s", (int)(len - plen - 1), var + plen + 1);
		if (is_reserved(ps, rest))
			continue;
		for (unsigned int i = 0; i < ps->ns && !found; i++)
			found = names_key(ps, &ps->s[i], var, len);
		if (!found)
			return unknown(ps, var, len);
	}
	return 0;
}
