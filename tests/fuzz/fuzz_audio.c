// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the audio decoder (mel_audio_open/read) on arbitrary
 * bytes written to a file.  Oracles: it terminates; an open that fails
 * returns a negative errno with one line starting with the path; an open
 * that succeeds announces 1..MEL_AUDIO_MAX_CHANNELS channels at a rate in
 * MEL_AUDIO_MIN_RATE..MEL_AUDIO_MAX_RATE and then, read in chunks of
 * varying size up to READ_BOUND samples, never delivers more than a chunk
 * asked for nor more than it announced, and either reaches the end at
 * exactly the samples announced, stops at the bound with at least that
 * many announced, or fails a read with a message naming the path; no file
 * descriptor is leaked.  Seeds: every container libsndfile opens
 * (tests/fuzz/gen_audio_seeds.py) and regression inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mel/audio.h"

#define READ_BOUND	(1u << 16)	/* samples decoded at most (4 s): the rest is only announced */
#define CHUNK_MAX	16000		/* samples asked for at most in one read */

static char path[64];
static float *buf;

static void oracle(int ok, const char *what, const char *msg)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_audio: oracle failed: %s ('%s')\n", what, msg ? msg : "");
	abort();
}

/*
 * The lowest free descriptor: equal before and after, or one leaked (an
 * open of its own, not dup(0): with fd 0 closed that fails every time).
 */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

/* 1, 2, ... then CHUNK_MAX: short reads and full ones on every input */
static size_t chunk(unsigned int i, uint64_t got)
{
	size_t want = i < 8 ? (size_t)1 << i : CHUNK_MAX;

	return READ_BOUND - got < want ? (size_t)(READ_BOUND - got) : want;
}

static void decode(struct mel_audio *a, const struct mel_audio_info *info)
{
	uint64_t got = 0;
	ssize_t r = 0;
	unsigned int i;

	for (i = 0; got < READ_BOUND; i++) {
		size_t want = chunk(i, got);

		r = mel_audio_read(a, buf, want);
		if (r <= 0)
			break;
		oracle((size_t)r <= want, "no more than asked for", info->format);
		got += (uint64_t)r;
		oracle(got <= info->samples, "no more than announced", info->format);
	}
	if (r < 0) {
		oracle(strncmp(mel_audio_errmsg(a), path, strlen(path)) == 0,
		       "a read error names the path", mel_audio_errmsg(a));
		oracle(!strchr(mel_audio_errmsg(a), '\n'), "one line", mel_audio_errmsg(a));
		return;
	}
	if (got < READ_BOUND)
		oracle(got == info->samples, "exactly the samples announced", info->format);
	else
		oracle(info->samples >= READ_BOUND, "the bound within what was announced",
		       info->format);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
	struct mel_audio_info info;
	struct mel_audio *a;
	char msg[512];
	int fd0, fd, rc;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_audio.%d.wav", (int)getpid());
	if (!buf && !(buf = malloc(CHUNK_MAX * sizeof(float))))
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	fd0 = next_fd();
	o.max_seconds = 600;
	rc = mel_audio_open(&a, path, &o, &info, msg, sizeof(msg));
	if (rc) {
		oracle(rc < 0, "open returns a negative errno", msg);
		oracle(!a, "no handle on failure", msg);
		oracle(strncmp(msg, path, strlen(path)) == 0, "the message names the path", msg);
		oracle(!strchr(msg, '\n'), "one line", msg);
	} else {
		oracle(info.src_channels >= 1 && info.src_channels <= MEL_AUDIO_MAX_CHANNELS,
		       "channels in range", info.format);
		oracle(info.src_rate >= MEL_AUDIO_MIN_RATE && info.src_rate <= MEL_AUDIO_MAX_RATE,
		       "rate in range", info.format);
		oracle(info.samples > 0, "samples announced", info.format);
		decode(a, &info);
		mel_audio_close(a);
	}
	oracle(next_fd() == fd0, "no descriptor leaked", path);
	return 0;
}
