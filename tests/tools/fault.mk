# The fault-injection matrix (#15): every fault the emulator injects
# (driver-shim/emu/README.md, XDNA_EMU_FAIL) at its 1st..Kth occurrence,
# under a libpool workload (tests/tools/pool_workload.c) and the pipeline
# (tools/xdna-pipeline), checked through their command lines and output
# contracts by tests/tools/check_fault_matrix.sh.  A plain TEST: the script
# preloads the emulator itself, for the flavours in FAULT_FLAVOURS.
$(B)/tests/tools/pool_workload.o: CPPFLAGS += -Ilibpool/include -Idriver-shim/include \
	-Idriver-shim/emu/include
$(B)/tests/pool-workload: $(B)/tests/tools/pool_workload.o $(B)/libpool.a $(LIBPOOL_SHIM_A)
	$(CC) $(LDFLAGS) -o $@ $< $(B)/libpool.a $(LIBPOOL_XDNA_LIBS) $(EXPAT_LIBS)

$(B)/tests/check_fault_matrix: tests/tools/check_fault_matrix.sh | $(B)/tests/pool-workload \
		$(B)/tools/xdna-pipeline $(EMU_SO)
	@mkdir -p $(@D)
	cp $< $@
TESTS += $(B)/tests/check_fault_matrix
