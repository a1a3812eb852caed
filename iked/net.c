/*
 * net: the UDP 500 / 4500 sockets of iked; see net.h.
 */
#include <errno.h>
#include <grp.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/capability.h>

#include <event2/event.h>

#include "iked/ikev2.h"
#include "iked/net.h"
#include "lib/log.h"
#include "lib/rd.h"
#include "lib/sb.h"

enum { NET_V4_IKE, NET_V4_NATT, NET_V6_IKE, NET_V6_NATT, NET_NSOCK };

struct net_sock {
	struct net *n;
	int fd;
	int family;
	uint16_t port;
	bool natt;
	struct event *ev; /* NULL: not read by us */
};

/* One datagram slot of recvmmsg. */
struct net_rx {
	struct sockaddr_storage remote;
	/* aligned as a cmsghdr; not a union with one: its flexible array
	 * member would make this struct variable-sized for clang */
	_Alignas(struct cmsghdr)
	    uint8_t cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct iovec iov;
};

/* An IKE_SA_INIT request held for a later turn (net_take). */
struct net_held {
	struct sockaddr_storage remote, local;
	size_t len;
	uint8_t p[NET_HELD_SLOT];
};

struct net {
	struct event_base *base;
	uint16_t natt_port;
	net_input_fn input;
	void *ctx;
	struct net_sock s[NET_NSOCK];
	/* the IKE half of a handed-over NAT-T port (net_split), v4 and v6 */
	struct net_sock split[2];
	struct mmsghdr mm[NET_RX_BATCH];
	struct net_rx rx[NET_RX_BATCH];
	/* NET_RX_BATCH buffers of NET_DGRAM_MAX + 1 octets; calloc'd, so
	 * only the pages datagrams reach become resident */
	uint8_t *rxbuf;
	struct net_held *held; /* a ring of NET_HELD_MAX */
	size_t held_first, held_n;
	uint64_t held_dropped;
	struct event *held_ev; /* a timer of zero: the next few held */
};

