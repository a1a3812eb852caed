/*
 * cert_auth: certificates in IKE_SA_INIT and IKE_AUTH (RFC 7296 2.15,
 * 3.6, 3.7; RFC 7427; RFC 4945 3).
 *
 * IKE_SA_INIT carries N(SIGNATURE_HASH_ALGORITHMS) (RFC 7427 4) and, from
 * the responder, a CERTREQ naming the CA of the gateway's ca-profile by
 * the SHA-1 of its SubjectPublicKeyInfo (3.7); the initiator sends its
 * CERTREQ in IKE_AUTH.  Each side sends CERT with its local certificate,
 * then the CA certificates of the loaded ca-profiles that issued it, up
 * to (not including) a self-signed root: that is how an operator gives
 * intermediates (one ca-profile per CA, as on Junos).
 *
 * The peer's first CERT is its end-entity certificate, the others
 * untrusted intermediates; the chain is verified with the pki trust store
 * of the gateway's ca-profile (CRLs as the profile says), the ID payload
 * must be in the certificate (pki_cert_has_identity: SAN address, FQDN,
 * e-mail, or the subject DN), a configured remote identity must match
 * (the same ID, or distinguished-name container/wildcard against the
 * subject), and the AUTH signature must verify (auth_sig.c).
 *
 * Our signature comes from the signer (engine.h): it may answer much
 * later, so the request is parked in a struct sig_wait naming its IKE SA
 * by SPI and resumed from the loop (the shape of ppk.c).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "iked/auth_sig.h"
#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"
#include "pki/pki.h"
#include "pki/pki_verify.h"

struct sig_wait {
	struct sig_wait *next;
	struct ike_engine *e;
	uint64_t spi;
	struct event *ev;
	bool answered;
	struct sig_alg alg;
	uint8_t sig[SIG_MAX];
	size_t len;
	char err[48];
};

bool
cert_is_used(const struct ike_sa *sa)
{
	return sa->gw->p.psk_len == 0;
}

void
cert_nego_free(struct ike_nego *n)
{
	X509_free(n->our_cert);
	n->our_cert = NULL;
}

/* RFC 7296 3.7: CERTREQ for the CA of our ca-profile. */
static void
cert_req_add(struct ike_sa *sa, struct pld_build *b)
{
	uint8_t h[SIG_SHA1_LEN];
	struct sb err;
	X509 *ca;

	if (sa->e->pki == NULL || sa->gw->p.ca_profile[0] == '\0')
		return;
	sb_init(&err);
	ca = pki_ca_cert_get(sa->e->pki, sa->gw->p.ca_profile, &err);
	if (ca != NULL && sig_spki_sha1(ca, h) == 0)
		pld_add_cert(b, PLD_CERTREQ, CERT_X509_SIGNATURE, h, sizeof(h));
	X509_free(ca);
	sb_free(&err);
}

void
cert_sa_init_add(struct ike_sa *sa, struct pld_build *b, bool certreq)
{
	uint8_t hashes[8];
	size_t n;

	if (!cert_is_used(sa))
		return;
	n = sig_hashes_notify(hashes, sizeof(hashes));
	pld_add_notify(
	    b, PROTO_NONE, NULL, 0, N_SIGNATURE_HASH_ALGORITHMS, hashes, n);
	if (certreq)
		cert_req_add(sa, b);
}

void
cert_sa_init_take(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_notify *nt;

	nt = pld_notify_find(msg, N_SIGNATURE_HASH_ALGORITHMS);
	if (nt != NULL && cert_is_used(sa))
		sa->n->peer_hashes = sig_hashes_parse(nt->data.p, nt->data.len);
}

int
cert_load_ours(struct ike_sa *sa)
{
	struct ike_nego *n = sa->n;
	struct sb err;

	if (n->our_cert != NULL)
		return 0;
	if (sa->e->pki == NULL) {
		log_warn(
		    "ike %s: certificates without a pki store", sa->gw->p.name);
		return -1;
	}
	sb_init(&err);
	n->our_cert =
	    pki_local_cert_get(sa->e->pki, sa->gw->p.local_cert, &err);
	if (n->our_cert == NULL)
		log_warn("ike %s: local certificate %s: %s", sa->gw->p.name,
		    sa->gw->p.local_cert, sb_str(&err));
	sb_free(&err);
	return n->our_cert != NULL ? 0 : -1;
}

bool
cert_id_ours(const struct ike_sa *sa, uint8_t *type, uint8_t *data, size_t *len)
{
	unsigned char *der = NULL;
	int dl;

	if (!cert_is_used(sa) || sa->gw->p.local_id.type != 0 ||
	    sa->n == NULL || sa->n->our_cert == NULL)
		return false;
	/* RFC 4945 3.1.5: the DER of our subject. */
	dl = i2d_X509_NAME(X509_get_subject_name(sa->n->our_cert), &der);
	if (dl <= 0 || dl > ENG_ID_MAX) {
		OPENSSL_free(der);
		return false;
	}
	*type = ID_DER_ASN1_DN;
	memcpy(data, der, (size_t)dl);
	*len = (size_t)dl;
	OPENSSL_free(der);
	return true;
}

