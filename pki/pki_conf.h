/*
 * pki_conf: the `security pki` configuration as the pki library takes it.
 * mgd and every daemon that gets the subtree (keymgr, iked) read CA
 * profiles only through here, so they all mean the same thing by one.
 */
#ifndef QSAFE_PKI_CONF_H
#define QSAFE_PKI_CONF_H

#include <stddef.h>

#include "pki/pki.h"
#include "schema/conf.h"
#include "schema/validate.h"

/*
 * The active ca-profiles below root (a configuration tree's root): a new
 * array of *n profiles (caller frees the array; its strings are borrowed
 * from the tree).  Mapping: ca-identity; revocation-check use-crl or a
 * `crl` block: CRL, use-ocsp: OCSP, disable or nothing: disable; the first
 * `crl url`; `enrollment url`.  NULL when there are none.
 */
struct pki_ca_profile *pki_conf_ca_profiles(
    const struct cnode *root, size_t *n);

/*
 * Commit check: what the library cannot do is refused where it is written
 * (`revocation-check use-ocsp`: OCSP is not supported).  Appends to errs.
 */
void pki_conf_check(const struct cnode *root, struct verrs *errs);

/* Hands root's CA profiles to st (pki_store_set_ca_profiles). */
void pki_conf_sync(struct pki_store *st, const struct cnode *root);

#endif
