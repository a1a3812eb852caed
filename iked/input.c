/*
 * input: the path of an arriving datagram: decode the header and clear
 * payloads, find the IKE SA by our SPI, reassemble fragments (frag.c) or
 * open the SK payload (integrity first), check the message ID (a
 * repeated request is answered from the cache there, where it came
 * from), follow the peer's NAT mapping, check the payload rules of the
 * exchange, and dispatch to the exchange's file.  Anything refused on
 * the way is counted in e->st and changes nothing.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

void
eng_notify_clear(struct ike_engine *e, const struct ike_hdr *h, uint16_t type,
    const uint8_t *data, size_t len, const struct sockaddr *remote,
    const struct sockaddr *local)
{
	struct ike_hdr rh = {
		.ispi = h->ispi,
		.version = IKEV2_VERSION,
		.exchange = h->exchange,
		.flags = IKE_FLAG_RESPONSE,
		.msgid = h->msgid,
	};
	struct sockaddr_storage l, r;
	struct pld_build b;
	long n;

	pld_build_init(&b, e->out, sizeof(e->out), &rh);
	pld_add_notify(&b, PROTO_NONE, NULL, 0, type, data, len);
	if ((n = pld_build_end(&b)) < 0)
		return;
	eng_ss_copy(&l, local);
	eng_ss_copy(&r, remote);
	eng_send(e, e->out, (size_t)n, &l, &r);
}

void
eng_hold(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ike_nego *n = sa->n;
	struct ike_engine *e = sa->e;

	if (n->held != NULL)
		return; /* msg is the held one, decoded again */
	n->held = xmalloc(e->in_len ? e->in_len : 1);
	memcpy(n->held, e->in, e->in_len);
	n->held_len = e->in_len;
	n->held_hdr = msg->hdr;
	n->held_first = msg->sk.first; /* frag.c set it for fragments */
}

int
eng_decode_held(struct ike_sa *sa, struct ike_msg *msg)
{
	struct ike_nego *n = sa->n;
	uint16_t notify;

	if (n->held == NULL)
		return -1;
	memset(msg, 0, sizeof(*msg));
	msg->hdr = n->held_hdr;
	msg->has_sk = true;
	return pld_decode_inner(
	    msg, n->held_first, n->held, n->held_len, &notify);
}

/* A request that broke the payload rules: answered in SK (2.21.2). */
static void
eng_refuse(struct ike_sa *sa, const struct ike_msg *msg, uint16_t notify)
{
	struct xmsg m;
	uint8_t t = msg->unknown_critical;

	if (msg->hdr.flags & IKE_FLAG_RESPONSE || notify == 0)
		return;
	xchg_begin(sa, &m, msg->hdr.exchange, true);
	if (notify == N_UNSUPPORTED_CRITICAL_PAYLOAD)
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0, notify, &t, 1);
	else
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0, notify, NULL, 0);
	xchg_finish(sa, &m, XW_NONE);
	if (sa->state != IKE_ST_ESTABLISHED && sa->state != IKE_ST_DELETING)
		sa_free(sa);
}

static void
eng_dispatch(struct ike_sa *sa, const struct ike_msg *msg)
{
	bool resp = (msg->hdr.flags & IKE_FLAG_RESPONSE) != 0;

	life_touch(sa); /* what the message changes, looked at next tick */
	switch (msg->hdr.exchange) {
	case IKE_SA_INIT:
		if (resp)
			sa_init_response(sa, msg);
		break;
	case IKE_AUTH:
		if (resp)
			auth_response(sa, msg);
		else
			auth_request(sa, msg);
		break;
	case INFORMATIONAL:
		if (resp)
			info_response(sa, msg);
		else
			info_request(sa, msg);
		break;
	case CREATE_CHILD_SA:
		if (resp)
			create_child_response(sa, msg);
		else
			create_child_request(sa, msg);
		break;
	default: break;
	}
}

