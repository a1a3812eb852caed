/*
 * ike_sa_init: the IKE_SA_INIT exchange (RFC 7296 1.2), both roles.
 *
 *   I -> R  HDR, [N(COOKIE)], SAi1, KEi, Ni, N(NAT_DETECTION_*),
 *           [N(USE_PPK)]
 *   R -> I  HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*), [N(USE_PPK)]
 *
 * The responder picks the first of the initiator's proposals one of ours
 * accepts; a KE of another group is answered with INVALID_KE_PAYLOAD
 * naming ours (2.7), which the initiator takes once and retries with.
 * Error answers to IKE_SA_INIT are sent without an SA being kept (2.21.1).
 * After this exchange both sides have SKEYSEED and SK_* (2.14) and each
 * keeps the two messages, which the AUTH payloads sign (2.15).  NAT
 * detection is in natd.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

#define SA_INIT_RETRIES_MAX 3 /* INVALID_KE / COOKIE answers taken */

static uint8_t *
dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *c = xmalloc(len ? len : 1);

	memcpy(c, p, len);
	return c;
}

static int
sa_init_send(struct ike_sa *sa, uint16_t group)
{
	struct ike_nego *n = sa->n;
	struct ike_sa_pld sap;
	uint8_t ke[CRYPTO_DH_MAX];
	size_t kelen;
	struct xmsg m;

	/*
	 * RFC 7296 2.6: a request repeated with a COOKIE keeps "all other
	 * payloads unchanged", the KE (so the D-H secret) and Ni included;
	 * only INVALID_KE_PAYLOAD (1.2, 2.7) asks for another group.
	 */
	if (n->dh != NULL && dh_group(n->dh) != group) {
		dh_free(n->dh);
		n->dh = NULL;
	}
	if (n->dh == NULL)
		n->dh = dh_new_with(sa->e->dhp, group);
	if (n->dh == NULL || dh_public(n->dh, ke, sizeof(ke), &kelen) == -1) {
		log_warn(
		    "ike %s: D-H group %u unavailable", sa->gw->p.name, group);
		return -1;
	}
	xchg_stop(sa);
	sa->x.next_id = 0;
	xchg_begin(sa, &m, IKE_SA_INIT, false);
	/* RFC 7296 2.6: the cookie is the first payload. */
	if (n->cookie_len)
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0, N_COOKIE, n->cookie,
		    n->cookie_len);
	prop_build(
	    sa->gw->p.prop, sa->gw->p.nprop, PROTO_IKE, NULL, 0, true, &sap);
	pld_add_sa(&m.b, &sap);
	pld_add_ke(&m.b, group, ke, kelen);
	pld_add_nonce(&m.b, n->ni, n->nilen);
	natd_add(sa, &m.b);
	/* RFC 8784 3: USE_PPK whether the PPK is mandatory or not. */
	if (sa->gw->p.ppk_profile[0] != '\0')
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0, N_USE_PPK, NULL, 0);
	/* RFC 7383 2.3 */
	if (sa->gw->p.fragmentation)
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0,
		    N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	cert_sa_init_add(sa, &m.b, false);
	if (xchg_finish(sa, &m, XW_SA_INIT) == -1)
		return -1;
	free(n->msg1);
	n->msg1 = dup_bytes(sa->x.req, sa->x.req_len);
	n->msg1_len = sa->x.req_len;
	sa_state(sa, IKE_ST_INIT_SENT);
	return 0;
}

struct ike_sa *
sa_init_start(struct ike_engine *e, struct eng_gw *gw, struct eng_vpnc *vpn)
{
	struct ike_sa *sa;

	if (gw->p.nprop == 0 || gw->p.remote.ss_family == AF_UNSPEC)
		return NULL;
	sa = sa_new(e, gw, true, 0);
	if (sa == NULL)
		return NULL;
	sa->remote = gw->p.remote;
	if (eng_port((struct sockaddr *)&sa->remote) == 0)
		eng_set_port(&sa->remote, IKE_PORT);
	sa->local = gw->p.local;
	if (sa->local.ss_family != AF_UNSPEC &&
	    eng_port((struct sockaddr *)&sa->local) == 0)
		eng_set_port(&sa->local, IKE_PORT);
	sa->n->vpn = vpn;
	sa->n->nilen = ENG_NONCE_LEN;
	if (crypto_pool_random(&e->rnd, sa->n->ni, sa->n->nilen) == -1 ||
	    sa_init_send(sa, gw->p.prop[0].dh) == -1) {
		sa_free(sa);
		return NULL;
	}
	log_info("ike %s: initiating IKE SA %016llx", gw->p.name,
	    (unsigned long long)sa->ispi);
	collide_mark(sa);
	return sa;
}

