# xclbin support around libxdna-shim's reader (driver-shim/src/xclbin*.c):
# the packer that makes the emulator's designs into real xclbin files at
# build time, their test suite, and the libFuzzer harness (`make fuzz`).

XCLBIN_DESIGNS := copy scale_add whisper_stem checksum passthrough
XCLBIN_FILES   := $(XCLBIN_DESIGNS:%=$(B)/data/%.xclbin)

# The packer lives with the emulator: only they know its PDI convention.
$(B)/driver-shim/emu/pack/xclbin-pack.o: CPPFLAGS += -Idriver-shim/src -Idriver-shim/emu/include \
	-DXCLBIN_PACK_VERSION='"$(VERSION)"'
$(B)/tools/xclbin-pack: $(B)/driver-shim/emu/pack/xclbin-pack.o
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(LDFLAGS)

$(B)/data/%.xclbin: $(B)/tools/xclbin-pack
	@mkdir -p $(@D)
	$(B)/tools/xclbin-pack --design $* -o $@

TOOLS += $(B)/tools/xclbin-pack $(XCLBIN_FILES)

# The packaged designs go to $(DATADIR)/xdnapool (TOOL_DATADIR,
# tools/tools.mk), where installed tools find them relative to their binary
# (tool_data_path(): BINDIR/../share/xdnapool): xdna-pipeline's default
# whisper_stem and checksum, and the others for xdna-run.
INSTALL_TARGETS += install-designs
UNINSTALL_TARGETS += uninstall-designs
.PHONY: install-designs uninstall-designs
install-designs: $(XCLBIN_FILES)
	install -d $(DESTDIR)$(TOOL_DATADIR)
	install -m 644 $^ $(DESTDIR)$(TOOL_DATADIR)/
uninstall-designs:
	rm -f $(addprefix $(DESTDIR)$(TOOL_DATADIR)/,$(notdir $(XCLBIN_FILES)))
	$(call rmdir_empty,$(DESTDIR)$(TOOL_DATADIR))

# The reader's suite (no device needed).
$(B)/tests/check_xclbin.o: CPPFLAGS += -Idriver-shim/include -Idriver-shim/src \
	-Idriver-shim/uapi -Idriver-shim/emu/include $(DRM_CFLAGS) $(CHECK_CFLAGS)
$(B)/tests/check_xclbin: $(B)/tests/check_xclbin.o $(TEST_RUNNER) $(SHIM_A) | $(XCLBIN_FILES)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(EXPAT_LIBS) $(CHECK_LIBS)
TESTS += $(B)/tests/check_xclbin

# libFuzzer harness of the xclbin reader (tests/fuzz/fuzz_xclbin.c): built
# by `make fuzz` with the others (tests/fuzz/fuzz.mk), its seeds the
# packaged designs committed in tests/fuzz/corpus/xclbin, replayed by
# fuzz_replay_xclbin in make check.  `make fuzz-xclbin FUZZ_SECONDS=60`
# runs it alone.
FUZZ_SRCS := tests/fuzz/fuzz_xclbin.c driver-shim/src/xclbin.c driver-shim/src/xclbin_xml.c \
	     driver-shim/src/error.c
.PHONY: fuzz-xclbin
fuzz-xclbin: fuzz
	@./mk/fuzz-run.sh $(FUZZ_SECONDS) $(FUZZ_B) xclbin

# Designs on the emulated device (every flavour).
$(B)/tests/check_xclbin_run.o: CPPFLAGS += -Idriver-shim/include -Idriver-shim/uapi \
	-Idriver-shim/emu/include -Itests $(DRM_CFLAGS) $(CHECK_CFLAGS)
$(B)/tests/check_xclbin_run: $(B)/tests/check_xclbin_run.o $(TEST_RUNNER) $(SHIM_A) | $(XCLBIN_FILES)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(EXPAT_LIBS) $(CHECK_LIBS) -ldl
EMU_TESTS += $(B)/tests/check_xclbin_run

# xdna-info --xclbin and xdna-run, bad input and exit codes (a script).
$(B)/tests/check_xclbin_tools: tests/tools/check_xclbin_tools.sh | $(B)/tools/xdna-run $(B)/tools/xdna-info $(XCLBIN_FILES)
	@mkdir -p $(@D)
	cp $< $@
EMU_TESTS += $(B)/tests/check_xclbin_tools

# A short fuzzing run in the test suite when clang is there: the committed
# seeds (tests/fuzz/corpus/xclbin), 20000 mutations, fixed seed (`make
# fuzz-run` runs longer; fuzz_replay_xclbin replays the seeds either way).
XCLBIN_SEEDS := $(abspath tests/fuzz/corpus/xclbin)
ifneq ($(shell command -v clang 2>/dev/null),)
$(B)/tests/xclbin_fuzz: $(FUZZ_SRCS) driver-shim/include/xdna/xclbin.h driver-shim/src/xclbin_format.h \
		driver-shim/src/xclbin_internal.h
	@mkdir -p $(@D)
	clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Idriver-shim/include -Idriver-shim/src -Idriver-shim/uapi $(DRM_CFLAGS) \
		-o $@ $(FUZZ_SRCS) $(EXPAT_LIBS)
$(B)/tests/check_xclbin_fuzz: $(B)/tests/xclbin_fuzz
	printf '#!/bin/sh\nd=$$(mktemp -d) && cp $(XCLBIN_SEEDS)/* "$$d" && "$$(dirname "$$0")/xclbin_fuzz" -runs=20000 -seed=1 -max_len=16384 "$$d" >"$$d/log" 2>&1; rc=$$?; grep -E "^Done|ERROR|SUMMARY" "$$d/log"; rm -rf "$$d"; exit $$rc\n' > $@
	chmod +x $@
TESTS += $(B)/tests/check_xclbin_fuzz
endif
