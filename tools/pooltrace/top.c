// SPDX-License-Identifier: MIT
/*
 * pooltrace --top: biotop for pools.  A row per pool of every process that
 * maps a file with libpool or xdna probes (attached by path, looked for
 * again each interval), or of -p/--binary, refreshed each interval.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "pooltrace_tool.h"
#include "tool.h"
#include "pooltrace.skel.h"
#include "usdt_notes.h"

/*
 * Every file holding libpool or xdna probes that some process maps: the
 * libraries, and executables linking them statically.  Attached by path,
 * so processes started later from the same files are seen too; /proc is
 * scanned again each interval for files not seen yet.  Files are known by
 * (device, inode): each process's are reached through its own /proc/PID
 * (exe, root/ + the mapped path), which works across mount namespaces.
 * Only files with probes count towards PT_MAX_FILES; those without are
 * remembered (up to TOP_MAX_PLAIN) so their ELF notes are read once.
 */
#define TOP_MAX_PLAIN	4096

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct top_files {
	struct file_id probed[PT_MAX_FILES];
	unsigned int nprobed;
	struct file_id plain[TOP_MAX_PLAIN];
	unsigned int nplain;
	bool full_said;
};

static struct top_files *top_files;

static bool id_in(const struct file_id *ids, unsigned int n, struct file_id id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ids[i].dev == id.dev && ids[i].ino == id.ino)
			return true;
	return false;
}

/* Attach PATH (NAME to print) if it has probes and is new: 1 attached, else 0. */
static int top_consider(struct pooltrace_bpf *skel, struct opts *o, struct top_files *tf,
			const char *path, const char *name)
{
	struct targets t;
	struct stat st;
	struct file_id id;
	bool pool, shim;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	id = (struct file_id){ .dev = st.st_dev, .ino = st.st_ino };
	if (id_in(tf->probed, tf->nprobed, id) || id_in(tf->plain, tf->nplain, id))
		return 0;
	pool = usdt_count_probes(path, PROVIDER) > 0;
	shim = usdt_count_probes(path, PROVIDER_XDNA) > 0;
	if (!pool && !shim) {
		if (tf->nplain < TOP_MAX_PLAIN)
			tf->plain[tf->nplain++] = id;
		return 0;
	}
	if (tf->nprobed == PT_MAX_FILES) {
		if (!tf->full_said)
			fprintf(stderr, "pooltrace: watching %d files already: %s and later ones "
					"are left out\n", PT_MAX_FILES, name);
		tf->full_said = true;
		return 0;
	}
	tf->probed[tf->nprobed++] = id;	/* tried once, whatever comes of it */
	snprintf(t.pool, sizeof(t.pool), "%s", pool ? path : "");
	snprintf(t.shim, sizeof(t.shim), "%s", shim ? path : "");
	/* One file that cannot be attached (said on stderr) leaves the others watched. */
	if (pt_attach_all(skel, o, &t))
		return 0;
	fprintf(stderr, "pooltrace: watching %s\n", name);
	return 1;
}

/* One process: its executable, and the libraries with probes it maps. */
static int top_scan_pid(struct pooltrace_bpf *skel, struct opts *o, struct top_files *tf,
			const char *pid)
{
	char path[PATH_MAX + 64], line[PATH_MAX + 256], name[PATH_MAX];
	ssize_t len;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	len = readlink(path, name, sizeof(name) - 1);
	if (len <= 0)
		return 0;		/* a kernel thread, or gone */
	name[len] = 0;
	n = top_consider(skel, o, tf, path, name);
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return n;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');

		if (!file || !(strstr(file, "/libpool.so") || strstr(file, "/libxdna-shim.so")))
			continue;
		file[strcspn(file, "\n")] = 0;
		snprintf(path, sizeof(path), "/proc/%s/root%s", pid, file);
		n += top_consider(skel, o, tf, path, file);
	}
	fclose(f);
	return n;
}

