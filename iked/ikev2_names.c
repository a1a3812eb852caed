/*
 * ikev2_names: the name of each IKEv2 wire number (ikev2.h) for logs, from
 * static tables; the names are those of the IANA "IKEv2 Parameters"
 * registry (RFC 7296 3) in the short form strongSwan and iked print, so
 * logs of both sides read alike.
 */
#include <stddef.h>

#include "iked/ikev2.h"

struct ikev2_name {
	unsigned v;
	const char *name;
};

#define NAMES_LEN(t) (sizeof(t) / sizeof((t)[0]))

static const char *
ikev2_name_find(const struct ikev2_name *t, size_t n, unsigned v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return "UNKNOWN";
}

/* RFC 7296 3.1, RFC 5723, RFC 9242 */
static const struct ikev2_name exchange_names[] = {
	{ IKE_SA_INIT, "IKE_SA_INIT" },
	{ IKE_AUTH, "IKE_AUTH" },
	{ CREATE_CHILD_SA, "CREATE_CHILD_SA" },
	{ INFORMATIONAL, "INFORMATIONAL" },
	{ IKE_SESSION_RESUME, "IKE_SESSION_RESUME" },
	{ IKE_INTERMEDIATE, "IKE_INTERMEDIATE" },
};

/* RFC 7296 3.2, RFC 7383 2.5 */
static const struct ikev2_name payload_names[] = {
	{ PLD_NONE, "NONE" },
	{ PLD_SA, "SA" },
	{ PLD_KE, "KE" },
	{ PLD_IDI, "IDi" },
	{ PLD_IDR, "IDr" },
	{ PLD_CERT, "CERT" },
	{ PLD_CERTREQ, "CERTREQ" },
	{ PLD_AUTH, "AUTH" },
	{ PLD_NONCE, "No" },
	{ PLD_NOTIFY, "N" },
	{ PLD_DELETE, "D" },
	{ PLD_VENDOR, "V" },
	{ PLD_TSI, "TSi" },
	{ PLD_TSR, "TSr" },
	{ PLD_SK, "SK" },
	{ PLD_CP, "CP" },
	{ PLD_EAP, "EAP" },
	{ PLD_SKF, "SKF" },
};

