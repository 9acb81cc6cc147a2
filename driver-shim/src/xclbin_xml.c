// SPDX-License-Identifier: MIT
/*
 * xclbin reader: kernels and their arguments from EMBEDDED_METADATA, the
 * XML XRT reads with boost::property_tree (Xilinx/XRT
 * src/runtime_src/core/common/xclbin_parser.cpp: kernels are the <kernel>
 * children of project.platform.device.core; an <arg> has name, id,
 * addressQualifier, offset, size, type; <extended-data> carries the DPU's
 * functional and dpu_kernel_id; <instance> names the CUs).  Parsed here
 * with expat; a DOCTYPE is refused (no entities, no external fetches).
 */
#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "shim_internal.h"
#include "xclbin_internal.h"

#define XML_MAX_SIZE		(16u << 20)
#define XML_MAX_DEPTH		32
#define XML_MAX_INSTANCES	16

struct xml_alloc {
	struct xml_alloc *next;
	char data[];
};

struct xml_kernel_build {
	struct xdna_xclbin_arg args[XDNA_XCLBIN_MAX_ARGS];
	const char *instances[XML_MAX_INSTANCES];
};

struct xml_ctx {
	struct xdna_xclbin *xb;
	XML_Parser parser;
	int err;
	unsigned int depth;
	/* the path so far is project/platform/device/core, element by element */
	unsigned int path_ok;
	struct xdna_xclbin_kernel *cur;	/* inside a <kernel> */
	unsigned int cur_depth;
	struct xml_kernel_build *build;
};

static void *xml_alloc(struct xdna_xclbin *xb, size_t n)
{
	struct xml_alloc *a = calloc(1, sizeof(*a) + n);

	if (!a)
		return NULL;
	a->next = xb->xml_allocs;
	xb->xml_allocs = a;
	return a->data;
}

