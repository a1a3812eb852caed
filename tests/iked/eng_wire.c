/*
 * eng_wire: the fake wire, mock dataplane, key table and clock of the
 * engine tests (see eng_wire.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef ENG_WIRE_ABORT
/* the fuzz entry points: outside check's runner */
#include "tests/fuzz/ck_abort.h"
#else
#include <check.h>
#endif
#include <event2/event.h>

#include "lib/log.h"
#include "tests/iked/eng_wire.h"

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
			uint32_t tunnel = dp->sa[i].tunnel_id;
			dp->sa[i] = dp->sa[--dp->n];
			/* the kernel forgets a deleted SA's keys (test_sa_wipe)
			 */
			memset(&dp->sa[dp->n], 0, sizeof(dp->sa[dp->n]));
			dp->dels++;
			bool other = false;
			for (size_t j = 0; j < dp->n; j++)
				other |= !dp->sa[j].inbound &&
				    dp->sa[j].tunnel_id == tunnel;
			if (!inbound && !other)
				dp->out_gaps++;
			return 0;
		}
	return -1;
}

/* RFC 7296 2.23: the outbound SA re-aimed at the peer's new mapping. */
static int
mock_sa_peer(struct dp *dp, uint32_t spi, const struct dp_addr *remote,
    uint16_t encap_dport)
{
	for (size_t i = 0; i < dp->n; i++)
		if (dp->sa[i].spi == spi && !dp->sa[i].inbound) {
			dp->sa[i].remote = *remote;
			dp->sa[i].encap_dport = encap_dport;
			return 0;
		}
	return -1;
}

static void
mock_trap_del(struct dp *dp, uint32_t tunnel_id)
{
	for (size_t i = 0; i < dp->ntrap; i++)
		if (dp->trap[i].tunnel_id == tunnel_id) {
			dp->trap[i] = dp->trap[--dp->ntrap];
			return;
		}
}

static int
mock_trap_set(struct dp *dp, const struct dp_trap *t)
{
	mock_trap_del(dp, t->tunnel_id);
	if (dp->ntrap == sizeof(dp->trap) / sizeof(dp->trap[0]))
		return -1;
	dp->trap[dp->ntrap++] = *t;
	return 0;
}

static const struct dp_ops mock_ops = {
	.name = "mock",
	.sa_add = mock_sa_add,
	.sa_del = mock_sa_del,
	.sa_peer = mock_sa_peer,
	.trap_set = mock_trap_set,
	.trap_del = mock_trap_del,
};

const struct dp_sa *
mock_find(const struct dp *dp, bool inbound)
{
	for (size_t i = 0; i < dp->n; i++)
		if (dp->sa[i].inbound == inbound)
			return &dp->sa[i];
	return NULL;
}

struct pkt *
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

static uint16_t
wire_nat_off(const struct wire *w)
{
	return w->nat_off ? w->nat_off : 40000;
}

void
wire_queue(struct wire *w, struct pkt *k)
{
	k->next = NULL;
	*w->tail = k;
	w->tail = &k->next;
	event_active(w->ev, 0, 0);
}

