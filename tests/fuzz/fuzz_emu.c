// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the emulator's ioctl surface (xdna-emu preloaded, or
 * linked).  Bytes -> a sequence of DRM and amdxdna ioctls on one DRM file,
 * plus mmap/munmap of BOs, dup and close of fds.  Each ioctl's argument
 * struct is filled from the input, then its handle fields are drawn from the
 * handles seen so far (or kept raw), its user-pointer fields from a set of
 * good and bad pointers (a scratch buffer, NULL, an unmapped page, -1, a
 * misaligned one, a read-only page, raw bits kept off our own pages), and
 * its timeouts clamped so an input never blocks for long.
 *
 * Oracles: every call returns 0 or -1 with errno in 1..4095 (a crash or a
 * sanitizer report is a finding by itself); after each input, with every
 * fd closed and every mapping unmapped, the emulator's census is zero.
 *
 * Input: a sequence of records, each [op][selector bytes][struct bytes];
 * short input ends the sequence.  tests/fuzz/corpus/emu holds seeds (a
 * device bring-up, a command) and regression inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>

#include "amdxdna_uapi.h"
#include "xdna_emu.h"
#define EMU_CENSUS_NO_CHECK	/* a libFuzzer harness, not a Check suite */
#include "../emu_census.h"

#define FZ_DEV		"/dev/accel/accel0"
#define FZ_MAX_OPS	64
#define FZ_NSLOT	16
#define FZ_NMAP		8
#define FZ_NFD		8
#define FZ_PAGE		4096
#define FZ_SCRATCH	(4 * FZ_PAGE)
#define FZ_MAX_WAIT_NS	2000000		/* 2 ms: clamp for every wait */
#define FZ_MAX_RAW_BO	(16u << 20)	/* raw BO sizes beyond: mostly folded */
#define FZ_HOLE		(1u << 20)	/* reserved, PROT_NONE: raw pointers land here */
#define FZ_LOW_ADDR	0x10000ull	/* below the default vm.mmap_min_addr */
#define FZ_USER_TOP	(1ull << 47)	/* x86-64 4-level user half */

enum fz_ptr { FZ_P_GOOD, FZ_P_NULL, FZ_P_UNMAPPED, FZ_P_MINUS1, FZ_P_MISALIGNED,
	      FZ_P_RDONLY, FZ_P_RAW, FZ_P__COUNT };

struct fz_in {
	const uint8_t *p;
	size_t n;
};

struct fz_state {
	int fd;				/* the DRM file */
	int fds[FZ_NFD];		/* exported dma-bufs, dup'ed DRM fds */
	unsigned int nfds;
	uint32_t handles[FZ_NSLOT];	/* BO, context and syncobj handles seen */
	unsigned int nhandles;
	struct { void *va; size_t len; } maps[FZ_NMAP];
	unsigned int nmaps;
};

static uint8_t *fz_scratch;		/* FZ_SCRATCH bytes, read-write */
static uint8_t *fz_rdonly;		/* one read-only page */
static uint8_t *fz_unmapped;		/* an address with nothing mapped */
static uint8_t *fz_hole;		/* FZ_HOLE bytes, PROT_NONE */
static int fz_trace;			/* FUZZ_EMU_TRACE=1: each call on stderr */

static void fz_oracle(int ok, const char *what, unsigned long req, int err)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_emu: oracle failed: %s (request %#lx, errno %d)\n", what, req, err);
	abort();
}

static uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

static void fz_bytes(struct fz_in *in, void *dst, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->n -= k;
}

/* A handle seen so far, a small number, or raw bits. */
static uint32_t fz_handle(struct fz_state *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);

	if (sel < 192 && s->nhandles)
		return s->handles[sel % s->nhandles];
	if (sel < 240)
		return sel & 7;
	return (uint32_t)fz_u64(in);
}

static void fz_seen(struct fz_state *s, uint32_t h)
{
	if (s->nhandles < FZ_NSLOT)
		s->handles[s->nhandles++] = h;
	else
		s->handles[h % FZ_NSLOT] = h;
}

/* The scratch buffer's first words: handles (for handle arrays), then input. */
static void fz_fill_scratch(struct fz_state *s, struct fz_in *in)
{
	uint32_t *w = (uint32_t *)(void *)fz_scratch;

	for (int i = 0; i < 16; i++)
		w[i] = fz_handle(s, in);
	fz_bytes(in, fz_scratch + 64, fz_u8(in));
}

