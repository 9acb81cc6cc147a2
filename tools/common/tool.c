// SPDX-License-Identifier: MIT
#include "tool.h"

#include <ctype.h>
#include <dlfcn.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef XDNAPOOL_VERSION
#error "XDNAPOOL_VERSION comes from the Makefile's VERSION"
#endif
/*
 * Where the installed files are, from tools/tools.mk: the configured paths
 * (the last resort) and LIBDIR's and the data directory's place relative to
 * BINDIR, through which a program finds them from its own binary, so a
 * DESTDIR tree or a moved prefix works as installed.
 */
#if !defined(XDNAPOOL_EMU_DIR) || !defined(XDNAPOOL_DATA_DIR) || \
	!defined(XDNAPOOL_BIN_TO_LIB) || !defined(XDNAPOOL_BIN_TO_DATA) || \
	!defined(XDNAPOOL_MULTIARCH)
#error "the install layout (XDNAPOOL_EMU_DIR, ...) comes from tools/tools.mk"
#endif

#define EMU_SONAME		"libxdna-emu.so"
/* LIBDIR/xdnapool (the emulator) and DATADIR/xdnapool (the designs) */
#define PKG_SUBDIR		"xdnapool"

static const char *prog_name = "xdnapool";

void tool_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	prog_name = slash ? slash + 1 : argv0;
	/* getopt's own messages carry the full argv[0]: tool_common_option()'s instead */
	opterr = 0;
}

const char *tool_name(void)
{
	return prog_name;
}

void tool_print_version(const char *prog)
{
	printf("%s (xdnapool) %s\n", prog ? prog : prog_name, XDNAPOOL_VERSION);
}

void tool_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TOOL_EXIT_USAGE);
}

/* getopt_long() returned '?' for arg (opterr is 0): one line naming the option. */
static void __attribute__((noreturn)) bad_option(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (strncmp(arg, "--", 2))	/* a short option, maybe in a cluster */
		tool_usage_error("unrecognized option '-%c' (see --help)", optopt);
	if (eq && optopt)		/* a known long option given a value */
		tool_usage_error("option '%.*s' does not take an argument (see --help)",
				 (int)(eq - arg), arg);
	tool_usage_error("unrecognized option '%s' (see --help)", arg);
}

int tool_common_option(int c, char *const argv[], void (*usage)(FILE *f))
{
	switch (c) {
	case 'h':
		usage(stdout);
		exit(TOOL_EXIT_OK);
	case TOOL_OPT_VERSION:
		tool_print_version(NULL);
		exit(TOOL_EXIT_OK);
	case ':':	/* "--runs" as given, "-n" (maybe of "-jn") by its letter */
		if (!strncmp(argv[optind - 1], "--", 2))
			tool_usage_error("option '%s' requires an argument (see --help)",
					 argv[optind - 1]);
		tool_usage_error("option '-%c' requires an argument (see --help)", optopt);
	case '?':
		bad_option(argv[optind - 1]);
	}
	return 0;
}

void tool_no_more_args(int argc, char **argv, int optind)
{
	if (optind < argc)
		tool_usage_error("unexpected argument '%s'", argv[optind]);
}

/* This program's directory (symlinks resolved): 0 or -ENOENT. */
static int exe_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n <= 0)
		return -ENOENT;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/*
 * DIR/REL/NAME into PATH when that file is readable, with DIR/REL
 * resolved (/usr/lib/..., not /usr/bin/../lib/...).  The name is kept as
 * it is: a symlink names what the user would type.
 */