static bool
nonce_ok(const struct ike_msg *msg)
{
	return msg->nonce.len >= CRYPTO_NONCE_MIN &&
	    msg->nonce.len <= CRYPTO_NONCE_MAX;
}

/* SKEYSEED and SK_* from the peer's KE (RFC 7296 2.14). */
static int
sa_init_keys(struct ike_sa *sa, const struct ike_ke *ke)
{
	struct ike_nego *n = sa->n;
	uint8_t shared[CRYPTO_DH_MAX];
	size_t shlen = 0;
	int rc = -1;

	if (prop_suite(&sa->prop, true, &sa->suite) == -1)
		goto done;
	if (dh_shared(n->dh, ke->data.p, ke->data.len, shared, sizeof(shared),
		&shlen) == -1)
		goto done;
	if (ike_keys_derive(sa->e->ca, &sa->keys, &sa->suite, shared, shlen,
		n->ni, n->nilen, n->nr, n->nrlen, sa->ispi, sa->rspi, NULL,
		NULL, 0) == -1)
		goto done;
	rc = 0;
done:
	OPENSSL_cleanse(shared, sizeof(shared));
	return rc;
}

void
sa_init_request(struct ike_engine *e, const struct ike_msg *msg,
    const struct sockaddr *remote, const struct sockaddr *local)
{
	const struct ike_hdr *h = &msg->hdr;
	struct eng_proposal chosen;
	const struct ike_prop *which;
	struct ike_sa *sa;
	struct eng_gw *gw;
	struct xmsg m;
	char ab[64];

	if (h->rspi != 0 || h->msgid != 0 ||
	    (h->flags & IKE_FLAG_INITIATOR) == 0) {
		e->st.in_malformed++;
		return;
	}
	/* RFC 7296 2.1: a repeated request gets the same answer. */
	sa = sa_find_peer(e, h->ispi, remote);
	if (sa != NULL) {
		if (sa->x.resp != NULL && sa->x.resp_id == 0 &&
		    sa->state == IKE_ST_INIT_DONE) {
			e->st.in_dup_answered++;
			eng_send(e, sa->x.resp, sa->x.resp_len, &sa->local,
			    &sa->remote);
		} else {
			e->st.in_bad_msgid++;
		}
		return;
	}
	gw = eng_gw_match(e, remote, local);
	if (gw == NULL) {
		struct sockaddr_storage ss;
		eng_ss_copy(&ss, remote);
		log_info("ike: IKE_SA_INIT from %s: no gateway configured",
		    eng_addr_str(&ss, ab, sizeof(ab)));
		e->st.in_unknown_spi++;
		return;
	}
	/*
	 * One address's share (sa.c sa_peer_*), before any state: full, the
	 * request is dropped like one over max-count (RFC 7296 2.6 names no
	 * error for it; a real peer retransmits and gets in once some of
	 * the address's complete or time out).  From half of it on (and one
	 * held), the address must return a COOKIE (2.6): a spoofer of a
	 * peer's address fills at most that half.
	 */
	size_t mine = sa_peer_half_open(e, remote);
	if (mine >= e->hop_max) {
		if (e->st.in_half_open_peer++ == 0)
			log_warn("ike %s: %zu half-open IKE SAs from one "
				 "address: its IKE_SA_INIT dropped until some "
				 "complete or time out",
			    gw->p.name, mine);
		return;
	}
	bool busy = mine > 0 && mine >= e->hop_max / 2;
	if (cookie_check(e, msg, remote, busy) != 0)
		return;
	if (e->half_open >= e->lim.half_open_max) {
		/* Junos half-open max-count; the peer retransmits */
		if (e->st.in_half_open_full++ == 0)
			log_warn("ike: %zu half-open IKE SAs: IKE_SA_INIT "
				 "dropped until some complete or time out",
			    e->half_open);
		return;
	}
	if (prop_choose(gw->p.prop, gw->p.nprop, &msg->sa, PROTO_IKE, true,
		&chosen, &which) == -1) {
		gw->st.no_proposal++;
		eng_gw_fail(
		    e, gw, NULL, remote, "IKE_SA_INIT: no proposal chosen");
		eng_notify_clear(
		    e, h, N_NO_PROPOSAL_CHOSEN, NULL, 0, remote, local);
		return;
	}
	if ((msg->present & PLD_BIT(PLD_KE)) == 0 || !nonce_ok(msg)) {
		eng_notify_clear(
		    e, h, N_INVALID_SYNTAX, NULL, 0, remote, local);
		return;
	}
	if (msg->ke.group != chosen.dh) {
		/* RFC 7296 1.2, 2.7: name the group we want. */
		uint8_t g[2] = { chosen.dh >> 8, chosen.dh & 0xff };
		log_info("ike %s: peer's KE is group %u, asking for %u",
		    gw->p.name, msg->ke.group, chosen.dh);
		gw->st.invalid_ke++;
		eng_notify_clear(
		    e, h, N_INVALID_KE_PAYLOAD, g, sizeof(g), remote, local);
		return;
	}

	sa = sa_new(e, gw, false, h->ispi);
	if (sa == NULL)
		return;
	eng_ss_copy(&sa->remote, remote);
	if (local != NULL)
		eng_ss_copy(&sa->local, local);
	sa->prop = chosen;
	struct ike_nego *n = sa->n;
	n->nilen = msg->nonce.len;
	memcpy(n->ni, msg->nonce.p, n->nilen);
	n->nrlen = ENG_NONCE_LEN;
	n->dh = dh_new_with(e->dhp, chosen.dh);
	if (n->dh == NULL ||
	    crypto_pool_random(&e->rnd, n->nr, n->nrlen) == -1 ||
	    sa_init_keys(sa, &msg->ke) == -1) {
		log_info("ike %s: IKE_SA_INIT refused: bad KE", gw->p.name);
		sa_free(sa);
		eng_notify_clear(
		    e, h, N_INVALID_SYNTAX, NULL, 0, remote, local);
		return;
	}
	n->msg1 = dup_bytes(msg->raw.p, msg->raw.len);
	n->msg1_len = msg->raw.len;
	n->use_ppk = gw->p.ppk_profile[0] != '\0' &&
	    pld_notify_find(msg, N_USE_PPK) != NULL;
	natd_check(sa, msg);
	sa->frag_ok = gw->p.fragmentation &&
	    pld_notify_find(msg, N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	cert_sa_init_take(sa, msg);
	sa->x.peer_next = 1;

	struct ike_sa_pld sap;
	uint8_t ke[CRYPTO_DH_MAX];
	size_t kelen;
	dh_public(n->dh, ke, sizeof(ke), &kelen);
	prop_build(&chosen, 1, PROTO_IKE, NULL, 0, true, &sap);
	sap.prop[0].num = which->num;
	xchg_begin(sa, &m, IKE_SA_INIT, true);
	pld_add_sa(&m.b, &sap);
	pld_add_ke(&m.b, chosen.dh, ke, kelen);
	pld_add_nonce(&m.b, n->nr, n->nrlen);
	natd_add(sa, &m.b);
	if (n->use_ppk)
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0, N_USE_PPK, NULL, 0);
	if (sa->frag_ok)
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0,
		    N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	cert_sa_init_add(sa, &m.b, true);
	if (xchg_finish(sa, &m, XW_NONE) == -1) {
		sa_free(sa);
		return;
	}
	n->msg2 = dup_bytes(sa->x.resp, sa->x.resp_len);
	n->msg2_len = sa->x.resp_len;
	sa_state(sa, IKE_ST_INIT_DONE);
	collide_mark(sa);
}

