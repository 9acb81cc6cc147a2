/* SPDX-License-Identifier: MIT */
/*
 * Pool sets, private: the parsed text (sections of key/value pairs, each
 * with where it came from), the one table of keys, the environment and
 * the Whisper preset.  config.c builds the set from these.
 *
 *   config_text.c     text -> sections; error lines
 *   config_keys.c     the table of keys and their value parsers
 *   config_env.c      XDNAPOOL_<POOL>_<KEY> overrides, unknown names
 *   config_whisper.c  the Whisper preset (API and [section] preset = whisper)
 *   config.c          sections -> pool_opts -> pools; load, parse, get
 */
#ifndef POOL_CONFIG_INTERNAL_H
#define POOL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

#define CFG_KEY_MAX	32
#define CFG_VAL_MAX	128
#define CFG_LINE_MAX	512
#define CFG_MSG_MAX	400
#define CFG_ENV_NAME_MAX	(POOL_NAME_MAX + CFG_KEY_MAX + 32)

/* Where a value came from. */
#define CFG_FROM_PRESET	0	/* a preset or a default (kv.line) */
#define CFG_FROM_ENV	(-1)	/* the environment */

struct kv {
	char key[CFG_KEY_MAX];
	char val[CFG_VAL_MAX];
	int line;		/* > 0: the file's line, else CFG_FROM_* */
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

/* config_text.c */
int cfg_parser_init(struct parser *ps, const char *origin, const struct pool_set_opts *opts);
void cfg_parser_free(struct parser *ps);
int cfg_parse_text(struct parser *ps, const char *text);
__attribute__((format(printf, 3, 4)))
int cfg_err(struct parser *ps, int line, const char *fmt, ...);
/* One line naming where kv came from (file line, variable, preset), the key, the value. */
int cfg_kv_err(struct parser *ps, const struct section *s, const struct kv *kv, const char *why);
/* "w.ini:3", "XDNAPOOL_MEL_INITIAL" or "the preset": for cross-checks. */
void cfg_kv_origin(const struct parser *ps, const struct section *s, const struct kv *kv,
		   char *out, size_t len);
struct section *cfg_section_add(struct parser *ps, const char *name, int line);
struct section *cfg_section_find(struct parser *ps, const char *name);
struct kv *cfg_kv_find(const struct section *s, const char *key);
int cfg_kv_set(struct section *s, const char *key, const char *val, int line);
bool cfg_valid_name(const char *s);
bool cfg_is_preset(const struct section *s, const char **name);
/* PREFIX_POOL_KEY upper-cased, other characters '_' (key may be ""). */
void cfg_env_name(char *out, size_t len, const char *prefix, const char *pool, const char *key);

/* config_keys.c: the one table of keys. */
enum cfg_whisper_role {
	CFG_W_NONE,	/* not a key of a preset section */
	CFG_W_PRESET,	/* preset = whisper */
	CFG_W_NUM,	/* a positive number of pool_whisper_opts (whisper_off) */
	CFG_W_PREFIX,	/* the pools' name prefix */
	CFG_W_FLAG,	/* a yes/no flag passed on to the preset's pools */
};

struct cfg_key {
	const char *name;
	/* applies the value to a pool's options; NULL: not a pool key.  Returns why not. */
	const char *(*apply)(struct pool_opts *o, const char *val);
	enum cfg_whisper_role whisper;
	size_t whisper_off;	/* CFG_W_NUM: offsetof(struct pool_whisper_opts, ...) */
};

extern const struct cfg_key cfg_keys[];
extern const unsigned int cfg_nkeys;
const struct cfg_key *cfg_key_find(const char *name);
/* Is k a key of a preset section (preset) or of a pool section? */
bool cfg_key_valid(const struct cfg_key *k, bool preset);
/* The keys of a pool or preset section, comma-separated, for error lines. */
void cfg_key_list(bool preset, char *out, size_t len);
int cfg_parse_uint(const char *s, unsigned int *out);

/* config_env.c */
int cfg_env_apply(struct parser *ps, struct section *s, bool preset);
/* Every PREFIX_* variable must name a pool (or preset) of the set and one of its keys. */
int cfg_env_check(struct parser *ps);

/* config_whisper.c */
int cfg_expand_whisper(struct parser *ps, unsigned int si);

/* config.c */
struct pool_set *cfg_set_build(struct parser *ps, const struct pool_set_opts *opts);

#endif
