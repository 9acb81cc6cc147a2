// SPDX-License-Identifier: MIT
/*
 * xdna-emu: the device-wide state shared by processes (emu_devshm.c).
 *
 * Two-process tests: the other process is this binary again, exec'ed
 * (the emulator's worker threads do not survive fork()).  A constructor
 * makes it a helper when DEVSHM_TEST_HELPER is set: it runs the command
 * there, reports on fd 3 and waits for EOF on fd 4, then exits (or dies).
 * Each test uses its own segment (XDNA_EMU_SHM_NAME).
 *
 * Defines emu_devshm_tcase(); the suite's main is elsewhere.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "amdxdna_uapi.h"
#include "xdna_emu.h"
#include "emu_test.h"

#define DEVSHM_DEV	"/dev/accel/accel0"
#define DEVSHM_HEAP	(64ULL << 20)
#define DEVSHM_LIMIT	16		/* npu4 hwctx_limit (emu_flavour.c) */
#define DEVSHM_REFUSED	EINVAL		/* firmware refusal (RULES.md CTX-BUDGET) */
#define DEVSHM_ENV	"DEVSHM_TEST_HELPER"
#define DEVSHM_REPORT_FD 3
#define DEVSHM_CTL_FD	4

extern char **environ;

static char devshm_name[64];		/* this test's segment */

/* ---- device helpers (usable in the helper, so no ck_assert) ---- */

static int dx_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* Heap mappings by fd: they hold the file, dx_close() drops them. */
static void *dx_heap_va[256];

/* Open the device and map a heap: the fd, or -errno. */
static int dx_open(void)
{
	struct amdxdna_drm_create_bo cb = {
		.type = AMDXDNA_BO_DEV_HEAP, .size = DEVSHM_HEAP,
	};
	struct amdxdna_drm_get_bo_info info = { 0 };
	int fd = open(DEVSHM_DEV, O_RDWR | O_CLOEXEC), ret;
	void *va;

	if (fd < 0)
		return -errno;
	ret = dx_ioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_BO, &cb);
	if (!ret) {
		info.handle = cb.handle;
		ret = dx_ioctl(fd, DRM_IOCTL_AMDXDNA_GET_BO_INFO, &info);
	}
	if (!ret) {
		va = mmap(NULL, DEVSHM_HEAP, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, (off_t)info.map_offset);
		if (va == MAP_FAILED)
			ret = -errno;
	}
	if (!ret && fd >= (int)(sizeof(dx_heap_va) / sizeof(dx_heap_va[0]))) {
		munmap(va, DEVSHM_HEAP);
		ret = -EMFILE;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	dx_heap_va[fd] = va;
	return fd;
}

static void dx_close(int fd)
{
	munmap(dx_heap_va[fd], DEVSHM_HEAP);
	dx_heap_va[fd] = NULL;
	close(fd);
}

static int dx_ctx(int fd, uint32_t *handle)
{
	union emu_qos qos = { .info.priority = AMDXDNA_QOS_NORMAL_PRIORITY };
	struct amdxdna_drm_create_hwctx args = {
		.qos_p = (uintptr_t)&qos,
		.num_tiles = 4,
	};
	int ret = dx_ioctl(fd, DRM_IOCTL_AMDXDNA_CREATE_HWCTX, &args);

	if (!ret && handle)
		*handle = args.handle;
	return ret;
}

/* GET_ARRAY HW_CONTEXT_ALL: entries written, or -errno. */
static int dx_list(int fd, struct amdxdna_drm_hwctx_entry *e, uint32_t max)
{
	struct amdxdna_drm_get_array arr = {
		.param = DRM_AMDXDNA_HW_CONTEXT_ALL,
		.element_size = sizeof(*e),
		.num_element = max,
		.buffer = (uintptr_t)e,
	};
	int ret = dx_ioctl(fd, DRM_IOCTL_AMDXDNA_GET_ARRAY, &arr);

	return ret ? ret : (int)arr.num_element;
}

