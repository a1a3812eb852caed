/*
 * db: the SQLite configuration store (see db.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "lib/file.h"
#include "lib/log.h"
#include "mgd/db.h"
#include "mgd/db_int.h"

/* A journal entry's row's kind, when its text is a file: the entry's kind
 * with this after it. */
#define DB_JOURNAL_FILE_TAG "@file"

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
    "  snapshot TEXT, snapfile TEXT);"
    "CREATE TABLE IF NOT EXISTS journal("
    "  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, level TEXT NOT NULL,"
    "  text TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rescue("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), time INTEGER NOT NULL,"
    "  user TEXT NOT NULL, text TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);";

static void db_orphans(struct db *db);
static int db_journal_sync(struct db *db, bool full);

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
	/* A store from before snapshot files: the column they need. */
	if (db_int(db,
		"SELECT count(*) FROM pragma_table_info('generation')"
		" WHERE name = 'snapfile'",
		0, 1) == 0 &&
	    db_exec(db, "ALTER TABLE generation ADD COLUMN snapfile TEXT") ==
		-1) {
		db_close(db);
		return NULL;
	}
	db->path = xstrdup(path);
	db_orphans(db);
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
	/* the log copied whole: the write that restarts it (and syncs its
	 * new header) made now, after the reply, not by the next edit */
	if (nlog > 0 && nlog == ncopied && db_journal_sync(db, false) == 0) {
		db_exec(db,
		    "INSERT OR REPLACE INTO meta(key, value)"
		    " VALUES ('log', 'restarted')");
		db_journal_sync(db, true);
	}
	return 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

sqlite3_stmt *
db_prep(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_err("db: %s: %s", sql, sqlite3_errmsg(db->h));
		return NULL;
	}
	return st;
}

int
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

/*
 * A file beside the store: its path, the database's directory then name
 * (a journal entry's ".load.N", N its row's id; a snapshot's ".snap.S",
 * S its generation).  The name alone is what the row holds.
 */
void
db_file_path(struct db *db, const char *name, struct sb *out)
{
	const char *slash = strrchr(db->path, '/');

	sb_reset(out);
	if (slash != NULL)
		sb_add(out, db->path, (size_t)(slash + 1 - db->path));
	sb_puts(out, name);
}

/* The prefix of such a file's name: the database's, then infix
 * (DB_JOURNAL_FILE_INFIX, DB_SNAPSHOT_FILE_INFIX). */
const char *
db_file_prefix(struct db *db, const char *infix, struct sb *out)
{
	const char *slash = strrchr(db->path, '/');

	sb_reset(out);
	sb_printf(out, "%s%s", slash ? slash + 1 : db->path, infix);
	return sb_str(out);
}

/*
 * A large entry (a 200,000-line `load`: 13 MB) goes to a file of its own,
 * written whole and synced before its row is, the row naming it: one
 * write of the text instead of SQLite's record and log frames, its later
 * copy into the database by the checkpoint, and the commit's DELETE
 * reading every overflow page back (docs/benchmarks.md, fifteenth round).
 * The file is written under a temporary name (db_journal_file_tmpl; a
 * load writes it in a thread while it parses, mgd/load_journal.c), then
 * renamed to its row's name and the row inserted.  A crash before the row
 * is written leaves a file no row names, removed at the next start
 * (db_orphans), as is one left by a crash between a commit and the
 * unlink of its files.
 */
int
db_journal_file_tmpl(struct db *db, char *out, size_t size)
{
	/* (db_file_path of db_file_prefix's name: the store's path, then) */
	int n = snprintf(
	    out, size, "%s" DB_JOURNAL_FILE_INFIX "tmpXXXXXX", db->path);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
db_journal_add_file(
    struct db *db, const char *kind, const char *level, const char *tmp)
{
	struct sb name, path, k;
	int64_t id =
	    db_int(db, "SELECT coalesce(max(id), 0) + 1 FROM journal", 0, 1);
	sqlite3_stmt *st = NULL;
	int rc = -1;

	sb_init(&name);
	sb_init(&path);
	sb_init(&k);
	db_file_prefix(db, DB_JOURNAL_FILE_INFIX, &name);
	sb_printf(&name, "%lld", (long long)id);
	db_file_path(db, sb_str(&name), &path);
	sb_printf(&k, "%s%s", kind, DB_JOURNAL_FILE_TAG);
	if (rename(tmp, sb_str(&path)) == -1) {
		log_err(
		    "db: journal file: cannot rename to %s: %m", sb_str(&path));
		unlink(tmp);
		goto done;
	}
	file_fsync_dir(sb_str(&path));
	st = db_prep(db,
	    "INSERT INTO journal(id, kind, level, text) VALUES (?, ?, ?, ?)");
	if (st == NULL)
		goto drop;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, sb_str(&k), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sb_str(&name), -1, SQLITE_STATIC);
	if (db_step_done(db, st) == 0) {
		rc = 0;
		goto done;
	}
drop:
	unlink(sb_str(&path));
done:
	sb_free(&name);
	sb_free(&path);
	sb_free(&k);
	return rc;
}

