// SPDX-License-Identifier: MIT
/*
 * xdna-emu: process state, the fd table, DRM file lifetime, the ioctl
 * dispatcher (drm_ioctl()'s copy-in/copy-out rules), the DRM core ioctls
 * that are about neither BOs nor syncobjs, configuration, fault injection
 * and the census hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "emu.h"
#include "emu_devshm.h"

struct emu_state emu = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.next_map_offset = EMU_MAP_OFFSET_START,
};

static pthread_once_t emu_once = PTHREAD_ONCE_INIT;

/* fd -> file, under emu.lock (fd -> kind is in emu_libc.c, lock-free). */
static struct emu_file *emu_fd_files[EMU_MAX_FD];

static const char *const emu_fault_names[EMU_FAULT_COUNT] = {
	[EMU_FAULT_CREATE_BO]	= "create_bo",
	[EMU_FAULT_SYNC_BO]	= "sync_bo",
	[EMU_FAULT_EXEC]	= "exec",
	[EMU_FAULT_STALL]	= "stall",
	[EMU_FAULT_MMAP]	= "mmap",
	[EMU_FAULT_CREATE_HWCTX] = "create_hwctx",
	[EMU_FAULT_CONFIG_HWCTX] = "config_hwctx",
	[EMU_FAULT_EXPORT]	= "export",
	[EMU_FAULT_IMPORT]	= "import",
	[EMU_FAULT_EXEC_CMD]	= "exec_cmd",
};

/* ---- locking ---- */

static void emu_cond_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&emu.cond, &attr);
	pthread_condattr_destroy(&attr);
}

static void emu_atfork_prepare(void)
{
	pthread_mutex_lock(&emu.lock);
}

static void emu_atfork_parent(void)
{
	pthread_mutex_unlock(&emu.lock);
}

/* Worker threads do not survive fork(); their contexts are orphaned. */
static void emu_atfork_child(void)
{
	emu_cond_init();
	emu_ctx_orphan_all();
	emu_devshm_atfork_child();
	pthread_mutex_unlock(&emu.lock);
}

static int emu_fault_parse(const char *spec, struct emu_fault *out);

/* A bad XDNA_EMU_FAIL or XDNA_EMU_QUIET, named once on stderr: no device. */
static bool emu_env_bad;

static void emu_init_once(void)
{
	const char *spec = getenv("XDNA_EMU_FAIL");

	emu_cond_init();
	pthread_atfork(emu_atfork_prepare, emu_atfork_parent,
		       emu_atfork_child);
	if (spec && emu_fault_parse(spec, &emu.fault)) {
		char what[EMU_FAULT_COUNT * 16] = "";

		for (int i = 0; i < EMU_FAULT_COUNT; i++)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s",
				 i ? ", " : "", emu_fault_names[i]);
		fprintf(stderr, "xdna-emu: XDNA_EMU_FAIL=\"%s\" is not a list of what:N "
			"(what: %s; N >= 1); the device will not open\n", spec, what);
		memset(&emu.fault, 0, sizeof(emu.fault));
		emu.fault_env_bad = true;
		emu_env_bad = true;
	}
}

void emu_lock(void)
{
	pthread_once(&emu_once, emu_init_once);
	pthread_mutex_lock(&emu.lock);
}

void emu_unlock(void)
{
	pthread_mutex_unlock(&emu.lock);
}

void emu_broadcast(void)
{
	pthread_cond_broadcast(&emu.cond);
}

int emu_wait(const struct timespec *deadline)
{
	if (!deadline)
		return pthread_cond_wait(&emu.cond, &emu.lock);
	return pthread_cond_timedwait(&emu.cond, &emu.lock, deadline);
}

int emu_errno(int ret)
{
	if (ret >= 0)
		return ret;
	errno = -ret;
	return -1;
}

/* ---- configuration ---- */

