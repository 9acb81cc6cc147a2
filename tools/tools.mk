# Command-line tools of the driver shim.  Other components add their own
# tools in their fragments.
SHIM_TOOL_CPPFLAGS = -Idriver-shim/include -Idriver-shim/uapi $(DRM_CFLAGS)
$(B)/tools/xdna-info.o $(B)/tools/xdna-bench.o: CPPFLAGS += $(SHIM_TOOL_CPPFLAGS)

TOOLS += $(B)/tools/xdna-info $(B)/tools/xdna-bench

$(B)/tools/xdna-info: $(B)/tools/xdna-info.o $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS)

$(B)/tools/xdna-bench: $(B)/tools/xdna-bench.o $(SHIM_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(DRM_LIBS) -lm

INSTALL_TARGETS += install-shim-tools
.PHONY: install-shim-tools
install-shim-tools: $(B)/tools/xdna-info $(B)/tools/xdna-bench
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $^ $(DESTDIR)$(BINDIR)/