static void
cert_add_one(struct pld_build *b, X509 *x)
{
	unsigned char *der = NULL;
	int dl = i2d_X509(x, &der);

	if (dl > 0)
		pld_add_cert(b, PLD_CERT, CERT_X509_SIGNATURE, der, (size_t)dl);
	else
		b->err = -1;
	OPENSSL_free(der);
}

/* The CA certificate of a loaded ca-profile that issued x; new, or NULL. */
static X509 *
cert_issuer(struct pki_store *st, char **cas, X509 *x)
{
	struct sb err;

	sb_init(&err);
	for (size_t i = 0; cas != NULL && cas[i] != NULL; i++) {
		X509 *ca = pki_ca_cert_get(st, cas[i], &err);
		if (ca != NULL && X509_check_issued(ca, x) == X509_V_OK) {
			sb_free(&err);
			return ca;
		}
		X509_free(ca);
	}
	sb_free(&err);
	return NULL;
}

void
cert_add(struct ike_sa *sa, struct pld_build *b, bool certreq)
{
	struct pki_store *st = sa->e->pki;
	X509 *cur = sa->n->our_cert, *ca;
	char **cas;

	cert_add_one(b, cur);
	cas = pki_store_list(st, "ca");
	X509_up_ref(cur);
	for (int i = 0; i < ENG_CHAIN_MAX; i++) {
		ca = cert_issuer(st, cas, cur);
		X509_free(cur);
		cur = ca;
		/* The root is the peer's trust anchor: not sent. */
		if (cur == NULL || X509_check_issued(cur, cur) == X509_V_OK)
			break;
		cert_add_one(b, cur);
	}
	X509_free(cur);
	pki_names_free(cas);
	ERR_clear_error();
	if (certreq)
		cert_req_add(sa, b);
}

/* IKE ID types to the pki's (the same numbers, RFC 7296 3.5). */
static bool
cert_id_type(uint8_t t, enum pki_id_type *out)
{
	switch (t) {
	case ID_IPV4_ADDR:
	case ID_FQDN:
	case ID_RFC822_ADDR:
	case ID_IPV6_ADDR:
	case ID_DER_ASN1_DN: *out = (enum pki_id_type)t; return true;
	}
	return false;
}

/* The configured remote identity against the peer's ID and certificate. */
static bool
cert_remote_id_ok(
    const struct eng_id *want, const struct ike_id *id, X509 *leaf)
{
	if (want->dn_container != NULL || want->dn_wildcard != NULL)
		return id->type == ID_DER_ASN1_DN &&
		    (want->dn_container == NULL ||
			pki_cert_dn_matches(
			    leaf, PKI_DN_CONTAINER, want->dn_container)) &&
		    (want->dn_wildcard == NULL ||
			pki_cert_dn_matches(
			    leaf, PKI_DN_WILDCARD, want->dn_wildcard));
	if (want->type == 0)
		return true;
	if (want->type == ID_DER_ASN1_DN && id->type == ID_DER_ASN1_DN)
		/* the same subject, however each side encoded it */
		return pki_cert_has_identity(
			   leaf, PKI_ID_DER_DN, want->data, want->len) ||
		    pki_cert_has_identity(
			leaf, PKI_ID_DN_TEXT, want->data, want->len);
	return id->type == want->type && id->data.len == want->len &&
	    memcmp(id->data.p, want->data, want->len) == 0;
}

