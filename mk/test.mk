# Test, sanitizer and run targets.  Test binaries are Check programs; those in
# EMU_TESTS run with the xdna-emu interposer preloaded (see driver-shim/emu).

# Builds in a sub-make so that `make deps check` sees what deps installed.
check:
	@$(MAKE) --no-print-directory check-build
	@./mk/run-tests.sh "$(B)" "$(SAN)" "$(TESTS)" "$(EMU_TESTS)"

asan:
	$(MAKE) SAN=asan check

tsan:
	$(MAKE) SAN=tsan check

valgrind:
	@$(MAKE) --no-print-directory check-build
	@./mk/run-tests.sh "$(B)" valgrind "$(TESTS)" "$(EMU_TESTS)"

# The main job: the device, then the Whisper front-end pipeline on the
# bundled speech sample (16 streams), on the NPU if there is one, else on
# xdna-emu.  RUN_ARGS adds pipeline options (e.g. RUN_ARGS="--streams 50").
RUN_ARGS ?=
run:
	@$(MAKE) --no-print-directory all
	@./mk/run.sh $(B) $(B)/tools/xdna-info
	@if [ -s $(B)/data/speech.wav ]; then in=$(B)/data/speech.wav; else in="--seconds 30"; fi; \
	./mk/run.sh $(B) $(B)/tools/xdna-pipeline $$in $(RUN_ARGS)
