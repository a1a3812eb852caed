/*
 * test_net: iked's UDP sockets (iked/net.h) and its key source
 * (iked/keysrc.h), on loopback and a unix socket of the test's own.
 *
 * net: a message sent to the NAT-T port travels with the non-ESP marker
 * and arrives without it; NAT-keepalives, ESP and runts are dropped; the
 * address a datagram came to is reported, and a reply leaves from the
 * local address the engine names; once the dataplane has the NAT-T
 * socket, IKE to that port still comes to net and ESP does not.  keysrc:
 * replies matched by id in the order keymgr sends them, keymgr's error tokens,
 * answers on the loop (never inside get_key) when keymgr is not there or goes
 * away.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "iked/ikev2.h"
#include "iked/keysrc.h"
#include "iked/net.h"
#include "proto/proto_keymgr.h"
#include "lib/log.h"
#include "lib/msg.h"
#include "tests/lib/check_main.h"

/* What the net handed to its input. */
struct got {
	int n;
	uint8_t exch[64]; /* each message's exchange type, in order */
	uint8_t p[256];
	size_t len;
	struct sockaddr_in remote, local;
};

static void
t_input(void *ctx, const uint8_t *p, size_t len, const struct sockaddr *remote,
    const struct sockaddr *local)
{
	struct got *g = ctx;

	if (g->n < (int)sizeof(g->exch) && len > 18)
		g->exch[g->n] = p[18];
	g->n++;
	g->len = len < sizeof(g->p) ? len : sizeof(g->p);
	memcpy(g->p, p, g->len);
	memcpy(&g->remote, remote, sizeof(g->remote));
	memcpy(&g->local, local, sizeof(g->local));
}

static struct sockaddr_in
t_sin(const char *a, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons(port) };

	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

/* Runs the loop until g has n messages or 2 s went by. */
static void
t_run(struct event_base *base, struct got *g, int n)
{
	for (int i = 0; i < 200 && g->n < n; i++) {
		struct timeval tv = { 0, 10000 };
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* A net on two free loopback ports: a base from the PID, then the next. */
static struct net *
t_net(struct event_base *base, struct got *g, uint16_t *ike, uint16_t *natt)
{
	for (int i = 0; i < 50; i++) {
		*ike = (uint16_t)(20000 + (getpid() * 7 + i * 2) % 20000);
		*natt = (uint16_t)(*ike + 1);
		struct net *n = net_new(base, *ike, *natt, t_input, g);
		if (net_nsockets(n) >= 2 && net_encap_fd(n, AF_INET) != -1)
			return n;
		net_free(n);
	}
	ck_abort_msg("no free loopback ports");
	return NULL;
}

START_TEST(test_net_marker_and_source)
{
	struct event_base *base = event_base_new();
	struct got g = { 0 };
	uint16_t ike, natt;
	struct net *n = t_net(base, &g, &ike, &natt);
	uint8_t msg[IKE_HDR_LEN + 4];
	struct sockaddr_in to, from, src;
	socklen_t sl = sizeof(src);
	int u;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i + 1);
	/* to our own NAT-T port: the marker goes on the wire and comes off */
	to = t_sin("127.0.0.1", natt);
	from = t_sin("127.0.0.1", natt);
	ck_assert_int_eq(net_io.send(n, msg, sizeof(msg),
			     (struct sockaddr *)&from, (struct sockaddr *)&to),
	    0);
	t_run(base, &g, 1);
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.len, sizeof(msg));
	ck_assert_mem_eq(g.p, msg, sizeof(msg));
	ck_assert_uint_eq(ntohs(g.local.sin_port), natt);
	ck_assert_uint_eq(ntohs(g.remote.sin_port), natt);

	/* from outside: keepalive, ESP, a runt dropped; the local address is
	 * the one the datagram was sent to */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	src = t_sin("127.0.0.1", 0);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&src, sizeof(src)), 0);
	to = t_sin("127.0.0.3", natt);
	sendto(u, "\xff", 1, 0, (struct sockaddr *)&to, sizeof(to));
	static const char esp[] = "\x01\x02\x03\x04 esp payload of no interest";
	sendto(u, esp, sizeof(esp) - 1, 0, (struct sockaddr *)&to, sizeof(to));
	sendto(u, "\0\0\0\0short", 9, 0, (struct sockaddr *)&to, sizeof(to));
	to = t_sin("127.0.0.3", ike);
	sendto(u, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to));
	t_run(base, &g, 2);
	ck_assert_int_eq(g.n, 2);
	ck_assert_uint_eq(g.len, sizeof(msg));
	ck_assert_uint_eq(ntohl(g.local.sin_addr.s_addr), 0x7f000003);
	ck_assert_uint_eq(ntohs(g.local.sin_port), ike);

	/* the reply leaves from the address the engine names */
	getsockname(u, (struct sockaddr *)&src, &sl);
	from = t_sin("127.0.0.3", ike);
	ck_assert_int_eq(net_io.send(n, msg, sizeof(msg),
			     (struct sockaddr *)&from, (struct sockaddr *)&src),
	    0);
	struct pollfd pfd = { u, POLLIN, 0 };
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	uint8_t buf[128];
	struct sockaddr_in who;
	socklen_t wl = sizeof(who);
	ssize_t r =
	    recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&who, &wl);
	ck_assert_int_eq(r, (ssize_t)sizeof(msg));
	ck_assert_uint_eq(ntohl(who.sin_addr.s_addr), 0x7f000003);
	ck_assert_uint_eq(ntohs(who.sin_port), ike);
	close(u);
	net_free(n);
	event_base_free(base);
}
END_TEST