/* RFC 7296 3.10.1 and the registry's later additions */
static const struct ikev2_name notify_names[] = {
	{ N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
	{ N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
	{ N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
	{ N_INVALID_SYNTAX, "INVALID_SYNTAX" },
	{ N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
	{ N_INVALID_SPI, "INVALID_SPI" },
	{ N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
	{ N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
	{ N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
	{ N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
	{ N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
	{ N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
	{ N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
	{ N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
	{ N_INVALID_SELECTORS, "INVALID_SELECTORS" },
	{ N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
	{ N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
	{ N_INITIAL_CONTACT, "INITIAL_CONTACT" },
	{ N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE" },
	{ N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE" },
	{ N_IPCOMP_SUPPORTED, "IPCOMP_SUPPORTED" },
	{ N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP" },
	{ N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP" },
	{ N_COOKIE, "COOKIE" },
	{ N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE" },
	{ N_HTTP_CERT_LOOKUP_SUPPORTED, "HTTP_CERT_LOOKUP_SUPPORTED" },
	{ N_REKEY_SA, "REKEY_SA" },
	{ N_ESP_TFC_PADDING_NOT_SUPPORTED, "ESP_TFC_PADDING_NOT_SUPPORTED" },
	{ N_NON_FIRST_FRAGMENTS_ALSO, "NON_FIRST_FRAGMENTS_ALSO" },
	{ N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED" },
	{ N_MULTIPLE_AUTH_SUPPORTED, "MULTIPLE_AUTH_SUPPORTED" },
	{ N_REDIRECT_SUPPORTED, "REDIRECT_SUPPORTED" },
	{ N_CHILDLESS_IKEV2_SUPPORTED, "CHILDLESS_IKEV2_SUPPORTED" },
	{ N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED,
	    "IKEV2_MESSAGE_ID_SYNC_SUPPORTED" },
	{ N_IKEV2_FRAGMENTATION_SUPPORTED, "IKEV2_FRAGMENTATION_SUPPORTED" },
	{ N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS" },
	{ N_USE_PPK, "USE_PPK" },
	{ N_PPK_IDENTITY, "PPK_IDENTITY" },
	{ N_NO_PPK_AUTH, "NO_PPK_AUTH" },
};

/* RFC 7296 3.3.2 */
static const struct ikev2_name xform_type_names[] = {
	{ XF_ENCR, "ENCR" },
	{ XF_PRF, "PRF" },
	{ XF_INTEG, "INTEG" },
	{ XF_DH, "DH" },
	{ XF_ESN, "ESN" },
};

static const struct ikev2_name encr_names[] = {
	{ ENCR_3DES, "3DES" },
	{ ENCR_NULL, "NULL" },
	{ ENCR_AES_CBC, "AES_CBC" },
	{ ENCR_AES_CTR, "AES_CTR" },
	{ ENCR_AES_GCM_8, "AES_GCM_8" },
	{ ENCR_AES_GCM_12, "AES_GCM_12" },
	{ ENCR_AES_GCM_16, "AES_GCM_16" },
	{ ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305" },
};

static const struct ikev2_name prf_names[] = {
	{ PRF_HMAC_MD5, "PRF_HMAC_MD5" },
	{ PRF_HMAC_SHA1, "PRF_HMAC_SHA1" },
	{ PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
	{ PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
	{ PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" },
};

static const struct ikev2_name integ_names[] = {
	{ AUTH_NONE, "NONE" },
	{ AUTH_HMAC_MD5_96, "HMAC_MD5_96" },
	{ AUTH_HMAC_SHA1_96, "HMAC_SHA1_96" },
	{ AUTH_HMAC_SHA2_256_128, "HMAC_SHA2_256_128" },
	{ AUTH_HMAC_SHA2_384_192, "HMAC_SHA2_384_192" },
	{ AUTH_HMAC_SHA2_512_256, "HMAC_SHA2_512_256" },
};

static const struct ikev2_name dh_names[] = {
	{ DH_NONE, "NONE" },
	{ MODP_1024, "MODP_1024" },
	{ MODP_1536, "MODP_1536" },
	{ MODP_2048, "MODP_2048" },
	{ MODP_3072, "MODP_3072" },
	{ MODP_4096, "MODP_4096" },
	{ ECP_256, "ECP_256" },
	{ ECP_384, "ECP_384" },
	{ ECP_521, "ECP_521" },
	{ CURVE25519, "CURVE_25519" },
};

static const struct ikev2_name esn_names[] = {
	{ ESN_NO, "NO_EXT_SEQ" },
	{ ESN_YES, "EXT_SEQ" },
};

/* RFC 7296 3.5 */
static const struct ikev2_name id_type_names[] = {
	{ ID_IPV4_ADDR, "ID_IPV4_ADDR" },
	{ ID_FQDN, "ID_FQDN" },
	{ ID_RFC822_ADDR, "ID_RFC822_ADDR" },
	{ ID_IPV6_ADDR, "ID_IPV6_ADDR" },
	{ ID_DER_ASN1_DN, "ID_DER_ASN1_DN" },
	{ ID_DER_ASN1_GN, "ID_DER_ASN1_GN" },
	{ ID_KEY_ID, "ID_KEY_ID" },
};

/* RFC 7296 3.8, RFC 7427 3 */
static const struct ikev2_name auth_method_names[] = {
	{ AUTH_RSA_SIG, "RSA_SIG" },
	{ AUTH_SHARED_KEY_MIC, "SHARED_KEY_MIC" },
	{ AUTH_DSS_SIG, "DSS_SIG" },
	{ AUTH_ECDSA_256, "ECDSA_256" },
	{ AUTH_ECDSA_384, "ECDSA_384" },
	{ AUTH_ECDSA_521, "ECDSA_521" },
	{ AUTH_DIGITAL_SIGNATURE, "DIGITAL_SIGNATURE" },
};

const char *
ikev2_exchange_name(unsigned v)
{
	return ikev2_name_find(exchange_names, NAMES_LEN(exchange_names), v);
}

const char *
ikev2_payload_name(unsigned v)
{
	return ikev2_name_find(payload_names, NAMES_LEN(payload_names), v);
}

const char *
ikev2_notify_name(unsigned v)
{
	return ikev2_name_find(notify_names, NAMES_LEN(notify_names), v);
}

const char *
ikev2_xform_type_name(unsigned v)
{
	return ikev2_name_find(
	    xform_type_names, NAMES_LEN(xform_type_names), v);
}

const char *
ikev2_xform_name(unsigned t, unsigned id)
{
	switch (t) {
	case XF_ENCR:
		return ikev2_name_find(encr_names, NAMES_LEN(encr_names), id);
	case XF_PRF:
		return ikev2_name_find(prf_names, NAMES_LEN(prf_names), id);
	case XF_INTEG:
		return ikev2_name_find(integ_names, NAMES_LEN(integ_names), id);
	case XF_DH: return ikev2_name_find(dh_names, NAMES_LEN(dh_names), id);
	case XF_ESN:
		return ikev2_name_find(esn_names, NAMES_LEN(esn_names), id);
	default: return "UNKNOWN";
	}
}

const char *
ikev2_id_type_name(unsigned v)
{
	return ikev2_name_find(id_type_names, NAMES_LEN(id_type_names), v);
}

const char *
ikev2_auth_method_name(unsigned v)
{
	return ikev2_name_find(
	    auth_method_names, NAMES_LEN(auth_method_names), v);
}
