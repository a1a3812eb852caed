/*
 * cmd_config: configuration-mode commands (Junos's CLI).
 * Every edit is applied to the session's candidate and written to the store
 * before the reply says it succeeded.  `load` and `save` are in cmd_load.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/log.h"
#include "mgd/cmd.h"
#include "mgd/db.h"
#include "schema/conf_diff.h"
#include "schema/conf_load.h"
#include "schema/conf_text.h"
#include "schema/edit.h"

static const char *const config_cmds[] = {
	"activate",
	"annotate",
	"commit",
	"copy",
	"deactivate",
	"delete",
	"edit",
	"exit",
	"insert",
	"load",
	"quit",
	"rename",
	"rollback",
	"run",
	"save",
	"set",
	"show",
	"status",
	"top",
	"up",
};

static void
config_lock_msg(struct mgd *m, struct sb *out)
{
	sb_puts(out, "error: configuration database locked by:\n");
	session_who(m->exclusive, out);
}

/* May s change the shared candidate? (an exclusive lock of another) */
bool
config_may_edit(struct session *s, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct sb out;

	if (s->db == SESS_PRIVATE || m->exclusive == NULL || m->exclusive == s)
		return true;
	sb_init(&out);
	config_lock_msg(m, &out);
	reply_fail(reply, sb_str(&out));
	sb_free(&out);
	return false;
}

static void
config_path_error(
    json_t *reply, const struct toks *tk, const struct path_err *err)
{
	reply_syntax(
	    reply, err->msg.buf ? err->msg.buf : "", path_err_caret(err, tk));
}

static void
config_edit_cmd(
    struct session *s, const char *line, const struct toks *tk, json_t *reply)
{
	struct conf *c = session_conf(s);
	struct path_err err;
	struct sb warn;

	if (!config_may_edit(s, reply))
		return;
	sb_init(&err.msg);
	sb_init(&warn);
	if (edit_apply(c, &s->level, tk, 0, &err, &warn) == -1) {
		config_path_error(reply, tk, &err);
	} else if (candidate_journal(s, "edit", line) == -1) {
		reply_fail(reply,
		    "error: the edit could not be stored; it was"
		    " not applied\n");
		/* memory and store must agree: rebuild from the store */
		candidate_load_from_db(s->mgd);
	} else if (warn.len > 0) {
		reply_out(reply, sb_str(&warn));
	}
	sb_free(&err.msg);
	sb_free(&warn);
}

static void
config_edit_level(
    struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct path_err err;
	struct cpath rel;
	struct toks sub = *tk;
	size_t pos = 1;

	sub.n = end;
	sb_init(&err.msg);
	cpath_init(&rel);
	if (path_parse(s->mgd->schema, cpath_snode(s->mgd->schema, &s->level),
		&sub, &pos, PATH_EDIT, &rel, &err) == -1) {
		config_path_error(reply, tk, &err);
	} else if (rel.n > 0 && rel.step[rel.n - 1].sn->kind == SN_LIST &&
	    rel.step[rel.n - 1].val == NULL) {
		reply_syntax(reply, "missing argument.", tk->end);
	} else {
		cpath_append(&s->level, &rel);
	}
	cpath_free(&rel);
	sb_free(&err.msg);
}

static void
config_up(struct session *s, int n)
{
	while (n-- > 0 && s->level.n > 0) {
		/* A list entry and its keyword are one level. */
		s->level.n--;
		free(s->level.step[s->level.n].val);
		/* steps that were siblings of a leaf collapse together */
	}
}

static void
config_leave(struct session *s, json_t *reply)
{
	struct mgd *m = s->mgd;

	if (candidate_is_changed(m, s)) {
		reply_out(reply,
		    "The configuration has been changed but not"
		    " committed\n");
		if (s->db == SESS_SHARED) {
			json_object_set_new(reply, "ask",
			    json_string("Exit with uncommitted changes? "
					"[yes,no] (yes)"));
			s->wait = WAIT_EXIT_UNCOMMITTED;
			return;
		}
		if (s->db == SESS_EXCLUSIVE)
			reply_out(reply,
			    "warning: Auto rollback on exiting"
			    " 'configure exclusive'\n");
		json_object_set_new(reply, "ask",
		    json_string("Discard uncommitted changes? [yes,no] (yes)"));
		s->wait = WAIT_DISCARD;
		return;
	}
	cmd_session_end(s);
	reply_out(reply, "Exiting configuration mode\n");
}

/* `up [N]` */
static void
config_up_cmd(struct session *s, const struct toks *tk, json_t *reply)
{
	long n = 1;

	if (tk->n > 1) {
		char *e;
		n = strtol(tk->t[1].s, &e, 10);
		if (*e != '\0' || n < 1 || n > 255) {
			reply_syntax(reply, "syntax error.", tk->t[1].off);
			return;
		}
		if (tk->n > 2) {
			reply_syntax(reply, "syntax error.", tk->t[2].off);
			return;
		}
	}
	config_up(s, (int)n);
}

