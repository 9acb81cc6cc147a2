// SPDX-License-Identifier: MIT
/*
 * The main() of every Check suite: the suite file declares itself with
 * TEST_SUITE() (runner.h), this file decides skip or failure, runs the
 * suite and turns Check's counts into the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "xdna_emu.h"

/* automake's "skipped", counted by mk/run-tests.sh */
#define EXIT_SKIP	77
#define EXIT_USAGE	2

static const char *prog;

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-s SUITE] [-c CASE]\n"
		   "  (or CK_RUN_SUITE=SUITE CK_RUN_CASE=CASE; CK_VERBOSITY=verbose)\n",
		prog);
}

static const struct test_child *find_child(const struct test_suite_def *def,
					   const char *arg)
{
	const struct test_child *c;

	for (c = def->children; c && c->arg; c++)
		if (!strcmp(c->arg, arg))
			return c;
	return NULL;
}

/* uprobe attachment goes through this PMU (libbpf reads its type). */
#define UPROBE_PMU_TYPE	"/sys/bus/event_source/devices/uprobe/type"

static const char *bpf_missing(void)
{
	if (geteuid() != 0)
		return "not root (uprobes need CAP_SYS_ADMIN)";
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
	if (access(UPROBE_PMU_TYPE, R_OK))
		return "kernel has no uprobe events (" UPROBE_PMU_TYPE ")";
	return NULL;
}

/* Why the suite cannot run on this machine, or NULL. */
static const char *skip_reason(const struct test_suite_def *def)
{
	const char *why;

	if (def->needs & TEST_NEEDS_BPF) {
		why = bpf_missing();
		if (why)
			return why;
	}
	return def->skip_reason ? def->skip_reason() : NULL;
}

static const char *or_env(const char *arg, const char *var)
{
	return arg ? arg : getenv(var);
}

/* NULL names fall back to CK_RUN_SUITE / CK_RUN_CASE inside Check. */
static int run_suite(const struct test_suite_def *def, const char *sname,
		     const char *tcname)
{
	SRunner *sr = srunner_create(def->suite());
	int ran, failed;

	srunner_run(sr, sname, tcname, CK_ENV);
	ran = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (!ran) {
		sname = or_env(sname, "CK_RUN_SUITE");
		tcname = or_env(tcname, "CK_RUN_CASE");
		fprintf(stderr, "%s: no test ran (suite %s, case %s)\n", prog,
			sname ? sname : "any", tcname ? tcname : "any");
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Parses [-s SUITE] [-c CASE]: -1 to go on and run, else an exit status. */
static int parse_args(int argc, char **argv, const char **sname,
		      const char **tcname)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:c:h")) != -1) {
		switch (opt) {
		case 's':
			*sname = optarg;
			break;
		case 'c':
			*tcname = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	const struct test_suite_def *def = &test_suite_def;
	const char *sname = NULL, *tcname = NULL, *why, *slash;
	const struct test_child *child;
	int ret, err;

	slash = strrchr(argv[0], '/');
	prog = slash ? slash + 1 : argv[0];
	child = argc > 1 ? find_child(def, argv[1]) : NULL;
	if (child)
		return child->run();
	ret = parse_args(argc, argv, &sname, &tcname);
	if (ret >= 0)
		return ret;

	why = skip_reason(def);
	if (why) {
		fprintf(stderr, "%s: SKIP: %s\n", prog, why);
		return EXIT_SKIP;
	}
	if ((def->needs & TEST_NEEDS_EMU) && !xdna_emu_present()) {
		fprintf(stderr, "%s: needs the xdna-emu interposer "
				"(LD_PRELOAD=build/libxdna-emu.so)\n", prog);
		return EXIT_FAILURE;
	}
	if (def->setup) {
		err = def->setup();
		if (err) {
			fprintf(stderr, "%s: setup: %s\n", prog, strerror(-err));
			return EXIT_FAILURE;
		}
	}
	ret = run_suite(def, sname, tcname);
	if (def->cleanup)
		def->cleanup();
	return ret;
}
