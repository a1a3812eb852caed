/*
 * edit: the configuration-editing commands applied to a tree — set, delete,
 * deactivate, activate, annotate, insert, rename, copy.  One code path for
 * what an operator types, for `load set` files, for replaying the candidate
 * journal and generation deltas from the store, and for the changes mgd sends
 * the daemons.
 */
#ifndef QSAFE_EDIT_H
#define QSAFE_EDIT_H

#include "schema/conf.h"
#include "schema/lex.h"
#include "schema/path.h"

/* True when word is one of the editing commands. */
bool edit_is_command(const char *word);

/*
 * Applies the command in tk[pos ...] (tk[pos] is the command word) at edit
 * level `level` (NULL: the top).  0 on success (a warning such as "warning:
 * statement not found" may be appended to warn), -1 with err filled.
 * On error the tree is unchanged.
 */
int edit_apply(struct conf *c, const struct cpath *level, const struct toks *tk,
    size_t pos, struct path_err *err, struct sb *warn);

/* Convenience: lexes and applies one line. */
int edit_apply_line(struct conf *c, const struct cpath *level, const char *line,
    struct path_err *err, struct sb *warn);

/*
 * Applies a text of lines (a `load set` file, a journal, a delta).  Nothing
 * is applied unless every line is good: on the first bad line returns -1 with
 * *bad_line (1-based) set and err filled; c is unchanged.
 */
int edit_apply_text(struct conf *c, const struct cpath *level, const char *text,
    size_t len, struct path_err *err, size_t *bad_line, struct sb *warn);

/*
 * Applies lines in place, without the all-or-nothing copy: for lines mgd
 * wrote itself (a stored delta, the journal), or for a tree that is already
 * a copy.  -1 on a bad line (a bug or a damaged store), with err and
 * *bad_line filled; c may then be half-changed.  warn may be NULL.
 */
int edit_apply_trusted(struct conf *c, const struct cpath *level,
    const char *text, size_t len, struct path_err *err, size_t *bad_line,
    struct sb *warn);

/*
 * Applies a change mgd sent a daemon (proto/link.c: a delta or a whole
 * configuration in `set` form, at the top level), in place.  mgd checked
 * every value of it and wrote every line: the values are taken as they
 * stand (no type or pattern check, a $9$ secret not decoded), so a line
 * costs its look-ups and its nodes.  -1 on a bad line (a bug in mgd), with
 * err and *bad_line filled; c may then be half-changed.
 */
int edit_apply_delta(struct conf *c, const char *text, size_t len,
    struct path_err *err, size_t *bad_line);

/*
 * For a `load` text: edit_apply_trusted, and the text as
 * edit_hide_secrets_text writes it, from the same parse of each line.
 * 1: hidden has that text (a typed secret was put in $9$ form, or a
 * byte-order mark dropped); 0: the text is its own hidden form, and
 * hidden was left as it was; -1 at the first bad line (*bad_line, err), c
 * then half-changed and hidden partly written.
 */
int edit_apply_hiding(struct conf *c, const struct cpath *level,
    const char *text, size_t len, struct sb *hidden, struct path_err *err,
    size_t *bad_line, struct sb *warn);

/*
 * Replaces in tk[pos ...] (tk[pos] is the command word) every word that is
 * the value of a secret leaf by the $9$ form the tree would store (schema
 * `qc:secret`), wiping the typed word.  Done before a line is applied and
 * journalled, so the tree, the journal and the store hold one and the same
 * $9$ text and never the typed secret.  Word indices do not change.  Returns
 * the number of words replaced; a line that does not parse is left alone
 * (edit_apply then reports it).
 */
size_t edit_hide_secrets(
    struct conf *c, const struct cpath *level, struct toks *tk, size_t pos);

/*
 * The same for a text of lines (a `load` text in set form): writes to out
 * the text with each line holding a typed secret rewritten (its words
 * re-quoted), every other line as it was, so line numbers are kept.
 * Returns the number of secrets replaced.
 */
size_t edit_hide_secrets_text(struct conf *c, const struct cpath *level,
    const char *text, size_t len, struct sb *out);

#endif
