// SPDX-License-Identifier: MIT
/*
 * The Whisper pipeline end to end on xdna-emu: 16 streams of 30 s audio,
 * outputs equal to the CPU reference, no exhaustion, no leaks, no bytes
 * copied, and proof that the DSP writes where the NPU reads.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "xdna/shim.h"
#include "xdna_emu.h"
#include "emu_census.h"
#include "runner.h"

#include <valgrind/valgrind.h>

#define MAX_TRACES	256

static struct {
	pthread_mutex_t lock;
	struct pipe_trace t[MAX_TRACES];
	unsigned int n;
	uint64_t npu_addr[MAX_TRACES];	/* mel addresses the NPU kernel was given */
	unsigned int n_npu;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_trace(void *arg, const struct pipe_trace *t)
{
	(void)arg;
	pthread_mutex_lock(&seen.lock);
	if (seen.n < MAX_TRACES)
		seen.t[seen.n++] = *t;
	pthread_mutex_unlock(&seen.lock);
}

/*
 * Stands in for the emulator's checksum kernel: records which device
 * address it was told to read, and computes the checksum itself.
 */
static int spy_checksum(const struct xdna_emu_kcall *call)
{
	uint64_t in = call->args[0] | (uint64_t)call->args[1] << 32;
	uint64_t out = call->args[2] | (uint64_t)call->args[3] << 32;
	uint32_t n = call->args[4];
	const float *mel = call->map(call, in, (uint64_t)n * sizeof(float));
	uint32_t *o = call->map(call, out, 16);

	if (!mel || !o)
		return -EFAULT;
	pthread_mutex_lock(&seen.lock);
	if (seen.n_npu < MAX_TRACES)
		seen.npu_addr[seen.n_npu++] = in;
	pthread_mutex_unlock(&seen.lock);
	pipe_ref_checksum(mel, n, o);
	return 0;
}

static FILE *quiet(void)
{
	FILE *f = fopen("/dev/null", "w");

	ck_assert_ptr_nonnull(f);
	return f;
}

/*
 * Under valgrind (50x slower) the same test on 4 streams of 5 s: what it
 * checks is memory safety there, not scale.
 */
static bool slow_runtime(void)
{
	return RUNNING_ON_VALGRIND;
}

START_TEST(test_stem_16_streams_30s_verified)
{
	unsigned int streams = slow_runtime() ? 4 : 16;
	double secs = slow_runtime() ? 5 : 30;
	struct pipe_opts o = { .streams = streams, .gen_seconds = secs,
			       .kernel = PIPE_KERNEL_STEM, .d_model = 32, .verify = true };
	struct pipe_result r;
	unsigned int i;

	ck_assert_int_eq(pipe_run(&o, &r), 0);
	ck_assert_uint_eq(r.requests, streams);
	ck_assert_uint_eq(r.ok, streams);
	ck_assert_uint_eq(r.failed, 0);
	ck_assert_uint_eq(r.verified, streams);
	ck_assert_uint_eq(r.mismatched, 0);
	ck_assert_uint_eq(r.exhausted, 0);
	ck_assert_int_eq(r.leaks, 0);
	ck_assert_uint_eq(r.bytes_copied, 0);
	ck_assert(r.emulated);
	ck_assert_double_eq_tol(r.audio_seconds, streams * secs, 1e-6);
	ck_assert_uint_eq(r.n_pools, PIPE_REPORT_POOLS);
	for (i = 0; i < r.n_pools; i++)
		ck_assert_uint_eq(r.pools[i].timeouts, 0);
	emu_census_assert_zero();
}
END_TEST

