// SPDX-License-Identifier: MIT
/*
 * libpool:state, the pool's own census, as pooltrace shows it: the
 * --perfetto counters, --top's OUTST and IDLE and the pinned pools map.  The
 * pool is filled and partly held before pooltrace attaches, which counts
 * from attach (acquires - releases seen) could never show.  Part of
 * check_bpf (bpf_test.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>

#include "pool/pool.h"
#include "pool/poolset.h"
#include "bpf_test.h"

#define CENSUS_TOTAL	8	/* buffers allocated at creation */
#define CENSUS_HELD	3	/* held from before pooltrace attaches to the end */
#define CENSUS_ROUNDS	40	/* acquire, pause, release, pause */
#define CENSUS_PAUSE_US	3000	/* > libpool's 1 ms between two samples of a pool */
#define N_DIRECT	5	/* oversized size-class requests: a direct pool's */

struct census_child {
	pid_t pid;
	int cmd, ack;
};

/* One more buffer in and out, pausing so libpool samples after each. */
static int census_rounds(struct pool *p)
{
	struct pool_buf *b;
	int i;

	for (i = 0; i < CENSUS_ROUNDS; i++) {
		if (pool_acquire(p, &b, POOL_FOREVER))
			return 1;
		usleep(CENSUS_PAUSE_US);
		if (pool_release(b))
			return 1;
		usleep(CENSUS_PAUSE_US);
	}
	return 0;
}

/* Requests above the largest class: allocated at acquire, freed at release. */
static int direct_rounds(void)
{
	POOL_OPTS(pool_classes_opts, co, .name = "big", .min_class = 4096, .max_class = 4096);
	struct pool_classes *cls = pool_classes_create(&co);
	struct pool_buf *b;
	int i, err = 0;

	if (!cls)
		return 1;
	for (i = 0; i < N_DIRECT && !err; i++)
		err = pool_classes_acquire(cls, 16 * 4096, &b, POOL_FOREVER) || pool_release(b);
	pool_classes_destroy(cls);
	return err;
}

/* 'g': the rounds, 'd': direct_rounds, answered with their result; else release and quit. */
static void census_main(int cmd, int ack)
{
	POOL_OPTS(pool_opts, o, .name = "census", .size = 4096, .initial = CENSUS_TOTAL,
		  .max = CENSUS_TOTAL);
	struct pool_buf *held[CENSUS_HELD];
	struct pool *p = pool_create(&o);
	char c = 'r';
	int i;

	if (!p)
		_exit(1);
	for (i = 0; i < CENSUS_HELD; i++)
		if (pool_acquire(p, &held[i], POOL_FOREVER))
			_exit(2);
	if (write(ack, &c, 1) != 1)
		_exit(3);
	while (read(cmd, &c, 1) == 1 && (c == 'g' || c == 'd')) {
		c = (char)(c == 'g' ? census_rounds(p) : direct_rounds());
		if (write(ack, &c, 1) != 1)
			_exit(4);
	}
	for (i = 0; i < CENSUS_HELD; i++)
		pool_release(held[i]);
	pool_destroy(p);
	_exit(0);
}

static void census_start(struct census_child *t)
{
	int c[2], a[2];
	char r;

	ck_assert_int_eq(pipe(c), 0);
	ck_assert_int_eq(pipe(a), 0);
	t->pid = fork();
	ck_assert_int_ge(t->pid, 0);
	if (!t->pid) {
		close(c[1]);
		close(a[0]);
		census_main(c[0], a[1]);
	}
	close(c[0]);
	close(a[1]);
	t->cmd = c[1];
	t->ack = a[0];
	ck_assert_int_eq(read(t->ack, &r, 1), 1);	/* filled and held */
	ck_assert_int_eq(r, 'r');
}

static int census_run(struct census_child *t, char c)
{
	ck_assert_int_eq(write(t->cmd, &c, 1), 1);
	ck_assert_int_eq(read(t->ack, &c, 1), 1);
	return c;
}

static void census_stop(struct census_child *t)
{
	char c = 'q';
	int status;

	ck_assert_int_eq(write(t->cmd, &c, 1), 1);
	ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(t->cmd);
	close(t->ack);
}

/* The census after an acquire (one more held) or after a release. */
#define AFTER_ACQUIRE	"(%d, %d, 0)", CENSUS_HELD + 1, CENSUS_TOTAL - CENSUS_HELD - 1
#define AFTER_RELEASE	"(%d, %d, 0)", CENSUS_HELD, CENSUS_TOTAL - CENSUS_HELD

/*
 * --perfetto: a "C" sample of pool census after each acquire and release
 * (they are 3 ms apart), each the pool's true state, held-before-attach
 * buffers included; the pinned pools map holds the last.
 */
