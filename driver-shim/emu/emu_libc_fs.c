// SPDX-License-Identifier: MIT
/*
 * xdna-emu: libc interposition, the fake filesystem.
 *
 * The nodes of /dev/accel and /sys/class/accel the emulated device shows,
 * and the interposers that look at paths rather than fds: the stat family,
 * access, and directory streams (open and fopen, in emu_libc.c, ask
 * emu_open_path() here).  Like emu_libc.c this file is built without
 * sanitizer instrumentation (see emu.mk): sanitizer runtimes may stat or
 * open paths while they initialise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu.h"

_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
	       "stat64 must alias stat on this ABI");
_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64),
	       "dirent64 must alias dirent on this ABI");

/* glibc < 2.33 entry points, still exported for old binaries. */
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstat(int ver, int fd, struct stat *st);
int __fxstat64(int ver, int fd, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags);

REAL_SLOT(stat);
REAL_SLOT(stat64);
REAL_SLOT(lstat);
REAL_SLOT(lstat64);
REAL_SLOT(fstat64);
REAL_SLOT(fstatat);
REAL_SLOT(fstatat64);
REAL_SLOT(statx);
REAL_SLOT(__xstat);
REAL_SLOT(__xstat64);
REAL_SLOT(__lxstat);
REAL_SLOT(__lxstat64);
REAL_SLOT(__fxstat);
REAL_SLOT(__fxstat64);
REAL_SLOT(__fxstatat);
REAL_SLOT(__fxstatat64);
REAL_SLOT(access);
REAL_SLOT(faccessat);
REAL_SLOT(euidaccess);
REAL_SLOT(eaccess);
REAL_SLOT(opendir);
REAL_SLOT(readdir);
REAL_SLOT(readdir64);
REAL_SLOT(closedir);
REAL_SLOT(dirfd);
REAL_SLOT(rewinddir);

/* ---- the fake filesystem nodes ---- */

struct emu_node {
	const char *path;
	mode_t mode;
	const char *data;	/* contents of regular files */
};

static const struct emu_node emu_nodes[] = {
	{ "/dev/accel", S_IFDIR | 0755, NULL },
	{ EMU_DEV_PATH, S_IFCHR | 0666, NULL },
	{ "/sys/class/accel", S_IFDIR | 0755, NULL },
	{ "/sys/class/accel/accel0", S_IFDIR | 0755, NULL },
	{ "/sys/class/accel/accel0/dev", S_IFREG | 0444, "261:0\n" },
	{ "/sys/class/accel/accel0/device", S_IFDIR | 0755, NULL },
	{ "/sys/class/accel/accel0/device/vendor", S_IFREG | 0444,
	  "0x1022\n" },
	/* NULL data: the part's (XDNA_EMU_DEVICE), from emu_sysfs_device() */
	{ "/sys/class/accel/accel0/device/device", S_IFREG | 0444, NULL },
	{ "/sys/class/accel/accel0/device/revision", S_IFREG | 0444, NULL },
	{ "/sys/class/accel/accel0/device/vbnv", S_IFREG | 0444, NULL },
};

#define EMU_NODE_DEV	1	/* index of EMU_DEV_PATH in emu_nodes */

/* Canonicalise an absolute path lexically ("//", ".", "..", trailing /). */
static bool emu_path_norm(const char *in, char *out, size_t size)
{
	size_t len = 0;
	const char *p = in;

	if (!in || in[0] != '/')
		return false;
	while (*p) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > size)
			return false;
		out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
	}
	if (!len)
		out[len++] = '/';
	out[len] = '\0';
	return true;
}

static int emu_node_find(const char *path)
{
	char buf[256];
	size_t i;

	if (!path || path[0] != '/')
		return -1;
	if (strncmp(path, "/dev/", 5) && strncmp(path, "/sys/", 5))
		return -1;
	if (!emu_path_norm(path, buf, sizeof(buf)))
		return -1;
	for (i = 0; i < EMU_ARRAY_SIZE(emu_nodes); i++) {
		if (strcmp(buf, emu_nodes[i].path))
			continue;
		/* "accel0/" is not a directory: let the real call fail */
		if (path[strlen(path) - 1] == '/' &&
		    !S_ISDIR(emu_nodes[i].mode))
			return -1;
		return (int)i;
	}
	return -1;
}

