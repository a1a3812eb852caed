/*
 * fuzz_eng_frag: libFuzzer entry point for the reassembly of IKEv2
 * fragments (RFC 7383, iked/frag.c) across messages: two real engines,
 * up (or half-open: IKE_AUTH in fragments), and a sequence of SKF
 * fragments sealed with the live IKE SA's keys, so each one passes its
 * integrity check and reaches the reassembly, with the numbers, totals,
 * lengths, message IDs and order the fuzzer picks: duplicates, gaps,
 * totals that change, overlapping messages, more than ENG_FRAG_MAX.
 * The first octet picks the state (modulo 3) and how the engines
 * authenticate (divided by 3: PSK, RSA, ECDSA); each record after it is
 *
 *   ctl, Fragment Number, Total Fragments (one octet each, two in network
 *   order with ctl bit 4), the first inner payload, a 16-bit length
 *   (little endian), that many octets of plaintext (those there are);
 *   with the length's top bit set, twice the rest of it in octets all
 *   of the value of the one octet that follows (large fragments from a
 *   small input)
 *
 * ctl: bit 0 to A (0) or B (1); bits 1-2 the message ID from what the
 * receiver expects: +0, +1, -1, +2; bit 3 a response; bits 5-6 the clock
 * moves first 0, 1, 10 or 31 s (past ENG_FRAG_TIMEOUT_S); bit 7 the other
 * exchange (INFORMATIONAL or CREATE_CHILD_SA; half-open: IKE_AUTH or
 * INFORMATIONAL).  The invariants (tests/fuzz/fuzz_eng.h) hold after each
 * fragment, and a fresh SA comes up after the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iked/eng_int.h"
#include "tests/fuzz/fuzz_eng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum fz_state states[] = { FZ_ST_UP, FZ_ST_HALF, FZ_ST_REKEY };
#define NSTATES (sizeof(states) / sizeof(states[0]))

static size_t
frag_record(struct wire *w, bool half, const uint8_t *p, size_t len)
{
	static const int8_t dmsg[4] = { 0, 1, -1, 2 };
	static const time_t adv[4] = { 0, 1, 10, ENG_FRAG_TIMEOUT_S + 1 };
	static uint8_t buf[IKE_MSG_MAX];
	size_t used, n, mlen;
	uint16_t num, total;
	uint8_t ctl, exch;
	int to;

	if (len < 6)
		return len;
	ctl = p[0];
	to = ctl & 1;
	if (ctl & 0x10) {
		if (len < 8)
			return len;
		num = (uint16_t)(p[1] << 8 | p[2]);
		total = (uint16_t)(p[3] << 8 | p[4]);
		used = 5;
	} else {
		num = p[1];
		total = p[2];
		used = 3;
	}
	uint8_t first = p[used];
	size_t plen = (size_t)(p[used + 1] | p[used + 2] << 8);
	static uint8_t plain[IKE_MSG_MAX];
	used += 3;
	if (plen & 0x8000) {
		/* large: twice the rest in octets of one value */
		plen = (plen & 0x7fff) * 2;
		memset(plain, used < len ? p[used] : 0, plen);
		n = used < len ? 1 : 0;
	} else {
		n = plen < len - used ? plen : len - used;
		plen = n;
		memcpy(plain, p + used, n);
	}
	if (half)
		exch = (ctl & 0x80) ? INFORMATIONAL : IKE_AUTH;
	else
		exch = (ctl & 0x80) ? CREATE_CHILD_SA : INFORMATIONAL;
	if (adv[(ctl >> 5) & 3] != 0)
		wire_advance(w, adv[(ctl >> 5) & 3]);
	/* Total 0 goes as 1: fz_seal takes 0 for an SK payload */
	mlen = fz_seal(w, to, 0, exch, (ctl >> 3) & 1, dmsg[(ctl >> 1) & 3],
	    first, num, total ? total : 1, plain, plen, buf, sizeof(buf));
	if (mlen != 0)
		fz_input(w, to, 500, buf, mlen);
	fz_pump(w);
	fz_check(w);
	return used + n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire *w;
	enum fz_state st;
	int records = 0;

	if (size == 0)
		return 0;
	st = states[data[0] % NSTATES];
	w = fz_start(st, (enum fz_auth)(data[0] / NSTATES % FZ_AUTH_COUNT));
	data++;
	size--;
	while (size > 0 && records++ < FZ_RECORDS_MAX * 4) {
		size_t used = frag_record(w, st == FZ_ST_HALF, data, size);
		data += used;
		size -= used;
	}
	fz_end(w);
	return 0;
}
