/*
 * pld_sa: the structured payload bodies — the SA payload with its
 * proposals, transforms and attributes (RFC 7296 3.3) and the traffic
 * selector payloads (3.13).  Each substructure's length becomes a
 * sub-reader, and the "last" marks and counts must agree with the bytes.
 */
#include <string.h>

#include "iked/pld_int.h"

/*
 * RFC 7296 3.3.5: attributes.  Key Length (14) is TV; a transform with an
 * attribute this build does not know is unacceptable (3.3.6): *ok false.
 */
static int
pld_parse_attrs(struct rd *r, struct ike_xform *xf, bool *ok)
{
	uint16_t at, v;
	struct rd skip;

	*ok = true;
	while (rd_left(r) > 0) {
		if (rd_u16(r, &at) == -1 || rd_u16(r, &v) == -1)
			return -1;
		if (!(at & PLD_ATTR_TV)) {
			/* TLV: v is the value's length */
			if (rd_sub(r, v, &skip) == -1)
				return -1;
			*ok = false;
			continue;
		}
		if ((at & ~PLD_ATTR_TV) != IKE_ATTR_KEY_LENGTH) {
			*ok = false;
			continue;
		}
		if (xf->keylen != 0 || v == 0)
			return -1; /* twice, or a zero key length */
		xf->keylen = v;
	}
	return 0;
}

/* RFC 7296 3.3.2: one transform substructure; *last its "last" byte. */
static int
pld_parse_xform(struct rd *r, struct ike_prop *prop, uint8_t *last)
{
	struct ike_xform xf;
	struct rd body;
	uint8_t rsv;
	uint16_t tlen;
	bool ok;

	memset(&xf, 0, sizeof(xf));
	if (rd_u8(r, last) == -1 || rd_u8(r, &rsv) == -1 ||
	    rd_u16(r, &tlen) == -1 || tlen < 8 ||
	    rd_sub(r, (size_t)tlen - 4, &body) == -1)
		return -1;
	if (*last != 0 && *last != PLD_XFORM_MORE)
		return -1;
	if (rd_u8(&body, &xf.type) == -1 || rd_u8(&body, &rsv) == -1 ||
	    rd_u16(&body, &xf.id) == -1 ||
	    pld_parse_attrs(&body, &xf, &ok) == -1)
		return -1;
	if (ok)
		prop->xf[prop->nxf++] = xf;
	return 0;
}

/* RFC 7296 3.3.1: one proposal's body (after its 4-octet header). */
static int
pld_parse_prop(struct rd *r, struct ike_prop *prop)
{
	uint8_t nwire, last = PLD_XFORM_MORE;
	unsigned seen = 0;

	memset(prop, 0, sizeof(*prop));
	if (rd_u8(r, &prop->num) == -1 || rd_u8(r, &prop->proto) == -1 ||
	    rd_u8(r, &prop->spi_len) == -1 || rd_u8(r, &nwire) == -1)
		return -1;
	if (prop->spi_len > IKE_SPI_MAX || nwire > IKE_XFORM_MAX)
		return -1;
	/* 0 in an initial IKE SA, 8 when rekeying it; 4 for ESP and AH */
	if (prop->proto == PROTO_IKE && prop->spi_len != 0 &&
	    prop->spi_len != 8)
		return -1;
	if ((prop->proto == PROTO_ESP || prop->proto == PROTO_AH) &&
	    prop->spi_len != 4)
		return -1;
	if (rd_copy(r, prop->spi, prop->spi_len) == -1)
		return -1;
	while (rd_left(r) > 0) {
		if (last != PLD_XFORM_MORE || seen == nwire)
			return -1;
		if (pld_parse_xform(r, prop, &last) == -1)
			return -1;
		seen++;
	}
	if (seen != nwire || (seen > 0 && last != 0))
		return -1;
	return 0;
}

int
pld_parse_sa(struct rd *r, struct ike_sa_pld *sa)
{
	uint8_t last = PLD_PROP_MORE, rsv;
	uint16_t plen;
	struct rd body;

	sa->nprop = 0;
	if (rd_left(r) == 0)
		return -1;
	while (rd_left(r) > 0) {
		if (last != PLD_PROP_MORE || sa->nprop == IKE_PROP_MAX)
			return -1;
		if (rd_u8(r, &last) == -1 || rd_u8(r, &rsv) == -1 ||
		    rd_u16(r, &plen) == -1 || plen < 8 ||
		    rd_sub(r, (size_t)plen - 4, &body) == -1)
			return -1;
		if (last != 0 && last != PLD_PROP_MORE)
			return -1;
		if (pld_parse_prop(&body, &sa->prop[sa->nprop]) == -1)
			return -1;
		sa->nprop++;
	}
	return last == 0 ? 0 : -1;
}

/* RFC 7296 3.13.1: one selector; *keep false for a type not known here. */
static int
pld_parse_sel(struct rd *r, struct ike_ts *ts, bool *keep)
{
	uint16_t slen;
	size_t alen;
	struct rd body;

	memset(ts, 0, sizeof(*ts));
	if (rd_u8(r, &ts->type) == -1 || rd_u8(r, &ts->ipproto) == -1 ||
	    rd_u16(r, &slen) == -1 || slen < 8 ||
	    rd_sub(r, (size_t)slen - 4, &body) == -1)
		return -1;
	switch (ts->type) {
	case TS_IPV4_ADDR_RANGE:
		if (slen != PLD_TS4_LEN)
			return -1;
		alen = 4;
		break;
	case TS_IPV6_ADDR_RANGE:
		if (slen != PLD_TS6_LEN)
			return -1;
		alen = 16;
		break;
	default: *keep = false; return 0;
	}
	*keep = true;
	if (rd_u16(&body, &ts->sport) == -1 ||
	    rd_u16(&body, &ts->eport) == -1 ||
	    rd_copy(&body, ts->start, alen) == -1 ||
	    rd_copy(&body, ts->end, alen) == -1)
		return -1;
	return 0;
}

int
pld_parse_ts(struct rd *r, struct ike_ts_pld *tsp)
{
	uint8_t nwire;
	unsigned seen = 0;
	bool keep;

	tsp->nts = 0;
	if (rd_u8(r, &nwire) == -1 || rd_skip(r, 3) == -1 || nwire == 0)
		return -1;
	while (rd_left(r) > 0) {
		if (seen == nwire || tsp->nts == IKE_TS_MAX)
			return -1;
		if (pld_parse_sel(r, &tsp->ts[tsp->nts], &keep) == -1)
			return -1;
		if (keep)
			tsp->nts++;
		seen++;
	}
	return seen == nwire ? 0 : -1;
}
