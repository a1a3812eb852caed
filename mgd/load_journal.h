/*
 * load_journal: a large load's journal file, written in a thread while
 * the load parses (see load_journal.c).
 */
#ifndef QSAFE_LOAD_JOURNAL_H
#define QSAFE_LOAD_JOURNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sb.h"
#include "mgd/db.h"
#include "schema/schema.h"

/* The secret leaves' names looked for (the schema has 4 distinct). */
#define LOAD_JOURNAL_WORDS_MAX 32

enum lj_result {
	LJ_WRITTEN = 0,
	LJ_FAILED = -1,
	LJ_SECRET = 1, /* not written: the text names a secret leaf */
};

/*
 * A load's journal file in the writing: the caller's, on its stack, its
 * fields load_journal.c's.  Not a heap block: one made between the load's
 * text and the parse's blocks, even freed (a freed small block stays in
 * glibc's per-size cache), kept the text's 17.5 MB from joining the
 * blocks freed beside it, and mgd took 8 more fresh 2 MB pages over a
 * first firewall load and commit (docs/benchmarks.md, forty-seventh
 * round; the thread's own block: mem_thread_stack, mgd/mem.c).
 */
struct load_journal {
	bool started; /* a thread runs or has run: _add or _drop joins it */
	struct db *db;
	const char *text;			   /* the load's, borrowed */
	const char *words[LOAD_JOURNAL_WORDS_MAX]; /* the schema's strings */
	size_t wlen[LOAD_JOURNAL_WORDS_MAX];
	size_t nwords;
	unsigned char byte[256]; /* enum lj_byte */
	pthread_t thread;
	/* the thread's, read by the loop after the join */
	char tmp[PATH_MAX]; /* the file's name: a template until written */
	enum lj_result rc;
	size_t len;
	int64_t scan_ms, write_ms;
	struct sb err;
};

/*
 * Starts writing text (len bytes, NUL-terminated: a load's text in set
 * form, as it will be journalled if its parse changes nothing in it) to a
 * journal file under a temporary name, in a thread.  -1 (lj not started)
 * when the text is smaller than DB_JOURNAL_FILE_MIN or no thread could be
 * started: the load journals as before (db_journal_add).  text is
 * borrowed: the caller neither changes nor frees it, nor lj, until
 * load_journal_add or _drop.
 */
int load_journal_start(struct load_journal *lj, struct db *db,
    const struct schema *sc, const char *text, size_t len);
/*
 * The entry (kind, level) for the text lj was started with, after the
 * parse: waits for the thread, then its file renamed into place and its
 * row appended (db_journal_add_file); when the thread wrote nothing
 * because the text names a secret leaf, the text is journalled as
 * db_journal_add does.  lj is done with.  0, or -1 (logged): the write
 * failed, no entry was made and no file is left.
 */
int load_journal_add(
    struct load_journal *lj, const char *kind, const char *level);
/* The load failed, or its text changed (secrets hidden): waits for the
 * thread and removes its file.  lj is done with; one not started is left
 * as it is. */
void load_journal_drop(struct load_journal *lj);

#endif
