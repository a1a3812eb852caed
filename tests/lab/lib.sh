# tests/lab/lib.sh: the lab, sourced by bash tests and benches.
#
# Network namespaces and veth links, strongSwan (charon + swanctl) running
# in them, and qsafe appliances started as ./qsafe starts them, so an interop
# or bench test reads as a few lines.  Everything a run creates is named with
# a prefix unique to it (tag + PID: parallel tests never collide) and written
# down in $LAB_DIR; lab_cleanup (the EXIT trap lab_init installs) removes
# exactly that: namespaces it made, PIDs it started, appliances it started.
#
#   . tests/lab/lib.sh
#   lab_init                       # LAB=lab<pid>, LAB_DIR, the trap
#   A=$(lab_netns gwa) B=$(lab_netns gwb)
#   lab_link "$A" eth0 192.0.2.1/24 "$B" eth0 192.0.2.2/24
#   swan_start "$A" "$LAB_DIR/a"
#   swan_conf_psk name=t local=192.0.2.1 remote=192.0.2.2 psk=... > F
#   swan_load "$LAB_DIR/a" F; swan_initiate "$LAB_DIR/a" t
#   swan_wait_sa "$LAB_DIR/a" t INSTALLED 10
#
# strongSwan here: one charon
# per namespace with /run bind-mounted to its directory (charon hard-codes
# /var/run/charon.pid), kernel-libipsec before kernel-netlink (the kernel
# has no ESP states; ESP goes in UDP 4500), threads = 32, and
# `swanctl --list-sas` as the source of truth, never vici initiate's answer.
#
# Functions return 0 or 1 and say on stderr what failed; none exits.

