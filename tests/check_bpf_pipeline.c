// SPDX-License-Identifier: MIT
/*
 * pooltrace against xdna-pipeline on the emulated device (both providers):
 * exact counts, device time against the pipeline's own NPU time and its
 * source, per-pool device time, --perfetto, intervals, pinning, the
 * target's exit, --top.  Part of check_bpf (bpf_test.h).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include "bpf_test.h"

#define PIPE_STREAMS	2	/* this VM has 2 CPUs: more would time the scheduler */
#define PIPE_REQUESTS	24
#define PIPE_WORKERS	2	/* decode+mel workers (--workers) */
#define STR_(x)		#x
#define STR(x)		STR_(x)
#define EMU_DELAY_US	20000	/* every emulated command takes 20 ms */

/* pooltrace ARGS in the background, stdout/stderr to files; waits for its banner. */
pid_t pooltrace_start(const char *args, const char *out, const char *err)
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
int pooltrace_wait(pid_t pid, int secs)
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

int pooltrace_stop(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	return pooltrace_wait(pid, 10);
}

const char *pipeline_env(void)
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

/* tracefs, where bpftrace 0.17 looks for its probes: mounted if absent. */
static void ensure_tracefs(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/events", &st))
		return;
	ck_assert_int_eq(mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL), 0);
}

/*
 * libpool's chan_send/chan_recv probes see each stage handoff of the staged
 * pipeline: a request's ticket goes client -> workers -> its context's
 * submitter -> the consumer, three channels, so three sends and three
 * receives per request, all of the "request" pool (bpftrace, bpf/PROBES.md).
 */
START_TEST(test_chan_probes)
{
	char bt[128], err[128], pj[128], cmd[1024], want[64];
	pid_t pid;
	int i, status;

	ensure_tracefs();
	tmpfile_name(bt, sizeof(bt), "bt.txt");
	tmpfile_name(err, sizeof(err), "bt.err");
	tmpfile_name(pj, sizeof(pj), "pipe.json");
	snprintf(cmd, sizeof(cmd), "exec bpftrace -e 'BEGIN { printf(\"ready\\n\"); } "
		 "usdt:" PIPELINE_BIN ":libpool:chan_send { @send[str(arg1)] = count(); } "
		 "usdt:" PIPELINE_BIN ":libpool:chan_recv { @recv[str(arg1)] = count(); }' "
		 "> %s 2> %s", bt, err);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300 && !file_has(bt, "ready"); i++) {
		ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "bpftrace exited: see %s", err);
		usleep(50 * 1000);
	}
	ck_assert_msg(file_has(bt, "ready"), "bpftrace did not attach in 15 s");
	pipeline_run(pj);
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	snprintf(want, sizeof(want), "@send[request]: %d\n", 3 * PIPE_REQUESTS);
	ck_assert_msg(file_has(bt, want), "%s: no '%s'", bt, want);
	snprintf(want, sizeof(want), "@recv[request]: %d\n", 3 * PIPE_REQUESTS);
	ck_assert_msg(file_has(bt, want), "%s: no '%s'", bt, want);
	unlink(bt);
	unlink(err);
	unlink(pj);
}
END_TEST

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
	/*
	 * Every BO created was destroyed; the BO pools' buffers are the SHARE
	 * ones (the request pool's tickets are host memory).
	 */
	assert_pyq(pt, "cnt(last, 'bos_created') - cnt(last, 'bos_destroyed')", 0);
	ck_assert_int_gt(pyq(pt, "cnt(last, 'bos_created')"), 0);
	ck_assert_int_eq(pyq(pt, "cnt(last, 'bos_created', bo='share')"),
			 pyq(pj, "sum(p['allocated'] for p in last['pools'] "
			     "if p['name'] != 'request')"));
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
	/*
	 * Device time per pool: every command carried a mel buffer released on
	 * its fence (libpool:release_fenced joined to xdna:cmd_done); the audio
	 * and encoder buffers are released plainly, so they have none.
	 */
	assert_pyq(pt, "hist(last, 'pool_device', pool='mel')", PIPE_REQUESTS);
	assert_pyq(pt, "hist(last, 'pool_device', pool='audio') + "
		   "hist(last, 'pool_device', pool='encoder')", 0);
	assert_pyq(pt, "hist(last, 'pool_device', 'sum_ns') == hist(last, 'device', 'sum_ns')", 1);
	unlink(pt);
	unlink(pj);
}
END_TEST

