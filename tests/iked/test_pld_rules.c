/*
 * test_pld_rules: pld_check_rules over messages made by hand: what each
 * exchange needs (RFC 7296 1.2-1.4), sets that come together or not at
 * all, payloads in the clear of an encrypted exchange, and the exchanges
 * this build does not speak.
 */
#include <check.h>
#include <string.h>

#include "tests/iked/pld_test.h"

static const uint8_t sa[] = { 0, 0, 0, 16, 1, PROTO_IKE, 0, 1, 0, 0, 0, 8,
	XF_DH, 0, 0, CURVE25519 };
static const uint8_t ke[] = { 0, CURVE25519, 0, 0, 1, 2, 3, 4 };
static const uint8_t nonce[16] = { 1 };
static const uint8_t n[] = { 0, 0, 0, N_INVALID_KE_PAYLOAD, 0, 19 };
static const uint8_t id[] = { ID_FQDN, 0, 0, 0, 'a' };
static const uint8_t auth[] = { AUTH_SHARED_KEY_MIC, 0, 0, 0, 1 };
static const uint8_t ts[] = { 1, 0, 0, 0, TS_IPV4_ADDR_RANGE, 0, 0, 16, 0, 0,
	0xff, 0xff, 10, 0, 0, 1, 10, 0, 0, 1 };
static const uint8_t skbody[16];

#define P(t, b) \
	{ \
		(t), 0, (b), sizeof(b) \
	}

static const struct pt_pld SA = P(PLD_SA, sa), KE = P(PLD_KE, ke),
			   NO = P(PLD_NONCE, nonce), N = P(PLD_NOTIFY, n),
			   IDI = P(PLD_IDI, id), IDR = P(PLD_IDR, id),
			   AUTH = P(PLD_AUTH, auth), TSI = P(PLD_TSI, ts),
			   TSR = P(PLD_TSR, ts), SK = P(PLD_SK, skbody);

/*
 * Checks the rules on a message of exchange/flags whose payloads are clear
 * (in the clear) and inner (inside an SK payload, decoded as decrypted).
 */
static int
rules(uint8_t exchange, uint8_t flags, const struct pt_pld *clear,
    size_t nclear, const struct pt_pld *inner, size_t ninner, uint16_t *notify)
{
	static uint8_t msgbuf[2048], plain[2048];
	struct pt_pld all[16];
	struct ike_msg m;
	size_t len, plen = 0;

	if (nclear > 0)
		memcpy(all, clear, nclear * sizeof(*clear));
	if (inner != NULL)
		all[nclear++] = SK;
	len = pt_msg(msgbuf, sizeof(msgbuf), exchange, flags, all, nclear);
	ck_assert_int_eq(pld_decode(msgbuf, len, &m, notify), 0);
	if (inner != NULL) {
		plen = pt_chain(plain, sizeof(plain), inner, ninner);
		ck_assert_int_eq(
		    pld_decode_inner(&m, ninner > 0 ? inner[0].type : 0, plain,
			plen, notify),
		    0);
	}
	return pld_check_rules(&m, notify);
}

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_rules_sa_init)
{
	const struct pt_pld req[] = { SA, KE, NO, N }, nokey[] = { SA, NO },
			    resp_err[] = { N }, resp_half[] = { SA, NO, N },
			    none[1];
	uint16_t nt;

	ck_assert_int_eq(
	    rules(IKE_SA_INIT, IKE_FLAG_INITIATOR, req, 4, NULL, 0, &nt), 0);
	/* RFC 7296 1.2: KEi is required */
	ck_assert_int_eq(
	    rules(IKE_SA_INIT, IKE_FLAG_INITIATOR, nokey, 2, NULL, 0, &nt), -1);
	ck_assert_uint_eq(nt, N_INVALID_SYNTAX);
	/* a response of only INVALID_KE_PAYLOAD is fine, SA without KE not */
	ck_assert_int_eq(
	    rules(IKE_SA_INIT, IKE_FLAG_RESPONSE, resp_err, 1, NULL, 0, &nt),
	    0);
	ck_assert_int_eq(
	    rules(IKE_SA_INIT, IKE_FLAG_RESPONSE, resp_half, 3, NULL, 0, &nt),
	    -1);
	/* an empty response explains nothing */
	ck_assert_int_eq(
	    rules(IKE_SA_INIT, IKE_FLAG_RESPONSE, none, 0, NULL, 0, &nt), -1);
	/* no SK in IKE_SA_INIT */
	ck_assert_int_eq(
	    rules(IKE_SA_INIT, IKE_FLAG_INITIATOR, req, 3, resp_err, 1, &nt),
	    -1);
	ck_assert_uint_eq(nt, N_INVALID_SYNTAX);
}
END_TEST