/* A CERT payload's X.509 certificate, DER and nothing after it. */
static X509 *
cert_parse(const struct ike_cert *c)
{
	const unsigned char *p = c->data.p;
	X509 *x;

	if (c->enc != CERT_X509_SIGNATURE || c->data.len == 0 ||
	    c->data.len > IKE_MSG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)c->data.len);
	if (x != NULL && p != c->data.p + c->data.len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

bool
cert_verify_peer(struct ike_sa *sa, const struct ike_msg *msg,
    const struct ike_id *id, const uint8_t *octets, size_t olen,
    const char **why)
{
	const struct eng_peer *p = &sa->gw->p;
	const char *prof[1] = { p->ca_profile };
	STACK_OF(X509) *chain = NULL;
	enum pki_id_type pt;
	X509 *leaf = NULL;
	struct sb err;
	bool ok = false;

	sb_init(&err);
	*why = "no certificate from the peer";
	if (sa->e->pki == NULL || msg->ncert == 0 ||
	    (leaf = cert_parse(&msg->cert[0])) == NULL)
		goto done;
	chain = sk_X509_new_null();
	for (size_t i = 1; i < msg->ncert && chain != NULL; i++) {
		X509 *x = cert_parse(&msg->cert[i]);
		if (x != NULL && sk_X509_push(chain, x) == 0)
			X509_free(x);
	}
	*why = "certificate does not verify";
	if (p->ca_profile[0] == '\0' ||
	    pki_verify_cert(sa->e->pki, prof, 1, leaf, chain, &err) == -1) {
		log_info("ike %s: peer certificate: %s", p->name,
		    err.len ? sb_str(&err) : "no ca-profile");
		goto done;
	}
	*why = "peer's ID is not in its certificate";
	if (!cert_id_type(id->type, &pt) ||
	    !pki_cert_has_identity(leaf, pt, id->data.p, id->data.len))
		goto done;
	*why = "peer's ID is not the configured remote identity";
	if (!cert_remote_id_ok(&p->remote_id, id, leaf))
		goto done;
	ok = sig_verify(leaf, msg->auth.method, msg->auth.data.p,
	    msg->auth.data.len, octets, olen, why);
done:
	sk_X509_pop_free(chain, X509_free);
	X509_free(leaf);
	sb_free(&err);
	ERR_clear_error();
	return ok;
}

static void
sig_wait_free(struct sig_wait *w)
{
	if (w->ev != NULL)
		event_free(w->ev);
	OPENSSL_cleanse(w, sizeof(*w));
	free(w);
}

/* On the loop: hand the signature to the SA, if it is still waiting. */
static void
sig_resume(evutil_socket_t fd, short what, void *arg)
{
	struct sig_wait *w = arg, **pp;
	struct ike_engine *e = w->e;
	struct ike_sa *sa;

	for (pp = &e->sig_waits; *pp != NULL && *pp != w; pp = &(*pp)->next)
		;
	if (*pp == w)
		*pp = w->next;
	sa = sa_find(e, w->spi);
	if (sa == NULL || sa->state != IKE_ST_AUTH_WAIT || sa->n == NULL) {
		sig_wait_free(w);
		return;
	}
	struct ike_nego *n = sa->n;
	if (w->len == 0)
		snprintf(n->sig_err, sizeof(n->sig_err), "%s",
		    w->err[0] ? w->err : "no signature");
	else if (sig_auth_data(n->our_cert, &w->alg, w->sig, w->len,
		     n->sig_auth, sizeof(n->sig_auth), &n->sig_auth_len) == -1)
		snprintf(n->sig_err, sizeof(n->sig_err), "unusable signature");
	else {
		n->have_sig = true;
		n->sig_method = w->alg.method;
	}
	sig_wait_free(w);
	auth_sig_ready(sa);
}

static void
sig_done(void *cb_ctx, const uint8_t *sig, size_t len, const char *error)
{
	struct sig_wait *w = cb_ctx;

	if (w->e == NULL) { /* the engine is gone */
		sig_wait_free(w);
		return;
	}
	if (w->answered)
		return;
	w->answered = true;
	if (sig != NULL && len > 0 && len <= sizeof(w->sig)) {
		memcpy(w->sig, sig, len);
		w->len = len;
	} else {
		snprintf(w->err, sizeof(w->err), "%s",
		    error ? error : "unusable signature");
	}
	event_active(w->ev, 0, 0);
}

int
cert_sign(struct ike_sa *sa, const uint8_t *octets, size_t olen)
{
	struct ike_engine *e = sa->e;
	struct sig_alg alg;
	struct sig_wait *w;

	if (e->signer == NULL || cert_load_ours(sa) == -1)
		return -1;
	if (sig_choose(sa->n->our_cert, sa->gw->p.rsa_pss, sa->n->peer_hashes,
		&alg) == -1) {
		log_warn("ike %s: no signature scheme for certificate %s with "
			 "this peer",
		    sa->gw->p.name, sa->gw->p.local_cert);
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->e = e;
	w->spi = sa_our_spi(sa);
	w->alg = alg;
	w->ev = event_new(e->base, -1, 0, sig_resume, w);
	w->next = e->sig_waits;
	e->sig_waits = w;
	if (sa->state != IKE_ST_AUTH_WAIT) /* after a PPK, already */
		sa_state(sa, IKE_ST_AUTH_WAIT);
	e->signer->sign(e->signer_ctx, sa->gw->p.local_cert, alg.scheme,
	    alg.hash, octets, olen, sig_done, w);
	return 0;
}

void
cert_waits_free(struct ike_engine *e)
{
	struct sig_wait *w, *nx;

	for (w = e->sig_waits; w != NULL; w = nx) {
		nx = w->next;
		if (w->answered) {
			sig_wait_free(w); /* nobody calls it again */
		} else {
			event_free(w->ev);
			w->ev = NULL;
			w->e = NULL;
		}
	}
	e->sig_waits = NULL;
}
