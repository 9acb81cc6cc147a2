/* SPDX-License-Identifier: MIT */
/*
 * What every xdnapool command-line tool shares: exit codes, --version, a
 * clock, percentiles and strict option parsing.  Private to tools/: no
 * library links this.
 */
#ifndef XDNAPOOL_TOOL_H
#define XDNAPOOL_TOOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>

/* Exit codes of every tool (documented in each tool's man page). */
enum tool_exit {
	TOOL_EXIT_OK = 0,	/* done, every request succeeded */
	TOOL_EXIT_FAIL = 1,	/* ran, but something failed (named on stderr) */
	TOOL_EXIT_USAGE = 2,	/* bad option, value or extra argument */
	TOOL_EXIT_NODEV = 3,	/* no device to run on */
};

#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

/* "NAME (xdnapool) VERSION" on stdout. */
void tool_print_version(const char *prog);

/* The program's name for messages (set by tool_init(argv[0])). */
void tool_init(const char *argv0);
const char *tool_name(void);

/* "NAME: MESSAGE" on stderr, then exit(TOOL_EXIT_USAGE). */
void tool_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/*
 * Options every tool has: "-h", "--help" and "--version".  Put
 * TOOL_COMMON_LONGOPTS at the end of a getopt_long() table (before the
 * zero entry) and ":h" in the short options (the leading ':' makes a
 * missing value ':' rather than '?'); tool_common_option() handles those
 * and getopt's errors -- "NAME: unrecognized option 'X' (see --help)",
 * "NAME: option 'X' requires an argument (see --help)", exit 2 (tool_init()
 * sets opterr = 0: getopt's own lines carry the full argv[0]) -- and
 * returns 0 for any other option.
 */
#define TOOL_OPT_VERSION	0x1000
#define TOOL_COMMON_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, TOOL_OPT_VERSION }
int tool_common_option(int c, char *const argv[], void (*usage)(FILE *f));

/* One line "unexpected argument 'X'" and exit 2 if argv[optind..] is not empty. */
void tool_no_more_args(int argc, char **argv, int optind);

/*
 * How to run on the emulated device from where this program is: "" when
 * the emulator is already loaded (then there is nothing to suggest), else
 * "run on the emulated device: LD_PRELOAD=PATH" with PATH found at run
 * time from the binary (/proc/self/exe): the build tree's libxdna-emu.so
 * when the program runs from a build tree (one or two directories above
 * the binary), else the installed one beside it, BINDIR/../lib/xdnapool
 * (LIBDIR as configured relative to BINDIR, or lib, lib64,
 * lib/<multiarch>), so a DESTDIR tree names its own; when none is there,
 * the configured $(LIBDIR)/xdnapool/libxdna-emu.so.
 */
const char *tool_emu_hint(void);

/*
 * Where the packaged data file NAME (the designs, tools/xclbin.mk) is,
 * found from the binary like the emulator: build/data when the program
 * runs from a build tree (build/tools, build/tests), else the installed
 * $(DATADIR)/xdnapool beside BINDIR (BINDIR/../share/xdnapool).  Returns
 * 0 with its path, or -ENOENT with PATH the configured
 * $(DATADIR)/xdnapool/NAME (for the message that it is missing).
 */
int tool_data_path(const char *name, char *path, size_t len);
/*
 * A device error: "NAME: WHAT: REASON" on stderr, and when err is
 * -ENODEV the hint above on the next line.  Returns the exit code
 * (TOOL_EXIT_NODEV for -ENODEV, else TOOL_EXIT_FAIL).
 */
int tool_device_error(int err, const char *what, const char *reason);

uint64_t tool_now_ns(void);
/* Seconds of CLOCK_MONOTONIC since @t0_ns (a tool_now_ns() value). */
double tool_secs_since(uint64_t t0_ns);

/* p-th percentile (0..100) of n values sorted ascending; 0 when n == 0. */
double tool_percentile_sorted(const double *sorted, size_t n, double p);
/* Sorts v in place (n may be 0). */
void tool_sort_doubles(double *v, size_t n);
/* The same for latencies in ns: u64 values, the percentile as a double. */
void tool_sort_u64(uint64_t *v, size_t n);
double tool_percentile_sorted_u64(const uint64_t *sorted, size_t n, double p);
/* Sorts v in place and returns its median (the mean of the middle two for even n); n > 0. */
double tool_median(double *v, size_t n);

/*
 * Strict parsers for option values: plain decimal digits only (no blanks,
 * sign, hex, inf or nan), within [lo, hi].  On error they print one line
 * naming the option and the value and exit(TOOL_EXIT_USAGE).
 * tool_parse_ll() takes a leading '-', tool_parse_double() one when lo < 0
 * (finite values only: a decimal point, no exponent).
 */
unsigned long long tool_parse_ull(const char *opt, const char *s,
				  unsigned long long lo, unsigned long long hi);
long long tool_parse_ll(const char *opt, const char *s, long long lo, long long hi);
double tool_parse_double(const char *opt, const char *s, double lo, double hi);
/* A byte count with an optional K/M/G suffix (powers of 1024). */
unsigned long long tool_parse_bytes(const char *opt, const char *s,
				    unsigned long long lo, unsigned long long hi);

#endif
