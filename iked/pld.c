/*
 * pld: decoding IKEv2 messages (RFC 7296 3): the header, the generic
 * payload chain and the simple payload bodies; SA and TS bodies are in
 * pld_sa.c, building in pld_build.c, the exchange rules in pld_rules.c.
 * All packet bytes are read through lib/rd.h; every payload's length is a
 * sub-reader, so a body can never read into the next payload.
 */
#include <string.h>

#include "iked/pld_int.h"

/* RFC 7296 3.1: the fixed header. */
int
pld_decode_hdr(const uint8_t *p, size_t len, struct ike_hdr *hdr)
{
	struct rd r;

	rd_init(&r, p, len);
	if (rd_u64(&r, &hdr->ispi) == -1 || rd_u64(&r, &hdr->rspi) == -1 ||
	    rd_u8(&r, &hdr->next) == -1 || rd_u8(&r, &hdr->version) == -1 ||
	    rd_u8(&r, &hdr->exchange) == -1 || rd_u8(&r, &hdr->flags) == -1 ||
	    rd_u32(&r, &hdr->msgid) == -1 || rd_u32(&r, &hdr->length) == -1)
		return -1;
	return 0;
}

/* RFC 7296 3.4 */
static int
pld_parse_ke(struct rd *r, struct ike_ke *ke)
{
	if (rd_u16(r, &ke->group) == -1 || rd_skip(r, 2) == -1)
		return -1;
	ke->data.len = rd_left(r);
	return rd_bytes(r, ke->data.len, &ke->data.p);
}

/* RFC 7296 3.5: body keeps ID type | RESERVED | data for AUTH (2.15). */
static int
pld_parse_id(struct rd *r, struct ike_id *id)
{
	struct rd whole = *r;

	id->body.len = rd_left(r);
	if (rd_bytes(&whole, id->body.len, &id->body.p) == -1 ||
	    rd_u8(r, &id->type) == -1 || rd_skip(r, 3) == -1)
		return -1;
	id->data.len = rd_left(r);
	if (rd_bytes(r, id->data.len, &id->data.p) == -1)
		return -1;
	if (id->type == ID_IPV4_ADDR && id->data.len != 4)
		return -1;
	if (id->type == ID_IPV6_ADDR && id->data.len != 16)
		return -1;
	return 0;
}

/* RFC 7296 3.8 */
static int
pld_parse_auth(struct rd *r, struct ike_auth *auth)
{
	if (rd_u8(r, &auth->method) == -1 || rd_skip(r, 3) == -1)
		return -1;
	auth->data.len = rd_left(r);
	return rd_bytes(r, auth->data.len, &auth->data.p);
}

/* RFC 7296 3.6, 3.7: CERT and CERTREQ share the shape. */
static int
pld_parse_cert(struct rd *r, struct ike_cert *c)
{
	if (rd_u8(r, &c->enc) == -1)
		return -1;
	c->data.len = rd_left(r);
	return rd_bytes(r, c->data.len, &c->data.p);
}

/* RFC 7296 3.10 */
static int
pld_parse_notify(struct rd *r, struct ike_notify *n)
{
	uint8_t spi_len;

	if (rd_u8(r, &n->proto) == -1 || rd_u8(r, &spi_len) == -1 ||
	    rd_u16(r, &n->type) == -1 || spi_len > IKE_SPI_MAX)
		return -1;
	n->spi.len = spi_len;
	if (rd_bytes(r, n->spi.len, &n->spi.p) == -1)
		return -1;
	n->data.len = rd_left(r);
	return rd_bytes(r, n->data.len, &n->data.p);
}

/* RFC 7296 3.11: IKE SA: no SPI; ESP/AH: 4-octet SPIs filling the rest. */
static int
pld_parse_delete(struct rd *r, struct ike_delete *d)
{
	if (rd_u8(r, &d->proto) == -1 || rd_u8(r, &d->spi_len) == -1 ||
	    rd_u16(r, &d->nspi) == -1)
		return -1;
	switch (d->proto) {
	case PROTO_IKE:
		if (d->spi_len != 0 || d->nspi != 0)
			return -1;
		break;
	case PROTO_ESP:
	case PROTO_AH:
		if (d->spi_len != 4 || d->nspi == 0)
			return -1;
		break;
	default: return -1;
	}
	d->spis.len = (size_t)d->nspi * d->spi_len;
	if (rd_bytes(r, d->spis.len, &d->spis.p) == -1 || rd_left(r) != 0)
		return -1;
	return 0;
}

