#!/bin/sh
# run-tests.sh BUILD_DIR MODE "TESTS" "EMU_TESTS"
#
# Runs each Check binary, the EMU_TESTS with the xdna-emu interposer
# preloaded, and ends with one summary line "N passed, N failed".
# MODE is "" (plain), asan, tsan or valgrind.
set -u
b=$1 mode=$2 tests=$3 emu_tests=$4
emu="$PWD/$b/libxdna-emu.so"
pass=0 fail=0 skip=0 failed="" skipped=""

# The interposer is preloaded ahead of the sanitizer runtime on purpose.
export ASAN_OPTIONS="${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
export XDNA_EMU_QUIET="${XDNA_EMU_QUIET:-1}"
# The emulated device's state is shared by all its users (see
# driver-shim/emu/emu_devshm.h): one device per run, not the machine's.
export XDNA_EMU_SHM_NAME="${XDNA_EMU_SHM_NAME:-/xdna-emu-check-$$}"

run() {
	t=$1 preload=$2
	name=$(basename "$t")
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

for t in $tests; do run "$t" ""; done
for t in $emu_tests; do run "$t" "$emu"; done

if [ "${CI:-}" = true ] && [ "$mode" != valgrind ] && ! echo "$tests" | grep -q check_bpf; then
	echo "CI: the BPF suite was not built (BPF=0): CI machines must run it"
	fail=$((fail + 1)); failed="$failed check_bpf(not-built)"
fi

echo "=== summary${mode:+ ($mode)}"
[ -n "$failed" ] && echo "failed:$failed"
[ -n "$skipped" ] && echo "skipped:$skipped"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