/*
 * Raw pointer bits, kept off every page this process has mapped.  libFuzzer
 * learns the values the harness and the emulator compare (&a in fz_ioctl, the
 * ranges of BO maps), so raw bits soon name the harness's own stack or heap;
 * the emulator then writes there through process_vm_writev, which no
 * sanitizer sees: a CI run died of SIGSEGV with no report.  A real kernel
 * would write there too, so such an input tests nothing of the emulator.
 * Small values (below mmap_min_addr) and non-canonical ones stay as they are;
 * the rest of the user half folds into a reserved PROT_NONE hole.
 */
static uint64_t fz_raw_ptr(uint64_t bits)
{
	if (bits < FZ_LOW_ADDR || bits >= FZ_USER_TOP)
		return bits;
	return (uintptr_t)fz_hole + bits % FZ_HOLE;
}

static uint64_t fz_ptr(struct fz_state *s, struct fz_in *in)
{
	switch (fz_u8(in) % FZ_P__COUNT) {
	case FZ_P_GOOD:
		fz_fill_scratch(s, in);
		return (uintptr_t)fz_scratch;
	case FZ_P_NULL:
		return 0;
	case FZ_P_UNMAPPED:
		return (uintptr_t)fz_unmapped + fz_u8(in);
	case FZ_P_MINUS1:
		return UINT64_MAX - fz_u8(in);
	case FZ_P_MISALIGNED:
		fz_fill_scratch(s, in);
		return (uintptr_t)fz_scratch + 1 + fz_u8(in) % 7;
	case FZ_P_RDONLY:
		return (uintptr_t)fz_rdonly + fz_u8(in) % 64;
	default:
		return fz_raw_ptr(fz_u64(in));
	}
}

static int64_t fz_abs_deadline(struct fz_in *in)
{
	struct timespec ts;
	uint8_t sel = fz_u8(in);

	if (sel < 32)
		return (int64_t)sel - 16;		/* the past, 0, negative */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (sel % 32) * (FZ_MAX_WAIT_NS / 32);
}

#define FZ_FIELD(type, field) offsetof(type, field)

