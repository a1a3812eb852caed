/*
 * backend_part: the part of the configuration each daemon is sent (its
 * subtrees, mgd/backend.c daemon_defs): the whole of it when it starts, a
 * commit's change to it at each check.  iked's part of security policies
 * is its view (schema/delta_view.h): the tunnel policies only.
 */
#include <string.h>

#include "mgd/backend_int.h"
#include "mgd/mgd.h"
#include "schema/conf_diff.h"
#include "schema/conf_text.h"
#include "schema/delta_view.h"
#include "schema/path.h"

/* The daemon's subtrees of c as set lines. */
static void
backend_part_text(
    struct mgd *m, struct conf *c, const struct daemon_def *def, struct sb *out)
{
	for (size_t i = 0; i < def->nsubtrees; i++) {
		struct toks tk;
		struct path_err err;
		struct cpath p;
		struct sb e;
		size_t off, pos = 0;
		sb_init(&e);
		if (lex_line(def->subtrees[i], strlen(def->subtrees[i]), &tk,
			&e, &off) == -1) {
			sb_free(&e);
			continue;
		}
		cpath_init(&p);
		sb_init(&err.msg);
		if (path_parse(m->schema, schema_root(m->schema), &tk, &pos,
			PATH_LOOSE, &p, &err) == 0 &&
		    p.n > 0) {
			/* a list without its key (security address-book):
			 * every entry of it, which cpath_find does not name */
			const struct cstep *last = &p.step[p.n - 1];
			bool list = last->val == NULL &&
			    (last->sn->kind == SN_LIST ||
				last->sn->kind == SN_LEAFLIST);
			p.n -= list;
			struct cnode *n = cpath_find(c, &p);
			p.n += list;
			for (const struct cnode *x = list && n ? n->first : n;
			     x != NULL; x = list ? x->next : NULL)
				if (!list || x->sn == last->sn)
					conf_text_set(x, out);
		}
		sb_free(&err.msg);
		sb_free(&e);
		cpath_free(&p);
		toks_free(&tk);
	}
}

void
backend_part_full(struct mgd *m, const struct daemon_def *def, struct sb *out)
{
	struct conf *c = mgd_running(m);
	struct sb all;

	if (!def->tunnels_only) {
		backend_part_text(m, c, def, out);
		return;
	}
	sb_init(&all);
	backend_part_text(m, c, def, &all);
	delta_view_tunnels(
	    all.buf, all.len, def->subtrees, def->nsubtrees, NULL, c, out);
	sb_free(&all);
}

/*
 * Is every line of the delta under the daemon's subtrees?  Stops at the
 * first that is not (a daemon whose part is small learns it early).
 */
static bool
backend_part_is_all(const struct daemon_def *def, const char *delta, size_t len)
{
	const char *p = delta, *end = delta + len;

	if (len == 0 || end[-1] != '\n')
		return false; /* the filter would end it with one */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)(nl - p);
		if (!diff_line_concerns(p, l, def->subtrees, def->nsubtrees))
			return false;
		p = nl + 1;
	}
	return true;
}

bool
backend_part_whole(const struct daemon_def *def, const char *delta, size_t len)
{
	/* hostd at a first firewall load: the filter's copy would be the
	 * whole 17.5 MB delta again, ~9 new 2 MB pages on the commit's path
	 * (docs/benchmarks.md, twenty-fifth round) */
	return !def->tunnels_only && backend_part_is_all(def, delta, len);
}

void
backend_part_delta(const struct daemon_def *def, const char *delta, size_t len,
    struct conf *old, struct conf *new, struct sb *out)
{
	if (def->tunnels_only)
		delta_view_tunnels(
		    delta, len, def->subtrees, def->nsubtrees, old, new, out);
	else
		diff_delta_filter(
		    delta, len, def->subtrees, def->nsubtrees, out);
}
