/*
 * cmd_commit: `commit` and `rollback` in configuration mode (cli-behaviour.md
 * 4 and 12), with the pipes their results take, and config_replace, which
 * rollback and `load override` share.  Split from cmd_config.c.
 */
#include <stdlib.h>
#include <string.h>

#include "mgd/cmd.h"
#include "mgd/db.h"
#include "schema/conf_text.h"
#include "schema/edit.h"

static int
config_commit_opts(const struct toks *tk, size_t end, struct commit_opts *o,
    bool *and_quit, json_t *reply)
{
	static const char *const words[] = { "and-quit", "check", "comment",
		"confirmed", "synchronize" };

	for (size_t i = 1; i < end; i++) {
		int w = cmd_match(tk->t[i].s, words, 5);
		if (w < 0) {
			reply_syntax(reply,
			    w == -2 ? "ambiguous." : "syntax error.",
			    tk->t[i].off);
			return -1;
		}
		switch (w) {
		case 0: *and_quit = true; break;
		case 1: o->check_only = true; break;
		case 2:
			if (i + 1 >= end) {
				reply_syntax(
				    reply, "missing argument.", tk->end);
				return -1;
			}
			o->comment = tk->t[++i].s;
			break;
		case 3:
			o->confirm_minutes = 10;
			if (i + 1 < end && tk->t[i + 1].s[0] >= '0' &&
			    tk->t[i + 1].s[0] <= '9') {
				char *e;
				long v = strtol(tk->t[i + 1].s, &e, 10);
				if (*e || v < 1 || v > 65535) {
					reply_syntax(reply,
					    "Value is not within"
					    " range (1..65535)",
					    tk->t[i + 1].off);
					return -1;
				}
				o->confirm_minutes = (int)v;
				i++;
			}
			break;
		default: break;
		}
	}
	return 0;
}

/*
 * The pipes that commit and rollback take: the text ones and `| display
 * xml|json`; not `| compare` nor `| display set|inheritance`, which are
 * about a configuration (refused with a syntax error at the word, as the
 * words Junos does not list for these commands).  0, or -1 with the error
 * in reply.
 */
static int
config_result_pipes(
    const struct toks *tk, size_t end, struct pipes *p, json_t *reply)
{
	if (cmd_pipes(tk, end, p, reply) == -1)
		return -1;
	if (!p->compare && !p->inherit && p->display != DISPLAY_SET &&
	    p->display != DISPLAY_SET_RELATIVE)
		return 0;
	for (size_t i = end + 1; i < tk->n; i++) {
		const char *w = tk->t[i].s, *before = tk->t[i - 1].s;
		size_t l = strlen(w);
		bool bar = strcmp(before, "|") == 0;
		bool display = i >= 2 && strcmp(tk->t[i - 2].s, "|") == 0 &&
		    strncmp("display", before, strlen(before)) == 0;
		if ((bar && strncmp("compare", w, l) == 0) ||
		    (display &&
			(strncmp("set", w, l) == 0 ||
			    strncmp("inheritance", w, l) == 0))) {
			reply_syntax(reply, "syntax error.", tk->t[i].off);
			return -1;
		}
	}
	reply_syntax(reply, "syntax error.", tk->t[end].off);
	return -1;
}

/*
 * A commit's or a rollback's result as `| display xml|json` shows it.
 * RECONSTRUCTED from the Junos XML API's names (commit-results with a
 * routing-engine holding commit-success or commit-check-success;
 * load-configuration-results with load-success), not a captured reply.
 */
static void
config_result_data(int display, const char *render, json_t *data, json_t *reply)
{
	struct pipes p = { .display = (enum display)display };

	json_object_set_new(reply, "data", data);
	json_object_set_new(reply, "render", json_string(render));
	cmd_display_data(&p, reply);
}

