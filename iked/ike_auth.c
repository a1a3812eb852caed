/*
 * ike_auth: the IKE_AUTH exchange with pre-shared keys or certificates
 * (RFC 7296 1.2, 2.15) and RFC 8784 PPKs, and the first Child SA it
 * carries.
 *
 *   I -> R  SK{IDi, [CERT+, CERTREQ], [N(INITIAL_CONTACT)], [IDr], AUTH,
 *              SAi2, TSi, TSr, [N(NO_PPK_AUTH)], [N(PPK_IDENTITY)]}
 *   R -> I  SK{IDr, [CERT+], AUTH, SAr2, TSi, TSr, [N(PPK_IDENTITY)]}
 *
 * AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <msg> | <peer nonce> |
 * prf(SK_px, IDx')).  With a PPK both sides first mix it into SK_d, SK_pi
 * and SK_pr (RFC 8784 3); the initiator with an optional PPK also sends
 * NO_PPK_AUTH computed with the unmixed SK_pi, which a responder without
 * the PPK may accept.  IDs default to our IP address; the peer's is
 * checked only when one is configured.  A failed first Child SA does not
 * fail the IKE SA (2.21.3): the answer carries the error notify instead.
 *
 * With certificates (no PSK configured) AUTH is a signature over the same
 * octets, made by the signer, which answers later: each side then waits
 * in IKE_ST_AUTH_WAIT (the responder holding the request, as for a PPK)
 * and carries on in auth_sig_ready().  cert_auth.c checks the peer's
 * certificate, identity and signature.  NO_PPK_AUTH is PSK-only here.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/eng_int.h"
#include "lib/log.h"
#include "lib/sb.h"

void
auth_id_ours(const struct ike_sa *sa, uint8_t *type, uint8_t *data, size_t *len)
{
	const struct eng_id *id = &sa->gw->p.local_id;

	if (cert_id_ours(sa, type, data, len))
		return;
	if (id->type != 0) {
		*type = id->type;
		memcpy(data, id->data, id->len);
		*len = id->len;
	} else if (sa->local.ss_family == AF_INET6) {
		*type = ID_IPV6_ADDR;
		memcpy(data,
		    &((const struct sockaddr_in6 *)&sa->local)->sin6_addr, 16);
		*len = 16;
	} else {
		*type = ID_IPV4_ADDR;
		memcpy(data,
		    &((const struct sockaddr_in *)&sa->local)->sin_addr, 4);
		*len = 4;
	}
}

/* RFC 7296 2.15: the ID payload body, IDx'. */
static size_t
id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, data, len);
	return len + 4;
}

/*
 * The octets a side's AUTH covers (2.15): the initiator's are msg1, Nr
 * and prf(SK_pi, IDi'), the responder's msg2, Ni and prf(SK_pr, IDr').
 * A new buffer of *olen octets (caller frees), or NULL.
 */
static uint8_t *
auth_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *sk_p,
    const uint8_t *body, size_t blen, size_t *olen)
{
	const struct ike_nego *n = sa->n;
	const uint8_t *m = of_initiator ? n->msg1 : n->msg2;
	size_t mlen = of_initiator ? n->msg1_len : n->msg2_len;
	size_t cap = mlen + CRYPTO_NONCE_MAX + CRYPTO_KEY_MAX;
	uint8_t *oct = xmalloc(cap);

	if (ike_auth_octets(sa->keys.ca, sa->keys.prf, sk_p, sa->keys.p_len, m,
		mlen, of_initiator ? n->nr : n->ni,
		of_initiator ? n->nrlen : n->nilen, body, blen, oct, cap,
		olen) == -1) {
		free(oct);
		return NULL;
	}
	return oct;
}

/* The PSK AUTH value a side sends (or must have sent). */
static int
auth_value(const struct ike_sa *sa, bool of_initiator, const uint8_t *sk_p,
    const uint8_t *body, size_t blen, uint8_t *out)
{
	uint8_t *oct;
	size_t olen;
	int rc = -1;

	if (sa->gw->p.psk_len == 0)
		return -1;
	oct = auth_octets(sa, of_initiator, sk_p, body, blen, &olen);
	if (oct != NULL &&
	    ike_auth_psk(sa->keys.ca, sa->keys.prf, sa->gw->p.psk,
		sa->gw->p.psk_len, oct, olen, out) == 0)
		rc = 0;
	free(oct);
	return rc;
}

