/*
 * dp_us_path: the packet threads of the userspace dataplane (dp_us.h
 * says how they share the SA table), and the loop's callbacks that carry
 * what they found to iked: acquire, IKE packets, lifetimes */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "iked/dp_us.h"
#include "lib/log.h"

void
dp_ctr_inc(_Atomic uint64_t *c)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + 1,
	    memory_order_relaxed);
}

size_t
dp_hash(const struct dp *dp, uint32_t spi)
{
	uint64_t h = (spi ^ dp->seed_x) * dp->seed_m;
	return (size_t)(h >> 40) & (DP_NBUCKET - 1);
}

/* Caller holds the lock. */
struct dp_usa *
dp_find(struct dp *dp, uint32_t spi, bool inbound)
{
	struct dp_usa *u = dp->bucket[inbound][dp_hash(dp, spi)];

	while (u && u->spi != spi)
		u = u->hnext;
	return u;
}

void
dp_wake(struct dp *dp)
{
	uint64_t one = 1;

	if (write(dp->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is full: the loop will wake anyway */
	}
}

/* rx: a UDP 4500 datagram that is IKE (RFC 3948 2.2 non-ESP marker). */
static void
dp_ike_queue(struct dp *dp, const uint8_t *p, size_t len,
    const struct sockaddr_storage *from)
{
	uint8_t *copy;

	pthread_mutex_lock(&dp->qlock);
	if (dp->nike < DP_IKE_QUEUE && (copy = malloc(len)) != NULL) {
		memcpy(copy, p, len);
		dp->ike[dp->nike].p = copy;
		dp->ike[dp->nike].len = len;
		dp->ike[dp->nike].from = *from;
		dp->nike++;
	} else
		dp_ctr_inc(&dp->rx_discarded);
	pthread_mutex_unlock(&dp->qlock);
	dp_wake(dp);
}

/* RFC 4303 3.4.4.1 (the SA's selectors) on the inner addresses. */
static bool
dp_sel_ok(const struct dp_sel *sel, size_t n, const uint8_t *addr, int v)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		const struct dp_sel *s = &sel[i];
		if (v == 4 && s->start.family == AF_INET &&
		    memcmp(addr, &s->start.u.v4, 4) >= 0 &&
		    memcmp(addr, &s->end.u.v4, 4) <= 0)
			return true;
		if (v == 6 && s->start.family == AF_INET6 &&
		    memcmp(addr, &s->start.u.v6, 16) >= 0 &&
		    memcmp(addr, &s->end.u.v6, 16) <= 0)
			return true;
	}
	return false;
}

static bool
dp_ts_ok(const struct dp_sa *c, const uint8_t *p)
{
	int v = p[0] >> 4;
	const uint8_t *src = v == 4 ? p + 12 : p + 8;
	const uint8_t *dst = v == 4 ? p + 16 : p + 24;

	return dp_sel_ok(c->sel_remote, c->nsel_remote, src, v) &&
	    dp_sel_ok(c->sel_local, c->nsel_local, dst, v);
}

/* rx: the TCP segments merged so far go to their TUN device. */
static void
dp_rx_gro_flush(struct dp *dp)
{
	size_t n = dp_gro_finish(&dp->gro);

	if (n > 0 && write(dp->gro_tun->fd, dp->gro.buf, n) < 0)
		dp_ctr_inc(&dp->rx_discarded);
	dp->gro_tun = NULL;
}

/*
 * rx: a decrypted inner packet in b for t.  A vnet device takes the
 * consecutive segments of one TCP flow as one super-packet (dp_gso.h);
 * anything else is written at once, behind an empty virtio_net_hdr in
 * the room the ESP header left.
 */
static void
dp_rx_deliver(struct dp *dp, struct dp_tun *t, struct esp_buf *b)
{
	uint8_t *p = b->base + b->off;

	dp->rx_last = t;
	if (t->vnet) {
		if (dp->gro_tun == t && dp_gro_add(&dp->gro, p, b->len))
			return;
		if (dp->gro_tun != NULL)
			dp_rx_gro_flush(dp);
		if (dp_gro_add(&dp->gro, p, b->len)) {
			dp->gro_tun = t;
			return;
		}
		if (b->off < DP_VNET_LEN) {
			dp_ctr_inc(&dp->rx_discarded);
			return;
		}
		p -= DP_VNET_LEN;
		memset(p, 0, DP_VNET_LEN);
		if (write(t->fd, p, b->len + DP_VNET_LEN) < 0)
			dp_ctr_inc(&dp->rx_discarded);
		return;
	}
	if (write(t->fd, p, b->len) < 0)
		dp_ctr_inc(&dp->rx_discarded);
}

