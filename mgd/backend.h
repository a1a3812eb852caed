/*
 * backend: the daemons side of mgd (iked, keymgr).  Each daemon takes part in
 * the two-phase commit: check the change to its subtree, then apply it.
 */
#ifndef QSAFE_BACKEND_H
#define QSAFE_BACKEND_H

#include "schema/conf_diff.h"
#include "schema/validate.h"

struct mgd;
struct backend;

struct backend *backend_new(struct mgd *m);
void backend_free(struct backend *b);
/* Phase one: every connected daemon checks its part; errors appended. */
void backend_check(struct backend *b, const struct diff *d, struct verrs *errs);
/* Phase two: daemons apply the change (they may not refuse). */
void backend_apply(struct backend *b, const struct diff *d);

#endif
