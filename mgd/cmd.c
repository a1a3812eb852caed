/*
 * cmd: reply helpers, abbreviations and pipes shared by both modes.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/msg.h"
#include "mgd/cmd.h"
#include "mgd/db.h"
#include "schema/conf_text.h"

void
reply_out(json_t *reply, const char *text)
{
	json_t *o = json_object_get(reply, "output");
	struct sb b;

	if (o == NULL) {
		/* The common case, without a copy of a 9 MB `display set`
		 * (its fresh pages were a fifth of mgd's part). */
		json_object_set_new(reply, "output", json_string(text));
		return;
	}
	sb_init(&b);
	if (o != NULL)
		sb_puts(&b, json_string_value(o));
	sb_puts(&b, text);
	json_object_set_new(reply, "output", json_string(sb_str(&b)));
	sb_free(&b);
}

/*
 * reply_out for the text of `show configuration`, up to 64 MB: when it is
 * big and the first output, the reply takes text's buffer over (text is
 * left empty) and sends it as it is (msg_bev_send_sb): neither copied
 * into JSON nor checked for UTF-8 there nor copied into the frame.
 */
void
reply_out_sb(struct session *s, json_t *reply, struct sb *text)
{
	if (text->len <= MSG_ATTACH_MIN || s->out.len > 0 ||
	    json_object_get(reply, "output") != NULL) {
		reply_out(reply, sb_str(text));
		return;
	}
	sb_free(&s->out);
	s->out = *text;
	sb_init(text);
}

void
reply_fail(json_t *reply, const char *text)
{
	json_object_set_new(reply, "ok", json_false());
	if (text != NULL)
		reply_out(reply, text);
}

void
reply_syntax(json_t *reply, const char *msg, size_t caret)
{
	json_object_set_new(reply, "ok", json_false());
	json_object_set_new(reply, "error", json_string(msg));
	json_object_set_new(reply, "caret", json_integer((json_int_t)caret));
}

int
cmd_match(const char *word, const char *const *words, size_t n)
{
	size_t len = strlen(word);
	int hit = -1;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(words[i], word) == 0)
			return (int)i;
		if (strncmp(words[i], word, len) == 0) {
			if (hit >= 0)
				hit = -2;
			else if (hit == -1)
				hit = (int)i;
		}
	}
	return hit;
}

void
cmd_caret_shift(json_t *reply, size_t by)
{
	json_t *c = json_object_get(reply, "caret");

	if (json_is_integer(c))
		json_integer_set(c, json_integer_value(c) + (json_int_t)by);
}

int
cmd_rollback_index(const char *word)
{
	size_t n = 0;

	if (*word == '\0')
		return -1;
	for (const char *c = word; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		n = n * 10 + (size_t)(*c - '0');
		if (n >= DB_GENERATIONS)
			n = DB_GENERATIONS; /* (no overflow on 30 digits) */
	}
	return (int)n;
}

void
cmd_rollback_missing(json_t *reply)
{
	/* RECONSTRUCTED: the wording qsafe has always given for a missing
	 * generation; Junos's own for 50 and above is not recorded in
	 * cli-behaviour.md, so every out-of-range number gets this one. */
	reply_fail(
	    reply, "error: rollback: requested configuration does not exist\n");
}

size_t
cmd_pipe_start(const struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		if (!tk->t[i].quoted && strcmp(tk->t[i].s, "|") == 0)
			return i;
	return tk->n;
}

static const struct pipe_word pipe_display[] = {
	{ "inheritance", "Show inherited configuration data and source group",
	    "no-comments", "Don't display comments" },
	{ "json", "Show output in JSON format", NULL, NULL },
	{ "set", "Show 'set' commands that create configuration", "relative",
	    "Show 'set' commands relative to the current edit path" },
	{ "xml", "Show output as XML tags", NULL, NULL },
};

static const struct pipe_word pipe_compare[] = {
	{ "rollback", "Index of rollback configuration file (0..49)", NULL,
	    NULL },
};

#define PIPE_WORDS(w) w, sizeof(w) / sizeof(*w)

