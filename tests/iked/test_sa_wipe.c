/*
 * test_sa_wipe: when an SA goes, its keys go from iked's memory (issue 10).
 * Two engines negotiate over the fake wire (eng_wire.h) with a PSK, an
 * RFC 8784 PPK and RFC 7383 fragmentation; the test takes copies of the
 * secrets through the engine's own structs (eng_int.h): SK_d, SK_a*,
 * SK_e*, SK_p* (before and after the PPK is mixed in), the D-H shared
 * secret g^ir (of IKE_SA_INIT and of a child rekey with PFS), the Child
 * SAs' ESP keys, the nonces of CREATE_CHILD_SA (sent only encrypted: they
 * sit in the decrypted and plaintext buffers and the fragment
 * reassembly), the PSK and the PPK.  After a child rekey, a child delete,
 * an IKE SA rekey, a clear (Delete), a hard expiry and the gateway's
 * removal, none of what went is anywhere in the heap, live or freed
 * (heapscan.h).  The stack is not scanned: the lab test
 * (test_swan_interop_wipe.sh) reads the live iked's stacks too.
 *
 * The test's copies are kept on its stack, which the scan does not read.
 * What must still be there (the live SA's keys, the configured PSK) is
 * asserted found first: it shows the scan sees what it looks for.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "tests/iked/eng_wire.h"
#include "tests/lib/heapscan.h"
#include "tests/lib/check_main.h"

#define NEEDLE_MAX 48
#define WINDOW 16 /* a freed block's first 16 octets are the allocator's */
#define PSK_LEN 40

struct needle {
	const char *what;
	size_t len;
	uint8_t b[CRYPTO_KEY_MAX];
};

struct secrets {
	size_t n;
	struct needle s[NEEDLE_MAX];
	int nonces[2]; /* CREATE_CHILD_SA Ni taken, by side */
	uint8_t last_ni[2][ENG_NONCE_LEN];
	bool dh_done;
	bool no_restart; /* A's new IKE_SA_INITs are lost */
	int pfs;	 /* g^ir of PFS rekeys taken */
	bool auth;	 /* A's AUTH taken (IKE_AUTH not in fragments) */
};

static void
add(struct secrets *s, const char *what, const uint8_t *b, size_t len)
{
	ck_assert_uint_lt(s->n, NEEDLE_MAX);
	ck_assert_uint_ge(len, WINDOW);
	ck_assert_uint_le(len, CRYPTO_KEY_MAX);
	s->s[s->n].what = what;
	s->s[s->n].len = len;
	memcpy(s->s[s->n].b, b, len);
	s->n++;
}

#define WINDOWS_MAX (NEEDLE_MAX * (CRYPTO_KEY_MAX / (WINDOW / 2)))

/*
 * Which of s[from..to) are in the heap (in[i - from]), in one scan: any
 * WINDOW octets of one count (a copy's head may be overwritten).
 */
static void
in_heap(const struct secrets *s, size_t from, size_t to, bool *in)
{
	const char *w[WINDOWS_MAX] = { NULL };
	size_t wlen[WINDOWS_MAX] = { 0 }, of[WINDOWS_MAX], n = 0;
	bool found[WINDOWS_MAX];

	for (size_t i = from; i < to; i++) {
		const struct needle *nd = &s->s[i];
		for (size_t off = 0;; off += WINDOW / 2) {
			if (off + WINDOW > nd->len)
				off = nd->len - WINDOW;
			ck_assert_uint_lt(n, WINDOWS_MAX);
			w[n] = (const char *)nd->b + off;
			wlen[n] = WINDOW;
			of[n++] = i - from;
			if (off + WINDOW >= nd->len)
				break;
		}
		in[i - from] = false;
	}
	heap_find(w, wlen, n, found);
	for (size_t j = 0; j < n; j++)
		in[of[j]] |= found[j];
}

static void
gone(const struct secrets *s, size_t from, size_t to, const char *step)
{
	bool in[NEEDLE_MAX];

	in_heap(s, from, to, in);
	for (size_t i = from; i < to; i++)
		ck_assert_msg(!in[i - from], "%s: %s is still in the heap",
		    step, s->s[i].what);
}

