/*
 * commit: validation, the store transaction, and the daemons' two phases
 * (docs/architecture.md, "Commit").  Also rollback generations, commit
 * confirmed and the snapshots that keep rebuilding a generation cheap.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/clock.h"
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
	/* Snapshots and deltas are mgd's own text (conf_text_set,
	 * diff_delta_text), values in the form it writes: the daemons'
	 * parser takes them without checking each value again. */
	rc = edit_apply_delta(a->c, text, strlen(text), &err, &bad);
	if (rc == -1)
		log_err("commit: snapshot line %zu: %s", bad, sb_str(&err.msg));
	sb_free(&err.msg);
	return rc;
}

static struct conf *
commit_build(struct mgd *m, int64_t seq)
{
	struct chain_arg a = { conf_new(m->schema) };

	if (seq > 0 &&
	    db_gen_chain(m->db, seq, chain_base, chain_base, &a) == -1) {
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

	if (n < 0 || n >= DB_GENERATIONS || db_gen_info(m->db, n, &g) == -1)
		return NULL;
	c = commit_build(m, g.seq);
	if (c != NULL)
		conf_set_changed(c, g.time);
	db_gen_clear(&g);
	return c;
}

/*
 * The factory-default configuration, set lines (docs/architecture.md,
 * "Factory default").  Of what a Junos SRX ships with, nothing applies
 * here without surprising the host: its trust and untrust zones and their
 * policies would firewall the namespace (an interface in no zone passes
 * nothing), DHCP on the ports and its name servers would change the host,
 * and qsafe runs no ssh, netconf or web-management service of its own.
 * So it holds only the `version` line every Junos configuration starts
 * with; it is a generation all the same, the first, so
 * that rollback 1 after the operator's first commit returns to it, and
 * `load factory-default` puts it in the candidate, as on Junos.
 */
static const char commit_factory_text[] = "set version " QSAFE_VERSION "\n";

struct conf *
commit_factory(struct mgd *m)
{
	struct chain_arg a = { conf_new(m->schema) };

	if (chain_base(&a, commit_factory_text) == -1) {
		conf_free(a.c);
		return NULL;
	}
	return a.c;
}

/* A fresh store: the factory default is committed as generation 1. */
static int
commit_factory_store(struct mgd *m)
{
	char user[] = "root", client[] = "other";
	struct db_gen g = {
		.time = (int64_t)time(NULL), .user = user, .client = client
	};
	int64_t seq;

	if (db_commit(m->db, &g, commit_factory_text, false, &seq) == -1)
		return -1;
	log_info("factory-default configuration committed (generation %lld)",
	    (long long)seq);
	return 0;
}

int
commit_load(struct mgd *m)
{
	if (db_head(m->db) == 0 && commit_factory_store(m) == -1)
		return -1;
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
 * Run from the loop just after a commit's reply: generation 0's copy
 * starts in a thread if the commit made the candidate's tree generation
 * 0's (candidate_copy_start); every DB_SNAPSHOT_EVERY commits generation
 * 0 is rendered whole and written to a file by another (snapshot_start),
 * recorded in the store when it is done, and what no kept generation
 * (0..49) needs any more is deleted: the store stays bounded, and
 * building a generation (start, rollback N) replays at most that many
 * deltas (more while a snapshot's thread still runs: it is late, never
 * wrong); last, the store's write-ahead log is checkpointed
 * (db_checkpoint).
 */
static void
commit_after_reply(evutil_socket_t fd, short what, void *arg)
{
	struct mgd *m = arg;

	candidate_copy_start(m);
	if (!m->snapping && db_since_snapshot(m->db) >= DB_SNAPSHOT_EVERY)
		snapshot_start(m);
	db_checkpoint(m->db);
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

/*
 * A commit on its way.  It goes in steps from mgd's loop, so that other
 * sessions' commands are answered while the daemons check and apply:
 * commit_start (validation, the delta) -> the daemons' check ->
 * commit_checked (the store, generation 0 in memory) -> the daemons'
 * apply -> commit_end.
 */
struct commit_job {
	struct mgd *m;
	struct session *s; /* NULL: mgd's own, or the session has gone */
	commit_done_cb *done;
	bool check_only;
	int confirm_minutes;
	char *comment, *client, *user;
	bool shared;
	struct conf *c; /* the tree to commit (owned when private) */
	struct diff d;
	struct sb delta;
	/* With groups: the expanded trees' diff and delta (what validation
	 * and the daemons see); xown: a private session's expanded tree. */
	struct conf *x;
	struct grp *xown;
	struct diff xd;
	struct sb xdelta;
	struct verrs errs;
	struct sb out;
	int rc;
	/* Its `configure exclusive` session has gone: a refused commit
	 * rolls the changes back, as that session's exit would have. */
	bool discard_if_refused;
	bool installed;	  /* it is generation 0 */
	struct event *ev; /* steps that have no daemon to wait for */
	/* When each step ended (clock_mono_ms), for the log line of a
	 * large commit: started, sent to the daemons, checked, stored. */
	int64_t t0, t_sent, t_checked, t_stored;
	int64_t c0, c_sent, c_checked, c_stored; /* mgd's CPU (clock_cpu_ms) */
};

static void
commit_job_free(struct commit_job *j)
{
	if (!j->shared)
		conf_free(j->c);
	diff_free(&j->d);
	sb_free(&j->delta);
	diff_free(&j->xd);
	sb_free(&j->xdelta);
	grp_free(j->xown);
	verrs_free(&j->errs);
	sb_free(&j->out);
	event_free(j->ev);
	free(j->comment);
	free(j->client);
	free(j->user);
	free(j);
}

/* Where a large commit's time went, for the log (docs/benchmarks.md). */
static void
commit_log_steps(const struct commit_job *j)
{
	int64_t now = clock_mono_ms(), cnow = clock_cpu_ms();

	log_info("commit: %zu bytes of change, wall (mgd's CPU) in ms:"
		 " diff and delta %lld (%lld), daemons' check %lld (%lld),"
		 " store %lld (%lld), daemons' apply %lld (%lld)",
	    j->delta.len, (long long)(j->t_sent - j->t0),
	    (long long)(j->c_sent - j->c0),
	    (long long)(j->t_checked - j->t_sent),
	    (long long)(j->c_checked - j->c_sent),
	    (long long)(j->t_stored - j->t_checked),
	    (long long)(j->c_stored - j->c_checked),
	    (long long)(now - j->t_stored), (long long)(cnow - j->c_stored));
}

/* The last step: the session hears, then the requests held back run. */
static void
commit_end(void *arg)
{
	struct commit_job *j = arg;
	struct mgd *m = j->m;

	m->commit = NULL;
	j->done(m, j->s, j->rc, sb_str(&j->out));
	if (j->installed && j->delta.len > 65536)
		commit_log_steps(j);
	if (j->rc == -1 && j->discard_if_refused) {
		db_journal_clear(m->db);
		/* j->c: not used after this */
		candidate_set(m, conf_dup(m->committed));
		candidate_replaced(m);
	}
	if (j->installed) {
		static const struct timeval now = { 0, 0 };
		if (m->snapshot_ev == NULL)
			m->snapshot_ev =
			    evtimer_new(m->base, commit_after_reply, m);
		/* A timer, not event_active: the loop writes the reply first.
		 */
		evtimer_add(m->snapshot_ev, &now);
	}
	commit_job_free(j);
	frontend_resume(m);
}

static void
commit_end_cb(evutil_socket_t fd, short what, void *arg)
{
	commit_end(arg);
}

/* Ends j from the loop (never from inside commit_start). */
static void
commit_end_soon(struct commit_job *j, int rc)
{
	static const struct timeval now = { 0, 0 };

	j->rc = rc;
	evtimer_add(j->ev, &now);
}

/* Is it a change generation 0 takes whole rather than by its delta? */
static bool
commit_is_large(const struct commit_job *j)
{
	return j->d.n > 1000 || j->delta.len > 65536;
}

/*
 * Run once the daemons have their parts: mgd waits for their check (a
 * 200,000-line change: iked's 0.4 s), so with groups the store's delta
 * (the daemons got the expanded one) is made meanwhile.  A large shared
 * commit makes no copy of the candidate here: the candidate's tree
 * becomes generation 0 itself (commit_install), and the candidate gets a
 * tree of its own again only when a session first changes it
 * (candidate_own, from session_conf or the next commit_start).
 */
static void
commit_while_checked(struct commit_job *j)
{
	if (j->x != NULL)
		diff_delta_text(&j->d, &j->delta);
}

/* Makes c generation 0: the store first, then memory. */
static int
commit_install(struct commit_job *j)
{
	struct mgd *m = j->m;
	struct db_gen g = { 0 };
	bool large = commit_is_large(j);
	int64_t seq;

	g.time = (int64_t)time(NULL);
	g.user = j->user;
	g.client = j->client;
	g.comment = j->comment;
	if (db_commit(m->db, &g, sb_str(&j->delta), j->shared, &seq) == -1) {
		backend_abort(m->backend);
		sb_puts(&j->out,
		    "error: commit failed: the configuration store"
		    " could not be written\n");
		return -1;
	}
	m->committed_seq = seq;
	/* Generation 0's tree changes below: a snapshot's render of it
	 * first (its file's write may go on). */
	snapshot_release(m);
	/* Generation 0 changes: a shared candidate that is still its tree
	 * (a large commit before, no edit since) takes its own first.  A
	 * shared commit did so in commit_start; a private one after a large
	 * shared commit pays the copy here. */
	candidate_own(m);
	/* Bring generation 0 in memory up to date: cheap for small deltas. */
	if (large) {
		/* A large change: the tree committed becomes generation 0
		 * itself, no copy.  The shared candidate shares it until a
		 * session changes it (candidate_own); a private session's
		 * tree is the job's to give. */
		conf_free(m->committed);
		m->committed = j->c;
		if (j->shared)
			m->candidate_changed = conf_changed(j->c);
		else
			j->c = NULL;
	} else {
		struct path_err err;
		size_t bad;
		sb_init(&err.msg);
		if (edit_apply_delta(m->committed, sb_str(&j->delta),
			j->delta.len, &err, &bad) == -1)
			fatal("commit: delta line %zu does not apply: %s", bad,
			    sb_str(&err.msg));
		sb_free(&err.msg);
	}
	if (m->xcommitted != NULL && large) {
		/* The tree the daemons checked is the expanded generation 0
		 * (j->c is generation 0 itself): copied from the shared
		 * candidate's, or the private session's own, instead of a
		 * second expansion of the whole change (with a group over
		 * 10,000 gateways: 150 ms against 50). */
		grp_free(m->xcommitted);
		if (j->shared) {
			m->xcommitted = grp_dup(m->xcandidate);
		} else {
			m->xcommitted = j->xown;
			j->xown = NULL;
		}
		conf_clean(grp_tree(m->xcommitted));
	} else if (m->xcommitted != NULL) {
		/* The expanded generation 0 follows, as far as the change
		 * reaches (the dirty marks the delta left). */
		grp_sync(m->xcommitted, m->committed, false, NULL);
		conf_clean(grp_tree(m->xcommitted));
	}
	conf_clean(m->committed);
	conf_set_changed(m->committed, g.time);
	mgd_pki_sync(m);
	j->installed = true;
	return 0;
}

/* Every daemon has checked (or is down): refuse, or make it generation 0. */
static void
commit_checked(void *arg)
{
	struct commit_job *j = arg;
	struct mgd *m = j->m;
	struct session *s = j->s;

	j->t_checked = clock_mono_ms();
	j->c_checked = clock_cpu_ms();
	if (j->errs.n > 0) {
		backend_abort(m->backend);
		verrs_text(&j->errs, !j->check_only, &j->out);
		commit_end(j);
		return;
	}
	if (j->check_only) {
		backend_abort(m->backend);
		sb_puts(&j->out, "configuration check succeeds\n");
		commit_confirm_cancel(m);
		j->rc = 0;
		commit_end(j);
		return;
	}
	if (j->confirm_minutes > 0)
		sb_printf(&j->out,
		    "commit confirmed will be automatically rolled"
		    " back in %d minutes unless confirmed\n",
		    j->confirm_minutes);
	if (commit_install(j) == -1) {
		commit_end(j);
		return;
	}
	j->t_stored = clock_mono_ms();
	j->c_stored = clock_cpu_ms();
	commit_confirm_cancel(m);
	if (j->confirm_minutes > 0) {
		struct timeval tv = {
			(time_t)j->confirm_minutes * m->confirm_unit, 0
		};
		char buf[32];
		m->confirm_deadline = (int64_t)time(NULL) + tv.tv_sec;
		snprintf(
		    buf, sizeof(buf), "%lld", (long long)m->confirm_deadline);
		db_meta_set(m->db, "confirm_deadline", buf);
		event_add(m->confirm_ev, &tv);
	}
	if (j->shared) {
		conf_clean(m->candidate);
		if (m->xcandidate != NULL)
			conf_clean(grp_tree(m->xcandidate));
	} else {
		/* The private session starts again from the new commit; the
		 * shared candidate is rebuilt on it. */
		if (s != NULL) {
			sb_reset(&s->priv_journal);
			s->priv_journal.len = 0;
			conf_free(s->priv);
			s->priv = conf_dup(m->committed);
		}
		candidate_load_from_db(m);
	}
	sb_puts(&j->out, "commit complete\n");
	j->rc = 0;
	/* The answer waits for the daemons to apply: what the operator
	 * sees next (an address, a tunnel) is in place. */
	backend_apply_start(m->backend, commit_end, j);
}

/*
 * Junos stamps the release it runs on every configuration it commits, so a
 * full configuration starts with `version ...;`; a
 * `version` line loaded from another device's file is replaced here.
 */
static void
commit_stamp_version(struct conf *c)
{
	const struct snode *sn =
	    snode_child(schema_root(conf_schema(c)), "version");
	struct cnode *n;

	if (sn == NULL)
		return;
	n = conf_find(c, conf_root(c), sn, NULL);
	if (n != NULL && n->val != NULL && strcmp(n->val, QSAFE_VERSION) == 0 &&
	    !(n->flags & CN_INACTIVE))
		return;
	n = conf_add(c, conf_root(c), sn, QSAFE_VERSION, NULL);
	if (n->flags & CN_INACTIVE)
		conf_set_inactive(c, n, false);
}

void
commit_start(struct mgd *m, struct session *s, const struct commit_opts *o,
    commit_done_cb *done)
{
	struct commit_job *j = xcalloc(1, sizeof(*j));

	j->m = m;
	j->s = s;
	j->t0 = clock_mono_ms();
	j->c0 = clock_cpu_ms();
	j->done = done;
	j->check_only = o->check_only;
	j->confirm_minutes = o->confirm_minutes;
	j->comment = o->comment ? xstrdup(o->comment) : NULL;
	j->client = xstrdup(o->client ? o->client : "cli");
	j->user = xstrdup(o->user ? o->user : "root");
	j->shared = s == NULL || s->db != SESS_PRIVATE;
	j->rc = -1;
	j->ev = evtimer_new(m->base, commit_end_cb, j);
	sb_init(&j->delta);
	sb_init(&j->xdelta);
	sb_init(&j->out);
	m->commit = j;
	if (j->shared) {
		candidate_own(m);
		j->c = m->candidate;
	} else {
		/* Junos merges private changes into the newest commit. */
		j->c = conf_dup(m->committed);
		if (candidate_replay_private(m, s, j->c) == -1) {
			sb_puts(&j->out,
			    "error: private changes conflict with"
			    " the committed configuration\n");
			commit_end_soon(j, -1);
			return;
		}
	}
	if (!j->check_only)
		commit_stamp_version(j->c);
	conf_diff(m->committed, j->c, true, &j->d);
	j->x =
	    candidate_expanded(m, j->c, j->shared ? NULL : &j->xown, &j->errs);
	if (j->x != NULL) {
		/* Groups: what is checked and run is the expanded tree. */
		conf_diff(grp_tree(m->xcommitted), j->x, true, &j->xd);
		validate_diff(j->x, &j->xd, &j->errs);
	} else {
		validate_diff(j->c, &j->d, &j->errs);
	}
	/* security pki is mgd's own: the pki library refuses here. */
	pki_conf_check(conf_root(j->x ? j->x : j->c), &j->errs);
	if (j->errs.n > 0) {
		verrs_text(&j->errs, !j->check_only, &j->out);
		commit_end_soon(j, -1);
		return;
	}
	/* One text of the change: the daemons' parts and the store's (with
	 * groups the daemons get the expanded tree's).  A large one reaches
	 * hostd and keymgr in parts while it is written. */
	if (j->x != NULL) {
		diff_delta_text_sink(
		    &j->xd, &j->xdelta, backend_stream_begin(m->backend));
		backend_check_start(m->backend, sb_str(&j->xdelta),
		    j->xdelta.len, j->x, &j->errs, commit_checked, j);
	} else {
		diff_delta_text_sink(
		    &j->d, &j->delta, backend_stream_begin(m->backend));
		backend_check_start(m->backend, sb_str(&j->delta), j->delta.len,
		    j->c, &j->errs, commit_checked, j);
	}
	j->t_sent = clock_mono_ms();
	j->c_sent = clock_cpu_ms();
	/* commit_checked runs from the loop, after this */
	commit_while_checked(j);
}

bool
commit_takes_exclusive_changes(struct mgd *m, struct session *s)
{
	if (m->commit == NULL || m->commit->s != s)
		return false;
	m->commit->discard_if_refused = true;
	return true;
}

void
commit_session_gone(struct mgd *m, struct session *s)
{
	if (m->commit != NULL && m->commit->s == s)
		m->commit->s = NULL;
}

void
commit_drop(struct mgd *m)
{
	if (m->commit != NULL)
		commit_job_free(m->commit);
	m->commit = NULL;
}

/* The automatic rollback has ended: the shared candidate's edits are put
 * back on top of it. */
static void
commit_confirm_rolled_back(
    struct mgd *m, struct session *s, int rc, const char *out)
{
	if (rc == -1)
		log_err("commit confirmed: automatic rollback failed: %s", out);
	else
		frontend_broadcast(m,
		    "Commit was not confirmed; automatic"
		    " rollback complete.");
	candidate_load_from_db(m);
	log_info("commit confirmed: rolled back to the previous generation");
}

/* commit confirmed was not confirmed in time: back to rollback 1. */
static void
commit_confirm_expired(evutil_socket_t fd, short what, void *arg)
{
	struct mgd *m = arg;
	struct conf *prev;
	struct commit_opts o = { .comment = "automatic rollback",
		.client = "other",
		.user = "root" };

	if (m->commit != NULL) {
		/* after the commit on its way (which may confirm it) */
		static const struct timeval again = { 0, 100000 };
		event_add(m->confirm_ev, &again);
		return;
	}
	m->confirm_deadline = 0;
	db_meta_set(m->db, "confirm_deadline", NULL);
	prev = commit_generation(m, 1);
	if (prev == NULL) {
		log_err("commit confirmed: generation 1 is not available");
		return;
	}
	candidate_set(m, prev);
	candidate_replaced(m);
	conf_touch_all(m->candidate);
	commit_start(m, NULL, &o, commit_confirm_rolled_back);
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
	struct timeval tv = { m->confirm_deadline > now
		    ? (time_t)(m->confirm_deadline - now)
		    : 0,
		0 };
	event_add(m->confirm_ev, &tv);
}
