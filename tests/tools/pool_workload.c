// SPDX-License-Identifier: MIT
/*
 * pool-workload: the pool side of the fault matrix (tests/tools/
 * check_fault_matrix.sh).  Two libpool pools over the xdna backend, one
 * hardware context running the emulator's "copy" kernel: per round, acquire
 * an input and an output buffer, fill and sync the input, submit the copy,
 * release the input fenced on it, hand the output through a pool_chan, wait
 * for the command, check the copy and release; then export a buffer as a
 * dma-buf and import it back; trim, and destroy everything.
 *
 * Output contract: on stdout one "pool NAME: acquires A releases R
 * outstanding O" line per pool, taken after everything was given back and
 * before the pool is destroyed, then "leaks N" (buffers pool_destroy()
 * reported plus objects xdna_dev_close() reclaimed).  Exit 0 when every
 * step worked; 1 when one failed: exactly one stderr line
 * "pool-workload: STEP: REASON" naming it, after which everything held is
 * released and destroyed as on success; 2 on a bad option.
 *
 *   pool-workload [-n ROUNDS]      (default 4)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/pool_xdna.h>
#include <xdna/shim.h>

#include "xdna_emu.h"

#define PW_BUF_BYTES	(64 * 1024)
#define PW_WAIT_NS	2000000000LL	/* one command: 2 s at most */
#define PW_ACQ_NS	1000000000LL
#define PW_DESTROY_MS	300

struct pw {
	struct xdna_dev *dev;
	struct pool_backend *be;
	struct pool *in, *out;
	struct pool_chan *ch;
	struct xdna_hwctx *ctx;
	struct xdna_bo *pdi, *cmd;
	int failed;
	int leaks;
	char last_msg[512];	/* xdna_errmsg() before the step */
};

/* Before a step: what the shim's message says now (it is not cleared). */
static void pw_step(struct pw *w)
{
	const char *m = xdna_errmsg();

	snprintf(w->last_msg, sizeof(w->last_msg), "%s", m ? m : "");
}

/*
 * The one line naming what failed (the first failure only), with the
 * shim's message when this step set it (it names the ioctl).
 */
static int pw_fail(struct pw *w, const char *step, int err)
{
	const char *m = xdna_errmsg();
	int e = err < 0 ? -err : err;

	if (!w->failed++) {
		if (m && *m && strcmp(m, w->last_msg))
			fprintf(stderr, "pool-workload: %s: %s (%s)\n", step, strerror(e), m);
		else
			fprintf(stderr, "pool-workload: %s: %s\n", step, strerror(e));
	}
	return -e;
}

/* libpool reports through errno; the shim's message keeps the ioctl. */
static int pw_fail_errno(struct pw *w, const char *step)
{
	return pw_fail(w, step, errno ? -errno : -EIO);
}

static int pw_make_pdi(struct pw *w)
{
	char *p;
	int err;

	err = xdna_bo_create(w->dev, XDNA_BO_DEV, 4096, &w->pdi);
	if (err)
		return pw_fail(w, "PDI BO", err);
	p = xdna_bo_map(w->pdi);
	memcpy(p, XDNA_EMU_PDI_MAGIC, XDNA_EMU_PDI_MAGIC_LEN);
	strcpy(p + XDNA_EMU_PDI_MAGIC_LEN, "copy");
	err = xdna_bo_sync(w->pdi, XDNA_SYNC_TO_DEVICE, 0, 0);
	if (err)
		return pw_fail(w, "PDI sync", err);
	return 0;
}

static struct pool *pw_pool(struct pw *w, const char *name)
{
	POOL_OPTS(pool_opts, o, .name = name, .size = PW_BUF_BYTES, .initial = 2, .max = 4,
		  .backend = w->be, .destroy_timeout_ms = PW_DESTROY_MS);
	struct pool *p;

