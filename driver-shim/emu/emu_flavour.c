// SPDX-License-Identifier: MIT
/*
 * xdna-emu: the released drivers it models (XDNA_EMU_FLAVOUR) and the
 * parts it can be (XDNA_EMU_DEVICE).  Every field is a rule of RULES.md;
 * its row names the upstream source.  Nothing here is invented: where a
 * release's behaviour could not be read at the source, RULES.md says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

/*
 * DRM versions: the AMDXDNA_DRIVER_MAJOR/MINOR of each release
 * (torvalds/linux drivers/accel/amdxdna/amdxdna_pci_drv.c; 6.14 has no
 * .major/.minor in its drm_driver, so it reports 0.0).
 */
/* HWCTX_MAX_TIMEOUT, the drm_sched job timeout (aie2_ctx.c aie2_hwctx_init) */
#define EMU_JOB_TIMEOUT_MS	60000

static const struct emu_flavour emu_flavours[] = {
	{
		.name = "6.14", .release = "Linux 6.14",
		.drm_major = 0, .drm_minor = 0,
		.flush_destroys_ctxs = true,
		.heap = EMU_HEAP_SINGLE,
		.second_mmap_eexist = true,
		.cmd_bo_share = false,
		.exec_needs_args = true,
		.sync_debug_only = false,
		.fill_failed_payload = false,
		.timeout_state = false,
		.destroy_wait_ms = 0,
		.share_addr_uva = false,
		.wait_cmd = EMU_WAIT_CMD_NONE,
	},
	{
		.name = "6.18", .release = "Linux 6.18",
		.export_point = true,
		.config_cu_async = true,
		.drm_major = 0, .drm_minor = 1,
		.get_array = true,
		.flush_destroys_ctxs = true,
		.heap = EMU_HEAP_SINGLE,
		.second_mmap_eexist = true,
		.wait_cmd = EMU_WAIT_CMD_NONE,
	},
	{
		.name = "7.0", .release = "Linux 6.19 to 7.0",
		.export_point = true,
		.config_cu_async = true,
		.drm_major = 0, .drm_minor = 6,
		.get_array = true,
		.heap = EMU_HEAP_SINGLE,
		.second_mmap_eexist = true,
		.sync_debug_only = true,
		.fill_failed_payload = true,
		.timeout_state = true,
		.job_timeout_ms = EMU_JOB_TIMEOUT_MS,
		.destroy_wait_ms = 2000,
		.wait_cmd = EMU_WAIT_CMD_NONE,
	},
	{
		.name = "latest", .release = "newest torvalds/linux (driver 0.10)",
		.export_point = true,
		.config_cu_async = true,
		.drm_major = 0, .drm_minor = 10,
		.get_array = true,
		.heap = EMU_HEAP_CHUNKS,
		.cmd_bo_share = true,
		.sync_debug_only = true, .sync_range = EMU_SYNC_RANGE_CLAMP,
		.fill_failed_payload = true,
		.timeout_state = true,
		.job_timeout_ms = EMU_JOB_TIMEOUT_MS,
		.destroy_wait_ms = 2000,
		.share_addr_uva = true,
		.dev_export_refused = true,
		.wait_cmd = EMU_WAIT_CMD_EOPNOTSUPP,
	},
	{
		.name = "oot", .release = "amd/xdna-driver out-of-tree 1.0",
		.export_point = true,
		.drm_major = 1, .drm_minor = 0,
		.get_array = true,
		.flush_destroys_ctxs = true,
		.heap = EMU_HEAP_SINGLE,
		.heap_size_multiple = true,
		.cmd_bo_share = true,
		.sync_range = EMU_SYNC_RANGE_STRICT,
		.share_addr_uva = true,
		.dev_export_refused = true,
		.unchecked_pads = true,
		.qos_size = 32,
		.ctx_limit_oot = true,
		.wait_cmd = EMU_WAIT_CMD_IMPLEMENTED,
	},
};

/*
 * Parts (torvalds/linux drivers/accel/amdxdna/npu1_regs.c, npu4_regs.c,
 * npu5_regs.c, npu6_regs.c: first_col, col_align, hwctx_limit,
 * dev_mem_size, dev_heap_max_size; the AIE geometry is what each part's
 * firmware reports through AIE_METADATA).
 */
