/*
 * validate: the commit-time checks that the schema alone cannot make while an
 * operator types — cross-references (qc:ref), mandatory statements and
 * max-elements — looking only at what a diff says changed.
 */
#ifndef QSAFE_VALIDATE_H
#define QSAFE_VALIDATE_H

#include "lib/sb.h"
#include "schema/conf.h"
#include "schema/conf_diff.h"

struct verr {
	char *edit;   /* "[edit security ike gateway GW]" */
	char *stmt;   /* "ike-policy P" */
	char *msg;    /* "Referenced ike policy 'P' is not defined" */
	bool missing; /* a missing mandatory statement */
};

struct verrs {
	struct verr *v;
	size_t n;
};

/* Checks the new tree where d says it changed; appends to errs. */
void validate_diff(struct conf *new, const struct diff *d, struct verrs *errs);
/* Checks a whole tree. */
void validate_all(struct conf *c, struct verrs *errs);

void verrs_add(struct verrs *e, const char *edit, const char *stmt,
    const char *msg, bool missing);
/* The Junos error block; final line `error: configuration check-out failed`
 * (commit_word "commit" and missing statements: `error: commit failed: ...`).
 */
void verrs_text(const struct verrs *e, bool is_commit, struct sb *out);
void verrs_free(struct verrs *e);

#endif
