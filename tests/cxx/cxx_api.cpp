// SPDX-License-Identifier: MIT
/*
 * Every installed header used from C++ (built as C++17 and C++20 with
 * -Wall -Wextra -Werror by tests/pkg/pkg.mk, and by the CMake consumer of
 * tests/pkg/check_install.sh against an installed tree): the options
 * initialisers, a host pool, a pool set, libmel, libmelaudio's errors,
 * libxdna-shim's calls that need no device, and the emulator's hooks
 * without the emulator.  Exit 0 when every check holds, else 1.
 */
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include <mel/audio.h>
#include <mel/mel.h>
#include <pool/pool.h>
#include <pool/pool_xdna.h>
#include <pool/poolset.h>
#include <xdna/shim.h>
#include <xdna/xclbin.h>
#ifdef HAVE_POOL_XRT
#include <pool/pool_xrt.h>
#endif
/* Installed in <xdna/>, which libxdna-shim's Cflags name (as the tree's -I). */
#include "amdxdna_uapi.h"
#include "xdna_emu.h"

static int failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, \
				     __LINE__, #cond);                       \
			failures++;                                          \
		}                                                            \
	} while (0)

static void test_pool()
{
	POOL_OPTS(pool_opts, o);

	CHECK(o.sz == sizeof(struct pool_opts));
	CHECK(o.max == 0 && o.backend == nullptr && o.name == nullptr);
	o.name = "cxx";
	o.dtype = POOL_DTYPE_F32;
	o.ndim = 2;
	o.shape[0] = 4;
	o.shape[1] = 8;
	o.initial = 2;
	o.max = 2;

	struct pool *p = pool_create(&o);
	CHECK(p != nullptr);
	if (!p)
		return;
	CHECK(std::strcmp(pool_name(p), "cxx") == 0);
	CHECK(pool_buf_bytes(p) == 4 * 8 * sizeof(float));

	struct pool_buf *a = nullptr, *b = nullptr, *c = nullptr;
	CHECK(pool_acquire(p, &a, POOL_NOWAIT) == 0);
	CHECK(pool_acquire(p, &b, POOL_NOWAIT) == 0);
	CHECK(pool_acquire(p, &c, POOL_NOWAIT) == -EAGAIN);	/* max = 2 */
	if (a && b) {
		auto *f = static_cast<float *>(pool_buf_data(a));
		f[31] = 1.5f;
		CHECK(pool_buf_dtype(a) == POOL_DTYPE_F32);
		size_t shape[POOL_MAX_DIMS];
		CHECK(pool_buf_shape(a, shape) == 2 && shape[1] == 8);
		CHECK(pool_release(a) == 0);
		CHECK(pool_release(b) == 0);
	}
	struct pool_stats st = pool_opts_init<struct pool_stats>();
	CHECK(pool_stats_get(p, &st) == 0);
	CHECK(st.acquires == 2 && st.releases == 2);
	CHECK(pool_destroy(p) == 0);

	/* A host backend, explicitly, and the same struct from the template. */
	struct pool_opts o2 = pool_opts_init<struct pool_opts>();
	CHECK(o2.sz == sizeof(o2));
	o2.size = 4096;
	o2.backend = pool_backend_host(0);
	CHECK(o2.backend != nullptr);
	CHECK(std::strcmp(pool_backend_name(o2.backend), "host") == 0);
	p = pool_create(&o2);
	pool_backend_put(o2.backend);
	CHECK(p != nullptr);
	if (p) {
		CHECK(pool_acquire(p, &a, POOL_FOREVER) == 0);
		CHECK(pool_buf_size(a) == 4096);
		CHECK(pool_release(a) == 0);
		CHECK(pool_destroy(p) == 0);
	}
}

static void test_poolset()
{
	POOL_OPTS(pool_set_opts, so);

	so.no_env = true;
	struct pool_set *set = pool_set_parse("[mel]\nsize = 64K\ninitial = 1\nmax = 2\n",
					      "cxx", &so);
	CHECK(set != nullptr);
	if (!set)
		return;
	CHECK(pool_set_count(set) == 1);
	struct pool *mel = pool_set_get(set, "mel");
	CHECK(mel != nullptr && pool_buf_bytes(mel) == 64 * 1024);
	pool_set_destroy(set);

	/* A bad value is an error, not a pool. */
	so.err_file = std::fopen("/dev/null", "w");
	CHECK(pool_set_parse("[mel]\nsize = banana\n", "cxx", &so) == nullptr);
	CHECK(errno == EINVAL);
	if (so.err_file)
		std::fclose(so.err_file);

	POOL_OPTS(pool_classes_opts, co);
	struct pool_classes *cls = pool_classes_create(&co);
	CHECK(cls != nullptr);
	if (cls) {
		struct pool_buf *b = nullptr;
		CHECK(pool_classes_acquire(cls, 1000, &b, POOL_NOWAIT) == 0);
		CHECK(b && pool_buf_size(b) == 1000);
		if (b)
			pool_release(b);
		pool_classes_destroy(cls);
	}
}

