// SPDX-License-Identifier: MIT
/*
 * xdna-emu: libc interposition.
 *
 * Everything a program (or libdrm) does with /dev/accel/accel0 goes through
 * a handful of libc entry points.  Each interposer here checks cheaply
 * whether the call concerns the emulated device (a fake path, a tracked fd
 * or a fake DIR stream) and otherwise forwards to the next definition
 * (libc, or a sanitizer's interceptor), found lazily with dlsym(RTLD_NEXT)
 * like Mesa's drm-shim does.  While dlsym runs (it may allocate, and a
 * sanitizer may call back in), the hot entry points fall back to raw
 * syscalls instead of recursing.
 *
 * This file is built without sanitizer instrumentation (see emu.mk):
 * sanitizer runtimes call mmap() & co. through the PLT while they
 * initialise, i.e. into these interposers, before instrumented code may
 * run.  So the fast paths use only state defined here.
 *
 * The fake filesystem (the nodes, stat, access, directory streams) is in
 * emu_libc_fs.c, under the same rules.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu.h"

#define EMU_TLS __thread __attribute__((tls_model("initial-exec")))

/* glibc < 2.33 entry points, still exported for old binaries. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static EMU_TLS int emu_resolving;

void *emu_resolve(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (p || emu_resolving)
		return p;
	emu_resolving = 1;
	p = dlsym(RTLD_NEXT, name);
	emu_resolving = 0;
	if (p)
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}

REAL_SLOT(open);
REAL_SLOT(open64);
REAL_SLOT(openat);
REAL_SLOT(openat64);
REAL_SLOT(__open_2);
REAL_SLOT(__open64_2);
REAL_SLOT(__openat_2);
REAL_SLOT(__openat64_2);
REAL_SLOT(close);
REAL_SLOT(dup);
REAL_SLOT(dup2);
REAL_SLOT(dup3);
REAL_SLOT(fcntl);
REAL_SLOT(fcntl64);
REAL_SLOT(ioctl);
REAL_SLOT(mmap);
REAL_SLOT(mmap64);
REAL_SLOT(munmap);
REAL_SLOT(fstat);
REAL_SLOT(fopen);
REAL_SLOT(fopen64);

/* ---- lock-free fast-path state ---- */

static unsigned char emu_fd_kinds[EMU_MAX_FD];	/* fd -> EMU_FD_* */
static long emu_nmaps;				/* tracked mappings */

int emu_fd_kind(int fd)
{
	if (fd < 0 || fd >= EMU_MAX_FD)
		return EMU_FD_NONE;
	return __atomic_load_n(&emu_fd_kinds[fd], __ATOMIC_ACQUIRE);
}

void emu_fd_kind_set(int fd, int kind)
{
	__atomic_store_n(&emu_fd_kinds[fd], (unsigned char)kind,
			 __ATOMIC_RELEASE);
}

bool emu_maps_any(void)
{
	return __atomic_load_n(&emu_nmaps, __ATOMIC_ACQUIRE) != 0;
}

void emu_maps_count(int delta)
{
	__atomic_add_fetch(&emu_nmaps, delta, __ATOMIC_RELEASE);
}

/* ---- raw entry points for the emulator itself ---- */

int emu_sys_open(const char *path, int flags, mode_t mode)
{
	__typeof__(&open) fn = REAL(open);

	if (!fn)
		return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
	return fn(path, flags, mode);
}

int emu_sys_close(int fd)
{
	__typeof__(&close) fn = REAL(close);

	if (!fn)
		return (int)syscall(SYS_close, fd);
	return fn(fd);
}

void *emu_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		   off_t off)
{
	__typeof__(&mmap) fn = REAL(mmap);

	if (!fn)
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd,
				       off);
	return fn(addr, len, prot, flags, fd, off);
}

int emu_sys_munmap(void *addr, size_t len)
{
	__typeof__(&munmap) fn = REAL(munmap);

	if (!fn)
		return (int)syscall(SYS_munmap, addr, len);
	return fn(addr, len);
}

int emu_sys_fstat(int fd, struct stat *st)
{
	__typeof__(&fstat) fn = REAL(fstat);

	if (!fn)
		return (int)syscall(SYS_fstat, fd, st);
	return fn(fd, st);
}

int emu_sys_ioctl(int fd, unsigned long req, void *arg)
{
	__typeof__(&ioctl) fn = REAL(ioctl);

	if (!fn)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	return fn(fd, req, arg);
}