const struct pipe_def pipe_defs[] = {
	{ "append", "Append output text to file", PIPE_ARG_NEEDED, "<filename>",
	    "Output file name (or URL)", NULL, 0 },
	{ "compare", "Compare configuration changes with prior version",
	    PIPE_ARG_ROLLBACK, NULL, NULL, PIPE_WORDS(pipe_compare) },
	{ "count", "Count occurrences", PIPE_ARG_NONE, NULL, NULL, NULL, 0 },
	{ "display", "Show additional kinds of information", PIPE_ARG_KEYWORD,
	    NULL, NULL, PIPE_WORDS(pipe_display) },
	{ "except", "Show only text that does not match a pattern",
	    PIPE_ARG_NEEDED, "<pattern>", "Pattern to avoid", NULL, 0 },
	{ "find", "Search for first occurrence of pattern", PIPE_ARG_NEEDED,
	    "<pattern>", "Pattern to search for", NULL, 0 },
	{ "hold", "Hold text without exiting the --More-- prompt",
	    PIPE_ARG_NONE, NULL, NULL, NULL, 0 },
	{ "last", "Display end of output only", PIPE_ARG_OPTIONAL, "<lines>",
	    "Number of lines from end of output to display", NULL, 0 },
	{ "match", "Show only text that matches a pattern", PIPE_ARG_NEEDED,
	    "<pattern>", "Pattern to match against", NULL, 0 },
	{ "no-more", "Don't paginate output", PIPE_ARG_NONE, NULL, NULL, NULL,
	    0 },
	{ "save", "Save output text to file", PIPE_ARG_NEEDED, "<filename>",
	    "Output file name (or URL)", NULL, 0 },
	{ "suppress-zeros", "Suppresses lines with zero values", PIPE_ARG_NONE,
	    NULL, NULL, NULL, 0 },
	{ "tee", "Write to standard output and file", PIPE_ARG_NEEDED,
	    "<filename>", "Output file name (or URL)", NULL, 0 },
	{ "trim", "Trim specified number of columns from start of line",
	    PIPE_ARG_NEEDED, "<columns>", "Number of columns to trim", NULL,
	    0 },
};

_Static_assert(sizeof(pipe_defs) / sizeof(*pipe_defs) == NPIPE_DEFS,
    "NPIPE_DEFS counts pipe_defs[]");

static int
cmd_pipe_err(json_t *reply, const struct toks *tk, size_t i, const char *msg)
{
	size_t caret = i < tk->n ? tk->t[i].off : tk->end;

	reply_syntax(reply, msg, caret);
	return -1;
}

/* `| display WORD [OPT]`: what is shown. */
static void
cmd_pipe_display(struct pipes *p, const char *word, bool opt)
{
	if (strcmp(word, "inheritance") == 0) {
		p->inherit = true;
		p->no_comments = opt;
	} else if (strcmp(word, "set") == 0)
		p->display = opt ? DISPLAY_SET_RELATIVE : DISPLAY_SET;
	else if (strcmp(word, "json") == 0)
		p->display = DISPLAY_JSON;
	else
		p->display = DISPLAY_XML;
}

/* `| compare [rollback N]` from tk[arg]; the index after it, or -1. */
static int
cmd_pipe_compare(const struct toks *tk, size_t arg, const struct pipe_def *d,
    struct pipes *p, json_t *reply)
{
	int n;

	p->compare = true;
	if (arg >= tk->n || strcmp(tk->t[arg].s, "|") == 0)
		return (int)arg;
	if (strncmp(d->words[0].name, tk->t[arg].s, strlen(tk->t[arg].s)) != 0)
		return cmd_pipe_err(reply, tk, arg, "syntax error.");
	if (arg + 1 >= tk->n)
		return cmd_pipe_err(reply, tk, arg + 1, "missing argument.");
	/* out of range is "requested configuration does not exist", as for
	 * every rollback number (cmd_rollback_missing) */
	if ((n = cmd_rollback_index(tk->t[arg + 1].s)) < 0)
		return cmd_pipe_err(reply, tk, arg + 1, "syntax error.");
	p->compare_rollback = n;
	return (int)(arg + 2);
}

