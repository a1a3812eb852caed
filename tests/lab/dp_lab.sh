# tests/lab/dp_lab.sh: the manual-SA lab of the userspace ESP dataplane,
# sourced after lib.sh and lab_init by tests/lab/test_dp_manual.sh and
# bench/esp_throughput.sh.
#
#   HA -- ge-0/0/1 [A] ge-0/0/0 ==== ge-0/0/0 [B] ge-0/0/1 -- HB
#   198.51.100.2/26    192.0.2.1/24   192.0.2.2/24    198.51.100.66/26
#
# Appliances A and B (./qsafe start --netns) carry one manual SA each way
# (`security ipsec vpn v1 manual`, aes-128-gcm, SPI 4242) over st0.0, with
# a static route to the other host's network into st0.0.

# conf ME PEER MYNET PEERNET ST0 KEY: one appliance's set lines.
conf() {
	cat <<END
set interfaces ge-0/0/0 unit 0 family inet address $1/24
set interfaces ge-0/0/1 unit 0 family inet address $3
set interfaces st0 unit 0 family inet address $5
set routing-options static route $4 next-hop st0.0
set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services all
set security zones security-zone trust interfaces ge-0/0/1.0 host-inbound-traffic system-services all
set security zones security-zone vpn interfaces st0.0 host-inbound-traffic system-services all
set security policies default-policy permit-all
set security ipsec vpn v1 bind-interface st0.0
set security ipsec vpn v1 manual gateway $2
set security ipsec vpn v1 manual protocol esp
set security ipsec vpn v1 manual spi 4242
set security ipsec vpn v1 manual encryption algorithm aes-128-gcm
set security ipsec vpn v1 manual encryption key hexadecimal $6
END
}

# dp_lab_up KEY: the namespaces, links and both appliances, committed
# with KEY (40 hex digits); sets A, B, HA, HB.  0 or 1.
dp_lab_up() {
	A=$(lab_netns a) && B=$(lab_netns b) && HA=$(lab_netns ha) &&
	    HB=$(lab_netns hb) || return 1
	lab_link "$A" ge-0-0-0 - "$B" ge-0-0-0 - || return 1
	lab_link "$A" ge-0-0-1 - "$HA" eth0 198.51.100.2/26 || return 1
	lab_link "$B" ge-0-0-1 - "$HB" eth0 198.51.100.66/26 || return 1
	lab_route "$HA" default 198.51.100.1 2>/dev/null
	lab_route "$HB" default 198.51.100.65 2>/dev/null
	lab_forward "$A" && lab_forward "$B" || return 1

	conf 192.0.2.1 192.0.2.2 198.51.100.1/26 198.51.100.64/26 \
	    203.0.113.1/30 "$1" >"$LAB_DIR/a.set"
	conf 192.0.2.2 192.0.2.1 198.51.100.65/26 198.51.100.0/26 \
	    203.0.113.2/30 "$1" >"$LAB_DIR/b.set"
	qs_start "$A" "$LAB_DIR/A" && qs_start "$B" "$LAB_DIR/B" || return 1
	qs_load "$LAB_DIR/A" "$LAB_DIR/a.set" &&
	    qs_load "$LAB_DIR/B" "$LAB_DIR/b.set" ||
	    { lab_say "the manual SA configurations do not commit"; return 1; }
}
