# tests/lab/tap.sh: the lab and host tests' results in TAP form, sourced
# by each test: `ok MSG` prints a passed check, `bad MSG` a failed one and
# counts it in $fails; a test ends with `[ "$fails" = 0 ] || exit 1` (or its own
# summary of $fails).
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
