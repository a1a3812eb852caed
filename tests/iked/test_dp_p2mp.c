/*
 * test_dp_p2mp: the userspace backend's point-to-multipoint st0 device,
 * its routes for traffic selectors, its inbound selector check and the
 * outer DF bit of ESP in UDP, in a network namespace of the test's own
 * (unshare; root only, 77 otherwise).  Peers are UDP sockets on
 * 127.0.0.1:4601.. that decrypt with esp.c states of their own; the
 * test adds no route: what reaches st0.78 is routed there by the routes
 * the backend inserts (dp_ari.h).
 *   tx      three outbound SAs on st0.78 (10.1.1.0/24, 10.1.2.0/24,
 *           10.1.0.0/16, each to its own peer): each gets its route (the
 *           /16's with its selector's metric); each destination reaches
 *           the peer of its longest prefix; an address outside them has
 *           no route; an SA deleted takes its route and its prefix, the
 *           /16 then carries that traffic;
 *   rekey   a second SA of the same selector takes the traffic, its
 *           deletion gives it back to the first, the route staying;
 *   rx_ts   ESP whose inner source is outside the inbound SA's remote
 *           selector is dropped and counted (err_ts, RFC 4301 5.2);
 *   df      ESP in UDP leaves with the outer DF that df-bit asks for
 *           (set, clear, copy from the inner header), seen by a raw
 *           socket on the peer's side.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "iked/dp.h"
#include "iked/esp.h"
#include "iked/ikev2.h"
#include "tests/iked/dp_fixture.h"
#include "tests/lib/check_main.h"

static struct event_base *base;
static struct dp *dp;
static int encap, peer[3];

static const struct dp_events events = { 0 };

/* An SA of st0.78 to/from peer port dport, remote selector a..b. */
static void
mk_sa(struct dp_sa *sa, uint32_t spi, bool inbound, uint8_t k, uint16_t dport,
    const char *a, const char *b, enum dp_df df)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->inbound = inbound;
	sa->tunnel_id = 500078;
	snprintf(sa->ifname, sizeof(sa->ifname), "st0.78");
	sa->local.family = sa->remote.family = AF_INET;
	sa->local.u.v4.s_addr = sa->remote.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	sa->encap_sport = 4500;
	sa->encap_dport = dport;
	sa->encr = crypto_encr(ENCR_AES_GCM_16, 128);
	for (size_t i = 0; i < 20; i++)
		sa->enc_key[i] = (uint8_t)(k + i);
	sa->nsel_local = sa->nsel_remote = 1;
	sel4(&sa->sel_local[0], "10.9.0.0", "10.9.0.255");
	sel4(&sa->sel_remote[0], a, b);
	sa->df = df;
	sa->ari = true;
	sa->ari_metric = spi == 0x1003 ? 30 : 0;
}

static void
add(uint32_t spi, bool in, uint8_t k, uint16_t dport, const char *a,
    const char *b, enum dp_df df)
{
	struct dp_sa sa;

	mk_sa(&sa, spi, in, k, dport, a, b, df);
	ck_assert_int_eq(dp_userspace_ops.sa_add(dp, &sa), 0);
}

static void
setup(void)
{
	ck_assert_int_eq(system("ip link set lo up && sysctl -qw "
				"net.ipv6.conf.default.disable_ipv6=1"),
	    0);
	base = event_base_new();
	dp = dp_userspace_ops.open(base, &events, NULL);
	ck_assert_ptr_nonnull(dp);
	encap = udp_bound("127.0.0.1", 4500);
	ck_assert_int_eq(dp_userspace_ops.set_encap_socket(dp, encap), 0);
	for (int i = 0; i < 3; i++)
		peer[i] = udp_bound("127.0.0.1", (uint16_t)(4601 + i));
	/* an inbound SA makes the device; the host's address on it */
	add(0x2001, true, 9, 4601, "10.1.1.0", "10.1.1.255", DP_DF_CLEAR);
	ck_assert_int_eq(system("ip addr add 10.9.0.1/24 dev st0.78"), 0);
}

static void
teardown(void)
{
	dp_userspace_ops.close(dp);
	close(encap);
	for (int i = 0; i < 3; i++)
		close(peer[i]);
	event_base_free(base);
}

/* A datagram to addr:9 from the host; errno's value when refused. */
static int
send_to(const char *addr, const char *text, int pmtudisc)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc = 0;

	inet_pton(AF_INET, addr, &to.sin_addr);
	setsockopt(
	    fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtudisc, sizeof(pmtudisc));
	if (sendto(fd, text, strlen(text), 0, (struct sockaddr *)&to,
		sizeof(to)) < 0)
		rc = errno;
	close(fd);
	return rc;
}

