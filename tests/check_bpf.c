// SPDX-License-Identifier: MIT
/*
 * The eBPF side of libpool, for real: load pooltrace's CO-RE programs into
 * the kernel, attach them to the USDT probes of a child process that does a
 * known number of pool operations, and check the maps count exactly that;
 * pooltrace's own errors.  check_bpf_pipeline.c traces xdna-pipeline.
 *
 * Needs root (uprobes want CAP_SYS_ADMIN), kernel BTF and bpffs.  Elsewhere
 * the suite prints one line saying why and exits 77 (skipped); mk/run-tests.sh
 * refuses a skip when CI=true, because CI machines can run it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pool/pool.h"
#include "pooltrace.h"
#include "pooltrace.skel.h"
#include "runner.h"
#include "bpf_test.h"

#define BPF_FS_MAGIC	0xcafe4a11
#define BPF_SUITE_LOCK	"/tmp/xdnapool-check-bpf.lock"

const char *const cnt_enum_names[PT_CNT__COUNT][2] = {
	{ "ACQUIRE", "acquires" }, { "RELEASE", "releases" }, { "HIT", "hits" },
	{ "MISS", "misses" }, { "WAITED", "waits" }, { "TIMEOUT", "timeouts" },
	{ "EXHAUSTED", "exhausted" }, { "GROW", "grown" }, { "EVICT", "evicted" },
	{ "FENCED", "fenced" }, { "REUSABLE", "reusable" }, { "EXEC", "execs" },
	{ "CMD_DONE", "cmds_done" }, { "BO_CREATE", "bos_created" },
	{ "BO_DESTROY", "bos_destroyed" }, { "DEVICE_KERNEL", "device_kernel_ts" },
	{ "POOL_DEVICE_KERNEL", "pool_device_kernel_ts" },
};

/* The probes' semaphores live in libpool.a, linked into this binary. */
extern volatile unsigned short libpool_acquire_semaphore;
extern volatile unsigned short libpool_release_semaphore;

/* --------------------------------------------------------------- child */

static int child_ops(void)
{
	POOL_OPTS(pool_opts, ao, .name = "audio", .size = 4096, .initial = 2);
	POOL_OPTS(pool_opts, mo, .name = "mel", .size = 8192, .initial = 1, .max = 1);
	struct pool *audio = pool_create(&ao), *mel = pool_create(&mo);
	struct pool_buf *b, *held;
	int i;

	if (!audio || !mel)
		return 1;
	for (i = 0; i < N_AUDIO; i++) {
		if (pool_acquire(audio, &b, POOL_FOREVER) || pool_release(b))
			return 2;
	}
	for (i = 0; i < N_MEL; i++) {
		if (pool_acquire(mel, &b, POOL_FOREVER) || pool_release(b))
			return 3;
	}
	/* mel has max 1: while it is held, NOWAIT exhausts and a wait times out. */
	if (pool_acquire(mel, &held, POOL_FOREVER))
		return 4;
	for (i = 0; i < N_EXHAUST; i++)
		if (pool_acquire(mel, &b, POOL_NOWAIT) != -EAGAIN)
			return 5;
	if (pool_acquire(mel, &b, 1000000) != -ETIMEDOUT)
		return 6;
	if (pool_release(held))
		return 7;
	pool_destroy(audio);
	pool_destroy(mel);
	return 0;
}

/* Acquire and release until killed (a target that keeps counting). */
static void child_loop(void)
{
	POOL_OPTS(pool_opts, ao, .name = "audio", .size = 4096, .initial = 2);
	struct pool *audio = pool_create(&ao);
	struct pool_buf *b;

	if (!audio)
		_exit(1);
	for (;;)
		if (pool_acquire(audio, &b, POOL_FOREVER) || pool_release(b))
			_exit(2);
}

