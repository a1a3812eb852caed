/*
 * pld_rules: which payloads each exchange allows (RFC 7296 1.2-1.5, 2.6,
 * 2.21, 3.14; RFC 6023 childless; RFC 9242 IKE_INTERMEDIATE), as one
 * static table checked before the engine dispatches a message — the idea
 * of strongSwan's payload_rule_t, written here.  A row names an exchange
 * and direction, whether its payloads travel inside SK, and for each
 * payload kind how many may and must be there; payloads that only make
 * sense together (SA, TSi, TSr) form sets that are all there or all
 * absent, and a reply without its main payloads must carry a notify (the
 * error that explains it).
 */
#include <stddef.h>

#include "iked/pld.h"

#define PLD_ANY 255 /* bounded by the decoder's limits */

struct pld_rule {
	uint8_t type;
	uint8_t min, max;
};

struct pld_rules {
	uint8_t exchange;
	bool response;
	bool sk;	      /* everything but SK inside SK */
	uint64_t together[2]; /* each set: all or none */
	uint64_t or_notify;   /* none of these: a notify must be there */
	const struct pld_rule *rule;
	size_t nrule;
};

#define B(t) PLD_BIT(t)
#define RULES(a) (a), sizeof(a) / sizeof((a)[0])

/* RFC 7296 1.2, 2.6: SA KEi Ni [N(COOKIE)] */
static const struct pld_rule init_req[] = {
	{ PLD_SA, 1, 1 },
	{ PLD_KE, 1, 1 },
	{ PLD_NONCE, 1, 1 },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};
/* SA KEr Nr [CERTREQ], or only N(COOKIE / INVALID_KE_PAYLOAD / error) */
static const struct pld_rule init_resp[] = {
	{ PLD_SA, 0, 1 },
	{ PLD_KE, 0, 1 },
	{ PLD_NONCE, 0, 1 },
	{ PLD_CERTREQ, 0, PLD_ANY },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};
/* RFC 7296 1.2: IDi [CERT] [CERTREQ] [IDr] AUTH [CP] SAi2 TSi TSr */
static const struct pld_rule auth_req[] = {
	{ PLD_IDI, 1, 1 },
	{ PLD_CERT, 0, PLD_ANY },
	{ PLD_CERTREQ, 0, PLD_ANY },
	{ PLD_IDR, 0, 1 },
	{ PLD_AUTH, 1, 1 },
	{ PLD_CP, 0, 1 },
	{ PLD_SA, 0, 1 },
	{ PLD_TSI, 0, 1 },
	{ PLD_TSR, 0, 1 },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};
/* IDr [CERT] AUTH [CP] SAr2 TSi TSr, or only N(AUTHENTICATION_FAILED) */
static const struct pld_rule auth_resp[] = {
	{ PLD_IDR, 0, 1 },
	{ PLD_CERT, 0, PLD_ANY },
	{ PLD_AUTH, 0, 1 },
	{ PLD_CP, 0, 1 },
	{ PLD_SA, 0, 1 },
	{ PLD_TSI, 0, 1 },
	{ PLD_TSR, 0, 1 },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};
/* RFC 7296 1.3: SA Ni [KEi] [TSi TSr] (no TS: IKE SA rekey) */
static const struct pld_rule child_req[] = {
	{ PLD_SA, 1, 1 },
	{ PLD_NONCE, 1, 1 },
	{ PLD_KE, 0, 1 },
	{ PLD_TSI, 0, 1 },
	{ PLD_TSR, 0, 1 },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};
static const struct pld_rule child_resp[] = {
	{ PLD_SA, 0, 1 },
	{ PLD_NONCE, 0, 1 },
	{ PLD_KE, 0, 1 },
	{ PLD_TSI, 0, 1 },
	{ PLD_TSR, 0, 1 },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};
/* RFC 7296 1.4: [N] [D] [CP], possibly empty (liveness check) */
static const struct pld_rule info[] = {
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_DELETE, 0, PLD_ANY },
	{ PLD_CP, 0, 1 },
	{ PLD_VENDOR, 0, PLD_ANY },
};
/* RFC 9242 3, RFC 9370 2.2.2: [KE] [N] */
static const struct pld_rule intermediate[] = {
	{ PLD_KE, 0, 1 },
	{ PLD_NOTIFY, 0, PLD_ANY },
	{ PLD_VENDOR, 0, PLD_ANY },
};

