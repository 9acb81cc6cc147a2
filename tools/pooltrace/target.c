// SPDX-License-Identifier: MIT
/*
 * What pooltrace traces: the privileges it needs, and the files holding the
 * probes.  With -p PID, libpool.so and libxdna-shim.so when the process maps
 * them, else its executable (static links); either provider may be missing,
 * not both.  An unreadable /proc/PID/maps is "permission denied", not
 * "no such process", with its likely cause.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pooltrace_tool.h"
#include "usdt_notes.h"

static bool has_cap_sys_admin(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ull << 21);	/* CAP_SYS_ADMIN */
}

int pt_preflight(void)
{
	if (!has_cap_sys_admin()) {
		fprintf(stderr, "pooltrace: attaching uprobes needs CAP_SYS_ADMIN: run as root\n");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "pooltrace: this kernel has no BTF (/sys/kernel/btf/vmlinux): "
				"CO-RE programs cannot load\n");
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Why /proc/PID/maps (or exe) was refused.  Not root: another user's process.  Root:
 * the kernel's ptrace access check (PTRACE_MODE_READ) still said no: root
 * without CAP_SYS_PTRACE (a capability bounding set, a container), Yama's
 * ptrace_scope 3, an LSM, or a process of another user namespace.
 */
static const char *eacces_hint(void)
{
	if (geteuid() != 0)
		return "another user's process: run pooltrace as root";
	return "refused to root by the ptrace access check: no CAP_SYS_PTRACE, Yama "
	       "ptrace_scope, an LSM, or another user namespace";
}

static int check_probes(char *path, const char *provider)
{
	int n = usdt_count_probes(path, provider);

	if (n == -EACCES && !strncmp(path, "/proc/", 6)) {
		/* /proc/PID/exe and root/ are behind the same ptrace access check */
		fprintf(stderr, "pooltrace: cannot read ELF notes of %s: %s (%s)\n", path,
			strerror(-n), eacces_hint());
		return n;
	}
	if (n < 0) {
		fprintf(stderr, "pooltrace: cannot read ELF notes of %s: %s\n", path, strerror(-n));
		return n;
	}
	if (!n)
		path[0] = 0;
	return 0;
}

int pt_resolve_target(const struct opts *o, struct targets *t)
{
	char maps[64], line[PATH_MAX + 256];
	FILE *f;
	int err;

	t->pool[0] = t->shim[0] = 0;
	if (o->binary) {
		if (access(o->binary, R_OK)) {
			err = -errno;
			fprintf(stderr, "pooltrace: --binary '%s': %s\n", o->binary, strerror(-err));
			return err;
		}
		snprintf(t->pool, sizeof(t->pool), "%s", o->binary);
		snprintf(t->shim, sizeof(t->shim), "%s", o->binary);
	} else {
		snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)o->pid);
		f = fopen(maps, "r");
		if (!f) {
			err = -errno;
			if (err == -ENOENT)
				fprintf(stderr, "pooltrace: no such process: %d\n", (int)o->pid);
			else if (err == -EACCES)
				fprintf(stderr, "pooltrace: cannot read %s: %s (%s)\n", maps,
					strerror(-err), eacces_hint());
			else
				fprintf(stderr, "pooltrace: cannot read %s: %s\n", maps,
					strerror(-err));
			return err;
		}
		while (fgets(line, sizeof(line), f)) {
			char *file = strchr(line, '/');
			char *dst;

			if (!file)
				continue;
			if (strstr(file, "/libpool.so"))
				dst = t->pool;
			else if (strstr(file, "/libxdna-shim.so"))
				dst = t->shim;
			else
				continue;
			file[strcspn(file, "\n")] = 0;
			if (!dst[0])
				snprintf(dst, PATH_MAX, "/proc/%d/root%s", (int)o->pid, file);
		}
		fclose(f);
		/* Statically linked: the probes are in the executable. */
		if (!t->pool[0])
			snprintf(t->pool, sizeof(t->pool), "/proc/%d/exe", (int)o->pid);
		if (!t->shim[0])
			snprintf(t->shim, sizeof(t->shim), "/proc/%d/exe", (int)o->pid);
	}
	if (check_probes(t->pool, PROVIDER) || check_probes(t->shim, PROVIDER_XDNA))
		return -EIO;
	if (!t->pool[0] && !t->shim[0]) {
		fprintf(stderr, "pooltrace: %s has no '%s' or '%s' USDT probes (built without "
				"probes, or not linked with libpool or libxdna-shim)\n",
			o->binary ? o->binary : "the process", PROVIDER, PROVIDER_XDNA);
		return -ENOENT;
	}
	return 0;
}


/* A pidfd of the traced process, or -1: readable once it has exited. */
int pt_watch_target(pid_t pid)
{
#ifdef SYS_pidfd_open
	return pid ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
#else
	(void)pid;
	return -1;
#endif
}

bool pt_target_gone(int pidfd, pid_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (!pid)
		return false;
	if (pidfd >= 0)
		return poll(&p, 1, 0) == 1;
	return kill(pid, 0) && errno == ESRCH;
}
