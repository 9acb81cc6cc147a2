// SPDX-License-Identifier: MIT
/*
 * xdna-emu: device-wide state in a POSIX shared-memory segment, shared by
 * every process that opens the emulated device.  See emu_devshm.h for the
 * model and the API.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"
#include "emu_devshm.h"

#define EMU_DEVSHM_DIR		"/dev/shm"	/* glibc's shm_open() directory */
#define EMU_DEVSHM_MAGIC	"XDNAEMU"	/* 8 bytes with the NUL */
#define EMU_DEVSHM_VERSION	1
#define EMU_DEVSHM_MAX_PROCS	1024
#define EMU_DEVSHM_ATTACH_TRIES	100

/* the out-of-tree ctx_limit (32) is the largest budget of emu_flavour.c */
_Static_assert(32 <= EMU_DEVSHM_MAX_CTX,
	       "the segment has fewer context slots than the budget");

struct emu_devshm_proc {
	int32_t pid;			/* 0: free */
	uint32_t pad;
	uint64_t start;			/* /proc/PID/stat starttime, 0: unknown */
};

struct emu_devshm_slot {
	int32_t pid;			/* 0: free; set last when filling */
	uint32_t pad;
	uint64_t start;
	struct emu_devshm_ctx ctx;
};

/*
 * The segment.  magic, version and size stay at offsets 0, 8 and 12 in
 * every version so that builds can recognise each other; anything else
 * changing means a new version.
 */
struct emu_devshm_seg {
	char magic[8];
	uint32_t version;
	uint32_t size;			/* sizeof(struct emu_devshm_seg) */
	pthread_mutex_t lock;		/* pshared, robust */
	uint32_t unlinked;		/* the last user is removing it */
	uint32_t power_mode;
	uint64_t repairs;		/* EOWNERDEAD recoveries */
	struct emu_devshm_proc procs[EMU_DEVSHM_MAX_PROCS];
	struct emu_devshm_slot slots[EMU_DEVSHM_MAX_CTX];
};

/* This process's attachment, under emu.lock. */
static struct {
	struct emu_devshm_seg *seg;
	pid_t pid;			/* who attached; 0: nobody */
	uint64_t start;
	bool local;			/* private fallback, not shared */
	dev_t dev;
	ino_t ino;
	char name[EMU_DEVSHM_NAME_MAX + 2];
} devshm;

/* ---- names and processes ---- */

static bool emu_devshm_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > EMU_DEVSHM_NAME_MAX + 1 || s[0] != '/')
		return false;
	if (!strcmp(s, "/.") || !strcmp(s, "/.."))
		return false;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int emu_devshm_name(char *out, size_t size)
{
	static int warned;
	const char *s = getenv("XDNA_EMU_SHM_NAME");

	if (!s || !*s)
		s = EMU_DEVSHM_DEFAULT_NAME;
	if (!emu_devshm_name_ok(s)) {
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			fprintf(stderr,
				"xdna-emu: bad XDNA_EMU_SHM_NAME=\"%s\" (want \"/\" and 1..%d of [A-Za-z0-9._-]): refusing to open the device\n",
				s, EMU_DEVSHM_NAME_MAX);
		return -EINVAL;
	}
	snprintf(out, size, "%s", s);
	return 0;
}

/*
 * /proc/PID/stat: the state (field 3) and the start time in clock ticks
 * since boot (field 22).  The command (field 2) may hold spaces and
 * parentheses: fields are counted from its last ')'.
 */
static int emu_proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p, *end;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = emu_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	emu_sys_close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	p += 2;
	*state = *p;
	for (i = 3; i < 22; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	*start = strtoull(p, &end, 10);
	return end == p ? -EIO : 0;
}

static uint64_t emu_proc_start(pid_t pid)
{
	uint64_t start = 0;
	char state;

	if (emu_proc_stat(pid, &state, &start))
		return 0;
	return start;
}

/* Is (pid, start) a live process?  When in doubt, yes. */
static bool emu_proc_alive(pid_t pid, uint64_t start)
{
	uint64_t now;
	char state;

	if (pid <= 0)
		return false;
	if (pid == devshm.pid)
		return start == devshm.start;
	if (kill(pid, 0) == -1 && errno == ESRCH)
		return false;
	if (emu_proc_stat(pid, &state, &now))
		return true;		/* no /proc: only kill() can tell */
	if (state == 'Z' || state == 'X')
		return false;		/* exited: its files are closed */
	return !start || !now || start == now;
}

/* ---- the segment lock ---- */

static void emu_devshm_prune(struct emu_devshm_seg *s);
static void emu_devshm_unlink_if_ours(void);

