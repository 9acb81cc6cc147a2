#!/bin/sh
# run-tests.sh BUILD_DIR MODE "TESTS" "EMU_TESTS" [SELFTEST_TOOL]
#
# Runs each Check binary, the EMU_TESTS with the xdna-emu interposer
# preloaded once per released driver the emulator models (EMU_FLAVOURS) and
# once more on the npu1 part (all but check_emu, whose model tests are
# npu4's), SELFTEST_TOOL --selftest likewise, and ends with one summary line
# "N passed, N failed".  MODE is "" (plain), asan, tsan or valgrind
# (valgrind: the default flavour only, it is 5x slower).
set -u
b=$1 mode=$2 tests=$3 emu_tests=$4 selftest=${5:-}
if [ "$mode" = valgrind ]; then
	flavours=${EMU_FLAVOURS:-7.0}
else
	flavours=${EMU_FLAVOURS:-6.14 6.18 7.0 latest oot}
fi
emu="$PWD/$b/libxdna-emu.so"
pass=0 fail=0 skip=0 failed="" skipped=""

# The interposer is preloaded ahead of the sanitizer runtime on purpose.
export ASAN_OPTIONS="${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# leaks inside system libraries (each entry says which and why)
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/mk/lsan.supp:print_suppressions=0}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
export XDNA_EMU_QUIET="${XDNA_EMU_QUIET:-1}"
# The emulated device's state is shared by all its users (see
# driver-shim/emu/emu_devshm.h): one device per run, not the machine's.
export XDNA_EMU_SHM_NAME="${XDNA_EMU_SHM_NAME:-/xdna-emu-check-$$}"

run() {
	t=$1 preload=$2 label=${3:-}
	name=$(basename "$t")$label
	# check_pool.on-xdna: the libpool suite over the xdna backend, etc.
	case "$name" in
	*.on-xdna) export POOL_TEST_BACKEND=xdna ;;
	*.on-xrt) export POOL_TEST_BACKEND=xrt ;;
	*) unset POOL_TEST_BACKEND ;;
	esac
	echo "=== $name"
	if [ "$mode" = valgrind ] && [ "$name" = check_bpf ]; then
		# valgrind runs translated code: uprobes on the original never fire.
		echo "check_bpf: SKIP: uprobes cannot see code running under valgrind"
		skip=$((skip + 1)); skipped="$skipped $name"
		return
	fi
	if [ "$mode" = valgrind ]; then
		# Check's fork-per-test would hide children from valgrind.
		env CK_FORK=no ${preload:+LD_PRELOAD=$preload} \
			valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			--suppressions=mk/valgrind.supp "$t"
	else
		env ${preload:+LD_PRELOAD=$preload} "$t"
	fi
	rc=$?
	if [ $rc -eq 77 ]; then
		skip=$((skip + 1)); skipped="$skipped $name"
		if [ "${CI:-}" = true ]; then
			# CI machines run as root with BTF: a skip there hides a failure.
			fail=$((fail + 1)); failed="$failed $name(skipped-on-CI)"
		fi
	elif [ $rc -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $name(rc=$rc)"
	fi
}

# xdna-info --selftest on the emulated device: exit 0 is a pass.
run_selftest() {
	echo "=== $(basename "$1")$2 --selftest"
	if env LD_PRELOAD="$emu" "$1" --selftest; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $(basename "$1")$2"
	fi
}

# RULES.md: every emulator rule has a source and a test, and every rules test a row.
echo "=== check-rules"
if ./mk/check-rules.sh; then
	pass=$((pass + 1))
else
	fail=$((fail + 1)); failed="$failed check-rules"
fi

for t in $tests; do run "$t" ""; done
for fl in $flavours; do
	export XDNA_EMU_FLAVOUR=$fl
	for t in $emu_tests; do run "$t" "$emu" "[$fl]"; done
	[ -n "$selftest" ] && run_selftest "$selftest" "[$fl]"
done
export XDNA_EMU_DEVICE=npu1
unset XDNA_EMU_FLAVOUR
for t in $emu_tests; do
	case "$t" in */check_emu) continue ;; esac
	run "$t" "$emu" "[npu1]"
done
[ -n "$selftest" ] && run_selftest "$selftest" "[npu1]"
unset XDNA_EMU_DEVICE

if [ "${CI:-}" = true ] && [ "$mode" != valgrind ] && ! echo "$tests" | grep -q check_bpf; then
	echo "CI: the BPF suite was not built (BPF=0): CI machines must run it"
	fail=$((fail + 1)); failed="$failed check_bpf(not-built)"
fi

echo "=== summary${mode:+ ($mode)}"
[ -n "$failed" ] && echo "failed:$failed"
[ -n "$skipped" ] && echo "skipped:$skipped"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
