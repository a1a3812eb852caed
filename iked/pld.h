/*
 * pld: the IKEv2 message codec (RFC 7296 3).  It knows payloads, not SAs:
 * decoding fills a struct ike_msg whose byte fields point into the packet
 * (borrowed: the packet must outlive the msg), and building appends
 * payloads to a caller's buffer with the next-payload chain and lengths
 * kept right.  Every length is checked against the bytes left and against
 * the named limits below before anything is read (lib/rd.h); nothing here
 * allocates.
 *
 * Decoding is in two steps because of the SK payload (RFC 7296 3.14):
 * pld_decode() reads the header and the clear payloads and records where
 * SK (or SKF, RFC 7383) is; the engine checks integrity and decrypts with
 * crypto.h, then pld_decode_inner() reads the decrypted payloads into the
 * same msg.  pld_check_rules() then says whether the payloads are the ones
 * the exchange allows (a static table, strongSwan's payload_rule_t idea).
 */
#ifndef QSAFE_PLD_H
#define QSAFE_PLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iked/ikev2.h"

/* Limits: a message beyond any of them is refused as INVALID_SYNTAX. */
#define IKE_MSG_MAX 65535 /* one UDP datagram */
#define IKE_PROP_MAX 16	  /* proposals in one SA payload */
#define IKE_XFORM_MAX 48  /* transforms in one proposal */
#define IKE_TS_MAX 16	  /* selectors in one TS payload */
#define IKE_NOTIFY_MAX 24
#define IKE_DELETE_MAX 8
#define IKE_CERT_MAX 8
#define IKE_CERTREQ_MAX 8
#define IKE_VENDOR_MAX 8
#define IKE_SPI_MAX 8	 /* IKE SPIs are 8 octets, ESP/AH 4 */
#define IKE_NONCE_MIN 16 /* RFC 7296 3.9 */
#define IKE_NONCE_MAX 256

/* A run of bytes inside a packet (or a decrypted buffer); borrowed. */
struct ike_blob {
	const uint8_t *p;
	size_t len;
};

struct ike_hdr {
	uint64_t ispi; /* host order */
	uint64_t rspi;
	uint8_t next;	  /* first payload */
	uint8_t version;  /* IKEV2_VERSION */
	uint8_t exchange; /* enum ike_exchange */
	uint8_t flags;	  /* IKE_FLAG_* */
	uint32_t msgid;
	uint32_t length;
};

struct ike_xform {
	uint8_t type; /* enum ike_xform_type */
	uint16_t id;
	uint16_t keylen; /* bits, from IKE_ATTR_KEY_LENGTH; 0: none */
};

struct ike_prop {
	uint8_t num;   /* proposal number, 1.. */
	uint8_t proto; /* enum ike_proto */
	uint8_t spi_len;
	uint8_t spi[IKE_SPI_MAX];
	uint8_t nxf;
	struct ike_xform xf[IKE_XFORM_MAX];
};

struct ike_sa_pld {
	uint8_t nprop;
	struct ike_prop prop[IKE_PROP_MAX];
};

struct ike_ke {
	uint16_t group; /* enum ike_dh */
	struct ike_blob data;
};

struct ike_id {
	uint8_t type; /* enum ike_id_type */
	struct ike_blob data;
	/* RFC 7296 2.15: the payload body after the generic header (ID type,
	 * reserved, data), which prf(SK_p, IDx') covers. */
	struct ike_blob body;
};

struct ike_auth {
	uint8_t method; /* enum ike_auth_method */
	struct ike_blob data;
};

struct ike_notify {
	uint8_t proto;
	uint16_t type; /* enum ike_notify_type */
	struct ike_blob spi;
	struct ike_blob data;
};

struct ike_delete {
	uint8_t proto;
	uint8_t spi_len;
	uint16_t nspi;
	struct ike_blob spis; /* nspi * spi_len octets */
};

struct ike_ts {
	uint8_t type;	 /* TS_IPV4_ADDR_RANGE / TS_IPV6_ADDR_RANGE */
	uint8_t ipproto; /* 0: any */
	uint16_t sport, eport;
	uint8_t start[16], end[16]; /* 4 or 16 octets used */
};

struct ike_ts_pld {
	uint8_t nts;
	struct ike_ts ts[IKE_TS_MAX];
};

struct ike_cert {
	uint8_t enc; /* enum ike_cert_enc */
	struct ike_blob data;
};

/* Where the encrypted payload is: everything crypto.h needs. */
struct ike_sk {
	uint8_t first;	      /* the first inner payload's type */
	size_t off;	      /* offset of SK's generic header in raw */
	struct ike_blob body; /* IV | ciphertext | ICV */
	/* RFC 7383 2.5: SKF only */
	bool frag;
	uint16_t frag_num, frag_total;
};

/* Which payloads a message carried, one bit per kind. */
#define PLD_BIT(t) ((uint64_t)1 << ((t)-32))

struct ike_msg {
	struct ike_hdr hdr;
	struct ike_blob raw; /* the whole message, header included */
	uint64_t present;    /* PLD_BIT() of each payload seen */
	uint64_t clear;	     /* those seen outside SK (pld_decode) */
	bool has_sk;
	bool decrypted; /* pld_decode_inner() read SK's chain */
	struct ike_sk sk;
	/* The first critical payload this build does not know (0: none). */
	uint8_t unknown_critical;

