// SPDX-License-Identifier: MIT
/*
 * Tests of xdna-emu, the emulated amdxdna NPU.  Run with libxdna-emu.so
 * preloaded (mk/run-tests.sh does): every test drives the emulated device
 * through plain ioctl(2)/mmap(2) and libdrm and checks the emulator's own
 * rules -- the errnos the amdxdna kernel driver returns, BO/heap/mmap
 * semantics per driver flavour, contexts, command execution, syncobjs,
 * queries, fault injection -- and that nothing leaks (census back to 0).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "amdxdna_uapi.h"
#include "xdna_emu.h"

#define DEV		"/dev/accel/accel0"
#define MiB		(1ULL << 20)
#define HEAP_SZ		(64 * MiB)
#define DEV_BASE	0x4000000ULL
#define INVALID		AMDXDNA_INVALID_ADDR
#define CMD_WORDS	64

static char *self_exe;

/* ---- helpers ---- */

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int dev_open(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct xdna_emu_census census(void)
{
	struct xdna_emu_census c;

	ck_assert_int_eq(xdna_emu_try_census_get(&c), 0);
	return c;
}

static int create_bo(int fd, uint32_t type, uint64_t size, uint32_t *handle)
{
	struct amdxdna_drm_create_bo args = { .type = type, .size = size };
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args);

	if (!ret && handle)
		*handle = args.handle;
	return ret;
}

static int bo_info(int fd, uint32_t handle,
		   struct amdxdna_drm_get_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, info);
}

static int gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	return xioctl(fd, DRM_IOCTL_GEM_CLOSE, &args);
}

struct bo {
	uint32_t handle;
	uint64_t size;
	uint8_t *va;
	uint64_t xdna;
};

/* A SHARE or CMD BO, mapped. */
static struct bo bo_new(int fd, uint32_t type, uint64_t size)
{
	struct amdxdna_drm_get_bo_info info;
	struct bo b = { .size = size };

	ck_assert_int_eq(create_bo(fd, type, size, &b.handle), 0);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	b.va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)info.map_offset);
	ck_assert_ptr_ne(b.va, MAP_FAILED);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	b.xdna = info.xdna_addr;
	ck_assert_uint_eq(b.xdna, (uintptr_t)b.va);
	return b;
}

/* A DEV BO (carved from the mapped heap). */
static struct bo dev_bo_new(int fd, uint64_t size)
{
	struct amdxdna_drm_get_bo_info info;
	struct bo b = { .size = size };

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, size, &b.handle), 0);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	b.va = (uint8_t *)(uintptr_t)info.vaddr;
	b.xdna = info.xdna_addr;
	return b;
}

static void bo_free(int fd, struct bo *b)
{
	struct amdxdna_drm_get_bo_info info;

	ck_assert_int_eq(bo_info(fd, b->handle, &info), 0);
	if (info.map_offset != INVALID)
		ck_assert_int_eq(munmap(b->va, b->size), 0);
	ck_assert_int_eq(gem_close(fd, b->handle), 0);
}

struct dev {
	int fd;
	uint32_t heap;
	uint8_t *heap_va;
	uint32_t ctx, sync;
	struct bo pdi;
};

static void write_pdi(uint8_t *va, const char *kernel)
{
	memcpy(va, XDNA_EMU_PDI_MAGIC, XDNA_EMU_PDI_MAGIC_LEN);
	strcpy((char *)va + XDNA_EMU_PDI_MAGIC_LEN, kernel);
}

static int heap_up(int fd, uint32_t *heap, uint8_t **va)
{
	struct amdxdna_drm_get_bo_info info;
	int ret = create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, heap);

	if (ret)
		return ret;
	ck_assert_int_eq(bo_info(fd, *heap, &info), 0);
	*va = mmap(NULL, HEAP_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)info.map_offset);
	ck_assert_ptr_ne(*va, MAP_FAILED);
	return 0;
}

static int ctx_create(int fd, uint32_t tiles, uint32_t *ctx, uint32_t *sync)
{
	struct amdxdna_qos_info qos = { .priority = AMDXDNA_QOS_NORMAL_PRIORITY };
	struct amdxdna_drm_create_hwctx args = {
		.qos_p = (uintptr_t)&qos,
		.num_tiles = tiles,
	};
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &args);

	if (!ret) {
		*ctx = args.handle;
		*sync = args.syncobj_handle;
	}
	return ret;
}

static int ctx_destroy(int fd, uint32_t ctx)
{
	struct amdxdna_drm_destroy_hwctx args = { .handle = ctx };

	return xioctl(fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &args);
}

/* CONFIG_CU argument with one CU */
union cu_cfg {
	struct amdxdna_hwctx_param_config_cu hdr;
	uint8_t raw[sizeof(struct amdxdna_hwctx_param_config_cu) +
		    sizeof(struct amdxdna_cu_config)];
};

static int config_cu(int fd, uint32_t ctx, uint32_t cu_bo, uint32_t size_adj)
{
	union cu_cfg cfg;
	struct amdxdna_drm_config_hwctx args = {
		.handle = ctx,
		.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU,
		.param_val = (uintptr_t)&cfg,
		.param_val_size = (uint32_t)sizeof(cfg) - size_adj,
	};

	memset(&cfg, 0, sizeof(cfg));
	cfg.hdr.num_cus = 1;
	cfg.hdr.cu_configs[0].cu_bo = cu_bo;
	return xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &args);
}

/* open, 64 MiB heap mapped, a 4-column context running kernel on CU 0 */
static void dev_up(struct dev *d, const char *kernel)
{
	d->fd = dev_open();
	ck_assert_int_eq(heap_up(d->fd, &d->heap, &d->heap_va), 0);
	ck_assert_int_eq(ctx_create(d->fd, 16, &d->ctx, &d->sync), 0);
	d->pdi = dev_bo_new(d->fd, 4096);
	write_pdi(d->pdi.va, kernel);
	ck_assert_int_eq(config_cu(d->fd, d->ctx, d->pdi.handle, 0), 0);
}

static void dev_down(struct dev *d)
{
	ck_assert_int_eq(ctx_destroy(d->fd, d->ctx), 0);
	ck_assert_int_eq(drmSyncobjDestroy(d->fd, d->sync), 0);
	ck_assert_int_eq(gem_close(d->fd, d->pdi.handle), 0);
	ck_assert_int_eq(munmap(d->heap_va, HEAP_SZ), 0);
	ck_assert_int_eq(close(d->fd), 0);
}

static void cmd_start_cu(uint32_t *cmd, uint32_t cu_mask,
			 const uint32_t *args, uint32_t nargs)
{
	cmd[0] = XDNA_ERT_CMD_STATE_NEW |
		 ((1 + nargs) << XDNA_ERT_COUNT_SHIFT) |
		 (XDNA_ERT_START_CU << XDNA_ERT_OPCODE_SHIFT);
	cmd[1] = cu_mask;
	if (nargs)
		memcpy(&cmd[2], args, nargs * sizeof(*args));
}

static uint32_t cmd_state(const struct bo *cmd)
{
	return *(volatile uint32_t *)cmd->va & XDNA_ERT_STATE_MASK;
}

static int exec_cmd(int fd, uint32_t ctx, uint32_t cmd, const uint32_t *bos,
		    uint32_t nbos, uint64_t *seq)
{
	struct amdxdna_drm_exec_cmd args = {
		.hwctx = ctx,
		.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF,
		.cmd_handles = cmd,
		.args = (uintptr_t)bos,
		.cmd_count = 1,
		.arg_count = nbos,
	};
	int ret = xioctl(fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args);

	if (!ret && seq)
		*seq = args.seq;
	return ret;
}

/* -errno, e.g. -ETIME */
static int wait_point(int fd, uint32_t sync, uint64_t point, int64_t ms)
{
	return drmSyncobjTimelineWait(fd, &sync, &point, 1,
				      now_ns() + ms * 1000000LL,
				      DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL);
}

static void copy_args(uint32_t *a, uint64_t src, uint64_t dst, uint32_t n)
{
	a[0] = (uint32_t)src;
	a[1] = (uint32_t)(src >> 32);
	a[2] = (uint32_t)dst;
	a[3] = (uint32_t)(dst >> 32);
	a[4] = n;
}

/* Runs one copy command; returns the final ERT state. */
static uint32_t run_copy(struct dev *d, const struct bo *cmd, uint64_t src,
			 uint64_t dst, uint32_t n, const uint32_t *bos,
			 uint32_t nbos)
{
	uint32_t a[5];
	uint64_t seq;

	copy_args(a, src, dst, n);
	cmd_start_cu((uint32_t *)cmd->va, 1, a, 5);
	ck_assert_int_eq(exec_cmd(d->fd, d->ctx, cmd->handle, bos, nbos, &seq),
			 0);
	ck_assert_int_eq(wait_point(d->fd, d->sync, seq, 5000), 0);
	return cmd_state(cmd);
}

