// SPDX-License-Identifier: MIT
/*
 * pooltrace's options, in the manner of libbpf-tools' funclatency:
 * getopt_long, positional [interval [count]], -u/-m exclusive.  Usage
 * errors print one line naming the option or value and exit 2.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pooltrace_tool.h"
#include "tool.h"

static void usage(void)
{
	printf("usage: pooltrace (-p PID | --binary PATH) [options] [interval [count]]\n"
	       "       pooltrace --top [-p PID | --binary PATH] [interval [count]]\n"
	       "       pooltrace --unpin DIR\n"
	       "  -p, --pid PID        trace this process (finds libpool and libxdna-shim in its\n"
	       "                       mappings); pooltrace exits when it does\n"
	       "  -b, --binary PATH    attach to libpool.so, libxdna-shim.so or a binary linking\n"
	       "                       them statically (every process, also ones started later)\n"
	       "      --pool NAME      only this pool (filtered in the kernel; xdna probes unfiltered)\n"
	       "      --mode MODE      acquire|release|hold|wait|fenced|device|exec|bo|events|all\n"
	       "                       (default all: every histogram; events prints each event)\n"
	       "  -u, --microseconds   histograms in us\n"
	       "  -m, --milliseconds   histograms in ms (default ns)\n"
	       "  -i, --interval SEC   print and clear (histograms and counters) every SEC seconds\n"
	       "  -c, --count N        with an interval: exit after N reports\n"
	       "      --cumulative     with an interval: do not clear, print totals\n"
	       "  -d, --duration SEC   stop after SEC seconds\n"
	       "  -T, --timestamp      timestamp each report and event (JSON records always have one)\n"
	       "      --json           JSON lines instead of histograms\n"
	       "      --perfetto FILE  write a Chrome/Perfetto trace-event JSON timeline to FILE\n"
	       "      --pin DIR        at exit, after detaching, leave the maps pinned under DIR\n"
	       "      --pin-live       pin at start instead: the maps are live while tracing\n"
	       "      --force          replace maps already pinned under DIR\n"
	       "      --unpin DIR      remove maps pinned by --pin and exit\n"
	       "      --top            biotop-like: a row per pool of every process using\n"
	       "                       libpool (or of -p/--binary), refreshed each interval (1 s);\n"
	       "                       /proc is looked through again each interval\n"
	       "  -v, --verbose        libbpf's debug output\n"
	       "  -h, --help           this text;  --version  the version\n"
	       "histogram kinds: acquire, release, hold (acquire -> release), wait, fenced\n"
	       "(fenced release -> buffer reusable, the busy list), per pool; device (exec submitted\n"
	       "-> signalled: the fence's kernel timestamp via a sync_file where the kernel gives\n"
	       "it, else when the shim saw it; each report says which) and exec (EXEC_CMD ioctl),\n"
	       "per hardware context, and pool_device (device, per pool: the commands a pool's\n"
	       "buffers were released fenced on); bo_create, bo_destroy per BO type.\n"
	       "counters, in this order: acquires releases hits misses waits timeouts exhausted grown\n"
	       "evicted fenced reusable (per pool) execs cmds_done (per context) bos_created\n"
	       "bos_destroyed (per BO type) device_kernel_ts (per context) pool_device_kernel_ts\n"
	       "(per pool): commands timed by the kernel's signal timestamp.\n"
	       "Exit status: 0 done, 1 runtime error, 2 usage error.\n");
}

static unsigned int parse_mode(const char *s)
{
	static const struct { const char *name; unsigned int bits; } modes[] = {
		{ "acquire", M_ACQUIRE }, { "release", M_RELEASE }, { "hold", M_HOLD },
		{ "wait", M_WAIT }, { "fenced", M_FENCED }, { "device", M_DEVICE },
		{ "exec", M_EXEC }, { "bo", M_BO }, { "events", M_EVENTS }, { "all", M_ALL },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name))
			return modes[i].bits;
	tool_usage_error("--mode '%s' is not one of acquire, release, hold, wait, fenced, device, exec, "
		  "bo, events, all", s);
}

void pt_parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_POOL = 256, O_MODE, O_JSON, O_PIN, O_UNPIN, O_PIN_LIVE, O_FORCE, O_CUMULATIVE,
	       O_PERFETTO, O_TOP, O_VERSION };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "pool", required_argument, NULL, O_POOL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "microseconds", no_argument, NULL, 'u' },
		{ "milliseconds", no_argument, NULL, 'm' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "cumulative", no_argument, NULL, O_CUMULATIVE },
		{ "duration", required_argument, NULL, 'd' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, O_JSON },
		{ "perfetto", required_argument, NULL, O_PERFETTO },
		{ "top", no_argument, NULL, O_TOP },
		{ "pin", required_argument, NULL, O_PIN },
		{ "pin-live", no_argument, NULL, O_PIN_LIVE },
		{ "force", no_argument, NULL, O_FORCE },
		{ "unpin", required_argument, NULL, O_UNPIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool unit_set = false;
	int c;

	*o = (struct opts){ .modes = M_ALL, .unit = 1, .unit_name = "nsecs" };
	while ((c = getopt_long(argc, argv, ":p:b:umi:c:d:Tvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pid = (pid_t)tool_parse_ull("-p", optarg, 1, INT_MAX);
			break;
		case 'b':
			o->binary = optarg;
			break;
		case O_POOL:
			if (strlen(optarg) >= PT_NAME_LEN)
				tool_usage_error("--pool '%s' is longer than %d bytes", optarg,
					  PT_NAME_LEN - 1);
			o->pool = optarg;
			break;
		case O_MODE:
			o->modes = parse_mode(optarg);
			break;
		case 'u':
		case 'm':
			if (unit_set)
				tool_usage_error("-u and -m are mutually exclusive");
			unit_set = true;
			o->unit = c == 'u' ? 1000 : 1000000;
			o->unit_name = c == 'u' ? "usecs" : "msecs";
			break;
		case 'i':
			o->interval = (int)tool_parse_ull("-i", optarg, 1, 86400);
			break;
		case 'c':
			o->count = (int)tool_parse_ull("-c", optarg, 1, INT_MAX);
			break;
		case O_CUMULATIVE:
			o->cumulative = true;
			break;
		case 'd':
			o->duration = (int)tool_parse_ull("-d", optarg, 1, 86400 * 365);
			break;
		case 'T':
			o->timestamps = true;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_PERFETTO:
			o->perfetto = optarg;
			break;
		case O_TOP:
			o->top = true;
			break;
		case O_PIN:
			o->pin_dir = optarg;
			break;
		case O_PIN_LIVE:
			o->pin_live = true;
			break;
		case O_FORCE:
			o->force = true;
			break;
		case O_UNPIN:
			o->unpin_dir = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage();
			exit(TOOL_EXIT_OK);
		case O_VERSION:
			tool_print_version("pooltrace");
			exit(TOOL_EXIT_OK);
		default:	/* '?' and ':': the tools' one line naming the option */
			tool_common_option(c, argv, NULL);
		}
	}
	/* funclatency's positional [interval [count]] */
	if (optind < argc)
		o->interval = (int)tool_parse_ull("interval", argv[optind++], 1, 86400);
	if (optind < argc)
		o->count = (int)tool_parse_ull("count", argv[optind++], 1, INT_MAX);
	if (optind < argc)
		tool_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->count && !o->interval)
		tool_usage_error("a count needs an interval");
	if (o->cumulative && !o->interval)
		tool_usage_error("--cumulative needs an interval");
	if (o->pin_live && !o->pin_dir)
		tool_usage_error("--pin-live needs --pin DIR");
	if (o->top) {
		if (o->json || o->perfetto || o->pin_dir || o->cumulative)
			tool_usage_error("--top takes none of --json, --perfetto, --pin, --cumulative");
		if (!o->interval)
			o->interval = 1;
		o->modes = M_ALL;
		return;
	}
	if (!o->unpin_dir && !o->pid && !o->binary)
		tool_usage_error("say which process (-p PID) or library/binary (--binary PATH) to trace");
}

/* ------------------------------------------------------------ preflight */