static void emu_node_stat(int idx, struct stat *st)
{
	const struct emu_node *n = &emu_nodes[idx];
	bool sys = !strncmp(n->path, "/sys/", 5);

	memset(st, 0, sizeof(*st));
	st->st_dev = sys ? makedev(0, 21) : makedev(0, 5);
	st->st_ino = 0x58444e00u + (ino_t)idx;
	st->st_mode = n->mode;
	st->st_nlink = S_ISDIR(n->mode) ? 2 : 1;
	if (S_ISCHR(n->mode))
		st->st_rdev = makedev(XDNA_ACCEL_MAJOR, 0);
	if (S_ISREG(n->mode))
		st->st_size = 4096;
	st->st_blksize = 4096;
}

/*
 * The one stat helper.  Returns true and fills *st when (dirfd, path,
 * flags) names an emulated node: one of the fake paths, or with an empty
 * path and AT_EMPTY_PATH (or path NULL, from fstat) a DRM fd.
 */
static bool emu_fake_stat(int dirfd, const char *path, int flags,
			  struct stat *st)
{
	int idx;

	if (!path || (!path[0] && (flags & AT_EMPTY_PATH))) {
		if (emu_fd_kind(dirfd) != EMU_FD_DRM)
			return false;
		idx = EMU_NODE_DEV;
	} else {
		idx = emu_node_find(path);
		if (idx < 0)
			return false;
	}
	emu_node_stat(idx, st);
	return true;
}

static void emu_statx_from_stat(const struct stat *st, struct statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = (uint32_t)st->st_blksize;
	sx->stx_nlink = (uint32_t)st->st_nlink;
	sx->stx_uid = st->st_uid;
	sx->stx_gid = st->st_gid;
	sx->stx_mode = (uint16_t)st->st_mode;
	sx->stx_ino = st->st_ino;
	sx->stx_size = (uint64_t)st->st_size;
	sx->stx_blocks = (uint64_t)st->st_blocks;
	sx->stx_rdev_major = major(st->st_rdev);
	sx->stx_rdev_minor = minor(st->st_rdev);
	sx->stx_dev_major = major(st->st_dev);
	sx->stx_dev_minor = minor(st->st_dev);
}

static int emu_open_sysfs(int idx, int flags)
{
	const char *data = emu_nodes[idx].data;
	char buf[64];
	size_t len;
	int fd;

	if (!data) {
		const char *name = strrchr(emu_nodes[idx].path, '/') + 1;

		if (emu_sysfs_device(name, buf, sizeof(buf))) {
			errno = ENODEV;
			return -1;
		}
		data = buf;
	}
	len = strlen(data);
	if ((flags & O_ACCMODE) != O_RDONLY) {
		errno = EACCES;
		return -1;
	}
	fd = memfd_create("xdna-emu-sysfs",
			  (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		int err = errno;

		emu_sys_close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Returns true when the path is emulated; *ret is then the open result. */
bool emu_open_path(const char *path, int flags, int *ret)
{
	int idx = emu_node_find(path);

	if (idx < 0 || S_ISDIR(emu_nodes[idx].mode))
		return false;
	if (S_ISREG(emu_nodes[idx].mode)) {
		*ret = emu_open_sysfs(idx, flags);
		return true;
	}
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		*ret = -1;
	} else if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		errno = EEXIST;
		*ret = -1;
	} else {
		*ret = emu_file_open(flags);
	}
	return true;
}

/* ---- the stat family, all through emu_fake_stat() ---- */

#define EMU_STAT_FALLBACK(dirfd, path, st, flags) \
	((int)syscall(SYS_newfstatat, (dirfd), (path), (st), (flags)))

int stat(const char *path, struct stat *st)
{
	if (emu_fake_stat(AT_FDCWD, path, 0, st))
		return 0;
	if (!REAL(stat))
		return EMU_STAT_FALLBACK(AT_FDCWD, path, st, 0);
	return REAL(stat)(path, st);
}

int stat64(const char *path, struct stat64 *st)
{
	if (emu_fake_stat(AT_FDCWD, path, 0, (struct stat *)st))
		return 0;
	if (!REAL(stat64))
		return EMU_STAT_FALLBACK(AT_FDCWD, path, st, 0);
	return REAL(stat64)(path, st);
}

int lstat(const char *path, struct stat *st)
{
	if (emu_fake_stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, st))
		return 0;
	if (!REAL(lstat))
		return EMU_STAT_FALLBACK(AT_FDCWD, path, st,
					 AT_SYMLINK_NOFOLLOW);
	return REAL(lstat)(path, st);
}

