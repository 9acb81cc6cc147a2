# libpool: buffer pools (host backend; xdna backend over libxdna-shim).
# Included by the top Makefile; see libpool/README.md.

# Everything goes in libpool.a; static users that never call
# pool_backend_xdna() do not pull backend_xdna.o, hence need no libxdna-shim.
LIBPOOL_SRCS := $(addprefix libpool/src/,backend.c backend_xdna.c buf.c chan.c classes.c config.c config_env.c config_keys.c config_text.c config_whisper.c debug.c lifecycle.c monitor.c pool.c pool_trace.c stats.c store.c tcache.c util.c wait.c)
# USDT probes (bpf/PROBES.md); PROBES=0 builds a library without them.
PROBES ?= 1
$(B)/libpool/%.o: CPPFLAGS += $(if $(filter 0,$(PROBES)),-DPOOL_NO_PROBES)
DEBS += systemtap-sdt-dev
LIBPOOL_OBJS := $(patsubst %.c,$(B)/%.o,$(LIBPOOL_SRCS))
LIBPOOL_HDRS := $(addprefix libpool/include/pool/,pool.h poolset.h pool_xdna.h)
LIBPOOL_SHIM_SO := $(B)/libxdna-shim.so.$(VERSION)
LIBPOOL_SHIM_A := $(B)/libxdna-shim.a
LIBPOOL_XDNA_LIBS = $(LIBPOOL_SHIM_A) $(DRM_LIBS)

# libpool sees only the public header of driver-shim.
$(B)/libpool/%.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include
$(B)/tools/poolbench.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include

$(B)/libpool.a: $(LIBPOOL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libpool.so.$(VERSION): $(LIBPOOL_OBJS) libpool/libpool.map $(LIBPOOL_SHIM_SO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libpool.so.$(ABI_MAJOR) \
		-Wl,--version-script=libpool/libpool.map $(if $(SAN),,-Wl,--no-undefined) \
		-o $@ $(LIBPOOL_OBJS) $(LIBPOOL_SHIM_SO)
	ln -sf libpool.so.$(VERSION) $(B)/libpool.so.$(ABI_MAJOR)
	ln -sf libpool.so.$(ABI_MAJOR) $(B)/libpool.so

LIBS += $(B)/libpool.a $(B)/libpool.so.$(VERSION)

# Tests: Check binaries on the host backend.
LIBPOOL_TEST_HELPERS := $(B)/tests/pool_testutil.o $(B)/tests/pool_owner_stress.o
LIBPOOL_TESTS := check_pool check_pool_errors check_pool_concurrency \
	check_pool_features check_poolset
TESTS += $(addprefix $(B)/tests/,$(LIBPOOL_TESTS))
LIBPOOL_TEST_OBJS := $(patsubst %,$(B)/tests/%.o,$(LIBPOOL_TESTS)) $(LIBPOOL_TEST_HELPERS)
$(LIBPOOL_TEST_OBJS): CPPFLAGS += -Ilibpool/include -Idriver-shim/include
$(LIBPOOL_TEST_OBJS): CFLAGS += $(CHECK_CFLAGS)

$(addprefix $(B)/tests/,$(LIBPOOL_TESTS)): $(B)/tests/%: $(B)/tests/%.o \
		$(TEST_RUNNER) $(LIBPOOL_TEST_HELPERS) $(B)/libpool.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# A fresh process for what libpool reads once per process (check_poolset).
$(B)/tests/pool_env_probe.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include
$(B)/tests/pool-env-probe: $(B)/tests/pool_env_probe.o $(B)/libpool.a
	$(CC) $(LDFLAGS) -o $@ $^ -pthread
$(B)/tests/check_poolset.o: CPPFLAGS += -DPOOL_ENV_PROBE='"$(CURDIR)/$(B)/tests/pool-env-probe"'
$(B)/tests/check_poolset: | $(B)/tests/pool-env-probe

# Tests of the xdna backend: run with the xdna-emu emulator preloaded.
LIBPOOL_EMU_TESTS := check_pool_xdna
EMU_TESTS += $(addprefix $(B)/tests/,$(LIBPOOL_EMU_TESTS))
$(B)/tests/check_pool_xdna.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include
$(B)/tests/check_pool_xdna.o: CFLAGS += $(CHECK_CFLAGS)
$(B)/tests/check_pool_xdna: $(B)/tests/check_pool_xdna.o $(TEST_RUNNER) $(LIBPOOL_TEST_HELPERS) \
		$(B)/libpool.a $(LIBPOOL_SHIM_A)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(B)/libpool.a $(LIBPOOL_XDNA_LIBS) $(CHECK_LIBS) -ldl

# The benchmark.
TOOLS += $(B)/tools/poolbench
$(B)/tools/poolbench: $(B)/tools/poolbench.o $(B)/libpool.a $(LIBPOOL_SHIM_A) $(B)/tools/common/tool.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(TOOL_COMMON_O) $(B)/libpool.a $(LIBPOOL_XDNA_LIBS)

DEBS += check libsubunit-dev valgrind pkg-config
CLEAN +=

INSTALL_TARGETS += install-libpool
UNINSTALL_TARGETS += uninstall-libpool
.PHONY: install-libpool uninstall-libpool
install-libpool: $(B)/libpool.a $(B)/libpool.so.$(VERSION)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/pool
	install -m 644 $(B)/libpool.a $(DESTDIR)$(LIBDIR)/
	$(call install_so,$(B)/libpool.so.$(VERSION),libpool)
	install -m 644 $(LIBPOOL_HDRS) $(DESTDIR)$(INCLUDEDIR)/pool/
	$(call install_pc,libpool/libpool.pc.in)

uninstall-libpool:
	$(call uninstall_so,libpool)
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/pool/,$(notdir $(LIBPOOL_HDRS))) \
		$(DESTDIR)$(PKGCONFIGDIR)/libpool.pc
	$(call rmdir_empty,$(DESTDIR)$(INCLUDEDIR)/pool)