/* rx: one datagram of sock, as it arrived; under the read lock. */
static void
dp_rx_one(struct dp *dp, int sock, struct esp_buf *b,
    const struct sockaddr_storage *from)
{
	uint8_t *p = b->base + b->off;
	uint32_t spi;
	struct dp_usa *u;

	if (sock == dp->raw4) { /* the IPv4 header comes along */
		size_t ihl = b->len ? (size_t)(p[0] & 0x0f) * 4 : 0;
		if (ihl < 20 || ihl > b->len) {
			dp_ctr_inc(&dp->rx_bad_header);
			return;
		}
		b->off += ihl;
		b->len -= ihl;
		p += ihl;
	} else if (sock == dp->encap4 || sock == dp->encap6) {
		if (b->len == 1 && p[0] == 0xff) /* NAT keepalive */
			return;
		if (b->len >= 4 && memcmp(p, "\0\0\0\0", 4) == 0) {
			dp_ike_queue(dp, p + 4, b->len - 4, from);
			return;
		}
	}
	if (esp_peek_spi(p, b->len, &spi) == -1) {
		dp_ctr_inc(&dp->rx_bad_header);
		return;
	}
	if ((u = dp_find(dp, spi, true)) == NULL) {
		dp_ctr_inc(&dp->rx_invalid_spi); /* RFC 4303 3.4.2 */
		return;
	}
	if (esp_decap(u->esp, b) != ESP_OK)
		return; /* counted by esp */
	/* RFC 4301 5.2 (4): the inner addresses inside the SA's selectors */
	if (!dp_ts_ok(esp_sa_conf(u->esp), b->base + b->off)) {
		esp_sa_drop(u->esp, ESP_TS);
		return;
	}
	if (u->tun == NULL) {
		dp_ctr_inc(&dp->rx_discarded);
		return;
	}
	dp_rx_deliver(dp, u->tun, b);
}

void
dp_batch_init(struct dp_batch *x, size_t i, size_t off)
{
	x->b[i] = (struct esp_buf){ x->buf[i], DP_BUF_LEN, off, 0 };
	x->iov[i].iov_base = x->buf[i] + off;
	x->iov[i].iov_len = DP_BUF_LEN - off - ESP_TAILROOM;
	memset(&x->msg[i].msg_hdr, 0, sizeof(x->msg[i].msg_hdr));
	x->msg[i].msg_hdr.msg_iov = &x->iov[i];
	x->msg[i].msg_hdr.msg_iovlen = 1;
	x->msg[i].msg_hdr.msg_name = &x->addr[i];
	x->msg[i].msg_hdr.msg_namelen = sizeof(x->addr[i]);
	x->msg[i].msg_hdr.msg_control = x->ctl[i].b;
	x->msg[i].msg_hdr.msg_controllen = sizeof(x->ctl[i].b);
}

