/*
 * create_child: the CREATE_CHILD_SA exchange (RFC 7296 1.3), both roles.
 *
 *   new Child SA    I: SK{SA, Ni, [KEi], TSi, TSr}
 *   Child rekey     I: SK{N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}
 *                   R: SK{SA, Nr, [KEr], TSi, TSr}
 *   IKE SA rekey    I: SK{SA, Ni, KEi}   R: SK{SA, Nr, KEr}
 *
 * A Child SA's KEYMAT is prf+(SK_d, [g^ir |] Ni | Nr) with the nonces of
 * this exchange, "initiator" being its initiator (2.17); with PFS a KE
 * pair is exchanged (the ESP proposal's D-H group).  An IKE SA rekey
 * (2.18) makes a new IKE SA whose initiator is the rekey's initiator:
 * SKEYSEED = prf(SK_d (old), g^ir | Ni | Nr), new SPIs, message IDs from
 * 0; the Child SAs move to it and the rekey's initiator deletes the old
 * IKE SA.  After a Child SA rekey the initiator deletes the old Child SA:
 * its outbound SA goes once the new one is installed, its inbound one
 * when the Delete is answered (informational.c), so no packet is lost.
 *
 * Collisions (2.8.1, 2.8.2): when both peers rekey the same SA at once,
 * both exchanges complete; the new SA made by the exchange holding the
 * lowest of the four nonces is redundant and its creator deletes it.
 * The survivor's creator deletes the old SA.  A Child SA request during
 * our IKE SA rekey, an IKE SA rekey during our Child SA exchange, and a
 * rekey of a Child SA we are deleting get TEMPORARY_FAILURE (2.25); so
 * does anything asked of an IKE SA that a rekey replaced.  We retry
 * after TEMPORARY_FAILURE at a random delay (rk_error, then life.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

#define CC_KE_RETRIES 2 /* INVALID_KE_PAYLOAD answers taken */

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* Nonces compared as unsigned octet strings (2.8.1). */
static int
nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return (al > bl) - (al < bl);
}

/* The lower of an exchange's two nonces, into out. */
static size_t
nonce_min(
    const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint8_t *out)
{
	if (nonce_cmp(a, al, b, bl) <= 0) {
		memcpy(out, a, al);
		return al;
	}
	memcpy(out, b, bl);
	return bl;
}

void
rekey_free(struct rekey *rk)
{
	if (rk == NULL)
		return;
	dh_free(rk->dh);
	OPENSSL_cleanse(rk, sizeof(*rk));
	free(rk);
}

static bool
sa_can_rekey(const struct ike_sa *sa)
{
	return sa->state == IKE_ST_ESTABLISHED && !sa->rekeyed &&
	    sa->rk == NULL;
}

static int
rekey_queue(struct ike_sa *sa, struct rekey *rk)
{
	if (crypto_random(rk->ni, sizeof(rk->ni)) == -1) {
		rekey_free(rk);
		return -1;
	}
	sa->rk = rk;
	sa->x.pending |= XW_CREATE;
	if (!sa->x.busy)
		info_send_pending(sa);
	return 0;
}

int
rekey_child(struct ike_sa *sa, struct child_sa *c)
{
	struct rekey *rk;

	if (!sa_can_rekey(sa) || c->rekeyed || c->deleting || !c->in_dp)
		return -1;
	rk = xcalloc(1, sizeof(*rk));
	rk->kind = RK_CHILD_REKEY;
	rk->vpn = c->vpn;
	rk->old_spi = c->spi_in;
	rk->group = c->vpn->v.prop[0].dh;
	if ((rk->spi_in = child_spi_alloc(sa->e)) == 0) {
		rekey_free(rk);
		return -1;
	}
	log_info("ipsec vpn %s: rekeying Child SA %08x%s", c->vpn->v.name,
	    c->spi_in, rk->group ? " (PFS)" : "");
	return rekey_queue(sa, rk);
}

