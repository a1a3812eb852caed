/*
 * complete_int: what the files of completion share (complete.c: the request,
 * the list of items, pipes and the reply; complete_schema.c: statement paths;
 * complete_config.c and complete_oper.c: the commands of each mode).
 */
#ifndef QSAFE_COMPLETE_INT_H
#define QSAFE_COMPLETE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mgd/complete.h"
#include "schema/lex.h"

enum ci_kind {
	CI_ENTER,
	CI_KEYWORD,
	CI_NAME,
	CI_VALUE,
	CI_PLACEHOLDER,
	CI_MORE,
	CI_PIPE
};

struct citem {
	enum ci_kind kind;
	char mark; /* '>' container/list, '+' leaf-list, ' ' */
	char *name;
	char *help;
	char *key; /* sort key when not the name, or NULL */
};

struct comp {
	struct session *s;
	struct mgd *m;
	struct toks tk;
	size_t n;	   /* complete words: tk.t[0 .. n) */
	const char *word;  /* the word being typed, "" after a blank */
	struct conf *conf; /* where existing names come from */
	const struct cpath *level;
	struct citem *it;
	size_t nit;
	const char *lcp_extra; /* a name left out by the cap (for common) */
	bool pipe_ok;	       /* a `|` item was offered */
	bool show;	       /* the command takes pipes */
	bool failed;	       /* the reply carries a syntax error */
	json_t *reply;
};

/* Words of a small keyword table; the one that word i names, or -1. */
struct kwd {
	const char *name, *help;
};

/* What the configuration command does with its path (for <[Enter]>). */
enum pcmd { PC_SET, PC_LOOSE, PC_DELETE, PC_SHOW, PC_EDIT, PC_ARGS };

/* complete.c: the list of items and its errors. */
void comp_add(struct comp *c, enum ci_kind kind, char mark, const char *name,
    const char *help);
void comp_clear(struct comp *c);
/* <[Enter]>, and `|` when the command takes pipes. */
void comp_enter(struct comp *c);
void comp_error(struct comp *c, const char *msg, size_t caret);
/* Index in names[] of word i, or -1 with the error set. */
int comp_match(struct comp *c, size_t i, const char *const *names, size_t n,
    const char *none);
void comp_kwds(struct comp *c, const struct kwd *k, size_t n);
int comp_kwd_match(
    struct comp *c, size_t i, const struct kwd *k, size_t n, const char *none);
/* Words after a command that takes none, or only `fixed`. */
void comp_tail(
    struct comp *c, size_t i, const struct kwd *fixed, size_t nfixed);
/* The command from word `from`, its pipes after the first `|`. */
void comp_run(struct comp *c, size_t from, bool config);

/* complete_schema.c */
/* What may be typed as the value of leaf (or leaf-list) sn. */
void comp_values(struct comp *c, const struct snode *sn);
/* Rollback generations, numbered and dated as `show system commit`. */
void comp_generations(struct comp *c);
/* The statement path of a configuration command, from word `from`. */
void comp_statement(
    struct comp *c, const struct snode *base, size_t from, enum pcmd pc);

/* complete_config.c: a configuration-mode command from word `from`. */
void comp_config(struct comp *c, size_t from);
/* complete_oper.c: an operational-mode command from word `from`. */
void comp_oper(struct comp *c, size_t from);

#endif
