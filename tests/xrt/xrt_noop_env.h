/* SPDX-License-Identifier: MIT */
/*
 * XRT's noop shim for tests: XRT without hardware.
 *
 * xrt_noop_setup() makes a temporary XILINX_XRT tree whose
 * lib/libxrt_noop.so.2 links to the installed noop shim (Debian keeps it in
 * the multiarch lib dir, where XRT does not look), writes an xrt.ini that
 * silences XRT's log, and sets XILINX_XRT, XCL_EMULATION_MODE=noop and
 * XRT_INI_PATH.  Call it before the first XRT call of the process (XRT
 * reads the environment once) and before starting threads (setenv).
 *
 * Under noop, BOs are malloc'd (not page aligned), every device address
 * is 0xdeadbeef (+ offset for sub-buffers), sync does nothing, export
 * gives no fd and import fails.
 */
#ifndef XRT_NOOP_ENV_H
#define XRT_NOOP_ENV_H

#include <stddef.h>

#define XRT_NOOP_DEV_ADDR	0xdeadbeefULL

/*
 * Build the tree in a new mkdtemp() directory, written to dir (len >= 64).
 * XRT_NOOP_SHIM=/path overrides where the noop shim is looked for.
 * Returns 0, -ENOENT if no noop shim is installed, or another -errno.
 */
int xrt_noop_setup(char *dir, size_t len);

/* The shim xrt_noop_setup() links to, or NULL if none is installed. */
const char *xrt_noop_shim_path(void);

/* Remove the tree (the environment is left as it is). */
void xrt_noop_cleanup(const char *dir);

#endif /* XRT_NOOP_ENV_H */
