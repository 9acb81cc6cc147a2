// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: the test hooks, fault injection and registered kernels.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fcntl.h>
#include <xf86drm.h>

#include "emu_test.h"

START_TEST(test_fault_injection)
{
	struct amdxdna_drm_sync_bo sync = { 0 };
	struct amdxdna_drm_get_bo_info info;
	struct dev d;
	struct bo cmd;
	uint32_t h;
	uint64_t seq;
	int fd;

	ck_assert_int_eq(xdna_emu_try_fail_set("bogus:1"), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_fail_set("create_bo"), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_fail_set("create_bo:0"), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_fail_set("create_bo:2,sync_bo:1 mmap:1"),
			 0);
	fd = dev_open();
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, NULL), -ENOMEM);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, NULL), 0);
	sync.handle = h;
	sync.size = 4096;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EIO);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), 0);
	ck_assert_int_eq(bo_info(fd, h, &info), 0);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			      (off_t)info.map_offset), MAP_FAILED);
	ck_assert_int_eq(errno, ENOMEM);
	close(fd);

	ck_assert_int_eq(xdna_emu_try_fail_set("exec:2"), 0);
	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	/* "copy" without arguments errors anyway: give it a valid one */
	{
		struct bo b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
		uint32_t a[5], bos[1] = { b.handle };

		copy_args(a, b.xdna, b.xdna + 2048, 16);
		cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1,
					  &seq), 0);
		ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
		ck_assert_uint_eq(cmd_state(&cmd),
				  XDNA_ERT_CMD_STATE_COMPLETED);
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1,
					  &seq), 0);
		ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
		ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
		bo_free(d.fd, &b);
	}
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

/*
 * exec_cmd: the Nth EXEC_CMD itself fails (-ENOMEM, amdxdna_fence_create())
 * and takes nothing with it: no sequence number, no command in flight, the
 * BO references dropped (the fixture's census check), the next one runs.
 */
START_TEST(test_fault_exec_cmd)
{
	struct xdna_emu_census before;
	struct dev d;
	struct bo b, cmd;
	uint32_t a[5], bos[1];
	uint64_t seq, seq2;

	ck_assert_int_eq(xdna_emu_try_fail_set("exec_cmd:2"), 0);
	dev_up(&d, "copy");
	b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	bos[0] = b.handle;
	copy_args(a, b.xdna, b.xdna + 2048, 16);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	before = census();
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq2), -ENOMEM);
	ck_assert_uint_eq(census().cmds_submitted, before.cmds_submitted);
	ck_assert_uint_eq(census().cmds_inflight, 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq2), 0);
	ck_assert_uint_eq(seq2, seq + 1);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq2, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	bo_free(d.fd, &b);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

static int xor_kernel(const struct xdna_emu_kcall *call)
{
	uint64_t addr;
	uint8_t *p;
	uint32_t i;

	if (call->nargs < 4 || strcmp(call->kernel, "xor"))
		return -1;
	addr = call->args[0] | (uint64_t)call->args[1] << 32;
	p = call->map(call, addr, call->args[2]);
	if (!p)
		return -1;
	for (i = 0; i < call->args[2]; i++)
		p[i] ^= (uint8_t)call->args[3];
	return 0;
}

START_TEST(test_register_kernel)
{
	struct dev d;
	struct bo b, cmd;
	uint32_t a[4], bos[1];
	uint64_t seq;

	ck_assert(xdna_emu_present());
	ck_assert_int_eq(xdna_emu_try_register_kernel("", xor_kernel), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_register_kernel("xor", NULL), -ENOENT);
	ck_assert_int_eq(xdna_emu_try_register_kernel("xor", xor_kernel), 0);
	dev_up(&d, "xor");
	b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	memset(b.va, 0x0f, 4096);
	a[0] = (uint32_t)b.xdna;
	a[1] = (uint32_t)(b.xdna >> 32);
	a[2] = 4096;
	a[3] = 0xff;
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 4);
	bos[0] = b.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_uint_eq(b.va[4095], 0xf0);
	bo_free(d.fd, &b);
	bo_free(d.fd, &cmd);
	dev_down(&d);

	/*
	 * unregistered: the "firmware" rejects the PDI, which CONFIG_CU
	 * reports where the driver waits for the answer (6.14;
	 * RULES.md CONFIG_CU_ASYNC)
	 */
	ck_assert_int_eq(xdna_emu_try_register_kernel("xor", NULL), 0);
	setenv("XDNA_EMU_FLAVOUR", "6.14", 1);
	{
		uint32_t heap, ctx, sync;
		uint8_t *va;
		struct bo pdi;
		int fd = dev_open();

		ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
		ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), 0);
		pdi = dev_bo_new(fd, 4096);
		write_pdi(pdi.va, "xor");
		ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), -EINVAL);
		ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
		close(fd);
	}
}
END_TEST

/* The context and PRIME faults (#15 item 3): each once, then the call works. */
START_TEST(test_fault_injection_ctx_prime)
{
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_prime_handle imp = { 0 };
	uint32_t heap, ctx, sync, h;
	struct bo pdi;
	uint8_t *va;
	int fd;

	ck_assert_int_eq(xdna_emu_try_fail_set("create_hwctx:-1"), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_fail_set("create_hwctx: 1"), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_fail_set("export:99999999999999999999"), -EINVAL);
	ck_assert_int_eq(xdna_emu_try_fail_set("create_hwctx:1,config_hwctx:1,"
					       "export:1,import:1"), 0);
	fd = dev_open();
	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	ck_assert_int_eq(ctx_create(fd, 16, &ctx, &sync), -ENOMEM);
	ck_assert_int_eq(ctx_create(fd, 16, &ctx, &sync), 0);
	pdi = dev_bo_new(fd, 4096);
	write_pdi(pdi.va, "copy");
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), -EIO);
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	exp.handle = h;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp), -ENOMEM);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp), 0);
	imp.fd = exp.fd;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp), -ENOMEM);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp), 0);
	ck_assert_uint_eq(imp.handle, h);
	close(exp.fd);
	ck_assert_int_eq(gem_close(fd, h), 0);
	ck_assert_int_eq(ctx_destroy(fd, ctx), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sync), 0);
	ck_assert_int_eq(gem_close(fd, pdi.handle), 0);
	ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
	ck_assert_int_eq(close(fd), 0);
}
END_TEST

void emu_add_hooks_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "fault_injection", test_fault_injection },
		{ "fault_injection_ctx_prime", test_fault_injection_ctx_prime },
		{ "fault_exec_cmd", test_fault_exec_cmd },
		{ "register_kernel", test_register_kernel },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
