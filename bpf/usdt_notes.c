// SPDX-License-Identifier: MIT
/*
 * USDT note reader (libelf).  The note format is SystemTap's: owner
 * "stapsdt", type 3, descriptor = pc, base, semaphore (ELF address size)
 * followed by provider, name and argument strings.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "usdt_notes.h"

#define NT_STAPSDT	3

static void copy_str(char *dst, size_t cap, const char **p, const char *end)
{
	size_t n = strnlen(*p, (size_t)(end - *p));

	snprintf(dst, cap, "%.*s", (int)n, *p);
	*p += n + (*p + n < end);
}

static int parse_note(Elf_Data *data, size_t desc_off, size_t desc_sz, int cls,
		      struct usdt_note *n)
{
	size_t asz = cls == ELFCLASS64 ? 8 : 4;
	const char *d = (const char *)data->d_buf + desc_off, *end = d + desc_sz;
	uint64_t a[3] = { 0 };
	int i;

	if (desc_sz < 3 * asz)
		return -EINVAL;
	for (i = 0; i < 3; i++) {
		if (asz == 8) {
			memcpy(&a[i], d + i * 8, 8);
		} else {
			uint32_t v;

			memcpy(&v, d + i * 4, 4);
			a[i] = v;
		}
	}
	n->pc = a[0];
	n->semaphore = a[2];
	d += 3 * asz;
	copy_str(n->provider, sizeof(n->provider), &d, end);
	copy_str(n->name, sizeof(n->name), &d, end);
	copy_str(n->args, sizeof(n->args), &d, end);
	return 0;
}

static int scan_section(Elf_Scn *scn, int cls, const char *provider,
			void (*fn)(const struct usdt_note *, void *), void *ctx)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;
	int count = 0;

	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		struct usdt_note n;

		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
			continue;
		if (parse_note(data, desc_off, nh.n_descsz, cls, &n))
			continue;
		if (provider && strcmp(n.provider, provider))
			continue;
		if (fn)
			fn(&n, ctx);
		count++;
	}
	return count;
}

int usdt_for_each(const char *path, const char *provider,
		  void (*fn)(const struct usdt_note *note, void *ctx), void *ctx)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, count = 0, cls;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx)) {
		count = -ENOEXEC;
		goto out;
	}
	cls = gelf_getclass(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".note.stapsdt"))
			count += scan_section(scn, cls, provider, fn, ctx);
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return count;
}