	pw_step(w);
	p = pool_create(&o);
	if (!p)
		pw_fail_errno(w, name[0] == 'i' ? "create pool 'in'" : "create pool 'out'");
	return p;
}

static int pw_setup(struct pw *w)
{
	POOL_OPTS(pool_xdna_opts, xo, .flavour = POOL_XDNA_SHARE);
	POOL_OPTS(pool_chan_opts, co, .capacity = 4);
	int err;

	pw_step(w);
	err = xdna_dev_open(NULL, &w->dev);
	if (err)
		return pw_fail(w, "open the device", err);
	xo.dev = w->dev;
	pw_step(w);
	w->be = pool_backend_xdna(&xo);
	if (!w->be)
		return pw_fail_errno(w, "xdna backend");
	w->in = pw_pool(w, "in");
	if (!w->in)
		return -1;
	w->out = pw_pool(w, "out");
	if (!w->out)
		return -1;
	w->ch = pool_chan_create(&co);
	if (!w->ch)
		return pw_fail_errno(w, "channel");
	pw_step(w);
	err = xdna_hwctx_create(w->dev, NULL, &w->ctx);
	if (err)
		return pw_fail(w, "hardware context", err);
	err = pw_make_pdi(w);
	if (err)
		return err;
	err = xdna_hwctx_config_cu(w->ctx, &w->pdi, NULL, 1);
	if (err)
		return pw_fail(w, "configure the CU", err);
	err = xdna_bo_create(w->dev, XDNA_BO_CMD, 4096, &w->cmd);
	if (err)
		return pw_fail(w, "command BO", err);
	return 0;
}

static int pw_submit(struct pw *w, struct pool_buf *in, struct pool_buf *out, uint64_t *seq)
{
	struct xdna_bo *args[2] = { pool_buf_backend_obj(in), pool_buf_backend_obj(out) };
	uint64_t src = pool_buf_dev_addr(in), dst = pool_buf_dev_addr(out);
	uint32_t payload[5] = { (uint32_t)src, (uint32_t)(src >> 32), (uint32_t)dst,
				(uint32_t)(dst >> 32), PW_BUF_BYTES };
	int err;

	err = xdna_cmd_encode(w->cmd, XDNA_CMD_START_CU, 0, payload, 5);
	if (err)
		return pw_fail(w, "encode the command", err);
	err = xdna_cmd_exec(w->ctx, w->cmd, args, 2, seq);
	if (err)
		return pw_fail(w, "submit the copy", err);
	return 0;
}

/* One round; every buffer it took is given back, whatever failed. */
static int pw_round(struct pw *w, unsigned int r)
{
	struct pool_buf *in = NULL, *out = NULL;
	struct pool_fence f;
	uint64_t seq;
	int err;

	pw_step(w);
	err = pool_acquire(w->in, &in, PW_ACQ_NS);
	if (err)
		return pw_fail(w, "acquire an input buffer", err);
	err = pool_acquire(w->out, &out, PW_ACQ_NS);
	if (err) {
		pool_release(in);
		return pw_fail(w, "acquire an output buffer", err);
	}
	memset(pool_buf_data(in), 0x40 + (int)r, PW_BUF_BYTES);
	memset(pool_buf_data(out), 0, PW_BUF_BYTES);
	err = pool_buf_sync(in, POOL_SYNC_TO_DEVICE, 0, 0);
	if (!err)
		err = pool_buf_sync(out, POOL_SYNC_TO_DEVICE, 0, 0);
	if (err) {
		pool_release(in);
		pool_release(out);
		return pw_fail(w, "sync the buffers to the device", err);
	}
	err = pw_submit(w, in, out, &seq);
	if (err) {
		pool_release(in);
		pool_release(out);
		return err;
	}
	f = pool_xdna_fence(w->ctx, seq);
	if (pool_release_fenced(in, &f))
		pool_release(in);
	/* the output goes through the channel before it is read */
	if (pool_chan_send(w->ch, out, PW_ACQ_NS) || pool_chan_recv(w->ch, &out, PW_ACQ_NS)) {
		pool_release(out);
		return pw_fail(w, "hand the output through the channel", -EPIPE);
	}
	err = xdna_cmd_wait(w->ctx, w->cmd, seq, PW_WAIT_NS);
	if (err) {
		/* the device may still write it: released fenced, not plain */
		if (pool_release_fenced(out, &f))
			pool_release(out);
		return pw_fail(w, "wait for the copy", err);
	}
	err = pool_buf_sync(out, POOL_SYNC_FROM_DEVICE, 0, 0);
	if (!err && ((unsigned char *)pool_buf_data(out))[PW_BUF_BYTES - 1] != 0x40 + r)
		err = -EBADMSG;
	pool_release(out);
	if (err)
		return pw_fail(w, err == -EBADMSG ? "check the copy" : "sync the output back", err);
	return 0;
}

