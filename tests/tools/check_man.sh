#!/bin/sh
# Man pages: every page was generated (a troff .TH header), every tool has
# one, and every option a tool's --help lists appears in its page, as
# *--long* or *-s* (a cheap check that page and tool agree).
set -u
b=$(cd "$(dirname "$0")/.." && pwd)
src=@SRCDIR@/doc
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

for scd in "$src"/*.scd; do
	page=$b/doc/$(basename "$scd" .scd)
	head -c 4096 "$page" 2>/dev/null | grep -q '^\.TH ' || fail "$page: not generated"
done

# TOOL PAGE: the tool's options in its page's source
check() {
	tool=$1 page=$src/$2.scd
	[ -x "$tool" ] || return 0
	[ -f "$page" ] || { fail "$(basename "$tool") has no page $2"; return; }
	opts=$("$tool" --help | grep -oE -- '(^|[ ,[(])--?[a-zA-Z][a-zA-Z0-9-]*' |
		sed 's/^[ ,[(]//' | sort -u)
	n=0
	for o in $opts; do
		n=$((n + 1))
		grep -qF -- "*$o*" "$page" || fail "$2: $(basename "$tool") --help lists $o, the page does not"
	done
	echo "ok: $2: $n options"
}

check "$b/tools/xdna-info" xdna-info.1
check "$b/tools/xdna-bench" xdna-bench.1
check "$b/tools/xdna-run" xdna-run.1
check "$b/tools/xdna-mel" xdna-mel.1
check "$b/tools/melbench" melbench.1
check "$b/tools/poolbench" poolbench.1
check "$b/tools/pooltrace" pooltrace.8
check "$b/tools/xdna-pipeline" xdna-pipeline.1
check "$b/tools/examples/xrt_handoff" xrt_handoff.1
check "$b/bench/resamplebench" resamplebench.1
check "$b/bench/peers" peers.1		# when built (make bench-peers)
for lib in libxdna-shim.3 libpool.3 libmel.3 libxdna-emu.7; do
	[ -f "$src/$lib.scd" ] || fail "no overview page $lib"
done

[ $fails -eq 0 ] && echo "check_man: all passed" && exit 0
echo "check_man: $fails failure(s)"
exit 1