/* The session's commit has ended: its reply is finished and sent. */
static void
config_commit_done(struct mgd *m, struct session *s, int rc, const char *out)
{
	json_t *reply;

	if (s == NULL)
		return; /* the session has gone */
	reply = s->later;
	s->later = NULL;
	if (rc == -1) {
		reply_fail(reply, out);
	} else if (s->commit_display == DISPLAY_XML ||
	    s->commit_display == DISPLAY_JSON) {
		config_result_data(s->commit_display, "commit-results",
		    json_pack("{s:{s:{s:s}, s:s, s:b}}", "routing-engine", "@",
			"junos:style", "normal", "name", "re0",
			s->commit_check ? "commit-check-success"
					: "commit-success",
			1),
		    reply);
		if (s->commit_and_quit) {
			cmd_session_end(s);
			reply_out(reply, "Exiting configuration mode\n");
		}
	} else {
		reply_out(reply, out);
		if (s->commit_and_quit) {
			cmd_session_end(s);
			reply_out(reply, "Exiting configuration mode\n");
		}
	}
	session_reply_send(s, reply);
}

void
config_commit(
    struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct commit_opts o = { .client = "cli", .user = s->user };
	bool and_quit = false;
	struct pipes p;

	if (config_result_pipes(tk, end, &p, reply) == -1 ||
	    config_commit_opts(tk, end, &o, &and_quit, reply) == -1 ||
	    !config_may_edit(s, reply))
		goto done;
	/* The reply goes when the commit ends (config_commit_done). */
	cmd_pipes_reply(&p, reply);
	s->later = json_incref(reply);
	s->commit_and_quit = and_quit && !o.check_only;
	s->commit_display = (int)p.display;
	s->commit_check = o.check_only;
	commit_start(s->mgd, s, &o, config_commit_done);
done:
	cmd_pipes_free(&p);
}

/* Replaces the session's candidate with tree n (rollback, load override). */
int
config_replace(struct session *s, struct conf *n)
{
	struct sb text;
	int rc;

	sb_init(&text);
	conf_text_set(conf_root(n), &text);
	{
		/* the journal entry holds the whole new configuration */
		struct cpath save = s->level;
		cpath_init(&s->level);
		rc = candidate_journal(s, "replace", sb_str(&text));
		s->level = save;
	}
	sb_free(&text);
	if (rc == -1)
		return -1;
	conf_touch_all(n);
	if (s->db == SESS_PRIVATE) {
		conf_free(s->priv);
		s->priv = n;
	} else {
		candidate_set(s->mgd, n);
		candidate_replaced(s->mgd);
	}
	return 0;
}

void
config_rollback(
    struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct conf *n = NULL;
	struct pipes p;

	if (config_result_pipes(tk, end, &p, reply) == -1)
		goto done;
	if (!config_may_edit(s, reply))
		goto done;
	if (end > 2) {
		reply_syntax(reply, "syntax error.", tk->t[2].off);
		goto done;
	}
	if (end == 2 && strcmp(tk->t[1].s, "rescue") == 0) {
		int64_t t;
		char *text = db_rescue_get(m->db, &t, NULL);
		struct path_err err;
		size_t bad;
		if (text == NULL) {
			reply_fail(reply,
			    "error: rescue configuration does not"
			    " exist\n");
			goto done;
		}
		n = conf_new(m->schema);
		sb_init(&err.msg);
		edit_apply_trusted(
		    n, NULL, text, strlen(text), &err, &bad, NULL);
		sb_free(&err.msg);
		free(text);
	} else {
		long gen = 0;
		if (end == 2) {
			gen = cmd_rollback_index(tk->t[1].s);
			if (gen < 0) {
				reply_syntax(
				    reply, "syntax error.", tk->t[1].off);
				goto done;
			}
		}
		if (gen == 0 && db_count(m->db) == 0) {
			n = conf_new(m->schema);
		} else {
			n = commit_generation(m, (int)gen);
			if (n == NULL) {
				cmd_rollback_missing(reply);
				goto done;
			}
		}
	}
	if (config_replace(s, n) == -1) {
		conf_free(n);
		reply_fail(reply,
		    "error: the configuration store could not be"
		    " written\n");
		goto done;
	}
	if (p.display == DISPLAY_XML || p.display == DISPLAY_JSON)
		config_result_data(p.display, "load-configuration-results",
		    json_pack("{s:b}", "load-success", 1), reply);
	else
		reply_out(reply, "load complete\n");
	cmd_pipes_reply(&p, reply);
done:
	cmd_pipes_free(&p);
}
