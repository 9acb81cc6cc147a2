# tools/examples: small programs showing how the libraries fit together.
# Built with the XRT backend (libpool/xrt/xrt.mk, included first for XRT=).
ifndef POOL_XRT_MK
include libpool/xrt/xrt.mk
endif

ifeq ($(XRT),1)
TOOLS += $(B)/tools/examples/xrt_handoff
endif

$(B)/tools/examples/%.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include

$(B)/tools/examples/xrt_handoff: $(B)/tools/examples/xrt_handoff.o $(POOL_XRT_A) \
		$(B)/libpool.a $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) -ldl

# The example end to end on xdna-emu (tests/check_xrt_handoff.c): noop, the
# XRT test double of libpool/xrt/xrt.mk, no XILINX_XRT.
ifeq ($(XRT),1)
EMU_TESTS += $(B)/tests/check_xrt_handoff
endif
$(B)/tests/check_xrt_handoff.o: CPPFLAGS += -Itests/xrt \
	-DXRT_HANDOFF_BIN='"$(abspath $(B)/tools/examples/xrt_handoff)"' \
	-DMOCK_XRT_LIB='"$(abspath $(XRT_MOCK_SO))"'
$(B)/tests/check_xrt_handoff.o: CFLAGS += $(CHECK_CFLAGS)

$(B)/tests/check_xrt_handoff: $(B)/tests/check_xrt_handoff.o $(TEST_RUNNER) $(XRT_TEST_HELPERS) \
		| $(B)/tools/examples/xrt_handoff $(XRT_MOCK_SO)
	$(CC) -o $@ $(filter %.o,$^) $(LDFLAGS) $(CHECK_LIBS)