/* How many listed contexts belong to pid. */
static int dx_count_pid(int fd, pid_t pid)
{
	struct amdxdna_drm_hwctx_entry e[64];
	int n = dx_list(fd, e, 64), i, c = 0;

	for (i = 0; i < n; i++)
		c += e[i].pid == pid;
	return n < 0 ? n : c;
}

/* ---- the helper process ---- */

static void helper_report(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void helper_report(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(DEVSHM_REPORT_FD, buf, (size_t)n) != n)
		_exit(3);
}

static void helper_wait(void)
{
	char c;

	while (read(DEVSHM_CTL_FD, &c, 1) > 0)
		;
}

/*
 * "ctx N": create up to N contexts; report "<created> <errno of the
 * first refusal or 0> <contexts listed> <of them by the parent>".
 * "lock": take the segment lock, report "locked" and die with it.
 */
static int helper_main(const char *cmd)
{
	unsigned int n, i, made = 0;
	int fd = dx_open(), err = 0;

	if (fd < 0) {
		helper_report("open %d\n", -fd);
		return 2;
	}
	if (!strcmp(cmd, "lock")) {
		if (xdna_emu_try_devshm_lock_hold())
			return 2;
		helper_report("locked\n");
		raise(SIGKILL);
		return 2;
	}
	if (sscanf(cmd, "ctx %u", &n) != 1)
		return 2;
	for (i = 0; i < n; i++) {
		int ret = dx_ctx(fd, NULL);

		if (ret) {
			err = -ret;
			break;
		}
		made++;
	}
	{
		struct amdxdna_drm_hwctx_entry e[64];

		helper_report("%u %d %d %d\n", made, err, dx_list(fd, e, 64),
			      dx_count_pid(fd, getppid()));
	}
	helper_wait();
	dx_close(fd);
	return 0;
}

__attribute__((constructor)) static void devshm_helper_ctor(void)
{
	const char *cmd = getenv(DEVSHM_ENV);

	if (cmd && *cmd)
		exit(helper_main(cmd));	/* exit(): the emulator detaches */
}

/* ---- the test side ---- */

struct helper {
	pid_t pid;
	int report;			/* read end */
	int ctl;			/* write end; closing it ends the helper */
};

static void helper_start(struct helper *h, const char *cmd)
{
	char *self = realpath("/proc/self/exe", NULL);
	char env[128], **envp;
	int rep[2], ctl[2];
	size_t n = 0, i;

	ck_assert_ptr_nonnull(self);
	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	ck_assert_ptr_nonnull(envp);
	for (i = 0; i < n; i++)
		envp[i] = environ[i];
	snprintf(env, sizeof(env), DEVSHM_ENV "=%s", cmd);
	envp[n] = env;
	/* O_CLOEXEC: the helper keeps only fds 3 and 4 (or sees no EOF) */
	ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
	h->pid = fork();
	ck_assert_int_ge(h->pid, 0);
	if (!h->pid) {
		/* above 3 and 4 first, so that dup2 never overwrites a source */
		int w = fcntl(rep[1], F_DUPFD_CLOEXEC, 10);
		int r = fcntl(ctl[0], F_DUPFD_CLOEXEC, 10);

		if (w < 0 || r < 0 || dup2(w, DEVSHM_REPORT_FD) < 0 ||
		    dup2(r, DEVSHM_CTL_FD) < 0)
			_exit(127);
		execve(self, (char *[]){ "emu_devshm_helper", NULL }, envp);
		_exit(127);
	}
	close(rep[1]);
	close(ctl[0]);
	h->report = rep[0];
	h->ctl = ctl[1];
	free(envp);
	free(self);
}

