# Fuzzing (tests/fuzz/): libFuzzer harnesses and their corpora.
#
#   make fuzz                      the harnesses, with clang, ASan+UBSan
#   make fuzz-run FUZZ_SECONDS=60  run each for that long (corpus grows in
#                                  build/fuzz/corpus-NAME, seeds in
#                                  tests/fuzz/corpus/NAME); one summary line
#                                  each (execs, cov, ft), fails on a finding
#
# Harnesses: audio (the decoder), poolset (the pool-set parser and the
# XDNAPOOL_* overrides), emu (the emulator's ioctl surface, bad pointers
# included; tests/fuzz/fuzz_emu.c), xclbin (the reader, tools/xclbin.mk).
# Seeds: audio from tests/fuzz/gen_audio_seeds.py (every container the
# system's libsndfile opens), xclbin the packaged designs, emu from
# gen_emu_seeds.py; regress_* inputs are findings.  Leaks inside system
# libraries are suppressed by mk/lsan.supp (each entry says why).
# make check replays every corpus file (seeds and regression inputs)
# through the same harness built with the normal compiler: under ASan in
# `make SAN=asan check`.  With CI=true make check also runs every harness
# for FUZZ_SECONDS (default 60; fuzz-ci below).

FUZZ_NAMES   := audio poolset emu xclbin
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(B)/tests/fuzz/%.o: CPPFLAGS += -Idsp/include -Ilibpool/include -Idriver-shim/include
# the harness picks keys from libpool's own table (config_internal.h)
$(B)/tests/fuzz/fuzz_poolset.o: CPPFLAGS += -Ilibpool/src
$(B)/tests/fuzz/fuzz_xclbin.o: CPPFLAGS += -Idriver-shim/src -Idriver-shim/uapi $(DRM_CFLAGS)
$(B)/tests/fuzz/fuzz_emu.o: CPPFLAGS += -Idriver-shim/uapi -Idriver-shim/emu -Idriver-shim/emu/include $(DRM_CFLAGS)
$(B)/tests/fuzz/replay_%.o: tests/fuzz/replay.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DFUZZ_NAME=$* -MMD -MP -c -o $@ $<

FUZZ_LIBS_audio   = $(B)/libmelaudio.a $(B)/libmel.a $(SNDFILE_LIBS) $(SOXR_LIBS) -lm
FUZZ_LIBS_poolset = $(B)/libpool.a

$(B)/tests/fuzz_replay_audio: $(B)/tests/fuzz/fuzz_audio.o $(B)/tests/fuzz/replay_audio.o \
		$(B)/libmelaudio.a $(B)/libmel.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FUZZ_LIBS_audio)
$(B)/tests/fuzz_replay_poolset: $(B)/tests/fuzz/fuzz_poolset.o $(B)/tests/fuzz/replay_poolset.o \
		$(B)/libpool.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FUZZ_LIBS_poolset)
$(B)/tests/fuzz_replay_xclbin: $(B)/tests/fuzz/fuzz_xclbin.o $(B)/tests/fuzz/replay_xclbin.o \
		$(SHIM_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(DRM_LIBS) $(EXPAT_LIBS)
# The ioctl harness replays on the preloaded emulator (an EMU_TEST: every
# flavour, npu4 and npu1, under ASan in make asan).
$(B)/tests/fuzz_replay_emu: $(B)/tests/fuzz/fuzz_emu.o $(B)/tests/fuzz/replay_emu.o
	$(CC) $(LDFLAGS) -o $@ $^ -ldl

TESTS     += $(B)/tests/fuzz_replay_audio $(B)/tests/fuzz_replay_poolset \
	     $(B)/tests/fuzz_replay_xclbin
EMU_TESTS += $(B)/tests/fuzz_replay_emu

.PHONY: fuzz fuzz-run fuzz-libs fuzz-ci
# The libraries, instrumented for coverage, in their own build directory;
# the emulator through SAN=fuzz (Makefile), which keeps emu_libc*.o plain.
fuzz-libs:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) \
		SANFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(FUZZ_B)/libmelaudio.a $(FUZZ_B)/libmel.a $(FUZZ_B)/libpool.a
	@$(MAKE) --no-print-directory SAN=fuzz CC=$(FUZZ_CC) $(FUZZ_B)/libxdna-emu.so

# fuzz_emu links the emulator's objects: its interposers are the program's.
FUZZ_LINK_audio   = $(FUZZ_B)/libmelaudio.a $(FUZZ_B)/libmel.a $(SNDFILE_LIBS) $(SOXR_LIBS) -lm
FUZZ_LINK_poolset = $(FUZZ_B)/libpool.a
FUZZ_LINK_emu     = $(EMU_SRCS:%.c=$(FUZZ_B)/%.o) -ldl -lm
FUZZ_INC_emu      = -Idriver-shim/uapi -Idriver-shim/emu -Idriver-shim/emu/include $(DRM_CFLAGS)
# the reader's sources themselves (tools/xclbin.mk), instrumented
FUZZ_LINK_xclbin  = $(filter-out tests/%,$(FUZZ_SRCS)) $(EXPAT_LIBS)
FUZZ_INC_xclbin   = -Idriver-shim/src -Idriver-shim/uapi $(DRM_CFLAGS)

fuzz: fuzz-libs
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) is not installed"; exit 1; }
	@for n in $(FUZZ_NAMES); do \
		echo "  FUZZ $(FUZZ_B)/fuzz_$$n"; \
		case $$n in \
		audio) link="$(FUZZ_LINK_audio)" inc= ;; \
		poolset) link="$(FUZZ_LINK_poolset)" inc=-Ilibpool/src ;; \
		emu) link="$(FUZZ_LINK_emu)" inc="$(FUZZ_INC_emu)" ;; \
		xclbin) link="$(FUZZ_LINK_xclbin)" inc="$(FUZZ_INC_xclbin)" ;; \
		esac; \
		$(FUZZ_CC) -std=gnu11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -D_GNU_SOURCE \
			-Idsp/include -Ilibpool/include -Idriver-shim/include $$inc \
			-o $(FUZZ_B)/fuzz_$$n tests/fuzz/fuzz_$$n.c $$link -pthread || exit 1; \
	done

# Every harness for FUZZ_SECONDS (mk/fuzz-run.sh: one summary line each,
# failing on any finding).
fuzz-run: fuzz
	@./mk/fuzz-run.sh $(FUZZ_SECONDS) $(FUZZ_B) $(FUZZ_NAMES)

# CI (CI=true): make check runs every harness for FUZZ_SECONDS after the
# suite; elsewhere only the corpus replay (part of the suite) runs.
fuzz-ci:
	@if [ "$${CI:-}" = true ] && command -v $(FUZZ_CC) >/dev/null; then \
		$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS); \
	elif [ "$${CI:-}" = true ]; then \
		echo "fuzz: CI=true but $(FUZZ_CC) is not installed"; exit 1; \
	fi