/* Commands: 'g' run the operations, 'l' loop forever, 's' report semaphores, 'q' quit. */
static void child_main(int cmd, int ack)
{
	unsigned short sem[2];
	char c;

	while (read(cmd, &c, 1) == 1) {
		if (c == 'g') {
			c = (char)child_ops();
			if (write(ack, &c, 1) != 1)
				break;
		} else if (c == 'l') {
			child_loop();
		} else if (c == 's') {
			sem[0] = libpool_acquire_semaphore;
			sem[1] = libpool_release_semaphore;
			if (write(ack, sem, sizeof(sem)) != sizeof(sem))
				break;
		} else {
			break;
		}
	}
	_exit(0);
}

void target_start(struct target *t)
{
	int c[2], a[2];

	ck_assert_int_eq(pipe(c), 0);
	ck_assert_int_eq(pipe(a), 0);
	t->pid = fork();
	ck_assert_int_ge(t->pid, 0);
	if (t->pid == 0) {
		close(c[1]);
		close(a[0]);
		child_main(c[0], a[1]);
	}
	close(c[0]);
	close(a[1]);
	t->cmd = c[1];
	t->ack = a[0];
}

int target_run(struct target *t)
{
	char c = 'g';

	ck_assert_int_eq(write(t->cmd, &c, 1), 1);
	ck_assert_int_eq(read(t->ack, &c, 1), 1);
	return c;
}

static void target_semaphores(struct target *t, unsigned short sem[2])
{
	char c = 's';

	ck_assert_int_eq(write(t->cmd, &c, 1), 1);
	ck_assert_int_eq(read(t->ack, sem, 2 * sizeof(sem[0])), (int)(2 * sizeof(sem[0])));
}

void target_stop(struct target *t)
{
	char c = 'q';
	int status;

	ck_assert_int_eq(write(t->cmd, &c, 1), 1);
	ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
	close(t->cmd);
	close(t->ack);
}

/* -------------------------------------------------------------- parent */

static struct pooltrace_bpf *load(pid_t pid, const char *pool)
{
	struct pooltrace_bpf *skel = pooltrace_bpf__open();

	ck_assert_ptr_nonnull(skel);
	skel->rodata->targ_tgid = (__u32)pid;
	if (pool) {
		skel->rodata->filter_pool = true;
		strncpy((char *)skel->rodata->targ_pool, pool, PT_NAME_LEN - 1);
	}
	ck_assert_int_eq(pooltrace_bpf__load(skel), 0);
	return skel;
}

static void attach(struct pooltrace_bpf *skel, pid_t pid)
{
	struct { struct bpf_program *prog; const char *probe; struct bpf_link **link; } p[] = {
		{ skel->progs.on_acquire, "acquire", &skel->links.on_acquire },
		{ skel->progs.on_release, "release", &skel->links.on_release },
		{ skel->progs.on_wait_end, "wait_end", &skel->links.on_wait_end },
		{ skel->progs.on_timeout, "timeout", &skel->links.on_timeout },
		{ skel->progs.on_exhausted, "exhausted", &skel->links.on_exhausted },
		{ skel->progs.on_grow, "grow", &skel->links.on_grow },
	};
	char exe[64];
	size_t i;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		*p[i].link = bpf_program__attach_usdt(p[i].prog, pid, exe, "libpool", p[i].probe,
						      NULL);
		ck_assert_msg(*p[i].link, "attach libpool:%s: %s", p[i].probe, strerror(errno));
	}
	skel->bss->tracing_on = true;	/* as pooltrace does once all are attached */
}

/* The pool_id the programs recorded for NAME in PID, or 0. */
static __u32 pool_id_of(struct pooltrace_bpf *skel, pid_t pid, const char *name)
{
	struct pt_pool_key k, next, *prev = NULL;
	struct pt_pool p;

	while (!bpf_map__get_next_key(skel->maps.pools, prev, &next, sizeof(next))) {
		k = next;
		prev = &k;
		if (k.tgid != (__u32)pid ||
		    bpf_map__lookup_elem(skel->maps.pools, &k, sizeof(k), &p, sizeof(p), 0))
			continue;
		if (!strcmp(p.name, name))
			return k.pool_id;
	}
	return 0;
}

