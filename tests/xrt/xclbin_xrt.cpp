// SPDX-License-Identifier: MIT
/*
 * XRT 2.13's own parser (xrt::xclbin in libxrt_coreutil, Debian's
 * libxrt-dev) reads the packaged designs (tools/xclbin-pack) with the same
 * UUID, kernel names, argument counts, names, offsets and sizes as
 * libxdna-shim's reader.  Usage: xclbin_xrt FILE...; exit 0 when all agree.
 */
#include <experimental/xrt_xclbin.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "xdna/shim.h"
#include "xdna/xclbin.h"

static int fails;

#define EXPECT(cond, ...) do { \
		if (!(cond)) { \
			std::fprintf(stderr, "xclbin_xrt: %s: ", path); \
			std::fprintf(stderr, __VA_ARGS__); \
			std::fputc('\n', stderr); \
			fails++; \
		} \
	} while (0)

static void check(const char *path)
{
	struct xdna_xclbin *xb;
	char uuid[37];

	if (xdna_xclbin_open(path, &xb)) {
		EXPECT(false, "our reader: %s", xdna_errmsg());
		return;
	}
	xrt::xclbin x(path);
	xdna_uuid_str(xdna_xclbin_uuid(xb), uuid);
	EXPECT(x.get_uuid().to_string() == uuid, "uuid %s vs ours %s",
	       x.get_uuid().to_string().c_str(), uuid);
	auto kernels = x.get_kernels();
	EXPECT(kernels.size() == xdna_xclbin_num_kernels(xb), "%zu kernels vs ours %u",
	       kernels.size(), xdna_xclbin_num_kernels(xb));
	for (auto &k : kernels) {
		const struct xdna_xclbin_kernel *ours = xdna_xclbin_find_kernel(xb, k.get_name().c_str());

		EXPECT(ours, "XRT's kernel %s is not ours", k.get_name().c_str());
		if (!ours)
			continue;
		EXPECT(k.get_num_args() == ours->num_args, "kernel %s: %zu args vs ours %u",
		       ours->name, k.get_num_args(), ours->num_args);
		EXPECT(k.get_cus().size() == ours->num_instances, "kernel %s: %zu CUs vs ours %u",
		       ours->name, k.get_cus().size(), ours->num_instances);
		for (unsigned int i = 0; i < ours->num_args && i < k.get_num_args(); i++) {
			auto a = k.get_arg(i);

			EXPECT(a.get_name() == ours->args[i].name && a.get_offset() == ours->args[i].offset &&
			       a.get_size() == ours->args[i].size,
			       "kernel %s arg %u: %s@%zu/%zu vs ours %s@%u/%u", ours->name, i,
			       a.get_name().c_str(), (size_t)a.get_offset(), (size_t)a.get_size(),
			       ours->args[i].name, ours->args[i].offset, ours->args[i].size);
		}
	}
	std::printf("%s: %zu kernel(s), XRT and libxdna-shim agree\n", path, kernels.size());
	xdna_xclbin_close(xb);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		try {
			check(argv[i]);
		} catch (const std::exception &e) {
			std::fprintf(stderr, "xclbin_xrt: %s: XRT: %s\n", argv[i], e.what());
			fails++;
		}
	}
	return fails ? 1 : 0;
}