/* Lock; a holder that died leaves entries to prune, nothing else. */
static int emu_devshm_lock(struct emu_devshm_seg *s)
{
	int ret = pthread_mutex_lock(&s->lock);

	if (ret == EOWNERDEAD) {
		s->repairs++;
		emu_devshm_prune(s);
		/* It died unlinking: finish, or nobody can ever attach. */
		if (s->unlinked && !devshm.local)
			emu_devshm_unlink_if_ours();
		pthread_mutex_consistent(&s->lock);
		return 0;
	}
	return -ret;
}

static void emu_devshm_unlock(struct emu_devshm_seg *s)
{
	pthread_mutex_unlock(&s->lock);
}

/* ---- entries ---- */

static void emu_devshm_prune(struct emu_devshm_seg *s)
{
	unsigned int i;

	for (i = 0; i < EMU_DEVSHM_MAX_PROCS; i++) {
		struct emu_devshm_proc *p = &s->procs[i];

		if (p->pid && !emu_proc_alive(p->pid, p->start))
			p->pid = 0;
	}
	for (i = 0; i < EMU_DEVSHM_MAX_CTX; i++) {
		struct emu_devshm_slot *e = &s->slots[i];

		if (e->pid && !emu_proc_alive(e->pid, e->start))
			e->pid = 0;
	}
}

static bool emu_devshm_mine(const struct emu_devshm_slot *e)
{
	return e->pid == devshm.pid && e->start == devshm.start;
}

/* Drop this process's entries; true when no other process is attached. */
static bool emu_devshm_forget_self(struct emu_devshm_seg *s)
{
	bool last = true;
	unsigned int i;

	for (i = 0; i < EMU_DEVSHM_MAX_CTX; i++) {
		if (emu_devshm_mine(&s->slots[i]))
			s->slots[i].pid = 0;
	}
	for (i = 0; i < EMU_DEVSHM_MAX_PROCS; i++) {
		struct emu_devshm_proc *p = &s->procs[i];

		if (p->pid == devshm.pid && p->start == devshm.start)
			p->pid = 0;
		else if (p->pid)
			last = false;
	}
	return last;
}

static int emu_devshm_register(struct emu_devshm_seg *s)
{
	unsigned int i;

	for (i = 0; i < EMU_DEVSHM_MAX_PROCS; i++) {
		struct emu_devshm_proc *p = &s->procs[i];

		if (!p->pid) {
			p->start = devshm.start;
			p->pid = devshm.pid;
			return 0;
		}
	}
	return -EUSERS;
}

/* ---- creating, opening and removing the segment ---- */

static void emu_devshm_init(struct emu_devshm_seg *s)
{
	pthread_mutexattr_t attr;

	memset(s, 0, sizeof(*s));
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&s->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	s->version = EMU_DEVSHM_VERSION;
	s->size = sizeof(*s);
	memcpy(s->magic, EMU_DEVSHM_MAGIC, sizeof(s->magic));
}

/*
 * Create the segment complete: an unnamed tmpfs file, sized and
 * initialised, then linked under the name.  -EEXIST: somebody was first.
 */
static int emu_devshm_create(const char *name)
{
	char proc[64], path[sizeof(EMU_DEVSHM_DIR) + EMU_DEVSHM_NAME_MAX + 2];
	struct emu_devshm_seg *s;
	int fd, ret = 0;

	fd = emu_sys_open(EMU_DEVSHM_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, sizeof(*s))) {
		ret = -errno;
		goto out;
	}
	s = emu_sys_mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	if (s == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	emu_devshm_init(s);
	emu_sys_munmap(s, sizeof(*s));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	snprintf(path, sizeof(path), EMU_DEVSHM_DIR "%s", name);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW))
		ret = -errno;
out:
	emu_sys_close(fd);
	return ret;
}

static void emu_devshm_mismatch(const char *name, const void *hdr,
				size_t size)
{
	struct { char magic[8]; uint32_t version, size; } h;

	memset(&h, 0, sizeof(h));
	memcpy(&h, hdr, size < sizeof(h) ? size : sizeof(h));
	fprintf(stderr,
		"xdna-emu: shared segment %s has another layout (%.7s v%u, %u bytes; this build: " EMU_DEVSHM_MAGIC " v%u, %zu bytes): another emulator build is using the device; refusing to open it (set XDNA_EMU_SHM_NAME to separate them)\n",
		name, memchr(h.magic, 0, 8) ? h.magic : "?", h.version, h.size,
		EMU_DEVSHM_VERSION, sizeof(struct emu_devshm_seg));
}

/* Map an existing segment: 0, -ENOENT (none) or another -errno. */
static int emu_devshm_open(const char *name, struct emu_devshm_seg **out,
			   struct stat *st)
{
	size_t size = sizeof(struct emu_devshm_seg);
	struct emu_devshm_seg *s;
	int fd;