static int
pld_parse_blob(struct rd *r, struct ike_blob *b)
{
	b->len = rd_left(r);
	return rd_bytes(r, b->len, &b->p);
}

/* The payloads a message holds at most one of. */
static bool
pld_is_single(uint8_t type)
{
	switch (type) {
	case PLD_SA:
	case PLD_KE:
	case PLD_IDI:
	case PLD_IDR:
	case PLD_AUTH:
	case PLD_NONCE:
	case PLD_TSI:
	case PLD_TSR:
	case PLD_CP:
	case PLD_EAP: return true;
	default: return false;
	}
}

/* One known payload's body into msg.  -1: malformed or too many. */
static int
pld_parse_one(struct ike_msg *msg, uint8_t type, struct rd *body)
{
	union {
		struct ike_notify n;
		struct ike_delete d;
		struct ike_cert c;
		struct ike_blob v;
	} u;

	if (pld_is_single(type) && (msg->present & PLD_BIT(type)))
		return -1;
	switch (type) {
	case PLD_SA: return pld_parse_sa(body, &msg->sa);
	case PLD_KE: return pld_parse_ke(body, &msg->ke);
	case PLD_IDI: return pld_parse_id(body, &msg->idi);
	case PLD_IDR: return pld_parse_id(body, &msg->idr);
	case PLD_AUTH: return pld_parse_auth(body, &msg->auth);
	case PLD_NONCE:
		/* RFC 7296 3.9: 16..256 octets */
		if (rd_left(body) < IKE_NONCE_MIN ||
		    rd_left(body) > IKE_NONCE_MAX)
			return -1;
		return pld_parse_blob(body, &msg->nonce);
	case PLD_TSI: return pld_parse_ts(body, &msg->tsi);
	case PLD_TSR: return pld_parse_ts(body, &msg->tsr);
	case PLD_CP: return pld_parse_blob(body, &msg->cp);
	case PLD_EAP: return 0; /* not spoken here; the rules refuse it */
	case PLD_NOTIFY:
		/* the arrays grow only by a whole, well-formed entry */
		if (msg->nnotify == IKE_NOTIFY_MAX ||
		    pld_parse_notify(body, &u.n) == -1)
			return -1;
		msg->notify[msg->nnotify++] = u.n;
		return 0;
	case PLD_DELETE:
		if (msg->ndelete == IKE_DELETE_MAX ||
		    pld_parse_delete(body, &u.d) == -1)
			return -1;
		msg->del[msg->ndelete++] = u.d;
		return 0;
	case PLD_CERT:
		if (msg->ncert == IKE_CERT_MAX ||
		    pld_parse_cert(body, &u.c) == -1)
			return -1;
		msg->cert[msg->ncert++] = u.c;
		return 0;
	case PLD_CERTREQ:
		if (msg->ncertreq == IKE_CERTREQ_MAX ||
		    pld_parse_cert(body, &u.c) == -1)
			return -1;
		msg->certreq[msg->ncertreq++] = u.c;
		return 0;
	case PLD_VENDOR:
		if (msg->nvendor == IKE_VENDOR_MAX ||
		    pld_parse_blob(body, &u.v) == -1)
			return -1;
		msg->vendor[msg->nvendor++] = u.v;
		return 0;
	default: return -1;
	}
}

static bool
pld_is_known(uint8_t type)
{
	return (type >= PLD_SA && type <= PLD_EAP) || type == PLD_SKF;
}

/*
 * RFC 7383 2.5: SKF's body starts with Fragment Number and Total
 * Fragments; a number of 0 or above the total makes it invalid (2.6.1
 * drops it).  Only fragment 1 names the first inner payload.
 */
static int
pld_parse_skf(struct rd *body, struct ike_sk *sk)
{
	if (rd_u16(body, &sk->frag_num) == -1 ||
	    rd_u16(body, &sk->frag_total) == -1)
		return -1;
	if (sk->frag_num == 0 || sk->frag_num > sk->frag_total)
		return -1;
	if (sk->frag_num != 1 && sk->first != PLD_NONE)
		return -1;
	sk->frag = true;
	return 0;
}

