// SPDX-License-Identifier: MIT
/*
 * pooltrace: latency histograms and counters of libpool and libxdna-shim
 * operations on a live process, from their USDT probes (providers libpool
 * and xdna), in the manner of libbpf-tools' funclatency.
 *
 *   pooltrace -p PID [options] [interval [count]]
 *   pooltrace --binary PATH ...      attach by library/binary path (processes
 *                                    not started yet are caught too)
 *   pooltrace --unpin DIR            remove maps pinned by --pin
 *
 * Exit status: 0 done, 1 runtime error, 2 usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pooltrace.h"
#include "tool.h"
#include "pooltrace.skel.h"
#include "usdt_notes.h"

#define BPF_FS_MAGIC	0xcafe4a11
#define PROVIDER	"libpool"
#define PROVIDER_XDNA	"xdna"

enum mode_bits {
	M_ACQUIRE = 1 << PT_OP_ACQUIRE,
	M_RELEASE = 1 << PT_OP_RELEASE,
	M_HOLD = 1 << PT_OP_HOLD,
	M_WAIT = 1 << PT_OP_WAIT,
	M_FENCED = 1 << PT_OP_FENCED,
	M_DEVICE = 1 << PT_OP_DEVICE,
	M_EXEC = 1 << PT_OP_EXEC,
	M_BO = 1 << PT_OP_BO_CREATE | 1 << PT_OP_BO_DESTROY,
	M_EVENTS = 1 << 16,
	/* every histogram; events (one line each) only when asked for */
	M_ALL = (1 << PT_OP__COUNT) - 1,
};

struct opts {
	pid_t pid;
	const char *binary;
	const char *pool;
	unsigned int modes;
	unsigned long long unit;	/* ns per printed unit */
	const char *unit_name;
	int interval;
	int count;			/* reports before exiting (with an interval) */
	int duration;
	bool timestamps;
	bool json;
	bool cumulative;
	bool verbose;
	bool force;
	bool pin_live;
	const char *pin_dir;
	const char *unpin_dir;
	const char *perfetto;
	bool top;
};

static volatile sig_atomic_t exiting;

static const char *const op_names[PT_OP__COUNT] = {
	"acquire", "release", "hold", "wait", "fenced", "device", "exec", "bo_create",
	"bo_destroy",
};

/* Counter names; reports list them in this (enum pt_cnt) order. */
static const char *const cnt_names[PT_CNT__COUNT] = {
	"acquires", "releases", "hits", "misses", "waits", "timeouts",
	"exhausted", "grown", "evicted", "fenced", "reusable", "execs", "cmds_done",
	"bos_created", "bos_destroyed",
};

static const char *const ev_names[PT_EV__COUNT] = {
	"wait", "timeout", "exhausted", "grow", "evict", "reusable", "cmd_done", "exec",
	"acquire", "release",
};

/* What `a` and `b` of each event are (printed as name=value). */
static const char *const ev_fields[PT_EV__COUNT][2] = {
	{ "wait_ns", "result" }, { "wait_ns", NULL }, { "outstanding", "max" },
	{ "added", "total" }, { "freed", "total" }, { "fenced_ns", "seq" },
	{ "device_ns", "seq" }, { "exec_ns", "seq" }, { "buf", "latency_ns" },
	{ "buf", "hold_ns" },
};

/* What the key's id is, for a histogram or counter kind. */
enum scope { S_POOL, S_CTX, S_BO };

static enum scope op_scope(unsigned int op)
{
	if (op == PT_OP_DEVICE || op == PT_OP_EXEC)
		return S_CTX;
	if (op == PT_OP_BO_CREATE || op == PT_OP_BO_DESTROY)
		return S_BO;
	return S_POOL;
}

static enum scope cnt_scope(unsigned int c)
{
	if (c == PT_CNT_EXEC || c == PT_CNT_CMD_DONE)
		return S_CTX;
	if (c == PT_CNT_BO_CREATE || c == PT_CNT_BO_DESTROY)
		return S_BO;
	return S_POOL;
}

static const char *const scope_names[] = { "pool", "context", "bo" };

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("pooltrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TOOL_EXIT_USAGE);
}

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
	       "                       libpool (or of -p/--binary), refreshed each interval (1 s)\n"
	       "  -v, --verbose        libbpf's debug output\n"
	       "  -h, --help           this text\n"
	       "      --version        print the version\n"
	       "Exit status: 0 done, 1 runtime error, 2 bad usage.\n"
	       "histogram kinds: acquire, release, hold (acquire -> release), wait, fenced\n"
	       "(fenced release -> buffer reusable, the busy list), per pool; device (exec submitted\n"
	       "-> shim saw it signalled, CLOCK_MONOTONIC) and exec (EXEC_CMD ioctl), per hardware\n"
	       "context; bo_create, bo_destroy per BO type.\n"
	       "counters, in this order: acquires releases hits misses waits timeouts exhausted grown\n"
	       "evicted fenced reusable (per pool) execs cmds_done (per context) bos_created\n"
	       "bos_destroyed (per BO type).\n");
}

static int parse_int(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die_usage("%s '%s' is not a number from %ld to %ld", opt, s, lo, hi);
	return (int)v;
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
	die_usage("--mode '%s' is not one of acquire, release, hold, wait, fenced, device, exec, "
		  "bo, events, all", s);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_POOL = 256, O_MODE, O_JSON, O_PIN, O_UNPIN, O_PIN_LIVE, O_FORCE, O_CUMULATIVE,
	       O_PERFETTO, O_TOP };
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
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool unit_set = false;
	int c;

	*o = (struct opts){ .modes = M_ALL, .unit = 1, .unit_name = "nsecs" };
	while ((c = getopt_long(argc, argv, "p:b:umi:c:d:Tvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->pid = parse_int("-p", optarg, 1, INT_MAX);
			break;
		case 'b':
			o->binary = optarg;
			break;
		case O_POOL:
			if (strlen(optarg) >= PT_NAME_LEN)
				die_usage("--pool '%s' is longer than %d bytes", optarg,
					  PT_NAME_LEN - 1);
			o->pool = optarg;
			break;
		case O_MODE:
			o->modes = parse_mode(optarg);
			break;
		case 'u':
		case 'm':
			if (unit_set)
				die_usage("-u and -m are mutually exclusive");
			unit_set = true;
			o->unit = c == 'u' ? 1000 : 1000000;
			o->unit_name = c == 'u' ? "usecs" : "msecs";
			break;
		case 'i':
			o->interval = parse_int("-i", optarg, 1, 86400);
			break;
		case 'c':
			o->count = parse_int("-c", optarg, 1, INT_MAX);
			break;
		case O_CUMULATIVE:
			o->cumulative = true;
			break;
		case 'd':
			o->duration = parse_int("-d", optarg, 1, 86400 * 365);
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
		default:
			/* --version, or getopt's one line for a bad option */
			tool_common_option(c, NULL);
			exit(TOOL_EXIT_USAGE);
		}
	}
	/* funclatency's positional [interval [count]] */
	if (optind < argc)
		o->interval = parse_int("interval", argv[optind++], 1, 86400);
	if (optind < argc)
		o->count = parse_int("count", argv[optind++], 1, INT_MAX);
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->count && !o->interval)
		die_usage("a count needs an interval");
	if (o->cumulative && !o->interval)
		die_usage("--cumulative needs an interval");
	if (o->pin_live && !o->pin_dir)
		die_usage("--pin-live needs --pin DIR");
	if (o->top) {
		if (o->json || o->perfetto || o->pin_dir || o->cumulative)
			die_usage("--top takes none of --json, --perfetto, --pin, --cumulative");
		if (!o->interval)
			o->interval = 1;
		o->modes = M_ALL;
		return;
	}
	if (!o->unpin_dir && !o->pid && !o->binary)
		die_usage("say which process (-p PID) or library/binary (--binary PATH) to trace");
}

