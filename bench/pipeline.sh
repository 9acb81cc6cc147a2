#!/bin/sh
# bench/pipeline.sh BUILD_DIR [ROUNDS] [STREAMS...]: xdna-pipeline pooled
# (staged, zero-copy) against --copy (a thread per stream, a fresh BO and a
# copy per request), for the checksum and the stem kernels, on the bundled
# speech sample.  Interleaved rounds (pooled, copy, pooled, copy, ...);
# prints per configuration the median and min-max of throughput and
# efficiency, failed / exhausted / bytes copied, and the pooled/copy ratio,
# then for one run of each configuration (its last round) the stage table
# and cpu_limit_rps / efficiency.  Each run's stderr is kept; a run that
# exits non-zero is reported (its exit status and its stderr's first line)
# and makes the bench exit 1.  On the emulated device unless an NPU is
# there (mk/run.sh decides).
set -eu
usage() {
	echo "usage: bench/pipeline.sh BUILD_DIR [ROUNDS] [STREAMS...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
b=$1
shift
rounds=5
if [ $# -ge 1 ]; then
	rounds=$1
	shift
fi
case $rounds in
'' | *[!0-9]* | 0) echo "bench/pipeline.sh: ROUNDS '$rounds' is not a whole number from 1" >&2
	exit 2 ;;
esac
streams=${*:-32 50}
for s in $streams; do
	case $s in
	'' | *[!0-9]* | 0) echo "bench/pipeline.sh: STREAMS '$s' is not a whole number from 1" >&2
		exit 2 ;;
	esac
done
in=$b/data/speech.wav
[ -s "$in" ] || { echo "bench/pipeline.sh: $in is missing (make $in)"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDNA_EMU_QUIET=1
echo "bench/pipeline: $rounds interleaved rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$t/failures"
for k in checksum stem; do
	for s in $streams; do
		# the stem's emulated kernel is heavy: fewer requests per round
		if [ $k = checksum ]; then r=$((s * 8)); else r=$s; fi
		i=0
		while [ $i -lt "$rounds" ]; do
			for mode in pooled copy; do
				extra=""
				[ $mode = copy ] && extra=--copy
				run=$k-$s-$mode
				rc=0
				./mk/run.sh "$b" "$b/tools/xdna-pipeline" --npu-kernel $k -s "$s" \
					-r $r --json $extra "$in" >"$t/$run-$i.json" \
					2>"$t/$run-$i.err" || rc=$?
				# a run with failed requests (exit 1) still reports: keep its numbers
				cat "$t/$run-$i.json" >>"$t/$run.json"
				cp "$t/$run-$i.json" "$t/$run.last"
				if [ $rc -ne 0 ]; then
					echo "$run round $i: exit $rc: $(grep -v '^run: ' "$t/$run-$i.err" |
						head -n 1)" >>"$t/failures"
				fi
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
    out = []
    if not os.path.exists(p):
        return out
    for l in open(p):
        if l.strip():
            try:
                out.append(json.loads(l))
            except ValueError:
                pass
    return out
print(f"{'kernel':9} {'streams':>7} {'mode':7} {'req/s median (min-max)':>26} "
      f"{'efficiency (min-max)':>22} {'failed':>6} {'exhausted':>9} {'bytes copied':>13}")
for k in ('checksum', 'stem'):
    for s in streams:
        med = {}
        for mode in ('pooled', 'copy'):
            r = rows(f"{k}-{s}-{mode}.json")
            if not r:
                print(f"{k:9} {s:>7} {mode:7} (no run reported)")
                continue
            tp = sorted(x['throughput_rps'] for x in r)
            ef = sorted(x['efficiency'] for x in r)
            med[mode] = statistics.median(tp)
            print(f"{k:9} {s:>7} {mode:7} {med[mode]:>10.1f} ({tp[0]:.1f}-{tp[-1]:.1f})"
                  f"{'':>3} {statistics.median(ef):>8.3f} ({ef[0]:.3f}-{ef[-1]:.3f}) "
                  f"{max(x['failed'] for x in r):>6} {max(x['exhausted'] for x in r):>9} "
                  f"{max(x['bytes_copied'] for x in r):>13}")
        if len(med) == 2 and med['copy'] > 0:
            print(f"{'':9} {'':>7} pooled/copy throughput {med['pooled'] / med['copy']:.2f}x")
# One run per configuration in full: where its time went, what the CPUs allow.
for k in ('checksum', 'stem'):
    for s in streams:
        for mode in ('pooled', 'copy'):
            r = rows(f"{k}-{s}-{mode}.last")
            if not r:
                continue
            x = r[-1]
            print(f"\n{k} {s} streams {mode} (last round): {x['ok']} ok, {x['failed']} failed, "
                  f"{x['cores']} cores, cpu {x['cpu_seconds']:.3f} s, "
                  f"cpu_limit_rps {x['cpu_limit_rps']:.2f}, efficiency {x['efficiency']:.3f}")
            print(f"  {'stage':8} {'parallel':>8} {'wait ms p50/p99':>18} {'service ms p50/p99':>20}")
            for st in x['stages']:
                w, v = st['wait_ms'], st['service_ms']
                print(f"  {st['stage']:8} {st['threads']:>8} {w['p50']:>8.3f}/{w['p99']:<9.3f}"
                      f" {v['p50']:>9.3f}/{v['p99']:<9.3f}")
PY
if [ -s "$t/failures" ]; then
	echo "bench/pipeline: $(wc -l <"$t/failures") run(s) exited non-zero:"
	cat "$t/failures"
	exit 1
fi
