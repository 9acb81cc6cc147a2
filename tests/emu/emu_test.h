/* SPDX-License-Identifier: MIT */
/*
 * Private header of the xdna-emu tests (tests/emu/, one binary: check_emu).
 *
 * Run with libxdna-emu.so preloaded (mk/run-tests.sh does): every test
 * drives the emulated device through plain ioctl(2)/mmap(2) and libdrm and
 * checks the emulator's own rules -- the errnos the amdxdna kernel driver
 * returns, BO/heap/mmap semantics per driver flavour, contexts, command
 * execution, syncobjs, queries, fault injection -- and, in the fixture, that
 * nothing leaks (census back to 0).
 *
 * Each file holds one area and adds its test cases to the suite with
 * emu_add_<area>_cases(); every case runs alone in emu_setup/emu_teardown.
 */
#ifndef TESTS_EMU_TEST_H
#define TESTS_EMU_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "amdxdna_uapi.h"

#define EMU_TEST_QOS_SIZE	32
#include "xdna_emu.h"

#define DEV		"/dev/accel/accel0"
#define MiB		(1ULL << 20)
#define HEAP_SZ		(64 * MiB)
#define DEV_BASE	0x4000000ULL
#define INVALID		AMDXDNA_INVALID_ADDR
#define CMD_WORDS	64

struct bo {
	uint32_t handle;
	uint64_t size;
	uint8_t *va;
	uint64_t xdna;
};

struct dev {
	int fd;
	uint32_t heap;
	uint8_t *heap_va;
	uint32_t ctx, sync;
	struct bo pdi;
};

/* CONFIG_CU argument with one CU */
union cu_cfg {
	struct amdxdna_hwctx_param_config_cu hdr;
	uint8_t raw[sizeof(struct amdxdna_hwctx_param_config_cu) +
		    sizeof(struct amdxdna_cu_config)];
};

/* This binary, for the tests that re-run it in a child mode (suite.c). */
extern char *self_exe;

/*
 * xioctl() and the helpers named after an ioctl return 0 or -errno; the
 * others assert that what they do succeeds.
 */

/* The device, the clock, the census */
int xioctl(int fd, unsigned long req, void *arg);
int dev_open(void);
int64_t now_ns(void);
struct xdna_emu_census census(void);

/* BOs */
int create_bo(int fd, uint32_t type, uint64_t size, uint32_t *handle);
int bo_info(int fd, uint32_t handle,
	    struct amdxdna_drm_get_bo_info *info);
int gem_close(int fd, uint32_t handle);
struct bo bo_new(int fd, uint32_t type, uint64_t size);
struct bo dev_bo_new(int fd, uint64_t size);
void bo_free(int fd, struct bo *b);

/* The device heap, contexts and the CU's PDI */
void write_pdi(uint8_t *va, const char *kernel);
int heap_up(int fd, uint32_t *heap, uint8_t **va);
int ctx_create(int fd, uint32_t tiles, uint32_t *ctx, uint32_t *sync);
int ctx_destroy(int fd, uint32_t ctx);
int config_cu(int fd, uint32_t ctx, uint32_t cu_bo, uint32_t size_adj);
void dev_up(struct dev *d, const char *kernel);
void dev_down(struct dev *d);

/* Commands */
void cmd_start_cu(uint32_t *cmd, uint32_t cu_mask,
		  const uint32_t *args, uint32_t nargs);
uint32_t cmd_state(const struct bo *cmd);
int exec_cmd(int fd, uint32_t ctx, uint32_t cmd, const uint32_t *bos,
	     uint32_t nbos, uint64_t *seq);
int wait_point(int fd, uint32_t sync, uint64_t point, int64_t ms);
void copy_args(uint32_t *a, uint64_t src, uint64_t dst, uint32_t n);
uint32_t run_copy(struct dev *d, const struct bo *cmd, uint64_t src,
		  uint64_t dst, uint32_t n, const uint32_t *bos,
		  uint32_t nbos);

/* The fixture: default flavour, no delay, no fault; teardown asserts the
 * census is back to 0. */
/*
 * What CREATE_HWCTX's qos_p points at: room for the out-of-tree driver's
 * 32-byte amdxdna_qos_info (user_start_col, reserved), which it copies in
 * whole (RULES.md CTX_QOS_SIZE).  Upstream reads the first 24 bytes.
 */
union emu_qos {
	struct amdxdna_qos_info info;
	uint32_t words[EMU_TEST_QOS_SIZE / sizeof(uint32_t)];
};

void emu_setup(void);
const char *emu_flavour(void);
bool emu_flavour_is(const char *name);
void emu_teardown(void);

/* Child mode "--fail-child" (interpose.c): exit status 0 if XDNA_EMU_FAIL
 * failed the first CREATE_BO as it should. */
int fail_child(void);

/* One test case per test, named as in CK_RUN_CASE. */
struct emu_case {
	const char *name;
	const TTest *test;
};

#define EMU_NCASES(cases)	(sizeof(cases) / sizeof((cases)[0]))

void emu_add_cases(Suite *s, const struct emu_case *cases, size_t n);

/* In the suite's order. */
void emu_add_interpose_cases(Suite *s);
void emu_add_bo_cases(Suite *s);
void emu_add_heap_cases(Suite *s);
void emu_add_hwctx_cases(Suite *s);
void emu_add_exec_cases(Suite *s);
void emu_add_syncobj_cases(Suite *s);
void emu_add_hooks_cases(Suite *s);
void emu_add_queries_cases(Suite *s);
void emu_add_rules_cases(Suite *s);
void emu_add_sync_file_cases(Suite *s);
TCase *emu_syncobj_rules_tcase(void);	/* syncobj_rules.c */
TCase *emu_devshm_tcase(void);		/* devshm.c */

#endif /* TESTS_EMU_TEST_H */
