/*
 * child: Child SAs (RFC 7296 1.3, 2.17).  A Child SA is a pair of ESP SAs
 * under one IKE SA: inbound with the SPI we chose, outbound with the
 * peer's.  KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) is split by crypto.h into
 * the initiator-to-responder keys and back; here each side picks its own
 * direction, fills a dp_sa and hands it to the dataplane, and wipes the
 * copy.  When the Child SA goes, both directions leave the dataplane.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

struct child_sa *
child_new(struct ike_sa *sa, struct eng_vpnc *vpn)
{
	struct child_sa *c = xcalloc(1, sizeof(*c));

	c->vpn = vpn;
	if (vpn != NULL)
		vpn->nchild++;
	c->created = eng_now(sa->e);
	c->next = sa->child;
	sa->child = c;
	return c;
}

static void
child_unlink(struct ike_sa *sa, struct child_sa *c)
{
	struct child_sa **pp = &sa->child;

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->next;
	if (*pp != NULL)
		*pp = c->next;
}

void
child_move(struct ike_sa *from, struct ike_sa *to, struct child_sa *c)
{
	child_unlink(from, c);
	c->next = to->child;
	to->child = c;
}

/* RFC 7296 2.8: the new outbound SA carries traffic from now on. */
void
child_out_remove(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_engine *e = sa->e;

	if (!c->in_dp || c->out_gone)
		return;
	e->dp_ops->sa_del(e->dp, c->spi_out, false);
	c->out_gone = true;
}

/*
 * RFC 7296 2.23: the IKE SA's peer answered from a new address or port;
 * the outbound SAs follow it (the inbound ones take ESP from anywhere).
 */
void
child_peer_moved(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	struct dp_addr r;
	uint16_t dport =
	    sa->natt ? eng_port((const struct sockaddr *)&sa->remote) : 0;

	eng_addr_to_dp(&sa->remote, &r);
	for (struct child_sa *c = sa->child; c; c = c->next) {
		if (!c->in_dp || c->out_gone)
			continue;
		if (e->dp_ops->sa_peer == NULL) {
			log_warn("ipsec vpn %s: the %s dataplane cannot follow "
				 "the peer to its new port; SA %08x still "
				 "sends to the old one",
			    c->vpn->v.name, e->dp_ops->name, c->spi_out);
			continue;
		}
		e->dp_ops->sa_peer(e->dp, c->spi_out, &r, dport);
	}
}

struct child_sa *
child_find_in(struct ike_sa *sa, uint32_t spi_in)
{
	struct child_sa *c = sa->child;

	while (c != NULL && c->spi_in != spi_in)
		c = c->next;
	return c;
}

struct child_sa *
child_find_out(struct ike_sa *sa, uint32_t spi_out)
{
	struct child_sa *c = sa->child;

	while (c != NULL && c->spi_out != spi_out)
		c = c->next;
	return c;
}

static bool
spi_in_use(struct ike_engine *e, uint32_t spi)
{
	for (size_t i = 0; i < e->nbuckets; i++)
		for (struct ike_sa *sa = e->tab[i]; sa; sa = sa->hnext)
			if (child_find_in(sa, spi) != NULL ||
			    (sa->n != NULL && sa->n->child_spi == spi) ||
			    (sa->rk != NULL && sa->rk->spi_in == spi))
				return true;
	return false;
}

/*
 * Every inbound SPI handed out, as a set (open addressing; 0 is empty, no
 * SPI is below 256): one that is not in it is free, so allocating costs no
 * walk of every SA (it did, O(N) per Child SA).  Entries are never removed
 * one by one (an SPI passes from a negotiation to a rekey to a Child SA);
 * when the set is half full it is rebuilt from the SPIs in use, which
 * drops the stale ones: amortized O(1).
 */
#define SPISET_MIN 64

