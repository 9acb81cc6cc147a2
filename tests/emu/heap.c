// SPDX-License-Identifier: MIT
/*
 * xdna-emu tests: the device heap (DEV_HEAP and the DEV BOs carved from it),
 * per driver flavour.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu_test.h"

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

void emu_add_heap_cases(Suite *s)
{
	const struct emu_case cases[] = {
		{ "heap_618", test_heap_618 },
		{ "heap_614", test_heap_614 },
	};

	emu_add_cases(s, cases, EMU_NCASES(cases));
}
