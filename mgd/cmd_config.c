/*
 * cmd_config: configuration-mode commands (Junos's CLI).
 * Every edit is applied to the session's candidate and written to the store
 * before the reply says it succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
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

#define LOAD_MAX_BYTES (64u * 1024 * 1024)

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

#define LOAD_ERRORS_MAX 20 /* bad lines named before the load gives up */

/* Line n (1-based) of text, without its end of line; NULL when there is
 * none.  *len gets its length. */
static const char *
load_line(const char *text, size_t len, size_t n, size_t *l)
{
	const char *p = text, *end = text + len;

	while (--n > 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
	}
	if (p >= end && n > 0)
		return NULL;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*l = nl ? (size_t)(nl - p) : (size_t)(end - p);
	if (*l > 0 && p[*l - 1] == '\r')
		(*l)--;
	return p;
}

/*
 * One bad line of a load: `NAME:LINE:(COL) syntax error: TOKEN`, the
 * Junos form (Junos's `load`), or `NAME:LINE:(COL) MESSAGE`.  The
 * column is given for set files, whose lines are the ones applied; a
 * curly file's line has no column of the statement it was read into.
 */
static void
load_error(struct sb *out, const char *name, const char *set_line,
    size_t set_len, bool set_format, size_t file_line, struct path_err *err)
{
	struct toks tk;
	struct sb e;
	size_t off, col = 0;
	const char *token = NULL;
	const char *msg = sb_str(&err->msg);

	sb_init(&e);
	/* (a byte-order mark is no column) */
	if (set_len >= 3 && memcmp(set_line, "\xef\xbb\xbf", 3) == 0) {
		set_line += 3;
		set_len -= 3;
	}
	if (lex_line(set_line, set_len, &tk, &e, &off) == 0) {
		if (!err->at_end && err->tok < tk.n) {
			token = tk.t[err->tok].s;
			col = tk.t[err->tok].off + 1;
		} else {
			col = set_len + 1;
		}
	}
	sb_printf(out, "%s:%zu:", name, file_line);
	if (set_format && col > 0)
		sb_printf(out, "(%zu)", col);
	if (token != NULL && strcmp(msg, "syntax error.") == 0)
		sb_printf(out, " syntax error: %s\n", token);
	else
		sb_printf(out, " %s\n", msg);
	toks_free(&tk);
	sb_free(&e);
}

/* Applies load text of kind (set, merge, override, replace) for s. */
static void
config_load_text(struct session *s, const char *kind, const char *name,
    const char *text, size_t len, bool relative, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct path_err err;
	struct sb warn, set_text, msg;
	size_t bad = 0;
	bool override = strcmp(kind, "override") == 0;
	struct cpath top;
	const struct cpath *level = relative ? &s->level : &top;
	struct conf *target;
	size_t *map = NULL;
	int rc;

	cpath_init(&top);
	sb_init(&err.msg);
	sb_init(&warn);
	sb_init(&set_text);
	sb_init(&msg);
	if (conf_text_to_set(text, len, strcmp(kind, "replace") == 0, &set_text,
		&map, &err, &bad) == -1)
		goto bad;
	/* Every line is applied once, to a copy that replaces the candidate
	 * only when all of them were good and the journal has them. */
	target = override ? conf_new(m->schema) : conf_dup(session_conf(s));
	if (override)
		conf_touch_all(target);
	{
		/* Every bad line is named (up to LOAD_ERRORS_MAX), then the
		 * copy is thrown away: nothing is applied. */
		bool set_format = set_text.len == len &&
		    memcmp(sb_str(&set_text), text, len) == 0;
		/* Applied and journalled with its secrets in $9$ form, like a
		 * typed line; the plain text copy is wiped. */
		struct sb hidden;
		sb_init(&hidden);
		if (edit_hide_secrets_text(target, level, sb_str(&set_text),
			set_text.len, &hidden) > 0) {
			OPENSSL_cleanse(set_text.buf, set_text.len);
			sb_free(&set_text);
			set_text = hidden;
		} else {
			sb_free(&hidden);
		}
		const char *p = sb_str(&set_text), *end = p + set_text.len;
		size_t base = 0, nbad = 0;
		while (p < end &&
		    edit_apply_trusted(target, level, p, (size_t)(end - p),
			&err, &bad, &warn) == -1) {
			size_t l = 0;
			const char *line = load_line(
			    sb_str(&set_text), set_text.len, base + bad, &l);
			if (line != NULL)
				load_error(&msg, name, line, l, set_format,
				    map[base + bad], &err);
			if (++nbad == LOAD_ERRORS_MAX)
				break;
			/* on after the bad line */
			for (size_t k = 0; k < bad && p < end; k++) {
				const char *nl =
				    memchr(p, '\n', (size_t)(end - p));
				p = nl ? nl + 1 : end;
			}
			base += bad;
			sb_reset(&err.msg);
			err.tok = 0;
			err.at_end = false;
		}
		if (nbad > 0) {
			conf_free(target);
			sb_puts(
			    &msg, "error: load failed: nothing was loaded\n");
			reply_fail(reply, sb_str(&msg));
			goto done;
		}
	}
	if (override) {
		rc = config_replace(s, target);
	} else {
		/* The journal names the level the lines are relative to. */
		struct cpath save;
		cpath_copy(&save, &s->level);
		if (!relative) {
			cpath_free(&s->level);
			cpath_init(&s->level);
		}
		rc = candidate_journal(s, "load", sb_str(&set_text));
		cpath_free(&s->level);
		s->level = save;
		if (rc == 0)
			conf_swap(session_conf(s), target);
	}
	if (!override || rc == -1)
		conf_free(target);
	if (rc == -1) {
		reply_fail(reply,
		    "error: the configuration store could not be"
		    " written\n");
		goto done;
	}
	reply_out(reply, "load complete\n");
	goto done;
bad:
	sb_printf(&msg, "%s:%zu: %s\nerror: load failed: nothing was loaded\n",
	    name, bad, sb_str(&err.msg));
	reply_fail(reply, sb_str(&msg));
done:
	free(map);
	sb_free(&err.msg);
	sb_free(&warn);
	sb_free(&set_text);
	sb_free(&msg);
	cpath_free(&top);
}

