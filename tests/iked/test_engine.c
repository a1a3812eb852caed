/*
 * test_engine: two IKEv2 engines negotiating with each other inside one
 * process (strongSwan's exchange_test_helper idea).  The network is a
 * fake wire: eng_io.send queues the datagram and the event loop delivers
 * it to the other engine, which lets a test drop, duplicate or replay
 * datagrams.  The dataplane is a mock that records the SAs installed, and
 * the key source a table of PPKs.  No root, no sockets.
 *
 * A = 10.0.0.1 (initiator, establish immediately), B = 10.0.0.2
 * (responder only).  Every wait polls the loop with a deadline.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <event2/event.h>

#include "iked/engine.h"
#include "iked/ikev2.h"
#include "lib/log.h"

#define WIRE_LOG_MAX 64
#define MOCK_SA_MAX 16

/* The mock dataplane: the SAs as installed. */
struct dp {
	struct dp_sa sa[MOCK_SA_MAX];
	size_t n;
	int adds, dels;
};

static int
mock_sa_add(struct dp *dp, const struct dp_sa *sa)
{
	if (dp->n >= MOCK_SA_MAX)
		return -1;
	dp->sa[dp->n++] = *sa;
	dp->adds++;
	return 0;
}

static int
mock_sa_del(struct dp *dp, uint32_t spi, bool inbound)
{
	for (size_t i = 0; i < dp->n; i++)
		if (dp->sa[i].spi == spi && dp->sa[i].inbound == inbound) {
			dp->sa[i] = dp->sa[--dp->n];
			dp->dels++;
			return 0;
		}
	return -1;
}

static const struct dp_ops mock_ops = {
	.name = "mock",
	.sa_add = mock_sa_add,
	.sa_del = mock_sa_del,
};

static const struct dp_sa *
mock_find(const struct dp *dp, bool inbound)
{
	for (size_t i = 0; i < dp->n; i++)
		if (dp->sa[i].inbound == inbound)
			return &dp->sa[i];
	return NULL;
}

/* The key source of one side (see keys_get_by_id). */
struct keys {
	struct event_base *base;
	bool have, defer;
	uint8_t key[32];
	int asked;
};

/* The fake wire between the two engines. */
struct pkt {
	struct pkt *next;
	int to;				/* 0: A, 1: B */
	struct sockaddr_in from, dst;
	size_t len;
	uint8_t p[];
};

struct wire;
struct end {
	struct wire *w;
	int side;
};

struct wire {
	struct event_base *base;
	struct event *ev;
	struct pkt *head, **tail;
	struct ike_engine *eng[2];
	struct dp dp[2];
	struct keys keys[2];
	struct end end[2];
	/* A behind a NAT: its datagrams leave as nat_addr, ports + 40000 */
	bool nat;
	struct sockaddr_in nat_addr;
	struct sockaddr_in addr[2];
	int sent;			/* datagrams sent so far */
	int drop_at, dup_at;		/* 1-based; 0: none */
	size_t nlog;
	struct pkt *log[WIRE_LOG_MAX];	/* every datagram sent, for replays */
};

static struct pkt *
pkt_new(int to, const uint8_t *p, size_t len, const struct sockaddr_in *from,
    const struct sockaddr_in *dst)
{
	struct pkt *k = calloc(1, sizeof(*k) + len);

	k->to = to;
	k->len = len;
	k->from = *from;
	k->dst = *dst;
	memcpy(k->p, p, len);
	return k;
}

static void
wire_queue(struct wire *w, struct pkt *k)
{
	k->next = NULL;
	*w->tail = k;
	w->tail = &k->next;
	event_active(w->ev, 0, 0);
}

