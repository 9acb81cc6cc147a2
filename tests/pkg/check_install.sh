#!/bin/sh
# check_install.sh: install the tree to a DESTDIR with PREFIX=/usr, check
# the generated .pc files and CMake package, build and run a C consumer
# through pkg-config and the C and C++ consumers through
# find_package(xdnapool CONFIG), run the installed xdna-pipeline on its
# installed default design and emulator and check the installed tools'
# no-device hint (also with a multiarch LIBDIR), then uninstall and check
# that nothing but empty directories remains.  Run from the top of the tree with MAKE, B,
# SAN, CC, CXX, SANFLAGS and XRT of the build (tests/pkg/pkg.mk).
set -u
top=$PWD
: "${MAKE:=make}" "${B:=build}" "${SAN:=}" "${CC:=cc}" "${CXX:=g++}" "${SANFLAGS:=}" "${XRT:=0}"
root=$(mktemp -d) && work=$(mktemp -d) || exit 1
trap 'rm -rf "$root" "$work"' EXIT
lib=$root/usr/lib
fail() { echo "check_install: $*"; exit 1; }

echo "check_install: make install DESTDIR=$root PREFIX=/usr"
$MAKE --no-print-directory -s B="$B" SAN="$SAN" install DESTDIR="$root" PREFIX=/usr \
	> "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "make install failed"; }

pcs="libpool libxdna-shim libmel libmelaudio"
[ "$XRT" = 1 ] && pcs="$pcs libpool-xrt"
for pc in $pcs; do
	f=$lib/pkgconfig/$pc.pc
	[ -f "$f" ] || fail "$pc.pc not installed"
	grep -qx 'prefix=/usr' "$f" || fail "$pc.pc: $(grep '^prefix=' "$f") (want prefix=/usr)"
done
for f in xdnapoolConfig.cmake xdnapoolConfigVersion.cmake; do
	[ -f "$lib/cmake/xdnapool/$f" ] || fail "$f not installed"
done
# Nothing installed may point back into the build tree.
if grep -rl "$top" "$lib/pkgconfig" "$lib/cmake" 2>/dev/null; then
	fail "installed files name the build tree $top"
fi
# The emulator is no library to link: in LIBDIR/xdnapool only.
[ -f "$lib/xdnapool/libxdna-emu.so" ] || fail "libxdna-emu.so not in LIBDIR/xdnapool"
[ ! -e "$lib/libxdna-emu.so" ] || fail "libxdna-emu.so installed in LIBDIR"
[ -f "$root/usr/include/xdna/xdna_emu.h" ] || fail "xdna_emu.h not installed"
# Installed headers point at installed documentation (man pages), not at
# the source tree's READMEs; each page of ours they name is installed.
if grep -rnE 'README|[A-Za-z0-9_-]+/[A-Za-z0-9_./-]*\.md\b' "$root/usr/include"; then
	fail "installed headers refer to files of the source tree"
