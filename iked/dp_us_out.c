/*
 * dp_us_out: the outer header of the userspace dataplane's ESP packets
 * (the kernel builds it: raw IP-protocol-50 or UDP 4500 sockets) and what
 * happens when an inner packet does not fit the path.
 *
 *   df-bit clear|set|copy   RFC 4301 8.1: the outer DF bit cleared, set,
 *                            or copied from the inner IPv4 header (an inner
 *                            IPv6 packet counts as DF).  The sockets' IP
 *                            PMTU discovery mode carries it: DONT (the
 *                            kernel fragments the outer packet where the
 *                            path needs it) or DO (DF set).  A batch is
 *                            sent in runs of one DF value, the socket's
 *                            mode switched between runs only when it
 *                            differs.  ESP in UDP goes out on iked's
 *                            own UDP 4500 socket, which IKE shares, the
 *                            same way: handed over, it is put in DONT
 *                            (df-bit clear, the default), and runs of
 *                            ESP switch it.  IKE messages sent meanwhile
 *                            from iked's loop leave with the mode of the
 *                            moment: DF set only while SAs with DF set
 *                            send, and IKE stays under the MTU by its
 *                            own fragmentation (RFC 7383).
 *   copy-outer-dscp          RFC 2983 / RFC 4301 5.1.2.1: the inner DSCP in
 *                            the outer header, an IP_TOS / IPV6_TCLASS
 *                            control message per packet.
 *   path MTU                 each outbound SA keeps the route MTU towards
 *                            its peer (a connected UDP socket's IP_MTU,
 *                            refreshed by the lifetime timer).  A packet
 *                            whose outer DF is set and whose ESP packet
 *                            would exceed it is dropped, counted (err_mtu,
 *                            "Exceeds tunnel MTU"), and its sender gets an
 *                            ICMP fragmentation-needed (RFC 1191) or
 *                            ICMPv6 packet-too-big (RFC 8201) with the
 *                            largest inner size that fits, at most one per
 *                            DP_ICMP_GAP_MS.  An inner IPv4 packet
 *                            without DF is cut into fragments that fit
 *                            instead (RFC 791 3.2), each its own ESP packet.
 *   UDP GSO and GRO          ESP in UDP: consecutive ESP packets of one
 *                            size (the segments of one TCP burst) leave
 *                            as one UDP_SEGMENT send, the kernel cutting
 *                            them into datagrams as late as it can; the
 *                            socket reads with UDP_GRO, datagrams of one
 *                            size from one peer arriving as one, cut here.
 *                            A kernel or device that refuses UDP GSO turns
 *                            it off for good, the packets resent one each.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/udp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "iked/dp_us.h"

#define DP_ICMP_GAP_MS 10
#define DP_ICMP_QUOTE 548   /* RFC 1812 4.3.2.3: 576 in all */
#define DP_ICMP6_QUOTE 1232 /* RFC 4443 2.4 (c): 1280 in all */

/*
 * The route's MTU to peer: a UDP socket connected to it, nothing sent.
 * One socket per family, kept and connected again for each query (the
 * loop's thread only): a socket, its port and its close for each Child SA
 * were a tenth of a responder's setup.  0 when unknown.
 */
uint32_t
dp_pmtu_query(struct dp *dp, const struct sockaddr_storage *peer, socklen_t len)
{
	struct sockaddr_storage to = *peer;
	bool v4 = to.ss_family == AF_INET;
	int *fd = v4 ? &dp->mtu4 : &dp->mtu6, mtu = 0;
	socklen_t ml = sizeof(mtu);

	if (v4)
		((struct sockaddr_in *)&to)->sin_port = htons(4500);
	else if (to.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&to)->sin6_port = htons(4500);
	else
		return 0;
	if (*fd < 0 &&
	    (*fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	if (connect(*fd, (struct sockaddr *)&to, len) < 0 ||
	    getsockopt(*fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		v4 ? IP_MTU : IPV6_MTU, &mtu, &ml) < 0)
		mtu = 0;
	return mtu > 0 ? (uint32_t)mtu : 0;
}

bool
dp_out_df(const struct dp_sa *c, const uint8_t *inner)
{
	switch (c->df) {
	case DP_DF_SET: return true;
	case DP_DF_CLEAR: return false;
	default: return (inner[0] >> 4) == 6 || (inner[6] & 0x40) != 0;
	}
}

/* The inner DSCP (ECN not copied: RFC 6040 is not done here). */
int
dp_out_tos(const uint8_t *inner)
{
	if ((inner[0] >> 4) == 4)
		return inner[1] & 0xfc;
	return ((inner[0] & 0x0f) << 4 | inner[1] >> 4) & 0xfc;
}

/* The socket's DF mode as df asks; a setsockopt only on a change. */
void
dp_sock_df(struct dp *dp, int sock, bool df)
{
	int *state = sock == dp->raw4 ? &dp->df_raw4
	    : sock == dp->raw6	      ? &dp->df_raw6
	    : sock == dp->encap4      ? &dp->df_encap4
				      : &dp->df_encap6;
	int want = df ? 1 : 0, mode;

	if (sock < 0 || *state == want)
		return;
	if (sock == dp->raw6 || sock == dp->encap6) {
		mode = df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT;
		if (setsockopt(sock, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &mode,
			sizeof(mode)) == 0)
			*state = want;
		return;
	}
	mode = df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
	if (setsockopt(
		sock, IPPROTO_IP, IP_MTU_DISCOVER, &mode, sizeof(mode)) == 0)
		*state = want;
}

/* One ICMP message per DP_ICMP_GAP_MS at most (tx thread only). */
static bool
dp_icmp_allowed(struct dp *dp)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now - dp->icmp_last < DP_ICMP_GAP_MS && dp->icmp_last != 0)
		return false;
	dp->icmp_last = now;
	return true;
}