START_TEST(test_rules_auth)
{
	const struct pt_pld full[] = { IDI, N, IDR, AUTH, SA, TSI, TSR, N },
			    childless[] = { IDI, AUTH },
			    no_ts[] = { IDI, AUTH, SA, TSI },
			    no_auth[] = { IDI, SA, TSI, TSR },
			    resp[] = { IDR, AUTH, SA, TSI, TSR },
			    failed[] = { N }, half[] = { IDR, N };
	uint16_t nt;

	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, NULL, 0, full, LEN(full), &nt),
	    0);
	/* RFC 6023: SA, TSi, TSr together or none */
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, NULL, 0, childless, 2, &nt), 0);
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, NULL, 0, no_ts, 4, &nt), -1);
	ck_assert_uint_eq(nt, N_INVALID_SYNTAX);
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, NULL, 0, no_auth, 4, &nt), -1);
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_RESPONSE, NULL, 0, resp, 5, &nt), 0);
	/* KE does not belong in IKE_AUTH */
	const struct pt_pld withke[] = { IDI, AUTH, KE };
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, NULL, 0, withke, 3, &nt), -1);
	/* N(AUTHENTICATION_FAILED) alone; IDr without AUTH */
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_RESPONSE, NULL, 0, failed, 1, &nt), 0);
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_RESPONSE, NULL, 0, half, 2, &nt), -1);
	/* a payload in the clear of IKE_AUTH */
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, failed, 1, childless, 2, &nt),
	    -1);
	ck_assert_uint_eq(nt, N_INVALID_SYNTAX);
	/* IKE_AUTH without SK is dropped: there is nothing to answer */
	ck_assert_int_eq(
	    rules(IKE_AUTH, IKE_FLAG_INITIATOR, childless, 2, NULL, 0, &nt),
	    -1);
	ck_assert_uint_eq(nt, 0);
}
END_TEST

START_TEST(test_rules_child_info)
{
	const struct pt_pld rekey_ike[] = { SA, NO, KE },
			    child[] = { SA, NO, TSI, TSR },
			    half[] = { SA, NO, TSI }, resp_err[] = { N },
			    no_nonce[] = { SA };
	uint16_t nt;

	ck_assert_int_eq(rules(CREATE_CHILD_SA, IKE_FLAG_INITIATOR, NULL, 0,
			     rekey_ike, 3, &nt),
	    0);
	ck_assert_int_eq(
	    rules(CREATE_CHILD_SA, IKE_FLAG_INITIATOR, NULL, 0, child, 4, &nt),
	    0);
	ck_assert_int_eq(
	    rules(CREATE_CHILD_SA, IKE_FLAG_INITIATOR, NULL, 0, half, 3, &nt),
	    -1);
	ck_assert_int_eq(rules(CREATE_CHILD_SA, IKE_FLAG_INITIATOR, NULL, 0,
			     no_nonce, 1, &nt),
	    -1);
	ck_assert_int_eq(rules(CREATE_CHILD_SA, IKE_FLAG_RESPONSE, NULL, 0,
			     resp_err, 1, &nt),
	    0);
	/* RFC 7296 1.4: an empty INFORMATIONAL is a liveness check */
	ck_assert_int_eq(
	    rules(INFORMATIONAL, IKE_FLAG_INITIATOR, NULL, 0, resp_err, 0, &nt),
	    0);
	ck_assert_int_eq(
	    rules(INFORMATIONAL, IKE_FLAG_RESPONSE, NULL, 0, rekey_ike, 1, &nt),
	    -1);
	/* an exchange this build does not speak: dropped, not answered */
	ck_assert_int_eq(
	    rules(IKE_SESSION_RESUME, 0, child, 1, NULL, 0, &nt), -1);
	ck_assert_uint_eq(nt, 0);
}
END_TEST

Suite *rules_suite(void);

Suite *
rules_suite(void)
{
	Suite *s = suite_create("pld_rules");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_rules_sa_init);
	tcase_add_test(tc, test_rules_auth);
	tcase_add_test(tc, test_rules_child_info);
	suite_add_tcase(s, tc);
	return s;
}
