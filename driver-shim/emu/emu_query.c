// SPDX-License-Identifier: MIT
/*
 * xdna-emu: GET_INFO, GET_ARRAY and SET_STATE (aie2_pci.c) for an XDNA2
 * (Strix, npu4) part: 8 columns x 6 rows (1 shim, 1 mem, 4 core rows).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu.h"
#include "emu_devshm.h"

#define EMU_NPUCLK_MHZ	1267
#define EMU_HCLK_MHZ	1800
#define EMU_TOPS	50
#define EMU_NSENSORS	(1 + EMU_COLS_MAX)

static bool emu_force_preempt, emu_frame_preempt;	/* under emu.lock */

/*
 * The kernel copies sizeof(struct) whatever buffer_size says; the
 * emulator is stricter and refuses a short buffer with -EINVAL.
 */
static int emu_info_copy(struct amdxdna_drm_get_info *args, const void *src,
			 size_t size)
{
	if (args->buffer_size < size)
		return -EINVAL;
	if (!args->buffer)
		return -EFAULT;
	return emu_copy_to_user(args->buffer, src, size);
}

static int emu_info_metadata(struct emu_file *f, struct amdxdna_drm_get_info *args)
{
	struct amdxdna_drm_query_aie_metadata m = {
		.col_size = 0x2000000,
		.cols = f->device->cols,
		.rows = EMU_ROWS,
		.version = { .major = 2, .minor = 1 },
		.core = { .row_count = EMU_CORE_ROWS, .row_start = 2,
			  .dma_channel_count = 2, .lock_count = 16,
			  .event_reg_count = 4 },
		.mem = { .row_count = 1, .row_start = 1,
			 .dma_channel_count = 6, .lock_count = 64,
			 .event_reg_count = 4 },
		.shim = { .row_count = 1, .row_start = 0,
			  .dma_channel_count = 2, .lock_count = 16,
			  .event_reg_count = 4 },
	};

	return emu_info_copy(args, &m, sizeof(m));
}

static int emu_info_clock(struct amdxdna_drm_get_info *args)
{
	struct amdxdna_drm_query_clock_metadata c;

	memset(&c, 0, sizeof(c));
	snprintf((char *)c.mp_npu_clock.name, sizeof(c.mp_npu_clock.name),
		 "MP-NPU Clock");
	c.mp_npu_clock.freq_mhz = EMU_NPUCLK_MHZ;
	snprintf((char *)c.h_clock.name, sizeof(c.h_clock.name), "H Clock");
	c.h_clock.freq_mhz = EMU_HCLK_MHZ;
	return emu_info_copy(args, &c, sizeof(c));
}

static int emu_info_sensors(struct amdxdna_drm_get_info *args)
{
	struct amdxdna_drm_query_sensor s[EMU_NSENSORS];
	int i, ret;

	memset(s, 0, sizeof(s));
	snprintf((char *)s[0].label, sizeof(s[0].label), "Total Power");
	snprintf((char *)s[0].units, sizeof(s[0].units), "mW");
	s[0].input = 1500;
	s[0].unitm = -3;
	s[0].type = AMDXDNA_SENSOR_TYPE_POWER;
	for (i = 1; i < EMU_NSENSORS; i++) {
		snprintf((char *)s[i].label, sizeof(s[i].label),
			 "Column %d Utilization", i - 1);
		snprintf((char *)s[i].units, sizeof(s[i].units), "%%");
		s[i].type = AMDXDNA_SENSOR_TYPE_COLUMN_UTILIZATION;
	}
	ret = emu_info_copy(args, s, sizeof(s));
	if (!ret)
		args->buffer_size = sizeof(s);
	return ret;
}

static void emu_hwctx_entry(const struct emu_devshm_ctx *c,
			    struct amdxdna_drm_hwctx_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->context_id = c->context_id;
	e->start_col = c->start_col;
	e->num_col = c->num_col;
	e->hwctx_id = c->context_id;
	e->pid = c->pid;
	e->command_submissions = c->submissions;
	e->command_completions = c->completions;
	e->errors = c->errors;
	e->priority = c->priority;
	e->heap_usage = c->heap_usage;
	e->state = AMDXDNA_HWCTX_STATE_ACTIVE;
	e->pasid = 1;
	e->gops = c->gops;
	e->fps = c->fps;
	e->dma_bandwidth = c->dma_bandwidth;
	e->latency = c->latency;
	e->frame_exec_time = c->frame_exec_time;
}