static int
wire_send(void *ctx, const uint8_t *p, size_t len,
    const struct sockaddr *local, const struct sockaddr *remote)
{
	struct end *me = ctx;
	struct wire *w = me->w;
	struct sockaddr_in from = w->addr[me->side];
	const struct sockaddr_in *dst = (const struct sockaddr_in *)remote;
	int to = 1 - me->side;

	struct sockaddr_in d = *dst;

	ck_assert_int_eq(remote->sa_family, AF_INET);
	if (local != NULL)
		from.sin_port = ((const struct sockaddr_in *)local)->sin_port;
	else
		from.sin_port = dst->sin_port;
	if (w->nat && me->side == 0) {
		/* the NAT rewrites A's source */
		from.sin_addr = w->nat_addr.sin_addr;
		from.sin_port = htons(ntohs(from.sin_port) + 40000);
	} else if (w->nat && me->side == 1) {
		/* and maps the answers back */
		ck_assert_int_eq(d.sin_addr.s_addr, w->nat_addr.sin_addr.s_addr);
		d.sin_addr = w->addr[0].sin_addr;
		d.sin_port = htons(ntohs(d.sin_port) - 40000);
	}
	dst = &d;
	ck_assert_int_eq(dst->sin_addr.s_addr, w->addr[to].sin_addr.s_addr);
	w->sent++;
	if (w->nlog < WIRE_LOG_MAX)
		w->log[w->nlog++] = pkt_new(to, p, len, &from, dst);
	if (w->sent == w->drop_at)
		return 0;
	wire_queue(w, pkt_new(to, p, len, &from, dst));
	if (w->sent == w->dup_at)
		wire_queue(w, pkt_new(to, p, len, &from, dst));
	return 0;
}

static void
wire_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct wire *w = arg;
	struct pkt *k = w->head;

	if (k == NULL)
		return;
	w->head = k->next;
	if (w->head == NULL)
		w->tail = &w->head;
	else
		event_active(w->ev, 0, 0);
	eng_input(w->eng[k->to], k->p, k->len, (struct sockaddr *)&k->from,
	    (struct sockaddr *)&k->dst);
	free(k);
}

static const struct eng_io wire_io = { .send = wire_send };

/*
 * The key source of one side: one PPK, "ppk-lab-1" (or none), answered at
 * once or, with defer, later from the loop as a KME over HTTPS would.
 */

struct later {
	eng_ppk_done done;
	void *cb_ctx;
	struct keys *k;
	char id[64];
};

static void
keys_answer(struct keys *k, const char *id, eng_ppk_done done, void *cb_ctx)
{
	if (k->have && strcmp(id, "ppk-lab-1") == 0)
		done(cb_ctx, id, k->key, sizeof(k->key), NULL);
	else
		done(cb_ctx, id, NULL, 0, "unknown-key-id");
}

static void
keys_later(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg;

	keys_answer(l->k, l->id, l->done, l->cb_ctx);
	free(l);
}

static void
keys_get_by_id(void *ctx, const char *profile, const char *key_id,
    eng_ppk_done done, void *cb_ctx)
{
	struct keys *k = ctx;
	struct timeval tv = { 0, 1000 };

	k->asked++;
	if (!k->defer) {
		keys_answer(k, key_id, done, cb_ctx);
		return;
	}
	struct later *l = calloc(1, sizeof(*l));
	l->done = done;
	l->cb_ctx = cb_ctx;
	l->k = k;
	snprintf(l->id, sizeof(l->id), "%s", key_id);
	event_base_once(k->base, -1, EV_TIMEOUT, keys_later, l, &tv);
}

static void
keys_get(void *ctx, const char *profile, eng_ppk_done done, void *cb_ctx)
{
	keys_get_by_id(ctx, profile, "ppk-lab-1", done, cb_ctx);
}

static const struct eng_keysrc keysrc = {
	.get_key = keys_get,
	.get_key_by_id = keys_get_by_id,
};

static void
addr4(struct sockaddr_in *s, const char *ip, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
}

static const struct eng_proposal ike_prop = {
	.encr = ENCR_AES_CBC, .encr_bits = 256,
	.integ = AUTH_HMAC_SHA2_256_128, .prf = PRF_HMAC_SHA2_256,
	.dh = CURVE25519, .auth_method = AUTH_SHARED_KEY_MIC,
};
static const struct eng_proposal esp_prop = {
	.encr = ENCR_AES_GCM_16, .encr_bits = 128, .integ = AUTH_NONE,
};