int
cmd_pipes(const struct toks *tk, size_t i, struct pipes *p, json_t *reply)
{
	const char *names[NPIPE_DEFS];

	for (size_t j = 0; j < NPIPE_DEFS; j++)
		names[j] = pipe_defs[j].name;
	memset(p, 0, sizeof(*p));
	p->compare_rollback = -1;
	p->text = json_array();
	while (i < tk->n) {
		/* tk->t[i] is "|" */
		i++;
		if (i >= tk->n)
			return cmd_pipe_err(reply, tk, i, "missing argument.");
		int w = cmd_match(tk->t[i].s, names, NPIPE_DEFS);
		if (w == -2) {
			struct sb m;
			sb_init(&m);
			sb_printf(&m, "'%s' is ambiguous.", tk->t[i].s);
			reply_syntax(reply, sb_str(&m), tk->end);
			sb_free(&m);
			return -1;
		}
		if (w < 0)
			return cmd_pipe_err(reply, tk, i, "syntax error.");
		const struct pipe_def *d = &pipe_defs[w];
		size_t arg = i + 1;
		bool has_arg = arg < tk->n && strcmp(tk->t[arg].s, "|") != 0;
		i = arg;
		if (d->arg == PIPE_ARG_KEYWORD) {
			const char *dw[8];
			size_t nw = d->nwords < 8 ? d->nwords : 8;
			for (size_t j = 0; j < nw; j++)
				dw[j] = d->words[j].name;
			if (!has_arg)
				return cmd_pipe_err(
				    reply, tk, arg, "missing argument.");
			int k = cmd_match(tk->t[arg].s, dw, nw);
			if (k < 0)
				return cmd_pipe_err(
				    reply, tk, arg, "syntax error.");
			const struct pipe_word *pw = &d->words[k];
			i = arg + 1;
			bool opt = pw->opt != NULL && i < tk->n &&
			    strncmp(pw->opt, tk->t[i].s, strlen(tk->t[i].s)) ==
				0;
			if (opt)
				i++;
			cmd_pipe_display(p, pw->name, opt);
		} else if (d->arg == PIPE_ARG_ROLLBACK) {
			int next = cmd_pipe_compare(tk, arg, d, p, reply);
			if (next < 0)
				return -1;
			i = (size_t)next;
		} else {
			/* a text pipe: the cli applies it */
			json_t *a = json_array();
			json_array_append_new(a, json_string(d->name));
			if (d->arg == PIPE_ARG_NEEDED && !has_arg) {
				json_decref(a);
				return cmd_pipe_err(
				    reply, tk, arg, "missing argument.");
			}
			/* `| last` alone: all of it (its number is optional) */
			if (d->arg != PIPE_ARG_NONE && has_arg) {
				json_array_append_new(
				    a, json_string(tk->t[arg].s));
				i = arg + 1;
			}
			json_array_append_new(p->text, a);
		}
		if (i < tk->n && strcmp(tk->t[i].s, "|") != 0)
			return cmd_pipe_err(reply, tk, i, "syntax error.");
	}
	return 0;
}

void
cmd_pipes_free(struct pipes *p)
{
	json_decref(p->text);
	p->text = NULL;
}

void
cmd_pipes_reply(struct pipes *p, json_t *reply)
{
	if (p->text != NULL && json_array_size(p->text) > 0)
		json_object_set(reply, "pipes", p->text);
}

/*
 * A tree holding n and the path down to it, so that JSON and XML show
 * `show system | display json` inside "configuration" > "system".
 */
static struct conf *
cmd_subtree(struct conf *c, const struct cnode *n)
{
	struct conf *sub = conf_new(conf_schema(c));
	const struct cnode *chain[64];
	struct cnode *cur = conf_root(sub);
	size_t k = 0;

	for (const struct cnode *p = n->parent; p && p->parent && k < 64;
	     p = p->parent)
		chain[k++] = p;
	while (k-- > 0)
		cur = conf_add(sub, cur, chain[k]->sn, chain[k]->val, NULL);
	conf_copy_under(sub, cur, n, NULL);
	return sub;
}

/* Junos's <rpc-reply> around what | display xml prints, and its end. */
static void
cmd_xml_open(struct sb *out)
{
	sb_puts(out,
	    "<rpc-reply xmlns:junos=\"http://xml.juniper.net/junos/"
	    "qsafe/junos\">\n");
}