/*
 * A correctness check with a wide bound, not a performance assertion: each
 * emulated command takes 20 ms, so the device histogram's mean is within 2x
 * of that, and of the pipeline's own mean NPU time.
 */

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
	/*
	 * The emulator's default flavour has 6.16's timeline sync_file export:
	 * every command is timed by its fence's own signal timestamp, and the
	 * report says so; mel's per-pool time is the same commands'.
	 */
	assert_pyq(pt, "hist(last, 'device', 'kernel_ts') == hist(last, 'device') > 0", 1);
	assert_pyq(pt, "hist(last, 'pool_device', 'kernel_ts', pool='mel')", PIPE_REQUESTS);
	unlink(pt);
	unlink(pj);
}
END_TEST

/*
 * Linux 6.14 has no timeline point in HANDLE_TO_FD (RULES.md
 * SYNCOBJ_EXPORT_POINT): the shim falls back to its own clock, says so in
 * the probe, and the device time still matches the pipeline's.
 */
START_TEST(test_device_source_fallback)
{
	char pt[128], pj[128], pf[128], args[256];
	long long mean_us, pipe_us;

	tmpfile_name(pt, sizeof(pt), "pt.json");
	tmpfile_name(pj, sizeof(pj), "pipe.json");
	tmpfile_name(pf, sizeof(pf), "perfetto.json");
	snprintf(args, sizeof(args), "--perfetto %s", pf);
	setenv("XDNA_EMU_FLAVOUR", "6.14", 1);
	trace_pipeline(args, pt, pj);
	unsetenv("XDNA_EMU_FLAVOUR");
	assert_pyq(pt, "hist(last, 'device')", PIPE_REQUESTS);
	assert_pyq(pt, "hist(last, 'device', 'kernel_ts')", 0);
	assert_pyq(pt, "cnt(last, 'device_kernel_ts')", 0);
	/* the timeline says the same of every command */
	assert_pyq(pf, "sum(b['cat'] == 'npu' and b['args']['signal_time'] == 'shim' "
		   "for b, e in pairs(doc['traceEvents']))", PIPE_REQUESTS);
	mean_us = pyq(pt, "hist(last, 'device', 'sum_ns') / hist(last, 'device') / 1000");
	pipe_us = pyq(pj, "last['npu_ms']['mean'] * 1000");
	ck_assert_msg(mean_us * 2 >= pipe_us && mean_us <= pipe_us * 2,
		      "device mean %lld us, the pipeline measured %lld us", mean_us, pipe_us);
	unlink(pt);
	unlink(pj);
	unlink(pf);
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
	assert_pyq(pf, "all(e['ph'] in ('b', 'e', 'C', 'M') and isinstance(e['pid'], int) and "
		   "(e['ph'] == 'M' or isinstance(e['ts'], (int, float))) and "
		   "(e['ph'] not in ('b', 'e') or (isinstance(e['tid'], int) and "
		   "e['cat'] in ('buffer', 'npu') and e['id2']['local'].startswith('0x'))) "
		   "for e in doc['traceEvents'])", 1);
	/*
	 * Buffers and commands overlap without nesting, so each is an async
	 * pair of its own id: every "b" has exactly one "e", after it.
	 */
	assert_pyq(pf, "pairs(doc['traceEvents']) is not None", 1);
	assert_pyq(pf, "len(pairs(doc['traceEvents'])) == sum(e['ph'] == 'b' "
		   "for e in doc['traceEvents']) > 0", 1);
	/*
	 * A pair per buffer of each pool (audio, mel, encoder and the staged
	 * pipeline's request tickets), from the thread that acquired it: the
	 * stream clients take the tickets, the decode+mel workers the audio
	 * and mel buffers, each context's submitter the encoder buffers ...
	 */
	assert_pyq(pf, "sum(b['cat'] == 'buffer' and b['name'] == 'mel' "
		   "for b, e in pairs(doc['traceEvents']))", PIPE_REQUESTS);
	assert_pyq(pf, "sum(b['cat'] == 'buffer' for b, e in pairs(doc['traceEvents']))",
		   4 * PIPE_REQUESTS);
	assert_pyq(pf, "len(set(b['tid'] for b, e in pairs(doc['traceEvents']) if "
		   "b['cat'] == 'buffer' and b['name'] == 'request'))", PIPE_STREAMS);
	assert_pyq(pf, "len(set(b['tid'] for b, e in pairs(doc['traceEvents']) if "
		   "b['cat'] == 'buffer' and b['name'] == 'encoder'))", PIPE_STREAMS);
	assert_pyq(pf, "len(set(b['tid'] for b, e in pairs(doc['traceEvents']) if "
		   "b['cat'] == 'buffer' and b['name'] in ('audio', 'mel'))) <= " STR(PIPE_WORKERS), 1);
	assert_pyq(pf, "not set(b['tid'] for b, e in pairs(doc['traceEvents']) if "
		   "b['cat'] == 'buffer' and b['name'] == 'request') & set(b['tid'] for b, e in "
		   "pairs(doc['traceEvents']) if b['cat'] == 'buffer' and b['name'] == 'audio')", 1);
	/* ... a pair per command, named after its context, each at least the emulated time ... */
	assert_pyq(pf, "sum(b['cat'] == 'npu' for b, e in pairs(doc['traceEvents']))",
		   PIPE_REQUESTS);
	assert_pyq(pf, "min(e['ts'] - b['ts'] for b, e in pairs(doc['traceEvents']) if "
		   "b['cat'] == 'npu') >= 0.9 * 20000", 1);
	assert_pyq(pf, "len(set(b['name'] for b, e in pairs(doc['traceEvents']) if "
		   "b['cat'] == 'npu' and b['name'].startswith('NPU context ')))", PIPE_STREAMS);
	/* ... each saying whose clock ended it: the fence's own, on this flavour ... */
	assert_pyq(pf, "sum(b['cat'] == 'npu' and b['args']['signal_time'] == 'kernel' "
		   "for b, e in pairs(doc['traceEvents']))", PIPE_REQUESTS);
	/* ... the process and every thread seen named ("M") ... */
	assert_pyq(pf, "sum(e['ph'] == 'M' and e['name'] == 'process_name' and "
		   "e['args']['name'] == 'xdna-pipeline' for e in doc['traceEvents'])", 1);
	assert_pyq(pf, "set(b['tid'] for b, e in pairs(doc['traceEvents'])) <= set(e['tid'] "
		   "for e in doc['traceEvents'] if e['ph'] == 'M' and e['name'] == 'thread_name')",
		   1);
	/*
	 * ... and counters per pool, libpool's census (check_bpf_census.c
	 * checks its values): mel's buffers are held, idle or busy on a fence,
	 * never more than the pool has, and some sample has them on the NPU.
	 */
	assert_pyq(pf, "sum(e['ph'] == 'C' and e['name'] == 'pool mel' for e in "
		   "doc['traceEvents']) > 0", 1);
	assert_pyq(pf, "all(set(e['args']) == {'outstanding', 'idle', 'busy'} and "
		   "min(e['args'].values()) >= 0 for e in doc['traceEvents'] if e['ph'] == 'C')", 1);
	assert_pyq(pf, "max(e['args']['busy'] for e in doc['traceEvents'] if e['ph'] == 'C' and "
		   "e['name'] == 'pool mel') > 0", 1);
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
	n = PT_CNT__COUNT;
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
	/*
	 * The pipeline ran all along: every row has a rate and the pool's census
	 * (OUTST, IDLE); the device column is the pool's (its buffers fenced on
	 * the commands): mel's only.
	 */
	assert_pyq(pt, "0 if doc else all(float(l.split()[3]) > 0 and l.split()[6].isdigit() and "
		   "l.split()[7].isdigit() and (l.split()[12] != '-') == (l.split()[2] == 'mel') "
		   "for l in t.splitlines() if l.split()[1:2] == ['xdna-pipeline'])", 1);
	unlink(pt);
	unlink(err);
}
END_TEST


void bpf_add_pipeline_tests(TCase *tc)
{
	tcase_add_test(tc, test_xdna_counts_exact);
	tcase_add_test(tc, test_device_time);
	tcase_add_test(tc, test_device_source_fallback);
	tcase_add_test(tc, test_perfetto);
	tcase_add_test(tc, test_interval_clears);
	tcase_add_test(tc, test_interval_cumulative);
	tcase_add_test(tc, test_pinned_consistent);
	tcase_add_test(tc, test_pinned_snapshot_live_target);
	tcase_add_test(tc, test_target_exit);
	tcase_add_test(tc, test_device_sessions);
	tcase_add_test(tc, test_top);
	tcase_add_test(tc, test_chan_probes);
}
