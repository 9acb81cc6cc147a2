// SPDX-License-Identifier: MIT
/*
 * Memory pressure and ageing: a PSI trigger on /proc/pressure/memory and a
 * timerfd, both behind one epoll fd the user polls (or a helper thread
 * does, when asked).  Pressure trims every pool to its minimum; the timer
 * frees buffers idle longer than their pool's idle_timeout_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "internal.h"

#define PSI_WINDOW_UNPRIV	2000000u	/* unprivileged windows: multiples of 2 s */

struct pool_monitor {
	int epfd;
	int psi_fd;
	int timer_fd;
	int stop_fd;
	unsigned int flags;
	char trigger[64];
	void (*on_pressure)(void *arg, int freed);
	void *arg;
	pthread_t thread;
	bool has_thread;
};

enum { EV_PSI = 1, EV_TIMER, EV_STOP };

static int psi_open(struct pool_monitor *m, const char *path, unsigned int stall,
		    unsigned int window)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	size_t len;

	if (fd < 0)
		return -errno;
	for (;;) {
		snprintf(m->trigger, sizeof(m->trigger), "some %u %u", stall, window);
		len = strlen(m->trigger) + 1;
		if (write(fd, m->trigger, len) == (ssize_t)len)
			break;
		if (errno != EINVAL || window % PSI_WINDOW_UNPRIV == 0) {
			int err = -errno;

			close(fd);
			m->trigger[0] = '\0';
			return err;
		}
		/* without CAP_SYS_RESOURCE the window must be a multiple of 2 s */
		window = (window / PSI_WINDOW_UNPRIV + 1) * PSI_WINDOW_UNPRIV;
	}
	m->psi_fd = fd;
	return 0;
}

static int ep_add(int epfd, int fd, uint32_t events, int tag)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int handle(struct pool_monitor *m, int tag)
{
	uint64_t ticks;
	int freed;

	if (tag == EV_TIMER) {
		if (read(m->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			return -errno;
		return pool_trim_all(POOL_TRIM_IDLE);
	}
	if (tag == EV_PSI) {
		freed = pool_trim_all(0);
		if (m->on_pressure)
			m->on_pressure(m->arg, freed);
		return freed;
	}
	return 0;
}

int pool_monitor_dispatch(struct pool_monitor *m)
{
	struct epoll_event ev[4];
	int n, total = 0;

	if (!m)
		return -EINVAL;
	n = epoll_wait(m->epfd, ev, ARRAY_SIZE(ev), 0);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		int r = handle(m, (int)ev[i].data.u32);

		if (r > 0)
			total += r;
	}
	return total;
}

static void *monitor_thread(void *arg)
{
	struct pool_monitor *m = arg;
	struct epoll_event ev[4];

	for (;;) {
		int n = epoll_wait(m->epfd, ev, ARRAY_SIZE(ev), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == EV_STOP)
				return NULL;
			handle(m, (int)ev[i].data.u32);
		}
	}
	return NULL;
}

static void monitor_close(struct pool_monitor *m)
{
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->psi_fd >= 0)
		close(m->psi_fd);
	if (m->timer_fd >= 0)
		close(m->timer_fd);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	free(m);
}

struct pool_monitor *pool_monitor_create(const struct pool_monitor_opts *opts)
{
	unsigned int flags = OPTS_GET(opts, flags, 0);
	unsigned int stall = OPTS_GET(opts, stall_us, 0) ? opts->stall_us : 150000;
	unsigned int window = OPTS_GET(opts, window_us, 0) ? opts->window_us : USEC_PER_SEC;
	unsigned int ival = OPTS_GET(opts, interval_ms, 0) ? opts->interval_ms : MSEC_PER_SEC;
	const char *path = OPTS_GET(opts, psi_path, NULL);
	struct itimerspec its = { 0 };
	struct pool_monitor *m;
	int err = -EINVAL;

	if (!OPTS_VALID(opts, struct pool_monitor_opts, sizeof(size_t)) ||
	    (flags & ~(POOL_MON_THREAD | POOL_MON_NO_PSI)) || stall > window)
		goto err;
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto err;
	}
	m->psi_fd = m->timer_fd = m->stop_fd = -1;
	m->flags = flags;
	m->on_pressure = OPTS_GET(opts, on_pressure, NULL);
	m->arg = OPTS_GET(opts, arg, NULL);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0)
		goto err_errno;
	if (!(flags & POOL_MON_NO_PSI)) {
		err = psi_open(m, path ? path : "/proc/pressure/memory", stall, window);
		if (err)
			goto err_close;
		err = ep_add(m->epfd, m->psi_fd, EPOLLPRI, EV_PSI);
		if (err)
			goto err_close;
	}
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0)
		goto err_errno;
	its.it_interval.tv_sec = ival / MSEC_PER_SEC;
	its.it_interval.tv_nsec = (long)((ival % MSEC_PER_SEC) * NSEC_PER_MSEC);
	its.it_value = its.it_interval;
	if (timerfd_settime(m->timer_fd, 0, &its, NULL))
		goto err_errno;
	err = ep_add(m->epfd, m->timer_fd, EPOLLIN, EV_TIMER);
	if (err)
		goto err_close;
	if (flags & POOL_MON_THREAD) {
		m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->stop_fd < 0)
			goto err_errno;
		err = ep_add(m->epfd, m->stop_fd, EPOLLIN, EV_STOP);
		if (err)
			goto err_close;
		err = -pthread_create(&m->thread, NULL, monitor_thread, m);
		if (err)
			goto err_close;
		m->has_thread = true;
	}
	return m;

err_errno:
	err = -errno;
err_close:
	monitor_close(m);
err:
	errno = -err;
	return NULL;
}

int pool_monitor_fd(const struct pool_monitor *m)
{
	if (!m)
		return -EINVAL;
	return m->has_thread ? -EBUSY : m->epfd;
}

bool pool_monitor_has_psi(const struct pool_monitor *m)
{
	return m && m->psi_fd >= 0;
}

const char *pool_monitor_trigger(const struct pool_monitor *m)
{
	return m && m->psi_fd >= 0 ? m->trigger : NULL;
}

void pool_monitor_destroy(struct pool_monitor *m)
{
	uint64_t one = 1;

	if (!m)
		return;
	if (m->has_thread) {
		if (write(m->stop_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(m->thread);
		pthread_join(m->thread, NULL);
	}
	monitor_close(m);
}
