// SPDX-License-Identifier: MIT
/*
 * libxdna-shim against xdna-emu (check_shim.c): buffer objects -- create,
 * sync, map, the device heap -- and dma-buf export and import.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "amdxdna_uapi.h"
#include "xdna/shim.h"
#include "xdna_emu.h"
#include "emu_census.h"
#include "shim_test.h"

/* ---------------------------------------------------------- buffer objects */

START_TEST(test_share_bo)
{
	struct xdna_bo *bo;
	uint8_t *p;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 5000, &bo), 0);
	ck_assert_uint_eq(xdna_bo_size(bo), 8192);	/* page rounded */
	ck_assert_uint_ne(xdna_bo_handle(bo), 0);
	ck_assert_int_eq(xdna_bo_type(bo), XDNA_BO_SHARE);
	ck_assert_ptr_eq(xdna_bo_dev(bo), dev);
	p = xdna_bo_map(bo);
	ck_assert_ptr_nonnull(p);
	/* PASID mode: the device address is the CPU mapping. */
	ck_assert_uint_eq(xdna_bo_dev_addr(bo), (uintptr_t)p);
	ck_assert_uint_eq(xdna_bo_map_offset(bo) % 4096, 0);
	memset(p, 0x5a, xdna_bo_size(bo));
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 4096, 4096), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_bo_destroy(NULL), 0);
}
END_TEST

START_TEST(test_bo_bad_args)
{
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 0, &bo), -EINVAL);
	ck_assert_int_eq(xdna_bo_create(dev, (enum xdna_bo_type)9, 4096, &bo), -EINVAL);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV_HEAP, 4096, &bo), -EINVAL);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, NULL), -EINVAL);
	/*
	 * Kernels up to 7.0 cap command BOs at 32 KiB (XDNA_MAX_CMD_BO_SIZE);
	 * the newest and the out-of-tree driver make them SHARE BOs, uncapped.
	 */
	if (flavour_is("latest") || flavour_is("oot")) {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 64 << 10, &bo), 0);
		ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	} else {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 64 << 10, &bo), -EINVAL);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "CREATE_BO CMD"));
	}
}
END_TEST

START_TEST(test_sync_bad_range)
{
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 8192, 1), -EINVAL);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 4096, 8192), -EINVAL);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, SIZE_MAX, 2), -EINVAL);
	ck_assert_int_eq(xdna_bo_sync(bo, (enum xdna_sync_dir)2, 0, 0), -EINVAL);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

/* With XDNA_OPEN_KERNEL_SYNC, TO_DEVICE goes through SYNC_BO and its failure is named. */
START_TEST(test_sync_failure_reported)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .flags = XDNA_OPEN_KERNEL_SYNC };
	struct xdna_dev *d;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 4096, &bo), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), -EIO);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "SYNC_BO"));
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST

/*
 * Audit finding 3: the default sync makes no ioctl, so FROM_DEVICE works on
 * kernels that refuse SYNC_BO FROM_DEVICE (v6.19 on); with kernel sync
 * asked for, FROM_DEVICE still never reaches a kernel that refuses it.
 */
START_TEST(test_sync_from_device_every_kernel)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .flags = XDNA_OPEN_KERNEL_SYNC };
	struct xdna_dev *d;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 4096, 4096), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	ck_assert_ptr_nonnull(strstr(xdna_dev_sync_method(dev), "clflush"));
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);

	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	/* A refused direction is flushed in user space: the fault is not reached. */
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 0, 0),
			 kernel_refuses_sync_from_device() ? 0 : -EIO);
	ck_assert_int_eq(xdna_emu_try_fail_set(""), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST

START_TEST(test_sync_env)
{
	struct xdna_dev *d;

	setenv("XDNA_SYNC", "banana", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "XDNA_SYNC=\"banana\""));
	setenv("XDNA_SYNC", "kernel", 1);
	ck_assert_int_eq(xdna_dev_open(NULL, &d), 0);
	ck_assert_str_eq(xdna_dev_sync_method(d), kernel_refuses_sync_from_device() ?
			 "SYNC_BO to device, user-space flush from device" : "SYNC_BO");
	ck_assert_int_eq(xdna_dev_close(d), 0);
	unsetenv("XDNA_SYNC");
}
END_TEST

START_TEST(test_user_cache_flush)
{
	struct xdna_open_opts o = { .sz = sizeof(o), .flags = XDNA_OPEN_USER_CACHE_FLUSH };
	struct xdna_dev *d;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_dev_open(&o, &d), 0);
	ck_assert_int_eq(xdna_bo_create(d, XDNA_BO_SHARE, 4096, &bo), 0);
	/* An injected SYNC_BO failure cannot reach a sync that makes no ioctl. */
	ck_assert_int_eq(xdna_emu_try_fail_set("sync_bo:1"), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_FROM_DEVICE, 100, 200), 0);
	ck_assert_int_eq(xdna_bo_sync(bo, XDNA_SYNC_TO_DEVICE, 4096, 1), -EINVAL);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_dev_close(d), 0);
}
END_TEST

