// SPDX-License-Identifier: MIT
/*
 * The front stage: each worker takes a request off the request queue,
 * decodes its audio straight into a pooled audio BO, computes the log-mel
 * from that mapping into a pooled mel BO, releases the audio, syncs the mel
 * to the device and moves the ticket on to the NPU queue.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mel/audio.h"
#include "mel/mel.h"
#include "pipe_impl.h"
#include "pool/pool_xdna.h"
#include "common/tool.h"

/* How every input is opened: the probe and the requests alike. */
static void audio_opts(const struct pipe_opts *o, struct mel_audio_opts *ao)
{
	ao->min_samples = 1;
	ao->quality = o->resample;
}

int pipe_input_check(const struct pipe_opts *o, const char *path, char *err, size_t len)
{
	struct mel_audio_opts ao = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a;
	struct stat st;
	int ret;

	if (stat(path, &st) || access(path, R_OK)) {
		ret = -errno;
		snprintf(err, len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	audio_opts(o, &ao);
	ret = mel_audio_open(&a, path, &ao, NULL, err, len);
	if (!ret)
		mel_audio_close(a);
	return ret;
}

/* Decode (or synthesise) straight into dst; returns samples or -errno. */
ssize_t pipe_load_audio(struct pipe *p, unsigned int stream, unsigned int req, float *dst,
			size_t cap)
{
	const struct pipe_opts *o = p->o;
	struct mel_audio_opts ao = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a;
	char err[PIPE_ERR_LINE];
	size_t got = 0;
	ssize_t n = 0;
	int ret;

	if (!o->n_inputs) {
		n = (ssize_t)(o->gen_seconds * MEL_SAMPLE_RATE);
		if ((size_t)n > cap)
			n = (ssize_t)cap;
		pipe_synth_speech(dst, (size_t)n, req);
		return n;
	}
	audio_opts(o, &ao);
	ret = mel_audio_open(&a, o->inputs[req % o->n_inputs], &ao, NULL, err, sizeof(err));
	if (ret) {
		pipe_error(p, "stream %u: %s", stream, err);
		return ret;
	}
	/* Longer files are trimmed to the window, as whisper's pad_or_trim does. */
	while (got < cap && (n = mel_audio_read(a, dst + got, cap - got)) > 0)
		got += (size_t)n;
	if (n < 0 && got < cap) {
		pipe_error(p, "stream %u: %s", stream, mel_audio_errmsg(a));
		mel_audio_close(a);
		return n;
	}
	mel_audio_close(a);
	return (ssize_t)got;
}

/* Decode into the audio BO, log-mel into the mel BO.  0 or -errno (named). */
static int front(struct pipe_worker *w, struct pipe_req *r)
{
	struct pipe *p = w->p;
	ssize_t n, frames;
	int err;

	err = pipe_acquire(p, p->audio, &r->audio, r->stream);
	if (err)
		return err;
	r->trace.audio_map = xdna_bo_map(pool_buf_backend_obj(r->audio));
	r->trace.decode_dst = pool_buf_data(r->audio);
	n = pipe_load_audio(p, r->stream, r->id, pool_buf_data(r->audio), p->audio_cap);
	if (n < 0)
		return (int)n;
	r->samples = (size_t)n;
	atomic_fetch_add(&p->audio_samples, (unsigned long long)n);
	r->ts[TS_DECODED] = tool_now_ns();
	err = pipe_acquire(p, p->mel, &r->mel, r->stream);
	if (err)
		return err;
	r->trace.mel_map = xdna_bo_map(pool_buf_backend_obj(r->mel));
	r->trace.mel_dst = pool_buf_data(r->mel);
	r->trace.mel_src = pool_buf_data(r->audio);
	frames = mel_compute(p->plan, w->ws, pool_buf_data(r->audio), (size_t)n,
			     pool_buf_data(r->mel), p->mel_floats);
	if (frames < 0) {
		pipe_error(p, "stream %u: log-mel of %zd samples: %s", r->stream, n,
			   strerror((int)-frames));
		return (int)frames;
	}
	r->frames = (unsigned int)frames;
	/* The audio is consumed: back to its pool before the NPU runs. */
	pool_release(r->audio);
	r->audio = NULL;
	err = pool_buf_sync(r->mel, POOL_SYNC_TO_DEVICE, 0, 0);
	if (err)
		pipe_error(p, "stream %u: sync of the mel buffer to the device: %s", r->stream,
			   xdna_errmsg());
	return err;
}

void *pipe_worker_main(void *arg)
{
	struct pipe_worker *w = arg;
	struct pipe *p = w->p;
	struct pool_buf *t;

	while (!pool_chan_recv(p->ch_req, &t, POOL_FOREVER)) {
		struct pipe_req *r = pool_buf_data(t);

		r->ts[TS_FRONT] = tool_now_ns();
		r->err = front(w, r);
		r->ts[TS_MEL] = tool_now_ns();
		pipe_pass_on(p, r->err ? p->ch_done : p->ch_npu, t);
	}
	return NULL;
}
