#!/bin/sh
# The fault-injection matrix (#15 item 3).  For each fault the emulator can
# inject (XDNA_EMU_FAIL=what:K) and K = 1..FAULT_K (stopping at the first K
# past the last occurrence: the run succeeds), under the libpool workload
# (pool-workload) and the pipeline (xdna-pipeline, checksum kernel), on each
# flavour of FAULT_FLAVOURS (default "7.0 6.14"), then at 2K, 4K, ... up
# to 1024 to reach the per-request occurrences, the program must:
#   - end within FAULT_TIMEOUT s (default 30) with exit 0 or 1 (documented),
#   - on exit 1 write exactly one line of its own on stderr ("pool-workload: "
#     / "xdna-pipeline: ") naming the failed operation; other lines only as
#     reports of buffers given up on a command that never completes,
#   - leave the emulator's census at zero (XDNA_EMU_CENSUS_FILE) and its pool
#     statistics balanced (pool-workload: outstanding 0, acquires = releases,
#     leaks 0; the pipeline's JSON: "leaks": 0 and, for each entry of
#     "pools", "outstanding": 0 and "acquires" equal to "releases"),
#   - and at K = 1 actually fail: a run that succeeds at the first occurrence
#     means the fault never fired, which is a failure unless the pair is on
#     the not-applicable list below (with its reason).
# "exec" makes an accepted command complete with ERROR; "exec_cmd" makes the
# EXEC_CMD ioctl itself fail (ENOMEM, driver-shim/emu/README.md).
# "stall" runs with XDNA_EMU_JOB_TIMEOUT_MS: a TIMEOUT state on 7.0; on 6.14
# the command never completes: pool-workload bounds its wait, the pipeline
# gives up after --npu-timeout (PIPE_NPU_TIMEOUT_MS) and marks the context
# stalled, so the requests queued behind it fail too, each with its own
# line ("waits behind a stalled one", "is stalled (a command timed out)").
# One line per run otherwise.
set -u
b=$(cd "$(dirname "$0")/.." && pwd)
emu=$b/libxdna-emu.so
wl=$b/tests/pool-workload
pipe=$b/tools/xdna-pipeline
K=${FAULT_K:-64}
T=${FAULT_TIMEOUT:-30}
PIPE_NPU_TIMEOUT_MS=500
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0 runs=0
export XDNA_EMU_QUIET=1
export XDNA_EMU_SHM_NAME=/xdna-emu-fault-$$
# the emulator is preloaded into the programs only (not sh, not timeout)
unset LD_PRELOAD
[ -x "$wl" ] && [ -x "$pipe" ] && [ -f "$emu" ] || { echo "check_fault_matrix: SKIP: not built"; exit 77; }

# What names each fault on the program's stderr line.
names() {
	case $1 in
	create_bo) echo "CREATE_BO" ;;
	mmap) echo "mmap" ;;
	sync_bo) echo "SYNC_BO\|sync" ;;
	exec) echo "ERROR" ;;
	exec_cmd) echo "EXEC_CMD" ;;
	stall) echo "TIMEOUT\|timed out\|not done\|wait" ;;
	create_hwctx) echo "CREATE_HWCTX" ;;
	config_hwctx) echo "CONFIG_HWCTX" ;;
	export) echo "PRIME_HANDLE_TO_FD" ;;
	import) echo "PRIME_FD_TO_HANDLE" ;;
	esac
}

# Pairs whose fault never fires, and why (printed for the K = 1 run, which
# must then succeed: a listed pair that fails is a stale entry).
not_applicable() {
	case $1:$2 in
	# the pipeline hands BOs to the NPU by handle within one process: it
	# exports no dma-buf and imports none (the XRT handoff does,
	# tools/examples/xrt_handoff.c)
	pipe:export | pipe:import) echo "xdna-pipeline uses no dma-buf" ;;
	*) return 1 ;;
	esac
}

# The pipeline's JSON: "leaks" 0 and every pool balanced (outstanding 0,
# acquires = releases).  Prints what is wrong, nothing when all is well.
pipe_json_check() {
	python3 - "$1" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print("stdout is not one JSON object: %s" % e)
    sys.exit(0)
bad = []
if d.get("leaks") != 0:
    bad.append('"leaks": %s' % d.get("leaks"))
if not d.get("pools"):
    bad.append("no pools reported")
for p in d.get("pools", []):
    name = p.get("name", "?")
    if p.get("outstanding") != 0:
        bad.append("pool %s outstanding %s" % (name, p.get("outstanding")))
    if p.get("acquires") is None or p.get("acquires") != p.get("releases"):
        bad.append("pool %s acquires %s releases %s" % (name, p.get("acquires"), p.get("releases")))
print("; ".join(bad))
EOF
}