/* ---- fixtures ---- */

static void setup(void)
{
	unsetenv("XDNA_EMU_FLAVOUR");
	unsetenv("XDNA_EMU_DELAY_US");
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
}

static void teardown(void)
{
	struct xdna_emu_census c = census();

	unsetenv("XDNA_EMU_FLAVOUR");
	unsetenv("XDNA_EMU_DELAY_US");
	xdna_emu_try_fail_set("");
	ck_assert_uint_eq(c.open_files, 0);
	ck_assert_uint_eq(c.live_bos, 0);
	ck_assert_uint_eq(c.live_handles, 0);
	ck_assert_uint_eq(c.mappings, 0);
	ck_assert_uint_eq(c.mapped_bytes, 0);
	ck_assert_uint_eq(c.hwctxs, 0);
	ck_assert_uint_eq(c.syncobjs, 0);
	ck_assert_uint_eq(c.cmds_inflight, 0);
	ck_assert_uint_eq(c.exported_fds, 0);
	ck_assert_uint_eq(c.open_dirs, 0);
	ck_assert_uint_eq(c.heap_bytes, 0);
}

/* ---- interposition: banner, paths, stat, access, readdir, fds ---- */

/* Re-runs this binary as "mode" with XDNA_EMU_QUIET and XDNA_EMU_FAIL set
 * (the emulator reads them at start-up); returns its stderr. */