int
rekey_new_child(struct ike_sa *sa, struct eng_vpnc *vpn)
{
	struct rekey *rk;

	if (!sa_can_rekey(sa))
		return -1;
	rk = xcalloc(1, sizeof(*rk));
	rk->kind = RK_CHILD_NEW;
	rk->vpn = vpn;
	rk->group = vpn->v.prop[0].dh;
	if ((rk->spi_in = child_spi_alloc(sa->e)) == 0) {
		rekey_free(rk);
		return -1;
	}
	return rekey_queue(sa, rk);
}

int
rekey_ike(struct ike_sa *sa)
{
	struct ike_sa *nsa;
	struct rekey *rk;

	if (!sa_can_rekey(sa))
		return -1;
	/* The new IKE SA, ours to initiate: our SPI goes in the SA payload. */
	if ((nsa = sa_new(sa->e, sa->gw, true, 0)) == NULL)
		return -1;
	nsa->local = sa->local;
	nsa->remote = sa->remote;
	rk = xcalloc(1, sizeof(*rk));
	rk->kind = RK_IKE_REKEY;
	rk->new_ike = nsa->ispi;
	rk->group = sa->prop.dh;
	log_info("ike %s: rekeying IKE SA %016llx", sa->gw->p.name,
	    (unsigned long long)sa_our_spi(sa));
	return rekey_queue(sa, rk);
}

/* Drops our exchange (not sent yet, or failed) and what it made. */
static void
rekey_drop(struct ike_sa *sa)
{
	struct rekey *rk = sa->rk;

	if (rk == NULL)
		return;
	if (rk->kind == RK_IKE_REKEY)
		sa_free(sa_find(sa->e, rk->new_ike));
	sa->x.pending &= ~XW_CREATE;
	sa->rk = NULL;
	rekey_free(rk);
}

void
create_child_send(struct ike_sa *sa)
{
	struct rekey *rk = sa->rk;
	struct ike_sa_pld sap;
	struct ike_ts_pld tsi, tsr;
	uint8_t ke[CRYPTO_DH_MAX], spi[8];
	size_t kelen = 0;
	struct xmsg m;

	if (rk == NULL)
		return;
	if (sa->state != IKE_ST_ESTABLISHED || sa->rekeyed) {
		rekey_drop(sa);
		return;
	}
	dh_free(rk->dh);
	rk->dh = NULL;
	if (rk->group != 0 &&
	    ((rk->dh = dh_new_with(sa->e->dhp, rk->group)) == NULL ||
		dh_public(rk->dh, ke, sizeof(ke), &kelen) == -1)) {
		log_warn("ike %s: D-H group %u unavailable", sa->gw->p.name,
		    rk->group);
		rekey_drop(sa);
		return;
	}
	xchg_begin(sa, &m, CREATE_CHILD_SA, false);
	if (rk->kind == RK_IKE_REKEY) {
		put64(spi, rk->new_ike);
		prop_build(sa->gw->p.prop, sa->gw->p.nprop, PROTO_IKE, spi, 8,
		    true, &sap);
	} else {
		const struct eng_vpn *v = &rk->vpn->v;
		if (rk->kind == RK_CHILD_REKEY) {
			put32(spi, rk->old_spi);
			pld_add_notify(
			    &m.b, PROTO_ESP, spi, 4, N_REKEY_SA, NULL, 0);
		}
		put32(spi, rk->spi_in);
		prop_build(v->prop, v->nprop, PROTO_ESP, spi, 4, true, &sap);
		rk->vpn->nego++;
	}
	pld_add_sa(&m.b, &sap);
	pld_add_nonce(&m.b, rk->ni, sizeof(rk->ni));
	if (rk->dh != NULL)
		pld_add_ke(&m.b, rk->group, ke, kelen);
	if (rk->kind != RK_IKE_REKEY) {
		const struct eng_vpn *v = &rk->vpn->v;
		ts_ours(v->ts_local, v->nts_local, sa->remote.ss_family, &tsi);
		ts_ours(
		    v->ts_remote, v->nts_remote, sa->remote.ss_family, &tsr);
		pld_add_ts(&m.b, PLD_TSI, &tsi);
		pld_add_ts(&m.b, PLD_TSR, &tsr);
	}
	sa->child_negos++;
	if (xchg_finish(sa, &m, XW_CREATE) == -1)
		rekey_drop(sa);
}

