/*
 * commit: validation, the store transaction, and the daemons' two phases
 * (DESIGN.md, "Commit").  Also rollback generations, commit confirmed and
 * the snapshots that keep rebuilding a generation cheap.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/log.h"
#include "mgd/backend.h"
#include "mgd/db.h"
#include "mgd/mgd.h"
#include "pki/pki_conf.h"
#include "schema/conf_diff.h"
#include "schema/conf_text.h"
#include "schema/edit.h"
#include "schema/validate.h"

int candidate_replay_private(struct mgd *m, struct session *s, struct conf *c);

void
mgd_time(int64_t t, struct sb *out)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	sb_puts(out, buf);
}

struct chain_arg {
	struct conf *c;
};

static int
chain_base(void *arg, const char *text)
{
	struct chain_arg *a = arg;
	struct path_err err;
	size_t bad;
	int rc;

	if (text == NULL)
		return 0;
	sb_init(&err.msg);
	rc = edit_apply_trusted(a->c, NULL, text, strlen(text), &err, &bad, NULL);
	if (rc == -1)
		log_err("commit: snapshot line %zu: %s", bad, sb_str(&err.msg));
	sb_free(&err.msg);
	return rc;
}

static struct conf *
commit_build(struct mgd *m, int64_t seq)
{
	struct chain_arg a = { conf_new(m->schema) };

	if (seq > 0 && db_gen_chain(m->db, seq, chain_base, chain_base, &a) == -1) {
		conf_free(a.c);
		return NULL;
	}
	conf_clean(a.c);
	return a.c;
}

struct conf *
commit_generation(struct mgd *m, int n)
{
	struct db_gen g;
	struct conf *c;

	if (db_gen_info(m->db, n, &g) == -1)
		return NULL;
	c = commit_build(m, g.seq);
	if (c != NULL)
		conf_set_changed(c, g.time);
	db_gen_clear(&g);
	return c;
}

int
commit_load(struct mgd *m)
{
	m->committed_seq = db_head(m->db);
	m->committed = commit_build(m, m->committed_seq);
	if (m->committed == NULL)
		return -1;
	if (m->committed_seq > 0) {
		struct db_gen g;
		if (db_gen_info(m->db, 0, &g) == 0)
			conf_set_changed(m->committed, g.time);
		db_gen_clear(&g);
	}
	return 0;
}

/*
 * Every DB_SNAPSHOT_EVERY commits generation 0 is stored whole, and what
 * no kept generation (0..49) needs any more is deleted: the store stays
 * bounded, and building a generation (start, rollback N) replays at most
 * that many deltas.  Run from the loop just after a commit's reply.
 */
static void
commit_snapshot(evutil_socket_t fd, short what, void *arg)
{
	struct mgd *m = arg;
	struct sb t;

	if (db_since_snapshot(m->db) < DB_SNAPSHOT_EVERY)
		return;
	sb_init(&t);
	conf_text_set(conf_root(m->committed), &t);
	if (db_snapshot(m->db, m->committed_seq, sb_str(&t)) == 0)
		db_prune(m->db);
	else
		log_warn("commit: snapshot of generation %lld not stored",
		    (long long)m->committed_seq);
	sb_free(&t);
}

static void
commit_confirm_cancel(struct mgd *m)
{
	if (m->confirm_deadline == 0)
		return;
	m->confirm_deadline = 0;
	if (m->confirm_ev)
		event_del(m->confirm_ev);
	db_meta_set(m->db, "confirm_deadline", NULL);
}

/* Makes c generation 0: the store first, then memory, then the daemons. */
static int
commit_install(struct mgd *m, struct conf *c, struct diff *d,
    struct sb *delta, const struct commit_opts *o, bool shared,
    struct sb *out)
{
	struct db_gen g = { 0 };
	int64_t seq;

	g.time = (int64_t)time(NULL);
	g.user = (char *)o->user;
	g.client = (char *)(o->client ? o->client : "cli");
	g.comment = (char *)o->comment;
	if (db_commit(m->db, &g, sb_str(delta), shared, &seq) == -1) {
		backend_abort(m->backend);
		sb_puts(out, "error: commit failed: the configuration store"
		    " could not be written\n");
		return -1;
	}
	m->committed_seq = seq;
	/* Bring generation 0 in memory up to date: cheap for small deltas. */
	if (d->n > 1000 || delta->len > 65536) {
		conf_free(m->committed);
		m->committed = conf_dup(c);
	} else {
		struct path_err err;
		size_t bad;
		sb_init(&err.msg);
		if (edit_apply_trusted(m->committed, NULL, sb_str(delta),
		    delta->len, &err, &bad, NULL) == -1)
			fatal("commit: delta line %zu does not apply: %s", bad,
			    sb_str(&err.msg));
		sb_free(&err.msg);
	}
	conf_clean(m->committed);
	conf_set_changed(m->committed, g.time);
	mgd_pki_sync(m);
	backend_apply(m->backend);
	if (m->snapshot_ev == NULL)
		m->snapshot_ev = evtimer_new(m->base, commit_snapshot, m);
	/* A timer, not event_active: the loop writes the reply first. */
	static const struct timeval now = { 0, 0 };
	evtimer_add(m->snapshot_ev, &now);
	return 0;
}

