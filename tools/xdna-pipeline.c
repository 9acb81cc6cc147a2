// SPDX-License-Identifier: MIT
/*
 * xdna-pipeline: the Whisper front end on the NPU.  Many concurrent streams
 * decode audio into pooled BOs, compute the log-mel straight into pooled mel
 * BOs, hand those to the NPU without a copy and release everything when the
 * NPU's fence signals.  Exit status: 0 all requests succeeded, 1 some
 * failed (or the set-up did), 2 usage error.
 */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "xdna/shim.h"
#include "xdna_emu.h"

struct files {
	char **v;
	unsigned int n, cap;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xdna-pipeline [options] [AUDIO_FILE|DIR ...]\n"
		"  -s, --streams N        concurrent streams (default 16)\n"
		"  -r, --requests N       requests in all (default: one per stream or file)\n"
		"      --seconds S        without files: S seconds of generated speech-like audio (30)\n"
		"      --n-mels 80|128    mel bins (default 80)\n"
		"      --npu-kernel K     packaged design: stem (conv1d+GELU x2, default) or checksum\n"
		"      --xclbin FILE      the NPU design (default: build/data/whisper_stem.xclbin)\n"
		"      --kernel NAME      its kernel (default: the first)\n"
		"      --insts FILE       instruction stream (insts.bin) for mlir-aie kernels\n"
		"      --d-model N        encoder width for the stem (default 384)\n"
		"      --contexts N       NPU hardware contexts (default min(streams, 4))\n"
		"      --config FILE      pool set (sizes) from FILE; XDNAPOOL_<POOL>_<KEY> overrides\n"
		"      --resample Q       best, medium (default) or fast sample-rate conversion\n"
		"      --copy             baseline: private memory, fresh BO and a copy per request\n"
		"      --verify           check every NPU output against the CPU reference\n"
		"      --json             one JSON object instead of text\n"
		"      --no-progress      no progress bar on a terminal\n");
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("xdna-pipeline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	exit(2);
}

static unsigned long parse_ulong(const char *opt, const char *s, unsigned long lo,
				 unsigned long hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* strtoul() skips leading blanks and takes a sign: we do not */
	if (errno || end == s || *end || !isdigit((unsigned char)*s) || v < lo || v > hi)
		die_usage("%s '%s' is not a whole number from %lu to %lu", opt, s, lo, hi);
	return v;
}

static double parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* plain decimal only: no blanks, sign, hex float, inf or nan */
	if (errno || end == s || *end || strspn(s, "0123456789.eE+-") != strlen(s) ||
	    !(isdigit((unsigned char)*s) || *s == '.') || !(v > 0.0125) || v > 3600)
		die_usage("--seconds '%s' is not a duration from 0.0125 to 3600", s);
	return v;
}

static void add_file(struct files *f, const char *path)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->v = realloc(f->v, f->cap * sizeof(*f->v));
		if (!f->v)
			die_usage("out of memory");
	}
	f->v[f->n] = strdup(path);
	if (!f->v[f->n++])
		die_usage("out of memory");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool audio_name(const char *name)
{
	static const char *const ext[] = { ".wav", ".flac", ".ogg", ".opus", ".aiff", ".mp3" };
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (n > e && !strcasecmp(name + n - e, ext[i]))
			return true;
	}
	return false;
}

/* A directory contributes its audio files, sorted. */
static void add_input(struct files *f, const char *path)
{
	char full[PATH_MAX];
	struct dirent *de;
	unsigned int first = f->n;
	struct stat st;
	DIR *d;

	if (stat(path, &st))
		die_usage("input '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		add_file(f, path);
		return;
	}
	d = opendir(path);
	if (!d)
		die_usage("input directory '%s': %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !audio_name(de->d_name))
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		add_file(f, full);
	}
	closedir(d);
	if (f->n == first)
		die_usage("input directory '%s' has no audio files", path);
	qsort(f->v + first, f->n - first, sizeof(*f->v), cmp_str);
}

