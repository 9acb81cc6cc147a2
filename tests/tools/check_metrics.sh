#!/bin/sh
# xdna-pipeline's operator interfaces on the emulated device (the script
# preloads it): --metrics-listen serves /metrics that `promtool check
# metrics` accepts and /health JSON while the pipeline runs, on loopback
# unless told otherwise; --metrics-file is rewritten atomically every
# interval and ends with the final numbers; bad options are one line and
# exit 2 (an unwritable file: exit 1 before any work).
set -u
b=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$t"' EXIT
fails=0
. "$(dirname "$0")/expect.sh"
emu=$b/libxdna-emu.so
export XDNA_EMU_QUIET=1 XDNA_EMU_SHM_NAME=/xdna-emu-metrics-$$

# The emulator is preloaded into the pipeline only (not curl or promtool:
# in `make asan` it is an ASan build).
pipe() {
	env LD_PRELOAD="$emu" "$b/tools/xdna-pipeline" "$@"
}



for tool in promtool curl python3; do
	command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (make deps)"; exit 1; }
done

for bad in nonsense 1.2.3:80 127.0.0.1:99999 :abc "[::1]" "127.0.0.1: 80"; do
	expect 2 "xdna-pipeline: --metrics-listen '$bad' is not ADDR:PORT" \
		pipe --seconds 1 --metrics-listen "$bad"
done
expect 2 "xdna-pipeline: --metrics-interval '5' is not a whole number from 100" \
	pipe --seconds 1 --metrics-interval 5
expect 1 "xdna-pipeline: --metrics-file $t/no/such/dir/m.prom: No such file or directory" \
	pipe --seconds 1 --metrics-file "$t/no/such/dir/m.prom"

# A run long enough to be asked while it works, on any machine: each
# command takes XDNA_EMU_DELAY_US on the emulated NPU, 240 of them on 4
# contexts at least 6 s (the checksum kernel: the stem's CPU model is slow
# under ASan, and the delay, not the CPU, sets the length).
env LD_PRELOAD="$emu" XDNA_EMU_DELAY_US=100000 "$b/tools/xdna-pipeline" --npu-kernel checksum \
	--seconds 2 -r 240 --contexts 4 \
	--no-progress --metrics-listen :0 --metrics-file "$t/m.prom" --metrics-interval 100 >"$t/run.out" 2>"$t/run.err" &
pid=$!
port=""
for i in $(seq 100); do
	port=$(sed -n 's/^xdna-pipeline: metrics on port \([0-9]*\): .*/\1/p' "$t/run.err")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { fail "no port announced: $(cat "$t/run.err")"; exit 1; }
url=http://127.0.0.1:$port
# wait for the pools
for i in $(seq 100); do
	curl -sf "$url/health" >"$t/health" && grep -q '"running":true' "$t/health" && break
	sleep 0.05
done
# the file is there while running and valid
sleep 0.2
cp "$t/m.prom" "$t/mid.prom"
promtool check metrics <"$t/mid.prom" >"$t/promtool" 2>&1 || fail "file: $(cat "$t/promtool")"
mid=$(sed -n 's/^xdna_pipeline_requests_total{result="ok"} //p' "$t/mid.prom")
curl -sf "$url/metrics" >"$t/metrics" || fail "GET /metrics"
promtool check metrics <"$t/metrics" >"$t/promtool" 2>&1 || fail "promtool: $(cat "$t/promtool")"
for m in 'xdnapool_acquires_total{pool="audio"}' 'xdnapool_hit_ratio{pool="mel"}' \
	'xdna_pipeline_requests_total{result="ok"}' 'xdna_pipeline_requests 240'; do
	grep -qF "$m" "$t/metrics" || fail "/metrics lacks $m"
done
curl -sf "$url/health" >"$t/health" || fail "GET /health"
python3 - "$t/health" "$t/metrics" <<'PY' || fail "/health: $(cat "$t/health")"
import json, re, sys
h = json.load(open(sys.argv[1]))
assert h["status"] in ("ok", "warn"), h["status"]
assert h["running"] is True
# one pool list: /health reports the pools /metrics does, the request tickets too
assert [p["name"] for p in h["pools"]] == ["audio", "mel", "encoder", "request"], h["pools"]
prom = set(re.findall(r'^xdnapool_acquires_total\{pool="([^"]*)"\}',
                      open(sys.argv[2]).read(), re.M))
assert prom == {p["name"] for p in h["pools"]}, (prom, h["pools"])
for p in h["pools"]:
    for k in ("acquires", "hit_rate", "exhausted", "timeouts", "outstanding", "warnings"):
        assert k in p, k
    # the rule: a warning when the hit rate is below 0.9, none above
    low = p["acquires"] > 0 and p["hit_rate"] < 0.9
    assert low == any("hit rate" in w for w in p["warnings"]), p
assert h["requests"]["planned"] == 240
PY
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")
[ "$code" = 404 ] || fail "/nope: HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")
[ "$code" = 405 ] || fail "POST /metrics: HTTP $code"
# ":PORT" is loopback only
if command -v ss >/dev/null; then
	ss -ltnH "sport = :$port" | grep -q "127.0.0.1:$port" || fail "not on loopback: $(ss -ltn)"
fi
wait "$pid"
rc=$?
pid=""
[ $rc -eq 0 ] || fail "pipeline exit $rc: $(cat "$t/run.err")"
promtool check metrics <"$t/m.prom" >"$t/promtool" 2>&1 || fail "final file: $(cat "$t/promtool")"
grep -qF 'xdna_pipeline_requests_total{result="ok"} 240' "$t/m.prom" ||
	fail "final file lacks 240 ok requests: $(grep requests_total "$t/m.prom")"
grep -qF 'xdna_pipeline_leaked_buffers{pool="mel"} 0' "$t/m.prom" || fail "final file lacks leaks"
[ "${mid:-240}" -lt 240 ] || fail "the file was not rewritten while running (mid-run: ${mid:-none})"
[ ! -e "$t/m.prom.tmp" ] || fail "m.prom.tmp left behind"
curl -s -m 2 "$url/metrics" >/dev/null 2>&1 && fail "server still up after the run"

[ $fails -eq 0 ] && echo "check_metrics: all passed (port $port, mid-run $mid ok)" && exit 0
echo "check_metrics: $fails failure(s)"
exit 1
