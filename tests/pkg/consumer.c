// SPDX-License-Identifier: MIT
/*
 * A consumer of the installed libraries, in ISO C11 (-pedantic-errors):
 * built by tests/pkg/check_install.sh through pkg-config and through the
 * CMake package, against `make install DESTDIR=... PREFIX=/usr`, and run.
 * POOL_OPTS with and without fields, a host pool, libmel on a tone,
 * libmelaudio's and libxdna-shim's errors.  Exit 0 when all hold.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mel/audio.h>
#include <mel/mel.h>
#include <pool/pool.h>
#include <pool/poolset.h>
#include <xdna/shim.h>
#ifdef HAVE_POOL_XRT
#include <pool/pool_xrt.h>
#endif

#define TONE_SAMPLES	(MEL_SAMPLE_RATE / 10)

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "consumer: %s failed\n", what);
		failures++;
	}
}

static void use_pool(void)
{
	POOL_OPTS(pool_opts, o, .name = "consumer", .size = 1024, .initial = 1, .max = 1);
	POOL_OPTS(pool_set_opts, so);
	struct pool_buf *b = NULL, *c = NULL;
	struct pool *p;

	check(o.sz == sizeof(o) && so.sz == sizeof(so) && so.backend == NULL, "POOL_OPTS");
	p = pool_create(&o);
	check(p != NULL, "pool_create");
	if (!p)
		return;
	check(pool_acquire(p, &b, POOL_NOWAIT) == 0, "pool_acquire");
	check(pool_acquire(p, &c, POOL_NOWAIT) == -EAGAIN, "pool_acquire past max");
	if (b) {
		memset(pool_buf_data(b), 0xa5, pool_buf_size(b));
		check(pool_release(b) == 0, "pool_release");
	}
	check(pool_destroy(p) == 0, "pool_destroy");
}

static void use_mel(void)
{
	struct mel_opts o = MEL_OPTS_INIT;
	struct mel_plan *plan;
	struct mel_ws *ws;
	float *pcm, *out;
	ssize_t frames;
	int err = 0;

	o.mode = MEL_MODE_RAW;
	plan = mel_plan_create(&o, &err);
	check(plan != NULL, "mel_plan_create");
	if (!plan)
		return;
	ws = mel_ws_create(plan);
	frames = mel_frames(plan, TONE_SAMPLES);
	pcm = malloc(TONE_SAMPLES * sizeof(*pcm));
	out = malloc((size_t)mel_out_floats(plan, TONE_SAMPLES) * sizeof(*out));
	if (ws && pcm && out) {
		for (size_t i = 0; i < TONE_SAMPLES; i++)
			pcm[i] = 0.5f * sinf(6.2831853f * 440.0f * (float)i / MEL_SAMPLE_RATE);
		check(mel_compute(plan, ws, pcm, TONE_SAMPLES, out,
				  (size_t)mel_out_floats(plan, TONE_SAMPLES)) == frames, "mel_compute");
		check(isfinite(out[0]), "mel output finite");
	}
	free(out);
	free(pcm);
	mel_ws_destroy(ws);
	mel_plan_destroy(plan);
}

static void use_errors(void)
{
	struct mel_audio_opts ao = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a = NULL;
	struct mel_audio_info info;
	char msg[256] = "";

	check(mel_audio_open(&a, "/nonexistent/consumer.wav", &ao, &info, msg, sizeof(msg)) < 0 &&
	      msg[0], "mel_audio_open of a missing file");
	check(strlen(xdna_strerror(-ENODEV)) > 0, "xdna_strerror");
#ifdef HAVE_POOL_XRT
	check(pool_xrt_probe() == 0 || strlen(pool_xrt_errmsg()) > 0, "pool_xrt_probe");
#endif
}

int main(void)
{
	use_pool();
	use_mel();
	use_errors();
	printf("consumer: %s\n", failures ? "FAILED" : "ok");
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