static void
eng_input_one(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr *remote, const struct sockaddr *local)
{
	struct ike_msg msg;
	struct ike_sa *sa;
	uint16_t notify = 0;
	bool resp, we_init;

	e->st.in_packets++;
	if (remote == NULL || len > IKE_MSG_MAX ||
	    pld_decode(p, len, &msg, &notify) == -1) {
		e->st.in_malformed++;
		return;
	}
	resp = (msg.hdr.flags & IKE_FLAG_RESPONSE) != 0;
	if (msg.hdr.exchange == IKE_SA_INIT && !resp) {
		if (pld_check_rules(&msg, &notify) == -1) {
			e->st.in_malformed++;
			/* RFC 7296 2.5: say which critical payload we lack. */
			if (notify == N_UNSUPPORTED_CRITICAL_PAYLOAD)
				eng_notify_clear(e, &msg.hdr, notify,
				    &msg.unknown_critical, 1, remote, local);
			return;
		}
		sa_init_request(e, &msg, remote, local);
		return;
	}
	/* The I flag says who began the IKE SA, so whose SPI is ours. */
	we_init = (msg.hdr.flags & IKE_FLAG_INITIATOR) == 0;
	sa = sa_find(e, we_init ? msg.hdr.ispi : msg.hdr.rspi);
	if (sa == NULL || sa->initiator != we_init ||
	    !eng_addr_equal((const struct sockaddr *)&sa->remote, remote) ||
	    (msg.hdr.exchange != IKE_SA_INIT && sa->rspi != msg.hdr.rspi)) {
		e->st.in_unknown_spi++;
		return;
	}
	if (msg.hdr.exchange != IKE_SA_INIT && msg.has_sk && msg.sk.frag) {
		/* RFC 7383: kept until the last fragment is in */
		if (frag_input(sa, &msg, remote) != 1)
			return;
	} else if (msg.hdr.exchange != IKE_SA_INIT) {
		if (xchg_open(sa, &msg, &notify) == -1) {
			if (!msg.has_sk)
				e->st.in_malformed++;
			return;
		}
	} else if (msg.has_sk) {
		e->st.in_malformed++;
		return;
	}
	if (!xchg_check_in(sa, &msg.hdr, remote))
		return;
	sa->last_in = eng_now(e);
	sa->in_pkts++;
	sa->in_bytes += len;
	sa->dpd_sent = 0;
	/* No local-address configured: the one the peer reached us on. */
	if (sa->local.ss_family == AF_UNSPEC && local != NULL)
		eng_ss_copy(&sa->local, local);
	if (sa->natt && msg.hdr.exchange != IKE_SA_INIT) {
		/* RFC 7296 2.23: answer where it came from, and a new NAT
		 * mapping of the peer's (authenticated, not a retransmission:
		 * xchg_check_in) moves its Child SAs' ESP there too. */
		bool moved = sa->state == IKE_ST_ESTABLISHED &&
		    eng_port((const struct sockaddr *)&sa->remote) !=
			eng_port(remote);
		eng_ss_copy(&sa->remote, remote);
		if (local != NULL)
			eng_ss_copy(&sa->local, local);
		if (moved) {
			char a[INET6_ADDRSTRLEN + 8];
			log_info("ike %s: peer's NAT mapping changed, now %s",
			    sa->gw->p.name,
			    eng_addr_str(&sa->remote, a, sizeof(a)));
			child_peer_moved(sa);
		}
	}
	if (pld_check_rules(&msg, &notify) == -1) {
		e->st.in_malformed++;
		eng_refuse(sa, &msg, notify);
		if (resp && sa->state != IKE_ST_ESTABLISHED)
			sa_free(sa);
		return;
	}
	eng_dispatch(sa, &msg);
}

void
eng_input(struct ike_engine *e, const uint8_t *p, size_t len,
    const struct sockaddr *remote, const struct sockaddr *local)
{
	/* a plaintext is never longer than its datagram */
	size_t n = len < sizeof(e->in) ? len : sizeof(e->in);

	eng_input_one(e, p, len, remote, local);
	/*
	 * The decrypted chain (nonces, KE, AUTH, identities) of this
	 * message or fragment, or of the whole message its last fragment
	 * completed (in_len), is not left for the next one to half
	 * overwrite.
	 */
	OPENSSL_cleanse(e->in, n > e->in_len ? n : e->in_len);
	e->in_len = 0;
}
