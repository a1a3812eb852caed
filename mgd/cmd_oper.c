/*
 * cmd_oper: operational-mode commands.  mgd's own (configure, show
 * configuration, show system commit|rollback, request system configuration
 * rescue, show version) are here; the rest are rpcs of the schema
 * (qc:command) routed to their handler.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "mgd/cmd.h"
#include "mgd/db.h"
#include "schema/conf_diff.h"
#include "schema/conf_text.h"

/* `set cli screen-length|screen-width` (Junos's ranges) */
#define CLI_LENGTH_MAX 100000
#define CLI_WIDTH_MIN 40
#define CLI_WIDTH_MAX 1024

static bool oper_word(const struct toks *tk, size_t i, const char *w);
static int oper_number(
    const struct toks *tk, size_t i, int lo, int hi, json_t *reply);

/* A word after a command that takes none. */
static bool
oper_no_args(const struct toks *tk, size_t arg, size_t end, json_t *reply)
{
	if (arg >= end)
		return true;
	reply_syntax(reply, "syntax error.", tk->t[arg].off);
	return false;
}

/* `set cli timestamp [disable]` */
static void
oper_set_timestamp(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply)
{
	bool off = arg < end && oper_word(tk, arg, "disable");

	if (!off && arg < end) {
		reply_syntax(reply, "syntax error.", tk->t[arg].off);
		return;
	}
	if (!oper_no_args(tk, arg + off, end, reply))
		return;
	s->timestamp = !off;
	reply_out(
	    reply, off ? "Disabling timestamp\n" : "Enabling timestamp\n");
}

/* `set cli screen-length N` and `set cli screen-width N` */
static void
oper_set_screen(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply, bool length)
{
	int v;
	struct sb m;

	if (arg >= end) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	/* Width 0 (as in Junos): no width of its own, the terminal's. */
	if (!length && strcmp(tk->t[arg].s, "0") == 0)
		v = 0;
	else if ((v = oper_number(tk, arg, length ? 0 : CLI_WIDTH_MIN,
		      length ? CLI_LENGTH_MAX : CLI_WIDTH_MAX, reply)) < 0)
		return;
	if (!oper_no_args(tk, arg + 1, end, reply))
		return;
	sb_init(&m);
	if (length) {
		s->screen_length = v;
		sb_printf(&m, "Screen length set to %d\n", v);
	} else {
		s->screen_width = v;
		sb_printf(&m, "Screen width set to %d\n", v);
	}
	reply_out(reply, sb_str(&m));
	sb_free(&m);
}

static void
oper_set_length(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply)
{
	oper_set_screen(s, tk, arg, end, p, reply, true);
}

static void
oper_set_width(struct session *s, const struct toks *tk, size_t arg, size_t end,
    const struct pipes *p, json_t *reply)
{
	oper_set_screen(s, tk, arg, end, p, reply, false);
}

static void
oper_show_cli(struct session *s, const struct toks *tk, size_t arg, size_t end,
    const struct pipes *p, json_t *reply)
{
	struct sb m;

	if (!oper_no_args(tk, arg, end, reply))
		return;
	sb_init(&m);
	sb_puts(&m, "CLI complete-on-space set to on\n");
	if (s->screen_length >= 0)
		sb_printf(
		    &m, "CLI screen-length set to %d\n", s->screen_length);
	else
		sb_puts(&m, "CLI screen-length set to the terminal's height\n");
	if (s->screen_width >= 0)
		sb_printf(&m, "CLI screen-width set to %d\n", s->screen_width);
	else
		sb_puts(&m, "CLI screen-width set to the terminal's width\n");
	sb_printf(&m, "CLI terminal is '%s'\n", s->tty);
	sb_printf(
	    &m, "CLI timestamp %s\n", s->timestamp ? "enabled" : "disabled");
	reply_out(reply, sb_str(&m));
	sb_free(&m);
}

/* In operational mode a configuration in braces ends with an empty line
 * before the prompt (Junos's exit from configuration mode, VERBATIM). */
static void
oper_conf_end(const struct pipes *p, struct sb *out)
{
	if (p->display == DISPLAY_TEXT && out->len > 0)
		sb_putc(out, '\n');
}

