/*
 * conf_load: turns a configuration file in either Junos form — `set` lines or
 * the curly-brace text that `show` and `save` write — into `set` lines, so
 * that `load` has one way to apply anything (schema/edit.c).
 */
#ifndef QSAFE_CONF_LOAD_H
#define QSAFE_CONF_LOAD_H

#include <stddef.h>

#include "lib/sb.h"
#include "schema/path.h"

/*
 * Appends the set lines for text to out.  *linemap (caller frees) gets, for
 * each output line (1-based index), the input line it came from.  0, or -1
 * with err and *bad_line (an input line) filled.
 */
int conf_text_to_set(const char *text, size_t len, struct sb *out,
    size_t **linemap, struct path_err *err, size_t *bad_line);

#endif
