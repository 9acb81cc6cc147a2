// SPDX-License-Identifier: MIT
/* Pool sets: config files, environment overrides, the Whisper preset. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pool/poolset.h>

#include "pool_testutil.h"
#include "runner.h"

static struct report_log errlog;

static struct pool_set *parse(const char *text, bool env)
{
	POOL_OPTS(pool_set_opts, so, .no_env = !env, .report = report_collect,
		  .report_arg = &errlog);

	memset(&errlog, 0, sizeof(errlog));
	return pool_set_parse(text, "test.ini", &so);
}

/* A bad config: NULL, EINVAL and exactly one line naming key and value. */
static void bad(const char *text, const char *needle)
{
	errno = 0;
	ck_assert_ptr_null(parse(text, false));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(atomic_load(&errlog.n), 1);
	ck_assert_msg(strstr(errlog.lines[0], needle), "'%s' lacks '%s'", errlog.lines[0],
		      needle);
}

static const char config[] =
	"# pools of a speech service\n"
	"[audio]\n"
	"dtype = f32\n"
	"shape = 480000        ; 30 s at 16 kHz\n"
	"initial = 2\n"
	"max = 8\n"
	"zero = yes\n"
	"\n"
	"[mel]\n"
	"dtype = float32\n"
	"shape = 80x3000\n"
	"min = 1\n"
	"grow = double\n"
	"idle_timeout_ms = 30000\n"
	"max_cached_bytes = 64M\n"
	"thread_cache_bytes = 2MiB\n"
	"\n"
	"[scratch]\n"
	"size = 64K\n"
	"thread_cache = no\n";

START_TEST(test_config_parse)
{
	struct pool_set *set = parse(config, false);
	const struct pool_opts *o;
	struct pool *audio;

	ck_assert_msg(set, "parse: %s", errlog.lines[0]);
	ck_assert_uint_eq(pool_set_count(set), 3);
	audio = pool_set_get(set, "audio");
	ck_assert_ptr_nonnull(audio);
	ck_assert_uint_eq(pool_buf_bytes(audio), 480000 * 4);
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "mel")), 80 * 3000 * 4);
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "scratch")), 65536);
	ck_assert_ptr_null(pool_set_get(set, "nope"));
	ck_assert_int_eq(errno, ENOENT);
	o = pool_set_pool_opts(set, 0);
	ck_assert_str_eq(o->name, "audio");
	ck_assert_uint_eq(o->initial, 2);
	ck_assert_uint_eq(o->max, 8);
	ck_assert(o->flags & POOL_F_ZERO);
	o = pool_set_pool_opts(set, 1);
	ck_assert_int_eq(o->grow, POOL_GROW_DOUBLE);
	ck_assert_uint_eq(o->min, 1);
	ck_assert_uint_eq(o->idle_timeout_ms, 30000);
	ck_assert_uint_eq(o->max_cached_bytes, 64u << 20);
	ck_assert_uint_eq(o->thread_cache_bytes, 2u << 20);
	o = pool_set_pool_opts(set, 2);
	ck_assert(o->flags & POOL_F_NO_CACHE);
	pool_set_destroy(set);
}
END_TEST

