/*
 * manual: `security ipsec vpn V manual` into the dataplane (manual.h).
 * The algorithm names are Junos's manual-SA ones; their descriptors are
 * the IANA transforms ESP implements (RFC 4106, RFC 7634, RFC 3602,
 * RFC 2404, RFC 4868).  Keys are configured as ascii-text (the octets
 * themselves) or hexadecimal, both kept in "$9$" form by mgd.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/crypto.h>

#include "iked/conf.h"
#include "iked/ikev2.h"
#include "iked/manual.h"
#include "lib/hex.h"
#include "lib/junos9.h"
#include "lib/log.h"
#include "lib/sb.h"
#include "schema/path.h"

#define MANUAL_TUNNEL_BASE 500001 /* Junos tunnel indexes */

struct manual_vpn {
	char name[33];
	struct dp_sa in, out;
	struct manual_vpn *next;
};

struct manual {
	const struct dp_ops *ops;
	struct dp *dp;
	struct manual_vpn *vpns; /* installed */
};

uint32_t
manual_tunnel_id(size_t ordinal)
{
	return MANUAL_TUNNEL_BASE + (uint32_t)ordinal;
}

/*
 * The key of `key ascii-text|hexadecimal` under parent into out; its
 * length in *len.  -1 with a message in *why.
 */
static int
manual_key(const struct cnode *parent, uint8_t *out, size_t cap, size_t *len,
    const char **why)
{
	const struct cnode *key = cnode_child(parent, "key");
	const char *v;
	bool hex;
	char *plain = NULL;
	size_t n = 0;
	int rc = -1;

	*why = "Missing key";
	if (key == NULL)
		return -1;
	hex = (v = cnode_child_val(key, "hexadecimal")) != NULL;
	if (!hex && (v = cnode_child_val(key, "ascii-text")) == NULL)
		return -1;
	*why = "Invalid key";
	if (strncmp(v, JUNOS9_MAGIC, 3) == 0) {
		if ((plain = junos9_decode(v, &n)) == NULL)
			return -1;
	} else if ((plain = strdup(v)) == NULL)
		return -1;
	else
		n = strlen(plain);
	if (hex)
		rc = hex_decode(plain, n, out, cap, len);
	else if (n <= cap) {
		memcpy(out, plain, n);
		*len = n;
		rc = 0;
	}
	OPENSSL_cleanse(plain, n);
	free(plain);
	return rc;
}

/*
 * The two SAs of manual VPN v, or -1 with the statement and message of
 * what is wrong (under [edit security ipsec vpn V manual]).
 */
static int
manual_build(const struct cnode *vpn, size_t ordinal, uint32_t window,
    struct dp_sa *in, struct dp_sa *out, const char **stmt, const char **why)
{
	const struct cnode *m = cnode_child(vpn, "manual");
	const struct cnode *enc = cnode_child(m, "encryption");
	const struct cnode *auth = cnode_child(m, "authentication");
	const char *gw = cnode_child_val(m, "gateway");
	const char *proto = cnode_child_val(m, "protocol");
	const char *spi = cnode_child_val(m, "spi");
	const char *bind = cnode_child_val(vpn, "bind-interface");
	const char *df = cnode_child_val(vpn, "df-bit");
	const char *ea = enc ? cnode_child_val(enc, "algorithm") : NULL;
	const char *aa = auth ? cnode_child_val(auth, "algorithm") : NULL;
	size_t klen;

