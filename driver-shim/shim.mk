# libxdna-shim: driver-shim/src -> $(B)/libxdna-shim.{a,so}
SHIM_SRCS := $(wildcard driver-shim/src/*.c)
SHIM_OBJS := $(SHIM_SRCS:%.c=$(B)/%.o)
SHIM_SO   := $(B)/libxdna-shim.so.$(VERSION)
SHIM_A    := $(B)/libxdna-shim.a
# The amdxdna uAPI header is used from the system when it is complete.
SHIM_SYS_UAPI = $(if $(shell grep -qs DRM_IOCTL_AMDXDNA_WAIT_CMD /usr/include/drm/amdxdna_accel.h && echo y),-DXDNA_HAVE_SYSTEM_UAPI)

$(B)/driver-shim/src/%.o: CPPFLAGS += -Idriver-shim/include -Idriver-shim/uapi $(DRM_CFLAGS) $(SHIM_SYS_UAPI)
# USDT probes (provider xdna, bpf/PROBES.md); PROBES=0 builds the shim without them.
PROBES ?= 1
$(B)/driver-shim/src/%.o: CPPFLAGS += $(if $(filter 0,$(PROBES)),-DXDNA_NO_PROBES)

LIBS += $(SHIM_A) $(SHIM_SO)

$(SHIM_A): $(SHIM_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(SHIM_SO): $(SHIM_OBJS) driver-shim/libxdna-shim.map
	$(CC) -shared -o $@ $(SHIM_OBJS) $(LDFLAGS) -Wl,-soname,libxdna-shim.so.$(ABI_MAJOR) \
		-Wl,--version-script=driver-shim/libxdna-shim.map -Wl,--no-undefined $(DRM_LIBS) $(EXPAT_LIBS)
	ln -sf $(notdir $@) $(B)/libxdna-shim.so.$(ABI_MAJOR)
	ln -sf $(notdir $@) $(B)/libxdna-shim.so

# Installed: the library, its public headers (and the uAPI header they
# build on) and libxdna-shim.pc, written for the install's paths.
SHIM_HDRS := driver-shim/include/xdna/shim.h driver-shim/include/xdna/xclbin.h \
	driver-shim/uapi/amdxdna_uapi.h
INSTALL_TARGETS += install-shim
UNINSTALL_TARGETS += uninstall-shim
.PHONY: install-shim uninstall-shim

install-shim: $(SHIM_A) $(SHIM_SO)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/xdna
	install -m 644 $(SHIM_A) $(DESTDIR)$(LIBDIR)/
	$(call install_so,$(SHIM_SO),libxdna-shim)
	install -m 644 $(SHIM_HDRS) $(DESTDIR)$(INCLUDEDIR)/xdna/
	$(call install_pc,driver-shim/libxdna-shim.pc.in)

uninstall-shim:
	$(call uninstall_so,libxdna-shim)
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/xdna/,$(notdir $(SHIM_HDRS))) \
		$(DESTDIR)$(PKGCONFIGDIR)/libxdna-shim.pc
	$(call rmdir_empty,$(DESTDIR)$(INCLUDEDIR)/xdna)
