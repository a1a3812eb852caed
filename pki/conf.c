/*
 * conf: `security pki ca-profile P { ... }` into struct pki_ca_profile, the
 * one reading of that configuration (pki_conf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "pki/pki_conf.h"
#include "schema/path.h"

static const struct cnode *
conf_child(const struct cnode *n, const char *name)
{
	for (const struct cnode *c = n ? n->first : NULL; c; c = c->next)
		if (strcmp(c->sn->name, name) == 0 && !(c->flags & CN_INACTIVE))
			return c;
	return NULL;
}

static const char *
conf_val(const struct cnode *n, const char *name)
{
	const struct cnode *c = conf_child(n, name);

	return c ? c->val : NULL;
}

static const struct cnode *
conf_pki(const struct cnode *root)
{
	return conf_child(conf_child(root, "security"), "pki");
}

static enum pki_revocation
conf_revocation(const struct cnode *rc)
{
	if (conf_child(rc, "use-ocsp") != NULL)
		return PKI_REVOCATION_OCSP;
	if (conf_child(rc, "disable") != NULL)
		return PKI_REVOCATION_DISABLE;
	if (conf_child(rc, "use-crl") != NULL || conf_child(rc, "crl") != NULL)
		return PKI_REVOCATION_CRL;
	return PKI_REVOCATION_DISABLE;
}

struct pki_ca_profile *
pki_conf_ca_profiles(const struct cnode *root, size_t *n)
{
	const struct cnode *pki = conf_pki(root);
	struct pki_ca_profile *v = NULL;
	size_t k = 0;

	for (const struct cnode *p = pki ? pki->first : NULL; p; p = p->next) {
		const struct cnode *rc = conf_child(p, "revocation-check");

		if (strcmp(p->sn->name, "ca-profile") != 0 ||
		    cnode_is_inactive(p))
			continue;
		v = xrealloc(v, (k + 1) * sizeof(*v));
		memset(&v[k], 0, sizeof(v[k]));
		v[k].name = p->val;
		v[k].ca_identity = conf_val(p, "ca-identity");
		v[k].revocation = conf_revocation(rc);
		/* `crl url U` is a list; its entry's value is U. */
		v[k].crl_url = conf_val(conf_child(rc, "crl"), "url");
		v[k].enrollment_url = conf_val(conf_child(p, "enrollment"),
		    "url");
		k++;
	}
	*n = k;
	return v;
}

void
pki_conf_check(const struct cnode *root, struct verrs *errs)
{
	const struct cnode *pki = conf_pki(root);

	for (const struct cnode *p = pki ? pki->first : NULL; p; p = p->next) {
		const struct cnode *rc = conf_child(p, "revocation-check");
		struct sb edit;

		if (strcmp(p->sn->name, "ca-profile") != 0 ||
		    cnode_is_inactive(p) || conf_child(rc, "use-ocsp") == NULL)
			continue;
		sb_init(&edit);
		sb_puts(&edit, "[edit ");
		cnode_path_text(rc, &edit);
		sb_putc(&edit, ']');
		verrs_add(errs, sb_str(&edit), "use-ocsp", "OCSP is not "
		    "supported: use revocation-check use-crl (with `request "
		    "security pki crl load`) or disable", false);
		sb_free(&edit);
	}
}

void
pki_conf_sync(struct pki_store *st, const struct cnode *root)
{
	size_t n;
	struct pki_ca_profile *v = pki_conf_ca_profiles(root, &n);

	(void)pki_store_set_ca_profiles(st, v, n);
	free(v);
}
