#!/bin/sh
# Every tool alike (tools/common/tool.h): -h and --help print the usage on
# stdout and exit 0 without doing any work, --version prints one line with
# the Makefile's VERSION, a bad option, a bad value or an extra argument is
# one line on stderr naming it and exit 2.  Without a device (and without
# the emulator) a tool exits 3 and its hint names the emulator that works
# from where it runs: build/libxdna-emu.so in the tree, the configured
# installed path elsewhere when none is installed beside the binary.  Runs without the emulator (TESTS).
set -u
b=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
EXPECT_TIMEOUT=20
. "$(dirname "$0")/expect.sh"
# filled in by tests/tools/tools.mk
version="@VERSION@"
installed_emu="@EMU_PATH@"



# common TOOL [OPT]: --help, -h, --version, a bad option (long and short),
# OPT (one taking a value) without its value: getopt's errors in the tools'
# format, named by the tool's name, not getopt's argv[0]
common() {
	tool=$1 name=$(basename "$1") valopt=${2:-}
	for h in --help -h; do
		timeout 5 "$tool" $h >"$t/out" 2>"$t/err"
		rc=$?
		if [ $rc -ne 0 ] || ! grep -q "^usage: $name" "$t/out" || [ -s "$t/err" ]; then
			fail "$name $h -> rc $rc, stdout $(head -1 "$t/out"), stderr $(cat "$t/err")"
		fi
		grep -q "Exit status" "$t/out" || fail "$name $h does not document its exit codes"
	done
	timeout 5 "$tool" --version >"$t/out" 2>"$t/err"
	rc=$?
	if [ $rc -ne 0 ] || [ "$(cat "$t/out")" != "$name (xdnapool) $version" ]; then
		fail "$name --version -> rc $rc: $(cat "$t/out" "$t/err")"
	fi
	expect 2 "$name: unrecognized option '--no-such-option' (see --help)" "$tool" --no-such-option
	expect 2 "$name: unrecognized option '-Z' (see --help)" "$tool" -Z
	if [ -n "$valopt" ]; then
		expect 2 "$name: option '$valopt' requires an argument (see --help)" "$tool" "$valopt"
	fi
}

tools=$b/tools
common "$tools/xdna-info" -d
common "$tools/xdna-pipeline" --streams
expect 2 "xdna-info: unexpected argument 'extra'" "$tools/xdna-info" --json extra

common "$tools/xdna-bench" -n
expect 2 "xdna-bench: --runs 'abc' is not a whole number from 1 to" "$tools/xdna-bench" -n abc
expect 2 "xdna-bench: --runs '0' is not a whole number" "$tools/xdna-bench" --runs 0
expect 2 "xdna-bench: unexpected argument 'extra'" "$tools/xdna-bench" -n 5 extra

common "$tools/xdna-run" --xclbin
expect 2 "xdna-run: --iterations ' 5' is not a whole number" "$tools/xdna-run" --iterations " 5"
expect 2 "xdna-run: unexpected argument 'extra'" "$tools/xdna-run" -x a -k b extra

common "$tools/xdna-mel" --n-mels
expect 2 "xdna-mel: --n-mels '81': must be 80 or 128" "$tools/xdna-mel" a b --n-mels 81
expect 2 "xdna-mel: unexpected argument 'c'" "$tools/xdna-mel" a b c
expect 2 "xdna-mel: needs IN and OUT.f32" "$tools/xdna-mel" a
# an input it cannot open and a bad code path: bad usage (2) before any work
expect 2 "xdna-mel: input '$t/none.wav': No such file" "$tools/xdna-mel" "$t/none.wav" "$t/o.f32"
expect 2 "xdna-mel: --isa 'sse9': not auto, generic" "$tools/xdna-mel" --isa sse9 \
	"$b/data/speech.wav" "$t/o.f32"
expect 2 "xdna-mel: XDNAPOOL_MEL_ISA='bogus': not auto, generic" \
	env XDNAPOOL_MEL_ISA=bogus "$tools/xdna-mel" "$b/data/speech.wav" "$t/o.f32"
[ ! -e "$t/o.f32" ] || fail "xdna-mel wrote its output despite a bad XDNAPOOL_MEL_ISA"

common "$tools/melbench" --runs
expect 2 "melbench: --runs '0x10' is not a whole number" "$tools/melbench" -n 0x10
expect 2 "melbench: unexpected argument 'extra'" "$tools/melbench" extra
expect 2 "melbench: --isa 'sse9': not auto, generic" "$tools/melbench" --isa sse9
expect 2 "melbench: XDNAPOOL_MEL_ISA='bogus': not auto, generic" \
	env XDNAPOOL_MEL_ISA=bogus "$tools/melbench" -n 3

# poolbench --help must not run the 30 s benchmark: timeout 5 above.
common "$tools/poolbench" -p
expect 2 "poolbench: --pairs 'abc' is not a whole number" "$tools/poolbench" -p abc
expect 2 "poolbench: unexpected argument 'extra'" "$tools/poolbench" -q extra

if [ -x "$tools/pooltrace" ]; then
	common "$tools/pooltrace" -p
	expect 2 "pooltrace: -d 'abc' is not a whole number" "$tools/pooltrace" -p 1 -d abc
	expect 2 "pooltrace: unexpected argument 'extra'" "$tools/pooltrace" -p 1 1 1 extra
fi

if [ -x "$tools/examples/xrt_handoff" ]; then
	common "$tools/examples/xrt_handoff"
	expect 2 "xrt_handoff: BYTES 'abc' is not a byte count from 1 to 1073741824" \
		"$tools/examples/xrt_handoff" abc
	expect 2 "xrt_handoff: BYTES '99999999999' is not a byte count from 1 to 1073741824" \
		"$tools/examples/xrt_handoff" 99999999999
	expect 2 "xrt_handoff: unexpected argument 'extra'" "$tools/examples/xrt_handoff" 4096 extra
