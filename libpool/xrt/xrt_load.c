// SPDX-License-Identifier: MIT
/*
 * Loading XRT safely.
 *
 * XRT finds its shim from the environment on its first call:
 * $XILINX_XRT/lib/lib<shim>.so.2 with <shim> xrt_core (hardware) or, by
 * XCL_EMULATION_MODE, xrt_noop / xrt_swemu / xrt_hwemu.  Depending on the
 * XRT build and the call, a missing XILINX_XRT or shim makes that call
 * fail or abort the process, and sw_emu / hw_emu hang or crash without an
 * FPGA emulation platform.  So every path into XRT first checks what the
 * shim loader will need, and the API comes from dlopen(), so that a
 * machine without XRT gets -ENODEV too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xrt_internal.h"

#define PXRT_SONAME	"libxrt_coreutil.so.2"
#define PXRT_ERRMSG_MAX	512

static __thread char errmsg[PXRT_ERRMSG_MAX];

int pxrt_fail(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(errmsg, sizeof(errmsg), "libpool-xrt: ");
	va_start(ap, fmt);
	vsnprintf(errmsg + n, sizeof(errmsg) - n, fmt, ap);
	va_end(ap);
	return err;
}

void pxrt_clear_error(void)
{
	errmsg[0] = '\0';
}

const char *pool_xrt_errmsg(void)
{
	return errmsg;
}

int pxrt_errno(int fallback)
{
	return errno > 0 ? -errno : fallback;
}

const char *pxrt_mode_name(enum pxrt_mode mode)
{
	return mode == PXRT_MODE_NOOP ? "XCL_EMULATION_MODE=noop" : "hardware mode";
}

int pxrt_check_range(size_t size, size_t off, size_t *len)
{
	if (off > size || *len > size - off)
		return pxrt_fail(-EINVAL, "sync range [%zu, +%zu) is outside the %zu-byte BO",
				 off, *len, size);
	if (!*len)
		*len = size - off;
	return 0;
}

/* ------------------------------------------------------------ environment */

static int env_mode(enum pxrt_mode *mode, const char **shim)
{
	const char *em = getenv("XCL_EMULATION_MODE");

	if (!em) {
		*mode = PXRT_MODE_HW;
		*shim = "libxrt_core.so.2";
		return 0;
	}
	if (!strcmp(em, "noop")) {
		*mode = PXRT_MODE_NOOP;
		*shim = "libxrt_noop.so.2";
		return 0;
	}
	if (!strcmp(em, "sw_emu") || !strcmp(em, "hw_emu"))
		return pxrt_fail(-ENODEV,
				 "XCL_EMULATION_MODE=%s is not supported (XRT's %s hangs or crashes without an FPGA emulation platform): unset it, or use noop",
				 em, em);
	return pxrt_fail(-ENODEV,
			 "XCL_EMULATION_MODE='%s' is no XRT mode (noop, sw_emu, hw_emu): XRT would fail on its first call",
			 em);
}

static const char *xrt_root(void)
{
	const char *root = getenv("XILINX_XRT");

	if (root && *root)
		return root;
#if defined(__aarch64__) || defined(__arm__)
	return "/usr";		/* XRT's own default on Arm */
#else
	return NULL;
#endif
}

static int env_check(enum pxrt_mode *mode)
{
	const char *root, *shim = NULL;
	char path[PATH_MAX];
	struct stat st;
	int err, n;

	err = env_mode(mode, &shim);
	if (err)
		return err;
	root = xrt_root();
	if (!root)
		return pxrt_fail(-ENODEV,
				 "XILINX_XRT is not set: XRT needs it to find its shim %s (set it to the XRT prefix, e.g. /opt/xilinx/xrt)",
				 shim);
	n = snprintf(path, sizeof(path), "%s/lib/%s", root, shim);
	if (n < 0 || (size_t)n >= sizeof(path))
		return pxrt_fail(-ENODEV, "XILINX_XRT is too long");
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return pxrt_fail(-ENODEV, "XRT shim %s is missing (XILINX_XRT=%s, %s)", path, root,
				 pxrt_mode_name(*mode));
	return 0;
}

/* ------------------------------------------------------------------- dlopen */

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxrt_api api;
static bool api_loaded;

/*
 * XDNAPOOL_XRT_LIB=/path names the library (another XRT install, a test
 * double); else the default search path, then $XILINX_XRT/lib (installs
 * without setup.sh).
 */
static void *open_coreutil(char *why, size_t len)
{
	const char *lib = secure_getenv("XDNAPOOL_XRT_LIB");
	const char *root = xrt_root();
	char path[PATH_MAX];
	void *h;

	h = dlopen(lib ? lib : PXRT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h || lib) {
		if (!h)
			snprintf(why, len, "%s", dlerror());
		return h;
	}
	snprintf(why, len, "%s", dlerror());
	if (!root || snprintf(path, sizeof(path), "%s/lib/" PXRT_SONAME, root) >= (int)sizeof(path))
		return NULL;
	return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

/* Never dlclose()d: XRT keeps threads and static state until exit. */
static int load_api_locked(void)
{
	char why[256];
	void *h, *sym;

	if (api_loaded)
		return 0;
	h = open_coreutil(why, sizeof(why));
	if (!h)
		return pxrt_fail(-ENODEV, "cannot load XRT (%s): install XRT (Debian: libxrt1)", why);
#define PXRT_RESOLVE(name)						\
	sym = dlsym(h, #name);						\
	if (!sym)							\
		return pxrt_fail(-ENODEV, PXRT_SONAME " has no %s: XRT too old", #name); \
	memcpy(&api.name, &sym, sizeof(sym));
	PXRT_FUNCS(PXRT_RESOLVE)
#undef PXRT_RESOLVE
	api_loaded = true;
	return 0;
}

int pxrt_load(const struct pxrt_api **out, enum pxrt_mode *mode)
{
	int err;

	err = env_check(mode);
	if (err)
		return err;
	pthread_mutex_lock(&load_lock);
	err = load_api_locked();
	pthread_mutex_unlock(&load_lock);
	if (err)
		return err;
	*out = &api;
	return 0;
}

int pool_xrt_probe(void)
{
	const struct pxrt_api *a;
	enum pxrt_mode mode;
	int err;

	pxrt_clear_error();
	err = pxrt_load(&a, &mode);
	return err;
}