static void test_mel()
{
	struct mel_opts o = MEL_OPTS_INIT;

	CHECK(o.sz == sizeof(o) && o.n_mels == 80 && o.mode == MEL_MODE_CHUNK);
	o.mode = MEL_MODE_RAW;
	int err = 0;
	struct mel_plan *plan = mel_plan_create(&o, &err);
	CHECK(plan != nullptr && err == 0);
	if (!plan)
		return;
	struct mel_ws *ws = mel_ws_create(plan);
	CHECK(ws != nullptr);
	const size_t n = MEL_SAMPLE_RATE / 10;	/* 100 ms of 440 Hz */
	std::vector<float> pcm(n);
	for (size_t i = 0; i < n; i++)
		pcm[i] = 0.5f * std::sin(2.0f * static_cast<float>(M_PI) * 440.0f * i / MEL_SAMPLE_RATE);
	ssize_t frames = mel_frames(plan, n);
	CHECK(frames > 0);
	std::vector<float> out(static_cast<size_t>(mel_out_floats(plan, n)));
	CHECK(mel_compute(plan, ws, pcm.data(), n, out.data(), out.size()) == frames);
	for (float v : out)
		CHECK(std::isfinite(v));
	mel_ws_destroy(ws);

	struct mel_stream_opts so = MEL_STREAM_OPTS_INIT;
	CHECK(so.sz == sizeof(so));
	mel_plan_destroy(plan);
}

static void test_audio()
{
	struct mel_audio_opts o = MEL_AUDIO_OPTS_INIT;
	struct mel_audio *a = nullptr;
	struct mel_audio_info info;
	char msg[256] = "";

	CHECK(o.sz == sizeof(o));
	int err = mel_audio_open(&a, "/nonexistent/cxx.wav", &o, &info, msg, sizeof(msg));
	CHECK(err < 0 && a == nullptr);
	CHECK(msg[0] != '\0');
	CHECK(mel_audio_strerror(err) != nullptr);
}

static void test_shim()
{
	struct xdna_open_opts o = {};
	struct xdna_dev *dev = nullptr;

	o.sz = sizeof(o);
	o.path = "/nonexistent/accel9";
	CHECK(xdna_dev_open(&o, &dev) < 0 && dev == nullptr);
	CHECK(std::strlen(xdna_errmsg()) > 0);
	CHECK(std::strlen(xdna_strerror(-ENODEV)) > 0);

	static const unsigned char junk[64] = { 'n', 'o', 't', ' ', 'x', 'c', 'l', 'b', 'i', 'n' };
	struct xdna_xclbin *x = nullptr;
	CHECK(xdna_xclbin_open_mem(junk, sizeof(junk), &x) < 0 && x == nullptr);

	uint8_t uuid[16] = { 0x12, 0x34 };
	char s[37];
	xdna_uuid_str(uuid, s);
	CHECK(std::strncmp(s, "12340000-", 9) == 0);
	CHECK(sizeof(struct amdxdna_drm_create_bo) > 0);

	/* Without LD_PRELOAD the emulator's hooks are absent. */
	CHECK(xdna_emu_present() == 0);
	struct xdna_emu_census c;
	CHECK(xdna_emu_try_census_get(&c) == -ENOSYS);
	CHECK(std::isfinite(xdna_emu_stem_param(1, 0, 0, 3)));
}

static void test_xdna_backend()
{
	/* No device here (or the emulator unloaded): a clear failure. */
	POOL_OPTS(pool_xdna_opts, xo);
	xo.flavour = POOL_XDNA_SHARE;
	if (xdna_enumerate(nullptr, 0) > 0)
		return;	/* a real NPU: nothing to assert about its absence */
	errno = 0;
	CHECK(pool_backend_xdna(&xo) == nullptr);
	CHECK(errno != 0);
}

#ifdef HAVE_POOL_XRT
static void test_xrt()
{
	POOL_OPTS(pool_xrt_opts, xo);
	CHECK(xo.sz == sizeof(xo));
	int r = pool_xrt_probe();
	CHECK(r == 0 || std::strlen(pool_xrt_errmsg()) > 0);
}
#endif

int main()
{
	test_pool();
	test_poolset();
	test_mel();
	test_audio();
	test_shim();
	test_xdna_backend();
#ifdef HAVE_POOL_XRT
	test_xrt();
#endif
	std::printf("cxx_api (C++%ld): %s\n", static_cast<long>(__cplusplus / 100 % 100),
		    failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
