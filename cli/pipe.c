/*
 * pipe: text pipes applied by the cli to a reply's output (see pipe.h).
 *
 * Lines are what the pipes count and filter; a final line without "\n" is a
 * line too.  Regular expressions are POSIX extended and case-sensitive, so
 * `match "ike|ipsec"` works as on Junos.  `save` writes the text to a file
 * and leaves only `Wrote N lines of output to 'FILE'`.
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/pipe.h"

/* One line of the text being piped: [s, s + len), "\n" excluded. */
struct pipe_line {
	const char *s;
	size_t len;
};

void
pipe_result_init(struct pipe_result *r)
{
	sb_init(&r->text);
	sb_init(&r->notes);
	r->no_more = false;
	r->hold = false;
}

void
pipe_result_free(struct pipe_result *r)
{
	sb_free(&r->text);
	sb_free(&r->notes);
}

/* Splits s into lines; returns a new array, *np its length. */
static struct pipe_line *
pipe_lines(const char *s, size_t *np)
{
	struct pipe_line *v = NULL;
	size_t n = 0, cap = 0;

	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].s = s;
		v[n++].len = len;
		s += len + (nl ? 1 : 0);
	}
	*np = n;
	return v;
}

static void
pipe_put_line(struct sb *out, const struct pipe_line *l)
{
	sb_add(out, l->s, l->len);
	sb_putc(out, '\n');
}

static int
pipe_number(const char *w, const char *name, long *n, struct sb *err)
{
	char *end;

	if (w == NULL) {
		sb_printf(err, "error: '%s' needs a number\n", name);
		return -1;
	}
	errno = 0;
	*n = strtol(w, &end, 10);
	if (errno != 0 || *w == '\0' || *end != '\0' || *n < 0 ||
	    *n > INT_MAX) {
		sb_printf(
		    err, "error: invalid number '%s' for '%s'\n", w, name);
		return -1;
	}
	return 0;
}

/* match (keep = true), except (keep = false), find (from_first = true). */
static int
pipe_regex(const char *name, const char *re, const struct pipe_line *v,
    size_t n, bool keep, bool from_first, struct pipe_result *r, struct sb *out,
    struct sb *err)
{
	regex_t rx;
	size_t i;
	int rc;
	bool found = false;

	if (re == NULL) {
		sb_printf(err, "error: '%s' needs a pattern\n", name);
		return -1;
	}
	rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char buf[128];

		regerror(rc, &rx, buf, sizeof(buf));
		sb_printf(err, "error: invalid regular expression '%s': %s\n",
		    re, buf);
		regfree(&rx);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *line = xstrndup(v[i].s, v[i].len);
		bool m = regexec(&rx, line, 0, NULL, 0) == 0;

		free(line);
		if (from_first) {
			found = found || m;
			if (found)
				pipe_put_line(out, &v[i]);
		} else if (m == keep) {
			pipe_put_line(out, &v[i]);
		}
	}
	if (from_first && !found)
		sb_puts(&r->notes, "Pattern not found\n");
	regfree(&rx);
	return 0;
}

/* save (mode "w"), append ("a"); tee writes and passes the text on. */
static int
pipe_save(const char *name, const char *file, const char *mode, size_t n,
    const char *text, struct sb *out, struct sb *err)
{
	FILE *fp;

	if (file == NULL) {
		sb_printf(err, "error: '%s' needs a file name\n", name);
		return -1;
	}
	fp = fopen(file, mode);
	if (fp == NULL) {
		sb_printf(err, "error: could not open '%s': %s\n", file,
		    strerror(errno));
		return -1;
	}
	fputs(text, fp);
	if (fclose(fp) != 0) {
		sb_printf(err, "error: could not write '%s': %s\n", file,
		    strerror(errno));
		return -1;
	}
	if (strcmp(name, "tee") == 0)
		sb_puts(out, text);
	else
		sb_printf(out, "Wrote %zu lines of output to '%s'\n", n, file);
	return 0;
}