/* rx: the datagrams waiting on sock; caller holds rxlock. */
size_t
dp_rx_sock(struct dp *dp, int sock)
{
	struct dp_batch *x = &dp->rxb;
	size_t got = 0;
	int n;

	for (;;) {
		for (size_t i = 0; i < DP_BATCH; i++)
			dp_batch_init(x, i, 0);
		n = recvmmsg(sock, x->msg, DP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return got;
		got += (size_t)n;
		pthread_rwlock_rdlock(&dp->lock);
		for (int i = 0; i < n; i++) {
			size_t seg = dp_is_encap(dp, sock)
			    ? dp_udp_gro_size(&x->msg[i].msg_hdr)
			    : 0;
			x->b[i].len = x->msg[i].msg_len;
			if (seg == 0 || x->b[i].len <= seg) {
				dp_rx_one(dp, sock, &x->b[i], &x->addr[i]);
				continue;
			}
			/* UDP_GRO: datagrams of seg octets, the last shorter */
			for (size_t off = 0; off < x->msg[i].msg_len;
			     off += seg) {
				size_t left = x->msg[i].msg_len - off;
				struct esp_buf b = { x->buf[i], DP_BUF_LEN, off,
					left < seg ? left : seg };
				dp_rx_one(dp, sock, &b, &x->addr[i]);
			}
		}
		if (dp->gro_tun != NULL)
			dp_rx_gro_flush(dp);
		pthread_rwlock_unlock(&dp->lock);
		if (dp->rx_last != NULL) {
			dp_tx_tun_try(dp, dp->rx_last);
			dp->rx_last = NULL;
		}
		if (n < DP_BATCH)
			return got;
	}
}

/* tx: sends m[0..n) on sock; what the kernel refuses is counted. */
static void
dp_tx_send(struct dp *dp, int sock, struct mmsghdr *m, size_t n)
{
	size_t done = 0;
	int r;

	while (done < n) {
		r = sendmmsg(sock, m + done, (unsigned)(n - done), 0);
		if (r <= 0) { /* skip the packet that failed */
			dp_ctr_inc(&dp->tx_discarded);
			done++;
		} else
			done += (size_t)r;
	}
}

/* tx: message k of the queue: b to u's peer, tos (-1: none) attached. */
static void
dp_tx_msg(struct dp_txq *q, size_t k, const struct esp_buf *b, struct dp_usa *u,
    int tos)
{
	struct msghdr *h = &q->msg[k].msg_hdr;

	q->iov[k].iov_base = b->base + b->off;
	q->iov[k].iov_len = b->len;
	memset(h, 0, sizeof(*h));
	h->msg_iov = &q->iov[k];
	h->msg_iovlen = 1;
	h->msg_name = &u->peer;
	h->msg_namelen = u->peerlen;
	if (tos >= 0) {
		struct cmsghdr *c = &q->ctl[k].h;
		bool v6 = u->peer.ss_family == AF_INET6;
		c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
		c->cmsg_type = v6 ? IPV6_TCLASS : IP_TOS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &tos, sizeof(int));
		h->msg_control = q->ctl[k].b;
		h->msg_controllen = sizeof(q->ctl[k].b);
	}
}

/* tx: m[0..n) with the outer DF bit df (dp_us_out.c). */
static void
dp_tx_run(struct dp *dp, int sock, bool df, struct mmsghdr *m, size_t n)
{
	if (n == 0)
		return;
	dp_sock_df(dp, sock, df);
	if (dp_is_encap(dp, sock)) {
		dp_udp_send(dp, sock, m, n); /* dp_us_out.c: UDP GSO */
		return;
	}
	dp_tx_send(dp, sock, m, n);
}

struct dp_usa *
dp_tun_out(const struct dp_tun *t, const uint8_t *p)
{
	int v = p[0] >> 4;

	if (v == 4)
		return dp_lpm_find(t->out, AF_INET, p + 16);
	if (v == 6)
		return dp_lpm_find(t->out, AF_INET6, p + 24);
	return NULL;
}

/*
 * tx: the outbound SA of packet p of t: on st0.N by its destination among
 * the device's SAs (point-to-multipoint, dp_lpm.h); on the policy device
 * that of the tunnel the queued packets' selectors chose (dp_us_pol.c).
 */
static struct dp_usa *
dp_tx_sa(struct dp *dp, const struct dp_tun *t, const uint8_t *p)
{
	if (t->policy)
		return dp->txq.pol ? dp->txq.pol->out : NULL;
	return dp_tun_out(t, p);
}

/*
 * tx: a packet of t that no outbound SA takes, dropped and counted; with
 * no SA on t at all iked is asked for one (on-traffic; on the policy
 * device: for the tunnel whose policy holds the packets, if any).  A
 * destination outside every SA's remote selectors of a device that has
 * SAs asks for nothing: RFC 4301 5.1 would discard it, and a hub has no
 * peer to ask.
 */
static void
dp_tx_nosa(struct dp *dp, struct dp_tun *t, size_t n)
{
	_Atomic bool *want = &t->want_acquire;

	for (size_t i = 0; i < n; i++)
		dp_ctr_inc(&dp->tx_discarded);
	if (t->policy)
		want = dp->txq.pol ? &dp->txq.pol->want_acquire : NULL;
	else if (dp_lpm_count(t->out) != 0)
		want = NULL;
	if (want != NULL && !atomic_exchange(want, true))
		dp_wake(dp);
}

/* tx: the pending messages of r sent; the message arrays free again. */
static void
dp_tx_drain(struct dp *dp, struct dp_txrun *r)
{
	dp_tx_run(dp, r->sock, r->df, dp->txq.msg + r->run, r->k - r->run);
	r->k = r->run = 0;
}

