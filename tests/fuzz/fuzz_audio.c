// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the audio decoder (mel_audio_open/read) on arbitrary
 * bytes written to a file.  Oracles: it terminates; an open that fails
 * returns a negative errno with one line starting with the path; an open
 * that succeeds announces 1..MEL_AUDIO_MAX_CHANNELS channels at a rate in
 * MEL_AUDIO_MIN_RATE..MEL_AUDIO_MAX_RATE and then delivers exactly the
 * samples it announced, or fails a read with a message naming the path;
 * no file descriptor is leaked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mel/audio.h"

#define MAX_SAMPLES	(1u << 20)	/* bigger inputs are opened, not decoded */

static char path[64];
static float *buf;

static void oracle(int ok, const char *what, const char *msg)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_audio: oracle failed: %s ('%s')\n", what, msg ? msg : "");
	abort();
}

/* The lowest free descriptor: equal before and after, or one leaked. */
static int next_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
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
	if (!buf && !(buf = malloc(MAX_SAMPLES * sizeof(float))))
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
		uint64_t got = 0;
		ssize_t r = 0;

		oracle(info.src_channels >= 1 && info.src_channels <= MEL_AUDIO_MAX_CHANNELS,
		       "channels in range", info.format);
		oracle(info.src_rate >= MEL_AUDIO_MIN_RATE && info.src_rate <= MEL_AUDIO_MAX_RATE,
		       "rate in range", info.format);
		oracle(info.samples > 0, "samples announced", info.format);
		if (info.samples <= MAX_SAMPLES) {
			while ((r = mel_audio_read(a, buf, MAX_SAMPLES - got)) > 0)
				got += (uint64_t)r;
			if (r < 0)
				oracle(strncmp(mel_audio_errmsg(a), path, strlen(path)) == 0,
				       "a read error names the path", mel_audio_errmsg(a));
			else
				oracle(got == info.samples, "exactly the samples announced",
				       info.format);
		}
		mel_audio_close(a);
	}
	oracle(next_fd() == fd0, "no descriptor leaked", path);
	return 0;
}