static char *run_self(const char *mode, const char *quiet, const char *fail,
		      int *code)
{
	static char buf[512];
	int pfd[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(pfd[1], 2);
		setenv("XDNA_EMU_QUIET", quiet, 1);
		if (fail)
			setenv("XDNA_EMU_FAIL", fail, 1);
		execl(self_exe, self_exe, mode, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(pfd[0]);
	buf[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	*code = WEXITSTATUS(status);
	return buf;
}

/* Child mode: the first CREATE_BO must fail as XDNA_EMU_FAIL says. */
static int fail_child(void)
{
	struct amdxdna_drm_create_bo args = {
		.type = AMDXDNA_BO_SHARE,
		.size = 4096,
	};
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		return 2;
	if (!ioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args) || errno != ENOMEM)
		return 3;
	if (ioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args))
		return 4;
	close(fd);
	return 0;
}

START_TEST(test_banner)
{
	const char *out;
	int code;

	out = run_self("--banner-child", "0", NULL, &code);
	ck_assert_int_eq(code, 0);
	ck_assert_ptr_nonnull(strstr(out, "xdna-emu: emulating amdxdna NPU"));
	ck_assert_ptr_nonnull(strstr(out, DEV));
	ck_assert_ptr_nonnull(strstr(out, "not real hardware"));
	out = run_self("--banner-child", "1", NULL, &code);
	ck_assert_int_eq(code, 0);
	ck_assert_ptr_null(strstr(out, "xdna-emu"));
}
END_TEST

START_TEST(test_fail_env)
{
	int code;

	run_self("--fail-child", "1", "create_bo:1", &code);
	ck_assert_int_eq(code, 0);
	run_self("--fail-child", "1", NULL, &code);
	ck_assert_int_eq(code, 3);
}
END_TEST

static void check_chr(const struct stat *st)
{
	ck_assert(S_ISCHR(st->st_mode));
	ck_assert_uint_eq(major(st->st_rdev), XDNA_ACCEL_MAJOR);
	ck_assert_uint_eq(minor(st->st_rdev), 0);
}

START_TEST(test_stat_access)
{
	int (*xstat)(int, const char *, struct stat *);
	struct statx sx;
	struct stat st;
	char buf[32] = { 0 };
	FILE *fp;
	int fd;

	ck_assert_int_eq(stat(DEV, &st), 0);
	check_chr(&st);
	ck_assert_int_eq(lstat(DEV, &st), 0);
	check_chr(&st);
	ck_assert_int_eq(stat("/dev//accel/./accel0", &st), 0);
	check_chr(&st);
	ck_assert_int_eq(fstatat(AT_FDCWD, DEV, &st, 0), 0);
	check_chr(&st);
	ck_assert_int_eq(statx(AT_FDCWD, DEV, 0, STATX_BASIC_STATS, &sx), 0);
	ck_assert(S_ISCHR(sx.stx_mode));
	ck_assert_uint_eq(sx.stx_rdev_major, XDNA_ACCEL_MAJOR);
	xstat = (int (*)(int, const char *, struct stat *))
		dlsym(RTLD_DEFAULT, "__xstat");
	ck_assert_ptr_nonnull(xstat);
	ck_assert_int_eq(xstat(1, DEV, &st), 0);
	check_chr(&st);
	ck_assert_int_eq(stat("/dev/accel", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat("/sys/class/accel/accel0", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat("/dev/accel/accel1", &st), -1);
	ck_assert_int_eq(errno, ENOENT);

	ck_assert_int_eq(access(DEV, F_OK), 0);
	ck_assert_int_eq(access(DEV, R_OK | W_OK), 0);
	ck_assert_int_eq(access(DEV, X_OK), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(faccessat(AT_FDCWD, "/dev/accel", X_OK, 0), 0);
	ck_assert_int_eq(access("/dev/accel/accel1", F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);

	fd = dev_open();
	ck_assert_int_eq(fstat(fd, &st), 0);
	check_chr(&st);
	ck_assert_int_eq(fstatat(fd, "", &st, AT_EMPTY_PATH), 0);
	check_chr(&st);
	ck_assert_int_eq(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx),
			 0);
	ck_assert_uint_eq(sx.stx_rdev_major, XDNA_ACCEL_MAJOR);
	ck_assert_int_eq(close(fd), 0);

	ck_assert_int_eq(open(DEV, O_RDWR | O_DIRECTORY), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(open(DEV, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(open("/dev/accel/accel1", O_RDWR), -1);
	ck_assert_int_eq(errno, ENOENT);

	fd = openat(AT_FDCWD, "/sys/class/accel/accel0/dev", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 6);
	ck_assert_str_eq(buf, "261:0\n");
	close(fd);
	fp = fopen("/sys/class/accel/accel0/device/vbnv", "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
	ck_assert_str_eq(buf, "RyzenAI-npu4\n");
	fclose(fp);
}
END_TEST

static int list_dir(const char *path, char names[][32], unsigned char *types)
{
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) && n < 8) {
		snprintf(names[n], 32, "%.31s", e->d_name);
		types[n++] = e->d_type;
	}
	ck_assert_int_eq(closedir(d), 0);
	return n;
}

START_TEST(test_readdir)
{
	char names[8][32];
	unsigned char types[8];
	struct dirent64 *e64;
	DIR *d;
	int n;

	n = list_dir("/dev/accel", names, types);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(names[0], ".");
	ck_assert_str_eq(names[1], "..");
	ck_assert_str_eq(names[2], "accel0");
	ck_assert_int_eq(types[2], DT_CHR);
	n = list_dir("/sys/class/accel", names, types);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(names[2], "accel0");

	d = opendir("/dev/accel/");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(census().open_dirs, 1);
	e64 = readdir64(d);
	ck_assert_ptr_nonnull(e64);
	ck_assert_str_eq(e64->d_name, ".");
	rewinddir(d);
	ck_assert_str_eq(readdir(d)->d_name, ".");
	ck_assert_int_eq(closedir(d), 0);

	/* real directories still work */
	d = opendir("/");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(readdir(d));
	ck_assert_int_ge(dirfd(d), 0);
	ck_assert_int_eq(closedir(d), 0);
}
END_TEST

START_TEST(test_files_and_dup)
{
	struct amdxdna_drm_get_bo_info info;
	struct xdna_emu_census c;
	uint32_t h, h2;
	int fd, fd2, d1, d2, d3, other;

	fd = dev_open();
	fd2 = dev_open();
	ck_assert_int_ne(fd, fd2);
	c = census();
	ck_assert_uint_eq(c.open_files, 2);

	/* each open is its own DRM file: own handle namespace */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	ck_assert_uint_eq(h, 1);
	ck_assert_int_eq(bo_info(fd2, h, &info), -ENOENT);
	ck_assert_int_eq(create_bo(fd2, AMDXDNA_BO_SHARE, 4096, &h2), 0);
	ck_assert_uint_eq(h2, 1);

	/* dup'ed fds share the file */
	d1 = dup(fd);
	d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	ck_assert_int_ge(d2, 100);
	d3 = dup3(fd, 200, O_CLOEXEC);
	ck_assert_int_eq(d3, 200);
	ck_assert_int_eq(bo_info(d1, h, &info), 0);
	ck_assert_int_eq(bo_info(d2, h, &info), 0);
	ck_assert_int_eq(bo_info(d3, h, &info), 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(close(d2), 0);
	ck_assert_int_eq(close(d3), 0);
	ck_assert_int_eq(bo_info(d1, h, &info), 0);
	ck_assert_uint_eq(census().open_files, 2);

	/* dup2 over the last fd of a file releases the file */
	other = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(other, 0);
	ck_assert_int_eq(dup2(other, d1), d1);
	c = census();
	ck_assert_uint_eq(c.open_files, 1);
	ck_assert_uint_eq(c.live_bos, 1);
	ck_assert_int_eq(ioctl(d1, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info), -1);
	ck_assert_int_eq(errno, ENOTTY);	/* /dev/null now */
	close(d1);
	close(other);

	/* FIOCLEX reaches the real fd */
	ck_assert_int_eq(ioctl(fd2, FIONCLEX), 0);
	ck_assert_int_eq(fcntl(fd2, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(ioctl(fd2, FIOCLEX), 0);
	ck_assert_int_eq(fcntl(fd2, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* last close releases the file's objects */
	ck_assert_int_eq(close(fd2), 0);
}
END_TEST

/* ---- DRM core ---- */

START_TEST(test_version)
{
	struct drm_version v;
	drmVersionPtr ver;
	char name[4];
	int fd = dev_open();

	ver = drmGetVersion(fd);
	ck_assert_ptr_nonnull(ver);
	ck_assert_str_eq(ver->name, XDNA_DRIVER_NAME);
	ck_assert_str_eq(ver->date, "0");
	ck_assert_str_eq(ver->desc, "AMD XDNA DRM implementation");
	ck_assert_int_eq(ver->version_major, 0);
	ck_assert_int_eq(ver->version_minor, 6);
	drmFreeVersion(ver);

	/* short buffers: copy what fits, report the full length */
	memset(&v, 0, sizeof(v));
	memset(name, 'x', sizeof(name));
	v.name = name;
	v.name_len = 3;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_VERSION, &v), 0);
	ck_assert_uint_eq(v.name_len, strlen(XDNA_DRIVER_NAME));
	ck_assert_int_eq(memcmp(name, "amdx", 3), 0);
	ck_assert_int_eq(name[3], 'x');
	ck_assert_uint_eq(v.date_len, 1);
	ck_assert_uint_eq(v.desc_len, strlen("AMD XDNA DRM implementation"));
	close(fd);

	setenv("XDNA_EMU_FLAVOUR", "oot", 1);
	fd = dev_open();
	ver = drmGetVersion(fd);
	ck_assert_ptr_nonnull(ver);
	ck_assert_int_eq(ver->version_major, 1);
	drmFreeVersion(ver);
	close(fd);
}
END_TEST

START_TEST(test_unknown_ioctls)
{
	struct amdxdna_drm_wait_cmd wait = { 0 };
	struct termios tio;
	uint64_t cap = 0;
	struct drm_auth auth;
	char arg[64] = { 0 };
	int fd = dev_open();

	ck_assert_int_eq(ioctl(fd, TCGETS, &tio), -1);
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_int_eq(isatty(fd), 0);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_GET_MAGIC, &auth), -EINVAL);
	/* WAIT_CMD (9) has no handler upstream */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &wait),
			 -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x20,
					     char[64]), arg), -EINVAL);
	ck_assert_int_eq(drmGetCap(fd, DRM_CAP_SYNCOBJ_TIMELINE, &cap), 0);
	ck_assert_uint_eq(cap, 1);
	ck_assert_int_eq(drmGetCap(fd, DRM_CAP_PRIME, &cap), 0);
	ck_assert_uint_eq(cap, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	ck_assert_int_ne(drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap), 0);
	close(fd);

	/* the out-of-tree driver has WAIT_CMD: an unknown context is EINVAL,
	 * an unsubmitted seq too, but the ioctl exists (tested in exec) */
	setenv("XDNA_EMU_FLAVOUR", "oot", 1);
	fd = dev_open();
	wait.hwctx = 1;
	wait.seq = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &wait),
			 -EINVAL);
	close(fd);
}
END_TEST

/* ---- BOs ---- */

START_TEST(test_create_bo_rules)
{
	struct amdxdna_drm_create_bo args;
	struct amdxdna_drm_get_bo_info info;
	struct amdxdna_drm_sync_bo sync;
	struct drm_gem_close gc;
	uint32_t h1, h2, h3;
	void *p;
	int fd = dev_open();

	memset(&args, 0, sizeof(args));
	args.type = AMDXDNA_BO_SHARE;
	args.size = 4096;
	args.flags = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args),
			 -EINVAL);
	args.flags = 0;
	args.vaddr = 0x1000;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &args),
			 -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_INVALID, 4096, NULL),
			 -EINVAL);
	ck_assert_int_eq(create_bo(fd, 5, 4096, NULL), -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 0, NULL), -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 32 * 1024 + 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 2, NULL), -EINVAL);

	/* lowest free handle, reused after close */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 32 * 1024, &h1), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 100, &h2), 0);
	ck_assert_uint_eq(h1, 1);
	ck_assert_uint_eq(h2, 2);
	ck_assert_int_eq(gem_close(fd, h1), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 4096, &h3), 0);
	ck_assert_uint_eq(h3, 1);

	/* GET_BO_INFO */
	ck_assert_int_eq(bo_info(fd, 99, &info), -ENOENT);
	memset(&info, 0, sizeof(info));
	info.handle = h2;
	info.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info),
			 -EINVAL);
	info.pad = 0;
	info.ext = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info),
			 -EINVAL);
	ck_assert_int_eq(bo_info(fd, h2, &info), 0);
	ck_assert_uint_eq(info.vaddr, INVALID);
	ck_assert_uint_eq(info.xdna_addr, INVALID);	/* PASID: not mapped */
	ck_assert_uint_ge(info.map_offset, 1ULL << 32);
	ck_assert_uint_eq(info.map_offset % 4096, 0);

	/* size 100 was rounded up to one page */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.map_offset);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_ptr_eq(mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd,
			      (off_t)info.map_offset), MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(bo_info(fd, h2, &info), 0);
	ck_assert_uint_eq(info.vaddr, (uintptr_t)p);
	ck_assert_uint_eq(info.xdna_addr, (uintptr_t)p);
	ck_assert_int_eq(munmap(p, 4096), 0);
	ck_assert_int_eq(bo_info(fd, h2, &info), 0);
	ck_assert_uint_eq(info.xdna_addr, INVALID);

	/* SYNC_BO */
	memset(&sync, 0, sizeof(sync));
	sync.handle = 99;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -ENOENT);
	sync.handle = h2;
	sync.size = 4096;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), 0);
	sync.direction = SYNC_DIRECT_FROM_DEVICE;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), 0);
	sync.direction = 2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EINVAL);
	sync.direction = 0;
	sync.offset = 4096;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EINVAL);
	sync.offset = 8;
	sync.size = UINT64_MAX;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EINVAL);

	/* GEM_CLOSE */
	memset(&gc, 0, sizeof(gc));
	gc.handle = h2;
	gc.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), -EINVAL);
	ck_assert_int_eq(gem_close(fd, 99), -EINVAL);
	ck_assert_int_eq(gem_close(fd, h2), 0);
	ck_assert_int_eq(gem_close(fd, h2), -EINVAL);
	ck_assert_int_eq(drmCloseBufferHandle(fd, h3), 0);
	ck_assert_uint_eq(census().live_bos, 0);
	close(fd);
}
END_TEST