/* Responder: an answer with one error notify (2.21.4). */
static void
cc_refuse(struct ike_sa *sa, uint16_t type, uint16_t group)
{
	uint8_t g[2] = { group >> 8, group & 0xff };
	struct xmsg m;
	char ab[64];

	log_info("ike %s: CREATE_CHILD_SA refused: %s (peer %s)",
	    sa->gw->p.name, ikev2_notify_name(type),
	    eng_addr_str(&sa->remote, ab, sizeof(ab)));
	xchg_begin(sa, &m, CREATE_CHILD_SA, true);
	pld_add_notify(&m.b, PROTO_NONE, NULL, 0, type,
	    type == N_INVALID_KE_PAYLOAD ? g : NULL,
	    type == N_INVALID_KE_PAYLOAD ? 2 : 0);
	xchg_finish(sa, &m, XW_NONE);
}

/* Our exchange of the same kind is on the wire: the peer's collides. */
static bool
rk_in_flight(const struct ike_sa *sa, enum rk_kind kind)
{
	return sa->rk != NULL && sa->rk->kind == kind && sa->x.busy &&
	    sa->x.what == XW_CREATE;
}

static void
rk_collide(struct ike_sa *sa, const struct ike_msg *msg, const uint8_t *nr,
    size_t nrlen)
{
	struct rekey *rk = sa->rk;

	rk->collided = true;
	rk->peer_min_len =
	    nonce_min(msg->nonce.p, msg->nonce.len, nr, nrlen, rk->peer_min);
}

/* Copies what an IKE SA rekey keeps (2.18) into the new SA. */
static void
ike_inherit(struct ike_sa *nsa, const struct ike_sa *old)
{
	nsa->local = old->local;
	nsa->remote = old->remote;
	nsa->natt = old->natt;
	nsa->nat_local = old->nat_local;
	nsa->nat_remote = old->nat_remote;
	/* RFC 8784: SK_d carries the PPK into every rekeyed key. */
	nsa->ppk_used = old->ppk_used;
	/* negotiated once, in IKE_SA_INIT (RFC 7383 2.3), and how we
	 * authenticated (IKE_AUTH): both stay with the rekeyed SA */
	nsa->frag_ok = old->frag_ok;
	nsa->auth_method = old->auth_method;
	sa_id_set(nsa, old->peer_id_type, old->peer_id, old->peer_id_len);
	nsa->rekeys = old->rekeys + 1;
	nsa->last_in = old->last_in;
}

static void
ike_move_children(struct ike_sa *from, struct ike_sa *to)
{
	from->rekeyed = true;
	while (from->child != NULL)
		child_move(from, to, from->child);
	/* Deletes that were queued on the old SA go again on the new. */
	for (struct child_sa *c = to->child, *cn; c != NULL; c = cn) {
		cn = c->next;
		if (c->deleting) {
			c->deleting = false;
			info_delete_child(to, c);
		}
	}
	from->ndel = from->ndel_sent = 0;
}

/* The new IKE SA's keys and state; 0, or -1 (nsa to be freed). */
static int
ike_rekey_keys(struct ike_sa *old, struct ike_sa *nsa,
    const struct eng_proposal *chosen, struct dh *dh,
    const struct ike_ke *peer_ke, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen)
{
	uint8_t shared[CRYPTO_DH_MAX];
	size_t shlen = 0;
	int rc = -1;

	nsa->prop = *chosen;
	if (prop_suite(chosen, true, &nsa->suite) == -1 ||
	    dh_shared(dh, peer_ke->data.p, peer_ke->data.len, shared,
		sizeof(shared), &shlen) == -1 ||
	    ike_keys_derive(nsa->e->ca, &nsa->keys, &nsa->suite, shared, shlen,
		ni, nilen, nr, nrlen, nsa->ispi, nsa->rspi, old->keys.prf,
		old->keys.sk_d, old->keys.d_len) == -1)
		goto done;
	ike_inherit(nsa, old);
	sa_nego_free(nsa);
	sa_state(nsa, IKE_ST_ESTABLISHED);
	life_ike_start(nsa);
	old->e->st.ike_established++;
	old->gw->st.ike_rekeys++;
	rc = 0;
done:
	OPENSSL_cleanse(shared, sizeof(shared));
	return rc;
}