LAB_TOP=${QSAFE_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_PLUGINS="random nonce openssl aes sha1 sha2 hmac gcm kdf curve25519 pem pkcs1 x509 pubkey revocation constraints kernel-libipsec kernel-netlink socket-default vici counters"
LAB_PLUGIN_DIR=${LAB_PLUGIN_DIR:-/usr/lib/ipsec/plugins}
LAB_CHARON=${LAB_CHARON:-/usr/lib/ipsec/charon}

lab_say() { printf 'lab: %s\n' "$*" >&2; }

# lab_init [TAG]: the run's name ($LAB = TAG + PID, TAG default "lab"), its
# directory $LAB_DIR, and the traps that clean up.  Call once, in the main
# shell, before anything else.
lab_init() {
	LAB=${1:-lab}$$
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$LAB.XXXXXX") || return 1
	chmod 700 "$LAB_DIR"
	: >"$LAB_DIR/.netns"
	: >"$LAB_DIR/.pids"
	: >"$LAB_DIR/.defer"
	LAB_OWNER=$BASHPID
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
}

# lab_defer CMD...: run CMD (one line, eval'd) at cleanup, newest first.
lab_defer() {
	printf '%s\n' "$*" >>"$LAB_DIR/.defer"
}

# lab_cleanup: the EXIT trap.  Deferred commands (newest first), then the
# PIDs this run started (TERM, then KILL after 5 s), then its namespaces,
# then $LAB_DIR unless LAB_KEEP=1.  Only in the shell that ran lab_init.
lab_cleanup() {
	local rc=$? cmd pid ns
	[ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ] || return $rc
	[ "$BASHPID" = "${LAB_OWNER:-}" ] || return $rc
	trap - EXIT
	if [ -s "$LAB_DIR/.defer" ]; then
		while IFS= read -r cmd; do
			eval "$cmd" >/dev/null 2>&1 || true
		done < <(tac "$LAB_DIR/.defer")
	fi
	while read -r pid; do
		lab_kill "$pid"
	done < <(tac "$LAB_DIR/.pids")
	while read -r ns; do
		ip netns del "$ns" 2>/dev/null || true
	done <"$LAB_DIR/.netns"
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		lab_say "kept $LAB_DIR"
	else
		rm -rf "$LAB_DIR"
	fi
	LAB_DIR=
	return $rc
}

# lab_deadline SECS: the microsecond (lab_now_us's scale) SECS (may be
# fractional) from now.
lab_deadline() {
	local s=${1%.*} f=0
	[[ $1 == *.* ]] && f=${1#*.}
	f=${f}000000
	echo $((${EPOCHREALTIME//[!0-9]/} + ${s:-0} * 1000000 + 10#${f:0:6}))
}

# lab_poll TIMEOUT CMD...: run CMD every 0.1 s until it succeeds (0) or
# TIMEOUT seconds (may be fractional) have passed (1).
lab_poll() {
	local deadline
	deadline=$(lab_deadline "$1")
	shift
	while :; do
		"$@" && return 0
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# lab_hold SECS CMD...: CMD stays true for SECS seconds, run every 0.1 s
# (after its last run ends): 1 at the first run that fails.  For a state
# that must last (one SA, not one that a late message undoes), not for an
# event: wait for those with lab_poll.
lab_hold() {
	local deadline
	deadline=$(lab_deadline "$1")
	shift
	while "$@"; do
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$deadline" ] || return 0
		sleep 0.1
	done
	return 1
}

# lab_now_us: microseconds since the epoch (for timing).
lab_now_us() {
	echo "${EPOCHREALTIME//[!0-9]/}"
}

# lab_netns NAME: creates namespace $LAB-NAME with lo up, prints its name.
# IPv6 is off in it unless LAB_IPV6=1 (link-local addresses coming up make
# charon send MOBIKE updates in the middle of a test).
lab_netns() {
	local ns=$LAB-$1
	ip netns add "$ns" || { lab_say "cannot create namespace $ns"; return 1; }
	echo "$ns" >>"$LAB_DIR/.netns"
	if [ "${LAB_IPV6:-0}" != 1 ]; then
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	fi
	ip -n "$ns" link set lo up
	echo "$ns"
}

# lab_link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair IF1 (in NS1) -- IF2 (in
# NS2), both up, with the addresses (CIDR; "-" for none).  It goes away
# with its namespaces.
lab_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    { lab_say "cannot link $1/$2 -- $4/$5"; return 1; }
	[ "$3" = - ] || ip -n "$1" addr add "$3" dev "$2" || return 1
	[ "$6" = - ] || ip -n "$4" addr add "$6" dev "$5" || return 1
	ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

# lab_route NS PREFIX VIA: a static route in NS.
lab_route() {
	ip -n "$1" route add "$2" via "$3"
}

# lab_forward NS: NS routes IPv4 between its interfaces (a gateway).
lab_forward() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1
}

# lab_topo: the two-gateway lab most tests want, in namespaces of this run
#   ha 10.1.0.2 -- 10.1.0.1 [gwa] 192.0.2.1 ==== 192.0.2.2 [gwb] 10.2.0.1 -- 10.2.0.2 hb
# (interfaces: eth0 on the hosts, eth1 to the host and eth0 to the other
# gateway on the gateways; gateways forward, hosts route via them, nothing
# routes a host subnet over the outer link).  Sets LAB_HA LAB_GA LAB_GB
# LAB_HB to the namespaces' names.  Call it in the main shell.
lab_topo() {
	LAB_HA=$(lab_netns ha) && LAB_GA=$(lab_netns gwa) &&
	LAB_GB=$(lab_netns gwb) && LAB_HB=$(lab_netns hb) &&
	lab_link "$LAB_HA" eth0 10.1.0.2/24 "$LAB_GA" eth1 10.1.0.1/24 &&
	lab_link "$LAB_GA" eth0 192.0.2.1/24 "$LAB_GB" eth0 192.0.2.2/24 &&
	lab_link "$LAB_GB" eth1 10.2.0.1/24 "$LAB_HB" eth0 10.2.0.2/24 &&
	lab_route "$LAB_HA" default 10.1.0.1 &&
	lab_route "$LAB_HB" default 10.2.0.1 &&
	lab_forward "$LAB_GA" && lab_forward "$LAB_GB"
}

# lab_cpu_ticks PID: utime + stime of PID so far, in clock ticks
# (/proc/PID/stat fields 14 and 15; `getconf CLK_TCK` per second).
lab_cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) }
	set -- $stat
	echo $((${12} + ${13}))
}

# lab_rss_kb PID: resident memory of PID in KiB (VmRSS).
lab_rss_kb() {
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# lab_spawn LOG CMD...: starts CMD in the background (stdout and stderr to
# LOG), records its PID for cleanup and leaves it in $LAB_PID.  Run it in
# the main shell (not in $(...)), or the PID is lost to it.
lab_spawn() {
	local log=$1
	shift
	"$@" </dev/null >"$log" 2>&1 &
	LAB_PID=$!
	echo "$LAB_PID" >>"$LAB_DIR/.pids"
}

# lab_kill PID: TERM, wait up to 5 s, then KILL; forgets the PID.  Only
# PIDs that lab_spawn recorded.
lab_kill() {
	local pid=$1
	grep -qx "$pid" "$LAB_DIR/.pids" 2>/dev/null ||
	    { lab_say "not ours: $pid"; return 1; }
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		lab_poll 5 lab_gone "$pid" || kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	sed -i "/^$pid\$/d" "$LAB_DIR/.pids"
	return 0
}
lab_gone() { ! kill -0 "$1" 2>/dev/null; }

# ---- strongSwan -----------------------------------------------------------

# swan_plugins: the load list with only the plugins this system has
# (Debian's strongSwan has no curve25519 plugin: openssl does X25519).
swan_plugins() {
	local p out=
	for p in $LAB_PLUGINS; do
		[ -f "$LAB_PLUGIN_DIR/libstrongswan-$p.so" ] && out="$out $p"
	done
	echo "${out# }"
}

# swan_start NS DIR [log=LEVEL] [groups="enc=1 net=1"] [threads=N]
# [conf=LINES]: charon in NS, its state in DIR (strongswan.conf, charon.pid,
# charon.vici, charon.log); returns once its vici socket answers (10 s
# deadline).  log= is the default log level (1; 0 or -1 for a bench) for
# all groups but enc, net, asn and lib (0); groups= sets levels per group
# (enc=1 logs each message's payloads, net=1 each packet); conf= adds lines
# inside charon { }.
swan_start() {
	local ns=$1 dir=$2 log=1 threads=32 conf= groups= opt
	shift 2
	for opt; do
		case $opt in
		log=*) log=${opt#log=} ;;
		threads=*) threads=${opt#threads=} ;;
		groups=*) groups=${opt#groups=} ;;
		conf=*) conf=${opt#conf=} ;;
		*) lab_say "swan_start: unknown option $opt"; return 1 ;;
		esac
	done
	[ -x "$LAB_CHARON" ] || { lab_say "no $LAB_CHARON (strongswan-charon)"; return 1; }
	mkdir -p "$dir" && chmod 700 "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	# the later of two settings wins: the defaults, then the caller's
	groups="enc=0 net=0 asn=0 lib=0 $groups"
	cat >"$dir/strongswan.conf" <<-EOF
	# written by tests/lab/lib.sh swan_start
	charon {
		load = $(swan_plugins)
		threads = $threads
		$conf
		filelog {
			lab {
				path = $dir/charon.log
				time_format = %T
				flush_line = yes
				default = $log
				$(printf '%s\n' $groups | sed 's/=/ = /')
			}
		}
		syslog {
			daemon {
				default = -1
			}
		}
	}
	# swanctl reads this file too (swan_ctl): nothing from /etc
	swanctl {
		load = $(LAB_PLUGINS="pem pkcs1 pkcs8 x509 pubkey revocation constraints openssl random nonce" swan_plugins)
	}
	EOF
	rm -f "$dir/charon.vici" "$dir/charon.pid"
	echo "$ns" >"$dir/.ns"
	# `ip netns exec` gives a mount namespace of its own: DIR over /run
	# there only, so /var/run/charon.pid is DIR's.  exec keeps one PID.
	lab_spawn "$dir/charon.out" ip netns exec "$ns" sh -c \
	    'mount --bind "$1" /run && exec env STRONGSWAN_CONF="$1/strongswan.conf" "$2"' \
	    sh "$dir" "$LAB_CHARON"
	echo "$LAB_PID" >"$dir/.pid"
	if ! lab_poll 10 swan_up "$dir"; then
		lab_say "charon in $ns did not answer on $dir/charon.vici"
		tail -5 "$dir/charon.out" "$dir/charon.log" >&2 2>/dev/null
		return 1
	fi
}

swan_up() {
	[ -S "$1/charon.vici" ] && swan_ctl "$1" --stats >/dev/null 2>&1
}

# swan_ctl DIR ARGS...: swanctl against DIR's charon.
swan_ctl() {
	local dir=$1
	shift
	STRONGSWAN_CONF=$dir/strongswan.conf swanctl "$@" \
	    --uri "unix://$dir/charon.vici"
}

# swan_pid DIR: charon's PID.
swan_pid() {
	cat "$1/.pid"
}

# swan_load DIR FILE: loads FILE's connections and secrets (replacing what
# was loaded: swanctl --load-all).
swan_load() {
	local out
	out=$(swan_ctl "$1" --load-all --noprompt --file "$2" 2>&1) ||
	    { printf '%s\n' "$out" >&2; lab_say "swan_load $2 failed"; return 1; }
	if printf '%s\n' "$out" | grep -Eq '^loading .*failed|failed to load|^parsing'; then
		printf '%s\n' "$out" >&2
		lab_say "swan_load $2: something did not load"
		return 1
	fi
}

# swan_conf_psk key=value...: prints a swanctl.conf for one PSK connection
# (IKE SA and CHILD SA both named NAME).  Concatenate several outputs for
# several connections in one file.
#   name=     connection and child name (required)
#   local=    local address (local_addrs; default %any)
#   remote=   remote address (remote_addrs; default %any)
#   lid= rid= local/remote identities (default: the addresses; rid=%any
#             accepts any peer)
#   psk=      the pre-shared key (required)
#   ike=      IKE proposal (default aes256-sha256-x25519)
#   esp=      ESP proposal (default aes128gcm16)
#   lts= rts= local/remote traffic selectors (default dynamic)
#   ppk_id= ppk= ppk_required=yes|no   RFC 8784 (ppk: 0x<hex> or text)
#   start=    none|trap|start (start_action; default none)
#   extra=    more lines for the connection's section
#   cextra=   more lines for the child's section (rekey_time = 8s ...)
swan_conf_psk() {
	local name= local=%any remote=%any lid= rid= psk= ike=aes256-sha256-x25519
	local esp=aes128gcm16 lts=dynamic rts=dynamic ppk_id= ppk= ppk_req=
	local start=none extra= cextra= opt
	for opt; do
		case $opt in
		name=*) name=${opt#*=} ;;
		local=*) local=${opt#*=} ;;
		remote=*) remote=${opt#*=} ;;
		lid=*) lid=${opt#*=} ;;
		rid=*) rid=${opt#*=} ;;
		psk=*) psk=${opt#*=} ;;
		ike=*) ike=${opt#*=} ;;
		esp=*) esp=${opt#*=} ;;
		lts=*) lts=${opt#*=} ;;
		rts=*) rts=${opt#*=} ;;
		ppk_id=*) ppk_id=${opt#*=} ;;
		ppk=*) ppk=${opt#*=} ;;
		ppk_required=*) ppk_req=${opt#*=} ;;
		start=*) start=${opt#*=} ;;
		extra=*) extra=${opt#*=} ;;
		cextra=*) cextra=${opt#*=} ;;
		*) lab_say "swan_conf_psk: unknown $opt"; return 1 ;;
		esac
	done
	[ -n "$name" ] && [ -n "$psk" ] ||
	    { lab_say "swan_conf_psk: name= and psk= are required"; return 1; }
	: "${lid:=$local}" "${rid:=$remote}"
	printf '%s\n' "connections {" "  $name {" "    version = 2" \
	    "    local_addrs = $local" "    remote_addrs = $remote" \
	    "    proposals = $ike"
	[ -z "$ppk_id" ] || echo "    ppk_id = $ppk_id"
	[ -z "$ppk_req" ] || echo "    ppk_required = $ppk_req"
	[ -z "$extra" ] || echo "    $extra"
	printf '%s\n' "    local {" "      auth = psk" "      id = $lid" "    }" \
	    "    remote {" "      auth = psk" "      id = $rid" "    }" \
	    "    children {" "      $name {" "        esp_proposals = $esp" \
	    "        local_ts = $lts" "        remote_ts = $rts" \
	    "        start_action = $start"
	[ -z "$cextra" ] || echo "        $cextra"
	printf '%s\n' "      }" "    }" "  }" "}" "secrets {" "  ike-$name {"
	[ "$lid" = %any ] || echo "    id-l = $lid"
	[ "$rid" = %any ] || echo "    id-r = $rid"
	echo "    secret = \"$psk\""
	echo "  }"
	if [ -n "$ppk" ]; then
		echo "  ppk-$name {"
		case $ppk in
		0x*) echo "    secret = $ppk" ;;
		*) echo "    secret = \"$ppk\"" ;;
		esac
		echo "    id = ${ppk_id:-$name}"
		echo "  }"
	fi
	echo "}"
}

