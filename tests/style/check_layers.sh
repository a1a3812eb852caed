#!/bin/bash
# Fails when a file includes a header of a folder it must not reach, and names
# each such line (docs/architecture.md, "Layout"):
# - outside mgd/ (and mgd's own tests, tests/mgd/), a header of mgd/: the
#   daemons speak to mgd through proto/ (proto_*.h and the daemon end,
#   proto/link.h), never through mgd's insides;
# - in render/, a qsafe header other than lib/ and render/: the cli links the
#   renderers, and with them no daemon's library.
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
rc=0
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"mgd/' -- "${bad[@]}" /dev/null)
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" >&2
	echo "check_layers: only mgd/ and tests/mgd/ may include mgd/ headers" \
		"(the daemons' side of mgd's protocol is proto/)" >&2
	rc=1
fi
mapfile -t render < <(printf '%s\n' "${files[@]}" | grep '^render/')
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' -- "${render[@]}" /dev/null |
	grep -vE '#[[:space:]]*include[[:space:]]*"(lib|render)/')
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" >&2
	echo "check_layers: render/ includes only lib/ and render/ headers" \
		"(the cli links it without the daemons' libraries)" >&2
	rc=1
fi
[ $rc -eq 0 ] && echo "check_layers: mgd/ and render/ are reached as the layout says"
exit $rc