static void
peer_conf(struct eng_peer *p, int side, const char *psk)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "gw");
	addr4((struct sockaddr_in *)&p->remote, side ? "10.0.0.1" : "10.0.0.2",
	    0);
	addr4((struct sockaddr_in *)&p->local, side ? "10.0.0.2" : "10.0.0.1",
	    0);
	p->nprop = 1;
	p->prop[0] = ike_prop;
	p->psk_len = strlen(psk);
	memcpy(p->psk, psk, p->psk_len);
}

static void
vpn_conf(struct eng_vpn *v, int side)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "vpn1");
	snprintf(v->gateway, sizeof(v->gateway), "gw");
	v->tunnel_id = 500001;
	snprintf(v->bind_if, sizeof(v->bind_if), "st0.0");
	v->nprop = 1;
	v->prop[0] = esp_prop;
	v->establish = side == 0 ? ENG_IMMEDIATELY : ENG_RESPONDER_ONLY;
	v->replay_window = 64;
}

static struct wire *
wire_new(void)
{
	struct wire *w = calloc(1, sizeof(*w));

	w->base = event_base_new();
	w->ev = event_new(w->base, -1, 0, wire_deliver, w);
	w->tail = &w->head;
	addr4(&w->addr[0], "10.0.0.1", 500);
	addr4(&w->addr[1], "10.0.0.2", 500);
	addr4(&w->nat_addr, "192.0.2.7", 0);
	for (int i = 0; i < 2; i++) {
		w->end[i].w = w;
		w->end[i].side = i;
		w->keys[i].base = w->base;
		w->keys[i].have = true;
		memset(w->keys[i].key, 0x5a, sizeof(w->keys[i].key));
		w->eng[i] = eng_new(w->base, &wire_io, &w->end[i], &keysrc,
		    &w->keys[i], &mock_ops, &w->dp[i]);
		ck_assert_ptr_nonnull(w->eng[i]);
	}
	return w;
}

/* B first, so that A's immediate start finds a responder. */
static void
wire_conf(struct wire *w, const struct eng_peer *pa, const struct eng_peer *pb,
    const struct eng_vpn *va, const struct eng_vpn *vb)
{
	ck_assert_int_eq(eng_peer_set(w->eng[1], pb), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[1], vb), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[0], va), 0);
	ck_assert_int_eq(eng_peer_set(w->eng[0], pa), 0);
}

