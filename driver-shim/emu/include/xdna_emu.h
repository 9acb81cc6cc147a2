/* SPDX-License-Identifier: MIT */
/*
 * xdna-emu test hooks.
 *
 * Tests and tools reach the emulated device's hooks through this header
 * without linking libxdna-emu.so: the static inline xdna_emu_try_*()
 * wrappers look the hooks up with dlsym(RTLD_DEFAULT) and return -ENOSYS
 * when the emulator is not preloaded.  See libxdna-emu(7).
 */
#ifndef XDNA_EMU_H
#define XDNA_EMU_H

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void *)0)
#endif

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * PDI convention: a CU's cu_bo (a DEV BO) starts with these 13 bytes
 * (the NUL included) followed by the NUL-terminated name of a registered
 * kernel, at most XDNA_EMU_KERNEL_NAME_MAX - 1 characters.
 */
#define XDNA_EMU_PDI_MAGIC	"XDNA-EMU-PDI"
#define XDNA_EMU_PDI_MAGIC_LEN	13
#define XDNA_EMU_KERNEL_NAME_MAX 64

/*
 * Emulated designs (xclbin files made by tools/xclbin-pack): the PDI in the
 * xclbin's AIE_PARTITION is the PDI above, the kernel name, its NUL, then
 * XDNA_EMU_PDI_DESIGN_TAG and the 16-byte UUID of the design.  The
 * emulator runs the CPU model registered for (design UUID, kernel name);
 * the built-in designs' UUIDs are xdna_emu_design_uuid(design name)
 * (copy, scale_add, whisper_stem, checksum: kernels of the same name;
 * passthrough: kernel MLIR_AIE).  Only the emulator and the packer know
 * this convention.
 */
#define XDNA_EMU_PDI_DESIGN_TAG		"design"
#define XDNA_EMU_PDI_DESIGN_TAG_LEN	6

/* A name-based UUID (FNV-1a 64 of "xdna-emu-design:" + name, twice). */
static inline void xdna_emu_design_uuid(const char *name, uint8_t uuid[16])
{
	static const char pfx[] = "xdna-emu-design:";
	uint64_t h[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };
	int i, j;

	for (j = 0; j < 2; j++) {
		const char *p;

		for (p = pfx; *p; p++)
			h[j] = (h[j] ^ (uint8_t)*p) * 0x100000001b3ull;
		for (p = name; *p; p++)
			h[j] = (h[j] ^ (uint8_t)*p) * 0x100000001b3ull;
		for (i = 0; i < 8; i++)
			uuid[j * 8 + i] = (uint8_t)(h[j] >> (56 - 8 * i));
	}
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x80);	/* RFC 9562 version 8 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);	/* variant 10 */
}

/* Live objects of the emulated device; all counters are process-wide. */
struct xdna_emu_census {
	uint64_t open_files;	/* DRM files not yet released */
	uint64_t live_bos;	/* GEM objects (incl. heap chunks, imports) */
	uint64_t live_handles;	/* GEM handles over all files */
	uint64_t mappings;	/* user mappings made through DRM fds */
	uint64_t mapped_bytes;
	uint64_t hwctxs;
	uint64_t syncobjs;	/* syncobj objects (not handles) */
	uint64_t cmds_inflight;	/* submitted, not yet completed */
	uint64_t exported_fds;	/* PRIME fds handed out and not closed */
	uint64_t open_dirs;	/* emulated opendir() streams */
	uint64_t heap_bytes;	/* device heap chunks alive */
	uint64_t cmds_submitted;	/* totals since start */
	uint64_t cmds_completed;
	uint64_t sync_files;	/* sync_file fds handed out and not closed */
};

/*
 * The census's live counters, those that are back to zero once every
 * object is gone (not the totals): X(name) for each, so that one list
 * serves every check and report of "nothing left".
 */
#define XDNA_EMU_CENSUS_LIVE(X) \
	X(open_files) X(live_bos) X(live_handles) X(mappings) X(mapped_bytes) X(hwctxs) \
	X(syncobjs) X(cmds_inflight) X(exported_fds) X(open_dirs) X(heap_bytes) X(sync_files)

/*
 * An emulated NPU kernel.  args/nargs are the kernel's argument words
 * (after the CU mask, and for START_NPU after the instruction buffer
 * header and its properties).  map() turns a device address range into a
 * host pointer if the whole range lies inside one BO passed as an exec
 * argument, else NULL.  Return 0 for ERT_CMD_STATE_COMPLETED, anything
 * else for ERT_CMD_STATE_ERROR.
 */
struct xdna_emu_kcall {
	const char *kernel;
	uint32_t cu_func;
	const uint32_t *args;
	uint32_t nargs;
	void *(*map)(const struct xdna_emu_kcall *call, uint64_t dev_addr,
		     uint64_t len);
	void *priv;
};

typedef int (*xdna_emu_kernel_fn)(const struct xdna_emu_kcall *call);