/* Responder: 2.18. */
static void
ike_rekey_request(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ike_engine *e = sa->e;
	const struct ike_prop *which;
	struct eng_proposal chosen;
	struct ike_sa *nsa;
	struct ike_sa_pld sap;
	uint8_t nr[ENG_NONCE_LEN], ke[CRYPTO_DH_MAX], spi[8];
	size_t kelen;
	struct dh *dh = NULL;
	struct xmsg m;

	if (sa->rk != NULL && sa->rk->kind != RK_IKE_REKEY &&
	    sa->x.what == XW_CREATE) {
		cc_refuse(sa, N_TEMPORARY_FAILURE, 0); /* 2.25.2 */
		return;
	}
	if (prop_choose(sa->gw->p.prop, sa->gw->p.nprop, &msg->sa, PROTO_IKE,
		true, &chosen, &which) == -1 ||
	    which->spi_len != 8) {
		sa->gw->st.no_proposal++;
		eng_gw_why(sa->e, sa->gw,
		    "IKE SA rekey: no proposal chosen"); /* cc_refuse logs */
		cc_refuse(sa, N_NO_PROPOSAL_CHOSEN, 0);
		return;
	}
	if ((msg->present & PLD_BIT(PLD_KE)) == 0 ||
	    msg->ke.group != chosen.dh) {
		sa->gw->st.invalid_ke++;
		cc_refuse(sa, N_INVALID_KE_PAYLOAD, chosen.dh);
		return;
	}
	if ((nsa = sa_new(e, sa->gw, false, get64(which->spi))) == NULL ||
	    (dh = dh_new_with(sa->e->dhp, chosen.dh)) == NULL ||
	    crypto_random(nr, sizeof(nr)) == -1 ||
	    dh_public(dh, ke, sizeof(ke), &kelen) == -1 ||
	    ike_rekey_keys(sa, nsa, &chosen, dh, &msg->ke, msg->nonce.p,
		msg->nonce.len, nr, sizeof(nr)) == -1) {
		dh_free(dh);
		sa_free(nsa);
		cc_refuse(sa, N_NO_PROPOSAL_CHOSEN, 0);
		return;
	}
	dh_free(dh);
	if (rk_in_flight(sa, RK_IKE_REKEY)) {
		/* 2.8.2: both rekey; which new SA stays is decided when our
		 * own exchange ends (create_child_response). */
		rk_collide(sa, msg, nr, sizeof(nr));
		sa->rk->coll_ike = nsa->rspi;
	} else {
		rekey_drop(sa); /* a queued request of ours: moot */
		ike_move_children(sa, nsa);
	}
	put64(spi, nsa->rspi);
	prop_build(&chosen, 1, PROTO_IKE, spi, 8, true, &sap);
	sap.prop[0].num = which->num;
	xchg_begin(sa, &m, CREATE_CHILD_SA, true);
	pld_add_sa(&m.b, &sap);
	pld_add_nonce(&m.b, nr, sizeof(nr));
	pld_add_ke(&m.b, chosen.dh, ke, kelen);
	xchg_finish(sa, &m, XW_NONE);
	log_info("ike %s: IKE SA %016llx rekeyed by peer: now %016llx",
	    sa->gw->p.name, (unsigned long long)sa_our_spi(sa),
	    (unsigned long long)nsa->rspi);
	OPENSSL_cleanse(nr, sizeof(nr));
}