/*
 * aie2_hwctx_status_cb() walk over every client of the device (every
 * process, from the device segment): element_size-byte prefixes of
 * struct amdxdna_drm_hwctx_entry, at most max of them.  Returns the
 * number written.
 */
static int emu_hwctx_walk(uint64_t buf, uint32_t esize, uint32_t max, uint32_t *out)
{
	struct emu_devshm_ctx all[EMU_DEVSHM_MAX_CTX];
	struct amdxdna_drm_hwctx_entry e;
	uint32_t i, n;

	n = emu_devshm_ctx_list(all, max < EMU_DEVSHM_MAX_CTX ?
				max : EMU_DEVSHM_MAX_CTX);
	for (i = 0; i < n; i++) {
		emu_hwctx_entry(&all[i], &e);
		if (emu_copy_to_user(buf + (uint64_t)i * esize, &e, esize))
			return -EFAULT;
	}
	*out = n;
	return 0;
}

static int emu_info_hwctx(struct amdxdna_drm_get_info *args)
{
	uint32_t esize = sizeof(struct amdxdna_drm_query_hwctx), n;

	if (!args->buffer && args->buffer_size >= esize)
		return -EFAULT;
	if (emu_hwctx_walk(args->buffer, esize, args->buffer_size / esize, &n))
		return -EFAULT;
	args->buffer_size -= n * esize;	/* sic, aie2_get_hwctx_status() */
	return 0;
}

/*
 * RULES.md GET_INFO_PARAMS: upstream added GET_INFO parameters with driver
 * versions (amdxdna_pci_drv.c: 0.4 resource information, 0.6 preemption,
 * 0.7 power and utilization data = SENSORS); aie2_get_info()'s default is
 * -EOPNOTSUPP (7.0: staging 234824b1 aie2_pci.c has no SENSORS case).  The
 * out-of-tree driver has them all (src/driver/amdxdna/aie2_pci.c).
 */
static bool emu_info_param_exists(const struct emu_file *f, uint32_t param)
{
	int minor = f->flavour->drm_minor;

	if (f->flavour->drm_major)
		return true;
	switch (param) {
	case DRM_AMDXDNA_QUERY_RESOURCE_INFO:
		return minor >= 4;
	case DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE:
	case DRM_AMDXDNA_GET_FRAME_BOUNDARY_PREEMPT_STATE:
		return minor >= 6;
	case DRM_AMDXDNA_QUERY_SENSORS:
		return minor >= 7;
	}
	return true;
}

int emu_ioctl_get_info(struct emu_file *f, void *data)
{
	struct amdxdna_drm_get_info *args = data;
	struct amdxdna_drm_query_aie_version ver = { .major = 2, .minor = 1 };
	struct amdxdna_drm_query_firmware_version fw = {
		.major = 1, .minor = 1, .patch = 2, .build = 64,
	};
	struct amdxdna_drm_get_power_mode pm = {
		.power_mode = (__u8)emu_devshm_power_mode_get(),
	};
	struct amdxdna_drm_attribute_state st = { .state = 0 };
	struct amdxdna_drm_get_resource_info res = {
		.npu_clk_max = EMU_HCLK_MHZ,
		.npu_tops_max = EMU_TOPS,
		.npu_task_max = f->device->hwctx_limit,
		.npu_tops_curr = EMU_TOPS,
		.npu_task_curr = emu_devshm_ctx_count(),
	};

	if (!emu_info_param_exists(f, args->param))
		return -EOPNOTSUPP;
	switch (args->param) {
	case DRM_AMDXDNA_QUERY_AIE_METADATA:
		return emu_info_metadata(f, args);
	case DRM_AMDXDNA_QUERY_AIE_VERSION:
		return emu_info_copy(args, &ver, sizeof(ver));
	case DRM_AMDXDNA_QUERY_CLOCK_METADATA:
		return emu_info_clock(args);
	case DRM_AMDXDNA_QUERY_SENSORS:
		return emu_info_sensors(args);
	case DRM_AMDXDNA_QUERY_HW_CONTEXTS:
		return emu_info_hwctx(args);
	case DRM_AMDXDNA_QUERY_FIRMWARE_VERSION:
		return emu_info_copy(args, &fw, sizeof(fw));
	case DRM_AMDXDNA_GET_POWER_MODE:
		return emu_info_copy(args, &pm, sizeof(pm));
	case DRM_AMDXDNA_QUERY_RESOURCE_INFO:
		return emu_info_copy(args, &res, sizeof(res));
	case DRM_AMDXDNA_GET_FORCE_PREEMPT_STATE:
		st.state = emu_force_preempt;
		return emu_info_copy(args, &st, sizeof(st));
	case DRM_AMDXDNA_GET_FRAME_BOUNDARY_PREEMPT_STATE:
		st.state = emu_frame_preempt;
		return emu_info_copy(args, &st, sizeof(st));
	}
	return -EOPNOTSUPP;
}

