// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: pool sets (dry run: no memory is allocated for the
 * pools) through both public entries, pool_set_parse() on the input up to
 * its first NUL and pool_set_load() on a temporary file DIR/fuzz.ini
 * holding the raw bytes, NULs included, with XDNAPOOL_<POOL>_<KEY>
 * overrides taken from the input's first lines:
 *
 *   #env POOL KEY VALUE      (up to FUZZ_ENV_MAX lines, each a comment)
 *
 * POOL is any word; KEY is a key of libpool's table (config_keys.c) or one
 * of a few bogus ones, another word picking one of them by its bytes.
 *
 * Oracles: a refused text gives NULL, errno EINVAL (or ENOMEM) and exactly
 * one error line, which names the file and a line of it ("xdnapool:
 * DIR/fuzz.ini:N: ", N within the text), the file alone for whole-file
 * errors ("xdnapool: DIR/fuzz.ini: "), or one of the variables set; an
 * accepted one has no error line and pools whose options pool_create()
 * would take; without a NUL byte both entries agree line for line, with
 * one the loader refuses it naming that line and offset; nothing leaks
 * (ASan's leak check).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <pool/pool.h>
#include <pool/poolset.h>

#include "config_internal.h"	/* cfg_keys: the one table of keys */

#define FUZZ_ENV_MAX	4
#define FUZZ_WORD_MAX	40
#define FUZZ_VAL_MAX	200
#define FUZZ_MSG_MAX	1024

extern char **environ;

/* Names near the table's (and one the table cannot hold) */
static const char *const bogus_keys[] = { "mxa", "size_", "presets", "", "_" };

struct lines {
	unsigned int n;
	char first[FUZZ_MSG_MAX];
};

struct run {
	struct pool_set *set;
	int err;
	unsigned int count;
	struct lines l;
};

static char dir[64], path[96];
static char vars[FUZZ_ENV_MAX][FUZZ_WORD_MAX * 2 + 16];
static unsigned int nvars;

static void oracle(int ok, const char *what, const char *line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_poolset: oracle failed: %s ('%.300s')\n", what, line ? line : "");
	abort();
}

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;

	if (!l->n++)
		snprintf(l->first, sizeof(l->first), "%s", line);
}

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* A directory of our own; no XDNAPOOL_* variable but the input's. */
static void setup(void)
{
	char **e;

	snprintf(dir, sizeof(dir), "/tmp/fuzz_poolset.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/fuzz.ini", dir);
	atexit(cleanup);
	for (e = environ; e && *e;) {
		char name[256];
		size_t len = strcspn(*e, "=");

		if (strncmp(*e, "XDNAPOOL_", 9) || len >= sizeof(name)) {
			e++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)len, *e);
		unsetenv(name);		/* environ shifts down: look at *e again */
	}
}

static const char *key_of(const char *w, size_t len)
{
	unsigned int n = cfg_nkeys + sizeof(bogus_keys) / sizeof(bogus_keys[0]), sum = 0;

	for (unsigned int i = 0; i < n; i++) {
		const char *k = i < cfg_nkeys ? cfg_keys[i].name : bogus_keys[i - cfg_nkeys];

		if (strlen(k) == len && !strncasecmp(k, w, len))
			return k;
	}
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)w[i];
	return sum % n < cfg_nkeys ? cfg_keys[sum % n].name : bogus_keys[sum % n - cfg_nkeys];
}

/* XDNAPOOL_POOL_KEY upper-cased, other characters '_' (as the library names it) */
static void var_name(char *out, size_t size, const char *pool, size_t plen, const char *key)
{
	size_t n = (size_t)snprintf(out, size, "XDNAPOOL_%.*s_%s", (int)plen, pool, key);

	for (size_t i = 9; i < n && i < size; i++)
		out[i] = isalnum((unsigned char)out[i]) ? (char)toupper((unsigned char)out[i]) : '_';
}