START_TEST(test_create_bo_enomem)
{
	struct xdna_bo *a, *b;

	ck_assert_int_eq(xdna_emu_try_fail_set("create_bo:2"), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &a), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &b), -ENOMEM);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &b), 0);
	ck_assert_int_eq(xdna_bo_destroy(a), 0);
	ck_assert_int_eq(xdna_bo_destroy(b), 0);
}
END_TEST

START_TEST(test_mmap_failure_unwinds)
{
	struct xdna_emu_census before, after;
	struct xdna_bo *bo;

	ck_assert_int_eq(xdna_emu_try_census_get(&before), 0);
	ck_assert_int_eq(xdna_emu_try_fail_set("mmap:1"), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &bo), -ENOMEM);
	ck_assert_int_eq(xdna_emu_try_census_get(&after), 0);
	ck_assert_uint_eq(after.live_bos, before.live_bos);
}
END_TEST

START_TEST(test_dev_bo_in_heap)
{
	struct xdna_bo *a, *b;
	uint8_t *pa, *pb;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 10000, &a), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &b), 0);
	pa = xdna_bo_map(a);
	pb = xdna_bo_map(b);
	ck_assert_ptr_nonnull(pa);
	ck_assert_ptr_nonnull(pb);
	/* Both inside one 64 MiB heap, 32 KiB aligned, distinct. */
	ck_assert_uint_eq((xdna_bo_dev_addr(a) & ~((64ull << 20) - 1)),
			  (xdna_bo_dev_addr(b) & ~((64ull << 20) - 1)));
	ck_assert_uint_eq(xdna_bo_dev_addr(a) % (32 << 10), 0);
	ck_assert_uint_eq(xdna_bo_dev_addr(b) % (32 << 10), 0);
	ck_assert_uint_ne(xdna_bo_dev_addr(a), xdna_bo_dev_addr(b));
	ck_assert_int_eq(llabs((long long)(pa - pb)) >= 10000, 1);
	memset(pa, 1, 10000);
	memset(pb, 2, 4096);
	ck_assert_uint_eq(pa[9999], 1);
	ck_assert_int_eq(xdna_bo_sync(a, XDNA_SYNC_TO_DEVICE, 0, 0), 0);
	ck_assert_int_eq(xdna_bo_destroy(a), 0);
	ck_assert_int_eq(xdna_bo_destroy(b), 0);
}
END_TEST

/*
 * The newest kernel grows the heap by 64 MiB chunks when it answers
 * -EAGAIN; the others have one 64 MiB heap and the shim names it.
 */
START_TEST(test_heap_grows)
{
	struct xdna_bo *bo[3] = { NULL };
	int i, n = heap_expands() ? 3 : 1;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 40u << 20, &bo[i]), 0);
	if (!heap_expands()) {
		ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 40u << 20, &bo[1]), -ENOSPC);
		ck_assert_ptr_nonnull(strstr(xdna_errmsg(), "64 MiB"));
	}
	for (i = 0; i < n; i++) {
		memset(xdna_bo_map(bo[i]), i, 4096);
		ck_assert_int_eq(xdna_bo_destroy(bo[i]), 0);
	}
}
END_TEST

/*
 * Audit finding 5: a DEV BO's CPU address is the heap mapping plus its
 * offset, whatever GET_BO_INFO says of vaddr.
 */
START_TEST(test_dev_bo_cpu_addr_from_heap)
{
	struct xdna_bo *a, *b;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &a), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_DEV, 4096, &b), 0);
	ck_assert_int_eq((intptr_t)((uint8_t *)xdna_bo_map(b) - (uint8_t *)xdna_bo_map(a)),
			 (intptr_t)(xdna_bo_dev_addr(b) - xdna_bo_dev_addr(a)));
	ck_assert_uint_ne((uintptr_t)xdna_bo_map(a), (uintptr_t)AMDXDNA_INVALID_ADDR);
	ck_assert_int_eq(xdna_bo_destroy(a), 0);
	ck_assert_int_eq(xdna_bo_destroy(b), 0);
}
END_TEST

/*
 * Audit finding 2: SHARE/CMD BOs have a usable device address on every
 * kernel: xdna_addr where the kernel reports it, else the mapping address.
 */
START_TEST(test_share_dev_addr_every_kernel)
{
	struct xdna_bo *bo, *cmd;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_CMD, 4096, &cmd), 0);
	ck_assert_uint_eq(xdna_bo_dev_addr(bo), (uintptr_t)xdna_bo_map(bo));
	ck_assert_uint_eq(xdna_bo_dev_addr(cmd), (uintptr_t)xdna_bo_map(cmd));
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
	ck_assert_int_eq(xdna_bo_destroy(cmd), 0);
}
END_TEST

