# Sourced by the tool test scripts (copied beside them into $(B)/tests):
# fail MESSAGE counts a failure; expect RC "stderr substring" CMD... runs
# CMD and wants exit RC, the substring (fixed string) on stderr and exactly
# one stderr line.  The script sets $t (a scratch directory) and fails=0,
# and EXPECT_TIMEOUT (seconds) to bound CMD when it is a program, not a
# shell function.

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

expect() {
	want=$1 msg=$2
	shift 2
	${EXPECT_TIMEOUT:+timeout "$EXPECT_TIMEOUT"} "$@" >"$t/out" 2>"$t/err"
	rc=$?
	lines=$(wc -l <"$t/err")
	if [ "$rc" -ne "$want" ] || ! grep -qF -- "$msg" "$t/err" || [ "$lines" -ne 1 ]; then
		fail "$* -> rc $rc (want $want), $lines stderr line(s):"; cat "$t/err"
	else
		echo "ok: $(basename "$1") rc $rc: $(cat "$t/err")"
	fi
}
