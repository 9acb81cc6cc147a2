// SPDX-License-Identifier: MIT
/*
 * pooltrace: latency histograms of libpool operations on a live process,
 * from libpool's USDT probes, in the manner of bcc's funclatency.
 *
 *   pooltrace -p PID [--pool NAME] [--mode acquire|release|hold|wait|device|events|all]
 *             [-u|-m] [-i SECONDS] [-d SECONDS] [-T] [--json] [--pin DIR]
 *   pooltrace --binary PATH ...      attach by library/binary path (processes
 *                                    not started yet are caught too)
 *   pooltrace --unpin DIR            remove maps pinned by --pin
 *
 * Exit status: 0 done, 1 runtime error, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pooltrace.h"
#include "pooltrace.skel.h"
#include "usdt_notes.h"

#define BPF_FS_MAGIC	0xcafe4a11
#define PROVIDER	"libpool"

enum mode_bits {
	M_ACQUIRE = 1 << PT_OP_ACQUIRE,
	M_RELEASE = 1 << PT_OP_RELEASE,
	M_HOLD = 1 << PT_OP_HOLD,
	M_WAIT = 1 << PT_OP_WAIT,
	M_DEVICE = 1 << PT_OP_DEVICE,
	M_EVENTS = 1 << 8,
	/* every histogram; events (one line each) only when asked for */
	M_ALL = M_ACQUIRE | M_RELEASE | M_HOLD | M_WAIT | M_DEVICE,
};

struct opts {
	pid_t pid;
	const char *binary;
	const char *pool;
	unsigned int modes;
	unsigned long long unit;	/* ns per printed unit */
	const char *unit_name;
	int interval;
	int duration;
	bool timestamps;
	bool json;
	const char *pin_dir;
	const char *unpin_dir;
};

static volatile sig_atomic_t exiting;

static const char *const op_names[PT_OP__COUNT] = {
	"acquire", "release", "hold", "wait", "device",
};

static const char *const cnt_names[PT_CNT__COUNT] = {
	"acquires", "releases", "hits", "misses", "waits", "timeouts",
	"exhausted", "grown", "evicted", "submitted", "completed",
};

/* Probe name -> program, in the order of the skeleton. */
struct probe_prog {
	const char *probe;
	struct bpf_program *prog;
};

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("pooltrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'pooltrace --help'.\n", stderr);
	exit(2);
}

