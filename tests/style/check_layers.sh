#!/bin/bash
# Fails when a file outside mgd/ (and mgd's own tests, tests/mgd/) includes a
# header of mgd/: the daemons speak to mgd through proto/ (proto_*.h and the
# daemon end, proto/link.h), never through mgd's insides, so that mgd can
# change without rebuilding or breaking them.  Names each offending line.
set -u
top="${1:?usage: check_layers.sh SOURCE_ROOT}"
cd "$top" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find . -path ./build\* -prune -o \( -name '*.c' -o -name '*.h' \) -print | sed 's@^\./@@')
fi
bad=()
for f in "${files[@]}"; do
	case "$f" in
	mgd/* | tests/mgd/*) continue ;;
	esac
	bad+=("$f")
done
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"mgd/' -- "${bad[@]}" /dev/null)
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" >&2
	echo "check_layers: only mgd/ and tests/mgd/ may include mgd/ headers" \
		"(the daemons' side of mgd's protocol is proto/)" >&2
	exit 1
fi
echo "check_layers: no file outside mgd/ includes mgd/"