static void
config_show(struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct pipes p;
	struct cpath at, rel;
	struct path_err err;
	struct toks sub = *tk;
	size_t pos = 1;
	struct sb out;

	if (cmd_pipes(tk, end, &p, reply) == -1) {
		cmd_pipes_free(&p);
		return;
	}
	sub.n = end;
	cpath_copy(&at, &s->level);
	cpath_init(&rel);
	sb_init(&err.msg);
	sb_init(&out);
	if (path_parse(m->schema, cpath_snode(m->schema, &s->level), &sub, &pos,
		PATH_LOOSE, &rel, &err) == -1) {
		config_path_error(reply, tk, &err);
		goto done;
	}
	cpath_append(&at, &rel);
	if (p.compare) {
		struct conf *base = p.compare_rollback < 0
		    ? NULL
		    : commit_generation(m, p.compare_rollback);
		struct diff d;
		if (p.compare_rollback >= 0 && base == NULL) {
			cmd_rollback_missing(reply);
			goto done;
		}
		conf_diff(base ? base : m->committed, session_conf(s),
		    base == NULL && s->db != SESS_PRIVATE, &d);
		diff_compare_text(&d, &out);
		diff_free(&d);
		conf_free(base);
	} else {
		struct show_stamp st = { conf_changed(session_conf(s)), NULL };
		struct grp *own = NULL;
		struct conf *c = session_conf(s), *x = NULL;
		if (p.inherit)
			x = candidate_expanded(
			    m, c, s->db == SESS_PRIVATE ? &own : NULL, NULL);
		cmd_show_tree(x ? x : c, &at, &st, &p, &out);
		if (p.no_comments)
			grp_strip_comments(&out);
		grp_free(own);
	}
	reply_out_sb(s, reply, &out);
	cmd_pipes_reply(&p, reply);
done:
	cmd_pipes_free(&p);
	cpath_free(&at);
	cpath_free(&rel);
	sb_free(&err.msg);
	sb_free(&out);
}

static void
config_status(struct session *s, json_t *reply)
{
	struct sb out;

	sb_init(&out);
	sb_puts(&out, "Users currently editing the configuration:\n");
	for (struct session *x = s->mgd->sessions; x; x = x->next) {
		if (x->mode == SESS_CONFIG)
			session_who(x, &out);
	}
	reply_out(reply, sb_str(&out));
	sb_free(&out);
}

/*
 * A reply's "history" is the line the cli records in place of the typed
 * one (a secret in its $9$ form); a line run through `top` keeps it.
 */
static void
config_history_prefix(json_t *reply, const char *prefix)
{
	const char *h = json_string_value(json_object_get(reply, "history"));
	char *both;

	if (h == NULL)
		return;
	if (asprintf(&both, "%s%s", prefix, h) == -1)
		return;
	json_object_set_new(reply, "history", json_string(both));
	free(both);
}