/* Responder: a new Child SA, or a rekey of one (REKEY_SA). */
static void
child_request(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_notify *rn = pld_notify_find(msg, N_REKEY_SA);
	struct child_sa *old = NULL, *c;
	struct eng_vpnc *vpn = NULL;
	const struct ike_prop *which;
	struct eng_proposal chosen;
	struct ike_ts_pld tsi, tsr;
	struct ike_sa_pld sap;
	uint8_t nr[ENG_NONCE_LEN], ke[CRYPTO_DH_MAX], shared[CRYPTO_DH_MAX];
	uint8_t spi[4];
	size_t kelen = 0, shlen = 0;
	struct dh *dh = NULL;
	struct xmsg m;

	if (sa->rk != NULL && sa->rk->kind == RK_IKE_REKEY &&
	    sa->x.what == XW_CREATE) {
		cc_refuse(sa, N_TEMPORARY_FAILURE, 0); /* 2.25.2 */
		return;
	}
	if (rn != NULL) {
		/* The peer names its inbound SPI: our outbound (3.10.1). */
		if (rn->proto == PROTO_ESP && rn->spi.len == 4)
			old = child_find_out(sa, get32(rn->spi.p));
		if (old == NULL || !old->in_dp) {
			cc_refuse(sa, N_CHILD_SA_NOT_FOUND, 0); /* 2.25.1 */
			return;
		}
		if (old->deleting) {
			cc_refuse(sa, N_TEMPORARY_FAILURE, 0);
			return;
		}
		vpn = old->vpn;
	}
	/* RFC 7296 2.9: a new one is for whichever VPN takes its TS. */
	uint16_t err =
	    child_vpn_choose(sa, msg, &vpn, &chosen, &which, &tsi, &tsr);
	if (err == 0 && chosen.dh != DH_NONE &&
	    ((msg->present & PLD_BIT(PLD_KE)) == 0 ||
		msg->ke.group != chosen.dh)) {
		sa->gw->st.invalid_ke++;
		err = N_INVALID_KE_PAYLOAD; /* 1.3 */
	}
	if (err != 0) {
		if (vpn != NULL) {
			vpn->nego++;
			vpn->nego_fail++;
		}
		cc_refuse(sa, err, chosen.dh);
		return;
	}
	vpn->nego++;
	if (crypto_random(nr, sizeof(nr)) == -1)
		goto fail;
	if (chosen.dh != DH_NONE &&
	    ((dh = dh_new_with(sa->e->dhp, chosen.dh)) == NULL ||
		dh_public(dh, ke, sizeof(ke), &kelen) == -1 ||
		dh_shared(dh, msg->ke.data.p, msg->ke.data.len, shared,
		    sizeof(shared), &shlen) == -1))
		goto fail;
	c = child_new(sa, vpn);
	c->prop = chosen;
	c->spi_out = get32(which->spi);
	c->spi_in = child_spi_alloc(sa->e);
	ts_to_sel(&tsr.ts[0], &c->sel_local);
	ts_to_sel(&tsi.ts[0], &c->sel_remote);
	if (c->spi_in == 0 || prop_suite(&chosen, false, &c->suite) == -1 ||
	    child_install_role(sa, c, false, shared, shlen, msg->nonce.p,
		msg->nonce.len, nr, sizeof(nr)) == -1) {
		child_free(sa, c);
		goto fail;
	}
	if (old != NULL) {
		if (rk_in_flight(sa, RK_CHILD_REKEY) &&
		    sa->rk->old_spi == old->spi_in) {
			rk_collide(sa, msg, nr, sizeof(nr)); /* 2.8.1 */
			sa->rk->coll_spi = c->spi_in;
		} else if (sa->rk != NULL && sa->rk->kind == RK_CHILD_REKEY &&
		    sa->rk->old_spi == old->spi_in) {
			rekey_drop(sa); /* ours was not sent yet */
		}
		old->rekeyed = true; /* the peer deletes it */
		sa->gw->st.child_rekeys++;
		eng_event_add(sa->e, vpn, "IPsec SA rekey succeeds");
	} else {
		eng_event_add(sa->e, vpn, "IPsec SA negotiation succeeds");
	}
	put32(spi, c->spi_in);
	prop_build(&chosen, 1, PROTO_ESP, spi, 4, true, &sap);
	sap.prop[0].num = which->num;
	xchg_begin(sa, &m, CREATE_CHILD_SA, true);
	pld_add_sa(&m.b, &sap);
	pld_add_nonce(&m.b, nr, sizeof(nr));
	if (dh != NULL)
		pld_add_ke(&m.b, chosen.dh, ke, kelen);
	pld_add_ts(&m.b, PLD_TSI, &tsi);
	pld_add_ts(&m.b, PLD_TSR, &tsr);
	xchg_finish(sa, &m, XW_NONE);
	goto done;
fail:
	vpn->nego_fail++;
	cc_refuse(sa, N_NO_PROPOSAL_CHOSEN, 0);
done:
	dh_free(dh);
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(nr, sizeof(nr));
}

