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
conf_pki(const struct cnode *root)
{
	return cnode_child(cnode_child(root, "security"), "pki");
}

static enum pki_revocation
conf_revocation(const struct cnode *rc)
{
	if (cnode_child(rc, "use-ocsp") != NULL)
		return PKI_REVOCATION_OCSP;
	if (cnode_child(rc, "disable") != NULL)
		return PKI_REVOCATION_DISABLE;
	if (cnode_child(rc, "use-crl") != NULL ||
	    cnode_child(rc, "crl") != NULL)
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
		const struct cnode *rc = cnode_child(p, "revocation-check");

		if (strcmp(p->sn->name, "ca-profile") != 0 ||
		    cnode_is_inactive(p))
			continue;
		v = xrealloc(v, (k + 1) * sizeof(*v));
		memset(&v[k], 0, sizeof(v[k]));
		v[k].name = p->val;
		v[k].ca_identity = cnode_child_val(p, "ca-identity");
		v[k].revocation = conf_revocation(rc);
		/* `crl url U` is a list; its entry's value is U. */
		v[k].crl_url = cnode_child_val(cnode_child(rc, "crl"), "url");
		v[k].enrollment_url =
		    cnode_child_val(cnode_child(p, "enrollment"), "url");
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
		const struct cnode *rc = cnode_child(p, "revocation-check");
		struct sb edit;

		if (strcmp(p->sn->name, "ca-profile") != 0 ||
		    cnode_is_inactive(p) || cnode_child(rc, "use-ocsp") == NULL)
			continue;
		sb_init(&edit);
		sb_puts(&edit, "[edit ");
		cnode_path_text(rc, &edit);
		sb_putc(&edit, ']');
		verrs_add(errs, sb_str(&edit), "use-ocsp",
		    "OCSP is not "
		    "supported: use revocation-check use-crl (with `request "
		    "security pki crl load`) or disable",
		    false);
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