/* ------------------------------------------------------------ preflight */

static bool has_cap_sys_admin(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ull << 21);	/* CAP_SYS_ADMIN */
}

static int preflight(void)
{
	if (!has_cap_sys_admin()) {
		fprintf(stderr, "pooltrace: attaching uprobes needs CAP_SYS_ADMIN: run as root\n");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "pooltrace: this kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"CO-RE programs cannot load\n");
		return -ENOTSUP;
	}
	return 0;
}

/* --------------------------------------------------------------- pinning */

static int ensure_bpffs(const char *dir)
{
	struct statfs sfs;
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s", dir);
	/* The directory may not exist yet: check where it would live. */
	while (statfs(parent, &sfs)) {
		char *slash = strrchr(parent, '/');

		if (!slash || slash == parent)
			return -ENOENT;
		*slash = 0;
	}
	if ((unsigned long)sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (strncmp(dir, "/sys/fs/bpf", 11)) {
		fprintf(stderr, "pooltrace: --pin %s: not on a bpf filesystem (use /sys/fs/bpf/...)\n",
			dir);
		return -EINVAL;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		fprintf(stderr, "pooltrace: cannot mount bpffs on /sys/fs/bpf: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Find the files holding the probes in PID's address space: libpool.so and
 * libxdna-shim.so when mapped, else the executable (static links).  Either
 * provider may be missing; not both.
 */
struct targets {
	char pool[PATH_MAX];		/* "" if no libpool probes */
	char shim[PATH_MAX];		/* "" if no xdna probes */
};

static int check_probes(char *path, const char *provider)
{
	int n = usdt_count_probes(path, provider);

	if (n < 0) {
		fprintf(stderr, "pooltrace: cannot read ELF notes of %s: %s\n", path, strerror(-n));
		return n;
	}
	if (!n)
		path[0] = 0;
	return 0;
}

static int resolve_target(const struct opts *o, struct targets *t)
{
	char maps[64], line[PATH_MAX + 256];
	FILE *f;
	int err;

	t->pool[0] = t->shim[0] = 0;
	if (o->binary) {
		if (access(o->binary, R_OK)) {
			err = -errno;
			fprintf(stderr, "pooltrace: --binary '%s': %s\n", o->binary, strerror(-err));
			return err;
		}
		snprintf(t->pool, sizeof(t->pool), "%s", o->binary);
		snprintf(t->shim, sizeof(t->shim), "%s", o->binary);
	} else {
		snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)o->pid);
		f = fopen(maps, "r");
		if (!f) {
			err = -errno;
			if (err == -ENOENT)
				fprintf(stderr, "pooltrace: no such process: %d\n", (int)o->pid);
			else
				fprintf(stderr, "pooltrace: cannot read %s: %s\n", maps,
					strerror(-err));
			return err;
		}
		while (fgets(line, sizeof(line), f)) {
			char *file = strchr(line, '/');
			char *dst;

			if (!file)
				continue;
			if (strstr(file, "/libpool.so"))
				dst = t->pool;
			else if (strstr(file, "/libxdna-shim.so"))
				dst = t->shim;
			else
				continue;
			file[strcspn(file, "\n")] = 0;
			if (!dst[0])
				snprintf(dst, PATH_MAX, "/proc/%d/root%s", (int)o->pid, file);
		}
		fclose(f);
		/* Statically linked: the probes are in the executable. */
		if (!t->pool[0])
			snprintf(t->pool, sizeof(t->pool), "/proc/%d/exe", (int)o->pid);
		if (!t->shim[0])
			snprintf(t->shim, sizeof(t->shim), "/proc/%d/exe", (int)o->pid);
	}
	if (check_probes(t->pool, PROVIDER) || check_probes(t->shim, PROVIDER_XDNA))
		return -EIO;
	if (!t->pool[0] && !t->shim[0]) {
		fprintf(stderr, "pooltrace: %s has no '%s' or '%s' USDT probes (built without "
				"probes, or not linked with libpool or libxdna-shim)\n",
			o->binary ? o->binary : "the process", PROVIDER, PROVIDER_XDNA);
		return -ENOENT;
	}
	return 0;
}

static const char *const pinned_maps[] = { "hists", "counters", "pools" };

/* Before tracing: an occupied directory is refused unless --force. */
static int pin_check(const struct opts *o)
{
	char path[PATH_MAX];
	size_t i;
	int err = ensure_bpffs(o->pin_dir);

	if (err)
		return err;
	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", o->pin_dir, pinned_maps[i]);
		if (access(path, F_OK))
			continue;
		if (!o->force) {
			fprintf(stderr, "pooltrace: --pin %s: %s is already pinned (pooltrace --unpin "
					"%s, or --force to replace it)\n", o->pin_dir, path, o->pin_dir);
			return -EEXIST;
		}
		unlink(path);
	}
	if (mkdir(o->pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "pooltrace: mkdir %s: %s\n", o->pin_dir, strerror(-err));
		return err;
	}
	return 0;
}

static int pin_maps(struct pooltrace_bpf *skel, const char *dir)
{
	struct bpf_map *maps[] = { skel->maps.hists, skel->maps.counters, skel->maps.pools };
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		err = bpf_map__pin(maps[i], path);
		if (err) {
			fprintf(stderr, "pooltrace: pin %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int unpin(const char *dir)
{
	char path[PATH_MAX];
	int removed = 0;
	size_t i;

	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		if (!unlink(path))
			removed++;
		else if (errno != ENOENT)
			fprintf(stderr, "pooltrace: unlink %s: %s\n", path, strerror(errno));
	}
	if (rmdir(dir) && errno != ENOENT)
		fprintf(stderr, "pooltrace: rmdir %s: %s\n", dir, strerror(errno));
	if (!removed) {
		fprintf(stderr, "pooltrace: nothing pinned under %s\n", dir);
		return 1;
	}
	return 0;
}

/* -------------------------------------------------------------- printing */

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Wall clock minus CLOCK_MONOTONIC, to date monotonic (BPF) timestamps. */
static long long wall_offset_ns;

static void init_clocks(void)
{
	struct timespec w;

	clock_gettime(CLOCK_REALTIME, &w);
	wall_offset_ns = ((long long)w.tv_sec * 1000000000ll + w.tv_nsec) - (long long)mono_ns();
}

/* ISO-8601 UTC with milliseconds, of a CLOCK_MONOTONIC time. */
static void iso_time(unsigned long long mono, char *buf, size_t len)
{
	long long wall = (long long)mono + wall_offset_ns;
	time_t sec = (time_t)(wall / 1000000000ll);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03lldZ", (wall % 1000000000ll) / 1000000);
}

static void print_stars(unsigned long long v, unsigned long long max, int width)
{
	int n = max ? (int)((v * (unsigned long long)width) / max) : 0, i;

	for (i = 0; i < width; i++)
		putchar(i < n ? '*' : ' ');
}

static int log2_floor(unsigned long long v)
{
	int r = 0;

	while (v > 1) {
		v >>= 1;
		r++;
	}
	return r;
}

/*
 * Re-bucket a log2-ns histogram (bucket i holds [2^i, 2^(i+1)) ns) into log2
 * buckets of the chosen unit, labelled as funclatency labels them.
 */
static int rebucket(const struct pt_hist *h, unsigned long long unit, unsigned long long *out)
{
	int i, max = -1;

	memset(out, 0, sizeof(*out) * PT_SLOTS);
	for (i = 0; i < PT_SLOTS; i++) {
		int slot;

		if (!h->slots[i])
			continue;
		slot = log2_floor((i ? 1ull << i : 0) / unit);
		out[slot] += h->slots[i];
		if (slot > max)
			max = slot;
	}
	return max;
}

static void bucket_range(int i, unsigned long long *lo, unsigned long long *hi)
{
	*lo = (1ull << (i + 1)) >> 1;
	*hi = (1ull << (i + 1)) - 1;
	if (*lo == *hi)
		*lo -= 1;
}

static const char *const bo_type_names[] = { "?", "share", "dev_heap", "dev", "cmd" };

/* "pool mel", "context 1", "bo share" */
static void key_label(struct pooltrace_bpf *skel, __u32 tgid, __u32 id, enum scope sc,
		      char *out, size_t len)
{
	struct pt_pool_key pk = { .tgid = tgid, .pool_id = id };
	struct pt_pool p;

	if (sc == S_CTX) {
		snprintf(out, len, "%u", id);
	} else if (sc == S_BO) {
		snprintf(out, len, "%s", id < 5 ? bo_type_names[id] : "?");
	} else if (bpf_map__lookup_elem(skel->maps.pools, &pk, sizeof(pk), &p, sizeof(p), 0)) {
		snprintf(out, len, "#%u", id);
	} else {
		snprintf(out, len, "%s", p.name);
	}
}

static void print_hist(const struct opts *o, const char *label, enum scope sc, unsigned int pid,
		       enum pt_op op, const struct pt_hist *h)
{
	unsigned long long b[PT_SLOTS], peak = 0;
	int i, last = rebucket(h, o->unit, b);

	printf("\n%s %s (pid %u): %s latency\n", scope_names[sc], label, pid, op_names[op]);
	printf("%24s : count     distribution\n", o->unit_name);
	for (i = 0; i <= last; i++)
		if (b[i] > peak)
			peak = b[i];
	for (i = 0; i <= last; i++) {
		unsigned long long lo, hi;

		bucket_range(i, &lo, &hi);
		printf("%10llu -> %-10llu : %-8llu |", lo, hi, b[i]);
		print_stars(b[i], peak, 40);
		printf("|\n");
	}
	printf("avg = %llu %s, total: %llu %s, count: %llu\n",
	       h->count ? h->sum_ns / h->count / o->unit : 0, o->unit_name,
	       h->sum_ns / o->unit, o->unit_name, (unsigned long long)h->count);
}

static void print_hist_json(const struct opts *o, const char *label, enum scope sc,
			    unsigned int pid, enum pt_op op, const struct pt_hist *h, bool *first)
{
	unsigned long long b[PT_SLOTS];
	int i, last = rebucket(h, o->unit, b);
	bool f = true;

	printf("%s{\"%s\": \"%s\", \"pid\": %u, \"op\": \"%s\", \"unit\": \"%s\", "
	       "\"count\": %llu, \"sum_ns\": %llu, \"buckets\": [",
	       *first ? "" : ", ", scope_names[sc], label, pid, op_names[op], o->unit_name,
	       (unsigned long long)h->count, (unsigned long long)h->sum_ns);
	for (i = 0; i <= last; i++) {
		unsigned long long lo, hi;

		if (!b[i])
			continue;
		bucket_range(i, &lo, &hi);
		printf("%s{\"low\": %llu, \"high\": %llu, \"count\": %llu}", f ? "" : ", ",
		       lo, hi, b[i]);
		f = false;
	}
	printf("]}");
	*first = false;
}

/* Keys of a map, sorted (tgid, kind's scope, id, kind): a fixed order. */
struct any_key {
	__u32 tgid, id, kind, pad;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct any_key *a = pa, *b = pb;

	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->pad != b->pad)		/* scope, filled in by sorted_keys */
		return a->pad < b->pad ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
}

static size_t sorted_keys(struct bpf_map *map, bool hist, struct any_key **out)
{
	struct any_key k, next, *prev = NULL, *v = NULL;
	size_t n = 0, cap = 0;

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		if (n == cap) {
			struct any_key *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n] = k;
		v[n].pad = hist ? op_scope(k.kind) : cnt_scope(k.kind);
		n++;
	}
	if (n)		/* qsort(NULL, 0, ...) is undefined */
		qsort(v, n, sizeof(*v), key_cmp);
	*out = v;
	return n;
}

static void print_hists(const struct opts *o, struct pooltrace_bpf *skel, bool *first)
{
	struct any_key *keys;
	size_t n = sorted_keys(skel->maps.hists, true, &keys), i;
	char label[PT_NAME_LEN + 16];
	struct pt_hist h;

	for (i = 0; i < n; i++) {
		struct pt_hist_key k = { .tgid = keys[i].tgid, .id = keys[i].id,
					 .op = keys[i].kind };

		if (k.op >= PT_OP__COUNT || !(o->modes & (1u << k.op)))
			continue;
		if (bpf_map__lookup_elem(skel->maps.hists, &k, sizeof(k), &h, sizeof(h), 0))
			continue;
		key_label(skel, k.tgid, k.id, op_scope(k.op), label, sizeof(label));
		if (o->json)
			print_hist_json(o, label, op_scope(k.op), k.tgid, k.op, &h, first);
		else
			print_hist(o, label, op_scope(k.op), k.tgid, k.op, &h);
	}
	free(keys);
}

static void print_counters(const struct opts *o, struct pooltrace_bpf *skel, bool *first)
{
	struct any_key *keys;
	size_t n = sorted_keys(skel->maps.counters, false, &keys), i;
	char label[PT_NAME_LEN + 16];
	__u64 v;

	if (!o->json && n)
		printf("\n%-8s %-24s %8s %-14s %12s\n", "scope", "name", "pid", "counter", "value");
	for (i = 0; i < n; i++) {
		struct pt_cnt_key k = { .tgid = keys[i].tgid, .id = keys[i].id,
					.cnt = keys[i].kind };
		enum scope sc = cnt_scope(k.cnt);

		if (k.cnt >= PT_CNT__COUNT ||
		    bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0))
			continue;
		key_label(skel, k.tgid, k.id, sc, label, sizeof(label));
		if (o->json)
			printf("%s{\"%s\": \"%s\", \"pid\": %u, \"counter\": \"%s\", \"value\": %llu}",
			       *first ? "" : ", ", scope_names[sc], label, k.tgid,
			       cnt_names[k.cnt], (unsigned long long)v);
		else
			printf("%-8s %-24s %8u %-14s %12llu\n", scope_names[sc], label, k.tgid,
			       cnt_names[k.cnt], (unsigned long long)v);
		*first = false;
	}
	free(keys);
}

