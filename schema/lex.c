/*
 * lex: command-line words (see lex.h).
 */
#include <stdlib.h>
#include <string.h>

#include "schema/lex.h"

bool
lex_is_clean_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
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

static void
toks_push(struct toks *tk, struct sb *w, size_t off, bool quoted)
{
	/* Doubles at 0, 8, 16, 32...: the capacity follows from n alone. */
	if (tk->n == 0 || (tk->n >= 8 && (tk->n & (tk->n - 1)) == 0))
		tk->t =
		    xrealloc(tk->t, (tk->n ? tk->n * 2 : 8) * sizeof(*tk->t));
	tk->t[tk->n].s = sb_steal(w);
	tk->t[tk->n].off = off;
	tk->t[tk->n].quoted = quoted;
	tk->n++;
}

void
toks_free(struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		free(tk->t[i].s);
	free(tk->t);
	tk->t = NULL;
	tk->n = 0;
}

int
lex_line(const char *line, size_t len, struct toks *out, struct sb *err,
    size_t *erroff)
{
	struct sb w;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->end = len;
	*erroff = 0;
	if (len > LEX_MAX_LINE) {
		sb_printf(
		    err, "line too long (more than %d bytes)", LEX_MAX_LINE);
		return -1;
	}
	if (!lex_is_clean_utf8(line, len)) {
		sb_puts(err, "invalid character (not UTF-8 text)");
		return -1;
	}
	sb_init(&w);
	while (i < len) {
		char c = line[i];
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (out->n >= LEX_MAX_WORDS) {
			sb_printf(err, "too many words (more than %d)",
			    LEX_MAX_WORDS);
			*erroff = i;
			goto fail;
		}
		size_t start = i;
		if (c == '|' || c == '[' || c == ']') {
			sb_putc(&w, c);
			toks_push(out, &w, start, false);
			i++;
			continue;
		}
		bool quoted = false;
		while (i < len && line[i] != ' ' && line[i] != '\t' &&
		    !(line[i] == '|' && !quoted) &&
		    !((line[i] == ']') && !quoted && w.len > 0)) {
			if (line[i] == '"') {
				quoted = true;
				i++;
				while (i < len && line[i] != '"') {
					if (line[i] == '\\' && i + 1 < len)
						i++;
					sb_putc(&w, line[i]);
					i++;
				}
				if (i >= len) {
					sb_puts(err, "unbalanced quotes");
					*erroff = start;
					goto fail;
				}
				i++; /* the closing quote */
				continue;
			}
			sb_putc(&w, line[i]);
			i++;
		}
		if (w.len > LEX_MAX_WORD) {
			sb_printf(err, "word too long (more than %d bytes)",
			    LEX_MAX_WORD);
			*erroff = start;
			goto fail;
		}
		toks_push(out, &w, start, quoted);
	}
	sb_free(&w);
	return 0;
fail:
	sb_free(&w);
	toks_free(out);
	return -1;
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

bool
lex_needs_quotes(const char *s)
{
	size_t len = strlen(s);

	if (*s == '\0')
		return true;
	/* A group's wildcard name is printed bare: `<ge-*>`. */
	if (len >= 3 && s[0] == '<' && s[len - 1] == '>' &&
	    strcspn(s, " \t\"\\;{}[]|#'") == len)
		return false;
	/* A table look-up per byte: `display set` asks for every word. */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (lex_special[*p])
			return true;
	return false;
}

void
lex_quote(struct sb *out, const char *s)
{
	if (!lex_needs_quotes(s)) {
		sb_puts(out, s);
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
