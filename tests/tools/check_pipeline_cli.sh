#!/bin/sh
# xdna-pipeline's command line (run from EMU_TESTS, so the emulator is
# preloaded): --help and --version exit 0 without work; a bad value, an
# unknown option, an unreadable input or a bad XDNAPOOL_MEL_ISA is one line
# naming it and exit 2; errors are printed once; --json carries the CPU
# figures; a bad file among good ones fails only its own request.
set -u
b=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
. "$(dirname "$0")/expect.sh"
pipe=$b/tools/xdna-pipeline


"$pipe" --help >"$t/help" 2>&1 && grep -q -- "--isa" "$t/help" ||
	{ echo "FAIL: --help"; fails=$((fails + 1)); }
"$pipe" --version | grep -q "xdna-pipeline (xdnapool)" ||
	{ echo "FAIL: --version"; fails=$((fails + 1)); }
expect 2 "--isa 'sse9'" "$pipe" --isa sse9
env XDNAPOOL_MEL_ISA=sse9 "$pipe" --seconds 1 >"$t/out" 2>"$t/err"
[ $? -eq 2 ] && grep -q "XDNAPOOL_MEL_ISA='sse9'" "$t/err" ||
	{ echo "FAIL: XDNAPOOL_MEL_ISA=sse9"; cat "$t/err"; fails=$((fails + 1)); }
env XDNAPOOL_MEL_ISA=generic "$pipe" -s 1 --seconds 1 >"$t/out" 2>"$t/err" ||
	{ echo "FAIL: XDNAPOOL_MEL_ISA=generic (pool mel)"; cat "$t/err"; fails=$((fails + 1)); }
expect 2 "--resample 'best'" "$pipe" --resample best
expect 2 "--streams '0'" "$pipe" --streams 0
expect 2 "--seconds ' 1'" "$pipe" --seconds " 1"
expect 2 "--workers 'x'" "$pipe" --workers x
expect 2 "'--bogus'" "$pipe" --bogus
expect 2 "input '$t/none.wav'" "$pipe" "$t/none.wav"
expect 2 "not both" "$pipe" --seconds 1 "$b/data/speech.wav"

# A run: JSON with the CPU figures and the stage table, nothing copied.
"$pipe" --seconds 1 -s 4 -r 8 --npu-kernel checksum --json >"$t/run.json" 2>"$t/err" ||
	{ echo "FAIL: run"; cat "$t/err"; fails=$((fails + 1)); }
for k in '"cpu_seconds"' '"cpu_limit_rps"' '"efficiency"' '"stages"' '"wait_ms"' \
	 '"bytes_copied": 0' '"failed": 0' '"leaks": 0' '"cpu_includes_emulated_npu": true'; do
	grep -q "$k" "$t/run.json" || { echo "FAIL: json lacks $k"; fails=$((fails + 1)); }
done
"$pipe" --seconds 1 -s 2 -r 2 --npu-kernel checksum --no-progress >"$t/run.txt" 2>"$t/err"
grep -q "efficiency .*includes the emulated NPU" "$t/run.txt" ||
	{ echo "FAIL: text summary lacks the CPU line"; cat "$t/run.txt"; fails=$((fails + 1)); }
[ "$(grep -c 'xdna-pipeline: .* streams, .* on xdna-emu' "$t/run.txt")" -eq 1 ] ||
	{ echo "FAIL: banner"; cat "$t/run.txt"; fails=$((fails + 1)); }

# A non-audio file among good ones: its request fails, with one line; exit 1.
printf 'not audio at all\n' >"$t/notes.wav"
"$pipe" -s 2 --npu-kernel checksum --no-progress "$b/data/speech.wav" "$t/notes.wav" \
	>"$t/mix.txt" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$t/err")" -eq 1 ] && grep -q "$t/notes.wav" "$t/err" &&
	grep -q "1 ok, 1 failed" "$t/mix.txt" ||
	{ echo "FAIL: bad file among good: rc $rc"; cat "$t/err" "$t/mix.txt"; fails=$((fails + 1)); }

[ $fails -eq 0 ] && echo "check_pipeline_cli: all passed"
[ $fails -eq 0 ]