# swan_conf_cert key=value...: prints a swanctl.conf for one connection
# authenticated by certificates (auth = pubkey: RFC 7427 signatures when
# the peer announced SIGNATURE_HASH_ALGORITHMS).  swanctl finds the files
# next to the configuration: the certificate in x509/, its key in
# private/, CA certificates in x509ca/ (swan_load loads them all).
#   name= local= remote= ike= esp= lts= rts= start= extra= cextra=
#             as swan_conf_psk
#   lid=      local identity (default: the certificate's subject DN)
#   rid=      remote identity (default %any: whatever the peer's
#             certificate vouches for)
#   cert=     the local certificate's file name in x509/ (required)
#   cacert=   the peer's chain must end at this file of x509ca/
#   frag=     fragmentation = yes|no|accept|force (default yes)
#   auth=     local auth (default pubkey; rsa/pss-sha256 signs RSA-PSS)
swan_conf_cert() {
	local name= local=%any remote=%any lid= rid=%any ike=aes256-sha256-x25519
	local esp=aes128gcm16 lts=dynamic rts=dynamic start=none extra= cextra=
	local cert= cacert= frag=yes auth=pubkey opt
	for opt; do
		case $opt in
		name=*) name=${opt#*=} ;;
		local=*) local=${opt#*=} ;;
		remote=*) remote=${opt#*=} ;;
		lid=*) lid=${opt#*=} ;;
		rid=*) rid=${opt#*=} ;;
		ike=*) ike=${opt#*=} ;;
		esp=*) esp=${opt#*=} ;;
		lts=*) lts=${opt#*=} ;;
		rts=*) rts=${opt#*=} ;;
		start=*) start=${opt#*=} ;;
		extra=*) extra=${opt#*=} ;;
		cextra=*) cextra=${opt#*=} ;;
		cert=*) cert=${opt#*=} ;;
		cacert=*) cacert=${opt#*=} ;;
		frag=*) frag=${opt#*=} ;;
		auth=*) auth=${opt#*=} ;;
		*) lab_say "swan_conf_cert: unknown $opt"; return 1 ;;
		esac
	done
	[ -n "$name" ] && [ -n "$cert" ] ||
	    { lab_say "swan_conf_cert: name= and cert= are required"; return 1; }
	printf '%s\n' "connections {" "  $name {" "    version = 2" \
	    "    local_addrs = $local" "    remote_addrs = $remote" \
	    "    proposals = $ike" "    fragmentation = $frag"
	[ -z "$extra" ] || echo "    $extra"
	printf '%s\n' "    local {" "      auth = $auth" "      certs = $cert"
	[ -z "$lid" ] || echo "      id = \"$lid\""
	printf '%s\n' "    }" "    remote {" "      auth = pubkey" "      id = \"$rid\""
	[ -z "$cacert" ] || echo "      cacerts = $cacert"
	printf '%s\n' "    }" "    children {" "      $name {" \
	    "        esp_proposals = $esp" "        local_ts = $lts" \
	    "        remote_ts = $rts" "        start_action = $start"
	[ -z "$cextra" ] || echo "        $cextra"
	printf '%s\n' "      }" "    }" "  }" "}"
}

