// SPDX-License-Identifier: MIT
/*
 * The Whisper preset: the audio, mel and encoder pools of a Whisper front
 * end sized from (seconds, sample rate, n_mels, d_model, hop, streams),
 * as the API (pool_whisper_opts, pool_set_whisper) and as a config
 * section with preset = whisper, which becomes three ordinary sections.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

#define WHISPER_SECONDS		30
#define WHISPER_SAMPLE_RATE	16000
#define WHISPER_N_MELS		80
#define WHISPER_D_MODEL		384	/* whisper tiny/base: 384/512 */
#define WHISPER_HOP		160
#define WHISPER_STREAMS		16
#define WHISPER_PER_STREAM	2
#define WHISPER_PREFIX_MAX	32

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

static void whisper_shapes(struct pool_opts out[], uint64_t samples, uint64_t frames,
			   unsigned int mels, unsigned int dm)
{
	out[POOL_WHISPER_AUDIO].ndim = 1;
	out[POOL_WHISPER_AUDIO].shape[0] = (size_t)samples;
	out[POOL_WHISPER_MEL].ndim = 2;
	out[POOL_WHISPER_MEL].shape[0] = mels;
	out[POOL_WHISPER_MEL].shape[1] = (size_t)frames;
	out[POOL_WHISPER_ENCODER].ndim = 2;
	out[POOL_WHISPER_ENCODER].shape[0] = (size_t)(frames / 2);
	out[POOL_WHISPER_ENCODER].shape[1] = dm;
}

static int whisper_fill(const struct pool_whisper_opts *w, struct pool_opts out[],
			char names[][POOL_WHISPER_NAME_MAX], struct whisper_why *e)
{
	static const char *const base[POOL_WHISPER__COUNT] = { "audio", "mel", "encoder" };
	unsigned int secs = OPTS_GET(w, max_seconds, 0) ? w->max_seconds : WHISPER_SECONDS;
	unsigned int rate = OPTS_GET(w, sample_rate, 0) ? w->sample_rate : WHISPER_SAMPLE_RATE;
	unsigned int mels = OPTS_GET(w, n_mels, 0) ? w->n_mels : WHISPER_N_MELS;
	unsigned int dm = OPTS_GET(w, d_model, 0) ? w->d_model : WHISPER_D_MODEL;
	unsigned int hop = OPTS_GET(w, hop_length, 0) ? w->hop_length : WHISPER_HOP;
	unsigned int streams = OPTS_GET(w, streams, 0) ? w->streams : WHISPER_STREAMS;
	unsigned int per = OPTS_GET(w, per_stream, 0) ? w->per_stream : WHISPER_PER_STREAM;
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
		return whisper_err(e, "hop_length", hop, "leaves fewer than 2 mel frames");
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
	whisper_shapes(out, samples, frames, mels, dm);
	return 0;
}

int pool_whisper_opts(const struct pool_whisper_opts *wopts,
		      struct pool_opts out[POOL_WHISPER__COUNT],
		      char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX])
{
	struct whisper_why e;
	int err;

	if (!out || !OPTS_VALID(wopts, struct pool_whisper_opts, sizeof(size_t)))
		return -EINVAL;
	if (OPTS_GET(wopts, prefix, NULL) && !names)
		return -EINVAL;
	err = whisper_fill(wopts, out, names, &e);
	if (err)
		pool_emit(NULL, NULL, NULL, "xdnapool: whisper: %s = %u: %s", e.key, e.val,
			  e.why);
	return err;
}

/* One pool of the preset as an ordinary section (its keys from the preset). */
static int whisper_section(struct section *n, const struct pool_opts *o)
{
	char shape[CFG_VAL_MAX], num[32];
	int err;

	if (o->ndim == 1)
		snprintf(shape, sizeof(shape), "%zu", o->shape[0]);
	else
		snprintf(shape, sizeof(shape), "%zux%zu", o->shape[0], o->shape[1]);
	err = cfg_kv_set(n, "dtype", "f32", CFG_FROM_PRESET) ?:
	      cfg_kv_set(n, "shape", shape, CFG_FROM_PRESET);
	snprintf(num, sizeof(num), "%u", o->initial);
	err = err ?: cfg_kv_set(n, "initial", num, CFG_FROM_PRESET);
	snprintf(num, sizeof(num), "%u", o->max);
	return err ?: cfg_kv_set(n, "max", num, CFG_FROM_PRESET);
}