START_TEST(test_zero_copy_evidence)
{
	struct pipe_opts o = { .streams = 8, .requests = 24, .gen_seconds = 5,
			       .kernel = PIPE_KERNEL_CHECKSUM, .verify = true,
			       .trace = on_trace };
	struct pipe_result r;
	unsigned int i, j;

	ck_assert_int_eq(xdna_emu_try_register_kernel("checksum", spy_checksum), 0);
	ck_assert_int_eq(pipe_run(&o, &r), 0);
	ck_assert_int_eq(xdna_emu_try_register_kernel("checksum", NULL), 0);
	ck_assert_uint_eq(r.verified, 24);
	ck_assert_uint_eq(r.bytes_copied, 0);
	ck_assert_uint_eq(seen.n, 24);
	ck_assert_uint_eq(seen.n_npu, 24);
	for (i = 0; i < seen.n; i++) {
		const struct pipe_trace *t = &seen.t[i];
		bool npu_read_it = false;

		/* The decoder wrote into the audio BO's mapping ... */
		ck_assert_ptr_eq(t->decode_dst, t->audio_map);
		/* ... the DSP read it there and wrote into the mel BO's mapping ... */
		ck_assert_ptr_eq(t->mel_src, t->audio_map);
		ck_assert_ptr_eq(t->mel_dst, t->mel_map);
		/* ... and EXEC was given exactly that BO, at that device address. */
		ck_assert_uint_eq(t->exec_handles[0], t->mel_handle);
		for (j = 0; j < seen.n_npu; j++)
			npu_read_it |= seen.npu_addr[j] == t->mel_dev_addr;
		ck_assert_msg(npu_read_it, "request %u: NPU never read mel at %#llx", i,
			      (unsigned long long)t->mel_dev_addr);
	}
	emu_census_assert_zero();
}
END_TEST

START_TEST(test_copy_baseline_counts_copies)
{
	struct pipe_opts o = { .streams = 4, .requests = 8, .gen_seconds = 10,
			       .kernel = PIPE_KERNEL_CHECKSUM, .verify = true, .copy_mode = true };
	struct pipe_result r;

	ck_assert_int_eq(pipe_run(&o, &r), 0);
	ck_assert_uint_eq(r.verified, 8);
	ck_assert_uint_eq(r.bytes_copied, 8ull * 80 * 3000 * sizeof(float));
	emu_census_assert_zero();
}
END_TEST

/* A bad file fails its own request with one line; the others go on. */
START_TEST(test_bad_input_fails_alone)
{
	char bad[] = "/tmp/xdna-pipeline-bad-XXXXXX";
	const char *inputs[2];
	struct pipe_opts o = { .streams = 2, .requests = 4, .kernel = PIPE_KERNEL_CHECKSUM,
			       .verify = true, .errors = quiet() };
	struct pipe_result r;
	int fd = mkstemp(bad);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "RIFF\x10\0\0\0WAVEjunk", 16), 16);
	close(fd);
	inputs[0] = "tests/data/mel/sine1k_2s.wav";
	inputs[1] = bad;
	o.inputs = inputs;
	o.n_inputs = 2;
	ck_assert_int_eq(pipe_run(&o, &r), 1);
	ck_assert_uint_eq(r.ok, 2);
	ck_assert_uint_eq(r.failed, 2);
	ck_assert_ptr_nonnull(strstr(r.first_error, bad));
	ck_assert_int_eq(r.leaks, 0);
	fclose(o.errors);
	unlink(bad);
	emu_census_assert_zero();
}
END_TEST

/* An NPU command that fails is reported and its buffers still come back. */
START_TEST(test_npu_failure_no_leak)
{
	struct pipe_opts o = { .streams = 2, .requests = 6, .gen_seconds = 2,
			       .kernel = PIPE_KERNEL_CHECKSUM, .errors = quiet() };
	struct pipe_result r;

	ck_assert_int_eq(xdna_emu_try_fail_set("exec:3"), 0);
	ck_assert_int_eq(pipe_run(&o, &r), 1);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	ck_assert_uint_eq(r.failed, 1);
	ck_assert_uint_eq(r.ok, 5);
	/* the state by name (it was a bare number) */
	ck_assert_msg(strstr(r.first_error, "finished in state ERROR"), "'%s'", r.first_error);
	ck_assert_int_eq(r.leaks, 0);
	fclose(o.errors);
	emu_census_assert_zero();
}
END_TEST

static void fail_sync_after_first(void *arg, unsigned int done, unsigned int total)
{
	(void)arg;
	(void)total;
	if (done == 1)
		xdna_emu_try_fail_set("sync_bo:1");
}

/*
 * Regression (#15): a per-request SYNC_BO failure failed the request with
 * no error line, and the shim called SYNC_BO's EIO "command completed with
 * an error".
 */
