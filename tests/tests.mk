# Check suites of the driver shim.  Other components add theirs in their own
# fragments.
CHECK_SHIM_OBJS := $(B)/tests/check_shim.o $(B)/tests/check_shim_bo.o $(B)/tests/check_shim_exec.o
$(B)/tests/check_abi.o $(CHECK_SHIM_OBJS): \
	CPPFLAGS += -Idriver-shim/include -Idriver-shim/uapi -Idriver-shim/emu/include $(DRM_CFLAGS) $(CHECK_CFLAGS)

TESTS     += $(B)/tests/check_abi
EMU_TESTS += $(B)/tests/check_shim

$(B)/tests/check_abi: $(B)/tests/check_abi.o $(TEST_RUNNER)
	$(CC) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(B)/tests/check_shim: $(CHECK_SHIM_OBJS) $(TEST_RUNNER) $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(CHECK_LIBS)


# The shim builds against either layout of the kernel header: upstream's,
# or the staging/out-of-tree one (32-byte amdxdna_qos_info, 160-byte
# amdxdna_drm_hwctx_entry), whichever is the system header.
SHIM_OOT_LAYOUT_OBJS := $(patsubst driver-shim/src/%.c,$(B)/tests/oot-layout/%.o,$(wildcard driver-shim/src/*.c))
$(B)/tests/oot-layout/%.o: driver-shim/src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DXDNA_UAPI_OOT_LAYOUT -Idriver-shim/include -Idriver-shim/uapi \
		$(DRM_CFLAGS) $(CFLAGS) -c -o $@ $<
check-build: $(SHIM_OOT_LAYOUT_OBJS)
