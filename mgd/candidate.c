/*
 * candidate: the configuration a session edits.  The shared candidate is the
 * committed configuration plus the journal of edits in the store, so an edit
 * survives a crash of mgd the moment it is acknowledged.  A private candidate
 * (`configure private`) lives with its session; its edits are replayed on the
 * newest committed configuration at commit, as Junos merges them.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "mgd/db.h"
#include "mgd/load_journal.h"
#include "mgd/mgd.h"
#include "schema/conf_diff.h"
#include "schema/conf_text.h"
#include "schema/edit.h"

struct conf *
session_conf(struct session *s)
{
	if (s->db == SESS_PRIVATE)
		return s->priv;
	candidate_own(s->mgd);
	return s->mgd->candidate;
}

static void *
candidate_copier(void *arg)
{
	struct mgd *m = arg;

	/* Reads the shared tree only: the loop changes neither tree
	 * nor these pointers until it has joined (candidate_copy_join). */
	m->copy = conf_dup(m->committed);
	return NULL;
}

/*
 * Run after a large commit's reply, while the candidate and generation 0
 * are one tree: the copy candidate_own needs is made on the other core
 * while mgd's loop serves sessions, instead of in the commit (beside the
 * daemons' check, where iked parses on the cores) or in the next edit.
 * An edit that comes first waits for the rest of it.
 */
void
candidate_copy_start(struct mgd *m)
{
	int rc;

	if (m->candidate != m->committed || m->copying)
		return;
	rc = pthread_create(&m->copier, NULL, candidate_copier, m);
	if (rc != 0) {
		log_warn("candidate: no copying thread: %s", strerror(rc));
		return;
	}
	m->copying = true;
}

/* The thread's copy, once it has ended (NULL: none was started). */
static struct conf *
candidate_copy_join(struct mgd *m)
{
	struct conf *c;

	if (!m->copying)
		return NULL;
	pthread_join(m->copier, NULL);
	m->copying = false;
	c = m->copy;
	m->copy = NULL;
	return c;
}

void
candidate_copy_drop(struct mgd *m)
{
	conf_free(candidate_copy_join(m));
}

void
candidate_own(struct mgd *m)
{
	struct conf *c;

	if (m->candidate != m->committed)
		return;
	/* Generation 0 takes the copy: made in one walk, its nodes lie close
	 * together for what reads it whole (show configuration, the
	 * snapshot); the candidate keeps the tree it was edited in.  Nothing
	 * keeps a node of generation 0 between events (grp and pki copy). */
	c = candidate_copy_join(m);
	/* the candidate's edits change the tree a snapshot may be reading */
	snapshot_release(m);
	m->committed = c != NULL ? c : conf_dup(m->candidate);
	conf_set_changed(m->candidate, m->candidate_changed);
}

void
candidate_set(struct mgd *m, struct conf *n)
{
	candidate_copy_drop(m);
	if (m->candidate != m->committed)
		conf_free(m->candidate);
	m->candidate = n;
}

bool
candidate_is_changed(struct mgd *m, struct session *s)
{
	struct conf *c = s && s->db == SESS_PRIVATE ? s->priv : m->candidate;
	struct diff d;
	bool changed;

	if (c == m->committed)
		return false; /* generation 0's own tree, just committed */
	conf_diff(m->committed, c, true, &d);
	changed = d.n > 0;
	diff_free(&d);
	return changed;
}

/* Parses level words ("security ike") back into a path. */
static int
candidate_level(struct mgd *m, const char *words, struct cpath *out)
{
	struct toks tk;
	struct path_err err;
	size_t off, pos = 0;
	int rc = -1;

	cpath_init(out);
	sb_init(&err.msg);
	if (lex_line(words, strlen(words), &tk, &err.msg, &off) == -1)
		goto done;
	rc = path_parse(
	    m->schema, schema_root(m->schema), &tk, &pos, PATH_EDIT, out, &err);
	toks_free(&tk);
done:
	sb_free(&err.msg);
	return rc;
}

/* Applies one journal entry to c. */
static int
candidate_replay(struct mgd *m, struct conf *c, const char *kind,
    const char *level, const char *text)
{
	struct cpath lv;
	struct path_err err;
	size_t bad;
	int rc;

	if (candidate_level(m, level, &lv) == -1)
		return -1;
	sb_init(&err.msg);
	if (strcmp(kind, "replace") == 0) {
		struct cnode *root = conf_root(c);
		while (root->first)
			conf_remove(c, root->first);
	}
	rc = edit_apply_trusted(c, &lv, text, strlen(text), &err, &bad, NULL);
	if (rc == -1)
		log_err("candidate: journal line %zu does not apply: %s", bad,
		    sb_str(&err.msg));
	sb_free(&err.msg);
	cpath_free(&lv);
	return rc;
}