void
cmd_config(struct session *s, const char *line, json_t *reply)
{
	struct toks tk;
	struct sb err;
	size_t off, end;
	int c;

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
	c = cmd_match(
	    tk.t[0].s, config_cmds, sizeof(config_cmds) / sizeof(*config_cmds));
	if (c == -2) {
		struct sb m;
		sb_init(&m);
		sb_printf(&m, "'%s' is ambiguous.", tk.t[0].s);
		/* after the last typed character (as Junos places it) */
		reply_syntax(reply, sb_str(&m), tk.end);
		sb_free(&m);
		goto done;
	}
	if (c == -1) {
		reply_syntax(reply, "unknown command.", tk.t[0].off);
		goto done;
	}
	const char *cmd = config_cmds[c];
	/* Abbreviated command words are spelled out for the editor. */
	free(tk.t[0].s);
	tk.t[0].s = xstrdup(cmd);
	/* `run` and `top` hand their pipes to the command they run. */
	/* (commit and rollback take the pipes of a result: see
	 * config_result_pipes) */
	if (strcmp(cmd, "show") != 0 && strcmp(cmd, "run") != 0 &&
	    strcmp(cmd, "top") != 0 && strcmp(cmd, "commit") != 0 &&
	    strcmp(cmd, "rollback") != 0 && end < tk.n) {
		reply_syntax(reply, "syntax error.", tk.t[end].off);
		goto done;
	}
	if (edit_is_command(cmd)) {
		if (strcmp(cmd, "delete") == 0 && tk.n == 1 &&
		    s->level.n == 0) {
			if (!config_may_edit(s, reply))
				goto done;
			reply_out(reply,
			    "This will delete the entire configuration\n");
			json_object_set_new(reply, "ask",
			    json_string("Delete everything under this level? "
					"[yes,no] (no)"));
			s->wait = WAIT_DELETE_ALL;
			goto done;
		}
		struct sb full;
		sb_init(&full);
		/* The line is applied and journalled with its secrets in $9$
		 * form: the store never sees what was typed. */
		size_t hidden =
		    edit_hide_secrets(session_conf(s), &s->level, &tk, 0);
		for (size_t i = 0; i < tk.n; i++) {
			if (i > 0)
				sb_putc(&full, ' ');
			lex_quote(&full, tk.t[i].s);
		}
		/* nor the cli's history: it records this form instead */
		if (hidden > 0)
			json_object_set_new(
			    reply, "history", json_string(sb_str(&full)));
		config_edit_cmd(s, sb_str(&full), &tk, reply);
		sb_free(&full);
	} else if (strcmp(cmd, "edit") == 0) {
		config_edit_level(s, &tk, end, reply);
	} else if (strcmp(cmd, "up") == 0) {
		config_up_cmd(s, &tk, reply);
	} else if (strcmp(cmd, "top") == 0 && tk.n == 1) {
		config_up(s, (int)s->level.n);
	} else if (strcmp(cmd, "top") == 0) {
		/* `top set ...`, `top show ...`: run it from the top; only a
		 * command that moves (`top edit ...`) leaves the level. */
		struct cpath save;
		cpath_copy(&save, &s->level);
		config_up(s, (int)s->level.n);
		cmd_config(s, line + tk.t[1].off, reply);
		cmd_caret_shift(reply, tk.t[1].off);
		config_history_prefix(reply, "top ");
		if (s->mode == SESS_CONFIG && s->level.n == 0) {
			cpath_free(&s->level);
			s->level = save;
		} else {
			cpath_free(&save);
		}
	} else if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "quit") == 0) {
		bool all = tk.n > 1 &&
		    strncmp("configuration-mode", tk.t[1].s,
			strlen(tk.t[1].s)) == 0;
		/* quit is exit (Junos: "Exit from this level" for both) */
		if (s->level.n > 0 && !all)
			config_up(s, 1);
		else
			config_leave(s, reply);
	} else if (strcmp(cmd, "show") == 0) {
		config_show(s, &tk, end, reply);
	} else if (strcmp(cmd, "commit") == 0) {
		config_commit(s, &tk, end, reply);
	} else if (strcmp(cmd, "rollback") == 0) {
		config_rollback(s, &tk, end, reply);
	} else if (strcmp(cmd, "load") == 0) {
		config_load(s, &tk, end, reply);
	} else if (strcmp(cmd, "save") == 0) {
		config_save(s, &tk, end, reply);
	} else if (strcmp(cmd, "status") == 0) {
		config_status(s, reply);
	} else if (strcmp(cmd, "run") == 0) {
		if (tk.n < 2) {
			reply_syntax(reply, "missing argument.", tk.end);
		} else if (end == 1) {
			reply_syntax(reply, "syntax error.", tk.t[1].off);
		} else {
			cmd_oper(s, line + tk.t[1].off, reply);
			cmd_caret_shift(reply, tk.t[1].off);
		}
	}
done:
	toks_free(&tk);
}

void
cmd_answer(struct session *s, const char *text, json_t *reply)
{
	enum sess_wait w = s->wait;
	bool yes;

	s->wait = WAIT_NONE;
	while (*text == ' ')
		text++;
	if (w == WAIT_DELETE_ALL || w == WAIT_CONFIRM_RPC) /* (no) */
		yes = strncmp(text, "yes", 1) == 0 && *text != '\0';
	else
		yes = *text == '\0' || strncmp(text, "yes", strlen(text)) == 0;
	switch (w) {
	case WAIT_EXIT_UNCOMMITTED:
		if (yes) {
			cmd_session_end(s);
			reply_out(reply, "Exiting configuration mode\n");
		}
		break;
	case WAIT_DISCARD:
		if (yes) {
			reply_out(reply,
			    "\nwarning: discarding uncommitted changes\n"
			    "load complete\n");
			cmd_session_end(s);
			reply_out(reply, "Exiting configuration mode\n");
		}
		break;
	case WAIT_DELETE_ALL:
		if (yes) {
			struct path_err err;
			struct sb warn;
			sb_init(&err.msg);
			sb_init(&warn);
			struct toks tk = { 0 };
			tk.t = xcalloc(1, sizeof(*tk.t));
			tk.t[0].s = xstrdup("delete");
			tk.n = 1;
			config_edit_cmd(s, "delete", &tk, reply);
			toks_free(&tk);
			sb_free(&err.msg);
			sb_free(&warn);
		}
		break;
	case WAIT_CONFIRM_RPC: {
		json_t *input = s->confirm_input;
		struct pipes none = { 0 };
		s->confirm_input = NULL;
		if (yes && input != NULL)
			mgd_rpc(s, s->confirm_rpc, input, &none, reply);
		json_decref(input);
		break;
	}
	default: reply_fail(reply, "error: no question was asked\n"); break;
	}
}
