#!/bin/sh
# libs_test.sh CLI: the cli loads no OpenSSL.  Every `cli -c` starts a
# process, and libcrypto's load and relocation (19,000 relative
# relocations) were a quarter of the cli's CPU at start, on the path of
# every one-line change (docs/benchmarks.md, twenty-seventh round).  The
# cli wipes with explicit_bzero (lib/wipe.c, lib/sb.c, lib/msg.c): it
# encrypts nothing.
set -u
cli=${1:?usage: libs_test.sh CLI}
needed=$(objdump -p "$cli" | awk '$1 == "NEEDED" { print $2 }') || {
	echo "libs_test: objdump -p $cli failed" >&2
	exit 1
}
[ -n "$needed" ] || { echo "libs_test: no NEEDED entry read from $cli" >&2; exit 1; }
bad=$(printf '%s\n' "$needed" | grep -E '^lib(crypto|ssl)\.')
if [ -n "$bad" ]; then
	echo "libs_test: the cli loads $bad at every start:" >&2
	nm -D --undefined-only "$cli" | grep -iE 'OPENSSL|EVP_|RAND_' >&2
	exit 1
fi
echo "libs_test: the cli needs: $(printf '%s ' $needed)"