/*
 * tx: the ESP packet b as the next message, a new run if the DF value or
 * the socket changes (the SAs of one device may use raw ESP and UDP).
 */
static void
dp_tx_emit(struct dp *dp, struct dp_usa *u, const struct esp_buf *b, bool df,
    int tos, struct dp_txrun *r)
{
	if (r->k == DP_NMSG)
		dp_tx_drain(dp, r);
	if (r->k > r->run && (df != r->df || u->sock != r->sock)) {
		dp_tx_run(
		    dp, r->sock, r->df, dp->txq.msg + r->run, r->k - r->run);
		r->run = r->k;
	}
	r->df = df;
	r->sock = u->sock;
	dp_tx_msg(&dp->txq, r->k++, b, u, tos);
}

/* tx: inner (DF clear) in fragments that fit the path (dp_us_out.c). */
static void
dp_tx_frag(struct dp *dp, struct dp_usa *u, const uint8_t *inner, size_t len,
    size_t fit, int tos, struct dp_txrun *r)
{
	struct dp_txq *q = &dp->txq;
	size_t n;

	n = dp_ip4_fragment(inner, len, fit, q->fdata + q->nfrag, DP_SEG_ROOM,
	    q->fraglen + q->nfrag, DP_NFRAG - q->nfrag);
	if (n == 0 && q->nfrag > 0) { /* no buffers left: send, retry */
		dp_tx_drain(dp, r);
		q->nfrag = 0;
		n = dp_ip4_fragment(inner, len, fit, q->fdata, DP_SEG_ROOM,
		    q->fraglen, DP_NFRAG);
	}
	if (n == 0) {
		esp_sa_drop(u->esp, ESP_TOO_BIG);
		return;
	}
	for (size_t j = q->nfrag; j < q->nfrag + n; j++) {
		q->fb[j] = (struct esp_buf){ q->frag[j], DP_SEG_LEN,
			ESP_HEADROOM, q->fraglen[j] };
		if (esp_encap(u->esp, &q->fb[j]) == ESP_OK)
			dp_tx_emit(dp, u, &q->fb[j], true, tos, r);
	}
	q->nfrag += n;
}

/* tx: the queued packets of t encrypted and sent; under the read lock. */
static void
dp_tx_flush(struct dp *dp, struct dp_tun *t)
{
	struct dp_txq *q = &dp->txq;
	struct dp_usa *u;
	struct dp_txrun r = { .sock = -1 };
	size_t fit;
	bool df;
	int tos, fits;

	if (q->n == 0)
		return;
	/* no SA at all: the whole batch (the policy device's batch is one
	 * tunnel's, dp_us_pol.c) */
	if (t->policy ? dp_tx_sa(dp, t, NULL) == NULL
		      : dp_lpm_count(t->out) == 0) {
		dp_tx_nosa(dp, t, q->n);
		q->n = 0;
		return;
	}
	q->nfrag = 0;
	for (size_t i = 0; i < q->n; i++) {
		if ((u = dp_tx_sa(dp, t, q->data[i])) == NULL) {
			dp_tx_nosa(dp, t, 1);
			continue;
		}
		fits = dp_out_check(
		    dp, u, q->data[i], q->seglen[i], &df, &tos, &fit);
		if (fits == -1)
			continue; /* counted: err_mtu */
		if (fits == 1) {
			dp_tx_frag(
			    dp, u, q->data[i], q->seglen[i], fit, tos, &r);
			continue;
		}
		q->b[i] = (struct esp_buf){ q->seg[i], DP_SEG_LEN, ESP_HEADROOM,
			q->seglen[i] };
		if (esp_encap(u->esp, &q->b[i]) != ESP_OK)
			continue; /* counted by esp */
		dp_tx_emit(dp, u, &q->b[i], df, tos, &r);
	}
	q->n = 0;
	dp_tx_drain(dp, &r);
}

