# tests/lab/iop_lab.sh: one qsafe appliance against one strongSwan, sourced
# after lib.sh and lab_init by the test_swan_interop*.sh tests.
#
#   HA 10.1.0.2 -- ge-0/0/1 10.1.0.1 [A: qsafe] ge-0/0/0 192.0.2.1
#       ==== eth0 192.0.2.2 [B: strongSwan, kernel-libipsec] eth1 10.2.0.1 -- 10.2.0.2 HB
#
# strongSwan's userspace dataplane forces UDP encapsulation (it fakes a NAT
# in its NAT-D hashes), so every SA here is ESP in UDP 4500: qsafe's NAT
# detection and RFC 3948 path are exercised by every test.  qsafe routes
# the far host network into st0.0; strongSwan routes it by its table 220.
#
# Functions return 0 or 1 and say on stderr what failed; none exits.

IOP_PSK=iop-lab-pre-shared-key-0123456789
IOP_PPK_ID=ppk-lab-1
IOP_PPK=iop-post-quantum-preshared-key-0123456789abcdef

# iop_up: namespaces, links, the appliance (started, base system committed)
# and charon; sets IOP_A (appliance dir), IOP_B (charon dir), IOP_HA,
# IOP_HB, IOP_NA, IOP_NB.
iop_up() {
	IOP_NA=$(lab_netns a) && IOP_NB=$(lab_netns b) &&
	    IOP_HA=$(lab_netns ha) && IOP_HB=$(lab_netns hb) || return 1
	lab_link "$IOP_NA" ge-0-0-0 - "$IOP_NB" eth0 192.0.2.2/24 &&
	    lab_link "$IOP_NA" ge-0-0-1 - "$IOP_HA" eth0 10.1.0.2/24 &&
	    lab_link "$IOP_NB" eth1 10.2.0.1/24 "$IOP_HB" eth0 10.2.0.2/24 ||
	    return 1
	lab_route "$IOP_HA" default 10.1.0.1 && lab_route "$IOP_HB" default 10.2.0.1 &&
	    lab_forward "$IOP_NA" && lab_forward "$IOP_NB" || return 1
	IOP_A=$LAB_DIR/A IOP_B=$LAB_DIR/B
	iop_base >"$LAB_DIR/base.set"
	qs_start "$IOP_NA" "$IOP_A" && qs_load "$IOP_A" "$LAB_DIR/base.set" ||
	    return 1
	swan_start "$IOP_NB" "$IOP_B" "$@"
}

# iop_up_nat [swan_start options]: iop_up with a NAT between A and B
#
#   [A: qsafe] ge-0/0/0 172.16.9.2 -- in 172.16.9.1 [N] out 192.0.2.254
#       ==== eth0 192.0.2.2 [B: strongSwan]
#
# N forwards and masquerades what leaves by out (nftables, table ip
# io2nat, the UDP source ports mapped into 20000-29999 so the NAT shows in
# the ports as well as the address); A routes 192.0.2.0/24 via N.  Sets
# what iop_up sets and IOP_NN (N's namespace).
iop_up_nat() {
	IOP_NA=$(lab_netns a) && IOP_NB=$(lab_netns b) && IOP_NN=$(lab_netns n) &&
	    IOP_HA=$(lab_netns ha) && IOP_HB=$(lab_netns hb) || return 1
	lab_link "$IOP_NA" ge-0-0-0 - "$IOP_NN" in 172.16.9.1/24 &&
	    lab_link "$IOP_NN" out 192.0.2.254/24 "$IOP_NB" eth0 192.0.2.2/24 &&
	    lab_link "$IOP_NA" ge-0-0-1 - "$IOP_HA" eth0 10.1.0.2/24 &&
	    lab_link "$IOP_NB" eth1 10.2.0.1/24 "$IOP_HB" eth0 10.2.0.2/24 ||
	    return 1
	lab_route "$IOP_HA" default 10.1.0.1 && lab_route "$IOP_HB" default 10.2.0.1 &&
	    lab_forward "$IOP_NA" && lab_forward "$IOP_NB" &&
	    lab_forward "$IOP_NN" || return 1
	ip netns exec "$IOP_NN" nft -f - <<-END || return 1
	table ip io2nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "out" meta l4proto udp masquerade to :20000-29999
			oifname "out" masquerade
		}
	}
	END
	IOP_A=$LAB_DIR/A IOP_B=$LAB_DIR/B
	IOP_A_WAN=172.16.9.2/24 IOP_A_NEXTHOP=172.16.9.1 iop_base >"$LAB_DIR/base.set"
	qs_start "$IOP_NA" "$IOP_A" && qs_load "$IOP_A" "$LAB_DIR/base.set" ||
	    return 1
	swan_start "$IOP_NB" "$IOP_B" "$@"
}

