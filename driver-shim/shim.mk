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

$(B)/libxdna-shim.pc: driver-shim/libxdna-shim.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

LIBS += $(B)/libxdna-shim.pc
INSTALL_TARGETS += install-shim

install-shim: $(SHIM_A) $(SHIM_SO) $(B)/libxdna-shim.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/xdna $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 $(SHIM_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHIM_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHIM_SO)) $(DESTDIR)$(LIBDIR)/libxdna-shim.so.$(ABI_MAJOR)
	ln -sf $(notdir $(SHIM_SO)) $(DESTDIR)$(LIBDIR)/libxdna-shim.so
	install -m 644 driver-shim/include/xdna/shim.h driver-shim/include/xdna/xclbin.h driver-shim/uapi/amdxdna_uapi.h \
		$(DESTDIR)$(INCLUDEDIR)/xdna/
	install -m 644 $(B)/libxdna-shim.pc $(DESTDIR)$(PKGCONFIGDIR)/