static int
wire_send(void *ctx, const uint8_t *p, size_t len, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	struct end *me = ctx;
	struct wire *w = me->w;
	struct sockaddr_in from = w->addr[me->side];
	const struct sockaddr_in *dst = (const struct sockaddr_in *)remote;
	int to = 1 - me->side;

	if (w->stray != NULL && remote->sa_family != AF_INET) {
		w->stray(w, p, len, remote);
		return 0;
	}
	struct sockaddr_in d = *dst;

	ck_assert_int_eq(remote->sa_family, AF_INET);
	if (local != NULL)
		from.sin_port = ((const struct sockaddr_in *)local)->sin_port;
	else
		from.sin_port = dst->sin_port;
	if (w->nat && me->side == 0) {
		/* the NAT rewrites A's source */
		from.sin_addr = w->nat_addr.sin_addr;
		from.sin_port = htons(ntohs(from.sin_port) + wire_nat_off(w));
	} else if (w->nat && me->side == 1) {
		/* and maps the answers back */
		ck_assert_int_eq(
		    d.sin_addr.s_addr, w->nat_addr.sin_addr.s_addr);
		d.sin_addr = w->addr[0].sin_addr;
		d.sin_port = htons(ntohs(d.sin_port) - wire_nat_off(w));
	}
	dst = &d;
	if (w->stray != NULL &&
	    dst->sin_addr.s_addr != w->addr[to].sin_addr.s_addr) {
		w->stray(w, p, len, (const struct sockaddr *)dst);
		return 0;
	}
	ck_assert_int_eq(dst->sin_addr.s_addr, w->addr[to].sin_addr.s_addr);
	w->sent++;
	if (w->mute[to]) {
		w->dropped++;
		return 0;
	}
	if (w->nlog < WIRE_LOG_MAX)
		w->log[w->nlog++] = pkt_new(to, p, len, &from, dst);
	if (w->sent == w->drop_at)
		return 0;
	if (w->drop != NULL && w->drop(w, me->side, p, len))
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

static int
wire_keepalive(
    void *ctx, const struct sockaddr *local, const struct sockaddr *remote)
{
	struct end *me = ctx;

	ck_assert_int_eq(remote->sa_family, AF_INET);
	me->w->ka[me->side]++;
	me->w->ka_dst[me->side] = *(const struct sockaddr_in *)remote;
	return 0;
}

static const struct eng_io wire_io = {
	.send = wire_send,
	.send_keepalive = wire_keepalive,
};

static const struct eng_keysrc keysrc;

static time_t
wire_clock(void *ctx)
{
	return ((struct wire *)ctx)->now;
}

static struct ike_engine *
wire_engine(struct wire *w, int i)
{
	struct ike_engine *e = eng_new(w->base, &wire_io, &w->end[i], &keysrc,
	    &w->keys[i], &mock_ops, &w->dp[i]);

	ck_assert_ptr_nonnull(e);
	if (!w->real_clock)
		eng_clock_set(e, wire_clock, w);
	return e;
}

void
wire_advance(struct wire *w, time_t secs)
{
	w->now += secs;
	eng_timers_run(w->eng[0]);
	eng_timers_run(w->eng[1]);
}

void
wire_restart(
    struct wire *w, int side, const struct eng_peer *p, const struct eng_vpn *v)
{
	bool was = w->mute[1 - side];

	w->mute[1 - side] = true; /* a crash says nothing */
	eng_free(w->eng[side]);
	w->mute[1 - side] = was;
	w->eng[side] = wire_engine(w, side);
	ck_assert_int_eq(eng_peer_set(w->eng[side], p), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[side], v), 0);
}

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

void
addr4(struct sockaddr_in *s, const char *ip, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, ip, &s->sin_addr);
}

const struct eng_proposal ike_prop = {
	.encr = ENCR_AES_CBC,
	.encr_bits = 256,
	.integ = AUTH_HMAC_SHA2_256_128,
	.prf = PRF_HMAC_SHA2_256,
	.dh = CURVE25519,
	.auth_method = AUTH_SHARED_KEY_MIC,
};
const struct eng_proposal esp_prop = {
	.encr = ENCR_AES_GCM_16,
	.encr_bits = 128,
	.integ = AUTH_NONE,
};

void
peer_conf(struct eng_peer *p, int side, const char *psk)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "gw");
	addr4((struct sockaddr_in *)&p->remote, side ? "10.0.0.1" : "10.0.0.2",
	    0);
	addr4(
	    (struct sockaddr_in *)&p->local, side ? "10.0.0.2" : "10.0.0.1", 0);
	p->nprop = 1;
	p->prop[0] = ike_prop;
	p->psk_len = strlen(psk);
	memcpy(p->psk, psk, p->psk_len);
}

