# libpool/xrt: libpool-xrt, the XRT backend of libpool (see libpool/xrt/README.md).
#
# Built when XRT's headers are found (they give the C API's prototypes);
# XRT=0 turns it off, XRT=1 insists.  Nothing links XRT: libpool-xrt
# dlopen()s libxrt_coreutil.so.2 at run time.  Debian's xrt.pc has wrong
# paths (/usr/usr/...), so pkg-config only reports the version.
ifndef POOL_XRT_MK
POOL_XRT_MK := 1

DEBS += libxrt-dev

XRT_PC_VERSION = $(call lazy_pc,XRT_PC_VERSION,--modversion xrt)
XRT_INCDIR ?= $(firstword $(foreach d,/usr/include/xrt $(XILINX_XRT)/include \
	/opt/xilinx/xrt/include,$(if $(wildcard $(d)/xrt/xrt_bo.h),$(d))))
XRT ?= $(if $(XRT_INCDIR),1,0)

ifeq ($(XRT),1)
ifeq ($(XRT_INCDIR),)
$(error XRT=1 but XRT's headers (xrt/xrt_bo.h) were not found: install libxrt-dev or set XRT_INCDIR)
endif

POOL_XRT_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard libpool/xrt/*.c))
POOL_XRT_A    := $(B)/libpool-xrt.a
POOL_XRT_SO   := $(B)/libpool-xrt.so.$(VERSION)

# XRT's include dir holds generic names (types.h, version.h): only here.
$(B)/libpool/xrt/%.o: CPPFLAGS += -Ilibpool/include -isystem $(XRT_INCDIR)

$(POOL_XRT_A): $(POOL_XRT_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# With a sanitizer the runtime is the executable's: no --no-undefined then.
$(POOL_XRT_SO): $(POOL_XRT_OBJS) libpool/xrt/libpool-xrt.map $(B)/libpool.so.$(VERSION)
	$(CC) -shared -o $@ $(POOL_XRT_OBJS) $(LDFLAGS) \
		-Wl,-soname,libpool-xrt.so.$(ABI_MAJOR) \
		-Wl,--version-script=libpool/xrt/libpool-xrt.map \
		$(if $(SAN),,-Wl,--no-undefined) -L$(B) -lpool -ldl
	ln -sf $(notdir $@) $(B)/libpool-xrt.so.$(ABI_MAJOR)
	ln -sf libpool-xrt.so.$(ABI_MAJOR) $(B)/libpool-xrt.so

LIBS += $(POOL_XRT_A) $(POOL_XRT_SO)

# Tests: under XRT's noop shim, set up by tests/xrt/xrt_noop_env.c.
XRT_TEST_HELPERS := $(B)/tests/xrt/xrt_noop_env.o
TESTS += $(B)/tests/check_xrt
$(B)/tests/check_xrt.o $(XRT_TEST_HELPERS): CPPFLAGS += -Ilibpool/include -Itests/xrt
$(B)/tests/check_xrt.o: CFLAGS += $(CHECK_CFLAGS)

$(B)/tests/check_xrt: $(B)/tests/check_xrt.o $(TEST_RUNNER) $(XRT_TEST_HELPERS) $(POOL_XRT_A) $(B)/libpool.a
	$(CC) -o $@ $^ $(LDFLAGS) -ldl $(CHECK_LIBS)

# A test double of libxrt_coreutil for what noop cannot show (mock_xrt.h).
XRT_MOCK_SO := $(B)/tests/xrt/mock/libxrt_coreutil.so.2
TESTS += $(B)/tests/check_xrt_mock
$(B)/tests/xrt/mock_xrt.o: CPPFLAGS += -Itests/xrt -isystem $(XRT_INCDIR)
$(B)/tests/check_xrt_mock.o: CPPFLAGS += -Ilibpool/include -Itests/xrt \
	-DMOCK_XRT_LIB='"$(abspath $(XRT_MOCK_SO))"'
$(B)/tests/check_xrt_mock.o: CFLAGS += $(CHECK_CFLAGS)

$(XRT_MOCK_SO): $(B)/tests/xrt/mock_xrt.o
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $^ $(LDFLAGS) -Wl,-soname,libxrt_coreutil.so.2

$(B)/tests/check_xrt_mock: $(B)/tests/check_xrt_mock.o $(TEST_RUNNER) $(POOL_XRT_A) $(B)/libpool.a | $(XRT_MOCK_SO)
	$(CC) -o $@ $(filter %.o %.a,$^) $(LDFLAGS) -ldl $(CHECK_LIBS)

INSTALL_TARGETS += install-libpool-xrt
UNINSTALL_TARGETS += uninstall-libpool-xrt
.PHONY: install-libpool-xrt uninstall-libpool-xrt
install-libpool-xrt: $(POOL_XRT_A) $(POOL_XRT_SO)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/pool
	install -m 644 $(POOL_XRT_A) $(DESTDIR)$(LIBDIR)/
	$(call install_so,$(POOL_XRT_SO),libpool-xrt)
	install -m 644 libpool/include/pool/pool_xrt.h $(DESTDIR)$(INCLUDEDIR)/pool/
	$(call install_pc,libpool/xrt/libpool-xrt.pc.in)

uninstall-libpool-xrt:
	$(call uninstall_so,libpool-xrt)
	rm -f $(DESTDIR)$(INCLUDEDIR)/pool/pool_xrt.h $(DESTDIR)$(PKGCONFIGDIR)/libpool-xrt.pc
	$(call rmdir_empty,$(DESTDIR)$(INCLUDEDIR)/pool)
endif
endif