/* RFC 7296 3.14: SK (or SKF) is the last payload: r must be empty. */
static int
pld_parse_sk(struct ike_msg *msg, uint8_t type, uint8_t next, size_t off,
    struct rd *body, struct rd *r)
{
	struct ike_sk *sk = &msg->sk;

	if (rd_left(r) != 0)
		return -1;
	memset(sk, 0, sizeof(*sk));
	sk->first = next;
	sk->off = off;
	if (type == PLD_SKF && pld_parse_skf(body, sk) == -1)
		return -1;
	sk->body.len = rd_left(body);
	if (rd_bytes(body, sk->body.len, &sk->body.p) == -1 ||
	    sk->body.len == 0)
		return -1;
	msg->has_sk = true;
	return 0;
}

/*
 * RFC 7296 3.2: walks the chain starting with type over r, which holds
 * exactly the chain.  inner: the decrypted payloads of SK.
 */
static int
pld_chain(struct ike_msg *msg, uint8_t type, struct rd *r, bool inner)
{
	uint8_t next, flags;
	uint16_t len;
	size_t off;
	struct rd body;

	while (type != PLD_NONE) {
		off = inner ? 0 : msg->raw.len - rd_left(r);
		if (rd_u8(r, &next) == -1 || rd_u8(r, &flags) == -1 ||
		    rd_u16(r, &len) == -1 || len < IKE_PLD_HDR_LEN ||
		    rd_sub(r, (size_t)len - IKE_PLD_HDR_LEN, &body) == -1)
			return -1;
		if (type == PLD_SK || type == PLD_SKF) {
			if (inner || msg->has_sk)
				return -1;
			msg->present |= PLD_BIT(type);
			msg->clear |= PLD_BIT(type);
			return pld_parse_sk(msg, type, next, off, &body, r);
		}
		if (!pld_is_known(type)) {
			/* RFC 7296 2.5: skip it unless it is critical */
			if ((flags & IKE_PLD_CRITICAL) &&
			    msg->unknown_critical == 0)
				msg->unknown_critical = type;
			type = next;
			continue;
		}
		if (pld_parse_one(msg, type, &body) == -1 ||
		    rd_left(&body) != 0)
			return -1;
		msg->present |= PLD_BIT(type);
		if (!inner)
			msg->clear |= PLD_BIT(type);
		type = next;
	}
	/* nothing may follow the last payload */
	return rd_left(r) == 0 ? 0 : -1;
}

int
pld_decode(const uint8_t *p, size_t len, struct ike_msg *msg, uint16_t *notify)
{
	struct rd r;

	memset(msg, 0, sizeof(*msg));
	*notify = 0;
	if (pld_decode_hdr(p, len, &msg->hdr) == -1)
		return -1;
	/* RFC 7296 2.5: another major version: INVALID_MAJOR_VERSION */
	if ((msg->hdr.version >> 4) != (IKEV2_VERSION >> 4)) {
		*notify = N_INVALID_MAJOR_VERSION;
		return -1;
	}
	/* 3.1: the initiator's SPI is never zero; the length is exact */
	if (msg->hdr.ispi == 0 || msg->hdr.length != len || len > IKE_MSG_MAX)
		return -1;
	msg->raw.p = p;
	msg->raw.len = len;
	rd_init(&r, p, len);
	if (rd_skip(&r, IKE_HDR_LEN) == -1 ||
	    pld_chain(msg, msg->hdr.next, &r, false) == -1) {
		*notify = N_INVALID_SYNTAX;
		return -1;
	}
	return 0;
}

int
pld_decode_inner(struct ike_msg *msg, uint8_t first, const uint8_t *p,
    size_t len, uint16_t *notify)
{
	struct rd r;

	*notify = 0;
	rd_init(&r, p, len);
	if (!msg->has_sk || msg->decrypted ||
	    pld_chain(msg, first, &r, true) == -1) {
		*notify = N_INVALID_SYNTAX;
		return -1;
	}
	msg->decrypted = true;
	return 0;
}

const struct ike_notify *
pld_notify_find(const struct ike_msg *msg, uint16_t type)
{
	uint8_t i;

	for (i = 0; i < msg->nnotify; i++)
		if (msg->notify[i].type == type)
			return &msg->notify[i];
	return NULL;
}