static void
wire_free(struct wire *w)
{
	for (int i = 0; i < 2; i++)
		eng_free(w->eng[i]);
	while (w->head != NULL) {
		struct pkt *k = w->head;
		w->head = k->next;
		free(k);
	}
	for (size_t i = 0; i < w->nlog; i++)
		free(w->log[i]);
	event_free(w->ev);
	event_base_free(w->base);
	free(w);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the loop until cond(w) holds or the deadline passes. */
static bool
wire_run(struct wire *w, bool (*cond)(struct wire *), double secs)
{
	double end = now_s() + secs;

	while (!cond(w)) {
		if (now_s() > end)
			return false;
		if (w->head != NULL)
			event_base_loop(w->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		else {
			struct timeval tv = { 0, 20000 };
			event_base_loopexit(w->base, &tv);
			event_base_dispatch(w->base);
		}
	}
	return true;
}

static struct eng_peer_stats
pst(struct wire *w, int side)
{
	struct eng_peer_stats s;

	ck_assert_int_eq(eng_peer_stats_get(w->eng[side], "gw", &s), 0);
	return s;
}

static struct eng_stats
est(struct wire *w, int side)
{
	struct eng_stats s;

	eng_stats_get(w->eng[side], &s);
	return s;
}

static bool
both_up(struct wire *w)
{
	return pst(w, 0).ike_up == 1 && pst(w, 1).ike_up == 1 &&
	    w->dp[0].n == 2 && w->dp[1].n == 2;
}

static bool
a_auth_failed(struct wire *w)
{
	return pst(w, 0).auth_failed >= 1 && w->head == NULL;
}

static bool
a_no_proposal(struct wire *w)
{
	return pst(w, 0).no_proposal >= 1 && w->head == NULL;
}

static bool
quiet(struct wire *w)
{
	return w->head == NULL;
}

static bool
none_left(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0 &&
	    pst(w, 1).ike_sas == 0;
}

static void
assert_mirror(const struct wire *w)
{
	for (int side = 0; side < 2; side++) {
		const struct dp_sa *out = mock_find(&w->dp[side], false);
		const struct dp_sa *in = mock_find(&w->dp[1 - side], true);
		ck_assert_ptr_nonnull(out);
		ck_assert_ptr_nonnull(in);
		ck_assert_uint_eq(out->spi, in->spi);
		ck_assert_ptr_eq(out->encr, in->encr);
		ck_assert_str_eq(out->encr->name, "aes128-gcm");
		ck_assert_mem_eq(out->enc_key, in->enc_key, out->encr->key_len);
		ck_assert_uint_eq(out->tunnel_id, 500001);
		ck_assert_str_eq(out->ifname, "st0.0");
	}
	/* Each direction has its own keys (RFC 7296 2.17). */
	ck_assert_mem_ne(mock_find(&w->dp[0], false)->enc_key,
	    mock_find(&w->dp[0], true)->enc_key, 20);
	ck_assert_uint_ne(mock_find(&w->dp[0], false)->spi,
	    mock_find(&w->dp[0], true)->spi);
}

static struct wire *
wire_up(int drop_at, int dup_at)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	w->drop_at = drop_at;
	w->dup_at = dup_at;
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	return w;
}

START_TEST(establish)
{
	struct wire *w = wire_up(0, 0);

	assert_mirror(w);
	/* SA_INIT and AUTH, each way: four datagrams, nothing resent. */
	ck_assert_int_eq(w->sent, 4);
	ck_assert_uint_eq(est(w, 0).out_retransmits, 0);
	ck_assert_uint_eq(pst(w, 0).established, 1);
	ck_assert_uint_eq(pst(w, 1).established, 1);
	/* The route-based default: 0.0.0.0/0 both ways. */
	const struct dp_sa *in = mock_find(&w->dp[1], true);
	ck_assert_uint_eq(in->sel_local[0].start.u.v4.s_addr, 0);
	ck_assert_uint_eq(in->sel_local[0].end.u.v4.s_addr, 0xffffffff);
	wire_free(w);
}
END_TEST

START_TEST(wrong_psk)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "other-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 0);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 0);
	ck_assert_int_eq(w->dp[0].adds, 0);
	ck_assert_int_eq(w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

START_TEST(no_common_ike_proposal)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	pb.prop[0].encr_bits = 128;	/* aes128-cbc against aes256-cbc */
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_no_proposal, 5));
	ck_assert_uint_eq(pst(w, 1).no_proposal, 1);
	ck_assert_uint_eq(pst(w, 0).ike_sas, 0);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 0);
	wire_free(w);
}
END_TEST