static __u64 hist_count(struct pooltrace_bpf *skel, pid_t pid, __u32 pool, enum pt_op op,
			__u64 *slot_sum)
{
	struct pt_hist_key k = { .tgid = (__u32)pid, .id = pool, .op = op };
	struct pt_hist h;
	int i;

	*slot_sum = 0;
	if (bpf_map__lookup_elem(skel->maps.hists, &k, sizeof(k), &h, sizeof(h), 0))
		return 0;
	for (i = 0; i < PT_SLOTS; i++)
		*slot_sum += h.slots[i];
	return h.count;
}

static __u64 counter(struct pooltrace_bpf *skel, pid_t pid, __u32 pool, enum pt_cnt c)
{
	struct pt_cnt_key k = { .tgid = (__u32)pid, .id = pool, .cnt = c };
	__u64 v = 0;

	bpf_map__lookup_elem(skel->maps.counters, &k, sizeof(k), &v, sizeof(v), 0);
	return v;
}

static void assert_hist(struct pooltrace_bpf *skel, pid_t pid, __u32 pool, enum pt_op op,
			__u64 want)
{
	__u64 slots, n = hist_count(skel, pid, pool, op, &slots);

	ck_assert_msg(n == want && slots == want,
		      "pool %u op %d: count %llu, buckets %llu, want %llu", pool, op,
		      (unsigned long long)n, (unsigned long long)slots, (unsigned long long)want);
}

START_TEST(test_counts_exact)
{
	struct target t;
	struct pooltrace_bpf *skel;
	unsigned short sem[2];
	__u32 audio, mel;

	target_start(&t);
	skel = load(t.pid, NULL);
	attach(skel, t.pid);
	/* One count per probe site (the compiler may inline a probe twice). */
	target_semaphores(&t, sem);
	ck_assert_uint_gt(sem[0], 0);
	ck_assert_uint_gt(sem[1], 0);
	ck_assert_int_eq(target_run(&t), 0);

	audio = pool_id_of(skel, t.pid, "audio");
	mel = pool_id_of(skel, t.pid, "mel");
	ck_assert_uint_ne(audio, 0);
	ck_assert_uint_ne(mel, 0);
	assert_hist(skel, t.pid, audio, PT_OP_ACQUIRE, N_AUDIO);
	assert_hist(skel, t.pid, audio, PT_OP_RELEASE, N_AUDIO);
	assert_hist(skel, t.pid, audio, PT_OP_HOLD, N_AUDIO);
	assert_hist(skel, t.pid, mel, PT_OP_ACQUIRE, N_MEL + 1);
	assert_hist(skel, t.pid, mel, PT_OP_RELEASE, N_MEL + 1);
	assert_hist(skel, t.pid, mel, PT_OP_WAIT, 1);
	ck_assert_uint_eq(counter(skel, t.pid, audio, PT_CNT_ACQUIRE), N_AUDIO);
	ck_assert_uint_eq(counter(skel, t.pid, audio, PT_CNT_RELEASE), N_AUDIO);
	ck_assert_uint_eq(counter(skel, t.pid, audio, PT_CNT_HIT) +
			  counter(skel, t.pid, audio, PT_CNT_MISS), N_AUDIO);
	ck_assert_uint_eq(counter(skel, t.pid, mel, PT_CNT_EXHAUSTED), N_EXHAUST);
	ck_assert_uint_eq(counter(skel, t.pid, mel, PT_CNT_TIMEOUT), 1);
	ck_assert_uint_eq(counter(skel, t.pid, mel, PT_CNT_WAITED), 1);

	/* Detach: the semaphores must go back to zero (no cost when untraced). */
	pooltrace_bpf__destroy(skel);
	target_semaphores(&t, sem);
	ck_assert_uint_eq(sem[0], 0);
	ck_assert_uint_eq(sem[1], 0);
	target_stop(&t);
}
END_TEST