/* One report line (the helper writes each at once). */
static void helper_read(struct helper *h, char *buf, size_t size)
{
	struct pollfd p = { .fd = h->report, .events = POLLIN };
	ssize_t n;

	ck_assert_int_eq(poll(&p, 1, 30000), 1);
	n = read(h->report, buf, size - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
}

/* Lets the helper exit normally; returns its wait status. */
static int helper_finish(struct helper *h)
{
	int status;

	close(h->ctl);
	ck_assert_int_eq(waitpid(h->pid, &status, 0), h->pid);
	close(h->report);
	return status;
}

static void helper_kill(struct helper *h)
{
	int status;

	ck_assert_int_eq(kill(h->pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(h->pid, &status, 0), h->pid);
	ck_assert(WIFSIGNALED(status));
	close(h->ctl);
	close(h->report);
}

static bool segment_exists(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/shm%s", devshm_name);
	return !access(path, F_OK);
}

static void devshm_setup(void)
{
	static unsigned int seq;

	snprintf(devshm_name, sizeof(devshm_name), "/xdna-emu-test-%d-%u",
		 (int)getpid(), seq++);
	ck_assert_int_eq(setenv("XDNA_EMU_SHM_NAME", devshm_name, 1), 0);
	/* An upstream driver on npu4: 16 contexts, then -EINVAL. */
	setenv("XDNA_EMU_FLAVOUR", "7.0", 1);
	unsetenv("XDNA_EMU_DEVICE");
}

static void devshm_teardown(void)
{
	struct xdna_emu_census c;

	ck_assert_int_eq(xdna_emu_try_census_get(&c), 0);
	ck_assert_uint_eq(c.open_files, 0);
	ck_assert_uint_eq(c.hwctxs, 0);
	/* the last user is gone: no segment left behind */
	ck_assert(!segment_exists());
	unsetenv("XDNA_EMU_SHM_NAME");
}

START_TEST(test_devshm_visible_across_processes)
{
	struct amdxdna_drm_query_hwctx hw[8];
	struct amdxdna_drm_get_info info;
	struct amdxdna_drm_hwctx_entry e[8];
	unsigned int made, listed, parents;
	struct helper h;
	char line[128];
	uint32_t ctx;
	int fd = dx_open(), err, i, mine = 0, theirs = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dx_ctx(fd, &ctx), 0);
	helper_start(&h, "ctx 2");
	helper_read(&h, line, sizeof(line));
	/* B sees A's context beside its own two */
	ck_assert_int_eq(sscanf(line, "%u %d %u %u", &made, &err, &listed,
				&parents), 4);
	ck_assert_uint_eq(made, 2);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(listed, 3);
	ck_assert_uint_eq(parents, 1);

	/* A sees B's two, with B's pid, in GET_ARRAY and GET_INFO */
	ck_assert_int_eq(dx_list(fd, e, 8), 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(e[i].num_col, 1);
		ck_assert_uint_eq(e[i].priority, AMDXDNA_QOS_NORMAL_PRIORITY);
		mine += e[i].pid == getpid() && e[i].context_id == ctx;
		theirs += e[i].pid == h.pid;
	}
	ck_assert_int_eq(mine, 1);
	ck_assert_int_eq(theirs, 2);
	memset(&info, 0, sizeof(info));
	info.param = DRM_AMDXDNA_QUERY_HW_CONTEXTS;
	info.buffer_size = sizeof(hw);
	info.buffer = (uintptr_t)hw;
	ck_assert_int_eq(dx_ioctl(fd, DRM_IOCTL_AMDXDNA_GET_INFO, &info), 0);
	ck_assert_uint_eq(info.buffer_size, sizeof(hw) - 3 * sizeof(hw[0]));
	{
		struct amdxdna_drm_get_resource_info res;

		memset(&info, 0, sizeof(info));
		info.param = DRM_AMDXDNA_QUERY_RESOURCE_INFO;
		info.buffer_size = sizeof(res);
		info.buffer = (uintptr_t)&res;
		ck_assert_int_eq(dx_ioctl(fd, DRM_IOCTL_AMDXDNA_GET_INFO,
					  &info), 0);
		ck_assert_uint_eq(res.npu_task_max, DEVSHM_LIMIT);
		ck_assert_uint_eq(res.npu_task_curr, 3);
	}

	/* B's contexts go with B (its files released at exit) */
	ck_assert_int_eq(helper_finish(&h), 0);
	ck_assert_int_eq(dx_list(fd, e, 8), 1);
	ck_assert_int_eq(e[0].pid, getpid());
	dx_close(fd);
}
END_TEST

START_TEST(test_devshm_budget_shared)
{
	unsigned int made, listed, parents, n = 5, i;
	struct helper h;
	char line[128];
	int fd = dx_open(), err;

	ck_assert_int_ge(fd, 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(dx_ctx(fd, NULL), 0);
	helper_start(&h, "ctx 16");
	helper_read(&h, line, sizeof(line));
	ck_assert_int_eq(sscanf(line, "%u %d %u %u", &made, &err, &listed,
				&parents), 4);
	/* B's (limit - n + 1)th context is refused */
	ck_assert_uint_eq(made, DEVSHM_LIMIT - n);
	ck_assert_int_eq(err, DEVSHM_REFUSED);
	ck_assert_uint_eq(listed, DEVSHM_LIMIT);
	ck_assert_uint_eq(parents, n);
	/* and so is A's next one while B holds the rest */
	ck_assert_int_eq(dx_ctx(fd, NULL), -DEVSHM_REFUSED);
	ck_assert_int_eq(helper_finish(&h), 0);
	ck_assert_int_eq(dx_ctx(fd, NULL), 0);
	dx_close(fd);
}
END_TEST

START_TEST(test_devshm_killed_holder_frees_budget)
{
	struct amdxdna_drm_hwctx_entry e[64];
	unsigned int made, listed, parents, i;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct helper h;
	char line[128];
	int fd = dx_open(), err, status;

	ck_assert_int_ge(fd, 0);
	helper_start(&h, "ctx 16");
	helper_read(&h, line, sizeof(line));
	ck_assert_int_eq(sscanf(line, "%u %d %u %u", &made, &err, &listed,
				&parents), 4);
	ck_assert_uint_eq(made, DEVSHM_LIMIT);
	ck_assert_int_eq(dx_ctx(fd, NULL), -DEVSHM_REFUSED);

	/* SIGKILL: no release, no detach; even unreaped, it owns nothing */
	ck_assert_int_eq(kill(h.pid, SIGKILL), 0);
	for (i = 0; i < 500 && dx_count_pid(fd, h.pid) > 0; i++)
		nanosleep(&ts, NULL);
	ck_assert_int_eq(dx_count_pid(fd, h.pid), 0);
	ck_assert_int_eq(dx_list(fd, e, 64), 0);
	ck_assert_int_eq(waitpid(h.pid, &status, 0), h.pid);
	ck_assert(WIFSIGNALED(status));
	close(h.ctl);
	close(h.report);
	for (i = 0; i < DEVSHM_LIMIT; i++)
		ck_assert_int_eq(dx_ctx(fd, NULL), 0);
	ck_assert_int_eq(dx_ctx(fd, NULL), -DEVSHM_REFUSED);
	dx_close(fd);
}
END_TEST

START_TEST(test_devshm_killed_lock_holder)
{
	struct helper h;
	char line[128];
	int fd;

	/* dies holding the lock before anybody else is attached */
	helper_start(&h, "lock");
	helper_read(&h, line, sizeof(line));
	ck_assert_str_eq(line, "locked\n");
	helper_kill(&h);
	ck_assert(segment_exists());	/* it never detached */
	fd = dx_open();			/* attach: EOWNERDEAD, repaired */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dx_ctx(fd, NULL), 0);

	/* and while this process is attached and holds a context */
	helper_start(&h, "lock");
	helper_read(&h, line, sizeof(line));
	ck_assert_str_eq(line, "locked\n");
	helper_kill(&h);
	ck_assert_int_eq(dx_count_pid(fd, getpid()), 1);
	ck_assert_int_eq(dx_ctx(fd, NULL), 0);
	ck_assert_int_eq(dx_count_pid(fd, getpid()), 2);
	dx_close(fd);			/* last user: unlinks (teardown checks) */
}
END_TEST

START_TEST(test_devshm_unlinked_by_last_user)
{
	unsigned int made, listed, parents;
	struct helper h;
	char line[128];
	int fd, err;

	/* a clean exit of the only user removes the segment */
	ck_assert(!segment_exists());
	helper_start(&h, "ctx 1");
	helper_read(&h, line, sizeof(line));
	ck_assert_int_eq(sscanf(line, "%u %d %u %u", &made, &err, &listed,
				&parents), 4);
	ck_assert_uint_eq(made, 1);
	ck_assert(segment_exists());
	ck_assert_int_eq(helper_finish(&h), 0);
	ck_assert(!segment_exists());

	/* one killed is pruned by the next user, whose exit removes it */
	helper_start(&h, "ctx 1");
	helper_read(&h, line, sizeof(line));
	helper_kill(&h);
	ck_assert(segment_exists());
	fd = dx_open();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dx_count_pid(fd, h.pid), 0);
	dx_close(fd);
	ck_assert(!segment_exists());

	/* while another process is attached, closing does not remove it */
	fd = dx_open();
	ck_assert_int_ge(fd, 0);
	helper_start(&h, "ctx 1");
	helper_read(&h, line, sizeof(line));
	ck_assert_int_eq(helper_finish(&h), 0);
	ck_assert(segment_exists());
	dx_close(fd);
	ck_assert(!segment_exists());
}
END_TEST

