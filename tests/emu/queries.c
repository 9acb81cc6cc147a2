// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: GET_INFO / GET_ARRAY / SET_STATE queries.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu_test.h"

static int get_info(int fd, uint32_t param, void *buf, uint32_t size,
		    uint32_t *out_size)
{
	struct amdxdna_drm_get_info args = {
		.param = param,
		.buffer_size = size,
		.buffer = (uintptr_t)buf,
	};
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_GET_INFO, &args);

	if (out_size)
		*out_size = args.buffer_size;
	return ret;
}

START_TEST(test_queries)
{
	struct amdxdna_drm_query_aie_metadata meta;
	struct amdxdna_drm_query_aie_version ver;
	struct amdxdna_drm_query_clock_metadata clk;
	struct amdxdna_drm_query_firmware_version fw;
	struct amdxdna_drm_get_power_mode pm;
	struct amdxdna_drm_get_resource_info res;
	struct amdxdna_drm_query_sensor sensors[9];
	struct amdxdna_drm_query_hwctx hw[4];
	struct amdxdna_drm_hwctx_entry ent[4];
	struct amdxdna_drm_get_array arr;
	struct amdxdna_drm_set_state ss;
	struct amdxdna_drm_set_power_mode spm;
	uint32_t heap, ctx, sync, out;
	uint8_t *va;
	int fd = dev_open();

	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_AIE_METADATA, &meta,
				  sizeof(meta), NULL), 0);
	ck_assert_uint_eq(meta.cols, 8);
	ck_assert_uint_eq(meta.rows, 6);
	ck_assert_uint_eq(meta.core.row_count, 4);
	ck_assert_uint_eq(meta.core.row_start, 2);
	ck_assert_uint_eq(meta.mem.row_count, 1);
	ck_assert_uint_eq(meta.shim.row_count, 1);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_AIE_METADATA, &meta,
				  sizeof(meta) - 1, NULL), -EINVAL);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_AIE_VERSION, &ver,
				  sizeof(ver), NULL), 0);
	ck_assert_uint_eq(ver.major, 2);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_CLOCK_METADATA, &clk,
				  sizeof(clk), NULL), 0);
	ck_assert_str_eq((char *)clk.mp_npu_clock.name, "MP-NPU Clock");
	ck_assert_uint_gt(clk.h_clock.freq_mhz, 0);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_FIRMWARE_VERSION, &fw,
				  sizeof(fw), NULL), 0);
	ck_assert_uint_ge(fw.major, 1);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_RESOURCE_INFO, &res,
				  sizeof(res), NULL), 0);
	ck_assert_uint_gt(res.npu_task_max, 0);
	ck_assert_uint_eq(res.npu_task_curr, 0);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_SENSORS, sensors,
				  sizeof(sensors[0]), NULL), -EINVAL);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_SENSORS, sensors,
				  sizeof(sensors), &out), 0);
	ck_assert_uint_eq(out, sizeof(sensors));
	ck_assert_str_eq((char *)sensors[0].label, "Total Power");
	ck_assert_uint_eq(sensors[1].type,
			  AMDXDNA_SENSOR_TYPE_COLUMN_UTILIZATION);
	ck_assert_int_eq(get_info(fd, 99, &fw, sizeof(fw), NULL), -EOPNOTSUPP);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_TELEMETRY, &fw,
				  sizeof(fw), NULL), -EOPNOTSUPP);

	/* power mode round trip (SET_STATE is root only) */
	memset(&spm, 0, sizeof(spm));
	spm.power_mode = POWER_MODE_HIGH;
	memset(&ss, 0, sizeof(ss));
	ss.param = DRM_AMDXDNA_SET_POWER_MODE;
	ss.buffer = (uintptr_t)&spm;
	ss.buffer_size = sizeof(spm);
	if (geteuid() == 0) {
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SET_STATE, &ss),
				 0);
		ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_GET_POWER_MODE, &pm,
					  sizeof(pm), NULL), 0);
		ck_assert_uint_eq(pm.power_mode, POWER_MODE_HIGH);
		spm.power_mode = 9;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SET_STATE, &ss),
				 -EINVAL);
		spm.power_mode = 0;
		spm.pad[2] = 1;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SET_STATE, &ss),
				 -EINVAL);
		spm.pad[2] = 0;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SET_STATE, &ss),
				 0);
		ss.param = 77;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SET_STATE, &ss),
				 -EOPNOTSUPP);
	} else {
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SET_STATE, &ss),
				 -EACCES);
	}

	/* contexts show up in HW_CONTEXTS and GET_ARRAY */
	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	ck_assert_int_eq(ctx_create(fd, 8, &ctx, &sync), 0);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_HW_CONTEXTS, hw,
				  sizeof(hw), &out), 0);
	ck_assert_uint_eq(hw[0].context_id, ctx);
	ck_assert_uint_eq(hw[0].num_col, 2);
	ck_assert_int_eq(hw[0].pid, getpid());
	ck_assert_uint_eq(out, sizeof(hw) - sizeof(hw[0]));

	memset(&arr, 0, sizeof(arr));
	arr.param = DRM_AMDXDNA_HW_CONTEXT_ALL;
	arr.element_size = 200;
	arr.num_element = 2;
	arr.buffer = (uintptr_t)ent;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr), 0);
	ck_assert_uint_eq(arr.element_size, sizeof(ent[0]));
	ck_assert_uint_eq(arr.num_element, 1);
	ck_assert_uint_eq(ent[0].context_id, ctx);
	ck_assert_uint_eq(ent[0].priority, AMDXDNA_QOS_NORMAL_PRIORITY);
	ck_assert_uint_eq(ent[0].state, AMDXDNA_HWCTX_STATE_ACTIVE);
	arr.num_element = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr), -EINVAL);
	arr.num_element = 1;
	arr.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr), -EINVAL);
	arr.pad = 0;
	arr.element_size = 8192;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr), -EINVAL);
	arr.element_size = 144;
	arr.param = 5;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr),
			 -EOPNOTSUPP);
	ck_assert_int_eq(get_info(fd, DRM_AMDXDNA_QUERY_RESOURCE_INFO, &res,
				  sizeof(res), NULL), 0);
	ck_assert_uint_eq(res.npu_task_curr, 1);

	ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
	close(fd);
}
END_TEST

void emu_add_queries_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "queries", test_queries },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
