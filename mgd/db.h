/*
 * db: the configuration store, one SQLite database (WAL, mode 0600) in the
 * state directory.  It holds the committed generations as deltas (editing
 * commands from one generation to the next) with a full snapshot every few
 * commits (a file beside it, db_snap.c), the shared candidate's journal of
 * edits since the last commit, and the rescue configuration.  Every write is
 * a transaction: a crash leaves the old or the new state, never a mix; a
 * file beside it is synced before a row names it, and one no row names is
 * removed at the next start.
 */
#ifndef QSAFE_DB_H
#define QSAFE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/sb.h"

#define DB_GENERATIONS 50 /* rollback 0..49 */
/* How many deltas may follow a snapshot before mgd writes a new one. */
#define DB_SNAPSHOT_EVERY 10

struct db;

struct db_gen {
	int64_t seq;
	int64_t time;
	char *user;
	char *client;
	char *comment;
};

struct db *db_open(const char *path);
void db_close(struct db *db);
/*
 * Copies the write-ahead log into the database file (a passive
 * checkpoint).  mgd runs it after a commit's reply rather than in the
 * commit that fills the log: a commit is durable once its log frames are
 * synced (WAL, synchronous=FULL), the checkpoint only keeps the log short.
 */
int db_checkpoint(struct db *db);

/* A journal entry's text from this size on is a file of its own beside
 * the database, the row naming it (db_journal_add). */
#define DB_JOURNAL_FILE_MIN (1024 * 1024)

/* Appends one candidate edit (edit level words and the command line). */
int db_journal_add(
    struct db *db, const char *kind, const char *level, const char *text);
/*
 * A journal entry's file in two steps, for a caller that writes the text
 * itself (a load, in a thread while it parses: mgd/load_journal.c).  The
 * template of its temporary name (into out, no heap: -1 when it does not
 * fit), for file_write_new: a file of that name no row names is removed at
 * mgd's next start.
 */
int db_journal_file_tmpl(struct db *db, char *out, size_t size);
/* Then the entry: tmp (written and synced) renamed to its row's name and
 * the row appended.  0, or -1 (logged) with tmp removed. */
int db_journal_add_file(
    struct db *db, const char *kind, const char *level, const char *tmp);
/* Drops the journal (the candidate is the committed configuration again). */
int db_journal_clear(struct db *db);
/* Calls fn for each journal entry in order; stops at the first -1. */
int db_journal_each(struct db *db,
    int (*fn)(void *arg, const char *kind, const char *level, const char *text),
    void *arg);

/*
 * Records a commit: a new generation with its delta (and the shared
 * candidate's journal cleared when clear_journal), in one transaction.
 * *seqp gets the new generation's sequence number.
 */
int db_commit(struct db *db, const struct db_gen *g, const char *delta,
    bool clear_journal, int64_t *seqp);
/*
 * Generation seq's full snapshot (an optional cache) is the file at
 * db_snapshot_path, written and synced whole by the caller (mgd's
 * snapshot thread, mgd/snapshot.c) before db_snapshot_file records it in
 * the generation's row; on failure that removes the file.
 */
void db_snapshot_path(struct db *db, int64_t seq, struct sb *out);
int db_snapshot_file(struct db *db, int64_t seq);
/* Forgets generations no longer reachable as rollback 0..49 (and their
 * snapshot files). */
int db_prune(struct db *db);

/* Newest generation's sequence, 0 when nothing was ever committed. */
int64_t db_head(struct db *db);
/* Number of generations that are rollback targets (<= 50). */
int db_count(struct db *db);
/* Metadata of rollback n (0 = newest); 0 or -1 (no such generation). */
int db_gen_info(struct db *db, int n, struct db_gen *out);
void db_gen_clear(struct db_gen *g);

/*
 * The chain to build generation `seq`: calls base(text) once with the newest
 * snapshot at or before seq (NULL: start empty), then delta(text) for each
 * later generation up to seq.
 */
int db_gen_chain(struct db *db, int64_t seq,
    int (*base)(void *arg, const char *text),
    int (*delta)(void *arg, const char *text), void *arg);
/* Generations since the newest snapshot. */
int db_since_snapshot(struct db *db);

int db_rescue_save(struct db *db, const char *user, const char *text);
int db_rescue_delete(struct db *db);
/* New string, or NULL when there is none. *time filled. */
char *db_rescue_get(struct db *db, int64_t *time, char **user);

int db_meta_set(struct db *db, const char *key, const char *value);
char *db_meta_get(struct db *db, const char *key);

#endif