static void mmap_rules(bool v614)
{
	struct amdxdna_drm_get_bo_info info;
	struct xdna_emu_census c;
	uint8_t *p, *q;
	uint32_t h, h_other;
	int fd, fd2, rofd;

	if (v614)
		setenv("XDNA_EMU_FLAVOUR", "6.14", 1);
	fd = dev_open();
	fd2 = dev_open();
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_SHARE, 8192, &h), 0);
	ck_assert_int_eq(create_bo(fd2, AMDXDNA_BO_SHARE, 4096, &h_other), 0);
	ck_assert_int_eq(bo_info(fd2, h_other, &info), 0);
	/* another file's BO */
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			      (off_t)info.map_offset), MAP_FAILED);
	ck_assert_int_eq(errno, EACCES);

	ck_assert_int_eq(bo_info(fd, h, &info), 0);
	ck_assert_ptr_eq(mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			      fd, (off_t)info.map_offset), MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			      (off_t)info.map_offset + 4096), MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0),
			 MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_eq(mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd,
			      (off_t)info.map_offset), MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);

	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)info.map_offset);
	ck_assert_ptr_ne(p, MAP_FAILED);
	c = census();
	ck_assert_uint_eq(c.mappings, 1);
	ck_assert_uint_eq(c.mapped_bytes, 8192);
	memset(p, 0x5a, 8192);

	q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)info.map_offset);
	if (v614) {
		ck_assert_ptr_eq(q, MAP_FAILED);
		ck_assert_int_eq(errno, EEXIST);
	} else {
		ck_assert_ptr_ne(q, MAP_FAILED);
		ck_assert_uint_eq(q[100], 0x5a);	/* same pages */
		ck_assert_int_eq(bo_info(fd, h, &info), 0);
		ck_assert_uint_eq(info.vaddr, (uintptr_t)p);	/* the first */
		ck_assert_int_eq(munmap(q, 4096), 0);
	}

	/* partial unmap keeps the rest mapped and counted */
	ck_assert_int_eq(munmap(p + 4096, 4096), 0);
	c = census();
	ck_assert_uint_eq(c.mappings, 1);
	ck_assert_uint_eq(c.mapped_bytes, 4096);
	ck_assert_int_eq(bo_info(fd, h, &info), 0);
	ck_assert_uint_eq(info.vaddr, (uintptr_t)p);
	ck_assert_int_eq(munmap(p, 4096), 0);
	ck_assert_uint_eq(census().mappings, 0);

	/* after the last unmap the BO can be mapped again */
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, (off_t)info.map_offset);
	ck_assert_ptr_ne(p, MAP_FAILED);
	/* a mapping keeps the DRM file alive after close() */
	ck_assert_int_eq(close(fd), 0);
	ck_assert_uint_eq(census().open_files, 2);
	ck_assert_uint_eq(p[0], 0x5a);
	ck_assert_int_eq(munmap(p, 8192), 0);
	ck_assert_uint_eq(census().open_files, 1);
	close(fd2);

	/* a read-only DRM fd refuses writable shared mappings */
	rofd = open(DEV, O_RDONLY);
	ck_assert_int_ge(rofd, 0);
	ck_assert_int_eq(create_bo(rofd, AMDXDNA_BO_SHARE, 4096, &h), 0);
	ck_assert_int_eq(bo_info(rofd, h, &info), 0);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			      rofd, (off_t)info.map_offset), MAP_FAILED);
	ck_assert_int_eq(errno, EACCES);
	close(rofd);
}

START_TEST(test_mmap_rules_618)
{
	mmap_rules(false);
}
END_TEST

START_TEST(test_mmap_rules_614)
{
	mmap_rules(true);
}
END_TEST

START_TEST(test_mmap_fixed_replaces)
{
	struct bo b;
	uint8_t *p;
	int fd = dev_open();

	b = bo_new(fd, AMDXDNA_BO_SHARE, 4096);
	/* MAP_FIXED over the BO mapping ends it */
	p = mmap(b.va, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ck_assert_ptr_eq(p, b.va);
	ck_assert_uint_eq(census().mappings, 0);
	munmap(p, 4096);
	ck_assert_int_eq(gem_close(fd, b.handle), 0);
	close(fd);
}
END_TEST

START_TEST(test_prime)
{
	struct drm_prime_handle ph;
	struct bo b, d;
	uint32_t h, h2;
	uint8_t *p;
	int fd, fd2, pfd, rofd, pipes[2], mfd;
	uint32_t heap;
	uint8_t *heap_va;

	fd = dev_open();
	fd2 = dev_open();
	b = bo_new(fd, AMDXDNA_BO_SHARE, 8192);
	memset(b.va, 0xab, 8192);

	memset(&ph, 0, sizeof(ph));
	ph.handle = b.handle;
	ph.flags = DRM_CLOEXEC | DRM_RDWR | 0x4;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), -EINVAL);
	ph.flags = DRM_CLOEXEC;
	ph.handle = 77;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), -ENOENT);

	ck_assert_int_eq(drmPrimeHandleToFD(fd, b.handle, DRM_CLOEXEC | DRM_RDWR,
					    &pfd), 0);
	ck_assert_int_ge(pfd, 0);
	ck_assert_uint_eq(census().exported_fds, 1);
	/* a real fd of the BO's pages */
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_uint_eq(p[4000], 0xab);
	p[10] = 0x11;
	ck_assert_uint_eq(b.va[10], 0x11);
	ck_assert_int_eq(munmap(p, 8192), 0);

	/* without DRM_RDWR the dma-buf is read-only */
	ck_assert_int_eq(drmPrimeHandleToFD(fd, b.handle, DRM_CLOEXEC, &rofd),
			 0);
	ck_assert_ptr_eq(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			      rofd, 0), MAP_FAILED);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(close(rofd), 0);

	/* same file: same handle; other file: its own handle, same pages */
	ck_assert_int_eq(drmPrimeFDToHandle(fd, pfd, &h), 0);
	ck_assert_uint_eq(h, b.handle);
	ck_assert_int_eq(drmPrimeFDToHandle(fd2, pfd, &h2), 0);
	d = (struct bo){ .handle = h2, .size = 8192 };
	{
		struct amdxdna_drm_get_bo_info info;

		ck_assert_int_eq(bo_info(fd2, h2, &info), 0);
		d.va = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd2,
			    (off_t)info.map_offset);
		ck_assert_ptr_ne(d.va, MAP_FAILED);
		ck_assert_uint_eq(d.va[10], 0x11);
	}
	ck_assert_int_eq(drmPrimeFDToHandle(fd2, pfd, &h), 0);
	ck_assert_uint_eq(h, h2);
	bo_free(fd2, &d);

	/* fds that are not our dma-bufs */
	memset(&ph, 0, sizeof(ph));
	ph.fd = 1000;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph), -EBADF);
	ck_assert_int_eq(pipe(pipes), 0);
	ph.fd = pipes[0];
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph), -EINVAL);
	close(pipes[0]);
	close(pipes[1]);
	mfd = memfd_create("not-ours", 0);
	ck_assert_int_eq(ftruncate(mfd, 4096), 0);
	ph.fd = mfd;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph), -EINVAL);
	close(mfd);
	ph.fd = fd2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph), -EINVAL);

	/* the dma-buf outlives the GEM object: import still works */
	bo_free(fd, &b);
	ck_assert_uint_eq(census().live_bos, 0);
	ck_assert_int_eq(drmPrimeFDToHandle(fd2, pfd, &h2), 0);
	{
		struct amdxdna_drm_get_bo_info info;

		ck_assert_int_eq(bo_info(fd2, h2, &info), 0);
		p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd2,
			 (off_t)info.map_offset);
		ck_assert_ptr_ne(p, MAP_FAILED);
		ck_assert_uint_eq(p[10], 0x11);
		ck_assert_uint_eq(p[8191], 0xab);
		ck_assert_int_eq(munmap(p, 8192), 0);
	}
	ck_assert_int_eq(gem_close(fd2, h2), 0);
	ck_assert_int_eq(close(pfd), 0);
	ck_assert_uint_eq(census().exported_fds, 0);

	/* DEV BOs cannot be exported */
	ck_assert_int_eq(heap_up(fd, &heap, &heap_va), 0);
	d = dev_bo_new(fd, 4096);
	memset(&ph, 0, sizeof(ph));
	ph.handle = d.handle;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph),
			 -EOPNOTSUPP);
	ck_assert_int_eq(munmap(heap_va, HEAP_SZ), 0);
	close(fd);
	close(fd2);
}
END_TEST