/*
 * Every XDNA_EMU_* value is checked: one that is not what the variable
 * takes is one line on stderr naming it, and the device does not open
 * (like an unknown XDNA_EMU_FLAVOUR), never a silent default.
 */

/* XDNA_EMU_QUIET: unset, empty or 0 = announce the device, 1 = quiet. */
static bool emu_env_quiet(void)
{
	const char *s = getenv("XDNA_EMU_QUIET");

	if (!s || !*s || !strcmp(s, "0"))
		return false;
	if (!strcmp(s, "1"))
		return true;
	fprintf(stderr, "xdna-emu: XDNA_EMU_QUIET=\"%s\" is not 0 or 1; the device will "
		"not open\n", s);
	emu_env_bad = true;
	return true;
}

/*
 * The whole number in variable @name, which is set: *out, or one line
 * naming it (@what: "a delay in us") and -EINVAL outside [lo, hi].
 */
int emu_env_ulong(const char *name, const char *what, unsigned long lo, unsigned long hi,
		  unsigned long *out)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* digits only: strtoul() would take blanks, a sign and wrap "-5" */
	if (*s < '0' || *s > '9' || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "xdna-emu: %s=\"%s\" is not %s (%lu..%lu); the device will "
			"not open\n", name, s, what, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int emu_env_delay_us(unsigned int *us)
{
	unsigned long v;

	*us = EMU_DEFAULT_DELAY_US;
	if (!getenv("XDNA_EMU_DELAY_US"))
		return 0;
	if (emu_env_ulong("XDNA_EMU_DELAY_US", "a delay in us", 0, EMU_MAX_DELAY_US, &v))
		return -EINVAL;
	*us = (unsigned int)v;
	return 0;
}

__attribute__((constructor)) static void emu_ctor(void)
{
	const struct emu_flavour *fl;
	const struct emu_device *dev;

	pthread_once(&emu_once, emu_init_once);
	fl = emu_env_flavour();
	dev = emu_env_device();
	if (!fl || !dev || emu_env_quiet())
		return;
	fprintf(stderr,
		"xdna-emu: emulating amdxdna NPU (%s %s, %s, DRM %d.%d) at "
		EMU_DEV_PATH " \xe2\x80\x94 not real hardware\n",
		dev->name, dev->part, fl->release, fl->drm_major, fl->drm_minor);
}

/*
 * XDNA_EMU_CENSUS_FILE=path: at exit the census (xdna_emu.h) is written to
 * path as "name value" lines, for tests that run a whole program (the fault
 * matrix): what the program left behind when it returned from main().
 */
__attribute__((destructor)) static void emu_dtor(void)
{
	const char *path = getenv("XDNA_EMU_CENSUS_FILE");
	struct xdna_emu_census c;
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "xdna-emu: XDNA_EMU_CENSUS_FILE=\"%s\": %s\n", path,
			strerror(errno));
		return;
	}
	emu_lock();
	c = emu.census;
	emu_unlock();
#define EMU_CENSUS_LINE(name) fprintf(f, #name " %llu\n", (unsigned long long)c.name);
	XDNA_EMU_CENSUS_LIVE(EMU_CENSUS_LINE)
#undef EMU_CENSUS_LINE
	fclose(f);
}

/* ---- fault injection ---- */

static int emu_fault_parse(const char *spec, struct emu_fault *out)
{
	const char *p = spec;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		const char *name = p, *colon;
		unsigned long long n;
		size_t len, i;
		char *end;

		if (*p == ',' || *p == ' ') {
			p++;
			continue;
		}
		colon = strchr(p, ':');
		if (!colon)
			return -EINVAL;
		len = (size_t)(colon - name);
		/* strtoull() skips blanks and takes a sign: a digit must follow */
		if (colon[1] < '0' || colon[1] > '9')
			return -EINVAL;
		errno = 0;
		n = strtoull(colon + 1, &end, 10);
		if (errno || !n || (*end && *end != ',' && *end != ' '))
			return -EINVAL;
		for (i = 0; i < EMU_FAULT_COUNT; i++) {
			if (strlen(emu_fault_names[i]) == len &&
			    !strncmp(emu_fault_names[i], name, len))
				break;
		}
		if (i == EMU_FAULT_COUNT)
			return -EINVAL;
		out->at[i] = n;
		p = end;
	}
	return 0;
}

