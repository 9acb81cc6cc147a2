/* SPDX-License-Identifier: MIT */
/*
 * What the two halves of check_bpf share: check_bpf.c (pooltrace's programs
 * on a libpool child, the tool's errors) and check_bpf_pipeline.c (pooltrace
 * around xdna-pipeline on the emulator).
 */
#ifndef TESTS_BPF_TEST_H
#define TESTS_BPF_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pooltrace.h"
#include "runner.h"

#define N_AUDIO		1000	/* the child's operations (child_ops) */
#define N_MEL		500
#define N_EXHAUST	3

/* enum pt_cnt's names (as BTF prints them, without PT_CNT_) and pooltrace's. */
extern const char *const cnt_enum_names[PT_CNT__COUNT][2];

/* A child doing N_AUDIO/N_MEL pool operations on command ('g', 'l' loop, 'q'). */
struct target {
	pid_t pid;
	int cmd;	/* parent -> child */
	int ack;	/* child -> parent */
};

void target_start(struct target *t);
int target_run(struct target *t);
void target_stop(struct target *t);

/* A python3 expression over a JSON file's records (see pyq's prelude); -1 on failure. */
long long pyq(const char *file, const char *expr);
void ensure_bpffs(void);
void bpftool_dump(const char *pin, const char *out);
/* pooltrace ARGS, output discarded: its exit status. */
int run_tool(const char *args);
void tmpfile_name(char *buf, size_t len, const char *what);
bool file_has(const char *path, const char *needle);

/* check_bpf_pipeline.c: pooltrace in the background, the emulator's environment */
pid_t pooltrace_start(const char *args, const char *out, const char *err);
int pooltrace_wait(pid_t pid, int secs);	/* exit status, -1 if still running */
int pooltrace_stop(pid_t pid);			/* SIGINT, then its exit status */
const char *pipeline_env(void);		/* "env LD_PRELOAD=... " for xdna-pipeline */

void bpf_add_pipeline_tests(TCase *tc);
void bpf_add_live_tests(TCase *tc);
void bpf_add_census_tests(TCase *tc);
void bpf_add_doc_tests(TCase *tc);

#endif