/*
 * The ESP datagram that peer p receives decrypted with the key of SA
 * spi (key k): its inner destination and payload are addr and text.
 */
static void
expect(int p, uint32_t spi, uint8_t k, const char *addr, const char *text)
{
	struct dp_sa kk;
	struct esp_sa *dec;
	uint8_t buf[2048], dst[4];
	ssize_t n = recv_poll(base, peer[p], buf + 64, sizeof(buf) - 64);
	struct esp_buf b = { buf, sizeof(buf), 64, (size_t)(n > 0 ? n : 0) };

	ck_assert_msg(n > 0, "nothing for %s at peer %d", addr, p);
	ck_assert_uint_eq(
	    (uint32_t)buf[64] << 24 | buf[65] << 16 | buf[66] << 8 | buf[67],
	    spi);
	mk_sa(&kk, spi, true, k, 0, "0.0.0.0", "255.255.255.255", DP_DF_CLEAR);
	kk.nsel_local = kk.nsel_remote = 0;
	dec = esp_sa_new(&kk);
	ck_assert_int_eq(esp_decap(dec, &b), ESP_OK);
	inet_pton(AF_INET, addr, dst);
	ck_assert(memcmp(buf + b.off + 16, dst, 4) == 0);
	ck_assert_uint_eq(b.len, 28 + strlen(text));
	ck_assert(memcmp(buf + b.off + 28, text, strlen(text)) == 0);
	esp_sa_free(dec);
}

static bool
routed(const char *addr)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	inet_pton(AF_INET, addr, &to.sin_addr);
	ok = connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0;
	close(fd);
	return ok;
}

START_TEST(tx)
{
	ck_assert(!routed("10.1.1.5"));
	add(0x1001, false, 1, 4601, "10.1.1.0", "10.1.1.255", DP_DF_CLEAR);
	add(0x1002, false, 2, 4602, "10.1.2.0", "10.1.2.255", DP_DF_CLEAR);
	add(0x1003, false, 3, 4603, "10.1.0.0", "10.1.255.255", DP_DF_CLEAR);
	/* iked's routes: protocol 99, the default metric or the selector's */
	ck_assert_int_eq(
	    system("ip route show proto 99 | grep -q "
		   "'^10.1.1.0/24 dev st0.78 scope link metric 5'"),
	    0);
	ck_assert_int_eq(
	    system("ip route show proto 99 | grep -q "
		   "'^10.1.0.0/16 dev st0.78 scope link metric 30'"),
	    0);
	ck_assert_int_eq(send_to("10.1.2.5", "to-b", IP_PMTUDISC_DONT), 0);
	ck_assert_int_eq(send_to("10.1.1.5", "to-a", IP_PMTUDISC_DONT), 0);
	ck_assert_int_eq(send_to("10.1.3.5", "to-c", IP_PMTUDISC_DONT), 0);
	expect(0, 0x1001, 1, "10.1.1.5", "to-a");
	expect(1, 0x1002, 2, "10.1.2.5", "to-b");
	expect(2, 0x1003, 3, "10.1.3.5", "to-c");
	/* nothing routes outside the selectors */
	ck_assert(!routed("10.2.0.1"));
	/* B goes: its route and prefix with it, the /16 takes 10.1.2.x */
	ck_assert_int_eq(dp_userspace_ops.sa_del(dp, 0x1002, false), 0);
	ck_assert_int_eq(send_to("10.1.2.6", "to-c2", IP_PMTUDISC_DONT), 0);
	expect(2, 0x1003, 3, "10.1.2.6", "to-c2");
	ck_assert_int_eq(dp_userspace_ops.sa_del(dp, 0x1003, false), 0);
	ck_assert(!routed("10.1.2.6"));
	ck_assert(routed("10.1.1.6"));
	ck_assert_int_eq(dp_userspace_ops.sa_del(dp, 0x1001, false), 0);
	ck_assert(!routed("10.1.1.6"));
}
END_TEST

START_TEST(rekey)
{
	add(0x1001, false, 1, 4601, "10.1.1.0", "10.1.1.255", DP_DF_CLEAR);
	add(0x1011, false, 11, 4601, "10.1.1.0", "10.1.1.255", DP_DF_CLEAR);
	ck_assert_int_eq(send_to("10.1.1.5", "new", IP_PMTUDISC_DONT), 0);
	expect(0, 0x1011, 11, "10.1.1.5", "new");
	ck_assert_int_eq(dp_userspace_ops.sa_del(dp, 0x1011, false), 0);
	ck_assert(routed("10.1.1.5")); /* the old SA still holds it */
	ck_assert_int_eq(send_to("10.1.1.5", "old", IP_PMTUDISC_DONT), 0);
	expect(0, 0x1001, 1, "10.1.1.5", "old");
}
END_TEST

