/*
 * ikev2: the wire numbers of IKEv2 (RFC 7296 3, the IANA "IKEv2 Parameters"
 * registry) and RFC 8784 / 7383 / 3948 additions, with a name function for
 * each enum, used in logs (ikev2_payload_name(), ...).  Numbers only: no
 * state, no parsing.  IKEv1 (RFC 2408/2409) shares the transform and DH
 * registries' shapes but not their numbers; it gets its own header.
 */
#ifndef QSAFE_IKEV2_H
#define QSAFE_IKEV2_H

#include <stdint.h>

#define IKEV2_VERSION 0x20 /* major 2, minor 0 */
#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define IKE_HDR_LEN 28
#define IKE_PLD_HDR_LEN 4
/* RFC 3948 2.2: IKE on port 4500 starts with four zero octets. */
#define IKE_NON_ESP_MARKER_LEN 4

/* RFC 7296 3.1: header flags */
#define IKE_FLAG_INITIATOR 0x08
#define IKE_FLAG_VERSION 0x10
#define IKE_FLAG_RESPONSE 0x20

/* RFC 7296 3.1: exchange types */
enum ike_exchange {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	CREATE_CHILD_SA = 36,
	INFORMATIONAL = 37,
	IKE_SESSION_RESUME = 38,
	IKE_INTERMEDIATE = 43,
};

/* RFC 7296 3.2: payload types (next payload) */
enum ike_payload {
	PLD_NONE = 0,
	PLD_SA = 33,
	PLD_KE = 34,
	PLD_IDI = 35,
	PLD_IDR = 36,
	PLD_CERT = 37,
	PLD_CERTREQ = 38,
	PLD_AUTH = 39,
	PLD_NONCE = 40,
	PLD_NOTIFY = 41,
	PLD_DELETE = 42,
	PLD_VENDOR = 43,
	PLD_TSI = 44,
	PLD_TSR = 45,
	PLD_SK = 46,
	PLD_CP = 47,
	PLD_EAP = 48,
	PLD_SKF = 53, /* RFC 7383 2.5 */
};
#define IKE_PLD_CRITICAL 0x80

/* RFC 7296 3.3.1: protocol IDs */
enum ike_proto {
	PROTO_NONE = 0,
	PROTO_IKE = 1,
	PROTO_AH = 2,
	PROTO_ESP = 3,
};

/* RFC 7296 3.3.2: transform types */
enum ike_xform_type {
	XF_ENCR = 1,
	XF_PRF = 2,
	XF_INTEG = 3,
	XF_DH = 4, /* "Key Exchange Method" since RFC 9370 */
	XF_ESN = 5,
};
#define IKE_ATTR_KEY_LENGTH 14 /* RFC 7296 3.3.5, TV format */

/* Transform type 1 */
enum ike_encr {
	ENCR_3DES = 3,
	ENCR_NULL = 11,
	ENCR_AES_CBC = 12,
	ENCR_AES_CTR = 13,
	ENCR_AES_GCM_8 = 18,
	ENCR_AES_GCM_12 = 19,
	ENCR_AES_GCM_16 = 20,
	ENCR_CHACHA20_POLY1305 = 28,
};

/* Transform type 2 */
enum ike_prf {
	PRF_HMAC_MD5 = 1,
	PRF_HMAC_SHA1 = 2,
	PRF_HMAC_SHA2_256 = 5,
	PRF_HMAC_SHA2_384 = 6,
	PRF_HMAC_SHA2_512 = 7,
};

/* Transform type 3 */
enum ike_integ {
	AUTH_NONE = 0,
	AUTH_HMAC_MD5_96 = 1,
	AUTH_HMAC_SHA1_96 = 2,
	AUTH_HMAC_SHA2_256_128 = 12,
	AUTH_HMAC_SHA2_384_192 = 13,
	AUTH_HMAC_SHA2_512_256 = 14,
};

/* Transform type 4 */
enum ike_dh {
	DH_NONE = 0,
	MODP_1024 = 2,
	MODP_1536 = 5,
	MODP_2048 = 14,
	MODP_3072 = 15,
	MODP_4096 = 16,
	ECP_256 = 19,
	ECP_384 = 20,
	ECP_521 = 21,
	CURVE25519 = 31,
};

/* Transform type 5 */
enum ike_esn {
	ESN_NO = 0,
	ESN_YES = 1,
};