START_TEST(test_pool_filter_in_kernel)
{
	struct target t;
	struct pooltrace_bpf *skel;
	__u32 mel;
	__u64 slots;

	target_start(&t);
	skel = load(t.pid, "mel");
	attach(skel, t.pid);
	ck_assert_int_eq(target_run(&t), 0);
	ck_assert_uint_eq(pool_id_of(skel, t.pid, "audio"), 0);
	mel = pool_id_of(skel, t.pid, "mel");
	ck_assert_uint_ne(mel, 0);
	assert_hist(skel, t.pid, mel, PT_OP_ACQUIRE, N_MEL + 1);
	/* Nothing of the other pool reached the maps. */
	ck_assert_uint_eq(hist_count(skel, t.pid, mel == 1 ? 2 : 1, PT_OP_ACQUIRE, &slots), 0);
	pooltrace_bpf__destroy(skel);
	target_stop(&t);
}
END_TEST

void ensure_bpffs(void)
{
	struct statfs s;

	if (!statfs("/sys/fs/bpf", &s) && (unsigned long)s.f_type == BPF_FS_MAGIC)
		return;
	ck_assert_int_eq(mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"), 0);
}

/*
 * Run a python3 expression over a file and return its integer value (-1 on
 * failure).  The prelude gives `lines` (the file's JSON lines, or its one
 * JSON document as `doc`), `last` (the last line) and helpers over
 * pooltrace --json reports.
 */
long long pyq(const char *file, const char *expr)
{
	static const char prelude[] =
		"import json,sys\n"
		"t=open(sys.argv[1]).read()\n"
		"try:\n"
		"  doc=json.loads(t); lines=doc if isinstance(doc,list) else [doc]\n"
		"except ValueError:\n"
		"  doc=None; lines=[json.loads(l) for l in t.splitlines() if l.startswith('{')]\n"
		"last=lines[-1] if lines else {}\n"
		"def cnt(r,name,**kw):\n"
		"  return sum(c['value'] for c in r.get('counters',[]) if c['counter']==name and"
		" all(c.get(k)==v for k,v in kw.items()))\n"
		"def hist(r,op,f='count',**kw):\n"
		"  return sum(h[f] for h in r.get('histograms',[]) if h['op']==op and"
		" all(h.get(k)==v for k,v in kw.items()))\n"
		/* --perfetto's async pairs by (pid, cat, id): None unless each b has one e after it */
		"def pairs(evs):\n"
		"  o={}; r=[]\n"
		"  for e in evs:\n"
		"    if e['ph'] not in ('b','e'): continue\n"
		"    k=(e['pid'],e['cat'],e['id2']['local'])\n"
		"    if e['ph']=='b':\n"
		"      if k in o: return None\n"
		"      o[k]=e; continue\n"
		"    b=o.pop(k,None)\n"
		"    if b is None or e['ts']<b['ts'] or e['name']!=b['name']: return None\n"
		"    r.append((b,e))\n"
		"  return None if o else r\n";
	char script[] = "/tmp/xdnapool-pyq-XXXXXX";
	char cmd[PATH_MAX + 128];
	long long v = -1;
	FILE *f;
	int fd = mkstemp(script);

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%sprint(int(%s))\n", prelude, expr);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s", script, file);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	pclose(f);
	unlink(script);
	return v;
}

/* bpftool -j map dump of a pinned map, into a file. */
void bpftool_dump(const char *pin, const char *out)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s > %s", pin, out);
	ck_assert_int_eq(system(cmd), 0);
}

/* The count bpftool prints for the (pid, pool, acquire) histogram. */
static long long bpftool_count(const char *pin, pid_t pid, __u32 pool)
{
	char out[] = "/tmp/xdnapool-dump-XXXXXX", expr[256];
	long long v;
	int fd = mkstemp(out);

	ck_assert_int_ge(fd, 0);
	close(fd);
	bpftool_dump(pin, out);
	/* BTF: the key's op prints as its enum name. */
	snprintf(expr, sizeof(expr), "sum(e['formatted']['value']['count'] for e in doc if "
		 "e['formatted']['key'] == {'tgid': %d, 'id': %u, 'op': 'PT_OP_ACQUIRE', "
		 "'pad': 0}) or -1", (int)pid, pool);
	v = pyq(out, expr);
	unlink(out);
	return v;
}

