#!/bin/sh
# The show/clear commands of IKE and IPsec the whole way: the cli, mgd's
# parsing against schema/qsafe-rpc-ike.yang, the routing to iked (here
# fake_iked, answering with show/*.json through show/e2e.map), the cli's
# renderers and mgd's | display xml|json.  The transcript of show/e2e.in
# must equal show/e2e.out (UPDATE_GOLDEN=1 rewrites it); then `| display
# xml` of the data of raw/toby-*.xml must give back those files: the same
# elements, in the same order, with the same text.
# usage: show_e2e.sh  (env: QSAFE_MGD, QSAFE_CLI, FAKE_IKED, TOBY_DIR)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../mgd/lib.sh"
: "${FAKE_IKED:?FAKE_IKED not set}"
: "${TOBY_DIR:?TOBY_DIR not set}"

# mgd finds its daemons next to itself: a copy of it beside the fake iked
# starts that one and no other daemon.
unset QSAFE_NO_DAEMONS
mkdir -p "$T_DIR/bin"
cp "$QSAFE_MGD" "$T_DIR/bin/mgd"
cp "$FAKE_IKED" "$T_DIR/bin/iked"
QSAFE_MGD=$T_DIR/bin/mgd
QSAFE_LIBEXEC=$T_DIR/bin
IKE_SHOW_DIR=$here/show
IKE_SHOW_MAP=$here/show/e2e.map
export QSAFE_LIBEXEC IKE_SHOW_DIR IKE_SHOW_MAP

t_start
t_cli --echo --keep-going < "$here/show/e2e.in" > "$T_DIR/raw" 2>&1
t_normalise < "$T_DIR/raw" > "$T_DIR/got"
if [ -n "${UPDATE_GOLDEN:-}" ]; then
	cp "$T_DIR/got" "$here/show/e2e.out"
elif ! cmp -s "$here/show/e2e.out" "$T_DIR/got"; then
	diff -u "$here/show/e2e.out" "$T_DIR/got" | head -n 80
	t_fail "e2e.in: transcript differs"
fi

# <rpc-reply> and <cli> off, one indent less, the root element's attributes
# as the Toby fixtures have them (style="...", no namespace); their last
# blank line off.
toby() {
	t_cli -c "$1 | display xml | no-more" > "$T_DIR/xml" 2>&1
	sed -e '1d' -e '/^    <cli>$/,$d' -e 's/^    //' \
	    -e '2s/ xmlns="[^"]*"//' -e '2s/ junos:style=/ style=/' \
	    "$T_DIR/xml" > "$T_DIR/xml.got"
	sed -e '${/^$/d;}' "$TOBY_DIR/$2" > "$T_DIR/xml.want"
	if ! cmp -s "$T_DIR/xml.want" "$T_DIR/xml.got"; then
		diff -u "$T_DIR/xml.want" "$T_DIR/xml.got" | head -n 40
		t_fail "$1 | display xml differs from $2"
	fi
}
toby "show security ike security-associations 5.5.5.2" toby-srx_ike_sa.xml
toby "show security ike security-associations 5.5.5.2 detail" \
    toby-srx_ike_sa_detail.xml
toby "show security ipsec security-associations vpn-name toby" \
    toby-srx_ipsec_sa.xml
toby "show security ipsec statistics index 1" toby-srx_ipsec_stats.xml
t_stop
echo "ok show_e2e"