/* A line whose numbers are all zero (and that has one): suppress-zeros. */
static bool
pipe_is_zeros(const struct pipe_line *l)
{
	bool digit = false;

	for (size_t i = 0; i < l->len; i++) {
		if (l->s[i] >= '1' && l->s[i] <= '9')
			return false;
		if (l->s[i] == '0')
			digit = true;
	}
	return digit;
}

/* One pipe: from text to out. */
static int
pipe_one(const json_t *words, const char *text, struct pipe_result *r,
    struct sb *out, struct sb *err)
{
	const char *name = json_string_value(json_array_get(words, 0));
	const char *arg = json_string_value(json_array_get(words, 1));
	struct pipe_line *v;
	size_t n, i;
	long num;
	int rc = -1;

	if (name == NULL) {
		sb_puts(err, "error: malformed pipe from mgd\n");
		return -1;
	}
	v = pipe_lines(text, &n);
	if (strcmp(name, "match") == 0 || strcmp(name, "except") == 0 ||
	    strcmp(name, "find") == 0) {
		rc = pipe_regex(name, arg, v, n, name[0] == 'm', name[0] == 'f',
		    r, out, err);
	} else if (strcmp(name, "count") == 0) {
		sb_printf(out, "Count: %zu lines\n", n);
		rc = 0;
	} else if (strcmp(name, "last") == 0) {
		num = INT_MAX; /* no number: all of it */
		if (arg == NULL ||
		    (rc = pipe_number(arg, name, &num, err)) == 0)
			rc = 0;
		if (rc == 0)
			for (i = n > (size_t)num ? n - (size_t)num : 0; i < n;
			     i++)
				pipe_put_line(out, &v[i]);
	} else if (strcmp(name, "trim") == 0) {
		if ((rc = pipe_number(arg, name, &num, err)) == 0)
			for (i = 0; i < n; i++) {
				size_t cut = v[i].len < (size_t)num
				    ? v[i].len
				    : (size_t)num;
				sb_add(out, v[i].s + cut, v[i].len - cut);
				sb_putc(out, '\n');
			}
	} else if (strcmp(name, "save") == 0 || strcmp(name, "append") == 0) {
		rc = pipe_save(
		    name, arg, name[0] == 's' ? "w" : "a", n, text, out, err);
		r->no_more = true;
	} else if (strcmp(name, "tee") == 0) {
		rc = pipe_save(name, arg, "w", n, text, out, err);
	} else if (strcmp(name, "suppress-zeros") == 0) {
		for (i = 0; i < n; i++)
			if (!pipe_is_zeros(&v[i]))
				pipe_put_line(out, &v[i]);
		rc = 0;
	} else if (strcmp(name, "hold") == 0) {
		/* the pager does not quit at the end of the text */
		sb_puts(out, text);
		r->hold = true;
		rc = 0;
	} else if (strcmp(name, "no-more") == 0) {
		sb_puts(out, text);
		r->no_more = true;
		rc = 0;
	} else {
		sb_printf(err, "error: unsupported pipe '%s'\n", name);
	}
	free(v);
	return rc;
}

int
pipe_apply(const json_t *pipes, const char *text, struct pipe_result *r,
    struct sb *err)
{
	struct sb out;
	size_t i;

	sb_reset(&r->text);
	sb_reset(&r->notes);
	if (json_array_size(pipes) == 0)
		sb_puts(&r->text, text);
	for (i = 0; i < json_array_size(pipes); i++) {
		sb_init(&out);
		/* the first pipe reads text itself: no 17 MB copy of it */
		if (pipe_one(json_array_get(pipes, i),
			i == 0 ? text : sb_str(&r->text), r, &out, err) == -1) {
			sb_free(&out);
			sb_reset(&r->text);
			sb_reset(&r->notes);
			return -1;
		}
		sb_free(&r->text);
		r->text = out;
	}
	return 0;
}

void
pipe_result_print(struct pipe_result *r, struct sb *out)
{
	sb_add(out, sb_str(&r->text), r->text.len);
	if (r->notes.len > 0 && r->text.len > 0)
		sb_putc(out, '\n');
	sb_add(out, sb_str(&r->notes), r->notes.len);
}
