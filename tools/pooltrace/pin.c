// SPDX-License-Identifier: MIT
/*
 * --pin DIR: the maps stay pinned after pooltrace exits, written by no
 * program (it detaches every one before the last read), unless --pin-live
 * pins them at start.  An occupied directory is refused without --force.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "pooltrace_tool.h"
#include "pooltrace.skel.h"

#define BPF_FS_MAGIC	0xcafe4a11

static int ensure_bpffs(const char *dir)
{
	struct statfs sfs;
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s", dir);
	/* The directory may not exist yet: check where it would live. */
	while (statfs(parent, &sfs)) {
		char *slash = strrchr(parent, '/');

		if (!slash || slash == parent)
			return -ENOENT;
		*slash = 0;
	}
	if ((unsigned long)sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (strncmp(dir, "/sys/fs/bpf", 11)) {
		fprintf(stderr, "pooltrace: --pin %s: not on a bpf filesystem (use /sys/fs/bpf/...)\n",
			dir);
		return -EINVAL;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		fprintf(stderr, "pooltrace: cannot mount bpffs on /sys/fs/bpf: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static const char *const pinned_maps[] = { "hists", "counters", "pools" };

/* Before tracing: an occupied directory is refused unless --force. */
int pt_pin_check(const struct opts *o)
{
	char path[PATH_MAX];
	size_t i;
	int err = ensure_bpffs(o->pin_dir);

	if (err)
		return err;
	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", o->pin_dir, pinned_maps[i]);
		if (access(path, F_OK))
			continue;
		if (!o->force) {
			fprintf(stderr, "pooltrace: --pin %s: %s is already pinned (pooltrace --unpin "
					"%s, or --force to replace it)\n", o->pin_dir, path, o->pin_dir);
			return -EEXIST;
		}
		unlink(path);
	}
	if (mkdir(o->pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "pooltrace: mkdir %s: %s\n", o->pin_dir, strerror(-err));
		return err;
	}
	return 0;
}

int pt_pin_maps(struct pooltrace_bpf *skel, const char *dir)
{
	struct bpf_map *maps[] = { skel->maps.hists, skel->maps.counters, skel->maps.pools };
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		err = bpf_map__pin(maps[i], path);
		if (err) {
			fprintf(stderr, "pooltrace: pin %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

int pt_unpin(const char *dir)
{
	char path[PATH_MAX];
	int removed = 0;
	size_t i;

	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		if (!unlink(path))
			removed++;
		else if (errno != ENOENT)
			fprintf(stderr, "pooltrace: unlink %s: %s\n", path, strerror(errno));
	}
	if (rmdir(dir) && errno != ENOENT)
		fprintf(stderr, "pooltrace: rmdir %s: %s\n", dir, strerror(errno));
	if (!removed) {
		fprintf(stderr, "pooltrace: nothing pinned under %s\n", dir);
		return 1;
	}
	return 0;
}