/* tx: one packet too large for a segment buffer, from q->in itself. */
static void
dp_tx_large(struct dp *dp, struct dp_tun *t, size_t len)
{
	struct dp_txq *q = &dp->txq;
	struct esp_buf b = { q->in, DP_BUF_LEN, ESP_HEADROOM, len };
	struct dp_txrun r = { .sock = -1 };
	struct dp_usa *u;
	size_t fit;
	bool df;
	int tos, fits;

	dp_tx_flush(dp, t);
	if ((u = dp_tx_sa(dp, t, q->in + ESP_HEADROOM)) == NULL) {
		dp_tx_nosa(dp, t, 1);
		return;
	}
	fits = dp_out_check(dp, u, q->in + ESP_HEADROOM, len, &df, &tos, &fit);
	if (fits == 1)
		dp_tx_frag(dp, u, q->in + ESP_HEADROOM, len, fit, tos, &r);
	else if (fits == 0 && esp_encap(u->esp, &b) == ESP_OK)
		dp_tx_emit(dp, u, &b, df, tos, &r);
	dp_tx_drain(dp, &r);
}

/*
 * tx: up to DP_BATCH reads from t (a vnet device's super-packets cut
 * into MTU-sized packets, dp_gso.h), then one sendmmsg.  epoll is level
 * triggered: what is left is read on the next round, after other devices.
 * The packets cut (dp_us_wait.c: a burst wakes the tx thread).
 */
static size_t
dp_tx_tun_locked(struct dp *dp, struct dp_tun *t)
{
	struct dp_txq *q = &dp->txq;
	size_t vl = t->vnet ? DP_VNET_LEN : 0, len = 0, n, cut = 0;
	uint8_t *in = q->in + ESP_HEADROOM - vl;
	struct virtio_net_hdr vh;
	ssize_t r;
	size_t reads;

	pthread_rwlock_rdlock(&dp->lock);
	for (reads = 0; reads < DP_BATCH; reads++) {
		r = read(t->fd, in, DP_BUF_LEN - ESP_HEADROOM - ESP_TAILROOM);
		if (r < 0)
			break;
		memset(&vh, 0, sizeof(vh));
		if ((size_t)r <= vl)
			n = 0;
		else {
			memcpy(&vh, in, vl);
			len = (size_t)r - vl;
			n = dp_gso_count(&vh, in + vl, len);
		}
		if (n == 0) {
			dp_ctr_inc(&dp->tx_discarded);
			continue;
		}
		cut += n;
		if (t->policy) {
			/* dp_us_pol.c: the tunnel by the packet's selectors;
			 * a super-packet is one flow */
			struct dp_pol *p = dp_pol_lookup(dp, in + vl, len);
			if (p != q->pol) {
				dp_tx_flush(dp, t);
				q->pol = p;
			}
		}
		if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
		    len > DP_SEG_ROOM) {
			if (dp_gso_csum(&vh, in + vl, len) == 0)
				dp_tx_large(dp, t, len);
			else
				dp_ctr_inc(&dp->tx_discarded);
			continue;
		}
		if (q->n + n > DP_NSEG)
			dp_tx_flush(dp, t);
		n = dp_gso_split(&vh, in + vl, len, q->data + q->n, DP_SEG_ROOM,
		    q->seglen + q->n, DP_NSEG - q->n);
		if (n == 0)
			dp_ctr_inc(&dp->tx_discarded);
		q->n += n;
	}
	dp_tx_flush(dp, t);
	q->pol = NULL;
	pthread_rwlock_unlock(&dp->lock);
	return cut;
}

/* The tx thread's way in: the tx side is its but for dp_tx_tun_try. */
size_t
dp_tx_tun(struct dp *dp, struct dp_tun *t)
{
	size_t n;

	pthread_mutex_lock(&dp->txlock);
	n = dp_tx_tun_locked(dp, t);
	pthread_mutex_unlock(&dp->txlock);
	return n;
}

/*
 * rx, after writing to t: what the kernel routed back into t meanwhile
 * (a reply from the host behind it, put in t's queue within that very
 * write) is sent from here unless the tx thread is at work, which saves
 * one thread wakeup per round trip.  Also the rx thread's way to t while
 * it lingers (dp_us_wait.c).  The packets cut; 0 when tx is at work.
 */
size_t
dp_tx_tun_try(struct dp *dp, struct dp_tun *t)
{
	size_t n;

	if (pthread_mutex_trylock(&dp->txlock) != 0)
		return 0;
	n = dp_tx_tun_locked(dp, t);
	pthread_mutex_unlock(&dp->txlock);
	return n;
}

