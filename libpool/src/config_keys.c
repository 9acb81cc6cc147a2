// SPDX-License-Identifier: MIT
/*
 * Pool sets: the one table of keys.  Each key says whether a pool section
 * takes it (and how its value goes into pool_opts) and what it is in a
 * preset section; the environment overrides, the "unknown key" errors and
 * the preset's flag pass-through all read this table, as stats.c's table
 * drives every metric.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

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

int cfg_parse_uint(const char *s, unsigned int *out)
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
	char buf[CFG_VAL_MAX], *save = NULL, *tok;
	unsigned int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
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

static const char *set_flag(struct pool_opts *o, unsigned int flag, bool invert, const char *v)
{
	bool b;

	if (parse_bool(v, &b))
		return "expected yes or no";
	if (b != invert)
		o->flags |= flag;
	else
		o->flags &= ~flag;
	return NULL;
}

static const char *bytes(const char *v, bool positive, size_t cap, size_t *out)
{
	uint64_t u;

	if (parse_u64(v, true, &u) || (positive && !u) || u > cap)
		return positive ? "expected a positive byte size (suffix K, M or G)" :
			"expected a byte size (suffix K, M or G)";
	*out = (size_t)u;
	return NULL;
}

static const char *count(const char *v, unsigned int *out, const char *why)
{
	return cfg_parse_uint(v, out) ? why : NULL;
}

static const char *k_dtype(struct pool_opts *o, const char *v)
{
	return pool_dtype_parse(v, &o->dtype) ? "unknown dtype (f32, f16, bf16, i8, u8, i16, "
		"u16, i32, u32, i64, u64, f64, bytes)" : NULL;
}

static const char *k_shape(struct pool_opts *o, const char *v)
{
	return parse_shape(v, o) ? "expected up to 4 positive dimensions, e.g. 80x3000" : NULL;
}

static const char *k_size(struct pool_opts *o, const char *v)
{
	return bytes(v, true, SIZE_MAX / 2, &o->size);
}

static const char *k_initial(struct pool_opts *o, const char *v)
{
	return count(v, &o->initial, "expected a non-negative integer");
}

static const char *k_min(struct pool_opts *o, const char *v)
{
	return count(v, &o->min, "expected a non-negative integer");
}

static const char *k_max(struct pool_opts *o, const char *v)
{
	return count(v, &o->max, "expected a non-negative integer (0: no limit)");
}

static const char *k_grow_step(struct pool_opts *o, const char *v)
{
	return cfg_parse_uint(v, &o->grow_step) || !o->grow_step ?
		"expected a positive integer" : NULL;
}

static const char *k_grow(struct pool_opts *o, const char *v)
{
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

static const char *k_zero(struct pool_opts *o, const char *v)
{
	return set_flag(o, POOL_F_ZERO, false, v);
}

static const char *k_debug(struct pool_opts *o, const char *v)
{
	return set_flag(o, POOL_F_DEBUG, false, v);
}

static const char *k_thp(struct pool_opts *o, const char *v)
{
	return set_flag(o, POOL_F_THP, false, v);
}

static const char *k_hugetlb(struct pool_opts *o, const char *v)
{
	return set_flag(o, POOL_F_HUGETLB, false, v);
}

static const char *k_mlock(struct pool_opts *o, const char *v)
{
	return set_flag(o, POOL_F_MLOCK, false, v);
}

static const char *k_thread_cache(struct pool_opts *o, const char *v)
{
	return set_flag(o, POOL_F_NO_CACHE, true, v);
}

static const char *k_thread_cache_bytes(struct pool_opts *o, const char *v)
{
	return bytes(v, false, SIZE_MAX, &o->thread_cache_bytes);
}

static const char *k_idle_timeout_ms(struct pool_opts *o, const char *v)
{
	return parse_u64(v, false, &o->idle_timeout_ms) ? "expected milliseconds" : NULL;
}

static const char *k_max_cached_bytes(struct pool_opts *o, const char *v)
{
	return bytes(v, false, SIZE_MAX, &o->max_cached_bytes);
}

#define WNUM(f)	CFG_W_NUM, offsetof(struct pool_whisper_opts, f)

const struct cfg_key cfg_keys[] = {
	/* name                 pool section             preset section */
	{ "preset",             NULL,                    CFG_W_PRESET, 0 },
	{ "dtype",              k_dtype,                 CFG_W_NONE, 0 },
	{ "shape",              k_shape,                 CFG_W_NONE, 0 },
	{ "size",               k_size,                  CFG_W_NONE, 0 },
	{ "initial",            k_initial,               CFG_W_NONE, 0 },
	{ "min",                k_min,                   CFG_W_NONE, 0 },
	{ "max",                k_max,                   CFG_W_NONE, 0 },
	{ "grow",               k_grow,                  CFG_W_NONE, 0 },
	{ "grow_step",          k_grow_step,             CFG_W_NONE, 0 },
	{ "zero",               k_zero,                  CFG_W_FLAG, 0 },
	{ "debug",              k_debug,                 CFG_W_FLAG, 0 },
	{ "thp",                k_thp,                   CFG_W_FLAG, 0 },
	{ "hugetlb",            k_hugetlb,               CFG_W_FLAG, 0 },
	{ "mlock",              k_mlock,                 CFG_W_FLAG, 0 },
	{ "thread_cache",       k_thread_cache,          CFG_W_NONE, 0 },
	{ "thread_cache_bytes", k_thread_cache_bytes,    CFG_W_NONE, 0 },
	{ "idle_timeout_ms",    k_idle_timeout_ms,       CFG_W_NONE, 0 },
	{ "max_cached_bytes",   k_max_cached_bytes,      CFG_W_NONE, 0 },
	{ "seconds",            NULL,                    WNUM(max_seconds) },
	{ "sample_rate",        NULL,                    WNUM(sample_rate) },
	{ "n_mels",             NULL,                    WNUM(n_mels) },
	{ "d_model",            NULL,                    WNUM(d_model) },
	{ "hop_length",         NULL,                    WNUM(hop_length) },
	{ "streams",            NULL,                    WNUM(streams) },
	{ "per_stream",         NULL,                    WNUM(per_stream) },
	{ "prefix",             NULL,                    CFG_W_PREFIX, 0 },
};
const unsigned int cfg_nkeys = ARRAY_SIZE(cfg_keys);

const struct cfg_key *cfg_key_find(const char *name)
{
	for (unsigned int i = 0; i < cfg_nkeys; i++)
		if (!strcasecmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

bool cfg_key_valid(const struct cfg_key *k, bool preset)
{
	return k && (preset ? k->whisper != CFG_W_NONE : k->apply != NULL);
}

void cfg_key_list(bool preset, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < cfg_nkeys && n < len; i++) {
		if (!cfg_key_valid(&cfg_keys[i], preset))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ", " : "", cfg_keys[i].name);
	}
}