START_TEST(test_devshm_fork_child_owns_nothing)
{
	struct amdxdna_drm_hwctx_entry e[8];
	uint32_t ctx;
	pid_t pid;
	int fd = dx_open(), status;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dx_ctx(fd, &ctx), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		/* the inherited fd sees the parent's context, not as ours */
		int n = dx_list(fd, e, 8), ok;

		ok = n == 1 && e[0].pid == getppid() &&
		     e[0].context_id == ctx;
		dx_close(fd);		/* releases the orphaned copy only */
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(dx_list(fd, e, 8), 1);
	ck_assert_int_eq(e[0].pid, getpid());
	ck_assert(segment_exists());
	dx_close(fd);
}
END_TEST

START_TEST(test_devshm_names_and_layout)
{
	char path[128];
	int fd;

	/* bad names are refused, not replaced by the default */
	ck_assert_int_eq(setenv("XDNA_EMU_SHM_NAME", "no-slash", 1), 0);
	ck_assert_int_eq(open(DEVSHM_DEV, O_RDWR), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(setenv("XDNA_EMU_SHM_NAME", "/a/b", 1), 0);
	ck_assert_int_eq(open(DEVSHM_DEV, O_RDWR), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(setenv("XDNA_EMU_SHM_NAME", "/..", 1), 0);
	ck_assert_int_eq(open(DEVSHM_DEV, O_RDWR), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* a segment of another layout (another build) is refused */
	ck_assert_int_eq(setenv("XDNA_EMU_SHM_NAME", devshm_name, 1), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", devshm_name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "XDNAEMU\0\x63\0\0\0\x10\0\0\0", 16), 16);
	close(fd);
	ck_assert_int_eq(open(DEVSHM_DEV, O_RDWR), -1);
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_int_eq(unlink(path), 0);

	fd = open(DEVSHM_DEV, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert(segment_exists());
	close(fd);
}
END_TEST

TCase *emu_devshm_tcase(void);

TCase *emu_devshm_tcase(void)
{
	TCase *tc = tcase_create("devshm");

	tcase_add_checked_fixture(tc, devshm_setup, devshm_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_devshm_visible_across_processes);
	tcase_add_test(tc, test_devshm_budget_shared);
	tcase_add_test(tc, test_devshm_killed_holder_frees_budget);
	tcase_add_test(tc, test_devshm_killed_lock_holder);
	tcase_add_test(tc, test_devshm_unlinked_by_last_user);
	tcase_add_test(tc, test_devshm_fork_child_owns_nothing);
	tcase_add_test(tc, test_devshm_names_and_layout);
	return tc;
}