	memset(out, 0, sizeof(*out));
	*stmt = "gateway";
	*why = "Missing mandatory statement: 'gateway'";
	if (gw == NULL)
		return -1;
	if (inet_pton(AF_INET, gw, &out->remote.u.v4) == 1)
		out->remote.family = AF_INET;
	else if (inet_pton(AF_INET6, gw, &out->remote.u.v6) == 1)
		out->remote.family = AF_INET6;
	else {
		*why = "Manual SA gateway must be an IP address";
		return -1;
	}
	*stmt = "protocol";
	*why = proto ? "Only protocol esp is supported for manual SA"
		     : "Missing mandatory statement: 'protocol'";
	if (proto == NULL || strcmp(proto, "esp") != 0)
		return -1;
	*stmt = "spi";
	*why = "Missing mandatory statement: 'spi'";
	if (spi == NULL)
		return -1;
	out->spi = (uint32_t)strtoul(spi, NULL, 10);
	*stmt = "bind-interface";
	*why = "Manual SA needs bind-interface st0.N (route-based VPN)";
	if (bind == NULL || strncmp(bind, "st0.", 4) != 0 ||
	    strlen(bind) >= sizeof(out->ifname))
		return -1;
	snprintf(out->ifname, sizeof(out->ifname), "%s", bind);
	*stmt = "encryption";
	*why = ea ? "Encryption algorithm is not supported for manual SA"
		  : "Missing mandatory statement: 'encryption algorithm'";
	if (ea == NULL || (out->encr = iconf_esp_encr(ea)) == NULL)
		return -1;
	if (manual_key(enc, out->enc_key, sizeof(out->enc_key), &klen, why) ==
	    -1)
		return -1;
	*why = "Encryption key length does not match the algorithm";
	if (klen != out->encr->key_len)
		return -1;
	*stmt = "authentication";
	if (out->encr->aead) {
		*why = "Authentication is part of the AEAD algorithm; "
		       "remove authentication";
		if (auth != NULL)
			return -1;
	} else {
		*why = aa ? "Authentication algorithm is not supported for "
			    "manual SA"
			  : "Missing mandatory statement: "
			    "'authentication algorithm'";
		if (aa == NULL || (out->integ = iconf_esp_integ(aa)) == NULL)
			return -1;
		if (manual_key(auth, out->auth_key, sizeof(out->auth_key),
			&klen, why) == -1)
			return -1;
		*why = "Authentication key length does not match the "
		       "algorithm";
		if (klen != out->integ->key_len)
			return -1;
	}
	out->tunnel_id = manual_tunnel_id(ordinal);
	out->replay_window = window;
	out->df = df == NULL || strcmp(df, "clear") == 0 ? DP_DF_CLEAR
	    : strcmp(df, "set") == 0			 ? DP_DF_SET
							 : DP_DF_COPY;
	out->copy_dscp = cnode_child(vpn, "copy-outer-dscp") != NULL;
	memcpy(in, out, sizeof(*in));
	in->inbound = true; /* Junos: one SPI, both directions */
	return 0;
}

/* Calls fn for every active manual VPN of c, in configuration order. */
static void
manual_each(struct conf *c,
    void (*fn)(const struct cnode *, size_t, uint32_t, void *), void *arg)
{
	const struct cnode *ipsec =
	    cnode_child(cnode_child(conf_root(c), "security"), "ipsec");
	/*
	 * RFC 4303 3.3.3 / 3.4.3: a manual SA's sender counter starts at 1
	 * again whenever the peer restarts or its key is changed, and there
	 * is no IKE to make a new SA; a window would drop all its traffic
	 * as replays until the counter passed the old one.  So manual SAs
	 * run without anti-replay (the receiver's choice, 3.4.3).
	 */
	uint32_t window = 0;
	size_t ordinal = 0;
	const struct snode *vsn, *msn;
	const struct cnode *m;

	/* every commit walks the VPNs: by their kind and manual's slot, not
	 * a strcmp per child of ipsec and per child of each VPN */
	if (ipsec == NULL || cnode_is_inactive(ipsec) ||
	    (vsn = snode_child_named(ipsec->sn, "vpn")) == NULL ||
	    (msn = snode_child_named(vsn, "manual")) == NULL)
		return;
	for (const struct cnode *v = ipsec->first; v; v = v->next) {
		if (v->sn != vsn) {
			/* the entries of a kind are contiguous */
			if (cnode_last_idx(ipsec, v->sn->idx))
				v = cnode_last_idx(ipsec, v->sn->idx);
			continue;
		}
		if (v->flags & CN_INACTIVE)
			continue;
		m = conf_find(c, v, msn, NULL);
		if (m != NULL && !(m->flags & CN_INACTIVE))
			fn(v, ordinal, window, arg);
		ordinal++;
	}
}

struct manual_chk {
	struct verrs *errs;
	uint32_t spis[256];
	size_t nspi;
};