int lstat64(const char *path, struct stat64 *st)
{
	if (emu_fake_stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
			  (struct stat *)st))
		return 0;
	if (!REAL(lstat64))
		return EMU_STAT_FALLBACK(AT_FDCWD, path, st,
					 AT_SYMLINK_NOFOLLOW);
	return REAL(lstat64)(path, st);
}

int fstat(int fd, struct stat *st)
{
	if (emu_fake_stat(fd, NULL, 0, st))
		return 0;
	return emu_sys_fstat(fd, st);
}

int fstat64(int fd, struct stat64 *st)
{
	if (emu_fake_stat(fd, NULL, 0, (struct stat *)st))
		return 0;
	if (!REAL(fstat64))
		return (int)syscall(SYS_fstat, fd, st);
	return REAL(fstat64)(fd, st);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (emu_fake_stat(dirfd, path, flags, st))
		return 0;
	if (!REAL(fstatat))
		return EMU_STAT_FALLBACK(dirfd, path, st, flags);
	return REAL(fstatat)(dirfd, path, st, flags);
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	if (emu_fake_stat(dirfd, path, flags, (struct stat *)st))
		return 0;
	if (!REAL(fstatat64))
		return EMU_STAT_FALLBACK(dirfd, path, st, flags);
	return REAL(fstatat64)(dirfd, path, st, flags);
}

int statx(int dirfd, const char *path, int flags, unsigned int mask,
	  struct statx *sx)
{
	struct stat st;

	if (emu_fake_stat(dirfd, path, flags, &st)) {
		emu_statx_from_stat(&st, sx);
		return 0;
	}
	if (!REAL(statx))
		return (int)syscall(SYS_statx, dirfd, path, flags, mask, sx);
	return REAL(statx)(dirfd, path, flags, mask, sx);
}

int __xstat(int ver, const char *path, struct stat *st)
{
	if (emu_fake_stat(AT_FDCWD, path, 0, st))
		return 0;
	return REAL(__xstat)(ver, path, st);
}

int __xstat64(int ver, const char *path, struct stat64 *st)
{
	if (emu_fake_stat(AT_FDCWD, path, 0, (struct stat *)st))
		return 0;
	return REAL(__xstat64)(ver, path, st);
}

int __lxstat(int ver, const char *path, struct stat *st)
{
	if (emu_fake_stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, st))
		return 0;
	return REAL(__lxstat)(ver, path, st);
}

int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	if (emu_fake_stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
			  (struct stat *)st))
		return 0;
	return REAL(__lxstat64)(ver, path, st);
}

int __fxstat(int ver, int fd, struct stat *st)
{
	if (emu_fake_stat(fd, NULL, 0, st))
		return 0;
	return REAL(__fxstat)(ver, fd, st);
}

int __fxstat64(int ver, int fd, struct stat64 *st)
{
	if (emu_fake_stat(fd, NULL, 0, (struct stat *)st))
		return 0;
	return REAL(__fxstat64)(ver, fd, st);
}

int __fxstatat(int ver, int dirfd, const char *path, struct stat *st,
	       int flags)
{
	if (emu_fake_stat(dirfd, path, flags, st))
		return 0;
	return REAL(__fxstatat)(ver, dirfd, path, st, flags);
}

int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st,
		 int flags)
{
	if (emu_fake_stat(dirfd, path, flags, (struct stat *)st))
		return 0;
	return REAL(__fxstatat64)(ver, dirfd, path, st, flags);
}

/* ---- access ---- */

/* Root semantics: R/W always, X only on directories. */
static bool emu_fake_access(const char *path, int mode, int *ret)
{
	int idx = emu_node_find(path);

	if (idx < 0)
		return false;
	*ret = 0;
	if ((mode & X_OK) && !S_ISDIR(emu_nodes[idx].mode)) {
		errno = EACCES;
		*ret = -1;
	}
	return true;
}

int access(const char *path, int mode)
{
	int ret;

	if (emu_fake_access(path, mode, &ret))
		return ret;
	return REAL(access)(path, mode);
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	int ret;

	if (emu_fake_access(path, mode, &ret))
		return ret;
	return REAL(faccessat)(dirfd, path, mode, flags);
}

int euidaccess(const char *path, int mode)
{
	int ret;

	if (emu_fake_access(path, mode, &ret))
		return ret;
	return REAL(euidaccess)(path, mode);
}

int eaccess(const char *path, int mode)
{
	int ret;

	if (emu_fake_access(path, mode, &ret))
		return ret;
	return REAL(eaccess)(path, mode);
}

