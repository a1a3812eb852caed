/*
 * dp_userspace: dp_userspace_ops, the control side of the userspace ESP
 * dataplane (dp_us.h has the design): it opens the sockets and starts
 * the packet threads, creates the st0.N TUN devices that SAs are bound
 * to (hostd then puts the configured addresses and routes on them),
 * installs and deletes SAs and adds up their counters.  Everything here
 * runs on iked's event loop thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "iked/crypto.h"
#include "iked/dp_us.h"
#include "lib/log.h"

/*
 * A TUN device named exactly name (hostd waits for it), up, its MTU set;
 * with dp->offload a vnet device (IFF_VNET_HDR, TSO and checksum
 * offloads: dp_gso.h), *vnet says so.
 */
static int
dp_tun_open(struct dp *dp, const char *name, bool *vnet)
{
	struct ifreq ifr = { 0 };
	int fd;

	if (dp->ev->tun_open != NULL)
		fd = dp->ev->tun_open(dp->ctx);
	else
		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		log_err("dataplane: /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (dp->offload ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		log_err("dataplane: TUN %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	/* dp_gso.h: TCP super-packets in, checksums left to us */
	*vnet = dp->offload;
	if (*vnet &&
	    ioctl(fd, TUNSETOFFLOAD,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0)
		log_warn("dataplane: %s offloads: %s", name, strerror(errno));
	ifr.ifr_mtu = DP_TUN_MTU;
	if (ioctl(dp->ctl, SIOCSIFMTU, &ifr) < 0)
		log_warn("dataplane: %s mtu: %s", name, strerror(errno));
	if (ioctl(dp->ctl, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(dp->ctl, SIOCSIFFLAGS, &ifr) < 0)
			log_warn("dataplane: %s up: %s", name, strerror(errno));
	}
	return fd;
}

/* The device name (created on first use); caller holds the write lock. */
struct dp_tun *
dp_tun_get(struct dp *dp, const char *name, uint32_t tunnel_id)
{
	struct dp_tun *t;
	struct epoll_event ev = { .events = EPOLLIN };

	for (t = dp->tuns; t; t = t->next)
		if (strcmp(t->name, name) == 0) {
			t->refs++;
			return t;
		}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->tunnel_id = tunnel_id;
	if ((t->out = dp_lpm_new(NULL, 0)) == NULL) {
		free(t);
		return NULL;
	}
	if ((t->fd = dp_tun_open(dp, name, &t->vnet)) < 0) {
		dp_lpm_free(t->out);
		free(t);
		return NULL;
	}
	ev.data.ptr = t;
	if (epoll_ctl(dp->epoll_tx, EPOLL_CTL_ADD, t->fd, &ev) < 0) {
		close(t->fd);
		dp_lpm_free(t->out);
		free(t);
		return NULL;
	}
	t->refs = 1;
	t->next = dp->tuns;
	dp->tuns = t;
	log_info("dataplane: %s created", name);
	return t;
}

/*
 * Caller holds the write lock.  The device stays when its last SA goes:
 * st0.N is an interface of the configuration whose addresses and routes
 * hostd keeps on it, and a rekey or a changed key must not take them
 * away; traffic into it meanwhile is dropped (counted) and asks for an
 * SA (acquire).  Devices go at dp close.
 */
static void
dp_tun_put(struct dp *dp, struct dp_tun *t)
{
	if (t != NULL && t->refs > 0)
		t->refs--;
}

/*
 * u's remote selectors as prefixes (dp_lpm.h) in e[0..DP_LPM_RANGE_MAX)
 * per selector, selector i's; how many.  An SA that narrowed nothing (no
 * remote selector) takes every destination of both families.
 */
static size_t
dp_usa_prefixes(struct dp_usa *u, size_t i, struct dp_lpm_ent *e)
{
	const struct dp_sa *c = esp_sa_conf(u->esp);
	struct dp_sel any = { 0 };

	if (c->nsel_remote)
		return dp_lpm_prefixes(
		    &c->sel_remote[i], u, e, DP_LPM_RANGE_MAX);
	any.start.family = any.end.family = i == 0 ? AF_INET : AF_INET6;
	memset(&any.end.u, 0xff,
	    i == 0 ? sizeof(any.end.u.v4) : sizeof(any.end.u.v6));
	return dp_lpm_prefixes(&any, u, e, DP_LPM_RANGE_MAX);
}

static size_t
dp_usa_nsel(const struct dp_usa *u)
{
	const struct dp_sa *c = esp_sa_conf(u->esp);

	return c->nsel_remote ? c->nsel_remote : 2;
}

/*
 * Caller holds the write lock: outbound u's prefixes out of its device's
 * selection table (dp_lpm.h); where u was the newest of a prefix, the SA
 * before it (a rekey's old one) takes the prefix back.
 */
static void
dp_tun_out_del(struct dp_tun *t, struct dp_usa *u)
{
	struct dp_lpm_ent e[DP_LPM_RANGE_MAX];

	for (size_t i = 0; i < dp_usa_nsel(u); i++) {
		size_t k = dp_usa_prefixes(u, i, e);
		for (size_t j = 0; j < k; j++)
			(void)dp_lpm_delete(t->out, &e[j]);
	}
}

/*
 * Caller holds the write lock: outbound u's prefixes into its device's
 * selection table, where it wins over an older SA of the same selectors
 * (a rekey).  -1 when out of memory, the table as before.
 */
static int
dp_tun_out_add(struct dp_tun *t, struct dp_usa *u)
{
	struct dp_lpm_ent e[DP_LPM_RANGE_MAX];

	for (size_t i = 0; i < dp_usa_nsel(u); i++) {
		size_t k = dp_usa_prefixes(u, i, e);
		if (k == 0)
			log_warn("dataplane: %s: SA %08x: a remote selector no "
				 "prefix covers",
			    t->name, u->spi);
		for (size_t j = 0; j < k; j++)
			if (dp_lpm_insert(t->out, &e[j]) == -1) {
				log_err("dataplane: %s: no memory for SA "
					"%08x in its SA table",
				    t->name, u->spi);
				dp_tun_out_del(t, u); /* what went in */
				return -1;
			}
	}
	return 0;
}

static int
dp_peer(struct dp *dp, const struct dp_sa *sa, struct dp_usa *u)
{
	memset(&u->peer, 0, sizeof(u->peer));
	if (sa->remote.family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&u->peer;
		s->sin_family = AF_INET;
		s->sin_addr = sa->remote.u.v4;
		s->sin_port = htons(sa->encap_dport);
		u->peerlen = sizeof(*s);
		u->sock = sa->encap_dport ? dp->encap4 : dp->raw4;
	} else if (sa->remote.family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&u->peer;
		s->sin6_family = AF_INET6;
		s->sin6_addr = sa->remote.u.v6;
		s->sin6_port = htons(sa->encap_dport);
		u->peerlen = sizeof(*s);
		u->sock = sa->encap_dport ? dp->encap6 : dp->raw6;
	} else
		return -1;
	u->outer = (sa->remote.family == AF_INET ? 20 : 40) +
	    (sa->encap_dport ? 8 : 0);
	atomic_store(&u->pmtu, dp_pmtu_query(dp, &u->peer, u->peerlen));
	return u->sock >= 0 ? 0 : -1;
}

static int
dp_us_sa_add(struct dp *dp, const struct dp_sa *sa)
{
	struct dp_usa *u;
	int rc = -1;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return -1;
	u->spi = sa->spi;
	u->inbound = sa->inbound;
	u->limits = sa->soft_bytes || sa->hard_bytes || sa->soft_packets ||
	    sa->hard_packets;
	if (!sa->inbound && dp_peer(dp, sa, u) == -1) {
		log_err("dataplane: SA %08x: no socket for its peer%s", sa->spi,
		    sa->encap_dport ? " (no UDP 4500 socket)" : "");
		goto done;
	}
	if ((u->esp = esp_sa_new_with(sa, dp->algs)) == NULL)
		goto done;
	pthread_rwlock_wrlock(&dp->lock);
	if (dp_find(dp, sa->spi, sa->inbound) != NULL) {
		pthread_rwlock_unlock(&dp->lock);
		log_err("dataplane: SA %08x %s is already installed", sa->spi,
		    sa->inbound ? "inbound" : "outbound");
		goto done;
	}
	/* policy-based (no st0): the one device of them all */
	u->tun = sa->ifname[0] ? dp_tun_get(dp, sa->ifname, sa->tunnel_id)
			       : dp_pol_dev(dp);
	if (u->tun == NULL) {
		pthread_rwlock_unlock(&dp->lock);
		goto done;
	}
	/* route-based, point-to-multipoint: by destination (dp_lpm.h) */
	if (!sa->inbound && !u->tun->policy &&
	    dp_tun_out_add(u->tun, u) == -1) {
		dp_tun_put(dp, u->tun);
		pthread_rwlock_unlock(&dp->lock);
		goto done;
	}
	size_t h = dp_hash(dp, sa->spi);
	if (u->limits)
		dp->nlimits++;
	u->hnext = dp->bucket[sa->inbound][h];
	dp->bucket[sa->inbound][h] = u;
	if (u->tun->policy)
		dp_pol_sa_add(dp, u, sa);
	else if (!sa->inbound)
		u->tun->tunnel_id = sa->tunnel_id;
	pthread_rwlock_unlock(&dp->lock);
	if (!sa->inbound)
		dp_ari_add(dp->ari, sa); /* its device exists now */
	/* debug: the engine's "Child SA up" line names both SPIs */
	log_debug("dataplane: SA %08x %s installed (%s%s%s)", sa->spi,
	    sa->inbound ? "inbound" : "outbound", sa->encr->name,
	    sa->integ ? "/" : "", sa->integ ? sa->integ->name : "");
	u = NULL;
	rc = 0;
done:
	if (u) {
		esp_sa_free(u->esp);
		free(u);
	}
	return rc;
}

static void
dp_stats_sub(struct dp_stats *a, const struct dp_stats *b)
{
	uint64_t *pa = (uint64_t *)a;
	const uint64_t *pb = (const uint64_t *)b;

	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		pa[i] -= pb[i];
}

static void
dp_stats_add(struct dp_stats *a, const struct dp_stats *b)
{
	uint64_t *pa = (uint64_t *)a;
	const uint64_t *pb = (const uint64_t *)b;

	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		pa[i] += pb[i];
}

/* An SA's counters since the last clear. */
static void
dp_usa_stats(const struct dp_usa *u, struct dp_stats *out)
{
	struct dp_stats s = { 0 };

	esp_sa_stats(u->esp, &s);
	dp_stats_sub(&s, &u->base);
	dp_stats_add(out, &s);
}

/*
 * RFC 7296 2.23: the peer's NAT mapping moved.  The new destination is
 * made first (a route MTU query), then set under the write lock: tx reads
 * u->peer and u->sock while it holds the read lock for a batch.
 */
static int
dp_us_sa_peer(struct dp *dp, uint32_t spi, const struct dp_addr *remote,
    uint16_t encap_dport)
{
	struct dp_sa sa = { .remote = *remote, .encap_dport = encap_dport };
	struct dp_usa *u, nu;

	memset(&nu, 0, sizeof(nu));
	if (dp_peer(dp, &sa, &nu) == -1) {
		log_err("dataplane: SA %08x: no socket for its new peer", spi);
		return -1;
	}
	pthread_rwlock_wrlock(&dp->lock);
	if ((u = dp_find(dp, spi, false)) != NULL) {
		u->peer = nu.peer;
		u->peerlen = nu.peerlen;
		u->sock = nu.sock;
		u->outer = nu.outer;
		atomic_store(&u->pmtu, atomic_load(&nu.pmtu));
	}
	pthread_rwlock_unlock(&dp->lock);
	if (u == NULL) {
		log_err("dataplane: no outbound SA %08x to move", spi);
		return -1;
	}
	log_debug(
	    "dataplane: SA %08x outbound now to port %u", spi, encap_dport);
	return 0;
}

static int
dp_us_sa_del(struct dp *dp, uint32_t spi, bool inbound)
{
	struct dp_usa **pp, *u;

	pthread_rwlock_wrlock(&dp->lock);
	pp = &dp->bucket[inbound][dp_hash(dp, spi)];
	while (*pp && (*pp)->spi != spi)
		pp = &(*pp)->hnext;
	if ((u = *pp) == NULL) {
		pthread_rwlock_unlock(&dp->lock);
		log_err("dataplane: no SA %08x %s to delete", spi,
		    inbound ? "inbound" : "outbound");
		return -1;
	}
	*pp = u->hnext;
	if (u->limits)
		dp->nlimits--;
	dp_usa_stats(u, &dp->gone);
	if (u->tun && u->tun->policy)
		dp_pol_sa_del(dp, u);
	else if (!inbound && u->tun)
		dp_tun_out_del(u->tun, u);
	dp_tun_put(dp, u->tun);
	pthread_rwlock_unlock(&dp->lock);
	if (!inbound)
		dp_ari_del(dp->ari, esp_sa_conf(u->esp));
	/* no packet thread holds u: each holds the lock while it uses one */
	esp_sa_free(u->esp);
	free(u);
	log_info("dataplane: SA %08x %s deleted", spi,
	    inbound ? "inbound" : "outbound");
	return 0;
}

static int
dp_us_sa_stats(struct dp *dp, uint32_t spi, bool inbound, struct dp_stats *out)
{
	struct dp_usa *u;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&dp->lock);
	if ((u = dp_find(dp, spi, inbound)) != NULL)
		dp_usa_stats(u, out);
	pthread_rwlock_unlock(&dp->lock);
	return u ? 0 : -1;
}

static uint64_t
dp_ctr(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The drops that belong to no SA (unknown SPI, short packets, no SA). */
static void
dp_global(struct dp *dp, struct dp_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->err_invalid_spi = dp_ctr(&dp->rx_invalid_spi);
	s->err_bad_header = dp_ctr(&dp->rx_bad_header);
	s->discarded = dp_ctr(&dp->rx_discarded) + dp_ctr(&dp->tx_discarded);
}

static int
dp_us_stats(struct dp *dp, uint32_t tunnel_id, struct dp_stats *out)
{
	struct dp_stats g;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&dp->lock);
	for (size_t d = 0; d < 2; d++)
		for (size_t i = 0; i < DP_NBUCKET; i++)
			for (struct dp_usa *u = dp->bucket[d][i]; u;
			     u = u->hnext)
				if (tunnel_id == 0 ||
				    tunnel_id == esp_sa_conf(u->esp)->tunnel_id)
					dp_usa_stats(u, out);
	if (tunnel_id == 0) {
		dp_stats_add(out, &dp->gone);
		dp_global(dp, &g);
		dp_stats_sub(&g, &dp->cleared);
		dp_stats_add(out, &g);
	}
	pthread_rwlock_unlock(&dp->lock);
	return 0;
}

/* clear security ipsec statistics: baselines, the counters run on. */
static void
dp_us_stats_clear(struct dp *dp)
{
	pthread_rwlock_wrlock(&dp->lock);
	for (size_t d = 0; d < 2; d++)
		for (size_t i = 0; i < DP_NBUCKET; i++)
			for (struct dp_usa *u = dp->bucket[d][i]; u;
			     u = u->hnext) {
				memset(&u->base, 0, sizeof(u->base));
				esp_sa_stats(u->esp, &u->base);
			}
	memset(&dp->gone, 0, sizeof(dp->gone));
	dp_global(dp, &dp->cleared);
	pthread_rwlock_unlock(&dp->lock);
}

/*
 * One UDP 4500 socket per address family: iked hands over its IPv4 and
 * its IPv6 one, and each must keep a reader (an IKE_AUTH answer on the
 * IPv4 socket went unread while only the last one handed over was kept).
 */
static int
dp_us_set_encap_socket(struct dp *dp, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	int family = 0, *slot;
	socklen_t len = sizeof(family);

	if (fd < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0 ||
	    (family != AF_INET && family != AF_INET6))
		return -1;
	slot = family == AF_INET ? &dp->encap4 : &dp->encap6;
	if (*slot >= 0)
		epoll_ctl(dp->epoll_rx, EPOLL_CTL_DEL, *slot, NULL);
	*slot = fd;
	/* df-bit clear, the default, until an SA asks otherwise (dp_us_out.c)
	 */
	int dont = family == AF_INET ? IP_PMTUDISC_DONT : IPV6_PMTUDISC_DONT;
	if (setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		family == AF_INET ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, &dont,
		sizeof(dont)) < 0)
		log_warn("dataplane: UDP 4500 DF mode: %s", strerror(errno));
	*(family == AF_INET ? &dp->df_encap4 : &dp->df_encap6) = 0;
	if (epoll_ctl(dp->epoll_rx, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("dataplane: UDP 4500 socket: %s", strerror(errno));
		*slot = -1;
		return -1;
	}
	/* dp_us_out.c: UDP GSO out, UDP GRO in, where the kernel has them */
	int one = 1;
	dp->udp_gso = true;
	dp->udp_gro =
	    setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0;
	return 0;
}

static int
dp_raw_socket(struct dp *dp, int family)
{
	int fd = socket(
	    family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ESP);
	int off = family == AF_INET ? IP_PMTUDISC_DONT : IPV6_PMTUDISC_DONT;
	int buf = 4 << 20;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd < 0)
		return -1;
	/* df-bit clear (the Junos default): the kernel fragments */
	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &off, sizeof(off));
	else
		setsockopt(
		    fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (epoll_ctl(dp->epoll_rx, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The packet threads' knobs (dp_us_wait.c), read at open:
 * QSAFE_DP_LINGER_US, how long a packet thread polls after its last
 * packet before it sleeps (0 sleeps at once); QSAFE_DP_IDLE_MS, how long
 * the tx thread waits for a device's packet before one thread serves
 * both sides again (0: never).  def when unset or not 0..max.
 */
static unsigned
dp_env_uint(const char *name, unsigned def, unsigned max)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max) {
		log_warn(
		    "dataplane: %s=%s: not 0..%u, %u used", name, s, max, def);
		return def;
	}
	if (v != def)
		log_info("dataplane: %s=%lu", name, v);
	return (unsigned)v;
}

static void dp_us_close(struct dp *dp);

static struct dp *
dp_us_open(struct event_base *base, const struct dp_events *ev, void *ctx)
{
	struct dp *dp;
	pthread_rwlockattr_t attr;
	struct epoll_event stop = { .events = EPOLLIN };
	struct timeval sec = { 1, 0 };

	if ((dp = calloc(1, sizeof(*dp))) == NULL)
		return NULL;
	dp->base = base;
	dp->ev = ev;
	dp->ctx = ctx;
	dp->raw4 = dp->raw6 = dp->encap4 = dp->encap6 = dp->ctl = dp->stop_fd =
	    -1;
	dp->icmp4 = dp->icmp6 = dp->mtu4 = dp->mtu6 = -1;
	dp->df_raw4 = dp->df_raw6 = 0; /* dp_raw_socket: DF clear */
	dp->epoll_rx = dp->epoll_tx = dp->wake_fd = -1;
	dp->epoll_park = dp->kick_fd = -1;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&dp->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&dp->qlock, NULL);
	pthread_mutex_init(&dp->txlock, NULL);
	pthread_mutex_init(&dp->rxlock, NULL);
	pthread_mutex_init(&dp->modelock, NULL); /* dp_us_wait.c */
	if (RAND_bytes((uint8_t *)&dp->seed_x, sizeof(dp->seed_x)) != 1 ||
	    RAND_bytes((uint8_t *)&dp->seed_m, sizeof(dp->seed_m)) != 1)
		goto fail;
	dp->seed_m |= 1; /* odd: the multiplication is a bijection */
	if ((dp->algs = crypto_algs_new()) == NULL)
		goto fail;
	/* QSAFE_DP_OFFLOAD=0: plain TUN devices (to measure the difference) */
	const char *off = getenv("QSAFE_DP_OFFLOAD");
	dp->offload = off == NULL || strcmp(off, "0") != 0;
	dp->linger_us =
	    dp_env_uint("QSAFE_DP_LINGER_US", DP_LINGER_US, DP_LINGER_MAX);
	dp->idle_ms = dp_env_uint("QSAFE_DP_IDLE_MS", DP_IDLE_MS, DP_IDLE_MAX);
	for (size_t i = 0; i < DP_BATCH; i++)
		if ((dp->rxb.buf[i] = malloc(DP_BUF_LEN)) == NULL)
			goto fail;
	for (size_t i = 0; i < DP_NSEG; i++) {
		if ((dp->txq.seg[i] = malloc(DP_SEG_LEN)) == NULL)
			goto fail;
		dp->txq.data[i] = dp->txq.seg[i] + ESP_HEADROOM;
	}
	for (size_t i = 0; i < DP_NFRAG; i++) {
		if ((dp->txq.frag[i] = malloc(DP_SEG_LEN)) == NULL)
			goto fail;
		dp->txq.fdata[i] = dp->txq.frag[i] + ESP_HEADROOM;
	}
	if ((dp->txq.in = malloc(DP_BUF_LEN)) == NULL ||
	    (dp->gro.buf = malloc(DP_VNET_LEN + DP_GRO_MAX)) == NULL)
		goto fail;
	dp->epoll_rx = epoll_create1(EPOLL_CLOEXEC);
	dp->epoll_tx = epoll_create1(EPOLL_CLOEXEC);
	dp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (dp->epoll_rx < 0 || dp->epoll_tx < 0 || dp->stop_fd < 0 ||
	    dp->wake_fd < 0 || dp->ctl < 0)
		goto fail;
	stop.data.fd = dp->stop_fd;
	epoll_ctl(dp->epoll_rx, EPOLL_CTL_ADD, dp->stop_fd, &stop);
	stop.data.ptr = NULL;
	epoll_ctl(dp->epoll_tx, EPOLL_CTL_ADD, dp->stop_fd, &stop);
	if (dp_wait_init(dp) == -1)
		goto fail;
	if ((dp->raw4 = dp_raw_socket(dp, AF_INET)) < 0) {
		log_err("dataplane: raw ESP socket: %s", strerror(errno));
		goto fail;
	}
	if ((dp->raw6 = dp_raw_socket(dp, AF_INET6)) < 0)
		log_warn("dataplane: no IPv6 ESP socket: %s", strerror(errno));
	/* dp_us_out.c: fragmentation needed / packet too big, sent only */
	dp->icmp4 = socket(
	    AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
	dp->icmp6 = socket(
	    AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	if (dp->icmp4 < 0 || dp->icmp6 < 0)
		log_warn("dataplane: no ICMP socket: senders of packets too "
			 "big for the path are not told");
	else {
		/* nothing to read on them */
		int zero = 0;
		setsockopt(
		    dp->icmp4, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero));
		setsockopt(
		    dp->icmp6, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero));
	}
	dp->ari = dp_ari_new(); /* NULL: logged, no routes */
	dp->wake_ev =
	    event_new(base, dp->wake_fd, EV_READ | EV_PERSIST, dp_wake_cb, dp);
	dp->life_ev = event_new(base, -1, EV_PERSIST, dp_life_cb, dp);
	if (dp->wake_ev == NULL || dp->life_ev == NULL ||
	    event_add(dp->wake_ev, NULL) || event_add(dp->life_ev, &sec))
		goto fail;
	if (pthread_create(&dp->rx, NULL, dp_rx_main, dp) != 0)
		goto fail;
	dp->rx_started = true;
	if (pthread_create(&dp->tx, NULL, dp_tx_main, dp) != 0)
		goto fail;
	dp->tx_started = true;
	/* for ps, perf and tests/lab/test_dp_manual.sh */
	pthread_setname_np(dp->rx, "dp-rx");
	pthread_setname_np(dp->tx, "dp-tx");
	log_info("dataplane: userspace backend open");
	return dp;
fail:
	log_err("dataplane: the userspace backend cannot run here");
	dp_us_close(dp);
	return NULL;
}