static bool
group_offered(const struct eng_gw *gw, uint16_t group)
{
	for (size_t i = 0; i < gw->p.nprop; i++)
		if (gw->p.prop[i].dh == group)
			return true;
	return false;
}

/* Error notifies in the answer: retry or give up.  1: handled. */
static int
sa_init_errors(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct eng_gw *gw = sa->gw;
	const struct ike_notify *nt;

	nt = pld_notify_find(msg, N_INVALID_KE_PAYLOAD);
	if (nt != NULL && nt->data.len == 2) {
		uint16_t g = (uint16_t)(nt->data.p[0] << 8 | nt->data.p[1]);
		gw->st.invalid_ke++;
		if (group_offered(gw, g) && g != dh_group(sa->n->dh) &&
		    sa->n->ke_retries++ < SA_INIT_RETRIES_MAX) {
			log_info("ike %s: responder wants D-H group %u, "
				 "retrying",
			    gw->p.name, g);
			if (sa_init_send(sa, g) == -1)
				sa_free(sa);
			return 1;
		}
	}
	nt = pld_notify_find(msg, N_COOKIE);
	if (nt != NULL && nt->data.len >= 1 &&
	    nt->data.len <= sizeof(sa->n->cookie) &&
	    sa->n->ke_retries++ < SA_INIT_RETRIES_MAX) {
		/* RFC 7296 2.6: repeat the request with the cookie. */
		log_info("ike %s: the responder asks for a COOKIE; "
			 "IKE_SA_INIT again with it",
		    gw->p.name);
		memcpy(sa->n->cookie, nt->data.p, nt->data.len);
		sa->n->cookie_len = nt->data.len;
		if (sa_init_send(sa, dh_group(sa->n->dh)) == -1)
			sa_free(sa);
		return 1;
	}
	for (size_t i = 0; i < msg->nnotify; i++) {
		uint16_t t = msg->notify[i].type;
		if (t > IKE_NOTIFY_ERROR_MAX)
			continue;
		if (t == N_NO_PROPOSAL_CHOSEN)
			gw->st.no_proposal++;
		eng_gw_fail(sa->e, gw, NULL, (struct sockaddr *)&sa->remote,
		    "IKE_SA_INIT refused by peer: %s", ikev2_notify_name(t));
		sa_free(sa);
		return 1;
	}
	return 0;
}

