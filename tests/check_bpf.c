// SPDX-License-Identifier: MIT
/*
 * The eBPF side of libpool, for real: load pooltrace's CO-RE programs into
 * the kernel, attach them to the USDT probes of a child process that does a
 * known number of pool operations, and check the maps count exactly that.
 *
 * Needs root (uprobes want CAP_SYS_ADMIN), kernel BTF and bpffs.  Elsewhere
 * the suite prints one line saying why and exits 77 (skipped); mk/run-tests.sh
 * refuses a skip when CI=true, because CI machines can run it.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define BPF_FS_MAGIC	0xcafe4a11
#define N_AUDIO		1000
#define N_MEL		500
#define N_EXHAUST	3

/* enum pt_cnt's names (as BTF prints them, without PT_CNT_) and pooltrace's. */
static const char *const cnt_enum_names[][2] = {
	{ "ACQUIRE", "acquires" }, { "RELEASE", "releases" }, { "HIT", "hits" },
	{ "MISS", "misses" }, { "WAITED", "waits" }, { "TIMEOUT", "timeouts" },
	{ "EXHAUSTED", "exhausted" }, { "GROW", "grown" }, { "EVICT", "evicted" },
	{ "FENCED", "fenced" }, { "REUSABLE", "reusable" }, { "EXEC", "execs" },
	{ "CMD_DONE", "cmds_done" }, { "BO_CREATE", "bos_created" },
	{ "BO_DESTROY", "bos_destroyed" },
};

/* The probes' semaphores live in libpool.a, linked into this binary. */
extern volatile unsigned short libpool_acquire_semaphore;
extern volatile unsigned short libpool_release_semaphore;

struct target {
	pid_t pid;
	int cmd;	/* parent -> child */
	int ack;	/* child -> parent */
};

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

static void target_start(struct target *t)
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

static int target_run(struct target *t)
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

static void target_stop(struct target *t)
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

static void ensure_bpffs(void)
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
static long long pyq(const char *file, const char *expr)
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
		" all(h.get(k)==v for k,v in kw.items()))\n";
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
static void bpftool_dump(const char *pin, const char *out)
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

static int run_tool(const char *args)
{
	char cmd[512];
	int status;

	snprintf(cmd, sizeof(cmd), POOLTRACE_BIN " %s >/dev/null 2>&1", args);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_pooltrace_errors)
{
	ck_assert_int_eq(run_tool("--mode nonsense -p 1"), 2);
	ck_assert_int_eq(run_tool("-p notapid"), 2);
	ck_assert_int_eq(run_tool(""), 2);
	ck_assert_int_eq(run_tool("-p 999999999"), 1);		/* no such process */
	ck_assert_int_eq(run_tool("--binary /bin/true"), 1);	/* no probes */
	ck_assert_int_eq(run_tool("--binary /nonexistent"), 1);
	ck_assert_int_eq(run_tool("--unpin /sys/fs/bpf/xdnapool-never-pinned"), 1);
	ck_assert_int_eq(run_tool("-p 1 -u -m"), 2);		/* funclatency: exclusive */
	ck_assert_int_eq(run_tool("-p 1 1 2 3"), 2);		/* [interval [count]] only */
	ck_assert_int_eq(run_tool("-p 1 -c 3"), 2);		/* a count needs an interval */
	ck_assert_int_eq(run_tool("-p 1 --cumulative"), 2);
}
END_TEST

/* ------------------------------------- pooltrace against xdna-pipeline */

#define PIPE_STREAMS	2	/* this VM has 2 CPUs: more would time the scheduler */
#define PIPE_REQUESTS	24
#define PIPE_WORKERS	2	/* decode+mel workers (--workers) */
#define STR_(x)		#x
#define STR(x)		STR_(x)
#define EMU_DELAY_US	20000	/* every emulated command takes 20 ms */

static void tmpfile_name(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/xdnapool-check-bpf-%d-%s", (int)getpid(), what);
}

