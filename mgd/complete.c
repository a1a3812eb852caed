/*
 * complete: TAB, space and `?` (cli-behaviour.md 6-7).  The words before the
 * cursor are parsed as exec would parse them (configuration statements with
 * path_parse, operational words from mgd's own commands and the schema's
 * rpc tree, pipes as cmd_pipes reads them); then everything that may follow
 * is listed: keywords with their descriptions, existing list entries, enum
 * values, `<value>` placeholders, `<[Enter]>` and `|`.  The word being typed
 * filters the list by prefix.
 *
 * This file: the request (complete_request), the list of items, the pipes
 * after a `|`, and the reply — TAB's matches and common prefix, `?`'s
 * "Possible completions:" block.  Statement paths are complete_schema.c's,
 * the commands of each mode complete_config.c's and complete_oper.c's.
 *
 * Speed: names of existing entries come from one parent node's children of
 * one kind (conf slots), never from a walk of the tree; at most
 * COMPLETE_MAX_NAMES of them are listed, then a "..." line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"
#include "mgd/cmd.h"
#include "mgd/complete_int.h"
#include "mgd/db.h"

/* ----- the list of items ---------------------------------------------- */

void
comp_add(struct comp *c, enum ci_kind kind, char mark, const char *name,
    const char *help)
{
	struct citem *it;

	if ((kind == CI_ENTER || kind == CI_PIPE) && c->word[0] != '\0')
		return;
	if ((kind == CI_KEYWORD || kind == CI_NAME || kind == CI_VALUE) &&
	    strncmp(name, c->word, strlen(c->word)) != 0)
		return;
	if (kind == CI_PIPE)
		c->pipe_ok = true;
	c->it = xrealloc(c->it, (c->nit + 1) * sizeof(*c->it));
	it = &c->it[c->nit++];
	it->kind = kind;
	it->mark = mark;
	it->name = xstrdup(name);
	it->help = xstrdup(help ? help : "");
	it->key = NULL;
}

void
comp_clear(struct comp *c)
{
	for (size_t i = 0; i < c->nit; i++) {
		free(c->it[i].name);
		free(c->it[i].help);
		free(c->it[i].key);
	}
	free(c->it);
	c->it = NULL;
	c->nit = 0;
	c->lcp_extra = NULL;
}

void
comp_enter(struct comp *c)
{
	comp_add(c, CI_ENTER, ' ', "<[Enter]>", "Execute this command");
	if (c->show)
		comp_add(c, CI_PIPE, ' ', "|", "Pipe through a command");
}

void
comp_error(struct comp *c, const char *msg, size_t caret)
{
	if (c->failed)
		return;
	reply_syntax(c->reply, msg, caret);
	c->failed = true;
}

/* The error for word i that matched nothing (n == -1) or several (-2). */
static void
comp_word_error(struct comp *c, size_t i, int n, const char *none)
{
	struct sb m;

	sb_init(&m);
	if (n == -2)
		sb_printf(&m, "'%s' is ambiguous.", c->tk.t[i].s);
	else
		sb_puts(&m, none);
	comp_error(c, sb_str(&m), c->tk.t[i].off);
	sb_free(&m);
}

/* Index in names[] of word i, or -1 with the error set. */
int
comp_match(struct comp *c, size_t i, const char *const *names, size_t n,
    const char *none)
{
	int w = cmd_match(c->tk.t[i].s, names, n);

	if (w < 0)
		comp_word_error(c, i, w, none);
	return w;
}

void
comp_kwds(struct comp *c, const struct kwd *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		comp_add(c, CI_KEYWORD, ' ', k[i].name, k[i].help);
}

int
comp_kwd_match(
    struct comp *c, size_t i, const struct kwd *k, size_t n, const char *none)
{
	const char *names[16];

	for (size_t j = 0; j < n && j < 16; j++)
		names[j] = k[j].name;
	return comp_match(c, i, names, n < 16 ? n : 16, none);
}

/* Words after a command that takes none, or only `fixed`. */
void
comp_tail(struct comp *c, size_t i, const struct kwd *fixed, size_t nfixed)
{
	if (i == c->n) {
		comp_kwds(c, fixed, nfixed);
		comp_enter(c);
		return;
	}
	if (nfixed == 0) {
		comp_error(c, "syntax error.", c->tk.t[i].off);
		return;
	}
	if (comp_kwd_match(c, i, fixed, nfixed, "syntax error.") < 0)
		return;
	if (i + 1 == c->n)
		comp_enter(c);
	else
		comp_error(c, "syntax error.", c->tk.t[i + 1].off);
}

/* ----- pipes ----------------------------------------------------------- */