START_TEST(test_config_file_and_env)
{
	char path[] = "/tmp/poolset-XXXXXX";
	int fd = mkstemp(path);
	struct pool_set *set;
	POOL_OPTS(pool_set_opts, so, .report = report_collect, .report_arg = &errlog);
	struct pool_stats st = { .sz = sizeof(st) };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, config, sizeof(config) - 1), (ssize_t)sizeof(config) - 1);
	close(fd);
	setenv("XDNAPOOL_AUDIO_INITIAL", "5", 1);
	setenv("XDNAPOOL_AUDIO_MAX", "16", 1);
	setenv("XDNAPOOL_MEL_GROW", "none", 1);
	setenv("XDNAPOOL_MEL_MIN", "3", 1);
	memset(&errlog, 0, sizeof(errlog));
	set = pool_set_load(path, &so);
	ck_assert_msg(set, "load: %s", errlog.lines[0]);
	ck_assert_uint_eq(pool_set_pool_opts(set, 0)->initial, 5);
	ck_assert_uint_eq(pool_set_pool_opts(set, 0)->max, 16);
	ck_assert_int_eq(pool_set_pool_opts(set, 1)->grow, POOL_GROW_NONE);
	ck_assert_int_eq(pool_stats_get(pool_set_get(set, "audio"), &st), 0);
	ck_assert_uint_eq(st.total, 5);
	pool_set_destroy(set);

	/* a bad override names the variable and its value */
	setenv("XDNAPOOL_AUDIO_MAX", "lots", 1);
	memset(&errlog, 0, sizeof(errlog));
	errno = 0;
	ck_assert_ptr_null(pool_set_load(path, &so));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(atomic_load(&errlog.n), 1);
	ck_assert_ptr_nonnull(strstr(errlog.lines[0], "XDNAPOOL_AUDIO_MAX='lots'"));
	unsetenv("XDNAPOOL_AUDIO_INITIAL");
	unsetenv("XDNAPOOL_AUDIO_MAX");
	unsetenv("XDNAPOOL_MEL_GROW");
	unsetenv("XDNAPOOL_MEL_MIN");
	unlink(path);

	errno = 0;
	ck_assert_ptr_null(pool_set_load("/nonexistent/pools.ini", &so));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_config_bad_lines)
{
	bad("[a]\nsize = 4096\nmax = -3\n", "test.ini:3: [a] max = '-3'");
	bad("[a]\nsize = 4096\nmax = 12abc\n", "max = '12abc'");
	bad("[a]\nsize = 0\n", "size = '0'");
	bad("[a]\nsize = 4096\ncolour = blue\n", "colour = 'blue': unknown key");
	bad("[a]\ndtype = f33\nshape = 4\n", "dtype = 'f33': unknown dtype");
	bad("[a]\ndtype = f32\nshape = 80x0\n", "shape = '80x0'");
	bad("[a]\nsize = 4096\nzero = maybe\n", "zero = 'maybe'");
	bad("[a]\nsize = 4096\ngrow = triple\n", "grow = 'triple'");
	bad("size = 4096\n", "test.ini:1: 'size = 4096' before any [section]");
	bad("[a]\nsize 4096\n", "test.ini:2: expected 'key = value'");
	bad("[a\nsize = 1\n", "bad section header");
	bad("[a b]\nsize = 1\n", "bad pool name 'a b'");
	bad("[a]\nsize = 4096\n[a]\nsize = 4096\n", "test.ini:3: section [a] appears twice");
	bad("[a]\nsize = 4096\nsize = 8192\n", "key 'size' set twice");
	bad("[a]\ndtype = f32\n", "[a] needs shape");
	bad("[a]\nsize = 4096\ninitial = 8\nmax = 4\n", "max = 4 is below initial = 8");
	bad("[a]\nsize = 4096\nmax = 99999999999\n", "max = '99999999999'");
	bad("[w]\npreset = whisper\nn_mels = 100\n", "test.ini:3: [w] n_mels = '100': must be 80 or 128");
	bad("[w]\npreset = whisper\nseconds = 0\n", "seconds = '0'");
	bad("[w]\npreset = whisper\nwidth = 3\n", "width = '3': unknown key");
	bad("[w]\npreset = llama\n", "preset = 'llama': unknown preset");
	/* a size/shape mismatch is caught by pool_create */
	errno = 0;
	ck_assert_ptr_null(parse("[a]\ndtype = f32\nshape = 4\nsize = 4\n", false));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(atomic_load(&errlog.n), 1);
	ck_assert_ptr_nonnull(strstr(errlog.lines[0], "[a] cannot create the pool"));
}
END_TEST