static bool file_has(const char *path, const char *needle)
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

/* pooltrace ARGS in the background, stdout/stderr to files; waits for its banner. */
static pid_t pooltrace_start(const char *args, const char *out, const char *err)
{
	char cmd[1024];
	pid_t pid;
	int i;

	snprintf(cmd, sizeof(cmd), "exec " POOLTRACE_BIN " %s > %s 2> %s", args, out, err);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if (file_has(err, "Tracing") || file_has(out, "Tracing"))
			return pid;
		ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);	/* still running */
		usleep(50 * 1000);
	}
	ck_abort_msg("pooltrace %s: no banner after 10 s", args);
	return -1;
}

/* Its exit status once it has stopped by itself within @secs (-1: it did not). */
static int pooltrace_wait(pid_t pid, int secs)
{
	int i, status;

	for (i = 0; i < secs * 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(50 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int pooltrace_stop(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	return pooltrace_wait(pid, 10);
}

static const char *pipeline_env(void)
{
	static char env[512];

	snprintf(env, sizeof(env), "env LD_PRELOAD=%s XDNA_EMU_QUIET=1 XDNA_EMU_DELAY_US=%d",
		 EMU_SO, EMU_DELAY_US);
	return env;
}

/* The pipeline on the emulated device: PIPE_REQUESTS requests; its --json to @out. */
static void pipeline_run(const char *out)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s " PIPELINE_BIN " --seconds 1 -s %d -r %d -w %d "
		 "--npu-kernel checksum --json --no-progress > %s 2>/dev/null", pipeline_env(),
		 PIPE_STREAMS, PIPE_REQUESTS, PIPE_WORKERS, out);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pyq(out, "last['ok']"), PIPE_REQUESTS);
}

/* pooltrace --binary PIPELINE EXTRA --json around one pipeline run. */
static void trace_pipeline(const char *extra, const char *ptout, const char *pjout)
{
	char args[512], err[128];
	pid_t pt;

	tmpfile_name(err, sizeof(err), "pt.err");
	snprintf(args, sizeof(args), "--binary " PIPELINE_BIN " --json %s", extra);
	pt = pooltrace_start(args, ptout, err);
	pipeline_run(pjout);
	ck_assert_int_eq(pooltrace_stop(pt), 0);
	unlink(err);
}

static void assert_pyq(const char *file, const char *expr, long long want)
{
	long long v = pyq(file, expr);

	ck_assert_msg(v == want, "%s: %s is %lld, want %lld", file, expr, v, want);
}

START_TEST(test_xdna_counts_exact)
{
	char pt[128], pj[128], expr[256];
	static const char *const pools[] = { "audio", "mel", "encoder" };
	size_t i;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(pj, sizeof(pj), "pipe.json");
	trace_pipeline("", pt, pj);
	/* xdna: one exec and one completion per request, on every context. */
	assert_pyq(pt, "cnt(last, 'execs')", PIPE_REQUESTS);
	assert_pyq(pt, "cnt(last, 'cmds_done')", PIPE_REQUESTS);
	assert_pyq(pt, "hist(last, 'device')", PIPE_REQUESTS);
	assert_pyq(pt, "hist(last, 'exec')", PIPE_REQUESTS);
	assert_pyq(pt, "len(set(h['context'] for h in last['histograms'] if h['op'] == 'device'))",
		   PIPE_STREAMS);
	/* Every BO created was destroyed; the pools' buffers are the SHARE ones. */
	assert_pyq(pt, "cnt(last, 'bos_created') - cnt(last, 'bos_destroyed')", 0);
	ck_assert_int_gt(pyq(pt, "cnt(last, 'bos_created')"), 0);
	ck_assert_int_eq(pyq(pt, "cnt(last, 'bos_created', bo='share')"),
			 pyq(pj, "sum(p['allocated'] for p in last['pools'])"));
	/* libpool: one buffer of each pool per request; mel goes to the NPU fenced. */
	for (i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		snprintf(expr, sizeof(expr), "cnt(last, 'acquires', pool='%s')", pools[i]);
		assert_pyq(pt, expr, PIPE_REQUESTS);
		snprintf(expr, sizeof(expr), "cnt(last, 'releases', pool='%s')", pools[i]);
		assert_pyq(pt, expr, PIPE_REQUESTS);
		snprintf(expr, sizeof(expr), "hist(last, 'acquire', pool='%s')", pools[i]);
		assert_pyq(pt, expr, PIPE_REQUESTS);
	}
	assert_pyq(pt, "cnt(last, 'fenced', pool='mel')", PIPE_REQUESTS);
	unlink(pt);
	unlink(pj);
}
END_TEST