int emu_sys_dupfd(int fd, bool cloexec)
{
	__typeof__(&fcntl) fn = REAL(fcntl);
	int cmd = cloexec ? F_DUPFD_CLOEXEC : F_DUPFD;

	if (!fn)
		return (int)syscall(SYS_fcntl, fd, cmd, 0);
	return fn(fd, cmd, 0);
}

static mode_t emu_va_mode(int flags, va_list ap)
{
	if (flags & (O_CREAT | __O_TMPFILE))
		return (mode_t)va_arg(ap, int);
	return 0;
}

/* ---- open ---- */

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int ret;

	va_start(ap, flags);
	mode = emu_va_mode(flags, ap);
	va_end(ap);
	if (emu_open_path(path, flags, &ret))
		return ret;
	return emu_sys_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	__typeof__(&open64) fn;
	va_list ap;
	mode_t mode;
	int ret;

	va_start(ap, flags);
	mode = emu_va_mode(flags, ap);
	va_end(ap);
	if (emu_open_path(path, flags, &ret))
		return ret;
	fn = REAL(open64);
	if (!fn)
		return emu_sys_open(path, flags | O_LARGEFILE, mode);
	return fn(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	__typeof__(&openat) fn;
	va_list ap;
	mode_t mode;
	int ret;

	va_start(ap, flags);
	mode = emu_va_mode(flags, ap);
	va_end(ap);
	if (emu_open_path(path, flags, &ret))
		return ret;
	fn = REAL(openat);
	if (!fn)
		return (int)syscall(SYS_openat, dirfd, path, flags, mode);
	return fn(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	__typeof__(&openat64) fn;
	va_list ap;
	mode_t mode;
	int ret;

	va_start(ap, flags);
	mode = emu_va_mode(flags, ap);
	va_end(ap);
	if (emu_open_path(path, flags, &ret))
		return ret;
	fn = REAL(openat64);
	if (!fn)
		return (int)syscall(SYS_openat, dirfd, path,
				    flags | O_LARGEFILE, mode);
	return fn(dirfd, path, flags, mode);
}

int __open_2(const char *path, int flags)
{
	int ret;

	if (emu_open_path(path, flags, &ret))
		return ret;
	return REAL(__open_2)(path, flags);
}

int __open64_2(const char *path, int flags)
{
	int ret;

	if (emu_open_path(path, flags, &ret))
		return ret;
	return REAL(__open64_2)(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	int ret;

	if (emu_open_path(path, flags, &ret))
		return ret;
	return REAL(__openat_2)(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
	int ret;

	if (emu_open_path(path, flags, &ret))
		return ret;
	return REAL(__openat64_2)(dirfd, path, flags);
}

static int emu_fopen_flags(const char *mode)
{
	int flags = O_RDONLY;

	if (mode[0] == 'w')
		flags = O_WRONLY | O_CREAT | O_TRUNC;
	else if (mode[0] == 'a')
		flags = O_WRONLY | O_CREAT | O_APPEND;
	if (strchr(mode, '+'))
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	if (strchr(mode, 'e'))
		flags |= O_CLOEXEC;
	if (strchr(mode, 'x'))
		flags |= O_EXCL;
	return flags;
}

static FILE *emu_fopen(const char *path, const char *mode, bool *handled)
{
	FILE *fp;
	int fd;

	*handled = false;
	if (!mode || !emu_open_path(path, emu_fopen_flags(mode), &fd))
		return NULL;
	*handled = true;
	if (fd < 0)
		return NULL;
	fp = fdopen(fd, mode);
	if (!fp) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return fp;
}

FILE *fopen(const char *path, const char *mode)
{
	bool handled;
	FILE *fp = emu_fopen(path, mode, &handled);

	if (handled)
		return fp;
	return REAL(fopen)(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	bool handled;
	FILE *fp = emu_fopen(path, mode, &handled);

	if (handled)
		return fp;
	return REAL(fopen64)(path, mode);
}

/* ---- fd lifetime ---- */

int close(int fd)
{
	int ret;

	if (emu_fd_kind(fd) == EMU_FD_NONE)
		return emu_sys_close(fd);
	emu_lock();
	emu_fd_untrack_locked(fd);
	ret = emu_sys_close(fd);
	emu_unlock();
	return ret;
}

enum emu_dup_how { EMU_DUP, EMU_DUP2, EMU_DUP3, EMU_DUPFD, EMU_DUPFD_CLOEXEC };

static int emu_dup_real(int oldfd, int newfd, enum emu_dup_how how, int flags)
{
	switch (how) {
	case EMU_DUP:
		return REAL(dup)(oldfd);
	case EMU_DUP2:
		return REAL(dup2)(oldfd, newfd);
	case EMU_DUP3:
		return REAL(dup3)(oldfd, newfd, flags);
	case EMU_DUPFD:
		return REAL(fcntl)(oldfd, F_DUPFD, newfd);
	case EMU_DUPFD_CLOEXEC:
		return REAL(fcntl)(oldfd, F_DUPFD_CLOEXEC, newfd);
	}
	errno = EINVAL;
	return -1;
}

/* A dup involving a tracked fd: the new fd shares the old one's file. */
static int emu_dup(int oldfd, int newfd, enum emu_dup_how how, int flags)
{
	bool replaces = how == EMU_DUP2 || how == EMU_DUP3;
	int ret;

	emu_lock();
	ret = emu_dup_real(oldfd, newfd, how, flags);
	if (ret >= 0 && ret != oldfd) {
		if (replaces && emu_fd_kind(ret) != EMU_FD_NONE)
			emu_fd_untrack_locked(ret);
		if (emu_fd_track_dup_locked(oldfd, ret)) {
			emu_sys_close(ret);
			errno = EMFILE;
			ret = -1;
		}
	}
	emu_unlock();
	return ret;
}

int dup(int fd)
{
	if (emu_fd_kind(fd) != EMU_FD_DRM)
		return REAL(dup)(fd);
	return emu_dup(fd, -1, EMU_DUP, 0);
}

int dup2(int oldfd, int newfd)
{
	if (emu_fd_kind(oldfd) != EMU_FD_DRM &&
	    emu_fd_kind(newfd) == EMU_FD_NONE)
		return REAL(dup2)(oldfd, newfd);
	return emu_dup(oldfd, newfd, EMU_DUP2, 0);
}

int dup3(int oldfd, int newfd, int flags)
{
	if (emu_fd_kind(oldfd) != EMU_FD_DRM &&
	    emu_fd_kind(newfd) == EMU_FD_NONE)
		return REAL(dup3)(oldfd, newfd, flags);
	return emu_dup(oldfd, newfd, EMU_DUP3, flags);
}

static int emu_fcntl(int fd, int cmd, void *arg,
		     int (*real)(int, int, ...))
{
	bool dupfd = cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;

	if (dupfd && emu_fd_kind(fd) == EMU_FD_DRM)
		return emu_dup(fd, (int)(intptr_t)arg,
			       cmd == F_DUPFD ? EMU_DUPFD : EMU_DUPFD_CLOEXEC,
			       0);
	if (!real)
		return (int)syscall(SYS_fcntl, fd, cmd, arg);
	return real(fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return emu_fcntl(fd, cmd, arg, REAL(fcntl));
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return emu_fcntl(fd, cmd, arg, REAL(fcntl64));
}

/* ---- ioctl ---- */

static int emu_dmabuf_sync(const void *arg)
{
	const struct dma_buf_sync *sync = arg;

	if (!sync) {
		errno = EFAULT;
		return -1;
	}
	if ((sync->flags & ~(__u64)DMA_BUF_SYNC_VALID_FLAGS_MASK) ||
	    !(sync->flags & DMA_BUF_SYNC_RW)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	switch (emu_fd_kind(fd)) {
	case EMU_FD_DRM:
		return emu_drm_ioctl(fd, req, arg);
	case EMU_FD_EXPORT:
		if (req == DMA_BUF_IOCTL_SYNC)
			return emu_dmabuf_sync(arg);
		break;
	case EMU_FD_SYNC_FILE:
		return emu_sync_file_ioctl(fd, req, arg);
	}
	return emu_sys_ioctl(fd, req, arg);
}

/* ---- mmap ---- */

static void *emu_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off, void *(*real)(void *, size_t, int, int, int,
					       off_t))
{
	void *p;

	if (fd >= 0 && !(flags & MAP_ANONYMOUS) &&
	    emu_fd_kind(fd) == EMU_FD_DRM)
		return emu_bo_mmap(fd, addr, len, prot, flags, off);
	if (real)
		p = real(addr, len, prot, flags, fd, off);
	else
		p = (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_FIXED) && emu_maps_any())
		emu_maps_forget((uintptr_t)p, len);
	return p;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return emu_mmap(addr, len, prot, flags, fd, off, REAL(mmap));
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
	     off64_t off)
{
	return emu_mmap(addr, len, prot, flags, fd, off, REAL(mmap64));
}

int munmap(void *addr, size_t len)
{
	if (emu_maps_any())
		return emu_maps_munmap(addr, len);
	return emu_sys_munmap(addr, len);
}