/* The preset section's keys into w (numbers, prefix) and flags (yes/no keys). */
static int whisper_keys(struct parser *ps, struct section *s, struct pool_whisper_opts *w,
			struct pool_opts *flags)
{
	for (unsigned int i = 0; i < s->nkv; i++) {
		struct kv *kv = &s->kv[i];
		const struct cfg_key *k = cfg_key_find(kv->key);
		char list[CFG_MSG_MAX / 2], why[CFG_MSG_MAX / 2 + 48];

		switch (k ? k->whisper : CFG_W_NONE) {
		case CFG_W_PRESET:
			break;
		case CFG_W_NUM: {
			unsigned int *dst = (unsigned int *)((char *)w + k->whisper_off);

			if (cfg_parse_uint(kv->val, dst) || !*dst)
				return cfg_kv_err(ps, s, kv, "expected a positive integer");
			break;
		}
		case CFG_W_PREFIX:
			if (strlen(kv->val) > WHISPER_PREFIX_MAX)
				return cfg_kv_err(ps, s, kv, "at most 32 characters");
			w->prefix = kv->val;
			break;
		case CFG_W_FLAG:
			if (k->apply(flags, kv->val))
				return cfg_kv_err(ps, s, kv, "expected yes or no");
			break;
		case CFG_W_NONE:
			cfg_key_list(true, list, sizeof(list));
			snprintf(why, sizeof(why), "unknown key for preset = whisper (keys: %s)",
				 list);
			return cfg_kv_err(ps, s, kv, why);
		}
	}
	return 0;
}

int cfg_expand_whisper(struct parser *ps, unsigned int si)
{
	struct pool_whisper_opts w = { .sz = sizeof(w) };
	char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX];
	struct pool_opts o[POOL_WHISPER__COUNT];
	struct pool_opts flags = { .sz = sizeof(flags) };
	struct section *s = &ps->s[si];
	struct whisper_why why;
	char sname[POOL_NAME_MAX];
	int err;

	err = cfg_env_apply(ps, s, true) ?: whisper_keys(ps, s, &w, &flags);
	if (err)
		return err;
	if (!w.prefix)
		w.prefix = "";
	w.flags = flags.flags;
	if (whisper_fill(&w, o, names, &why)) {
		struct kv *kv = cfg_kv_find(s, why.key);

		if (kv)
			return cfg_kv_err(ps, s, kv, why.why);
		return cfg_err(ps, s->line, "[%s] %s = %u (default): %s", s->name, why.key,
			       why.val, why.why);
	}

	/* the preset section stays (skipped when pools are made): add its three pools */
	strcpy(sname, s->name);
	for (unsigned int i = 0; i < POOL_WHISPER__COUNT; i++) {
		struct section *n;

		if (!cfg_valid_name(o[i].name))
			return cfg_err(ps, ps->s[si].line, "[%s] prefix '%s' makes a bad pool name",
				       sname, w.prefix);
		if (cfg_section_find(ps, o[i].name))
			return cfg_err(ps, ps->s[si].line, "[%s] pool '%s' defined twice", sname,
				       o[i].name);
		n = cfg_section_add(ps, o[i].name, ps->s[si].line);
		if (!n)
			return -ENOMEM;
		err = whisper_section(n, &o[i]);
		for (unsigned int j = 0; !err && j < ps->s[si].nkv; j++) {
			const struct kv *kv = &ps->s[si].kv[j];
			const struct cfg_key *k = cfg_key_find(kv->key);

			if (k && k->whisper == CFG_W_FLAG)
				err = cfg_kv_set(n, kv->key, kv->val, kv->line);
		}
		if (err)
			return -ENOMEM;
	}
	return 0;
}

static int whisper_flag_keys(struct section *s, unsigned int f)
{
	static const struct { const char *key; unsigned int flag; } fl[] = {
		{ "zero", POOL_F_ZERO }, { "debug", POOL_F_DEBUG }, { "thp", POOL_F_THP },
		{ "hugetlb", POOL_F_HUGETLB }, { "mlock", POOL_F_MLOCK },
	};
	int err = 0;

	for (unsigned int i = 0; !err && i < ARRAY_SIZE(fl); i++)
		err = cfg_kv_set(s, fl[i].key, f & fl[i].flag ? "yes" : "no", CFG_FROM_PRESET);
	return err;
}

struct pool_set *pool_set_whisper(const struct pool_whisper_opts *wopts,
				  const struct pool_set_opts *opts)
{
	char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX];
	struct pool_opts o[POOL_WHISPER__COUNT];
	struct parser ps;
	int err;

	err = cfg_parser_init(&ps, "whisper", opts);
	if (!err && !OPTS_VALID(wopts, struct pool_whisper_opts, sizeof(size_t)))
		err = -EINVAL;
	if (!err) {
		struct whisper_why why;

		err = whisper_fill(wopts, o, names, &why);
		if (err)
			cfg_err(&ps, 0, "whisper: %s = %u: %s", why.key, why.val, why.why);
	}
	for (unsigned int i = 0; !err && i < POOL_WHISPER__COUNT; i++) {
		struct section *s = cfg_section_add(&ps, o[i].name, 0);

		err = s ? whisper_section(s, &o[i]) ?: whisper_flag_keys(s, o[i].flags) : -ENOMEM;
	}
	if (err) {
		cfg_parser_free(&ps);
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
		return cfg_set_build(&ps, &so);
	}
}
