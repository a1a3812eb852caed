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

static const char *const oper_cmds[] = {
	"clear", "configure", "exit", "quit", "request", "show", "set",
};

static bool oper_word(const struct toks *tk, size_t i, const char *w);
static int oper_number(const struct toks *tk, size_t i, int lo, int hi,
    json_t *reply);

/* `set cli screen-length N | screen-width N | timestamp [disable]` */
static void
oper_set_cli(struct session *s, const struct toks *tk, json_t *reply)
{
	static const char *const words[] = { "screen-length", "screen-width",
	    "timestamp" };
	int w, v;

	if (tk->n < 3) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	w = cmd_match(tk->t[2].s, words, 3);
	if (w < 0) {
		reply_syntax(reply, "syntax error.", tk->t[2].off);
		return;
	}
	if (w == 2) {
		bool off = tk->n > 3 && oper_word(tk, 3, "disable");
		if (tk->n > (size_t)(3 + off)) {
			reply_syntax(reply, "syntax error.", tk->t[3 + (size_t)off].off);
			return;
		}
		s->timestamp = !off;
		reply_out(reply, off ? "Disabling timestamp\n" :
		    "Enabling timestamp\n");
		return;
	}
	if ((v = oper_number(tk, 3, w == 0 ? 0 : 40, w == 0 ? 100000 : 1024,
	    reply)) < 0)
		return;
	if (tk->n > 4) {
		reply_syntax(reply, "syntax error.", tk->t[4].off);
		return;
	}
	struct sb m;
	sb_init(&m);
	if (w == 0) {
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
oper_show_cli(struct session *s, json_t *reply)
{
	struct sb m;

	sb_init(&m);
	sb_puts(&m, "CLI complete-on-space set to on\n");
	if (s->screen_length >= 0)
		sb_printf(&m, "CLI screen-length set to %d\n", s->screen_length);
	else
		sb_puts(&m, "CLI screen-length set to the terminal's height\n");
	if (s->screen_width >= 0)
		sb_printf(&m, "CLI screen-width set to %d\n", s->screen_width);
	else
		sb_puts(&m, "CLI screen-width set to the terminal's width\n");
	sb_printf(&m, "CLI terminal is '%s'\n", s->tty);
	sb_printf(&m, "CLI timestamp %s\n", s->timestamp ? "enabled" : "disabled");
	reply_out(reply, sb_str(&m));
	sb_free(&m);
}

static void
oper_commit_header(struct mgd *m, struct sb *out)
{
	struct db_gen g;

	if (db_gen_info(m->db, 0, &g) == 0) {
		sb_puts(out, "## Last commit: ");
		mgd_time(g.time, out);
		sb_printf(out, " by %s\n", g.user);
	}
	db_gen_clear(&g);
}

static void
oper_show_configuration(struct session *s, const struct toks *tk,
    size_t from, size_t end, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct pipes p;
	struct cpath at;
	struct path_err err;
	struct toks sub = *tk;
	size_t pos = from;
	struct sb out, hdr;

	if (cmd_pipes(tk, end, &p, reply) == -1) {
		cmd_pipes_free(&p);
		return;
	}
	sub.n = end;
	cpath_init(&at);
	sb_init(&err.msg);
	sb_init(&out);
	sb_init(&hdr);
	if (path_parse(m->schema, schema_root(m->schema), &sub, &pos,
	    PATH_LOOSE, &at, &err) == -1) {
		size_t caret = err.at_end || err.tok >= tk->n ? tk->end :
		    tk->t[err.tok].off;
		reply_syntax(reply, sb_str(&err.msg), caret);
		goto done;
	}
	if (p.compare) {
		struct conf *base = commit_generation(m,
		    p.compare_rollback < 0 ? 1 : p.compare_rollback);
		if (base == NULL) {
			reply_fail(reply, "error: rollback: requested"
			    " configuration does not exist\n");
			goto done;
		}
		struct diff d;
		conf_diff(base, m->committed, false, &d);
		diff_compare_text(&d, &out);
		diff_free(&d);
		conf_free(base);
	} else {
		oper_commit_header(m, &hdr);
		cmd_show_tree(m->committed, &at, sb_str(&hdr), &p, &out);
	}
	reply_out(reply, sb_str(&out));
	cmd_pipes_reply(&p, reply);
done:
	cmd_pipes_free(&p);
	cpath_free(&at);
	sb_free(&err.msg);
	sb_free(&out);
	sb_free(&hdr);
}

static void
oper_show_commit(struct session *s, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct sb out;
	int n = db_count(m->db);

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

static void
oper_show_rollback(struct session *s, const struct toks *tk, size_t i,
    size_t end, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct pipes p;
	int n, other = -1;
	struct sb out;

	if ((n = oper_number(tk, i, 0, 49, reply)) < 0)
		return;
	if (i + 1 < end) {
		if (strncmp("compare", tk->t[i + 1].s, strlen(tk->t[i + 1].s))) {
			reply_syntax(reply, "syntax error.", tk->t[i + 1].off);
			return;
		}
		if ((other = oper_number(tk, i + 2, 0, 49, reply)) < 0)
			return;
		if (i + 3 < end) {
			reply_syntax(reply, "syntax error.", tk->t[i + 3].off);
			return;
		}
	}
	if (cmd_pipes(tk, end, &p, reply) == -1) {
		cmd_pipes_free(&p);
		return;
	}
	sb_init(&out);
	struct conf *a = commit_generation(m, n);
	struct conf *b = other >= 0 ? commit_generation(m, other) : NULL;
	if (a == NULL || (other >= 0 && b == NULL)) {
		reply_fail(reply, "error: rollback: requested configuration"
		    " does not exist\n");
	} else if (b != NULL) {
		struct diff d;
		/* `show system rollback N compare M`: from M to N */
		conf_diff(b, a, false, &d);
		diff_compare_text(&d, &out);
		diff_free(&d);
		reply_out(reply, sb_str(&out));
	} else {
		struct cpath top;
		struct sb hdr;
		cpath_init(&top);
		sb_init(&hdr);
		sb_puts(&hdr, "## Last changed: ");
		mgd_time(conf_changed(a), &hdr);
		sb_putc(&hdr, '\n');
		cmd_show_tree(a, &top, sb_str(&hdr), &p, &out);
		reply_out(reply, sb_str(&out));
		sb_free(&hdr);
	}
	cmd_pipes_reply(&p, reply);
	cmd_pipes_free(&p);
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
oper_configure(struct session *s, const struct toks *tk, json_t *reply)
{
	struct mgd *m = s->mgd;
	enum sess_db db = SESS_SHARED;
	struct sb out;

	if (tk->n > 2) {
		reply_syntax(reply, "syntax error.", tk->t[2].off);
		return;
	}
	if (tk->n == 2) {
		if (oper_word(tk, 1, "private"))
			db = SESS_PRIVATE;
		else if (oper_word(tk, 1, "exclusive"))
			db = SESS_EXCLUSIVE;
		else {
			reply_syntax(reply, "syntax error.", tk->t[1].off);
			return;
		}
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
		reply_fail(reply, "error: shared configuration database modified\n");
		sb_free(&out);
		return;
	}
	if (db != SESS_SHARED)
		sb_puts(&out, "warning: uncommitted changes will be discarded on exit\n");
	sb_puts(&out, "Entering configuration mode\n");
	/* Who else is editing, as Junos tells. */
	bool others = false;
	for (struct session *x = m->sessions; x; x = x->next) {
		if (x == s || x->mode != SESS_CONFIG)
			continue;
		if (!others)
			sb_puts(&out, "Users currently editing the configuration:\n");
		others = true;
		session_who(x, &out);
	}
	if (db == SESS_SHARED && candidate_is_changed(m, NULL))
		sb_puts(&out, "The configuration has been changed but not committed\n");
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
	if (s->db == SESS_EXCLUSIVE && candidate_is_changed(m, s)) {
		/* `configure exclusive` rolls its changes back on exit. */
		candidate_discard(s);
	}
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
oper_rescue(struct session *s, const struct toks *tk, json_t *reply)
{
	struct mgd *m = s->mgd;

	if (oper_word(tk, 4, "save") && tk->n == 5) {
		struct sb text;
		sb_init(&text);
		conf_text_set(conf_root(m->committed), &text);
		if (db_rescue_save(m->db, s->user, sb_str(&text)) == -1)
			reply_fail(reply, "error: could not save the rescue"
			    " configuration\n");
		sb_free(&text);
	} else if (oper_word(tk, 4, "delete") && tk->n == 5) {
		db_rescue_delete(m->db);
	} else {
		reply_syntax(reply, tk->n <= 4 ? "missing argument." :
		    "syntax error.", tk->n <= 4 ? tk->end : tk->t[4].off);
	}
}

/* Operational rpcs from the schema: parse the words and the arguments. */
static void
oper_rpc(struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	const struct snode *sn = schema_op_root(s->mgd->schema);
	size_t i = 0;

	while (i < end && sn->kind == SN_CMDWORD) {
		const struct snode *m[64];
		const struct snode *hit = snode_child(sn, tk->t[i].s);
		size_t n = hit ? 1 : snode_children_prefix(sn, tk->t[i].s, m, 64);
		if (hit == NULL && n == 1)
			hit = m[0];
		if (hit == NULL) {
			if (n > 1) {
				struct sb e;
				sb_init(&e);
				sb_printf(&e, "'%s' is ambiguous.", tk->t[i].s);
				reply_syntax(reply, sb_str(&e), tk->t[i].off);
				sb_free(&e);
			} else {
				reply_syntax(reply, i == 0 ? "unknown command." :
				    "syntax error, expecting <command>.",
				    tk->t[i].off);
			}
			return;
		}
		sn = hit;
		i++;
	}
	if (sn->kind != SN_RPC) {
		reply_syntax(reply, "syntax error, expecting <command>.", tk->end);
		return;
	}
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
			json_object_set_new(input, sn->positional->name,
			    json_string(tk->t[i].s));
			i++;
			continue;
		}
		if (arg == NULL) {
			reply_syntax(reply, "syntax error.", tk->t[i].off);
			json_decref(input);
			return;
		}
		i++;
		if (arg->flags & SNF_EMPTY) {
			json_object_set_new(input, arg->name, json_true());
			continue;
		}
		if (i >= end) {
			reply_syntax(reply, "missing argument.", tk->end);
			json_decref(input);
			return;
		}
		struct sb why;
		sb_init(&why);
		if (schema_value_check(s->mgd->schema, arg, tk->t[i].s, &why) == -1) {
			reply_syntax(reply, sb_str(&why), tk->t[i].off);
			sb_free(&why);
			json_decref(input);
			return;
		}
		sb_free(&why);
		json_object_set_new(input, arg->name, json_string(tk->t[i].s));
		i++;
	}
	for (size_t k = 0; k < sn->nchild; k++) {
		if ((sn->child[k]->flags & SNF_MANDATORY) &&
		    !json_object_get(input, sn->child[k]->name)) {
			reply_syntax(reply, "missing argument.", tk->end);
			json_decref(input);
			return;
		}
	}
	struct pipes p;
	if (cmd_pipes(tk, end, &p, reply) == -1) {
		cmd_pipes_free(&p);
		json_decref(input);
		return;
	}
	if (p.compare) {
		reply_syntax(reply, "syntax error.", tk->t[end].off);
	} else {
		mgd_rpc(s, sn, input, reply);
		cmd_display_data(&p, reply);
		cmd_pipes_reply(&p, reply);
	}
	cmd_pipes_free(&p);
	json_decref(input);
}

void
cmd_oper(struct session *s, const char *line, json_t *reply)
{
	struct toks tk;
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
	int c = cmd_match(tk.t[0].s, oper_cmds,
	    sizeof(oper_cmds) / sizeof(*oper_cmds));
	if (c == 1) {
		oper_configure(s, &tk, reply);
	} else if (c == 2 || c == 3) {
		json_object_set_new(reply, "exit", json_true());
	} else if (c == 5 && oper_word(&tk, 1, "configuration") &&
	    strlen(tk.t[1].s) >= 4) {
		oper_show_configuration(s, &tk, 2, end, reply);
	} else if (c == 5 && oper_word(&tk, 1, "system") &&
	    oper_word(&tk, 2, "commit") && end == 3) {
		oper_show_commit(s, reply);
	} else if (c == 5 && oper_word(&tk, 1, "system") &&
	    oper_word(&tk, 2, "rollback")) {
		oper_show_rollback(s, &tk, 3, end, reply);
	} else if (c == 5 && oper_word(&tk, 1, "version") && end == 2) {
		struct sb v;
		sb_init(&v);
		sb_printf(&v, "Hostname: %s\nModel: qsafe\nJunos-style shell:"
		    " qsafe %s\n", mgd_hostname(s->mgd), QSAFE_VERSION);
		reply_out(reply, sb_str(&v));
		sb_free(&v);
	} else if (c == 6 && oper_word(&tk, 1, "cli")) {
		oper_set_cli(s, &tk, reply);
	} else if (c == 5 && oper_word(&tk, 1, "cli") && end == 2) {
		oper_show_cli(s, reply);
	} else if (c == 4 && oper_word(&tk, 1, "system") &&
	    oper_word(&tk, 2, "configuration") && oper_word(&tk, 3, "rescue")) {
		oper_rescue(s, &tk, reply);
	} else {
		oper_rpc(s, &tk, end, reply);
	}
done:
	toks_free(&tk);
}