	fd = shm_open(name, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		emu_sys_close(fd);
		return -EIO;
	}
	if ((uint64_t)st->st_size != size) {
		uint8_t hdr[16] = { 0 };

		if (pread(fd, hdr, sizeof(hdr), 0) < 0)
			memset(hdr, 0, sizeof(hdr));
		emu_sys_close(fd);
		emu_devshm_mismatch(name, hdr, sizeof(hdr));
		return -ENODEV;
	}
	s = emu_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	emu_sys_close(fd);
	if (s == MAP_FAILED)
		return -errno;
	if (memcmp(s->magic, EMU_DEVSHM_MAGIC, sizeof(s->magic)) ||
	    s->version != EMU_DEVSHM_VERSION || s->size != size) {
		emu_devshm_mismatch(name, s, 16);
		emu_sys_munmap(s, size);
		return -ENODEV;
	}
	*out = s;
	return 0;
}

/* Unlink the name only while it still names our segment. */
static void emu_devshm_unlink_if_ours(void)
{
	char path[sizeof(EMU_DEVSHM_DIR) + EMU_DEVSHM_NAME_MAX + 2];
	struct stat st;

	snprintf(path, sizeof(path), EMU_DEVSHM_DIR "%s", devshm.name);
	if (!stat(path, &st) && st.st_dev == devshm.dev &&
	    st.st_ino == devshm.ino)
		shm_unlink(devshm.name);
}

/* Not shareable: the same state in private memory, for this process. */
static int emu_devshm_attach_local(const char *why, int err)
{
	static int warned;
	struct emu_devshm_seg *s;

	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr,
			"xdna-emu: cannot share %s (%s: %s): device-wide state is per process\n",
			devshm.name, why, strerror(err));
	s = emu_sys_mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -ENOMEM;
	emu_devshm_init(s);
	s->procs[0].pid = devshm.pid;
	s->procs[0].start = devshm.start;
	devshm.seg = s;
	devshm.local = true;
	return 0;
}

int emu_devshm_attach(void)
{
	pid_t pid = getpid();
	struct emu_devshm_seg *s = NULL;
	struct stat st;
	int tries, ret;

	if (devshm.seg && devshm.pid == pid)
		return 0;
	if (devshm.seg)			/* inherited, not reset: drop it */
		emu_devshm_atfork_child();
	ret = emu_devshm_name(devshm.name, sizeof(devshm.name));
	if (ret)
		return ret;
	devshm.pid = pid;
	devshm.start = emu_proc_start(pid);
	for (tries = 0; tries < EMU_DEVSHM_ATTACH_TRIES; tries++) {
		ret = emu_devshm_open(devshm.name, &s, &st);
		if (ret == -ENOENT) {
			ret = emu_devshm_create(devshm.name);
			if (ret && ret != -EEXIST)
				return emu_devshm_attach_local("create", -ret);
			continue;
		}
		if (ret == -ENODEV)
			goto refuse;
		if (ret)
			return emu_devshm_attach_local("open", -ret);
		devshm.dev = st.st_dev;
		devshm.ino = st.st_ino;
		devshm.local = false;
		ret = emu_devshm_lock(s);
		if (ret) {
			emu_sys_munmap(s, sizeof(*s));
			return emu_devshm_attach_local("lock", -ret);
		}
		if (s->unlinked) {	/* the last user is leaving: retry */
			emu_devshm_unlock(s);
			emu_sys_munmap(s, sizeof(*s));
			continue;
		}
		emu_devshm_prune(s);
		ret = emu_devshm_register(s);
		emu_devshm_unlock(s);
		if (ret) {
			emu_sys_munmap(s, sizeof(*s));
			goto refuse;
		}
		devshm.seg = s;
		return 0;
	}
	return emu_devshm_attach_local("attach", EAGAIN);
refuse:
	devshm.pid = 0;
	return ret;
}

void emu_devshm_detach(void)
{
	struct emu_devshm_seg *s = devshm.seg;
	bool last = false;

	if (!s || devshm.pid != getpid())
		return;
	if (!devshm.local && !emu_devshm_lock(s)) {
		emu_devshm_prune(s);
		last = emu_devshm_forget_self(s);
		if (last) {
			s->unlinked = 1;
			emu_devshm_unlink_if_ours();
		}
		emu_devshm_unlock(s);
	}
	emu_sys_munmap(s, sizeof(*s));
	devshm.seg = NULL;
	devshm.pid = 0;
}

void emu_devshm_atfork_child(void)
{
	if (devshm.seg)
		emu_sys_munmap(devshm.seg, sizeof(*devshm.seg));
	devshm.seg = NULL;
	devshm.pid = 0;
	devshm.start = 0;
}

