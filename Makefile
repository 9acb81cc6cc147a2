# xdnapool — plain GNU Makefile (no Kbuild, no CMake).
#
#   make                 build libraries, tools and tests
#   make deps            apt-get install every Debian package the project needs
#   make deps-bench      ... and those of bench/peers (DPDK, FFmpeg, GStreamer)
#   make bench-peers     libpool against DPDK/FFmpeg/GStreamer/mutex pools
#   make run             the main job
#   make check           run the Check test suite (and the packaging checks of tests/pkg)
#   make check-headers   each installed header alone as ISO C11, C++17, C++20
#   make asan|tsan       the suite under AddressSanitizer+UBSan / ThreadSanitizer
#   make SAN=debug check the suite with libpool's lock assertions (also in asan/tsan)
#   make valgrind        the suite under valgrind memcheck
#   make fuzz            libFuzzer harnesses (clang; tests/fuzz/fuzz.mk)
#   make fuzz-run FUZZ_SECONDS=60   run each harness that long
#   make install PREFIX=/usr/local DESTDIR=   libraries, headers, .pc, CMake package, tools
#   make uninstall PREFIX=/usr/local DESTDIR= what install put there
#
# Each component contributes a fragment (<component>/<component>.mk) that
# appends to LIBS, TOOLS, TESTS (plain Check binaries) and EMU_TESTS (Check
# binaries that run against the xdna-emu emulated device).  Objects go to
# $(B)/<source path>.o; per-component include paths are pattern-specific so a
# component only sees the public headers of the components below it.

VERSION       := 0.1.0
ABI_MAJOR     := 0
PREFIX        ?= /usr/local
DESTDIR       ?=
LIBDIR        ?= $(PREFIX)/lib
INCLUDEDIR    ?= $(PREFIX)/include
BINDIR        ?= $(PREFIX)/bin
DATADIR       ?= $(PREFIX)/share
PKGCONFIGDIR  ?= $(LIBDIR)/pkgconfig

SAN ?=
ifeq ($(SAN),asan)
B        := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(SAN),tsan)
B        := build/tsan
SANFLAGS := -fsanitize=thread
else ifeq ($(SAN),fuzz)
# clang with libFuzzer's coverage (make fuzz, tests/fuzz/fuzz.mk): the
# emulator for the ioctl harness, whose emu_libc*.o stay uninstrumented
B        := build/fuzz
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	    -fsanitize=fuzzer-no-link
else ifeq ($(SAN),debug)
# no sanitizer: libpool's lock-order and lock-held assertions only
B        := build/debug
SANFLAGS := -DPOOL_DEBUG_BUILD
else
B        := build
SANFLAGS :=
endif

CC       ?= cc
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CFLAGS   ?=
override CFLAGS += -std=gnu11 $(OPT) $(WARN) -fPIC -pthread $(SANFLAGS)
CPPFLAGS ?=
override CPPFLAGS += -D_GNU_SOURCE
LDFLAGS  ?=
override LDFLAGS += -pthread $(SANFLAGS)

# pkg-config is asked lazily and once: `make deps check` parses this file
# before deps has installed anything.
lazy_pc = $(eval $(1) := $$(shell pkg-config $(2) 2>/dev/null))$($(1))
DRM_CFLAGS     = $(call lazy_pc,DRM_CFLAGS,--cflags libdrm)
DRM_LIBS       = $(call lazy_pc,DRM_LIBS,--libs libdrm)
CHECK_CFLAGS   = $(call lazy_pc,CHECK_CFLAGS,--cflags check)
CHECK_LIBS     = $(call lazy_pc,CHECK_LIBS,--libs check)
# libxdna-shim's xclbin reader parses EMBEDDED_METADATA with expat.
EXPAT_LIBS     := -lexpat

DEBS := build-essential pkg-config libdrm-dev check libsubunit-dev libexpat1-dev \
	valgrind python3 python3-numpy cmake

LIBS      :=
TOOLS     :=
TESTS     :=
EMU_TESTS :=
CLEAN     :=
INSTALL_TARGETS :=
UNINSTALL_TARGETS :=

.PHONY: all deps run check check-build check-run asan tsan valgrind valgrind-run bench install \
	uninstall clean
all:

include mk/*.mk
include $(filter-out mk/%,$(wildcard */*.mk */*/*.mk))

all: $(LIBS) $(TOOLS) $(TESTS) $(EMU_TESTS)
check-build: $(LIBS) $(TOOLS) $(TESTS) $(EMU_TESTS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(B) -name '*.d' 2>/dev/null)

deps:
	@./mk/deps.sh $(sort $(DEBS))

clean:
	rm -rf build $(CLEAN)

install: $(INSTALL_TARGETS)

uninstall: $(UNINSTALL_TARGETS)

# `make print-TESTS` shows a variable (for scripts and debugging).
print-%:
	@echo $($*)
