#!/bin/sh
# xdna-pipeline's command line (run from EMU_TESTS, so the emulator is
# preloaded): --help and --version exit 0 without work; a bad value, an
# unknown option, a bad XDNAPOOL_MEL_ISA, an unusable --xclbin or no
# usable input is one line naming it and exit 2 before the banner; errors
# are printed once; --json carries the CPU figures and balanced pools; bad
# files among good ones are named once each, up front, and counted as
# failed requests while the good ones run; cores follows the affinity mask.
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
# Inputs are probed once, up front: none usable is one line each, exit 2, no run.
expect 2 "input $t/none.wav: No such file" "$pipe" "$t/none.wav"
printf 'RIFF\020\0\0\0WAVEjunk' >"$t/garbage.wav"
expect 2 "input $t/garbage.wav" "$pipe" -s 8 -r 8 "$t/garbage.wav"
[ -s "$t/out" ] && fail "garbage.wav alone: a run's output: $(cat "$t/out")"
mkdir "$t/empty"
expect 2 "input $t/empty: a directory with no audio files" "$pipe" "$t/empty"
# The design too, before the banner.
expect 2 "xclbin $t/none.xclbin" "$pipe" --seconds 1 --xclbin "$t/none.xclbin"
expect 2 "$t/garbage.wav" "$pipe" --seconds 1 --xclbin "$t/garbage.wav"
[ -s "$t/out" ] && fail "--xclbin garbage: a run's output: $(cat "$t/out")"
expect 2 "whisper_nope" "$pipe" --seconds 1 --kernel whisper_nope
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

# Pools in --json: acquires, releases, outstanding, balanced (the fault matrix's check).
python3 - "$t/run.json" <<'PY' || fail "json pools: $(cat "$t/run.json")"
import json, sys
d = json.load(open(sys.argv[1]))
names = [p["name"] for p in d["pools"]]
assert names == ["audio", "mel", "encoder", "request"], names
for p in d["pools"]:
    assert p["acquires"] == 8 and p["releases"] == p["acquires"], p
    assert p["outstanding"] == 0, p
PY

# cores: the CPUs the process may use (affinity), not the machine's.
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then
	taskset -c 0 "$pipe" --seconds 1 -s 2 -r 2 --npu-kernel checksum --json \
		>"$t/one.json" 2>"$t/err" || fail "taskset run: $(cat "$t/err")"
	grep -q '"cores": 1,' "$t/one.json" && grep -q '"workers": 1,' "$t/one.json" ||
		fail "taskset -c 0: $(cat "$t/one.json")"
fi

# Bad files among good ones: one line each before the banner, each counted
# as a failed request, the good one runs; exit 1.
printf 'not audio at all\n' >"$t/notes.wav"
"$pipe" -s 1 --npu-kernel checksum --no-progress "$b/data/speech.wav" "$t/notes.wav" \
	"$t/none.wav" >"$t/mix.txt" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$t/err")" -eq 2 ] && grep -q "input $t/notes.wav" "$t/err" &&
	grep -q "input $t/none.wav: No such file" "$t/err" &&
	grep -q "3 requests on 1 streams .*: 1 ok, 2 failed (2 unusable inputs, named above)" \
		"$t/mix.txt" ||
	fail "bad files among good: rc $rc: $(cat "$t/err" "$t/mix.txt")"
"$pipe" -s 2 -r 4 --npu-kernel checksum --json "$b/data/speech.wav" "$t/notes.wav" \
	>"$t/mix.json" 2>"$t/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$t/err")" -eq 1 ] &&
	grep -q '"requests": 5, "ok": 4, "failed": 1, "unusable_inputs": 1,' "$t/mix.json" ||
	fail "bad file among good (json): rc $rc: $(cat "$t/err" "$t/mix.json")"

[ $fails -eq 0 ] && echo "check_pipeline_cli: all passed"
[ $fails -eq 0 ]