static size_t
spiset_slot(uint32_t spi, size_t cap)
{
	return (size_t)((spi * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static bool
spiset_has(const struct ike_engine *e, uint32_t spi)
{
	if (e->spiset_cap == 0)
		return false;
	for (size_t i = spiset_slot(spi, e->spiset_cap);;
	     i = (i + 1) & (e->spiset_cap - 1)) {
		if (e->spiset[i] == spi)
			return true;
		if (e->spiset[i] == 0)
			return false;
	}
}

static void
spiset_put(struct ike_engine *e, uint32_t spi)
{
	size_t i = spiset_slot(spi, e->spiset_cap);

	while (e->spiset[i] != 0 && e->spiset[i] != spi)
		i = (i + 1) & (e->spiset_cap - 1);
	if (e->spiset[i] == 0) {
		e->spiset[i] = spi;
		e->spiset_n++;
	}
}

/* The SPIs in use now, in a set room enough for as many again. */
static void
spiset_rebuild(struct ike_engine *e)
{
	size_t used = 0, cap = SPISET_MIN;

	SA_EACH(e, sa, nx, i)
	{
		for (struct child_sa *c = sa->child; c; c = c->next)
			used++;
		used += 2; /* a negotiation's, a rekey's */
	}
	while (cap < 4 * used)
		cap *= 2;
	free(e->spiset);
	e->spiset = xcalloc(cap, sizeof(*e->spiset));
	e->spiset_cap = cap;
	e->spiset_n = 0;
	SA_EACH(e, sa, nx, i)
	{
		for (struct child_sa *c = sa->child; c; c = c->next)
			if (c->spi_in != 0)
				spiset_put(e, c->spi_in);
		if (sa->n != NULL && sa->n->child_spi != 0)
			spiset_put(e, sa->n->child_spi);
		if (sa->rk != NULL && sa->rk->spi_in != 0)
			spiset_put(e, sa->rk->spi_in);
	}
}

void
child_spiset_free(struct ike_engine *e)
{
	free(e->spiset);
	e->spiset = NULL;
	e->spiset_cap = e->spiset_n = 0;
}

/* An inbound ESP SPI of ours: random, not reserved (RFC 4303 2.1). */
uint32_t
child_spi_alloc(struct ike_engine *e)
{
	uint32_t spi;

	if (e->spiset_cap == 0 || 2 * (e->spiset_n + 1) > e->spiset_cap)
		spiset_rebuild(e);
	do {
		if (crypto_pool_random(&e->rnd, (uint8_t *)&spi, sizeof(spi)) ==
		    -1)
			return 0;
		/* in the set: in use, or stale (then free to take again) */
	} while (spi < 256 || (spiset_has(e, spi) && spi_in_use(e, spi)));
	spiset_put(e, spi);
	return spi;
}

static void
child_fill(const struct ike_sa *sa, const struct child_sa *c, struct dp_sa *d,
    bool inbound)
{
	const struct eng_vpn *v = &c->vpn->v;

	memset(d, 0, sizeof(*d));
	d->spi = inbound ? c->spi_in : c->spi_out;
	d->inbound = inbound;
	d->tunnel_id = v->tunnel_id;
	snprintf(d->ifname, sizeof(d->ifname), "%s", v->bind_if);
	eng_addr_to_dp(&sa->local, &d->local);
	eng_addr_to_dp(&sa->remote, &d->remote);
	if (sa->natt) {
		/* RFC 3948: ESP in UDP between the IKE SA's ports. */
		d->encap_sport = eng_port((const struct sockaddr *)&sa->local);
		d->encap_dport = eng_port((const struct sockaddr *)&sa->remote);
		if (d->encap_sport == 0)
			d->encap_sport = IKE_NATT_PORT;
	}
	d->encr = c->suite.encr;
	d->integ = c->suite.integ;
	d->esn = c->suite.esn;
	d->replay_window =
	    v->no_anti_replay ? 0 : (v->replay_window ? v->replay_window : 64);
	d->nsel_local = d->nsel_remote = 1;
	d->sel_local[0] = c->sel_local;
	d->sel_remote[0] = c->sel_remote;
	if (c->prop.lifetime_kb != 0) {
		d->hard_bytes = (uint64_t)c->prop.lifetime_kb * 1024;
		d->soft_bytes = d->hard_bytes / 10 * 9;
	}
	d->df = v->df;
	d->copy_dscp = v->copy_dscp;
	/* Junos ARI: route-based with traffic selectors (dp_ari.h) */
	d->ari = v->bind_if[0] != '\0' && v->ari;
	d->ari_metric = v->ari_metric;
}

int
child_install(struct ike_sa *sa, struct child_sa *c, const uint8_t *shared,
    size_t shlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen)
{
	return child_install_role(
	    sa, c, sa->initiator, shared, shlen, ni, nilen, nr, nrlen);
}

/*
 * RFC 7296 2.17: "initiator" is the initiator of the exchange that made
 * the Child SA (IKE_AUTH: of the IKE SA; CREATE_CHILD_SA: of that one).
 */
int
child_install_role(struct ike_sa *sa, struct child_sa *c, bool initiator,
    const uint8_t *shared, size_t shlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen)
{
	struct ike_engine *e = sa->e;
	struct child_keys ck;
	struct dp_sa in, out;
	int rc = -1;

	memset(&ck, 0, sizeof(ck));
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (child_keys_derive(&ck, &sa->keys, &c->suite, shared, shlen, ni,
		nilen, nr, nrlen) == -1) {
		log_warn(
		    "ike %s: Child SA key derivation failed", sa->gw->p.name);
		goto done;
	}
	child_fill(sa, c, &in, true);
	child_fill(sa, c, &out, false);
	/* RFC 7296 2.17: the first keys protect initiator -> responder. */
	const uint8_t *ie = initiator ? ck.er : ck.ei;
	const uint8_t *ia = initiator ? ck.ar : ck.ai;
	const uint8_t *oe = initiator ? ck.ei : ck.er;
	const uint8_t *oa = initiator ? ck.ai : ck.ar;
	memcpy(in.enc_key, ie, ck.e_len);
	memcpy(in.auth_key, ia, ck.a_len);
	memcpy(out.enc_key, oe, ck.e_len);
	memcpy(out.auth_key, oa, ck.a_len);

	if (e->dp_ops->sa_add(e->dp, &in) == -1)
		goto done;
	if (e->dp_ops->sa_add(e->dp, &out) == -1) {
		e->dp_ops->sa_del(e->dp, in.spi, true);
		goto done;
	}
	c->in_dp = true;
	c->pfs = shlen != 0;
	e->st.child_installed++;
	sa->child_created++;
	life_child_start(sa, c);
	log_info("ipsec vpn %s: Child SA up, SPIs in %08x out %08x%s",
	    c->vpn->v.name, c->spi_in, c->spi_out,
	    sa->natt ? " (UDP encapsulated)" : "");
	rc = 0;
done:
	child_keys_wipe(&ck);
	OPENSSL_cleanse(&in, sizeof(in));
	OPENSSL_cleanse(&out, sizeof(out));
	return rc;
}

void
child_free(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_engine *e = sa->e;
	struct child_sa **pp = &sa->child;

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->next;
	if (*pp == NULL)
		return;
	*pp = c->next;
	if (c->in_dp) {
		e->dp_ops->sa_del(e->dp, c->spi_in, true);
		if (!c->out_gone)
			e->dp_ops->sa_del(e->dp, c->spi_out, false);
		e->st.child_deleted++;
		sa->child_deleted++;
		log_info("ipsec vpn %s: Child SA %08x/%08x deleted",
		    c->vpn->v.name, c->spi_in, c->spi_out);
	}
	if (c->vpn != NULL)
		c->vpn->nchild--;
	free(c);
}

/* One VPN's answer to the peer's SA and TS payloads; 0 or the notify. */
static uint16_t
child_vpn_try(struct ike_sa *sa, const struct ike_msg *msg,
    const struct eng_vpnc *v, struct eng_proposal *chosen,
    const struct ike_prop **which, struct ike_ts_pld *tsi,
    struct ike_ts_pld *tsr)
{
	int fam = sa->remote.ss_family;

	if (prop_choose(v->v.prop, v->v.nprop, &msg->sa, PROTO_ESP, true,
		chosen, which) == -1)
		return N_NO_PROPOSAL_CHOSEN;
	/* TSi is the initiator's side: our remote (RFC 7296 2.9). */
	if (ts_narrow(&msg->tsi, v->v.ts_remote, v->v.nts_remote, fam, tsi) ==
		-1 ||
	    ts_narrow(&msg->tsr, v->v.ts_local, v->v.nts_local, fam, tsr) == -1)
		return N_TS_UNACCEPTABLE;
	return 0;
}

uint16_t
child_vpn_choose(struct ike_sa *sa, const struct ike_msg *msg,
    struct eng_vpnc **vpn, struct eng_proposal *chosen,
    const struct ike_prop **which, struct ike_ts_pld *tsi,
    struct ike_ts_pld *tsr)
{
	uint16_t err = N_NO_PROPOSAL_CHOSEN, e2;

	memset(chosen, 0, sizeof(*chosen));
	if (*vpn != NULL) {
		err = child_vpn_try(sa, msg, *vpn, chosen, which, tsi, tsr);
	} else {
		for (struct eng_vpnc *v = eng_vpn_first(sa->e, sa->gw->p.name);
		     v != NULL; v = eng_vpn_next(v)) {
			e2 = child_vpn_try(sa, msg, v, chosen, which, tsi, tsr);
			if (e2 == 0) {
				*vpn = v;
				return 0;
			}
			/* TS_UNACCEPTABLE says more than a proposal miss */
			if (*vpn == NULL || e2 == N_TS_UNACCEPTABLE)
				err = e2;
			if (*vpn == NULL)
				*vpn = v;
		}
		if (*vpn == NULL)
			return N_NO_PROPOSAL_CHOSEN;
	}
	if (err == N_NO_PROPOSAL_CHOSEN)
		sa->gw->st.no_proposal++;
	else if (err == N_TS_UNACCEPTABLE)
		sa->gw->st.ts_unacceptable++;
	if (err != 0)
		eng_gw_fail(sa->e, sa->gw, *vpn, (struct sockaddr *)&sa->remote,
		    "Child SA refused: %s", ikev2_notify_name(err));
	return err;
}
