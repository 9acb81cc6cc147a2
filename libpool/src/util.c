// SPDX-License-Identifier: MIT
/* Options validation, clocks, reports and dtypes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

/*
 * As libbpf's OPTS_VALID: sz must cover the first field(s) the library
 * needs, and bytes of a newer, larger struct beyond what we know must be 0.
 */
bool pool_opts_valid(const void *opts, size_t known, size_t min_sz)
{
	size_t sz = *(const size_t *)opts;
	const char *p = opts;

	if (sz < min_sz)
		return false;
	for (size_t i = known; i < sz; i++)
		if (p[i])
			return false;
	return true;
}

uint64_t pool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void vemit(pool_report_fn fn, void *arg, FILE *f, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (fn) {
		fn(arg, line);
		return;
	}
	fprintf(f ? f : stderr, "%s\n", line);
	fflush(f ? f : stderr);
}

void pool_emit(pool_report_fn fn, void *arg, FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(fn, arg, f, fmt, ap);
	va_end(ap);
}

void pool_reportf(const struct pool *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(p->report, p->report_arg, p->report_file, fmt, ap);
	va_end(ap);
}

static const struct {
	const char *name, *alias;
	size_t size;
} dtypes[POOL_DTYPE__COUNT] = {
	[POOL_DTYPE_BYTES] = { "bytes", "byte", 1 },
	[POOL_DTYPE_U8] = { "u8", "uint8", 1 },
	[POOL_DTYPE_I8] = { "i8", "int8", 1 },
	[POOL_DTYPE_U16] = { "u16", "uint16", 2 },
	[POOL_DTYPE_I16] = { "i16", "int16", 2 },
	[POOL_DTYPE_F16] = { "f16", "float16", 2 },
	[POOL_DTYPE_BF16] = { "bf16", "bfloat16", 2 },
	[POOL_DTYPE_U32] = { "u32", "uint32", 4 },
	[POOL_DTYPE_I32] = { "i32", "int32", 4 },
	[POOL_DTYPE_F32] = { "f32", "float32", 4 },
	[POOL_DTYPE_U64] = { "u64", "uint64", 8 },
	[POOL_DTYPE_I64] = { "i64", "int64", 8 },
	[POOL_DTYPE_F64] = { "f64", "float64", 8 },
};

size_t pool_dtype_size(enum pool_dtype dtype)
{
	if ((unsigned int)dtype >= POOL_DTYPE__COUNT)
		return 0;
	return dtypes[dtype].size;
}

const char *pool_dtype_name(enum pool_dtype dtype)
{
	if ((unsigned int)dtype >= POOL_DTYPE__COUNT)
		return NULL;
	return dtypes[dtype].name;
}

int pool_dtype_parse(const char *name, enum pool_dtype *out)
{
	if (!name || !out)
		return -EINVAL;
	for (unsigned int i = 0; i < POOL_DTYPE__COUNT; i++) {
		if (!strcasecmp(name, dtypes[i].name) || !strcasecmp(name, dtypes[i].alias)) {
			*out = (enum pool_dtype)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * A boolean XDNAPOOL_* switch: 1/yes/true/on (1), 0/no/false/off or unset
 * (0); anything else is -EINVAL with msg naming variable and value (a
 * misspelt "ture" must not mean off, "no" must not mean yes).
 */
int pool_env_bool(const char *name, char *msg, size_t len)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	const char *e = getenv(name);

	if (!e)
		return 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(e, yes[i]))
			return 1;
		if (!strcasecmp(e, no[i]))
			return 0;
	}
	snprintf(msg, len, "%s='%.64s': expected 1, yes, true, on, 0, no, false or off",
		 name, e);
	return -EINVAL;
}

/* The backend's message on this thread's last failed allocation. */
static __thread char pool_errdetail_buf[256];

void pool_errdetail_clear(void)
{
	pool_errdetail_buf[0] = 0;
}

void pool_errdetail_set(const char *msg)
{
	snprintf(pool_errdetail_buf, sizeof(pool_errdetail_buf), "%s", msg ? msg : "");
}

const char *pool_errdetail(void)
{
	return pool_errdetail_buf;
}
