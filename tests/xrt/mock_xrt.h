/* SPDX-License-Identifier: MIT */
/*
 * A test double of libxrt_coreutil.so.2's C API (the functions libpool-xrt
 * calls), for what XRT's noop shim cannot show: import that works, export
 * that gives a real fd, the arguments of xrtBOSync, XRT failures, and the
 * order of frees and device close.  BOs are memfd pages, so an exported fd
 * maps the same bytes as the BO.  libpool-xrt loads it when
 * XDNAPOOL_XRT_LIB names it; the test dlopen()s the same file for
 * mock_xrt_state().
 */
#ifndef MOCK_XRT_H
#define MOCK_XRT_H

#include <stddef.h>
#include <stdint.h>

/* XRT's ABI values (xrt_mem.h, xrt.h). */
#define MOCK_XRT_BO_FLAGS_CACHEABLE	(1u << 24)
#define MOCK_XRT_BO_FLAGS_HOST_ONLY	(1u << 29)
#define MOCK_XRT_ADDR_BASE		0x4000000000ULL

struct mock_xrt_state {
	/* knobs */
	unsigned int ndev;		/* xrtDeviceOpen accepts indexes below */
	int fail_alloc;			/* the Nth xrtBOAlloc from now fails (ENOMEM) */
	int fail_sub;			/* the Nth xrtBOSubAlloc from now fails */
	int fail_sync;			/* xrtBOSync returns -fail_sync */
	int fail_export;		/* xrtBOExport returns -1 */
	/* observations */
	int devs_open;
	int bos_live;			/* BOs, sub-buffers, imports */
	int violations;			/* device closed or parent freed under a live BO */
	uint64_t last_flags;
	uint32_t last_group;
	size_t last_alloc_size;
	void *sync_bo;
	int sync_dir;
	size_t sync_size, sync_off;
	int syncs;
	int last_export_fd;		/* XRT's own fd, closed with the BO */
	uint64_t last_import_addr;
};

struct mock_xrt_state *mock_xrt_state(void);
/* Zero knobs and observations (ndev back to 1); keeps live counts. */
void mock_xrt_reset(void);

#endif /* MOCK_XRT_H */