/* One ioctl: its struct from the input, then the fix-ups of its fields. */
static void fz_ioctl(struct fz_state *s, struct fz_in *in, int fd)
{
	static const unsigned long reqs[] = {
		DRM_IOCTL_VERSION, DRM_IOCTL_GET_CAP, DRM_IOCTL_GEM_CLOSE,
		DRM_IOCTL_PRIME_HANDLE_TO_FD, DRM_IOCTL_PRIME_FD_TO_HANDLE,
		DRM_IOCTL_SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_DESTROY, DRM_IOCTL_SYNCOBJ_WAIT,
		DRM_IOCTL_SYNCOBJ_RESET, DRM_IOCTL_SYNCOBJ_SIGNAL,
		DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, DRM_IOCTL_SYNCOBJ_QUERY,
		DRM_IOCTL_SYNCOBJ_TRANSFER, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
		DRM_IOCTL_AMDXDNA_CREATE_HWCTX, DRM_IOCTL_AMDXDNA_DESTROY_HWCTX,
		DRM_IOCTL_AMDXDNA_CONFIG_HWCTX, DRM_IOCTL_AMDXDNA_CREATE_BO,
		DRM_IOCTL_AMDXDNA_GET_BO_INFO, DRM_IOCTL_AMDXDNA_SYNC_BO,
		DRM_IOCTL_AMDXDNA_EXEC_CMD, DRM_IOCTL_AMDXDNA_GET_INFO,
		DRM_IOCTL_AMDXDNA_SET_STATE, DRM_IOCTL_AMDXDNA_WAIT_CMD,
		DRM_IOCTL_AMDXDNA_GET_ARRAY,
	};
	union {
		struct drm_version version;
		struct drm_get_cap cap;
		struct drm_gem_close close;
		struct drm_prime_handle prime;
		struct drm_syncobj_create screate;
		struct drm_syncobj_destroy sdestroy;
		struct drm_syncobj_wait swait;
		struct drm_syncobj_array sarray;
		struct drm_syncobj_timeline_wait twait;
		struct drm_syncobj_timeline_array tarray;
		struct drm_syncobj_transfer transfer;
		struct amdxdna_drm_create_hwctx chwctx;
		struct amdxdna_drm_destroy_hwctx dhwctx;
		struct amdxdna_drm_config_hwctx cfg;
		struct amdxdna_drm_create_bo cbo;
		struct amdxdna_drm_get_bo_info info;
		struct amdxdna_drm_sync_bo sync;
		struct amdxdna_drm_exec_cmd exec;
		struct amdxdna_drm_get_info ginfo;
		struct amdxdna_drm_set_state sstate;
		struct amdxdna_drm_wait_cmd wcmd;
		struct amdxdna_drm_get_array garray;
		uint8_t raw[128];
	} a;
	unsigned long req = reqs[fz_u8(in) % (sizeof(reqs) / sizeof(reqs[0]))];
	uint8_t mode = fz_u8(in);
	void *argp = &a;
	int ret;

	fz_bytes(in, &a, _IOC_SIZE(req));
	switch (req) {
	case DRM_IOCTL_VERSION:
		a.version.name = (char *)(uintptr_t)fz_ptr(s, in);
		a.version.date = (char *)(uintptr_t)fz_ptr(s, in);
		a.version.desc = (char *)(uintptr_t)fz_ptr(s, in);
		break;
	case DRM_IOCTL_GEM_CLOSE:
	case DRM_IOCTL_SYNCOBJ_DESTROY:
	case DRM_IOCTL_AMDXDNA_DESTROY_HWCTX:
	case DRM_IOCTL_AMDXDNA_GET_BO_INFO:
		a.close.handle = fz_handle(s, in);	/* first field of each */
		break;
	case DRM_IOCTL_PRIME_HANDLE_TO_FD:
		a.prime.handle = fz_handle(s, in);
		break;
	case DRM_IOCTL_PRIME_FD_TO_HANDLE: {
		uint8_t sel = fz_u8(in);

		/* an exported dma-buf, the DRM fd, nothing, or a plain file */
		if (sel < 128 && s->nfds)
			a.prime.fd = s->fds[sel % s->nfds];
		else if (sel < 160)
			a.prime.fd = s->fd;
		else if (sel < 192)
			a.prime.fd = -1;
		else
			a.prime.fd = 9999;
		break;
	}
	case DRM_IOCTL_SYNCOBJ_WAIT:
		a.swait.handles = fz_ptr(s, in);
		a.swait.count_handles &= 31;
		a.swait.timeout_nsec = fz_abs_deadline(in);
		break;
	case DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT:
		a.twait.handles = fz_ptr(s, in);
		a.twait.points = fz_ptr(s, in);
		a.twait.count_handles &= 31;
		a.twait.timeout_nsec = fz_abs_deadline(in);
		break;
	case DRM_IOCTL_SYNCOBJ_RESET:
	case DRM_IOCTL_SYNCOBJ_SIGNAL:
		a.sarray.handles = fz_ptr(s, in);
		a.sarray.count_handles &= 63;
		break;
	case DRM_IOCTL_SYNCOBJ_QUERY:
	case DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL:
		a.tarray.handles = fz_ptr(s, in);
		a.tarray.points = fz_ptr(s, in);
		a.tarray.count_handles &= 63;
		break;
	case DRM_IOCTL_SYNCOBJ_TRANSFER:
		a.transfer.src_handle = fz_handle(s, in);
		a.transfer.dst_handle = fz_handle(s, in);
		break;
	case DRM_IOCTL_AMDXDNA_CREATE_HWCTX:
		a.chwctx.qos_p = fz_ptr(s, in);
		if (mode & 1) {
			a.chwctx.ext = 0;
			a.chwctx.ext_flags = 0;
			a.chwctx.num_tiles &= 63;
		}
		break;
	case DRM_IOCTL_AMDXDNA_CONFIG_HWCTX:
		a.cfg.handle = fz_handle(s, in);
		a.cfg.param_val = fz_ptr(s, in);
		if (mode & 1)
			a.cfg.param_val_size &= 0x1fff;
		break;
	case DRM_IOCTL_AMDXDNA_CREATE_BO:
		if (mode & 1) {
			/* a plausible size: 4 KiB .. 64 MiB */
			a.cbo.size = (uint64_t)FZ_PAGE << (a.cbo.size % 15);
			a.cbo.type = (uint32_t)(a.cbo.type % 6);
			a.cbo.vaddr = 0;
			a.cbo.flags = 0;
		} else if (a.cbo.size > FZ_MAX_RAW_BO && !(mode & 2)) {
			/* odd sizes, but not gigabytes of memfd per input */
			a.cbo.size %= FZ_MAX_RAW_BO;
		}
		break;
	case DRM_IOCTL_AMDXDNA_SYNC_BO:
		a.sync.handle = fz_handle(s, in);
		break;
	case DRM_IOCTL_AMDXDNA_EXEC_CMD:
		a.exec.hwctx = fz_handle(s, in);
		a.exec.cmd_handles = (mode & 2) ? fz_handle(s, in) : fz_ptr(s, in);
		a.exec.args = fz_ptr(s, in);
		if (mode & 1) {
			a.exec.ext = a.exec.ext_flags = 0;
			a.exec.cmd_count = 1;
			a.exec.arg_count &= 15;
		}
		break;
	case DRM_IOCTL_AMDXDNA_WAIT_CMD:
		a.wcmd.hwctx = fz_handle(s, in);
		a.wcmd.timeout = 1 + a.wcmd.timeout % 2;	/* 0 would be forever */
		break;
	case DRM_IOCTL_AMDXDNA_GET_INFO:
		a.ginfo.buffer = fz_ptr(s, in);
		break;
	case DRM_IOCTL_AMDXDNA_SET_STATE:
		a.sstate.buffer = fz_ptr(s, in);
		break;
	case DRM_IOCTL_AMDXDNA_GET_ARRAY:
		a.garray.buffer = fz_ptr(s, in);
		break;
	default:
		break;
	}
	if (mode >= 0xf0)
		argp = (void *)(uintptr_t)fz_ptr(s, in);	/* the struct itself bad */
	ret = ioctl(fd, req, argp);
	if (fz_trace)
		fprintf(stderr, "fuzz_emu: ioctl nr %#x -> %d (%s)\n", (unsigned int)_IOC_NR(req), ret,
			ret ? strerror(errno) : "ok");
	fz_oracle(ret == 0 || (ret == -1 && errno > 0 && errno < 4096),
		  "ioctl returned neither 0 nor -1/errno", req, errno);
	if (ret || argp != &a)
		return;
	switch (req) {
	case DRM_IOCTL_PRIME_HANDLE_TO_FD:
		if (s->nfds < FZ_NFD)
			s->fds[s->nfds++] = a.prime.fd;
		else
			close(a.prime.fd);
		break;
	case DRM_IOCTL_PRIME_FD_TO_HANDLE:
		fz_seen(s, a.prime.handle);
		break;
	case DRM_IOCTL_SYNCOBJ_CREATE:
		fz_seen(s, a.screate.handle);
		break;
	case DRM_IOCTL_AMDXDNA_CREATE_HWCTX:
		fz_seen(s, a.chwctx.handle);
		fz_seen(s, a.chwctx.syncobj_handle);
		break;
	case DRM_IOCTL_AMDXDNA_CREATE_BO:
		fz_seen(s, a.cbo.handle);
		break;
	default:
		break;
	}
}