START_TEST(test_census_perfetto)
{
	char pt[128], err[128], pf[128], dir[128], pin[192], dump[128], args[512];
	char acq[32], rel[32], expr[512], q[1024];
	struct census_child t;
	pid_t tr;

	ensure_bpffs();
	tmpfile_name(pt, sizeof(pt), "census.txt");
	tmpfile_name(err, sizeof(err), "census.err");
	tmpfile_name(pf, sizeof(pf), "census.json");
	tmpfile_name(dump, sizeof(dump), "census-pools.json");
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdnapool-check-census-%d", (int)getpid());
	snprintf(acq, sizeof(acq), AFTER_ACQUIRE);
	snprintf(rel, sizeof(rel), AFTER_RELEASE);
	census_start(&t);
	snprintf(args, sizeof(args), "-p %d --perfetto %s --pin %s", (int)t.pid, pf, dir);
	tr = pooltrace_start(args, pt, err);
	ck_assert_int_eq(census_run(&t, 'g'), 0);
	ck_assert_int_eq(pooltrace_stop(tr), 0);

	/* every sample is one of the two states ... */
	snprintf(expr, sizeof(expr), "[(e['args']['outstanding'], e['args']['idle'], "
		 "e['args']['busy']) for e in doc['traceEvents'] if e['ph'] == 'C' and "
		 "e['name'] == 'pool census']");
	snprintf(q, sizeof(q), "all(s in (%s, %s) for s in %s)", acq, rel, expr);
	ck_assert_msg(pyq(pf, q) == 1, "%s: a census sample is neither %s nor %s", pf, acq, rel);
	/* ... each seen about once per operation (the pauses are 3x the sampling gap) ... */
	snprintf(q, sizeof(q), "sum(s == %s for s in %s)", acq, expr);
	ck_assert_int_ge(pyq(pf, q), CENSUS_ROUNDS / 2);
	snprintf(q, sizeof(q), "sum(s == %s for s in %s)", rel, expr);
	ck_assert_int_ge(pyq(pf, q), CENSUS_ROUNDS / 2);
	/* ... and the last is after the last release */
	snprintf(q, sizeof(q), "%s[-1] == %s", expr, rel);
	ck_assert_int_eq(pyq(pf, q), 1);
	ck_assert(file_has(err, "pool samples"));

	/* the pinned pools map: the same last census, fields by name (BTF) */
	snprintf(pin, sizeof(pin), "%s/pools", dir);
	bpftool_dump(pin, dump);
	snprintf(expr, sizeof(expr), "[(v['total'], v['outstanding'], v['idle'], v['busy']) "
		 "for v in (e['formatted']['value'] for e in doc if e['formatted']['key']"
		 "['tgid'] == %d) if v['name'] == 'census'] == [(%d, %d, %d, 0)]", (int)t.pid,
		 CENSUS_TOTAL, CENSUS_HELD, CENSUS_TOTAL - CENSUS_HELD);
	ck_assert_msg(pyq(dump, expr) == 1, "%s: the pinned census is not the last", dump);
	census_stop(&t);
	snprintf(args, sizeof(args), "--unpin %s", dir);
	ck_assert_int_eq(run_tool(args), 0);
	unlink(pt);
	unlink(err);
	unlink(pf);
	unlink(dump);
}
END_TEST

/* --top: OUTST and IDLE are the census, not acquires minus releases seen. */
START_TEST(test_census_top)
{
	char pt[128], err[128], args[128], expr[512];
	struct census_child t;
	pid_t tr;

	tmpfile_name(pt, sizeof(pt), "census-top.txt");
	tmpfile_name(err, sizeof(err), "census-top.err");
	census_start(&t);
	snprintf(args, sizeof(args), "--top -p %d 1 1", (int)t.pid);
	tr = pooltrace_start(args, pt, err);
	ck_assert_int_eq(census_run(&t, 'g'), 0);	/* 240 ms of rounds: the screen is after */
	ck_assert_int_eq(pooltrace_wait(tr, 10), 0);
	/* PID COMM POOL ACQ/s HIT% WAITS OUTST IDLE ...: the census row */
	snprintf(expr, sizeof(expr), "[l.split()[6:8] for l in t.splitlines() if "
		 "l.split()[2:3] == ['census']] == [['%d', '%d']]", CENSUS_HELD,
		 CENSUS_TOTAL - CENSUS_HELD);
	ck_assert_msg(pyq(pt, expr) == 1, "%s: census row's OUTST IDLE are not %d %d", pt,
		      CENSUS_HELD, CENSUS_TOTAL - CENSUS_HELD);
	census_stop(&t);
	unlink(pt);
	unlink(err);
}
END_TEST

/*
 * A size class's oversized requests go to its direct pool: each acquire is
 * seen as well as its release (the acquire used to fire no probe).  The
 * rounds take well under the sampling gap, so the last census is the one
 * at destroy: nothing left.
 */
START_TEST(test_direct_counts)
{
	char pt[128], err[128], pf[128], args[256];
	struct census_child t;
	pid_t tr;

	tmpfile_name(pt, sizeof(pt), "direct.json");
	tmpfile_name(err, sizeof(err), "direct.err");
	tmpfile_name(pf, sizeof(pf), "direct-perfetto.json");
	census_start(&t);
	snprintf(args, sizeof(args), "-p %d --json --perfetto %s", (int)t.pid, pf);
	tr = pooltrace_start(args, pt, err);
	ck_assert_int_eq(census_run(&t, 'd'), 0);
	ck_assert_int_eq(pooltrace_stop(tr), 0);
	ck_assert_int_eq(pyq(pt, "cnt(last, 'acquires', pool='big.direct')"), N_DIRECT);
	ck_assert_int_eq(pyq(pt, "cnt(last, 'releases', pool='big.direct')"), N_DIRECT);
	ck_assert_int_eq(pyq(pt, "cnt(last, 'misses', pool='big.direct')"), N_DIRECT);
	ck_assert_int_eq(pyq(pt, "hist(last, 'hold', pool='big.direct')"), N_DIRECT);
	ck_assert_int_eq(pyq(pf, "[e['args'] for e in doc['traceEvents'] if e['ph'] == 'C' and "
			     "e['name'] == 'pool big.direct'][-1] == {'outstanding': 0, 'idle': 0, "
			     "'busy': 0}"), 1);
	census_stop(&t);
	unlink(pt);
	unlink(err);
	unlink(pf);
}
END_TEST

void bpf_add_census_tests(TCase *tc)
{
	tcase_add_test(tc, test_direct_counts);
	tcase_add_test(tc, test_census_perfetto);
	tcase_add_test(tc, test_census_top);
}
