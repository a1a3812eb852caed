/*
 * cert_lab: the harness of the certificate tests.  The engine tests' two
 * engines over a fake wire (eng_wire.h; here on the system clock, as
 * fragment retransmits need), each with a pki store of its
 * own in a temporary directory and the in-process signer, and the
 * certificates the tests need, made with EVP: a root CA ("lab-ca" on both
 * sides) and per side an end-entity certificate CN=gw-a / CN=gw-b, OU=vpn,
 * O=qsafe, C=US with its address as SAN.  A = 10.0.0.1 (initiator), B =
 * 10.0.0.2 (responder only).
 */
#ifndef QSAFE_TEST_CERT_LAB_H
#define QSAFE_TEST_CERT_LAB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "iked/ca.h"
#include "iked/engine.h"
#include "pki/pki.h"
#include "tests/iked/eng_wire.h"

/* The certificate side of a wire (its ctx). */
struct certs {
	struct pki_store *st[2];
	char dir[2][64];
	struct signer_local *sig[2];
	bool drop_b_frag; /* drop B's first SKF datagram once */
};

enum kt { KT_RSA, KT_EC256, KT_EC384, KT_EC521 };

/* The shared root of a test. */
struct lab {
	EVP_PKEY *root_key;
	X509 *root;
};

struct certs *certs_of(struct wire *w);
bool auth_failed(struct wire *w); /* A counted it, no SA left, quiet */

EVP_PKEY *key_make(enum kt t);
/* issuer NULL: self-signed; san: "IP:10.0.0.1" or NULL. */
X509 *cert_make(const char *cn, const char *ou, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *ikey, bool ca, const char *san);
/* Loads into side's store: a CA of a profile, or the local "me". */
void store_ca(struct wire *w, int side, const char *profile, X509 *ca);
void store_local(struct wire *w, int side, X509 *x, EVP_PKEY *k);
void lab_side(struct wire *w, struct lab *l, int side, enum kt t);
void lab_free(struct lab *l);

/* Makes l's root, the stores and the engines (no configuration yet);
 * wire_free frees them all. */
struct wire *cert_wire_new(struct lab *l);
/* Certificates "me" / "lab-ca", fragmentation on. */
void cert_peer_conf(struct eng_peer *p, int side);
/* The peers and vpn_conf's VPNs, B first. */
void cert_wire_conf(
    struct wire *w, const struct eng_peer *pa, const struct eng_peer *pb);
/* cert_wire_new, a certificate of type ta / tb per side, cert_peer_conf
 * both. */
struct wire *wire_lab(struct lab *l, enum kt ta, enum kt tb,
    struct eng_peer *pa, struct eng_peer *pb);

#endif
