/*
 * mgd: the management daemon.  It owns the configuration store, serves cli
 * sessions over <state>/mgd.sock (proto/proto_cli.h), runs commits, and routes
 * operational commands.  One process, one libevent loop, one struct mgd.
 */
#ifndef QSAFE_MGD_H
#define QSAFE_MGD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "lib/sb.h"
#include "schema/conf.h"
#include "schema/group.h"
#include "schema/path.h"
#include "schema/schema.h"

struct event;
struct event_base;
struct bufferevent;
struct db;
struct backend;
struct backend_rpc_call;
struct commit_job;
struct pipes;
struct pki_store;

enum sess_mode { SESS_OPER, SESS_CONFIG };
enum sess_db { SESS_SHARED, SESS_PRIVATE, SESS_EXCLUSIVE };

/* What a session waits for after an "ask" or "input" reply. */
enum sess_wait {
	WAIT_NONE,
	WAIT_EXIT_UNCOMMITTED, /* Exit with uncommitted changes? */
	WAIT_DISCARD,	       /* Discard uncommitted changes? (private/excl) */
	WAIT_DELETE_ALL,       /* Delete everything under this level? */
	WAIT_LOAD,	       /* load ... terminal: the text */
	WAIT_CONFIRM_RPC,      /* an rpc's own question (a CA's fingerprint) */
};

struct session {
	struct mgd *mgd;
	struct bufferevent *bev;
	struct session *next;
	int id;
	char *user;
	char *tty;
	pid_t pid;
	int64_t since;
	int64_t last_active;
	enum sess_mode mode;
	enum sess_db db;
	struct conf *priv;	/* private candidate */
	struct sb priv_journal; /* private edits: "level\tline\n" */
	struct cpath level;	/* [edit ...] */
	enum sess_wait wait;
	char *wait_arg; /* load: "set|merge|override|replace" */
	json_int_t req_id;
	struct sb notices; /* broadcasts shown with the next reply */
	/* the next reply's "output" when it is big (reply_out_sb) */
	struct sb out;
	/* the interactive shell: broadcasts go at once (proto/proto_cli.h) */
	bool interactive;
	int screen_length; /* `set cli screen-length`: -1 unset */
	int screen_width;
	bool timestamp; /* `set cli timestamp` */
	/* A reply finished later, when a daemon's rpc or the session's commit
	 * is answered; the session takes no other request meanwhile. */
	json_t *later;
	struct backend_rpc_call *rpc_call; /* the rpc on its way */
	struct pipes *rpc_pipes;
	bool commit_and_quit; /* `commit and-quit` on its way */
	/* `commit [check] | display xml|json` on its way: the display
	 * (enum display, cmd.h) and whether it only checks */
	int commit_display;
	bool commit_check;
	/* A request that waits for another session's commit to end. */
	json_t *parked;
	const char *rpc_render; /* the rpc's name (schema-owned) */
	/* WAIT_CONFIRM_RPC: the rpc to run again once the operator agrees */
	const struct snode *confirm_rpc;
	json_t *confirm_input;
};