bool emu_fault_hit(enum emu_fault_kind kind)
{
	if (!emu.fault.at[kind])
		return false;
	return ++emu.fault.seen[kind] == emu.fault.at[kind];
}

int xdna_emu_fail_set(const char *spec)
{
	struct emu_fault f;
	int ret = emu_fault_parse(spec, &f);

	if (ret)
		return ret;
	emu_lock();
	emu.fault = f;
	emu_unlock();
	return 0;
}

int xdna_emu_census_get(struct xdna_emu_census *out, size_t size)
{
	if (!out)
		return -EINVAL;
	if (size > sizeof(*out))
		size = sizeof(*out);
	emu_lock();
	memcpy(out, &emu.census, size);
	emu_unlock();
	return 0;
}

/* ---- fd table ---- */

static void emu_fd_set_locked(int fd, int kind, struct emu_file *f)
{
	emu_fd_files[fd] = f;
	emu_fd_kind_set(fd, kind);
}

struct emu_file *emu_fd_file_locked(int fd)
{
	if (emu_fd_kind(fd) != EMU_FD_DRM)
		return NULL;
	return emu_fd_files[fd];
}

int emu_fd_track_dup_locked(int oldfd, int newfd)
{
	struct emu_file *f = emu_fd_file_locked(oldfd);

	if (!f)
		return 0;
	if (newfd >= EMU_MAX_FD)
		return -EMFILE;
	f->fds++;
	f->refs++;
	emu_fd_set_locked(newfd, EMU_FD_DRM, f);
	return 0;
}

int emu_fd_track_export_locked(int fd)
{
	if (fd >= EMU_MAX_FD)
		return -EMFILE;
	emu_fd_set_locked(fd, EMU_FD_EXPORT, NULL);
	emu.census.exported_fds++;
	return 0;
}

void emu_fd_untrack_locked(int fd)
{
	int kind = emu_fd_kind(fd);
	struct emu_file *f;

	if (kind == EMU_FD_NONE)
		return;
	f = emu_fd_files[fd];
	emu_fd_set_locked(fd, EMU_FD_NONE, NULL);
	if (kind == EMU_FD_EXPORT) {
		emu.census.exported_fds--;
		return;
	}
	if (kind == EMU_FD_SYNC_FILE) {
		emu_sync_file_release_locked(fd);
		return;
	}
	/*
	 * RULES.md FLUSH-DESTROYS-CTXS: 6.14 and 6.18 have .flush =
	 * amdxdna_flush, run at every close() of the file (a dup, a forked
	 * child's copy): it removes all the client's contexts.  The
	 * out-of-tree driver does so only for the opening process.
	 */
	if (f->fds > 1 && f->flavour->flush_destroys_ctxs &&
	    (f->flavour->drm_major == 0 || getpid() == f->pid))
		emu_file_drop_ctxs_locked(f);
	f->fds--;
	emu_file_put_locked(f);
}

/* ---- DRM files ---- */