/* ESP for SA 0x2001 (key 9): 10.1.x.y:5000 -> 10.9.0.1:7777, "hello". */
static size_t
mk_esp(struct esp_sa *enc, uint8_t *buf, size_t cap, const char *src)
{
	uint8_t *p = buf + 64;
	size_t len = 28 + 5;
	uint32_t s = 0;
	struct esp_buf b = { buf, cap, 64, len };

	memset(p, 0, 28);
	p[0] = 0x45;
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, "10.9.0.1", p + 16);
	for (int j = 0; j < 20; j += 2)
		s += (uint32_t)(p[j] << 8 | p[j + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	p[10] = (uint8_t)(~s >> 8);
	p[11] = (uint8_t)~s;
	p[20] = 5000 >> 8, p[21] = 5000 & 0xff;
	p[22] = 7777 >> 8, p[23] = 7777 & 0xff;
	p[25] = 8 + 5;
	memcpy(p + 28, "hello", 5);
	ck_assert_int_eq(esp_encap(enc, &b), ESP_OK);
	memmove(buf, buf + b.off, b.len);
	return b.len;
}

START_TEST(rx_ts)
{
	struct dp_sa k;
	struct esp_sa *enc;
	struct dp_stats st;
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_port = htons(4500) };
	int app = udp_bound("10.9.0.1", 7777);
	uint8_t buf[2048];
	size_t len;

	mk_sa(
	    &k, 0x2001, false, 9, 0, "0.0.0.0", "255.255.255.255", DP_DF_CLEAR);
	k.nsel_local = k.nsel_remote = 0;
	enc = esp_sa_new(&k);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = mk_esp(enc, buf, sizeof(buf), "10.1.9.9"); /* outside */
	ck_assert_int_eq(
	    sendto(peer[0], buf, len, 0, (struct sockaddr *)&to, sizeof(to)),
	    (ssize_t)len);
	len = mk_esp(enc, buf, sizeof(buf), "10.1.1.7"); /* inside */
	ck_assert_int_eq(
	    sendto(peer[0], buf, len, 0, (struct sockaddr *)&to, sizeof(to)),
	    (ssize_t)len);
	ck_assert_int_eq(recv_poll(base, app, buf, sizeof(buf)), 5);
	ck_assert_int_lt(recv(app, buf, sizeof(buf), MSG_DONTWAIT), 0);
	ck_assert_int_eq(dp_userspace_ops.sa_stats(dp, 0x2001, true, &st), 0);
	ck_assert_uint_eq(st.err_ts, 1);
	ck_assert_uint_eq(st.dec_packets, 2);
	esp_sa_free(enc);
	close(app);
}
END_TEST

/* The outer DF of the next ESP datagram to port 4601, seen raw. */
static int
outer_df(int raw)
{
	uint8_t b[2048];

	for (int i = 0; i < 200; i++) {
		ssize_t n = recv(raw, b, sizeof(b), MSG_DONTWAIT);
		if (n >= 28) {
			size_t ihl = (size_t)(b[0] & 0x0f) * 4;
			if (b[9] == 17 && (size_t)n >= ihl + 8 &&
			    (b[ihl + 2] << 8 | b[ihl + 3]) == 4601)
				return (b[6] & 0x40) != 0;
			continue;
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 10);
	}
	return -1;
}

START_TEST(df)
{
	static const struct {
		enum dp_df df;
		int inner, want;
	} c[] = {
		{ DP_DF_SET, IP_PMTUDISC_DONT, 1 },
		{ DP_DF_CLEAR, IP_PMTUDISC_DO, 0 },
		{ DP_DF_COPY, IP_PMTUDISC_DO, 1 },
		{ DP_DF_COPY, IP_PMTUDISC_DONT, 0 },
		{ DP_DF_SET, IP_PMTUDISC_DONT, 1 },
	};
	int raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_UDP);

	ck_assert_int_ge(raw, 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t spi = 0x3000 + (uint32_t)i;
		add(spi, false, 5, 4601, "10.1.1.0", "10.1.1.255", c[i].df);
		ck_assert_int_eq(send_to("10.1.1.5", "df", c[i].inner), 0);
		ck_assert_msg(outer_df(raw) == c[i].want,
		    "case %zu: outer DF is not %d", i, c[i].want);
		expect(0, spi, 5, "10.1.1.5", "df");
		ck_assert_int_eq(dp_userspace_ops.sa_del(dp, spi, false), 0);
	}
	close(raw);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dp-p2mp");
	TCase *tc = tcase_create("dp-p2mp");

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (a network namespace)\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tx);
	tcase_add_test(tc, rekey);
	tcase_add_test(tc, rx_ts);
	tcase_add_test(tc, df);
	suite_add_tcase(s, tc);
	return check_main(CHECK_NOFORK, s, NULL);
}