START_TEST(test_prime_other_process)
{
	struct bo b;
	int fd, pfd, status;
	pid_t pid;

	fd = dev_open();
	b = bo_new(fd, AMDXDNA_BO_SHARE, 4096);
	strcpy((char *)b.va, "across fork");
	ck_assert_int_eq(drmPrimeHandleToFD(fd, b.handle, DRM_RDWR, &pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct amdxdna_drm_get_bo_info info;
		uint32_t h;
		char *p;
		int cfd = open(DEV, O_RDWR);

		if (cfd < 0 || drmPrimeFDToHandle(cfd, pfd, &h) ||
		    bo_info(cfd, h, &info))
			_exit(1);
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd,
			 (off_t)info.map_offset);
		if (p == MAP_FAILED || strcmp(p, "across fork"))
			_exit(2);
		strcpy(p, "child wrote");
		munmap(p, 4096);
		gem_close(cfd, h);
		close(cfd);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_str_eq((char *)b.va, "child wrote");
	close(pfd);
	bo_free(fd, &b);
	close(fd);
}
END_TEST

/* ---- device heap ---- */

START_TEST(test_heap_618)
{
	struct amdxdna_drm_get_bo_info info;
	uint32_t heap, heap2, heap3, big, h, chunks[8];
	uint8_t *va;
	struct bo a, b;
	unsigned int i;
	int fd = dev_open();

	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), -EAGAIN);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, MiB, NULL),
			 -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, 0, NULL), -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap), 0);
	/* heap not mapped yet */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), -EAGAIN);

	/* reserve room for two contiguous chunks, map the first */
	va = mmap(NULL, 2 * HEAP_SZ, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(va, MAP_FAILED);
	ck_assert_int_eq(bo_info(fd, heap, &info), 0);
	ck_assert_uint_eq(info.xdna_addr, DEV_BASE);
	ck_assert_ptr_eq(mmap(va, HEAP_SZ, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_FIXED, fd,
			      (off_t)info.map_offset), va);

	a = dev_bo_new(fd, 4096);
	b = dev_bo_new(fd, 100);
	ck_assert_uint_eq(a.xdna, DEV_BASE);
	ck_assert_uint_eq(b.xdna, DEV_BASE + 32 * 1024);	/* 32 KiB aligned */
	ck_assert_ptr_eq(a.va, va);
	ck_assert_ptr_eq(b.va, va + 32 * 1024);
	ck_assert_int_eq(bo_info(fd, b.handle, &info), 0);
	ck_assert_uint_eq(info.map_offset, INVALID);	/* not mappable */
	strcpy((char *)b.va, "dev bo");

	/* does not fit in the first chunk: add one */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, HEAP_SZ - 32 * 1024,
				   NULL), -EAGAIN);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap2),
			 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, HEAP_SZ - 32 * 1024,
				   NULL), -EAGAIN);	/* chunk 2 unmapped */
	ck_assert_int_eq(bo_info(fd, heap2, &info), 0);
	ck_assert_uint_eq(info.xdna_addr, DEV_BASE + HEAP_SZ);
	ck_assert_ptr_eq(mmap(va + HEAP_SZ, HEAP_SZ, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_FIXED, fd,
			      (off_t)info.map_offset), va + HEAP_SZ);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, HEAP_SZ - 32 * 1024,
				   &big), 0);
	ck_assert_int_eq(bo_info(fd, big, &info), 0);
	ck_assert_uint_eq(info.xdna_addr, DEV_BASE + 64 * 1024);
	ck_assert_uint_eq(info.vaddr, (uintptr_t)va + 64 * 1024);
	ck_assert_str_eq((char *)b.va, "dev bo");

	/* a third chunk mapped elsewhere: spanning BOs are refused */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap3),
			 0);
	ck_assert_int_eq(bo_info(fd, heap3, &info), 0);
	{
		uint8_t *v3 = mmap(NULL, HEAP_SZ, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, (off_t)info.map_offset);

		ck_assert_ptr_ne(v3, MAP_FAILED);
		ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, HEAP_SZ, NULL),
				 -EINVAL);
		ck_assert_int_eq(munmap(v3, HEAP_SZ), 0);
	}

	/* 512 MiB at most, in multiples of 64 MiB */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ + 4096,
				   NULL), -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, 2 * HEAP_SZ,
				   &chunks[0]), 0);
	for (i = 1; i < 4; i++)
		ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ,
					   &chunks[i]), 0);
	ck_assert_uint_eq(census().heap_bytes, 512 * MiB);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, NULL),
			 -ENOSPC);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 512 * MiB + 4096, NULL),
			 -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 0, NULL), -EINVAL);

	/* the heap chunks live until the file is released */
	ck_assert_int_eq(gem_close(fd, heap), 0);
	ck_assert_uint_eq(census().heap_bytes, 512 * MiB);
	h = a.handle;
	ck_assert_int_eq(gem_close(fd, h), 0);
	ck_assert_int_eq(munmap(va, 2 * HEAP_SZ), 0);
	close(fd);
}
END_TEST

START_TEST(test_heap_614)
{
	uint32_t heap, h;
	uint8_t *va;
	int fd;

	setenv("XDNA_EMU_FLAVOUR", "6.14", 1);
	fd = dev_open();
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ + 4096,
				   NULL), -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, 16 * MiB, &heap),
			 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, 16 * MiB, NULL),
			 -EBUSY);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), -EINVAL);
	{
		struct amdxdna_drm_get_bo_info info;

		ck_assert_int_eq(bo_info(fd, heap, &info), 0);
		va = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, (off_t)info.map_offset);
		ck_assert_ptr_ne(va, MAP_FAILED);
	}
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 16 * MiB + 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 8 * MiB, &h), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 8 * MiB, NULL), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), -ENOSPC);
	ck_assert_int_eq(gem_close(fd, h), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV, 4096, NULL), 0);
	ck_assert_int_eq(munmap(va, 16 * MiB), 0);
	close(fd);
}
END_TEST

/* ---- hardware contexts ---- */

START_TEST(test_hwctx_rules)
{
	struct amdxdna_qos_info qos = { 0 };
	struct amdxdna_drm_create_hwctx cargs;
	struct amdxdna_drm_destroy_hwctx dargs;
	struct amdxdna_drm_config_hwctx cfg;
	uint32_t heap, ctx, ctx2, sync, sync2;
	uint8_t *va;
	uint64_t point = 0;
	struct bo pdi, share, cmd;
	int fd = dev_open();

	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), -ENOENT);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_DEV_HEAP, HEAP_SZ, &heap), 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx, &sync), -EAGAIN);
	{
		struct amdxdna_drm_get_bo_info info;

		ck_assert_int_eq(bo_info(fd, heap, &info), 0);
		va = mmap(NULL, HEAP_SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, (off_t)info.map_offset);
		ck_assert_ptr_ne(va, MAP_FAILED);
	}

	memset(&cargs, 0, sizeof(cargs));
	cargs.qos_p = (uintptr_t)&qos;
	cargs.num_tiles = 4;
	cargs.ext = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.ext = 0;
	cargs.ext_flags = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.ext_flags = 0;
	cargs.qos_p = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EFAULT);
	cargs.qos_p = (uintptr_t)&qos;
	qos.priority = 0x123;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	qos.priority = AMDXDNA_QOS_HIGH_PRIORITY;
	cargs.num_tiles = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.num_tiles = 3;	/* less than one column */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.num_tiles = 36;	/* nine columns */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs),
			 -EINVAL);
	cargs.num_tiles = 32;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &cargs), 0);
	ctx = cargs.handle;
	sync = cargs.syncobj_handle;
	ck_assert_uint_ge(ctx, 1);
	ck_assert_uint_ge(sync, 1);
	/* the syncobj is real, in this file's namespace, and a timeline */
	ck_assert_int_eq(drmSyncobjQuery(fd, &sync, &point, 1), 0);
	ck_assert_uint_eq(point, 0);
	ck_assert_int_eq(ctx_create(fd, 4, &ctx2, &sync2), 0);
	ck_assert_uint_gt(ctx2, ctx);
	ck_assert_uint_ne(sync2, sync);
	ck_assert_uint_eq(census().hwctxs, 2);

	/* CONFIG_HWCTX */
	pdi = dev_bo_new(fd, 4096);
	write_pdi(pdi.va, "copy");	/* valid: only the rule under test fails */
	share = bo_new(fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(fd, AMDXDNA_BO_CMD, 4096);
	memset(&cfg, 0, sizeof(cfg));
	cfg.handle = ctx;
	cfg.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU;
	cfg.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -EINVAL);
	cfg.pad = 0;
	cfg.param_type = 7;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -EINVAL);
	cfg.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU;
	cfg.param_val_size = 4097;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -E2BIG);
	cfg.param_type = DRM_AMDXDNA_HWCTX_ASSIGN_DBG_BUF;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, &cfg),
			 -EOPNOTSUPP);
	{
		union cu_cfg c;

		memset(&c, 0, sizeof(c));
		c.hdr.cu_configs[0].cu_bo = pdi.handle;
		cfg.param_type = DRM_AMDXDNA_HWCTX_CONFIG_CU;
		cfg.param_val = (uintptr_t)&c;
		cfg.param_val_size = sizeof(c);
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* num_cus 0 */
		c.hdr.num_cus = 1;
		c.hdr.pad[1] = 1;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* pad */
		c.hdr.pad[1] = 0;
		c.hdr.num_cus = 2;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* size */
		c.hdr.num_cus = 1;
		cfg.handle = 200;
		ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_CONFIG_HWCTX,
					&cfg), -EINVAL);	/* no ctx */
		cfg.handle = ctx;
	}
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 1), -EINVAL);
	ck_assert_int_eq(config_cu(fd, ctx, 99, 0), -EINVAL);
	ck_assert_int_eq(config_cu(fd, ctx, share.handle, 0), -EINVAL);
	memcpy(pdi.va, "NOT-A-PDI", 10);
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), -EINVAL);
	write_pdi(pdi.va, "no-such-kernel");
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), -EINVAL);

	/* EXEC before CONFIG_CU */
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	ck_assert_int_eq(exec_cmd(fd, ctx, cmd.handle, NULL, 0, NULL), -EINVAL);

	write_pdi(pdi.va, "copy");
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), 0);
	ck_assert_int_eq(config_cu(fd, ctx, pdi.handle, 0), -EINVAL);

	/* DESTROY_HWCTX */
	memset(&dargs, 0, sizeof(dargs));
	dargs.handle = ctx;
	dargs.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX, &dargs),
			 -EINVAL);
	ck_assert_int_eq(ctx_destroy(fd, 250), -EINVAL);
	ck_assert_int_eq(ctx_destroy(fd, ctx), 0);
	ck_assert_int_eq(ctx_destroy(fd, ctx), -EINVAL);
	/* the syncobj handle stays with the file */
	ck_assert_int_eq(drmSyncobjQuery(fd, &sync, &point, 1), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sync), 0);

	bo_free(fd, &share);
	bo_free(fd, &cmd);
	ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
	/* ctx2, pdi, heap and sync2 go with the file */
	close(fd);
}
END_TEST