/* Every process: how many new files were attached. */
static int top_scan(struct pooltrace_bpf *skel, struct opts *o, struct top_files *tf)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	int n = 0;

	if (!proc)
		return 0;
	while ((d = readdir(proc)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
			n += top_scan_pid(skel, o, tf, d->d_name);
	closedir(proc);
	return n;
}

int pt_top_attach(struct pooltrace_bpf *skel, struct opts *o)
{
	struct targets t;
	int err;

	if (o->pid || o->binary) {
		err = pt_resolve_target(o, &t);
		return err ? err : pt_attach_all(skel, o, &t);
	}
	top_files = calloc(1, sizeof(*top_files));
	if (!top_files)
		return -ENOMEM;
	if (top_scan(skel, o, top_files))
		return 0;
	fprintf(stderr, "pooltrace: no running process maps a file with libpool or xdna probes "
			"that could be attached (use --binary PATH for one started later)\n");
	return -ENOENT;
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
	unsigned long long acq, hit, waits, prev_acq;
	long long out, idle;	/* libpool's census (its state probe); -1: none yet */
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

static void fmt_census(long long v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
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
 * One screen: counters are totals since pooltrace attached (rates from
 * their change), histograms this interval's (cleared after each screen).
 * OUTST and IDLE are the pool's own latest census (libpool:state), which
 * counts buffers held or allocated before pooltrace attached too ("-": no
 * sample yet).  DEV is the pool's device time: of the commands its buffers
 * were released fenced on ("-": none).
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
	n = pt_sorted_keys(skel->maps.counters, false, &keys);
	for (i = 0; i < n; i++) {
		struct pt_cnt_key k = { .tgid = keys[i].tgid, .id = keys[i].id, .cnt = keys[i].kind };
		struct top_row *row;

		if (pt_cnt_scope(k.cnt) != S_POOL ||
		    bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0))
			continue;
		row = top_row(k.tgid, k.id);
		if (!row)
			continue;
		row->seen = true;
		if (k.cnt == PT_CNT_ACQUIRE)
			row->acq = v;
		else if (k.cnt == PT_CNT_HIT)
			row->hit = v;
		else if (k.cnt == PT_CNT_WAITED)
			row->waits = v;
	}
	free(keys);
	n = pt_sorted_keys(skel->maps.hists, true, &keys);
	for (i = 0; i < n; i++) {
		struct pt_hist_key k = { .tgid = keys[i].tgid, .id = keys[i].id, .op = keys[i].kind };

		if (bpf_map__lookup_elem(skel->maps.hists, &k, sizeof(k), &h, sizeof(h), 0))
			continue;
		for (r = 0; r < n_rows; r++) {
			struct top_row *row = &top_rows[r];

			if (row->tgid != k.tgid)
				continue;
			if (row->pool == k.id && k.op == PT_OP_POOL_DEVICE)
				hist_merge(&row->dev_h, &h);
			else if (row->pool == k.id && k.op == PT_OP_ACQUIRE)
				hist_merge(&row->acq_h, &h);
			else if (row->pool == k.id && k.op == PT_OP_HOLD)
				hist_merge(&row->hold_h, &h);
		}
	}
	free(keys);
	pt_clear_map(skel->maps.hists);
	for (r = 0; r < n_rows; r++) {
		struct pt_pool_key pk = { .tgid = top_rows[r].tgid, .pool_id = top_rows[r].pool };
		struct pt_pool p;

		top_rows[r].rate = (double)(top_rows[r].acq - top_rows[r].prev_acq) / secs;
		top_rows[r].prev_acq = top_rows[r].acq;
		top_rows[r].out = top_rows[r].idle = -1;
		if (bpf_map__lookup_elem(skel->maps.pools, &pk, sizeof(pk), &p, sizeof(p), 0)) {
			snprintf(top_rows[r].name, sizeof(top_rows[r].name), "#%u", top_rows[r].pool);
			continue;
		}
		snprintf(top_rows[r].name, sizeof(top_rows[r].name), "%s", p.name);
		if (p.state_ns) {
			top_rows[r].out = (long long)p.outstanding;
			top_rows[r].idle = (long long)p.idle;
		}
	}
	qsort(top_rows, n_rows, sizeof(top_rows[0]), row_cmp);
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	pt_iso_time(tool_now_ns(), iso, sizeof(iso));
	printf("%s  pools %u  (counters since attach, latencies over the last %.0f s)\n", iso,
	       n_rows, secs);
	printf("%-7s %-15s %-16s %9s %5s %6s %6s %6s %8s %8s %8s %8s %8s %8s\n", "PID", "COMM",
	       "POOL", "ACQ/s", "HIT%", "WAITS", "OUTST", "IDLE", "ACQ_p50", "ACQ_p99", "HOLD_p50",
	       "HOLD_p99", "DEV_p50", "DEV_p99");
	for (r = 0; r < n_rows; r++) {
		const struct top_row *row = &top_rows[r];
		char out[24], idle[24];

		if (!row->seen)
			continue;
		comm_of(row->tgid, comm, sizeof(comm));
		fmt_ns(hist_pct(&row->acq_h, 0.5), row->acq_h.count, c1, sizeof(c1));
		fmt_ns(hist_pct(&row->acq_h, 0.99), row->acq_h.count, c2, sizeof(c2));
		fmt_ns(hist_pct(&row->hold_h, 0.5), row->hold_h.count, c3, sizeof(c3));
		fmt_ns(hist_pct(&row->hold_h, 0.99), row->hold_h.count, c4, sizeof(c4));
		fmt_ns(hist_pct(&row->dev_h, 0.5), row->dev_h.count, c5, sizeof(c5));
		fmt_ns(hist_pct(&row->dev_h, 0.99), row->dev_h.count, c6, sizeof(c6));
		fmt_census(row->out, out, sizeof(out));
		fmt_census(row->idle, idle, sizeof(idle));
		printf("%-7u %-15.15s %-16.16s %9.0f %5.1f %6llu %6s %6s %8s %8s %8s %8s %8s %8s\n",
		       row->tgid, comm, row->name, row->rate,
		       row->acq ? 100.0 * (double)row->hit / (double)row->acq : 0.0, row->waits,
		       out, idle, c1, c2, c3, c4, c5, c6);
	}
	fflush(stdout);
	(void)o;
}

int pt_run_top(struct opts *o, struct pooltrace_bpf *skel)
{
	unsigned long long last = tool_now_ns(), now;
	int screens = 0, pidfd = pt_watch_target(o->pid);

	while (!pt_exiting) {
		usleep(100 * 1000);
		now = tool_now_ns();
		if (pt_target_gone(pidfd, o->pid)) {
			fprintf(stderr, "pooltrace: process %d exited\n", (int)o->pid);
			break;
		}
		if (o->duration && screens * o->interval >= o->duration)
			break;
		if (now - last < (unsigned long long)o->interval * NSEC_PER_SEC)
			continue;
		top_screen(o, skel, (double)(now - last) / (double)NSEC_PER_SEC);
		last = now;
		if (o->count && ++screens >= o->count)
			break;
		if (top_files)
			top_scan(skel, o, top_files);
	}
	if (pidfd >= 0)
		close(pidfd);
	pt_detach_all(skel);
	free(top_files);
	top_files = NULL;
	return 0;
}
