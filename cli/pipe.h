/*
 * pipe: the text pipes of a reply (`| match RE`, `| count`, ...).  mgd parses
 * the command line and hands the cli the list ("pipes" in proto_cli.h); the
 * cli applies it to the output text, left to right, as Junos does
 * (Junos's pipes).
 */
#ifndef QSAFE_CLI_PIPE_H
#define QSAFE_CLI_PIPE_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/sb.h"

struct pipe_result {
	struct sb text;	 /* the output after the pipes */
	struct sb notes; /* lines printed after it ("Pattern not found") */
	bool no_more;	 /* `| no-more` or `| save`: never page */
	bool hold;	 /* `| hold`: the pager waits at the end */
};

void pipe_result_init(struct pipe_result *r);
void pipe_result_free(struct pipe_result *r);

/*
 * Apply pipes (an array of arrays of words; NULL or empty: none) to text.
 * Returns 0, or -1 with an operator message ("error: ...") in *err; r then
 * holds nothing to print.
 */
int pipe_apply(const json_t *pipes, const char *text, struct pipe_result *r,
    struct sb *err);

/* The final text to print: text, then (after a blank line when text is not
 * empty) the notes.  Appended to out. */
void pipe_result_print(struct pipe_result *r, struct sb *out);

#endif
