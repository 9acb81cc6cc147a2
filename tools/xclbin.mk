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

# The reader's suite (no device needed).
$(B)/tests/check_xclbin.o: CPPFLAGS += -Idriver-shim/include -Idriver-shim/src \
	-Idriver-shim/uapi -Idriver-shim/emu/include $(DRM_CFLAGS) $(CHECK_CFLAGS)
$(B)/tests/check_xclbin: $(B)/tests/check_xclbin.o $(TEST_RUNNER) $(SHIM_A) | $(XCLBIN_FILES)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(EXPAT_LIBS) $(CHECK_LIBS)
TESTS += $(B)/tests/check_xclbin

# libFuzzer harness of the xclbin reader: clang only.  `make fuzz-xclbin
# FUZZ_SECONDS=60` builds and runs it; `make fuzz-run` runs it with the others.
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_SRCS    := tests/fuzz/xclbin_fuzz.c driver-shim/src/xclbin.c driver-shim/src/xclbin_xml.c \
		driver-shim/src/error.c
.PHONY: fuzz-xclbin
fuzz-xclbin: $(XCLBIN_FILES)
	@command -v clang >/dev/null || { echo "fuzz: clang is not installed"; exit 1; }
	@mkdir -p $(FUZZ_DIR)/corpus
	clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Idriver-shim/include -Idriver-shim/src -Idriver-shim/uapi $(DRM_CFLAGS) \
		-o $(FUZZ_DIR)/xclbin_fuzz $(FUZZ_SRCS) $(EXPAT_LIBS)
	cp $(XCLBIN_FILES) $(FUZZ_DIR)/corpus/
	$(FUZZ_DIR)/xclbin_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		-print_final_stats=1 $(FUZZ_DIR)/corpus

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

# A short fuzzing run in the test suite when clang is there: the packaged
# designs as seeds, 20000 mutations, fixed seed (`make fuzz` runs longer).
ifneq ($(shell command -v clang 2>/dev/null),)
$(B)/tests/xclbin_fuzz: $(FUZZ_SRCS) driver-shim/include/xdna/xclbin.h driver-shim/src/xclbin_format.h \
		driver-shim/src/xclbin_internal.h
	@mkdir -p $(@D)
	clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-Idriver-shim/include -Idriver-shim/src -Idriver-shim/uapi $(DRM_CFLAGS) \
		-o $@ $(FUZZ_SRCS) $(EXPAT_LIBS)
$(B)/tests/check_xclbin_fuzz: $(B)/tests/xclbin_fuzz | $(XCLBIN_FILES)
	printf '#!/bin/sh\nd=$$(mktemp -d) && cp $(abspath $(XCLBIN_FILES)) "$$d" && "$$(dirname "$$0")/xclbin_fuzz" -runs=20000 -seed=1 -max_len=16384 "$$d" >"$$d/log" 2>&1; rc=$$?; grep -E "^Done|ERROR|SUMMARY" "$$d/log"; rm -rf "$$d"; exit $$rc\n' > $@
	chmod +x $@
TESTS += $(B)/tests/check_xclbin_fuzz
endif
