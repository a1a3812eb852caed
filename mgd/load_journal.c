/*
 * load_journal: a large load's journal file, written while the load
 * parses.  The journal keeps an uncommitted candidate through an mgd
 * crash; a 200,000-line load's text (17.5 MB) is a file of its own
 * (db_journal_add), whose write and fsync took 50-60 ms of the load
 * after its parse (docs/benchmarks.md, forty-seventh round).  The text
 * journalled is the text parsed, unless the parse hid a typed secret in
 * it (edit_apply_hiding): so a thread writes it while the loop parses,
 * under a temporary name, and after a good parse that changed nothing in
 * the text the loop renames the file and appends its row, as
 * db_journal_add_file does for a file written on the loop; the entry
 * appears only then.  A bad line, or a text the parse changed: the file
 * is removed and the load goes on as before.
 *
 * What each thread owns, from pthread_create to pthread_join (the join
 * orders everything the thread wrote before what the loop reads next):
 * the thread reads text and words and writes tmp (mkostemp fills its
 * X's), rc, len, scan_ms, write_ms and err, and nothing else: no
 * SQLite, no schema, no tree, no log; err's buffer is its only allocation (a
 * failure's line, from the one malloc arena, mgd/mem.c).  The struct is
 * the caller's, on its stack (load_journal.h says why).  The loop reads
 * text (the parse) and touches none of the thread's fields, and neither
 * changes nor frees text, until load_journal_add or _drop has joined.
 *
 * A typed secret never reaches the disk: the thread first looks for the
 * name of every secret leaf (schema `qc:secret`, typed before its value,
 * perhaps abbreviated) and writes nothing when the text may name one; the
 * loop journals such a text after the parse, in $9$ form, as before.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/file.h"
#include "lib/log.h"
#include "mgd/load_journal.h"

/* The bytes of a text by what they are to load_journal_names_secret. */
enum lj_byte {
	LJ_SEP = 0,   /* ends a run */
	LJ_RUN = 1,   /* a letter, digit, `-` or `_` */
	LJ_FIRST = 2, /* one a secret leaf's name begins with (either case) */
};

/*
 * Adds the names of the secret leaves under sn to lj->words, once each.
 * -1 when one could be typed without its name (a positional leaf, a key)
 * or there are too many: then no text is written early.
 */
static int
load_journal_words(struct load_journal *lj, const struct snode *sn, int depth)
{
	if (depth > 64)
		return -1;
	if (sn->flags & SNF_SECRET) {
		size_t i;
		if (sn->flags & (SNF_POSITIONAL | SNF_KEY))
			return -1;
		for (i = 0; i < lj->nwords; i++)
			if (strcmp(lj->words[i], sn->name) == 0)
				break;
		if (i == lj->nwords) {
			if (lj->nwords == LOAD_JOURNAL_WORDS_MAX)
				return -1;
			lj->wlen[lj->nwords] = strlen(sn->name);
			lj->words[lj->nwords++] = sn->name;
		}
	}
	for (size_t i = 0; i < sn->nchild; i++)
		if (load_journal_words(lj, sn->child[i], depth + 1) == -1)
			return -1;
	return 0;
}

/* May word (n bytes) stand for a secret leaf's name?  When it begins it:
 * a keyword may be abbreviated (`asc` for `ascii-text`). */
