// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: BO creation rules, mmap per driver flavour, PRIME
 * export/import (also across processes).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include "emu_test.h"

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
	/* latest: CMD BOs are SHARE BOs, no 32 KiB cap, no minimum (RULES CMD-BO-SIZE) */
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 32 * 1024 + 1, &h1), 0);
	ck_assert_int_eq(gem_close(fd, h1), 0);
	ck_assert_int_eq(create_bo(fd, AMDXDNA_BO_CMD, 2, &h1), 0);
	ck_assert_int_eq(gem_close(fd, h1), 0);

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
	/* RULES SYNC-FROM-DEVICE: only debug BOs since 6.19 */
	sync.direction = SYNC_DIRECT_FROM_DEVICE;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EINVAL);
	/* no direction check: anything but FROM_DEVICE flushes */
	sync.direction = 2;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), 0);
	sync.direction = 0;
	sync.offset = 4096;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EINVAL);
	sync.offset = 8;
	sync.size = UINT64_MAX;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_AMDXDNA_SYNC_BO, &sync), -EINVAL);

	/* GEM_CLOSE */
	memset(&gc, 0, sizeof(gc));
	/* RULES.md GEM-CLOSE: the DRM core ignores pad */
	ck_assert_int_eq(gem_close(fd, 99), -EINVAL);
	gc.handle = h2;
	gc.pad = 1;
	ck_assert_int_eq(xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
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

void emu_add_bo_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "create_bo_rules", test_create_bo_rules },
		{ "mmap_rules_618", test_mmap_rules_618 },
		{ "mmap_rules_614", test_mmap_rules_614 },
		{ "mmap_fixed", test_mmap_fixed_replaces },
		{ "prime", test_prime },
		{ "prime_other_process", test_prime_other_process },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