/*
 * A correctness check with a wide bound, not a performance assertion: each
 * emulated command takes 20 ms, so the device histogram's mean is within 2x
 * of that, and of the pipeline's own mean NPU time.
 */
#ifdef __SANITIZE_THREAD__
#define UNDER_TSAN	1
#else
#define UNDER_TSAN	0
#endif

START_TEST(test_device_time)
{
	char pt[128], pj[128];
	long long mean_us, pipe_us;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(pj, sizeof(pj), "pipe.json");
	trace_pipeline("", pt, pj);
	mean_us = pyq(pt, "hist(last, 'device', 'sum_ns') / hist(last, 'device') / 1000");
	pipe_us = pyq(pj, "last['npu_ms']['mean'] * 1000");
	/*
	 * Under ThreadSanitizer the emulator and the shim run 5-15x slower and
	 * that time is part of submit -> signalled, so only the lower bound
	 * (no command ends before it ran) and the pipeline comparison hold.
	 */
	ck_assert_msg(mean_us >= EMU_DELAY_US / 2 &&
		      (UNDER_TSAN || mean_us <= EMU_DELAY_US * 2),
		      "device mean %lld us, each command takes %d us", mean_us, EMU_DELAY_US);
	ck_assert_msg(mean_us * 2 >= pipe_us && mean_us <= pipe_us * 2,
		      "device mean %lld us, the pipeline measured %lld us", mean_us, pipe_us);
	/* No command is reported shorter than it took (2^24 ns ~ 16.8 ms < 20 ms). */
	assert_pyq(pt, "all(b['low'] >= 2**24 for h in last['histograms'] if h['op'] == 'device' "
		   "for b in h['buckets'])", 1);
	/* libpool's busy-list time is a different thing, kept under its own name. */
	ck_assert_int_eq(pyq(pt, "hist(last, 'fenced') > 0"), 1);
	unlink(pt);
	unlink(pj);
}
END_TEST