static int
net_bind(int family, uint16_t port, bool reuseport)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, on = 1;

	if ((fd = socket(
		 family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/*
	 * Another privileged listener on one address of the port (a test's,
	 * a diagnostic's) may bind beside our wildcard and takes what is
	 * addressed to it; below 1024 only privileged processes can.
	 */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* NAT-T: the group net_split adds the IKE reader to */
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The address the datagram came to, from its PKTINFO. */
static void
net_local(
    const struct net_sock *s, struct msghdr *mh, struct sockaddr_storage *local)
{
	memset(local, 0, sizeof(*local));
	local->ss_family = (sa_family_t)s->family;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr =
			    pi.ipi6_addr;
		}
	}
	if (s->family == AF_INET)
		((struct sockaddr_in *)local)->sin_port = htons(s->port);
	else
		((struct sockaddr_in6 *)local)->sin6_port = htons(s->port);
}

/*
 * Whether the datagram (IKE_HDR_LEN octets at least) is an IKE_SA_INIT
 * request: the one exchange that creates an SA, and the costly one
 * (a D-H key pair and the shared secret).  RFC 7296 3.1: the exchange
 * type is octet 18 of the header, the flags octet 19.
 */
static bool
net_is_init_request(const uint8_t *p, size_t len)
{
	struct rd r;
	uint8_t exch, flags;

	rd_init(&r, p, len);
	if (rd_skip(&r, 18) == -1 || rd_u8(&r, &exch) == -1 ||
	    rd_u8(&r, &flags) == -1)
		return false;
	return exch == IKE_SA_INIT && (flags & IKE_FLAG_RESPONSE) == 0;
}

/* The held IKE_SA_INIT requests, NET_HELD_TURN of them, oldest first. */
static void
net_held_run(struct net *n)
{
	static const struct timeval now = { 0, 0 };

	for (int i = 0; i < NET_HELD_TURN && n->held_n > 0; i++) {
		struct net_held *h = &n->held[n->held_first];
		n->held_first = (n->held_first + 1) % NET_HELD_MAX;
		n->held_n--;
		n->input(n->ctx, h->p, h->len, (struct sockaddr *)&h->remote,
		    (struct sockaddr *)&h->local);
	}
	/* the rest after the loop looked at the sockets again */
	if (n->held_n > 0)
		event_add(n->held_ev, &now);
	else
		n->held_first = 0; /* from the front again: the slots a
				    * few requests at a time use are the
				    * only ones that become resident */
}

static void
net_held_cb(evutil_socket_t fd, short what, void *arg)
{
	log_hold();
	net_held_run(arg);
	log_release();
}

/*
 * A datagram read into slot i: IKE in the engine now, unless it is an
 * IKE_SA_INIT request, which waits in the ring for its turn behind what
 * the SAs that exist asked (a liveness check must not wait for a burst
 * of new SAs' key exchanges).  The ring full, a new request is dropped,
 * as a full socket would drop it; the peer sends it again (2.1).
 */
static void
net_take(struct net *n, struct net_sock *s, int i)
{
	struct net_rx *x = &n->rx[i];
	struct mmsghdr *m = &n->mm[i];
	const uint8_t *p = x->iov.iov_base;
	size_t len = m->msg_len;
	struct sockaddr_storage local;

	if (len > NET_DGRAM_MAX || (m->msg_hdr.msg_flags & MSG_TRUNC))
		return;
	if (s->natt) {
		/* RFC 3948 2.3: a NAT-keepalive */
		if (len == 1 && p[0] == 0xff)
			return;
		/* RFC 3948 2.2: ESP has a non-zero SPI here */
		if (len < IKE_NON_ESP_MARKER_LEN ||
		    memcmp(p, "\0\0\0\0", IKE_NON_ESP_MARKER_LEN) != 0)
			return;
		p += IKE_NON_ESP_MARKER_LEN;
		len -= IKE_NON_ESP_MARKER_LEN;
	}
	if (len < IKE_HDR_LEN)
		return;
	net_local(s, &m->msg_hdr, &local);
	if (!net_is_init_request(p, len) || len > NET_HELD_SLOT) {
		n->input(n->ctx, p, len, (struct sockaddr *)&x->remote,
		    (struct sockaddr *)&local);
		return;
	}
	if (n->held_n == NET_HELD_MAX) {
		if (n->held_dropped++ % 1000 == 0)
			log_warn("%llu IKE_SA_INIT requests dropped: %d "
				 "waiting already",
			    (unsigned long long)n->held_dropped, NET_HELD_MAX);
		return;
	}
	struct net_held *h =
	    &n->held[(n->held_first + n->held_n++) % NET_HELD_MAX];
	memcpy(&h->remote, &x->remote, sizeof(h->remote));
	h->local = local;
	h->len = len;
	memcpy(h->p, p, len);
}

/*
 * Up to NET_RX_TURN datagrams a wake-up, NET_RX_BATCH to a system call,
 * so one socket cannot starve the loop; then a few held IKE_SA_INITs.
 * The lines their exchanges log are written together at the end, one
 * write for the turn (log_hold: three a setup answering charon before).
 */
static void
net_read(evutil_socket_t fd, short what, void *arg)
{
	struct net_sock *s = arg;
	struct net *n = s->n;

	log_hold();

	for (int got = 0; got < NET_RX_TURN;) {
		int r;
		for (int i = 0; i < NET_RX_BATCH; i++) {
			struct msghdr *mh = &n->mm[i].msg_hdr;
			memset(mh, 0, sizeof(*mh));
			n->rx[i].iov.iov_base =
			    n->rxbuf + i * (NET_DGRAM_MAX + 1);
			n->rx[i].iov.iov_len = NET_DGRAM_MAX + 1;
			mh->msg_name = &n->rx[i].remote;
			mh->msg_namelen = sizeof(n->rx[i].remote);
			mh->msg_iov = &n->rx[i].iov;
			mh->msg_iovlen = 1;
			mh->msg_control = n->rx[i].cbuf;
			mh->msg_controllen = sizeof(n->rx[i].cbuf);
		}
		if ((r = recvmmsg(fd, n->mm, NET_RX_BATCH, 0, NULL)) <= 0)
			break;
		for (int i = 0; i < r; i++)
			net_take(n, s, i);
		got += r;
		if (r < NET_RX_BATCH)
			break; /* the socket is empty: no EAGAIN to ask for */
	}
	net_held_run(n);
	log_release();
}

struct net *
net_new(struct event_base *base, uint16_t ike_port, uint16_t natt_port,
    net_input_fn input, void *ctx)
{
	struct net *n = xcalloc(1, sizeof(*n));

	n->base = base;
	n->natt_port = natt_port ? natt_port : IKE_NATT_PORT;
	n->input = input;
	n->ctx = ctx;
	n->rxbuf = xcalloc(NET_RX_BATCH, NET_DGRAM_MAX + 1);
	n->held = xcalloc(NET_HELD_MAX, sizeof(*n->held));
	n->held_ev = evtimer_new(base, net_held_cb, n);
	for (int i = 0; i < 2; i++)
		n->split[i].fd = -1;
	for (int i = 0; i < NET_NSOCK; i++) {
		struct net_sock *s = &n->s[i];
		s->n = n;
		s->family = i < NET_V6_IKE ? AF_INET : AF_INET6;
		s->natt = i == NET_V4_NATT || i == NET_V6_NATT;
		s->port = s->natt ? (natt_port ? natt_port : IKE_NATT_PORT)
				  : (ike_port ? ike_port : IKE_PORT);
		if ((s->fd = net_bind(s->family, s->port, s->natt)) == -1) {
			log_warn("UDP port %u (%s): %s: no IKE there", s->port,
			    s->family == AF_INET ? "IPv4" : "IPv6",
			    strerror(errno));
			continue;
		}
		s->ev =
		    event_new(base, s->fd, EV_READ | EV_PERSIST, net_read, s);
		event_add(s->ev, NULL);
	}
	return n;
}

void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	for (int i = 0; i < NET_NSOCK; i++) {
		if (n->s[i].ev != NULL)
			event_free(n->s[i].ev);
		if (n->s[i].fd != -1)
			close(n->s[i].fd);
	}
	for (int i = 0; i < 2; i++) {
		if (n->split[i].ev != NULL)
			event_free(n->split[i].ev);
		if (n->split[i].fd != -1)
			close(n->split[i].fd);
	}
	if (n->held_ev != NULL)
		event_free(n->held_ev);
	free(n->rxbuf);
	free(n->held);
	free(n);
}

