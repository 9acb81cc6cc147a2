// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for libxdna-shim's xclbin reader (make fuzz; seeds in
 * tests/fuzz/corpus/xclbin, replayed by fuzz_replay_xclbin in make check).
 * Oracles: a refused input gives -EBADMSG (or -ENOMEM) and a one-line
 * xdna_errmsg(); an accepted one can be walked through every accessor
 * (ASan checks each byte handed out lies in the object); nothing leaks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdna/shim.h"
#include "xdna/xclbin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void oracle(int ok, const char *what, int rc)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_xclbin: oracle failed: %s (rc %d, '%s')\n", what, rc, xdna_errmsg());
	abort();
}

static int refused(int rc)
{
	const char *msg = xdna_errmsg();

	oracle(rc == -EBADMSG || rc == -ENOMEM, "refused with -EBADMSG", rc);
	oracle(msg && *msg && !strchr(msg, '\n'), "one error line", rc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xdna_xclbin *xb;
	const struct xdna_xclbin_partition *p;
	volatile uint64_t sink = 0;
	unsigned int i, j, n;
	int rc;

	rc = xdna_xclbin_open_mem(data, size, &xb);
	if (rc)
		return refused(rc);
	/* Touch everything the accessors hand out. */
	for (i = 0; i < xdna_xclbin_num_sections(xb); i++) {
		const struct xdna_xclbin_section *s = xdna_xclbin_section(xb, i);

		if (s->size)
			sink += ((const uint8_t *)s->data)[s->size - 1];
	}
	p = xdna_xclbin_partition(xb);
	if (p) {
		sink += strlen(p->name) + strlen(p->kernel_commit_id);
		for (i = 0; i < p->num_start_columns; i++)
			sink += p->start_columns[i];
		for (i = 0; i < p->num_pdis; i++) {
			const struct xdna_xclbin_pdi *d = &p->pdis[i];

			sink += ((const uint8_t *)d->image)[d->size - 1];
			for (j = 0; j < d->num_cdo_groups; j++) {
				sink += strlen(d->cdo_groups[j].name);
				for (n = 0; n < d->cdo_groups[j].num_kernel_ids; n++)
					sink += d->cdo_groups[j].kernel_ids[n];
				for (n = 0; n < d->cdo_groups[j].num_pre_cdo_groups; n++)
					sink += d->cdo_groups[j].pre_cdo_groups[n];
			}
		}
	}
	for (i = 0; i < xdna_xclbin_num_ips(xb); i++)
		sink += strlen(xdna_xclbin_ip(xb, i)->name);
	for (i = 0; i < xdna_xclbin_num_mems(xb); i++)
		sink += strlen(xdna_xclbin_mem(xb, i)->tag);
	for (i = 0; i < xdna_xclbin_num_connections(xb); i++)
		sink += (uint64_t)xdna_xclbin_connection(xb, i)->arg_index;
	for (i = 0; i < xdna_xclbin_num_kernels(xb); i++) {
		const struct xdna_xclbin_kernel *k = xdna_xclbin_kernel(xb, i);

		sink += strlen(k->name) + strlen(k->type) + k->regs_size;
		for (j = 0; j < k->num_args; j++)
			sink += strlen(k->args[j].name) + strlen(k->args[j].type) + k->args[j].offset;
		for (j = 0; j < k->num_instances; j++)
			sink += strlen(k->instances[j]);
		if (xdna_xclbin_kernel_pdi(xb, k))
			sink++;
	}
	(void)sink;
	xdna_xclbin_close(xb);
	return 0;
}
