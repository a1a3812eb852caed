/*
 * test_dp_udp: the userspace backend end to end with ESP in UDP (RFC
 * 3948), in a network namespace of the test's own (unshare: it goes with
 * the process; root only, 77 otherwise).  The backend gets the UDP 4500
 * socket on 127.0.0.1; the test plays the peer on 127.0.0.1:4501 with an
 * esp.c state of its own, and the hosts on both sides with sockets:
 *   tx  datagrams routed into st0.77 arrive at the peer as ESP in UDP from
 *       port 4500, each one decrypts to what was sent, in order;
 *   rx  ESP in UDP from the peer, one datagram each and then as one UDP
 *       GSO send (the backend reads with UDP_GRO), reaches the host socket
 *       behind st0.77; an IKE message behind the non-ESP marker reaches
 *       ike_packet on the loop, marker removed.
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
#include <linux/udp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "iked/dp.h"
#include "iked/esp.h"
#include "iked/ikev2.h"
#include "tests/iked/dp_fixture.h"
#include "tests/lib/check_main.h"

#define N 40
#define PLEN 1000

static struct event_base *base;
static struct dp *dp;
static int encap, peer;
static uint8_t ike_seen[64];
static size_t ike_len;

static void
on_ike(void *ctx, const uint8_t *p, size_t len, const struct sockaddr *from,
    const struct sockaddr *to)
{
	(void)ctx;
	(void)from;
	(void)to;
	ike_len = len < sizeof(ike_seen) ? len : sizeof(ike_seen);
	memcpy(ike_seen, p, ike_len);
}

static const struct dp_events events = { .ike_packet = on_ike };

static void
mk_sa(struct dp_sa *sa, uint32_t spi, bool inbound, uint8_t k)
{
	memset(sa, 0, sizeof(*sa));
	sa->spi = spi;
	sa->inbound = inbound;
	sa->tunnel_id = 500077;
	snprintf(sa->ifname, sizeof(sa->ifname), "st0.77");
	sa->local.family = sa->remote.family = AF_INET;
	sa->local.u.v4.s_addr = sa->remote.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	sa->encap_sport = 4500;
	sa->encap_dport = 4501;
	sa->encr = crypto_encr(ENCR_AES_GCM_16, 128);
	for (size_t i = 0; i < 20; i++)
		sa->enc_key[i] = (uint8_t)(k + i);
	sa->df = DP_DF_CLEAR;
}

static void
setup(void)
{
	struct dp_sa out, in;
	int one = 1;

	/* no IPv6 chatter (router solicitations) into st0.77 */
	ck_assert_int_eq(system("ip link set lo up && sysctl -qw "
				"net.ipv6.conf.default.disable_ipv6=1"),
	    0);
	base = event_base_new();
	dp = dp_userspace_ops.open(base, &events, NULL);
	ck_assert_ptr_nonnull(dp);
	encap = udp_bound("127.0.0.1", 4500);
	ck_assert_int_eq(dp_userspace_ops.set_encap_socket(dp, encap), 0);
	peer = udp_bound("127.0.0.1", 4501);
	setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 22 }, sizeof(int));
	(void)one;
	mk_sa(&out, 0x1000, false, 1);
	mk_sa(&in, 0x2000, true, 2);
	ck_assert_int_eq(dp_userspace_ops.sa_add(dp, &out), 0);
	ck_assert_int_eq(dp_userspace_ops.sa_add(dp, &in), 0);
	ck_assert_int_eq(system("ip addr add 10.9.0.1/24 dev st0.77"), 0);
}

static void
teardown(void)
{
	dp_userspace_ops.close(dp);
	close(encap);
	close(peer);
	event_base_free(base);
}

START_TEST(tx_udp)
{
	struct dp_sa k;
	struct esp_sa *dec;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int app = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t msg[PLEN], buf[4096];

	mk_sa(&k, 0x1000, true, 1); /* the peer's view of our out SA */
	dec = esp_sa_new(&k);
	inet_pton(AF_INET, "10.9.0.2", &to.sin_addr);
	/* all at once (one sendmmsg): the tx thread finds a batch in st0.77 */
	static uint8_t all[N][PLEN];
	struct mmsghdr mm[N];
	struct iovec iv[N];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < N; i++) {
		memset(all[i], i, PLEN);
		iv[i] = (struct iovec){ all[i], PLEN };
		mm[i].msg_hdr.msg_iov = &iv[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &to;
		mm[i].msg_hdr.msg_namelen = sizeof(to);
	}
	ck_assert_int_eq(sendmmsg(app, mm, N, 0), N);
	for (int i = 0; i < N; i++) {
		ssize_t n = recv_poll(base, peer, buf + 64, sizeof(buf) - 64);
		struct esp_buf b = { buf, sizeof(buf), 64, (size_t)n };
		ck_assert_msg(
		    n > 0, "ESP datagram %d of %d did not come", i, N);
		ck_assert_int_eq(esp_decap(dec, &b), ESP_OK);
		/* IPv4 (20) + UDP (8) + the datagram, to 10.9.0.2:9 */
		ck_assert_uint_eq(b.len, 28 + PLEN);
		ck_assert_uint_eq(buf[b.off + 16], 10);
		ck_assert_uint_eq(buf[b.off + 19], 2);
		memset(msg, i, sizeof(msg));
		ck_assert(memcmp(buf + b.off + 28, msg, PLEN) == 0);
	}
	esp_sa_free(dec);
	close(app);
}
END_TEST