static bool find_in(const char *dir, const char *rel, const char *name, char *path, size_t len)
{
	char raw[PATH_MAX], real[PATH_MAX];
	int n = snprintf(raw, sizeof(raw), "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= sizeof(raw) || !realpath(raw, real))
		return false;
	n = snprintf(path, len, "%s/%s", real, name);
	if (n < 0 || (size_t)n >= len || access(path, R_OK)) {
		path[0] = '\0';
		return false;
	}
	return true;
}

/*
 * NAME in the first of RELS (directories relative to the binary's) that
 * has it: 0, or -ENOENT with PATH the configured FALLBACK/NAME.
 */
static int find_beside_exe(const char *const *rels, unsigned int n, const char *name,
			   const char *fallback, char *path, size_t len)
{
	char dir[PATH_MAX];
	unsigned int i;

	if (!exe_dir(dir, sizeof(dir)))
		for (i = 0; i < n; i++)
			if (find_in(dir, rels[i], name, path, len))
				return 0;
	snprintf(path, len, "%s/%s", fallback, name);
	return -ENOENT;
}

int tool_data_path(const char *name, char *path, size_t len)
{
	/* build/tools/NAME and build/tests/NAME: build/data; then installed */
	static const char *const rels[] = { "../data", XDNAPOOL_BIN_TO_DATA,
					    "../share/" PKG_SUBDIR };

	return find_beside_exe(rels, sizeof(rels) / sizeof(rels[0]), name, XDNAPOOL_DATA_DIR,
			       path, len);
}

/*
 * The emulator that works from here: the build tree's (build/tools/NAME,
 * build/tools/examples/NAME: one or two directories up), else the
 * installed one beside BINDIR: LIBDIR/xdnapool as configured, or in the
 * usual LIBDIRs (lib, lib64, lib/<multiarch>) for an install whose LIBDIR
 * was given to make install only; else the configured path.
 */
static void emu_path(char *path, size_t len)
{
	/* an empty XDNAPOOL_MULTIARCH makes the last one ../lib/xdnapool again */
	static const char *const rels[] = {
		"..", "../..", XDNAPOOL_BIN_TO_LIB "/" PKG_SUBDIR, "../lib/" PKG_SUBDIR,
		"../lib64/" PKG_SUBDIR, "../lib/" XDNAPOOL_MULTIARCH "/" PKG_SUBDIR,
	};

	find_beside_exe(rels, sizeof(rels) / sizeof(rels[0]), EMU_SONAME, XDNAPOOL_EMU_DIR,
			path, len);
}

const char *tool_emu_hint(void)
{
	static char hint[PATH_MAX + 64];
	char path[PATH_MAX];

	/* the emulator exports its test hooks: it is loaded, nothing to suggest */
	if (dlsym(RTLD_DEFAULT, "xdna_emu_census_get"))
		return "";
	emu_path(path, sizeof(path));
	snprintf(hint, sizeof(hint), "run on the emulated device: LD_PRELOAD=%s", path);
	return hint;
}

int tool_device_error(int err, const char *what, const char *reason)
{
	const char *hint = err == -ENODEV ? tool_emu_hint() : "";

	fprintf(stderr, "%s: %s%s%s\n", prog_name, what ? what : "", what ? ": " : "", reason);
	if (*hint)
		fprintf(stderr, "%s: %s\n", prog_name, hint);
	return err == -ENODEV ? TOOL_EXIT_NODEV : TOOL_EXIT_FAIL;
}

uint64_t tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

double tool_secs_since(uint64_t t0_ns)
{
	return (double)(tool_now_ns() - t0_ns) / (double)NSEC_PER_SEC;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void tool_sort_doubles(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double tool_median(double *v, size_t n)
{
	tool_sort_doubles(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The closest ranks around the p-th percentile of n sorted values, n > 0:
 * linear interpolation between v[*lo] and v[*lo + 1] by *frac (numpy's
 * default); *frac is 0 at the ends.
 */
static void percentile_rank(size_t n, double p, size_t *lo, double *frac)
{
	double rank;

	*lo = 0;
	*frac = 0;
	if (p <= 0)
		return;
	if (p >= 100) {
		*lo = n - 1;
		return;
	}
	rank = p / 100.0 * (double)(n - 1);
	*lo = (size_t)rank;
	*frac = rank - (double)*lo;
	if (*lo + 1 >= n) {
		*lo = n - 1;
		*frac = 0;
	}
}

double tool_percentile_sorted(const double *sorted, size_t n, double p)
{
	double frac;
	size_t lo;

	if (!n)
		return 0;
	percentile_rank(n, p, &lo, &frac);
	return frac ? sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void tool_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
}

double tool_percentile_sorted_u64(const uint64_t *sorted, size_t n, double p)
{
	double frac;
	size_t lo;

	if (!n)
		return 0;
	percentile_rank(n, p, &lo, &frac);
	return frac ? (double)sorted[lo] + frac * ((double)sorted[lo + 1] - (double)sorted[lo]) :
		      (double)sorted[lo];
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return len > 0;
}

unsigned long long tool_parse_ull(const char *opt, const char *s,
				  unsigned long long lo, unsigned long long hi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	/* strtoull() skips blanks and takes a sign: only digits get here */
	if (!s || !all_digits(s, strlen(s)))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	return v;
bad:
	tool_usage_error("%s '%s' is not a whole number from %llu to %llu",
			 opt, s ? s : "", lo, hi);
}

long long tool_parse_ll(const char *opt, const char *s, long long lo, long long hi)
{
	bool neg = s && *s == '-';
	unsigned long long mag;
	char *end;

	errno = 0;
	if (!s || !all_digits(s + neg, strlen(s + neg)))
		goto bad;
	mag = strtoull(s + neg, &end, 10);
	if (errno || *end)
		goto bad;
	if (neg) {
		/* -mag >= lo, without overflowing at LLONG_MIN */
		if (lo >= 0 || mag > (unsigned long long)(-(lo + 1)) + 1)
			goto bad;
		if (mag && -(long long)(mag - 1) - 1 > hi)
			goto bad;
		return mag ? -(long long)(mag - 1) - 1 : 0;
	}
	if (hi < 0 || mag > (unsigned long long)hi || (long long)mag < lo)
		goto bad;
	return (long long)mag;
bad:
	tool_usage_error("%s '%s' is not a whole number from %lld to %lld", opt, s ? s : "", lo,
			 hi);
}

/* [-][digits][.digits] into *v: no blanks, '+', exponent, hex, inf or nan. */
static bool parse_decimal(const char *s, bool sign, double *v)
{
	size_t int_len, frac_len = 0;
	const char *p = s;
	char *end;

	if (!s)
		return false;
	if (sign && *p == '-')
		p++;
	int_len = strspn(p, "0123456789");
	p += int_len;
	if (*p == '.') {
		frac_len = strspn(p + 1, "0123456789");
		p += 1 + frac_len;
	}
	if (*p || (!int_len && !frac_len))
		return false;
	errno = 0;
	*v = strtod(s, &end);
	return !errno && !*end && isfinite(*v);
}

double tool_parse_double(const char *opt, const char *s, double lo, double hi)
{
	double v;

	if (!parse_decimal(s, lo < 0, &v) || !(v >= lo) || !(v <= hi))
		tool_usage_error("%s '%s' is not a number from %g to %g", opt, s ? s : "", lo,
				 hi);
	return v;
}

unsigned long long tool_parse_bytes(const char *opt, const char *s,
				    unsigned long long lo, unsigned long long hi)
{
	unsigned long long v, mult = 1;
	size_t len;
	char *end;

	if (!s)
		goto bad;
	len = strlen(s);
	if (len > 1) {
		switch (s[len - 1]) {
		case 'K': case 'k': mult = 1ULL << 10; len--; break;
		case 'M': case 'm': mult = 1ULL << 20; len--; break;
		case 'G': case 'g': mult = 1ULL << 30; len--; break;
		}
	}
	if (!all_digits(s, len))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end != s + len || v > hi / mult || v * mult < lo || v * mult > hi)
		goto bad;
	return v * mult;
bad:
	tool_usage_error("%s '%s' is not a byte count from %llu to %llu (K, M, G allowed)",
			 opt, s ? s : "", lo, hi);
}
