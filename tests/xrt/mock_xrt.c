// SPDX-License-Identifier: MIT
/*
 * Test double of the XRT C API: see mock_xrt.h.  Prototypes come from XRT's
 * headers, so the double cannot drift from the real signatures.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>

#include "mock_xrt.h"

#define MOCK_EXPORT	__attribute__((visibility("default")))

struct mdev {
	int live;
	bool closed;
};

struct mbo {
	struct mdev *dev;
	struct mbo *parent;	/* sub-buffers */
	int subs;
	void *map;
	size_t size, off;
	uint64_t addr;
	int memfd;		/* backing pages (top-level BOs) */
	int export_fd;		/* cached, closed with the BO, as XRT does */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mock_xrt_state st = { .ndev = 1 };
static uint64_t next_addr = MOCK_XRT_ADDR_BASE;

MOCK_EXPORT struct mock_xrt_state *mock_xrt_state(void)
{
	return &st;
}

MOCK_EXPORT void mock_xrt_reset(void)
{
	int devs = st.devs_open, bos = st.bos_live;

	memset(&st, 0, sizeof(st));
	st.ndev = 1;
	st.devs_open = devs;
	st.bos_live = bos;
}

/* Count down a fail_* knob: true when this call must fail. */
static bool fail_now(int *knob)
{
	return *knob > 0 && !--*knob;
}

MOCK_EXPORT xrtDeviceHandle xrtDeviceOpen(unsigned int index)
{
	struct mdev *d;

	if (index >= st.ndev) {
		errno = ENOENT;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	pthread_mutex_lock(&lock);
	st.devs_open++;
	pthread_mutex_unlock(&lock);
	return d;
}

MOCK_EXPORT int xrtDeviceClose(xrtDeviceHandle dhdl)
{
	struct mdev *d = dhdl;
	bool keep;

	pthread_mutex_lock(&lock);
	st.devs_open--;
	keep = d->live > 0;
	if (keep) {
		st.violations++;	/* XRT crashes later when this happens */
		d->closed = true;
	}
	pthread_mutex_unlock(&lock);
	if (!keep)
		free(d);
	return 0;
}

static struct mbo *bo_new(struct mdev *d, size_t size)
{
	struct mbo *b = calloc(1, sizeof(*b));

	b->dev = d;
	b->size = size;
	b->memfd = -1;
	b->export_fd = -1;
	pthread_mutex_lock(&lock);
	b->addr = next_addr;
	next_addr += (size + 0xfff) & ~0xfffULL;
	d->live++;
	st.bos_live++;
	pthread_mutex_unlock(&lock);
	return b;
}

MOCK_EXPORT xrtBufferHandle xrtBOAlloc(xrtDeviceHandle dhdl, size_t size, xrtBufferFlags flags,
				       xrtMemoryGroup grp)
{
	struct mbo *b;
	int fd;

	st.last_flags = flags;
	st.last_group = grp;
	st.last_alloc_size = size;
	if (fail_now(&st.fail_alloc)) {
		errno = ENOMEM;
		return NULL;
	}
	fd = memfd_create("mock-xrt-bo", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size))
		abort();
	b = bo_new(dhdl, size);
	b->memfd = fd;
	b->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b->map == MAP_FAILED)
		abort();
	return b;
}

MOCK_EXPORT xrtBufferHandle xrtBOSubAlloc(xrtBufferHandle parent, size_t size, size_t offset)
{
	struct mbo *p = parent, *b;

	if (fail_now(&st.fail_sub)) {
		errno = ENOMEM;
		return NULL;
	}
	if (offset > p->size || size > p->size - offset) {
		errno = EINVAL;
		return NULL;
	}
	b = bo_new(p->dev, size);
	b->parent = p;
	b->off = offset;
	b->map = (char *)p->map + offset;
	b->addr = p->addr + offset;
	pthread_mutex_lock(&lock);
	p->subs++;
	pthread_mutex_unlock(&lock);
	return b;
}

MOCK_EXPORT xrtBufferHandle xrtBOImport(xrtDeviceHandle dhdl, xclBufferExportHandle ehdl)
{
	struct stat sb;
	struct mbo *b;

	if (fstat(ehdl, &sb) || !sb.st_size) {
		errno = EINVAL;
		return NULL;
	}
	b = bo_new(dhdl, (size_t)sb.st_size);
	b->memfd = dup(ehdl);
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, ehdl, 0);
	if (b->map == MAP_FAILED)
		abort();
	st.last_import_addr = b->addr;
	return b;
}

MOCK_EXPORT xclBufferExportHandle xrtBOExport(xrtBufferHandle bhdl)
{
	struct mbo *b = bhdl;

	while (b->parent)	/* XRT exports the parent BO */
		b = b->parent;
	if (st.fail_export)
		return -1;
	if (b->export_fd < 0)
		b->export_fd = dup(b->memfd);
	st.last_export_fd = b->export_fd;
	return b->export_fd;
}

MOCK_EXPORT int xrtBOFree(xrtBufferHandle bhdl)
{
	struct mbo *b = bhdl;
	bool last;

	pthread_mutex_lock(&lock);
	if (b->subs)
		st.violations++;	/* parent freed under its sub-buffers */
	if (b->parent)
		b->parent->subs--;
	st.bos_live--;
	last = !--b->dev->live && b->dev->closed;
	pthread_mutex_unlock(&lock);
	if (!b->parent)
		munmap(b->map, b->size);
	if (b->memfd >= 0)
		close(b->memfd);
	if (b->export_fd >= 0)
		close(b->export_fd);
	if (last)
		free(b->dev);
	free(b);
	return 0;
}

MOCK_EXPORT size_t xrtBOSize(xrtBufferHandle bhdl)
{
	return ((struct mbo *)bhdl)->size;
}

MOCK_EXPORT uint64_t xrtBOAddress(xrtBufferHandle bhdl)
{
	return ((struct mbo *)bhdl)->addr;
}

MOCK_EXPORT void *xrtBOMap(xrtBufferHandle bhdl)
{
	return ((struct mbo *)bhdl)->map;
}

MOCK_EXPORT int xrtBOSync(xrtBufferHandle bhdl, enum xclBOSyncDirection dir, size_t size,
			  size_t offset)
{
	struct mbo *b = bhdl;

	pthread_mutex_lock(&lock);
	st.sync_bo = b;
	st.sync_dir = dir;
	st.sync_size = size;
	st.sync_off = offset;
	st.syncs++;
	pthread_mutex_unlock(&lock);
	if (st.fail_sync)
		return -st.fail_sync;
	if (offset > b->size || size > b->size - offset)
		return -EINVAL;
	return 0;
}