fi
for ref in $(grep -rhoE '\blib[a-z-]+\([0-9]\)' "$root/usr/include" | sort -u); do
	n=${ref%%(*} s=${ref#*(}
	s=${s%)}
	[ -f "$root/usr/share/man/man$s/$n.$s" ] || fail "installed headers name $ref, not installed"
done

# pkg-config: the installed .pc files first, the system's for libdrm/expat.
export PKG_CONFIG_SYSROOT_DIR="$root"
export PKG_CONFIG_LIBDIR="$lib/pkgconfig:$(pkg-config --variable pc_path pkg-config)"
cflags=$(pkg-config --cflags $pcs) || fail "pkg-config --cflags $pcs"
libs=$(pkg-config --libs $pcs) || fail "pkg-config --libs $pcs"
pkg-config --static --libs libmelaudio libpool > /dev/null ||
	fail "pkg-config --static --libs libmelaudio libpool"
xdef=""
[ "$XRT" = 1 ] && xdef=-DHAVE_POOL_XRT
echo "check_install: cc $cflags consumer.c $libs"
$CC -std=c11 -pedantic-errors -Wall -Wextra -Werror $SANFLAGS $xdef $cflags \
	-o "$work/consumer" tests/pkg/consumer.c $libs -lm || fail "the pkg-config consumer does not build"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
export LD_LIBRARY_PATH="$lib"
LD_LIBRARY_PATH="$lib" ldd "$work/consumer" | grep -q "libpool.so.0 => $lib/" ||
	fail "the consumer does not load the installed libpool"
"$work/consumer" || fail "the pkg-config consumer failed"

# CMake: find_package(xdnapool CONFIG) from CMAKE_PREFIX_PATH.
cmake -S tests/pkg/cmake -B "$work/cmake" -DCMAKE_PREFIX_PATH="$root/usr" \
	-DXDNAPOOL_EXPECT_DIR="$lib/cmake/xdnapool" -DXDNAPOOL_SRC="$top" \
	-DXDNAPOOL_WITH_XRT="$([ "$XRT" = 1 ] && echo ON || echo OFF)" \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
	-DCMAKE_C_FLAGS="$SANFLAGS" -DCMAKE_CXX_FLAGS="$SANFLAGS" \
	-DCMAKE_EXE_LINKER_FLAGS="$SANFLAGS" > "$work/cmake.log" 2>&1 ||
	{ cat "$work/cmake.log"; fail "cmake configure failed"; }
grep 'xdnapool .* from' "$work/cmake.log"
cmake --build "$work/cmake" > "$work/build.log" 2>&1 ||
	{ cat "$work/build.log"; fail "the CMake consumers do not build"; }
"$work/cmake/consumer_c" || fail "the CMake C consumer failed"
"$work/cmake/consumer_cxx" || fail "the CMake C++ consumer failed"

# The installed tools, as installed: they find their files relative to
# their binary (a DESTDIR tree has no baked-in path to rely on), never in
# the build tree.  xdna-pipeline's default design from DATADIR/xdnapool, on
# the installed emulator (short run, checksum and the default stem):
bin=$root/usr/bin
share=$root/usr/share/xdnapool
for d in whisper_stem checksum; do
	[ -f "$share/$d.xclbin" ] || fail "$d.xclbin not in DATADIR/xdnapool"
done
"$bin/xdna-pipeline" --help > "$work/help" || fail "xdna-pipeline --help failed"
grep -qF "here $share)" "$work/help" ||
	fail "xdna-pipeline --help: the default design is not in $share: $(grep -A2 -- --xclbin "$work/help")"
for kernel in stem checksum; do
	XDNA_EMU_SHM_NAME=/xdna-emu-install-$$ XDNA_EMU_QUIET=1 LD_PRELOAD="$lib/xdnapool/libxdna-emu.so" \
		"$bin/xdna-pipeline" --npu-kernel $kernel --seconds 1 -s 2 -r 2 --no-progress --json \
		> "$work/pipe.json" 2> "$work/pipe.err" ||
		fail "the installed xdna-pipeline (--npu-kernel $kernel) failed: $(cat "$work/pipe.err")"
	grep -q '"ok": 2, "failed": 0' "$work/pipe.json" ||
		fail "the installed xdna-pipeline (--npu-kernel $kernel): $(head -c 300 "$work/pipe.json")"
done
# The no-device hint names the emulator installed beside the tool (a
# device that is not there, so a real NPU does not hide the hint).
hint() { # PREFIX_DIR TOOL: the hint's path (or what went wrong)
	XDNA_DEVICE=/nonexistent/accel0 LD_PRELOAD= "$1/bin/$2" > /dev/null 2> "$work/hint.err"
	rc=$?
	[ $rc -eq 3 ] || { echo "exit $rc (want 3): $(cat "$work/hint.err")"; return; }
	sed -n "s|^$2: run on the emulated device: LD_PRELOAD=||p" "$work/hint.err"
}
got=$(hint "$root/usr" xdna-info)
[ "$got" = "$lib/xdnapool/libxdna-emu.so" ] ||
	fail "installed xdna-info's hint: '$got' (want $lib/xdnapool/libxdna-emu.so)"
got=$(hint "$root/usr" xdna-pipeline)
[ "$got" = "$lib/xdnapool/libxdna-emu.so" ] ||
	fail "installed xdna-pipeline's hint: '$got' (want $lib/xdnapool/libxdna-emu.so)"
echo "check_install: the installed xdna-pipeline ran on $share; hints name $lib/xdnapool"
unset LD_LIBRARY_PATH

# A multiarch LIBDIR given to make install only (the tools were built for
# lib): the hint still names the emulator where it went.
ma=$($CC -print-multiarch 2>/dev/null)
if [ -n "$ma" ]; then malib=/usr/lib/$ma; else malib=/usr/lib64; fi
root2=$work/multiarch
$MAKE --no-print-directory -s B="$B" SAN="$SAN" install-emu install-shim-tools DESTDIR="$root2" \
	PREFIX=/usr LIBDIR="$malib" > "$work/install2.log" 2>&1 ||
	{ cat "$work/install2.log"; fail "make install LIBDIR=$malib failed"; }
got=$(hint "$root2/usr" xdna-info)
[ "$got" = "$root2$malib/xdnapool/libxdna-emu.so" ] ||
	fail "xdna-info's hint with LIBDIR=$malib: '$got' (want $root2$malib/xdnapool/libxdna-emu.so)"
echo "check_install: LIBDIR=$malib: the hint names $root2$malib/xdnapool"
# A missing component names its own library file (libxdna-shim for shim);
# one that does not exist lists those there are.
mkdir -p "$work/missing"
printf 'cmake_minimum_required(VERSION 3.13)\nproject(m NONE)\nfind_package(xdnapool CONFIG REQUIRED COMPONENTS ${C})\n' \
	> "$work/missing/CMakeLists.txt"
shim_so=$(ls "$lib"/libxdna-shim.so.*.*.*)
mv "$shim_so" "$work/shim.so"
cmake -S "$work/missing" -B "$work/missing/b1" -DCMAKE_PREFIX_PATH="$root/usr" -DC=shim \
	> "$work/missing.log" 2>&1 && fail "find_package found the removed shim component"
mv "$work/shim.so" "$shim_so"
tr -s ' \n' ' ' < "$work/missing.log" | grep -qF "component shim is not installed (no $shim_so)" ||
	{ cat "$work/missing.log"; fail "the missing-shim message does not name $shim_so"; }
cmake -S "$work/missing" -B "$work/missing/b2" -DCMAKE_PREFIX_PATH="$root/usr" -DC=bogus \
	> "$work/missing.log" 2>&1 && fail "find_package found a component bogus"
tr -s ' \n' ' ' < "$work/missing.log" | grep -qF "has no component bogus (components: shim, pool," ||
	{ cat "$work/missing.log"; fail "the unknown-component message"; }

echo "check_install: make uninstall DESTDIR=$root PREFIX=/usr"
$MAKE --no-print-directory -s B="$B" SAN="$SAN" uninstall DESTDIR="$root" PREFIX=/usr \
	> "$work/uninstall.log" 2>&1 || { cat "$work/uninstall.log"; fail "make uninstall failed"; }
left=$(find "$root" ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "check_install: ok ($(find "$root" -type d | wc -l) empty directories left)"