/* RFC 7296 3.5: identification types */
enum ike_id_type {
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_RFC822_ADDR = 3,
	ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9,
	ID_DER_ASN1_GN = 10,
	ID_KEY_ID = 11,
};

/* RFC 7296 3.6: certificate encodings */
enum ike_cert_enc {
	CERT_X509_SIGNATURE = 4,
	CERT_HASH_URL_X509 = 12,
};

/* RFC 7296 3.8, RFC 7427 3: authentication methods */
enum ike_auth_method {
	AUTH_RSA_SIG = 1,
	AUTH_SHARED_KEY_MIC = 2,
	AUTH_DSS_SIG = 3,
	AUTH_ECDSA_256 = 9,
	AUTH_ECDSA_384 = 10,
	AUTH_ECDSA_521 = 11,
	AUTH_DIGITAL_SIGNATURE = 14,
};

/* RFC 7296 3.13.1: traffic selector types */
enum ike_ts_type {
	TS_IPV4_ADDR_RANGE = 7,
	TS_IPV6_ADDR_RANGE = 8,
};

/* RFC 7296 3.10.1: notify message types */
enum ike_notify_type {
	/* errors (< 16384) */
	N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	N_INVALID_IKE_SPI = 4,
	N_INVALID_MAJOR_VERSION = 5,
	N_INVALID_SYNTAX = 7,
	N_INVALID_MESSAGE_ID = 9,
	N_INVALID_SPI = 11,
	N_NO_PROPOSAL_CHOSEN = 14,
	N_INVALID_KE_PAYLOAD = 17,
	N_AUTHENTICATION_FAILED = 24,
	N_SINGLE_PAIR_REQUIRED = 34,
	N_NO_ADDITIONAL_SAS = 35,
	N_INTERNAL_ADDRESS_FAILURE = 36,
	N_FAILED_CP_REQUIRED = 37,
	N_TS_UNACCEPTABLE = 38,
	N_INVALID_SELECTORS = 39,
	N_TEMPORARY_FAILURE = 43,
	N_CHILD_SA_NOT_FOUND = 44,
	/* status (>= 16384) */
	N_INITIAL_CONTACT = 16384,
	N_SET_WINDOW_SIZE = 16385,
	N_ADDITIONAL_TS_POSSIBLE = 16386,
	N_IPCOMP_SUPPORTED = 16387,
	N_NAT_DETECTION_SOURCE_IP = 16388,
	N_NAT_DETECTION_DESTINATION_IP = 16389,
	N_COOKIE = 16390,
	N_USE_TRANSPORT_MODE = 16391,
	N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	N_REKEY_SA = 16393,
	N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	N_MOBIKE_SUPPORTED = 16396,
	N_MULTIPLE_AUTH_SUPPORTED = 16404,
	N_REDIRECT_SUPPORTED = 16406,
	N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED = 16420,
	N_IKEV2_FRAGMENTATION_SUPPORTED = 16430, /* RFC 7383 2.3 */
	N_SIGNATURE_HASH_ALGORITHMS = 16431,	 /* RFC 7427 4 */
	N_USE_PPK = 16435,			 /* RFC 8784 3 */
	N_PPK_IDENTITY = 16436,
	N_NO_PPK_AUTH = 16437,
	N_CHILDLESS_IKEV2_SUPPORTED = 16418,
};
#define IKE_NOTIFY_ERROR_MAX 16383

/* RFC 8784 3: PPK_ID types; strongSwan and libreswan accept only FIXED. */
#define PPK_ID_OPAQUE 1
#define PPK_ID_FIXED 2

/* RFC 7427 4: hash algorithm identifiers in SIGNATURE_HASH_ALGORITHMS */
enum ike_hash_alg {
	HASH_SHA1 = 1,
	HASH_SHA2_256 = 2,
	HASH_SHA2_384 = 3,
	HASH_SHA2_512 = 4,
};

/* Names for logs; "UNKNOWN" for a number this build does not know. */
const char *ikev2_exchange_name(unsigned v);
const char *ikev2_payload_name(unsigned v);
const char *ikev2_notify_name(unsigned v);
const char *ikev2_xform_type_name(unsigned v);
/* The transform ID of type t, e.g. ("ENCR", 12) -> "AES_CBC". */
const char *ikev2_xform_name(unsigned t, unsigned id);
const char *ikev2_id_type_name(unsigned v);
const char *ikev2_auth_method_name(unsigned v);

#endif
