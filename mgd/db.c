/*
 * db: the SQLite configuration store (see db.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/log.h"
#include "mgd/db.h"

struct db {
	sqlite3 *h;
};

static const char db_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    /* The log is copied into the database by db_checkpoint, after a
     * commit's reply; SQLite's own checkpoint, run by the write that
     * fills the log, only bounds it (4 KiB pages: 64 MiB). */
    "PRAGMA wal_autocheckpoint=16384;"
    "CREATE TABLE IF NOT EXISTS generation("
    "  seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL,"
    "  client TEXT NOT NULL, comment TEXT, delta TEXT NOT NULL,"
    "  snapshot TEXT);"
    "CREATE TABLE IF NOT EXISTS journal("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, level TEXT NOT NULL,"
    "  text TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rescue("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), time INTEGER NOT NULL,"
    "  user TEXT NOT NULL, text TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);";

static int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("db: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

struct db *
db_open(const char *path)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int fd;

	/* Create it 0600 before SQLite does (with the umask's mode). */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		log_err("db: cannot open %s: %m", path);
		free(db);
		return NULL;
	}
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(path, &db->h,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		log_err("db: cannot open %s: %s", path, sqlite3_errmsg(db->h));
		db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->h, 5000);
	if (db_exec(db, db_schema) == -1) {
		db_close(db);
		return NULL;
	}
	return db;
}

int
db_checkpoint(struct db *db)
{
	int nlog = 0, ncopied = 0;

	if (sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE,
		&nlog, &ncopied) != SQLITE_OK) {
		log_warn("db: checkpoint: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	return 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
	free(db);
}

static sqlite3_stmt *
db_prep(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_err("db: %s: %s", sql, sqlite3_errmsg(db->h));
		return NULL;
	}
	return st;
}