static void
oper_show_configuration(struct session *s, const struct toks *tk, size_t from,
    size_t end, const struct pipes *p, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct cpath at;
	struct path_err err;
	struct toks sub = *tk;
	size_t pos = from;
	struct sb out;

	sub.n = end;
	cpath_init(&at);
	sb_init(&err.msg);
	sb_init(&out);
	if (path_parse(m->schema, schema_root(m->schema), &sub, &pos,
		PATH_LOOSE, &at, &err) == -1) {
		reply_syntax(reply, sb_str(&err.msg), path_err_caret(&err, tk));
		goto done;
	}
	if (p->compare) {
		struct conf *base = commit_generation(
		    m, p->compare_rollback < 0 ? 1 : p->compare_rollback);
		if (base == NULL) {
			cmd_rollback_missing(reply);
			goto done;
		}
		struct diff d;
		conf_diff(base, m->committed, false, &d);
		diff_compare_text(&d, &out);
		diff_free(&d);
		conf_free(base);
	} else {
		struct db_gen g;
		struct show_stamp st = { 0 };
		bool any = db_gen_info(m->db, 0, &g) == 0;
		st.time = g.time;
		st.user = g.user;
		cmd_show_tree(p->inherit ? mgd_running(m) : m->committed, &at,
		    any ? &st : NULL, p, &out);
		if (p->no_comments)
			grp_strip_comments(&out);
		oper_conf_end(p, &out);
		db_gen_clear(&g);
	}
	reply_out_sb(s, reply, &out);
done:
	cpath_free(&at);
	sb_free(&err.msg);
	sb_free(&out);
}

/*
 * `show system commit | display xml|json`: the history as data, which
 * cmd_display_data prints.  RECONSTRUCTED from Junos's conventions (the
 * element names commit-information, commit-history, sequence-number, user,
 * client, date-time with junos:seconds, comment; not a captured reply).
 * The rescue line and the pending-confirmation line of the text have no
 * element here.
 */
static void
oper_commit_data(struct mgd *m, json_t *reply)
{
	json_t *hist = json_array();
	int n = db_count(m->db);

	for (int i = 0; i < n; i++) {
		struct db_gen g;
		struct sb when;
		char secs[32];
		if (db_gen_info(m->db, i, &g) == -1)
			break;
		sb_init(&when);
		mgd_time(g.time, &when);
		snprintf(secs, sizeof(secs), "%lld", (long long)g.time);
		json_t *h = json_pack("{s:i, s:s, s:s, s:{s:{s:s}, s:s}}",
		    "sequence-number", i, "user", g.user, "client", g.client,
		    "date-time", "@", "junos:seconds", secs, "#text",
		    sb_str(&when));
		if (g.comment && *g.comment)
			json_object_set_new(
			    h, "comment", json_string(g.comment));
		json_array_append_new(hist, h);
		sb_free(&when);
		db_gen_clear(&g);
	}
	json_object_set_new(
	    reply, "data", json_pack("{s:o}", "commit-history", hist));
	json_object_set_new(reply, "render", json_string("commit-information"));
}

static void
oper_show_commit(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct sb out;
	int n = db_count(m->db);

	if (!oper_no_args(tk, arg, end, reply))
		return;
	if (p->display == DISPLAY_XML || p->display == DISPLAY_JSON) {
		oper_commit_data(m, reply);
		return;
	}
	sb_init(&out);
	if (m->confirm_deadline > 0) {
		int64_t left = m->confirm_deadline - (int64_t)time(NULL);
		if (left < 0)
			left = 0;
		sb_printf(&out, "commit confirmed, rollback in %lldm%llds\n",
		    (long long)(left / 60), (long long)(left % 60));
	}
	for (int i = 0; i < n; i++) {
		struct db_gen g;
		if (db_gen_info(m->db, i, &g) == -1)
			break;
		sb_printf(&out, "%-4d", i);
		mgd_time(g.time, &out);
		sb_printf(&out, " by %s via %s\n", g.user, g.client);
		if (g.comment && *g.comment)
			sb_printf(&out, "    %s\n", g.comment);
		db_gen_clear(&g);
	}
	int64_t t;
	char *user = NULL;
	char *text = db_rescue_get(m->db, &t, &user);
	if (text != NULL) {
		sb_puts(&out, "rescue  ");
		mgd_time(t, &out);
		sb_printf(&out, " by %s via cli\n", user ? user : "root");
	}
	free(text);
	free(user);
	reply_out(reply, sb_str(&out));
	sb_free(&out);
}

