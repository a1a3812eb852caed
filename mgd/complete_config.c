/*
 * complete_config: completion of the configuration-mode commands (their words,
 * then each command's arguments: statement paths through complete_schema.c,
 * commit, load, rollback, save, up, exit, top, run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd/cmd.h"
#include "mgd/complete_int.h"
#include "mgd/db.h"

/* ----- configuration mode ---------------------------------------------- */

static const struct {
	const char *name, *help;
} config_cmds[] = {
	{ "activate", "Remove the inactive tag from a statement" },
	{ "annotate", "Annotate the statement with a comment" },
	{ "commit", "Commit current set of changes" },
	{ "copy", "Copy a statement" },
	{ "deactivate", "Add the inactive tag to a statement" },
	{ "delete", "Delete a data element" },
	{ "edit", "Edit a sub-element" },
	{ "exit", "Exit from this level" },
	{ "insert", "Insert a new ordered data element" },
	{ "load", "Load configuration from ASCII file" },
	{ "quit", "Quit from this level" },
	{ "rename", "Rename a statement" },
	{ "rollback", "Roll back to previous configuration" },
	{ "run", "Run an operational-mode command" },
	{ "save", "Save configuration to ASCII file" },
	{ "set", "Set a parameter" },
	{ "show", "Show a parameter" },
	{ "status", "Show users currently editing configuration" },
	{ "top", "Exit to top level of configuration" },
	{ "up", "Exit one level of configuration" },
};
#define NCONFIG_CMDS (sizeof(config_cmds) / sizeof(*config_cmds))

static void
comp_commit(struct comp *c, size_t i)
{
	static const struct kwd w[] = {
		{ "and-quit", "Quit configuration mode if commit succeeds" },
		{ "check",
		    "Check correctness of syntax; do not apply changes" },
		{ "comment", "Message to accompany commit" },
		{ "confirmed", "Automatically rollback if not confirmed" },
		{ "synchronize", "Synchronize commit on both Routing Engines" },
	};
	int last = -1;

	for (; i < c->n; i++) {
		int k = comp_kwd_match(c, i, w, 5, "syntax error.");
		if (k < 0)
			return;
		last = k;
		if (k == 2 && i + 1 < c->n)
			i++, last = -1;
		else if (k == 3 && i + 1 < c->n && c->tk.t[i + 1].s[0] >= '0' &&
		    c->tk.t[i + 1].s[0] <= '9')
			i++, last = -1;
	}
	if (last == 2) {
		comp_add(c, CI_PLACEHOLDER, ' ', "<comment>",
		    "Message to accompany commit");
		return;
	}
	if (last == 3)
		comp_add(c, CI_PLACEHOLDER, ' ', "<confirm-timeout>",
		    "Number of minutes until automatic rollback (1..65535)");
	comp_kwds(c, w, 5);
	comp_enter(c);
}

static void
comp_load(struct comp *c, size_t i)
{
	static const struct kwd kinds[] = {
		{ "factory-default",
		    "Override existing configuration with"
		    " factory default" },
		{ "merge", "Merge contents with existing configuration" },
		{ "override", "Override existing configuration" },
		{ "replace", "Replace configuration data" },
		{ "set", "Execute set of commands on existing configuration" },
	};
	static const struct kwd rel[] = {
		{ "relative",
		    "Load configuration relative to current edit path" },
	};
	int k;

	if (i == c->n) {
		comp_kwds(c, kinds, 5);
		return;
	}
	if ((k = comp_kwd_match(c, i, kinds, 5, "syntax error.")) < 0)
		return;
	if (k == 0) {
		/* load factory-default takes nothing more */
		if (++i == c->n)
			comp_enter(c);
		else
			comp_error(c, "syntax error.", c->tk.t[i].off);
		return;
	}
	if (++i == c->n) {
		comp_add(c, CI_PLACEHOLDER, ' ', "<filename>",
		    "Filename (URL, local, remote, or floppy)");
		comp_add(c, CI_KEYWORD, ' ', "terminal", "Use login terminal");
		return;
	}
	if (++i == c->n) {
		comp_kwds(c, rel, 1);
		comp_enter(c);
		return;
	}
	if (comp_kwd_match(c, i, rel, 1, "syntax error.") < 0)
		return;
	if (++i == c->n)
		comp_enter(c);
	else
		comp_error(c, "syntax error.", c->tk.t[i].off);
}