static void clear_map(struct bpf_map *map)
{
	struct any_key k;

	while (!bpf_map__get_next_key(map, NULL, &k, sizeof(k)))
		if (bpf_map__delete_elem(map, &k, sizeof(k), 0))
			break;
}

static void report(const struct opts *o, struct pooltrace_bpf *skel, int seq)
{
	unsigned long long now = mono_ns();
	bool first = true;
	char iso[64];

	iso_time(now, iso, sizeof(iso));
	if (o->json) {
		printf("{\"time\": \"%s\", \"mono_ns\": %llu, \"report\": %d, \"histograms\": [",
		       iso, now, seq);
		print_hists(o, skel, &first);
		printf("], \"counters\": [");
		first = true;
		print_counters(o, skel, &first);
		printf("]}\n");
	} else {
		if (o->timestamps)
			printf("\n%s (monotonic %llu ns)\n", iso, now);
		print_hists(o, skel, &first);
		print_counters(o, skel, &first);
	}
	fflush(stdout);
}

/* ------------------------------------------------------------- perfetto */

/*
 * Chrome trace-event JSON (https://docs.google.com/document/d/1CvAClvFfyA5R-
 * PhYUmn5OOQtYMH4h6I0nSsKchNAySU): an "X" slice per buffer, acquire ->
 * release, on the acquiring thread's track; an "X" slice per command,
 * submit -> signalled, on a track per hardware context; "C" counters per
 * pool.  Timestamps are CLOCK_MONOTONIC in microseconds.
 */
