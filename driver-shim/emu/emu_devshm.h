/* SPDX-License-Identifier: MIT */
/*
 * xdna-emu device-wide state, shared by every process that opens the
 * emulated /dev/accel/accel0: the hardware-context budget, the contexts
 * GET_ARRAY / GET_INFO HW_CONTEXTS report (every client's), and the power
 * mode.  It lives in a POSIX shared-memory segment, "/xdna-emu-accel0"
 * unless XDNA_EMU_SHM_NAME names another ("/" then 1..200 characters of
 * [A-Za-z0-9._-], not "." or ".."; anything else makes open() fail with
 * EINVAL and one line on stderr).
 *
 * Lifetime.  A process attaches at its first DRM open (idempotent; also
 * lazily from any call below, e.g. in a fork child that uses inherited
 * fds) and detaches when its last DRM file is released and at exit.  The
 * segment records the attached processes (pid + start time); the last
 * detach shm_unlink()s it.  A segment is created complete (an O_TMPFILE
 * in /dev/shm, initialised, then linked in), so nobody sees a half-built
 * one.  If it cannot be shared (no /dev/shm, ...) the emulator says so
 * once and keeps the same state in private memory: one process, one
 * device, as before.  A segment of another layout (magic, version, size
 * differ: another emulator build) is refused: open() fails with ENODEV
 * and one line on stderr.
 *
 * Dead processes.  Entries are keyed by pid and the process start time
 * (/proc/PID/stat field 22, which guards against pid reuse); a process
 * that is gone (kill(pid, 0) fails with ESRCH, a zombie, or a new process
 * under the pid) loses its entries at every attach, add and list.  The
 * segment lock is a process-shared robust mutex: a holder that dies hands
 * EOWNERDEAD to the next locker, which prunes and marks it consistent.
 * Every critical section leaves the segment valid at each store, so
 * pruning is all the repair needed.
 *
 * fork(): the child is a new pid, so it owns none of the parent's
 * entries; emu_devshm_atfork_child() drops the inherited attachment.
 *
 * Locking: every function here expects emu.lock held (so that no thread
 * of this process holds the segment lock across fork()); the segment
 * lock nests inside emu.lock and is never held while waiting.
 */
#ifndef XDNA_EMU_DEVSHM_H
#define XDNA_EMU_DEVSHM_H

#include <stdint.h>

#define EMU_DEVSHM_DEFAULT_NAME	"/xdna-emu-accel0"
#define EMU_DEVSHM_NAME_MAX	200	/* characters after the '/' */
#define EMU_DEVSHM_MAX_CTX	64	/* slots: >= any device's hwctx_limit */

/* One hardware context as GET_ARRAY reports it. */
struct emu_devshm_ctx {
	int32_t pid;
	uint32_t context_id;
	uint32_t start_col;
	uint32_t num_col;
	uint32_t priority;
	uint32_t gops;
	uint32_t fps;
	uint32_t dma_bandwidth;
	uint32_t latency;
	uint32_t frame_exec_time;
	uint64_t submissions;
	uint64_t completions;
	uint64_t errors;
	uint64_t heap_usage;
};

/* The counters a context updates while it runs. */
struct emu_devshm_counters {
	uint64_t submissions;
	uint64_t completions;
	uint64_t errors;
	uint64_t heap_usage;
};

/* 0, -EINVAL (bad XDNA_EMU_SHM_NAME) or -ENODEV (layout mismatch). */
int emu_devshm_attach(void);
/* Drops this process's entries; the last process unlinks the segment. */
void emu_devshm_detach(void);
/* In the child of fork(), before anything else (emu.lock held). */
void emu_devshm_atfork_child(void);

/*
 * A context of this process: its slot (>= 0), or -EBUSY when `limit`
 * contexts exist device-wide (the caller maps it to the kernel's errno),
 * or another negative errno.  entry->pid is set to the caller's pid.
 */
int emu_devshm_ctx_add(const struct emu_devshm_ctx *entry,
		       unsigned int limit);
/* Both ignore slots this process does not own (e.g. a parent's). */
void emu_devshm_ctx_update(int slot, const struct emu_devshm_counters *c);
void emu_devshm_ctx_del(int slot);
/* Copies at most max live entries of every process; returns how many. */
unsigned int emu_devshm_ctx_list(struct emu_devshm_ctx *out,
				 unsigned int max);
/* Live contexts device-wide. */
unsigned int emu_devshm_ctx_count(void);

uint32_t emu_devshm_power_mode_get(void);
void emu_devshm_power_mode_set(uint32_t mode);

/* Test hook (xdna_emu.h): take the segment lock and keep it, then die. */
int xdna_emu_devshm_lock_hold(void);

#endif /* XDNA_EMU_DEVSHM_H */