int
commit_run(struct mgd *m, struct session *s, const struct commit_opts *o,
    struct sb *out)
{
	bool shared = s == NULL || s->db != SESS_PRIVATE;
	struct conf *c = shared ? m->candidate : NULL;
	struct diff d;
	struct sb delta;
	struct verrs errs = { 0 };
	int rc = -1;

	if (!shared) {
		/* Junos merges private changes into the newest commit. */
		c = conf_dup(m->committed);
		if (candidate_replay_private(m, s, c) == -1) {
			sb_puts(out, "error: private changes conflict with the"
			    " committed configuration\n");
			conf_free(c);
			return -1;
		}
	}
	sb_init(&delta);
	conf_diff(m->committed, c, true, &d);
	validate_diff(c, &d, &errs);
	/* security pki is mgd's own: the pki library refuses here. */
	pki_conf_check(conf_root(c), &errs);
	if (errs.n == 0) {
		/* One text of the change: the daemons' parts and the store's. */
		diff_delta_text(&d, &delta);
		backend_check(m->backend, sb_str(&delta), delta.len, &errs);
	}
	if (errs.n > 0) {
		backend_abort(m->backend);
		verrs_text(&errs, !o->check_only, out);
		goto done;
	}
	if (o->check_only) {
		backend_abort(m->backend);
		sb_puts(out, "configuration check succeeds\n");
		commit_confirm_cancel(m);
		rc = 0;
		goto done;
	}
	if (o->confirm_minutes > 0)
		sb_printf(out, "commit confirmed will be automatically rolled"
		    " back in %d minutes unless confirmed\n", o->confirm_minutes);
	if (commit_install(m, c, &d, &delta, o, shared, out) == -1)
		goto done;
	commit_confirm_cancel(m);
	if (o->confirm_minutes > 0) {
		struct timeval tv = { (time_t)o->confirm_minutes * m->confirm_unit, 0 };
		char buf[32];
		m->confirm_deadline = (int64_t)time(NULL) + tv.tv_sec;
		snprintf(buf, sizeof(buf), "%lld", (long long)m->confirm_deadline);
		db_meta_set(m->db, "confirm_deadline", buf);
		event_add(m->confirm_ev, &tv);
	}
	if (shared) {
		conf_clean(m->candidate);
	} else {
		/* The private session starts again from the new commit; the
		 * shared candidate is rebuilt on it. */
		sb_reset(&s->priv_journal);
		s->priv_journal.len = 0;
		conf_free(s->priv);
		s->priv = conf_dup(m->committed);
		candidate_load_from_db(m);
	}
	sb_puts(out, "commit complete\n");
	rc = 0;
done:
	if (!shared)
		conf_free(c);
	diff_free(&d);
	sb_free(&delta);
	verrs_free(&errs);
	return rc;
}

/* commit confirmed was not confirmed in time: back to rollback 1. */
static void
commit_confirm_expired(evutil_socket_t fd, short what, void *arg)
{
	struct mgd *m = arg;
	struct conf *prev = commit_generation(m, 1);
	struct commit_opts o = { .comment = "automatic rollback",
	    .client = "other", .user = "root" };
	struct sb out;

	m->confirm_deadline = 0;
	db_meta_set(m->db, "confirm_deadline", NULL);
	if (prev == NULL) {
		log_err("commit confirmed: generation 1 is not available");
		return;
	}
	/* The shared candidate's edits are kept on top of the rollback. */
	conf_free(m->candidate);
	m->candidate = prev;
	conf_touch_all(m->candidate);
	sb_init(&out);
	if (commit_run(m, NULL, &o, &out) == -1)
		log_err("commit confirmed: automatic rollback failed: %s",
		    sb_str(&out));
	else
		frontend_broadcast(m, "Commit was not confirmed; automatic"
		    " rollback complete.");
	sb_free(&out);
	candidate_load_from_db(m);
	log_info("commit confirmed: rolled back to the previous generation");
}

void
commit_confirm_restore(struct mgd *m)
{
	char *v = db_meta_get(m->db, "confirm_deadline");
	int64_t now = (int64_t)time(NULL);

	m->confirm_ev = event_new(m->base, -1, 0, commit_confirm_expired, m);
	if (v == NULL)
		return;
	m->confirm_deadline = strtoll(v, NULL, 10);
	free(v);
	/* mgd was down: the rollback is still owed. */
	struct timeval tv = { m->confirm_deadline > now ?
	    (time_t)(m->confirm_deadline - now) : 0, 0 };
	event_add(m->confirm_ev, &tv);
}
