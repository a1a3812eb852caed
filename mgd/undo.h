/*
 * undo: how to take back the `set` lines of a `load` applied to a
 * candidate in place (mgd/cmd_load.c), so that a bad line leaves the
 * candidate as it was without a copy of the whole tree beforehand.
 *
 * Before each line is applied, undo_line reads it and records, against
 * the tree as it is then, what the line will change: each node it will
 * create under a node that exists (taken back by removing it, with all
 * the line made below it) and each leaf whose value it will replace
 * (taken back by setting the old value).  Lines an undo record cannot
 * describe exactly (not `set`, a statement that would displace an
 * existing one of another case of a choice, a line that does not parse)
 * are refused, and the caller takes the copying path instead.
 */
#ifndef QSAFE_MGD_UNDO_H
#define QSAFE_MGD_UNDO_H

#include <stddef.h>

#include "schema/conf.h"
#include "schema/path.h"

struct undo;

/* An empty record of changes to c; caller frees with undo_free. */
struct undo *undo_new(struct conf *c);
/* Wipes the old values it kept (a leaf's value may be a $9$ secret). */
void undo_free(struct undo *u);

/*
 * Records how to take back one line of a set-form text (len bytes, no
 * end of line needed; blanks, comments, a CR and a byte-order mark are
 * skipped as edit_apply_text skips them), at edit level `level` (NULL:
 * the top), before it is applied.  0, or -1 when the line is not one
 * undo can take back exactly: nothing is recorded for it then.
 */
int undo_line(
    struct undo *u, const struct cpath *level, const char *line, size_t len);

/*
 * Takes back every line recorded, newest first: c is then as it was at
 * undo_new (contents, order, `## Last changed`); nodes it touched keep a
 * dirty mark.  The record is emptied.
 */
void undo_rollback(struct undo *u);

#endif