/* ---- command execution ---- */

START_TEST(test_exec_copy)
{
	struct amdxdna_drm_exec_cmd args;
	struct dev d;
	struct bo src, dst, cmd, notcmd, dsrc, ddst;
	uint32_t bos[2], a[5];
	uint64_t seq, submitted;
	unsigned int i;

	dev_up(&d, "copy");
	submitted = census().cmds_submitted;
	src = bo_new(d.fd, AMDXDNA_BO_SHARE, 8192);
	dst = bo_new(d.fd, AMDXDNA_BO_SHARE, 8192);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	notcmd = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	for (i = 0; i < 8192; i++)
		src.va[i] = (uint8_t)(i * 7);
	bos[0] = src.handle;
	bos[1] = dst.handle;

	/* argument checks */
	copy_args(a, src.xdna, dst.xdna, 8192);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	memset(&args, 0, sizeof(args));
	args.hwctx = d.ctx;
	args.cmd_handles = cmd.handle;
	args.args = (uintptr_t)bos;
	args.cmd_count = 1;
	args.arg_count = 2;
	args.ext = 1;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.ext = 0;
	args.type = AMDXDNA_CMD_SUBMIT_DEPENDENCY;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.type = AMDXDNA_CMD_SUBMIT_EXEC_BUF;
	args.cmd_count = 2;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.cmd_count = 1;
	args.arg_count = 4096;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_EXEC_CMD, &args),
			 -EINVAL);
	args.arg_count = 2;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, notcmd.handle, bos, 2, NULL),
			 -EINVAL);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, 99, bos, 2, NULL), -EINVAL);
	bos[1] = 99;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, NULL),
			 -ENOENT);
	bos[1] = dst.handle;
	ck_assert_int_eq(exec_cmd(d.fd, 77, cmd.handle, bos, 2, NULL), -EINVAL);
	ck_assert_uint_eq(census().cmds_submitted, submitted);

	/* the real thing: seq 1, 2, ... and correct output */
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_uint_eq(seq, 1);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_int_eq(memcmp(src.va, dst.va, 8192), 0);
	{
		/* upstream has no WAIT_CMD handler, even for a valid seq */
		struct amdxdna_drm_wait_cmd w = { .hwctx = d.ctx, .seq = seq };

		ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w),
				 -EINVAL);
	}

	memset(dst.va, 0, 8192);
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna + 100, dst.xdna + 8,
				   1000, bos, 2), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_int_eq(memcmp(src.va + 100, dst.va + 8, 1000), 0);
	ck_assert_uint_eq(dst.va[0], 0);

	/* the NPU reaches only the argument BOs */
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna, dst.xdna, 16, bos, 1),
			  XDNA_ERT_CMD_STATE_ERROR);
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna, dst.xdna, 8193, bos, 2),
			  XDNA_ERT_CMD_STATE_ERROR);
	/* a CU the context does not have */
	copy_args(a, src.xdna, dst.xdna, 16);
	cmd_start_cu((uint32_t *)cmd.va, 2, a, 5);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
	ck_assert_uint_eq(seq, 5);

	/* DEV BOs by device address */
	dsrc = dev_bo_new(d.fd, 4096);
	ddst = dev_bo_new(d.fd, 4096);
	strcpy((char *)dsrc.va, "through the heap");
	bos[0] = dsrc.handle;
	bos[1] = ddst.handle;
	ck_assert_uint_eq(run_copy(&d, &cmd, dsrc.xdna, ddst.xdna, 17, bos, 2),
			  XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_str_eq((char *)ddst.va, "through the heap");

	/* an unmapped SHARE BO has no device address */
	bos[0] = src.handle;
	bos[1] = dst.handle;
	ck_assert_int_eq(munmap(src.va, 8192), 0);
	ck_assert_uint_eq(run_copy(&d, &cmd, src.xdna, dst.xdna, 16, bos, 2),
			  XDNA_ERT_CMD_STATE_ERROR);

	ck_assert_int_eq(gem_close(d.fd, src.handle), 0);
	bo_free(d.fd, &dst);
	bo_free(d.fd, &cmd);
	bo_free(d.fd, &notcmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_exec_scale_add)
{
	struct dev d;
	struct bo x, y, out, cmd;
	uint32_t bos[3], a[8];
	float alpha = 2.5f, *px, *py, *po;
	uint64_t seq;
	unsigned int i, n = 1000;

	dev_up(&d, "scale_add");
	x = bo_new(d.fd, AMDXDNA_BO_SHARE, n * 4);
	y = bo_new(d.fd, AMDXDNA_BO_SHARE, n * 4);
	out = bo_new(d.fd, AMDXDNA_BO_SHARE, n * 4);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	px = (float *)x.va;
	py = (float *)y.va;
	po = (float *)out.va;
	for (i = 0; i < n; i++) {
		px[i] = (float)i;
		py[i] = 1000.0f - (float)i;
	}
	a[0] = (uint32_t)x.xdna;
	a[1] = (uint32_t)(x.xdna >> 32);
	a[2] = (uint32_t)y.xdna;
	a[3] = (uint32_t)(y.xdna >> 32);
	a[4] = (uint32_t)out.xdna;
	a[5] = (uint32_t)(out.xdna >> 32);
	a[6] = n;
	memcpy(&a[7], &alpha, 4);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 8);
	bos[0] = x.handle;
	bos[1] = y.handle;
	bos[2] = out.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	for (i = 0; i < n; i++)
		ck_assert_float_eq(po[i], alpha * (float)i + 1000.0f - (float)i);

	/* too few arguments */
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 7);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);

	bo_free(d.fd, &x);
	bo_free(d.fd, &y);
	bo_free(d.fd, &out);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_exec_start_npu)
{
	struct dev d;
	struct bo src, dst, inst, cmd;
	uint32_t bos[3], *c;
	uint64_t seq;

	dev_up(&d, "copy");
	src = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	dst = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	inst = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	strcpy((char *)src.va, "npu");
	c = (uint32_t *)cmd.va;
	/* header, CU mask, instr addr lo/hi, size, 1 property, 5 args */
	c[0] = XDNA_ERT_CMD_STATE_NEW | ((1 + 4 + 1 + 5) << XDNA_ERT_COUNT_SHIFT) |
	       (XDNA_ERT_START_NPU << XDNA_ERT_OPCODE_SHIFT);
	c[1] = 1;
	c[2] = (uint32_t)inst.xdna;
	c[3] = (uint32_t)(inst.xdna >> 32);
	c[4] = 256;
	c[5] = 1;
	c[6] = 0xdeadbeef;
	copy_args(&c[7], src.xdna, dst.xdna, 4);
	bos[0] = src.handle;
	bos[1] = dst.handle;
	bos[2] = inst.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	ck_assert_str_eq((char *)dst.va, "npu");
	/* the instruction buffer must be reachable too */
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 2, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);
	/* an opcode the emulator does not run */
	c[0] = XDNA_ERT_CMD_STATE_NEW | (2 << XDNA_ERT_COUNT_SHIFT) |
	       (XDNA_ERT_CMD_CHAIN << XDNA_ERT_OPCODE_SHIFT);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 3, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_ERROR);

	bo_free(d.fd, &src);
	bo_free(d.fd, &dst);
	bo_free(d.fd, &inst);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

START_TEST(test_exec_delay)
{
	struct dev d;
	struct bo b, cmd;
	uint32_t a[5], bos[1];
	uint64_t seq;

	setenv("XDNA_EMU_DELAY_US", "300000", 1);
	dev_up(&d, "copy");
	b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	copy_args(a, b.xdna, b.xdna + 2048, 16);
	cmd_start_cu((uint32_t *)cmd.va, 1, a, 5);
	bos[0] = b.handle;
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, bos, 1, &seq), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 50), -ETIME);
	ck_assert_uint_eq(census().cmds_inflight, 1);
	ck_assert_int_eq(wait_point(d.fd, d.sync, seq, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd), XDNA_ERT_CMD_STATE_COMPLETED);
	bo_free(d.fd, &b);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