static const struct emu_device emu_devices[] = {
	{
		.name = "npu1", .part = "Phoenix", .pci_device = 0x1502, .pci_revision = 0x00,
		.vbnv = "RyzenAI-npu1", .cols = 5, .first_col = 1, .col_align_nature = false,
		.hwctx_limit = 6, .oot_ctx_limit = 6, .heap_max = 64ull << 20,
	},
	{
		.name = "npu4", .part = "Strix", .pci_device = 0x17f0, .pci_revision = 0x10,
		.vbnv = "RyzenAI-npu4", .cols = 8, .first_col = 0, .col_align_nature = true,
		.hwctx_limit = 16, .oot_ctx_limit = 32, .heap_max = 512ull << 20,
	},
	{
		.name = "npu5", .part = "Krackan", .pci_device = 0x17f0, .pci_revision = 0x11,
		.vbnv = "RyzenAI-npu5", .cols = 8, .first_col = 0, .col_align_nature = true,
		.hwctx_limit = 16, .oot_ctx_limit = 32, .heap_max = 512ull << 20,
	},
	{
		.name = "npu6", .part = "Strix Halo", .pci_device = 0x17f0, .pci_revision = 0x20,
		.vbnv = "RyzenAI-npu6", .cols = 8, .first_col = 0, .col_align_nature = true,
		.hwctx_limit = 16, .oot_ctx_limit = 32, .heap_max = 512ull << 20,
	},
};

#define EMU_DEFAULT_FLAVOUR	"7.0"
#define EMU_DEFAULT_DEVICE	"npu4"

static void emu_choices(char *buf, size_t size, bool devices)
{
	size_t i, n = devices ? EMU_ARRAY_SIZE(emu_devices) : EMU_ARRAY_SIZE(emu_flavours);
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
					devices ? emu_devices[i].name : emu_flavours[i].name);
}

/*
 * NULL (and one line on stderr, once) for a value that names no released
 * driver or part: the emulator never falls back silently.
 */
const struct emu_flavour *emu_env_flavour(void)
{
	static int warned;
	const char *s = getenv("XDNA_EMU_FLAVOUR");
	char choices[128];
	size_t i;

	if (!s || !*s)
		s = EMU_DEFAULT_FLAVOUR;
	for (i = 0; i < EMU_ARRAY_SIZE(emu_flavours); i++) {
		if (!strcmp(s, emu_flavours[i].name))
			return &emu_flavours[i];
	}
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
		emu_choices(choices, sizeof(choices), false);
		fprintf(stderr, "xdna-emu: XDNA_EMU_FLAVOUR=\"%s\" is not a driver this emulator "
			"models (choose %s); the device will not open\n", s, choices);
	}
	return NULL;
}

const struct emu_device *emu_env_device(void)
{
	static int warned;
	const char *s = getenv("XDNA_EMU_DEVICE");
	char choices[128];
	size_t i;

	if (!s || !*s)
		s = EMU_DEFAULT_DEVICE;
	for (i = 0; i < EMU_ARRAY_SIZE(emu_devices); i++) {
		if (!strcmp(s, emu_devices[i].name))
			return &emu_devices[i];
	}
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) {
		emu_choices(choices, sizeof(choices), true);
		fprintf(stderr, "xdna-emu: XDNA_EMU_DEVICE=\"%s\" is not a part this emulator "
			"models (choose %s); the device will not open\n", s, choices);
	}
	return NULL;
}

/*
 * The part's PCI identity as sysfs shows it (/sys/class/accel/accel0/device/
 * {device,revision,vbnv}): the ids of amdxdna_pci_drv.c's amdxdna_ids[].
 */
int emu_sysfs_device(const char *name, char *buf, size_t size)
{
	const struct emu_device *d = emu_env_device();

	if (!d)
		return -ENODEV;
	if (!strcmp(name, "device"))
		snprintf(buf, size, "0x%04x\n", d->pci_device);
	else if (!strcmp(name, "revision"))
		snprintf(buf, size, "0x%02x\n", d->pci_revision);
	else if (!strcmp(name, "vbnv"))
		snprintf(buf, size, "%s\n", d->vbnv);
	else
		return -ENOENT;
	return 0;
}

/*
 * XDNA_EMU_JOB_TIMEOUT_MS shortens the kernel's job timeout for tests (a
 * stalled command ends in TIMEOUT after it, on flavours that write that
 * state).  A value that is not a whole number of ms in 1..3600000 is an
 * error: the device does not open.
 */
int emu_env_job_timeout_ms(const struct emu_flavour *fl, unsigned int *ms)
{
	unsigned long v;

	*ms = fl->timeout_state ? fl->job_timeout_ms : 0;
	if (!getenv("XDNA_EMU_JOB_TIMEOUT_MS"))
		return 0;
	if (emu_env_ulong("XDNA_EMU_JOB_TIMEOUT_MS", "a timeout in ms", 1, EMU_MAX_JOB_TIMEOUT_MS,
			  &v))
		return -EINVAL;
	if (fl->timeout_state)
		*ms = (unsigned int)v;
	return 0;
}