static void
there(const struct secrets *s, size_t from, size_t to, const char *step)
{
	bool in[NEEDLE_MAX];

	in_heap(s, from, to, in);
	for (size_t i = from; i < to; i++)
		ck_assert_msg(in[i - from],
		    "%s: %s should be live (the scan must see it)", step,
		    s->s[i].what);
}

static struct ike_sa *
sa_with(struct ike_engine *e, bool (*ok)(const struct ike_sa *))
{
	SA_EACH(e, sa, nx, i)
	{
		if (ok(sa))
			return sa;
	}
	return NULL;
}

static bool
is_up(const struct ike_sa *sa)
{
	return sa->state == IKE_ST_ESTABLISHED && !sa->rekeyed;
}

static bool
has_dh(const struct ike_sa *sa)
{
	return sa->n != NULL && sa->n->dh != NULL;
}

static bool
has_rk(const struct ike_sa *sa)
{
	return sa->rk != NULL;
}

static bool
has_rk_dh(const struct ike_sa *sa)
{
	return sa->rk != NULL && sa->rk->dh != NULL;
}

/*
 * An SK message of the IKE SA keyed with k decoded into msg, its plaintext
 * in plain; false for fragments (SKF).
 */
static bool
open_sk(const struct ike_keys *k, bool from_initiator, const uint8_t *p,
    size_t len, struct ike_msg *msg, uint8_t *plain, size_t cap)
{
	uint16_t notify;
	size_t plen;

	ck_assert_int_eq(pld_decode(p, len, msg, &notify), 0);
	if (!msg->has_sk || msg->sk.frag)
		return false;
	ck_assert_int_eq(sk_open(k, from_initiator, msg->raw.p, msg->raw.len,
			     msg->sk.off, plain, cap, &plen),
	    0);
	ck_assert_int_eq(
	    pld_decode_inner(msg, msg->sk.first, plain, plen, &notify), 0);
	return true;
}

/*
 * B's answer to A's rekey with PFS (one SK message: no fragments in that
 * test): its KE and A's private value give the rekey's g^ir.
 */
static void
capture_pfs(struct wire *w, const uint8_t *p, size_t len)
{
	struct secrets *s = w->ctx;
	struct ike_sa *a = sa_with(w->eng[0], has_rk_dh);
	uint8_t plain[IKE_MSG_MAX], g_ir[CRYPTO_DH_MAX];
	struct ike_msg msg;
	size_t glen;

	if (a == NULL)
		return;
	ck_assert(open_sk(&a->keys, false, p, len, &msg, plain, sizeof(plain)));
	ck_assert_int_eq(dh_shared(a->rk->dh, msg.ke.data.p, msg.ke.data.len,
			     g_ir, sizeof(g_ir), &glen),
	    0);
	add(s, "a PFS rekey's g^ir", g_ir, glen);
	s->pfs++;
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	OPENSSL_cleanse(plain, sizeof(plain));
}

/*
 * A's IKE_AUTH request when it goes whole (no fragments): its AUTH value,
 * which B holds decrypted while it waits for the key source.
 */
static void
capture_auth(struct wire *w, struct ike_sa *a, const uint8_t *p, size_t len)
{
	struct secrets *s = w->ctx;
	uint8_t plain[IKE_MSG_MAX];
	struct ike_msg msg;

	if (open_sk(&a->keys, true, p, len, &msg, plain, sizeof(plain))) {
		add(s, "A's AUTH", msg.auth.data.p, msg.auth.data.len);
		s->auth = true;
	}
	OPENSSL_cleanse(plain, sizeof(plain));
}

/* Made at run time, so that it is nowhere in the binary. */
static void
psk_make(char *s)
{
	memcpy(s, "wipe-psk-", 9);
	for (size_t i = 9; i < PSK_LEN; i++)
		s[i] = (char)('a' + (i * 13 + i / 7) % 26);
	s[PSK_LEN] = '\0';
}

static void
ppk_make(uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(0x3c ^ (i * 29 + 7));
}

