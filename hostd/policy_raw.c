/*
 * policy_raw: a side of a policy (its addresses of one family, as
 * policy_addr lists them) as a raw match of the network header,
 * `@nh,OFFSET,BITS VALUE`, for the rules of a bucket chain whose family
 * the chain tells (policy_bucket_rules).  Written `ip saddr A`, nft adds
 * `meta nfproto ipv4` to every rule in an inet table (2 of the 10
 * expressions of the firewall shape's rule, a fifth of the kernel's cost
 * of each: bench/nft_rules.sh); a raw match has no such dependency and
 * compiles to the same payload load and compare.
 *
 *   a prefix of whole bytes (a host too)   @nh,O,L 0xV         (L bits)
 *   any other prefix, a range              @nh,O,W 0xLO-0xHI
 *   several                                @nh,O,W { e, ... }  (nft
 *                                          merges what overlaps)
 *
 * O: RFC 791 3.1, the IPv4 source at bit 96, the destination at 128;
 * RFC 8200 3, the IPv6 source at 64, the destination at 192.  W: 32 or
 * 128.  Negated: `!=` before the value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "hostd/hostd.h"

/* One element "A", "A/L" or "A-B" into [lo, hi] (alen bytes each) and
 * its prefix length (-1: a range); false when it is none of these. */
static bool
raw_elem(const char *s, size_t n, bool v6, uint8_t *lo, uint8_t *hi, int *plen)
{
	char buf[INET6_ADDRSTRLEN * 2 + 2], *x;
	int af = v6 ? AF_INET6 : AF_INET, alen = v6 ? 16 : 4;
	long l = alen * 8;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((x = strchr(buf, '-')) != NULL) {
		*x = '\0';
		*plen = -1;
		return inet_pton(af, buf, lo) == 1 &&
		    inet_pton(af, x + 1, hi) == 1;
	}
	if ((x = strchr(buf, '/')) != NULL) {
		*x = '\0';
		l = strtol(x + 1, NULL, 10);
		if (l < 0 || l > alen * 8)
			return false;
	}
	if (inet_pton(af, buf, lo) != 1)
		return false;
	for (int i = 0; i < alen; i++) {
		long bits = l - i * 8;
		uint8_t mask = bits >= 8 ? 0xff
		    : bits <= 0		 ? 0
					 : (uint8_t)(0xff << (8 - bits));
		lo[i] &= mask; /* nft drops host bits: so does this */
		hi[i] = lo[i] | (uint8_t)~mask;
	}
	*plen = (int)l;
	return true;
}

static void
raw_hex(const uint8_t *a, int len, struct sb *out)
{
	sb_puts(out, "0x");
	for (int i = 0; i < len; i++)
		sb_printf(out, "%02x", a[i]);
}

bool
policy_raw(const char *el, bool v6, bool dst, bool excluded, struct sb *out)
{
	int alen = v6 ? 16 : 4, off = v6 ? (dst ? 192 : 64) : (dst ? 128 : 96);
	uint8_t lo[16], hi[16];
	bool one = strchr(el, ',') == NULL;
	size_t mark = out->len;
	int plen;

	if (one && raw_elem(el, strlen(el), v6, lo, hi, &plen) && plen > 0 &&
	    plen % 8 == 0) {
		sb_printf(
		    out, "@nh,%d,%d %s", off, plen, excluded ? "!= " : "");
		raw_hex(lo, plen / 8, out);
		sb_putc(out, ' ');
		return true;
	}
	sb_printf(out, "@nh,%d,%d %s%s", off, alen * 8, excluded ? "!= " : "",
	    one ? "" : "{ ");
	for (const char *s = el, *e; *s; s = *e ? e + 2 : e) {
		e = strchr(s, ',');
		e = e ? e : s + strlen(s);
		if (!raw_elem(s, (size_t)(e - s), v6, lo, hi, &plen)) {
			out->len = mark;
			out->buf[mark] = '\0';
			return false;
		}
		if (s != el)
			sb_puts(out, ", ");
		raw_hex(lo, alen, out);
		if (memcmp(lo, hi, (size_t)alen) != 0) {
			sb_putc(out, '-');
			raw_hex(hi, alen, out);
		}
	}
	sb_puts(out, one ? " " : " } ");
	return true;
}