START_TEST(test_perfetto)
{
	char pt[128], pj[128], pf[128], args[256];

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(pj, sizeof(pj), "pipe.json");
	tmpfile_name(pf, sizeof(pf), "perfetto.json");
	snprintf(args, sizeof(args), "--perfetto %s", pf);
	trace_pipeline(args, pt, pj);
	/* The trace-event format: an object with a traceEvents list of well-formed events. */
	assert_pyq(pf, "isinstance(doc, dict) and isinstance(doc['traceEvents'], list)", 1);
	assert_pyq(pf, "all(e['ph'] in 'XCM' and isinstance(e['pid'], int) and "
		   "(e['ph'] == 'M' or isinstance(e['ts'], (int, float))) and "
		   "(e['ph'] != 'X' or (e['dur'] >= 0 and isinstance(e['tid'], int))) "
		   "for e in doc['traceEvents'])", 1);
	/*
	 * A slice per buffer of each pool (audio, mel, encoder and the staged
	 * pipeline's request tickets), on the thread that acquired it: the
	 * stream clients take the tickets, the decode+mel workers the audio
	 * and mel buffers, each context's submitter the encoder buffers ...
	 */
	assert_pyq(pf, "sum(e['ph'] == 'X' and e['cat'] == 'buffer' and e['name'] == 'mel' "
		   "for e in doc['traceEvents'])", PIPE_REQUESTS);
	assert_pyq(pf, "sum(e['ph'] == 'X' and e['cat'] == 'buffer' "
		   "for e in doc['traceEvents'])", 4 * PIPE_REQUESTS);
	assert_pyq(pf, "len(set(e['tid'] for e in doc['traceEvents'] if e.get('cat') == 'buffer' "
		   "and e['name'] == 'request'))", PIPE_STREAMS);
	assert_pyq(pf, "len(set(e['tid'] for e in doc['traceEvents'] if e.get('cat') == 'buffer' "
		   "and e['name'] == 'encoder'))", PIPE_STREAMS);	/* one context per stream */
	assert_pyq(pf, "len(set(e['tid'] for e in doc['traceEvents'] if e.get('cat') == 'buffer' "
		   "and e['name'] in ('audio', 'mel'))) <= " STR(PIPE_WORKERS), 1);
	assert_pyq(pf, "not set(e['tid'] for e in doc['traceEvents'] if e.get('cat') == 'buffer' "
		   "and e['name'] == 'request') & set(e['tid'] for e in doc['traceEvents'] if "
		   "e.get('cat') == 'buffer' and e['name'] == 'audio')", 1);
	/* ... a slice per command on its context's track, each at least the emulated time ... */
	assert_pyq(pf, "sum(e.get('cat') == 'npu' for e in doc['traceEvents'])", PIPE_REQUESTS);
	assert_pyq(pf, "min(e['dur'] for e in doc['traceEvents'] if e.get('cat') == 'npu') >= "
		   "0.9 * 20000", 1);
	assert_pyq(pf, "sum(e['ph'] == 'M' and e['args']['name'].startswith('NPU context') "
		   "for e in doc['traceEvents'])", PIPE_STREAMS);
	/* ... and counters per pool: an outstanding value per acquire and release. */
	assert_pyq(pf, "sum(e['ph'] == 'C' and e['name'] == 'pool mel' and 'outstanding' in "
		   "e['args'] for e in doc['traceEvents']) >= 2 * 24", 1);	/* PIPE_REQUESTS */
	unlink(pt);
	unlink(pj);
	unlink(pf);
}
END_TEST

/* -i clears histograms and counters: the reports add up to the workload. */
START_TEST(test_interval_clears)
{
	char pt[128], err[128], args[128];
	struct target t;
	pid_t tr;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(err, sizeof(err), "pt.err");
	target_start(&t);
	snprintf(args, sizeof(args), "-p %d --json 1 4", (int)t.pid);	/* [interval [count]] */
	tr = pooltrace_start(args, pt, err);
	ck_assert_int_eq(target_run(&t), 0);
	usleep(2200 * 1000);
	ck_assert_int_eq(target_run(&t), 0);
	ck_assert_int_eq(pooltrace_wait(tr, 10), 0);	/* stops by itself after 4 reports */
	assert_pyq(pt, "len(lines)", 4);
	assert_pyq(pt, "[r['report'] for r in lines] == [0, 1, 2, 3]", 1);
	assert_pyq(pt, "sum(cnt(r, 'acquires', pool='audio') for r in lines)", 2 * N_AUDIO);
	assert_pyq(pt, "sum(hist(r, 'acquire', pool='audio') for r in lines)", 2 * N_AUDIO);
	assert_pyq(pt, "min(cnt(r, 'acquires', pool='audio') for r in lines)", 0);
	/* Every record is dated: ISO-8601 wall clock and monotonic ns. */
	assert_pyq(pt, "all(len(r['time']) == 24 and r['time'][10] == 'T' and "
		   "r['time'].endswith('Z') and r['mono_ns'] > 0 for r in lines)", 1);
	assert_pyq(pt, "all(a['mono_ns'] < b['mono_ns'] for a, b in zip(lines, lines[1:]))", 1);
	target_stop(&t);
	unlink(pt);
	unlink(err);
}
END_TEST

