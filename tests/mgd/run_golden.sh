#!/bin/sh
# Golden transcript: feeds NAME.in to `cli --echo --keep-going` against a
# fresh mgd and compares the normalised transcript with NAME.out byte for
# byte.  @STATE@ in the script is the state directory; files/* are copied
# there first.  UPDATE_GOLDEN=1 rewrites NAME.out instead.
# usage: run_golden.sh NAME.in
set -u
. "$(dirname "$0")/lib.sh"

in=$1
out=${in%.in}.out
t_start
cp "$(dirname "$in")"/files/* "$T_DIR/state/"
sed "s|@STATE@|$T_DIR/state|g" "$in" | t_cli --echo --keep-going \
    > "$T_DIR/raw" 2>&1
t_normalise < "$T_DIR/raw" > "$T_DIR/got"
t_stop
if [ -n "${UPDATE_GOLDEN:-}" ]; then
	cp "$T_DIR/got" "$out"
	exit 0
fi
if ! cmp -s "$out" "$T_DIR/got"; then
	diff -u "$out" "$T_DIR/got" | head -n 80
	t_fail "$(basename "$in"): transcript differs"
fi
echo "ok $(basename "$in")"