static void
manual_check_one(
    const struct cnode *v, size_t ordinal, uint32_t window, void *arg)
{
	struct manual_chk *k = arg;
	struct dp_sa in, out;
	const char *stmt, *why;
	struct sb edit;

	sb_init(&edit);
	sb_puts(&edit, "[edit ");
	cnode_path_text(v, &edit);
	sb_puts(&edit, " manual]");
	if (manual_build(v, ordinal, window, &in, &out, &stmt, &why) == -1)
		verrs_add(k->errs, sb_str(&edit), stmt, why, false);
	else {
		for (size_t i = 0; i < k->nspi; i++)
			if (k->spis[i] == out.spi)
				verrs_add(k->errs, sb_str(&edit), "spi",
				    "Duplicate SPI: another manual SA uses it",
				    false);
		if (k->nspi < sizeof(k->spis) / sizeof(k->spis[0]))
			k->spis[k->nspi++] = out.spi;
	}
	OPENSSL_cleanse(&in, sizeof(in));
	OPENSSL_cleanse(&out, sizeof(out));
	sb_free(&edit);
}

void
manual_check(struct conf *next, struct verrs *errs)
{
	struct manual_chk k = { .errs = errs };

	manual_each(next, manual_check_one, &k);
}

struct manual *
manual_new(const struct dp_ops *ops, struct dp *dp)
{
	struct manual *m = calloc(1, sizeof(*m));

	if (m) {
		m->ops = ops;
		m->dp = dp;
	}
	return m;
}

static void
manual_vpn_free(struct manual *m, struct manual_vpn *v)
{
	if (m->dp) {
		m->ops->sa_del(m->dp, v->out.spi, false);
		m->ops->sa_del(m->dp, v->in.spi, true);
	}
	OPENSSL_cleanse(v, sizeof(*v));
	free(v);
}

void
manual_free(struct manual *m)
{
	if (m == NULL)
		return;
	while (m->vpns) {
		struct manual_vpn *v = m->vpns;
		m->vpns = v->next;
		manual_vpn_free(m, v);
	}
	free(m);
}

struct manual_want {
	struct manual_vpn *list;
};

static void
manual_want_one(
    const struct cnode *v, size_t ordinal, uint32_t window, void *arg)
{
	struct manual_want *w = arg;
	struct manual_vpn *mv = calloc(1, sizeof(*mv));
	const char *stmt, *why;

	if (mv == NULL)
		return;
	snprintf(mv->name, sizeof(mv->name), "%s", v->val);
	if (manual_build(v, ordinal, window, &mv->in, &mv->out, &stmt, &why) ==
	    -1) {
		log_err("vpn %s: %s (not installed)", v->val, why);
		OPENSSL_cleanse(mv, sizeof(*mv));
		free(mv);
		return;
	}
	mv->next = w->list;
	w->list = mv;
}

static bool
manual_same(const struct manual_vpn *a, const struct manual_vpn *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    memcmp(&a->in, &b->in, sizeof(a->in)) == 0 &&
	    memcmp(&a->out, &b->out, sizeof(a->out)) == 0;
}

void
manual_apply(struct manual *m, struct conf *next)
{
	struct manual_want w = { NULL };
	struct manual_vpn **pp, *v, *n;

	if (m == NULL || m->dp == NULL)
		return;
	manual_each(next, manual_want_one, &w);
	/* gone or changed: deleted first, so that a changed SPI is free */
	for (pp = &m->vpns; (v = *pp) != NULL;) {
		bool keep = false;
		for (n = w.list; n && !keep; n = n->next)
			keep = manual_same(v, n);
		if (keep) {
			pp = &v->next;
			continue;
		}
		*pp = v->next;
		log_info("vpn %s: manual SA %u removed", v->name, v->out.spi);
		manual_vpn_free(m, v);
	}
	for (n = w.list; n; n = w.list) {
		w.list = n->next;
		bool have = false;
		for (v = m->vpns; v && !have; v = v->next)
			have = manual_same(v, n);
		if (have || m->ops->sa_add(m->dp, &n->in) == -1) {
			OPENSSL_cleanse(n, sizeof(*n));
			free(n);
			continue;
		}
		if (m->ops->sa_add(m->dp, &n->out) == -1) {
			m->ops->sa_del(m->dp, n->in.spi, true);
			OPENSSL_cleanse(n, sizeof(*n));
			free(n);
			continue;
		}
		log_info("vpn %s: manual SA %u installed on %s", n->name,
		    n->out.spi, n->out.ifname);
		n->next = m->vpns;
		m->vpns = n;
	}
}
