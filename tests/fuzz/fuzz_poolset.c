// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the pool-set parser (pool_set_parse, dry run: no
 * memory is allocated for the pools) on arbitrary text, with an
 * XDNAPOOL_FUZZ_* override taken from the input's first line.  Oracles: a
 * refused text gives NULL, errno EINVAL (or ENOMEM) and at least one error
 * line, each naming the origin and a line ("xdnapool: fuzz.ini:N: ") or the
 * variable ("xdnapool: XDNAPOOL_"); an accepted one has pools whose
 * options pool_create() would take; nothing leaks (ASan's leak check).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pool/pool.h>
#include <pool/poolset.h>

struct lines {
	unsigned int n;
	unsigned int bad;
	char first_bad[512];
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;

	l->n++;
	if (strncmp(line, "xdnapool: fuzz.ini:", 19) && strncmp(line, "xdnapool: XDNAPOOL_", 19)) {
		if (!l->bad++)
			snprintf(l->first_bad, sizeof(l->first_bad), "%s", line);
	}
}

static void oracle(int ok, const char *what, const char *text)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_poolset: oracle failed: %s ('%.200s')\n", what, text);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lines l = { 0 };
	POOL_OPTS(pool_set_opts, so, .dry_run = true, .report = collect, .report_arg = &l,
		  .env_prefix = "XDNAPOOL");
	struct pool_set *set;
	char *text = malloc(size + 1), *nl;
	char env[128];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	/* "#env VALUE" on the first line: XDNAPOOL_FUZZ_MAX=VALUE */
	if (!strncmp(text, "#env ", 5)) {
		nl = strchr(text, '\n');
		snprintf(env, sizeof(env), "%.*s", nl ? (int)(nl - text - 5) : (int)strlen(text + 5),
			 text + 5);
		setenv("XDNAPOOL_FUZZ_MAX", env, 1);
	} else {
		unsetenv("XDNAPOOL_FUZZ_MAX");
	}
	errno = 0;
	set = pool_set_parse(text, "fuzz.ini", &so);
	if (!set) {
		oracle(errno == EINVAL || errno == ENOMEM, "errno EINVAL or ENOMEM", text);
		oracle(l.n >= 1 || errno == ENOMEM, "an error line", text);
		oracle(!l.bad, l.first_bad, text);
	} else {
		oracle(!l.n, "no error line for an accepted text", text);
		for (unsigned int i = 0; i < pool_set_count(set); i++)
			oracle(pool_set_pool_opts(set, i) != NULL, "options of every pool", text);
		pool_set_destroy(set);
	}
	free(text);
	return 0;
}
