/*
 * lex: splits one command line into words, the way the Junos CLI does:
 * white space separates, double quotes group (with \" and \\ escapes), an
 * unquoted `|` is a word of its own (pipes), `[` and `]` are words (leaf-list
 * values).  Untrusted input: the line length, the word length and the number
 * of words are bounded, and the bytes must be UTF-8 without control characters.
 */
#ifndef QSAFE_LEX_H
#define QSAFE_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/sb.h"

#define LEX_MAX_LINE 65536
#define LEX_MAX_WORD 4096
#define LEX_MAX_WORDS 1024

struct tok {
	char *s;    /* the word, quotes removed */
	size_t off; /* byte offset in the line (for the caret) */
	bool quoted;
	bool own; /* a pooled toks' word put apart (toks_set_word): freed
		     with the toks */
};

struct toks {
	struct tok *t;
	size_t n;
	size_t end; /* length of the line (caret for "missing") */
	/* lex_line_pooled only: every word in one buffer, kept between
	 * lines with the word array (cap entries) */
	char *pool;
	size_t pool_size, cap;
};

/*
 * Fills out (caller frees with toks_free).  0, or -1 with the message in err
 * and the byte offset of the problem in *erroff.
 */
int lex_line(const char *line, size_t len, struct toks *out, struct sb *err,
    size_t *erroff);
void toks_free(struct toks *tk);

/*
 * lex_line for many lines in a row (edit_apply_delta): the words go into
 * one buffer, and out's buffer and word array are reused from the line
 * before (start with a zeroed out; toks_free at the end).  The words of
 * such a toks are not to be freed or replaced one by one.
 */
int lex_line_pooled(const char *line, size_t len, struct toks *out,
    struct sb *err, size_t *erroff);

/*
 * Replaces word i of tk by a copy of s, the old word wiped (it may be a
 * typed secret: edit_hide_secrets); for a pooled toks too.
 */
void toks_set_word(struct toks *tk, size_t i, const char *s);

/* True when s is valid UTF-8 with no control characters but tab. */
bool lex_is_clean_utf8(const char *s, size_t len);

/* Appends s to out, quoted as the CLI needs it (spaces, quotes, ; { } ...). */
void lex_quote(struct sb *out, const char *s);
/* True when lex_quote would add quotes. */
bool lex_needs_quotes(const char *s);

#endif
