/*
 * rpc_show: `show security pki local-certificate | ca-certificate |
 * certificate-request`.  Each returns Junos's reply element itself, as
 * `| display xml` shows it (Junos's XML of `show security pki ca-certificate`):
 * {LIST: {"@": {"xmlns": ...}, ITEM: [ {"@": {"junos:style": "brief"|"detail"},
 * description}, ... ]}}; for certificates x509-pki-certificate-info-list of
 * pkid-x509-certificate-information (the members of pki_cert_info() after
 * the identifier), for requests certificate-request-list of
 * certificate-request (ours).  An unknown name is an error, an empty store
 * an empty list (Junos then prints nothing).  Listing all, an object whose
 * file cannot be read is left out and named in the list's "skipped":
 * [{"identifier", "reason"}].
 */
#include <stdlib.h>
#include <string.h>

#include "pki/pki_int.h"

/* Junos' element names (Junos's XML of `show security pki ca-certificate`); |
 * display xml shows them as they are. */
#define SHOW_CERT_LIST "x509-pki-certificate-info-list"
#define PKI_XMLNS "http://xml.juniper.net/junos/qsafe/junos-pki"
#define SHOW_CERT_ITEM "pkid-x509-certificate-information"

typedef json_t *(*show_one_fn)(
    struct pki_store *, const char *, bool, struct sb *);

/*
 * identifier first, as in Junos's XML of `show security pki
 * ca-certificate`, then the rest.  The CA profile is for the text's "CA
 * profile:" line only: Junos's XML has no <ca-profile>, so its member is
 * "@ca-profile", which is no element (cmd.c).
 */
static json_t *
show_info(X509 *cert, const char *identifier, const char *profile, bool detail)
{
	json_t *o = json_pack("{s:s}", "identifier", identifier);
	json_t *info = pki_cert_info(cert, detail);

	if (profile != NULL)
		json_object_set_new(o, "@ca-profile", json_string(profile));
	json_object_update(o, info);
	json_decref(info);
	return o;
}

static json_t *
show_local_one(
    struct pki_store *st, const char *id, bool detail, struct sb *err)
{
	X509 *cert = pki_local_cert_get(st, id, err);
	json_t *o;

	if (cert == NULL)
		return NULL;
	o = show_info(cert, id, NULL, detail);
	X509_free(cert);
	/* Junos's `show security pki local-certificate`: "Keypair Location:
	 * Keypair generated locally" */
	json_object_set_new(o, "keypair-location",
	    json_string(!pki_has_key(st, id) ? "Keypair not found"
		    : pki_key_is_imported(st, id)
		    ? "Keypair imported"
		    : "Keypair generated locally"));
	return o;
}

static json_t *
show_ca_one(
    struct pki_store *st, const char *profile, bool detail, struct sb *err)
{
	const struct pki_ca_profile *p = pki_store_ca_profile(st, profile);
	X509 *cert = pki_ca_cert_get(st, profile, err);
	json_t *o;

	if (cert == NULL)
		return NULL;
	o = show_info(cert,
	    p != NULL && p->ca_identity != NULL ? p->ca_identity : profile,
	    profile, detail);
	X509_free(cert);
	return o;
}

static json_t *
show_request_one(
    struct pki_store *st, const char *id, bool detail, struct sb *err)
{
	X509_REQ *req = pki_request_get(st, id, err);
	json_t *o;

	if (req == NULL)
		return NULL;
	o = pki_req_info(req, detail);
	X509_REQ_free(req);
	json_object_set_new(o, "identifier", json_string(id));
	return o;
}

/* Junos marks each item with its style: <pkid-... junos:style="detail">. */
static void
show_style(json_t *o, bool detail)
{
	json_object_set_new(o, "@",
	    json_pack("{s:s}", "junos:style", detail ? "detail" : "brief"));
}

static json_t *
show_list(struct pki_store *st, const json_t *in, const char *key,
    const char *kind, const char *list, const char *item, show_one_fn one,
    struct sb *err)
{
	bool detail = pki_rpc_flag(in, "detail");
	const char *name = pki_rpc_str(in, key);
	json_t *arr = json_array(), *skipped = json_array(), *o, *out;
	char **names = NULL;
	size_t i;

	if (name != NULL) {
		if (!pki_name_is_valid(name)) {
			sb_printf(err, "error: invalid %s", key);
			goto fail;
		}
		if ((o = one(st, name, detail, err)) == NULL)
			goto fail;
		show_style(o, detail);
		json_array_append_new(arr, o);
	} else {
		if ((names = pki_store_list(st, kind)) == NULL) {
			sb_puts(err, "error: cannot read the pki store");
			goto fail;
		}
		for (i = 0; names[i] != NULL; i++) {
			struct sb why;

			if ((o = one(st, names[i], detail, err)) != NULL) {
				show_style(o, detail);
				json_array_append_new(arr, o);
				continue;
			}
			/* One damaged file does not hide the others. */
			sb_init(&why);
			sb_puts(&why,
			    strncmp(sb_str(err), "error: ", 7) == 0
				? sb_str(err) + 7
				: sb_str(err));
			json_array_append_new(skipped,
			    json_pack("{s:s, s:s}", "identifier", names[i],
				"reason", sb_str(&why)));
			sb_free(&why);
			sb_reset(err);
		}
		pki_names_free(names);
	}
	/* Junos's XML of `show security pki ca-certificate`:
	 * <x509-pki-certificate-info-list xmlns=...> of <pkid-...> */
	out = json_pack(
	    "{s:{s:{s:s}, s:o}}", list, "@", "xmlns", PKI_XMLNS, item, arr);
	if (json_array_size(skipped) > 0)
		json_object_set(json_object_get(out, list), "skipped", skipped);
	json_decref(skipped);
	return out;
fail:
	pki_names_free(names);
	json_decref(arr);
	json_decref(skipped);
	return NULL;
}

json_t *
pki_rpc_show_local(struct pki_store *st, const json_t *in, struct sb *err)
{
	return show_list(st, in, "certificate-id", PKI_KIND_CERT,
	    SHOW_CERT_LIST, SHOW_CERT_ITEM, show_local_one, err);
}

json_t *
pki_rpc_show_ca(struct pki_store *st, const json_t *in, struct sb *err)
{
	return show_list(st, in, "ca-profile", PKI_KIND_CA, SHOW_CERT_LIST,
	    SHOW_CERT_ITEM, show_ca_one, err);
}

json_t *
pki_rpc_show_request(struct pki_store *st, const json_t *in, struct sb *err)
{
	return show_list(st, in, "certificate-id", PKI_KIND_REQ,
	    "certificate-request-list", "certificate-request", show_request_one,
	    err);
}
