// SPDX-License-Identifier: MIT
/*
 * xdna-pipeline: the Whisper front end on the NPU.  Stream clients feed a
 * staged pipeline (tools/pipeline/pipeline.h): decode+mel workers write into
 * pooled BOs, NPU submitters hand those to the device without a copy and
 * the pools take them back when the NPU's fences signal.  Exit status
 * (tools/common/tool.h): 0 every request succeeded, 1 some failed (an
 * input set aside counts as one, or the set-up did), 2 usage error (no
 * usable input, an unusable --xclbin), 3 no device.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tool.h"
#include "common/tool_isa.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "xdna/shim.h"

#define MAX_STREAMS	1024
#define MAX_REQUESTS	10000000
#define MAX_WORKERS	256
#define MAX_D_MODEL	4096
#define MIN_SECONDS	0.0125		/* 200 samples: the shortest mel input */
#define MAX_SECONDS	3600.0
#define PROGRESS_WIDTH	40
#define MAX_NPU_TIMEOUT_MS	3600000		/* an hour */
#define MIN_METRICS_INTERVAL_MS	100
#define MAX_METRICS_INTERVAL_MS	3600000
#define PIPE_INPUT_LINE		256	/* a reason, besides the path */

/* What the command line asks for, besides the pipeline's own options. */
struct cli {
	struct pipe_opts o;
	struct pipe_metrics_opts metrics;	/* --metrics-* */
	bool json, progress;
	char **files;
	unsigned int n_files, cap_files;
	unsigned int bad_inputs;	/* named on stderr, set aside */
};

static void usage(FILE *f)
{
	char dir[PATH_MAX], *slash;

	/* where this binary finds its packaged designs (tool_data_path()) */
	tool_data_path("whisper_stem.xclbin", dir, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fprintf(f,
		"usage: xdna-pipeline [options] [AUDIO_FILE|DIR ...]\n"
		"  -s, --streams N        concurrent streams (default %u)\n"
		"  -r, --requests N       requests in all (default: one per stream or good file)\n"
		"  -w, --workers N        decode+mel workers (default: one per CPU)\n"
		"      --seconds S        without files: S seconds of generated speech-like audio (%g)\n"
		"      --n-mels 80|128    mel bins (default %u)\n"
		"      --isa NAME         log-mel code path: auto (default), generic, avx2, avx512\n"
		"      --npu-kernel K     packaged design: stem (conv1d+GELU x2, default) or checksum\n"
		"      --xclbin FILE      the NPU design (default: whisper_stem.xclbin or, with\n"
		"                         --npu-kernel checksum, checksum.xclbin in the packaged\n"
		"                         designs' directory, here %s)\n"
		"      --kernel NAME      its kernel (default: the first)\n"
		"      --insts FILE       instruction stream (insts.bin) for mlir-aie kernels\n"
		"      --d-model N        encoder width for the stem (default %u)\n"
		"      --contexts N       NPU hardware contexts (default min(streams, %u))\n"
		"      --npu-timeout MS   a command not done by then fails its request (default %lld)\n"
		"      --config FILE      pool set (sizes) from FILE; XDNAPOOL_<POOL>_<KEY> overrides\n"
		"      --resample Q       libsoxr quality: quick, low, medium, high (default), very-high\n"
		"      --copy             baseline: private memory, fresh BO and a copy per request\n"
		"      --verify           check every NPU output against the CPU reference\n"
		"      --json             one JSON object instead of text\n"
		"      --no-progress      no progress bar on a terminal\n"
		"      --metrics-listen ADDR:PORT  serve /metrics (Prometheus) and /health (JSON)\n"
		"                         while running (ADDR empty: 127.0.0.1; [V6]:PORT; port 0: any)\n"
		"      --metrics-file PATH  write the /metrics text to PATH atomically every interval\n"
		"      --metrics-interval MS  how often (%u..%u ms, default %u)\n"
		"  -h, --help             this text\n"
		"      --version          the version\n"
		"Exit status: 0 all requests succeeded, 1 some failed (a bad input counts),\n"
		"2 usage error (also: no usable input, an unusable --xclbin), 3 no device\n",
		PIPE_DEFAULT_STREAMS, PIPE_DEFAULT_SECONDS, PIPE_DEFAULT_N_MELS, dir,
		PIPE_DEFAULT_D_MODEL, PIPE_DEFAULT_CONTEXTS,
		(long long)(PIPE_DEFAULT_NPU_TIMEOUT_NS / (int64_t)NSEC_PER_MSEC),
		MIN_METRICS_INTERVAL_MS, MAX_METRICS_INTERVAL_MS, PIPE_METRICS_DEFAULT_INTERVAL_MS);
}

static void add_file(struct cli *c, const char *path)
{
	if (c->n_files == c->cap_files) {
		c->cap_files = c->cap_files ? 2 * c->cap_files : 16;
		c->files = realloc(c->files, c->cap_files * sizeof(*c->files));
		if (!c->files)
			tool_usage_error("out of memory");
	}
	c->files[c->n_files] = strdup(path);
	if (!c->files[c->n_files++])
		tool_usage_error("out of memory");
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

/* An input that cannot be used: one line naming it and why. */
static void bad_input(struct cli *c, const char *line)
{
	fprintf(stderr, "%s: input %s\n", tool_name(), line);
	c->bad_inputs++;
}

/*
 * A directory contributes its audio files, sorted; one that cannot be
 * read or holds none is a bad input.  Files are probed later, all alike.
 */
static void add_input(struct cli *c, const char *path)
{
	char full[PATH_MAX], line[PATH_MAX + 64];
	struct dirent *de;
	unsigned int first = c->n_files;
	struct stat st;
	DIR *d;

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		add_file(c, path);
		return;
	}
	d = opendir(path);
	if (!d) {
		snprintf(line, sizeof(line), "%s: %s", path, strerror(errno));
		bad_input(c, line);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !audio_name(de->d_name))
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		add_file(c, full);
	}
	closedir(d);
	if (c->n_files == first) {
		snprintf(line, sizeof(line), "%s: a directory with no audio files", path);
		bad_input(c, line);
		return;
	}
	qsort(c->files + first, c->n_files - first, sizeof(*c->files), cmp_str);
}