/* cli-behaviour.md 7 and 8: the pipes cmd_pipes knows, Junos's help. */
static const struct {
	const char *name, *help, *arg, *arghelp;
} pipe_tab[] = {
	{ "append", "Append output text to file", "<filename>",
	    "Output file name (or URL)" },
	{ "compare", "Compare configuration changes with prior version", NULL,
	    NULL },
	{ "count", "Count occurrences", NULL, NULL },
	{ "display", "Show additional kinds of information", NULL, NULL },
	{ "except", "Show only text that does not match a pattern", "<pattern>",
	    "Pattern to avoid" },
	{ "find", "Search for first occurrence of pattern", "<pattern>",
	    "Pattern to search for" },
	{ "hold", "Hold text without exiting the --More-- prompt", NULL, NULL },
	{ "last", "Display end of output only", "<lines>",
	    "Number of lines from end of output to display" },
	{ "match", "Show only text that matches a pattern", "<pattern>",
	    "Pattern to match against" },
	{ "no-more", "Don't paginate output", NULL, NULL },
	{ "save", "Save output text to file", "<filename>",
	    "Output file name (or URL)" },
	{ "suppress-zeros", "Suppresses lines with zero values", NULL, NULL },
	{ "tee", "Write to standard output and file", "<filename>",
	    "Output file name (or URL)" },
	{ "trim", "Trim specified number of columns from start of line",
	    "<columns>", "Number of columns to trim" },
};
#define NPIPES (sizeof(pipe_tab) / sizeof(*pipe_tab))

static void
comp_pipes(struct comp *c, size_t i)
{
	static const struct kwd disp[] = {
		{ "inheritance",
		    "Show inherited configuration data and source group" },
		{ "json", "Show output in JSON format" },
		{ "set", "Show 'set' commands that create configuration" },
		{ "xml", "Show output as XML tags" },
	};
	static const struct kwd rel[] = {
		{ "relative",
		    "Show 'set' commands relative to the current edit path" },
	};
	static const struct kwd noc[] = {
		{ "no-comments", "Don't display comments" },
	};
	static const struct kwd rb[] = {
		{ "rollback", "Index of rollback configuration file (0..49)" },
	};
	const char *names[NPIPES];
	int k;

	for (size_t j = 0; j < NPIPES; j++)
		names[j] = pipe_tab[j].name;
	c->show = true;
	while (i < c->n) {
		/* tk[i] is `|` */
		if (++i == c->n) {
			for (size_t j = 0; j < NPIPES; j++)
				comp_add(c, CI_KEYWORD, ' ', names[j],
				    pipe_tab[j].help);
			return;
		}
		if ((k = comp_match(c, i, names, NPIPES, "syntax error.")) < 0)
			return;
		i++;
		if (strcmp(names[k], "display") == 0) {
			if (i == c->n) {
				comp_kwds(c, disp, 4);
				return;
			}
			int d = comp_kwd_match(c, i, disp, 4, "syntax error.");
			if (d < 0)
				return;
			i++;
			/* set [relative], inheritance [no-comments] */
			const struct kwd *opt = d == 2 ? rel
			    : d == 0		       ? noc
						       : NULL;
			if (opt != NULL && i == c->n)
				comp_kwds(c, opt, 1);
			else if (opt != NULL && !c->tk.t[i].quoted &&
			    strcmp(c->tk.t[i].s, "|") != 0) {
				if (comp_kwd_match(
					c, i, opt, 1, "syntax error.") < 0)
					return;
				i++;
			}
		} else if (strcmp(names[k], "compare") == 0) {
			if (i == c->n)
				comp_kwds(c, rb, 1);
			else if (strcmp(c->tk.t[i].s, "|") != 0) {
				if (comp_kwd_match(
					c, i, rb, 1, "syntax error.") < 0)
					return;
				if (++i == c->n) {
					comp_generations(c);
					return;
				}
				i++;
			}
		} else if (pipe_tab[k].arg != NULL) {
			bool optional = strcmp(names[k], "last") == 0;
			if (i == c->n) {
				if (optional)
					comp_enter(c);
				comp_add(c, CI_PLACEHOLDER, ' ',
				    pipe_tab[k].arg, pipe_tab[k].arghelp);
				return;
			}
			if (!optional || strcmp(c->tk.t[i].s, "|") != 0)
				i++;
		}
		if (i == c->n) {
			comp_enter(c);
			return;
		}
		if (c->tk.t[i].quoted || strcmp(c->tk.t[i].s, "|") != 0) {
			comp_error(c, "syntax error.", c->tk.t[i].off);
			return;
		}
	}
}

/* The command from word `from`, its pipes after the first `|`. */
void
comp_run(struct comp *c, size_t from, bool config)
{
	size_t p = from, n = c->n;
	const char *w = c->word;

	while (p < n && (c->tk.t[p].quoted || strcmp(c->tk.t[p].s, "|") != 0))
		p++;
	if (p == n) {
		if (config)
			comp_config(c, from);
		else
			comp_oper(c, from);
		return;
	}
	/* The command before the `|` must be complete and take pipes. */
	c->n = p;
	c->word = "";
	c->pipe_ok = false;
	if (config)
		comp_config(c, from);
	else
		comp_oper(c, from);
	comp_clear(c);
	c->n = n;
	c->word = w;
	if (c->failed)
		return;
	if (!c->pipe_ok) {
		comp_error(c, "syntax error.", c->tk.t[p].off);
		return;
	}
	comp_pipes(c, p);
}