int
candidate_journal(struct session *s, const char *kind, const char *text)
{
	struct sb level;
	int rc = 0;

	sb_init(&level);
	cpath_text(&s->level, &level);
	if (s->db == SESS_PRIVATE) {
		sb_printf(&s->priv_journal, "%s\t%s\t", kind, sb_str(&level));
		/* entries are NUL-separated: text may hold newlines */
		sb_puts(&s->priv_journal, text);
		sb_putc(&s->priv_journal, '\0');
	} else {
		rc = db_journal_add(s->mgd->db, kind, sb_str(&level), text);
	}
	sb_free(&level);
	return rc;
}

int
candidate_journal_load(
    struct session *s, const char *text, struct load_journal *lj)
{
	struct sb level;
	int rc;

	if (!lj->started)
		return candidate_journal(s, "load", text);
	sb_init(&level);
	cpath_text(&s->level, &level);
	rc = load_journal_add(lj, "load", sb_str(&level));
	sb_free(&level);
	return rc;
}

struct replay_arg {
	struct mgd *m;
	struct conf *c;
};

static int
candidate_replay_cb(
    void *arg, const char *kind, const char *level, const char *text)
{
	struct replay_arg *a = arg;

	return candidate_replay(a->m, a->c, kind, level, text);
}

struct conf *
mgd_running(struct mgd *m)
{
	return m->xcommitted ? grp_tree(m->xcommitted) : m->committed;
}

void
candidate_groups_start(struct mgd *m, struct conf *c)
{
	if (m->xcommitted != NULL ||
	    (!grp_in_use(c) && !grp_in_use(m->committed)))
		return;
	m->xcommitted = grp_new(m->schema);
	grp_sync(m->xcommitted, m->committed, true, NULL);
	conf_clean(grp_tree(m->xcommitted));
	log_info("configuration groups in use: expanded %zu statements",
	    conf_count(grp_tree(m->xcommitted)));
}

struct conf *
candidate_expanded(
    struct mgd *m, struct conf *c, struct grp **owned, struct verrs *errs)
{
	struct grp *g;

	candidate_groups_start(m, c);
	if (m->xcommitted == NULL)
		return NULL;
	if (owned != NULL) {
		g = *owned = grp_dup(m->xcommitted);
	} else {
		if (m->xcandidate == NULL)
			m->xcandidate = grp_dup(m->xcommitted);
		g = m->xcandidate;
	}
	grp_sync(g, c, false, errs);
	return grp_tree(g);
}

void
candidate_replaced(struct mgd *m)
{
	grp_free(m->xcandidate);
	m->xcandidate = NULL;
}

int
candidate_load_from_db(struct mgd *m)
{
	struct replay_arg a;

	candidate_replaced(m);
	candidate_set(m, conf_dup(m->committed));
	a.m = m;
	a.c = m->candidate;
	return db_journal_each(m->db, candidate_replay_cb, &a);
}

/* Replays a private journal onto c. */
int candidate_replay_private(struct mgd *m, struct session *s, struct conf *c);

int
candidate_replay_private(struct mgd *m, struct session *s, struct conf *c)
{
	const char *p = s->priv_journal.buf, *end = p + s->priv_journal.len;

	while (p != NULL && p < end) {
		const char *t1 = strchr(p, '\t');
		const char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (t2 == NULL)
			return -1;
		char *kind = xstrndup(p, (size_t)(t1 - p));
		char *level = xstrndup(t1 + 1, (size_t)(t2 - t1 - 1));
		const char *text = t2 + 1;
		int rc = candidate_replay(m, c, kind, level, text);
		free(kind);
		free(level);
		if (rc == -1)
			return -1;
		p = text + strlen(text) + 1;
	}
	return 0;
}

void
candidate_discard(struct session *s)
{
	struct mgd *m = s->mgd;

	if (s->db == SESS_PRIVATE) {
		conf_free(s->priv);
		s->priv = conf_dup(m->committed);
		sb_reset(&s->priv_journal);
		s->priv_journal.len = 0;
		return;
	}
	db_journal_clear(m->db);
	candidate_set(m, conf_dup(m->committed));
	candidate_replaced(m);
}