static int
oper_number(const struct toks *tk, size_t i, int lo, int hi, json_t *reply)
{
	char *e;
	long v;

	if (i >= tk->n) {
		reply_syntax(reply, "missing argument.", tk->end);
		return -1;
	}
	v = strtol(tk->t[i].s, &e, 10);
	if (*e || v < lo || v > hi) {
		struct sb m;
		sb_init(&m);
		sb_printf(&m, "Value %s is not within range (%d..%d)",
		    tk->t[i].s, lo, hi);
		reply_syntax(reply, sb_str(&m), tk->t[i].off);
		sb_free(&m);
		return -1;
	}
	return (int)v;
}

/* A rollback number, or -1 after a syntax error (not a number). */
static int
oper_rollback_number(const struct toks *tk, size_t i, json_t *reply)
{
	int n = cmd_rollback_index(tk->t[i].s);

	if (n < 0)
		reply_syntax(reply, "syntax error.", tk->t[i].off);
	return n;
}

static void
oper_show_rollback(struct session *s, const struct toks *tk, size_t i,
    size_t end, const struct pipes *p, json_t *reply)
{
	struct mgd *m = s->mgd;
	int n, other = -1;
	struct sb out;

	if (i >= end) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	if ((n = oper_rollback_number(tk, i, reply)) < 0)
		return;
	if (i + 1 < end) {
		if (strncmp(
			"compare", tk->t[i + 1].s, strlen(tk->t[i + 1].s))) {
			reply_syntax(reply, "syntax error.", tk->t[i + 1].off);
			return;
		}
		if (i + 2 >= end) {
			reply_syntax(reply, "missing argument.", tk->end);
			return;
		}
		if ((other = oper_rollback_number(tk, i + 2, reply)) < 0)
			return;
		if (i + 3 < end) {
			reply_syntax(reply, "syntax error.", tk->t[i + 3].off);
			return;
		}
	}
	sb_init(&out);
	struct conf *a = commit_generation(m, n);
	struct conf *b = other >= 0 ? commit_generation(m, other) : NULL;
	if (a == NULL || (other >= 0 && b == NULL)) {
		cmd_rollback_missing(reply);
	} else if (b != NULL) {
		struct diff d;
		/* `show system rollback N compare M`: from M to N */
		conf_diff(b, a, false, &d);
		diff_compare_text(&d, &out);
		diff_free(&d);
		reply_out(reply, sb_str(&out));
	} else {
		struct cpath top;
		struct show_stamp st = { conf_changed(a), NULL };
		cpath_init(&top);
		cmd_show_tree(a, &top, &st, p, &out);
		oper_conf_end(p, &out);
		reply_out(reply, sb_str(&out));
	}
	conf_free(a);
	conf_free(b);
	sb_free(&out);
}

static bool
oper_word(const struct toks *tk, size_t i, const char *w)
{
	return i < tk->n && !tk->t[i].quoted && strlen(tk->t[i].s) > 0 &&
	    strncmp(w, tk->t[i].s, strlen(tk->t[i].s)) == 0;
}

