/*
 * complete: TAB, space and `?` (Junos's syntax errors and caret, `?` help). The
 * words before the cursor are parsed as exec would parse them (configuration
 * statements with path_parse, operational words from mgd's own commands and the
 * schema's rpc tree, pipes as cmd_pipes reads them); then everything that may
 * follow is listed: keywords with their descriptions, existing list entries,
 * enum values, `<value>` placeholders, `<[Enter]>` and `|`.  The word being
 * typed filters the list by prefix.
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

/* The words that may follow pipe d (display's kinds, compare's rollback). */
static void
comp_pipe_words(struct comp *c, const struct pipe_def *d)
{
	for (size_t j = 0; j < d->nwords; j++)
		comp_add(
		    c, CI_KEYWORD, ' ', d->words[j].name, d->words[j].help);
}

/* Index in d->words of word i, or -1 with the error set. */
static int
comp_pipe_word(struct comp *c, size_t i, const struct pipe_def *d)
{
	const char *names[8];
	size_t n = d->nwords < 8 ? d->nwords : 8;

	for (size_t j = 0; j < n; j++)
		names[j] = d->words[j].name;
	return comp_match(c, i, names, n, "syntax error.");
}

/* The pipes from tk[i] (a `|`), as cmd_pipes reads them (pipe_defs). */
static void
comp_pipes(struct comp *c, size_t i)
{
	const char *names[NPIPE_DEFS];
	int k;

	for (size_t j = 0; j < NPIPE_DEFS; j++)
		names[j] = pipe_defs[j].name;
	c->show = true;
	while (i < c->n) {
		/* tk[i] is `|` */
		if (++i == c->n) {
			for (size_t j = 0; j < NPIPE_DEFS; j++)
				comp_add(c, CI_KEYWORD, ' ', names[j],
				    pipe_defs[j].help);
			return;
		}
		if ((k = comp_match(c, i, names, NPIPE_DEFS, "syntax error.")) <
		    0)
			return;
		const struct pipe_def *d = &pipe_defs[k];
		i++;
		switch (d->arg) {
		case PIPE_ARG_KEYWORD: {
			if (i == c->n) {
				comp_pipe_words(c, d);
				return;
			}
			int w = comp_pipe_word(c, i, d);
			if (w < 0)
				return;
			i++;
			/* set [relative], inheritance [no-comments] */
			const char *opt = d->words[w].opt;
			if (opt != NULL && i == c->n)
				comp_add(c, CI_KEYWORD, ' ', opt,
				    d->words[w].opt_help);
			else if (opt != NULL && !c->tk.t[i].quoted &&
			    strcmp(c->tk.t[i].s, "|") != 0) {
				if (comp_match(c, i, &opt, 1, "syntax error.") <
				    0)
					return;
				i++;
			}
			break;
		}
		case PIPE_ARG_ROLLBACK:
			if (i == c->n)
				comp_pipe_words(c, d);
			else if (strcmp(c->tk.t[i].s, "|") != 0) {
				if (comp_pipe_word(c, i, d) < 0)
					return;
				if (++i == c->n) {
					comp_generations(c);
					return;
				}
				i++;
			}
			break;
		case PIPE_ARG_NEEDED:
		case PIPE_ARG_OPTIONAL: {
			bool optional = d->arg == PIPE_ARG_OPTIONAL;
			if (i == c->n) {
				if (optional)
					comp_enter(c);
				comp_add(c, CI_PLACEHOLDER, ' ', d->arg_name,
				    d->arg_help);
				return;
			}
			if (!optional || strcmp(c->tk.t[i].s, "|") != 0)
				i++;
			break;
		}
		case PIPE_ARG_NONE: break;
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

/* The "Possible completions:" block (Junos's `?` help). */
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
