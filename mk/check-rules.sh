#!/bin/sh
# check-rules.sh: every row of driver-shim/emu/RULES.md names a source and
# has its test (test_<ID> in tests/emu/rules.c, registered in its case list),
# and every rules test has its row.  Prints one line per problem.
set -u
rules=driver-shim/emu/RULES.md tests=tests/emu/rules.c
bad=0
ids=$(awk -F'|' '/^\| [A-Z][A-Z0-9_]+ \|/ { gsub(/ /, "", $2); if ($2 != "ID") print $2 }' "$rules")
[ -n "$ids" ] || { echo "check-rules: no rows in $rules"; exit 1; }
for id in $ids; do
	row=$(grep "^| $id |" "$rules")
	src=$(echo "$row" | awk -F'|' '{ print $6 }' | tr -d ' ')
	[ -n "$src" ] || { echo "check-rules: $id has no source"; bad=1; }
	grep -q "^START_TEST(test_$id)" "$tests" ||
		{ echo "check-rules: $id has no test_$id in $tests"; bad=1; }
	grep -q "{ \"$id\", test_$id }" "$tests" ||
		{ echo "check-rules: test_$id is not in the case list"; bad=1; }
done
for t in $(sed -n 's/^START_TEST(test_\([A-Z][A-Z0-9_]*\)).*/\1/p' "$tests"); do
	echo "$ids" | grep -qx "$t" || { echo "check-rules: test_$t has no row in $rules"; bad=1; }
done
[ $bad -eq 0 ] && echo "check-rules: $(echo "$ids" | wc -l) rules, each with a source and a test"
exit $bad