/* A kernel the test controls: blocks until released. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;

static int gate_kernel(const struct xdna_emu_kcall *call)
{
	(void)call;
	pthread_mutex_lock(&gate_lock);
	gate_entered++;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_open--;
	pthread_mutex_unlock(&gate_lock);
	return 0;
}

struct exec_thread {
	struct dev *d;
	uint32_t cmd;
	int ret;
	uint64_t seq;
	int done;
};

static void *exec_thread_fn(void *arg)
{
	struct exec_thread *t = arg;

	t->ret = exec_cmd(t->d->fd, t->d->ctx, t->cmd, NULL, 0, &t->seq);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_inflight_limit)
{
	struct exec_thread t = { 0 };
	struct dev d;
	struct bo cmd[5];
	pthread_t th;
	uint64_t seq;
	unsigned int i;

	ck_assert_int_eq(xdna_emu_try_register_kernel("gate", gate_kernel), 0);
	gate_open = 0;
	gate_entered = 0;
	dev_up(&d, "gate");
	for (i = 0; i < 5; i++) {
		uint32_t dummy = 0;

		cmd[i] = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
		cmd_start_cu((uint32_t *)cmd[i].va, 1, &dummy, 1);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd[i].handle, NULL, 0,
					  &seq), 0);
		ck_assert_uint_eq(seq, i + 1);
	}
	ck_assert_uint_eq(census().cmds_inflight, 4);

	/* the fifth blocks until a slot frees */
	t.d = &d;
	t.cmd = cmd[4].handle;
	ck_assert_int_eq(pthread_create(&th, NULL, exec_thread_fn, &t), 0);
	usleep(100 * 1000);
	ck_assert_int_eq(__atomic_load_n(&t.done, __ATOMIC_ACQUIRE), 0);
	ck_assert_int_eq(wait_point(d.fd, d.sync, 1, 20), -ETIME);

	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(t.ret, 0);
	ck_assert_uint_eq(t.seq, 5);
	ck_assert_int_eq(wait_point(d.fd, d.sync, 1, 5000), 0);
	ck_assert_uint_eq(cmd_state(&cmd[0]), XDNA_ERT_CMD_STATE_COMPLETED);

	pthread_mutex_lock(&gate_lock);
	gate_open = 4;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	ck_assert_int_eq(wait_point(d.fd, d.sync, 5, 5000), 0);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(cmd_state(&cmd[i]),
				  XDNA_ERT_CMD_STATE_COMPLETED);
		bo_free(d.fd, &cmd[i]);
	}
	dev_down(&d);
	ck_assert_int_eq(xdna_emu_try_register_kernel("gate", NULL), 0);
}
END_TEST

START_TEST(test_destroy_aborts)
{
	struct exec_thread t = { 0 };
	struct dev d;
	struct bo cmd[5];
	uint64_t seq, points[4] = { 1, 2, 3, 4 };
	uint32_t syncs[4];
	pthread_t th;
	unsigned int i;

	ck_assert_int_eq(xdna_emu_try_fail_set("stall:1"), 0);
	dev_up(&d, "copy");
	for (i = 0; i < 5; i++) {
		cmd[i] = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
		cmd_start_cu((uint32_t *)cmd[i].va, 1, NULL, 0);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd[i].handle, NULL, 0,
					  &seq), 0);
	/* the stalled first command holds up the timeline */
	ck_assert_int_eq(wait_point(d.fd, d.sync, 1, 30), -ETIME);
	ck_assert_uint_eq(census().cmds_inflight, 4);
	t.d = &d;
	t.cmd = cmd[4].handle;
	ck_assert_int_eq(pthread_create(&th, NULL, exec_thread_fn, &t), 0);
	usleep(50 * 1000);
	ck_assert_int_eq(__atomic_load_n(&t.done, __ATOMIC_ACQUIRE), 0);

	/* destroying the context aborts everything and frees the waiter */
	ck_assert_int_eq(ctx_destroy(d.fd, d.ctx), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(t.ret, -EINVAL);
	ck_assert_uint_eq(census().cmds_inflight, 0);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(cmd_state(&cmd[i]), XDNA_ERT_CMD_STATE_ABORT);
		syncs[i] = d.sync;
	}
	ck_assert_int_eq(drmSyncobjTimelineWait(d.fd, syncs, points, 4,
						now_ns() + 1000000000LL,
						DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
						NULL), 0);
	for (i = 0; i < 5; i++)
		bo_free(d.fd, &cmd[i]);
	/* dev_down without the context */
	ck_assert_int_eq(drmSyncobjDestroy(d.fd, d.sync), 0);
	ck_assert_int_eq(gem_close(d.fd, d.pdi.handle), 0);
	ck_assert_int_eq(munmap(d.heap_va, HEAP_SZ), 0);
	ck_assert_int_eq(close(d.fd), 0);
}
END_TEST

START_TEST(test_close_releases_everything)
{
	struct dev d;
	struct bo cmd, b;
	uint32_t s;
	uint64_t seq;
	int pfd;

	ck_assert_int_eq(xdna_emu_try_fail_set("stall:2"), 0);
	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	b = bo_new(d.fd, AMDXDNA_BO_SHARE, 4096);
	ck_assert_int_eq(drmSyncobjCreate(d.fd, 0, &s), 0);
	ck_assert_int_eq(drmPrimeHandleToFD(d.fd, b.handle, DRM_RDWR, &pfd), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	ck_assert_int_eq(munmap(cmd.va, 4096), 0);
	ck_assert_int_eq(munmap(b.va, 4096), 0);
	ck_assert_int_eq(munmap(d.heap_va, HEAP_SZ), 0);
	ck_assert_int_eq(close(d.fd), 0);
	/* file, context (stalled command aborted), BOs, syncobjs: gone */
	ck_assert_uint_eq(census().open_files, 0);
	ck_assert_uint_eq(census().live_bos, 0);
	ck_assert_uint_eq(census().hwctxs, 0);
	ck_assert_int_eq(close(pfd), 0);
}
END_TEST

struct worker_arg {
	int fd;
	int errors;
};

static void *copy_worker(void *arg)
{
	struct worker_arg *w = arg;
	struct bo pdi, src, dst, cmd;
	uint32_t ctx, sync, bos[2];
	unsigned int i;

	if (ctx_create(w->fd, 4, &ctx, &sync)) {
		w->errors++;
		return NULL;
	}
	pdi = dev_bo_new(w->fd, 4096);
	write_pdi(pdi.va, "copy");
	if (config_cu(w->fd, ctx, pdi.handle, 0))
		w->errors++;
	src = bo_new(w->fd, AMDXDNA_BO_SHARE, 4096);
	dst = bo_new(w->fd, AMDXDNA_BO_SHARE, 4096);
	cmd = bo_new(w->fd, AMDXDNA_BO_CMD, 4096);
	bos[0] = src.handle;
	bos[1] = dst.handle;
	for (i = 0; i < 20; i++) {
		struct dev d = { .fd = w->fd, .ctx = ctx, .sync = sync };

		memset(src.va, (int)i, 4096);
		if (run_copy(&d, &cmd, src.xdna, dst.xdna, 4096, bos, 2) !=
		    XDNA_ERT_CMD_STATE_COMPLETED || dst.va[4095] != (uint8_t)i)
			w->errors++;
	}
	bo_free(w->fd, &src);
	bo_free(w->fd, &dst);
	bo_free(w->fd, &cmd);
	gem_close(w->fd, pdi.handle);
	ctx_destroy(w->fd, ctx);
	drmSyncobjDestroy(w->fd, sync);
	return NULL;
}

START_TEST(test_threads)
{
	struct worker_arg w[4];
	pthread_t th[4];
	uint32_t heap;
	uint8_t *va;
	uint64_t completed = census().cmds_completed;
	int fd = dev_open();
	unsigned int i;

	ck_assert_int_eq(heap_up(fd, &heap, &va), 0);
	for (i = 0; i < 4; i++) {
		w[i].fd = fd;
		w[i].errors = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, copy_worker,
						&w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_int_eq(w[i].errors, 0);
	}
	ck_assert_uint_eq(census().cmds_completed - completed, 80);
	ck_assert_int_eq(munmap(va, HEAP_SZ), 0);
	close(fd);
}
END_TEST

START_TEST(test_wait_cmd_oot)
{
	struct amdxdna_drm_wait_cmd w = { 0 };
	struct dev d;
	struct bo cmd;
	uint64_t seq;

	setenv("XDNA_EMU_FLAVOUR", "oot", 1);
	ck_assert_int_eq(xdna_emu_try_fail_set("stall:2"), 0);
	dev_up(&d, "copy");
	cmd = bo_new(d.fd, AMDXDNA_BO_CMD, 4096);
	cmd_start_cu((uint32_t *)cmd.va, 1, NULL, 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	w.hwctx = d.ctx;
	w.seq = seq;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), 0);
	ck_assert_int_eq(exec_cmd(d.fd, d.ctx, cmd.handle, NULL, 0, &seq), 0);
	w.seq = seq;
	w.timeout = 20;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), -ETIME);
	w.seq = seq + 1;
	ck_assert_int_eq(xioctl(d.fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &w), -EINVAL);
	bo_free(d.fd, &cmd);
	dev_down(&d);
}
END_TEST

