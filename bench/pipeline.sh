#!/bin/sh
# bench/pipeline.sh BUILD_DIR [ROUNDS] [STREAMS...]: xdna-pipeline pooled
# (staged, zero-copy) against --copy (a thread per stream, a fresh BO and a
# copy per request), for the checksum and the stem kernels, on the bundled
# speech sample.  Interleaved rounds (pooled, copy, pooled, copy, ...);
# prints per configuration the median and min-max of throughput and
# efficiency, failed / exhausted / bytes copied, and the pooled/copy ratio.
# On the emulated device unless an NPU is there (mk/run.sh decides).
set -eu
b=$1
rounds=${2:-5}
shift 2 2>/dev/null || shift $#
streams=${*:-32 50}
in=$b/data/speech.wav
[ -s "$in" ] || { echo "bench/pipeline.sh: $in is missing (make $in)"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDNA_EMU_QUIET=1
echo "bench/pipeline: $rounds interleaved rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for k in checksum stem; do
	for s in $streams; do
		# the stem's emulated kernel is heavy: fewer requests per round
		if [ $k = checksum ]; then r=$((s * 8)); else r=$s; fi
		i=0
		while [ $i -lt "$rounds" ]; do
			for mode in pooled copy; do
				extra=""
				[ $mode = copy ] && extra=--copy
				./mk/run.sh "$b" "$b/tools/xdna-pipeline" --npu-kernel $k -s "$s" -r $r \
					--json $extra "$in" 2>/dev/null >>"$t/$k-$s-$mode.json" || true
			done
			i=$((i + 1))
		done
	done
done
/usr/bin/python3 - "$t" $streams <<'PY'
import json, os, statistics, sys
d, streams = sys.argv[1], sys.argv[2:]
def rows(name):
    p = os.path.join(d, name)
    return [json.loads(l) for l in open(p) if l.strip()] if os.path.exists(p) else []
print(f"{'kernel':9} {'streams':>7} {'mode':7} {'req/s median (min-max)':>26} "
      f"{'efficiency (min-max)':>22} {'failed':>6} {'exhausted':>9} {'bytes copied':>13}")
for k in ('checksum', 'stem'):
    for s in streams:
        med = {}
        for mode in ('pooled', 'copy'):
            r = rows(f"{k}-{s}-{mode}.json")
            if not r:
                print(f"{k:9} {s:>7} {mode:7} (no run)")
                continue
            tp = sorted(x['throughput_rps'] for x in r)
            ef = sorted(x['efficiency'] for x in r)
            med[mode] = statistics.median(tp)
            print(f"{k:9} {s:>7} {mode:7} {med[mode]:>10.1f} ({tp[0]:.1f}-{tp[-1]:.1f})"
                  f"{'':>3} {statistics.median(ef):>8.3f} ({ef[0]:.3f}-{ef[-1]:.3f}) "
                  f"{max(x['failed'] for x in r):>6} {max(x['exhausted'] for x in r):>9} "
                  f"{max(x['bytes_copied'] for x in r):>13}")
        if len(med) == 2:
            print(f"{'':9} {'':>7} pooled/copy throughput {med['pooled'] / med['copy']:.2f}x")
PY