/* mmap a BO (through its map offset, or a raw offset), maybe partly unmap it. */
static void fz_mmap(struct fz_state *s, struct fz_in *in)
{
	struct amdxdna_drm_get_bo_info info = { .handle = fz_handle(s, in) };
	uint8_t sel = fz_u8(in);
	size_t len = (size_t)FZ_PAGE << (sel % 15);	/* 4 KiB .. 64 MiB (a heap) */
	int prot = (sel & 0x40) ? PROT_READ : PROT_READ | PROT_WRITE;
	off_t off;
	void *va;

	if (ioctl(s->fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info))
		info.map_offset = fz_u64(in) & ~(uint64_t)(FZ_PAGE - 1);
	if (sel & 0x80)
		info.map_offset += FZ_PAGE;	/* past the BO's start */
	off = (off_t)(info.map_offset & (UINT64_MAX >> 1));
	va = mmap(NULL, len, prot, MAP_SHARED, s->fd, off);
	if (fz_trace)
		fprintf(stderr, "fuzz_emu: mmap %zu at %#llx -> %p\n", len, (unsigned long long)off, va);
	if (va == MAP_FAILED) {
		fz_oracle(errno > 0 && errno < 4096, "mmap failed without errno", 0, errno);
		return;
	}
	if (s->nmaps == FZ_NMAP) {
		munmap(va, len);
		return;
	}
	if (prot & PROT_WRITE)
		memset(va, fz_u8(in), FZ_PAGE);
	s->maps[s->nmaps].va = va;
	s->maps[s->nmaps].len = len;
	s->nmaps++;
}