/* ---- directory streams of /dev/accel and /sys/class/accel ---- */

#define EMU_DIR_MAGIC 0x78656d75u

struct emu_dir {
	uint32_t magic;
	int node;
	int pos;
	union {
		struct dirent ent;
		struct dirent64 ent64;
	};
	struct emu_dir *next;
};

static struct emu_dir *emu_dirs;	/* under emu.lock */
static int emu_ndirs;			/* atomic: fast path */

static struct emu_dir *emu_dir_of(DIR *d)
{
	struct emu_dir *it;

	if (!d || !__atomic_load_n(&emu_ndirs, __ATOMIC_ACQUIRE))
		return NULL;
	emu_lock();
	for (it = emu_dirs; it && (DIR *)it != d; it = it->next)
		;
	emu_unlock();
	return it;
}

/* Index of the next child node of dir after *pos, or -1. */
static int emu_dir_child(int dir, int *pos)
{
	const char *dpath = emu_nodes[dir].path;
	size_t dlen = strlen(dpath);

	for (; *pos < (int)EMU_ARRAY_SIZE(emu_nodes); (*pos)++) {
		const char *p = emu_nodes[*pos].path;

		if (strncmp(p, dpath, dlen) || p[dlen] != '/' ||
		    strchr(p + dlen + 1, '/'))
			continue;
		return (*pos)++;
	}
	return -1;
}

static struct dirent *emu_dir_next(struct emu_dir *d)
{
	struct dirent *e = &d->ent;
	const char *name;
	int idx = -1, pos;

	if (d->pos == 0) {
		name = ".";
		idx = d->node;
		d->pos = 1;
	} else if (d->pos == 1) {
		name = "..";
		d->pos = 2;
	} else {
		pos = d->pos - 2;
		idx = emu_dir_child(d->node, &pos);
		if (idx < 0)
			return NULL;
		d->pos = pos + 2;
		name = strrchr(emu_nodes[idx].path, '/') + 1;
	}
	memset(e, 0, sizeof(*e));
	e->d_ino = 0x58444e00u + (ino_t)(idx < 0 ? 0 : idx);
	e->d_off = d->pos;
	e->d_type = DT_DIR;
	if (idx >= 0 && S_ISCHR(emu_nodes[idx].mode))
		e->d_type = DT_CHR;
	else if (idx >= 0 && S_ISREG(emu_nodes[idx].mode))
		e->d_type = DT_REG;
	snprintf(e->d_name, sizeof(e->d_name), "%s", name);
	e->d_reclen = (unsigned short)((offsetof(struct dirent, d_name) +
					strlen(name) + 1 + 7) & ~7UL);
	return e;
}

DIR *opendir(const char *path)
{
	struct emu_dir *d;
	int idx = emu_node_find(path);

	if (idx < 0 || !S_ISDIR(emu_nodes[idx].mode))
		return REAL(opendir)(path);
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->magic = EMU_DIR_MAGIC;
	d->node = idx;
	emu_lock();
	d->next = emu_dirs;
	emu_dirs = d;
	emu.census.open_dirs++;
	__atomic_add_fetch(&emu_ndirs, 1, __ATOMIC_RELEASE);
	emu_unlock();
	return (DIR *)d;
}

struct dirent *readdir(DIR *dir)
{
	struct emu_dir *d = emu_dir_of(dir);

	if (!d)
		return REAL(readdir)(dir);
	return emu_dir_next(d);
}

struct dirent64 *readdir64(DIR *dir)
{
	struct emu_dir *d = emu_dir_of(dir);

	if (!d)
		return REAL(readdir64)(dir);
	return (struct dirent64 *)emu_dir_next(d);
}

void rewinddir(DIR *dir)
{
	struct emu_dir *d = emu_dir_of(dir);

	if (!d) {
		REAL(rewinddir)(dir);
		return;
	}
	d->pos = 0;
}

int dirfd(DIR *dir)
{
	if (!emu_dir_of(dir))
		return REAL(dirfd)(dir);
	errno = ENOTSUP;
	return -1;
}

int closedir(DIR *dir)
{
	struct emu_dir **pp, *d = emu_dir_of(dir);

	if (!d)
		return REAL(closedir)(dir);
	emu_lock();
	for (pp = &emu_dirs; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = d->next;
		emu.census.open_dirs--;
		__atomic_sub_fetch(&emu_ndirs, 1, __ATOMIC_RELEASE);
	}
	emu_unlock();
	free(d);
	return 0;
}
