# What every tool shares (tools/common/tool.h): exit codes, --version, clock,
# percentiles, strict option parsing.  One version, from the Makefile.
TOOL_COMMON_O := $(B)/tools/common/tool.o
$(TOOL_COMMON_O): CPPFLAGS += -DXDNAPOOL_VERSION='"$(VERSION)"'
# The install layout, for what a tool finds beside its binary at run time
# (tool_emu_hint(), tool_data_path()): LIBDIR and the data directory
# relative to BINDIR, the configured paths as the last resort, and the
# compiler's multiarch triplet (a LIBDIR such as lib/x86_64-linux-gnu given
# to make install only).  From a build tree a tool finds build/'s.
TOOL_DATADIR := $(DATADIR)/xdnapool
$(TOOL_COMMON_O): CPPFLAGS += -DXDNAPOOL_EMU_DIR='"$(LIBDIR)/xdnapool"' \
	-DXDNAPOOL_DATA_DIR='"$(TOOL_DATADIR)"' \
	-DXDNAPOOL_BIN_TO_LIB='"$(shell realpath -m --relative-to=$(BINDIR) $(LIBDIR))"' \
	-DXDNAPOOL_BIN_TO_DATA='"$(shell realpath -m --relative-to=$(BINDIR) $(TOOL_DATADIR))"' \
	-DXDNAPOOL_MULTIARCH='"$(shell $(CC) -print-multiarch 2>/dev/null)"'
$(B)/tools/%.o: CPPFLAGS += -Itools/common
# Tools of other components link it too (their recipes link $^).
$(B)/tools/xdna-mel $(B)/tools/melbench $(B)/tools/poolbench $(B)/tools/pooltrace \
	$(B)/tools/examples/xrt_handoff $(B)/tools/xdna-pipeline: \
	$(TOOL_COMMON_O)

# Command-line tools of the driver shim.  Other components add their own
# tools in their fragments.
SHIM_TOOL_CPPFLAGS = -Idriver-shim/include -Idriver-shim/uapi $(DRM_CFLAGS)
$(B)/tools/xdna-info.o $(B)/tools/xdna-bench.o: CPPFLAGS += $(SHIM_TOOL_CPPFLAGS)

TOOLS += $(B)/tools/xdna-info $(B)/tools/xdna-bench

$(B)/tools/xclbin-info.o: CPPFLAGS += $(SHIM_TOOL_CPPFLAGS)
$(B)/tools/xdna-info: $(B)/tools/xdna-info.o $(B)/tools/xclbin-info.o $(TOOL_COMMON_O) $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(EXPAT_LIBS)

$(B)/tools/xdna-bench: $(B)/tools/xdna-bench.o $(TOOL_COMMON_O) $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) -lm

INSTALL_TARGETS += install-shim-tools
UNINSTALL_TARGETS += uninstall-shim-tools
.PHONY: install-shim-tools uninstall-shim-tools
install-shim-tools: $(B)/tools/xdna-info $(B)/tools/xdna-bench $(B)/tools/xdna-run
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $^ $(DESTDIR)$(BINDIR)/
uninstall-shim-tools:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,xdna-info xdna-bench xdna-run)

# xdna-run: one kernel of an xclbin, latency percentiles.
$(B)/tools/xdna-run.o: CPPFLAGS += $(SHIM_TOOL_CPPFLAGS)
$(B)/tools/xdna-run: $(B)/tools/xdna-run.o $(TOOL_COMMON_O) $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) $(EXPAT_LIBS)
TOOLS += $(B)/tools/xdna-run

