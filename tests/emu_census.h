/* SPDX-License-Identifier: MIT */
/*
 * Every emulated object is gone (no BO, mapping, fd, ...): the census's
 * live counters (XDNA_EMU_CENSUS_LIVE) for Check suites and the fuzzers.
 */
#ifndef TESTS_EMU_CENSUS_H
#define TESTS_EMU_CENSUS_H

#include <stdio.h>

#include "xdna_emu.h"

/*
 * The live counters that are not zero, as "name N, ..." in buf (empty
 * when none is): 0 when every object is gone, else how many are not.
 */
static inline int emu_census_nonzero(const struct xdna_emu_census *c, char *buf, size_t len)
{
	size_t n = 0;
	int bad = 0;

	buf[0] = '\0';
#define EMU_CENSUS_NONZERO(name) \
	if (c->name) { \
		bad++; \
		if (n < len) \
			n += (size_t)snprintf(buf + n, len - n, "%s%s %llu", n ? ", " : "", \
					      #name, (unsigned long long)c->name); \
	}
	XDNA_EMU_CENSUS_LIVE(EMU_CENSUS_NONZERO)
#undef EMU_CENSUS_NONZERO
	return bad;
}

#ifndef EMU_CENSUS_NO_CHECK
#include <check.h>

static inline void emu_census_assert_zero(void)
{
	struct xdna_emu_census c;
	char left[512];

	ck_assert_int_eq(xdna_emu_try_census_get(&c), 0);
	ck_assert_msg(!emu_census_nonzero(&c, left, sizeof(left)),
		      "emulator census not zero: %s", left);
}
#endif /* EMU_CENSUS_NO_CHECK */

#endif /* TESTS_EMU_CENSUS_H */