/* The hooks exported by libxdna-emu.so (0 or a negative errno). */
typedef int (*xdna_emu_census_get_fn)(struct xdna_emu_census *out,
				      size_t size);
typedef int (*xdna_emu_fail_set_fn)(const char *spec);
typedef int (*xdna_emu_devshm_lock_hold_fn)(void);
typedef int (*xdna_emu_register_kernel_fn)(const char *name,
					   xdna_emu_kernel_fn fn);

static inline void *xdna_emu__sym(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

/*
 * ISO C has no conversion from an object pointer (dlsym's void *) to a
 * function pointer; POSIX guarantees they have the same representation,
 * so the hooks are copied bytewise into *fnp (sizeof(void *) bytes).
 */
static inline int xdna_emu__fn(const char *name, void *fnp)
{
	void *sym = xdna_emu__sym(name);

	if (!sym)
		return -ENOSYS;
	memcpy(fnp, &sym, sizeof(sym));
	return 0;
}

/* 1 when libxdna-emu.so is loaded in this process, else 0. */
static inline int xdna_emu_present(void)
{
	return xdna_emu__sym("xdna_emu_census_get") != NULL;
}

static inline int xdna_emu_try_census_get(struct xdna_emu_census *out)
{
	xdna_emu_census_get_fn fn;

	if (xdna_emu__fn("xdna_emu_census_get", &fn))
		return -ENOSYS;
	return fn(out, sizeof(*out));
}

/* spec: "" or NULL disarms; else "what:N[,what:N...]" (XDNA_EMU_FAIL in libxdna-emu(7)). */
static inline int xdna_emu_try_fail_set(const char *spec)
{
	xdna_emu_fail_set_fn fn;

	if (xdna_emu__fn("xdna_emu_fail_set", &fn))
		return -ENOSYS;
	return fn(spec);
}

/* fn NULL unregisters; registering an existing name replaces it. */
static inline int xdna_emu_try_register_kernel(const char *name,
					       xdna_emu_kernel_fn fn)
{
	xdna_emu_register_kernel_fn reg;

	if (xdna_emu__fn("xdna_emu_register_kernel", &reg))
		return -ENOSYS;
	return reg(name, fn);
}

/* One DRM ioctl of this process (xdna_emu_try_ioctl_trace). */
struct xdna_emu_ioctl_rec {
	uint32_t nr;		/* _IOC_NR: DRM_AMDXDNA_* + DRM_COMMAND_BASE, or a core DRM ioctl */
	int32_t ret;		/* 0 or -errno */
	uint32_t arg0;		/* CREATE_BO: type; CREATE_HWCTX: num_tiles;
				 * CONFIG_HWCTX: param_type; else 0 */
	uint32_t arg1;		/* CREATE_HWCTX: max_opc; CONFIG_CU: num_cus |
				 * cu_configs[0].cu_func << 16; else 0 */
};

typedef int (*xdna_emu_ioctl_trace_fn)(struct xdna_emu_ioctl_rec *buf, size_t cap);

/*
 * Record the DRM ioctls of this process into @buf (at most @cap), from
 * now on; NULL stops.  Returns how many the previous buffer got.
 */
static inline int xdna_emu_try_ioctl_trace(struct xdna_emu_ioctl_rec *buf, size_t cap)
{
	xdna_emu_ioctl_trace_fn fn;

	if (xdna_emu__fn("xdna_emu_ioctl_trace", &fn))
		return -ENOSYS;
	return fn(buf, cap);
}

/*
 * Test only: take the lock of the device-wide shared segment (see
 * XDNA_EMU_SHM_NAME) and keep it.  The caller must die next (SIGKILL):
 * the next user of the segment then recovers it (robust mutex).
 */
static inline int xdna_emu_try_devshm_lock_hold(void)
{
	xdna_emu_devshm_lock_hold_fn fn;

	if (xdna_emu__fn("xdna_emu_devshm_lock_hold", &fn))
		return -ENOSYS;
	return fn();
}

/*
 * Parameters of the emulator's whisper_stem kernel, reproducible outside
 * it: tensor 0 = conv1 weights, 1 = conv1 bias, 2 = conv2 weights,
 * 3 = conv2 bias; idx = (c_out * c_in + c_in_idx) * 3 + k for weights and
 * c_out for biases; uniform in +-1/sqrt(3 * fan_in) like PyTorch's default.
 */
static inline float xdna_emu_stem_param(uint32_t seed, uint32_t tensor, uint32_t idx,
					uint32_t fan_in)
{
	uint64_t x = ((uint64_t)seed << 32 | tensor) * 0x9e3779b97f4a7c15ull ^ idx;
	float u;

	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	u = (float)(x >> 40) / (float)(1u << 24);	/* [0, 1) */
	return (2.0f * u - 1.0f) / __builtin_sqrtf(3.0f * (float)fan_in);
}

#if defined(__cplusplus)
}
#endif

#endif /* XDNA_EMU_H */