int
net_nsockets(const struct net *n)
{
	int k = 0;

	for (int i = 0; i < NET_NSOCK; i++)
		k += n->s[i].fd != -1;
	return k;
}

int
net_encap_fd(const struct net *n, int family)
{
	return n->s[family == AF_INET ? NET_V4_NATT : NET_V6_NATT].fd;
}

/*
 * The IKE half of the NAT-T port s the dataplane took: a second socket on
 * the port in s's SO_REUSEPORT group (net_bind), and on the group a classic
 * BPF program that picks the socket of each datagram by its first four
 * octets, the UDP payload's (the kernel runs it past the UDP header):
 * zero, RFC 3948 2.2's non-ESP marker, picks this one (the group's second,
 * index 1), read by the loop as before the hand-over; anything else, ESP
 * (its SPI is never zero, RFC 4303 2.1), picks s (index 0).  A datagram
 * shorter than four octets, a NAT-keepalive (RFC 3948 2.3), ends the
 * program at the load, which returns 0: s.  A charon initiator, with a
 * NAT (or its kernel-libipsec, which fakes one), sends its IKE_AUTH and
 * every later request to 4500: each woke the dataplane's thread, which
 * copied it and woke the loop (an eventfd written and read).  0 / -1:
 * IKE keeps coming through the dataplane (dp_events.ike_packet).
 */
static int
net_split(struct net *n, const struct net_sock *s, struct net_sock *k)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (k->fd != -1)
		return 0;
	*k = *s;
	k->ev = NULL;
	if ((k->fd = net_bind(s->family, s->port, true)) == -1)
		goto fail;
	if (setsockopt(k->fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
		sizeof(prog)) == -1)
		goto fail;
	k->ev = event_new(n->base, k->fd, EV_READ | EV_PERSIST, net_read, k);
	if (k->ev == NULL || event_add(k->ev, NULL) == -1)
		goto fail;
	return 0;
