# tests/lab/tap.sh: the lab and host tests' results in TAP form, sourced
# by each test: `ok MSG` prints a passed check, `bad MSG` a failed one and
# counts it in $fails, `check MSG CMD...` one or the other by CMD's
# status; a test ends with `[ "$fails" = 0 ] || exit 1` (or its own
# summary of $fails).
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
# check MSG CMD...: ok MSG when CMD succeeds, bad MSG when it fails.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
