// SPDX-License-Identifier: MIT
/*
 * xdna-info --xclbin FILE [--json]: the design as `xclbinutil --info`
 * shows it (UUID, sections, partition columns, PDIs, kernels and their
 * arguments), read by libxdna-shim's reader.  No device is opened.
 */
#include <stdio.h>

#include "xdna/shim.h"
#include "xdna/xclbin.h"
#include "xclbin-info.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *cdo_type(uint8_t t)
{
	static const char *const names[] = { "UNKNOWN", "PRIMARY", "LITE", "PREPOST" };

	return t < 4 ? names[t] : "INVALID";
}

static void print_json(const struct xdna_xclbin *xb)
{
	const struct xdna_xclbin_partition *p = xdna_xclbin_partition(xb);
	unsigned int i, j, n;
	char u[37];

	xdna_uuid_str(xdna_xclbin_uuid(xb), u);
	printf("{\"uuid\": \"%s\", \"sections\": [", u);
	for (i = 0; i < xdna_xclbin_num_sections(xb); i++) {
		const struct xdna_xclbin_section *s = xdna_xclbin_section(xb, i);

		printf("%s{\"kind\": \"%s\", \"name\": ", i ? ", " : "",
		       xdna_xclbin_kind_name(s->kind));
		json_str(s->name);
		printf(", \"offset\": %llu, \"size\": %llu}", (unsigned long long)s->offset,
		       (unsigned long long)s->size);
	}
	printf("],\n \"partition\": ");
	if (p) {
		printf("{\"name\": ");
		json_str(p->name);
		printf(", \"column_width\": %u, \"start_columns\": [", p->column_width);
		for (i = 0; i < p->num_start_columns; i++)
			printf("%s%u", i ? ", " : "", p->start_columns[i]);
		printf("], \"ops_per_cycle\": %u}", p->ops_per_cycle);
	} else {
		printf("null");
	}
	printf(",\n \"kernels\": [");
	for (i = 0; i < xdna_xclbin_num_kernels(xb); i++) {
		const struct xdna_xclbin_kernel *k = xdna_xclbin_kernel(xb, i);

		printf("%s{\"name\": ", i ? ",\n   " : "");
		json_str(k->name);
		printf(", \"type\": ");
		json_str(k->type);
		printf(", \"functional\": %u, \"kernel_id\": \"0x%llx\", \"args\": [", k->functional,
		       (unsigned long long)k->kernel_id);
		for (j = 0; j < k->num_args; j++) {
			const struct xdna_xclbin_arg *a = &k->args[j];

			printf("%s{\"name\": ", j ? ", " : "");
			json_str(a->name);
			printf(", \"index\": %u, \"offset\": %u, \"size\": %u, \"type\": \"%s\", "
			       "\"c_type\": ", a->index, a->offset, a->size,
			       a->kind == XDNA_ARG_BUFFER ? "buffer" : "scalar");
			json_str(a->type);
			printf("}");
		}
		printf("]}");
	}
	printf("],\n \"pdis\": [");
	for (i = 0; p && i < p->num_pdis; i++) {
		const struct xdna_xclbin_pdi *d = &p->pdis[i];

		xdna_uuid_str(d->uuid, u);
		printf("%s{\"uuid\": \"%s\", \"size\": %zu, \"cdo_groups\": [", i ? ", " : "", u,
		       d->size);
		for (j = 0; j < d->num_cdo_groups; j++) {
			const struct xdna_xclbin_cdo_group *g = &d->cdo_groups[j];

			printf("%s{\"name\": ", j ? ", " : "");
			json_str(g->name);
			printf(", \"type\": \"%s\", \"pdi_id\": \"0x%llx\", \"kernel_ids\": [",
			       cdo_type(g->type), (unsigned long long)g->pdi_id);
			for (n = 0; n < g->num_kernel_ids; n++)
				printf("%s\"0x%llx\"", n ? ", " : "",
				       (unsigned long long)g->kernel_ids[n]);
			printf("]}");
		}
		printf("]}");
	}
	printf("]}\n");
}

static void print_text(const struct xdna_xclbin *xb)
{
	const struct xdna_xclbin_partition *p = xdna_xclbin_partition(xb);
	unsigned int i, j, n;
	char u[37];

	xdna_uuid_str(xdna_xclbin_uuid(xb), u);
	printf("xclbin UUID:      %s\n", u);
	printf("Sections:         %u\n", xdna_xclbin_num_sections(xb));
	for (i = 0; i < xdna_xclbin_num_sections(xb); i++) {
		const struct xdna_xclbin_section *s = xdna_xclbin_section(xb, i);

		printf("  %-20s %-16s offset %-8llu size %llu\n", xdna_xclbin_kind_name(s->kind),
		       s->name, (unsigned long long)s->offset, (unsigned long long)s->size);
	}
	if (p) {
		printf("AIE partition:    %s, %u column(s), start columns", p->name,
		       p->column_width);
		for (i = 0; i < p->num_start_columns; i++)
			printf(" %u", p->start_columns[i]);
		printf(", %u ops/cycle\n", p->ops_per_cycle);
		for (i = 0; i < p->num_pdis; i++) {
			const struct xdna_xclbin_pdi *d = &p->pdis[i];

			xdna_uuid_str(d->uuid, u);
			printf("  PDI %u:          %s, %zu bytes\n", i, u, d->size);
			for (j = 0; j < d->num_cdo_groups; j++) {
				const struct xdna_xclbin_cdo_group *g = &d->cdo_groups[j];

				printf("    CDO group %s: %s, pdi_id 0x%llx, kernel ids", g->name,
				       cdo_type(g->type), (unsigned long long)g->pdi_id);
				for (n = 0; n < g->num_kernel_ids; n++)
					printf(" 0x%llx", (unsigned long long)g->kernel_ids[n]);
				printf("\n");
			}
		}
	} else {
		printf("AIE partition:    none (not an NPU design)\n");
	}
	for (i = 0; i < xdna_xclbin_num_kernels(xb); i++) {
		const struct xdna_xclbin_kernel *k = xdna_xclbin_kernel(xb, i);

		printf("Kernel:           %s (type %s, functional %u, kernel id 0x%llx)\n", k->name,
		       k->type, k->functional, (unsigned long long)k->kernel_id);
		for (j = 0; j < k->num_args; j++) {
			const struct xdna_xclbin_arg *a = &k->args[j];

			printf("  arg %u %-12s offset 0x%02x size %u %-6s %s\n", a->index, a->name,
			       a->offset, a->size,
			       a->kind == XDNA_ARG_BUFFER ? "buffer" : "scalar", a->type);
		}
		for (j = 0; j < k->num_instances; j++)
			printf("  instance %s\n", k->instances[j]);
	}
}

int xclbin_info(const char *path, bool json)
{
	struct xdna_xclbin *xb;
	int err = xdna_xclbin_open(path, &xb);

	if (err) {
		fprintf(stderr, "xdna-info: %s\n", xdna_errmsg());
		return 2;	/* bad input, as a usage error */
	}
	if (json)
		print_json(xb);
	else
		print_text(xb);
	xdna_xclbin_close(xb);
	return 0;
}