/*
 * After the hand-over of the NAT-T port (the dataplane reads its socket),
 * IKE sent there still reaches the engine from the loop, with the address
 * it came to, and ESP and a NAT-keepalive reach the dataplane's socket
 * only.  Without net_split every one of them landed on the dataplane's.
 */
START_TEST(test_net_natt_split)
{
	struct event_base *base = event_base_new();
	struct got g = { 0 };
	uint16_t ike, natt;
	struct net *n = t_net(base, &g, &ike, &natt);
	int dpfd = net_encap_fd(n, AF_INET);
	uint8_t msg[4 + IKE_HDR_LEN + 4] = { 0 };
	static const char esp[] = "\x01\x02\x03\x04 esp payload";
	struct sockaddr_in to = t_sin("127.0.0.3", natt);
	struct sockaddr_in src = t_sin("127.0.0.1", 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	net_handover(n, AF_INET); /* as iked_dp_open does */
	for (size_t i = 4; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	ck_assert_int_eq(bind(u, (struct sockaddr *)&src, sizeof(src)), 0);
	for (int i = 0; i < 8; i++) { /* more than one to a hash's luck */
		sendto(
		    u, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to));
		sendto(u, esp, sizeof(esp) - 1, 0, (struct sockaddr *)&to,
		    sizeof(to));
		sendto(u, "\xff", 1, 0, (struct sockaddr *)&to, sizeof(to));
	}
	t_run(base, &g, 8);
	ck_assert_int_eq(g.n, 8);
	ck_assert_uint_eq(g.len, sizeof(msg) - 4);
	ck_assert_mem_eq(g.p, msg + 4, sizeof(msg) - 4);
	ck_assert_uint_eq(ntohl(g.local.sin_addr.s_addr), 0x7f000003);
	ck_assert_uint_eq(ntohs(g.local.sin_port), natt);

	/* the dataplane's socket: the 8 ESP and 8 keepalives, no IKE */
	int esps = 0, kas = 0, other = 0;
	struct pollfd pfd = { dpfd, POLLIN, 0 };
	while (poll(&pfd, 1, 200) == 1) {
		uint8_t buf[128];
		ssize_t r = recv(dpfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0)
			break;
		if (r == (ssize_t)sizeof(esp) - 1 &&
		    memcmp(buf, esp, sizeof(esp) - 1) == 0)
			esps++;
		else if (r == 1 && buf[0] == 0xff)
			kas++;
		else
			other++;
	}
	ck_assert_int_eq(esps, 8);
	ck_assert_int_eq(kas, 8);
	ck_assert_int_eq(other, 0);
	close(u);
	net_free(n);
	event_base_free(base);
}
END_TEST

/* An IKE header (RFC 7296 3.1) of exchange type exch, a request. */
static void
t_hdr(uint8_t *h, uint8_t exch, uint8_t spi)
{
	memset(h, 0, IKE_HDR_LEN);
	memset(h, spi, 8); /* the initiator's SPI */
	h[17] = IKEV2_VERSION;
	h[18] = exch;
	h[19] = IKE_FLAG_INITIATOR;
	h[27] = IKE_HDR_LEN;
}

START_TEST(test_net_established_first)
{
	struct event_base *base = event_base_new();
	struct got g = { 0 };
	uint16_t ike, natt;
	struct net *n = t_net(base, &g, &ike, &natt);
	struct sockaddr_in to = t_sin("127.0.0.1", ike), src;
	uint8_t h[IKE_HDR_LEN];
	int u = socket(AF_INET, SOCK_DGRAM, 0), k = 0;

	src = t_sin("127.0.0.1", 0);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&src, sizeof(src)), 0);
	/* a burst of new SAs' IKE_SA_INITs, then an SA's liveness check
	 * (an INFORMATIONAL request), all in the socket before iked reads */
	for (int i = 0; i < 40; i++) {
		t_hdr(h, IKE_SA_INIT, (uint8_t)(i + 1));
		ck_assert_int_eq(sendto(u, h, sizeof(h), 0,
				     (struct sockaddr *)&to, sizeof(to)),
		    (ssize_t)sizeof(h));
	}
	t_hdr(h, INFORMATIONAL, 0xee);
	h[8] = 1; /* the responder's SPI: an SA that exists */
	ck_assert_int_eq(
	    sendto(u, h, sizeof(h), 0, (struct sockaddr *)&to, sizeof(to)),
	    (ssize_t)sizeof(h));
	t_run(base, &g, 41);
	ck_assert_int_eq(g.n, 41);
	/* the liveness check went to the engine before any of them, and
	 * every IKE_SA_INIT still arrived, in the order sent */
	ck_assert_uint_eq(g.exch[0], INFORMATIONAL);
	for (int i = 1; i < 41; i++)
		k += g.exch[i] == IKE_SA_INIT;
	ck_assert_int_eq(k, 40);
	ck_assert_uint_eq(g.p[0], 40);
	close(u);
	net_free(n);
	event_base_free(base);
}
END_TEST