START_TEST(test_whisper_opts)
{
	POOL_OPTS(pool_whisper_opts, w, .n_mels = 128, .d_model = 1280, .streams = 50);
	struct pool_opts o[POOL_WHISPER__COUNT];

	ck_assert_int_eq(pool_whisper_opts(NULL, o, NULL), 0);	/* defaults */
	ck_assert_str_eq(o[POOL_WHISPER_AUDIO].name, "audio");
	ck_assert_uint_eq(o[POOL_WHISPER_AUDIO].shape[0], 480000);	/* 30 s x 16 kHz */
	ck_assert_uint_eq(o[POOL_WHISPER_MEL].shape[0], 80);
	ck_assert_uint_eq(o[POOL_WHISPER_MEL].shape[1], 3000);
	ck_assert_uint_eq(o[POOL_WHISPER_ENCODER].shape[0], 1500);
	ck_assert_uint_eq(o[POOL_WHISPER_ENCODER].shape[1], 384);
	ck_assert_uint_eq(o[POOL_WHISPER_AUDIO].initial, 16);
	ck_assert_uint_eq(o[POOL_WHISPER_AUDIO].max, 32);
	ck_assert_int_eq(pool_whisper_opts(&w, o, NULL), 0);
	ck_assert_uint_eq(o[POOL_WHISPER_MEL].shape[0], 128);
	ck_assert_uint_eq(o[POOL_WHISPER_ENCODER].shape[1], 1280);
	ck_assert_uint_eq(o[POOL_WHISPER_ENCODER].max, 100);
	w.n_mels = 81;
	ck_assert_int_eq(pool_whisper_opts(&w, o, NULL), -EINVAL);
}
END_TEST

START_TEST(test_whisper_set_sizes)
{
	POOL_OPTS(pool_whisper_opts, w, .streams = 2, .per_stream = 1);
	POOL_OPTS(pool_set_opts, so, .no_env = true);
	struct pool_set *set = pool_set_whisper(&w, &so);
	struct pool_buf *b;
	size_t shape[POOL_MAX_DIMS];

	ck_assert_ptr_nonnull(set);
	ck_assert_uint_eq(pool_set_count(set), 3);
	/* sized from the data: 30 s of audio really is 30 s (1.92 MB, not 7.7 s) */
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "audio")), 480000 * sizeof(float));
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "mel")), 80 * 3000 * sizeof(float));
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "encoder")),
			  1500 * 384 * sizeof(float));
	ck_assert_int_eq(pool_acquire(pool_set_get(set, "encoder"), &b, POOL_NOWAIT), 0);
	ck_assert_uint_eq(pool_buf_shape(b, shape), 2);
	ck_assert_uint_eq(shape[0], 1500);
	ck_assert_uint_eq(shape[1], 384);
	pool_release(b);
	pool_set_destroy(set);
}
END_TEST

START_TEST(test_whisper_in_config_with_env)
{
	struct pool_set *set;

	setenv("XDNAPOOL_SVC_N_MELS", "128", 1);
	setenv("XDNAPOOL_SVC_MEL_MAX", "7", 1);
	set = parse("[svc]\npreset = whisper\nprefix = svc_\nstreams = 3\nd_model = 512\n"
		    "zero = yes\n", true);
	unsetenv("XDNAPOOL_SVC_N_MELS");
	unsetenv("XDNAPOOL_SVC_MEL_MAX");
	ck_assert_msg(set, "%s", errlog.lines[0]);
	ck_assert_uint_eq(pool_set_count(set), 3);
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "svc_mel")), 128 * 3000 * 4);
	ck_assert_uint_eq(pool_buf_bytes(pool_set_get(set, "svc_encoder")), 1500 * 512 * 4);
	ck_assert_uint_eq(pool_set_pool_opts(set, 0)->initial, 3);
	ck_assert_uint_eq(pool_set_pool_opts(set, 1)->max, 7);	/* env on the pool */
	ck_assert(pool_set_pool_opts(set, 2)->flags & POOL_F_ZERO);
	pool_set_destroy(set);
}
END_TEST