struct mgd {
	struct event_base *base;
	const char *state_dir;
	struct schema *schema;
	struct db *db;
	struct conf *committed; /* generation 0 */
	/*
	 * The shared candidate.  After a commit of a large change it is
	 * generation 0's own tree (candidate == committed: the commit hands
	 * the candidate over instead of copying it) until candidate_own
	 * gives them two trees, when a session first takes the candidate
	 * (session_conf) or the next commit starts.  Nothing changes either
	 * tree while they are one.  Generation 0's copy is made meanwhile by
	 * a thread started after the commit's reply (candidate_copy_start):
	 * it only reads the shared tree, and candidate_own waits for it.
	 */
	struct conf *candidate;
	int64_t candidate_changed; /* its `## Last changed` meanwhile */
	pthread_t copier; /* candidate_copy_start's thread, while copying */
	bool copying;
	struct conf *copy; /* what it made (once joined) */
	/*
	 * Every DB_SNAPSHOT_EVERY commits, generation 0 rendered whole and
	 * written to a file beside the store by a thread after the reply
	 * (mgd/snapshot.c): while snapping it reads snap_tree (generation
	 * snap_seq), which the loop neither changes nor frees until
	 * snapshot_release has seen it rendered.
	 */
	pthread_t snapper;
	bool snapping;
	struct conf *snap_tree;
	int64_t snap_seq;
	struct sb snap_path; /* the file it writes (db_snapshot_path) */
	int snap_hold_ms;    /* QSAFE_SNAPSHOT_HOLD_MS (tests) */
	/* snap_rendered: the thread has done with snap_tree (under snap_mu,
	 * signalled on snap_cv) */
	pthread_mutex_t snap_mu;
	pthread_cond_t snap_cv;
	bool snap_rendered;
	/* what the thread did: written, why not, bytes, render and write ms */
	bool snap_ok;
	struct sb snap_err;
	/* the render, in a buffer from the loop's heap (snapshot_start) */
	struct sb snap_text;
	size_t snap_bytes;
	size_t snap_reserved; /* snap_text's size before the render */
	int64_t snap_ms[2];
	int snap_pipe[2];      /* the thread's "done" to the loop */
	struct event *snap_ev; /* snap_pipe[0] readable: snapshot_ready */
	/*
	 * Configuration groups (schema/group.h): generation 0 expanded, made
	 * when a configuration first defines a group (NULL until then: the
	 * daemons run generation 0 as typed), and the shared candidate's
	 * expanded tree, made when first needed.
	 */
	struct grp *xcommitted;
	struct grp *xcandidate;
	struct session *sessions;
	struct session *exclusive; /* holder of `configure exclusive` */
	int next_session_id;
	int64_t committed_seq;
	/* commit confirmed */
	struct event *confirm_ev;
	struct event *snapshot_ev; /* commit_after_reply, after a commit */
	struct commit_job *commit; /* the commit on its way, or NULL */
	int64_t confirm_deadline;  /* 0: none pending */
	int confirm_unit;	   /* seconds per "minute" (tests: 1) */
	struct backend *backend;
	struct pki_store *pki;
	struct event *listen_ev;
	int listen_fd;
};

/* frontend.c */
int frontend_listen(struct mgd *m);
void frontend_broadcast(struct mgd *m, const char *text);
/* Sends reply to s with the next prompt and the notices; drops it. */
void session_reply_send(struct session *s, json_t *reply);
/* The commit has ended: the requests it held back run, in session order. */
void frontend_resume(struct mgd *m);
/* The Junos "user terminal tty (pid N) on since ..." lines of a session. */
void session_who(const struct session *x, struct sb *out);

/* cmd_config.c / cmd_oper.c: run one command line, fill the reply. */
void cmd_config(struct session *s, const char *line, json_t *reply);
void cmd_oper(struct session *s, const char *line, json_t *reply);
void cmd_answer(struct session *s, const char *text, json_t *reply);
void cmd_input(struct session *s, const char *text, json_t *reply);
void cmd_prompt(struct session *s, json_t *reply);
void cmd_session_end(struct session *s);
/* Output helpers shared by the command files. */
void reply_out(json_t *reply, const char *text);
void reply_out_sb(struct session *s, json_t *reply, struct sb *text);
void reply_fail(json_t *reply, const char *text);
void reply_syntax(json_t *reply, const char *msg, size_t caret);

/* candidate.c */
/* The session's candidate (the shared one made its own first). */
struct conf *session_conf(struct session *s);
/* The shared candidate and generation 0 get a tree each when they share
 * one (after a large commit: generation 0 gets the copy); a no-op
 * otherwise. */
void candidate_own(struct mgd *m);
/* After the reply of a commit that makes a snapshot due: its thread. */
void snapshot_start(struct mgd *m);
/* Waits until that thread has rendered generation 0's tree (a no-op when
 * none runs): before anything changes or frees that tree. */