/*
 * Inputs are checked once, up front: each file is opened by the audio
 * decoder (pipe_input_check) and closed.  A bad one is one line and is set
 * aside, counted as a failed request; none usable is exit 2.  (A file
 * that opens but fails while decoding fails only its own requests.)
 */
static void probe_inputs(struct cli *c)
{
	char line[PATH_MAX + PIPE_INPUT_LINE];
	unsigned int i, n = 0;

	for (i = 0; i < c->n_files; i++) {
		if (pipe_input_check(&c->o, c->files[i], line, sizeof(line))) {
			bad_input(c, line);
			free(c->files[i]);
			continue;
		}
		c->files[n++] = c->files[i];
	}
	c->n_files = n;
	if (c->bad_inputs && !n)
		exit(TOOL_EXIT_USAGE);
	c->o.unusable_inputs = c->bad_inputs;
}

/*
 * The design, checked before the banner: one named on the command line
 * that cannot be used is bad usage (exit 2); the packaged one missing is
 * a broken installation (exit 1).
 */
static void check_design(const struct cli *c)
{
	char line[PATH_MAX + PIPE_INPUT_LINE];
	const struct pipe_opts *o = &c->o;

	if (!pipe_design_check(o, line, sizeof(line)))
		return;
	fprintf(stderr, "%s: %s\n", tool_name(), line);
	exit(o->xclbin || o->kernel_name || o->insts ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL);
}

