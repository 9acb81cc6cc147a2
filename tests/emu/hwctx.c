// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: hardware context creation, configuration and destruction
 * rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"

START_TEST(test_hwctx_rules)
{
	union emu_qos qos = { .words = { 0 } };
	struct amdxdna_drm_create_hwctx cargs;
	struct amdxdna_drm_destroy_hwctx dargs;
	struct amdxdna_drm_config_hwctx cfg;
	uint32_t heap, ctx, ctx2, sync, sync2;
	uint8_t *va;
	uint64_t point = 0;
	struct bo pdi, share, cmd;
	int fd = dev_open();

	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), -ENOENT);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap), 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), -EAGAIN);
	{
		struct amdxdna_drm_get_bo_info info;

		ck_assert_int_eq(bo_info(fd, heap, &info), 0);
		va = mmap(NULL, HEAP_SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, (off_t)info.map_offset);
		ck_assert_ptr_ne(va, MAP_FAILED);
	}

	memset(&cargs, 0, sizeof(cargs));
	cargs.qos_p = (uintptr_t)&qos;
	cargs.num_tiles = 4;
	cargs.ext = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.ext = 0;
	cargs.ext_flags = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.ext_flags = 0;
	cargs.qos_p = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EFAULT);
	cargs.qos_p = (uintptr_t)&qos;
	qos.info.priority = 0x123;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	qos.info.priority = AMDXDNA_QOS_HIGH_PRIORITY;
	cargs.num_tiles = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.num_tiles = 3;	/* less than one column */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.num_tiles = 36;	/* nine columns */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.num_tiles = 32;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs), 0);
	ctx = cargs.handle;
	sync = cargs.syncobj_handle;
	ck_assert_uint_ge(ctx, 1);
	ck_assert_uint_ge(sync, 1);
	/* the syncobj is real, in this file's namespace, and a timeline */
	ck_assert_int_eq(drmSyncobjQuery(fd, &sync, &point, 1), 0);
	ck_assert_uint_eq(point, 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx2, &sync2), 0);
	ck_assert_uint_gt(ctx2, ctx);
	ck_assert_uint_ne(sync2, sync);
	ck_assert_uint_eq(census().hwctxs, 2);

	/* CONFIG_HWCTX */
	pdi = dev_bo_new(fd, 4096);
	write_pdi(pdi.va, "copy");	/* valid: only the rule under test fails */
	share = bo_new(fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(fd, AMDXDNA_BO_CMD, 4096);
	memset(&cfg, 0, sizeof(cfg));
	cfg.handle = ctx;
	cfg.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU;
	cfg.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -EINVAL);
	cfg.pad = 0;
	cfg.param_type = 7;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -EINVAL);
	cfg.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU;
	cfg.param_val_size = 4097;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -E2BIG);
	cfg.param_type = DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -EOPNOTSUPP);
	{
		union cu_cfg c;

		memset(&c, 0, sizeof(c));
		c.hdr.cu_configs[0].cu_bo = pdi.handle;
		cfg.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU;
		cfg.param_val = (uintptr_t)&c;
		cfg.param_val_size = sizeof(c);
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* num_cus 0 */
		c.hdr.num_cus = 1;
		c.hdr.pad[1] = 1;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* pad */
		c.hdr.pad[1] = 0;
		c.hdr.num_cus = 2;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* size */
		c.hdr.num_cus = 1;
		cfg.handle = 200;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* no ctx */
		cfg.handle = ctx;
	}
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 1), -EINVAL);
	ck_assert_int_eq(config_cu(fd, ctx, 99, 0), -EINVAL);
	ck_assert_int_eq(config_cu(fd, ctx, share.handle, 0), -EINVAL);
	/*
	 * A PDI the firmware refuses fails CONFIG_CU where the driver waits
	 * for the firmware's answer (6.14); the pinned flavour answers first
	 * (RULES.md CONFIG_CU_ASYNC, tested in rules.c).
	 */
	{
		uint32_t heap6, ctx6, sync6;
		uint8_t *va6;
		struct bo pdi6;
		int fd6;

		setenv("XDNA_EMU_FLAVOUR", "6.14", 1);
		fd6 = dev_open();
		setenv("XDNA_EMU_FLAVOUR", "latest", 1);
		ck_assert_int_eq(heap_up(fd6, &heap6, &va6), 0);
		ck_assert_int_eq(ctx_create(fd6, 4, &ctx6, &sync6), 0);
		pdi6 = dev_bo_new(fd6, 4096);
		memcpy(pdi6.va, "NOT-A-PDI", 10);
		ck_assert_int_eq(config_cu(fd6, ctx6, pdi6.handle, 0), -EINVAL);
		write_pdi(pdi6.va, "no-such-kernel");
		ck_assert_int_eq(config_cu(fd6, ctx6, pdi6.handle, 0), -EINVAL);
		ck_assert_int_eq(munmap(va6, HEAP_SZ), 0);
		close(fd6);
	}

	/* EXEC before CONFIG_CU */
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	ck_assert_int_eq(exec_cmd(fd, ctx, cmd.handle, NULL, 0, NULL), -EINVAL);

	write_pdi(pdi.va, "copy");
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), 0);
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), -EINVAL);

	/* DESTROY_HWCTX */
	memset(&dargs, 0, sizeof(dargs));
	dargs.handle = ctx;
	dargs.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &dargs),
			 -EINVAL);
	ck_assert_int_eq(ctx_destroy(fd, 250), -EINVAL);
	ck_assert_int_eq(ctx_destroy(fd, ctx), 0);
	ck_assert_int_eq(ctx_destroy(fd, ctx), -EINVAL);
	/* the syncobj handle stays with the file */
	ck_assert_int_eq(drmSyncobjQuery(fd, &sync, &point, 1), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sync), 0);

	bo_free(fd, &share);
	bo_free(fd, &cmd);
	ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
	/* ctx2, pdi, heap and sync2 go with the file */
	close(fd);
}
END_TEST

void emu_add_hwctx_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "hwctx_rules", test_hwctx_rules },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
