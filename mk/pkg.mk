# Installation helpers shared by the components' fragments.
#
# pkg-config files and the CMake package are generated at install time from
# the install's PREFIX, LIBDIR and INCLUDEDIR (not at build time), so
# `make && make install DESTDIR=/tmp/x PREFIX=/usr` installs prefix=/usr.
# Every fragment has install-X and uninstall-X, added to INSTALL_TARGETS and
# UNINSTALL_TARGETS.

# Inside PREFIX the .pc paths are written relative to ${prefix}.
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(call pc_rel,$(LIBDIR))|g' \
	-e 's|@INCLUDEDIR@|$(call pc_rel,$(INCLUDEDIR))|g' -e 's|@VERSION@|$(VERSION)|g'

# $(call install_pc,FILE.pc.in): write FILE.pc into PKGCONFIGDIR.
install_pc = install -d $(DESTDIR)$(PKGCONFIGDIR) && \
	$(PC_SED) $(1) > $(DESTDIR)$(PKGCONFIGDIR)/$(notdir $(1:.in=)) && \
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/$(notdir $(1:.in=))

# $(call install_so,BUILT.so.VERSION,NAME): the library, its soname link
# and the development link (NAME.so).
install_so = install -d $(DESTDIR)$(LIBDIR) && \
	install -m 755 $(1) $(DESTDIR)$(LIBDIR)/ && \
	ln -sf $(notdir $(1)) $(DESTDIR)$(LIBDIR)/$(2).so.$(ABI_MAJOR) && \
	ln -sf $(2).so.$(ABI_MAJOR) $(DESTDIR)$(LIBDIR)/$(2).so

# $(call uninstall_so,NAME): what install_so and the static archive put there.
uninstall_so = rm -f $(DESTDIR)$(LIBDIR)/$(1).so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(1).so.$(ABI_MAJOR) \
	$(DESTDIR)$(LIBDIR)/$(1).so $(DESTDIR)$(LIBDIR)/$(1).a

# $(call rmdir_empty,DIR...): remove directories the install made, if empty.
rmdir_empty = for d in $(1); do [ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done

# The CMake package (mk/cmake/*.in): imported targets xdnapool::pool, ::shim,
# ::mel, ::melaudio and ::pool-xrt.  Paths inside PREFIX are written
# relative to the installed file, so a DESTDIR tree works as installed.
CMAKEDIR ?= $(LIBDIR)/cmake/xdnapool
cm_rel = $(patsubst $(PREFIX)/%,$${_xdnapool_prefix}/%,$(1))
CMAKE_SED = sed -e "s|@REL_PREFIX@|$$(realpath -m --relative-to=$(CMAKEDIR) $(PREFIX))|g" \
	-e 's|@CM_LIBDIR@|$(call cm_rel,$(LIBDIR))|g' -e 's|@CM_INCLUDEDIR@|$(call cm_rel,$(INCLUDEDIR))|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@ABI_MAJOR@|$(ABI_MAJOR)|g' \
	-e 's|@VERSION_MAJOR@|$(word 1,$(subst ., ,$(VERSION)))|g' \
	-e 's|@VERSION_MINOR@|$(word 2,$(subst ., ,$(VERSION)))|g'
CMAKE_FILES := xdnapoolConfig.cmake xdnapoolConfigVersion.cmake

INSTALL_TARGETS += install-cmake
UNINSTALL_TARGETS += uninstall-cmake
.PHONY: install-cmake uninstall-cmake
install-cmake: $(addprefix mk/cmake/,$(CMAKE_FILES:=.in))
	install -d $(DESTDIR)$(CMAKEDIR)
	for f in $(CMAKE_FILES); do \
		$(CMAKE_SED) mk/cmake/$$f.in > $(DESTDIR)$(CMAKEDIR)/$$f && \
		chmod 644 $(DESTDIR)$(CMAKEDIR)/$$f || exit 1; \
	done

uninstall-cmake:
	rm -f $(addprefix $(DESTDIR)$(CMAKEDIR)/,$(CMAKE_FILES))
	$(call rmdir_empty,$(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(LIBDIR)/cmake)