START_TEST(test_bo_larger_than_heap_max)
{
	struct xdna_bo *bo;

	ck_assert_int_lt(xdna_bo_create(dev, XDNA_BO_DEV, 600u << 20, &bo), 0);
}
END_TEST

/* ------------------------------------------------------- dma-buf export */

START_TEST(test_export_maps_same_pages)
{
	struct xdna_bo *bo;
	uint8_t *p, *q;
	int fd;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 8192, &bo), 0);
	p = xdna_bo_map(bo);
	memset(p, 0x33, 8192);
	ck_assert_int_eq(xdna_bo_export(bo, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(q, MAP_FAILED);
	ck_assert_int_eq(memcmp(p, q, 8192), 0);
	q[100] = 0x77;
	ck_assert_uint_eq(p[100], 0x77);
	munmap(q, 8192);
	close(fd);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

START_TEST(test_import_same_and_other_file)
{
	struct xdna_bo *bo, *same, *other;
	struct xdna_dev *d2;
	int fd;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, 4096, &bo), 0);
	memset(xdna_bo_map(bo), 0x42, 4096);
	ck_assert_int_eq(xdna_bo_export(bo, &fd), 0);
	/* Same DRM file: the kernel hands back the same handle. */
	ck_assert_int_eq(xdna_bo_import(dev, fd, &same), 0);
	ck_assert_ptr_eq(same, bo);
	ck_assert_int_eq(xdna_bo_destroy(same), 0);
	/* Another open file: a new handle onto the same pages. */
	ck_assert_int_eq(xdna_dev_open(NULL, &d2), 0);
	ck_assert_int_eq(xdna_bo_import(d2, fd, &other), 0);
	ck_assert_uint_eq(xdna_bo_size(other), 4096);
	ck_assert_uint_eq(((uint8_t *)xdna_bo_map(other))[4095], 0x42);
	close(fd);
	ck_assert_int_eq(xdna_bo_destroy(other), 0);
	ck_assert_int_eq(xdna_dev_close(d2), 0);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

START_TEST(test_import_bad_fd)
{
	struct xdna_bo *bo;
	int fd = open("/dev/null", O_RDONLY);

	ck_assert_int_lt(xdna_bo_import(dev, fd, &bo), 0);
	ck_assert_int_eq(xdna_bo_import(dev, -1, &bo), -EINVAL);
	close(fd);
}
END_TEST

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Child: map the dma-buf it was sent, check the pattern, answer with its own. */
static int child_check_dmabuf(int sock, size_t size)
{
	int fd = recv_fd(sock);
	uint8_t *q;
	size_t i;

	if (fd < 0)
		return 10;
	q = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (q == MAP_FAILED)
		return 11;
	for (i = 0; i < size; i++)
		if (q[i] != (uint8_t)(i * 7))
			return 12;
	memset(q, 0xc3, size);
	munmap(q, size);
	close(fd);
	return 0;
}

START_TEST(test_dmabuf_across_processes)
{
	const size_t size = 1 << 20;
	struct xdna_bo *bo;
	int sv[2], fd, status;
	uint8_t *p;
	pid_t pid;
	size_t i;

	ck_assert_int_eq(xdna_bo_create(dev, XDNA_BO_SHARE, size, &bo), 0);
	p = xdna_bo_map(bo);
	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(xdna_bo_export(bo, &fd), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(child_check_dmabuf(sv[1], size));
	}
	close(sv[1]);
	ck_assert_int_eq(send_fd(sv[0], fd), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child saw different bytes (status %d)", status);
	ck_assert_uint_eq(p[0], 0xc3);
	ck_assert_uint_eq(p[size - 1], 0xc3);
	close(sv[0]);
	close(fd);
	ck_assert_int_eq(xdna_bo_destroy(bo), 0);
}
END_TEST

void shim_add_bo_tests(TCase *tc)
{
	tcase_add_test(tc, test_share_bo);
	tcase_add_test(tc, test_bo_bad_args);
	tcase_add_test(tc, test_sync_bad_range);
	tcase_add_test(tc, test_sync_failure_reported);
	tcase_add_test(tc, test_sync_from_device_every_kernel);
	tcase_add_test(tc, test_sync_env);
	tcase_add_test(tc, test_dev_bo_cpu_addr_from_heap);
	tcase_add_test(tc, test_share_dev_addr_every_kernel);
	tcase_add_test(tc, test_user_cache_flush);
	tcase_add_test(tc, test_create_bo_enomem);
	tcase_add_test(tc, test_mmap_failure_unwinds);
	tcase_add_test(tc, test_dev_bo_in_heap);
	tcase_add_test(tc, test_heap_grows);
	tcase_add_test(tc, test_bo_larger_than_heap_max);
	tcase_add_test(tc, test_export_maps_same_pages);
	tcase_add_test(tc, test_import_same_and_other_file);
	tcase_add_test(tc, test_import_bad_fd);
	tcase_add_test(tc, test_dmabuf_across_processes);
}