void snapshot_release(struct mgd *m);
/* Joins that thread and records its file in the store. */
void snapshot_finish(struct mgd *m);
/* mgd's end: snapshot_finish, and the pipe closed. */
void snapshot_stop(struct mgd *m);
/* After a large commit's reply: generation 0's copy, made in a thread. */
void candidate_copy_start(struct mgd *m);
/* The thread's copy thrown away (mgd's end, a replaced candidate). */
void candidate_copy_drop(struct mgd *m);
/* The shared candidate becomes n (taken); the old one is freed. */
void candidate_set(struct mgd *m, struct conf *n);
bool candidate_is_changed(struct mgd *m, struct session *s);
int candidate_journal(struct session *s, const char *kind, const char *text);
/* The same for a load's text in the shared candidate, whose file lj is
 * writing (mgd/load_journal.h; not started: candidate_journal).  lj is
 * done with. */
struct load_journal;
int candidate_journal_load(
    struct session *s, const char *text, struct load_journal *lj);
int candidate_load_from_db(struct mgd *m);
void candidate_discard(struct session *s);
/* The configuration the daemons run: generation 0, expanded. Borrowed. */
struct conf *mgd_running(struct mgd *m);
/* Makes the expanded generation 0 when a configuration defines groups. */
void candidate_groups_start(struct mgd *m, struct conf *c);
/*
 * The expanded form of c (the shared candidate, or a tree of a private
 * session when *owned is given: then a new struct grp the caller frees).
 * NULL when no configuration ever defined a group.  errs may be NULL.
 */
struct conf *candidate_expanded(
    struct mgd *m, struct conf *c, struct grp **owned, struct verrs *errs);
/* The shared candidate was replaced: its expanded tree goes. */
void candidate_replaced(struct mgd *m);

/* commit.c */
struct commit_opts {
	bool check_only;
	const char *comment;
	int confirm_minutes; /* 0: not confirmed */
	const char *client;  /* "cli" */
	const char *user;
};
/*
 * A commit has ended: rc 0 or -1, out its output or errors.  s is the
 * session that asked, or NULL (mgd's own commit, or the session has gone).
 */
typedef void commit_done_cb(
    struct mgd *m, struct session *s, int rc, const char *out);
/*
 * Starts a commit of session s (NULL: of the shared candidate, by mgd) and
 * returns at once; done runs from the loop when it has ended.  One commit
 * at a time: m->commit is set until then, and the frontend holds back the
 * requests that could change the candidate (frontend_must_wait).
 */
void commit_start(struct mgd *m, struct session *s, const struct commit_opts *o,
    commit_done_cb *done);
/*
 * s leaves `configure exclusive` with changes while its commit is on its
 * way: the commit takes them (refused, they are rolled back then).  False
 * when s has no commit on its way.
 */
bool commit_takes_exclusive_changes(struct mgd *m, struct session *s);
/* s is going away: its commit goes on, and its answer is dropped. */
void commit_session_gone(struct mgd *m, struct session *s);
/* mgd is stopping: a commit on its way is dropped where it is. */
void commit_drop(struct mgd *m);
/* Builds generation n (0..49) as a new tree, or NULL. */
struct conf *commit_generation(struct mgd *m, int n);
/* Loads generation 0 from the store at start; a fresh store first gets
 * the factory default as its first generation. */
int commit_load(struct mgd *m);
/* The factory-default configuration as a new tree, or NULL. */
struct conf *commit_factory(struct mgd *m);
void commit_confirm_restore(struct mgd *m);

/* mgd.c */
/* The committed system host-name, or "" (the prompt is then `root>`, as on
 * a Junos device without one). */
const char *mgd_hostname(struct mgd *m);
/* Hands the committed CA profiles to the pki library. */
void mgd_pki_sync(struct mgd *m);
/*
 * Runs an operational rpc for s: the pki library answers in place; a
 * daemon's answer comes later (s->rpc_call is then set and reply, with the
 * pipes p, is finished and sent when it arrives).  Data with a "confirm"
 * question (Junos's `request security pki` replies: load this CA certificate?)
 * is asked; a yes runs the rpc again with "confirmed" set (cmd_answer).
 */
void mgd_rpc(struct session *s, const struct snode *rpc, const json_t *input,
    const struct pipes *p, json_t *reply);

/* Time formatting: "2026-11-22 08:00:00 UTC". */
void mgd_time(int64_t t, struct sb *out);

#endif