START_TEST(test_sync_failure_named)
{
	/* one worker: the second request reuses the first one's buffers */
	struct pipe_opts o = { .streams = 1, .workers = 1, .requests = 3, .gen_seconds = 2,
			       .kernel = PIPE_KERNEL_CHECKSUM, .errors = quiet(),
			       .progress = fail_sync_after_first };
	struct pipe_result r;

	setenv("XDNA_SYNC", "kernel", 1);	/* syncs are SYNC_BO ioctls */
	ck_assert_int_eq(pipe_run(&o, &r), 1);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	unsetenv("XDNA_SYNC");
	ck_assert_uint_eq(r.failed, 1);
	ck_assert_uint_eq(r.ok, 2);
	ck_assert_msg(strstr(r.first_error, "sync of the mel buffer to the device: SYNC_BO handle"),
		      "'%s'", r.first_error);
	ck_assert_msg(strstr(r.first_error, "I/O error"), "'%s'", r.first_error);
	ck_assert_ptr_null(strstr(r.first_error, "command completed"));
	ck_assert_int_eq(r.leaks, 0);
	fclose(o.errors);
	emu_census_assert_zero();
}
END_TEST

/*
 * Regression (#15): CREATE_BO failing at each of its occurrences in turn
 * (pools, heap, PDIs, command BOs): every run ends cleanly with one line
 * naming the failed operation -- the pool-set line carried only strerror,
 * the command BO's only "cannot start: ...".
 */
START_TEST(test_create_bo_fault_each_occurrence)
{
	bool saw_pool = false, saw_cmd = false;
	unsigned int k;

	for (k = 1; k < 400; k++) {
		struct pipe_opts o = { .streams = 2, .requests = 2, .gen_seconds = 1,
				       .kernel = PIPE_KERNEL_CHECKSUM, .errors = quiet() };
		struct pipe_result r;
		char spec[32];
		int ret;

		snprintf(spec, sizeof(spec), "create_bo:%u", k);
		ck_assert_int_eq(xdna_emu_try_fail_set(spec), 0);
		ret = pipe_run(&o, &r);
		ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
		fclose(o.errors);
		emu_census_assert_zero();
		if (ret == 0)
			break;		/* past the last CREATE_BO */
		ck_assert_msg(strstr(r.first_error, "CREATE_BO"), "%s: '%s'", spec, r.first_error);
		saw_pool |= strstr(r.first_error, "cannot create the pool") != NULL;
		saw_cmd |= strstr(r.first_error, "command BO: CREATE_BO CMD") != NULL;
	}
	ck_assert_uint_lt(k, 400);
	ck_assert(saw_pool);
	ck_assert(saw_cmd);
}
END_TEST

/*
 * Audit finding 7: the pipeline asks the device how many contexts are free
 * (the budget is device-wide: 16 on npu4, 6 on npu1) instead of assuming
 * 16 per process; asking for more than the device has is refused up front.
 */
START_TEST(test_contexts_from_device_budget)
{
	const char *d = getenv("XDNA_EMU_DEVICE");
	unsigned int budget = d && !strcmp(d, "npu1") ? 6 : 16;
	struct pipe_opts o = { .streams = 2, .requests = 2, .gen_seconds = 1,
			       .kernel = PIPE_KERNEL_CHECKSUM, .errors = quiet(),
			       .contexts = budget + 1 };
	struct pipe_result r;

	ck_assert_int_lt(pipe_run(&o, &r), 0);
	o.contexts = budget;
	ck_assert_int_eq(pipe_run(&o, &r), 0);
	ck_assert_uint_eq(r.ok, 2);
	fclose(o.errors);
	emu_census_assert_zero();
}
END_TEST

/*
 * The reference's padding: with a constant input every interior output frame
 * is the same, and the first frame (which sees conv2's zero padding) differs.
 */
START_TEST(test_reference_stem_padding)
{
	float mel[2 * 8], out[4 * 3];
	unsigned int i;

	for (i = 0; i < 16; i++)
		mel[i] = 0.5f;
	/* T = 8: output frames 1 and 2 see no padding at either conv. */
	ck_assert_int_eq(pipe_ref_stem(mel, 2, 8, 3, 7, out), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_float_finite(out[i]);
		ck_assert_float_eq(out[3 + i], out[6 + i]);
		ck_assert_float_ne(out[i], out[3 + i]);
	}
}
END_TEST

