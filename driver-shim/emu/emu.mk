# xdna-emu: the emulated amdxdna NPU, an LD_PRELOAD interposer in the style
# of Mesa's drm-shim (see driver-shim/emu/README.md).  It depends on no
# project library: only the uAPI header and libdrm's drm.h.

EMU_DIR  := driver-shim/emu
EMU_SRCS := $(wildcard $(EMU_DIR)/*.c)
EMU_OBJS := $(EMU_SRCS:%.c=$(B)/%.o)
EMU_SO   := $(B)/libxdna-emu.so
EMU_MAP  := $(EMU_DIR)/emu.map

$(B)/$(EMU_DIR)/%.o: CPPFLAGS += -I$(EMU_DIR)/include -Idriver-shim/uapi $(DRM_CFLAGS)
# The interposers run before a sanitizer runtime has initialised (it calls
# mmap through the PLT): those objects must not be instrumented.
$(B)/$(EMU_DIR)/emu_libc.o $(B)/$(EMU_DIR)/emu_libc_fs.o: SANFLAGS :=

# -z defs only without sanitizers: clang leaves the runtime to the program.
$(EMU_SO): $(EMU_OBJS) $(EMU_MAP)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=$(EMU_MAP) \
		$(if $(SAN),,-Wl,-z,defs) -o $@ $(EMU_OBJS) -ldl -lm -pthread

# The emulator's own tests (run with the emulator preloaded): one binary
# from tests/emu/, one file per area (tests/emu/emu_test.h).
EMU_TEST_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard tests/emu/*.c))
$(EMU_TEST_OBJS): CPPFLAGS += -I$(EMU_DIR)/include -Idriver-shim/uapi \
	$(DRM_CFLAGS) $(CHECK_CFLAGS)

$(B)/tests/check_emu: $(EMU_TEST_OBJS) $(TEST_RUNNER) | $(EMU_SO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DRM_LIBS) $(CHECK_LIBS) -ldl -pthread

LIBS      += $(EMU_SO)
EMU_TESTS += $(B)/tests/check_emu
CLEAN     += $(EMU_SO) $(B)/tests/check_emu

# The stem's inner loops (axpy over d_model) want the vectoriser.
$(B)/driver-shim/emu/emu_whisper.o: OPT = -O3 -g

# Installed for LD_PRELOAD on machines without an NPU, in a directory of its
# own (an open/ioctl/mmap interposer is no library to link or to find by
# accident): $(LIBDIR)/xdnapool/libxdna-emu.so.  Its hooks' header is public.
EMU_LIBDIR := $(LIBDIR)/xdnapool
INSTALL_TARGETS += install-emu
UNINSTALL_TARGETS += uninstall-emu
.PHONY: install-emu uninstall-emu
install-emu: $(EMU_SO)
	install -d $(DESTDIR)$(EMU_LIBDIR) $(DESTDIR)$(INCLUDEDIR)/xdna
	install -m 755 $< $(DESTDIR)$(EMU_LIBDIR)/
	install -m 644 $(EMU_DIR)/include/xdna_emu.h $(DESTDIR)$(INCLUDEDIR)/xdna/

uninstall-emu:
	rm -f $(DESTDIR)$(EMU_LIBDIR)/libxdna-emu.so $(DESTDIR)$(INCLUDEDIR)/xdna/xdna_emu.h
	$(call rmdir_empty,$(DESTDIR)$(EMU_LIBDIR) $(DESTDIR)$(INCLUDEDIR)/xdna)