#define PF_OPEN		8192
#define PF_CTX_TID	0x40000000u	/* context tracks: tid = this + handle */

struct pf_open {
	__u32 tgid, pool, buf, tid;
	__u64 ts;
	bool used;
};

struct pf_pool {
	__u32 tgid, pool;
	long long outstanding;
	long long total;		/* -1: unknown (no grow/evict seen) */
	bool named;
};

struct perfetto {
	FILE *f;
	bool first;
	struct pf_open open[PF_OPEN];
	struct pf_pool pools[256];
	unsigned int npools;
	__u64 ctx_named[64];		/* (tgid << 32 | ctx) already given a name */
	unsigned int nctx;
	unsigned long long slices, cmds;
};

static void pf_sep(struct perfetto *pf)
{
	fputs(pf->first ? "\n" : ",\n", pf->f);
	pf->first = false;
}

static struct pf_open *pf_slot(struct perfetto *pf, __u32 tgid, __u32 pool, __u32 buf, bool add)
{
	unsigned int h = (tgid * 2654435761u ^ pool * 40503u ^ buf * 2246822519u) % PF_OPEN, i;

	for (i = 0; i < PF_OPEN; i++) {
		struct pf_open *s = &pf->open[(h + i) % PF_OPEN];

		if (s->used && s->tgid == tgid && s->pool == pool && s->buf == buf)
			return s;
		if (!s->used)
			return add ? s : NULL;
	}
	return NULL;
}

static void pf_forget(struct perfetto *pf, struct pf_open *s)
{
	/* Re-insert the rest of the cluster (linear probing deletion). */
	unsigned int i = (unsigned int)(s - pf->open), j;

	s->used = false;
	for (j = (i + 1) % PF_OPEN; pf->open[j].used; j = (j + 1) % PF_OPEN) {
		struct pf_open tmp = pf->open[j], *d;

		pf->open[j].used = false;
		d = pf_slot(pf, tmp.tgid, tmp.pool, tmp.buf, true);
		if (d)
			*d = tmp;
	}
}

static struct pf_pool *pf_pool(struct perfetto *pf, const struct pt_event *e)
{
	unsigned int i;

	for (i = 0; i < pf->npools; i++)
		if (pf->pools[i].tgid == e->tgid && pf->pools[i].pool == e->id)
			return &pf->pools[i];
	if (pf->npools == sizeof(pf->pools) / sizeof(pf->pools[0]))
		return NULL;
	pf->pools[pf->npools] = (struct pf_pool){ .tgid = e->tgid, .pool = e->id, .total = -1 };
	return &pf->pools[pf->npools++];
}

