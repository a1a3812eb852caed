/*
 * pki_render: Junos text for the replies of the pki rpcs (pki_rpc.c), one
 * renderer per rpc name, exported as pki_renderers[] (render/render.h).  Pure
 * functions of the data: no OpenSSL here, so the cli links this without it.
 * Layouts are Junos's: the `request security pki` replies and `show security
 * pki local-certificate` brief and detail as devices print them (VERBATIM),
 * `show security pki ca-certificate` RECONSTRUCTED from the latter.  Where
 * no device output was at hand the text is our reconstruction and says so.
 */
#include <stdbool.h>
#include <string.h>

#include "render/render.h"

/* A string member; NULL marks the data malformed through *bad. */
static const char *
rd_str(const json_t *o, const char *key, bool *bad)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL)
		*bad = true;
	return s ? s : "";
}

static const char *
rd_opt(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Single-line replies (Junos's `request security pki` replies). */
static int
rd_generate_key_pair(const json_t *d, struct sb *out)
{
	bool bad = false;
	const char *id = rd_str(d, "certificate-id", &bad);
	json_t *size = json_object_get(d, "size");

	if (bad || !json_is_integer(size))
		return -1;
	sb_printf(out, "Generated key pair %s, key size %lld bits\n", id,
	    (long long)json_integer_value(size));
	return 0;
}

static int
rd_self_signed(const json_t *d, struct sb *out)
{
	/* Junos' wording; no device output of it was at hand. */
	sb_puts(out,
	    "Self-signed certificate generated and loaded "
	    "successfully\n");
	return 0;
}

static void
rd_fingerprints(const json_t *d, const char *indent, struct sb *out)
{
	const char *sha1 = rd_opt(d, "fingerprint-sha1");
	const char *md5 = rd_opt(d, "fingerprint-md5");

	if (sha1 != NULL)
		sb_printf(out, "%s%s (sha1)\n", indent, sha1);
	if (md5 != NULL)
		sb_printf(out, "%s%s (md5)\n", indent, md5);
}

/* RECONSTRUCTED: "Generated certificate request", the PEM, fingerprints. */
static int
rd_certificate_request(const json_t *d, struct sb *out)
{
	const char *pem = rd_opt(d, "certificate-request");
	const char *file = rd_opt(d, "filename");

	if (pem == NULL && file == NULL)
		return -1;
	sb_puts(out, "Generated certificate request\n");
	if (pem != NULL)
		sb_puts(out, pem);
	else
		sb_printf(out, "Certificate request written to %s\n", file);
	sb_puts(out, "Fingerprint:\n");
	rd_fingerprints(d, "", out);
	return 0;
}

static int
rd_local_load(const json_t *d, struct sb *out)
{
	sb_puts(out, "Local certificate loaded successfully\n");
	return 0;
}

/*
 * Junos's `request security pki` replies: the fingerprint before the question
 * (mgd asks it), then, once confirmed and loaded, the outcome.
 */
static int
rd_ca_load(const json_t *d, struct sb *out)
{
	bool bad = false;
	const char *p = rd_str(d, "ca-profile", &bad);

	if (bad)
		return -1;
	if (!json_is_true(json_object_get(d, "loaded"))) {
		sb_puts(out, "Fingerprint:\n");
		rd_fingerprints(d, " ", out);
	} else {
		sb_printf(out,
		    "CA certificate for profile %s loaded "
		    "successfully\n",
		    p);
	}
	return 0;
}

static int
rd_crl_load(const json_t *d, struct sb *out)
{
	bool bad = false;
	const char *p = rd_str(d, "ca-profile", &bad);

	if (bad)
		return -1;
	sb_printf(out, "CRL for CA profile %s loaded successfully\n", p);
	return 0;
}

static int
rd_ca_verify(const json_t *d, struct sb *out)
{
	bool bad = false;
	const char *p = rd_str(d, "ca-profile", &bad);

	if (bad)
		return -1;
	sb_printf(out, "CA certificate %s verified successfully\n", p);
	return 0;
}

static int
rd_local_verify(const json_t *d, struct sb *out)
{
	bool bad = false;
	const char *id = rd_str(d, "certificate-id", &bad);

	if (bad)
		return -1;
	sb_printf(out, "Local certificate %s verification success\n", id);
	return 0;
}

/* Junos says nothing when a clear succeeds. */
static int
rd_clear(const json_t *d, struct sb *out)
{
	return json_is_array(json_object_get(d, "cleared")) ? 0 : -1;
}

/* In the order Junos's text lists them, not its XML's (cert.c). */
static const struct {
	const char *key;
	const char *label;
} rd_dn_labels[] = {
	{ "organization-name", "Organization" },
	{ "organizational-unit-name", "Organizational unit" },
	{ "country-name", "Country" },
	{ "state", "State" },
	{ "locality-name", "Locality" },
	{ "common-name", "Common name" },
	{ "domain-component", "Domain component" },
};

/*
 * "    Organization: juniper, Country: us, Common name: Root" from
 * {"distinguished-name": {"organization-name": "juniper", ...}}; a value
 * may be an array (an attribute given twice).
 */
static void
rd_dn(const char *title, const json_t *name, struct sb *out)
{
	const json_t *dn = json_object_get(name, "distinguished-name");
	bool first = true;
	json_t *v, *x;
	size_t f, i;

	sb_printf(out, "  %s:\n    ", title);
	for (f = 0; f < sizeof(rd_dn_labels) / sizeof(rd_dn_labels[0]); f++) {
		const char *key = rd_dn_labels[f].key;
		const char *label = rd_dn_labels[f].label;

		if ((v = json_object_get(dn, key)) == NULL)
			continue;
		/* Junos's `show security pki local-certificate`: its Subject
		 * line has no Country (the Subject string has it); the Issuer
		 * line has. */
		if (strcmp(title, "Subject") == 0 &&
		    strcmp(key, "country-name") == 0)
			continue;
		if (!json_is_array(v)) {
			sb_printf(out, "%s%s: %s", first ? "" : ", ", label,
			    json_string_value(v) ? json_string_value(v) : "");
			first = false;
			continue;
		}
		json_array_foreach(v, i, x)
		{
			sb_printf(out, "%s%s: %s", first ? "" : ", ", label,
			    json_string_value(x) ? json_string_value(x) : "");
			first = false;
		}
	}
	sb_putc(out, '\n');
}

/* `Alternate subject: "a@b.net", b.net, ipv4 empty, ipv6 empty` (Junos's `show
 * security pki local-certificate`) */
static void
rd_alt_subject(const json_t *alt, struct sb *out)
{
	const char *email = rd_opt(alt, "email");
	const char *fqdn = rd_opt(alt, "domain-name");
	const char *v4 = rd_opt(alt, "ipv4"), *v6 = rd_opt(alt, "ipv6");

	sb_puts(out, "  Alternate subject: ");
	if (email != NULL)
		sb_printf(out, "\"%s\", ", email);
	else
		sb_puts(out, "email empty, ");
	sb_printf(out, "%s, ", fqdn ? fqdn : "fqdn empty");
	sb_printf(out, "%s, ", v4 ? v4 : "ipv4 empty");
	sb_printf(out, "%s\n", v6 ? v6 : "ipv6 empty");
}

static void
rd_validity(const json_t *c, struct sb *out)
{
	const json_t *v = json_object_get(c, "validity");
	const char *nb = rd_opt(v, "not-before"), *na = rd_opt(v, "not-after");

	sb_printf(out, "  Validity:\n    Not before: %s\n    Not after: %s\n",
	    nb ? nb : "", na ? na : "");
}

static void
rd_pubkey(const json_t *c, struct sb *out)
{
	const char *alg = rd_opt(c, "public-key-algorithm");

	sb_printf(out, "  Public key algorithm: %s(%lld bits)\n",
	    alg ? alg : "unknown",
	    (long long)json_integer_value(
		json_object_get(c, "public-key-length")));
}

/* A cert's {"public-key": {...}}; a request has the members itself. */
static const json_t *
rd_cert_pubkey(const json_t *c)
{
	return json_object_get(c, "public-key");
}

/* Junos's `show security pki local-certificate`: key contents, 20 bytes a line,
 * indented 4. */
static void
rd_key_contents(const char *hex, struct sb *out)
{
	int bytes = 0;

	if (hex == NULL || *hex == '\0')
		return;
	sb_puts(out, "    ");
	for (; *hex; hex++) {
		if (*hex != ':') {
			sb_putc(out, *hex);
			continue;
		}
		if (++bytes % 20 == 0)
			sb_puts(out, "\n    ");
		else
			sb_putc(out, ':');
	}
	sb_putc(out, '\n');
}

/* The item array of a *-list element: {"distribution-crl": [...]}. */
static const json_t *
rd_list(const json_t *c, const char *list, const char *item)
{
	return json_object_get(json_object_get(c, list), item);
}

static void
rd_uri_list(const char *title, const json_t *arr, struct sb *out)
{
	size_t i;
	json_t *u;

	if (json_array_size(arr) == 0)
		return;
	sb_printf(out, "  %s:\n", title);
	json_array_foreach(arr, i, u) sb_printf(
	    out, "    %s\n", json_string_value(u) ? json_string_value(u) : "");
}

/* RECONSTRUCTED (Junos's XML of `show security pki ca-certificate`): "Keyusage:
 * CRL signing, Certificate signing" */
static void
rd_key_usage(const json_t *arr, struct sb *out)
{
	size_t i;
	json_t *u;

	if (json_array_size(arr) == 0)
		return;
	sb_puts(out, "  Keyusage: ");
	json_array_foreach(arr, i, u) sb_printf(out, "%s%s", i ? ", " : "",
	    json_string_value(u) ? json_string_value(u) : "");
	sb_putc(out, '\n');
}

/* The certificate's one <fingerprint>: contents and algorithms in step. */
static void
rd_cert_fingerprints(const json_t *c, struct sb *out)
{
	const json_t *fp = json_object_get(c, "fingerprint");
	const json_t *content = json_object_get(fp, "fingerprint-content");
	const json_t *alg = json_object_get(fp, "fingerprint-hash-algorithm");
	size_t i;
	json_t *x;

	sb_puts(out, "  Fingerprint:\n");
	json_array_foreach(content, i, x)
	{
		const char *a = json_string_value(json_array_get(alg, i));

		sb_printf(out, "    %s (%s)\n",
		    json_string_value(x) ? json_string_value(x) : "",
		    a ? a : "?");
	}
}

/* The detail block after "Certificate identifier:" (Junos's `show security pki
 * local-certificate`). */
static void
rd_cert_detail(const json_t *c, bool ca, struct sb *out)
{
	const char *subj =
	    rd_opt(json_object_get(c, "subject-string-list"), "subject-string");
	const char *serial = rd_opt(
	    json_object_get(c, "serial-number-list"), "serial-number-x509");

	sb_printf(out, "  Certificate version: %lld\n",
	    (long long)json_integer_value(json_object_get(c, "version")));
	sb_printf(out, "  Serial number: %s\n", serial ? serial : "");
	rd_dn("Issuer", json_object_get(c, "issuer-name"), out);
	rd_dn("Subject", json_object_get(c, "subject-name"), out);
	sb_printf(out, "  Subject string:\n    %s\n", subj ? subj : "");
	rd_alt_subject(json_object_get(c, "alternate-subject"), out);
	rd_validity(c, out);
	rd_pubkey(rd_cert_pubkey(c), out);
	rd_key_contents(rd_opt(json_object_get(c, "public-key-contents-list"),
			    "key-contents"),
	    out);
	sb_printf(out, "  Signature algorithm: %s\n",
	    rd_opt(c, "signature-algorithm") ? rd_opt(c, "signature-algorithm")
					     : "");
	rd_uri_list("Distribution CRL",
	    rd_list(c, "distribution-crl-list", "distribution-crl"), out);
	rd_uri_list("Authority Information Access OCSP",
	    rd_list(c, "authority-information-access-ocsp-list",
		"authority-information-access-ocsp"),
	    out);
	if (ca)
		rd_key_usage(rd_list(c, "key-usage-list", "key-usage"), out);
	rd_cert_fingerprints(c, out);
	if (!ca)
		sb_puts(out,
		    "  Auto-re-enrollment:\n"
		    "    Status: Disabled\n"
		    "    Next trigger time: Timer not started\n");
}

static void
rd_cert_brief(const json_t *c, struct sb *out)
{
	const char *to = rd_opt(c, "issued-to"), *by = rd_opt(c, "issued-by");

	sb_printf(out, "  Issued to: %s, Issued by: %s\n", to ? to : "",
	    by ? by : "");
	rd_validity(c, out);
	rd_pubkey(rd_cert_pubkey(c), out);
}

/* Objects a listing left out because their files are damaged (rpc_show.c). */
static void
rd_skipped(const json_t *listing, const char *what, struct sb *out)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(listing, "skipped"), i, e)
	    sb_printf(out, "warning: %s %s skipped: %s\n", what,
		rd_opt(e, "identifier") ? rd_opt(e, "identifier") : "?",
		rd_opt(e, "reason") ? rd_opt(e, "reason") : "");
}