START_TEST(test_dry_run)
{
	POOL_OPTS(pool_set_opts, so, .no_env = true, .dry_run = true);
	struct pool_set *set = pool_set_parse("[big]\nsize = 1G\ninitial = 1000\n", NULL, &so);

	ck_assert_ptr_nonnull(set);
	ck_assert_ptr_null(pool_set_pool(set, 0));
	ck_assert_uint_eq(pool_set_pool_opts(set, 0)->size, 1ull << 30);
	pool_set_destroy(set);
}
END_TEST

/* parse() with the environment, expecting one error line with needle; env unset after. */
static void bad_env(const char *text, const char *var, const char *val, const char *needle)
{
	setenv(var, val, 1);
	errno = 0;
	ck_assert_ptr_null(parse(text, true));
	unsetenv(var);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(atomic_load(&errlog.n), 1);
	ck_assert_msg(strstr(errlog.lines[0], needle), "'%s' lacks '%s'", errlog.lines[0],
		      needle);
}

/* Every XDNAPOOL_* variable names a pool of the set and one of its keys. */
START_TEST(test_env_unknown_names)
{
	static const char w[] = "[svc]\npreset = whisper\nprefix = svc_\nstreams = 2\n";
	struct pool_set *set;

	bad_env(config, "XDNAPOOL_AUDIO_MXA", "1",
		"xdnapool: XDNAPOOL_AUDIO_MXA='1': pool 'audio' has no key MXA (keys: dtype,");
	bad_env(config, "XDNAPOOL_NOSUCHPOOL_MAX", "4",
		"xdnapool: XDNAPOOL_NOSUCHPOOL_MAX='4': test.ini has no such pool "
		"(pools: audio, mel, scratch)");
	/* a pool key on the preset section, a preset key on one of its pools */
	bad_env(w, "XDNAPOOL_SVC_GROW", "none", "preset section 'svc' has no key GROW");
	bad_env(w, "XDNAPOOL_SVC_MEL_N_MELS", "128", "pool 'svc_mel' has no key N_MELS");
	bad_env(w, "XDNAPOOL_SVC_MEL_MXA", "1", "pool 'svc_mel' has no key MXA");
	/* libpool's own switches are not pools; no_env ignores the environment */
	setenv("XDNAPOOL_NO_MEMBARRIER", "1", 1);
	setenv("XDNAPOOL_NOSUCHPOOL_MAX", "4", 1);
	set = parse(config, false);
	ck_assert_msg(set, "%s", errlog.lines[0]);
	pool_set_destroy(set);
	unsetenv("XDNAPOOL_NOSUCHPOOL_MAX");
	set = parse(config, true);
	ck_assert_msg(set, "%s", errlog.lines[0]);
	pool_set_destroy(set);
	unsetenv("XDNAPOOL_NO_MEMBARRIER");
	/* another prefix: only its variables count */
	{
		POOL_OPTS(pool_set_opts, so, .env_prefix = "MYAPP", .report = report_collect,
			  .report_arg = &errlog);

		setenv("XDNAPOOL_NOSUCHPOOL_MAX", "4", 1);
		setenv("MYAPP_AUDIO_MAX", "6", 1);
		memset(&errlog, 0, sizeof(errlog));
		set = pool_set_parse(config, "test.ini", &so);
		unsetenv("XDNAPOOL_NOSUCHPOOL_MAX");
		unsetenv("MYAPP_AUDIO_MAX");
		ck_assert_msg(set, "%s", errlog.lines[0]);
		ck_assert_uint_eq(pool_set_pool_opts(set, 0)->max, 6);
		pool_set_destroy(set);
	}
}
END_TEST