/*
 * At exit.  exit() may come from a signal handler that interrupted a
 * holder of emu.lock: wait a while, else leave the entries to be pruned.
 */
__attribute__((destructor)) static void emu_devshm_dtor(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	if (pthread_mutex_timedlock(&emu.lock, &ts))
		return;
	emu_devshm_detach();
	emu_unlock();
}

/* The segment, locked; NULL when this process cannot attach. */
static struct emu_devshm_seg *emu_devshm_get(void)
{
	struct emu_devshm_seg *s;

	if (emu_devshm_attach())
		return NULL;
	s = devshm.seg;
	if (emu_devshm_lock(s))
		return NULL;
	return s;
}

/* ---- contexts ---- */

int emu_devshm_ctx_add(const struct emu_devshm_ctx *entry,
		       unsigned int limit)
{
	struct emu_devshm_seg *s = emu_devshm_get();
	unsigned int i, used = 0;
	int slot = -1;

	if (!s)
		return -ENODEV;
	emu_devshm_prune(s);
	for (i = 0; i < EMU_DEVSHM_MAX_CTX; i++) {
		if (s->slots[i].pid)
			used++;
		else if (slot < 0)
			slot = (int)i;
	}
	if (used >= limit || slot < 0) {
		emu_devshm_unlock(s);
		return -EBUSY;
	}
	s->slots[slot].ctx = *entry;
	s->slots[slot].ctx.pid = devshm.pid;
	s->slots[slot].start = devshm.start;
	__atomic_store_n(&s->slots[slot].pid, devshm.pid, __ATOMIC_RELEASE);
	emu_devshm_unlock(s);
	return slot;
}

static struct emu_devshm_slot *emu_devshm_slot(struct emu_devshm_seg *s,
					       int slot)
{
	if (slot < 0 || slot >= EMU_DEVSHM_MAX_CTX ||
	    !emu_devshm_mine(&s->slots[slot]))
		return NULL;
	return &s->slots[slot];
}

void emu_devshm_ctx_update(int slot, const struct emu_devshm_counters *c)
{
	struct emu_devshm_slot *e;
	struct emu_devshm_seg *s;

	if (slot < 0 || devshm.pid != getpid())
		return;
	s = emu_devshm_get();
	if (!s)
		return;
	e = emu_devshm_slot(s, slot);
	if (e) {
		e->ctx.submissions = c->submissions;
		e->ctx.completions = c->completions;
		e->ctx.errors = c->errors;
		e->ctx.heap_usage = c->heap_usage;
	}
	emu_devshm_unlock(s);
}

void emu_devshm_ctx_del(int slot)
{
	struct emu_devshm_slot *e;
	struct emu_devshm_seg *s;

	if (slot < 0 || devshm.pid != getpid())
		return;
	s = emu_devshm_get();
	if (!s)
		return;
	e = emu_devshm_slot(s, slot);
	if (e)
		e->pid = 0;
	emu_devshm_unlock(s);
}

unsigned int emu_devshm_ctx_list(struct emu_devshm_ctx *out,
				 unsigned int max)
{
	struct emu_devshm_seg *s = emu_devshm_get();
	unsigned int i, n = 0;

	if (!s)
		return 0;
	emu_devshm_prune(s);
	for (i = 0; i < EMU_DEVSHM_MAX_CTX && n < max; i++) {
		if (s->slots[i].pid)
			out[n++] = s->slots[i].ctx;
	}
	emu_devshm_unlock(s);
	return n;
}

unsigned int emu_devshm_ctx_count(void)
{
	struct emu_devshm_seg *s = emu_devshm_get();
	unsigned int i, n = 0;

	if (!s)
		return 0;
	emu_devshm_prune(s);
	for (i = 0; i < EMU_DEVSHM_MAX_CTX; i++) {
		if (s->slots[i].pid)
			n++;
	}
	emu_devshm_unlock(s);
	return n;
}

/* ---- device attributes ---- */

uint32_t emu_devshm_power_mode_get(void)
{
	struct emu_devshm_seg *s = emu_devshm_get();
	uint32_t mode;

	if (!s)
		return 0;
	mode = s->power_mode;
	emu_devshm_unlock(s);
	return mode;
}

void emu_devshm_power_mode_set(uint32_t mode)
{
	struct emu_devshm_seg *s = emu_devshm_get();

	if (!s)
		return;
	s->power_mode = mode;
	emu_devshm_unlock(s);
}

/* ---- test hook ---- */

int xdna_emu_devshm_lock_hold(void)
{
	int ret;

	emu_lock();
	ret = emu_devshm_get() ? 0 : -ENODEV;
	emu_unlock();
	return ret;
}