START_TEST(test_interval_cumulative)
{
	char pt[128], err[128], args[128];
	struct target t;
	pid_t tr;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(err, sizeof(err), "pt.err");
	target_start(&t);
	snprintf(args, sizeof(args), "-p %d --json --cumulative -i 1 -c 3", (int)t.pid);
	tr = pooltrace_start(args, pt, err);
	ck_assert_int_eq(target_run(&t), 0);
	usleep(1200 * 1000);
	ck_assert_int_eq(target_run(&t), 0);
	ck_assert_int_eq(pooltrace_wait(tr, 10), 0);
	assert_pyq(pt, "len(lines)", 3);
	assert_pyq(pt, "cnt(last, 'acquires', pool='audio')", 2 * N_AUDIO);
	assert_pyq(pt, "all(cnt(a, 'acquires') <= cnt(b, 'acquires') "
		   "for a, b in zip(lines, lines[1:]))", 1);
	target_stop(&t);
	unlink(pt);
	unlink(err);
}
END_TEST

/*
 * --pin leaves the snapshot pooltrace printed last: its programs were
 * detached before that read, so nothing counts on after it.
 */
START_TEST(test_pinned_consistent)
{
	char pt[128], pj[128], dir[128], pin[192], dump[128], args[256], expr[1024];
	char hdump[128];
	size_t i, n;

	ensure_bpffs();
	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(pj, sizeof(pj), "pipe.json");
	tmpfile_name(dump, sizeof(dump), "counters.json");
	tmpfile_name(hdump, sizeof(hdump), "hists.json");
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdnapool-check-%d", (int)getpid());
	snprintf(args, sizeof(args), "--pin %s", dir);
	trace_pipeline(args, pt, pj);
	snprintf(pin, sizeof(pin), "%s/counters", dir);
	bpftool_dump(pin, dump);
	snprintf(pin, sizeof(pin), "%s/hists", dir);
	bpftool_dump(pin, hdump);
	/* BTF: the keys print their enum names. */
	assert_pyq(dump, "len(doc) > 0 and all(e['formatted']['key']['cnt'].startswith('PT_CNT_') "
		   "for e in doc)", 1);
	assert_pyq(hdump, "len(doc) > 0 and all(e['formatted']['key']['op'].startswith('PT_OP_') "
		   "for e in doc)", 1);
	/* Consistent: more acquires than submits of any kind. */
	assert_pyq(dump, "sum(e['formatted']['value'] for e in doc if e['formatted']['key']['cnt'] "
		   "== 'PT_CNT_ACQUIRE') >= sum(e['formatted']['value'] for e in doc if "
		   "e['formatted']['key']['cnt'] in ('PT_CNT_FENCED', 'PT_CNT_EXEC'))", 1);
	/* Each counter of the pinned map equals the last printed report's. */
	n = sizeof(cnt_enum_names) / sizeof(cnt_enum_names[0]);
	for (i = 0; i < n; i++) {
		long long pinned, printed;

		snprintf(expr, sizeof(expr), "sum(e['formatted']['value'] for e in doc if "
			 "e['formatted']['key']['cnt'] == 'PT_CNT_%s')", cnt_enum_names[i][0]);
		pinned = pyq(dump, expr);
		snprintf(expr, sizeof(expr), "cnt(last, '%s')", cnt_enum_names[i][1]);
		printed = pyq(pt, expr);
		ck_assert_msg(pinned == printed, "%s: pinned %lld, printed %lld",
			      cnt_enum_names[i][1], pinned, printed);
	}
	/* An occupied directory is refused without --force. */
	snprintf(args, sizeof(args), "--binary " PIPELINE_BIN " -d 1 --pin %s", dir);
	ck_assert_int_eq(run_tool(args), 1);
	snprintf(args, sizeof(args), "--binary " PIPELINE_BIN " -d 1 --pin %s --force", dir);
	ck_assert_int_eq(run_tool(args), 0);
	snprintf(args, sizeof(args), "--unpin %s", dir);
	ck_assert_int_eq(run_tool(args), 0);
	unlink(pt);
	unlink(pj);
	unlink(dump);
	unlink(hdump);
}
END_TEST

