/*
 * ts: traffic selectors (RFC 7296 2.9, 3.13).
 *
 * Ours come from the VPN's configuration; none configured means a
 * route-based VPN, 0.0.0.0/0 (or ::/0) both ways, every protocol and
 * port.  The responder narrows: each selector the initiator proposed is
 * intersected with each of ours (addresses, ports, protocol), and the
 * non-empty intersections are the answer; none means TS_UNACCEPTABLE.
 * The initiator then checks that every selector of the answer lies within
 * what it proposed.  Addresses are compared as big-endian octet strings.
 */
#include <string.h>

#include "iked/eng_int.h"

static size_t
alen(uint8_t type)
{
	return type == TS_IPV6_ADDR_RANGE ? 16 : 4;
}

static void
addr_octets(const struct dp_addr *a, uint8_t *out)
{
	if (a->family == AF_INET6)
		memcpy(out, &a->u.v6, 16);
	else
		memcpy(out, &a->u.v4, 4);
}

void
ts_ours(const struct eng_ts *ts, size_t n, int family, struct ike_ts_pld *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		struct ike_ts *t = &out->ts[out->nts++];
		t->type = family == AF_INET6 ? TS_IPV6_ADDR_RANGE
					     : TS_IPV4_ADDR_RANGE;
		t->ipproto = 0;
		t->sport = 0;
		t->eport = 65535;
		memset(t->start, 0, sizeof(t->start));
		memset(t->end, 0xff, alen(t->type));
		return;
	}
	for (size_t i = 0; i < n && i < IKE_TS_MAX; i++) {
		struct ike_ts *t = &out->ts[out->nts++];
		t->type = ts[i].start.family == AF_INET6 ? TS_IPV6_ADDR_RANGE
							 : TS_IPV4_ADDR_RANGE;
		t->ipproto = ts[i].ipproto;
		t->sport = ts[i].sport;
		t->eport = ts[i].eport;
		addr_octets(&ts[i].start, t->start);
		addr_octets(&ts[i].end, t->end);
	}
}

static const uint8_t *
max_of(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) >= 0 ? a : b;
}

static const uint8_t *
min_of(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) <= 0 ? a : b;
}

/* a ∩ b into out; false when empty. */
static bool
ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	size_t n = alen(a->type);

	if (a->type != b->type)
		return false;
	if (a->ipproto != 0 && b->ipproto != 0 && a->ipproto != b->ipproto)
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->ipproto = a->ipproto ? a->ipproto : b->ipproto;
	out->sport = a->sport > b->sport ? a->sport : b->sport;
	out->eport = a->eport < b->eport ? a->eport : b->eport;
	/* RFC 7296 3.13.1: start > end means "OPAQUE"; no match then. */
	if (out->sport > out->eport)
		return false;
	memcpy(out->start, max_of(a->start, b->start, n), n);
	memcpy(out->end, min_of(a->end, b->end, n), n);
	return memcmp(out->start, out->end, n) <= 0;
}

int
ts_narrow(const struct ike_ts_pld *peer, const struct eng_ts *ours, size_t n,
    int family, struct ike_ts_pld *out)
{
	struct ike_ts_pld mine;

	ts_ours(ours, n, family, &mine);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < peer->nts; i++)
		for (size_t j = 0; j < mine.nts && out->nts < IKE_TS_MAX; j++)
			if (ts_intersect(
				&peer->ts[i], &mine.ts[j], &out->ts[out->nts]))
				out->nts++;
	return out->nts > 0 ? 0 : -1;
}

static bool
ts_within(const struct ike_ts *in, const struct ike_ts *of)
{
	size_t n = alen(in->type);

	return in->type == of->type &&
	    (of->ipproto == 0 || of->ipproto == in->ipproto) &&
	    in->sport >= of->sport && in->eport <= of->eport &&
	    memcmp(in->start, of->start, n) >= 0 &&
	    memcmp(in->end, of->end, n) <= 0;
}

bool
ts_is_subset(const struct ike_ts_pld *got, const struct ike_ts_pld *asked)
{
	if (got->nts == 0)
		return false;
	for (size_t i = 0; i < got->nts; i++) {
		bool ok = false;
		for (size_t j = 0; j < asked->nts && !ok; j++)
			ok = ts_within(&got->ts[i], &asked->ts[j]);
		if (!ok)
			return false;
	}
	return true;
}

void
ts_to_sel(const struct ike_ts *t, struct dp_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (t->type == TS_IPV6_ADDR_RANGE) {
		sel->start.family = sel->end.family = AF_INET6;
		memcpy(&sel->start.u.v6, t->start, 16);
		memcpy(&sel->end.u.v6, t->end, 16);
	} else {
		sel->start.family = sel->end.family = AF_INET;
		memcpy(&sel->start.u.v4, t->start, 4);
		memcpy(&sel->end.u.v4, t->end, 4);
	}
	sel->ipproto = t->ipproto;
	sel->sport = t->sport;
	sel->eport = t->eport;
}
