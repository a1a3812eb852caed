/*
 * fuzz_eng_cert: certificate authentication in the engine fuzz harness
 * (fuzz_eng.h, FZ_AUTH_RSA / FZ_AUTH_ECDSA): both engines sign with an
 * end-entity certificate of that kind under one root, made as the
 * certificate tests make theirs (tests/iked/cert_lab.h).  Keys,
 * certificates and pki stores are made once a process, an RSA key
 * costing more than many inputs' runs; each wire gets in-process signers
 * of its own on its loop (the engine's asynchronous signing path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "iked/ca.h"
#include "lib/sb.h"
#include "pki/pki.h"
#include "tests/fuzz/fuzz_eng.h"
#include "tests/iked/cert_lab.h"

/* One kind's stores, one a side, in a temporary directory each. */
struct fz_pki {
	struct pki_store *st[2];
	char dir[2][64];
};

static struct fz_pki *pkis[FZ_AUTH_COUNT];

static const struct pki_ca_profile fz_profiles[] = { { .name = "lab-ca" } };

static void
fz_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || (x != NULL && PEM_write_X509(f, x) != 1) ||
	    (k != NULL &&
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1) ||
	    fclose(f) != 0) {
		fprintf(stderr, "fuzz_eng_cert: cannot write %s\n", path);
		abort();
	}
}

static void
fz_pki_rm(void)
{
	char cmd[128];

	for (int a = 0; a < FZ_AUTH_COUNT; a++)
		for (int side = 0; pkis[a] != NULL && side < 2; side++) {
			pki_store_free(pkis[a]->st[side]);
			snprintf(
			    cmd, sizeof(cmd), "rm -rf %s", pkis[a]->dir[side]);
			if (system(cmd) != 0)
				fprintf(
				    stderr, "fuzz_eng_cert: %s failed\n", cmd);
		}
}

/* The root, a certificate a side, the stores holding them. */
static struct fz_pki *
fz_pki_make(enum fz_auth a)
{
	struct fz_pki *p = calloc(1, sizeof(*p));
	EVP_PKEY *rk = key_make(KT_EC256);
	X509 *root = cert_make("Lab Root", "pki", rk, NULL, NULL, true, NULL);
	char path[128], kpath[128];
	struct sb err;

	if (p == NULL)
		abort();
	sb_init(&err);
	for (int side = 0; side < 2; side++) {
		EVP_PKEY *k = key_make(a == FZ_AUTH_RSA ? KT_RSA : KT_EC256);
		X509 *x = cert_make(side ? "gw-b" : "gw-a", "vpn", k, root, rk,
		    false, side ? "IP:10.0.0.2" : "IP:10.0.0.1");

		snprintf(
		    p->dir[side], sizeof(p->dir[side]), "/tmp/fz-pki-XXXXXX");
		if (mkdtemp(p->dir[side]) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/store", p->dir[side]);
		if ((p->st[side] = pki_store_new(path, &err)) == NULL)
			goto fail;
		pki_store_set_ca_profiles(p->st[side], fz_profiles, 1);
		snprintf(path, sizeof(path), "%s/root.pem", p->dir[side]);
		fz_pem(path, root, NULL);
		if (pki_ca_load(p->st[side], "lab-ca", path, NULL, &err) != 0)
			goto fail;
		snprintf(path, sizeof(path), "%s/me.crt", p->dir[side]);
		snprintf(kpath, sizeof(kpath), "%s/me.key", p->dir[side]);
		fz_pem(path, x, NULL);
		fz_pem(kpath, NULL, k);
		if (pki_local_load(p->st[side], "me", path, kpath, &err) != 0)
			goto fail;
		X509_free(x);
		EVP_PKEY_free(k);
	}
	X509_free(root);
	EVP_PKEY_free(rk);
	sb_free(&err);
	return p;
fail:
	fprintf(stderr, "fuzz_eng_cert: %s\n", sb_str(&err));
	abort();
}

void
fz_cert_conf(struct wire *w, enum fz_auth a, struct eng_peer *pa,
    struct eng_peer *pb, struct signer_local *sig[2])
{
	struct eng_peer *p[2] = { pa, pb };

	if (a == FZ_AUTH_PSK)
		return;
	if (pkis[a] == NULL) {
		if (pkis[FZ_AUTH_RSA] == NULL && pkis[FZ_AUTH_ECDSA] == NULL)
			atexit(fz_pki_rm);
		pkis[a] = fz_pki_make(a);
	}
	for (int side = 0; side < 2; side++) {
		sig[side] = signer_local_new(w->base, pkis[a]->st[side]);
		eng_set_certs(w->eng[side], pkis[a]->st[side],
		    signer_local_ops(), sig[side]);
		/* cert_lab's peer, without touching the wire's ctx */
		p[side]->prop[0].auth_method = AUTH_DIGITAL_SIGNATURE;
		snprintf(
		    p[side]->local_cert, sizeof(p[side]->local_cert), "me");
		snprintf(
		    p[side]->ca_profile, sizeof(p[side]->ca_profile), "lab-ca");
	}
}