static void pf_counter(struct perfetto *pf, const struct pt_event *e, struct pf_pool *p)
{
	long long out = p->outstanding < 0 ? 0 : p->outstanding;

	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"C\", \"name\": \"pool %s\", \"pid\": %u, \"ts\": %.3f, "
		"\"args\": {\"outstanding\": %lld", e->name, e->tgid, e->ts_ns / 1e3, out);
	if (p->total >= 0)
		fprintf(pf->f, ", \"idle\": %lld", p->total > out ? p->total - out : 0);
	fputs("}}", pf->f);
}

static void pf_ctx_name(struct perfetto *pf, __u32 tgid, __u32 ctx)
{
	__u64 key = (__u64)tgid << 32 | ctx;
	unsigned int i;

	for (i = 0; i < pf->nctx; i++)
		if (pf->ctx_named[i] == key)
			return;
	if (pf->nctx < sizeof(pf->ctx_named) / sizeof(pf->ctx_named[0]))
		pf->ctx_named[pf->nctx++] = key;
	pf_sep(pf);
	fprintf(pf->f, "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %u, \"tid\": %u, "
		"\"args\": {\"name\": \"NPU context %u\"}}", tgid, PF_CTX_TID + ctx, ctx);
}

static void pf_event(struct perfetto *pf, const struct pt_event *e)
{
	struct pf_open *s;
	struct pf_pool *p;
	__u64 start;

	switch (e->kind) {
	case PT_EV_ACQUIRE:
		s = pf_slot(pf, e->tgid, e->id, (__u32)e->a, true);
		if (s)
			*s = (struct pf_open){ .tgid = e->tgid, .pool = e->id, .buf = (__u32)e->a,
					       .tid = e->tid, .ts = e->ts_ns, .used = true };
		p = pf_pool(pf, e);
		if (p) {
			p->outstanding++;
			pf_counter(pf, e, p);
		}
		break;
	case PT_EV_RELEASE:
		s = pf_slot(pf, e->tgid, e->id, (__u32)e->a, false);
		if (s || e->b) {
			__u32 tid = s ? s->tid : e->tid;

			start = s ? s->ts : e->ts_ns - (__u64)e->b;
			pf_sep(pf);
			fprintf(pf->f, "{\"ph\": \"X\", \"cat\": \"buffer\", \"name\": \"%s\", "
				"\"pid\": %u, \"tid\": %u, \"ts\": %.3f, \"dur\": %.3f, "
				"\"args\": {\"pool\": \"%s\", \"buf\": %lld}}", e->name, e->tgid, tid,
				start / 1e3, (e->ts_ns - start) / 1e3, e->name, (long long)e->a);
			pf->slices++;
			if (s)
				pf_forget(pf, s);
		}
		p = pf_pool(pf, e);
		if (p) {
			p->outstanding--;
			pf_counter(pf, e, p);
		}
		break;
	case PT_EV_GROW:
	case PT_EV_EVICT:
		p = pf_pool(pf, e);
		if (p) {
			p->total = e->b;
			pf_counter(pf, e, p);
		}
		break;
	case PT_EV_CMD_DONE:
		pf_ctx_name(pf, e->tgid, e->id);
		start = e->ts_ns - (__u64)e->a;
		pf_sep(pf);
		fprintf(pf->f, "{\"ph\": \"X\", \"cat\": \"npu\", \"name\": \"cmd %lld\", "
			"\"pid\": %u, \"tid\": %u, \"ts\": %.3f, \"dur\": %.3f, "
			"\"args\": {\"context\": %u, \"seq\": %lld}}", (long long)e->b, e->tgid,
			PF_CTX_TID + e->id, start / 1e3, e->a / 1e3, e->id, (long long)e->b);
		pf->cmds++;
		break;
	default:
		break;
	}
}

static struct perfetto *pf_open_file(const char *path)
{
	struct perfetto *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->f = fopen(path, "w");
	if (!pf->f) {
		fprintf(stderr, "pooltrace: --perfetto %s: %s\n", path, strerror(errno));
		free(pf);
		return NULL;
	}
	pf->first = true;
	fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", pf->f);
	return pf;
}

static int pf_close(struct perfetto *pf)
{
	int err;

	if (!pf)
		return 0;
	fputs("\n]}\n", pf->f);
	err = fclose(pf->f) ? -errno : 0;
	free(pf);
	return err;
}

/* ---------------------------------------------------------------- events */

struct ev_ctx {
	const struct opts *o;
	struct perfetto *pf;
};

static int on_event(void *ctx, void *data, size_t len)
{
	const struct ev_ctx *c = ctx;
	const struct opts *o = c->o;
	const struct pt_event *e = data;
	const char *const *fld;
	char iso[64];

	if (len < sizeof(*e) || e->kind >= PT_EV__COUNT)
		return 0;
	if (c->pf)
		pf_event(c->pf, e);
	if (!(o->modes & M_EVENTS) || e->kind == PT_EV_ACQUIRE || e->kind == PT_EV_RELEASE ||
	    e->kind == PT_EV_EXEC)
		return 0;
	fld = ev_fields[e->kind];
	iso_time(e->ts_ns, iso, sizeof(iso));
	if (o->json) {
		printf("{\"time\": \"%s\", \"mono_ns\": %llu, \"event\": \"%s\", \"pid\": %u, "
		       "\"tid\": %u, ", iso, (unsigned long long)e->ts_ns, ev_names[e->kind],
		       e->tgid, e->tid);
		if (e->kind == PT_EV_CMD_DONE)
			printf("\"context\": %u", e->id);
		else
			printf("\"pool\": \"%s\"", e->name);
		printf(", \"%s\": %lld", fld[0], (long long)e->a);
		if (fld[1])
			printf(", \"%s\": %lld", fld[1], (long long)e->b);
		printf("}\n");
	} else {
		if (o->timestamps)
			printf("%s %llu ", iso, (unsigned long long)e->ts_ns);
		printf("%-10s pid %-7u ", ev_names[e->kind], e->tgid);
		if (e->kind == PT_EV_CMD_DONE)
			printf("context %-15u", e->id);
		else
			printf("pool %-20s", e->name);
		printf(" %s=%lld", fld[0], (long long)e->a);
		if (fld[1])
			printf(" %s=%lld", fld[1], (long long)e->b);
		putchar('\n');
	}
	return 0;
}

/* ---------------------------------------------------------------- attach */

struct probe_set {
	char names[32][64];
	int n;
};

static void note_probe(const struct usdt_note *note, void *ctx)
{
	struct probe_set *set = ctx;

	if (set->n < 32)
		snprintf(set->names[set->n++], sizeof(set->names[0]), "%s", note->name);
}

static bool probe_present(const struct probe_set *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->names[i], name))
			return true;
	return false;
}

struct probe_prog {
	const char *provider;
	const char *probe;
	struct bpf_program *prog;
	struct bpf_link **link;
};

