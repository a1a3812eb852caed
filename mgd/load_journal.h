/*
 * load_journal: a large load's journal file, written in a thread while
 * the load parses (see load_journal.c).
 */
#ifndef QSAFE_LOAD_JOURNAL_H
#define QSAFE_LOAD_JOURNAL_H

#include <stddef.h>

#include "mgd/db.h"
#include "schema/schema.h"

struct load_journal;

/*
 * Starts writing text (len bytes, NUL-terminated: a load's text in set
 * form, as it will be journalled if its parse changes nothing in it) to a
 * journal file under a temporary name, in a thread.  NULL when the text
 * is smaller than DB_JOURNAL_FILE_MIN or no thread could be started: the
 * load journals as before (db_journal_add).  text is borrowed: the caller
 * neither changes nor frees it until load_journal_add or _drop.
 */
struct load_journal *load_journal_start(
    struct db *db, const struct schema *sc, const char *text, size_t len);
/*
 * The entry (kind, level) for the text lj was started with, after the
 * parse: waits for the thread, then its file renamed into place and its
 * row appended (db_journal_add_file); when the thread wrote nothing
 * because the text names a secret leaf, the text is journalled as
 * db_journal_add does.  lj is freed.  0, or -1 (logged): the write
 * failed, no entry was made and no file is left.
 */
int load_journal_add(
    struct load_journal *lj, const char *kind, const char *level);
/* The load failed, or its text changed (secrets hidden): waits for the
 * thread and removes its file.  lj is freed; NULL is a no-op. */
void load_journal_drop(struct load_journal *lj);

#endif