static uint16_t
dp_icmp_csum(const uint8_t *p, size_t len)
{
	uint16_t c = (uint16_t)~dp_csum_fold(dp_csum_add(0, p, len));

	return c;
}

/*
 * The sender of inner (len octets) learns that mtu octets fit: RFC 792
 * type 3 code 4 with the RFC 1191 next-hop MTU, or RFC 4443 type 2.  The
 * gateway's own stack sends it (raw ICMP sockets), from its address
 * towards the sender.
 */
void
dp_icmp_too_big(struct dp *dp, const uint8_t *inner, size_t len, size_t mtu)
{
	uint8_t m[8 + DP_ICMP6_QUOTE];
	struct sockaddr_storage to = { 0 };
	size_t q, ml;
	int fd;

	if (!dp_icmp_allowed(dp))
		return;
	memset(m, 0, 8);
	if ((inner[0] >> 4) == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&to;
		q = len < DP_ICMP_QUOTE ? len : DP_ICMP_QUOTE;
		m[0] = 3;
		m[1] = 4;
		m[6] = (uint8_t)(mtu >> 8);
		m[7] = (uint8_t)mtu;
		memcpy(m + 8, inner, q);
		ml = 8 + q;
		uint16_t c = dp_icmp_csum(m, ml);
		memcpy(m + 2, &c, 2);
		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, inner + 12, 4);
		fd = dp->icmp4;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&to;
		q = len < DP_ICMP6_QUOTE ? len : DP_ICMP6_QUOTE;
		m[0] = 2; /* the kernel sums ICMPv6 */
		m[4] = (uint8_t)(mtu >> 24);
		m[5] = (uint8_t)(mtu >> 16);
		m[6] = (uint8_t)(mtu >> 8);
		m[7] = (uint8_t)mtu;
		memcpy(m + 8, inner, q);
		ml = 8 + q;
		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, inner + 8, 16);
		fd = dp->icmp6;
	}
	if (fd >= 0 &&
	    sendto(fd, m, ml, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		/* counted already as err_mtu; nothing more to do */
	}
}

/*
 * The outer options of one inner packet for u, and whether it fits the
 * path: 0 (it does; *df, *tos set), 1 (an IPv4 packet without DF that
 * the outer DF forbids: to be cut into fragments of at most *fit octets
 * first, RFC 791 3.2, as Junos pre-fragments), or -1 (dropped, counted,
 * the sender told).
 */
int
dp_out_check(struct dp *dp, struct dp_usa *u, const uint8_t *inner, size_t len,
    bool *df, int *tos, size_t *fit)
{
	const struct dp_sa *c = esp_sa_conf(u->esp);
	uint32_t pmtu = atomic_load_explicit(&u->pmtu, memory_order_relaxed);

	/* for dp_life_cb: ask the path MTU again (stored only when it changes,
	 * so the line is not written per packet) */
	if (!atomic_load_explicit(&u->sent, memory_order_relaxed)) {
		atomic_store_explicit(&u->sent, true, memory_order_relaxed);
		atomic_store_explicit(&dp->sent, true, memory_order_relaxed);
	}

	*df = dp_out_df(c, inner);
	*tos = c->copy_dscp ? dp_out_tos(inner) : -1;
	if (!*df || pmtu == 0 ||
	    u->outer + len + esp_sa_overhead(u->esp, len) <= pmtu)
		return 0;
	*fit = pmtu > u->outer ? esp_sa_max_inner(u->esp, pmtu - u->outer) : 0;
	if ((inner[0] >> 4) == 4 && !(inner[6] & 0x40) && *fit >= 28)
		return 1;
	esp_sa_drop(u->esp, ESP_TOO_BIG);
	dp_icmp_too_big(dp, inner, len, *fit);
	return -1;
}