START_TEST(test_pinned_map_bpftool)
{
	char dir[128], pin[160];
	struct pooltrace_bpf *skel;
	struct target t;
	__u32 audio;

	ensure_bpffs();
	target_start(&t);
	skel = load(t.pid, NULL);
	attach(skel, t.pid);
	ck_assert_int_eq(target_run(&t), 0);
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdnapool-test-%d", (int)getpid());
	snprintf(pin, sizeof(pin), "%s/hists", dir);
	mkdir(dir, 0700);
	ck_assert_int_eq(bpf_map__pin(skel->maps.hists, pin), 0);
	audio = pool_id_of(skel, t.pid, "audio");
	/* The pin outlives the programs: read it after they are gone. */
	pooltrace_bpf__destroy(skel);
	ck_assert_int_eq(bpftool_count(pin, t.pid, audio), N_AUDIO);
	ck_assert_int_eq(unlink(pin), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	target_stop(&t);
}
END_TEST

int run_tool(const char *args)
{
	char cmd[512];
	int status;

	snprintf(cmd, sizeof(cmd), POOLTRACE_BIN " %s >/dev/null 2>&1", args);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* pooltrace ARGS: its exit status, and whether stderr is one line holding @needle. */
static int run_tool_line(const char *args, const char *needle, bool *one_line)
{
	char cmd[512], err[128], line[512];
	int status, lines = 0;
	bool found = false;
	FILE *f;

	snprintf(err, sizeof(err), "/tmp/xdnapool-check-bpf-%d-errors.err", (int)getpid());
	snprintf(cmd, sizeof(cmd), POOLTRACE_BIN " %s >/dev/null 2>%s", args, err);
	status = system(cmd);
	f = fopen(err, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		found = found || strstr(line, needle);
	}
	fclose(f);
	unlink(err);
	*one_line = lines == 1 && found;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_pooltrace_errors)
{
	/* each refused with one line on stderr naming the bad value */
	static const struct { const char *args; int status; const char *needle; } bad[] = {
		{ "--mode nonsense -p 1", 2, "'nonsense'" },
		{ "-p notapid", 2, "'notapid'" },
		{ "", 2, "-p PID" },
		{ "-p 999999999", 1, "no such process: 999999999" },
		{ "--binary /bin/true", 1, "/bin/true has no" },
		{ "--binary /nonexistent", 1, "'/nonexistent'" },
		{ "--unpin /sys/fs/bpf/xdnapool-never-pinned", 1, "xdnapool-never-pinned" },
		{ "-p 1 -u -m", 2, "-u and -m" },		/* funclatency: exclusive */
		{ "-p 1 1 2 3", 2, "'3'" },			/* [interval [count]] only */
		{ "-p 1 -c 3", 2, "a count needs an interval" },
		{ "-p 1 --cumulative", 2, "--cumulative" },
		{ "-p 1 --bogus", 2, "'--bogus'" },		/* getopt_long */
		{ "-p", 2, "'-p'" },				/* a missing value */
	};
	bool one;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(run_tool_line(bad[i].args, bad[i].needle, &one) == bad[i].status,
			      "pooltrace %s: not exit %d", bad[i].args, bad[i].status);
		ck_assert_msg(one, "pooltrace %s: stderr is not one line with \"%s\"",
			      bad[i].args, bad[i].needle);
	}
	ck_assert_int_eq(run_tool("--help"), 0);		/* no work, whatever else */
	ck_assert_int_eq(run_tool("-p 999999999 --help"), 0);
	ck_assert_int_eq(run_tool("--version"), 0);
}
END_TEST

void tmpfile_name(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/xdnapool-check-bpf-%d-%s", (int)getpid(), what);
}

bool file_has(const char *path, const char *needle)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * pooltrace as an unprivileged user (nobody) against root's processes: their
 * /proc/PID/maps are unreadable, which is EACCES's "Permission denied", not
 * "no such process"; a PID that does not exist still says so.
 */
static int run_as_nobody(const char *args, const char *err)
{
	char cmd[512];
	int status;

	snprintf(cmd, sizeof(cmd), "setpriv --reuid=65534 --regid=65534 --clear-groups "
		 POOLTRACE_BIN " %s > /dev/null 2> %s", args, err);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_pooltrace_eacces)
{
	struct target t;
	char err[128], args[64];

	if (access("/usr/bin/setpriv", X_OK)) {
		/* CI's machines have util-linux: a missing setpriv there is a failure */
		ck_assert_msg(!getenv("CI") || strcmp(getenv("CI"), "true"),
			      "no setpriv (util-linux) under CI=true");
		fprintf(stderr, "check_bpf: no setpriv (util-linux): EACCES test skipped\n");
		return;
	}
	tmpfile_name(err, sizeof(err), "eacces.err");
	ck_assert_int_eq(run_as_nobody("-p 1", err), 1);
	ck_assert_msg(file_has(err, "/proc/1/maps: Permission denied"), "-p 1 as nobody");
	ck_assert_msg(file_has(err, "run pooltrace as root"), "-p 1 as nobody: no hint");
	ck_assert(!file_has(err, "no such process"));
	/* A root process with the probes: the same, not "needs CAP_SYS_ADMIN". */
	target_start(&t);
	snprintf(args, sizeof(args), "-p %d", (int)t.pid);
	ck_assert_int_eq(run_as_nobody(args, err), 1);
	ck_assert_msg(file_has(err, "Permission denied"), "-p %d as nobody", (int)t.pid);
	ck_assert(!file_has(err, "no such process"));
	target_stop(&t);
	ck_assert_int_eq(run_as_nobody("-p 999999999", err), 1);
	ck_assert(file_has(err, "no such process: 999999999"));
	unlink(err);
}
END_TEST

/* Root, BTF and uprobes are TEST_NEEDS_BPF; the tool is this suite's own. */
static const char *pooltrace_missing(void)
{
	if (access(POOLTRACE_BIN, X_OK))
		return POOLTRACE_BIN " not built (BPF=0?)";
	if (access(PIPELINE_BIN, X_OK) || access(EMU_SO, R_OK))
		return PIPELINE_BIN " or " EMU_SO " not built";
	return NULL;
}

/*
 * One check_bpf at a time on a machine: tracing by path and --top see every
 * process, so two suites at once (say make check next to make tsan) count
 * each other's pipelines (seen: test_top and test_chan_probes failing in
 * both).  The lock is held until exit; the second suite waits, saying so.
 */
static int one_suite_per_machine(void)
{
	int fd = open(BPF_SUITE_LOCK, O_CREAT | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return 0;
	fprintf(stderr, "check_bpf: another check_bpf is running on this machine; "
		"waiting for it (%s)\n", BPF_SUITE_LOCK);
	while (flock(fd, LOCK_EX))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static Suite *bpf_suite(void)
{
	Suite *s = suite_create("bpf");
	TCase *tc = tcase_create("usdt");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_counts_exact);
	tcase_add_test(tc, test_pool_filter_in_kernel);
	tcase_add_test(tc, test_pinned_map_bpftool);
	tcase_add_test(tc, test_pooltrace_errors);
	tcase_add_test(tc, test_pooltrace_eacces);
	bpf_add_pipeline_tests(tc);
	bpf_add_live_tests(tc);
	bpf_add_census_tests(tc);
	bpf_add_doc_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = bpf_suite, .needs = TEST_NEEDS_BPF, .setup = one_suite_per_machine,
	   .skip_reason = pooltrace_missing);