/* A cross-check on a value from the environment names the variable, not the file. */
START_TEST(test_env_cross_check_names_variable)
{
	bad_env("[mel]\nsize = 4K\ninitial = 2\n", "XDNAPOOL_MEL_MAX", "1",
		"xdnapool: XDNAPOOL_MEL_MAX='1' is below initial = 2 (test.ini:3)");
	bad_env("[mel]\nsize = 4K\nmax = 2\n", "XDNAPOOL_MEL_INITIAL", "3",
		"xdnapool: test.ini:3: [mel] max = 2 is below initial = 3 (XDNAPOOL_MEL_INITIAL)");
	bad_env("[mel]\nsize = 4K\nmax = 2\n", "XDNAPOOL_MEL_MIN", "5",
		"below min = 5 (XDNAPOOL_MEL_MIN)");
	/* the preset's pools are not sections of the file: no file line */
	bad_env("[w]\npreset = whisper\nstreams = 2\n", "XDNAPOOL_MEL_INITIAL", "100",
		"xdnapool: pool 'mel': max = 4 (the preset) is below initial = 100 "
		"(XDNAPOOL_MEL_INITIAL)");
	bad_env("[w]\npreset = whisper\nstreams = 2\n", "XDNAPOOL_MEL_MAX", "1",
		"xdnapool: XDNAPOOL_MEL_MAX='1' is below initial = 2 (the preset)");
	ck_assert_ptr_null(strstr(errlog.lines[0], "test.ini"));
}
END_TEST

/* Runs fn with stderr going to a temporary file; its text in out. */
static void with_stderr(void (*fn)(void), char *out, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void bad_debug_set(void)
{
	bad_env("[a]\nsize = 4K\n", "XDNAPOOL_DEBUG", "banana", "XDNAPOOL_DEBUG='banana'");
}

/* XDNAPOOL_DEBUG is a boolean: anything else is an error, not "off". */
START_TEST(test_debug_env_strict)
{
	struct report_log log = { 0 };
	POOL_OPTS(pool_opts, o, .name = "dbg", .size = 4096, .initial = 1,
		  .report = report_collect, .report_arg = &log);
	struct pool *p;
	char err[512];

	setenv("XDNAPOOL_DEBUG", "banana", 1);
	errno = 0;
	p = pool_create(&o);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(atomic_load(&log.n), 1);
	ck_assert_msg(strstr(log.lines[0], "xdnapool: XDNAPOOL_DEBUG='banana': expected 1, yes"),
		      "%s", log.lines[0]);
	/* a pool set: the reason once, in its one line (nothing on stderr) */
	with_stderr(bad_debug_set, err, sizeof(err));
	ck_assert_msg(!err[0], "stderr: %s", err);
	ck_assert_msg(!strstr(errlog.lines[0], "cannot create"), "%s", errlog.lines[0]);
	setenv("XDNAPOOL_DEBUG", "off", 1);
	p = pool_create(&o);
	unsetenv("XDNAPOOL_DEBUG");
	ck_assert_ptr_nonnull(p);
	pool_destroy(p);
}
END_TEST

/*
 * In a fresh process (the variable is read once, at the first pool, and a
 * fork of this one may have read it already): create a pool with
 * XDNAPOOL_NO_MEMBARRIER=val (unset if NULL); 0 if it was created, 1 if
 * refused with EINVAL and one line naming it, 2 otherwise; *membarrier
 * its use.
 */
static int no_membarrier_child(const char *val, bool *membarrier)
{
	char cmd[512], out[512], want[128];
	int mb, created, err, reports;
	FILE *f;

	if (val)
		snprintf(cmd, sizeof(cmd), "env XDNAPOOL_NO_MEMBARRIER='%s' " POOL_ENV_PROBE, val);
	else
		snprintf(cmd, sizeof(cmd), "env -u XDNAPOOL_NO_MEMBARRIER " POOL_ENV_PROBE);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(out, sizeof(out), f));
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_msg(sscanf(out, "membarrier=%d created=%d errno=%d reports=%d", &mb, &created,
			     &err, &reports) == 4, "probe: %s", out);
	*membarrier = mb;
	if (created)
		return 0;
	snprintf(want, sizeof(want), "first=xdnapool: XDNAPOOL_NO_MEMBARRIER='%s': expected 1,",
		 val ? val : "");
	return err == EINVAL && reports == 1 && strstr(out, want) ? 1 : 2;
}