# iop_up_nat_peer [swan_start options]: iop_up with strongSwan behind a NAT
#
#   [A: qsafe] ge-0/0/0 192.0.2.1 ==== out 192.0.2.254 [N] in 172.16.9.1
#       -- eth0 172.16.9.2 [B: strongSwan] eth1 10.2.0.1 -- 10.2.0.2 HB
#
# N masquerades what leaves by out as iop_up_nat's does (table ip io2nat,
# UDP source ports into 20000-29999); B routes by default via N.  qsafe
# sees strongSwan at 192.0.2.254.  Sets what iop_up sets and IOP_NN.
iop_up_nat_peer() {
	IOP_NA=$(lab_netns a) && IOP_NB=$(lab_netns b) && IOP_NN=$(lab_netns n) &&
	    IOP_HA=$(lab_netns ha) && IOP_HB=$(lab_netns hb) || return 1
	lab_link "$IOP_NA" ge-0-0-0 - "$IOP_NN" out 192.0.2.254/24 &&
	    lab_link "$IOP_NN" in 172.16.9.1/24 "$IOP_NB" eth0 172.16.9.2/24 &&
	    lab_link "$IOP_NA" ge-0-0-1 - "$IOP_HA" eth0 10.1.0.2/24 &&
	    lab_link "$IOP_NB" eth1 10.2.0.1/24 "$IOP_HB" eth0 10.2.0.2/24 ||
	    return 1
	lab_route "$IOP_HA" default 10.1.0.1 && lab_route "$IOP_HB" default 10.2.0.1 &&
	    lab_route "$IOP_NB" default 172.16.9.1 &&
	    lab_forward "$IOP_NA" && lab_forward "$IOP_NB" &&
	    lab_forward "$IOP_NN" || return 1
	iop_nat_ports 20000-29999 || return 1
	IOP_A=$LAB_DIR/A IOP_B=$LAB_DIR/B
	iop_base >"$LAB_DIR/base.set"
	qs_start "$IOP_NA" "$IOP_A" && qs_load "$IOP_A" "$LAB_DIR/base.set" ||
	    return 1
	swan_start "$IOP_NB" "$IOP_B" "$@"
}

# iop_nat_ports LO-HI: (re)writes N's masquerade, UDP source ports mapped
# into LO-HI.  Mappings already made stay (see iop_nat_flush).
iop_nat_ports() {
	ip netns exec "$IOP_NN" nft -f - <<-END
	table ip io2nat
	delete table ip io2nat
	table ip io2nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "out" meta l4proto udp masquerade to :$1
			oifname "out" masquerade
		}
	}
	END
}

# iop_nat_flush: N forgets its mappings.  Removing the address that the
# masquerade maps to makes the kernel drop the connections masqueraded to
# it (as at a NAT's reboot or DHCP renewal); the next packet of each gets
# a new mapping.
iop_nat_flush() {
	ip -n "$IOP_NN" addr del 192.0.2.254/24 dev out &&
	    ip -n "$IOP_NN" addr add 192.0.2.254/24 dev out
}