/* keysrc: what the engine's callback got. */
struct answer {
	int calls;
	char key_id[64], error[32];
	uint8_t key[64];
	size_t len;
};

static int in_request;

static void
t_done(void *cb_ctx, const char *key_id, const uint8_t *key, size_t len,
    const char *error)
{
	struct answer *a = cb_ctx;

	ck_assert_int_eq(in_request, 0); /* never from inside get_key */
	a->calls++;
	snprintf(a->key_id, sizeof(a->key_id), "%s", key_id ? key_id : "");
	snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
	a->len = len < sizeof(a->key) ? len : sizeof(a->key);
	if (key != NULL)
		memcpy(a->key, key, a->len);
}

static void
t_wait(struct event_base *base, const struct answer *a)
{
	for (int i = 0; i < 200 && a->calls == 0; i++) {
		struct timeval tv = { 0, 10000 };
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

/* Lets keysrc write what it queued. */
static void
t_spin(struct event_base *base)
{
	struct timeval tv = { 0, 50000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

START_TEST(test_keysrc)
{
	struct event_base *base = event_base_new();
	char dir[] = "/tmp/ikd-test-km.XXXXXX", path[128];
	struct answer a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	struct keysrc *k;
	json_t *r1, *r2;
	int l, s;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, KEYMGR_SOCKET_NAME);
	k = keysrc_new(base, path);

	/* no keymgr: "connect", answered on the loop */
	in_request = 1;
	keysrc_ops.get_key(k, "KP", t_done, &d);
	in_request = 0;
	ck_assert_int_eq(d.calls, 0);
	t_wait(base, &d);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_str_eq(d.error, "connect");

	ck_assert_int_ne(l = msg_listen(path, 0600), -1);
	in_request = 1;
	keysrc_ops.get_key(k, "KP", t_done, &a);
	keysrc_ops.get_key_by_id(k, "KP", "peer-id-7", t_done, &b);
	in_request = 0;
	ck_assert_int_ne(s = accept(l, NULL, NULL), -1);
	t_spin(base);
	r1 = msg_recv(s, 2000);
	r2 = msg_recv(s, 2000);
	ck_assert_ptr_nonnull(r1);
	ck_assert_ptr_nonnull(r2);
	ck_assert_str_eq(msg_str(r1, "op"), KM_OP_GET_KEY);
	ck_assert_str_eq(msg_str(r2, "op"), KM_OP_GET_KEY_BY_ID);
	ck_assert_str_eq(msg_str(r2, "key_id"), "peer-id-7");
	ck_assert_str_eq(msg_str(r2, "profile"), "KP");
	/* the second answered first */
	json_t *rep = json_pack("{s:O,s:b,s:s,s:s,s:i}", "id",
	    json_object_get(r2, "id"), "ok", 1, "key_id", "peer-id-7", "key",
	    "00ff10ab", "key_size", 32);
	msg_send(s, rep);
	json_decref(rep);
	t_wait(base, &b);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_eq(a.calls, 0);
	ck_assert_str_eq(b.key_id, "peer-id-7");
	ck_assert_uint_eq(b.len, 4);
	ck_assert_mem_eq(b.key, "\x00\xff\x10\xab", 4);
	rep = json_pack("{s:O,s:b,s:s,s:s}", "id", json_object_get(r1, "id"),
	    "ok", 0, "error", "unknown-profile", "message", "no such profile");
	msg_send(s, rep);
	json_decref(rep);
	t_wait(base, &a);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_str_eq(a.error, "unknown-profile");
	ck_assert_uint_eq(a.len, 0);
	json_decref(r1);
	json_decref(r2);

	/* keymgr goes away with a request outstanding: "closed" */
	keysrc_ops.get_key(k, "KP", t_done, &c);
	t_spin(base);
	r1 = msg_recv(s, 2000);
	ck_assert_ptr_nonnull(r1);
	json_decref(r1);
	close(s);
	t_wait(base, &c);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_str_eq(c.error, "closed");
	ck_assert_int_eq(b.calls, 1); /* each answered once */

	keysrc_free(k);
	close(l);
	unlink(path);
	rmdir(dir);
	event_base_free(base);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("iked-net");
	TCase *tc = tcase_create("net");

	log_init("test_net", stderr);
	tcase_add_test(tc, test_net_marker_and_source);
	tcase_add_test(tc, test_net_established_first);
	tcase_add_test(tc, test_net_natt_split);
	tcase_add_test(tc, test_keysrc);
	suite_add_tcase(su, tc);
	return check_main(0, su, NULL);
}
