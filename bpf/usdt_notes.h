/* SPDX-License-Identifier: MIT */
/* Reading SystemTap SDT (USDT) notes of an ELF file. */
#ifndef USDT_NOTES_H
#define USDT_NOTES_H

#include <stdint.h>

struct usdt_note {
	char provider[64];
	char name[64];
	char args[192];
	uint64_t pc;
	uint64_t semaphore;	/* link-time address, 0 if none */
};

/*
 * Call fn for every probe of @provider (NULL: any) in the ELF file @path.
 * Returns the number of probes seen or a negative errno.
 */
int usdt_for_each(const char *path, const char *provider,
		  void (*fn)(const struct usdt_note *note, void *ctx), void *ctx);

static inline int usdt_count_probes(const char *path, const char *provider)
{
	return usdt_for_each(path, provider, 0, 0);
}

#endif /* USDT_NOTES_H */