static void
dp_us_close(struct dp *dp)
{
	uint64_t one = 1;

	if (dp == NULL)
		return;
	if (dp->stop_fd >= 0 && write(dp->stop_fd, &one, sizeof(one)) < 0)
		log_warn("dataplane: stop: %s", strerror(errno));
	if (dp->rx_started)
		pthread_join(dp->rx, NULL);
	if (dp->tx_started)
		pthread_join(dp->tx, NULL);
	for (size_t d = 0; d < 2; d++)
		for (size_t i = 0; i < DP_NBUCKET; i++)
			while (dp->bucket[d][i]) {
				struct dp_usa *u = dp->bucket[d][i];
				dp->bucket[d][i] = u->hnext;
				esp_sa_free(u->esp);
				free(u);
			}
	dp_pol_close(dp);
	for (struct dp_tun *t = dp->tuns, *n; t; t = n) {
		n = t->next;
		dp_lpm_free(t->out);
		close(t->fd);
		free(t);
	}
	for (size_t i = 0; i < dp->nike; i++)
		free(dp->ike[i].p);
	dp_ari_free(dp->ari);
	if (dp->wake_ev)
		event_free(dp->wake_ev);
	if (dp->life_ev)
		event_free(dp->life_ev);
	crypto_algs_free(dp->algs);
	int fds[] = { dp->raw4, dp->raw6, dp->icmp4, dp->icmp6, dp->ctl,
		dp->mtu4, dp->mtu6, dp->epoll_rx, dp->epoll_tx, dp->stop_fd,
		dp->wake_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* plaintext went through these */
	for (size_t i = 0; i < DP_BATCH; i++) {
		if (dp->rxb.buf[i])
			OPENSSL_cleanse(dp->rxb.buf[i], DP_BUF_LEN);
		free(dp->rxb.buf[i]);
	}
	for (size_t i = 0; i < DP_NSEG; i++) {
		if (dp->txq.seg[i])
			OPENSSL_cleanse(dp->txq.seg[i], DP_SEG_LEN);
		free(dp->txq.seg[i]);
	}
	for (size_t i = 0; i < DP_NFRAG; i++) {
		if (dp->txq.frag[i])
			OPENSSL_cleanse(dp->txq.frag[i], DP_SEG_LEN);
		free(dp->txq.frag[i]);
	}
	if (dp->txq.in)
		OPENSSL_cleanse(dp->txq.in, DP_BUF_LEN);
	if (dp->gro.buf)
		OPENSSL_cleanse(dp->gro.buf, DP_VNET_LEN + DP_GRO_MAX);
	free(dp->txq.in);
	free(dp->gro.buf);
	pthread_rwlock_destroy(&dp->lock);
	pthread_mutex_destroy(&dp->qlock);
	pthread_mutex_destroy(&dp->txlock);
	pthread_mutex_destroy(&dp->rxlock);
	dp_wait_close(dp);
	free(dp);
}

const struct dp_ops dp_userspace_ops = {
	.name = "userspace",
	.open = dp_us_open,
	.close = dp_us_close,
	.sa_add = dp_us_sa_add,
	.sa_del = dp_us_sa_del,
	.sa_peer = dp_us_sa_peer,
	.sa_stats = dp_us_sa_stats,
	.stats = dp_us_stats,
	.stats_clear = dp_us_stats_clear,
	.set_encap_socket = dp_us_set_encap_socket,
	.trap_set = dp_pol_trap_set,
	.trap_del = dp_pol_trap_del,
};
