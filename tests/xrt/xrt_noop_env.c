// SPDX-License-Identifier: MIT
/* XRT's noop shim for tests: see xrt_noop_env.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xrt_noop_env.h"

#define NOOP_SHIM	"libxrt_noop.so.2"

#if defined(__x86_64__)
#define MULTIARCH	"x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH	"aarch64-linux-gnu"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MULTIARCH	"powerpc64le-linux-gnu"
#else
#define MULTIARCH	"."
#endif

static bool is_file(const char *path)
{
	struct stat st;

	return path && !stat(path, &st) && S_ISREG(st.st_mode);
}

const char *xrt_noop_shim_path(void)
{
	static const char *const dirs[] = {
		("/usr/lib/" MULTIARCH), "/usr/lib64", "/usr/lib", "/opt/xilinx/xrt/lib",
	};
	static char path[PATH_MAX];
	const char *env = getenv("XRT_NOOP_SHIM");
	size_t i;

	if (env)
		return is_file(env) ? env : NULL;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/" NOOP_SHIM, dirs[i]);
		if (is_file(path))
			return path;
	}
	return NULL;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int make_tree(const char *dir, const char *shim)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/lib", dir);
	if (mkdir(path, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/lib/" NOOP_SHIM, dir);
	if (symlink(shim, path))
		return -errno;
	snprintf(path, sizeof(path), "%s/xrt.ini", dir);
	return write_file(path, "[Runtime]\nruntime_log=null\n");
}

static int set_env(const char *dir)
{
	char ini[PATH_MAX];

	snprintf(ini, sizeof(ini), "%s/xrt.ini", dir);
	if (setenv("XILINX_XRT", dir, 1) || setenv("XCL_EMULATION_MODE", "noop", 1) ||
	    setenv("XRT_INI_PATH", ini, 1))
		return -errno;
	return 0;
}

int xrt_noop_setup(char *dir, size_t len)
{
	static const char tmpl[] = "/tmp/xrt-noop-XXXXXX";
	const char *shim = xrt_noop_shim_path();
	int err;

	if (!dir || len < sizeof(tmpl))
		return -EINVAL;
	if (!shim)
		return -ENOENT;
	memcpy(dir, tmpl, sizeof(tmpl));
	if (!mkdtemp(dir))
		return -errno;
	err = make_tree(dir, shim);
	if (!err)
		err = set_env(dir);
	if (err)
		xrt_noop_cleanup(dir);
	return err;
}

void xrt_noop_cleanup(const char *dir)
{
	char path[PATH_MAX];

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/lib/" NOOP_SHIM, dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lib", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/xrt.ini", dir);
	unlink(path);
	rmdir(dir);
}