static void fz_munmap(struct fz_state *s, struct fz_in *in)
{
	unsigned int i;

	if (!s->nmaps)
		return;
	i = fz_u8(in) % s->nmaps;
	munmap(s->maps[i].va, s->maps[i].len);
	s->maps[i] = s->maps[--s->nmaps];
}

static void fz_fd_op(struct fz_state *s, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	int fd;

	if (sel & 1) {
		unsigned int i;

		if (!s->nfds)
			return;
		i = sel % s->nfds;
		close(s->fds[i]);
		s->fds[i] = s->fds[--s->nfds];
		return;
	}
	fd = dup(s->fd);		/* a second fd on the DRM file */
	fz_oracle(fd >= 0, "dup of the DRM fd failed", 0, errno);
	if (s->nfds < FZ_NFD)
		s->fds[s->nfds++] = fd;
	else
		close(fd);
}

static void fz_census_zero(void)
{
	struct xdna_emu_census c;
	char left[512];

	if (xdna_emu_try_census_get(&c))
		return;		/* not on the emulator (a crash would say so) */
	if (emu_census_nonzero(&c, left, sizeof(left))) {
		fprintf(stderr, "fuzz_emu: census not zero after the input: %s\n", left);
		abort();
	}
}

static void fz_init(void)
{
	char name[64];

	if (fz_scratch)
		return;
	/* a device of our own, commands that take no time */
	if (!getenv("XDNA_EMU_SHM_NAME")) {
		snprintf(name, sizeof(name), "/xdna-emu-fuzz-%d", (int)getpid());
		setenv("XDNA_EMU_SHM_NAME", name, 1);
	}
	setenv("XDNA_EMU_DELAY_US", "0", 1);
	fz_trace = getenv("FUZZ_EMU_TRACE") != NULL;
	setenv("XDNA_EMU_QUIET", "1", 1);
	fz_scratch = mmap(NULL, FZ_SCRATCH + 2 * FZ_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz_scratch == MAP_FAILED)
		abort();
	fz_rdonly = fz_scratch + FZ_SCRATCH;
	fz_unmapped = fz_rdonly + FZ_PAGE;
	mprotect(fz_rdonly, FZ_PAGE, PROT_READ);
	munmap(fz_unmapped, FZ_PAGE);
	fz_hole = mmap(NULL, FZ_HOLE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (fz_hole == MAP_FAILED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xdna_emu_ioctl_rec trace[32];
	struct fz_in in = { data, size };
	struct fz_state s = { .fd = -1 };

	fz_init();
	/* the ioctl trace reads arguments too (it once read the caller's) */
	xdna_emu_try_ioctl_trace(trace, sizeof(trace) / sizeof(trace[0]));
	s.fd = open(FZ_DEV, O_RDWR | O_CLOEXEC);
	if (s.fd < 0) {
		xdna_emu_try_ioctl_trace(NULL, 0);
		return 0;	/* no emulator: nothing to test */
	}
	for (int i = 0; i < FZ_MAX_OPS && in.n; i++) {
		uint8_t op = fz_u8(&in);

		switch (op % 16) {
		case 12:
			fz_mmap(&s, &in);
			break;
		case 13:
			fz_munmap(&s, &in);
			break;
		case 14:
			fz_fd_op(&s, &in);
			break;
		case 15:
			/* the same ioctl on a dup'ed fd, if there is one */
			fz_ioctl(&s, &in, s.nfds ? s.fds[0] : s.fd);
			break;
		default:
			fz_ioctl(&s, &in, s.fd);
			break;
		}
	}
	while (s.nmaps)
		fz_munmap(&s, &(struct fz_in){ NULL, 0 });
	for (unsigned int i = 0; i < s.nfds; i++)
		close(s.fds[i]);
	close(s.fd);
	xdna_emu_try_ioctl_trace(NULL, 0);
	fz_census_zero();
	return 0;
}