static void
oper_configure(struct session *s, const struct toks *tk, size_t arg, size_t end,
    const struct pipes *p, json_t *reply)
{
	static const char *const kinds[] = { "private", "exclusive" };
	struct mgd *m = s->mgd;
	enum sess_db db = SESS_SHARED;
	struct sb out;

	if (arg < end) {
		int k = cmd_match(tk->t[arg].s, kinds, 2);
		if (k < 0) {
			reply_syntax(reply, "syntax error.", tk->t[arg].off);
			return;
		}
		if (!oper_no_args(tk, arg + 1, end, reply))
			return;
		db = k == 0 ? SESS_PRIVATE : SESS_EXCLUSIVE;
	}
	sb_init(&out);
	if (db == SESS_EXCLUSIVE && m->exclusive != NULL) {
		sb_puts(&out, "error: configuration database locked by:\n");
		session_who(m->exclusive, &out);
		reply_fail(reply, sb_str(&out));
		sb_free(&out);
		return;
	}
	if (db != SESS_SHARED && candidate_is_changed(m, NULL)) {
		/* and who is editing it, if anyone (Junos's `configure`) */
		bool header = false;
		sb_puts(
		    &out, "error: shared configuration database modified\n");
		for (struct session *x = m->sessions; x; x = x->next) {
			if (x == s || x->mode != SESS_CONFIG)
				continue;
			if (!header)
				sb_puts(&out,
				    "Users currently editing the"
				    " configuration:\n");
			header = true;
			session_who(x, &out);
		}
		reply_fail(reply, sb_str(&out));
		sb_free(&out);
		return;
	}
	if (db != SESS_SHARED)
		sb_puts(&out,
		    "warning: uncommitted changes will be discarded on exit\n");
	sb_puts(&out, "Entering configuration mode\n");
	/* Who else is editing, as Junos tells. */
	bool others = false;
	for (struct session *x = m->sessions; x; x = x->next) {
		if (x == s || x->mode != SESS_CONFIG)
			continue;
		if (!others)
			sb_puts(&out,
			    "Users currently editing the configuration:\n");
		others = true;
		session_who(x, &out);
	}
	if (db == SESS_SHARED && candidate_is_changed(m, NULL))
		sb_puts(&out,
		    "The configuration has been changed but not committed\n");
	s->mode = SESS_CONFIG;
	s->db = db;
	s->since = (int64_t)time(NULL);
	if (db == SESS_PRIVATE) {
		s->priv = conf_dup(m->committed);
		sb_reset(&s->priv_journal);
		s->priv_journal.len = 0;
	}
	if (db == SESS_EXCLUSIVE)
		m->exclusive = s;
	reply_out(reply, sb_str(&out));
	sb_free(&out);
}

void
cmd_session_end(struct session *s)
{
	struct mgd *m = s->mgd;

	if (s->mode != SESS_CONFIG)
		return;
	/* `configure exclusive` rolls its changes back on exit; a session
	 * that goes while its commit is on its way leaves them to it. */
	if (s->db == SESS_EXCLUSIVE && candidate_is_changed(m, s) &&
	    !commit_takes_exclusive_changes(m, s))
		candidate_discard(s);
	if (m->exclusive == s)
		m->exclusive = NULL;
	conf_free(s->priv);
	s->priv = NULL;
	sb_reset(&s->priv_journal);
	s->priv_journal.len = 0;
	cpath_free(&s->level);
	cpath_init(&s->level);
	s->mode = SESS_OPER;
	s->db = SESS_SHARED;
	s->wait = WAIT_NONE;
}

static void
oper_rescue_save(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct sb text;

	if (!oper_no_args(tk, arg, end, reply))
		return;
	sb_init(&text);
	conf_text_set(conf_root(m->committed), &text);
	if (db_rescue_save(m->db, s->user, sb_str(&text)) == -1)
		reply_fail(reply,
		    "error: could not save the rescue"
		    " configuration\n");
	sb_free(&text);
}

static void
oper_rescue_delete(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply)
{
	if (oper_no_args(tk, arg, end, reply))
		db_rescue_delete(s->mgd->db);
}

static void
oper_show_version(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply)
{
	struct sb v;

	if (!oper_no_args(tk, arg, end, reply))
		return;
	sb_init(&v);
	if (*mgd_hostname(s->mgd) != '\0')
		sb_printf(&v, "Hostname: %s\n", mgd_hostname(s->mgd));
	sb_printf(
	    &v, "Model: qsafe\nJunos-style shell: qsafe %s\n", QSAFE_VERSION);
	reply_out(reply, sb_str(&v));
	sb_free(&v);
}

static void
oper_exit(struct session *s, const struct toks *tk, size_t arg, size_t end,
    const struct pipes *p, json_t *reply)
{
	if (oper_no_args(tk, arg, end, reply))
		json_object_set_new(reply, "exit", json_true());
}

/* The table (cmd.h).  Junos's help texts. */
#define OPSUB(t) .sub = (t), .nsub = (sizeof(t) / sizeof(*(t)))