/* aie2_query_ctx_status_array() */
static int emu_array_hwctx(struct amdxdna_drm_get_array *args)
{
	uint32_t esize, max, n;

	if (args->element_size > EMU_PAGE || args->num_element > 1024)
		return -EINVAL;
	if (!args->buffer)
		return -EFAULT;
	esize = args->element_size;
	if (esize > sizeof(struct amdxdna_drm_hwctx_entry))
		esize = sizeof(struct amdxdna_drm_hwctx_entry);
	max = (uint32_t)((uint64_t)args->num_element * args->element_size /
			 esize);
	if (emu_hwctx_walk(args->buffer, esize, max, &n))
		return -EFAULT;
	args->element_size = esize;
	args->num_element = n;
	return 0;
}

int emu_ioctl_get_array(struct emu_file *f, void *data)
{
	struct amdxdna_drm_get_array *args = data;

	(void)f;
	if (args->pad || !args->num_element || !args->element_size)
		return -EINVAL;
	switch (args->param) {
	case DRM_AMDXDNA_HW_CONTEXT_ALL:
		return emu_array_hwctx(args);
	case DRM_AMDXDNA_HW_LAST_ASYNC_ERR:
		/* no asynchronous error has happened */
		if (args->element_size > sizeof(struct amdxdna_async_error))
			args->element_size = sizeof(struct amdxdna_async_error);
		args->num_element = 0;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int emu_set_power_mode(struct amdxdna_drm_set_state *args)
{
	struct amdxdna_drm_set_power_mode pm;
	size_t i;

	if (!args->buffer)
		return -EFAULT;
	if (emu_copy_from_user(&pm, args->buffer, sizeof(pm)))
		return -EFAULT;
	for (i = 0; i < sizeof(pm.pad); i++) {
		if (pm.pad[i])
			return -EINVAL;
	}
	if (pm.power_mode > POWER_MODE_TURBO)
		return -EINVAL;
	emu_devshm_power_mode_set(pm.power_mode);
	return 0;
}

static int emu_set_preempt(struct amdxdna_drm_set_state *args)
{
	struct amdxdna_drm_attribute_state st;
	size_t i;

	if (!args->buffer)
		return -EFAULT;
	if (emu_copy_from_user(&st, args->buffer, sizeof(st)))
		return -EFAULT;
	if (st.state > 1)
		return -EINVAL;
	for (i = 0; i < sizeof(st.pad); i++) {
		if (st.pad[i])
			return -EINVAL;
	}
	if (args->param == DRM_AMDXDNA_SET_FORCE_PREEMPT)
		emu_force_preempt = st.state;
	else
		emu_frame_preempt = st.state;
	return 0;
}

int emu_ioctl_set_state(struct emu_file *f, void *data)
{
	struct amdxdna_drm_set_state *args = data;

	(void)f;
	if (geteuid() != 0)
		return -EACCES;		/* DRM_ROOT_ONLY */
	switch (args->param) {
	case DRM_AMDXDNA_SET_POWER_MODE:
		return emu_set_power_mode(args);
	case DRM_AMDXDNA_SET_FORCE_PREEMPT:
	case DRM_AMDXDNA_SET_FRAME_BOUNDARY_PREEMPT:
		return emu_set_preempt(args);
	}
	return -EOPNOTSUPP;
}