/*
 * The wire's hook on every datagram: A's IKE_AUTH request is sent while
 * both sides still hold their D-H values (g^ir from A's private value and
 * B's public one) and A the SK_* before the PPK; each CREATE_CHILD_SA
 * request while its sender holds its nonce.  Nothing is dropped.
 */
static bool
capture(struct wire *w, int side, const uint8_t *p, size_t len)
{
	struct secrets *s = w->ctx;
	struct ike_engine *e = w->eng[side];

	if (len < IKE_HDR_LEN)
		return false;
	if (p[19] & IKE_FLAG_RESPONSE) {
		if (p[18] == CREATE_CHILD_SA && side == 1)
			capture_pfs(w, p, len);
		return false;
	}
	if (p[18] == IKE_SA_INIT && side == 0 && s->no_restart)
		return true;
	if (p[18] == IKE_AUTH && side == 0 && !s->dh_done) {
		struct ike_sa *a = sa_with(w->eng[0], has_dh);
		struct ike_sa *b = sa_with(w->eng[1], has_dh);
		uint8_t pub[CRYPTO_DH_MAX], g_ir[CRYPTO_DH_MAX];
		size_t plen, glen;

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(
		    dh_public(b->n->dh, pub, sizeof(pub), &plen), 0);
		ck_assert_int_eq(
		    dh_shared(a->n->dh, pub, plen, g_ir, sizeof(g_ir), &glen),
		    0);
		add(s, "the D-H shared secret", g_ir, glen);
		OPENSSL_cleanse(g_ir, sizeof(g_ir));
		capture_auth(w, a, p, len);
		if (a->n->ppk_mixed) {
			const struct ike_keys *k = &a->n->noppk;
			add(s, "SK_d before the PPK", k->sk_d, k->d_len);
			add(s, "SK_pi before the PPK", k->sk_pi, k->p_len);
			add(s, "SK_pr before the PPK", k->sk_pr, k->p_len);
		}
		s->dh_done = true;
	} else if (p[18] == CREATE_CHILD_SA) {
		struct ike_sa *sa = sa_with(e, has_rk);

		ck_assert_ptr_nonnull(sa);
		/* once per request: its fragments and retransmissions too */
		if (memcmp(s->last_ni[side], sa->rk->ni, ENG_NONCE_LEN) != 0) {
			memcpy(s->last_ni[side], sa->rk->ni, ENG_NONCE_LEN);
			add(s,
			    side == 0 ? "A's CREATE_CHILD_SA nonce"
				      : "B's CREATE_CHILD_SA nonce",
			    sa->rk->ni, ENG_NONCE_LEN);
			s->nonces[side]++;
		}
	}
	return false;
}

/* The SK_* of side's IKE SA (both sides hold the same). */
static void
add_sk(struct secrets *s, struct wire *w)
{
	struct ike_sa *sa = sa_with(w->eng[0], is_up);
	const struct ike_keys *k;

	ck_assert_ptr_nonnull(sa);
	k = &sa->keys;
	add(s, "SK_d", k->sk_d, k->d_len);
	add(s, "SK_ai", k->sk_ai, k->a_len);
	add(s, "SK_ar", k->sk_ar, k->a_len);
	add(s, "SK_ei", k->sk_ei, k->e_len);
	add(s, "SK_er", k->sk_er, k->e_len);
	add(s, "SK_pi", k->sk_pi, k->p_len);
	add(s, "SK_pr", k->sk_pr, k->p_len);
}

/* The ESP keys of A's Child SA, both directions (B's are the same). */
static void
add_esp(struct secrets *s, struct wire *w)
{
	for (size_t i = 0; i < w->dp[0].n; i++) {
		const struct dp_sa *d = &w->dp[0].sa[i];
		add(s, d->inbound ? "ESP key in" : "ESP key out", d->enc_key,
		    d->encr->key_len);
		if (d->integ != NULL)
			add(s, "ESP auth key", d->auth_key, d->integ->key_len);
	}
}

struct pair {
	struct eng_peer pa, pb;
	struct eng_vpn va, vb;
};

