/*
 * conf_load: turns a configuration file in either Junos form — `set` lines or
 * the curly-brace text that `show` and `save` write — into `set` lines, so
 * that `load` has one way to apply anything (schema/edit.c).
 */
#ifndef QSAFE_CONF_LOAD_H
#define QSAFE_CONF_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/sb.h"
#include "schema/path.h"

/*
 * Appends the set lines for text to out.  *linemap (caller frees) gets, for
 * each output line (1-based index), the input line it came from; NULL when
 * text is in set form, whose lines are out's one for one.  0, or -1 with
 * err and *bad_line (an input line) filled.
 *
 * With replace (`load replace`), a `replace:` tag before a block deletes
 * what the configuration has there first (a `delete` line before the
 * block's set lines), and before a leaf-list its old values; elsewhere the
 * tag is read and has no effect, as Junos's `load merge` ignores it.
 */
int conf_text_to_set(const char *text, size_t len, bool replace, struct sb *out,
    size_t **linemap, struct path_err *err, size_t *bad_line);

/* True when text is in set form (its first statement's word is a command). */
bool conf_text_is_set(const char *text, size_t len);

/*
 * conf_text_to_set of a text the caller gives up (a `load` file of 13 MB):
 * in set form already, and out empty, it becomes out as it stands, without
 * a copy; otherwise out gets its set lines.  text is left empty, what it
 * held wiped (it may hold typed secrets).
 */
int conf_text_take_set(struct sb *text, bool replace, struct sb *out,
    size_t **linemap, struct path_err *err, size_t *bad_line);

#endif