/* A pool buffer as a dma-buf, imported back: the same bytes. */
static int pw_export_import(struct pw *w)
{
	struct xdna_bo *imp = NULL;
	struct pool_buf *b;
	int fd = -1, err;

	pw_step(w);
	err = pool_acquire(w->out, &b, PW_ACQ_NS);
	if (err)
		return pw_fail(w, "acquire a buffer to export", err);
	memset(pool_buf_data(b), 0x5a, 64);
	err = pool_buf_export(b, &fd);
	if (err) {
		err = pw_fail(w, "export the buffer", err);
		goto out;
	}
	err = xdna_bo_import(w->dev, fd, &imp);
	if (err) {
		err = pw_fail(w, "import the dma-buf", err);
		goto out;
	}
	if (memcmp(xdna_bo_map(imp), pool_buf_data(b), 64))
		err = pw_fail(w, "compare the imported buffer", -EBADMSG);
out:
	if (imp)
		xdna_bo_destroy(imp);
	if (fd >= 0)
		close(fd);
	pool_release(b);
	return err;
}

static void pw_report(struct pool *p)
{
	struct pool_stats st = { .sz = sizeof(st) };

	if (!p || pool_stats_get(p, &st))
		return;
	printf("pool %s: acquires %llu releases %llu outstanding %llu\n", pool_name(p),
	       (unsigned long long)st.acquires, (unsigned long long)st.releases,
	       (unsigned long long)st.outstanding);
}

static void pw_teardown(struct pw *w)
{
	pool_trim(w->in, 0);
	pool_trim(w->out, 0);
	pw_report(w->in);
	pw_report(w->out);
	pool_chan_destroy(w->ch);
	w->leaks += w->in ? pool_destroy(w->in) : 0;
	w->leaks += w->out ? pool_destroy(w->out) : 0;
	if (w->ctx)
		xdna_hwctx_destroy(w->ctx);
	if (w->cmd)
		xdna_bo_destroy(w->cmd);
	if (w->pdi)
		xdna_bo_destroy(w->pdi);
	pool_backend_put(w->be);
	if (w->dev)
		w->leaks += xdna_dev_close(w->dev);
	printf("leaks %d\n", w->leaks);
}

int main(int argc, char **argv)
{
	struct pw w = { 0 };
	unsigned long rounds = 4;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			return 2;
		errno = 0;
		rounds = strtoul(optarg, &end, 10);
		if (errno || *end || optarg[0] < '0' || optarg[0] > '9' || !rounds ||
		    rounds > 1000) {
			fprintf(stderr, "pool-workload: -n '%s' is not a number from 1 to 1000\n",
				optarg);
			return 2;
		}
	}
	if (!pw_setup(&w)) {
		for (unsigned int r = 0; r < rounds && !w.failed; r++)
			pw_round(&w, r);
		if (!w.failed)
			pw_export_import(&w);
	}
	pw_teardown(&w);
	return w.failed ? 1 : 0;
}