# swan_initiate DIR CHILD [TIMEOUT]: asks charon to bring CHILD up (and its
# IKE SA).  Its answer is not the truth (it can come before the exchange
# finished): follow with swan_wait_sa.
swan_initiate() {
	swan_ctl "$1" --initiate --child "$2" --timeout "${3:-10}" \
	    >>"$1/initiate.out" 2>&1
}

# swan_terminate DIR IKE: deletes the IKE SA NAME (and its children).
swan_terminate() {
	swan_ctl "$1" --terminate --ike "$2" --timeout 5 >>"$1/initiate.out" 2>&1
}

# swan_sa_state DIR NAME STATE: true when an IKE or CHILD SA named NAME is
# in STATE (ESTABLISHED, CONNECTING, INSTALLED, REKEYED...) according to
# `swanctl --list-sas`; STATE "gone" is true when no SA has that name.
swan_sa_state() {
	local sas
	sas=$(swan_ctl "$1" --list-sas 2>/dev/null) || return 1
	if [ "$3" = gone ]; then
		! printf '%s\n' "$sas" | grep -Eq "^ *$2: #[0-9]+,"
	else
		printf '%s\n' "$sas" | grep -Eq "^ *$2: #[0-9]+,(.*, )? *$3,"
	fi
}

# swan_wait_sa DIR NAME STATE TIMEOUT: polls swan_sa_state until TIMEOUT s;
# on failure prints the SAs and the end of charon's log.
swan_wait_sa() {
	lab_poll "$4" swan_sa_state "$1" "$2" "$3" && return 0
	lab_say "$1: $2 not $3 after $4 s"
	swan_ctl "$1" --list-sas >&2 2>/dev/null
	tail -15 "$1/charon.log" >&2 2>/dev/null
	return 1
}

