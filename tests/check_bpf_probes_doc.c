// SPDX-License-Identifier: MIT
/*
 * bpf/PROBES.md against the binaries: every probe of both providers in the
 * ELF notes has a row, every row a probe, with as many arguments as the
 * row lists.  xdna-pipeline links both libraries statically and uses all
 * of libpool (channels, fences, waits): every probe site is in it.  Part of
 * check_bpf (bpf_test.h).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#include "bpf_test.h"
#include "usdt_notes.h"

#define DOC_MAX_PROBES	32

struct probe_row {
	char provider[16];
	char name[32];
	int nargs;
	bool seen;
};

struct probe_table {
	struct probe_row rows[DOC_MAX_PROBES];
	int n;
};

/* "| `name` | a0 | a1 | | | fired |": the name and the non-empty argument cells. */
static bool parse_row(const char *line, const char *provider, struct probe_row *r)
{
	char buf[1024], *cell, *save = NULL, *end;
	bool filled[16] = { false };
	int col = 0;

	if (strncmp(line, "| `", 3) != 0)
		return false;
	snprintf(buf, sizeof(buf), "%s", line + 1);
	end = strrchr(buf, '|');	/* the row's closing bar */
	if (!end)
		return false;
	*end = 0;
	for (cell = strtok_r(buf, "|", &save); cell; cell = strtok_r(NULL, "|", &save)) {
		const char *s = cell + strspn(cell, " ");

		if (col == 0 && sscanf(s, "`%31[^`]`", r->name) != 1)
			return false;
		if (col < 16)
			filled[col] = *s != 0;
		col++;
	}
	/* columns: name, args..., fired; a blank cell is an absent argument */
	r->nargs = 0;
	for (int i = 1; i < col - 1 && i < 16; i++)
		r->nargs += filled[i];
	snprintf(r->provider, sizeof(r->provider), "%s", provider);
	r->seen = false;
	return true;
}

static void read_doc(struct probe_table *t)
{
	char line[1024], provider[16] = "";
	FILE *f = fopen(SRC_DIR "/bpf/PROBES.md", "r");

	ck_assert_msg(f, SRC_DIR "/bpf/PROBES.md: cannot open");
	t->n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "## Provider `%15[^`]`", provider) == 1)
			continue;
		if (provider[0] && t->n < DOC_MAX_PROBES && parse_row(line, provider, &t->rows[t->n]))
			t->n++;
	}
	fclose(f);
}

struct note_check {
	struct probe_table *t;
	char missing[256];
};

static void check_note(const struct usdt_note *note, void *ctx)
{
	struct note_check *c = ctx;
	int nargs = note->args[0] ? 1 : 0;

	for (const char *s = note->args; *s; s++)
		nargs += *s == ' ';
	for (int i = 0; i < c->t->n; i++) {
		struct probe_row *r = &c->t->rows[i];

		if (strcmp(r->provider, note->provider) || strcmp(r->name, note->name))
			continue;
		ck_assert_msg(r->nargs == nargs, "PROBES.md: %s:%s lists %d arguments, the "
			      "probe has %d (%s)", r->provider, r->name, r->nargs, nargs, note->args);
		r->seen = true;
		return;
	}
	snprintf(c->missing, sizeof(c->missing), "%s:%s", note->provider, note->name);
}

START_TEST(test_probes_documented)
{
	struct probe_table t;
	struct note_check c = { .t = &t };

	read_doc(&t);
	ck_assert_int_ge(t.n, 2);
	ck_assert_int_gt(usdt_for_each(PIPELINE_BIN, "libpool", check_note, &c), 0);
	ck_assert_int_gt(usdt_for_each(PIPELINE_BIN, "xdna", check_note, &c), 0);
	ck_assert_msg(!c.missing[0], "%s: a probe PROBES.md does not list", c.missing);
	for (int i = 0; i < t.n; i++)
		ck_assert_msg(t.rows[i].seen, "PROBES.md lists %s:%s, no binary has it",
			      t.rows[i].provider, t.rows[i].name);
}
END_TEST

void bpf_add_doc_tests(TCase *tc)
{
	tcase_add_test(tc, test_probes_documented);
}
