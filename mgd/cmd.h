/*
 * cmd: helpers shared by the configuration-mode and operational-mode command
 * files: keyword matching with Junos abbreviations, pipes, output.
 */
#ifndef QSAFE_CMD_H
#define QSAFE_CMD_H

#include <jansson.h>

#include "mgd/mgd.h"
#include "schema/lex.h"

enum display { DISPLAY_TEXT, DISPLAY_SET, DISPLAY_SET_RELATIVE, DISPLAY_JSON,
	DISPLAY_XML };

struct pipes {
	enum display display;
	bool compare;		/* | compare [rollback N] */
	int compare_rollback;	/* -1: against the committed configuration */
	json_t *text;		/* the pipes the cli applies */
};

/*
 * Index of words[] that word names exactly or as a unique prefix; -1 when
 * none, -2 when ambiguous.
 */
int cmd_match(const char *word, const char *const *words, size_t n);

/*
 * Parses the pipes from tk[from] (a `|`) to the end.  0, or -1 with the
 * syntax error set in reply.
 */
int cmd_pipes(const struct toks *tk, size_t from, struct pipes *p,
    json_t *reply);
void cmd_pipes_free(struct pipes *p);
/* Attaches the text pipes to the reply. */
void cmd_pipes_reply(struct pipes *p, json_t *reply);

/* Renders the tree c at path for `show`: curly/set/json/xml per p. */
void cmd_show_tree(struct conf *c, const struct cpath *at, const char *header,
    const struct pipes *p, struct sb *out);

/*
 * `| display json|xml` of an operational reply: the structured data printed
 * as JSON or XML instead of rendered (cli-behaviour.md §11).
 */
void cmd_display_data(const struct pipes *p, json_t *reply);

/* Index of the first `|` word, or tk->n. */
size_t cmd_pipe_start(const struct toks *tk);

#endif
