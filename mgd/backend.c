/*
 * backend: daemons taking part in the commit.
 *
 * Not done yet: no daemon runs under mgd so far (iked and keymgr come with
 * their own issues).  The two phases are called at the right points of every
 * commit so that adding a daemon means filling these in, not rewiring commit.
 */
#include <stdlib.h>

#include "lib/sb.h"
#include "mgd/backend.h"

struct backend {
	struct mgd *m;
};

struct backend *
backend_new(struct mgd *m)
{
	struct backend *b = xcalloc(1, sizeof(*b));

	b->m = m;
	return b;
}

void
backend_free(struct backend *b)
{
	free(b);
}

void
backend_check(struct backend *b, const struct diff *d, struct verrs *errs)
{
	(void)b;
	(void)d;
	(void)errs;
}

void
backend_apply(struct backend *b, const struct diff *d)
{
	(void)b;
	(void)d;
}
