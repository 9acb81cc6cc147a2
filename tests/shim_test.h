/* SPDX-License-Identifier: MIT */
/*
 * What the files of check_shim share: check_shim.c (the fixture, the suite,
 * opening, queries, closing), check_shim_bo.c (buffer objects, dma-buf) and
 * check_shim_exec.c (contexts and commands).
 */
#ifndef TESTS_SHIM_TEST_H
#define TESTS_SHIM_TEST_H

#include <check.h>
#include <stdbool.h>

#include "xdna/shim.h"

/* The device each test's fixture opens (check_shim.c). */
extern struct xdna_dev *dev;

/* The released driver the emulator plays (make check runs every one). */
bool flavour_is(const char *name);
/* Only the newest upstream driver grows the heap (multi-chunk dev_heap_xa). */
bool heap_expands(void);
/* SYNC_BO FROM_DEVICE is refused for ordinary BOs from 6.19 (driver 0.3). */
bool kernel_refuses_sync_from_device(void);

void shim_add_bo_tests(TCase *tc);
void shim_add_exec_tests(TCase *tc);

#endif /* TESTS_SHIM_TEST_H */