int emu_file_open(int flags)
{
	const struct emu_flavour *flavour = emu_env_flavour();
	const struct emu_device *device = emu_env_device();
	struct emu_file *f;
	int fd, ret;

	/* A bad XDNA_EMU_FLAVOUR/DEVICE/FAIL was named on stderr: no device. */
	pthread_once(&emu_once, emu_init_once);
	if (!flavour || !device || emu.fault_env_bad) {
		errno = ENODEV;
		return -1;
	}
	fd = memfd_create("xdna-emu-accel0",
			  (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (fd >= EMU_MAX_FD) {
		emu_sys_close(fd);
		errno = EMFILE;
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		emu_sys_close(fd);
		errno = ENOMEM;
		return -1;
	}
	f->refs = 1;
	f->fds = 1;
	f->flavour = flavour;
	f->device = device;
	if (emu_env_bad || emu_env_check_names() || emu_env_delay_us(&f->delay_us) ||
	    emu_env_job_timeout_ms(flavour, &f->job_timeout_ms)) {
		emu_sys_close(fd);
		free(f);
		errno = ENODEV;
		return -1;
	}
	f->accmode = flags & O_ACCMODE;
	f->pid = getpid();
	f->next_ctx_id = 1;

	emu_lock();
	ret = emu_devshm_attach();
	if (ret) {
		emu_unlock();
		emu_sys_close(fd);
		free(f);
		errno = -ret;
		return -1;
	}
	f->next = emu.files;
	emu.files = f;
	emu.census.open_files++;
	emu_fd_set_locked(fd, EMU_FD_DRM, f);
	emu_unlock();
	return fd;
}

void emu_file_get(struct emu_file *f)
{
	f->refs++;
}

/*
 * The last reference (fd, in-flight ioctl or mapping) is gone: release the
 * file like drm_release() + amdxdna_drm_close() do.  May drop emu.lock
 * while contexts wind down; nobody can find the file meanwhile.
 */
void emu_file_put_locked(struct emu_file *f)
{
	struct emu_file **pp;

	if (--f->refs > 0)
		return;
	emu_file_drop_ctxs_locked(f);
	emu_file_drop_bos_locked(f);
	emu_file_drop_syncobjs_locked(f);
	for (pp = &emu.files; *pp && *pp != f; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = f->next;
	emu.census.open_files--;
	free(f);
	if (!emu.census.open_files)
		emu_devshm_detach();	/* the process's last DRM file */
}

/* ---- user memory ---- */

/*
 * process_vm_readv/writev on our own pid fail with EFAULT on an unmapped
 * or unwritable range instead of faulting.  Where they are not allowed
 * (seccomp: ENOSYS/EPERM) the copy is a plain memcpy, as before.
 */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len)	((void)(addr), (void)(len))
#endif

static int emu_vm_copy(bool to_user, void *local, uint64_t uptr, size_t n)
{
	struct iovec l = { .iov_base = local, .iov_len = n };
	struct iovec r = { .iov_base = (void *)(uintptr_t)uptr, .iov_len = n };
	ssize_t done;

	if (!n)
		return 0;
	if (!uptr || uptr + n < uptr)
		return -EFAULT;
	done = to_user ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
			 process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (done == (ssize_t)n) {
		/* memcheck does not see the kernel write these bytes (a no-op outside it) */
		VALGRIND_MAKE_MEM_DEFINED(to_user ? r.iov_base : local, n);
		return 0;
	}
	if (done < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (to_user)
			memcpy(r.iov_base, local, n);
		else
			memcpy(local, r.iov_base, n);
		return 0;
	}
	return -EFAULT;
}

int emu_copy_from_user(void *dst, uint64_t uptr, size_t n)
{
	return emu_vm_copy(false, dst, uptr, n);
}

int emu_copy_to_user(uint64_t uptr, const void *src, size_t n)
{
	return emu_vm_copy(true, (void *)src, uptr, n);
}

/*
 * RULES.md KMALLOC_MAX: the kernel copies user arrays into kmalloc_array()
 * memory, which cannot exceed KMALLOC_MAX_SIZE (4 MiB on x86-64): a larger
 * count is -ENOMEM before the copy (-EFAULT) is tried.  Without the limit
 * a count of 2^32 syncobj handles made the emulator malloc 16 GiB.
 */
void *emu_user_dup(uint64_t uptr, size_t n, int *err)
{
	void *p = n <= EMU_KMALLOC_MAX ? malloc(n ? n : 1) : NULL;

	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = emu_copy_from_user(p, uptr, n);
	if (*err) {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- DRM core ioctls ---- */

/* drm_copy_field(): a NULL buffer is skipped, a bad one -EFAULT. */
static int emu_copy_field(char *buf, __kernel_size_t *len, const char *value)
{
	size_t n = strlen(value), c = n < *len ? n : *len;

	*len = n;
	if (c && buf)
		return emu_copy_to_user((uintptr_t)buf, value, c);
	return 0;
}

static int emu_ioctl_version(struct emu_file *f, void *data)
{
	struct drm_version *v = data;
	int ret;

	v->version_major = f->flavour->drm_major;
	v->version_minor = f->flavour->drm_minor;
	v->version_patchlevel = 0;
	ret = emu_copy_field(v->name, &v->name_len, XDNA_DRIVER_NAME);
	if (!ret)
		ret = emu_copy_field(v->date, &v->date_len, "0");
	if (!ret)
		ret = emu_copy_field(v->desc, &v->desc_len, "AMD XDNA DRM implementation");
	return ret;
}

static int emu_ioctl_get_cap(struct emu_file *f, void *data)
{
	struct drm_get_cap *cap = data;

	(void)f;
	switch (cap->capability) {
	case DRM_CAP_TIMESTAMP_MONOTONIC:
	case DRM_CAP_SYNCOBJ:
	case DRM_CAP_SYNCOBJ_TIMELINE:
		cap->value = 1;
		return 0;
	case DRM_CAP_PRIME:
		cap->value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* ---- dispatch ---- */

typedef int (*emu_ioctl_fn)(struct emu_file *f, void *data);

struct emu_ioctl_desc {
	unsigned int cmd;
	emu_ioctl_fn fn;
};

#define EMU_CORE_IOCTL(name, func) \
	[_IOC_NR(DRM_IOCTL_##name)] = { DRM_IOCTL_##name, func }
#define EMU_DRV_IOCTL(name, func) \
	[DRM_##name] = { DRM_IOCTL_##name, func }

static const struct emu_ioctl_desc emu_core_ioctls[] = {
	EMU_CORE_IOCTL(VERSION, emu_ioctl_version),
	EMU_CORE_IOCTL(GEM_CLOSE, emu_ioctl_gem_close),
	EMU_CORE_IOCTL(GET_CAP, emu_ioctl_get_cap),
	EMU_CORE_IOCTL(PRIME_HANDLE_TO_FD, emu_ioctl_prime_handle_to_fd),
	EMU_CORE_IOCTL(PRIME_FD_TO_HANDLE, emu_ioctl_prime_fd_to_handle),
	EMU_CORE_IOCTL(SYNCOBJ_CREATE, emu_ioctl_syncobj_create),
	EMU_CORE_IOCTL(SYNCOBJ_DESTROY, emu_ioctl_syncobj_destroy),
	/* the kernel's struct has 6.16's point: 24 bytes (libdrm's has 16) */
	[_IOC_NR(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD)] = {
		_IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
		     _IOC_NR(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD), 24),
		emu_ioctl_syncobj_handle_to_fd },
	EMU_CORE_IOCTL(SYNCOBJ_WAIT, emu_ioctl_syncobj_wait),
	EMU_CORE_IOCTL(SYNCOBJ_RESET, emu_ioctl_syncobj_reset),
	EMU_CORE_IOCTL(SYNCOBJ_SIGNAL, emu_ioctl_syncobj_signal),
	EMU_CORE_IOCTL(SYNCOBJ_TIMELINE_WAIT, emu_ioctl_syncobj_timeline_wait),
	EMU_CORE_IOCTL(SYNCOBJ_QUERY, emu_ioctl_syncobj_query),
	EMU_CORE_IOCTL(SYNCOBJ_TRANSFER, emu_ioctl_syncobj_transfer),
	EMU_CORE_IOCTL(SYNCOBJ_TIMELINE_SIGNAL,
		       emu_ioctl_syncobj_timeline_signal),
};

static const struct emu_ioctl_desc emu_drv_ioctls[] = {
	EMU_DRV_IOCTL(AMDXDNA_CREATE_HWCTX, emu_ioctl_create_hwctx),
	EMU_DRV_IOCTL(AMDXDNA_DESTROY_HWCTX, emu_ioctl_destroy_hwctx),
	EMU_DRV_IOCTL(AMDXDNA_CONFIG_HWCTX, emu_ioctl_config_hwctx),
	EMU_DRV_IOCTL(AMDXDNA_CREATE_BO, emu_ioctl_create_bo),
	EMU_DRV_IOCTL(AMDXDNA_GET_BO_INFO, emu_ioctl_get_bo_info),
	EMU_DRV_IOCTL(AMDXDNA_SYNC_BO, emu_ioctl_sync_bo),
	EMU_DRV_IOCTL(AMDXDNA_EXEC_CMD, emu_ioctl_exec_cmd),
	EMU_DRV_IOCTL(AMDXDNA_GET_INFO, emu_ioctl_get_info),
	EMU_DRV_IOCTL(AMDXDNA_SET_STATE, emu_ioctl_set_state),
	EMU_DRV_IOCTL(AMDXDNA_WAIT_CMD, emu_ioctl_wait_cmd),
	EMU_DRV_IOCTL(AMDXDNA_GET_ARRAY, emu_ioctl_get_array),
};

static const struct emu_ioctl_desc *emu_ioctl_lookup(struct emu_file *f,
						     unsigned int nr)
{
	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END) {
		nr -= DRM_COMMAND_BASE;
		if (nr >= EMU_ARRAY_SIZE(emu_drv_ioctls))
			return NULL;
		/* RULES.md IOCTL-WAIT-CMD: nr 9 only in latest and oot. */
		if (nr == DRM_AMDXDNA_WAIT_CMD &&
		    f->flavour->wait_cmd == EMU_WAIT_CMD_NONE)
			return NULL;
		/* RULES.md IOCTL-GET-ARRAY: from driver 0.1 (6.18). */
		if (nr == DRM_AMDXDNA_GET_ARRAY && !f->flavour->get_array)
			return NULL;
		return &emu_drv_ioctls[nr];
	}
	if (nr >= EMU_ARRAY_SIZE(emu_core_ioctls))
		return NULL;
	return &emu_core_ioctls[nr];
}

/*
 * drm_ioctl(): the argument is copied in for the size the caller encoded
 * (if both sides say IOC_IN), zero-extended to the kernel's size, handed
 * to the handler and copied back out for the caller's size (if both say
 * IOC_OUT) whatever the handler returned.  An unknown or unimplemented
 * number is -EINVAL.
 */
static struct xdna_emu_ioctl_rec *emu_trace;	/* under emu.lock */
static void emu_trace_locked(unsigned long req, const void *kdata, int ret);

static int emu_ioctl_dispatch(struct emu_file *f, unsigned long req,
			      void *arg)
{
	const struct emu_ioctl_desc *d = emu_ioctl_lookup(f, _IOC_NR(req));
	unsigned int usize = _IOC_SIZE(req), in, out, ksize;
	uint64_t stack[32];
	void *kdata = stack;
	int ret;

	if (!d || !d->fn) {
		if (emu_trace)
			emu_trace_locked(req, NULL, -EINVAL);
		return -EINVAL;
	}
	in = (req & d->cmd & IOC_IN) ? usize : 0;
	out = (req & d->cmd & IOC_OUT) ? usize : 0;
	ksize = in > out ? in : out;
	if (_IOC_SIZE(d->cmd) > ksize)
		ksize = _IOC_SIZE(d->cmd);
	if (ksize > sizeof(stack)) {
		kdata = calloc(1, ksize);
		if (!kdata)
			return -ENOMEM;
	} else {
		memset(stack, 0, sizeof(stack));
	}
	if (in) {
		ret = emu_copy_from_user(kdata, (uintptr_t)arg, in);
		if (ret)
			goto out;
	}
	ret = d->fn(f, kdata);
	if (out && emu_copy_to_user((uintptr_t)arg, kdata, out))
		ret = -EFAULT;
out:
	/* the kernel's copy of the arguments: never the caller's pointer */
	if (emu_trace)
		emu_trace_locked(req, in ? kdata : NULL, ret);
	if (kdata != stack)
		free(kdata);
	return ret;
}

/*
 * The ioctl trace (xdna_emu_ioctl_trace): the DRM ioctls of this process,
 * in order, for tests that compare a call sequence with another driver's.
 */
static size_t emu_trace_cap, emu_trace_len;

int xdna_emu_ioctl_trace(struct xdna_emu_ioctl_rec *buf, size_t cap)
{
	size_t n;

	emu_lock();
	n = emu_trace_len;
	emu_trace = buf;
	emu_trace_cap = buf ? cap : 0;
	emu_trace_len = 0;
	emu_unlock();
	return (int)n;
}

static void emu_trace_locked(unsigned long req, const void *arg, int ret)
{
	struct amdxdna_hwctx_param_config_cu cu;
	struct xdna_emu_ioctl_rec *r;

	if (emu_trace_len >= emu_trace_cap)
		return;
	r = &emu_trace[emu_trace_len++];
	r->nr = _IOC_NR(req);
	r->ret = ret;
	/* What tells calls apart: BO type, context size, config param and CU. */
	r->arg0 = 0;
	r->arg1 = 0;
	if (req == DRM_IOCTL_AMDXDNA_CREATE_BO && arg) {
		r->arg0 = ((const struct amdxdna_drm_create_bo *)arg)->type;
	} else if (req == DRM_IOCTL_AMDXDNA_CREATE_HWCTX && arg) {
		r->arg0 = ((const struct amdxdna_drm_create_hwctx *)arg)->num_tiles;
		r->arg1 = ((const struct amdxdna_drm_create_hwctx *)arg)->max_opc;
	} else if (req == DRM_IOCTL_AMDXDNA_CONFIG_HWCTX && arg) {
		const struct amdxdna_drm_config_hwctx *c = arg;
		uint8_t first[sizeof(cu) + sizeof(cu.cu_configs[0])];

		r->arg0 = c->param_type;
		/* CONFIG_CU: the first CU's function (copied: it may be a bad pointer) */
		if (c->param_type == DRM_AMDXDNA_HWCTX_CONFIG_CU &&
		    c->param_val_size >= sizeof(first) &&
		    !emu_copy_from_user(first, c->param_val, sizeof(first))) {
			const struct amdxdna_hwctx_param_config_cu *p = (const void *)first;

			r->arg1 = p->num_cus | (uint32_t)p->cu_configs[0].cu_func << 16;
		}
	}
}

int emu_drm_ioctl(int fd, unsigned long req, void *arg)
{
	struct emu_file *f;
	int ret;

	if (_IOC_TYPE(req) != DRM_IOCTL_BASE) {
		/* The VFS handles these before the driver sees them. */
		if (req == FIOCLEX || req == FIONCLEX || req == FIONBIO ||
		    req == FIOASYNC)
			return emu_sys_ioctl(fd, req, arg);
		errno = ENOTTY;
		return -1;
	}
	emu_lock();
	f = emu_fd_file_locked(fd);
	if (!f) {
		emu_unlock();
		return emu_sys_ioctl(fd, req, arg);
	}
	emu_file_get(f);
	ret = emu_ioctl_dispatch(f, req, arg);
	emu_file_put_locked(f);
	emu_unlock();
	return emu_errno(ret);
}