/* XDNAPOOL_NO_MEMBARRIER is the same strict boolean: "no" keeps membarrier. */
START_TEST(test_no_membarrier_env_strict)
{
	bool dflt, mb;

	ck_assert_int_eq(no_membarrier_child(NULL, &dflt), 0);
	ck_assert_int_eq(no_membarrier_child("1", &mb), 0);
	ck_assert(!mb);
	ck_assert_int_eq(no_membarrier_child("yes", &mb), 0);
	ck_assert(!mb);
	for (unsigned int i = 0; i < 4; i++) {
		static const char *const no[] = { "0", "no", "false", "OFF" };

		ck_assert_int_eq(no_membarrier_child(no[i], &mb), 0);
		ck_assert_msg(mb == dflt, "XDNAPOOL_NO_MEMBARRIER=%s changed membarrier", no[i]);
	}
	ck_assert_int_eq(no_membarrier_child("banana", &mb), 1);
	ck_assert_int_eq(no_membarrier_child("", &mb), 1);
}
END_TEST

/* dsp's XDNAPOOL_MEL_ISA is not an override of a pool named mel. */
START_TEST(test_env_reserved_mel_isa)
{
	struct pool_set *set;

	setenv("XDNAPOOL_MEL_ISA", "generic", 1);
	set = parse("[mel]\nsize = 4K\n", true);
	unsetenv("XDNAPOOL_MEL_ISA");
	ck_assert_msg(set, "%s", errlog.lines[0]);
	pool_set_destroy(set);
}
END_TEST

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void bad_load(const char *path, int err, const char *needle)
{
	POOL_OPTS(pool_set_opts, so, .no_env = true, .report = report_collect,
		  .report_arg = &errlog);

	memset(&errlog, 0, sizeof(errlog));
	errno = 0;
	ck_assert_ptr_null(pool_set_load(path, &so));
	ck_assert_int_eq(errno, err);
	ck_assert_int_eq(atomic_load(&errlog.n), 1);
	ck_assert_msg(strstr(errlog.lines[0], needle), "'%s' lacks '%s'", errlog.lines[0],
		      needle);
}

/* A directory, an empty file, comments only, a NUL byte: not a pool set, said so. */
START_TEST(test_load_not_a_pool_set)
{
	char dir[] = "/tmp/poolset-XXXXXX", path[64], want[128];
	static const char nul[] = "[a]\nsize = 4K\n\0max = 2\n";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(want, sizeof(want), "xdnapool: %s: is a directory, not a pool set", dir);
	bad_load(dir, EISDIR, want);
	snprintf(path, sizeof(path), "%s/empty.ini", dir);
	write_file(path, "", 0);
	snprintf(want, sizeof(want), "xdnapool: %s: no [pool] section: not a pool set", path);
	bad_load(path, EINVAL, want);
	write_file(path, "# nothing\n\n; here\n", strlen("# nothing\n\n; here\n"));
	bad_load(path, EINVAL, want);
	write_file(path, nul, sizeof(nul) - 1);
	snprintf(want, sizeof(want), "xdnapool: %s:3: a NUL byte (offset 14)", path);
	bad_load(path, EINVAL, want);
	unlink(path);
	rmdir(dir);
	bad("", "xdnapool: test.ini: no [pool] section");
}
END_TEST

static Suite *poolset_suite(void)
{
	Suite *s = suite_create("poolset");
	TCase *tc = tcase_create("config");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_config_parse);
	tcase_add_test(tc, test_config_file_and_env);
	tcase_add_test(tc, test_config_bad_lines);
	tcase_add_test(tc, test_whisper_opts);
	tcase_add_test(tc, test_whisper_set_sizes);
	tcase_add_test(tc, test_whisper_in_config_with_env);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_env_unknown_names);
	tcase_add_test(tc, test_env_cross_check_names_variable);
	tcase_add_test(tc, test_debug_env_strict);
	tcase_add_test(tc, test_no_membarrier_env_strict);
	tcase_add_test(tc, test_env_reserved_mel_isa);
	tcase_add_test(tc, test_load_not_a_pool_set);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(.suite = poolset_suite);