static const struct opcmd op_rescue[] = {
	{ "delete", "Delete rescue configuration", .fn = oper_rescue_delete,
	    .run = true },
	{ "save", "Save current configuration as rescue configuration",
	    .fn = oper_rescue_save, .run = true },
};
static const struct opcmd op_req_cfg[] = {
	{ "rescue", "Request operations on rescue configuration",
	    OPSUB(op_rescue) },
};
static const struct opcmd op_req_sys[] = {
	{ "configuration", "Request operation on system configuration",
	    OPSUB(op_req_cfg) },
};
static const struct opcmd op_request[] = {
	{ "system", "System operations", OPSUB(op_req_sys) },
};
static const struct opcmd op_show_sys[] = {
	{ "commit", "Show pending commit and commit history",
	    .fn = oper_show_commit, .run = true, .own_display = true },
	{ "rollback", "Show rolled back configuration", .args = OPA_ROLLBACK,
	    .fn = oper_show_rollback, .own_display = true },
};
static const struct opcmd op_show[] = {
	{ "cli", "Show command-line interface settings", .fn = oper_show_cli,
	    .run = true },
	{ "configuration", "Show current configuration", .args = OPA_PATH,
	    .fn = oper_show_configuration, .run = true, .own_display = true },
	{ "system", "Show system information", OPSUB(op_show_sys) },
	{ "version", "Show software process revision levels",
	    .fn = oper_show_version, .run = true },
};
static const struct opcmd op_set_cli[] = {
	{ "screen-length", "Set number of lines on screen", .args = OPA_NUMBER,
	    .fn = oper_set_length, .lo = 0, .hi = CLI_LENGTH_MAX },
	{ "screen-width", "Set number of characters on a line",
	    .args = OPA_NUMBER, .fn = oper_set_width, .lo = CLI_WIDTH_MIN,
	    .hi = CLI_WIDTH_MAX, .zero_ok = true },
	{ "timestamp", "Timestamp CLI output", .args = OPA_TIMESTAMP,
	    .fn = oper_set_timestamp, .run = true },
};
static const struct opcmd op_set[] = {
	{ "cli", "Set CLI properties", OPSUB(op_set_cli) },
};
const struct opcmd oper_top[] = {
	{ "clear", "Clear information in the system", .sub = NULL },
	{ "configure", "Manipulate software configuration information",
	    .args = OPA_CONFIGURE, .fn = oper_configure, .run = true },
	{ "exit", "Exit the management session", .fn = oper_exit, .run = true },
	{ "quit", "Exit the management session", .fn = oper_exit, .run = true },
	{ "request", "Make system-level requests", OPSUB(op_request) },
	{ "set", "Set CLI properties, date/time, craft interface message",
	    OPSUB(op_set) },
	{ "show", "Show system information", OPSUB(op_show) },
};
const size_t oper_ntop = sizeof(oper_top) / sizeof(*oper_top);

size_t
oper_choices(const struct opcmd *tbl, size_t ntbl, const struct snode *sn,
    struct opchoice *out, size_t max)
{
	size_t n = 0;

	for (size_t k = 0; k < ntbl && n < max; k++, n++) {
		out[n].name = tbl[k].name;
		out[n].help = tbl[k].help;
		out[n].o = &tbl[k];
		out[n].sn = sn ? snode_child(sn, tbl[k].name) : NULL;
	}
	for (size_t k = 0; sn && k < sn->nchild && n < max; k++) {
		bool dup = false;
		for (size_t j = 0; j < ntbl && !dup; j++)
			dup = strcmp(tbl[j].name, sn->child[k]->name) == 0;
		if (dup)
			continue;
		out[n].name = sn->child[k]->name;
		out[n].help = sn->child[k]->dsc;
		out[n].o = NULL;
		out[n++].sn = sn->child[k];
	}
	return n;
}

