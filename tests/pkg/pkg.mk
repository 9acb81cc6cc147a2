# Packaging and interface checks (make check):
#   - every installed header compiles alone as ISO C11 (-pedantic-errors),
#     C++17 and C++20 with -Wall -Wextra -Werror (at build time: stamps);
#   - tests/cxx/cxx_api.cpp, every header's API from C++, as C++17 and C++20;
#   - check_symbols: each library exports exactly what its headers declare
#     (the emulator: the hooks its header looks up and libc interposers);
#   - check_install: make install DESTDIR=... PREFIX=/usr, a C consumer through
#     pkg-config and a C++/C consumer through find_package(xdnapool CONFIG),
#     run, then make uninstall leaves nothing but empty directories.

PKG_HDRS := $(LIBPOOL_HDRS) $(SHIM_HDRS) $(MEL_HDRS) $(EMU_DIR)/include/xdna_emu.h \
	$(if $(filter 1,$(XRT)),libpool/include/pool/pool_xrt.h)
PKG_HDR_INC := -Ilibpool/include -Idriver-shim/include -Idsp/include \
	-Idriver-shim/emu/include -Idriver-shim/uapi
PKG_HDR_WARN := -Wall -Wextra -Werror
PKG_HDR_c11   = $(CC) -x c -std=c11 -pedantic-errors
PKG_HDR_cxx17 = $(CXX) -x c++ -std=c++17
PKG_HDR_cxx20 = $(CXX) -x c++ -std=c++20
PKG_HDR_MODES := c11 cxx17 cxx20
PKG_HDR_DIR := $(B)/tests/headers

# $(PKG_HDR_DIR)/<header path with / as ->.<mode>.ok
pkg_hdr_stamp = $(PKG_HDR_DIR)/$(subst /,-,$(1)).$(2).ok
define PKG_HDR_RULE
$(call pkg_hdr_stamp,$(1),$(2)): $(1)
	@mkdir -p $$(@D)
	@echo '  HDR   $(1) [$(2)]'
	@echo '#include "$(1)"' | $$(PKG_HDR_$(2)) $(PKG_HDR_WARN) $(PKG_HDR_INC) $$(DRM_CFLAGS) \
		-fsyntax-only - && touch $$@
endef
$(foreach h,$(PKG_HDRS),$(foreach m,$(PKG_HDR_MODES),$(eval $(call PKG_HDR_RULE,$(h),$(m)))))
PKG_HDR_STAMPS := $(foreach h,$(PKG_HDRS),$(foreach m,$(PKG_HDR_MODES),$(call pkg_hdr_stamp,$(h),$(m))))
check-build: $(PKG_HDR_STAMPS)
.PHONY: check-headers
check-headers: $(PKG_HDR_STAMPS)

# The C++ program, against the tree's shared libraries (so the version
# scripts are what it links against).
PKG_SOS := $(B)/libpool.so.$(VERSION) $(SHIM_SO) $(MEL_SO) $(MELAUDIO_SO) \
	$(if $(filter 1,$(XRT)),$(POOL_XRT_SO))
PKG_CXX_LIBS = -L$(B) $(if $(filter 1,$(XRT)),-lpool-xrt) -lpool -lxdna-shim -lmelaudio -lmel \
	-Wl,-rpath,$(abspath $(B)) -lm
PKG_CXX_DEFS = $(if $(filter 1,$(XRT)),-DHAVE_POOL_XRT)
$(B)/tests/cxx/cxx_api%: tests/cxx/cxx_api.cpp $(PKG_SOS) $(PKG_HDRS)
	@mkdir -p $(@D)
	$(CXX) -std=c++$* -O1 -g $(PKG_HDR_WARN) $(SANFLAGS) $(PKG_HDR_INC) $(DRM_CFLAGS) $(PKG_CXX_DEFS) \
		-o $@ $< $(PKG_CXX_LIBS) -pthread
$(B)/tests/check_cxx17: $(B)/tests/cxx/cxx_api17
	printf '#!/bin/sh\nexec "$$(dirname "$$0")/cxx/cxx_api17"\n' > $@ && chmod +x $@
$(B)/tests/check_cxx20: $(B)/tests/cxx/cxx_api20
	printf '#!/bin/sh\nexec "$$(dirname "$$0")/cxx/cxx_api20"\n' > $@ && chmod +x $@
TESTS += $(B)/tests/check_cxx17 $(B)/tests/check_cxx20

# Exported symbols against the installed headers and the version scripts.
PKG_SYM_SETS = --interposer "$(EMU_SO):driver-shim/emu/emu.map:driver-shim/emu/include/xdna_emu.h" \
	"$(B)/libpool.so.$(VERSION):libpool/libpool.map:$(LIBPOOL_HDRS)" \
	"$(SHIM_SO):driver-shim/libxdna-shim.map:$(SHIM_HDRS)" \
	"$(MEL_SO):dsp/libmel.map:dsp/include/mel/mel.h" \
	"$(MELAUDIO_SO):dsp/libmelaudio.map:dsp/include/mel/audio.h" \
	$(if $(filter 1,$(XRT)),"$(POOL_XRT_SO):libpool/xrt/libpool-xrt.map:libpool/include/pool/pool_xrt.h")
$(B)/tests/check_symbols: tests/pkg/check_symbols.sh $(PKG_SOS) $(EMU_SO) Makefile tests/pkg/pkg.mk
	@mkdir -p $(@D)
	printf '#!/bin/sh\ncd "$(CURDIR)" && exec sh tests/pkg/check_symbols.sh %s\n' '$(PKG_SYM_SETS)' > $@
	chmod +x $@
TESTS += $(B)/tests/check_symbols

# Install, consume, uninstall (the make, compilers and flags of this build).
$(B)/tests/check_install: tests/pkg/check_install.sh Makefile tests/pkg/pkg.mk
	@mkdir -p $(@D)
	printf '#!/bin/sh\ncd "$(CURDIR)" && exec env MAKE="$(MAKE)" B="$(B)" SAN="$(SAN)" CC="$(CC)" CXX="$(CXX)" SANFLAGS="$(SANFLAGS)" XRT="$(XRT)" sh tests/pkg/check_install.sh\n' > $@
	chmod +x $@
TESTS += $(B)/tests/check_install