static char *
config_read_file(const char *path, size_t *lenp, struct sb *err)
{
	FILE *f = fopen(path, "rb");
	struct sb b;
	char buf[65536];
	size_t n;

	if (f == NULL) {
		sb_printf(err,
		    "error: could not open configuration file %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	sb_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (b.len + n > LOAD_MAX_BYTES) {
			sb_printf(err, "error: %s is larger than %u bytes\n",
			    path, LOAD_MAX_BYTES);
			sb_free(&b);
			fclose(f);
			return NULL;
		}
		sb_add(&b, buf, n);
	}
	fclose(f);
	*lenp = b.len;
	return sb_steal(&b);
}

/* `load factory-default`: the candidate becomes the factory default. */
static void
config_factory(
    struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct conf *n;

	if (end > 2) {
		reply_syntax(reply, "syntax error.", tk->t[2].off);
		return;
	}
	if ((n = commit_factory(s->mgd)) == NULL) {
		reply_fail(reply,
		    "error: the factory-default configuration could"
		    " not be built\n");
		return;
	}
	if (config_replace(s, n) == -1) {
		conf_free(n);
		reply_fail(reply,
		    "error: the configuration store could not be"
		    " written\n");
		return;
	}
	reply_out(reply, "warning: activating factory configuration\n");
}

static void
config_load(struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	static const char *const kinds[] = { "merge", "override", "replace",
		"set", "factory-default" };
	bool relative = false;

	if (!config_may_edit(s, reply))
		return;
	if (end < 2) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	int k = cmd_match(tk->t[1].s, kinds, 5);
	if (k < 0) {
		reply_syntax(reply, "syntax error.", tk->t[1].off);
		return;
	}
	if (k == 4) {
		config_factory(s, tk, end, reply);
		return;
	}
	if (end < 3) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	if (end > 3 && strncmp("relative", tk->t[3].s, strlen(tk->t[3].s)) == 0)
		relative = true;
	else if (end > 3) {
		reply_syntax(reply, "syntax error.", tk->t[3].off);
		return;
	}
	if (strcmp(tk->t[2].s, "terminal") == 0) {
		s->wait = WAIT_LOAD;
		free(s->wait_arg);
		s->wait_arg = xstrdup(relative ? "" : "");
		free(s->wait_arg);
		{
			struct sb a;
			sb_init(&a);
			sb_printf(
			    &a, "%s%s", kinds[k], relative ? " relative" : "");
			s->wait_arg = sb_steal(&a);
		}
		json_object_set_new(reply, "input",
		    json_string("[Type ^D at a new line to end input]"));
		return;
	}
	size_t len;
	struct sb err;
	sb_init(&err);
	char *text = config_read_file(tk->t[2].s, &len, &err);
	if (text == NULL)
		reply_fail(reply, sb_str(&err));
	else
		config_load_text(
		    s, kinds[k], tk->t[2].s, text, len, relative, reply);
	free(text);
	sb_free(&err);
}

void
cmd_input(struct session *s, const char *text, json_t *reply)
{
	if (s->wait != WAIT_LOAD) {
		reply_fail(reply, "error: no input was asked for\n");
		return;
	}
	s->wait = WAIT_NONE;
	char *arg = s->wait_arg;
	s->wait_arg = NULL;
	if (text == NULL) {
		/* ^C at the input */
		reply_fail(
		    reply, "error: load interrupted: nothing was loaded\n");
		free(arg);
		return;
	}
	bool relative = strstr(arg, " relative") != NULL;
	char *sp = strchr(arg, ' ');
	if (sp)
		*sp = '\0';
	config_load_text(
	    s, arg, "terminal", text, strlen(text), relative, reply);
	free(arg);
}

static void
config_save(struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct sb text, werr, msg;
	struct pipes p = { 0 };

	if (end != 2) {
		reply_syntax(reply,
		    end < 2 ? "missing argument." : "syntax error.",
		    end < 2 ? tk->end : tk->t[2].off);
		return;
	}
	sb_init(&text);
	sb_init(&werr);
	sb_init(&msg);
	{
		struct show_stamp st = { conf_changed(session_conf(s)), NULL };
		cmd_show_tree(session_conf(s), &s->level, &st, &p, &text);
	}
	if (file_write_atomic(tk->t[1].s, text.buf ? text.buf : "", text.len,
		0600, &werr) == -1) {
		sb_printf(&msg, "error: could not write %s: %s\n", tk->t[1].s,
		    strerror(errno));
		reply_fail(reply, sb_str(&msg));
	} else {
		size_t lines = 0;
		for (size_t i = 0; i < text.len; i++)
			lines += text.buf[i] == '\n';
		sb_printf(&msg, "Wrote %zu lines of configuration to '%s'\n",
		    lines, tk->t[1].s);
		reply_out(reply, sb_str(&msg));
	}
	sb_free(&text);
	sb_free(&werr);
	sb_free(&msg);
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
	reply_out(reply, sb_str(&out));
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
		edit_hide_secrets(session_conf(s), &s->level, &tk, 0);
		for (size_t i = 0; i < tk.n; i++) {
			if (i > 0)
				sb_putc(&full, ' ');
			lex_quote(&full, tk.t[i].s);
		}
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
