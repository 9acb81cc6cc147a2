/* SPDX-License-Identifier: MIT */
/*
 * Collections of pools: size classes (a tiered allocator), named pool sets
 * read from a config file with environment overrides, and the Whisper preset.
 * Conventions as <pool/pool.h>.
 */
#ifndef POOL_POOLSET_H
#define POOL_POOLSET_H

#include <pool/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------- size classes */

/* Classes up to max_size hold at most max_buffers buffers each. */
struct pool_class_cap {
	size_t max_size;
	unsigned int max_buffers;
};

struct pool_classes_opts {
	size_t sz;
	const char *name;		/* prefix of the class pools' names */
	size_t min_class;		/* power of two; 0: 256 bytes */
	size_t max_class;		/* 0: 64 MiB; larger requests go direct */
	/*
	 * Caps by size, ascending; NULL: the default table (4 KiB x 1000,
	 * 64 KiB x 500, 1 MiB x 100, 64 MiB x 16).  Classes beyond the last
	 * entry use its cap.
	 */
	const struct pool_class_cap *caps;
	unsigned int ncaps;
	unsigned int flags;		/* pool flags for every class pool */
	struct pool_backend *backend;	/* NULL: host */
	size_t thread_cache_bytes;
	uint64_t idle_timeout_ms;
};
#define POOL_CLASSES_OPTS_SZ_V1	(offsetof(struct pool_classes_opts, idle_timeout_ms) + sizeof(uint64_t))

struct pool_classes;

/*
 * Classes are powers of two from min_class up to 4 MiB, then quarter steps
 * (5, 6, 7, 8, 10, 12, ... MiB) up to max_class: at most 25 % waste above
 * 4 MiB.  Class pools are created on first use.
 */
struct pool_classes *pool_classes_create(const struct pool_classes_opts *opts);
/* Class pools are destroyed (see pool_destroy()); NULL is a no-op. */
void pool_classes_destroy(struct pool_classes *cls);

/*
 * A buffer of at least @size bytes (pool_buf_size() is @size) from the
 * smallest class that fits, waiting as pool_acquire() when the class is at
 * its cap.  Beyond the largest class the backend allocates it directly and
 * pool_release() frees it.  Release with pool_release().
 */
int pool_classes_acquire_at(struct pool_classes *cls, size_t size, struct pool_buf **out,
			    int64_t timeout_ns, const char *file, int line);
int pool_classes_acquire(struct pool_classes *cls, size_t size, struct pool_buf **out,
			 int64_t timeout_ns);
#define pool_classes_acquire(cls, size, out, timeout_ns) \
	pool_classes_acquire_at(cls, size, out, timeout_ns, __FILE__, __LINE__)

/* Number of classes. */
unsigned int pool_classes_count(const struct pool_classes *cls);
/* Size of class @i, 0 past the end. */
size_t pool_classes_size(const struct pool_classes *cls, unsigned int i);
/* Cap of class @i. */
unsigned int pool_classes_cap(const struct pool_classes *cls, unsigned int i);
/* Index of the class serving @size, or -ERANGE for a direct allocation. */
int pool_classes_index(const struct pool_classes *cls, size_t size);
/* The pool of class @i if created yet, else NULL. */
struct pool *pool_classes_pool(const struct pool_classes *cls, unsigned int i);
/* The pool that serves direct allocations. */
struct pool *pool_classes_direct(const struct pool_classes *cls);
/* pool_trim() on every class pool. */
int pool_classes_trim(struct pool_classes *cls, unsigned int flags);

/* ------------------------------------------------------------- pool sets */

struct pool_set;

struct pool_set_opts {
	size_t sz;
	/* Environment prefix for overrides; NULL: "XDNAPOOL". */
	const char *env_prefix;
	bool no_env;			/* ignore the environment */
	/* Error lines: callback, else err_file, else stderr. */
	pool_report_fn report;
	void *report_arg;
	FILE *err_file;
	/* Backend for pools whose section has no backend key; NULL: host. */
	struct pool_backend *backend;
	/* Only parse and validate: pool_set_load() creates no pool. */
	bool dry_run;
};
#define POOL_SET_OPTS_SZ_V1	(offsetof(struct pool_set_opts, dry_run) + sizeof(bool))

/*
 * Read a config file (format in libpool(3)): one [section] per pool,
 * key = value lines, '#' or ';' comments, sizes with K/M/G suffixes, and
 * [name] sections with `preset = whisper` expanding to the Whisper pools.
 * Then XDNAPOOL_<POOL>_<KEY> environment variables override any key.  On a
 * bad line one line names file, line, key and value; NULL with errno EINVAL.
 */
struct pool_set *pool_set_load(const char *path, const struct pool_set_opts *opts);
/* Same from a string; `origin` names it in errors. */
struct pool_set *pool_set_parse(const char *text, const char *origin,
				const struct pool_set_opts *opts);
/* The pool of that name, NULL (errno ENOENT) if none. */
struct pool *pool_set_get(const struct pool_set *set, const char *name);
/* Number of pools and the i-th one. */
unsigned int pool_set_count(const struct pool_set *set);
struct pool *pool_set_pool(const struct pool_set *set, unsigned int i);
/* The options the i-th pool was (or, dry_run, would be) created with. */
const struct pool_opts *pool_set_pool_opts(const struct pool_set *set, unsigned int i);
/* Destroys every pool; NULL is a no-op. */
void pool_set_destroy(struct pool_set *set);

/* ---------------------------------------------------------- Whisper preset */

struct pool_whisper_opts {
	size_t sz;
	unsigned int max_seconds;	/* 0: 30 */
	unsigned int sample_rate;	/* 0: 16000 */
	unsigned int n_mels;		/* 80 or 128; 0: 80 */
	unsigned int d_model;		/* 384 tiny, 512 base, 768 small, 1024, 1280; 0: 384 */
	unsigned int hop_length;	/* 0: 160 */
	unsigned int streams;		/* concurrent streams; 0: 16 */
	unsigned int per_stream;	/* buffers per stream in flight; 0: 2 */
	unsigned int flags;		/* pool flags */
	struct pool_backend *backend;
	const char *prefix;		/* pool name prefix; NULL: "" */
};
#define POOL_WHISPER_OPTS_SZ_V1	(offsetof(struct pool_whisper_opts, prefix) + sizeof(void *))

enum pool_whisper_pool {
	POOL_WHISPER_AUDIO = 0,	/* samples x f32 */
	POOL_WHISPER_MEL,	/* n_mels x frames x f32 */
	POOL_WHISPER_ENCODER,	/* frames/2 x d_model x f32 */
	POOL_WHISPER__COUNT,
};

/*
 * Fill pool options for the three Whisper pools ("audio", "mel",
 * "encoder"): 30 s at 16 kHz is 480000 samples, 3000 mel frames and a
 * 1500 x d_model encoder output.  Each pool preallocates `streams`
 * buffers and may grow to streams * per_stream.  -EINVAL (one line to
 * stderr naming the key) for n_mels other than 80/128 or zero values.
 * The names point into static storage unless prefix is set, then into
 * names[] (each POOL_WHISPER_NAME_MAX bytes).
 */
#define POOL_WHISPER_NAME_MAX	64
int pool_whisper_opts(const struct pool_whisper_opts *wopts,
		      struct pool_opts out[POOL_WHISPER__COUNT],
		      char names[POOL_WHISPER__COUNT][POOL_WHISPER_NAME_MAX]);
/* A pool set holding the three Whisper pools. */
struct pool_set *pool_set_whisper(const struct pool_whisper_opts *wopts,
				  const struct pool_set_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* POOL_POOLSET_H */
