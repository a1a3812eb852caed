/*
 * edit_int: what the files of the editing commands share (edit.c: the
 * commands; edit_lines.c: a text of lines, each going on from the line
 * before: the daemons' parse of mgd's change, mgd's parse of a `load`).
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
 * Applies the command of the words tk (tk->t[0] the command word) at edit
 * level `level` (NULL: the top), values read as how says; with nhidden,
 * each word that the line gives a secret leaf becomes its $9$ form in tk
 * and *nhidden counts them.  0, or -1 with err filled.
 */
int edit_apply_tk(struct conf *c, const struct cpath *level, struct toks *tk,
    struct path_err *err, struct sb *warn, size_t *nhidden,
    const struct path_how *how);

/*
 * Parses the statement path of words tk[from..to) at edit level `level`
 * into out (the level's steps first): every word must be used.  0, or -1
 * with err filled.
 */
int edit_parse(struct conf *c, const struct cpath *level, const struct toks *tk,
    size_t from, size_t to, enum path_mode mode, const struct path_how *how,
    struct cpath *out, struct path_err *err);

/*
 * The words of tk that p (parsed from them) holds as secret values, replaced
 * by the $9$ form p holds (edit_hide_secrets).  Returns how many.
 */
size_t edit_hide_path(const struct cpath *p, struct toks *tk);

#endif
