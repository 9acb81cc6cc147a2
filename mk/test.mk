# Test, sanitizer and run targets.  Test binaries are Check programs; those in
# EMU_TESTS run with the xdna-emu interposer preloaded (see driver-shim/emu).

# The one main() of every Check binary (tests/lib/runner.h): each suite file
# declares its suite with TEST_SUITE() and every test binary links this.
# It only looks for the emulator at run time, through xdna_emu.h.
TEST_RUNNER := $(B)/tests/lib/runner.o
$(B)/tests/%.o: CPPFLAGS += -Itests/lib
$(TEST_RUNNER): CPPFLAGS += -Idriver-shim/emu/include $(CHECK_CFLAGS)

# Builds and lists the tests in sub-makes, so that `make deps check` sees
# what deps installed (the test lists depend on clang, bpftool, XRT...).
check:
	@$(MAKE) --no-print-directory check-build
	@$(MAKE) --no-print-directory check-run
	@$(MAKE) --no-print-directory fuzz-ci

check-run:
	@./mk/run-tests.sh "$(B)" "$(SAN)" "$(TESTS)" "$(EMU_TESTS)" "$(B)/tools/xdna-info"

asan:
	$(MAKE) SAN=asan check

tsan:
	$(MAKE) SAN=tsan check

valgrind:
	@$(MAKE) --no-print-directory check-build
	@$(MAKE) --no-print-directory valgrind-run

valgrind-run:
	@./mk/run-tests.sh "$(B)" valgrind "$(TESTS)" "$(EMU_TESTS)" "$(B)/tools/xdna-info"

# The main job: the device, then the Whisper front-end pipeline on the
# bundled speech sample (16 streams), on the NPU if there is one, else on
# xdna-emu.  RUN_ARGS adds pipeline options (e.g. RUN_ARGS="--streams 50").
RUN_ARGS ?=
run:
	@$(MAKE) --no-print-directory all
	@./mk/run.sh $(B) $(B)/tools/xdna-info
	@if [ -s $(B)/data/speech.wav ]; then in=$(B)/data/speech.wav; else in="--seconds 30"; fi; \
	./mk/run.sh $(B) $(B)/tools/xdna-pipeline $$in $(RUN_ARGS)

# Probe cost: poolbench's acquire+release pair built with probes and nothing
# attached, built without probes (PROBES=0), and with pooltrace attached.
bench:
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory B=build/noprobes PROBES=0 build/noprobes/tools/poolbench
	@echo "== poolbench, library with probes, nothing attached"
	@XDNA_EMU_QUIET=1 LD_PRELOAD=$(CURDIR)/$(B)/libxdna-emu.so $(B)/tools/poolbench
	@echo "== uncontended pair: without probes / with probes / with pooltrace attached"
	@build/noprobes/tools/poolbench -p 20000000
	@$(B)/tools/poolbench -p 20000000
	@if [ -x $(B)/tools/pooltrace ] && [ "$$(id -u)" = 0 ]; then \
		$(B)/tools/pooltrace --binary $(B)/tools/poolbench -d 120 > $(B)/pooltrace-bench.txt 2>&1 & \
		pt=$$!; sleep 3; $(B)/tools/poolbench -p 200000; kill -INT $$pt; wait $$pt; \
		sed -n '/acquire latency/,/^avg/p' $(B)/pooltrace-bench.txt; \
	else echo "(pooltrace needs root and BPF=1)"; fi
