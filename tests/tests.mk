# Check suites of the driver shim.  Other components add theirs in their own
# fragments.
$(B)/tests/check_abi.o $(B)/tests/check_shim.o: \
	CPPFLAGS += -Idriver-shim/include -Idriver-shim/uapi -Idriver-shim/emu $(DRM_CFLAGS) $(CHECK_CFLAGS)

TESTS     += $(B)/tests/check_abi
EMU_TESTS += $(B)/tests/check_shim

$(B)/tests/check_abi: $(B)/tests/check_abi.o $(TEST_RUNNER)
	$(CC) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(B)/tests/check_shim: $(B)/tests/check_shim.o $(TEST_RUNNER) $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(CHECK_LIBS)