void
create_child_request(struct ike_sa *sa, const struct ike_msg *msg)
{
	if (sa->state != IKE_ST_ESTABLISHED || sa->rekeyed) {
		cc_refuse(sa, N_TEMPORARY_FAILURE, 0);
		return;
	}
	if (msg->nonce.len < CRYPTO_NONCE_MIN ||
	    msg->nonce.len > CRYPTO_NONCE_MAX) {
		cc_refuse(sa, N_INVALID_SYNTAX, 0);
		return;
	}
	/* RFC 7296 1.3.2: no traffic selectors, an IKE SA rekey. */
	if ((msg->present & PLD_BIT(PLD_TSI)) == 0)
		ike_rekey_request(sa, msg);
	else
		child_request(sa, msg);
}

/* Initiator: 2.18.  The old SA may be gone when this returns. */
static void
ike_rekey_done(struct ike_sa *sa, struct rekey *rk, const struct ike_msg *msg)
{
	struct ike_sa *nsa = sa_find(sa->e, rk->new_ike), *coll;
	const struct ike_prop *which;
	struct eng_proposal chosen;
	uint8_t lo[CRYPTO_NONCE_MAX];
	size_t lolen;

	if (nsa == NULL || nsa->state != IKE_ST_NEW || rk->dh == NULL ||
	    msg->sa.nprop != 1 ||
	    prop_choose(sa->gw->p.prop, sa->gw->p.nprop, &msg->sa, PROTO_IKE,
		true, &chosen, &which) == -1 ||
	    which->spi_len != 8 || get64(which->spi) == 0 ||
	    (msg->present & PLD_BIT(PLD_KE)) == 0 ||
	    msg->ke.group != rk->group) {
		log_info(
		    "ike %s: IKE SA rekey answer unacceptable", sa->gw->p.name);
		goto fail;
	}
	nsa->rspi = get64(which->spi);
	if (ike_rekey_keys(sa, nsa, &chosen, rk->dh, &msg->ke, rk->ni,
		sizeof(rk->ni), msg->nonce.p, msg->nonce.len) == -1)
		goto fail;
	log_info("ike %s: IKE SA %016llx rekeyed: now %016llx", sa->gw->p.name,
	    (unsigned long long)sa_our_spi(sa), (unsigned long long)nsa->ispi);
	lolen =
	    nonce_min(rk->ni, sizeof(rk->ni), msg->nonce.p, msg->nonce.len, lo);
	if (rk->collided &&
	    nonce_cmp(lo, lolen, rk->peer_min, rk->peer_min_len) < 0) {
		/* 2.8.2: ours holds the lowest nonce: redundant, we delete
		 * it; the peer, creator of the survivor, deletes the old. */
		log_info("ike %s: simultaneous IKE SA rekey: ours is "
			 "redundant",
		    sa->gw->p.name);
		if ((coll = sa_find(sa->e, rk->coll_ike)) != NULL)
			ike_move_children(sa, coll);
		sa->rekeyed = true;
		info_delete_ike(nsa);
		return;
	}
	ike_move_children(sa, nsa);
	info_delete_ike(sa);
	return;
fail:
	sa_free(nsa);
	if (rk->collided && (coll = sa_find(sa->e, rk->coll_ike)) != NULL)
		ike_move_children(sa, coll); /* the peer's one stays */
}