static void progress(void *arg, unsigned int done, unsigned int total)
{
	int width = PROGRESS_WIDTH, i;
	int fill = (int)((unsigned long)done * (unsigned int)width / total);

	(void)arg;
	fprintf(stderr, "\r[");
	for (i = 0; i < width; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %u/%u", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static enum pipe_kernel parse_kernel(const char *s)
{
	if (!strcmp(s, "stem"))
		return PIPE_KERNEL_STEM;
	if (!strcmp(s, "checksum"))
		return PIPE_KERNEL_CHECKSUM;
	tool_usage_error("--npu-kernel '%s' is not stem or checksum", s);
}

static void parse_args(int argc, char **argv, struct cli *c)
{
	enum { O_SECONDS = 256, O_NMELS, O_KERNEL, O_DMODEL, O_CONTEXTS, O_CONFIG, O_COPY,
	       O_VERIFY, O_JSON, O_NOPROGRESS, O_RESAMPLE, O_XCLBIN, O_KNAME, O_INSTS, O_ISA,
	       O_VERSION, O_NPU_TIMEOUT, O_MLISTEN, O_MFILE, O_MINTERVAL };
	static const struct option longopts[] = {
		{ "streams", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'r' },
		{ "workers", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "n-mels", required_argument, NULL, O_NMELS },
		{ "isa", required_argument, NULL, O_ISA },
		{ "npu-kernel", required_argument, NULL, O_KERNEL },
		{ "d-model", required_argument, NULL, O_DMODEL },
		{ "contexts", required_argument, NULL, O_CONTEXTS },
		{ "npu-timeout", required_argument, NULL, O_NPU_TIMEOUT },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "copy", no_argument, NULL, O_COPY },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "json", no_argument, NULL, O_JSON },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "resample", required_argument, NULL, O_RESAMPLE },
		{ "xclbin", required_argument, NULL, O_XCLBIN },
		{ "kernel", required_argument, NULL, O_KNAME },
		{ "insts", required_argument, NULL, O_INSTS },
		{ "metrics-listen", required_argument, NULL, O_MLISTEN },
		{ "metrics-file", required_argument, NULL, O_MFILE },
		{ "metrics-interval", required_argument, NULL, O_MINTERVAL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct pipe_opts *o = &c->o;
	int ch;

	while ((ch = getopt_long(argc, argv, ":s:r:w:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->streams = (unsigned int)tool_parse_ull("--streams", optarg, 1,
								  MAX_STREAMS);
			break;
		case 'r':
			o->requests = (unsigned int)tool_parse_ull("--requests", optarg, 1,
								   MAX_REQUESTS);
			break;
		case 'w':
			o->workers = (unsigned int)tool_parse_ull("--workers", optarg, 1,
								  MAX_WORKERS);
			break;
		case O_SECONDS:
			o->gen_seconds = tool_parse_double("--seconds", optarg, MIN_SECONDS,
							   MAX_SECONDS);
			break;
		case O_NMELS:
			if (strcmp(optarg, "80") && strcmp(optarg, "128"))
				tool_usage_error("--n-mels '%s' must be 80 or 128", optarg);
			o->n_mels = (unsigned int)atoi(optarg);
			break;
		case O_ISA:
			o->isa = tool_parse_isa(optarg);
			break;
		case O_XCLBIN:
			o->xclbin = optarg;
			break;
		case O_KNAME:
			o->kernel_name = optarg;
			break;
		case O_INSTS:
			o->insts = optarg;
			break;
		case O_KERNEL:
			o->kernel = parse_kernel(optarg);
			break;
		case O_DMODEL:
			o->d_model = (unsigned int)tool_parse_ull("--d-model", optarg, 1,
								  MAX_D_MODEL);
			break;
		case O_CONTEXTS:
			o->contexts = (unsigned int)tool_parse_ull("--contexts", optarg, 1,
								   PIPE_MAX_CTX);
			break;
		case O_NPU_TIMEOUT:
			o->npu_timeout_ns = (int64_t)tool_parse_ull("--npu-timeout", optarg, 1,
								     MAX_NPU_TIMEOUT_MS) *
					    (int64_t)NSEC_PER_MSEC;
			break;
		case O_CONFIG:
			if (access(optarg, R_OK))
				tool_usage_error("--config '%s': %s", optarg, strerror(errno));
			o->pool_config = optarg;
			break;
		case O_COPY:
			o->copy_mode = true;
			break;
		case O_VERIFY:
			o->verify = true;
			break;
		case O_JSON:
			c->json = true;
			break;
		case O_NOPROGRESS:
			c->progress = false;
			break;
		case O_RESAMPLE:
			if (mel_audio_quality_parse(optarg, &o->resample))
				tool_usage_error("--resample '%s' is not quick, low, medium, high or "
						 "very-high", optarg);
			break;
		case O_MLISTEN:
			if (pipe_metrics_parse_listen(optarg))
				tool_usage_error("--metrics-listen '%s' is not ADDR:PORT (e.g. "
						 "127.0.0.1:9464, :9464, [::1]:9464)", optarg);
			c->metrics.listen = optarg;
			break;
		case O_MFILE:
			c->metrics.file = optarg;
			break;
		case O_MINTERVAL:
			c->metrics.interval_ms = (unsigned int)tool_parse_ull("--metrics-interval",
				optarg, MIN_METRICS_INTERVAL_MS, MAX_METRICS_INTERVAL_MS);
			break;
		case 'h':
			usage(stdout);
			exit(TOOL_EXIT_OK);
		case O_VERSION:
			tool_print_version(NULL);
			exit(TOOL_EXIT_OK);
		default:	/* '?' and ':': one line naming the option */
			tool_common_option(ch, argv, usage);
		}
	}
	if (optind < argc && o->gen_seconds > 0)
		tool_usage_error("--seconds generates audio: give it or input files, not both");
	tool_check_isa_env(o->isa);
	for (; optind < argc; optind++)
		add_input(c, argv[optind]);
	probe_inputs(c);
	check_design(c);
	o->inputs = (const char *const *)c->files;
	o->n_inputs = c->n_files;
}

/* One line saying what runs on what; no device: one line, exit 3. */
static int banner(const struct cli *c)
{
	struct xdna_dev_info info;
	struct pipe_opts o = c->o;
	struct xdna_dev *dev;

	int err = xdna_dev_open(NULL, &dev);

	if (err)
		return tool_device_error(err, NULL, xdna_errmsg());
	xdna_dev_info(dev, &info);
	xdna_dev_close(dev);
	if (c->json)
		return 0;
	pipe_opts_defaults(&o);
	printf("%s: %u streams, %u requests, %s, %s kernel, %s resampling, on %s\n",
	       tool_name(), o.streams, o.requests,
	       o.copy_mode ? "copy baseline" : "staged zero-copy",
	       o.xclbin ? o.xclbin : o.kernel == PIPE_KERNEL_STEM ? "stem" : "checksum",
	       mel_audio_quality_name(o.resample),
	       info.emulated ? "xdna-emu, the emulated amdxdna device (no NPU here)" : info.path);
	fflush(stdout);
	return 0;
}

static int run(struct cli *c)
{
	struct pipe_result r;
	int ret;

	if (c->progress && !c->json && isatty(STDERR_FILENO))
		c->o.progress = progress;
	ret = banner(c);
	if (ret)
		return ret;
	if (c->metrics.listen || c->metrics.file) {
		char merr[256];

		c->o.metrics = pipe_metrics_start(&c->metrics, merr, sizeof(merr));
		if (!c->o.metrics) {
			fprintf(stderr, "%s: %s\n", tool_name(), merr);
			return TOOL_EXIT_FAIL;
		}
		if (c->metrics.listen)
			fprintf(stderr, "%s: metrics on port %u: /metrics, /health\n", tool_name(),
				pipe_metrics_port(c->o.metrics));
	}
	ret = pipe_run(&c->o, &r);
	pipe_metrics_stop(c->o.metrics);
	if (ret < 0) {
		/* pipe_run() has printed the reason once, unless it had none */
		if (!r.first_error[0])
			fprintf(stderr, "%s: cannot start: %s\n", tool_name(), strerror(-ret));
		return TOOL_EXIT_FAIL;
	}
	pipe_print(&c->o, &r, c->json, stdout);
	return ret ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli c = { .progress = true, .metrics = { .sz = sizeof(c.metrics) } };
	unsigned int i;
	int ret;

	tool_init(argv[0]);
	parse_args(argc, argv, &c);
	ret = run(&c);
	for (i = 0; i < c.n_files; i++)
		free(c.files[i]);
	free(c.files);
	return ret;
}
