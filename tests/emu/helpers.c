// SPDX-License-Identifier: MIT
/*
 * Helpers of the xdna-emu tests (tests/emu/emu_test.h): plain ioctl(2) and
 * mmap(2) wrappers that assert, and the fixture every test case runs in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"
#include "../emu_census.h"

int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int dev_open(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct xdna_emu_census census(void)
{
	struct xdna_emu_census c;

	ck_assert_int_eq(xdna_emu_try_census_get(&c), 0);
	return c;
}

int create_bo(int fd, uint32_t type, uint64_t size, uint32_t *handle)
{
	struct amdxdna_drm_create_bo args = { .type = type, .size = size };
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args);

	if (!ret && handle)
		*handle = args.handle;
	return ret;
}

int bo_info(int fd, uint32_t handle,
	    struct amdxdna_drm_get_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, info);
}

int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &args);
}

/* A SHARE or CMD BO, mapped. */
struct bo bo_new(int fd, uint32_t type, uint64_t size)
{
	struct amdxdna_drm_get_bo_info info;
	struct bo b = { .size = size };

	ck_assert_int_eq(create_bo(fd, type, size, &b.handle), 0);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	b.va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)info.map_offset);
	ck_assert_ptr_ne(b.va, MAP_FAILED);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	/*
	 * PASID mode: the device address is the user VA, which only the newest
	 * and the out-of-tree driver report (RULES.md BO-INFO-ADDR).
	 */
	if (info.xdna_addr == AMDXDNA_INVALID_ADDR)
		b.xdna = (uintptr_t)b.va;
	else
		b.xdna = info.xdna_addr;
	ck_assert_uint_eq(b.xdna, (uintptr_t)b.va);
	return b;
}

/* A DEV BO (carved from the mapped heap). */
struct bo dev_bo_new(int fd, uint64_t size)
{
	struct amdxdna_drm_get_bo_info info;
	struct bo b = { .size = size };

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, size, &b.handle), 0);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	b.va = (uint8_t *)(uintptr_t)info.vaddr;
	b.xdna = info.xdna_addr;
	return b;
}

void bo_free(int fd, struct bo *b)
{
	struct amdxdna_drm_get_bo_info info;

	ck_assert_int_eq(bo_info(fd, b->handle, &info), 0);
	if (info.map_offset != INVALID)
		ck_assert_int_eq(munmap(b->va, b->size), 0);
	ck_assert_int_eq(gem_close(fd, b->handle), 0);
}

void write_pdi(uint8_t *va, const char *kernel)
{
	memcpy(va, XDNA_EMU_PDI_MAGIC, XDNA_EMU_PDI_MAGIC_LEN);
	strcpy((char *)va + XDNA_EMU_PDI_MAGIC_LEN, kernel);
}

int heap_up(int fd, uint32_t *heap, uint8_t **va)
{
	struct amdxdna_drm_get_bo_info info;
	int ret = create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, heap);

	if (ret)
		return ret;
	ck_assert_int_eq(bo_info(fd, *heap, &info), 0);
	*va = mmap(NULL, HEAP_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)info.map_offset);
	ck_assert_ptr_ne(*va, MAP_FAILED);
	return 0;
}

int ctx_create(int fd, uint32_t tiles, uint32_t *ctx, uint32_t *sync)
{
	union emu_qos qos = { .info.priority = AMDXDNA_QOS_NORMAL_PRIORITY };
	struct amdxdna_drm_create_hwctx args = {
		.qos_p = (uintptr_t)&qos,
		.num_tiles = tiles,
	};
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &args);

	if (!ret) {
		*ctx = args.handle;
		*sync = args.syncobj_handle;
	}
	return ret;
}

int ctx_destroy(int fd, uint32_t ctx)
{
	struct amdxdna_drm_destroy_hwctx args = { .handle = ctx };

	return xioctl(fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &args);
}

int config_cu(int fd, uint32_t ctx, uint32_t cu_bo, uint32_t size_adj)
{
	union cu_cfg cfg;
	struct amdxdna_drm_config_hwctx args = {
		.handle = ctx,
		.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU,
		.param_val = (uintptr_t)&cfg,
		.param_val_size = (uint32_t)sizeof(cfg) - size_adj,
	};

	memset(&cfg, 0, sizeof(cfg));
	cfg.hdr.num_cus = 1;
	cfg.hdr.cu_configs[0].cu_bo = cu_bo;
	return xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &args);
}