#define PROBE(prov, name) { prov, #name, skel->progs.on_##name, &skel->links.on_##name }

/*
 * Attach every program whose probe the targets have (an older library may
 * lack some); with libpool probes, acquire and release are required.
 */
/* Links beyond the skeleton's one per program (--top attaches several files). */
static struct bpf_link *extra_links[256];
static unsigned int n_extra;

static int attach_all(struct pooltrace_bpf *skel, const struct opts *o, const struct targets *t)
{
	struct probe_set pset = { .n = 0 }, xset = { .n = 0 };
	struct probe_prog probes[] = {
		PROBE(PROVIDER, acquire), PROBE(PROVIDER, release), PROBE(PROVIDER, wait_end),
		PROBE(PROVIDER, timeout), PROBE(PROVIDER, exhausted), PROBE(PROVIDER, grow),
		PROBE(PROVIDER, evict), PROBE(PROVIDER, release_fenced),
		PROBE(PROVIDER, reusable),
		PROBE(PROVIDER_XDNA, bo_create), PROBE(PROVIDER_XDNA, bo_destroy),
		PROBE(PROVIDER_XDNA, exec), PROBE(PROVIDER_XDNA, cmd_done),
	};
	size_t i;

	if (t->pool[0]) {
		usdt_for_each(t->pool, PROVIDER, note_probe, &pset);
		if (!probe_present(&pset, "acquire") || !probe_present(&pset, "release")) {
			fprintf(stderr, "pooltrace: %s lacks the %s:acquire/release probes\n",
				t->pool, PROVIDER);
			return -ENOENT;
		}
	}
	if (t->shim[0])
		usdt_for_each(t->shim, PROVIDER_XDNA, note_probe, &xset);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		bool xdna = !strcmp(probes[i].provider, PROVIDER_XDNA);
		const char *path = xdna ? t->shim : t->pool;
		struct bpf_link *l;

		if (!path[0] || !probe_present(xdna ? &xset : &pset, probes[i].probe))
			continue;
		l = bpf_program__attach_usdt(probes[i].prog, o->pid ? o->pid : -1, path,
					     probes[i].provider, probes[i].probe, NULL);
		if (!l) {
			int err = -errno;

			fprintf(stderr, "pooltrace: attach %s:%s in %s: %s\n", probes[i].provider,
				probes[i].probe, path, strerror(-err));
			return err;
		}
		if (!*probes[i].link)
			*probes[i].link = l;
		else if (n_extra < sizeof(extra_links) / sizeof(extra_links[0]))
			extra_links[n_extra++] = l;
		else
			bpf_link__destroy(l);
	}
	return 0;
}

