#!/bin/sh
# fuzz-run.sh SECONDS DIR NAME... : runs each libFuzzer harness DIR/fuzz_NAME
# for SECONDS over its seeds (tests/fuzz/corpus/NAME, read-only) and its
# growing corpus (DIR/corpus-NAME), then prints one summary line per harness:
#   fuzz_NAME: N execs in S s, cov C ft F, corpus K, findings: none|ARTIFACTS
# Exit 1 if any harness crashed, leaked, timed out or ran out of memory (its
# artifacts, DIR/crash-NAME-*, are the inputs to turn into regression seeds).
set -u
secs=$1 dir=$2
shift 2
fail=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# leaks inside system libraries (libsndfile's Ogg/Vorbis open; mk/lsan.supp)
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/mk/lsan.supp:print_suppressions=0}"
for n in "$@"; do
	bin=$dir/fuzz_$n log=$dir/fuzz_$n.log
	mkdir -p "$dir/corpus-$n"
	rm -f "$dir"/crash-"$n"-*
	seeds=tests/fuzz/corpus/$n opts=
	[ -d "$seeds" ] || seeds=
	[ "$n" = xclbin ] && opts=-max_len=16384
	# the emulator harness: a device segment of its own
	XDNA_EMU_SHM_NAME=/xdna-emu-fuzz-$$ "$bin" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/crash-$n-" \
		$opts "$dir/corpus-$n" $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	# the last status line (its "DE:" part may hold any byte: not echoed)
	last=$(grep -aE '^#[0-9]+' "$log" | grep -a 'cov:' | tail -1 | sed 's/ MS:.*//')
	cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
	arts=$(ls "$dir"/crash-"$n"-* 2>/dev/null | tr '\n' ' ')
	echo "fuzz_$n: ${execs:-?} execs in $secs s, cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?}, findings: ${arts:-none}"
	if [ $rc -ne 0 ] || [ -n "$arts" ]; then
		echo "fuzz_$n: FAILED (rc $rc), see $log:"
		# a report, or (killed by a signal before it could print one) how
		# the log ends, its last status line included
		grep -aE 'ERROR|SUMMARY|oracle|runtime error' "$log" | head -5 | grep . ||
			{ [ $rc -gt 128 ] && echo "fuzz_$n: killed by signal $((rc - 128)) with no report; the log ends:"
			  tail -n 3 "$log" | cut -c1-200; }
		fail=1
	fi
done
exit $fail
