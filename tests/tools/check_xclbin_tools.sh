#!/bin/sh
# xdna-info --xclbin and xdna-run on the packaged designs (run from
# EMU_TESTS, so the emulator is preloaded): good runs give the right bytes,
# bad input gives one line on stderr and exit 2, a failed command exit 1.
set -u
b=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
. "$(dirname "$0")/expect.sh"
run=$b/tools/xdna-run
info=$b/tools/xdna-info
data=$b/data


head -c 65536 /dev/urandom >"$t/in.bin"
"$run" --xclbin "$data/copy.xclbin" --kernel copy --arg src=@"$t/in.bin" --arg dst=65536 \
	--arg bytes=65536 --out dst="$t/out.bin" --iterations 20 --json >"$t/json" || fails=$((fails + 1))
cmp -s "$t/in.bin" "$t/out.bin" || { echo "FAIL: copy output differs"; fails=$((fails + 1)); }
grep -q '"p99"' "$t/json" || { echo "FAIL: no percentiles"; fails=$((fails + 1)); }
"$info" --xclbin "$data/whisper_stem.xclbin" --json >"$t/info.json" || fails=$((fails + 1))
for k in '"uuid"' '"kernels"' '"pdis"' '"name": "n_frames"' '"type": "buffer"'; do
	grep -q "$k" "$t/info.json" || { echo "FAIL: info json lacks $k"; fails=$((fails + 1)); }
done

# An mlir-aie kernel: --insts fills opcode, instr and ninstr (toy stream: copy 4096 bytes).
printf '\001\000\000\000\000\020\000\000' >"$t/insts.bin"
head -c 4096 "$t/in.bin" >"$t/in4k.bin"
"$run" --xclbin "$data/passthrough.xclbin" --kernel MLIR_AIE --insts "$t/insts.bin" \
	--arg bo0=@"$t/in4k.bin" --arg bo1=4096 --arg bo2=4096 --out bo1="$t/out4k.bin" \
	-n 5 >/dev/null || fails=$((fails + 1))
cmp -s "$t/in4k.bin" "$t/out4k.bin" || { echo "FAIL: MLIR_AIE output differs"; fails=$((fails + 1)); }
expect 2 "needs --arg opcode" "$run" --xclbin "$data/passthrough.xclbin" --kernel MLIR_AIE \
	--arg bo0=16 --arg bo1=16 --arg bo2=16

c="--xclbin $data/copy.xclbin --kernel copy"
expect 2 "No such file" "$run" --xclbin "$t/missing.xclbin" --kernel copy
head -c 700 "$data/copy.xclbin" >"$t/trunc.xclbin"
expect 2 "m_length" "$run" --xclbin "$t/trunc.xclbin" --kernel copy
expect 2 "m_length" "$info" --xclbin "$t/trunc.xclbin"
printf 'xclbin2\0junk' >"$t/junk.xclbin"
expect 2 "shorter than" "$run" --xclbin "$t/junk.xclbin" --kernel copy
expect 2 'no kernel "nope"' "$run" --xclbin "$data/copy.xclbin" --kernel nope
expect 2 "too few --arg" "$run" $c --arg src=16 --arg dst=16
expect 2 "too many --arg" "$run" $c --arg src=16 --arg dst=16 --arg bytes=4 --arg x=1
expect 2 "is a scalar" "$run" $c --arg src=16 --arg dst=16 --arg bytes=@"$t/in.bin"
expect 2 "xdna-run: --arg src 'foo' is not a byte count from 1 to 1073741824" "$run" $c \
	--arg src=foo --arg dst=16 --arg bytes=4
# strict numbers: digits in range, no blanks, hex, wrap-around sizes, inf or nan
for v in " 4096" 0x10 -1 -16 2G; do
	expect 2 "xdna-run: --arg src '$v' is not a byte count" "$run" $c \
		--arg src="$v" --arg dst=16 --arg bytes=4
done
for v in " 4" 0x10 -1 4294967296 1e3; do
	expect 2 "xdna-run: --arg bytes '$v' is not a whole number from 0 to 4294967295" \
		"$run" $c --arg src=16 --arg dst=16 --arg bytes="$v"
done
sa="--xclbin $data/scale_add.xclbin --kernel scale_add --arg x=64 --arg y=64 --arg out=64"
for v in inf nan 1e3 0x1p3 " 1.5" +1; do
	expect 2 "xdna-run: --arg a '$v' is not a number from" "$run" $sa --arg n=16 --arg a="$v"
done
"$run" $sa --arg n=16 --arg a=-0.5 -n 1 >"$t/out" 2>"$t/err" ||
	{ echo "FAIL: scale_add with a=-0.5: $(cat "$t/err")"; fails=$((fails + 1)); }
head -c 10 "$t/in.bin" >"$t/odd.bin"
expect 2 "10 bytes is not a whole number" "$run" $c --arg src=16 --arg dst=16 --arg bytes=4 \
	--insts "$t/odd.bin"
# The emulated NPU refuses a copy beyond its buffers: the command ends in ERROR.
expect 1 "finished in state" "$run" $c --arg src=16 --arg dst=16 --arg bytes=1048576 -n 1
# The pipeline from --xclbin, verified against its CPU reference.
pipe=$b/tools/xdna-pipeline
"$pipe" --seconds 1 --streams 2 --xclbin "$data/checksum.xclbin" --verify --no-progress --json \
	>"$t/pipe.json" 2>"$t/pipe.err" || { echo "FAIL: pipeline on checksum.xclbin"; cat "$t/pipe.err"; fails=$((fails + 1)); }
grep -q '"mismatched": 0' "$t/pipe.json" || { echo "FAIL: pipeline json"; fails=$((fails + 1)); }
# A design it cannot use is bad usage, found before the banner (exit 2).
expect 2 "cannot fill argument src" "$pipe" --seconds 1 --streams 1 --no-progress \
	--xclbin "$data/copy.xclbin"
expect 2 "m_length" "$pipe" --seconds 1 --streams 1 --no-progress --xclbin "$t/trunc.xclbin"
expect 2 'no kernel "stem"' "$pipe" --seconds 1 --streams 1 --no-progress \
	--xclbin "$data/whisper_stem.xclbin" --kernel stem

[ $fails -eq 0 ] && echo "check_xclbin_tools: all passed"
[ $fails -eq 0 ]
