/*
 * test_frag: RFC 7383 reassembly across messages (iked/frag.c) against
 * what the engine fuzz entry points found (tests/fuzz/fuzz_eng.h, whose
 * harness this test drives: two engines up, fragments sealed with the
 * live IKE SA's keys from A to B).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "tests/fuzz/fuzz_eng.h"
#include "tests/lib/check_main.h"

#define N_PRIVATE 40000 /* a status notify of the private range */

/* An INFORMATIONAL request's chain: one status notify with some data. */
static size_t
info_chain(uint8_t *out, size_t cap, uint8_t *first)
{
	struct pld_build b;
	uint8_t data[200];
	long n;

	memset(data, 0x5a, sizeof(data));
	pld_build_init_inner(&b, out, cap);
	pld_add_notify(&b, PROTO_NONE, NULL, 0, N_PRIVATE, data, sizeof(data));
	n = pld_build_end(&b);
	ck_assert_int_gt(n, 0);
	*first = pld_build_first(&b);
	return (size_t)n;
}

/*
 * Fragment num of 2 of chain, from A's port to B, in a request of
 * exchange exch with message ID B's next + dmsgid.
 */
static void
send_frag(struct wire *w, const uint8_t *chain, size_t len, uint8_t first,
    uint16_t num, uint8_t exch, int8_t dmsgid, uint16_t port)
{
	static uint8_t buf[IKE_MSG_MAX];
	size_t half = len / 2, mlen;
	struct sockaddr_in from = w->addr[0], dst = w->addr[1];

	mlen = fz_seal(w, 1, 0, exch, 0, dmsgid, num == 1 ? first : 0, num, 2,
	    num == 1 ? chain : chain + half, num == 1 ? half : len - half, buf,
	    sizeof(buf));
	ck_assert_uint_gt(mlen, 0);
	from.sin_port = htons(port);
	dst.sin_port = htons(500);
	eng_input(w->eng[1], buf, mlen, (struct sockaddr *)&from,
	    (struct sockaddr *)&dst);
	fz_pump(w);
}

/* Fragment num of 2 of chain, an INFORMATIONAL request from A to B. */
static void
send_half(struct wire *w, const uint8_t *chain, size_t len, uint8_t first,
    uint16_t num)
{
	send_frag(w, chain, len, first, num, INFORMATIONAL, 0, 500);
}

/* The last datagram B sent A (the wire's log). */
static const struct pkt *
last_to_a(const struct wire *w)
{
	const struct pkt *k = NULL;

	for (size_t i = 0; i < w->nlog; i++)
		if (w->log[i]->to == 0)
			k = w->log[i];
	ck_assert_ptr_nonnull(k);
	return k;
}

/*
 * ENG_FRAG_TIMEOUT_S runs on the engine's clock (eng_clock_set), as every
 * other deadline of the engine: a fragment kept longer is dropped when
 * the next one comes, and the message needs all its fragments again.
 * (frag.c read time(): the engine's clock moved and the stale piece was
 * joined with one sent 31 s later.)
 */
START_TEST(reassembly_times_out_on_engine_clock)
{
	struct wire *w = fz_start(FZ_ST_UP, FZ_AUTH_PSK);
	uint8_t chain[512], first;
	size_t len = info_chain(chain, sizeof(chain), &first);

	send_half(w, chain, len, first, 1);
	ck_assert_uint_eq(est(w, 1).in_frags, 1);
	wire_advance(w, ENG_FRAG_TIMEOUT_S + 1);
	send_half(w, chain, len, first, 2);
	ck_assert_uint_eq(est(w, 1).in_frags, 2);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 0);
	ck_assert_uint_eq(est(w, 1).in_frag_dropped, 1);
	/* within the timeout the two make the message, and B answers */
	uint64_t out = est(w, 1).out_packets;
	send_half(w, chain, len, first, 1);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(est(w, 1).out_packets, out + 1);
	fz_end(w);
}
END_TEST

/*
 * All SAs' reassemblies together hold at most e->frag_budget octets
 * (ENG_FRAG_BUDGET): a fragment past it is refused and counted, and what
 * a finished or dropped reassembly held is given back.
 */