/* Initiator: the new Child SA; for a rekey, the old one goes. */
static void
child_done(struct ike_sa *sa, struct rekey *rk, const struct ike_msg *msg)
{
	struct eng_vpnc *vpn = rk->vpn;
	struct child_sa *old = NULL, *c;
	struct ike_ts_pld tsi, tsr;
	const struct ike_prop *which;
	struct eng_proposal chosen;
	uint8_t shared[CRYPTO_DH_MAX], lo[CRYPTO_NONCE_MAX];
	size_t shlen = 0, lolen;

	if (rk->kind == RK_CHILD_REKEY)
		old = child_find_in(sa, rk->old_spi);
	ts_ours(vpn->v.ts_local, vpn->v.nts_local, sa->remote.ss_family, &tsi);
	ts_ours(
	    vpn->v.ts_remote, vpn->v.nts_remote, sa->remote.ss_family, &tsr);
	if (msg->sa.nprop != 1 ||
	    prop_choose(vpn->v.prop, vpn->v.nprop, &msg->sa, PROTO_ESP, true,
		&chosen, &which) == -1 ||
	    (msg->present & PLD_BIT(PLD_TSI)) == 0 ||
	    !ts_is_subset(&msg->tsi, &tsi) || !ts_is_subset(&msg->tsr, &tsr) ||
	    chosen.dh != rk->group ||
	    (chosen.dh != DH_NONE &&
		((msg->present & PLD_BIT(PLD_KE)) == 0 ||
		    msg->ke.group != chosen.dh ||
		    dh_shared(rk->dh, msg->ke.data.p, msg->ke.data.len, shared,
			sizeof(shared), &shlen) == -1))) {
		eng_gw_fail(sa->e, sa->gw, vpn, (struct sockaddr *)&sa->remote,
		    "peer's Child SA unacceptable");
		vpn->nego_fail++;
		sa->gw->st.no_proposal++;
		goto done;
	}
	c = child_new(sa, vpn);
	c->prop = chosen;
	c->spi_in = rk->spi_in;
	c->spi_out = get32(which->spi);
	ts_to_sel(&msg->tsi.ts[0], &c->sel_local);
	ts_to_sel(&msg->tsr.ts[0], &c->sel_remote);
	if (prop_suite(&chosen, false, &c->suite) == -1 ||
	    child_install_role(sa, c, true, shared, shlen, rk->ni,
		sizeof(rk->ni), msg->nonce.p, msg->nonce.len) == -1) {
		child_free(sa, c);
		vpn->nego_fail++;
		goto done;
	}
	if (rk->kind == RK_CHILD_NEW) {
		eng_event_add(sa->e, vpn, "IPsec SA negotiation succeeds");
		goto done;
	}
	sa->gw->st.child_rekeys++;
	eng_event_add(sa->e, vpn, "IPsec SA rekey succeeds");
	lolen =
	    nonce_min(rk->ni, sizeof(rk->ni), msg->nonce.p, msg->nonce.len, lo);
	if (rk->collided &&
	    nonce_cmp(lo, lolen, rk->peer_min, rk->peer_min_len) < 0) {
		/* 2.8.1: ours is redundant; the peer deletes the old one. */
		log_info("ipsec vpn %s: simultaneous rekey: Child SA %08x is "
			 "redundant",
		    vpn->v.name, c->spi_in);
		c->rekeyed = true;
		info_delete_child(sa, c);
		goto done;
	}
	if (old != NULL) {
		old->rekeyed = true;
		info_delete_child(sa, old);
	}
done:
	OPENSSL_cleanse(shared, sizeof(shared));
}

/* An error answer: 1 when it was handled by sending again. */
static int
rk_error(
    struct ike_sa *sa, struct rekey *rk, const struct ike_msg *msg, uint16_t t)
{
	const struct ike_notify *nt = pld_notify_find(msg, t);
	struct child_sa *old =
	    rk->kind == RK_CHILD_REKEY ? child_find_in(sa, rk->old_spi) : NULL;
	uint8_t r = 0;
	char ab[64];