static int
db_step_done(struct db *db, sqlite3_stmt *st)
{
	int r = sqlite3_step(st);

	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		log_err("db: write failed: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	return 0;
}

int
db_journal_add(
    struct db *db, const char *kind, const char *level, const char *text)
{
	sqlite3_stmt *st = db_prep(
	    db, "INSERT INTO journal(kind, level, text) VALUES (?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int
db_journal_clear(struct db *db)
{
	return db_exec(db, "DELETE FROM journal");
}

int
db_journal_each(struct db *db,
    int (*fn)(void *, const char *, const char *, const char *), void *arg)
{
	sqlite3_stmt *st =
	    db_prep(db, "SELECT kind, level, text FROM journal ORDER BY id");
	int rc = 0;

	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (fn(arg, (const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2)) == -1) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int
db_commit(struct db *db, const struct db_gen *g, const char *delta,
    bool clear_journal, int64_t *seqp)
{
	sqlite3_stmt *st;

	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	st = db_prep(db,
	    "INSERT INTO generation(time, user, client, comment,"
	    " delta) VALUES (?, ?, ?, ?, ?)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, g->time);
	sqlite3_bind_text(st, 2, g->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->client, -1, SQLITE_STATIC);
	if (g->comment)
		sqlite3_bind_text(st, 4, g->comment, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, delta, -1, SQLITE_STATIC);
	if (db_step_done(db, st) == -1)
		goto fail;
	*seqp = sqlite3_last_insert_rowid(db->h);
	if (clear_journal && db_exec(db, "DELETE FROM journal") == -1)
		goto fail;
	return db_exec(db, "COMMIT");
fail:
	db_exec(db, "ROLLBACK");
	return -1;
}

int
db_snapshot(struct db *db, int64_t seq, const char *text)
{
	sqlite3_stmt *st =
	    db_prep(db, "UPDATE generation SET snapshot = ? WHERE seq = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	return db_step_done(db, st);
}

static int64_t
db_int(struct db *db, const char *sql, int64_t arg, int64_t dflt)
{
	sqlite3_stmt *st = db_prep(db, sql);
	int64_t v = dflt;

	if (st == NULL)
		return dflt;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t
db_head(struct db *db)
{
	return db_int(db, "SELECT max(seq) FROM generation", 0, 0);
}

int
db_count(struct db *db)
{
	int64_t n = db_int(db, "SELECT count(*) FROM generation", 0, 0);

	return n > DB_GENERATIONS ? DB_GENERATIONS : (int)n;
}

int
db_since_snapshot(struct db *db)
{
	int64_t head = db_head(db);
	int64_t snap = db_int(db,
	    "SELECT max(seq) FROM generation WHERE"
	    " snapshot IS NOT NULL",
	    0, 0);

	return (int)(head - snap);
}

int
db_prune(struct db *db)
{
	int64_t oldest = db_head(db) - (DB_GENERATIONS - 1);
	/* The newest snapshot at or before the oldest kept generation. */
	int64_t base = db_int(db,
	    "SELECT max(seq) FROM generation WHERE"
	    " snapshot IS NOT NULL AND seq <= ?",
	    oldest, 0);
	sqlite3_stmt *st;

	if (base <= 0)
		return 0;
	st = db_prep(db, "DELETE FROM generation WHERE seq < ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, base);
	return db_step_done(db, st);
}

static char *
db_col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? xstrdup((const char *)t) : NULL;
}

int
db_gen_info(struct db *db, int n, struct db_gen *out)
{
	sqlite3_stmt *st;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (n < 0 || n >= DB_GENERATIONS)
		return -1;
	st = db_prep(db,
	    "SELECT seq, time, user, client, comment FROM"
	    " generation ORDER BY seq DESC LIMIT 1 OFFSET ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, n);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->seq = sqlite3_column_int64(st, 0);
		out->time = sqlite3_column_int64(st, 1);
		out->user = db_col_dup(st, 2);
		out->client = db_col_dup(st, 3);
		out->comment = db_col_dup(st, 4);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

void
db_gen_clear(struct db_gen *g)
{
	free(g->user);
	free(g->client);
	free(g->comment);
	memset(g, 0, sizeof(*g));
}

int
db_gen_chain(struct db *db, int64_t seq, int (*base)(void *, const char *),
    int (*delta)(void *, const char *), void *arg)
{
	int64_t snap = db_int(db,
	    "SELECT max(seq) FROM generation WHERE"
	    " snapshot IS NOT NULL AND seq <= ?",
	    seq, 0);
	sqlite3_stmt *st;
	int rc = 0;

	if (snap > 0) {
		st = db_prep(
		    db, "SELECT snapshot FROM generation WHERE seq = ?");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, snap);
		if (sqlite3_step(st) != SQLITE_ROW)
			rc = -1;
		else
			rc =
			    base(arg, (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (rc == -1)
			return -1;
	} else if (base(arg, NULL) == -1) {
		return -1;
	}
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

int
db_rescue_save(struct db *db, const char *user, const char *text)
{
	sqlite3_stmt *st = db_prep(db,
	    "INSERT OR REPLACE INTO rescue(id, time,"
	    " user, text) VALUES (1, strftime('%s','now'), ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

int
db_rescue_delete(struct db *db)
{
	return db_exec(db, "DELETE FROM rescue");
}

char *
db_rescue_get(struct db *db, int64_t *time, char **user)
{
	sqlite3_stmt *st = db_prep(db, "SELECT time, user, text FROM rescue");
	char *text = NULL;

	if (st == NULL)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*time = sqlite3_column_int64(st, 0);
		if (user)
			*user = db_col_dup(st, 1);
		text = db_col_dup(st, 2);
	}
	sqlite3_finalize(st);
	return text;
}

int
db_meta_set(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = db_prep(db,
	    value ? "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"
		  : "DELETE FROM meta WHERE key = ?");

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return db_step_done(db, st);
}

char *
db_meta_get(struct db *db, const char *key)
{
	sqlite3_stmt *st = db_prep(db, "SELECT value FROM meta WHERE key = ?");
	char *v = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = db_col_dup(st, 0);
	sqlite3_finalize(st);
	return v;
}
