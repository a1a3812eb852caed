/*
 * input: command sources for the batch cli (-c, -f, stdin); see input.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/input.h"
#include "lib/sb.h"

struct input {
	char **items; /* -c: the split pieces */
	size_t nitems;
	size_t next;
	FILE *fp;   /* -f / stdin */
	char *line; /* getline buffer */
	size_t linecap;
	char *cur; /* the last command, trimmed */
};

static bool
input_is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

char *
input_trim(const char *s, size_t n)
{
	while (n > 0 && input_is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && input_is_blank((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

char *
input_trim_typed(const char *s, size_t n)
{
	while (n > 0 && input_is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return xstrndup(s, n);
}

size_t
input_split(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *start = s, *p;
	char quote = 0;

	for (p = s;; p++) {
		if (*p == '\0' || (*p == ';' && quote == 0)) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = input_trim(start, (size_t)(p - start));
			if (*p == '\0')
				break;
			start = p + 1;
		} else if (quote == '"' && *p == '\\' && p[1] != '\0') {
			p++;
		} else if (quote != 0 && *p == quote) {
			quote = 0;
		} else if (quote == 0 && (*p == '"' || *p == '\'')) {
			quote = *p;
		}
	}
	*out = v;
	return n;
}

void
input_split_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct input *
input_new_string(const char *s)
{
	struct input *in = xcalloc(1, sizeof(*in));

	in->nitems = input_split(s, &in->items);
	return in;
}

struct input *
input_new_file(FILE *fp)
{
	struct input *in = xcalloc(1, sizeof(*in));

	in->fp = fp;
	return in;
}

void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	input_split_free(in->items, in->nitems);
	free(in->line);
	free(in->cur);
	free(in);
}

const char *
input_next_raw(struct input *in)
{
	ssize_t n;

	if (in->fp == NULL) {
		if (in->next >= in->nitems)
			return NULL;
		return in->items[in->next++];
	}
	n = getline(&in->line, &in->linecap, in->fp);
	if (n < 0)
		return NULL;
	while (n > 0 && (in->line[n - 1] == '\n' || in->line[n - 1] == '\r'))
		in->line[--n] = '\0';
	return in->line;
}

const char *
input_next_line(struct input *in)
{
	const char *raw;

	while ((raw = input_next_raw(in)) != NULL) {
		free(in->cur);
		/* --echo shows the line as typed, trailing blanks included:
		 * they move the caret (as Junos places it) */
		in->cur = input_trim_typed(raw, strlen(raw));
		if (in->cur[0] != '#')
			return in->cur;
	}
	return NULL;
}

const char *
input_next_command(struct input *in)
{
	const char *raw;

	while ((raw = input_next_raw(in)) != NULL) {
		free(in->cur);
		in->cur = input_trim(raw, strlen(raw));
		if (in->cur[0] != '\0' && in->cur[0] != '#')
			return in->cur;
	}
	return NULL;
}