/* Detach every program: nothing writes the maps after this. */
static void detach_all(struct pooltrace_bpf *skel)
{
	struct bpf_link **links = (struct bpf_link **)&skel->links;
	size_t i, n = sizeof(skel->links) / sizeof(*links);

	for (i = 0; i < n; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	for (i = 0; i < n_extra; i++)
		bpf_link__destroy(extra_links[i]);
	n_extra = 0;
}

/* ------------------------------------------------------------------- top */

/*
 * Every file holding libpool or xdna probes that some process maps: the
 * libraries, and executables linking them statically.  Attached by path,
 * so processes started later from the same files are seen too.
 */
#define TOP_MAX_FILES	32

struct top_files {
	char path[TOP_MAX_FILES][PATH_MAX];
	bool pool[TOP_MAX_FILES], shim[TOP_MAX_FILES];
	unsigned int n;
};

static void top_consider(struct top_files *tf, const char *path)
{
	unsigned int i;
	bool pool, shim;

	for (i = 0; i < tf->n; i++)
		if (!strcmp(tf->path[i], path))
			return;
	if (tf->n == TOP_MAX_FILES)
		return;
	pool = usdt_count_probes(path, PROVIDER) > 0;
	shim = usdt_count_probes(path, PROVIDER_XDNA) > 0;
	snprintf(tf->path[tf->n], PATH_MAX, "%s", path);
	tf->pool[tf->n] = pool;
	tf->shim[tf->n] = shim;
	tf->n++;		/* files without probes stay listed: not opened again */
}

static void top_discover(struct top_files *tf)
{
	char maps[300], line[PATH_MAX + 256], exe[PATH_MAX];
	struct dirent *d;
	DIR *proc = opendir("/proc");
	ssize_t n;

	tf->n = 0;
	if (!proc)
		return;
	while ((d = readdir(proc))) {
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(maps, sizeof(maps), "/proc/%s/exe", d->d_name);
		n = readlink(maps, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = 0;
			if (!strstr(exe, " (deleted)"))
				top_consider(tf, exe);
		}
		snprintf(maps, sizeof(maps), "/proc/%s/maps", d->d_name);
		f = fopen(maps, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char *file = strchr(line, '/');

			if (!file || !(strstr(file, "/libpool.so") || strstr(file, "/libxdna-shim.so")))
				continue;
			file[strcspn(file, "\n")] = 0;
			top_consider(tf, file);
		}
		fclose(f);
	}
	closedir(proc);
}

static int top_attach(struct pooltrace_bpf *skel, struct opts *o)
{
	struct top_files *tf = calloc(1, sizeof(*tf));
	struct targets t;
	unsigned int i, used = 0;
	int err = 0;

	if (!tf)
		return -ENOMEM;
	if (o->pid || o->binary) {
		err = resolve_target(o, &t);
		if (!err)
			err = attach_all(skel, o, &t);
		free(tf);
		return err;
	}
	top_discover(tf);
	for (i = 0; i < tf->n && !err; i++) {
		if (!tf->pool[i] && !tf->shim[i])
			continue;
		snprintf(t.pool, sizeof(t.pool), "%s", tf->pool[i] ? tf->path[i] : "");
		snprintf(t.shim, sizeof(t.shim), "%s", tf->shim[i] ? tf->path[i] : "");
		err = attach_all(skel, o, &t);
		used++;
		if (!err)
			fprintf(stderr, "pooltrace: watching %s\n", tf->path[i]);
	}
	free(tf);
	if (!err && !used) {
		fprintf(stderr, "pooltrace: no running process maps a file with libpool or xdna "
				"probes (use --binary PATH for one started later)\n");
		err = -ENOENT;
	}
	return err;
}

/* Upper bound (ns) of the bucket holding the p-th fraction of a histogram. */
static unsigned long long hist_pct(const struct pt_hist *h, double p)
{
	unsigned long long want, seen = 0;
	int i;

	if (!h->count)
		return 0;
	want = (unsigned long long)(p * (double)h->count + 0.999999);
	for (i = 0; i < PT_SLOTS; i++) {
		seen += h->slots[i];
		if (seen >= want)
			return (2ull << i) - 1;
	}
	return ~0ull;
}

static void fmt_ns(unsigned long long ns, bool have, char *buf, size_t len)
{
	if (!have)
		snprintf(buf, len, "-");
	else if (ns < 10000)
		snprintf(buf, len, "%lluns", ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%lluus", ns / 1000);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%llums", ns / 1000000);
	else
		snprintf(buf, len, "%llus", ns / 1000000000);
}

struct top_row {
	__u32 tgid, pool;
	char name[PT_NAME_LEN];
	unsigned long long acq, rel, hit, waits, prev_acq;
	double rate;
	struct pt_hist acq_h, hold_h, dev_h;
	bool seen;
};

static struct top_row top_rows[512];
static unsigned int n_rows;

static struct top_row *top_row(__u32 tgid, __u32 pool)
{
	unsigned int i;

	for (i = 0; i < n_rows; i++)
		if (top_rows[i].tgid == tgid && top_rows[i].pool == pool)
			return &top_rows[i];
	if (n_rows == sizeof(top_rows) / sizeof(top_rows[0]))
		return NULL;
	top_rows[n_rows] = (struct top_row){ .tgid = tgid, .pool = pool };
	return &top_rows[n_rows++];
}

static void hist_merge(struct pt_hist *to, const struct pt_hist *h)
{
	int i;

	to->count += h->count;
	to->sum_ns += h->sum_ns;
	for (i = 0; i < PT_SLOTS; i++)
		to->slots[i] += h->slots[i];
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct top_row *a = pa, *b = pb;

	if (a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	return a->pool < b->pool ? -1 : a->pool > b->pool;
}

static void comm_of(__u32 pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, (int)len, f))
		snprintf(buf, len, "?");
	else
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/*
 * One screen: counters are totals since pooltrace attached (outstanding =
 * acquires - releases seen, rates from their change), histograms this
 * interval's (cleared after each screen).  DEV is the process's device time
 * over all its hardware contexts.
 */
static void top_screen(const struct opts *o, struct pooltrace_bpf *skel, double secs)
{
	struct any_key *keys;
	size_t n, i;
	unsigned int r;
	char iso[64], c1[16], c2[16], c3[16], c4[16], c5[16], c6[16], comm[32];
	struct pt_hist h;
	__u64 v;

	for (r = 0; r < n_rows; r++) {
		top_rows[r].seen = false;
		memset(&top_rows[r].acq_h, 0, sizeof(struct pt_hist));
		memset(&top_rows[r].hold_h, 0, sizeof(struct pt_hist));
		memset(&top_rows[r].dev_h, 0, sizeof(struct pt_hist));
	}
	n = sorted_keys(skel->maps.counters, false, &keys);
	for (i = 0; i < n; i++) {
		struct pt_cnt_key k = { .tgid = keys[i].tgid, .id = keys[i].id, .cnt = keys[i].kind };
		struct top_row *row;

		if (cnt_scope(k.cnt) != S_POOL ||
		    bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0))
			continue;
		row = top_row(k.tgid, k.id);
		if (!row)
			continue;
		row->seen = true;
		if (k.cnt == PT_CNT_ACQUIRE)
			row->acq = v;
		else if (k.cnt == PT_CNT_RELEASE)
			row->rel = v;
		else if (k.cnt == PT_CNT_HIT)
			row->hit = v;
		else if (k.cnt == PT_CNT_WAITED)
			row->waits = v;
	}
	free(keys);
	n = sorted_keys(skel->maps.hists, true, &keys);
	for (i = 0; i < n; i++) {
		struct pt_hist_key k = { .tgid = keys[i].tgid, .id = keys[i].id, .op = keys[i].kind };

		if (bpf_map__lookup_elem(skel->maps.hists, &k, sizeof(k), &h, sizeof(h), 0))
			continue;
		for (r = 0; r < n_rows; r++) {
			struct top_row *row = &top_rows[r];

			if (row->tgid != k.tgid)
				continue;
			if (k.op == PT_OP_DEVICE)
				hist_merge(&row->dev_h, &h);
			else if (row->pool == k.id && k.op == PT_OP_ACQUIRE)
				hist_merge(&row->acq_h, &h);
			else if (row->pool == k.id && k.op == PT_OP_HOLD)
				hist_merge(&row->hold_h, &h);
		}
	}
	free(keys);
	clear_map(skel->maps.hists);
	for (r = 0; r < n_rows; r++) {
		struct pt_pool_key pk = { .tgid = top_rows[r].tgid, .pool_id = top_rows[r].pool };
		struct pt_pool p;

		top_rows[r].rate = (double)(top_rows[r].acq - top_rows[r].prev_acq) / secs;
		top_rows[r].prev_acq = top_rows[r].acq;
		if (!bpf_map__lookup_elem(skel->maps.pools, &pk, sizeof(pk), &p, sizeof(p), 0))
			snprintf(top_rows[r].name, sizeof(top_rows[r].name), "%s", p.name);
		else
			snprintf(top_rows[r].name, sizeof(top_rows[r].name), "#%u", top_rows[r].pool);
	}
	qsort(top_rows, n_rows, sizeof(top_rows[0]), row_cmp);
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	iso_time(mono_ns(), iso, sizeof(iso));
	printf("%s  pools %u  (counters since attach, latencies over the last %.0f s)\n", iso,
	       n_rows, secs);
	printf("%-7s %-15s %-16s %9s %5s %6s %6s %8s %8s %8s %8s %8s %8s\n", "PID", "COMM", "POOL",
	       "ACQ/s", "HIT%", "WAITS", "OUTST", "ACQ_p50", "ACQ_p99", "HOLD_p50", "HOLD_p99",
	       "DEV_p50", "DEV_p99");
	for (r = 0; r < n_rows; r++) {
		const struct top_row *row = &top_rows[r];
		long long out = (long long)row->acq - (long long)row->rel;

		if (!row->seen)
			continue;
		comm_of(row->tgid, comm, sizeof(comm));
		fmt_ns(hist_pct(&row->acq_h, 0.5), row->acq_h.count, c1, sizeof(c1));
		fmt_ns(hist_pct(&row->acq_h, 0.99), row->acq_h.count, c2, sizeof(c2));
		fmt_ns(hist_pct(&row->hold_h, 0.5), row->hold_h.count, c3, sizeof(c3));
		fmt_ns(hist_pct(&row->hold_h, 0.99), row->hold_h.count, c4, sizeof(c4));
		fmt_ns(hist_pct(&row->dev_h, 0.5), row->dev_h.count, c5, sizeof(c5));
		fmt_ns(hist_pct(&row->dev_h, 0.99), row->dev_h.count, c6, sizeof(c6));
		printf("%-7u %-15.15s %-16.16s %9.0f %5.1f %6llu %6lld %8s %8s %8s %8s %8s %8s\n",
		       row->tgid, comm, row->name, row->rate,
		       row->acq ? 100.0 * (double)row->hit / (double)row->acq : 0.0, row->waits,
		       out < 0 ? 0 : out, c1, c2, c3, c4, c5, c6);
	}
	fflush(stdout);
	(void)o;
}