static void usage(void)
{
	printf("usage: pooltrace (-p PID | --binary PATH) [options]\n"
	       "       pooltrace --unpin DIR\n"
	       "  -p, --pid PID        trace this process (finds libpool in its mappings)\n"
	       "  -b, --binary PATH    attach to libpool.so or a binary linking libpool statically\n"
	       "      --pool NAME      only this pool (filtered in the kernel)\n"
	       "      --mode MODE      acquire|release|hold|wait|device|events|all (default all:\n"
	       "                       every histogram; events prints each discrete event)\n"
	       "  -u, --microseconds   histograms in us\n"
	       "  -m, --milliseconds   histograms in ms (default ns)\n"
	       "  -i, --interval SEC   print and clear every SEC seconds\n"
	       "  -d, --duration SEC   stop after SEC seconds\n"
	       "  -T, --timestamp      timestamp each output\n"
	       "      --json           JSON lines instead of histograms\n"
	       "      --pin DIR        pin the maps under DIR (bpffs) for bpftool; they stay after exit\n"
	       "      --unpin DIR      remove maps pinned by --pin and exit\n");
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
		{ "wait", M_WAIT }, { "device", M_DEVICE }, { "events", M_EVENTS },
		{ "all", M_ALL },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name))
			return modes[i].bits;
	die_usage("--mode '%s' is not one of acquire, release, hold, wait, device, events, all",
		  s);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_POOL = 256, O_MODE, O_JSON, O_PIN, O_UNPIN };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "pool", required_argument, NULL, O_POOL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "microseconds", no_argument, NULL, 'u' },
		{ "milliseconds", no_argument, NULL, 'm' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, O_JSON },
		{ "pin", required_argument, NULL, O_PIN },
		{ "unpin", required_argument, NULL, O_UNPIN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .modes = M_ALL, .unit = 1, .unit_name = "nsecs" };
	while ((c = getopt_long(argc, argv, "p:b:umi:d:Th", longopts, NULL)) != -1) {
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
			o->unit = 1000;
			o->unit_name = "usecs";
			break;
		case 'm':
			o->unit = 1000000;
			o->unit_name = "msecs";
			break;
		case 'i':
			o->interval = parse_int("-i", optarg, 1, 86400);
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
		case O_PIN:
			o->pin_dir = optarg;
			break;
		case O_UNPIN:
			o->unpin_dir = optarg;
			break;
		case 'h':
			usage();
			exit(0);
		default:
			fputs("Try 'pooltrace --help'.\n", stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
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

/* Find the file holding libpool's probes in PID's address space. */
static int resolve_target(struct opts *o, char *path, size_t len)
{
	char maps[64], line[PATH_MAX + 256], exe[64];
	FILE *f;
	int n;

	if (o->binary) {
		if (access(o->binary, R_OK))
			return fprintf(stderr, "pooltrace: --binary '%s': %s\n", o->binary,
				       strerror(errno)), -ENOENT;
		snprintf(path, len, "%s", o->binary);
		n = usdt_count_probes(path, PROVIDER);
		goto check;
	}
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)o->pid);
	f = fopen(maps, "r");
	if (!f) {
		fprintf(stderr, "pooltrace: no such process: %d\n", (int)o->pid);
		return -ESRCH;
	}
	path[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');

		if (!file || !strstr(file, "/libpool.so"))
			continue;
		file[strcspn(file, "\n")] = 0;
		snprintf(path, len, "/proc/%d/root%s", (int)o->pid, file);
		break;
	}
	fclose(f);
	if (!path[0]) {
		/* Statically linked: the probes are in the executable. */
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)o->pid);
		snprintf(path, len, "%s", exe);
	}
	n = usdt_count_probes(path, PROVIDER);