/*
 * The same with a target that keeps counting while pooltrace stops: the
 * pinned counters still equal the last report, as every program was
 * detached before it was read.
 */
START_TEST(test_pinned_snapshot_live_target)
{
	char pt[128], err[128], dir[128], pin[192], dump[128], args[256];
	struct target t;
	long long pinned, printed;
	pid_t tr;
	int status;

	ensure_bpffs();
	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(err, sizeof(err), "pt.err");
	tmpfile_name(dump, sizeof(dump), "counters.json");
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdnapool-check-live-%d", (int)getpid());
	target_start(&t);
	ck_assert_int_eq(write(t.cmd, "l", 1), 1);
	snprintf(args, sizeof(args), "-p %d --json --pin %s", (int)t.pid, dir);
	tr = pooltrace_start(args, pt, err);
	usleep(500 * 1000);
	ck_assert_int_eq(pooltrace_stop(tr), 0);
	snprintf(pin, sizeof(pin), "%s/counters", dir);
	bpftool_dump(pin, dump);
	/* Every counter: programs detached one by one would count on in some. */
	pinned = pyq(dump, "sum(e['formatted']['value'] for e in doc)");
	printed = pyq(pt, "sum(c['value'] for c in last['counters'])");
	ck_assert_int_gt(pyq(pt, "cnt(last, 'acquires')"), 1000);
	ck_assert_msg(pinned == printed, "pinned counters sum to %lld, printed %lld", pinned,
		      printed);
	/* Still counting? Not into the pin: nothing is attached any more. */
	usleep(100 * 1000);
	bpftool_dump(pin, dump);
	ck_assert_int_eq(pyq(dump, "sum(e['formatted']['value'] for e in doc)"), pinned);
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	snprintf(args, sizeof(args), "--unpin %s", dir);
	ck_assert_int_eq(run_tool(args), 0);
	unlink(pt);
	unlink(err);
	unlink(dump);
}
END_TEST