# iop_base: the appliance's interfaces, zones and route into st0.0;
# ge-0/0/0 has $IOP_A_WAN (192.0.2.1/24) and, with $IOP_A_NEXTHOP, a
# route to 192.0.2.0/24 through it.
iop_base() {
	cat <<-END
	set system host-name iop-a
	set interfaces ge-0/0/0 unit 0 family inet address ${IOP_A_WAN:-192.0.2.1/24}
	set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
	set interfaces st0 unit 0 family inet address 169.254.77.1/30
	set routing-options static route 10.2.0.0/24 next-hop st0.0
	set security zones security-zone untrust interfaces ge-0/0/0.0 host-inbound-traffic system-services all
	set security zones security-zone trust interfaces ge-0/0/1.0 host-inbound-traffic system-services all
	set security zones security-zone vpn interfaces st0.0 host-inbound-traffic system-services all
	set security policies default-policy permit-all
	END
	[ -z "${IOP_A_NEXTHOP:-}" ] ||
	    echo "set routing-options static route 192.0.2.0/24 next-hop $IOP_A_NEXTHOP"
}

# iop_qs_vpn key=value...: prints the set lines of gateway G / VPN V on the
# appliance (after `delete security ike` and `delete security ipsec`, so a
# reload replaces the previous VPN).
#   dh=       IKE dh-group (group31)
#   enc= auth=  IKE encryption / authentication algorithm (aes-256-cbc, sha-256)
#   psk=      the PSK ($IOP_PSK)
#   esp=      ESP encryption-algorithm (aes-128-gcm); set=NAME uses the
#             ipsec policy proposal-set NAME instead
#   pfs=      ipsec policy perfect-forward-secrecy keys (none)
#   ppk=      no | required | optional: static profile KP ($IOP_PPK_ID,
#             key=)
#   ppkkey=   the PPK ($IOP_PPK)
#   start=    immediately (establish-tunnels immediately: qsafe initiates)
#             | responder (Junos's default, on-traffic: qsafe waits for
#             strongSwan while no traffic enters st0.0)
#             | responder-only (establish-tunnels responder-only: qsafe
#             never initiates, whatever enters st0.0)
#   ikelife= esplife=  lifetime-seconds of the IKE / ESP proposal (with
#             QSAFE_LIFETIME_DIVISOR in iked's environment, shorter)
#   dpd=I/T   dead-peer-detection always-send interval I threshold T
#   gw=       the gateway's address (192.0.2.2)
#   natka=    the gateway's nat-keepalive seconds (Junos: 20)
#   reauth=N  the IKE policy's reauth-frequency
#   cert=ID   certificates instead of the PSK: local-certificate ID,
#             trusted-ca ca-profile $IOP_CA (LAB-CA), with method=
#   method=   the IKE proposal's authentication-method (with cert=:
#             rsa-signatures, ecdsa-signatures-256, ...)
#   rid=      the gateway's remote-identity (e.g. "inet 192.0.2.2")
#   lid=      the gateway's local-identity (e.g. "user-at-hostname a@lab")
#   ikeset=   the ike policy proposal-set NAME (suiteb-gcm-128, ...)
#             instead of proposal IKE_P (dh=, enc=, auth=, method= unused)
iop_qs_vpn() {
	local dh=group31 enc=aes-256-cbc auth=sha-256 psk=$IOP_PSK esp=aes-128-gcm
	local set= pfs= ppk=no ppkkey=$IOP_PPK start=immediately opt
	local ikelife= esplife= dpd= gw=192.0.2.2 natka= reauth=
	local cert= method=pre-shared-keys rid= lid= ikeset=
	for opt; do
		case $opt in
		dh=*) dh=${opt#*=} ;;
		enc=*) enc=${opt#*=} ;;
		auth=*) auth=${opt#*=} ;;
		psk=*) psk=${opt#*=} ;;
		esp=*) esp=${opt#*=} ;;
		set=*) set=${opt#*=} ;;
		pfs=*) pfs=${opt#*=} ;;
		ppk=*) ppk=${opt#*=} ;;
		ppkkey=*) ppkkey=${opt#*=} ;;
		start=*) start=${opt#*=} ;;
		ikelife=*) ikelife=${opt#*=} ;;
		esplife=*) esplife=${opt#*=} ;;
		dpd=*) dpd=${opt#*=} ;;
		gw=*) gw=${opt#*=} ;;
		natka=*) natka=${opt#*=} ;;
		reauth=*) reauth=${opt#*=} ;;
		cert=*) cert=${opt#*=} ;;
		method=*) method=${opt#*=} ;;
		rid=*) rid=${opt#*=} ;;
		lid=*) lid=${opt#*=} ;;
		ikeset=*) ikeset=${opt#*=} ;;
		*) lab_say "iop_qs_vpn: unknown $opt"; return 1 ;;
		esac
	done
	local I="set security ike" P="set security ipsec"
	cat <<-END
	delete security ipsec
	delete security ike
	delete security key-manager
	$I gateway G ike-policy IKE_POL
	$I gateway G address $gw
	$I gateway G external-interface ge-0/0/0.0
	$I gateway G version v2-only
	$P vpn V bind-interface st0.0
	$P vpn V ike gateway G
	$P vpn V ike ipsec-policy ESP_POL
	$P vpn V ike proxy-identity local 10.1.0.0/24
	$P vpn V ike proxy-identity remote 10.2.0.0/24
	END
	if [ -n "$cert" ]; then
		echo "$I policy IKE_POL certificate local-certificate $cert"
		echo "$I policy IKE_POL certificate trusted-ca ca-profile ${IOP_CA:-LAB-CA}"
	else
		echo "$I policy IKE_POL pre-shared-key ascii-text \"$psk\""
	fi
	if [ -n "$ikeset" ]; then
		echo "$I policy IKE_POL proposal-set $ikeset"
	else
		echo "$I proposal IKE_P authentication-method $method"
		echo "$I proposal IKE_P dh-group $dh"
		echo "$I proposal IKE_P authentication-algorithm $auth"
		echo "$I proposal IKE_P encryption-algorithm $enc"
		echo "$I policy IKE_POL proposals IKE_P"
	fi
	[ -z "$rid" ] || echo "$I gateway G remote-identity $rid"
	[ -z "$lid" ] || echo "$I gateway G local-identity $lid"
	if [ -n "$set" ]; then
		echo "$P policy ESP_POL proposal-set $set"
	else
		echo "$P proposal ESP_P protocol esp"
		echo "$P proposal ESP_P encryption-algorithm $esp"
		echo "$P policy ESP_POL proposals ESP_P"
		[ -z "$esplife" ] ||
		    echo "$P proposal ESP_P lifetime-seconds $esplife"
	fi
	[ -z "$ikelife" ] || echo "$I proposal IKE_P lifetime-seconds $ikelife"
	[ -z "$natka" ] || echo "$I gateway G nat-keepalive $natka"
	[ -z "$reauth" ] || echo "$I policy IKE_POL reauth-frequency $reauth"
	if [ -n "$dpd" ]; then
		echo "$I gateway G dead-peer-detection always-send"
		echo "$I gateway G dead-peer-detection interval ${dpd%/*}"
		echo "$I gateway G dead-peer-detection threshold ${dpd#*/}"
	fi
	[ -z "$pfs" ] || echo "$P policy ESP_POL perfect-forward-secrecy keys $pfs"
	case $start in
	immediately | responder-only)
		echo "$P vpn V establish-tunnels $start" ;;
	esac
	if [ "$ppk" != no ]; then
		local K="set security key-manager profiles KP static"
		echo "$K key-id ascii-text $IOP_PPK_ID"
		echo "$K key ascii-text \"$ppkkey\""
		if [ "$ppk" = optional ]; then
			echo "$I gateway G ppk-profile KP optional"
		else
			echo "$I gateway G ppk-profile KP"
		fi
	fi
}

