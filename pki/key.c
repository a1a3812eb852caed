/*
 * key: key pairs.  `request security pki generate-key-pair` makes RSA
 * (1024/2048/3072/4096, default 2048) or ECDSA (P-256/P-384, default 256) keys
 * with EVP_PKEY_Q_keygen; keys are stored as PKCS#8 PEM (RFC 5958) in files
 * of mode 0600 and wiped from memory as soon as they are written or parsed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "lib/log.h"
#include "pki/pki_int.h"

/* Sizes Junos offers (`size` is bits for RSA, curve size for ECDSA). */
static const int key_rsa_sizes[] = { 1024, 2048, 3072, 4096, 0 };
static const int key_ec_sizes[] = { 256, 384, 0 };

static bool
key_size_ok(const int *sizes, int bits)
{
	for (; *sizes != 0; sizes++)
		if (*sizes == bits)
			return true;
	return false;
}

int
pki_key_type_of(const EVP_PKEY *key, enum pki_key_type *type, int *bits)
{
	char group[64];

	if (EVP_PKEY_is_a(key, "RSA")) {
		*type = PKI_KEY_RSA;
		*bits = EVP_PKEY_get_bits(key);
		return *bits >= 1024 ? 0 : -1;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(key,
			OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
			NULL) != 1)
			return -1;
		*type = PKI_KEY_ECDSA;
		/* FIPS 186-4 D.1.2.3 / D.1.2.4 */
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			*bits = 256;
		else if (strcmp(group, "secp384r1") == 0 ||
		    strcmp(group, "P-384") == 0)
			*bits = 384;
		else
			return -1;
		return 0;
	}
	return -1;
}

/*
 * An encrypted key we cannot open without its passphrase: PKCS#8
 * EncryptedPrivateKeyInfo (RFC 5958 3) in PEM or DER, or a traditional PEM
 * key with "Proc-Type: 4,ENCRYPTED" (RFC 1421 4.6.1.1).
 */
static bool
key_is_encrypted(const uint8_t *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_SIG *sig;
	bool der;

	if (memmem(buf, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) ||
	    memmem(buf, len, "Proc-Type: 4,ENCRYPTED", 22))
		return true;
	sig = d2i_X509_SIG(NULL, &p, (long)len);
	der = sig != NULL && p == buf + len;
	X509_SIG_free(sig);
	ERR_clear_error();
	return der;
}

EVP_PKEY *
pki_key_parse(const uint8_t *buf, size_t len, struct sb *err)
{
	EVP_PKEY *key = NULL;
	enum pki_key_type t;
	BIO *b = NULL;
	int bits;

	/* buf NULL too: gcc -O2 with UBSan's pointer checks sees a path
	 * where it is (buf + len below) and warns on memmem (-Wnonnull) */
	if (buf == NULL || len == 0 || len > PKI_FILE_MAX) {
		sb_puts(err, "error: not a private key");
		return NULL;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL)
		fatal("out of memory");
	key = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	if (key == NULL) {
		const unsigned char *p = buf;

		/* DER: PKCS#8 or the traditional RSA / EC forms. */
		key = d2i_AutoPrivateKey(NULL, &p, (long)len);
		if (key != NULL && p != buf + len) {
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	ERR_clear_error();
	if (key == NULL) {
		sb_puts(err,
		    key_is_encrypted(buf, len)
			? "error: the private "
			  "key is encrypted (load it without a passphrase)"
			: "error: not a private key (PEM or DER)");
		goto done;
	}
	if (pki_key_type_of(key, &t, &bits) == -1) {
		sb_puts(err, "error: unsupported key type");
		EVP_PKEY_free(key);
		key = NULL;
	}
done:
	BIO_free(b);
	return key;
}

int
pki_key_store(
    struct pki_store *st, const char *id, EVP_PKEY *key, struct sb *err)
{
	size_t len = 0;
	char *pem;
	int rc;

	pem = pki_key_pem(key, &len);
	if (pem == NULL) {
		sb_printf(err, "error: cannot encode key pair %s", id);
		return -1;
	}
	rc = pki_obj_write(st, PKI_KIND_KEY, id, pem, len, 0600, err);
	pki_buf_free((uint8_t *)pem, len);
	return rc;
}

static EVP_PKEY *
key_generate(enum pki_key_type type, int bits)
{
	if (type == PKI_KEY_RSA)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	return EVP_PKEY_Q_keygen(
	    NULL, NULL, "EC", bits == 384 ? "P-384" : "P-256");
}

int
pki_key_generate(struct pki_store *st, const char *id, enum pki_key_type type,
    int bits, struct sb *err)
{
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (!pki_name_is_valid(id)) {
		sb_puts(err, "error: invalid certificate-id");
		return -1;
	}
	if (bits == 0)
		bits = type == PKI_KEY_RSA ? 2048 : 256;
	if (!key_size_ok(
		type == PKI_KEY_RSA ? key_rsa_sizes : key_ec_sizes, bits)) {
		sb_printf(err, "error: key size %d is not supported for %s",
		    bits, pki_key_type_name(type));
		return -1;
	}
	if (pki_has_key(st, id)) {
		sb_printf(err, "error: key pair %s already exists", id);
		return -1;
	}
	key = key_generate(type, bits);
	if (key == NULL) {
		sb_printf(
		    err, "error: key generation failed: %s", pki_ssl_reason());
		goto done;
	}
	if (pki_key_store(st, id, key, err) == -1)
		goto done;
	(void)pki_obj_remove(st, PKI_KIND_IMPORTED, id);
	log_info("pki: generated %s key pair %s (%d bits)",
	    pki_key_type_name(type), id, bits);
	rc = 0;
done:
	EVP_PKEY_free(key);
	return rc;
}

EVP_PKEY *
pki_local_key_get(struct pki_store *st, const char *id, struct sb *err)
{
	EVP_PKEY *key;
	struct sb why;
	uint8_t *buf;
	size_t len;

	if (!pki_has_key(st, id)) {
		sb_printf(err, "error: key pair %s not found", id);
		return NULL;
	}
	buf = pki_obj_read(st, PKI_KIND_KEY, id, &len, err);
	if (buf == NULL)
		return NULL;
	sb_init(&why);
	key = pki_key_parse(buf, len, &why);
	pki_buf_free(buf, len);
	if (key == NULL)
		sb_printf(err, "error: key pair %s is damaged", id);
	sb_free(&why);
	return key;
}

int
pki_key_clear(struct pki_store *st, const char *id, struct sb *err)
{
	if (!pki_name_is_valid(id)) {
		sb_puts(err, "error: invalid certificate-id");
		return -1;
	}
	if (pki_obj_remove(st, PKI_KIND_KEY, id) == -1) {
		if (errno == ENOENT)
			sb_printf(err, "error: key pair %s not found", id);
		else
			sb_printf(err, "error: cannot remove key pair %s: %s",
			    id, strerror(errno));
		return -1;
	}
	(void)pki_obj_remove(st, PKI_KIND_IMPORTED, id);
	log_info("pki: cleared key pair %s", id);
	return 0;
}