/* -p PID: pooltrace ends when the process does, with its last report. */
START_TEST(test_target_exit)
{
	char pt[128], err[128], args[128], cmd[1024];
	pid_t pipe_pid, tr;
	int status;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(err, sizeof(err), "pt.err");
	/* 2 streams x 60 commands of 20 ms: over a second of work. */
	snprintf(cmd, sizeof(cmd), "exec %s " PIPELINE_BIN " --seconds 1 -s 2 -r 120 "
		 "--npu-kernel checksum --no-progress > /dev/null 2>&1", pipeline_env());
	pipe_pid = fork();
	ck_assert_int_ge(pipe_pid, 0);
	if (!pipe_pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);	/* let it map its libraries */
	snprintf(args, sizeof(args), "-p %d --json", (int)pipe_pid);
	tr = pooltrace_start(args, pt, err);
	ck_assert_int_eq(waitpid(pipe_pid, &status, 0), pipe_pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(pooltrace_wait(tr, 5), 0);
	ck_assert(file_has(err, "exited"));
	ck_assert_int_gt(pyq(pt, "cnt(last, 'cmds_done')"), 0);
	unlink(pt);
	unlink(err);
}
END_TEST

/*
 * A second tracing session on the same process: commands submitted while
 * the first was ending must not be reported in the second with the gap
 * between the sessions as their device time.
 */
START_TEST(test_device_sessions)
{
	char pt[128], err[128], args[128], cmd[1024];
	pid_t pipe_pid, tr;
	int status, i;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(err, sizeof(err), "pt.err");
	snprintf(cmd, sizeof(cmd), "exec %s " PIPELINE_BIN " --seconds 1 -s 2 -r 600 "
		 "--npu-kernel checksum --no-progress > /dev/null 2>&1", pipeline_env());
	pipe_pid = fork();
	ck_assert_int_ge(pipe_pid, 0);
	if (!pipe_pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	snprintf(args, sizeof(args), "-p %d --json -d 1", (int)pipe_pid);
	for (i = 0; i < 2; i++) {
		tr = pooltrace_start(args, pt, err);
		ck_assert_int_eq(pooltrace_wait(tr, 10), 0);
		ck_assert_int_gt(pyq(pt, "hist(last, 'device')"), 10);
		/* 2^30 ns ~ 1.07 s: the gap between sessions is 1.5 s, commands 20 ms. */
		assert_pyq(pt, "max(b['high'] for h in last['histograms'] if h['op'] == 'device' "
			   "for b in h['buckets']) < 2**30", 1);
		usleep(1500 * 1000);
	}
	kill(pipe_pid, SIGKILL);
	ck_assert_int_eq(waitpid(pipe_pid, &status, 0), pipe_pid);
	unlink(pt);
	unlink(err);
}
END_TEST

/* --top: a row per pool of the traced processes, refreshed each interval. */
START_TEST(test_top)
{
	char pt[128], err[128], cmd[1024];
	pid_t pipe_pid, tr;
	int status;

	tmpfile_name(pt, sizeof(pt), "top.txt");
	tmpfile_name(err, sizeof(err), "top.err");
	tr = pooltrace_start("--top --binary " PIPELINE_BIN " 1 2", pt, err);
	snprintf(cmd, sizeof(cmd), "exec %s " PIPELINE_BIN " --seconds 1 -s 2 -r 300 "
		 "--npu-kernel checksum --no-progress > /dev/null 2>&1", pipeline_env());
	pipe_pid = fork();
	ck_assert_int_ge(pipe_pid, 0);
	if (!pipe_pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(pooltrace_wait(tr, 10), 0);	/* 2 screens, then it stops */
	ck_assert_int_eq(waitpid(pipe_pid, &status, 0), pipe_pid);
	/* Not a tty: plain screens, a header line then "PID COMM POOL ..." rows. */
	assert_pyq(pt, "0 if doc else sum(1 for l in t.splitlines() if l.startswith('PID '))", 2);
	assert_pyq(pt, "0 if doc else sorted(set(l.split()[2] for l in t.splitlines() if "
		   "l.split()[1:2] == ['xdna-pipeline'])) == ['audio', 'encoder', 'mel', 'request']", 1);
	/* The pipeline ran all along: every row has a rate and the device column. */
	assert_pyq(pt, "0 if doc else all(float(l.split()[3]) > 0 and l.split()[11] != '-' for l "
		   "in t.splitlines() if l.split()[1:2] == ['xdna-pipeline'])", 1);
	unlink(pt);
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

static Suite *bpf_suite(void)
{
	Suite *s = suite_create("bpf");
	TCase *tc = tcase_create("usdt");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_counts_exact);
	tcase_add_test(tc, test_pool_filter_in_kernel);
	tcase_add_test(tc, test_pinned_map_bpftool);
	tcase_add_test(tc, test_pooltrace_errors);
	tcase_add_test(tc, test_xdna_counts_exact);
	tcase_add_test(tc, test_device_time);
	tcase_add_test(tc, test_perfetto);
	tcase_add_test(tc, test_interval_clears);
	tcase_add_test(tc, test_interval_cumulative);
	tcase_add_test(tc, test_pinned_consistent);
	tcase_add_test(tc, test_pinned_snapshot_live_target);
	tcase_add_test(tc, test_target_exit);
	tcase_add_test(tc, test_top);
	tcase_add_test(tc, test_device_sessions);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = bpf_suite, .needs = TEST_NEEDS_BPF,
	   .skip_reason = pooltrace_missing);