static int run_top(struct opts *o, struct pooltrace_bpf *skel)
{
	unsigned long long last = mono_ns(), now;
	int screens = 0;

	while (!exiting) {
		usleep(100 * 1000);
		now = mono_ns();
		if (o->duration && screens * o->interval >= o->duration)
			break;
		if (now - last < (unsigned long long)o->interval * 1000000000ull)
			continue;
		top_screen(o, skel, (double)(now - last) / 1e9);
		last = now;
		if (o->count && ++screens >= o->count)
			break;
	}
	detach_all(skel);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (verbose || (level == LIBBPF_WARN && getenv("POOLTRACE_VERBOSE")))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* A pidfd of the traced process, or -1: readable once it has exited. */
static int watch_target(pid_t pid)
{
#ifdef SYS_pidfd_open
	return pid ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
#else
	(void)pid;
	return -1;
#endif
}

static bool target_gone(int pidfd, pid_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (!pid)
		return false;
	if (pidfd >= 0)
		return poll(&p, 1, 0) == 1;
	return kill(pid, 0) && errno == ESRCH;
}

static int run(struct opts *o, struct pooltrace_bpf *skel, struct ring_buffer *rb)
{
	unsigned long long start = mono_ns(), next, now;
	int err = 0, reports = 0, pidfd = watch_target(o->pid);

	next = start + (unsigned long long)o->interval * 1000000000ull;
	while (!exiting) {
		if (rb)
			err = ring_buffer__poll(rb, 100);
		else
			usleep(100 * 1000);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
		now = mono_ns();
		if (target_gone(pidfd, o->pid)) {
			fprintf(stderr, "pooltrace: process %d exited\n", (int)o->pid);
			break;
		}
		if (o->duration && now - start >= (unsigned long long)o->duration * 1000000000ull)
			break;
		if (o->interval && now >= next) {
			/* The last one is printed after detaching, by main(). */
			if (o->count && reports + 1 >= o->count)
				break;
			report(o, skel, reports++);
			if (!o->cumulative) {
				clear_map(skel->maps.hists);
				clear_map(skel->maps.counters);
			}
			next += (unsigned long long)o->interval * 1000000000ull;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return err ? err : reports;
}

static int main_top(struct opts *o)
{
	struct pooltrace_bpf *skel;
	int err;

	if (preflight())
		return 1;
	skel = pooltrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "pooltrace: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = (__u32)o->pid;
	err = pooltrace_bpf__load(skel);
	if (err)
		fprintf(stderr, "pooltrace: cannot load BPF programs: %s\n", strerror(-err));
	else
		err = top_attach(skel, o);
	if (!err) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		fprintf(stderr, "Tracing every pool... Hit Ctrl-C to end.\n");
		err = run_top(o, skel);
	}
	pooltrace_bpf__destroy(skel);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct pooltrace_bpf *skel;
	struct perfetto *pf = NULL;
	struct targets t;
	struct ev_ctx ectx;
	struct opts o;
	int err, reports;

	tool_init(argv[0]);
	parse_args(argc, argv, &o);
	if (o.unpin_dir)
		return unpin(o.unpin_dir);
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);
	init_clocks();
	if (o.top)
		return main_top(&o);
	if (preflight() || resolve_target(&o, &t))
		return 1;
	if (o.pin_dir && pin_check(&o))
		return 1;
	skel = pooltrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "pooltrace: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = (__u32)o.pid;
	skel->rodata->emit_events = (o.modes & M_EVENTS) != 0;
	skel->rodata->emit_trace = o.perfetto != NULL;
	if (o.pool) {
		skel->rodata->filter_pool = true;
		strncpy((char *)skel->rodata->targ_pool, o.pool, PT_NAME_LEN - 1);
	}
	err = pooltrace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "pooltrace: cannot load BPF programs: %s\n", strerror(-err));
		goto out;
	}
	if (o.perfetto) {
		pf = pf_open_file(o.perfetto);
		if (!pf) {
			err = -EIO;
			goto out;
		}
	}
	ectx = (struct ev_ctx){ .o = &o, .pf = pf };
	if (o.modes & M_EVENTS || pf) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &ectx, NULL);
		if (!rb) {
			err = -errno;
			goto out;
		}
	}
	err = attach_all(skel, &o, &t);
	if (!err && o.pin_dir && o.pin_live)
		err = pin_maps(skel, o.pin_dir);
	if (err)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* stdout stays pure JSON: the banner goes to stderr there. */
	fprintf(o.json ? stderr : stdout, "Tracing %s%s%s%s%s... Hit Ctrl-C to end.\n",
		t.pool[0] ? PROVIDER ":* in " : "", t.pool, t.pool[0] && t.shim[0] ? ", " : "",
		t.shim[0] ? PROVIDER_XDNA ":* in " : "", t.shim);
	fflush(o.json ? stderr : stdout);
	reports = run(&o, skel, rb);
	err = reports < 0 ? reports : 0;
	/* A consistent snapshot: no program writes the maps after this. */
	detach_all(skel);
	if (rb)
		ring_buffer__consume(rb);
	report(&o, skel, reports < 0 ? 0 : reports);
	if (o.pin_dir && !o.pin_live && !err)
		err = pin_maps(skel, o.pin_dir);
	if (o.pin_dir && !err)
		fprintf(o.json ? stderr : stdout, "\nmaps stay pinned: bpftool map dump pinned "
			"%s/hists (pooltrace --unpin %s removes them)\n", o.pin_dir, o.pin_dir);
	if (pf) {
		fprintf(stderr, "pooltrace: %s: %llu buffer slices, %llu NPU commands\n", o.perfetto,
			pf->slices, pf->cmds);
		if (pf_close(pf) && !err)
			err = -EIO;
		pf = NULL;
	}
out:
	ring_buffer__free(rb);
	pf_close(pf);
	pooltrace_bpf__destroy(skel);
	return err ? 1 : 0;
}