fail:
	log_warn("UDP port %u (%s): no reader of its own for IKE: %s", s->port,
	    s->family == AF_INET ? "IPv4" : "IPv6", strerror(errno));
	if (k->ev != NULL)
		event_free(k->ev);
	k->ev = NULL;
	if (k->fd != -1)
		close(k->fd);
	k->fd = -1;
	return -1;
}

void
net_handover(struct net *n, int family)
{
	struct net_sock *s =
	    &n->s[family == AF_INET ? NET_V4_NATT : NET_V6_NATT];

	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (s->fd != -1)
		net_split(n, s, &n->split[family == AF_INET ? 0 : 1]);
}

static uint16_t
net_port(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET
		? ((const struct sockaddr_in *)sa)->sin_port
		: ((const struct sockaddr_in6 *)sa)->sin6_port);
}

/*
 * Sends iov on the socket of remote's family (the NAT-T one when natt),
 * from local's address when it is given (PKTINFO).  0 / -1 (logged).
 */
static int
net_sendv(struct net *n, bool natt, struct iovec *iov, size_t iovcnt,
    const struct sockaddr *local, const struct sockaddr *remote)
{
	int v6 = remote->sa_family == AF_INET6;
	const struct net_sock *s =
	    &n->s[(v6 ? NET_V6_IKE : NET_V4_IKE) + (natt ? 1 : 0)];
	_Alignas(struct cmsghdr)
	    uint8_t cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct msghdr mh = {
		.msg_name = (void *)remote,
		.msg_namelen = v6 ? sizeof(struct sockaddr_in6)
				  : sizeof(struct sockaddr_in),
		.msg_iov = iov,
		.msg_iovlen = iovcnt,
	};

	if (s->fd == -1 || (remote->sa_family != AF_INET && !v6))
		return -1;
	memset(&cbuf, 0, sizeof(cbuf));
	if (local != NULL && local->sa_family == remote->sa_family) {
		struct cmsghdr *c;
		mh.msg_control = cbuf;
		if (!v6) {
			struct in_pktinfo pi = { 0 };
			pi.ipi_spec_dst =
			    ((const struct sockaddr_in *)local)->sin_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { 0 };
			pi.ipi6_addr =
			    ((const struct sockaddr_in6 *)local)->sin6_addr;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, 0) == -1) {
		log_warn(
		    "send to port %u: %s", net_port(remote), strerror(errno));
		return -1;
	}
	return 0;
}

/* eng_io.send: one IKE message from local to remote. */
static int
net_send(void *ctx, const uint8_t *p, size_t len, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	struct net *n = ctx;
	static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];
	bool natt = net_port(remote) == IKE_NATT_PORT ||
	    net_port(remote) == n->natt_port ||
	    (local != NULL && net_port(local) == n->natt_port);
	struct iovec iov[2] = {
		{ (void *)marker, sizeof(marker) }, /* RFC 3948 2.2 */
		{ (void *)p, len },
	};

	return natt ? net_sendv(n, true, iov, 2, local, remote)
		    : net_sendv(n, false, iov + 1, 1, local, remote);
}

/* eng_io.send_keepalive: RFC 3948 4, one 0xFF octet, no marker. */
static int
net_send_keepalive(
    void *ctx, const struct sockaddr *local, const struct sockaddr *remote)
{
	static const uint8_t keepalive = 0xff;
	struct iovec iov = { (void *)&keepalive, 1 };

	return net_sendv(ctx, true, &iov, 1, local, remote);
}

const struct eng_io net_io = {
	.send = net_send,
	.send_keepalive = net_send_keepalive,
};

int
net_confine(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	/* the bounding set first, while CAP_SETPCAP is still held */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_NET_ADMIN && c != CAP_NET_RAW)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	if (uid != 0) {
		/* the permitted set survives the uid change; capset below
		 * makes the two effective again */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
		    setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1) {
			log_err("dropping to uid %u gid %u: %s", (unsigned)uid,
			    (unsigned)gid, strerror(errno));
			return -1;
		}
		(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	d[0].effective = d[0].permitted =
	    1u << CAP_NET_ADMIN | 1u << CAP_NET_RAW;
	if (syscall(SYS_capset, &h, d) == -1) {
		log_err("capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	return 0;
}
