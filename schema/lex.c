/*
 * lex: command-line words (see lex.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "schema/lex.h"

/* Bytes repeated over a 64-bit word (lex_is_clean_utf8). */
#define LEX_ONES 0x0101010101010101ULL
#define LEX_TOPS 0x8080808080808080ULL
#define LEX_LOW7 0x7f7f7f7f7f7f7f7fULL
#define LEX_SPACES (0x20 * LEX_ONES)

bool
lex_is_clean_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		/* Eight printable ASCII bytes at once: no byte with its top
		 * bit set, below 0x20, or 0x7f (0x7f + 1 sets the top bit). */
		if (i + 8 <= len) {
			uint64_t x;
			memcpy(&x, p + i, 8);
			if (((x | ((x & LEX_LOW7) + LEX_ONES) |
				 (x - LEX_SPACES)) &
				LEX_TOPS) == 0) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			n = 1;
		else if ((c & 0xf0) == 0xe0)
			n = 2;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		for (size_t k = 1; k <= n; k++)
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return false;
		/* RFC 3629 4: no over-long forms, surrogates or > U+10FFFF. */
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return false;
		i += n + 1;
	}
	return true;
}

/* The bytes that end a run of plain bytes in a word (lex_word). */
static const bool lex_stop[256] = {
	[' '] = true,
	['\t'] = true,
	['"'] = true,
	['|'] = true,
	[']'] = true,
};

/* Room for one more word in tk->t. */
static void
toks_grow(struct toks *tk)
{
	if (tk->n < tk->cap)
		return;
	tk->cap = tk->cap ? tk->cap * 2 : 8;
	tk->t = xrealloc(tk->t, tk->cap * sizeof(*tk->t));
}

/*
 * Appends the word w[0..len) to tk: a copy of its own, or for a pooled
 * toks the word as it was written in the pool (w is there already).
 */
static void
toks_push(struct toks *tk, char *w, size_t len, size_t off, bool quoted)
{
	char *s;

	toks_grow(tk);
	if (tk->pool != NULL) {
		s = w;
	} else {
		s = xmalloc(len + 1);
		memcpy(s, w, len);
	}
	s[len] = '\0';
	tk->t[tk->n].s = s;
	tk->t[tk->n].off = off;
	tk->t[tk->n].quoted = quoted;
	tk->t[tk->n].own = false;
	tk->n++;
}

void
toks_set_word(struct toks *tk, size_t i, const char *s)
{
	struct tok *t = &tk->t[i];

	OPENSSL_cleanse(t->s, strlen(t->s));
	if (tk->pool == NULL || t->own)
		free(t->s);
	t->s = xstrdup(s);
	t->own = tk->pool != NULL;
}

/* Frees the words of a pooled toks put apart (toks_set_word). */
static void
toks_free_own(struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		if (tk->t[i].own) {
			OPENSSL_cleanse(tk->t[i].s, strlen(tk->t[i].s));
			free(tk->t[i].s);
			tk->t[i].own = false;
		}
}

void
toks_free(struct toks *tk)
{
	/* A word may be a typed secret (edit_hide_secrets replaces those it
	 * knows; this covers a line freed before or without it). */
	if (tk->pool == NULL)
		for (size_t i = 0; i < tk->n; i++) {
			OPENSSL_cleanse(tk->t[i].s, strlen(tk->t[i].s));
			free(tk->t[i].s);
		}
	if (tk->pool != NULL) {
		toks_free_own(tk);
		OPENSSL_cleanse(tk->pool, tk->pool_size);
	}
	free(tk->pool);
	free(tk->t);
	tk->t = NULL;
	tk->pool = NULL;
	tk->n = tk->cap = tk->pool_size = 0;
}

/*
 * Reads the word at line[*i] into w (room for the rest of the line) and
 * sets *wlen and *quoted; -1 at unbalanced quotes.  A run of plain bytes
 * is copied at once: most words have no quotes.
 */
static int
lex_word(const char *line, size_t len, size_t *i, char *w, size_t *wlen,
    bool *quoted)
{
	size_t j = *i, n = 0;

	*quoted = false;
	while (j < len) {
		size_t run = j;
		/* Up to a blank, a quote, a pipe or a closing bracket. */
		while (run < len && !lex_stop[(unsigned char)line[run]])
			run++;
		memcpy(w + n, line + j, run - j);
		n += run - j;
		j = run;
		if (j >= len || line[j] == ' ' || line[j] == '\t')
			break;
		if (line[j] == '|' && !*quoted)
			break;
		/* `]` ends a word that has begun: `[ a b]` */
		if (line[j] == ']' && !*quoted && n > 0)
			break;
		if (line[j] != '"') {
			w[n++] = line[j++]; /* quoted `|`, or a leading `]` */
			continue;
		}
		*quoted = true;
		j++;
		while (j < len && line[j] != '"') {
			if (line[j] == '\\' && j + 1 < len)
				j++;
			w[n++] = line[j++];
		}
		if (j >= len)
			return -1;
		j++; /* the closing quote */
	}
	*i = j;
	*wlen = n;
	return 0;
}