/* Asks the signer for our AUTH (cert_sign); 0 / -1. */
static int
auth_sign(struct ike_sa *sa, bool of_initiator, const uint8_t *sk_p,
    const uint8_t *body, size_t blen)
{
	size_t olen;
	uint8_t *oct = auth_octets(sa, of_initiator, sk_p, body, blen, &olen);
	int rc = oct != NULL ? cert_sign(sa, oct, olen) : -1;

	free(oct);
	return rc;
}

/* RFC 8784 3: SK_d, SK_pi, SK_pr mixed with the PPK, once. */
static int
auth_mix(struct ike_sa *sa)
{
	struct ike_nego *n = sa->n;

	if (!n->have_ppk || n->ppk_mixed)
		return 0;
	n->noppk = sa->keys;
	if (ike_keys_ppk_mix(&sa->keys, n->ppk, n->ppk_len) == -1)
		return -1;
	n->ppk_mixed = true;
	return 0;
}

static bool
auth_verify(const struct ike_sa *sa, bool of_initiator, const uint8_t *sk_p,
    const struct ike_id *id, const uint8_t *data, size_t len)
{
	uint8_t want[CRYPTO_KEY_MAX];
	bool ok;

	if (len != sa->keys.prf->out_len ||
	    auth_value(
		sa, of_initiator, sk_p, id->body.p, id->body.len, want) == -1)
		return false;
	ok = ike_auth_equal(want, data, len);
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

static bool
remote_id_ok(const struct ike_sa *sa, const struct ike_id *id)
{
	const struct eng_id *want = &sa->gw->p.remote_id;

	if (want->type == 0)
		return true;
	return id->type == want->type && id->data.len == want->len &&
	    memcmp(id->data.p, want->data, want->len) == 0;
}

/*
 * The PPK's identity for the log (a key ID is no secret, RFC 8784 3; with
 * a QKD profile it tells which KME key this IKE SA used): printable ASCII,
 * anything else as '?', since the responder's came from the peer.
 */
static const char *
auth_ppk_id_str(const struct ike_sa *sa, char *buf, size_t len)
{
	size_t i;

	if (sa->n == NULL || len == 0)
		return "?";
	for (i = 0; i + 1 < len && sa->n->ppk_id[i] != '\0'; i++) {
		unsigned char c = (unsigned char)sa->n->ppk_id[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[i] = '\0';
	return buf;
}

static void
auth_established(struct ike_sa *sa)
{
	char ab[64], pid[ENG_ID_MAX + 1];

	sa_state(sa, IKE_ST_ESTABLISHED);
	sa->auth_method =
	    cert_is_used(sa) ? sa->n->sig_method : AUTH_SHARED_KEY_MIC;
	sa->gw->st.established++;
	sa->gw->st.ppk_used += sa->ppk_used;
	sa->e->st.ike_established++;
	log_info("ike %s: IKE SA %016llx/%016llx established with %s%s%s",
	    sa->gw->p.name, (unsigned long long)sa->ispi,
	    (unsigned long long)sa->rspi,
	    eng_addr_str(&sa->remote, ab, sizeof(ab)),
	    sa->ppk_used ? " (PPK used), PPK_ID " : "",
	    sa->ppk_used ? auth_ppk_id_str(sa, pid, sizeof(pid)) : "");
}

/* RFC 7296 2.23: from IKE_AUTH on, a NATed SA speaks on port 4500. */
static void
auth_float(struct ike_sa *sa)
{
	if (!sa->natt)
		return;
	eng_set_port(&sa->remote, IKE_NATT_PORT);
	if (sa->local.ss_family != AF_UNSPEC)
		eng_set_port(&sa->local, IKE_NATT_PORT);
}

static void
auth_send(struct ike_sa *sa)
{
	struct ike_nego *n = sa->n;
	struct eng_gw *gw = sa->gw;
	const struct eng_vpn *v = &n->vpn->v;
	uint8_t idt, idd[ENG_ID_MAX], body[ENG_ID_MAX + 4];
	uint8_t auth[CRYPTO_KEY_MAX], noppk[CRYPTO_KEY_MAX];
	size_t idlen, blen, alen = sa->keys.prf->out_len;
	const uint8_t *adata = auth;
	uint8_t method = AUTH_SHARED_KEY_MIC;
	bool cert = cert_is_used(sa);
	struct ike_sa_pld sap;
	struct ike_ts_pld tsi, tsr;
	struct xmsg m;
	uint8_t spi[4];
	bool with_noppk = false;

	memset(auth, 0, sizeof(auth));
	memset(noppk, 0, sizeof(noppk));
	if ((cert && cert_load_ours(sa) == -1) || auth_mix(sa) == -1)
		goto fail;
	auth_id_ours(sa, &idt, idd, &idlen);
	blen = id_body(idt, idd, idlen, body);
	if (cert) {
		if (n->sig_err[0] != '\0') {
			gw->st.auth_failed++;
			goto fail;
		}
		if (!n->have_sig) {
			if (auth_sign(sa, true, sa->keys.sk_pi, body, blen) ==
			    -1)
				goto fail;
			return; /* auth_sig_ready() */
		}
		method = n->sig_method;
		adata = n->sig_auth;
		alen = n->sig_auth_len;
	} else {
		if (n->have_ppk && gw->p.ppk_optional) {
			if (auth_value(sa, true, n->noppk.sk_pi, body, blen,
				noppk) == -1)
				goto fail;
			with_noppk = true;
		}
		if (auth_value(sa, true, sa->keys.sk_pi, body, blen, auth) ==
		    -1)
			goto fail;
	}
	n->child_spi = child_spi_alloc(sa->e);
	spi[0] = n->child_spi >> 24;
	spi[1] = n->child_spi >> 16;
	spi[2] = n->child_spi >> 8;
	spi[3] = n->child_spi;
	prop_build(v->prop, v->nprop, PROTO_ESP, spi, 4, false, &sap);
	ts_ours(v->ts_local, v->nts_local, sa->remote.ss_family, &tsi);
	ts_ours(v->ts_remote, v->nts_remote, sa->remote.ss_family, &tsr);

	xchg_begin(sa, &m, IKE_AUTH, false);
	pld_add_id(&m.b, PLD_IDI, idt, idd, idlen);
	if (cert)
		cert_add(sa, &m.b, true);
	if (life_first_contact(sa)) /* RFC 7296 2.4 */
		pld_add_notify(
		    &m.b, PROTO_NONE, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	if (gw->p.remote_id.type != 0 && gw->p.remote_id.len > 0)
		pld_add_id(&m.b, PLD_IDR, gw->p.remote_id.type,
		    gw->p.remote_id.data, gw->p.remote_id.len);
	pld_add_auth(&m.b, method, adata, alen);
	pld_add_sa(&m.b, &sap);
	pld_add_ts(&m.b, PLD_TSI, &tsi);
	pld_add_ts(&m.b, PLD_TSR, &tsr);
	if (with_noppk)
		pld_add_notify(
		    &m.b, PROTO_NONE, NULL, 0, N_NO_PPK_AUTH, noppk, alen);
	if (n->have_ppk) {
		uint8_t pid[ENG_ID_MAX + 1];
		size_t plen = strlen(n->ppk_id);
		pid[0] = PPK_ID_FIXED; /* RFC 8784 3 */
		memcpy(pid + 1, n->ppk_id, plen);
		pld_add_notify(
		    &m.b, PROTO_NONE, NULL, 0, N_PPK_IDENTITY, pid, plen + 1);
	}
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(noppk, sizeof(noppk));
	if (xchg_finish(sa, &m, XW_AUTH) == -1)
		goto fail;
	sa_state(sa, IKE_ST_AUTH_SENT);
	return;
fail:
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(noppk, sizeof(noppk));
	log_warn("ike %s: cannot build IKE_AUTH", gw->p.name);
	sa_free(sa);
}

void
auth_start(struct ike_sa *sa)
{
	auth_float(sa);
	if (sa->n->vpn == NULL) {
		sa_free(sa);
		return;
	}
	if (sa->n->use_ppk) {
		sa_state(sa, IKE_ST_AUTH_WAIT);
		if (ppk_fetch(sa, NULL) == 0)
			return;
		snprintf(
		    sa->n->ppk_err, sizeof(sa->n->ppk_err), "no key source");
		auth_ppk_ready(sa);
		return;
	}
	auth_send(sa);
}

/*
 * An IKE_AUTH that failed: logged, counted when it is an authentication
 * failure, and kept as the gateway's last reason (show security ipsec
 * inactive-tunnels says why a tunnel is not up).
 */
static void
auth_failed(struct ike_sa *sa, bool auth, const char *why)
{
	struct eng_gw *gw = sa->gw;

	if (auth)
		gw->st.auth_failed++;
	eng_gw_fail(sa->e, gw, NULL, (struct sockaddr *)&sa->remote, "%s", why);
}

/* Responder: answer with one notify in SK (2.21.2) and drop the SA. */
static int
auth_refuse(struct ike_sa *sa, uint16_t type, const char *why)
{
	struct xmsg m;

	char line[96];

	snprintf(line, sizeof(line), "IKE_AUTH refused: %s", why);
	auth_failed(sa, type == N_AUTHENTICATION_FAILED, line);
	xchg_begin(sa, &m, IKE_AUTH, true);
	pld_add_notify(&m.b, PROTO_NONE, NULL, 0, type, NULL, 0);
	xchg_finish(sa, &m, XW_NONE);
	sa_free(sa);
	return -1;
}

/* Responder: the first Child SA; 0, or the notify that refuses it. */
static uint16_t
auth_child(struct ike_sa *sa, const struct ike_msg *msg, struct ike_sa_pld *sap,
    struct ike_ts_pld *tsi, struct ike_ts_pld *tsr)
{
	struct eng_vpnc *vpn = eng_vpn_for_gw(sa->e, sa->gw);
	const struct ike_prop *which;
	struct eng_proposal chosen;
	struct child_sa *c;
	int fam = sa->remote.ss_family;

	if (vpn == NULL)
		return N_NO_PROPOSAL_CHOSEN;
	if (prop_choose(vpn->v.prop, vpn->v.nprop, &msg->sa, PROTO_ESP, false,
		&chosen, &which) == -1) {
		sa->gw->st.no_proposal++;
		eng_gw_fail(sa->e, sa->gw, vpn, (struct sockaddr *)&sa->remote,
		    "Child SA: no proposal chosen");
		return N_NO_PROPOSAL_CHOSEN;
	}
	/* TSi is the initiator's side, our remote (RFC 7296 2.9). */
	if (ts_narrow(&msg->tsi, vpn->v.ts_remote, vpn->v.nts_remote, fam,
		tsi) == -1 ||
	    ts_narrow(&msg->tsr, vpn->v.ts_local, vpn->v.nts_local, fam, tsr) ==
		-1) {
		sa->gw->st.ts_unacceptable++;
		eng_gw_fail(sa->e, sa->gw, vpn, (struct sockaddr *)&sa->remote,
		    "Child SA: traffic selectors unacceptable");
		return N_TS_UNACCEPTABLE;
	}
	c = child_new(sa, vpn);
	c->prop = chosen;
	c->spi_out = (uint32_t)which->spi[0] << 24 | which->spi[1] << 16 |
	    which->spi[2] << 8 | which->spi[3];
	c->spi_in = child_spi_alloc(sa->e);
	ts_to_sel(&tsr->ts[0], &c->sel_local);
	ts_to_sel(&tsi->ts[0], &c->sel_remote);
	if (prop_suite(&chosen, false, &c->suite) == -1 ||
	    child_install(sa, c, NULL, 0, sa->n->ni, sa->n->nilen, sa->n->nr,
		sa->n->nrlen) == -1) {
		child_free(sa, c);
		return N_NO_PROPOSAL_CHOSEN;
	}
	uint8_t spi[4] = { c->spi_in >> 24, c->spi_in >> 16, c->spi_in >> 8,
		c->spi_in };
	prop_build(&chosen, 1, PROTO_ESP, spi, 4, false, sap);
	sap->prop[0].num = which->num;
	return 0;
}

/* Responder: the initiator's AUTH and identity.  0, or -1 (refused). */
static int
auth_check_peer(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ike_nego *n = sa->n;
	struct eng_gw *gw = sa->gw;
	const struct ike_notify *noppk = pld_notify_find(msg, N_NO_PPK_AUTH);
	const uint8_t *data = msg->auth.data.p;
	size_t dlen = msg->auth.data.len, olen;
	const uint8_t *sk_pi = sa->keys.sk_pi;
	bool cert = cert_is_used(sa), ok;
	const char *why = "authentication failed";
	uint8_t *oct;

	if ((msg->auth.method == AUTH_SHARED_KEY_MIC) == cert)
		return auth_refuse(sa, N_AUTHENTICATION_FAILED,
		    cert ? "not a signature" : "not a pre-shared key");
	if (gw->p.ppk_profile[0] != '\0' && !gw->p.ppk_optional && !n->have_ppk)
		return auth_refuse(sa, N_AUTHENTICATION_FAILED,
		    n->use_ppk ? "PPK not available"
			       : "PPK required but peer does not support PPK");
	if (auth_mix(sa) == -1)
		return auth_refuse(
		    sa, N_AUTHENTICATION_FAILED, "PPK mixing failed");
	if (n->have_ppk) {
		sa->ppk_used = true;
	} else if (n->use_ppk && noppk != NULL && !cert) {
		/* RFC 8784 3: optional PPK, accepted without it. */
		data = noppk->data.p;
		dlen = noppk->data.len;
	}
	if (cert) {
		oct = auth_octets(
		    sa, true, sk_pi, msg->idi.body.p, msg->idi.body.len, &olen);
		ok = oct != NULL &&
		    cert_verify_peer(sa, msg, &msg->idi, oct, olen, &why);
		free(oct);
		if (!ok)
			return auth_refuse(sa, N_AUTHENTICATION_FAILED, why);
		return 0;
	}
	if (!auth_verify(sa, true, sk_pi, &msg->idi, data, dlen))
		return auth_refuse(
		    sa, N_AUTHENTICATION_FAILED, "authentication failed");
	if (!remote_id_ok(sa, &msg->idi))
		return auth_refuse(sa, N_AUTHENTICATION_FAILED,
		    "peer's ID is not the configured remote identity");
	return 0;
}

/* Responder, with the PPK answer if one was asked for. */
static int
auth_process(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ike_nego *n = sa->n;
	bool cert = cert_is_used(sa);

	if (!n->peer_ok && auth_check_peer(sa, msg) == -1)
		return -1;
	n->peer_ok = true;

	uint8_t idt, idd[ENG_ID_MAX], body[ENG_ID_MAX + 4];
	uint8_t auth[CRYPTO_KEY_MAX];
	const uint8_t *adata = auth;
	size_t idlen, blen, alen = sa->keys.prf->out_len;
	uint8_t method = AUTH_SHARED_KEY_MIC;
	if (cert && cert_load_ours(sa) == -1)
		return auth_refuse(
		    sa, N_AUTHENTICATION_FAILED, "no local certificate");
	auth_id_ours(sa, &idt, idd, &idlen);
	blen = id_body(idt, idd, idlen, body);
	if (cert) {
		if (n->sig_err[0] != '\0')
			return auth_refuse(
			    sa, N_AUTHENTICATION_FAILED, "cannot sign");
		if (!n->have_sig) {
			eng_hold(sa, msg);
			if (auth_sign(sa, false, sa->keys.sk_pr, body, blen) ==
			    -1)
				return auth_refuse(
				    sa, N_AUTHENTICATION_FAILED, "cannot sign");
			return 0; /* auth_sig_ready() */
		}
		method = n->sig_method;
		adata = n->sig_auth;
		alen = n->sig_auth_len;
	} else if (auth_value(sa, false, sa->keys.sk_pr, body, blen, auth) ==
	    -1) {
		return auth_refuse(sa, N_AUTHENTICATION_FAILED, "no AUTH");
	}

	struct ike_sa_pld sap;
	struct ike_ts_pld tsi, tsr;
	uint16_t cerr = N_NO_PROPOSAL_CHOSEN;
	if (msg->present & PLD_BIT(PLD_SA))
		cerr = auth_child(sa, msg, &sap, &tsi, &tsr);

	struct xmsg m;
	xchg_begin(sa, &m, IKE_AUTH, true);
	pld_add_id(&m.b, PLD_IDR, idt, idd, idlen);
	if (cert)
		cert_add(sa, &m.b, false);
	pld_add_auth(&m.b, method, adata, alen);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (cerr == 0) {
		pld_add_sa(&m.b, &sap);
		pld_add_ts(&m.b, PLD_TSI, &tsi);
		pld_add_ts(&m.b, PLD_TSR, &tsr);
	} else if (msg->present & PLD_BIT(PLD_SA)) {
		pld_add_notify(&m.b, PROTO_NONE, NULL, 0, cerr, NULL, 0);
	}
	if (sa->ppk_used)
		pld_add_notify(
		    &m.b, PROTO_NONE, NULL, 0, N_PPK_IDENTITY, NULL, 0);
	if (xchg_finish(sa, &m, XW_NONE) == -1) {
		sa_free(sa);
		return -1;
	}
	auth_established(sa);
	life_authenticated(sa, msg);
	sa_nego_free(sa);
	return 0;
}

void
auth_request(struct ike_sa *sa, const struct ike_msg *msg)
{
	const struct ike_notify *pid;

	if (sa->state != IKE_ST_INIT_DONE)
		return;
	if ((msg->present & PLD_BIT(PLD_IDI)) == 0 ||
	    (msg->present & PLD_BIT(PLD_AUTH)) == 0) {
		(void)auth_refuse(sa, N_AUTHENTICATION_FAILED, "no IDi/AUTH");
		return;
	}
	pid = pld_notify_find(msg, N_PPK_IDENTITY);
	if (sa->n->use_ppk && pid != NULL) {
		char id[ENG_ID_MAX + 1];
		/* RFC 8784 3: only PPK_ID_FIXED, as strongSwan. */
		if (pid->data.len < 2 || pid->data.len > ENG_ID_MAX ||
		    pid->data.p[0] != PPK_ID_FIXED) {
			(void)auth_process(sa, msg);
			return;
		}
		memcpy(id, pid->data.p + 1, pid->data.len - 1);
		id[pid->data.len - 1] = '\0';
		eng_hold(sa, msg);
		sa_state(sa, IKE_ST_AUTH_WAIT);
		if (ppk_fetch(sa, id) == 0)
			return;
		snprintf(
		    sa->n->ppk_err, sizeof(sa->n->ppk_err), "no key source");
		auth_ppk_ready(sa);
		return;
	}
	(void)auth_process(sa, msg);
}

void
auth_ppk_ready(struct ike_sa *sa)
{
	struct ike_nego *n = sa->n;
	char line[96];

	snprintf(line, sizeof(line), "no PPK: %s", n->ppk_err);
	if (!n->have_ppk && (!sa->initiator || sa->gw->p.ppk_optional))
		log_info("ike %s: %s", sa->gw->p.name, line);
	if (sa->initiator) {
		if (!n->have_ppk && !sa->gw->p.ppk_optional) {
			auth_failed(sa, true, line);
			sa_free(sa);
			return;
		}
		auth_send(sa);
		return;
	}
	struct ike_msg msg;
	if (eng_decode_held(sa, &msg) == -1) {
		log_warn("ike %s: the held IKE_AUTH request does not decode",
		    sa->gw->p.name);
		sa_free(sa);
		return;
	}
	(void)auth_process(sa, &msg);
}

void
auth_sig_ready(struct ike_sa *sa)
{
	struct ike_nego *n = sa->n;
	struct ike_msg msg;

	if (!n->have_sig)
		log_warn("ike %s: no signature from the signer: %s",
		    sa->gw->p.name, n->sig_err);
	if (sa->initiator) {
		auth_send(sa);
		return;
	}
	if (eng_decode_held(sa, &msg) == -1) {
		log_warn("ike %s: the held IKE_AUTH request does not decode",
		    sa->gw->p.name);
		sa_free(sa);
		return;
	}
	(void)auth_process(sa, &msg);
}

/* Initiator: the first Child SA from the answer. */
static void
auth_child_done(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct eng_vpnc *vpn = sa->n->vpn;
	struct ike_ts_pld tsi, tsr;
	const struct ike_prop *which;
	struct eng_proposal chosen;
	struct child_sa *c;

	for (size_t i = 0; i < msg->nnotify; i++) {
		uint16_t t = msg->notify[i].type;
		if (t > IKE_NOTIFY_ERROR_MAX)
			continue;
		eng_gw_fail(sa->e, sa->gw, vpn, (struct sockaddr *)&sa->remote,
		    "Child SA refused by peer: %s", ikev2_notify_name(t));
		if (t == N_NO_PROPOSAL_CHOSEN)
			sa->gw->st.no_proposal++;
		else if (t == N_TS_UNACCEPTABLE)
			sa->gw->st.ts_unacceptable++;
		return;
	}
	ts_ours(vpn->v.ts_local, vpn->v.nts_local, sa->remote.ss_family, &tsi);
	ts_ours(
	    vpn->v.ts_remote, vpn->v.nts_remote, sa->remote.ss_family, &tsr);
	if (msg->sa.nprop != 1 ||
	    prop_choose(vpn->v.prop, vpn->v.nprop, &msg->sa, PROTO_ESP, false,
		&chosen, &which) == -1 ||
	    !ts_is_subset(&msg->tsi, &tsi) || !ts_is_subset(&msg->tsr, &tsr)) {
		eng_gw_fail(sa->e, sa->gw, vpn, (struct sockaddr *)&sa->remote,
		    "peer's Child SA unacceptable");
		sa->gw->st.no_proposal++;
		return;
	}
	c = child_new(sa, vpn);
	c->prop = chosen;
	c->spi_in = sa->n->child_spi;
	c->spi_out = (uint32_t)which->spi[0] << 24 | which->spi[1] << 16 |
	    which->spi[2] << 8 | which->spi[3];
	ts_to_sel(&msg->tsi.ts[0], &c->sel_local);
	ts_to_sel(&msg->tsr.ts[0], &c->sel_remote);
	if (prop_suite(&chosen, false, &c->suite) == -1 ||
	    child_install(sa, c, NULL, 0, sa->n->ni, sa->n->nilen, sa->n->nr,
		sa->n->nrlen) == -1)
		child_free(sa, c);
}

void
auth_response(struct ike_sa *sa, const struct ike_msg *msg)
{
	struct ike_nego *n = sa->n;
	struct eng_gw *gw = sa->gw;

	if (sa->state != IKE_ST_AUTH_SENT)
		return;
	xchg_answered(sa);
	if ((msg->present & PLD_BIT(PLD_AUTH)) == 0 ||
	    (msg->present & PLD_BIT(PLD_IDR)) == 0) {
		const struct ike_notify *nt =
		    msg->nnotify ? &msg->notify[0] : NULL;
		char line[96];
		snprintf(line, sizeof(line),
		    "authentication failed: peer "
		    "answered %s",
		    nt ? ikev2_notify_name(nt->type) : "nothing");
		auth_failed(sa, true, line);
		sa_free(sa);
		return;
	}
	if (n->have_ppk) {
		if (pld_notify_find(msg, N_PPK_IDENTITY) != NULL) {
			sa->ppk_used = true;
		} else if (!gw->p.ppk_optional) {
			auth_failed(sa, true, "peer did not use the PPK");
			sa_free(sa);
			return;
		} else {
			/* RFC 8784 3: the responder used none; unmix. */
			sa->keys = n->noppk;
		}
	}
	const char *why = "responder's AUTH does not verify";
	bool ok;
	if (cert_is_used(sa)) {
		size_t olen;
		uint8_t *oct = auth_octets(sa, false, sa->keys.sk_pr,
		    msg->idr.body.p, msg->idr.body.len, &olen);
		ok = oct != NULL && msg->auth.method != AUTH_SHARED_KEY_MIC &&
		    cert_verify_peer(sa, msg, &msg->idr, oct, olen, &why);
		free(oct);
	} else {
		ok = msg->auth.method == AUTH_SHARED_KEY_MIC &&
		    auth_verify(sa, false, sa->keys.sk_pr, &msg->idr,
			msg->auth.data.p, msg->auth.data.len) &&
		    remote_id_ok(sa, &msg->idr);
	}
	if (!ok) {
		char line[96];
		snprintf(line, sizeof(line), "authentication failed: %s", why);
		auth_failed(sa, true, line);
		sa_free(sa);
		return;
	}
	auth_established(sa);
	auth_child_done(sa, msg);
	life_authenticated(sa, msg);
	sa_nego_free(sa);
	xchg_kick(sa);
}