static bool
load_journal_word_secret(
    const struct load_journal *lj, const unsigned char *word, size_t n)
{
	for (size_t i = 0; i < lj->nwords; i++) {
		size_t k = 0;
		if (n > lj->wlen[i])
			continue;
		while (k < n && tolower(word[k]) == tolower(lj->words[i][k]))
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* lj->byte, from the names found (load_journal_words). */
static void
load_journal_bytes(struct load_journal *lj)
{
	memset(lj->byte, LJ_SEP, sizeof(lj->byte));
	for (int c = 0; c < 256; c++)
		if (isalnum(c) || c == '-' || c == '_')
			lj->byte[c] = LJ_RUN;
	for (size_t i = 0; i < lj->nwords; i++) {
		unsigned char c = (unsigned char)lj->words[i][0];
		lj->byte[tolower(c)] = LJ_FIRST;
		lj->byte[toupper(c)] = LJ_FIRST;
	}
}

/*
 * Does the text name a secret leaf?  Read as runs of letters, digits, `-`
 * and `_`, every other byte ending one: a word the lexer reads (quotes and
 * backslashes taken out) begins with such a run, which then begins the
 * name it stands for.  So a secret is never missed; a run such as `a` or
 * `pass` in a value costs only the early write.
 */
static bool
load_journal_names_secret(const struct load_journal *lj)
{
	const unsigned char *p = (const unsigned char *)lj->text;
	const unsigned char *end = p + lj->len;

	while (p < end) {
		const unsigned char *w;
		while (p < end && lj->byte[*p] == LJ_SEP)
			p++;
		if (p == end)
			break;
		w = p;
		while (p < end && lj->byte[*p] != LJ_SEP)
			p++;
		/* (most runs begin with no secret name's first letter) */
		if (lj->byte[*w] == LJ_FIRST &&
		    load_journal_word_secret(lj, w, (size_t)(p - w)))
			return true;
	}
	return false;
}

static void *
load_journal_thread(void *arg)
{
	struct load_journal *lj = arg;
	int64_t t0 = clock_mono_ms();

	/* what db_journal_add would write: the text up to its NUL */
	lj->len = strlen(lj->text);
	if (load_journal_names_secret(lj)) {
		lj->rc = LJ_SECRET;
		return NULL;
	}
	lj->scan_ms = clock_mono_ms() - t0;
	t0 = clock_mono_ms();
	if (file_write_new(
		lj->tmp, lj->tmp, lj->text, lj->len, 0600, &lj->err) == 0)
		lj->rc = LJ_WRITTEN;
	else
		lj->rc = LJ_FAILED;
	lj->write_ms = clock_mono_ms() - t0;
	return NULL;
}

int
load_journal_start(struct load_journal *lj, struct db *db,
    const struct schema *sc, const char *text, size_t len)
{
	memset(lj, 0, sizeof(*lj));
	if (len < DB_JOURNAL_FILE_MIN)
		return -1;
	lj->db = db;
	lj->text = text;
	sb_init(&lj->err);
	if (load_journal_words(lj, schema_root(sc), 0) == -1 ||
	    db_journal_file_tmpl(db, lj->tmp, sizeof(lj->tmp)) == -1)
		return -1;
	load_journal_bytes(lj);
	if (pthread_create(&lj->thread, NULL, load_journal_thread, lj) != 0)
		return -1;
	lj->started = true;
	return 0;
}

/* Waits for the thread; returns how long, in ms. */
static int64_t
load_journal_join(struct load_journal *lj)
{
	int64_t t0 = clock_mono_ms();

	pthread_join(lj->thread, NULL);
	if (lj->rc == LJ_SECRET)
		log_info("load: no journal file written while the load parsed:"
			 " the text names a secret leaf");
	return clock_mono_ms() - t0;
}

static void
load_journal_done(struct load_journal *lj)
{
	sb_free(&lj->err);
	lj->started = false;
}

int
load_journal_add(struct load_journal *lj, const char *kind, const char *level)
{
	int64_t waited = load_journal_join(lj);
	int rc = -1;

	switch (lj->rc) {
	case LJ_WRITTEN:
		rc = db_journal_add_file(lj->db, kind, level, lj->tmp);
		if (rc == 0)
			log_info("load: journal file of %zu bytes written while"
				 " the load parsed: scanned in %lld ms, written"
				 " in %lld ms, waited for %lld ms",
			    lj->len, (long long)lj->scan_ms,
			    (long long)lj->write_ms, (long long)waited);
		break;
	case LJ_SECRET:
		rc = db_journal_add(lj->db, kind, level, lj->text);
		break;
	case LJ_FAILED:
		log_err("db: journal file: %s", sb_str(&lj->err));
		break;
	}
	load_journal_done(lj);
	return rc;
}

void
load_journal_drop(struct load_journal *lj)
{
	if (!lj->started)
		return;
	load_journal_join(lj);
	if (lj->rc == LJ_WRITTEN && unlink(lj->tmp) == -1)
		log_warn("load: %s: %m", lj->tmp);
	load_journal_done(lj);
}