static void
cmd_xml_close(struct sb *out)
{
	sb_puts(out,
	    "    <cli>\n        <banner></banner>\n    </cli>\n"
	    "</rpc-reply>\n");
}

static void
cmd_xml_text(struct sb *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			sb_puts(out, "&lt;");
		else if (*s == '>')
			sb_puts(out, "&gt;");
		else if (*s == '&')
			sb_puts(out, "&amp;");
		else if (*s == '"')
			sb_puts(out, "&quot;");
		else
			sb_putc(out, *s);
	}
}

void
cmd_show_tree(struct conf *c, const struct cpath *at,
    const struct show_stamp *st, const struct pipes *p, struct sb *out)
{
	struct cnode *n = at->n ? cpath_find(c, at) : conf_root(c);
	struct conf *sub = NULL;
	const char *kind = st && st->user ? "commit" : "changed";
	char secs[32], names[3][32];
	struct sb when;

	if (n == NULL)
		return;
	if (n->parent != NULL &&
	    (p->display == DISPLAY_JSON || p->display == DISPLAY_XML)) {
		sub = cmd_subtree(c, n);
		n = conf_root(sub);
	}
	sb_init(&when);
	if (st != NULL)
		mgd_time(st->time, &when);
	snprintf(secs, sizeof(secs), "%lld", st ? (long long)st->time : 0LL);
	snprintf(names[0], sizeof(names[0]), "junos:%s-seconds", kind);
	snprintf(names[1], sizeof(names[1]), "junos:%s-localtime", kind);
	snprintf(names[2], sizeof(names[2]), "junos:%s-user", kind);
	const char *attrs[] = { st ? names[0] : NULL, secs, names[1],
		sb_str(&when), st && st->user ? names[2] : NULL,
		st ? st->user : NULL, NULL };
	switch (p->display) {
	case DISPLAY_SET: conf_text_set(n, out); break;
	case DISPLAY_SET_RELATIVE: conf_text_set_relative(n, n, out); break;
	case DISPLAY_JSON: conf_text_json(n, attrs, out); break;
	case DISPLAY_XML:
		cmd_xml_open(out);
		sb_puts(out, "    <configuration");
		for (size_t i = 0; attrs[i] != NULL && i < 6; i += 2) {
			if (i > 0)
				sb_puts(out, "\n                  ");
			sb_printf(out, " %s=\"", attrs[i]);
			cmd_xml_text(out, attrs[i + 1]);
			sb_putc(out, '"');
		}
		sb_puts(out, ">\n");
		/* Junos's `| display xml` indents it 12 */
		conf_text_xml(n, 3, out);
		sb_puts(out, "    </configuration>\n");
		cmd_xml_close(out);
		break;
	default:
		if (at->n == 0 && st != NULL) {
			sb_printf(out, "## Last %s: %s",
			    st->user ? "commit" : "changed", sb_str(&when));
			if (st->user != NULL)
				sb_printf(out, " by %s", st->user);
			sb_putc(out, '\n');
		}
		if (at->n > 0 && n->sn->kind != SN_CONTAINER &&
		    n->sn->kind != SN_LIST)
			conf_text_curly_node(n, 0, out);
		else
			conf_text_curly_show(n, 0, out);
		break;
	}
	sb_free(&when);
	conf_free(sub);
}

/* A scalar as element text: strings as they are, numbers printed. */
static void
cmd_scalar_text(const json_t *v, struct sb *out)
{
	if (json_is_string(v)) {
		sb_puts(out, json_string_value(v));
	} else {
		char *t = json_dumps(v, JSON_ENCODE_ANY);
		sb_puts(out, t ? t : "");
		free(t);
	}
}

static void cmd_xml_value(
    const char *tag, const json_t *v, int depth, struct sb *out);

/*
 * The members of an "@interleave" object in step: the first item of each
 * array, then the second ... (as Junos: <fingerprint-content> next to its
 * <fingerprint-hash-algorithm>).
 */