# run PROG FLAVOUR WHAT K: 0 = the run checked out and hit the fault, 1 = the
# fault was not reached (success), 2 = a failure (printed)
run() {
	prog=$1 fl=$2 what=$3 k=$4
	rm -f "$t/census"
	case $prog in
	pool) set -- "$wl" -n 3 ;;
	pipe) set -- "$pipe" --seconds 1 -s 2 -r 3 --npu-kernel checksum --no-progress --json \
		--npu-timeout $PIPE_NPU_TIMEOUT_MS ;;
	esac
	XDNA_EMU_FLAVOUR=$fl XDNA_EMU_FAIL=$what:$k XDNA_EMU_CENSUS_FILE=$t/census \
	XDNA_EMU_JOB_TIMEOUT_MS=200 XDNA_SYNC=kernel \
		timeout -k 5 "$T" env LD_PRELOAD="$emu" "$@" >"$t/out" 2>"$t/err"
	rc=$?
	runs=$((runs + 1))
	tag="$prog[$fl] $what:$k"
	own=$(grep "^$(basename "$1"): " "$t/err" | grep -vc "waits behind a stalled one\|is stalled (a command timed out)")
	other=$(grep -vc "^$(basename "$1"): " "$t/err")
	bad=""
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && bad="hung (killed after $T s)"
	[ -z "$bad" ] && [ $rc -ne 0 ] && [ $rc -ne 1 ] && bad="exit $rc"
	if [ -z "$bad" ] && [ $rc -eq 1 ]; then
		if [ "$own" -ne 1 ]; then
			bad="$own lines of its own on stderr"
		elif ! grep "^$(basename "$1"): " "$t/err" | grep -q "$(names "$what")"; then
			bad="the line does not name the operation"
		elif [ "$other" -ne 0 ] && ! { [ "$what" = stall ] && [ "$fl" != 7.0 ]; }; then
			bad="$other other stderr lines"
		fi
	fi
	[ -z "$bad" ] && [ $rc -eq 0 ] && [ -s "$t/err" ] && bad="stderr output on success"
	if [ -z "$bad" ]; then
		if [ ! -s "$t/census" ]; then
			bad="no census written"
		elif awk '$2 != 0 { exit 1 }' "$t/census"; then :; else
			bad="census not zero: $(awk '$2 != 0 { printf "%s %s ", $1, $2 }' "$t/census")"
		fi
	fi
	if [ -z "$bad" ]; then
		case $prog in
		pool)
			# a command that never completes: its buffers are given up (reported)
			grep -q "^leaks 0$" "$t/out" || { [ "$what" = stall ] && [ "$fl" != 7.0 ]; } ||
				bad="pool-workload: $(grep '^leaks' "$t/out")"
			# "pool NAME: acquires A releases R outstanding O"
			if awk '/^pool / { if ($4 != $6 || $8 != 0) bad = 1 } END { exit bad }' "$t/out"; then :
			else bad="pool stats not balanced: $(grep '^pool ' "$t/out" | tr '\n' ' ')"; fi ;;
		pipe)
			# a set-up failure prints no JSON (the census speaks for it);
			# a run that got to its requests reports "leaks" and "pools"
			if [ -s "$t/out" ]; then
				bad=$(pipe_json_check "$t/out")
			elif [ $rc -eq 0 ]; then
				bad="no JSON on success"
			fi ;;
		esac
	fi
	na=$(not_applicable "$prog" "$what")
	if [ -z "$bad" ] && [ "$k" -eq 1 ]; then
		if [ $rc -eq 0 ] && [ -z "$na" ]; then
			bad="the fault never fired (the run at the first occurrence succeeded)"
		elif [ $rc -ne 0 ] && [ -n "$na" ]; then
			bad="listed as not applicable ($na) but the run failed"
		fi
	fi
	if [ -n "$bad" ]; then
		echo "FAIL: $tag: $bad; stderr:"; sed 's/^/    /' "$t/err"
		fails=$((fails + 1))
		return 2
	fi
	if [ $rc -eq 0 ] && [ -n "$na" ] && [ "$k" -eq 1 ]; then
		echo "ok: $tag: not applicable: $na"
		return 1
	fi
	if [ $rc -eq 0 ]; then
		echo "ok: $tag: past the last occurrence"
		return 1
	fi
	echo "ok: $tag: $(grep "^$(basename "$1"): " "$t/err")"
	return 0
}

for fl in ${FAULT_FLAVOURS:-7.0 6.14}; do
	for prog in pool pipe; do
		for what in create_bo mmap sync_bo exec exec_cmd stall create_hwctx config_hwctx \
				export import; do
			# 1..K, then 2K, 4K, ... (the per-request occurrences) until
			# a run gets past the last one
			k=1
			while [ $k -le 1024 ]; do
				run $prog "$fl" $what $k
				[ $? -eq 1 ] && break
				if [ $k -lt "$K" ]; then k=$((k + 1)); else k=$((k * 2)); fi
			done
		done
	done
done
echo "check_fault_matrix: $runs runs, $fails failed"
[ $fails -eq 0 ]