START_TEST(no_common_esp_proposal)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	vb.prop[0].encr_bits = 256;
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, a_no_proposal, 5));
	/* RFC 7296 2.21.3: the IKE SA stands, without a Child SA. */
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).no_proposal, 1);
	ck_assert_int_eq(w->dp[0].adds, 0);
	ck_assert_int_eq(w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

START_TEST(invalid_ke_retry)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	/* A offers 25519 first, then ECP-256; B accepts only ECP-256. */
	pa.nprop = 2;
	pa.prop[1] = ike_prop;
	pa.prop[1].dh = ECP_256;
	pb.prop[0].dh = ECP_256;
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	ck_assert_uint_eq(pst(w, 0).invalid_ke, 1);
	ck_assert_uint_eq(pst(w, 1).invalid_ke, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(dropped_datagram)
{
	/* The third datagram is the IKE_AUTH request. */
	struct wire *w = wire_up(3, 0);

	ck_assert_uint_eq(est(w, 0).out_retransmits, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(dropped_response)
{
	/* The fourth is B's IKE_AUTH response: A repeats, B answers again. */
	struct wire *w = wire_up(4, 0);

	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	ck_assert_int_eq(w->dp[1].adds, 2);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(duplicated_request)
{
	struct wire *w = wire_up(0, 3);

	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	/* One Child SA only, and A ignored the second answer. */
	ck_assert_int_eq(w->dp[1].adds, 2);
	ck_assert_int_eq(w->dp[0].adds, 2);
	ck_assert_uint_eq(est(w, 0).in_bad_msgid, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(duplicated_sa_init)
{
	struct wire *w = wire_up(0, 1);

	ck_assert(wire_run(w, quiet, 2));
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(delete_from_initiator)
{
	struct wire *w = wire_up(0, 0);

	eng_peer_del(w->eng[0], "gw");
	ck_assert_int_eq(w->dp[0].n, 0);
	ck_assert(wire_run(w, none_left, 3));
	ck_assert_int_eq(w->dp[1].dels, 2);
	wire_free(w);
}
END_TEST

static bool
a_down(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0 &&
	    pst(w, 0).ike_sas == 0;
}

START_TEST(delete_from_responder)
{
	struct wire *w = wire_up(0, 0);

	eng_peer_del(w->eng[1], "gw");
	ck_assert(wire_run(w, a_down, 3));
	ck_assert_int_eq(w->dp[0].dels, 2);
	wire_free(w);
}
END_TEST

static bool
child_gone(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0;
}

START_TEST(delete_child)
{
	struct wire *w = wire_up(0, 0);
	struct eng_vpn va;

	/* A changed VPN renegotiates its own SAs: the Child SA goes. */
	vpn_conf(&va, 0);
	va.establish = ENG_RESPONDER_ONLY;
	ck_assert_int_eq(eng_vpn_set(w->eng[0], &va), 0);
	ck_assert(wire_run(w, child_gone, 3));
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_up, 1);
	wire_free(w);
}
END_TEST

START_TEST(garbage_changes_nothing)
{
	struct wire *w = wire_up(0, 0);
	struct eng_stats before = est(w, 1);
	uint8_t junk[200];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	/* garbage, a truncated IKE_AUTH, every datagram replayed */
	wire_queue(w, pkt_new(1, junk, sizeof(junk), &w->addr[0], &w->addr[1]));
	for (size_t cut = 1; cut < w->log[2]->len; cut += 7)
		wire_queue(w, pkt_new(1, w->log[2]->p, cut, &w->addr[0],
		    &w->addr[1]));
	size_t n = w->nlog;
	for (size_t i = 0; i < n; i++)
		wire_queue(w, pkt_new(w->log[i]->to, w->log[i]->p,
		    w->log[i]->len, &w->log[i]->from, &w->log[i]->dst));
	/* A bit flipped in the sealed part of the IKE_AUTH request. */
	struct pkt *k = pkt_new(1, w->log[2]->p, w->log[2]->len, &w->addr[0],
	    &w->addr[1]);
	k->p[k->len - 3] ^= 1;
	wire_queue(w, k);
	ck_assert(wire_run(w, quiet, 3));

	struct eng_stats after = est(w, 1);
	ck_assert_uint_gt(after.in_malformed, before.in_malformed);
	ck_assert_uint_gt(after.in_integrity, before.in_integrity);
	ck_assert_uint_gt(after.in_bad_msgid + after.in_dup_answered,
	    before.in_bad_msgid + before.in_dup_answered);
	ck_assert_int_eq(w->dp[0].adds, 2);
	ck_assert_int_eq(w->dp[1].adds, 2);
	ck_assert_int_eq(w->dp[0].dels + w->dp[1].dels, 0);
	ck_assert_uint_eq(pst(w, 0).ike_up, 1);
	ck_assert_uint_eq(pst(w, 1).ike_sas, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(nat_traversal)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	w->nat = true;
	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	pb.remote.ss_family = AF_UNSPEC;	/* dynamic: behind a NAT */
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	ck_assert(wire_run(w, both_up, 5));
	assert_mirror(w);
	/* RFC 7296 2.23: IKE_AUTH already on 4500 */
	ck_assert_uint_eq(ntohs(w->log[2]->dst.sin_port), 4500);
	ck_assert_uint_eq(ntohs(w->log[3]->dst.sin_port), 4500);
	/* RFC 3948: ESP in UDP, B towards the NAT's mapped port. */
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(w->dp[0].sa[i].encap_sport, 4500);
		ck_assert_uint_eq(w->dp[0].sa[i].encap_dport, 4500);
		ck_assert_uint_eq(w->dp[1].sa[i].encap_sport, 4500);
		ck_assert_uint_eq(w->dp[1].sa[i].encap_dport, 44500);
		ck_assert_uint_eq(w->dp[1].sa[i].remote.u.v4.s_addr,
		    w->nat_addr.sin_addr.s_addr);
	}
	wire_free(w);
}
END_TEST

START_TEST(no_nat_no_encap)
{
	struct wire *w = wire_up(0, 0);

	ck_assert_uint_eq(ntohs(w->log[2]->dst.sin_port), 500);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(w->dp[0].sa[i].encap_sport, 0);
		ck_assert_uint_eq(w->dp[1].sa[i].encap_dport, 0);
	}
	wire_free(w);
}
END_TEST

/* PPK configuration of both sides: "" none, "m" mandatory, "o" optional. */
static struct wire *
wire_ppk(const char *a, const char *b, bool b_has_key)
{
	struct wire *w = wire_new();
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;

	peer_conf(&pa, 0, "s3cret-psk");
	peer_conf(&pb, 1, "s3cret-psk");
	if (a[0]) {
		snprintf(pa.ppk_profile, sizeof(pa.ppk_profile), "qkd");
		pa.ppk_optional = a[0] == 'o';
	}
	if (b[0]) {
		snprintf(pb.ppk_profile, sizeof(pb.ppk_profile), "qkd");
		pb.ppk_optional = b[0] == 'o';
	}
	w->keys[1].have = b_has_key;
	w->keys[1].defer = true;
	vpn_conf(&va, 0);
	vpn_conf(&vb, 1);
	wire_conf(w, &pa, &pb, &va, &vb);
	return w;
}

START_TEST(ppk_mandatory)
{
	struct wire *w = wire_ppk("m", "m", true);

	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(w->keys[0].asked, 1);
	ck_assert_int_eq(w->keys[1].asked, 1);	/* answered later */
	ck_assert_uint_eq(pst(w, 0).ppk_used, 1);
	ck_assert_uint_eq(pst(w, 1).ppk_used, 1);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(ppk_differs)
{
	/* The same PPK_ID but another key: SK_pi' differ, AUTH fails. */
	struct wire *w = wire_ppk("m", "m", true);

	w->keys[1].key[0] ^= 1;
	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_int_eq(w->dp[0].adds + w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_unknown_id_optional)
{
	/* RFC 8784 3: the responder lacks the key; NO_PPK_AUTH carries it. */
	struct wire *w = wire_ppk("o", "o", false);

	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(w->keys[1].asked, 1);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 0);
	ck_assert_uint_eq(pst(w, 1).ppk_used, 0);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(ppk_unknown_id_mandatory)
{
	struct wire *w = wire_ppk("o", "m", false);

	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_int_eq(w->dp[0].adds + w->dp[1].adds, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_required_by_responder)
{
	struct wire *w = wire_ppk("", "m", true);

	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_uint_eq(pst(w, 1).auth_failed, 1);
	ck_assert_int_eq(w->keys[1].asked, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_required_by_initiator)
{
	/* No USE_PPK back: the initiator gives up after IKE_SA_INIT. */
	struct wire *w = wire_ppk("m", "", true);

	ck_assert(wire_run(w, a_auth_failed, 5));
	ck_assert_int_eq(w->sent, 2);
	ck_assert_int_eq(w->keys[0].asked, 0);
	wire_free(w);
}
END_TEST

START_TEST(ppk_optional_peer_without)
{
	struct wire *w = wire_ppk("o", "", true);

	ck_assert(wire_run(w, both_up, 5));
	ck_assert_int_eq(w->keys[0].asked, 0);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 0);
	assert_mirror(w);
	wire_free(w);
}
END_TEST

START_TEST(rpc_show_and_clear)
{
	struct wire *w = wire_up(0, 0);
	char err[128];
	json_t *in = json_object();
	json_t *a = eng_rpc(w->eng[0], "show-security-ike-security-associations",
	    in, err, sizeof(err));
	json_t *b = eng_rpc(w->eng[1], "show-security-ike-security-associations",
	    in, err, sizeof(err));

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	json_t *la = json_object_get(json_object_get(a,
	    "ike-security-associations-information"),
	    "ike-security-associations");
	json_t *lb = json_object_get(json_object_get(b,
	    "ike-security-associations-information"),
	    "ike-security-associations");
	ck_assert_int_eq(json_array_size(la), 1);
	ck_assert_int_eq(json_array_size(lb), 1);
	json_t *sa = json_array_get(la, 0), *sb = json_array_get(lb, 0);
	ck_assert_str_eq(json_string_value(json_object_get(sa, "ike-sa-state")),
	    "UP");
	ck_assert_str_eq(json_string_value(json_object_get(sa,
	    "ike-sa-remote-address")), "10.0.0.2");
	/* Both sides name the IKE SA by the same SPI pair. */
	ck_assert_str_eq(json_string_value(json_object_get(sa,
	    "ike-sa-initiator-cookie")), json_string_value(json_object_get(sb,
	    "ike-sa-initiator-cookie")));
	ck_assert_str_eq(json_string_value(json_object_get(sa,
	    "ike-sa-responder-cookie")), json_string_value(json_object_get(sb,
	    "ike-sa-responder-cookie")));
	json_decref(a);
	json_decref(b);

	json_t *ip = eng_rpc(w->eng[1], "show-security-ipsec-security-associations",
	    in, err, sizeof(err));
	ck_assert_ptr_nonnull(ip);
	json_t *info = json_object_get(ip,
	    "ipsec-security-associations-information");
	ck_assert_int_eq(json_integer_value(json_object_get(info,
	    "total-ipsec-sas")), 2);
	json_t *esp = json_array_get(json_object_get(json_array_get(
	    json_object_get(info, "ipsec-security-associations-block"), 0),
	    "ipsec-security-associations"), 0);
	char spi[12];
	snprintf(spi, sizeof(spi), "0x%08x", mock_find(&w->dp[1], true)->spi);
	ck_assert_str_eq(json_string_value(json_object_get(esp, "sa-spi")), spi);
	ck_assert_str_eq(json_string_value(json_object_get(esp,
	    "sa-hmac-algorithm")), "None");
	json_decref(ip);

	/* An unknown peer is an error; clearing all brings both down. */
	json_t *bad = json_pack("{s:s}", "peer-address", "192.0.2.99");
	ck_assert_ptr_null(eng_rpc(w->eng[0],
	    "clear-security-ike-security-associations", bad, err, sizeof(err)));
	json_decref(bad);
	json_t *ok = eng_rpc(w->eng[0], "clear-security-ike-security-associations",
	    in, err, sizeof(err));
	ck_assert_ptr_nonnull(ok);
	json_decref(ok);
	ck_assert(wire_run(w, none_left, 3));
	ck_assert_uint_eq(pst(w, 0).ike_sas, 0);
	json_decref(in);
	wire_free(w);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("two engines");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, establish);
	tcase_add_test(tc, wrong_psk);
	tcase_add_test(tc, no_common_ike_proposal);
	tcase_add_test(tc, no_common_esp_proposal);
	tcase_add_test(tc, invalid_ke_retry);
	tcase_add_test(tc, dropped_datagram);
	tcase_add_test(tc, dropped_response);
	tcase_add_test(tc, duplicated_request);
	tcase_add_test(tc, duplicated_sa_init);
	tcase_add_test(tc, delete_from_initiator);
	tcase_add_test(tc, delete_from_responder);
	tcase_add_test(tc, delete_child);
	tcase_add_test(tc, garbage_changes_nothing);
	tcase_add_test(tc, nat_traversal);
	tcase_add_test(tc, no_nat_no_encap);
	tcase_add_test(tc, ppk_mandatory);
	tcase_add_test(tc, ppk_differs);
	tcase_add_test(tc, ppk_unknown_id_optional);
	tcase_add_test(tc, ppk_unknown_id_mandatory);
	tcase_add_test(tc, ppk_required_by_responder);
	tcase_add_test(tc, ppk_required_by_initiator);
	tcase_add_test(tc, ppk_optional_peer_without);
	tcase_add_test(tc, rpc_show_and_clear);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	log_init("test_engine", stderr);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
