/*
 * input: where the batch cli gets its lines.  `cli -c 'a; b'` splits the
 * string on every `;` outside quotes; `cli -f FILE` and a stdin that is not a
 * terminal give one line each.  Commands skip blank lines and lines whose
 * first non-blank character is `#`; answers to "ask" and the text of an
 * "input" reply take the next line as it is (a blank answer = the default).
 */
#ifndef QSAFE_CLI_INPUT_H
#define QSAFE_CLI_INPUT_H

#include <stddef.h>
#include <stdio.h>

struct input;

/* A source over the `;`-separated commands of s. */
struct input *input_new_string(const char *s);
/* A source over the lines of fp (borrowed; not closed by input_free). */
struct input *input_new_file(FILE *fp);
void input_free(struct input *in);

/* The next command (trimmed, never blank or a comment), or NULL at the end.
 * Borrowed until the next call. */
const char *input_next_command(struct input *in);
/* The same, but an empty line is returned too (as ""): --echo shows it. */
const char *input_next_line(struct input *in);
/* The next line as it is (without its newline), or NULL at the end. */
const char *input_next_raw(struct input *in);

/*
 * Split s on `;` outside "..." and '...' (a backslash quotes the next byte
 * inside double quotes); quotes are kept, each piece is trimmed.  Returns the
 * number of pieces, empty ones included; *out is a new array of new strings
 * (free with input_split_free).
 */
size_t input_split(const char *s, char ***out);
void input_split_free(char **v, size_t n);
/* A new copy of s without leading and trailing blanks. */
char *input_trim(const char *s, size_t n);
/* A new copy of s without leading blanks and the line end: the command as
 * typed, whose trailing blanks move the caret of "missing argument."
 *. */
char *input_trim_typed(const char *s, size_t n);

#endif