/*
 * Both sides with the PSK, a mandatory PPK and fragments of 256 octets
 * (the smallest), the VPN with four ESP proposals so that its
 * CREATE_CHILD_SA requests come in fragments.
 */
static void
pair_conf(struct pair *c, const char *psk, uint32_t ike_life, bool pfs)
{
	static const uint16_t bits[] = { 128, 256, 128, 256 };

	peer_conf(&c->pa, 0, psk);
	peer_conf(&c->pb, 1, psk);
	vpn_conf(&c->va, 0);
	vpn_conf(&c->vb, 1);
	for (int i = 0; i < 2; i++) {
		struct eng_peer *p = i ? &c->pb : &c->pa;
		struct eng_vpn *v = i ? &c->vb : &c->va;
		snprintf(p->ppk_profile, sizeof(p->ppk_profile), "qkd");
		p->fragmentation = !pfs;
		p->fragment_size = ENG_FRAG_MIN;
		p->prop[0].lifetime_s = ike_life;
		v->nprop = 4;
		for (size_t j = 0; j < 4; j++) {
			v->prop[j] = esp_prop;
			v->prop[j].encr_bits = bits[j];
			v->prop[j].dh = pfs ? CURVE25519 : 0;
			if (j >= 2) {
				v->prop[j].encr = ENCR_AES_CBC;
				v->prop[j].integ = AUTH_HMAC_SHA2_256_128;
			}
		}
	}
}

/*
 * Up, with the secrets that exist from the start in s.  The key source
 * (keymgr in the daemon, another process) forgets the PPK once handed.
 */
static struct wire *
wire_secrets(struct secrets *s, struct pair *c, uint32_t ike_life, bool pfs)
{
	char psk[PSK_LEN + 1];
	uint8_t ppk[sizeof(((struct keys *)0)->key)];
	struct wire *w = wire_new();

	psk_make(psk);
	ppk_make(ppk, sizeof(ppk));
	add(s, "the PSK", (const uint8_t *)psk, PSK_LEN);
	add(s, "the PPK", ppk, sizeof(ppk));
	for (int i = 0; i < 2; i++)
		memcpy(w->keys[i].key, ppk, sizeof(ppk));
	OPENSSL_cleanse(ppk, sizeof(ppk));
	pair_conf(c, psk, ike_life, pfs);
	OPENSSL_cleanse(psk, sizeof(psk));
	w->ctx = s;
	w->drop = capture;
	wire_conf(w, &c->pa, &c->pb, &c->va, &c->vb);
	ck_assert(wire_run(w, both_up, 10));
	ck_assert(s->dh_done);
	ck_assert_uint_eq(pst(w, 0).ppk_used, 1);
	for (int i = 0; i < 2; i++)
		OPENSSL_cleanse(w->keys[i].key, sizeof(w->keys[i].key));
	return w;
}

static bool
child_rekeyed(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 2 && w->dp[1].n == 2 &&
	    pst(w, 0).child_rekeys >= 1 && pst(w, 1).child_rekeys >= 1 &&
	    w->dp[0].dels >= 2 && w->dp[1].dels >= 2;
}

static bool
child_rekeyed_twice(struct wire *w)
{
	return child_rekeyed(w) && w->dp[0].dels >= 4 && w->dp[1].dels >= 4;
}

static bool
child_gone(struct wire *w)
{
	return w->head == NULL && w->dp[0].n == 0 && w->dp[1].n == 0;
}

static bool
ike_rekeyed(struct wire *w)
{
	return w->head == NULL && pst(w, 0).ike_sas == 1 &&
	    pst(w, 1).ike_sas == 1 && pst(w, 0).ike_up == 1 &&
	    pst(w, 1).ike_up == 1 && pst(w, 0).ike_rekeys >= 1;
}