static const char *xml_strdup(struct xml_ctx *c, const char *s)
{
	size_t n = strlen(s);
	char *p = xml_alloc(c->xb, n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

void xdna_xclbin_free_xml(struct xdna_xclbin *xb)
{
	struct xml_alloc *a = xb->xml_allocs, *next;

	for (; a; a = next) {
		next = a->next;
		free(a);
	}
	xb->xml_allocs = NULL;
}

static void xml_stop(struct xml_ctx *c, int err)
{
	if (!c->err)
		c->err = err;
	XML_StopParser(c->parser, XML_FALSE);
}

#define XML_BAD(c, fmt, ...) \
	xml_stop(c, xdna_fail(-EBADMSG, "xclbin: EMBEDDED_METADATA " fmt, ##__VA_ARGS__))

static const char *xml_attr(const XML_Char **attrs, const char *name)
{
	for (; attrs[0]; attrs += 2)
		if (!strcmp(attrs[0], name))
			return attrs[1];
	return NULL;
}

/* XRT's convert(): empty is 0, else std::stoul(s, nullptr, 0); we also refuse junk. */
static bool xml_num(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s) {
		*out = 0;
		return true;
	}
	if (*s == '-' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static void xml_kernel_start(struct xml_ctx *c, const XML_Char **attrs)
{
	struct xdna_xclbin *xb = c->xb;
	const char *name = xml_attr(attrs, "name"), *type = xml_attr(attrs, "type");
	struct xdna_xclbin_kernel *k;
	unsigned int i;

	if (!name || !*name)
		return XML_BAD(c, "kernel %u has no name", xb->num_kernels);
	if (strlen(name) > 255)
		return XML_BAD(c, "kernel name of %zu characters", strlen(name));
	for (i = 0; i < xb->num_kernels; i++)
		if (!strcmp(xb->kernels[i].name, name))
			return XML_BAD(c, "kernel \"%s\" appears twice", name);
	if (xb->num_kernels >= XDNA_XCLBIN_MAX_KERNELS)
		return XML_BAD(c, "more than %d kernels", XDNA_XCLBIN_MAX_KERNELS);
	k = &xb->kernels[xb->num_kernels];
	memset(k, 0, sizeof(*k));
	k->name = xml_strdup(c, name);
	k->type = xml_strdup(c, type ? type : "");
	c->build = xml_alloc(xb, sizeof(*c->build));
	if (!k->name || !k->type || !c->build)
		return xml_stop(c, xdna_fail(-ENOMEM, "xclbin: out of memory"));
	c->cur = k;
	c->cur_depth = c->depth - 1;	/* the kernel element's own depth */
}

static void xml_arg(struct xml_ctx *c, const XML_Char **attrs)
{
	struct xdna_xclbin_kernel *k = c->cur;
	const char *name = xml_attr(attrs, "name");
	const char *type = xml_attr(attrs, "type");
	struct xdna_xclbin_arg *a;
	uint64_t id, aq, off, size;

	if (!name || !*name)
		return XML_BAD(c, "kernel %s arg %u has no name", k->name, k->num_args);
	if (k->num_args >= XDNA_XCLBIN_MAX_ARGS)
		return XML_BAD(c, "kernel %s has more than %d args", k->name,
			       XDNA_XCLBIN_MAX_ARGS);
	if (!xml_attr(attrs, "id") || !xml_num(xml_attr(attrs, "id"), XDNA_XCLBIN_MAX_ARGS - 1, &id))
		return XML_BAD(c, "kernel %s arg %s: id \"%s\" is not 0..%d", k->name, name,
			       xml_attr(attrs, "id") ? xml_attr(attrs, "id") : "(missing)",
			       XDNA_XCLBIN_MAX_ARGS - 1);
	if (!xml_num(xml_attr(attrs, "addressQualifier"), 4, &aq))
		return XML_BAD(c, "kernel %s arg %s: addressQualifier \"%s\" is not 0..4",
			       k->name, name, xml_attr(attrs, "addressQualifier"));
	if (aq > 2)
		return XML_BAD(c, "kernel %s arg %s: addressQualifier %llu (local/stream) "
			       "is not an NPU argument", k->name, name, (unsigned long long)aq);
	if (!xml_num(xml_attr(attrs, "offset"), XDNA_XCLBIN_MAX_ARG_OFFSET, &off))
		return XML_BAD(c, "kernel %s arg %s: offset \"%s\" is not 0..%d", k->name, name,
			       xml_attr(attrs, "offset"), XDNA_XCLBIN_MAX_ARG_OFFSET);
	if (!xml_num(xml_attr(attrs, "size"), XDNA_XCLBIN_MAX_ARG_OFFSET, &size) || !size)
		return XML_BAD(c, "kernel %s arg %s: size \"%s\" is not 1..%d", k->name, name,
			       xml_attr(attrs, "size") ? xml_attr(attrs, "size") : "(missing)",
			       XDNA_XCLBIN_MAX_ARG_OFFSET);
	if (off + size > XDNA_XCLBIN_MAX_ARG_OFFSET)
		return XML_BAD(c, "kernel %s arg %s: offset %llu + size %llu beyond %d bytes of "
			       "registers", k->name, name, (unsigned long long)off,
			       (unsigned long long)size, XDNA_XCLBIN_MAX_ARG_OFFSET);
	if (aq && size != 8)
		return XML_BAD(c, "kernel %s arg %s: a buffer argument has size %llu, not 8",
			       k->name, name, (unsigned long long)size);
	if (off % 4)
		return XML_BAD(c, "kernel %s arg %s: offset %llu is not a multiple of 4",
			       k->name, name, (unsigned long long)off);
	a = &c->build->args[k->num_args++];
	a->name = xml_strdup(c, name);
	a->type = xml_strdup(c, type ? type : "");
	if (!a->name || !a->type)
		return xml_stop(c, xdna_fail(-ENOMEM, "xclbin: out of memory"));
	a->index = (unsigned int)id;
	a->offset = (uint32_t)off;
	a->size = (uint32_t)size;
	a->kind = aq ? XDNA_ARG_BUFFER : XDNA_ARG_SCALAR;
}

static void xml_extended(struct xml_ctx *c, const XML_Char **attrs)
{
	struct xdna_xclbin_kernel *k = c->cur;
	uint64_t v;

	if (!xml_num(xml_attr(attrs, "functional"), UINT8_MAX, &v))
		return XML_BAD(c, "kernel %s extended-data functional \"%s\" is not 0..255",
			       k->name, xml_attr(attrs, "functional"));
	k->functional = (uint32_t)v;
	if (!xml_num(xml_attr(attrs, "dpu_kernel_id"), UINT64_MAX, &v))
		return XML_BAD(c, "kernel %s extended-data dpu_kernel_id \"%s\" is not a number",
			       k->name, xml_attr(attrs, "dpu_kernel_id"));
	k->kernel_id = v;
}

static void xml_instance(struct xml_ctx *c, const XML_Char **attrs)
{
	struct xdna_xclbin_kernel *k = c->cur;
	const char *name = xml_attr(attrs, "name");

	if (!name || !*name)
		return XML_BAD(c, "kernel %s instance %u has no name", k->name, k->num_instances);
	if (k->num_instances >= XML_MAX_INSTANCES)
		return XML_BAD(c, "kernel %s has more than %d instances", k->name,
			       XML_MAX_INSTANCES);
	c->build->instances[k->num_instances] = xml_strdup(c, name);
	if (!c->build->instances[k->num_instances++])
		return xml_stop(c, xdna_fail(-ENOMEM, "xclbin: out of memory"));
}

static const char *const xml_path[] = { "project", "platform", "device", "core" };

static void XMLCALL xml_start(void *data, const XML_Char *el, const XML_Char **attrs)
{
	struct xml_ctx *c = data;
	unsigned int d = c->depth++;

	if (c->depth > XML_MAX_DEPTH)
		return XML_BAD(c, "nested deeper than %d elements", XML_MAX_DEPTH);
	if (c->cur) {
		if (d != c->cur_depth + 1)
			return;
		if (!strcmp(el, "arg"))
			xml_arg(c, attrs);
		else if (!strcmp(el, "extended-data"))
			xml_extended(c, attrs);
		else if (!strcmp(el, "instance"))
			xml_instance(c, attrs);
		return;
	}
	if (d < 4 && c->path_ok == d && !strcmp(el, xml_path[d]))
		c->path_ok = d + 1;
	else if (d == 4 && c->path_ok == 4 && !strcmp(el, "kernel"))
		xml_kernel_start(c, attrs);
}

static int xml_arg_cmp(const void *a, const void *b)
{
	const struct xdna_xclbin_arg *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static void xml_kernel_end(struct xml_ctx *c)
{
	struct xdna_xclbin_kernel *k = c->cur;
	struct xdna_xclbin_arg *args;
	const char **inst;
	unsigned int i, j;

	qsort(c->build->args, k->num_args, sizeof(c->build->args[0]), xml_arg_cmp);
	for (i = 0; i < k->num_args; i++) {
		const struct xdna_xclbin_arg *a = &c->build->args[i];

		/* XRT merges multi-component arguments; NPU designs have none. */
		if (a->index != i)
			return XML_BAD(c, "kernel %s arg %s: id %u where %u was expected (ids "
				       "must be 0..n-1, each once)", k->name, a->name, a->index, i);
		for (j = 0; j < i; j++) {
			const struct xdna_xclbin_arg *b = &c->build->args[j];

			if (a->offset < b->offset + b->size && b->offset < a->offset + a->size)
				return XML_BAD(c, "kernel %s arg %s overlaps arg %s", k->name,
					       a->name, b->name);
		}
		if (a->offset + a->size > k->regs_size)
			k->regs_size = a->offset + a->size;
	}
	args = xml_alloc(c->xb, (k->num_args + 1) * sizeof(*args));
	inst = xml_alloc(c->xb, (k->num_instances + 1) * sizeof(*inst));
	if (!args || !inst)
		return xml_stop(c, xdna_fail(-ENOMEM, "xclbin: out of memory"));
	memcpy(args, c->build->args, k->num_args * sizeof(*args));
	memcpy(inst, c->build->instances, k->num_instances * sizeof(*inst));
	k->args = args;
	k->instances = inst;
	c->xb->num_kernels++;
	c->cur = NULL;
}

static void XMLCALL xml_end(void *data, const XML_Char *el)
{
	struct xml_ctx *c = data;

	(void)el;
	c->depth--;
	if (c->cur && c->depth == c->cur_depth)
		xml_kernel_end(c);
	else if (!c->cur && c->depth < c->path_ok)
		c->path_ok = c->depth;
}

static void XMLCALL xml_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
				const XML_Char *pubid, int has_internal_subset)
{
	(void)name; (void)sysid; (void)pubid; (void)has_internal_subset;
	XML_BAD((struct xml_ctx *)data, "has a DOCTYPE (refused)");
}

int xdna_xclbin_parse_xml(struct xdna_xclbin *xb, const struct xdna_xclbin_section *sec)
{
	struct xml_ctx c = { .xb = xb };
	size_t len;

	if (!sec)
		return 0;
	len = sec->size;
	/* Sections are padded with NULs to 8 bytes. */
	while (len && !((const char *)sec->data)[len - 1])
		len--;
	if (!len)
		return xdna_fail(-EBADMSG, "xclbin: EMBEDDED_METADATA is empty");
	if (len > XML_MAX_SIZE)
		return xdna_fail(-EBADMSG, "xclbin: EMBEDDED_METADATA size %zu above %u", len,
				 XML_MAX_SIZE);
	xb->kernels = xml_alloc(xb, XDNA_XCLBIN_MAX_KERNELS * sizeof(*xb->kernels));
	c.parser = XML_ParserCreate("UTF-8");
	if (!xb->kernels || !c.parser) {
		if (c.parser)
			XML_ParserFree(c.parser);
		return xdna_fail(-ENOMEM, "xclbin: out of memory");
	}
	XML_SetUserData(c.parser, &c);
	XML_SetElementHandler(c.parser, xml_start, xml_end);
	XML_SetStartDoctypeDeclHandler(c.parser, xml_doctype);
	if (XML_Parse(c.parser, sec->data, (int)len, XML_TRUE) == XML_STATUS_ERROR && !c.err)
		c.err = xdna_fail(-EBADMSG, "xclbin: EMBEDDED_METADATA line %lu: %s",
				  (unsigned long)XML_GetCurrentLineNumber(c.parser),
				  XML_ErrorString(XML_GetErrorCode(c.parser)));
	XML_ParserFree(c.parser);
	return c.err;
}
