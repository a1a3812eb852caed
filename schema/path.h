/*
 * path: parsing the statement path of a configuration command (`set security
 * ike gateway GW address 10.0.0.1`) against the schema, from the current
 * `[edit ...]` level.  Keywords may be abbreviated to a unique prefix, list
 * keys and values are checked against their types, secrets are turned into
 * their $9$ form.  Errors carry the index of the offending word so the cli
 * can put the caret under it.
 */
#ifndef QSAFE_PATH_H
#define QSAFE_PATH_H

#include <stdint.h>

#include "lib/junos9.h"
#include "schema/conf.h"
#include "schema/lex.h"
#include "schema/schema.h"

struct cstep {
	const struct snode *sn;
	/*
	 * list: the key (keys joined by CONF_KEY_SEP), or NULL for "every
	 * entry" (delete/show only); leaf: the value or NULL; leaf-list: the
	 * value, or NULL for all values; container: NULL.
	 */
	char *val;
	/* index of the word val was read from, or SIZE_MAX (leaf values
	 * only: how edit_hide_secrets finds a typed secret) */
	size_t tok;
	/* container and list steps: the index of the word after the step's
	 * words (where the parse went on from it), else SIZE_MAX */
	size_t end;
};

struct cpath {
	struct cstep *step;
	size_t n;
	/* `set ... leaf-list [ a b c ]`: the values beyond step[n-1].val */
	char **more;
	size_t nmore;
};

enum path_mode {
	PATH_SET,   /* values required, creates */
	PATH_LOOSE, /* delete, show, deactivate ...: values optional */
	PATH_EDIT,  /* containers and list entries only */
};

/* Where the caret stands. */
enum path_caret {
	PATH_CARET_TOKEN, /* under the first character of word tok */
	PATH_CARET_END,	  /* after the last typed character */
	PATH_CARET_PAST,  /* one column further: a value refused once the
			     whole line is read ("invalid interface type") */
};

struct path_err {
	struct sb msg; /* "syntax error.", "missing argument." ... */
	size_t tok;    /* index of the word it is about */
	bool at_end;   /* the line ended early; the caret goes at its end */
	enum path_caret caret;
};

/* The caret's byte offset in the line tk was read from. */
size_t path_err_caret(const struct path_err *err, const struct toks *tk);

void cpath_init(struct cpath *p);
void cpath_free(struct cpath *p);
void cpath_copy(struct cpath *dst, const struct cpath *src);
void cpath_push(struct cpath *p, const struct snode *sn, const char *val);
void cpath_append(struct cpath *dst, const struct cpath *src);

/* The snode a path leads to, or the root for an empty path. */
const struct snode *cpath_snode(const struct schema *s, const struct cpath *p);

/*
 * Parses words tk[*pos ...] up to the end or a `|`, starting in the context
 * of the statement at `base` (a container or list snode).  Appends the steps
 * to out and advances *pos.  0, or -1 with err filled.
 */
int path_parse(const struct schema *s, const struct snode *base,
    const struct toks *tk, size_t *pos, enum path_mode mode, struct cpath *out,
    struct path_err *err);

/*
 * path_parse for lines mgd wrote itself (the change it sends a daemon):
 * keywords and structure are parsed the same, values are taken as they
 * stand when they are in the form mgd writes (an enumeration's full name, a
 * secret's $9$ text), without their type and pattern checks.  Never for
 * text an operator typed or loaded.
 */
int path_parse_trusted(const struct schema *s, const struct snode *base,
    const struct toks *tk, size_t *pos, enum path_mode mode, struct cpath *out,
    struct path_err *err);

/* How path_parse_how reads values. */
struct path_how {
	bool trusted; /* path_parse_trusted's reading, else path_parse's */
	/* where a typed secret's $9$ salt comes from (NULL: a draw each) */
	struct junos9_salts *salts;
};

/* path_parse or path_parse_trusted as how says. */
int path_parse_how(const struct schema *s, const struct snode *base,
    const struct toks *tk, size_t *pos, enum path_mode mode,
    const struct path_how *how, struct cpath *out, struct path_err *err);

/* Looks a path up in a tree; NULL when some step is missing. */
struct cnode *cpath_find(struct conf *c, const struct cpath *p);

/* The words of a path, as `display set` writes them (no "set"). */
void cpath_text(const struct cpath *p, struct sb *out);
/* The words that lead to node n, from the root. */
void cnode_path_text(const struct cnode *n, struct sb *out);
/* The path of node n as steps. */
void cnode_to_cpath(const struct cnode *n, struct cpath *out);
/* The words of one step: keyword and/or value(s). */
void cstep_text(const struct snode *sn, const char *val, struct sb *out);

/* `[edit security ike gateway GW]` for a path. */
void cpath_banner(const struct cpath *p, struct sb *out);

#endif