/* ------------------------------------------------------------ bad input */

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A float WAV of a 440 Hz tone on every channel. */
static void write_tone(const char *path, unsigned int rate, unsigned int ch, double secs)
{
	size_t frames = (size_t)(rate * secs), n = frames * ch, i;
	uint32_t bytes = (uint32_t)(n * sizeof(float));
	unsigned char h[44] = { 0 };
	float *x = malloc(n * sizeof(float));
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < n; i++)
		x[i] = 0.3f * sinf(2.0f * (float)M_PI * 440.0f * (float)(i / ch) / (float)rate);
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);
	h[20] = 3;				/* IEEE float */
	h[22] = (unsigned char)ch;
	put_le32(h + 24, rate);
	put_le32(h + 28, rate * ch * 4);
	h[32] = (unsigned char)(ch * 4);
	h[34] = 32;
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, bytes);
	ck_assert_uint_eq(fwrite(h, 1, sizeof(h), f), sizeof(h));
	ck_assert_uint_eq(fwrite(x, sizeof(float), n, f), n);
	ck_assert_int_eq(fclose(f), 0);
	free(x);
}

static void write_file(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Lines of the errors file that name path. */
static unsigned int lines_naming(const char *errfile, const char *path)
{
	char line[1024];
	unsigned int n = 0;
	FILE *f = fopen(errfile, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, path) != NULL;
	fclose(f);
	return n;
}

/*
 * Bad files among good ones: zero-length, header-only, truncated, corrupt,
 * non-audio, missing, a directory, a FIFO.  Good ones at 8 kHz to 192 kHz
 * with 1 to 8 channels, one longer than the window.  Each bad file fails
 * its own request with one line naming it, the summary counts them, the
 * good ones are verified, nothing leaks and the pool stats balance.
 */
START_TEST(test_bad_files_among_good)
{
	static const struct { unsigned int rate, ch; double secs; } good[] = {
		{ 8000, 1, 1 }, { 22050, 2, 1 }, { 44100, 2, 2 }, { 48000, 6, 1 },
		{ 96000, 3, 1 }, { 192000, 8, 0.5 }, { 44100, 1, 31 },	/* beyond 30 s */
	};
	static const char *const bad_names[] = { "empty.wav", "header.wav", "cut.wav",
						 "corrupt.wav", "notes.wav", "missing.wav",
						 "dir.wav", "fifo.wav" };
	enum { N_GOOD = sizeof(good) / sizeof(good[0]), N_BAD = 8 };
	char dir[] = "/tmp/xdna-pipeline-inputs-XXXXXX", errfile[300], cmd[400];
	char paths[N_GOOD + N_BAD][300];
	const char *inputs[N_GOOD + N_BAD];
	unsigned char hdr[44] = { 0 }, junk[2048];
	struct pipe_opts o = { .streams = 4, .kernel = PIPE_KERNEL_CHECKSUM, .verify = true };
	struct pipe_result r;
	unsigned int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < N_GOOD; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/good%u.wav", dir, i);
		write_tone(paths[i], good[i].rate, good[i].ch, good[i].secs);
	}
	for (i = 0; i < N_BAD; i++)
		snprintf(paths[N_GOOD + i], sizeof(paths[0]), "%s/%s", dir, bad_names[i]);
	write_file(paths[N_GOOD + 0], "", 0);
	write_tone(paths[N_GOOD + 1], 44100, 2, 1);
	ck_assert_int_eq(truncate(paths[N_GOOD + 1], 44), 0);		/* header only */
	write_tone(paths[N_GOOD + 2], 16000, 1, 1);
	memcpy(hdr, "RIFF\x24\x7d\0\0WAVEfmt \x10\0\0\0", 20);
	write_file(paths[N_GOOD + 2], hdr, 30);				/* cut in fmt */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 2654435761u >> 24);
	memcpy(junk, "RIFF\x10\0\0\0WAVE", 12);
	write_file(paths[N_GOOD + 3], junk, sizeof(junk));		/* corrupt */
	write_file(paths[N_GOOD + 4], "meeting notes\n", 14);		/* not audio */
	ck_assert_int_eq(mkdir(paths[N_GOOD + 6], 0700), 0);
	ck_assert_int_eq(mkfifo(paths[N_GOOD + 7], 0600), 0);
	for (i = 0; i < N_GOOD + N_BAD; i++)
		inputs[i] = paths[i];
	snprintf(errfile, sizeof(errfile), "%s/errors.txt", dir);
	o.errors = fopen(errfile, "w");
	ck_assert_ptr_nonnull(o.errors);
	o.inputs = inputs;
	o.n_inputs = N_GOOD + N_BAD;
	ck_assert_int_eq(pipe_run(&o, &r), 1);
	fclose(o.errors);
	ck_assert_uint_eq(r.requests, N_GOOD + N_BAD);
	ck_assert_uint_eq(r.ok, N_GOOD);
	ck_assert_uint_eq(r.verified, N_GOOD);
	ck_assert_uint_eq(r.failed, N_BAD);
	for (i = 0; i < N_BAD; i++)
		ck_assert_msg(lines_naming(errfile, paths[N_GOOD + i]) == 1,
			      "%s: %u error lines", paths[N_GOOD + i],
			      lines_naming(errfile, paths[N_GOOD + i]));
	for (i = 0; i < N_GOOD; i++)
		ck_assert_uint_eq(lines_naming(errfile, paths[i]), 0);
	/* the long file is trimmed to the window */
	ck_assert_double_eq_tol(r.audio_seconds, 1 + 1 + 2 + 1 + 1 + 0.5 + 30, 1e-3);
	ck_assert_uint_eq(r.bytes_copied, 0);
	ck_assert_uint_eq(r.exhausted, 0);
	ck_assert_int_eq(r.leaks, 0);
	/* stats balance: every request took an audio buffer, good ones a mel and an encoder */
	ck_assert_uint_eq(r.n_pools, PIPE_REPORT_POOLS);
	ck_assert_uint_eq(r.pools[0].acquires, N_GOOD + N_BAD);
	ck_assert_str_eq(r.pools[3].name, "request");
	ck_assert_uint_eq(r.pools[3].acquires, N_GOOD + N_BAD);
	for (i = 0; i < r.n_pools; i++) {
		ck_assert_uint_eq(r.pools[i].outstanding, 0);
		ck_assert_uint_eq(r.pools[i].releases, r.pools[i].acquires);
	}
	ck_assert_uint_eq(r.pools[1].acquires, N_GOOD);
	ck_assert_uint_eq(r.pools[2].acquires, N_GOOD);
	emu_census_assert_zero();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ------------------------------------------------ commands in flight */