/* The <count> of `up`, as config_up_cmd reads it. */
static bool
comp_count_ok(struct comp *c, size_t i)
{
	char *e;
	long n = strtol(c->tk.t[i].s, &e, 10);

	if (*e == '\0' && n >= 1 && n <= 255)
		return true;
	comp_error(c, "syntax error.", c->tk.t[i].off);
	return false;
}

void
comp_config(struct comp *c, size_t from)
{
	static const struct kwd exitw[] = {
		{ "configuration-mode", "Exit from configuration mode" },
	};
	static const struct kwd rescue[] = {
		{ "rescue", "Roll back to rescue configuration" },
	};
	const char *names[NCONFIG_CMDS];
	const struct schema *sch = c->m->schema;
	int k;

	if (from == c->n) {
		for (size_t i = 0; i < NCONFIG_CMDS; i++)
			comp_add(c, CI_KEYWORD, ' ', config_cmds[i].name,
			    config_cmds[i].help);
		return;
	}
	for (size_t i = 0; i < NCONFIG_CMDS; i++)
		names[i] = config_cmds[i].name;
	if ((k = comp_match(c, from, names, NCONFIG_CMDS, "unknown command.")) <
	    0)
		return;
	const char *cmd = names[k];
	const struct snode *base = cpath_snode(sch, c->level);
	size_t i = from + 1;
	if (strcmp(cmd, "set") == 0)
		comp_statement(c, base, i, PC_SET);
	else if (strcmp(cmd, "delete") == 0)
		comp_statement(c, base, i, PC_DELETE);
	else if (strcmp(cmd, "activate") == 0 || strcmp(cmd, "deactivate") == 0)
		comp_statement(c, base, i, PC_LOOSE);
	else if (strcmp(cmd, "annotate") == 0 || strcmp(cmd, "insert") == 0 ||
	    strcmp(cmd, "rename") == 0 || strcmp(cmd, "copy") == 0)
		comp_statement(c, base, i, PC_ARGS);
	else if (strcmp(cmd, "edit") == 0)
		comp_statement(c, base, i, PC_EDIT);
	else if (strcmp(cmd, "show") == 0) {
		c->show = true;
		comp_statement(c, base, i, PC_SHOW);
	} else if (strcmp(cmd, "commit") == 0) {
		c->show =
		    true; /* its result takes pipes (config_result_pipes) */
		comp_commit(c, i);
	} else if (strcmp(cmd, "load") == 0)
		comp_load(c, i);
	else if (strcmp(cmd, "rollback") == 0) {
		/* `rescue` only when there is one; `|` last (as Junos's
		 * `rollback ?` lists them) */
		int64_t t;
		char *who = NULL, *text = db_rescue_get(c->m->db, &t, &who);
		size_t nrescue = text != NULL;
		free(text);
		free(who);
		c->show = true;
		if (i == c->n)
			comp_generations(c);
		if (i == c->n)
			comp_tail(c, i, rescue, nrescue);
		else if (i + 1 == c->n)
			comp_tail(c, i, rescue, 1);
		else
			comp_error(c, "syntax error.", c->tk.t[i + 1].off);
	} else if (strcmp(cmd, "save") == 0) {
		if (i == c->n)
			comp_add(c, CI_PLACEHOLDER, ' ', "<filename>",
			    "Name of file to save configuration to");
		else if (i + 1 == c->n)
			comp_enter(c);
		else
			comp_error(c, "syntax error.", c->tk.t[i + 1].off);
	} else if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "quit") == 0) {
		comp_tail(c, i, exitw, 1);
	} else if (strcmp(cmd, "up") == 0) {
		if (i == c->n)
			comp_add(c, CI_PLACEHOLDER, ' ', "<count>",
			    "Number of levels to move up");
		if (i == c->n || comp_count_ok(c, i))
			comp_tail(c, i == c->n ? i : i + 1, NULL, 0);
	} else if (strcmp(cmd, "status") == 0) {
		comp_tail(c, i, NULL, 0);
	} else if (strcmp(cmd, "top") == 0) {
		static const struct cpath top;
		if (i == c->n)
			comp_enter(c);
		c->level = &top;
		comp_run(c, i, true);
	} else if (strcmp(cmd, "run") == 0) {
		comp_run(c, i, false);
	}
}