fi

# xclbin-pack: a build helper of the emulator, self-contained but alike
common "$tools/xclbin-pack" --design
expect 2 "xclbin-pack: option '--design' requires an argument" "$tools/xclbin-pack" --design
expect 2 "xclbin-pack: no design 'nope'" "$tools/xclbin-pack" --design nope -o "$t/x.xclbin"
expect 2 "xclbin-pack: unexpected argument 'extra'" "$tools/xclbin-pack" --list extra
expect 2 "xclbin-pack: needs --design NAME and -o FILE" "$tools/xclbin-pack"

common "$b/bench/resamplebench" --rounds
expect 2 "resamplebench: --rounds '0' is not a whole number from 1 to 64" "$b/bench/resamplebench" -r 0

# bench/peers, when built (make bench-peers-build; not part of all)
if [ -x "$b/bench/peers" ]; then
	common "$b/bench/peers" -r
	expect 2 "peers: --rounds '0' is not a whole number from 1 to 31" "$b/bench/peers" -r 0
	expect 2 "peers: --size '12' is not a byte count from 64" "$b/bench/peers" -s 12
	expect 2 "peers: unexpected argument 'extra'" "$b/bench/peers" -q extra
fi

# The hint: only without a device, and with the path that works from here.
real=""
for n in /dev/accel/accel*; do
	[ -c "$n" ] && real=$n
done
if [ -z "$real" ] && [ -z "${LD_PRELOAD:-}" ]; then
	emu=$b/libxdna-emu.so
	"$tools/xdna-info" >"$t/out" 2>"$t/err"
	rc=$?
	[ $rc -eq 3 ] || fail "xdna-info without a device: rc $rc (want 3)"
	grep -qx "xdna-info: run on the emulated device: LD_PRELOAD=$emu" "$t/err" ||
		fail "build-tree hint: $(cat "$t/err")"
	if [ -x "$tools/xdna-pipeline" ]; then
		"$tools/xdna-pipeline" --seconds 1 >"$t/out" 2>"$t/err"
		grep -qx "xdna-pipeline: run on the emulated device: LD_PRELOAD=$emu" "$t/err" ||
			fail "xdna-pipeline hint: $(cat "$t/err")"
	fi
	if [ -x "$tools/examples/xrt_handoff" ]; then
		"$tools/examples/xrt_handoff" >"$t/out" 2>"$t/err"
		rc=$?
		[ $rc -eq 3 ] || fail "xrt_handoff without a device: rc $rc (want 3): $(cat "$t/err")"
		grep -qx "xrt_handoff: run on the emulated device: LD_PRELOAD=$emu" "$t/err" ||
			fail "xrt_handoff hint: $(cat "$t/err")"
	fi
	# a copy with no emulator installed beside it: the configured path
	# (tests/pkg/check_install.sh checks one with the emulator beside it)
	cp "$tools/xdna-info" "$t/xdna-info"
	"$t/xdna-info" >"$t/out" 2>"$t/err"
	grep -qx "xdna-info: run on the emulated device: LD_PRELOAD=$installed_emu" \
		"$t/err" || fail "installed hint: $(cat "$t/err")"
	# With the emulator loaded there is a device: no hint at all.
	XDNA_EMU_SHM_NAME=/xdna-emu-tools-$$ LD_PRELOAD=$emu "$tools/xdna-info" >"$t/out" 2>"$t/err" ||
		fail "xdna-info on the emulator: $(cat "$t/err")"
	! grep -q LD_PRELOAD "$t/err" "$t/out" || fail "hint printed with the emulator loaded"
	# The emulator loaded but refusing to open: no hint either.
	XDNA_EMU_SHM_NAME=/xdna-emu-tools-$$ XDNA_EMU_FLAVOUR=bogus LD_PRELOAD=$emu \
		"$tools/xdna-info" >"$t/out" 2>"$t/err"
	! grep -q LD_PRELOAD "$t/err" || fail "hint printed with the emulator loaded: $(cat "$t/err")"
	echo "ok: hints"
	# Bad XDNA_EMU_* values (or a name it does not read): the emulator names the variable and the value
	# and the device does not open (tool exit 3), no hint (it is loaded).
	for kv in XDNA_EMU_DELAY_US=abc XDNA_EMU_DELAY_US=-5 XDNA_EMU_QUIET=banana \
		XDNA_EMU_FAIL=create_bo:x XDNA_EMU_FAIL=nosuch:1 XDNA_EMU_JOB_TIMEOUT_MS=5x \
		XDNA_EMU_FLAVOUR=6.99 XDNA_EMU_DEVICE=npu9 XDNA_EMU_DELAYUS=5; do
		env XDNA_EMU_SHM_NAME=/xdna-emu-tools-$$ XDNA_EMU_QUIET=1 "$kv" LD_PRELOAD=$emu \
			"$tools/xdna-info" >"$t/out" 2>"$t/err"
		rc=$?
		var=${kv%%=*} val=${kv#*=}
		if [ $rc -ne 3 ] || ! grep -q "^xdna-emu: $var=\"$val\" " "$t/err" ||
			grep -q LD_PRELOAD "$t/err"; then
			fail "$kv: rc $rc: $(cat "$t/err")"
		else
			echo "ok: $kv: $(head -1 "$t/err")"
		fi
	done
else
	echo "hint checks skipped: a device or a preloaded library is present"
fi

[ $fails -eq 0 ] && echo "check_tools: all passed" && exit 0
echo "check_tools: $fails failure(s)"
exit 1
