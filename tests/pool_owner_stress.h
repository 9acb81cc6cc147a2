/* SPDX-License-Identifier: MIT */
/* The owner-token stress test (tests/pool_owner_stress.c). */
#ifndef POOL_OWNER_STRESS_H
#define POOL_OWNER_STRESS_H

#include <stdint.h>

enum os_op {
	OS_OP_ACQUIRE,		/* POOL_FOREVER */
	OS_OP_TRY,		/* POOL_NOWAIT */
	OS_OP_TIMED,		/* 1 ms */
	OS_OP_BULK,		/* two at once */
	OS_OP_FENCED,		/* pool_release_fenced on a fake timeline */
	OS_OP_REF,		/* a second reference, released first */
	OS_OP_HANDOFF,		/* send, then receive someone's buffer */
	OS_OP_TRIM,
	OS_OP_STATS,
	OS_OP__COUNT,
};

struct owner_stress_result {
	uint64_t ops[OS_OP__COUNT];
	uint64_t acquires;
};

/* Iterations per thread (scaled down under sanitizers and valgrind). */
unsigned int owner_stress_iters(void);
/* The mixed run; returns pool_destroy()'s count (0). */
int owner_stress_mix(struct owner_stress_result *res);
/*
 * Destroy with every buffer held and the other threads blocked in acquire;
 * returns pool_destroy()'s count, *cancelled the acquires that failed with
 * -ECANCELED or -ESHUTDOWN.
 */
int owner_stress_destroy(unsigned int *cancelled);

#endif
