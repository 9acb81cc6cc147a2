/* SPDX-License-Identifier: MIT */
/*
 * The one main() of the Check suites (tests/lib/runner.c).
 *
 * A suite file says, once, which suite it runs and what that suite needs:
 *
 *	TEST_SUITE(.suite = pool_suite);
 *	TEST_SUITE(.suite = shim_suite, .needs = TEST_NEEDS_EMU);
 *	TEST_SUITE(.suite = bpf_suite, .needs = TEST_NEEDS_BPF,
 *		   .skip_reason = pooltrace_missing);
 *
 * and the runner, in this order:
 *  1. runs a child mode when argv[1] is one of .children (the binary
 *     re-executed by its own tests): its return value is the exit status;
 *  2. checks what may be missing on a developer's machine (.needs' BPF,
 *     then .skip_reason()): a skip is one line "NAME: SKIP: why" on stderr
 *     and exit 77 (mk/run-tests.sh counts it, and fails it under CI=true).
 *     Then TEST_NEEDS_EMU: a missing emulator is a failure, since those
 *     binaries run from EMU_TESTS, where the interposer is always preloaded;
 *  3. runs .setup() (0, or -errno: the run fails), the suite, .cleanup();
 *  4. exits EXIT_FAILURE if a test failed or no test matched the filter.
 *
 * Usage: NAME [-s SUITE] [-c CASE]; Check's CK_RUN_SUITE and CK_RUN_CASE
 * do the same, CK_VERBOSITY sets the output.
 */
#ifndef TESTS_RUNNER_H
#define TESTS_RUNNER_H

#include <check.h>

enum test_needs {
	/* xdna-emu preloaded; else a failure. */
	TEST_NEEDS_EMU	= 1u << 0,
	/* Loads BPF programs on uprobes: root, kernel BTF, uprobe events;
	 * else a skip. */
	TEST_NEEDS_BPF	= 1u << 1,
};

/* argv[1] == arg: the process is a child, run() gives its exit status. */
struct test_child {
	const char *arg;
	int (*run)(void);
};

struct test_suite_def {
	Suite *(*suite)(void);			/* required */
	unsigned int needs;			/* enum test_needs */
	/* NULL when the suite can run here, else why it is skipped. */
	const char *(*skip_reason)(void);
	/* Once before the suite: 0 or -errno; unwinds itself on failure. */
	int (*setup)(void);
	/* Once after the suite, when setup() succeeded. */
	void (*cleanup)(void);
	/* Ends with { NULL }. */
	const struct test_child *children;
};

/*
 * Built with ThreadSanitizer (GCC's -fsanitize=thread): timing-dependent
 * bounds widen, a run is several times slower.
 */
#ifdef __SANITIZE_THREAD__
#define UNDER_TSAN	1
#else
#define UNDER_TSAN	0
#endif

/* Each test binary links exactly one definition. */
extern const struct test_suite_def test_suite_def;

#define TEST_SUITE(...) \
	const struct test_suite_def test_suite_def = { __VA_ARGS__ }

#endif /* TESTS_RUNNER_H */
