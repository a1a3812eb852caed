/*
 * natd: the two stateless hashes of IKE_SA_INIT.
 *
 * NAT detection (RFC 7296 2.23): NAT_DETECTION_SOURCE_IP and _DESTINATION_IP
 * carry SHA-1(SPIi | SPIr | IP | port) of each end as the sender saw it.
 * When the peer's hash of our address does not match what we are, we are
 * behind a NAT; when its source hash does not match the address it came
 * from, it is (or it pretends to be — strongSwan's kernel-libipsec fakes a
 * mismatch on purpose to force UDP encapsulation).  Either way the IKE SA
 * floats to port 4500 from IKE_AUTH on and its Child SAs are installed
 * with ESP in UDP (RFC 3948).
 *
 * Cookies (RFC 7296 2.6): with more than ENG_COOKIE_THRESHOLD half-open
 * SAs the responder answers an IKE_SA_INIT without a valid cookie with
 * N(COOKIE) = SHA-256(Ni | IPi | SPIi | secret) and keeps no state; so
 * it does too for one address that holds half its share of half-open SAs
 * (ike_sa_init.c), whatever the count in all.
 *
 * The two digests are crypto.h's crypto_hash (no EVP call here).
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"

#define NATD_LEN CRYPTO_SHA1_LEN
#define COOKIE_LEN CRYPTO_SHA256_LEN

/* ip | port of ss into p; the number of octets. */
static size_t
addr_octets(const struct sockaddr_storage *ss, uint8_t *p, uint16_t defport)
{
	uint16_t port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		memcpy(p, &s6->sin6_addr, 16);
		port = ntohs(s6->sin6_port);
		p += 16;
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;
		if (ss->ss_family == AF_INET)
			memcpy(p, &s4->sin_addr, 4);
		else
			memset(p, 0, 4);
		port = ss->ss_family == AF_INET ? ntohs(s4->sin_port) : 0;
		p += 4;
	}
	if (port == 0)
		port = defport;
	p[0] = port >> 8;
	p[1] = port & 0xff;
	return ss->ss_family == AF_INET6 ? 18 : 6;
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static int
natd_hash(const struct ike_sa *sa, uint64_t rspi,
    const struct sockaddr_storage *ss, uint8_t *out)
{
	uint8_t buf[16 + 18];
	size_t n;

	put64(buf, sa->ispi);
	put64(buf + 8, rspi);
	n = 16 + addr_octets(ss, buf + 16, IKE_PORT);
	return crypto_hash(CRYPTO_SHA1, buf, n, out);
}

void
natd_add(struct ike_sa *sa, struct pld_build *b)
{
	uint8_t h[NATD_LEN];

	if (sa->gw->p.no_nat_traversal)
		return;
	if (natd_hash(sa, sa->rspi, &sa->local, h) == 0)
		pld_add_notify(b, PROTO_NONE, NULL, 0,
		    N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (natd_hash(sa, sa->rspi, &sa->remote, h) == 0)
		pld_add_notify(b, PROTO_NONE, NULL, 0,
		    N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

void
natd_check(struct ike_sa *sa, const struct ike_msg *msg)
{
	uint8_t me[NATD_LEN], peer[NATD_LEN];
	bool seen_src = false, seen_dst = false, src_ok = false, dst_ok = false;
	/* RFC 7296 2.23: the request's hashes have SPIr 0. */
	uint64_t rspi = (msg->hdr.flags & IKE_FLAG_RESPONSE) ? sa->rspi : 0;

	if (sa->gw->p.no_nat_traversal)
		return;
	if (natd_hash(sa, rspi, &sa->local, me) == -1 ||
	    natd_hash(sa, rspi, &sa->remote, peer) == -1)
		return;
	for (size_t i = 0; i < msg->nnotify; i++) {
		const struct ike_notify *n = &msg->notify[i];
		if (n->data.len != NATD_LEN)
			continue;
		if (n->type == N_NAT_DETECTION_SOURCE_IP) {
			seen_src = true;
			src_ok |= memcmp(n->data.p, peer, NATD_LEN) == 0;
		} else if (n->type == N_NAT_DETECTION_DESTINATION_IP) {
			seen_dst = true;
			dst_ok |= memcmp(n->data.p, me, NATD_LEN) == 0;
		}
	}
	if (!seen_src || !seen_dst)
		return; /* the peer does not do NAT-T */
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok;
	sa->natt = sa->nat_remote || sa->nat_local;
	if (sa->natt)
		log_info("ike %s: NAT detected (%s%s), using UDP 4500",
		    sa->gw->p.name, sa->nat_local ? "local" : "",
		    sa->nat_remote ? (sa->nat_local ? ", remote" : "remote")
				   : "");
}

static int
cookie_make(struct ike_engine *e, const struct ike_msg *msg,
    const struct sockaddr *remote, uint8_t *out)
{
	uint8_t buf[CRYPTO_NONCE_MAX + 18 + 8 + sizeof(e->cookie_secret)];
	struct sockaddr_storage ss;
	size_t n = 0;

	eng_ss_copy(&ss, remote);
	if (msg->nonce.len > CRYPTO_NONCE_MAX)
		return -1;
	memcpy(buf, msg->nonce.p, msg->nonce.len);
	n = msg->nonce.len;
	n += addr_octets(&ss, buf + n, IKE_PORT);
	put64(buf + n, msg->hdr.ispi);
	n += 8;
	memcpy(buf + n, e->cookie_secret, sizeof(e->cookie_secret));
	n += sizeof(e->cookie_secret);
	return crypto_hash(CRYPTO_SHA256, buf, n, out);
}

int
cookie_check(struct ike_engine *e, const struct ike_msg *msg,
    const struct sockaddr *remote, bool busy)
{
	uint8_t want[COOKIE_LEN];
	const struct ike_notify *n;

	if (!busy && e->half_open < e->lim.cookie_threshold)
		return 0;
	if (cookie_make(e, msg, remote, want) == -1)
		return 1;
	n = pld_notify_find(msg, N_COOKIE);
	if (n != NULL && n->data.len == COOKIE_LEN &&
	    CRYPTO_memcmp(n->data.p, want, COOKIE_LEN) == 0)
		return 0;
	e->st.cookies_sent++;
	eng_notify_clear(
	    e, &msg->hdr, N_COOKIE, want, sizeof(want), remote, NULL);
	return 1;
}
