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

# The main job.  Until the pipeline exists: device information and the BO
# self-test, on the NPU if there is one, else on xdna-emu.
run:
	@$(MAKE) --no-print-directory all
	@./mk/run.sh $(B) $(B)/tools/xdna-info --selftest
