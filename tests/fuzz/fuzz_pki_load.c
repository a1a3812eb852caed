/*
 * fuzz_pki_load: libFuzzer entry point for the pki loaders — the bytes of a
 * file an operator names (or a peer sends, for iked) go to the same
 * functions `local-certificate load`, `ca-certificate load` and `crl load`
 * use, then through the description and identity code that reads the
 * parsed certificate.  Built with -Dfuzz=true (clang); fuzz_driver.c runs
 * it over the seeds in the normal test suite.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/err.h>

#include "pki/pki_int.h"
#include "pki/pki_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_cert(X509 *cert, const uint8_t *data, size_t size)
{
	static const enum pki_id_type types[] = { PKI_ID_IPV4_ADDR, PKI_ID_FQDN,
		PKI_ID_RFC822, PKI_ID_IPV6_ADDR, PKI_ID_DER_DN,
		PKI_ID_DN_TEXT };
	size_t i, n = size < 64 ? size : 64;
	json_t *info = pki_cert_info(cert, true);

	json_decref(info);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		(void)pki_cert_has_identity(cert, types[i], data, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_CRL *crl;
	X509_REQ *req;
	EVP_PKEY *key;
	struct sb err;
	X509 *cert;

	sb_init(&err);
	if ((cert = pki_cert_parse(data, size, &err)) != NULL) {
		fuzz_cert(cert, data, size);
		X509_free(cert);
	}
	if ((key = pki_key_parse(data, size, &err)) != NULL)
		EVP_PKEY_free(key);
	if ((crl = pki_crl_parse(data, size, &err)) != NULL)
		X509_CRL_free(crl);
	if ((req = pki_req_parse(data, size, &err)) != NULL) {
		json_decref(pki_req_info(req, true));
		X509_REQ_free(req);
	}
	sb_free(&err);
	ERR_clear_error();
	return 0;
}
