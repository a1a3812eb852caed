/*
 * proposal: SA payloads from the configured proposals, and choosing one
 * of the peer's (RFC 7296 2.7, 3.3).
 *
 * Each eng_proposal becomes one proposal with one transform of each type
 * (ENCR with its key length, PRF for IKE, INTEG unless the cipher is an
 * AEAD, D-H when there is a group, ESN "no" for ESP).  The responder walks
 * the initiator's proposals in order and takes the first that one of ours
 * accepts: every type we need is offered with our value, and no type we do
 * not use is required (a D-H transform offered alongside "NONE" is fine).
 * The initiator checks the answer the same way against its own list, so a
 * responder cannot pick something we did not offer.
 */
#include <string.h>

#include "iked/eng_int.h"
#include "lib/log.h"

static void
add_xf(struct ike_prop *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	if (p->nxf >= IKE_XFORM_MAX)
		return;
	p->xf[p->nxf].type = type;
	p->xf[p->nxf].id = id;
	p->xf[p->nxf].keylen = keylen;
	p->nxf++;
}

void
prop_build(const struct eng_proposal *props, size_t n, uint8_t proto,
    const uint8_t *spi, size_t spi_len, bool with_dh, struct ike_sa_pld *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n && i < IKE_PROP_MAX; i++) {
		const struct eng_proposal *e = &props[i];
		struct ike_prop *p = &out->prop[out->nprop++];
		const struct encr_alg *ea = crypto_encr(e->encr, e->encr_bits);

		p->num = (uint8_t)(i + 1);
		p->proto = proto;
		if (spi_len > sizeof(p->spi))
			spi_len = sizeof(p->spi);
		p->spi_len = (uint8_t)spi_len;
		if (spi_len)
			memcpy(p->spi, spi, spi_len);
		add_xf(p, XF_ENCR, e->encr, e->encr_bits);
		if (proto == PROTO_IKE)
			add_xf(p, XF_PRF, e->prf, 0);
		if (e->integ != AUTH_NONE && (ea == NULL || !ea->aead))
			add_xf(p, XF_INTEG, e->integ, 0);
		if (with_dh && e->dh != DH_NONE)
			add_xf(p, XF_DH, e->dh, 0);
		if (proto == PROTO_ESP)
			add_xf(p, XF_ESN, ESN_NO, 0);
	}
}

static bool
has_xf(const struct ike_prop *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; i < p->nxf; i++)
		if (p->xf[i].type == type && p->xf[i].id == id &&
		    p->xf[i].keylen == keylen)
			return true;
	return false;
}

static bool
has_type(const struct ike_prop *p, uint8_t type)
{
	for (size_t i = 0; i < p->nxf; i++)
		if (p->xf[i].type == type)
			return true;
	return false;
}

/* A type we do not use: absent, or offered with "NONE" among the ids. */
static bool
type_optional(const struct ike_prop *p, uint8_t type, uint16_t none)
{
	return !has_type(p, type) || has_xf(p, type, none, 0);
}

static bool
prop_accepts(const struct eng_proposal *o, const struct ike_prop *p,
    uint8_t proto, bool with_dh)
{
	const struct encr_alg *ea = crypto_encr(o->encr, o->encr_bits);

	if (p->proto != proto || ea == NULL)
		return false;
	if (!has_xf(p, XF_ENCR, o->encr, o->encr_bits))
		return false;
	if (proto == PROTO_IKE) {
		if (crypto_prf(o->prf) == NULL || !has_xf(p, XF_PRF, o->prf, 0))
			return false;
		if (!has_xf(p, XF_DH, o->dh, 0))
			return false;
	} else if (has_type(p, XF_PRF)) {
		return false;
	}
	if (ea->aead || o->integ == AUTH_NONE) {
		if (!type_optional(p, XF_INTEG, AUTH_NONE))
			return false;
	} else if (!has_xf(p, XF_INTEG, o->integ, 0)) {
		return false;
	}
	if (proto == PROTO_ESP) {
		/* RFC 7296 1.2: a first Child SA has no KE; D-H is ignored. */
		if (with_dh && o->dh != DH_NONE) {
			if (!has_xf(p, XF_DH, o->dh, 0))
				return false;
		} else if (with_dh && !type_optional(p, XF_DH, DH_NONE)) {
			return false;
		}
		if (!type_optional(p, XF_ESN, ESN_NO))
			return false;
	}
	return true;
}

int
prop_choose(const struct eng_proposal *ours, size_t n,
    const struct ike_sa_pld *peer, uint8_t proto, bool with_dh,
    struct eng_proposal *chosen, const struct ike_prop **which)
{
	for (size_t i = 0; i < peer->nprop; i++) {
		const struct ike_prop *p = &peer->prop[i];
		if (proto == PROTO_IKE && p->spi_len != 0 && p->spi_len != 8)
			continue;
		if (proto == PROTO_ESP && p->spi_len != 4)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!prop_accepts(&ours[j], p, proto, with_dh))
				continue;
			*chosen = ours[j];
			if (proto == PROTO_ESP && !with_dh)
				chosen->dh = DH_NONE;
			*which = p;
			return 0;
		}
	}
	return -1;
}

int
prop_suite(const struct eng_proposal *p, bool ike, struct ike_suite *s)
{
	memset(s, 0, sizeof(*s));
	s->encr = crypto_encr(p->encr, p->encr_bits);
	if (s->encr == NULL)
		return -1;
	if (!s->encr->aead && p->integ != AUTH_NONE) {
		s->integ = crypto_integ(p->integ);
		if (s->integ == NULL)
			return -1;
	} else if (!s->encr->aead) {
		return -1; /* RFC 7296 3.3.3: CBC needs integrity */
	}
	if (ike) {
		s->prf = crypto_prf(p->prf);
		if (s->prf == NULL)
			return -1;
	}
	s->dh = p->dh;
	s->esn = false;
	return 0;
}
