/*
 * fuzz_ike_msg: libFuzzer entry point for the IKEv2 codec (iked/pld*.c)
 * as the engine drives it on a datagram from the network: pld_decode;
 * for a message with SK (or SKF), pld_decode_inner over the SK body as if
 * it were the decrypted chain; then pld_check_rules.  Whatever it decodes
 * must point inside the bytes it was given (abort otherwise), and a
 * decoded message must build again without error.
 */
#include <stdint.h>
#include <stdlib.h>

#include "iked/pld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_in(const struct ike_blob *b, const uint8_t *p, size_t len)
{
	if (b->len == 0)
		return;
	if (b->p < p || b->len > len || b->p - p > (ptrdiff_t)(len - b->len))
		abort();
}

static void
fuzz_check(const struct ike_msg *m, const uint8_t *p, size_t len)
{
	uint8_t i;

	fuzz_in(&m->ke.data, p, len);
	fuzz_in(&m->nonce, p, len);
	fuzz_in(&m->idi.body, p, len);
	fuzz_in(&m->idr.body, p, len);
	fuzz_in(&m->auth.data, p, len);
	fuzz_in(&m->cp, p, len);
	for (i = 0; i < m->nnotify; i++) {
		fuzz_in(&m->notify[i].spi, p, len);
		fuzz_in(&m->notify[i].data, p, len);
	}
	for (i = 0; i < m->ndelete; i++)
		fuzz_in(&m->del[i].spis, p, len);
	for (i = 0; i < m->ncert; i++)
		fuzz_in(&m->cert[i].data, p, len);
	for (i = 0; i < m->ncertreq; i++)
		fuzz_in(&m->certreq[i].data, p, len);
	for (i = 0; i < m->nvendor; i++)
		fuzz_in(&m->vendor[i], p, len);
	if (m->sa.nprop > IKE_PROP_MAX || m->tsi.nts > IKE_TS_MAX ||
	    m->tsr.nts > IKE_TS_MAX)
		abort();
}

/* The decoded payloads build again (the builders take what decode gives). */
static void
fuzz_rebuild(const struct ike_msg *m)
{
	static uint8_t out[IKE_MSG_MAX * 2];
	struct pld_build b;
	uint8_t i;

	pld_build_init(&b, out, sizeof(out), &m->hdr);
	if (m->present & PLD_BIT(PLD_SA))
		pld_add_sa(&b, &m->sa);
	if (m->present & PLD_BIT(PLD_TSI) && m->tsi.nts > 0)
		pld_add_ts(&b, PLD_TSI, &m->tsi);
	for (i = 0; i < m->nnotify; i++)
		pld_add_notify(&b, m->notify[i].proto, m->notify[i].spi.p,
		    m->notify[i].spi.len, m->notify[i].type,
		    m->notify[i].data.p, m->notify[i].data.len);
	if (pld_build_end(&b) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint16_t notify;

	if (m == NULL)
		abort();
	if (pld_decode(data, size, m, &notify) == 0) {
		if (m->has_sk)
			(void)pld_decode_inner(m, m->sk.first, m->sk.body.p,
			    m->sk.body.len, &notify);
		fuzz_check(m, data, size);
		fuzz_rebuild(m);
		(void)pld_check_rules(m, &notify);
	}
	free(m);
	return 0;
}