#define SA_TS (B(PLD_SA) | B(PLD_TSI) | B(PLD_TSR))
#define TS (B(PLD_TSI) | B(PLD_TSR))

static const struct pld_rules pld_table[] = {
	{ IKE_SA_INIT, false, false, { 0, 0 }, 0, RULES(init_req) },
	{ IKE_SA_INIT, true, false, { B(PLD_SA) | B(PLD_KE) | B(PLD_NONCE), 0 },
	    B(PLD_SA), RULES(init_resp) },
	{ IKE_AUTH, false, true, { SA_TS, 0 }, 0, RULES(auth_req) },
	{ IKE_AUTH, true, true, { B(PLD_IDR) | B(PLD_AUTH), SA_TS },
	    B(PLD_AUTH), RULES(auth_resp) },
	{ CREATE_CHILD_SA, false, true, { TS, 0 }, 0, RULES(child_req) },
	{ CREATE_CHILD_SA, true, true, { B(PLD_SA) | B(PLD_NONCE), TS },
	    B(PLD_SA), RULES(child_resp) },
	{ INFORMATIONAL, false, true, { 0, 0 }, 0, RULES(info) },
	{ INFORMATIONAL, true, true, { 0, 0 }, 0, RULES(info) },
	{ IKE_INTERMEDIATE, false, true, { 0, 0 }, 0, RULES(intermediate) },
	{ IKE_INTERMEDIATE, true, true, { 0, 0 }, 0, RULES(intermediate) },
};

static unsigned
pld_count(const struct ike_msg *msg, uint8_t type)
{
	switch (type) {
	case PLD_NOTIFY: return msg->nnotify;
	case PLD_DELETE: return msg->ndelete;
	case PLD_CERT: return msg->ncert;
	case PLD_CERTREQ: return msg->ncertreq;
	case PLD_VENDOR: return msg->nvendor;
	default: return (msg->present & PLD_BIT(type)) != 0;
	}
}

static const struct pld_rules *
pld_rules_find(const struct ike_msg *msg)
{
	bool response = (msg->hdr.flags & IKE_FLAG_RESPONSE) != 0;
	size_t i;

	for (i = 0; i < sizeof(pld_table) / sizeof(pld_table[0]); i++)
		if (pld_table[i].exchange == msg->hdr.exchange &&
		    pld_table[i].response == response)
			return &pld_table[i];
	return NULL;
}

/* Counts and sets; 0 when the payloads are the ones t allows. */
static int
pld_rules_apply(const struct pld_rules *t, const struct ike_msg *msg)
{
	uint64_t allowed = 0, seen;
	unsigned n;
	size_t i;

	seen = msg->present & ~(B(PLD_SK) | B(PLD_SKF));
	for (i = 0; i < t->nrule; i++) {
		n = pld_count(msg, t->rule[i].type);
		if (n < t->rule[i].min || n > t->rule[i].max)
			return -1;
		allowed |= B(t->rule[i].type);
	}
	if ((seen & ~allowed) != 0)
		return -1;
	for (i = 0; i < 2; i++)
		if ((seen & t->together[i]) != 0 &&
		    (seen & t->together[i]) != t->together[i])
			return -1;
	if (t->or_notify != 0 && (seen & t->or_notify) == 0 &&
	    msg->nnotify == 0)
		return -1;
	return 0;
}

int
pld_check_rules(const struct ike_msg *msg, uint16_t *notify)
{
	const struct pld_rules *t;

	*notify = 0;
	/* RFC 7296 2.5: an unknown critical payload refuses the message */
	if (msg->unknown_critical != 0) {
		*notify = N_UNSUPPORTED_CRITICAL_PAYLOAD;
		return -1;
	}
	/* an exchange this build does not speak is dropped */
	if ((t = pld_rules_find(msg)) == NULL)
		return -1;
	if (t->sk) {
		/* 3.14: unprotected, it cannot be answered: dropped; and
		 * until decrypted nothing can be said of its payloads */
		if (!msg->has_sk || !msg->decrypted)
			return -1;
		if ((msg->clear & ~(B(PLD_SK) | B(PLD_SKF))) != 0) {
			*notify = N_INVALID_SYNTAX;
			return -1;
		}
	} else if (msg->has_sk) {
		*notify = N_INVALID_SYNTAX;
		return -1;
	}
	if (pld_rules_apply(t, msg) == -1) {
		*notify = N_INVALID_SYNTAX;
		return -1;
	}
	return 0;
}