/* The loop: acquire requests, IKE packets from the packet threads. */
void
dp_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dp *dp = arg;
	uint64_t v;
	struct dp_ike q[DP_IKE_QUEUE];
	size_t nq;
	uint32_t acq[64];
	size_t nacq = 0;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* spurious */
	}
	pthread_mutex_lock(&dp->qlock);
	nq = dp->nike;
	memcpy(q, dp->ike, nq * sizeof(q[0]));
	dp->nike = 0;
	pthread_mutex_unlock(&dp->qlock);
	pthread_rwlock_rdlock(&dp->lock);
	for (struct dp_tun *t = dp->tuns; t && nacq < 64; t = t->next)
		if (atomic_exchange(&t->want_acquire, false))
			acq[nacq++] = t->tunnel_id;
	nacq += dp_pol_acquires(dp, acq + nacq, 64 - nacq);
	pthread_rwlock_unlock(&dp->lock);
	for (size_t i = 0; i < nacq; i++)
		if (dp->ev && dp->ev->acquire)
			dp->ev->acquire(dp->ctx, acq[i]);
	for (size_t i = 0; i < nq; i++) {
		if (dp->ev && dp->ev->ike_packet)
			dp->ev->ike_packet(dp->ctx, q[i].p, q[i].len,
			    (struct sockaddr *)&q[i].from, NULL);
		free(q[i].p);
	}
}

/*
 * The path MTU of u's peer, asked of the kernel once per peer and tick
 * (*last: the peer asked last, *mtu its answer): a thousand SAs to one
 * gateway cost one query.  Only for an SA that sent since its last query
 * (dp_out_check sets u->sent): a query is four system calls, and a
 * responder with 10,000 idle tunnels to 10,000 peers spent 13% of a core
 * on them.  An SA is installed with a fresh answer (dp_userspace.c).
 */
static void
dp_pmtu_refresh(
    struct dp *dp, struct dp_usa *u, const struct dp_usa **last, uint32_t *mtu)
{
	if (!atomic_exchange_explicit(&u->sent, false, memory_order_relaxed))
		return;
	if (*last == NULL || (*last)->peerlen != u->peerlen ||
	    memcmp(&(*last)->peer, &u->peer, u->peerlen) != 0) {
		*mtu = dp_pmtu_query(dp, &u->peer, u->peerlen);
		*last = u;
	}
	atomic_store_explicit(&u->pmtu, *mtu, memory_order_relaxed);
}

/*
 * The loop, every second: byte and packet lifetimes (RFC 4301 4.4.2.1),
 * and the outbound SAs' path MTU.  The counters of an SA without such
 * lifetimes are not read (at 10,000 tunnels, reading 20,000 SAs' counters
 * was a third of an idle iked's time).
 */
void
dp_life_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dp *dp = arg;
	struct dp_fire fire[64];
	size_t nf = 0;
	const struct dp_usa *last = NULL;
	uint32_t mtu = 0;

	if (dp->nlimits == 0 &&
	    !atomic_exchange_explicit(&dp->sent, false, memory_order_relaxed))
		return; /* idle tunnels: nothing to read */
	/* reading is enough: only this thread writes soft_sent, hard_sent */
	pthread_rwlock_rdlock(&dp->lock);
	for (size_t d = 0; d < 2; d++)
		for (size_t i = 0; i < DP_NBUCKET; i++)
			for (struct dp_usa *u = dp->bucket[d][i]; u;
			     u = u->hnext) {
				if (!u->inbound) /* dp_us_out.c */
					dp_pmtu_refresh(dp, u, &last, &mtu);
				if (!u->limits)
					continue;
				const struct dp_sa *c = esp_sa_conf(u->esp);
				uint64_t by, pk;
				esp_sa_usage(u->esp, &by, &pk);
				bool soft =
				    (c->soft_bytes && by >= c->soft_bytes) ||
				    (c->soft_packets && pk >= c->soft_packets);
				bool hard =
				    (c->hard_bytes && by >= c->hard_bytes) ||
				    (c->hard_packets && pk >= c->hard_packets);
				if (nf < 64 && hard && !u->hard_sent) {
					u->hard_sent = u->soft_sent = true;
					fire[nf++] = (struct dp_fire){ u->spi,
						u->inbound, true };
				} else if (nf < 64 && soft && !u->soft_sent) {
					u->soft_sent = true;
					fire[nf++] = (struct dp_fire){ u->spi,
						u->inbound, false };
				}
			}
	pthread_rwlock_unlock(&dp->lock);
	for (size_t i = 0; i < nf; i++)
		if (dp->ev && dp->ev->expire)
			dp->ev->expire(
			    dp->ctx, fire[i].spi, fire[i].in, fire[i].hard);
}