/* An item of a listing: junos:style="detail" (rpc_show.c), else brief. */
static bool
rd_is_detail(const json_t *item)
{
	const char *style = json_string_value(
	    json_object_get(json_object_get(item, "@"), "junos:style"));

	return style != NULL && strcmp(style, "detail") == 0;
}

/*
 * show security pki local-certificate / ca-certificate.  Brief: a blank
 * line and "LSYS: root-logical-system" (Junos 25.x's `show security pki
 * local-certificate`), then one block per certificate; detail: the
 * Junos 15.1X49 layout, which has no LSYS line.  Blocks are separated by a
 * blank line.
 */
static int
rd_show_certs(const json_t *d, bool ca, struct sb *out)
{
	const json_t *listing =
	    json_object_get(d, "x509-pki-certificate-info-list");
	const json_t *list =
	    json_object_get(listing, "pkid-x509-certificate-information");
	size_t i;
	json_t *c;

	if (!json_is_array(list))
		return -1;
	json_array_foreach(list, i, c)
	{
		bool bad = false;
		const char *id = rd_str(c, "identifier", &bad);
		bool detail = rd_is_detail(c);

		if (bad)
			return -1;
		sb_putc(out, '\n');
		if (!detail && i == 0)
			sb_puts(out, "LSYS: root-logical-system\n");
		if (ca)
			sb_printf(out, "CA profile: %s\n",
			    rd_str(c, "@ca-profile", &bad));
		sb_printf(out, "Certificate identifier: %s\n", id);
		if (detail)
			rd_cert_detail(c, ca, out);
		else
			rd_cert_brief(c, out);
		if (!ca && !detail)
			sb_printf(out, "  Keypair Location: %s\n",
			    rd_opt(c, "keypair-location")
				? rd_opt(c, "keypair-location")
				: "");
		if (bad)
			return -1;
	}
	rd_skipped(listing, ca ? "ca-profile" : "certificate-id", out);
	return 0;
}