/* A large entry's file written here, on the loop (db_journal_add). */
static int
db_journal_add_text_file(
    struct db *db, const char *kind, const char *level, const char *text)
{
	char tmp[PATH_MAX];
	struct sb err;
	int rc = -1;

	sb_init(&err);
	if (db_journal_file_tmpl(db, tmp, sizeof(tmp)) == -1)
		log_err("db: journal file: the store's path is too long");
	else if (file_write_new(
		     tmp, db->path, text, strlen(text), 0600, &err) == -1)
		log_err("db: journal file: %s", sb_str(&err));
	else
		rc = db_journal_add_file(db, kind, level, tmp);
	sb_free(&err);
	return rc;
}

/*
 * The candidate's journal is written without syncing the log
 * (synchronous=NORMAL): it survives mgd's crash (the page cache has it),
 * and the next commit's sync (FULL, the connection's setting) makes it
 * durable with the generation, since the log is one file written in
 * order.  An edit is not a commit: a power loss may lose the last
 * uncommitted edits, never a committed configuration.  So `set` costs no
 * disk flush (two per line at synchronous=FULL: 1-7 ms each here,
 * docs/benchmarks.md, twenty-second round).
 */
static int
db_journal_sync(struct db *db, bool full)
{
	return db_exec(
	    db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

int
db_journal_add(
    struct db *db, const char *kind, const char *level, const char *text)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (strlen(text) >= DB_JOURNAL_FILE_MIN)
		return db_journal_add_text_file(db, kind, level, text);
	if (db_journal_sync(db, false) == -1)
		return -1;
	st = db_prep(
	    db, "INSERT INTO journal(kind, level, text) VALUES (?, ?, ?)");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, level, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		rc = db_step_done(db, st);
	}
	if (db_journal_sync(db, true) == -1)
		rc = -1;
	return rc;
}

/* The names of the journal's files (NUL-separated in out). */
static int
db_journal_file_names(struct db *db, struct sb *out)
{
	return db_names(db,
	    "SELECT text FROM journal WHERE kind LIKE '%" DB_JOURNAL_FILE_TAG
	    "'",
	    0, out);
}

/* Removes the files named (db_journal_file_names), once no row does. */
void
db_file_unlink(struct db *db, struct sb *names)
{
	struct sb path;

	if (names->len == 0)
		return;
	sb_init(&path);
	for (const char *p = names->buf; p < names->buf + names->len;
	     p += strlen(p) + 1) {
		db_file_path(db, p, &path);
		if (unlink(sb_str(&path)) == -1)
			log_warn("db: %s: %m", sb_str(&path));
	}
	file_fsync_dir(sb_str(&path));
	sb_free(&path);
}

static bool
db_has_prefix(const char *name, struct sb *prefix)
{
	return strncmp(name, sb_str(prefix), prefix->len) == 0;
}

/* Files beside the store no row names: a crash came between a file and
 * its row (a journal entry's, a snapshot's), or between a transaction
 * that dropped rows (a commit, a prune) and the unlink of their files. */
static void
db_orphans(struct db *db)
{
	struct sb names, jprefix, sprefix, path;
	DIR *d;
	struct dirent *e;

	sb_init(&names);
	sb_init(&jprefix);
	sb_init(&sprefix);
	sb_init(&path);
	db_file_path(db, ".", &path);
	d = opendir(sb_str(&path));
	if (d == NULL || db_journal_file_names(db, &names) == -1 ||
	    db_snapshot_file_names(db, INT64_MAX, &names) == -1)
		goto done;
	db_file_prefix(db, DB_JOURNAL_FILE_INFIX, &jprefix);
	db_file_prefix(db, DB_SNAPSHOT_FILE_INFIX, &sprefix);
	while ((e = readdir(d)) != NULL) {
		bool named = false;
		if (!db_has_prefix(e->d_name, &jprefix) &&
		    !db_has_prefix(e->d_name, &sprefix))
			continue;
		for (const char *p = names.buf;
		     p != NULL && p < names.buf + names.len && !named;
		     p += strlen(p) + 1)
			named = strcmp(p, e->d_name) == 0;
		if (named)
			continue;
		db_file_path(db, e->d_name, &path);
		log_info("db: removing %s: no row names it", sb_str(&path));
		unlink(sb_str(&path));
	}
done:
	if (d != NULL)
		closedir(d);
	sb_free(&names);
	sb_free(&jprefix);
	sb_free(&sprefix);
	sb_free(&path);
}