	struct ike_sa_pld sa;
	struct ike_ke ke;
	struct ike_blob nonce;
	struct ike_id idi, idr;
	struct ike_auth auth;
	struct ike_ts_pld tsi, tsr;
	uint8_t nnotify, ndelete, ncert, ncertreq, nvendor;
	struct ike_notify notify[IKE_NOTIFY_MAX];
	struct ike_delete del[IKE_DELETE_MAX];
	struct ike_cert cert[IKE_CERT_MAX];
	struct ike_cert certreq[IKE_CERTREQ_MAX];
	struct ike_blob vendor[IKE_VENDOR_MAX];
	struct ike_blob cp; /* configuration payload body, undecoded */
};

/*
 * Reads the header and the clear payloads of p[0..len) (on port 4500 the
 * non-ESP marker already removed).  0, or -1 with *notify set to what a
 * responder answers (N_INVALID_SYNTAX, N_INVALID_MAJOR_VERSION, ...) or 0
 * when the packet is dropped silently (shorter than a header, header length
 * not the datagram's, zero initiator SPI).  The engine still never answers
 * a response, and sends INVALID_SYNTAX only protected (RFC 7296 2.21,
 * 3.10.1).  An unknown payload with the critical bit is not an error here:
 * it is recorded in msg->unknown_critical and pld_check_rules() refuses it
 * with N_UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 2.5), so the engine can
 * still decrypt and answer.  A transform with an attribute this build does
 * not know is left out of its proposal (RFC 7296 3.3.6: "unacceptable"),
 * and so are traffic selectors of unknown types.
 * The header alone can be read with pld_decode_hdr() (e.g. to find the SA).
 */
int pld_decode_hdr(const uint8_t *p, size_t len, struct ike_hdr *hdr);
int pld_decode(
    const uint8_t *p, size_t len, struct ike_msg *msg, uint16_t *notify);
/*
 * Reads the decrypted chain that starts with payload type first, once per
 * message with SK (msg->decrypted); on -1 the msg is not to be used.
 */
int pld_decode_inner(struct ike_msg *msg, uint8_t first, const uint8_t *p,
    size_t len, uint16_t *notify);
/*
 * Checks msg's payloads against the table of what its exchange allows
 * (request or response, inside SK or not).  0, or -1 with *notify.
 */
int pld_check_rules(const struct ike_msg *msg, uint16_t *notify);
/* The first notify of that type, or NULL. */
const struct ike_notify *pld_notify_find(
    const struct ike_msg *msg, uint16_t type);

/*
 * Building.  The caller owns buf; pld_build_* never writes past cap and
 * sets b->err instead, so a chain of adds is checked once at the end.
 */
struct pld_build {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t next_off; /* where the last payload's "next" byte is */
	size_t len_off;	 /* the IKE header's length field; SIZE_MAX: none */
	int err;
	uint8_t first; /* the first payload's type (PLD_NONE: none) */
	size_t sk_off; /* the SK/SKF header; SIZE_MAX: none yet */
};

/* Starts a message with its header (hdr->length is filled at the end). */
void pld_build_init(
    struct pld_build *b, uint8_t *buf, size_t cap, const struct ike_hdr *hdr);
/* Starts a bare payload chain (the plaintext of an SK payload). */
void pld_build_init_inner(struct pld_build *b, uint8_t *buf, size_t cap);
/* The first payload's type of a chain (for the SK header). */
uint8_t pld_build_first(const struct pld_build *b);
void pld_add_sa(struct pld_build *b, const struct ike_sa_pld *sa);
void pld_add_ke(
    struct pld_build *b, uint16_t group, const uint8_t *data, size_t len);
void pld_add_nonce(struct pld_build *b, const uint8_t *data, size_t len);
void pld_add_id(struct pld_build *b, uint8_t pld_type, uint8_t id_type,
    const uint8_t *data, size_t len);
void pld_add_auth(
    struct pld_build *b, uint8_t method, const uint8_t *data, size_t len);
void pld_add_notify(struct pld_build *b, uint8_t proto, const uint8_t *spi,
    size_t spi_len, uint16_t type, const uint8_t *data, size_t len);
void pld_add_delete(struct pld_build *b, uint8_t proto, uint8_t spi_len,
    const uint8_t *spis, uint16_t nspi);
void pld_add_ts(
    struct pld_build *b, uint8_t pld_type, const struct ike_ts_pld *ts);
void pld_add_cert(struct pld_build *b, uint8_t pld_type, uint8_t enc,
    const uint8_t *data, size_t len);
void pld_add_vendor(struct pld_build *b, const uint8_t *data, size_t len);
/* Any payload from its body octets (CP, EAP, or one this file lacks). */
void pld_add_raw(
    struct pld_build *b, uint8_t pld_type, const uint8_t *body, size_t len);
/*
 * Reserves an SK payload's generic header and returns its offset: the
 * engine then appends IV | ciphertext | ICV (crypto.h sk_seal), sets
 * b->len to the message length sk_seal returned, and calls pld_build_end.
 * Nothing can be added after it (RFC 7296 3.14: SK is the last payload).
 */
size_t pld_add_sk_header(struct pld_build *b, uint8_t first_inner);
/*
 * RFC 7383 2.5: the same for one fragment (SKF): first_inner is sent in
 * fragment 1 only (0 in the others), num is 1..total.
 */
size_t pld_add_skf_header(
    struct pld_build *b, uint8_t first_inner, uint16_t num, uint16_t total);
/* Fills the lengths; the message length, or -1 (too long, b->err). */
long pld_build_end(struct pld_build *b);

#endif