#define SLOW_KERNEL_US		20000
static unsigned int max_inflight;

/* The checksum kernel, slowed down, noting how many commands are queued. */
static int slow_checksum(const struct xdna_emu_kcall *call)
{
	struct xdna_emu_census c;
	uint64_t in = call->args[0] | (uint64_t)call->args[1] << 32;
	uint64_t out = call->args[2] | (uint64_t)call->args[3] << 32;
	uint32_t n = call->args[4];
	const float *mel = call->map(call, in, (uint64_t)n * sizeof(float));
	uint32_t *o = call->map(call, out, 16);

	if (!mel || !o)
		return -EFAULT;
	/* slow enough that the workers always have the next commands ready */
	usleep(SLOW_KERNEL_US);
	if (!xdna_emu_try_census_get(&c)) {
		pthread_mutex_lock(&seen.lock);
		if (c.cmds_inflight > max_inflight)
			max_inflight = (unsigned int)c.cmds_inflight;
		pthread_mutex_unlock(&seen.lock);
	}
	pipe_ref_checksum(mel, n, o);
	return 0;
}

/*
 * One hardware context, a slow NPU: the submitter keeps exactly the
 * kernel's limit of commands in flight (4 per context), instead of one
 * stream waiting for each command before it decodes the next request.
 * Four times as many streams as slots and a 20 ms kernel against a
 * decode+mel of 1 s of audio (about a millisecond): the NPU queue is never
 * empty, so all four slots fill.
 */
START_TEST(test_commands_in_flight)
{
	struct pipe_opts o = { .streams = 4 * PIPE_CMDS_IN_FLIGHT, .requests = 48,
			       .gen_seconds = 1, .contexts = 1,
			       .kernel = PIPE_KERNEL_CHECKSUM, .verify = true };
	struct pipe_result r;

	max_inflight = 0;
	ck_assert_int_eq(xdna_emu_try_register_kernel("checksum", slow_checksum), 0);
	ck_assert_int_eq(pipe_run(&o, &r), 0);
	ck_assert_int_eq(xdna_emu_try_register_kernel("checksum", NULL), 0);
	ck_assert_uint_eq(r.verified, 48);
	ck_assert_uint_eq(r.contexts, 1);
	ck_assert_msg(max_inflight == PIPE_CMDS_IN_FLIGHT, "%u commands in flight",
		      max_inflight);
	ck_assert_int_eq(r.leaks, 0);
	emu_census_assert_zero();
}
END_TEST