# iop_qs_load key=value...: iop_qs_vpn's lines committed on the appliance.
iop_qs_load() {
	iop_qs_vpn "$@" >"$LAB_DIR/vpn.set" || return 1
	qs_load "$IOP_A" "$LAB_DIR/vpn.set"
}

# iop_swan_load NAME key=value...: connection NAME on strongSwan (the
# responder side unless start=start), swan_conf_psk's options.
iop_swan_load() {
	local name=$1
	shift
	swan_conf_psk name="$name" local=192.0.2.2 remote=192.0.2.1 \
	    lts=10.2.0.0/24 rts=10.1.0.0/24 psk="$IOP_PSK" "$@" \
	    >"$IOP_B/$name.conf" && swan_load "$IOP_B" "$IOP_B/$name.conf"
}

# iop_show CMD: the appliance's answer to a show command.
iop_show() {
	qs_cli "$IOP_A" "$1" 2>&1
}

# iop_qs_up: true when the appliance shows the IKE SA UP with B and a Child
# SA on tunnel 500001 (an `<` line: inbound, and a `>` line).
iop_qs_up() {
	iop_show "show security ike security-associations" |
	    grep -q "UP .*192.0.2.2" &&
	    iop_show "show security ipsec security-associations" |
	    grep -q "^ *>500001 "
}