/* ----- the reply ------------------------------------------------------- */

static int
comp_cmp_item(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;

	if ((x->kind == CI_ENTER) != (y->kind == CI_ENTER))
		return x->kind == CI_ENTER ? -1 : 1;
	if ((x->kind == CI_PIPE) != (y->kind == CI_PIPE))
		return x->kind == CI_PIPE ? 1 : -1;
	return strcmp(x->key ? x->key : x->name, y->key ? y->key : y->name);
}

/* The "Possible completions:" block (cli-behaviour.md 7). */
static void
comp_help_text(struct comp *c, struct sb *out)
{
	if (c->nit == 0) {
		sb_puts(out, "No valid completions\n");
		return;
	}
	sb_puts(out, "Possible completions:\n");
	for (size_t i = 0; i < c->nit; i++) {
		const struct citem *it = &c->it[i];
		if (it->help[0] == '\0')
			sb_printf(out, "%c %s\n", it->mark, it->name);
		else
			sb_printf(out, "%c %-19s  %s\n", it->mark, it->name,
			    it->help);
	}
}

static size_t
comp_lcp(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] != '\0' && a[n] == b[n])
		n++;
	return n;
}

void
complete_request(struct session *s, const json_t *req, bool help, json_t *reply)
{
	const char *line = msg_str(req, "line");
	bool space = msg_bool(req, "space");
	struct comp c = { .s = s, .m = s->mgd, .reply = reply };
	struct sb err;
	size_t off;

	json_object_set_new(reply, "matches", json_array());
	if (line == NULL)
		line = "";
	sb_init(&err);
	if (lex_line(line, strlen(line), &c.tk, &err, &off) == -1) {
		if (help)
			reply_syntax(reply, sb_str(&err), off);
		sb_free(&err);
		return;
	}
	sb_free(&err);
	c.n = c.tk.n;
	c.word = "";
	size_t len = strlen(line);
	if (c.n > 0 && len > 0 && line[len - 1] != ' ' &&
	    line[len - 1] != '\t') {
		const struct tok *t = &c.tk.t[c.n - 1];
		/* `|`, `[`, `]` typed last are whole words already */
		if (t->quoted ||
		    (strcmp(t->s, "|") && strcmp(t->s, "[") &&
			strcmp(t->s, "]"))) {
			c.word = t->s;
			c.n--;
		}
	}
	c.conf = session_conf(s);
	c.level = &s->level;
	comp_run(&c, 0, s->mode == SESS_CONFIG);
	if (c.failed)
		goto done;
	if (c.nit > 0)
		qsort(c.it, c.nit, sizeof(*c.it), comp_cmp_item);
	/* the same name twice (entries of a multi-key list) once */
	size_t k = 0;
	for (size_t i = 0; i < c.nit; i++) {
		if (k > 0 && c.it[k - 1].kind == c.it[i].kind &&
		    strcmp(c.it[k - 1].name, c.it[i].name) == 0) {
			free(c.it[i].name);
			free(c.it[i].help);
			free(c.it[i].key);
			continue;
		}
		c.it[k++] = c.it[i];
	}
	c.nit = k;
	struct sb out;
	sb_init(&out);
	comp_help_text(&c, &out);
	if (help) {
		json_object_set_new(reply, "output", json_string(sb_str(&out)));
		sb_free(&out);
		goto done;
	}
	json_t *m = json_object_get(reply, "matches");
	const char *first = NULL;
	size_t common = 0;
	for (size_t i = 0; i < c.nit; i++) {
		const struct citem *it = &c.it[i];
		if (it->kind != CI_KEYWORD &&
		    (space || (it->kind != CI_NAME && it->kind != CI_VALUE)))
			continue;
		if (strcmp(it->name, "[") == 0 || strcmp(it->name, "]") == 0)
			continue;
		json_array_append_new(m, json_string(it->name));
		if (first == NULL) {
			first = it->name;
			common = strlen(first);
		} else {
			common = comp_lcp(first, it->name) < common
			    ? comp_lcp(first, it->name)
			    : common;
		}
	}
	if (first != NULL && c.lcp_extra != NULL && !space)
		common = comp_lcp(first, c.lcp_extra) < common
		    ? comp_lcp(first, c.lcp_extra)
		    : common;
	/* a free value may be typed: TAB lists rather than pick a keyword */
	bool free_value = false;
	for (size_t i = 0; i < c.nit; i++)
		free_value = free_value || c.it[i].kind == CI_PLACEHOLDER;
	if (first != NULL && !(free_value && c.word[0] == '\0' && !space)) {
		char *cm = xstrndup(first, common);
		json_object_set_new(reply, "common", json_string(cm));
		free(cm);
	}
	if (!space && c.nit > 0 && (json_array_size(m) != 1 || free_value))
		json_object_set_new(reply, "output", json_string(sb_str(&out)));
	sb_free(&out);
done:
	comp_clear(&c);
	toks_free(&c.tk);
}