static void
cmd_xml_interleave(const json_t *v, int depth, struct sb *out)
{
	const char *k;
	json_t *x;
	size_t n = 1;

	json_object_foreach((json_t *)v, k, x) if (json_is_array(x) &&
	    json_array_size(x) > n) n = json_array_size(x);
	for (size_t i = 0; i < n; i++) {
		json_object_foreach((json_t *)v, k, x)
		{
			if (k[0] == '@')
				continue;
			if (json_is_array(x))
				x = json_array_get(x, i);
			else if (i > 0)
				continue;
			if (x != NULL)
				cmd_xml_value(k, x, depth, out);
		}
	}
}

/*
 * Operational data as Junos XML: objects are elements, arrays repeat their
 * element, true is an empty element and false or null leave it out.  Members
 * whose name starts with "@" are no elements: "@" holds the element's
 * attributes (xmlns, junos:style), "@interleave": true writes the arrays of
 * the object in step, other "@..." members are for the cli's text renderers
 * only (pki's "@ca-profile").  A member "#text", when there is one, is the
 * element's text (an element with both: `<date-time junos:seconds="...">`).
 */
static void
cmd_xml_value(const char *tag, const json_t *v, int depth, struct sb *out)
{
	const char *k;
	json_t *x;
	size_t i;
	struct sb t;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x) cmd_xml_value(tag, x, depth, out);
		return;
	}
	if (json_is_false(v) || json_is_null(v))
		return;
	sb_indent(out, depth * 4);
	if (json_is_true(v)) {
		sb_printf(out, "<%s/>\n", tag);
	} else if (json_is_object(v)) {
		sb_printf(out, "<%s", tag);
		json_object_foreach(json_object_get(v, "@"), k, x)
		{
			sb_printf(out, " %s=\"", k);
			cmd_xml_text(out,
			    json_string_value(x) ? json_string_value(x) : "");
			sb_putc(out, '"');
		}
		if ((x = json_object_get(v, "#text")) != NULL) {
			/* text with attributes: <date-time junos:seconds=..> */
			sb_putc(out, '>');
			cmd_xml_text(out, json_string_value(x));
			sb_printf(out, "</%s>\n", tag);
			return;
		}
		sb_puts(out, ">\n");
		if (json_is_true(json_object_get(v, "@interleave")))
			cmd_xml_interleave(v, depth + 1, out);
		else
			json_object_foreach((json_t *)v, k, x) if (k[0] != '@')
			    cmd_xml_value(k, x, depth + 1, out);
		sb_indent(out, depth * 4);
		sb_printf(out, "</%s>\n", tag);
	} else {
		sb_init(&t);
		cmd_scalar_text(v, &t);
		sb_printf(out, "<%s>", tag);
		cmd_xml_text(out, sb_str(&t));
		sb_printf(out, "</%s>\n", tag);
		sb_free(&t);
	}
}

static void cmd_json_element(const json_t *v, int depth, struct sb *out);

/* The attributes of an element (member "@"), as Junos writes them in JSON:
 * "attributes" : {"xmlns" : "..."} on one line. */
static void
cmd_json_attributes(const json_t *attrs, int depth, struct sb *out)
{
	const char *k;
	json_t *x;
	bool first = true;

	sb_indent(out, depth * 4);
	sb_puts(out, "\"attributes\" : {");
	json_object_foreach((json_t *)attrs, k, x)
	{
		if (!first)
			sb_puts(out, ", ");
		first = false;
		sb_json_quote(out, k);
		sb_puts(out, " : ");
		sb_json_quote(
		    out, json_string_value(x) ? json_string_value(x) : "");
	}
	sb_putc(out, '}');
}