/* How many of m[0..n) form one UDP GSO send: one size, the last shorter. */
static size_t
dp_udp_group(const struct mmsghdr *m, size_t n)
{
	const struct msghdr *h0 = &m[0].msg_hdr;
	size_t seg = h0->msg_iov[0].iov_len, total = seg, k;

	for (k = 1; k < n && k < DP_GSO_SEGS; k++) {
		const struct msghdr *h = &m[k].msg_hdr;
		size_t len = h->msg_iov[0].iov_len;
		/* one destination: P2MP SAs of a batch go to several */
		if (len > seg || total + len > DP_GSO_BYTES ||
		    h->msg_namelen != h0->msg_namelen ||
		    memcmp(h->msg_name, h0->msg_name, h->msg_namelen) != 0 ||
		    h->msg_controllen != h0->msg_controllen ||
		    (h->msg_controllen &&
			memcmp(CMSG_DATA((struct cmsghdr *)h->msg_control),
			    CMSG_DATA((struct cmsghdr *)h0->msg_control),
			    sizeof(int)) != 0))
			break;
		total += len;
		if (len < seg) { /* a shorter one ends the run */
			k++;
			break;
		}
	}
	return k;
}

/* gmsg i: m[0..k) as one datagram list, UDP_SEGMENT (RFC-less: Linux). */
static void
dp_udp_gmsg(struct dp_txq *q, size_t i, const struct mmsghdr *m, size_t k)
{
	struct msghdr *g = &q->gmsg[i].msg_hdr;
	struct cmsghdr *c;
	uint16_t seg = (uint16_t)m[0].msg_hdr.msg_iov[0].iov_len;

	*g = m[0].msg_hdr;
	if (k == 1)
		return;
	g->msg_iovlen = k; /* the iovs of m[0..k) are consecutive */
	memset(q->gctl[i].b, 0, sizeof(q->gctl[i].b));
	g->msg_control = q->gctl[i].b;
	c = &q->gctl[i].h;
	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	g->msg_controllen = CMSG_SPACE(sizeof(seg));
	if (m[0].msg_hdr.msg_controllen) { /* the TOS of the run */
		struct cmsghdr *t = CMSG_NXTHDR(g, c);
		memcpy(t, m[0].msg_hdr.msg_control, CMSG_LEN(sizeof(int)));
		g->msg_controllen += CMSG_SPACE(sizeof(int));
	}
}

bool
dp_is_encap(const struct dp *dp, int sock)
{
	return sock >= 0 && (sock == dp->encap4 || sock == dp->encap6);
}

void
dp_udp_send(struct dp *dp, int sock, struct mmsghdr *m, size_t n)
{
	struct dp_txq *q = &dp->txq;
	size_t ng = 0, done = 0, k;
	int r;

	if (!dp->udp_gso) {
		for (; done<n; done += r> 0 ? (size_t)r : 1)
			if ((r = sendmmsg(
				 sock, m + done, (unsigned)(n - done), 0)) <= 0)
				dp_ctr_inc(&dp->tx_discarded);
		return;
	}
	for (size_t i = 0; i < n; i += k, ng++) {
		k = dp_udp_group(m + i, n - i);
		q->gfirst[ng] = i;
		dp_udp_gmsg(q, ng, m + i, k);
	}
	q->gfirst[ng] = n;
	while (done < ng) {
		r = sendmmsg(sock, q->gmsg + done, (unsigned)(ng - done), 0);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		/* EIO / EINVAL: no UDP GSO on this path; one each from here */
		if (q->gmsg[done].msg_hdr.msg_iovlen > 1 &&
		    (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
			dp->udp_gso = false;
			dp_udp_send(
			    dp, sock, m + q->gfirst[done], n - q->gfirst[done]);
			return;
		}
		dp_ctr_inc(&dp->tx_discarded);
		done++;
	}
}

size_t
dp_udp_gro_size(const struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)h); c;
	     c = CMSG_NXTHDR((struct msghdr *)h, c))
		if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	return 0;
}
