// SPDX-License-Identifier: MIT
/* Error reporting: errno descriptions with amdxdna meanings, per-thread message. */
#include <stdio.h>
#include <string.h>

#include "shim_internal.h"

static __thread char xdna_errbuf[256];

int xdna_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(xdna_errbuf, sizeof(xdna_errbuf), fmt, ap);
	va_end(ap);
	return err;
}

const char *xdna_errmsg(void)
{
	return xdna_errbuf[0] ? xdna_errbuf : "no error";
}

const char *xdna_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENODEV:
		return "no amdxdna device";
	case -ENOENT:
		return "no such object (for CREATE_HWCTX: no device heap)";
	case -EOPNOTSUPP:
		return "not supported by this driver";
	case -EBUSY:
		return "device heap already exists or resource busy";
	case -EEXIST:
		return "BO already mapped (kernel allows one mapping per BO)";
	case -EAGAIN:
		return "device heap full or resource temporarily unavailable";
	case -ETIME:
		return "command did not complete before the deadline";
	/*
	 * -EIO is not read as a command's error: CONFIG_HWCTX's firmware
	 * mailbox and SYNC_BO fail with it too; a failed command's own
	 * message names its state (xdna_cmd_wait).
	 */	case -ECANCELED:
		return "command aborted";
	case -ENOSPC:
		return "buffer too small";
	default:
		return strerror(-err);
	}
}

const char *xdna_bo_type_name(enum xdna_bo_type type)
{
	switch (type) {
	case XDNA_BO_SHARE:
		return "SHARE";
	case XDNA_BO_DEV_HEAP:
		return "DEV_HEAP";
	case XDNA_BO_DEV:
		return "DEV";
	case XDNA_BO_CMD:
		return "CMD";
	}
	return "INVALID";
}