/* Neither the hex (either case) nor the octets of a secret in the log. */
static void
not_logged(const struct secrets *s, FILE *f)
{
	char *text = log_taken(f);

	ck_assert_uint_gt(strlen(text), 0);
	for (size_t i = 0; i < s->n; i++) {
		char lo[2 * WINDOW + 1], up[2 * WINDOW + 1];
		for (size_t j = 0; j < WINDOW; j++) {
			snprintf(lo + 2 * j, 3, "%02x", s->s[i].b[j]);
			snprintf(up + 2 * j, 3, "%02X", s->s[i].b[j]);
		}
		ck_assert_msg(strstr(text, lo) == NULL &&
			strstr(text, up) == NULL &&
			memmem(text, strlen(text), s->s[i].b, WINDOW) == NULL,
		    "%s is in the log", s->s[i].what);
	}
	free(text);
}

/*
 * Child SAs: a rekey by each side (the old keys and the exchange's nonce
 * go), then the VPN's change deletes the Child SA (its keys go); the IKE
 * SA's keys stay, as does the PSK.
 */
START_TEST(child_keys_go)
{
	struct secrets s = { 0 };
	struct pair c;
	FILE *log = log_take();
	struct wire *w = wire_secrets(&s, &c, 0, false);
	size_t ike, esp1, esp2, esp3;

	gone(&s, 1, s.n, "up: the PPK, g^ir and SK_* before the PPK");
	there(&s, 0, 1, "up");
	ike = s.n;
	add_sk(&s, w);
	esp1 = s.n;
	add_esp(&s, w);
	there(&s, ike, s.n, "up");

	/* A rekeys: B decrypts (and reassembles) A's nonce */
	eng_expire(w->eng[0], mock_find(&w->dp[0], false)->spi, false, false);
	ck_assert(wire_run(w, child_rekeyed, 10));
	ck_assert_int_eq(s.nonces[0], 1);
	ck_assert_uint_gt(est(w, 1).in_reassembled, 0);
	gone(&s, esp1, s.n, "A's child rekey");
	esp2 = s.n;
	add_esp(&s, w);
	there(&s, esp2, s.n, "A's child rekey");

	/* B rekeys: A decrypts B's nonce */
	eng_expire(w->eng[1], mock_find(&w->dp[1], true)->spi, true, false);
	ck_assert(wire_run(w, child_rekeyed_twice, 10));
	ck_assert_int_eq(s.nonces[1], 1);
	gone(&s, esp2, s.n, "B's child rekey");
	esp3 = s.n;
	add_esp(&s, w);
	there(&s, esp3, s.n, "B's child rekey");

	/* the VPN changes: its Child SA is deleted */
	c.va.establish = ENG_RESPONDER_ONLY;
	ck_assert_int_eq(eng_vpn_set(w->eng[0], &c.va), 0);
	ck_assert(wire_run(w, child_gone, 10));
	gone(&s, esp3, s.n, "child delete");
	there(&s, 0, 1, "child delete");
	there(&s, ike, esp1, "child delete");
	not_logged(&s, log);
	wire_free(w);
}
END_TEST

/*
 * A child rekey with PFS (RFC 7296 1.3.1): its g^ir goes with the
 * exchange, the old keys with the old Child SA.  No fragments here: the
 * test reads B's answer as one SK message.
 */
START_TEST(child_pfs_keys_go)
{
	struct secrets s = { 0 };
	struct pair c;
	struct wire *w = wire_secrets(&s, &c, 0, true);
	size_t ike = s.n, esp;

	add_sk(&s, w);
	esp = s.n;
	add_esp(&s, w);
	there(&s, ike, s.n, "up");
	ck_assert(s.auth);
	gone(&s, 1, ike, "up: the PPK, g^ir, SK_* before the PPK, A's AUTH");
	eng_expire(w->eng[0], mock_find(&w->dp[0], false)->spi, false, false);
	ck_assert(wire_run(w, child_rekeyed, 10));
	ck_assert_int_eq(s.pfs, 1);
	gone(&s, esp, s.n, "a child rekey with PFS");
	there(&s, ike, esp, "a child rekey with PFS");
	wire_free(w);
}
END_TEST

static uint64_t old_ispi; /* the IKE SA that goes */

static bool
old_spi(const struct ike_sa *sa)
{
	return sa->ispi == old_ispi;
}

