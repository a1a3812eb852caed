#!/bin/bash
# Fails when a C file of the tree is not as .clang-format lays it out, and names
# each such file with the fix. The tree was formatted once (issue 13 §4); this
# keeps the drift from coming back.
set -u
top="${1:?usage: check_format.sh SOURCE_ROOT}"
cd "$top" || exit 1
if ! command -v clang-format >/dev/null; then
	echo "check_format: clang-format is not installed (./qsafe installs it)" >&2
	exit 1
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find . -path ./build\* -prune -o \( -name '*.c' -o -name '*.h' \) -print)
fi
# One run over every file; its diagnostics start with the file's name.
mapfile -t bad < <(clang-format --dry-run --Werror "${files[@]}" 2>&1 |
	sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' |
	sort -u)
if [ ${#bad[@]} -ne 0 ]; then
	printf 'not formatted: %s\n' "${bad[@]}" >&2
	echo "fix with: clang-format -i ${bad[*]}" >&2
	exit 1
fi
echo "check_format: ${#files[@]} files formatted"
