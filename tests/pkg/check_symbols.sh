#!/bin/sh
# check_symbols.sh [--interposer LIB.so:VERSION.map:HEADER] "LIB.so:VERSION.map:HEADER[ HEADER...]"...
#
# For each library: every dynamic symbol it defines is declared in one of
# its installed headers (functions as gcc -aux-info lists them, objects as
# `extern ... name;` outside comments); every function the headers declare
# is exported (nothing promised is missing); every name the version script
# lists exists in the library (no stale entries).  Exit 1 on any mismatch,
# naming the symbol.
#
# --interposer: an LD_PRELOAD library (the emulator).  Its hooks are reached
# through dlsym by the header's inline wrappers, so instead: every exported
# name is either a hook the header looks up by name or a function the C
# library defines (an interposer); every hook the header looks up is
# exported; the version script names exactly what is exported.
set -u
inc="-Ilibpool/include -Idriver-shim/include -Idsp/include -Idriver-shim/emu/include -Idriver-shim/uapi"
inc="$inc $(pkg-config --cflags libdrm 2>/dev/null)"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# The version script's global names, node by node (global: up to local: or }).
map_names() {
	awk '{ gsub(/\/\*.*\*\//, "") }
	     /global:/ { g = 1; sub(/.*global:/, "") }
	     /local:/ { g = 0 }
	     g { e = sub(/}.*/, ""); n = split($0, t, /[ \t;]+/)
		 for (i = 1; i <= n; i++) if (t[i] != "") print t[i]
		 if (e) g = 0 }' "$1" | sort -u
}

check_interposer() {
	so=${1%%:*} rest=${1#*:}
	map=${rest%%:*} hdr=${rest#*:}
	name=$(basename "$so")
	[ -f "$so" ] || { echo "$name: not built"; return 1; }
	libc=$(gcc -print-file-name=libc.so.6)
	nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
		sort -u > "$tmp/exported"
	nm -D --defined-only "$libc" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u > "$tmp/libc"
	grep -oE 'xdna_emu__(fn|sym)\("[A-Za-z_][A-Za-z0-9_]*"' "$hdr" |
		sed -E 's/.*"(.*)"/\1/' | sort -u > "$tmp/hooks"
	map_names "$map" > "$tmp/map"
	bad=0
	for s in $(comm -23 "$tmp/exported" "$tmp/hooks" | comm -23 - "$tmp/libc"); do
		echo "$name: exports $s, neither a hook of $hdr nor a C library function"; bad=1
	done
	for s in $(comm -13 "$tmp/exported" "$tmp/hooks"); do
		echo "$name: $hdr looks up $s, which the library does not export"; bad=1
	done
	for s in $(comm -3 "$tmp/exported" "$tmp/map" | tr -d '\t'); do
		echo "$name: $s is exported or named in $map, not both"; bad=1
	done
	[ $bad -eq 0 ] || return 1
	echo "$name: $(wc -l < "$tmp/hooks") hooks looked up by $hdr and" \
		"$(comm -12 "$tmp/exported" "$tmp/libc" | wc -l) C library interposers, each named in $map"
}

if [ "${1:-}" = --interposer ]; then
	check_interposer "$2" || fail=1
	shift 2
fi

for set in "$@"; do
	so=${set%%:*} rest=${set#*:}
	map=${rest%%:*} hdrs=${rest#*:}
	name=$(basename "$so")
	[ -f "$so" ] || { echo "$name: not built"; fail=1; continue; }

	# Defined dynamic symbols, without the version nodes (absolute, "A").
	nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
		sort -u > "$tmp/exported"
	# Declared: extern functions of these headers, and extern objects.
	: > "$tmp/declared"
	for h in $hdrs; do
		echo "#include \"$h\"" | gcc -std=gnu11 $inc -aux-info "$tmp/aux" -fsyntax-only -x c - ||
			{ echo "$name: $h does not compile"; fail=1; continue; }
		grep -F "/* $h:" "$tmp/aux" | grep ':NC \*/ extern' |
			sed -E 's/^\/\* [^ ]* \*\/ extern [^(]*[ *]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' \
			>> "$tmp/declared"
		gcc -fpreprocessed -dD -E -P "$h" 2>/dev/null |
			sed -nE 's/^extern [^()]*[ *]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*(\[[^]]*\])?;.*$/\1/p' \
			>> "$tmp/declared"
	done
	sort -u -o "$tmp/declared" "$tmp/declared"
	map_names "$map" > "$tmp/map"

	n=$(wc -l < "$tmp/exported")
	bad=0
	for s in $(comm -23 "$tmp/exported" "$tmp/declared"); do
		echo "$name: exports $s, which no installed header declares"; bad=1
	done
	for s in $(comm -13 "$tmp/exported" "$tmp/declared"); do
		echo "$name: $s is declared in $hdrs but not exported"; bad=1
	done
	# Names, one by one: a wildcard would export internal helpers again.
	for s in $(grep -v '^[A-Za-z_][A-Za-z0-9_]*$' "$tmp/map"); do
		echo "$name: $map exports by pattern ($s), not by name"; bad=1
	done
	for s in $(grep '^[A-Za-z_][A-Za-z0-9_]*$' "$tmp/map" | comm -13 "$tmp/exported" -); do
		echo "$name: $map names $s, which the library does not define"; bad=1
	done
	if [ $bad -eq 0 ]; then
		echo "$name: $n exported symbols, each declared in its headers and named in $map"
	else
		fail=1
	fi
done
exit $fail