/* That IKE SA gone from both sides (A may start a new one). */
static bool
old_sa_gone(struct wire *w)
{
	return w->head == NULL && sa_with(w->eng[0], old_spi) == NULL &&
	    sa_with(w->eng[1], old_spi) == NULL;
}

/*
 * IKE SA: a rekey (the old SK_* go), `clear security ike
 * security-associations` (a Delete: every key goes, the configured PSK
 * stays), then the gateways' removal (the PSK goes).
 */
START_TEST(ike_keys_go)
{
	struct secrets s = { 0 };
	struct pair c;
	FILE *log = log_take();
	struct wire *w = wire_secrets(&s, &c, 1000, false);
	size_t ike1, nonce, ike2;
	char err[128];
	json_t *in, *r;

	ike1 = s.n;
	add_sk(&s, w);
	add_esp(&s, w);
	there(&s, ike1, s.n, "up");

	/* past the soft lifetime: A rekeys the IKE SA */
	nonce = s.n;
	wire_advance(w, 900);
	ck_assert(wire_run(w, ike_rekeyed, 10));
	ck_assert_int_eq(s.nonces[0], 1);
	gone(&s, ike1, ike1 + 7, "IKE SA rekey: the old SK_*");
	there(&s, ike1 + 7, nonce, "IKE SA rekey: the Child SA's keys");
	gone(&s, nonce, s.n, "IKE SA rekey: its nonce");
	ike2 = s.n;
	add_sk(&s, w);
	there(&s, ike2, s.n, "IKE SA rekey");

	/* clear: a Delete, both sides free it; A's new start is lost, as
	 * at the expiry below */
	old_ispi = sa_with(w->eng[0], is_up)->ispi;
	s.no_restart = true;
	in = json_object();
	r = eng_rpc(w->eng[0], "clear-security-ike-security-associations", in,
	    err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	json_decref(r);
	json_decref(in);
	ck_assert(wire_run(w, old_sa_gone, 10));
	gone(&s, 1, s.n, "clear");
	there(&s, 0, 1, "clear: the configured PSK");

	/* the gateways and VPNs leave the configuration */
	for (int i = 0; i < 2; i++) {
		eng_vpn_del(w->eng[i], "vpn1");
		eng_peer_del(w->eng[i], "gw");
	}
	ck_assert(wire_run(w, quiet, 10));
	gone(&s, 0, s.n, "gateway removed");
	not_logged(&s, log);
	wire_free(w);
}
END_TEST

/*
 * IKE SA: B's hard lifetime runs out (a Delete), then the gateways go.
 * A's `immediately` VPN starts again at once, but its IKE_SA_INITs are
 * lost: no new SA lands in the blocks the old one freed (calloc's zeros
 * would hide an unwiped copy).
 */
START_TEST(ike_keys_go_at_expiry)
{
	struct secrets s = { 0 };
	struct pair c;
	struct wire *w = wire_secrets(&s, &c, 1000, false);
	size_t ike = s.n;

	add_sk(&s, w);
	add_esp(&s, w);
	there(&s, ike, s.n, "up");
	old_ispi = sa_with(w->eng[0], is_up)->ispi;
	s.no_restart = true;
	/* B's clock jumps past the hard lifetime before any rekey */
	w->now += 1001;
	eng_timers_run(w->eng[1]);
	ck_assert(wire_run(w, old_sa_gone, 10));
	gone(&s, 1, s.n, "hard expiry");
	there(&s, 0, 1, "hard expiry: the configured PSK");
	eng_peer_del(w->eng[0], "gw");
	eng_peer_del(w->eng[1], "gw");
	ck_assert(wire_run(w, quiet, 10));
	gone(&s, 0, s.n, "gateway removed");
	wire_free(w);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("sa-wipe");
	TCase *tc = tcase_create("sa");

	tcase_add_test(tc, child_keys_go);
	tcase_add_test(tc, child_pfs_keys_go);
	tcase_add_test(tc, ike_keys_go);
	tcase_add_test(tc, ike_keys_go_at_expiry);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(su, tc);
	return check_main(0, su, NULL);
}