/* The arguments of an rpc of the schema, then the call to its handler. */
static void
oper_rpc(struct session *s, const struct snode *sn, const struct toks *tk,
    size_t i, size_t end, const struct pipes *p, json_t *reply)
{
	json_t *input = json_object();

	while (i < end) {
		const struct snode *arg = snode_child(sn, tk->t[i].s);
		if (arg == NULL) {
			const struct snode *m[64];
			if (snode_children_prefix(sn, tk->t[i].s, m, 64) == 1)
				arg = m[0];
		}
		if (arg == NULL && sn->positional &&
		    !json_object_get(input, sn->positional->name)) {
			/* typed like any other argument (`show security ike
			 * security-associations <peer-address>`) */
			struct sb why;
			sb_init(&why);
			if (schema_value_check(s->mgd->schema, sn->positional,
				tk->t[i].s, &why) == -1) {
				reply_syntax(reply, sb_str(&why), tk->t[i].off);
				sb_free(&why);
				goto done;
			}
			sb_free(&why);
			json_object_set_new(input, sn->positional->name,
			    json_string(tk->t[i].s));
			i++;
			continue;
		}
		if (arg == NULL) {
			reply_syntax(reply, "syntax error.", tk->t[i].off);
			goto done;
		}
		i++;
		if (arg->flags & SNF_EMPTY) {
			json_object_set_new(input, arg->name, json_true());
			continue;
		}
		if (i >= end) {
			reply_syntax(reply, "missing argument.", tk->end);
			goto done;
		}
		struct sb why;
		sb_init(&why);
		if (schema_value_check(s->mgd->schema, arg, tk->t[i].s, &why) ==
		    -1) {
			reply_syntax(reply, sb_str(&why), tk->t[i].off);
			sb_free(&why);
			goto done;
		}
		sb_free(&why);
		json_object_set_new(input, arg->name, json_string(tk->t[i].s));
		i++;
	}
	for (size_t k = 0; k < sn->nchild; k++) {
		if ((sn->child[k]->flags & SNF_MANDATORY) &&
		    !json_object_get(input, sn->child[k]->name)) {
			reply_syntax(reply, "missing argument.", tk->end);
			goto done;
		}
	}
	if (p->compare)
		reply_syntax(reply, "syntax error.", tk->t[end].off);
	else
		mgd_rpc(s, sn, input, p, reply);
done:
	json_decref(input);
}

/*
 * Walks the command words over mgd's table and the schema's rpcs together,
 * with Junos abbreviations (a unique prefix of the choices at that point),
 * and runs what they name.
 */
static void
oper_dispatch(struct session *s, const struct toks *tk, size_t end,
    const struct pipes *p, json_t *reply)
{
	const struct opcmd *tbl = oper_top;
	size_t ntbl = oper_ntop;
	const struct snode *sn = schema_op_root(s->mgd->schema);
	struct opchoice ch[128];
	const char *names[128];

	for (size_t i = 0; i < end; i++) {
		size_t n = oper_choices(tbl, ntbl, sn, ch, 128);
		for (size_t k = 0; k < n; k++)
			names[k] = ch[k].name;
		int k = tk->t[i].quoted ? -1 : cmd_match(tk->t[i].s, names, n);
		if (k == -2) {
			struct sb e;
			sb_init(&e);
			sb_printf(&e, "'%s' is ambiguous.", tk->t[i].s);
			reply_syntax(reply, sb_str(&e), tk->end);
			sb_free(&e);
			return;
		}
		if (k < 0) {
			reply_syntax(reply,
			    i == 0 ? "unknown command."
				   : "syntax error, expecting <command>.",
			    tk->t[i].off);
			return;
		}
		const struct opchoice *c = &ch[k];
		if (c->o != NULL && c->o->fn != NULL) {
			c->o->fn(s, tk, i + 1, end, p, reply);
			if (!c->o->own_display)
				cmd_display_text(p, reply);
			return;
		}
		if (c->sn != NULL && c->sn->kind == SN_RPC) {
			oper_rpc(s, c->sn, tk, i + 1, end, p, reply);
			return;
		}
		tbl = c->o ? c->o->sub : NULL;
		ntbl = c->o ? c->o->nsub : 0;
		sn = c->sn != NULL && c->sn->kind == SN_CMDWORD ? c->sn : NULL;
	}
	/* under the pipe when one follows, else at the end of the line */
	reply_syntax(reply, "syntax error, expecting <command>.",
	    end < tk->n ? tk->t[end].off : tk->end);
}

void
cmd_oper(struct session *s, const char *line, json_t *reply)
{
	struct toks tk;
	struct pipes p;
	struct sb err;
	size_t off, end;

	sb_init(&err);
	if (lex_line(line, strlen(line), &tk, &err, &off) == -1) {
		reply_syntax(reply, sb_str(&err), off);
		sb_free(&err);
		return;
	}
	sb_free(&err);
	if (tk.n == 0)
		goto done;
	end = cmd_pipe_start(&tk);
	if (cmd_pipes(&tk, end, &p, reply) == 0) {
		/* Every command's output goes through the same pipes. */
		oper_dispatch(s, &tk, end, &p, reply);
		/* (a daemon's answer gets them when it comes: mgd_rpc) */
		if (json_object_get(reply, "error") == NULL &&
		    s->rpc_call == NULL) {
			cmd_display_data(&p, reply);
			cmd_pipes_reply(&p, reply);
		}
	}
	cmd_pipes_free(&p);
done:
	toks_free(&tk);
}
