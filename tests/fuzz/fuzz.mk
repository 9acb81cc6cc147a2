# Fuzzing (tests/fuzz/): libFuzzer harnesses and their corpora.
#
#   make fuzz                      the harnesses, with clang, ASan+UBSan
#   make fuzz-run FUZZ_SECONDS=60  run each (and the xclbin reader's,
#                                  tools/xclbin.mk) for that long (corpus grows in
#                                  build/fuzz/corpus-NAME, seeds in
#                                  tests/fuzz/corpus/NAME)
#
# make check replays every corpus file (seeds and regression inputs)
# through the same harness built with the normal compiler: under ASan in
# `make SAN=asan check`.

FUZZ_NAMES   := audio poolset
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(B)/tests/fuzz/%.o: CPPFLAGS += -Idsp/include -Ilibpool/include -Idriver-shim/include
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

TESTS += $(addprefix $(B)/tests/fuzz_replay_,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-run fuzz-libs
# The libraries, instrumented for coverage, in their own build directory.
fuzz-libs:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) \
		SANFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(FUZZ_B)/libmelaudio.a $(FUZZ_B)/libmel.a $(FUZZ_B)/libpool.a

fuzz: fuzz-libs
	@for n in $(FUZZ_NAMES); do \
		echo "  FUZZ $(FUZZ_B)/fuzz_$$n"; \
		$(FUZZ_CC) -std=gnu11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -D_GNU_SOURCE \
			-Idsp/include -Ilibpool/include -Idriver-shim/include \
			-o $(FUZZ_B)/fuzz_$$n tests/fuzz/fuzz_$$n.c \
			$(if $(filter audio,$$n),) \
			$$(case $$n in \
			   audio) echo "$(FUZZ_B)/libmelaudio.a $(FUZZ_B)/libmel.a $(SNDFILE_LIBS) $(SOXR_LIBS) -lm" ;; \
			   poolset) echo "$(FUZZ_B)/libpool.a" ;; esac) -pthread || exit 1; \
	done

fuzz-run: fuzz fuzz-xclbin
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_B)/corpus-$$n; \
		echo "== fuzz_$$n for $(FUZZ_SECONDS) s"; \
		ASAN_OPTIONS=detect_leaks=1 $(FUZZ_B)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_B)/crash-$$n- \
			$(FUZZ_B)/corpus-$$n tests/fuzz/corpus/$$n 2>&1 | \
			grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|.*cov:)' | tail -3 || true; \
		ls $(FUZZ_B)/crash-$$n-* 2>/dev/null && exit 1; \
	done; true
