/*
 * db_int: what db.c and db_snap.c share (the store's handle, its
 * statements, the files beside it).  Not for the rest of mgd: db.h.
 */
#ifndef QSAFE_DB_INT_H
#define QSAFE_DB_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "lib/sb.h"

struct db {
	sqlite3 *h;
	char
	    *path; /* of the database: the files beside it are named after it */
};

/* The names of the files beside the store: the database's, then these. */
#define DB_JOURNAL_FILE_INFIX ".load."
#define DB_SNAPSHOT_FILE_INFIX ".snap."
/* The largest file read back: a load is at most a frame. */
#define DB_FILE_MAX (256 * 1024 * 1024)

sqlite3_stmt *db_prep(struct db *db, const char *sql);
/* Steps a write and finalizes it: 0 or -1 (logged). */
int db_step_done(struct db *db, sqlite3_stmt *st);
/* The first column of the first row (arg bound if the statement has a
 * parameter), dflt when none or NULL. */
int64_t db_int(struct db *db, const char *sql, int64_t arg, int64_t dflt);
/* Appends the first column of each row (arg bound as in db_int) to out,
 * NUL-separated: the names of files beside the store.  0 or -1. */
int db_names(struct db *db, const char *sql, int64_t arg, struct sb *out);

/* The path of the file called name beside the store. */
void db_file_path(struct db *db, const char *name, struct sb *out);
/* The prefix of those files' names with infix (above). */
const char *db_file_prefix(struct db *db, const char *infix, struct sb *out);
/* A file's text, read whole (bounded), NUL-terminated; the caller wipes
 * and frees it.  NULL: missing, unreadable or too large (logged). */
char *db_file_read(struct db *db, const char *name, size_t *lenp);
/* Removes the files named (NUL-separated), once no row does. */
void db_file_unlink(struct db *db, struct sb *names);
/* Appends the names of the snapshot files of generations before seq
 * (NUL-separated). */
int db_snapshot_file_names(struct db *db, int64_t before, struct sb *out);

#endif
