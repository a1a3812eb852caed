/*
 * cmd: helpers shared by the configuration-mode and operational-mode command
 * files: keyword matching with Junos abbreviations, pipes, output.
 */
#ifndef QSAFE_CMD_H
#define QSAFE_CMD_H

#include <jansson.h>

#include "mgd/mgd.h"
#include "schema/lex.h"

enum display {
	DISPLAY_TEXT,
	DISPLAY_SET,
	DISPLAY_SET_RELATIVE,
	DISPLAY_JSON,
	DISPLAY_XML
};

struct pipes {
	enum display display;
	bool inherit;	      /* | display inheritance: the expanded tree */
	bool no_comments;     /* ... no-comments: without the ## lines */
	bool compare;	      /* | compare [rollback N] */
	int compare_rollback; /* -1: against the committed configuration */
	json_t *text;	      /* the pipes the cli applies */
};

/*
 * Index of words[] that word names exactly or as a unique prefix; -1 when
 * none, -2 when ambiguous.
 */
int cmd_match(const char *word, const char *const *words, size_t n);

/*
 * The pipes of `| ...` (Junos's `?` help, pipes): one table, which parsing
 * (cmd_pipes) and completion and `| ?` (complete.c) both read.  A pipe's
 * word, and each word after it, may be a unique prefix.
 */
enum pipe_arg {
	PIPE_ARG_NONE,	   /* nothing follows: count, hold, no-more, ... */
	PIPE_ARG_NEEDED,   /* one word follows: match <pattern>, save <file> */
	PIPE_ARG_OPTIONAL, /* one word may follow: last [<lines>] */
	PIPE_ARG_KEYWORD,  /* one of words[]: display set|json|xml|... */
	PIPE_ARG_ROLLBACK  /* compare [rollback <0..PIPE_ROLLBACK_MAX>] */
};

#define PIPE_ROLLBACK_MAX 49

/* A word after a pipe, and the keyword that may follow it. */
struct pipe_word {
	const char *name, *help;
	const char *opt, *opt_help; /* set [relative]; NULL: none */
};

struct pipe_def {
	const char *name, *help;
	enum pipe_arg arg;
	const char *arg_name, *arg_help; /* "<pattern>" (NEEDED, OPTIONAL) */
	const struct pipe_word *words;	 /* KEYWORD, ROLLBACK */
	size_t nwords;
};

/* The pipes, in Junos's `| ?` order; NPIPE_DEFS of them. */
extern const struct pipe_def pipe_defs[];
#define NPIPE_DEFS 14

/*
 * Parses the pipes from tk[from] (a `|`) to the end.  0, or -1 with the
 * syntax error set in reply.
 */
int cmd_pipes(
    const struct toks *tk, size_t from, struct pipes *p, json_t *reply);
void cmd_pipes_free(struct pipes *p);
/* Attaches the text pipes to the reply. */
void cmd_pipes_reply(struct pipes *p, json_t *reply);

/*
 * When the configuration shown was committed (with the user) or, for a
 * candidate or a stored generation, last changed: the `## Last commit:` /
 * `## Last changed:` header and the junos:commit-* / junos:changed-*
 * attributes of `| display xml|json` (Junos's `show configuration`, `| display
 * xml|json`).
 */
struct show_stamp {
	int64_t time;
	const char *user; /* NULL: "changed" */
};

/* Renders the tree c at path for `show`: curly/set/json/xml per p. */
void cmd_show_tree(struct conf *c, const struct cpath *at,
    const struct show_stamp *st, const struct pipes *p, struct sb *out);

/*
 * `| display json|xml` of an operational reply: the structured data printed
 * as JSON or XML instead of rendered (Junos's `| display xml|json`).
 */
void cmd_display_data(const struct pipes *p, json_t *reply);
/*
 * `| display json|xml` of a command that only has text: the text in an
 * "output" member / <output> element, as Junos prints unstructured output.
 */
void cmd_display_text(const struct pipes *p, json_t *reply);

/* A nested command (`run ...`, `top ...`) ran on the line from offset by:
 * its caret counts from the start of the whole line. */
void cmd_caret_shift(json_t *reply, size_t by);

/*
 * A rollback number as typed (`rollback N`, `show system rollback N`,
 * `| compare rollback N`): N, DB_GENERATIONS for any number past 49 (no
 * such generation), or -1 when the word is not a number (a syntax error).
 */
int cmd_rollback_index(const char *word);
/* The one answer for a rollback number that names no stored generation,
 * past 49 or not (yet) committed. */
void cmd_rollback_missing(json_t *reply);

/* Configuration mode (cmd_config.c, cmd_commit.c, cmd_load.c). */
/* May s change the candidate?  false with the error in reply. */
bool config_may_edit(struct session *s, json_t *reply);
/* Replaces the session's candidate with n (taken): rollback, load override. */
int config_replace(struct session *s, struct conf *n);
/* `commit ...` and `rollback ...`: tk[0 .. end) the command, then pipes. */
void config_commit(
    struct session *s, const struct toks *tk, size_t end, json_t *reply);
void config_rollback(
    struct session *s, const struct toks *tk, size_t end, json_t *reply);
/* `load ...` and `save FILE` (cmd_load.c): tk[0 .. end) the command. */
void config_load(
    struct session *s, const struct toks *tk, size_t end, json_t *reply);
void config_save(
    struct session *s, const struct toks *tk, size_t end, json_t *reply);

/* Index of the first `|` word, or tk->n. */
size_t cmd_pipe_start(const struct toks *tk);

/*
 * mgd's own operational commands, described once (cmd_oper.c): the words,
 * their help, what follows them (for completion and `?`) and the handler
 * that runs them.  The schema's rpcs (qc:command) sit beside them under the
 * same words; oper_choices() merges the two for execution and completion
 * alike, so abbreviations mean the same thing in both.
 */
enum opargs {
	OPA_NONE,
	OPA_PATH,
	OPA_CONFIGURE,
	OPA_NUMBER,
	OPA_TIMESTAMP,
	OPA_ROLLBACK
};

/* Runs a command whose arguments are tk[arg .. end) and pipes p. */
typedef void oper_fn(struct session *s, const struct toks *tk, size_t arg,
    size_t end, const struct pipes *p, json_t *reply);

struct opcmd {
	const char *name, *help;
	const struct opcmd *sub;
	size_t nsub;
	enum opargs args;
	oper_fn *fn;	  /* NULL: a word that needs more words */
	bool run;	  /* executable with no argument */
	int lo, hi;	  /* OPA_NUMBER */
	bool zero_ok;	  /* OPA_NUMBER: 0 too ("none of its own") */
	bool own_display; /* prints `| display ...` itself (a tree) */
};

extern const struct opcmd oper_top[];
extern const size_t oper_ntop;

/* One candidate for a word: a command of mgd's, a schema node, or both. */
struct opchoice {
	const char *name, *help;
	const struct opcmd *o;
	const struct snode *sn;
};

/*
 * The words that may follow, given the table and schema node reached so far
 * (either may be NULL); at most max.  Returns the count.
 */
size_t oper_choices(const struct opcmd *tbl, size_t ntbl,
    const struct snode *sn, struct opchoice *out, size_t max);

#endif