# iop_qs_spis: the appliance's SPIs on tunnel 500001, "IN OUT" (hex, no
# 0x).
iop_qs_spis() {
	iop_show "show security ipsec security-associations" | awk '
	    $1 == "<500001" { i = $3 } $1 == ">500001" { o = $3 }
	    END { sub(/^0x/, "", i); sub(/^0x/, "", o); print i " " o }'
}

# iop_swan_spis: strongSwan's INSTALLED Child SA t as the appliance shows
# it, "IN OUT" (strongSwan's outbound SPI is the appliance's inbound one).
iop_swan_spis() {
	swan_ctl "$IOP_B" --list-sas --ike t 2>/dev/null | awk '
	    / t: #[0-9]+, .*INSTALLED/ { c = 1; next }
	    / t: #[0-9]+,/ { c = 0 }
	    c && $1 == "in" { i = $2; sub(/,$/, "", i) }
	    c && $1 == "out" { o = $2; sub(/,$/, "", o) }
	    END { print o " " i }'
}

# iop_qs_none: true when the appliance shows no IKE SA with B.
iop_qs_none() {
	! iop_show "show security ike security-associations" | grep -q "192.0.2.2"
}

# iop_ping_hb / iop_ping_ha: one host pings the other (1 s).
iop_ping_hb() {
	ip netns exec "$IOP_HA" ping -c 1 -W 1 -q 10.2.0.2 >/dev/null 2>&1
}
iop_ping_ha() {
	ip netns exec "$IOP_HB" ping -c 1 -W 1 -q 10.1.0.2 >/dev/null 2>&1
}

# iop_iked_log: the appliance's iked log.
iop_iked_log() {
	echo "$IOP_A/iked.log"
}

# iop_dump: what a failing test prints.
iop_dump() {
	echo "--- qsafe: show security ike security-associations"
	iop_show "show security ike security-associations"
	echo "--- qsafe: show security ipsec security-associations"
	iop_show "show security ipsec security-associations"
	echo "--- qsafe: iked.log"
	tail -30 "$(iop_iked_log)"
	echo "--- strongSwan: --list-sas"
	swan_ctl "$IOP_B" --list-sas 2>&1
	echo "--- strongSwan: charon.log"
	tail -30 "$IOP_B/charon.log"
}
