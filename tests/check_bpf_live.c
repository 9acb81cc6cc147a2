// SPDX-License-Identifier: MIT
/*
 * pooltrace against targets that keep running while it starts and stops:
 * the final snapshot's consistency, --top's discovery among many
 * executables and its rescans, --top -p's end with the target, the EACCES
 * hint as root.  Part of check_bpf (bpf_test.h).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>

#include "bpf_test.h"

#define LIVE_SLACK	16	/* operations in flight at start or stop: 4 commands per
				 * context, the buffers riding on them, the workers' */
#define N_SLEEPERS	40	/* distinct executables: more than the old cap of 32 */

/* sh -c CMD in the background: its pid (the exec'd command's). */
static pid_t spawn(const char *cmd)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* xdna-pipeline (or a copy at @bin) busy for minutes on the emulator. */
static pid_t pipeline_busy(const char *bin)
{
	char cmd[1024];

	/*
	 * The design named: a copy of the binary elsewhere finds no packaged
	 * design beside it (tool_data_path looks relative to the executable).
	 */
	snprintf(cmd, sizeof(cmd), "exec %s %s --seconds 1 -s 2 -r 100000 --npu-kernel checksum "
		 "--xclbin " DATA_DIR "/checksum.xclbin --no-progress > /dev/null 2>&1",
		 pipeline_env(), bin);
	return spawn(cmd);
}

/* Two counts that must agree up to what was in flight when tracing started and stopped. */
static void assert_close(const char *file, const char *a, const char *b)
{
	long long va = pyq(file, a), vb = pyq(file, b);

	ck_assert_msg(va > 0 && vb > 0 && va <= vb + LIVE_SLACK && vb <= va + LIVE_SLACK,
		      "%s: %s is %lld, %s is %lld", file, a, va, b, vb);
}

/* pooltrace's counter names, as the pinned map's enum names (PT_CNT_...). */
/* A counter's total in a bpftool dump of the pinned counters. */
#define PIN_SUM(cnt) "sum(e['formatted']['value'] for e in doc if " \
		     "e['formatted']['key']['cnt'] == '" cnt "')"

/*
 * The pipeline keeps running while pooltrace stops.  Its programs detach
 * one by one over seconds; without the common switch, those detached last
 * (fenced releases, completions) counted on after the first (acquires,
 * execs) had stopped: acquires 71 < fenced 117 in the last report and pins.
 */
START_TEST(test_live_snapshot_consistent)
{
	char pt[128], err[128], dir[128], pin[192], dump[128], args[256];
	pid_t pipe_pid, tr;

	ensure_bpffs();
	tmpfile_name(pt, sizeof(pt), "live.json");
	tmpfile_name(err, sizeof(err), "live.err");
	tmpfile_name(dump, sizeof(dump), "live-counters.json");
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdnapool-check-snap-%d", (int)getpid());
	pipe_pid = pipeline_busy(PIPELINE_BIN);
	usleep(500 * 1000);
	snprintf(args, sizeof(args), "-p %d --json --pin %s", (int)pipe_pid, dir);
	tr = pooltrace_start(args, pt, err);
	usleep((UNDER_TSAN ? 6000 : 1500) * 1000);	/* TSan's pipeline is ~4x slower */
	ck_assert_int_eq(pooltrace_stop(tr), 0);
	ck_assert_int_eq(waitpid(pipe_pid, NULL, WNOHANG), 0);	/* it ran on throughout */
	ck_assert_int_gt(pyq(pt, "cnt(last, 'acquires', pool='mel')"), 4 * LIVE_SLACK);
	/*
	 * The last report: each command carries one mel buffer released on
	 * its fence, so mel's acquires, releases and fenced releases, the
	 * execs and the completions are all one count (old: fenced 225,
	 * execs 290, detached 4 programs apart) ...
	 */
	assert_close(pt, "cnt(last, 'acquires', pool='mel')", "cnt(last, 'fenced', pool='mel')");
	assert_close(pt, "cnt(last, 'acquires', pool='mel')", "cnt(last, 'releases', pool='mel')");
	assert_close(pt, "cnt(last, 'fenced', pool='mel')", "cnt(last, 'execs')");
	assert_close(pt, "cnt(last, 'execs')", "cnt(last, 'cmds_done')");
	/* ... and the pinned counters, the same snapshot. */
	snprintf(pin, sizeof(pin), "%s/counters", dir);
	bpftool_dump(pin, dump);
	assert_close(dump, PIN_SUM("PT_CNT_FENCED"), PIN_SUM("PT_CNT_EXEC"));
	assert_close(dump, PIN_SUM("PT_CNT_EXEC"), PIN_SUM("PT_CNT_CMD_DONE"));
	assert_close(dump, PIN_SUM("PT_CNT_ACQUIRE"), PIN_SUM("PT_CNT_RELEASE"));
	reap(pipe_pid);
	snprintf(args, sizeof(args), "--unpin %s", dir);
	ck_assert_int_eq(run_tool(args), 0);
	unlink(pt);
	unlink(err);
	unlink(dump);
}
END_TEST

