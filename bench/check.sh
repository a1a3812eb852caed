#!/bin/sh
# check.sh: a bench script run as a test of the script itself (issue 15).
#
#   bench/check.sh PATTERN N SCRIPT ARGS...
#
# Runs SCRIPT (sh) with ARGS and passes when it exits 0 and printed at least
# N lines that match the extended regular expression PATTERN: its figures.
# A script that cannot run here (not root, a tool missing) exits 77, which
# meson counts as skipped.
# No timing is asserted: the test proves that the bench still measures
# what it says, so a bench broken as keymgr_keys.sh was (figures for failed
# work, or a silent stop) fails `./qsafe test`.
set -u
pattern=$1 want=$2 script=$3
shift 3
out=$(mktemp "${TMPDIR:-/tmp}/bench-check.XXXXXX")
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT TERM
run=sh		# a bash script says so on its first line
head -n 1 "$script" | grep -q bash && run=bash
"$run" "$script" "$@" >"$out" 2>&1
rc=$?
cat "$out"
if [ $rc -eq 77 ]; then
	echo "SKIP: $script cannot run here (exit 77)"
	exit 77
fi
if [ $rc -ne 0 ]; then
	echo "FAIL: $script exited $rc"
	exit 1
fi
got=$(grep -cE -- "$pattern" "$out")
if [ "$got" -lt "$want" ]; then
	echo "FAIL: $script printed $got figure lines matching '$pattern'," \
	    "expected $want"
	exit 1
fi
echo "ok - $script ran and printed $got figures"
