/*
 * conf_gw: `security ike gateway G` with its policy and proposals as one
 * eng_peer (iconf_gateway, conf.h): its address or `dynamic` identity,
 * the policy's pre-shared key or certificate, and the parts of a gateway
 * iked cannot run yet, refused at their statement (conf.c lists them).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "iked/conf.h"
#include "iked/ikev2.h"
#include "lib/hex.h"
#include "lib/junos9.h"

/*
 * The pre-shared key of a policy into p->psk: the $9$ value decoded, then
 * the hex decoded for `hexadecimal`.  The plain copy is wiped.  NULL, or
 * why it cannot be used.
 */
static const char *
conf_psk(const struct cnode *k, struct eng_peer *p)
{
	const char *a = cnode_child_val(k, "ascii-text");
	const char *h = cnode_child_val(k, "hexadecimal");
	const char *v = a ? a : h;
	const char *why = NULL;
	size_t n;
	char *plain;

	if (v == NULL)
		return "Missing mandatory statement: 'ascii-text' or"
		       " 'hexadecimal'";
	if (junos9_is_encoded(v)) {
		if ((plain = junos9_decode(v, &n)) == NULL)
			return "The key cannot be decoded";
	} else {
		plain = xstrdup(v);
		n = strlen(plain);
	}
	if (a != NULL) {
		if (n == 0 || n > ENG_PSK_MAX)
			why = "The key must be 1 to 255 bytes";
		else
			memcpy(p->psk, plain, n);
		p->psk_len = why ? 0 : n;
	} else {
		size_t len;
		if (n == 0 ||
		    hex_decode(plain, n, p->psk, sizeof(p->psk), &len) == -1)
			why = "invalid hexadecimal key";
		p->psk_len = why ? 0 : len;
	}
	OPENSSL_cleanse(plain, n);
	free(plain);
	return why;
}

/* An IP address literal into ss (port 0); -1 when it is not one. */
static int
conf_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[64];
	char *slash;

	memset(ss, 0, sizeof(*ss));
	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/*
 * The first address of `interfaces IFD unit U family inet|inet6` for an
 * external-interface "IFD.U", of the remote's family when it has one.
 */
static void
conf_ifaddr(struct iconf_ctx *x, const char *ifu, int family,
    struct sockaddr_storage *out)
{
	char ifd[24];
	const char *dot = strrchr(ifu, '.');
	const struct cnode *unit;

	memset(out, 0, sizeof(*out));
	if (dot == NULL || (size_t)(dot - ifu) >= sizeof(ifd))
		return;
	memcpy(ifd, ifu, (size_t)(dot - ifu));
	ifd[dot - ifu] = '\0';
	unit = iconf_entry(x, iconf_entry(x, x->interfaces, "interface", ifd),
	    "unit", dot + 1);
	for (int f = 0; f < 2; f++) {
		const char *fam = f == 0 ? "inet" : "inet6";
		if (family == (f == 0 ? AF_INET6 : AF_INET))
			continue;
		const struct cnode *fn =
		    cnode_child(cnode_child(unit, "family"), fam);
		for (const struct cnode *a = fn ? fn->first : NULL; a;
		     a = a->next)
			if (strcmp(a->sn->name, "address") == 0 &&
			    !cnode_is_inactive(a) &&
			    conf_addr(a->val, out) == 0)
				return;
	}
}

