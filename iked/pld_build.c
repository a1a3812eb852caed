/*
 * pld_build: building IKEv2 messages (RFC 7296 3) into a caller's buffer.
 * Each pld_add_* appends one payload, links it into the next-payload chain
 * and fills its length; a write that would pass cap, or a value that does
 * not fit its field, sets b->err and turns every later call into a no-op,
 * so a whole message is checked once by pld_build_end().
 */
#include <stdint.h>
#include <string.h>

#include "iked/pld_int.h"

#define PLD_LEN_MAX 65535 /* a 16-bit payload length */

/* Room for n more octets at b->len, or NULL (and b->err). */
static uint8_t *
pld_room(struct pld_build *b, size_t n)
{
	uint8_t *p;

	if (b->err != 0)
		return NULL;
	if (b->len > b->cap || n > b->cap - b->len) {
		b->err = -1;
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

static void
pld_put(struct pld_build *b, const void *data, size_t n)
{
	uint8_t *p = pld_room(b, n);

	if (p != NULL && n > 0)
		memcpy(p, data, n);
}

static void
pld_put8(struct pld_build *b, uint8_t v)
{
	pld_put(b, &v, 1);
}

static void
pld_put16(struct pld_build *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	pld_put(b, x, sizeof(x));
}

static void
pld_set16(struct pld_build *b, size_t off, size_t v)
{
	if (b->err != 0)
		return;
	if (v > PLD_LEN_MAX || off + 2 > b->len) {
		b->err = -1;
		return;
	}
	b->buf[off] = (uint8_t)(v >> 8);
	b->buf[off + 1] = (uint8_t)v;
}

static void
pld_put32(struct pld_build *b, uint32_t v)
{
	pld_put16(b, (uint16_t)(v >> 16));
	pld_put16(b, (uint16_t)v);
}

static void
pld_put64(struct pld_build *b, uint64_t v)
{
	pld_put32(b, (uint32_t)(v >> 32));
	pld_put32(b, (uint32_t)v);
}

/*
 * RFC 7296 3.2: a generic payload header whose length pld_finish() fills;
 * the previous payload's (or the IKE header's) Next Payload names it.
 */
static size_t
pld_begin(struct pld_build *b, uint8_t type)
{
	size_t start = b->len;

	if (b->err == 0 && b->sk_off != SIZE_MAX)
		b->err = -1; /* 3.14: SK is the last payload */
	pld_put8(b, PLD_NONE);
	pld_put8(b, 0); /* not critical, reserved */
	pld_put16(b, 0);
	if (b->err != 0)
		return SIZE_MAX;
	if (b->next_off != SIZE_MAX)
		b->buf[b->next_off] = type;
	if (b->first == PLD_NONE)
		b->first = type;
	b->next_off = start;
	return start;
}

static void
pld_finish(struct pld_build *b, size_t start)
{
	if (start != SIZE_MAX)
		pld_set16(b, start + 2, b->len - start);
}

void
pld_build_init(
    struct pld_build *b, uint8_t *buf, size_t cap, const struct ike_hdr *hdr)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->sk_off = SIZE_MAX;
	/* RFC 7296 3.1 */
	pld_put64(b, hdr->ispi);
	pld_put64(b, hdr->rspi);
	pld_put8(b, PLD_NONE);
	pld_put8(b, hdr->version != 0 ? hdr->version : IKEV2_VERSION);
	pld_put8(b, hdr->exchange);
	pld_put8(b, hdr->flags);
	pld_put32(b, hdr->msgid);
	pld_put32(b, 0);
	b->next_off = 16;
	b->len_off = 24;
}

void
pld_build_init_inner(struct pld_build *b, uint8_t *buf, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->next_off = SIZE_MAX;
	b->len_off = SIZE_MAX;
	b->sk_off = SIZE_MAX;
}

uint8_t
pld_build_first(const struct pld_build *b)
{
	return b->first;
}

/* RFC 7296 3.3.2, 3.3.5: one transform, Key Length as a TV attribute. */
static void
pld_add_xform(struct pld_build *b, const struct ike_xform *xf, bool last)
{
	size_t start = b->len;

	pld_put8(b, last ? 0 : PLD_XFORM_MORE);
	pld_put8(b, 0);
	pld_put16(b, 0);
	pld_put8(b, xf->type);
	pld_put8(b, 0);
	pld_put16(b, xf->id);
	if (xf->keylen != 0) {
		pld_put16(b, PLD_ATTR_TV | IKE_ATTR_KEY_LENGTH);
		pld_put16(b, xf->keylen);
	}
	pld_set16(b, start + 2, b->len - start);
}

/* RFC 7296 3.3.1 */
static void
pld_add_prop(struct pld_build *b, const struct ike_prop *prop, bool last)
{
	size_t start = b->len;
	uint8_t i;

	if (prop->spi_len > IKE_SPI_MAX || prop->nxf > IKE_XFORM_MAX) {
		b->err = -1;
		return;
	}
	pld_put8(b, last ? 0 : PLD_PROP_MORE);
	pld_put8(b, 0);
	pld_put16(b, 0);
	pld_put8(b, prop->num);
	pld_put8(b, prop->proto);
	pld_put8(b, prop->spi_len);
	pld_put8(b, prop->nxf);
	pld_put(b, prop->spi, prop->spi_len);
	for (i = 0; i < prop->nxf; i++)
		pld_add_xform(b, &prop->xf[i], i + 1 == prop->nxf);
	pld_set16(b, start + 2, b->len - start);
}

void
pld_add_sa(struct pld_build *b, const struct ike_sa_pld *sa)
{
	size_t start;
	uint8_t i;

	if (sa->nprop == 0 || sa->nprop > IKE_PROP_MAX) {
		b->err = -1;
		return;
	}
	start = pld_begin(b, PLD_SA);
	for (i = 0; i < sa->nprop; i++)
		pld_add_prop(b, &sa->prop[i], i + 1 == sa->nprop);
	pld_finish(b, start);
}

/* RFC 7296 3.4 */
void
pld_add_ke(struct pld_build *b, uint16_t group, const uint8_t *data, size_t len)
{
	size_t start = pld_begin(b, PLD_KE);

	pld_put16(b, group);
	pld_put16(b, 0);
	pld_put(b, data, len);
	pld_finish(b, start);
}

/* RFC 7296 3.9 */
void
pld_add_nonce(struct pld_build *b, const uint8_t *data, size_t len)
{
	pld_add_raw(b, PLD_NONCE, data, len);
}

/* RFC 7296 3.5 */
void
pld_add_id(struct pld_build *b, uint8_t pld_type, uint8_t id_type,
    const uint8_t *data, size_t len)
{
	size_t start;

	if (pld_type != PLD_IDI && pld_type != PLD_IDR) {
		b->err = -1;
		return;
	}
	start = pld_begin(b, pld_type);
	pld_put8(b, id_type);
	pld_put8(b, 0);
	pld_put16(b, 0);
	pld_put(b, data, len);
	pld_finish(b, start);
}

/* RFC 7296 3.8 */
void
pld_add_auth(
    struct pld_build *b, uint8_t method, const uint8_t *data, size_t len)
{
	size_t start = pld_begin(b, PLD_AUTH);

	pld_put8(b, method);
	pld_put8(b, 0);
	pld_put16(b, 0);
	pld_put(b, data, len);
	pld_finish(b, start);
}

/* RFC 7296 3.10 */
void
pld_add_notify(struct pld_build *b, uint8_t proto, const uint8_t *spi,
    size_t spi_len, uint16_t type, const uint8_t *data, size_t len)
{
	size_t start;

	if (spi_len > IKE_SPI_MAX) {
		b->err = -1;
		return;
	}
	start = pld_begin(b, PLD_NOTIFY);
	pld_put8(b, proto);
	pld_put8(b, (uint8_t)spi_len);
	pld_put16(b, type);
	pld_put(b, spi, spi_len);
	pld_put(b, data, len);
	pld_finish(b, start);
}

/* RFC 7296 3.11 */
void
pld_add_delete(struct pld_build *b, uint8_t proto, uint8_t spi_len,
    const uint8_t *spis, uint16_t nspi)
{
	size_t start = pld_begin(b, PLD_DELETE);

	pld_put8(b, proto);
	pld_put8(b, spi_len);
	pld_put16(b, nspi);
	pld_put(b, spis, (size_t)nspi * spi_len);
	pld_finish(b, start);
}

/* RFC 7296 3.13, 3.13.1 */
void
pld_add_ts(struct pld_build *b, uint8_t pld_type, const struct ike_ts_pld *ts)
{
	size_t start, alen;
	uint8_t i;

	if ((pld_type != PLD_TSI && pld_type != PLD_TSR) || ts->nts == 0 ||
	    ts->nts > IKE_TS_MAX) {
		b->err = -1;
		return;
	}
	start = pld_begin(b, pld_type);
	pld_put8(b, ts->nts);
	pld_put8(b, 0);
	pld_put16(b, 0);
	for (i = 0; i < ts->nts; i++) {
		const struct ike_ts *t = &ts->ts[i];

		if (t->type == TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (t->type == TS_IPV6_ADDR_RANGE)
			alen = 16;
		else {
			b->err = -1;
			return;
		}
		pld_put8(b, t->type);
		pld_put8(b, t->ipproto);
		pld_put16(b, (uint16_t)(8 + 2 * alen));
		pld_put16(b, t->sport);
		pld_put16(b, t->eport);
		pld_put(b, t->start, alen);
		pld_put(b, t->end, alen);
	}
	pld_finish(b, start);
}

/* RFC 7296 3.6, 3.7 */
void
pld_add_cert(struct pld_build *b, uint8_t pld_type, uint8_t enc,
    const uint8_t *data, size_t len)
{
	size_t start;

	if (pld_type != PLD_CERT && pld_type != PLD_CERTREQ) {
		b->err = -1;
		return;
	}
	start = pld_begin(b, pld_type);
	pld_put8(b, enc);
	pld_put(b, data, len);
	pld_finish(b, start);
}

/* RFC 7296 3.12 */
void
pld_add_vendor(struct pld_build *b, const uint8_t *data, size_t len)
{
	pld_add_raw(b, PLD_VENDOR, data, len);
}

void
pld_add_raw(
    struct pld_build *b, uint8_t pld_type, const uint8_t *body, size_t len)
{
	size_t start;

	if (pld_type == PLD_SK || pld_type == PLD_SKF) {
		b->err = -1; /* pld_add_sk_header */
		return;
	}
	start = pld_begin(b, pld_type);
	pld_put(b, body, len);
	pld_finish(b, start);
}

/* RFC 7296 3.14: SK's Next Payload is the first inner payload's type. */
static size_t
pld_add_sk(struct pld_build *b, uint8_t type, uint8_t first_inner)
{
	size_t start = pld_begin(b, type);

	if (start == SIZE_MAX)
		return SIZE_MAX;
	b->buf[start] = first_inner;
	b->next_off = SIZE_MAX;
	b->sk_off = start;
	return start;
}

size_t
pld_add_sk_header(struct pld_build *b, uint8_t first_inner)
{
	return pld_add_sk(b, PLD_SK, first_inner);
}

/* RFC 7383 2.5 */
size_t
pld_add_skf_header(
    struct pld_build *b, uint8_t first_inner, uint16_t num, uint16_t total)
{
	size_t start;

	if (num == 0 || num > total || (num != 1 && first_inner != 0)) {
		b->err = -1;
		return SIZE_MAX;
	}
	start = pld_add_sk(b, PLD_SKF, first_inner);
	pld_put16(b, num);
	pld_put16(b, total);
	return b->err == 0 ? start : SIZE_MAX;
}

long
pld_build_end(struct pld_build *b)
{
	if (b->err == 0 && b->len > b->cap)
		b->err = -1;
	if (b->err == 0 && b->sk_off != SIZE_MAX) {
		if (b->len - b->sk_off <= IKE_PLD_HDR_LEN)
			b->err = -1; /* nothing sealed after the header */
		else
			pld_set16(b, b->sk_off + 2, b->len - b->sk_off);
	}
	if (b->err == 0 && b->len_off != SIZE_MAX) {
		if (b->len > IKE_MSG_MAX) {
			b->err = -1;
		} else {
			b->buf[b->len_off] = (uint8_t)(b->len >> 24);
			b->buf[b->len_off + 1] = (uint8_t)(b->len >> 16);
			b->buf[b->len_off + 2] = (uint8_t)(b->len >> 8);
			b->buf[b->len_off + 3] = (uint8_t)b->len;
		}
	}
	return b->err == 0 ? (long)b->len : -1;
}