static int
rd_show_local(const json_t *d, struct sb *out)
{
	return rd_show_certs(d, false, out);
}

static int
rd_show_ca(const json_t *d, struct sb *out)
{
	return rd_show_certs(d, true, out);
}

/* RECONSTRUCTED: show security pki certificate-request [detail]. */
static int
rd_show_request(const json_t *d, struct sb *out)
{
	const json_t *listing = json_object_get(d, "certificate-request-list");
	const json_t *list = json_object_get(listing, "certificate-request");
	size_t i;
	json_t *r;

	if (!json_is_array(list))
		return -1;
	json_array_foreach(list, i, r)
	{
		bool bad = false;
		bool detail = rd_is_detail(r);
		const char *id = rd_str(r, "identifier", &bad);
		const char *to = rd_str(r, "issued-to", &bad);

		if (bad)
			return -1;
		sb_printf(out, "\nCertificate identifier: %s\n", id);
		sb_printf(out, "  Issued to: %s\n", to);
		rd_pubkey(r, out);
		sb_printf(out, "  Public key verification status: %s\n",
		    json_is_true(json_object_get(r, "signature-verified"))
			? "Passed"
			: "Failed");
		if (!detail)
			continue;
		sb_printf(out, "  Subject string:\n    %s\n",
		    rd_opt(r, "subject-string") ? rd_opt(r, "subject-string")
						: "");
		rd_alt_subject(json_object_get(r, "alternate-subject"), out);
		sb_puts(out, "  Fingerprint:\n");
		rd_fingerprints(r, "    ", out);
	}
	rd_skipped(listing, "certificate-id", out);
	return 0;
}

const struct render_entry pki_renderers[] = {
	{ "request-security-pki-generate-key-pair", rd_generate_key_pair },
	{ "request-security-pki-local-certificate-generate-self-signed",
	    rd_self_signed },
	{ "request-security-pki-generate-certificate-request",
	    rd_certificate_request },
	{ "request-security-pki-local-certificate-load", rd_local_load },
	{ "request-security-pki-ca-certificate-load", rd_ca_load },
	{ "request-security-pki-crl-load", rd_crl_load },
	{ "request-security-pki-ca-certificate-verify", rd_ca_verify },
	{ "request-security-pki-local-certificate-verify", rd_local_verify },
	{ "clear-security-pki-local-certificate", rd_clear },
	{ "clear-security-pki-ca-certificate", rd_clear },
	{ "clear-security-pki-key-pair", rd_clear },
	{ "clear-security-pki-certificate-request", rd_clear },
	{ "show-security-pki-local-certificate", rd_show_local },
	{ "show-security-pki-ca-certificate", rd_show_ca },
	{ "show-security-pki-certificate-request", rd_show_request },
	{ NULL, NULL },
};