/* One object of a Junos JSON list: members, or the text under "data". */
static void
cmd_json_object(const json_t *v, int depth, struct sb *out)
{
	const char *k;
	json_t *x;
	bool first = true;
	struct sb t;

	sb_indent(out, depth * 4);
	sb_puts(out, "{\n");
	if (json_is_object(v) && json_is_string(json_object_get(v, "#text"))) {
		/* text with attributes: "data" first, then "attributes" */
		sb_indent(out, (depth + 1) * 4);
		sb_puts(out, "\"data\" : ");
		sb_json_quote(
		    out, json_string_value(json_object_get(v, "#text")));
		if (json_object_size(json_object_get(v, "@")) > 0) {
			sb_puts(out, ",\n");
			cmd_json_attributes(
			    json_object_get(v, "@"), depth + 1, out);
		}
		first = false;
	} else if (json_is_object(v)) {
		if (json_object_size(json_object_get(v, "@")) > 0) {
			cmd_json_attributes(
			    json_object_get(v, "@"), depth + 1, out);
			first = false;
		}
		json_object_foreach((json_t *)v, k, x)
		{
			if (k[0] == '@' || json_is_false(x) ||
			    json_is_null(x) ||
			    (json_is_array(x) && json_array_size(x) == 0))
				continue;
			if (!first)
				sb_puts(out, ",\n");
			first = false;
			sb_indent(out, (depth + 1) * 4);
			sb_json_quote(out, k);
			sb_puts(out, " : ");
			cmd_json_element(x, depth + 1, out);
		}
	} else {
		sb_init(&t);
		cmd_scalar_text(v, &t);
		sb_indent(out, (depth + 1) * 4);
		sb_puts(out, "\"data\" : ");
		sb_json_quote(out, sb_str(&t));
		sb_free(&t);
		first = false;
	}
	if (!first)
		sb_putc(out, '\n');
	sb_indent(out, depth * 4);
	sb_putc(out, '}');
}

/*
 * The value of an element in Junos operational JSON (Junos's `| display
 * xml|json`): always a list of objects, its brackets at the member's indent; an
 * empty element (true) is [null].
 */
static void
cmd_json_element(const json_t *v, int depth, struct sb *out)
{
	json_t *x;
	size_t i;

	if (json_is_true(v)) {
		sb_puts(out, "[null]");
		return;
	}
	sb_puts(out, "[\n");
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (i > 0)
				sb_puts(out, ",\n");
			cmd_json_object(x, depth, out);
		}
	} else {
		cmd_json_object(v, depth, out);
	}
	sb_putc(out, '\n');
	sb_indent(out, depth * 4);
	sb_putc(out, ']');
}

void
cmd_display_data(const struct pipes *p, json_t *reply)
{
	json_t *data = json_object_get(reply, "data");
	const char *render =
	    json_string_value(json_object_get(reply, "render"));
	struct sb out;

	if (data == NULL ||
	    (p->display != DISPLAY_JSON && p->display != DISPLAY_XML))
		return;
	/* Data that is one element with its own namespace is Junos's reply
	 * element itself (pki: x509-pki-certificate-info-list); other data
	 * goes under an element named after the rpc. */
	if (json_object_size(data) == 1) {
		const char *k = json_object_iter_key(json_object_iter(data));
		json_t *v = json_object_get(data, k);
		if (json_object_get(json_object_get(v, "@"), "xmlns") != NULL) {
			render = k;
			data = v;
		}
	}
	sb_init(&out);
	if (p->display == DISPLAY_JSON) {
		sb_puts(&out, "{\n    ");
		sb_json_quote(&out, render ? render : "output");
		sb_puts(&out, " : ");
		cmd_json_element(data, 1, &out);
		sb_puts(&out, "\n}\n");
	} else {
		cmd_xml_open(&out);
		cmd_xml_value(render ? render : "output", data, 1, &out);
		cmd_xml_close(&out);
	}
	json_object_del(reply, "render");
	json_object_del(reply, "data");
	reply_out(reply, sb_str(&out));
	sb_free(&out);
}

void
cmd_display_text(const struct pipes *p, json_t *reply)
{
	const char *text = json_string_value(json_object_get(reply, "output"));
	struct sb out;

	if (json_object_get(reply, "error") != NULL ||
	    (p->display != DISPLAY_JSON && p->display != DISPLAY_XML))
		return;
	sb_init(&out);
	if (p->display == DISPLAY_JSON) {
		json_t *o = json_string(text ? text : "");
		sb_puts(&out, "{\n    \"output\" : ");
		cmd_json_element(o, 1, &out);
		sb_puts(&out, "\n}\n");
		json_decref(o);
	} else {
		cmd_xml_open(&out);
		sb_puts(&out, "    <output>\n");
		cmd_xml_text(&out, text ? text : "");
		sb_puts(&out, "    </output>\n");
		cmd_xml_close(&out);
	}
	json_object_set_new(reply, "output", json_string(sb_str(&out)));
	sb_free(&out);
}
