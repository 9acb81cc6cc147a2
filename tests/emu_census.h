/* SPDX-License-Identifier: MIT */
/* Check helper: every emulated object is gone (no BO, mapping, fd, ...). */
#ifndef TESTS_EMU_CENSUS_H
#define TESTS_EMU_CENSUS_H

#include <check.h>

#include "xdna_emu.h"

static inline void emu_census_assert_zero(void)
{
	struct xdna_emu_census c;

	ck_assert_int_eq(xdna_emu_try_census_get(&c), 0);
	ck_assert_msg(!c.live_bos && !c.live_handles && !c.mappings && !c.hwctxs &&
		      !c.syncobjs && !c.open_files && !c.exported_fds && !c.cmds_inflight &&
		      !c.heap_bytes,
		      "emulator census not zero: %llu BOs, %llu handles, %llu mappings, "
		      "%llu contexts, %llu syncobjs, %llu files, %llu exported fds, "
		      "%llu commands, %llu heap bytes",
		      (unsigned long long)c.live_bos, (unsigned long long)c.live_handles,
		      (unsigned long long)c.mappings, (unsigned long long)c.hwctxs,
		      (unsigned long long)c.syncobjs, (unsigned long long)c.open_files,
		      (unsigned long long)c.exported_fds, (unsigned long long)c.cmds_inflight,
		      (unsigned long long)c.heap_bytes);
}

#endif /* TESTS_EMU_CENSUS_H */