/* id of type (an address as its octets, a name as its bytes) from v. */
static void
conf_id_value(struct eng_id *id, uint8_t type, const char *v)
{
	id->type = type;
	if (type == ID_IPV4_ADDR || type == ID_IPV6_ADDR) {
		struct sockaddr_storage ss;

		conf_addr(v, &ss);
		id->len = type == ID_IPV4_ADDR ? 4 : 16;
		memcpy(id->data,
		    type == ID_IPV4_ADDR
			? (void *)&((struct sockaddr_in *)&ss)->sin_addr
			: (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
		    id->len);
	} else {
		id->len = strnlen(v, ENG_ID_MAX);
		memcpy(id->data, v, id->len);
	}
}

/* RFC 7296 3.5: one identity from local-identity / remote-identity. */
static void
conf_id(const struct cnode *idn, struct eng_id *id)
{
	static const struct {
		const char *kind, *leaf;
		uint8_t type;
	} kinds[] = {
		{ "inet", "identity-ipv4", ID_IPV4_ADDR },
		{ "inet6", "identity-ipv6", ID_IPV6_ADDR },
		{ "hostname", "identity-hostname", ID_FQDN },
		{ "user-at-hostname", "identity-user", ID_RFC822_ADDR },
		{ "key-id", "string-key-id", ID_KEY_ID },
	};
	const struct cnode *dn = cnode_child(idn, "distinguished-name");

	memset(id, 0, sizeof(*id));
	if (dn != NULL) {
		/* the DN of the certificate, matched as pki says */
		id->type = ID_DER_ASN1_DN;
		const char *c = cnode_child_val(dn, "container");
		const char *w = cnode_child_val(dn, "wildcard");
		id->dn_container = c ? xstrdup(c) : NULL;
		id->dn_wildcard = w ? xstrdup(w) : NULL;
		return;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *v = cnode_child_val(
		    cnode_child(idn, kinds[i].kind), kinds[i].leaf);
		if (v == NULL)
			continue;
		conf_id_value(id, kinds[i].type, v);
		return;
	}
}

/* The dynamic peer's identity: `dynamic hostname H` and friends. */
static void
conf_dynamic_id(const struct cnode *dyn, struct eng_id *id)
{
	static const struct {
		const char *leaf;
		uint8_t type;
	} kinds[] = {
		{ "inet", ID_IPV4_ADDR },
		{ "inet6", ID_IPV6_ADDR },
		{ "hostname", ID_FQDN },
		{ "user-at-hostname", ID_RFC822_ADDR },
	};

	if (cnode_child(dyn, "distinguished-name") != NULL) {
		conf_id(dyn, id);
		return;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *v = cnode_child_val(dyn, kinds[i].leaf);
		if (v != NULL)
			conf_id_value(id, kinds[i].type, v);
	}
}

/* `security pki ca-profile name` is configured. */
static bool
conf_has_ca_profile(struct iconf_ctx *x, const char *name)
{
	const struct cnode *pki =
	    cnode_child(cnode_child(conf_root(x->c), "security"), "pki");

	for (const struct cnode *c = pki ? pki->first : NULL; c; c = c->next)
		if (strcmp(c->sn->name, "ca-profile") == 0 &&
		    !(c->flags & CN_INACTIVE) && c->val != NULL &&
		    strcmp(c->val, name) == 0)
			return true;
	return false;
}

const char *
iconf_only_ca_profile(struct iconf_ctx *x)
{
	const struct cnode *pki =
	    cnode_child(cnode_child(conf_root(x->c), "security"), "pki");
	const char *only = NULL;

	for (const struct cnode *c = pki ? pki->first : NULL; c; c = c->next) {
		if (strcmp(c->sn->name, "ca-profile") != 0 ||
		    (c->flags & CN_INACTIVE) || c->val == NULL)
			continue;
		if (only != NULL)
			return NULL;
		only = c->val;
	}
	return only;
}

/* The policy's credentials and proposals; 0 / -1. */
static int
conf_policy(struct iconf_ctx *x, const struct cnode *pol, struct eng_peer *p)
{
	const struct cnode *psk = iconf_kid(x, pol, "pre-shared-key");
	const struct cnode *cert = iconf_kid(x, pol, "certificate");
	const char *lc = iconf_kid_val(x, cert, "local-certificate");
	const struct cnode *tca = iconf_kid(x, cert, "trusted-ca");
	const char *why, *rf;
	int rc = 0;

	iconf_name_copy(p->policy, sizeof(p->policy), pol->val);
	if (iconf_kid(x, pol, "seeded-pre-shared-key") != NULL) {
		iconf_err(x, pol, "seeded-pre-shared-key",
		    "A seeded"
		    " pre-shared key is not supported by iked");
		rc = -1;
	}
	if (psk != NULL && (why = conf_psk(psk, p)) != NULL) {
		iconf_err(x, pol, "pre-shared-key", "%s", why);
		rc = -1;
	}
	if (psk == NULL && lc == NULL) {
		iconf_err(x, pol, "pre-shared-key",
		    "Missing mandatory"
		    " statement: 'pre-shared-key' or 'certificate"
		    " local-certificate'");
		rc = -1;
	}
	if (lc != NULL)
		iconf_name_copy(p->local_cert, sizeof(p->local_cert), lc);
	if (iconf_kid_val(x, tca, "trusted-ca-group") != NULL) {
		iconf_err(x, cert, "trusted-ca",
		    "A trusted CA group is not"
		    " supported by iked: name a ca-profile");
		rc = -1;
	} else if (iconf_kid_val(x, tca, "ca-profile") != NULL) {
		iconf_name_copy(p->ca_profile, sizeof(p->ca_profile),
		    iconf_kid_val(x, tca, "ca-profile"));
		if (!conf_has_ca_profile(x, p->ca_profile)) {
			iconf_err(x, cert, "trusted-ca",
			    "Referenced"
			    " ca-profile '%s' is not defined under [edit"
			    " security pki]",
			    p->ca_profile);
			rc = -1;
		}
	} else if (lc != NULL && iconf_only_ca_profile(x) != NULL) {
		/* Junos trusts every CA then; with one, that is the one */
		iconf_name_copy(p->ca_profile, sizeof(p->ca_profile),
		    iconf_only_ca_profile(x));
	} else if (lc != NULL) {
		/* the peer's chain is verified with one ca-profile's CA */
		iconf_err(x, pol, "certificate",
		    "Missing mandatory"
		    " statement: 'trusted-ca ca-profile' (iked verifies a"
		    " peer with one ca-profile's CA)");
		rc = -1;
	}
	if ((rf = iconf_kid_val(x, pol, "reauth-frequency")) != NULL)
		p->reauth_frequency = (uint32_t)strtoul(rf, NULL, 10);
	if (iconf_ike_proposals(x, pol,
		psk ? AUTH_SHARED_KEY_MIC : AUTH_RSA_SIG, p->prop,
		&p->nprop) == -1)
		return -1;
	for (size_t i = 0; i < p->nprop; i++) {
		bool want_psk = p->prop[i].auth_method == AUTH_SHARED_KEY_MIC;
		if (want_psk && psk == NULL) {
			iconf_err(x, pol, "pre-shared-key",
			    "Missing mandatory"
			    " statement: 'pre-shared-key' (the proposals use"
			    " pre-shared-keys)");
			return -1;
		}
		if (!want_psk && lc == NULL) {
			iconf_err(x, pol, "certificate",
			    "Missing mandatory"
			    " statement: 'certificate local-certificate' (the"
			    " proposals use signatures)");
			return -1;
		}
	}
	return rc;
}

/* The parts of a gateway iked cannot run yet. */
static int
conf_gateway_unsupported(struct iconf_ctx *x, const struct cnode *g)
{
	static const char *const stmts[] = { "aaa", "advpn",
		"tcp-encap-profile" };
	const char *ver = iconf_kid_val(x, g, "version");
	int rc = 0;

	if (ver == NULL || strcmp(ver, "v2-only") != 0) {
		iconf_err(x, g, ver ? "version v1-only" : "version",
		    "IKEv1 is"
		    " not supported yet: iked speaks IKEv2 (version v2-only)");
		rc = -1;
	}
	/* RFC 8784 2: a PPK is negotiated only by IKEv2. */
	if (iconf_kid(x, g, "ppk-profile") != NULL &&
	    (ver == NULL || strcmp(ver, "v2-only") != 0)) {
		iconf_err(x, g, "ppk-profile",
		    "PPK profile is supported only"
		    " with IKEv2 (version v2-only)");
		rc = -1;
	}
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
		if (iconf_kid(x, g, stmts[i]) != NULL) {
			iconf_err(x, g, stmts[i],
			    "This statement is not"
			    " supported by iked yet");
			rc = -1;
		}
	return rc;
}

static void
conf_gateway_knobs(
    struct iconf_ctx *x, const struct cnode *g, struct eng_peer *p)
{
	const struct cnode *dpd = iconf_kid(x, g, "dead-peer-detection");
	const struct cnode *frag = iconf_kid(x, g, "fragmentation");
	const struct cnode *ppk = iconf_kid(x, g, "ppk-profile");
	const char *v;

	if (dpd != NULL) {
		p->dpd = iconf_kid(x, dpd, "always-send") ? ENG_DPD_ALWAYS
		    : iconf_kid(x, dpd, "probe-idle-tunnel")
		    ? ENG_DPD_PROBE_IDLE
		    : ENG_DPD_OPTIMIZED;
		v = iconf_kid_val(x, dpd, "interval");
		p->dpd_interval = v ? (uint32_t)strtoul(v, NULL, 10) : 10;
		v = iconf_kid_val(x, dpd, "threshold");
		p->dpd_threshold = v ? (uint32_t)strtoul(v, NULL, 10) : 5;
	}
	if ((v = iconf_kid_val(x, g, "nat-keepalive")) != NULL)
		p->nat_keepalive = (uint32_t)strtoul(v, NULL, 10);
	p->no_nat_traversal = iconf_kid(x, g, "no-nat-traversal") != NULL;
	/* RFC 7383: on unless disabled */
	p->fragmentation = iconf_kid(x, frag, "disable") == NULL;
	if ((v = iconf_kid_val(x, frag, "size")) != NULL)
		p->fragment_size = (uint16_t)strtoul(v, NULL, 10);
	if ((v = iconf_kid_val(x, ppk, "profile-name")) != NULL)
		iconf_name_copy(p->ppk_profile, sizeof(p->ppk_profile), v);
	p->ppk_optional = iconf_kid(x, ppk, "optional") != NULL;
}

int
iconf_gateway(struct iconf_ctx *x, const struct cnode *g, struct eng_peer *p)
{
	const char *addrs[5];
	size_t na = iconf_list(g, "address", addrs, 5);
	const struct cnode *dyn = iconf_kid(x, g, "dynamic");
	const char *v;
	int rc = conf_gateway_unsupported(x, g);

	memset(p, 0, sizeof(*p));
	iconf_name_copy(p->name, sizeof(p->name), g->val);
	const struct cnode *pol =
	    iconf_entry(x, x->ike, "policy", iconf_kid_val(x, g, "ike-policy"));
	if (pol == NULL || conf_policy(x, pol, p) == -1)
		rc = -1; /* a dangling ike-policy: validate.c says so */
	if (na > 0) {
		/* the primary; the backups are not tried yet */
		if (conf_addr(addrs[0], &p->remote) == -1) {
			char st[300];
			snprintf(st, sizeof(st), "address %s", addrs[0]);
			iconf_err(x, g, st,
			    "A peer named by host name is not"
			    " supported yet: give its IP address");
			rc = -1;
		}
	} else if (dyn != NULL) {
		conf_dynamic_id(dyn, &p->remote_id);
	} else {
		iconf_err(x, g, "address",
		    "Missing mandatory statement:"
		    " 'address' or 'dynamic'");
		rc = -1;
	}
	if ((v = iconf_kid_val(x, g, "local-address")) != NULL)
		conf_addr(v, &p->local);
	if ((v = iconf_kid_val(x, g, "external-interface")) != NULL) {
		iconf_name_copy(p->external_if, sizeof(p->external_if), v);
		if (p->local.ss_family == AF_UNSPEC)
			conf_ifaddr(x, v, p->remote.ss_family, &p->local);
	}
	if (iconf_kid(x, g, "local-identity") != NULL)
		conf_id(iconf_kid(x, g, "local-identity"), &p->local_id);
	if (iconf_kid(x, g, "remote-identity") != NULL) {
		free(p->remote_id.dn_container);
		free(p->remote_id.dn_wildcard);
		conf_id(iconf_kid(x, g, "remote-identity"), &p->remote_id);
	}
	conf_gateway_knobs(x, g, p);
	return rc;
}
