# Every tool's --help, --version, bad values, extra arguments and the
# no-device hint (a script; runs without the emulator).
CHECK_TOOLS_BINS := $(B)/tools/xdna-info $(B)/tools/xdna-bench $(B)/tools/xdna-run \
	$(B)/tools/xdna-mel $(B)/tools/melbench $(B)/tools/poolbench $(B)/libxdna-emu.so \
	$(if $(filter 1,$(BPF)),$(B)/tools/pooltrace) \
	$(if $(filter 1,$(XRT)),$(B)/tools/examples/xrt_handoff)
$(B)/tests/check_tools: | $(B)/tools/xdna-pipeline
$(B)/tests/check_tools: tests/tools/check_tools.sh Makefile | $(CHECK_TOOLS_BINS)
	@mkdir -p $(@D)
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@EMU_PATH@|$(LIBDIR)/xdnapool/libxdna-emu.so|' $< > $@
	chmod +x $@
TESTS += $(B)/tests/check_tools

# xdna-pipeline's /metrics, /health and --metrics-file (a script that
# preloads the emulator itself: one run, not one per flavour).
DEBS += prometheus curl
$(B)/tests/check_metrics: tests/tools/check_metrics.sh | $(B)/tools/xdna-pipeline $(B)/libxdna-emu.so
	@mkdir -p $(@D)
	cp $< $@
TESTS += $(B)/tests/check_metrics

# Man pages built, one per tool, --help options in each page.
$(B)/tests/check_man: tests/tools/check_man.sh | $(DOC_PAGES) $(CHECK_TOOLS_BINS) $(B)/tools/xdna-pipeline
	@mkdir -p $(@D)
	sed -e 's|@SRCDIR@|$(CURDIR)|' $< > $@
	chmod +x $@
TESTS += $(B)/tests/check_man

# tools/common's parsers, percentiles, hint and data path (a Check suite).
$(B)/tests/check_tool_common.o: CPPFLAGS += -Itools/common $(CHECK_CFLAGS)
$(B)/tests/check_tool_common: $(B)/tests/check_tool_common.o $(TEST_RUNNER) $(TOOL_COMMON_O) \
		| $(B)/libxdna-emu.so $(XCLBIN_FILES)
	$(CC) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)
TESTS += $(B)/tests/check_tool_common

# fail() and expect(), sourced by the tool test scripts from beside them.
$(B)/tests/expect.sh: tests/tools/expect.sh
	@mkdir -p $(@D)
	cp $< $@
$(B)/tests/check_tools $(B)/tests/check_metrics $(B)/tests/check_xclbin_tools \
	$(B)/tests/check_pipeline_cli: | $(B)/tests/expect.sh
