// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: what the interposer fakes outside ioctl (the banner, the
 * device paths, stat/access, readdir, open/dup of the DRM fd) and the DRM
 * core ioctls (version, unknown requests).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"

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
int fail_child(void)
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

/* A bad XDNA_EMU_FAIL was ignored: now one line naming it, and no device. */
START_TEST(test_fail_env_bad)
{
	static const char *const bad[] = { "bogus:1", "create_bo", "create_bo:0",
					   "create_bo:+1", "mmap:1x" };
	const char *out;
	int code;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		out = run_self("--fail-child", "1", bad[i], &code);
		ck_assert_int_eq(code, 2);	/* open() failed */
		snprintf(want, sizeof(want), "XDNA_EMU_FAIL=\"%s\"", bad[i]);
		ck_assert_msg(strstr(out, want), "%s: '%s'", bad[i], out);
		ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	}
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
	ck_assert_int_eq(ver->version_minor, 10);	/* latest: driver 0.10 */
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
	/* WAIT_CMD (9): latest has the ioctl, but AIE2 has no cmd_wait */
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_WAIT_CMD, &wait),
			 -EOPNOTSUPP);
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

void emu_add_interpose_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "banner", test_banner },
		{ "fail_env", test_fail_env },
		{ "fail_env_bad", test_fail_env_bad },
		{ "stat_access", test_stat_access },
		{ "readdir", test_readdir },
		{ "files_and_dup", test_files_and_dup },
		{ "version", test_version },
		{ "unknown_ioctls", test_unknown_ioctls },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
