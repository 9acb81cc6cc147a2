/* SPDX-License-Identifier: MIT */
/*
 * What the files of check_mel share: check_mel.c (these helpers, the error
 * tests, the suite), check_mel_maths.c and check_mel_stream.c.
 */
#ifndef TESTS_MEL_TEST_H
#define TESTS_MEL_TEST_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "mel/mel.h"

/*
 * For loops over many elements: Check records every passing ck_assert,
 * which costs a write(2) each, so test element-wise and abort on failure.
 */
#define EXPECT(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* An f32 file of dir, *n = its floats; asserts it loads. */
float *load_f32(const char *dir, const char *name, size_t *n);
struct mel_plan *plan_new(unsigned int n_mels, enum mel_mode mode,
			  enum mel_floor fl, enum mel_isa isa);
/* Deterministic test signal: noise plus a chirp, on the int16 grid. */
float *make_signal(size_t n, uint32_t seed);

struct diff {
	double max, mean;
	size_t argmax;
};

struct diff compare(const float *a, const float *b, size_t n);

TCase *mel_maths_tcase(void);		/* check_mel_maths.c */
TCase *mel_stream_tcase(void);		/* check_mel_stream.c */

#endif /* TESTS_MEL_TEST_H */