static int top_rows_of(const char *out, const char *comm)
{
	char expr[256];

	snprintf(expr, sizeof(expr), "0 if doc else sum(1 for l in t.splitlines() if "
		 "l.split()[1:2] == ['%s'])", comm);
	return (int)pyq(out, expr);
}

/*
 * --top without -p/--binary: files without probes do not count against a
 * cap (40 distinct executables run first, lower pids), and /proc is looked
 * at again each interval (a copy of the pipeline started later is found).
 */
START_TEST(test_top_discovery)
{
	char dir[128], cmd[1024], pt[128], err[128], copy[160];
	pid_t sleepers[N_SLEEPERS], pipe_pid, late_pid, tr;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/xdnapool-top-%d", (int)getpid());
	tmpfile_name(pt, sizeof(pt), "disc.txt");
	tmpfile_name(err, sizeof(err), "disc.err");
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir %s && cp " PIPELINE_BIN " %s/pipecopy",
		 dir, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	for (i = 0; i < N_SLEEPERS; i++) {
		snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s/sleep%02d && exec %s/sleep%02d 120",
			 dir, i, dir, i);
		sleepers[i] = spawn(cmd);
	}
	usleep(500 * 1000);
	pipe_pid = pipeline_busy(PIPELINE_BIN);
	usleep(500 * 1000);
	tr = pooltrace_start("--top 1 4", pt, err);
	ck_assert_msg(file_has(err, PIPELINE_BIN), "%s: the pipeline not watched", err);
	snprintf(copy, sizeof(copy), "%s/pipecopy", dir);
	late_pid = pipeline_busy(copy);
	ck_assert_int_eq(pooltrace_wait(tr, 15), 0);	/* 4 screens, then it stops */
	ck_assert_msg(waitpid(late_pid, NULL, WNOHANG) == 0, "%s exited early", copy);
	ck_assert_int_gt(top_rows_of(pt, "xdna-pipeline"), 0);
	ck_assert_msg(top_rows_of(pt, "pipecopy") > 0, "%s: the later copy has no rows", pt);
	ck_assert(file_has(err, copy));
	reap(late_pid);
	reap(pipe_pid);
	for (i = 0; i < N_SLEEPERS; i++)
		reap(sleepers[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	unlink(pt);
	unlink(err);
}
END_TEST

/* --top -p PID ends when the process does, like -p without --top. */
START_TEST(test_top_pid_exit)
{
	char pt[128], err[128], args[64];
	struct target t;
	pid_t tr;

	tmpfile_name(pt, sizeof(pt), "toppid.txt");
	tmpfile_name(err, sizeof(err), "toppid.err");
	target_start(&t);
	ck_assert_int_eq(write(t.cmd, "l", 1), 1);
	snprintf(args, sizeof(args), "--top -p %d 1", (int)t.pid);
	tr = pooltrace_start(args, pt, err);
	usleep(1500 * 1000);
	reap(t.pid);
	close(t.cmd);
	close(t.ack);
	ck_assert_int_eq(pooltrace_wait(tr, 5), 0);
	snprintf(args, sizeof(args), "process %d exited", (int)t.pid);
	ck_assert_msg(file_has(err, args), "%s: no '%s'", err, args);
	ck_assert_int_gt(top_rows_of(pt, "check_bpf"), 0);
	unlink(pt);
	unlink(err);
}
END_TEST

/*
 * Root refused another user's process (here: root without CAP_SYS_PTRACE
 * against nobody's): "run pooltrace as root" would be no help; the hint
 * names the ptrace access check instead, whether the kernel refused
 * /proc/PID/maps or, past it, /proc/PID/exe.
 */
START_TEST(test_eacces_as_root)
{
	char err[128], cmd[512];
	pid_t victim;

	if (access("/usr/bin/setpriv", X_OK)) {
		ck_assert_msg(!getenv("CI") || strcmp(getenv("CI"), "true"),
			      "no setpriv (util-linux) under CI=true");
		fprintf(stderr, "check_bpf: no setpriv (util-linux): test skipped\n");
		return;
	}
	tmpfile_name(err, sizeof(err), "rootacces.err");
	victim = spawn("exec setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60");
	usleep(500 * 1000);
	snprintf(cmd, sizeof(cmd), "setpriv --bounding-set -sys_ptrace --inh-caps -sys_ptrace "
		 POOLTRACE_BIN " -p %d > /dev/null 2> %s", (int)victim, err);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
	ck_assert_msg(file_has(err, "Permission denied"), "%s", err);
	ck_assert_msg(file_has(err, "ptrace access check"), "%s: the cause is not named", err);
	ck_assert_msg(!file_has(err, "run pooltrace as root"), "%s: told root to be root", err);
	reap(victim);
	unlink(err);
}
END_TEST

void bpf_add_live_tests(TCase *tc)
{
	tcase_add_test(tc, test_live_snapshot_consistent);
	tcase_add_test(tc, test_top_discovery);
	tcase_add_test(tc, test_top_pid_exit);
	tcase_add_test(tc, test_eacces_as_root);
}