# swan_count DIR STATE: how many IKE and CHILD SAs are in STATE.
swan_count() {
	swan_ctl "$1" --list-sas 2>/dev/null | grep -Ec "^ *[^ ]+: #[0-9]+,(.*, )? *$2,"
}

# swan_log DIR: the path of charon's log.
swan_log() {
	echo "$1/charon.log"
}

# swan_stop DIR: stops DIR's charon (by its PID).
swan_stop() {
	[ -f "$1/.pid" ] || return 0
	lab_kill "$(cat "$1/.pid")"
	rm -f "$1/.pid"
}

# ---- qsafe appliances -----------------------------------------------------

# qs_start NS DIR: an appliance as an operator starts one,
# `./qsafe start --netns NS --state-dir DIR` (the binaries of
# $QSAFE_BUILD_DIR when set, as the tests pass it); stopped at cleanup.
qs_start() {
	mkdir -p "$2" && chmod 700 "$2" || return 1
	"$LAB_TOP/qsafe" start --netns "$1" --state-dir "$2" ||
	    { lab_say "qsafe did not start in $1 ($2/mgd.log)"; return 1; }
	lab_defer "qs_stop '$2'"
}

# qs_cli DIR 'CMDS': the appliance's cli -c CMDS (its output on stdout).
qs_cli() {
	"$LAB_TOP/qsafe" cli --state-dir "$1" -c "$2"
}

# cli G CMDS: qs_cli for the appliance $LAB_DIR/G, its errors on stdout
# too (the lab tests' short form).
cli() {
	qs_cli "$LAB_DIR/$1" "$2" 2>&1
}

# qs_load DIR FILE: configure; load set FILE; commit.  Fails (and prints
# the cli's output) unless the commit completes.
qs_load() {
	local out
	out=$(qs_cli "$1" "configure; load set $2; commit" 2>&1)
	printf '%s\n' "$out" | grep -q 'commit complete' && return 0
	printf '%s\n' "$out" >&2
	lab_say "qs_load $2: no commit"
	return 1
}

# qs_stop DIR: ./qsafe stop for DIR's appliance.
qs_stop() {
	"$LAB_TOP/qsafe" stop --state-dir "$1"
}