/* ---- syncobjs ---- */

START_TEST(test_syncobj)
{
	struct drm_syncobj_create cr = { 0 };
	struct drm_syncobj_destroy de = { 0 };
	struct drm_syncobj_wait wa = { 0 };
	struct drm_syncobj_timeline_array ta = { 0 };
	struct drm_syncobj_array ar = { 0 };
	struct rusage r0, r1;
	uint32_t s, s2, sig, first = 99, bad = 77;
	uint64_t p, pts[2];
	int64_t t0, cpu;
	int fd = dev_open();

	cr.flags = 2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &cr), -EINVAL);
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &s), 0);
	ck_assert_int_eq(drmSyncobjCreate(fd, DRM_SYNCOBJ_CREATE_SIGNALED,
					  &sig), 0);
	ck_assert_uint_eq(census().syncobjs, 2);
	de.handle = 99;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &de), -EINVAL);
	de.handle = s;
	de.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &de), -EINVAL);

	/* binary waits */
	wa.handles = (uintptr_t)&s;
	wa.count_handles = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -EINVAL);
	wa.count_handles = 1;
	wa.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;	/* not here */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -EINVAL);
	wa.flags = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -EINVAL);
	wa.handles = (uintptr_t)&bad;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wa), -ENOENT);
	ck_assert_int_eq(drmSyncobjWait(fd, &sig, 1, 0, 0, &first), 0);
	ck_assert_uint_eq(first, 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, now_ns() + 20000000LL,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	{
		uint32_t both[2] = { s, sig };

		ck_assert_int_eq(drmSyncobjWait(fd, both, 2, 0,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, &first),
				 0);
		ck_assert_uint_eq(first, 1);
		ck_assert_int_eq(drmSyncobjWait(fd, both, 2, 0,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL), -ETIME);
	}
	ck_assert_int_eq(drmSyncobjSignal(fd, &s, 1), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(drmSyncobjReset(fd, &s, 1), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, 0, 0, NULL), -EINVAL);
	ar.handles = (uintptr_t)&s;
	ar.count_handles = 1;
	ar.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &ar), -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &ar), -EINVAL);

	/* timelines */
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &s2), 0);
	p = 5;
	ck_assert_int_eq(drmSyncobjTimelineSignal(fd, &s2, &p, 1), 0);
	p = 3;
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0, 0, NULL), 0);
	p = 6;
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0, 0, NULL),
			 -EINVAL);
	t0 = now_ns();
	getrusage(RUSAGE_SELF, &r0);
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1,
				now_ns() + 200000000LL,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 -ETIME);
	getrusage(RUSAGE_SELF, &r1);
	ck_assert_int_ge(now_ns() - t0, 190000000LL);
	cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000LL +
	      (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
	      (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000LL +
	      (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
	ck_assert_int_lt(cpu, 100000);		/* blocked, not spinning */
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, NULL),
			 -ETIME);
	ck_assert_int_eq(drmSyncobjQuery(fd, &s2, &p, 1), 0);
	ck_assert_uint_eq(p, 5);
	ck_assert_int_eq(drmSyncobjQuery2(fd, &s2, &p, 1,
				DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 0);
	ck_assert_uint_eq(p, 5);
	ta.handles = (uintptr_t)&s2;
	ta.points = (uintptr_t)pts;
	ta.count_handles = 1;
	ta.flags = 2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EINVAL);
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta),
			 -EINVAL);
	ta.flags = 0;
	ta.count_handles = 0;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &ta), -EINVAL);

	/* transfer: timeline point -> binary, binary -> timeline point */
	ck_assert_int_eq(drmSyncobjTransfer(fd, s, 0, s2, 4, 0), 0);
	ck_assert_int_eq(drmSyncobjWait(fd, &s, 1, 0, 0, NULL), 0);
	ck_assert_int_eq(drmSyncobjTransfer(fd, s2, 9, sig, 0, 0), 0);
	p = 9;
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &s2, &p, 1, 0, 0, NULL), 0);
	ck_assert_int_ne(drmSyncobjTransfer(fd, s, 0, s2, 20, 0), 0);
	ck_assert_int_ne(drmSyncobjTransfer(fd, 99, 0, s2, 1, 0), 0);

	ck_assert_int_eq(drmSyncobjDestroy(fd, s), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, s2), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sig), 0);
	ck_assert_uint_eq(census().syncobjs, 0);
	close(fd);
}
END_TEST

struct signaler {
	int fd;
	uint32_t s;
};

static void *signal_later(void *arg)
{
	struct signaler *sg = arg;
	uint64_t p = 2;

	usleep(50 * 1000);
	drmSyncobjTimelineSignal(sg->fd, &sg->s, &p, 1);
	return NULL;
}

START_TEST(test_syncobj_wait_wakes)
{
	struct signaler sg;
	pthread_t th;
	uint64_t p = 2;
	int fd = dev_open();

	sg.fd = fd;
	ck_assert_int_eq(drmSyncobjCreate(fd, 0, &sg.s), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, signal_later, &sg), 0);
	ck_assert_int_eq(drmSyncobjTimelineWait(fd, &sg.s, &p, 1,
				now_ns() + 5000000000LL,
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
			 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(drmSyncobjDestroy(fd, sg.s), 0);
	close(fd);
}
END_TEST

/* ---- fault injection and hooks ---- */

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

	/* unregistered: the "firmware" rejects the PDI */
	ck_assert_int_eq(xdna_emu_try_register_kernel("xor", NULL), 0);
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

/* ---- queries ---- */

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

/* ---- main ---- */

TCase *emu_devshm_tcase(void);	/* tests/emu_devshm_test.c */

static Suite *emu_suite(void)
{
	const struct {
		const char *name;
		const TTest *test;
	} tests[] = {
		{ "banner", test_banner },
		{ "fail_env", test_fail_env },
		{ "stat_access", test_stat_access },
		{ "readdir", test_readdir },
		{ "files_and_dup", test_files_and_dup },
		{ "version", test_version },
		{ "unknown_ioctls", test_unknown_ioctls },
		{ "create_bo_rules", test_create_bo_rules },
		{ "mmap_rules_618", test_mmap_rules_618 },
		{ "mmap_rules_614", test_mmap_rules_614 },
		{ "mmap_fixed", test_mmap_fixed_replaces },
		{ "prime", test_prime },
		{ "prime_other_process", test_prime_other_process },
		{ "heap_618", test_heap_618 },
		{ "heap_614", test_heap_614 },
		{ "hwctx_rules", test_hwctx_rules },
		{ "exec_copy", test_exec_copy },
		{ "exec_scale_add", test_exec_scale_add },
		{ "exec_start_npu", test_exec_start_npu },
		{ "exec_delay", test_exec_delay },
		{ "inflight_limit", test_inflight_limit },
		{ "destroy_aborts", test_destroy_aborts },
		{ "close_releases", test_close_releases_everything },
		{ "threads", test_threads },
		{ "wait_cmd_oot", test_wait_cmd_oot },
		{ "syncobj", test_syncobj },
		{ "syncobj_wait_wakes", test_syncobj_wait_wakes },
		{ "fault_injection", test_fault_injection },
		{ "register_kernel", test_register_kernel },
		{ "queries", test_queries },
	};
	Suite *s = suite_create("xdna-emu");
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, tests[i].test);
		suite_add_tcase(s, tc);
	}
	suite_add_tcase(s, emu_devshm_tcase());
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc > 1 && !strcmp(argv[1], "--banner-child"))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "--fail-child"))
		return fail_child();
	self_exe = realpath("/proc/self/exe", NULL);
	if (!xdna_emu_present()) {
		fprintf(stderr, "check_emu: run with LD_PRELOAD=libxdna-emu.so\n");
		free(self_exe);
		return 1;
	}
	sr = srunner_create(emu_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(self_exe);
	return failed ? 1 : 0;
}