int
db_journal_clear(struct db *db)
{
	struct sb names;
	int rc;

	sb_init(&names);
	rc = db_journal_file_names(db, &names);
	if (rc == 0)
		rc = db_exec(db, "DELETE FROM journal");
	if (rc == 0)
		db_file_unlink(db, &names);
	sb_free(&names);
	return rc;
}

/* A file beside the store (a journal entry's, a snapshot's): its text,
 * NUL-terminated, read whole (bounded); the
 * caller wipes and frees it.  NULL: missing, unreadable or too large. */
char *
db_file_read(struct db *db, const char *name, size_t *lenp)
{
	struct sb path;
	struct stat sta;
	char *buf = NULL;
	size_t len = 0;
	int fd;

	sb_init(&path);
	db_file_path(db, name, &path);
	fd = open(sb_str(&path), O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &sta) == -1 || !S_ISREG(sta.st_mode) ||
	    sta.st_size > DB_FILE_MAX) {
		log_err("db: file %s: %s", sb_str(&path),
		    fd == -1 ? "cannot be opened" : "not a file of its size");
		goto done;
	}
	buf = xmalloc((size_t)sta.st_size + 1);
	while (len < (size_t)sta.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)sta.st_size - len);
		if (n <= 0) {
			log_err("db: file %s: short read", sb_str(&path));
			OPENSSL_cleanse(buf, len);
			free(buf);
			buf = NULL;
			goto done;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
done:
	if (fd != -1)
		close(fd);
	sb_free(&path);
	return buf;
}

int
db_journal_each(struct db *db,
    int (*fn)(void *, const char *, const char *, const char *), void *arg)
{
	sqlite3_stmt *st =
	    db_prep(db, "SELECT kind, level, text FROM journal ORDER BY id");
	size_t tag = strlen(DB_JOURNAL_FILE_TAG);
	int rc = 0;

	if (st == NULL)
		return -1;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *level = (const char *)sqlite3_column_text(st, 1);
		const char *text = (const char *)sqlite3_column_text(st, 2);
		size_t kl = strlen(kind), len = 0;
		if (kl <= tag ||
		    strcmp(kind + kl - tag, DB_JOURNAL_FILE_TAG) != 0) {
			rc = fn(arg, kind, level, text);
			continue;
		}
		/* a large entry's text is its file's */
		char *k = xstrndup(kind, kl - tag);
		char *t = db_file_read(db, text, &len);
		rc = t ? fn(arg, k, level, t) : -1;
		if (t != NULL)
			OPENSSL_cleanse(t, len);
		free(t);
		free(k);
	}
	sqlite3_finalize(st);
	return rc;
}

int
db_commit(struct db *db, const struct db_gen *g, const char *delta,
    bool clear_journal, int64_t *seqp)
{
	sqlite3_stmt *st;
	struct sb names;

	sb_init(&names);
	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (clear_journal && db_journal_file_names(db, &names) == -1)
		goto fail;
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
	if (db_exec(db, "COMMIT") == -1)
		goto fail;
	/* no row names them now */
	db_file_unlink(db, &names);
	sb_free(&names);
	return 0;
fail:
	db_exec(db, "ROLLBACK");
	sb_free(&names);
	return -1;
}

/* sql prepared, with arg bound if it has a parameter (db_int, db_names). */
static sqlite3_stmt *
db_prep_arg(struct db *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *st = db_prep(db, sql);

	if (st != NULL && sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	return st;
}

int64_t
db_int(struct db *db, const char *sql, int64_t arg, int64_t dflt)
{
	sqlite3_stmt *st = db_prep_arg(db, sql, arg);
	int64_t v = dflt;

	if (st == NULL)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
db_names(struct db *db, const char *sql, int64_t arg, struct sb *out)
{
	sqlite3_stmt *st = db_prep_arg(db, sql, arg);

	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		sb_puts(out, (const char *)sqlite3_column_text(st, 0));
		sb_putc(out, '\0');
	}
	sqlite3_finalize(st);
	return 0;
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