check:
	if (n < 0) {
		fprintf(stderr, "pooltrace: cannot read ELF notes of %s: %s\n", path, strerror(-n));
		return n;
	}
	if (n == 0) {
		fprintf(stderr, "pooltrace: %s has no '%s' USDT probes (libpool built without "
				"probes, or not linked with libpool)\n", path, PROVIDER);
		return -ENOENT;
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

static const char *const pinned_maps[] = { "hists", "counters", "pools" };

static int pin_maps(struct pooltrace_bpf *skel, const char *dir)
{
	struct bpf_map *maps[] = { skel->maps.hists, skel->maps.counters, skel->maps.pools };
	char path[PATH_MAX];
	size_t i;
	int err;

	err = ensure_bpffs(dir);
	if (err)
		return err;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "pooltrace: mkdir %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		unlink(path);	/* a stale pin from an earlier run */
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

static void print_time(const struct opts *o)
{
	char buf[32];
	time_t t = time(NULL);

	if (!o->timestamps)
		return;
	strftime(buf, sizeof(buf), "%H:%M:%S", localtime(&t));
	printf(o->json ? "\"time\": \"%s\", " : "%s\n", buf);
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

static void print_hist(const struct opts *o, const char *pool, unsigned int pid,
		       enum pt_op op, const struct pt_hist *h)
{
	unsigned long long b[PT_SLOTS], peak = 0;
	int i, last = rebucket(h, o->unit, b);

	printf("\npool %s (pid %u): %s latency\n", pool, pid, op_names[op]);
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

static void print_hist_json(const struct opts *o, const char *pool, unsigned int pid,
			    enum pt_op op, const struct pt_hist *h, bool *first)
{
	unsigned long long b[PT_SLOTS];
	int i, last = rebucket(h, o->unit, b);
	bool f = true;

	printf("%s{\"pool\": \"%s\", \"pid\": %u, \"op\": \"%s\", \"unit\": \"%s\", "
	       "\"count\": %llu, \"sum_ns\": %llu, \"buckets\": [",
	       *first ? "" : ", ", pool, pid, op_names[op], o->unit_name,
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

static void pool_name(struct pooltrace_bpf *skel, const struct pt_key *k, char *name)
{
	struct pt_key pk = { .tgid = k->tgid, .pool_id = k->pool_id };
	struct pt_pool p;

	if (bpf_map__lookup_elem(skel->maps.pools, &pk, sizeof(pk), &p, sizeof(p), 0))
		snprintf(name, PT_NAME_LEN, "#%u", k->pool_id);
	else
		snprintf(name, PT_NAME_LEN, "%s", p.name);
}

static void print_hists(const struct opts *o, struct pooltrace_bpf *skel, bool *first)
{
	struct pt_key k, next, *prev = NULL;
	char name[PT_NAME_LEN];
	struct pt_hist h;

	while (!bpf_map__get_next_key(skel->maps.hists, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		if (k.kind >= PT_OP__COUNT || !(o->modes & (1u << k.kind)))
			continue;
		if (bpf_map__lookup_elem(skel->maps.hists, &k, sizeof(k), &h, sizeof(h), 0))
			continue;
		pool_name(skel, &k, name);
		if (o->json)
			print_hist_json(o, name, k.tgid, k.kind, &h, first);
		else
			print_hist(o, name, k.tgid, k.kind, &h);
	}
}

static void print_counters(const struct opts *o, struct pooltrace_bpf *skel, bool *first)
{
	struct pt_key k, next, *prev = NULL;
	char name[PT_NAME_LEN];
	__u64 v;

	if (!o->json)
		printf("\n%-24s %8s %-12s %12s\n", "pool", "pid", "counter", "value");
	while (!bpf_map__get_next_key(skel->maps.counters, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		if (k.kind >= PT_CNT__COUNT ||
		    bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0))
			continue;
		pool_name(skel, &k, name);
		if (o->json)
			printf("%s{\"pool\": \"%s\", \"pid\": %u, \"counter\": \"%s\", \"value\": %llu}",
			       *first ? "" : ", ", name, k.tgid, cnt_names[k.kind],
			       (unsigned long long)v);
		else
			printf("%-24s %8u %-12s %12llu\n", name, k.tgid, cnt_names[k.kind],
			       (unsigned long long)v);
		*first = false;
	}
}

static void clear_map(struct bpf_map *map)
{
	struct pt_key k;

	while (!bpf_map__get_next_key(map, NULL, &k, sizeof(k)))
		bpf_map__delete_elem(map, &k, sizeof(k), 0);
}

static void report(const struct opts *o, struct pooltrace_bpf *skel)
{
	bool first = true;

	if (o->json) {
		printf("{");
		print_time(o);
		printf("\"histograms\": [");
		print_hists(o, skel, &first);
		printf("], \"counters\": [");
		first = true;
		print_counters(o, skel, &first);
		printf("]}\n");
	} else {
		print_time(o);
		print_hists(o, skel, &first);
		print_counters(o, skel, &first);
	}
	fflush(stdout);
}

static const char *const ev_names[] = {
	"wait", "timeout", "exhausted", "grow", "evict", "complete",
};

static int on_event(void *ctx, void *data, size_t len)
{
	const struct opts *o = ctx;
	const struct pt_event *e = data;
	const char *kind;

	if (len < sizeof(*e))
		return 0;
	kind = e->kind < sizeof(ev_names) / sizeof(ev_names[0]) ? ev_names[e->kind] : "?";
	if (o->json)
		printf("{\"event\": \"%s\", \"ts_ns\": %llu, \"pid\": %u, \"pool\": \"%s\", "
		       "\"a\": %lld, \"b\": %lld}\n", kind, (unsigned long long)e->ts_ns,
		       e->tgid, e->name, (long long)e->a, (long long)e->b);
	else
		printf("%s%-10s pid %-7u pool %-20s a=%lld b=%lld\n",
		       o->timestamps ? "" : "", kind, e->tgid, e->name, (long long)e->a,
		       (long long)e->b);
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

/*
 * Attach every program whose probe the target has (an older libpool may
 * lack some); acquire and release are required.
 */
static int attach_all(struct pooltrace_bpf *skel, const struct opts *o, const char *path)
{
	struct probe_set set = { .n = 0 };
	struct probe_prog probes[] = {
		{ "acquire", skel->progs.on_acquire },
		{ "release", skel->progs.on_release },
		{ "wait_end", skel->progs.on_wait_end },
		{ "timeout", skel->progs.on_timeout },
		{ "exhausted", skel->progs.on_exhausted },
		{ "grow", skel->progs.on_grow },
		{ "evict", skel->progs.on_evict },
		{ "device_submit", skel->progs.on_device_submit },
		{ "device_complete", skel->progs.on_device_complete },
	};
	struct bpf_link **links = &skel->links.on_acquire;
	size_t i;

	usdt_for_each(path, PROVIDER, note_probe, &set);
	if (!probe_present(&set, "acquire") || !probe_present(&set, "release")) {
		fprintf(stderr, "pooltrace: %s lacks the %s:acquire/release probes\n", path,
			PROVIDER);
		return -ENOENT;
	}
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct bpf_link *l;

		if (!probe_present(&set, probes[i].probe))
			continue;
		l = bpf_program__attach_usdt(probes[i].prog,
							      o->pid ? o->pid : -1, path,
							      PROVIDER, probes[i].probe, NULL);

		if (!l) {
			int err = -errno;

			fprintf(stderr, "pooltrace: attach %s:%s in %s: %s\n", PROVIDER,
				probes[i].probe, path, strerror(-err));
			return err;
		}
		links[i] = l;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("POOLTRACE_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int run(struct opts *o, struct pooltrace_bpf *skel)
{
	struct ring_buffer *rb = NULL;
	time_t start = time(NULL), next;
	int err = 0;

	if (o->modes & M_EVENTS) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, o, NULL);
		if (!rb)
			return -errno;
	}
	next = start + (o->interval ? o->interval : 0);
	while (!exiting) {
		time_t now = time(NULL);

		if (rb)
			err = ring_buffer__poll(rb, 200);
		else
			usleep(200 * 1000);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
		if (o->duration && now - start >= o->duration)
			break;
		if (o->interval && now >= next) {
			report(o, skel);
			clear_map(skel->maps.hists);
			next = now + o->interval;
		}
	}
	ring_buffer__free(rb);
	return err;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	struct pooltrace_bpf *skel;
	struct opts o;
	int err;

	parse_args(argc, argv, &o);
	if (o.unpin_dir)
		return unpin(o.unpin_dir);
	if (preflight() || resolve_target(&o, path, sizeof(path)))
		return 1;
	libbpf_set_print(libbpf_quiet);
	skel = pooltrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "pooltrace: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = (__u32)o.pid;
	skel->rodata->emit_events = (o.modes & M_EVENTS) != 0;
	if (o.pool) {
		skel->rodata->filter_pool = true;
		strncpy((char *)skel->rodata->targ_pool, o.pool, PT_NAME_LEN - 1);
	}
	err = pooltrace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "pooltrace: cannot load BPF programs: %s\n", strerror(-err));
		goto out;
	}
	err = attach_all(skel, &o, path);
	if (!err && o.pin_dir)
		err = pin_maps(skel, o.pin_dir);
	if (err)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!o.json)
		printf("Tracing %s:* in %s%s%s... Hit Ctrl-C to end.\n", PROVIDER, path,
		       o.pool ? ", pool " : "", o.pool ? o.pool : "");
	fflush(stdout);
	err = run(&o, skel);
	if (!o.interval || !exiting)
		report(&o, skel);
	if (o.pin_dir && !o.json)
		printf("\nmaps stay pinned: bpftool map dump pinned %s/hists "
		       "(pooltrace --unpin %s removes them)\n", o.pin_dir, o.pin_dir);
out:
	pooltrace_bpf__destroy(skel);
	return err ? 1 : 0;
}