	/* 2.21.4: a failure of the exchange, or for later (a KE group, a
	 * TEMPORARY_FAILURE, a Child SA gone): only a failure is the
	 * gateway's last reason. */
	if (t == N_NO_PROPOSAL_CHOSEN || t == N_TS_UNACCEPTABLE)
		eng_gw_fail(sa->e, sa->gw, rk->vpn,
		    (struct sockaddr *)&sa->remote,
		    "CREATE_CHILD_SA refused by peer: %s",
		    ikev2_notify_name(t));
	else
		log_info(
		    "ike %s: CREATE_CHILD_SA refused by peer: %s (peer %s)",
		    sa->gw->p.name, ikev2_notify_name(t),
		    eng_addr_str(&sa->remote, ab, sizeof(ab)));
	if (rk->vpn != NULL)
		rk->vpn->nego_fail++;
	switch (t) {
	case N_INVALID_KE_PAYLOAD:
		sa->gw->st.invalid_ke++;
		if (nt->data.len == 2 && rk->ke_retries++ < CC_KE_RETRIES) {
			rk->group =
			    (uint16_t)(nt->data.p[0] << 8 | nt->data.p[1]);
			sa->rk = rk;
			create_child_send(sa);
			return 1;
		}
		break;
	case N_TEMPORARY_FAILURE:
		/* 2.25: try again after a random delay; the IKE SA's
		 * initiator in the first half of the range, the responder
		 * in the second, so two refused requests do not meet again. */
		crypto_random(&r, 1);
		time_t at = eng_now(sa->e) +
		    (sa->initiator ? ENG_TEMPFAIL_MIN_S + r % 2
				   : ENG_TEMPFAIL_MAX_S - 1 + r % 2);
		if (old != NULL)
			old->retry_at = at;
		else if (rk->kind == RK_IKE_REKEY)
			sa->retry_at = at;
		break;
	case N_CHILD_SA_NOT_FOUND:
		if (old != NULL)
			child_free(sa, old); /* 2.25.1: gone there */
		break;
	case N_NO_PROPOSAL_CHOSEN: sa->gw->st.no_proposal++; break;
	case N_TS_UNACCEPTABLE: sa->gw->st.ts_unacceptable++; break;
	default: break;
	}
	/* A collision we lost anyway: the peer's new IKE SA stays. */
	if (rk->collided && rk->kind == RK_IKE_REKEY) {
		struct ike_sa *coll = sa_find(sa->e, rk->coll_ike);
		if (coll != NULL)
			ike_move_children(sa, coll);
	}
	if (rk->kind == RK_IKE_REKEY)
		sa_free(sa_find(sa->e, rk->new_ike));
	return 0;
}

void
create_child_response(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct rekey *rk = sa->rk;

	if (rk == NULL || sa->x.what != XW_CREATE)
		return;
	xchg_answered(sa);
	sa->rk = NULL;
	for (size_t i = 0; i < msg->nnotify; i++) {
		uint16_t t = msg->notify[i].type;
		if (t > IKE_NOTIFY_ERROR_MAX)
			continue;
		if (rk_error(sa, rk, msg, t) == 1)
			return; /* sent again: rk is back */
		rekey_free(rk);
		xchg_kick(sa);
		return;
	}
	if (msg->nonce.len < CRYPTO_NONCE_MIN ||
	    (msg->present & PLD_BIT(PLD_SA)) == 0) {
		rk_error(sa, rk, msg, N_INVALID_SYNTAX);
		rekey_free(rk);
		xchg_kick(sa);
		return;
	}
	if (rk->kind == RK_IKE_REKEY) {
		ike_rekey_done(sa, rk, msg); /* may send a Delete */
		rekey_free(rk);
		return;
	}
	child_done(sa, rk, msg);
	rekey_free(rk);
	xchg_kick(sa);
}