void
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

struct wire *
wire_new(void)
{
	struct wire *w = calloc(1, sizeof(*w));

	w->base = event_base_new();
	w->ev = event_new(w->base, -1, 0, wire_deliver, w);
	w->tail = &w->head;
	addr4(&w->addr[0], "10.0.0.1", 500);
	addr4(&w->addr[1], "10.0.0.2", 500);
	addr4(&w->nat_addr, "192.0.2.7", 0);
	w->now = 1000000;
	for (int i = 0; i < 2; i++) {
		w->end[i].w = w;
		w->end[i].side = i;
		w->keys[i].base = w->base;
		w->keys[i].have = true;
		memset(w->keys[i].key, 0x5a, sizeof(w->keys[i].key));
		w->eng[i] = wire_engine(w, i);
	}
	return w;
}

/* B first, so that A's immediate start finds a responder. */
void
wire_conf(struct wire *w, const struct eng_peer *pa, const struct eng_peer *pb,
    const struct eng_vpn *va, const struct eng_vpn *vb)
{
	ck_assert_int_eq(eng_peer_set(w->eng[1], pb), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[1], vb), 0);
	ck_assert_int_eq(eng_vpn_set(w->eng[0], va), 0);
	ck_assert_int_eq(eng_peer_set(w->eng[0], pa), 0);
}

void
wire_free(struct wire *w)
{
	for (int i = 0; i < 2; i++)
		eng_free(w->eng[i]);
	if (w->fini != NULL)
		w->fini(w);
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

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool
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

struct eng_peer_stats
pst(struct wire *w, int side)
{
	struct eng_peer_stats s;

	ck_assert_int_eq(eng_peer_stats_get(w->eng[side], "gw", &s), 0);
	return s;
}

struct eng_stats
est(struct wire *w, int side)
{
	struct eng_stats s;

	eng_stats_get(w->eng[side], &s);
	return s;
}

bool
both_up(struct wire *w)
{
	return pst(w, 0).ike_up == 1 && pst(w, 1).ike_up == 1 &&
	    w->dp[0].n == 2 && w->dp[1].n == 2;
}

bool
a_auth_failed(struct wire *w)
{
	return pst(w, 0).auth_failed >= 1 && w->head == NULL;
}

bool
a_no_proposal(struct wire *w)
{
	return pst(w, 0).no_proposal >= 1 && w->head == NULL;
}

bool
quiet(struct wire *w)
{
	return w->head == NULL;
}

bool
none_left(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0 &&
	    pst(w, 1).ike_sas == 0;
}

void
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
	ck_assert_uint_ne(
	    mock_find(&w->dp[0], false)->spi, mock_find(&w->dp[0], true)->spi);
}

struct wire *
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

FILE *
log_take(void)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	log_flush();
	log_init("test", f);
	return f;
}

char *
log_taken(FILE *f)
{
	char *text;
	long n;

	log_flush();
	log_init("test", stderr);
	ck_assert_int_eq(fflush(f), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

char *
gw_last_failure(struct wire *w, int side)
{
	char err[128];
	json_t *q = json_object();
	json_t *r = eng_rpc(
	    w->eng[side], "show-security-ike-stats", q, err, sizeof(err));
	json_t *l;
	char *why = NULL;

	json_decref(q);
	ck_assert_ptr_nonnull(r);
	l = json_object_get(json_object_get(r, "ike-stats-information"),
	    "ike-gateway-failures");
	ck_assert(json_is_array(l));
	ck_assert_int_le(json_array_size(l), 1);
	if (json_array_size(l) == 1) {
		const char *s = json_string_value(
		    json_object_get(json_array_get(l, 0), "ike-last-failure"));
		ck_assert_ptr_nonnull(s);
		why = strdup(s);
	}
	json_decref(r);
	return why;
}