static void progress(void *arg, unsigned int done, unsigned int total)
{
	int width = 40, fill = (int)((unsigned long)done * (unsigned int)width / total), i;

	(void)arg;
	fprintf(stderr, "\r[");
	for (i = 0; i < width; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %u/%u", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

int main(int argc, char **argv)
{
	enum { O_SECONDS = 256, O_NMELS, O_KERNEL, O_DMODEL, O_CONTEXTS, O_CONFIG, O_COPY,
	       O_VERIFY, O_JSON, O_NOPROGRESS, O_RESAMPLE, O_XCLBIN, O_KNAME, O_INSTS };
	static const struct option longopts[] = {
		{ "streams", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "n-mels", required_argument, NULL, O_NMELS },
		{ "npu-kernel", required_argument, NULL, O_KERNEL },
		{ "d-model", required_argument, NULL, O_DMODEL },
		{ "contexts", required_argument, NULL, O_CONTEXTS },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "copy", no_argument, NULL, O_COPY },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "json", no_argument, NULL, O_JSON },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "resample", required_argument, NULL, O_RESAMPLE },
		{ "xclbin", required_argument, NULL, O_XCLBIN },
		{ "kernel", required_argument, NULL, O_KNAME },
		{ "insts", required_argument, NULL, O_INSTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pipe_opts o = { .streams = 16 };
	struct pipe_result r;
	struct files files = { 0 };
	bool json = false, show_progress = true;
	unsigned int i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.streams = (unsigned int)parse_ulong("--streams", optarg, 1, 1024);
			break;
		case 'r':
			o.requests = (unsigned int)parse_ulong("--requests", optarg, 1, 10000000);
			break;
		case O_SECONDS:
			o.gen_seconds = parse_seconds(optarg);
			break;
		case O_NMELS:
			o.n_mels = (unsigned int)parse_ulong("--n-mels", optarg, 1, 1024);
			if (o.n_mels != 80 && o.n_mels != 128)
				die_usage("--n-mels '%s' must be 80 or 128", optarg);
			break;
		case O_XCLBIN:
			o.xclbin = optarg;
			break;
		case O_KNAME:
			o.kernel_name = optarg;
			break;
		case O_INSTS:
			o.insts = optarg;
			break;
		case O_KERNEL:
			if (!strcmp(optarg, "stem"))
				o.kernel = PIPE_KERNEL_STEM;
			else if (!strcmp(optarg, "checksum"))
				o.kernel = PIPE_KERNEL_CHECKSUM;
			else
				die_usage("--npu-kernel '%s' is not stem or checksum", optarg);
			break;
		case O_DMODEL:
			o.d_model = (unsigned int)parse_ulong("--d-model", optarg, 1, 4096);
			break;
		case O_CONTEXTS:
			o.contexts = (unsigned int)parse_ulong("--contexts", optarg, 1, 16);
			break;
		case O_CONFIG:
			if (access(optarg, R_OK))
				die_usage("--config '%s': %s", optarg, strerror(errno));
			o.pool_config = optarg;
			break;
		case O_COPY:
			o.copy_mode = true;
			break;
		case O_VERIFY:
			o.verify = true;
			break;
		case O_JSON:
			json = true;
			break;
		case O_NOPROGRESS:
			show_progress = false;
			break;
		case O_RESAMPLE:
			if (!strcmp(optarg, "best"))
				o.resample = PIPE_RESAMPLE_BEST;
			else if (!strcmp(optarg, "medium"))
				o.resample = PIPE_RESAMPLE_MEDIUM;
			else if (!strcmp(optarg, "fast"))
				o.resample = PIPE_RESAMPLE_FAST;
			else
				die_usage("--resample '%s' is not best, medium or fast", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	for (i = (unsigned int)optind; i < (unsigned int)argc; i++)
		add_input(&files, argv[i]);
	if (files.n && o.gen_seconds > 0)
		die_usage("--seconds generates audio: give it or input files, not both");
	o.inputs = (const char *const *)files.v;
	o.n_inputs = files.n;
	if (show_progress && !json && isatty(STDERR_FILENO))
		o.progress = progress;

	if (!json) {
		printf("xdna-pipeline: %s\n", xdna_emu_present() ?
		       "on xdna-emu, the emulated amdxdna device (no NPU here)" :
		       "on the amdxdna NPU");
		fflush(stdout);
	}
	ret = pipe_run(&o, &r);
	if (ret < 0) {
		/* one line: the failure was named already, or is named here */
		if (!r.error_lines)
			fprintf(stderr, "xdna-pipeline: cannot start: %s\n",
				r.first_error[0] ? r.first_error : strerror(-ret));
		ret = 1;
	} else {
		pipe_print(&o, &r, json, stdout);
	}
	for (i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	return ret;
}
