/*
 * edit_int: what the files of the editing commands share (edit.c: the
 * commands; edit_delta.c: the daemons' parse of the change mgd sends them).
 */
#ifndef QSAFE_EDIT_INT_H
#define QSAFE_EDIT_INT_H

#include <stddef.h>

#include "schema/edit.h"

/*
 * Calls fn for each command line of text (comments, blanks, CR, a leading
 * byte-order mark skipped), given without its line end; *lineno is the
 * 1-based number of the last line read.  -1 as soon as fn returns -1.
 */
int edit_each_line(const char *text, size_t len, size_t *lineno,
    int (*fn)(void *arg, const char *line, size_t len), void *arg);

/* Sizes c's table of entries for a text of lines about to be applied. */
void edit_reserve(struct conf *c, const char *text, size_t len);

/*
 * Applies the command of the words tk (a line mgd wrote, at the top level:
 * path_parse_trusted).  0, or -1 with err filled.
 */
int edit_apply_tk_trusted(
    struct conf *c, const struct toks *tk, struct path_err *err);

#endif