/* An inner IPv4/UDP packet 10.9.0.2:5000 -> 10.9.0.1:7777, its ESP. */
static size_t
mk_esp(struct esp_sa *enc, uint8_t *buf, size_t cap, int i)
{
	uint8_t *p = buf + 64;
	size_t len = 28 + PLEN;
	uint32_t s = 0;
	struct esp_buf b = { buf, cap, 64, len };

	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	p[12] = 10, p[13] = 9, p[15] = 2;
	p[16] = 10, p[17] = 9, p[19] = 1;
	for (int j = 0; j < 20; j += 2)
		s += (uint32_t)(p[j] << 8 | p[j + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	p[10] = (uint8_t)(~s >> 8);
	p[11] = (uint8_t)~s;
	p[20] = 5000 >> 8, p[21] = 5000 & 0xff;
	p[22] = 7777 >> 8, p[23] = 7777 & 0xff;
	p[24] = (uint8_t)((8 + PLEN) >> 8), p[25] = (uint8_t)(8 + PLEN);
	memset(p + 28, 0x40 + i, PLEN); /* UDP checksum 0: none */
	ck_assert_int_eq(esp_encap(enc, &b), ESP_OK);
	memmove(buf, buf + b.off, b.len);
	return b.len;
}

START_TEST(rx_udp)
{
	struct dp_sa k;
	struct esp_sa *enc;
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_port = htons(4500) };
	int app = udp_bound("10.9.0.1", 7777);
	uint8_t buf[4096], all[N * 1100], got[2048];
	size_t len = 0, one = 0;

	mk_sa(&k, 0x2000, false, 2); /* the peer's view of our in SA */
	enc = esp_sa_new(&k);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* one datagram each */
	for (int i = 0; i < N / 2; i++) {
		len = mk_esp(enc, buf, sizeof(buf), i);
		ck_assert_int_eq(sendto(peer, buf, len, 0,
				     (struct sockaddr *)&to, sizeof(to)),
		    (ssize_t)len);
	}
	for (int i = 0; i < N / 2; i++) {
		ssize_t n = recv_poll(base, app, got, sizeof(got));
		ck_assert_msg(n == PLEN, "datagram %d: %zd", i, n);
		ck_assert_uint_eq(got[0], 0x40 + i);
	}
	/* then N/2 of them in one UDP GSO send: one super-datagram */
	for (int i = N / 2; i < N; i++) {
		one = mk_esp(enc, buf, sizeof(buf), i);
		memcpy(all + (size_t)(i - N / 2) * one, buf, one);
	}
	{
		int seg = (int)one;
		ck_assert_int_eq(setsockopt(peer, IPPROTO_UDP, UDP_SEGMENT,
				     &seg, sizeof(seg)),
		    0);
		ck_assert_int_eq(sendto(peer, all, one * (N / 2), 0,
				     (struct sockaddr *)&to, sizeof(to)),
		    (ssize_t)(one * (N / 2)));
		seg = 0;
		setsockopt(peer, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg));
	}
	for (int i = N / 2; i < N; i++) {
		ssize_t n = recv_poll(base, app, got, sizeof(got));
		ck_assert_msg(n == PLEN, "GSO datagram %d: %zd", i, n);
		ck_assert_uint_eq(got[0], 0x40 + i);
	}
	/* RFC 3948 2.2: IKE behind the non-ESP marker goes to iked */
	memcpy(buf, "\0\0\0\0ike-message", 15);
	ck_assert_int_eq(
	    sendto(peer, buf, 15, 0, (struct sockaddr *)&to, sizeof(to)), 15);
	for (int i = 0; i < 200 && ike_len == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 10);
	}
	ck_assert_uint_eq(ike_len, 11);
	ck_assert(memcmp(ike_seen, "ike-message", 11) == 0);
	esp_sa_free(enc);
	close(app);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dp-udp");
	TCase *tc = tcase_create("dp-udp");

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root (a network namespace)\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tx_udp);
	tcase_add_test(tc, rx_udp);
	suite_add_tcase(s, tc);
	return check_main(CHECK_NOFORK, s, NULL);
}