/*
 * Splits line into out's words.  Without a pool each word is copied out of
 * the scratch buffer w; with one, words are written one after the other
 * into out->pool (each word and its NUL fit in the line's bytes plus one
 * per word: 2 * len + 1 bytes in all).
 */
static int
lex_split(const char *line, size_t len, struct toks *out, char *w,
    struct sb *err, size_t *erroff)
{
	size_t i = 0;

	while (i < len) {
		char c = line[i];
		size_t start = i, wlen;
		bool quoted;
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (out->n >= LEX_MAX_WORDS) {
			sb_printf(err, "too many words (more than %d)",
			    LEX_MAX_WORDS);
			*erroff = i;
			return -1;
		}
		if (c == '|' || c == '[' || c == ']') {
			w[0] = c;
			toks_push(out, w, 1, start, false);
			w += out->pool ? 2 : 0;
			i++;
			continue;
		}
		if (lex_word(line, len, &i, w, &wlen, &quoted) == -1) {
			sb_puts(err, "unbalanced quotes");
			*erroff = start;
			return -1;
		}
		if (wlen > LEX_MAX_WORD) {
			sb_printf(err, "word too long (more than %d bytes)",
			    LEX_MAX_WORD);
			*erroff = start;
			return -1;
		}
		toks_push(out, w, wlen, start, quoted);
		w += out->pool ? wlen + 1 : 0;
	}
	return 0;
}

/* The checks lex_line makes of the whole line before it splits it. */
static int
lex_check(const char *line, size_t len, struct sb *err)
{
	if (len > LEX_MAX_LINE) {
		sb_printf(
		    err, "line too long (more than %d bytes)", LEX_MAX_LINE);
		return -1;
	}
	if (!lex_is_clean_utf8(line, len)) {
		sb_puts(err, "invalid character (not UTF-8 text)");
		return -1;
	}
	return 0;
}

int
lex_line(const char *line, size_t len, struct toks *out, struct sb *err,
    size_t *erroff)
{
	char *w;
	int rc;

	memset(out, 0, sizeof(out[0]));
	out->end = len;
	*erroff = 0;
	if (lex_check(line, len, err) == -1)
		return -1;
	/* A word is never longer than the line it comes from. */
	w = xmalloc(len + 1);
	rc = lex_split(line, len, out, w, err, erroff);
	OPENSSL_cleanse(w, len + 1); /* its last word may be a secret */
	free(w);
	if (rc == -1)
		toks_free(out);
	return rc;
}

int
lex_line_pooled(const char *line, size_t len, struct toks *out, struct sb *err,
    size_t *erroff)
{
	toks_free_own(out);
	out->n = 0;
	out->end = len;
	*erroff = 0;
	if (lex_check(line, len, err) == -1)
		return -1;
	if (out->pool == NULL || out->pool_size < 2 * len + 2) {
		if (out->pool != NULL)
			OPENSSL_cleanse(out->pool, out->pool_size);
		free(out->pool);
		out->pool_size = 2 * len + 2 > 256 ? 2 * len + 2 : 256;
		out->pool = xmalloc(out->pool_size);
	}
	if (lex_split(line, len, out, out->pool, err, erroff) == -1) {
		out->n = 0;
		return -1;
	}
	return 0;
}

/* The bytes that make a word need quotes: space, tab and \";{}[]|#'()&<>!* */
static const bool lex_special[256] = {
	[' '] = true,
	['\t'] = true,
	['"'] = true,
	['\\'] = true,
	[';'] = true,
	['{'] = true,
	['}'] = true,
	['['] = true,
	[']'] = true,
	['|'] = true,
	['#'] = true,
	['\''] = true,
	['('] = true,
	[')'] = true,
	['&'] = true,
	['<'] = true,
	['>'] = true,
	['!'] = true,
	['*'] = true,
};

/* Whether s needs quotes, from one pass that also gives its length. */
static bool
lex_scan(const char *s, size_t *lenp)
{
	const unsigned char *p = (const unsigned char *)s;
	bool special = false;
	size_t len;

	/* A table look-up per byte: `display set` asks for every word. */
	for (; *p; p++)
		special |= lex_special[*p];
	len = (size_t)((const char *)p - s);
	*lenp = len;
	if (len == 0)
		return true;
	/* A group's wildcard name is printed bare: `<ge-*>`. */
	if (special && len >= 3 && s[0] == '<' && s[len - 1] == '>' &&
	    strcspn(s, " \t\"\\;{}[]|#'") == len)
		return false;
	return special;
}

bool
lex_needs_quotes(const char *s)
{
	size_t len;

	return lex_scan(s, &len);
}

void
lex_quote(struct sb *out, const char *s)
{
	size_t len;

	if (!lex_scan(s, &len)) {
		sb_add(out, s, len);
		return;
	}
	sb_putc(out, '"');
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_putc(out, '\\');
		sb_putc(out, *p);
	}
	sb_putc(out, '"');
}