/*
 * The stage table with one context, many streams and a slow command
 * (XDNA_EMU_DELAY_US): requests wait for a free command slot -- the NPU's
 * queue -- and the submitter's own service (encoder buffer, encode, EXEC)
 * stays small.  The slot wait used to be counted as submit service and the
 * npu stage's wait was always 0.
 */
START_TEST(test_stage_table_npu_wait)
{
	struct pipe_opts o = { .streams = 4 * PIPE_CMDS_IN_FLIGHT, .requests = 32,
			       .gen_seconds = 1, .contexts = 1,
			       .kernel = PIPE_KERNEL_CHECKSUM };
	const double delay_ms = 20;
	struct pipe_result r;
	const struct pipe_stage_report *npu = &r.stages[PIPE_STAGE_NPU];
	const struct pipe_stage_report *sub = &r.stages[PIPE_STAGE_SUBMIT];

	setenv("XDNA_EMU_DELAY_US", "20000", 1);	/* read when the device opens */
	ck_assert_int_eq(pipe_run(&o, &r), 0);
	unsetenv("XDNA_EMU_DELAY_US");
	ck_assert_uint_eq(r.ok, 32);
	ck_assert_str_eq(npu->name, "npu");
	/* a full ring: the next request waits about one command for a slot */
	ck_assert_msg(npu->wait.p50_ms > delay_ms / 4, "npu wait p50 %.3f ms",
		      npu->wait.p50_ms);
	ck_assert_msg(sub->service.p50_ms < delay_ms / 4, "submit service p50 %.3f ms",
		      sub->service.p50_ms);
	/* a command's service is at least its own run */
	ck_assert_msg(npu->service.p50_ms >= delay_ms, "npu service p50 %.3f ms",
		      npu->service.p50_ms);
	ck_assert_int_eq(r.leaks, 0);
	emu_census_assert_zero();
}
END_TEST

/*
 * A stalled NPU command: its request fails with one line once the command
 * timeout passes, the others finish, and teardown is bounded -- the pools
 * settle (or give up on the stalled buffer by their one destroy deadline)
 * while the contexts are still alive, then the contexts go.
 */
START_TEST(test_stalled_command_bounded)
{
	struct pipe_opts o = { .streams = 2, .requests = 6, .gen_seconds = 1, .contexts = 1,
			       .kernel = PIPE_KERNEL_CHECKSUM, .errors = quiet(),
			       .npu_timeout_ns = 300 * 1000000ll };
	struct pipe_result r;
	struct timespec t0, t1;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	ck_assert_int_eq(pipe_run(&o, &r), 1);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_uint_ge(r.failed, 1);
	ck_assert_uint_eq(r.ok + r.failed, 6);
	ck_assert_msg(strstr(r.first_error, "NPU command"), "'%s'", r.first_error);
	/*
	 * Bounded: the stalled context is destroyed before the pools, so its
	 * fenced buffers settle at once (it was 70 s: 60 s of command wait,
	 * then libpool's 10 s destroy deadline per fenced pool).
	 */
	ck_assert_msg(s < 10, "the run took %.1f s", s);
	ck_assert_int_eq(r.leaks, 0);
	fclose(o.errors);
	emu_census_assert_zero();
}
END_TEST

static Suite *pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("emulated NPU");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_stem_16_streams_30s_verified);
	tcase_add_test(tc, test_zero_copy_evidence);
	tcase_add_test(tc, test_copy_baseline_counts_copies);
	tcase_add_test(tc, test_bad_input_fails_alone);
	tcase_add_test(tc, test_bad_files_among_good);
	tcase_add_test(tc, test_commands_in_flight);
	tcase_add_test(tc, test_stage_table_npu_wait);
	tcase_add_test(tc, test_stalled_command_bounded);
	tcase_add_test(tc, test_npu_failure_no_leak);
	tcase_add_test(tc, test_contexts_from_device_budget);
	tcase_add_test(tc, test_sync_failure_named);
	tcase_add_test(tc, test_create_bo_fault_each_occurrence);
	tcase_add_test(tc, test_reference_stem_padding);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = pipeline_suite, .needs = TEST_NEEDS_EMU);
