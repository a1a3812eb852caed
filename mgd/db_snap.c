/*
 * db_snap: the generations' snapshots (docs/architecture.md, "The store").
 * Every DB_SNAPSHOT_EVERY commits generation 0's whole text is kept, so
 * that building a generation replays at most that many deltas.  It is a
 * file beside the store, `config.db.snap.S` (S its generation), written
 * and synced whole (file_write_atomic) before its row's `snapfile` names
 * it: a 17.5 MB row held SQLite's write lock 100-300 ms, and the next
 * commit waited for it (docs/benchmarks.md, thirty-second round).  A
 * store written before holds the text in the row's `snapshot`; both are
 * read, the newest of either kind taken.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/log.h"
#include "mgd/db.h"
#include "mgd/db_int.h"

/* A row with a snapshot of either kind. */
#define DB_HAS_SNAPSHOT "(snapshot IS NOT NULL OR snapfile IS NOT NULL)"

void
db_snapshot_path(struct db *db, int64_t seq, struct sb *out)
{
	struct sb name;

	sb_init(&name);
	db_file_prefix(db, DB_SNAPSHOT_FILE_INFIX, &name);
	sb_printf(&name, "%lld", (long long)seq);
	db_file_path(db, sb_str(&name), out);
	sb_free(&name);
}

int
db_snapshot_file(struct db *db, int64_t seq)
{
	struct sb path;
	const char *name;
	sqlite3_stmt *st;
	int rc = -1;

	sb_init(&path);
	db_snapshot_path(db, seq, &path);
	name = strrchr(sb_str(&path), '/');
	name = name != NULL ? name + 1 : sb_str(&path);
	st = db_prep(db, "UPDATE generation SET snapfile = ? WHERE seq = ?");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq);
		if (db_step_done(db, st) == 0 && sqlite3_changes(db->h) == 1)
			rc = 0;
	}
	/* no row names it: not kept */
	if (rc == -1)
		unlink(sb_str(&path));
	sb_free(&path);
	return rc;
}

int
db_snapshot_file_names(struct db *db, int64_t before, struct sb *out)
{
	return db_names(db,
	    "SELECT snapfile FROM generation WHERE seq < ? AND"
	    " snapfile IS NOT NULL",
	    before, out);
}

int
db_since_snapshot(struct db *db)
{
	int64_t head = db_head(db);
	int64_t snap = db_int(
	    db, "SELECT max(seq) FROM generation WHERE " DB_HAS_SNAPSHOT, 0, 0);

	return (int)(head - snap);
}

int
db_prune(struct db *db)
{
	int64_t oldest = db_head(db) - (DB_GENERATIONS - 1);
	/* The newest snapshot at or before the oldest kept generation. */
	int64_t base = db_int(db,
	    "SELECT max(seq) FROM generation WHERE " DB_HAS_SNAPSHOT
	    " AND seq <= ?",
	    oldest, 0);
	struct sb names;
	sqlite3_stmt *st;
	int rc = -1;

	if (base <= 0)
		return 0;
	sb_init(&names);
	if (db_snapshot_file_names(db, base, &names) == -1)
		goto done;
	st = db_prep(db, "DELETE FROM generation WHERE seq < ?");
	if (st == NULL)
		goto done;
	sqlite3_bind_int64(st, 1, base);
	rc = db_step_done(db, st);
	/* no row names them now (a crash before: db_open's orphans) */
	if (rc == 0)
		db_file_unlink(db, &names);
done:
	sb_free(&names);
	return rc;
}

/* Calls base with generation snap's snapshot, from its file or its row:
 * -1 when base failed, -2 when there was no text to give it (a file that
 * cannot be read: base not called). */
static int
db_snapshot_base(
    struct db *db, int64_t snap, int (*base)(void *, const char *), void *arg)
{
	sqlite3_stmt *st = db_prep(
	    db, "SELECT snapshot, snapfile FROM generation WHERE seq = ?");
	const char *file;
	char *t;
	size_t len = 0;
	int rc = -2;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, snap);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto done;
	file = (const char *)sqlite3_column_text(st, 1);
	if (file == NULL) {
		rc = base(arg, (const char *)sqlite3_column_text(st, 0));
		goto done;
	}
	t = db_file_read(db, file, &len);
	if (t != NULL) {
		rc = base(arg, t);
		OPENSSL_cleanse(t, len);
		free(t);
	}
done:
	sqlite3_finalize(st);
	return rc;
}

int
db_gen_chain(struct db *db, int64_t seq, int (*base)(void *, const char *),
    int (*delta)(void *, const char *), void *arg)
{
	int64_t snap = db_int(db,
	    "SELECT max(seq) FROM generation WHERE " DB_HAS_SNAPSHOT
	    " AND seq <= ?",
	    seq, 0);
	sqlite3_stmt *st;
	int rc = 0;

	/* A snapshot file that cannot be read (lost, damaged): the one
	 * before it, and more deltas; none before, the first generation's
	 * empty tree if no row was ever pruned. */
	while (snap > 0 && (rc = db_snapshot_base(db, snap, base, arg)) == -2) {
		log_warn("db: generation %lld's snapshot cannot be read:"
			 " building from an older one",
		    (long long)snap);
		snap = db_int(db,
		    "SELECT max(seq) FROM generation WHERE " DB_HAS_SNAPSHOT
		    " AND seq < ?",
		    snap, 0);
		if (snap == 0 &&
		    db_int(db, "SELECT min(seq) FROM generation", 0, 0) != 1)
			return -1;
	}
	if (rc == -1)
		return -1;
	rc = 0;
	if (snap == 0 && base(arg, NULL) == -1)
		return -1;
	st = db_prep(db,
	    "SELECT delta FROM generation WHERE seq > ? AND"
	    " seq <= ? ORDER BY seq");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, snap);
	sqlite3_bind_int64(st, 2, seq);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (delta(arg, (const char *)sqlite3_column_text(st, 0)) ==
		    -1) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc;
}