/* open, 64 MiB heap mapped, a 4-column context running kernel on CU 0 */
void dev_up(struct dev *d, const char *kernel)
{
	d->fd = dev_open();
	ck_assert_int_eq(heap_up(d->fd, &d->heap, &d->heap_va), 0);
	ck_assert_int_eq(ctx_create(d->fd, 16, &d->ctx, &d->sync), 0);
	d->pdi = dev_bo_new(d->fd, 4096);
	write_pdi(d->pdi.va, kernel);
	ck_assert_int_eq(config_cu(d->fd, d->ctx, d->pdi.handle, 0), 0);
}

void dev_down(struct dev *d)
{
	ck_assert_int_eq(ctx_destroy(d->fd, d->ctx), 0);
	ck_assert_int_eq(drmSyncobjDestroy(d->fd, d->sync), 0);
	ck_assert_int_eq(gem_close(d->fd, d->pdi.handle), 0);
	ck_assert_int_eq(munmap(d->heap_va, HEAP_SZ), 0);
	ck_assert_int_eq(close(d->fd), 0);
}

void cmd_start_cu(uint32_t *cmd, uint32_t cu_mask,
		  const uint32_t *args, uint32_t nargs)
{
	cmd[0] = XDNA_ERT_CMD_STATE_NEW |
		 ((1 + nargs) << XDNA_ERT_COUNT_SHIFT) |
		 (XDNA_ERT_START_CU << XDNA_ERT_OPCODE_SHIFT);
	cmd[1] = cu_mask;
	if (nargs)
		memcpy(&cmd[2], args, nargs * sizeof(*args));
}

uint32_t cmd_state(const struct bo *cmd)
{
	return *(volatile uint32_t *)cmd->va & XDNA_ERT_STATE_MASK;
}

int exec_cmd(int fd, uint32_t ctx, uint32_t cmd, const uint32_t *bos,
	     uint32_t nbos, uint64_t *seq)
{
	struct amdxdna_drm_exec_cmd args = {
		.hwctx = ctx,
		.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF,
		.cmd_handles = cmd,
		.args = (uintptr_t)bos,
		.cmd_count = 1,
		.arg_count = nbos,
	};
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args);

	if (!ret && seq)
		*seq = args.seq;
	return ret;
}

/* -errno, e.g. -ETIME */
int wait_point(int fd, uint32_t sync, uint64_t point, int64_t ms)
{
	return drmSyncobjTimelineWait(fd, &sync, &point, 1,
				      now_ns() + ms * 1000000LL,
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL);
}

void copy_args(uint32_t *a, uint64_t src, uint64_t dst, uint32_t n)
{
	a[0] = (uint32_t)src;
	a[1] = (uint32_t)(src >> 32);
	a[2] = (uint32_t)dst;
	a[3] = (uint32_t)(dst >> 32);
	a[4] = n;
}

/* Runs one copy command; returns the final ERT state. */
uint32_t run_copy(struct dev *d, const struct bo *cmd, uint64_t src,
		  uint64_t dst, uint32_t n, const uint32_t *bos,
		  uint32_t nbos)
{
	uint32_t a[5];
	uint64_t seq;

	copy_args(a, src, dst, n);
	cmd_start_cu((uint32_t *)cmd->va, 1, a, 5);
	ck_assert_int_eq(exec_cmd(d->fd, d->ctx, cmd->handle, bos, nbos, &seq),
			 0);
	ck_assert_int_eq(wait_point(d->fd, d->sync, seq, 5000), 0);
	return cmd_state(cmd);
}

/* ---- fixtures ---- */

/*
 * The flavour make check runs this binary under (XDNA_EMU_FLAVOUR at start),
 * read before any test changes the variable.  The rules tests check it.
 */
static const char *emu_matrix_flavour = "7.0";

__attribute__((constructor)) static void emu_matrix_init(void)
{
	const char *s = getenv("XDNA_EMU_FLAVOUR");

	if (s && *s)
		emu_matrix_flavour = strdup(s);
}

const char *emu_flavour(void)
{
	return emu_matrix_flavour;
}

bool emu_flavour_is(const char *name)
{
	return !strcmp(emu_matrix_flavour, name);
}

/*
 * The model-specific tests were written for the multi-chunk heap, GEM
 * refactor driver: the newest upstream one.  They pin it; the rules tests
 * (rules.c) run on the matrix flavour instead.
 */
void emu_setup(void)
{
	setenv("XDNA_EMU_FLAVOUR", "latest", 1);
	unsetenv("XDNA_EMU_DELAY_US");
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
}

void emu_teardown(void)
{
	struct xdna_emu_census c = census();
	char left[512];

	unsetenv("XDNA_EMU_FLAVOUR");
	unsetenv("XDNA_EMU_DELAY_US");
	xdna_emu_try_fail_set("");
	ck_assert_msg(!emu_census_nonzero(&c, left, sizeof(left)), "emulator census not zero: %s",
		      left);
}