void
sa_init_response(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct eng_gw *gw = sa->gw;
	const struct ike_prop *which;
	struct eng_proposal chosen;

	if (sa->state != IKE_ST_INIT_SENT)
		return;
	if (sa_init_errors(sa, msg))
		return;
	if (msg->hdr.rspi == 0 || msg->sa.nprop != 1 ||
	    (msg->present & PLD_BIT(PLD_KE)) == 0 || !nonce_ok(msg) ||
	    prop_choose(gw->p.prop, gw->p.nprop, &msg->sa, PROTO_IKE, true,
		&chosen, &which) == -1 ||
	    msg->ke.group != dh_group(sa->n->dh)) {
		gw->st.no_proposal++;
		eng_gw_fail(sa->e, gw, NULL, (struct sockaddr *)&sa->remote,
		    "IKE_SA_INIT response unacceptable");
		sa_free(sa);
		return;
	}
	sa->rspi = msg->hdr.rspi;
	sa->prop = chosen;
	sa->n->nrlen = msg->nonce.len;
	memcpy(sa->n->nr, msg->nonce.p, sa->n->nrlen);
	if (sa_init_keys(sa, &msg->ke) == -1) {
		log_info("ike %s: bad KE from responder", gw->p.name);
		sa_free(sa);
		return;
	}
	sa->n->msg2 = dup_bytes(msg->raw.p, msg->raw.len);
	sa->n->msg2_len = msg->raw.len;
	sa->n->use_ppk = pld_notify_find(msg, N_USE_PPK) != NULL &&
	    gw->p.ppk_profile[0] != '\0';
	natd_check(sa, msg);
	sa->frag_ok = gw->p.fragmentation &&
	    pld_notify_find(msg, N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	cert_sa_init_take(sa, msg);
	xchg_answered(sa);
	if (gw->p.ppk_profile[0] != '\0' && !sa->n->use_ppk &&
	    !gw->p.ppk_optional) {
		/* RFC 8784 3: mandatory PPK and no USE_PPK back: abort. */
		gw->st.auth_failed++;
		eng_gw_fail(sa->e, gw, NULL, (struct sockaddr *)&sa->remote,
		    "PPK required but peer does not support PPK");
		sa_free(sa);
		return;
	}
	auth_start(sa);
}