/* One "#env POOL KEY VALUE" line (without its newline): set the variable. */
static void env_line(const char *l, size_t len)
{
	const char *pool = l + 5, *key, *val, *end = l + len;
	char value[FUZZ_VAL_MAX + 1];
	size_t plen, klen;

	key = memchr(pool, ' ', (size_t)(end - pool));
	if (!key || nvars == FUZZ_ENV_MAX)
		return;
	plen = (size_t)(key - pool);
	key++;
	val = memchr(key, ' ', (size_t)(end - key));
	klen = val ? (size_t)(val - key) : (size_t)(end - key);
	val = val ? val + 1 : end;
	if (plen > FUZZ_WORD_MAX || klen > FUZZ_WORD_MAX)
		return;
	var_name(vars[nvars], sizeof(vars[0]), pool, plen, key_of(key, klen));
	snprintf(value, sizeof(value), "%.*s", (int)(end - val), val);
	if (!setenv(vars[nvars], value, 1))
		nvars++;
}

static void env_from(const char *text)
{
	while (nvars)
		unsetenv(vars[--nvars]);
	while (!strncmp(text, "#env ", 5)) {
		size_t len = strcspn(text, "\n");

		env_line(text, len);
		if (!text[len])
			break;
		text += len + 1;
	}
}

static unsigned int count_lines(const char *text)
{
	unsigned int n = 1;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* "xdnapool: PATH:N: ", N in 1..maxline; "xdnapool: PATH: "; or a variable set. */
static int names_origin(const char *line, unsigned int maxline)
{
	size_t plen = strlen(path);
	const char *p = line + 10;
	char *end;
	unsigned long n;

	if (strncmp(line, "xdnapool: ", 10))
		return 0;
	if (!strncmp(p, path, plen) && p[plen] == ':') {
		p += plen + 1;
		if (*p == ' ')
			return 1;
		n = strtoul(p, &end, 10);
		return end != p && *end == ':' && end[1] == ' ' && n >= 1 && n <= maxline;
	}
	for (unsigned int i = 0; i < nvars; i++)
		if (strstr(p, vars[i]))
			return 1;
	return 0;
}

static void check(struct run *r, const char *text)
{
	if (!r->set) {
		oracle(r->err == EINVAL || r->err == ENOMEM, "errno EINVAL or ENOMEM", text);
		if (r->err == ENOMEM)
			return;
		oracle(r->l.n == 1, "exactly one error line", r->l.first);
		oracle(names_origin(r->l.first, count_lines(text)),
		       "the line names file and line, the file or the variable", r->l.first);
		return;
	}
	oracle(!r->l.n, "no error line for an accepted text", r->l.first);
	for (unsigned int i = 0; i < r->count; i++)
		oracle(pool_set_pool_opts(r->set, i) != NULL, "options of every pool", text);
}

static void got(struct run *r, struct pool_set *set)
{
	r->set = set;
	r->err = set ? 0 : errno;
	r->count = pool_set_count(set);
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

/* A NUL byte: the loader names its line and offset, whatever comes before. */
static void check_nul(const struct run *ld, const char *text, size_t off)
{
	char want[FUZZ_MSG_MAX];

	oracle(!ld->set && ld->err == EINVAL, "a NUL byte is refused", ld->l.first);
	snprintf(want, sizeof(want), "xdnapool: %s:%u: a NUL byte (offset %zu)", path,
		 count_lines(text), off);
	oracle(ld->l.n == 1 && !strncmp(ld->l.first, want, strlen(want)),
	       "the NUL byte's line and offset", ld->l.first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run ps = { 0 }, ld = { 0 };
	POOL_OPTS(pool_set_opts, so, .dry_run = true, .report = collect, .env_prefix = "XDNAPOOL");
	char *text = malloc(size + 1);
	const uint8_t *nul = memchr(data, 0, size);

	if (!text)
		return 0;
	if (!dir[0])
		setup();
	memcpy(text, data, size);
	text[size] = 0;
	env_from(text);

	so.report_arg = &ps.l;
	errno = 0;
	got(&ps, pool_set_parse(text, path, &so));
	check(&ps, text);
	pool_set_destroy(ps.set);

	write_file(data, size);
	so.report_arg = &ld.l;
	errno = 0;
	got(&ld, pool_set_load(path, &so));
	if (nul) {
		check_nul(&ld, text, (size_t)(nul - data));
	} else {
		check(&ld, text);
		oracle(ps.err == ld.err && ps.l.n == ld.l.n &&
		       !strcmp(ps.l.first, ld.l.first), "the file loads as the text parses",
		       ld.l.first);
	}
	pool_set_destroy(ld.set);
	oracle(nul || ps.count == ld.count, "as many pools from the file", text);
	free(text);
	return 0;
}