START_TEST(reassembly_within_engine_budget)
{
	struct wire *w = fz_start(FZ_ST_UP, FZ_AUTH_PSK);
	struct ike_engine *b = w->eng[1];
	uint8_t chain[512], first;
	size_t len = info_chain(chain, sizeof(chain), &first);

	b->frag_budget = len / 2 - 1; /* under one half of the message */
	send_half(w, chain, len, first, 1);
	ck_assert_uint_eq(est(w, 1).in_frag_dropped, 1);
	ck_assert_uint_eq(b->frag_held, 0);
	send_half(w, chain, len, first, 2);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 0);

	b->frag_budget = len; /* both halves fit: the message is joined */
	send_half(w, chain, len, first, 1);
	ck_assert_uint_gt(b->frag_held, 0);
	send_half(w, chain, len, first, 2);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(b->frag_held, 0); /* given back at the join */
	fz_end(w);
}
END_TEST

/*
 * RFC 7383 2.6: the fragments of one message agree on its IKE header.  A
 * fragment of the same message ID in another exchange is dropped and
 * counted, the reassembly kept; before, the last fragment's header
 * decided the exchange the joined message was dispatched as.
 */
START_TEST(fragment_of_another_exchange_dropped)
{
	struct wire *w = fz_start(FZ_ST_UP, FZ_AUTH_PSK);
	uint8_t chain[512], first;
	size_t len = info_chain(chain, sizeof(chain), &first);
	size_t before = w->nlog;

	send_half(w, chain, len, first, 1);
	send_frag(w, chain, len, first, 2, CREATE_CHILD_SA, 0, 500);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 0);
	ck_assert_uint_eq(est(w, 1).in_frag_dropped, 1);
	ck_assert_uint_eq(w->nlog, before); /* B answered nothing */
	/* fragment 1 is still kept: the right fragment 2 completes it, and
	 * B answers an INFORMATIONAL */
	send_half(w, chain, len, first, 2);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(w->nlog, before + 1);
	ck_assert_uint_eq(last_to_a(w)->p[18], INFORMATIONAL);
	fz_end(w);
}
END_TEST

/* And the first fragment of a message decides: a CREATE_CHILD_SA
 * fragment 1 does not take an INFORMATIONAL fragment 2. */
START_TEST(fragment_disagreeing_with_first_dropped)
{
	struct wire *w = fz_start(FZ_ST_UP, FZ_AUTH_PSK);
	uint8_t chain[512], first;
	size_t len = info_chain(chain, sizeof(chain), &first);

	send_frag(w, chain, len, first, 1, CREATE_CHILD_SA, 0, 500);
	send_half(w, chain, len, first, 2);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 0);
	ck_assert_uint_eq(est(w, 1).in_frag_dropped, 1);
	fz_end(w);
}
END_TEST

/*
 * RFC 7296 2.11: a repeated fragmented request (its first fragment) gets
 * the cached answer at the address and port it came from, as a whole
 * one does (engine:nat_remap_retransmit); it went to the SA's stored
 * address before.
 */
START_TEST(repeated_fragmented_request_answered_where_from)
{
	struct wire *w = fz_start(FZ_ST_UP, FZ_AUTH_PSK);
	uint8_t chain[512], first;
	size_t len = info_chain(chain, sizeof(chain), &first);

	send_half(w, chain, len, first, 1);
	send_half(w, chain, len, first, 2);
	ck_assert_uint_eq(est(w, 1).in_reassembled, 1);
	ck_assert_uint_eq(ntohs(last_to_a(w)->dst.sin_port), 500);
	/* the answer lost; the request again, from a new NAT mapping */
	send_frag(w, chain, len, first, 1, INFORMATIONAL, -1, 4501);
	ck_assert_uint_eq(est(w, 1).in_dup_answered, 1);
	ck_assert_uint_eq(ntohs(last_to_a(w)->dst.sin_port), 4501);
	fz_end(w);
}
END_TEST

static Suite *
frag_suite(void)
{
	Suite *s = suite_create("frag");
	TCase *tc = tcase_create("reassembly");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reassembly_times_out_on_engine_clock);
	tcase_add_test(tc, reassembly_within_engine_budget);
	tcase_add_test(tc, fragment_of_another_exchange_dropped);
	tcase_add_test(tc, fragment_disagreeing_with_first_dropped);
	tcase_add_test(tc, repeated_fragmented_request_answered_where_from);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("test_frag", stderr);
	return check_main(0, frag_suite(), NULL);
}
