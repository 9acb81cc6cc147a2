# The libpool suites again, over the xdna backend (on xdna-emu) and, when XRT
# is built, the XRT backend (under its noop shim): the same binaries' objects
# linked with --wrap=pool_create (tests/pool_backend_wrap.c) and run with
# POOL_TEST_BACKEND set by mk/run-tests.sh from the name's suffix.
POOL_WRAP_SUITES := check_pool check_pool_errors check_pool_concurrency check_pool_features
# (Included after libpool/xrt/xrt.mk, which decides XRT.)
POOL_WRAP_XRT := $(filter 1,$(XRT))
$(B)/tests/pool_backend_wrap.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include -Itests \
	$(if $(POOL_WRAP_XRT),-DHAVE_XRT)
POOL_WRAP_OBJS = $(B)/tests/pool_testutil.o $(B)/tests/pool_owner_stress.o $(B)/tests/pool_backend_wrap.o \
	$(if $(POOL_WRAP_XRT),$(B)/tests/xrt/xrt_noop_env.o $(B)/libpool-xrt.a) \
	$(B)/libpool.a $(SHIM_A)

EMU_TESTS += $(addprefix $(B)/tests/,$(addsuffix .on-xdna,$(POOL_WRAP_SUITES)))
TESTS += $(if $(POOL_WRAP_XRT),$(addprefix $(B)/tests/,$(addsuffix .on-xrt,$(POOL_WRAP_SUITES))))

# Two rules: one pattern rule with two targets would be one recipe for both.
POOL_WRAP_LINK = $(CC) -o $@ $^ -Wl,--wrap=pool_create $(LDFLAGS) $(DRM_LIBS) $(CHECK_LIBS) -ldl
$(B)/tests/%.on-xdna: $(B)/tests/%.o $(TEST_RUNNER) $(POOL_WRAP_OBJS)
	$(POOL_WRAP_LINK)
$(B)/tests/%.on-xrt: $(B)/tests/%.o $(TEST_RUNNER) $(POOL_WRAP_OBJS)
	$(POOL_WRAP_LINK)
