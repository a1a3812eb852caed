/*
 * cmd_load: configuration mode's `load` and `save` (Junos's CLI): text
 * in from a file or the terminal, applied all or nothing to the
 * candidate; the candidate at the edit level out to a file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "lib/file.h"
#include "lib/log.h"
#include "mgd/cmd.h"
#include "mgd/db.h"
#include "mgd/load_journal.h"
#include "mgd/undo.h"
#include "schema/conf_diff.h"
#include "schema/conf_load.h"
#include "schema/conf_text.h"
#include "schema/edit.h"

#define LOAD_MAX_BYTES (64u * 1024 * 1024)

#define LOAD_ERRORS_MAX 20 /* bad lines named before the load gives up */

/* Line n (1-based) of text, without its end of line; NULL when there is
 * none.  *len gets its length. */
static const char *
load_line(const char *text, size_t len, size_t n, size_t *l)
{
	const char *p = text, *end = text + len;

	while (--n > 0 && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
	}
	if (p >= end && n > 0)
		return NULL;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*l = nl ? (size_t)(nl - p) : (size_t)(end - p);
	if (*l > 0 && p[*l - 1] == '\r')
		(*l)--;
	return p;
}

/*
 * One bad line of a load: `NAME:LINE:(COL) syntax error: TOKEN`, the
 * Junos form (Junos's `load`), or `NAME:LINE:(COL) MESSAGE`.  The
 * column is given for set files, whose lines are the ones applied; a
 * curly file's line has no column of the statement it was read into.
 */
static void
load_error(struct sb *out, const char *name, const char *set_line,
    size_t set_len, bool set_format, size_t file_line, struct path_err *err)
{
	struct toks tk;
	struct sb e;
	size_t off, col = 0;
	const char *token = NULL;
	const char *msg = sb_str(&err->msg);

	sb_init(&e);
	/* (a byte-order mark is no column) */
	if (set_len >= 3 && memcmp(set_line, "\xef\xbb\xbf", 3) == 0) {
		set_line += 3;
		set_len -= 3;
	}
	if (lex_line(set_line, set_len, &tk, &e, &off) == 0) {
		if (!err->at_end && err->tok < tk.n) {
			token = tk.t[err->tok].s;
			col = tk.t[err->tok].off + 1;
		} else {
			col = set_len + 1;
		}
	}
	sb_printf(out, "%s:%zu:", name, file_line);
	if (set_format && col > 0)
		sb_printf(out, "(%zu)", col);
	if (token != NULL && strcmp(msg, "syntax error.") == 0)
		sb_printf(out, " syntax error: %s\n", token);
	else
		sb_printf(out, " %s\n", msg);
	toks_free(&tk);
	sb_free(&e);
}

/* With changed, set_text becomes hidden (its typed secrets in $9$ form),
 * the plain text wiped; hidden is taken either way. */
static void
config_load_hidden(struct sb *set_text, struct sb *hidden, bool changed)
{
	if (changed) {
		OPENSSL_cleanse(set_text->buf, set_text->len);
		sb_free(set_text);
		*set_text = *hidden;
	} else {
		sb_free(hidden);
	}
	sb_init(hidden);
}

/*
 * After a good parse: set_text becomes its hidden form (config_load_hidden)
 * when the parse changed it; the journal file lj's thread writes holds
 * the text as it came, so it goes first (load_journal_drop: the thread
 * reads set_text until then).
 */
static void
config_load_settle(struct load_journal *lj, struct sb *set_text,
    struct sb *hidden, bool changed)
{
	if (changed)
		load_journal_drop(lj);
	config_load_hidden(set_text, hidden, changed);
}

/*
 * The common case in one pass: every line applied to target and the
 * secrets hidden from the same parse (edit_apply_hiding).  1: hidden has
 * the text with its secrets in $9$ form (config_load_settle makes it the
 * text); 0: the text is its own hidden form; -1 at a bad line (hidden
 * wiped): the caller names them all from a fresh copy.  set_text is only
 * read (a thread may be writing it to the journal).
 */
static int
config_load_apply(struct conf *target, const struct cpath *level,
    struct sb *set_text, struct sb *hidden, struct path_err *err, size_t *bad,
    struct sb *warn)
{
	int rc = edit_apply_hiding(target, level, sb_str(set_text),
	    set_text->len, hidden, err, bad, warn);

	if (rc == -1) {
		OPENSSL_cleanse(hidden->buf, hidden->len);
		sb_reset(hidden);
	}
	return rc;
}

/*
 * May set_text be applied to c in place (config_load_in_place)?  When
 * every line is a `set` (or blank, or a comment) and there are no more
 * lines than c has statements: each line is then read twice (once for
 * its undo record), which costs less than copying c and freeing the old
 * tree; a large load into a small candidate takes the copy, which is
 * then cheap.
 */
static bool
config_load_fits_in_place(struct conf *c, struct sb *set_text)
{
	const char *p = sb_str(set_text), *end = p + set_text->len;
	size_t lines = 0, max = conf_count(c);

	if (set_text->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p != '#' && *p != '\r') {
			if (++lines > max || (size_t)(e - p) < 4 ||
			    memcmp(p, "set", 3) != 0 ||
			    (p[3] != ' ' && p[3] != '\t'))
				return false;
		}
		p = nl ? nl + 1 : end;
	}
	return true;
}

/*
 * Applies set_text to c in place, line by line, each line's undo record
 * (mgd/undo.c) taken first.  1 or 0: every line applied, hidden as
 * config_load_apply gives it.  -1: a line was bad or not one undo can take
 * back; c is as it was (undo_rollback), hidden wiped, and the caller takes
 * the copying path, which names every bad line.
 */
static int
config_load_in_place(struct conf *c, const struct cpath *level,
    struct sb *set_text, struct sb *hidden, struct path_err *err,
    struct sb *warn, struct undo *u)
{
	const char *p = sb_str(set_text), *end = p + set_text->len;
	struct sb line;
	size_t bad;
	int rc = 0;
	bool changed = false;

	sb_init(&line);
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		if (undo_line(u, level, p, l) == -1 ||
		    (rc = edit_apply_hiding(
			 c, level, p, l, &line, err, &bad, warn)) == -1) {
			rc = -1;
			break;
		}
		/* the line's hidden form, or the line as it stands */
		if (rc == 1)
			sb_add(hidden, line.buf, line.len);
		else
			sb_add(hidden, p, l);
		changed = changed || rc == 1;
		OPENSSL_cleanse(line.buf, line.len);
		sb_reset(&line);
		rc = 0;
		p += l;
	}
	OPENSSL_cleanse(line.buf, line.len);
	sb_free(&line);
	if (rc == -1) {
		undo_rollback(u);
		OPENSSL_cleanse(hidden->buf, hidden->len);
		sb_reset(hidden);
		return -1;
	}
	return changed ? 1 : 0;
}

/* Journals a load's text for s, relative to its level or to the top;
 * lj (writing text's file, or not started) is done with. */
static int
config_load_journal(
    struct session *s, bool relative, const char *text, struct load_journal *lj)
{
	struct cpath save;
	int rc;

	/* The journal names the level the lines are relative to. */
	cpath_copy(&save, &s->level);
	if (!relative) {
		cpath_free(&s->level);
		cpath_init(&s->level);
	}
	rc = candidate_journal_load(s, text, lj);
	cpath_free(&s->level);
	s->level = save;
	return rc;
}

/* Applies load text of kind (set, merge, override, replace) for s; the
 * text is taken (wiped and freed). */
static void
config_load_text(struct session *s, const char *kind, const char *name,
    struct sb *in, bool relative, json_t *reply)
{
	struct mgd *m = s->mgd;
	struct path_err err;
	struct sb warn, set_text, hidden, msg;
	struct load_journal lj = { .started = false };
	size_t bad = 0;
	bool override = strcmp(kind, "override") == 0;
	struct cpath top;
	const struct cpath *level = relative ? &s->level : &top;
	struct conf *target;
	size_t *map = NULL;
	struct undo *u = NULL;
	int rc;

	cpath_init(&top);
	sb_init(&err.msg);
	sb_init(&warn);
	sb_init(&set_text);
	sb_init(&hidden);
	sb_init(&msg);
	/* a set file's errors have columns (load_error) */
	bool set_format = conf_text_is_set(sb_str(in), in->len);
	/* a text in set form becomes set_text as it stands (no copy) */
	if (conf_text_take_set(in, strcmp(kind, "replace") == 0, &set_text,
		&map, &err, &bad) == -1)
		goto bad;
	/* A large text's journal file is written while it parses
	 * (mgd/load_journal.c); not an override's, whose entry is the whole
	 * new configuration, nor a private candidate's (in memory). */
	if (!override && s->db != SESS_PRIVATE)
		(void)load_journal_start(
		    &lj, m->db, m->schema, sb_str(&set_text), set_text.len);
	if (!override &&
	    config_load_fits_in_place(session_conf(s), &set_text)) {
		/* A few lines into a large candidate: in place, with an undo
		 * record of each line; taken back on a bad line, or when the
		 * journal cannot be written. */
		u = undo_new(session_conf(s));
		rc = config_load_in_place(
		    session_conf(s), level, &set_text, &hidden, &err, &warn, u);
		if (rc != -1) {
			config_load_settle(&lj, &set_text, &hidden, rc == 1);
			rc = config_load_journal(
			    s, relative, sb_str(&set_text), &lj);
			if (rc == -1)
				undo_rollback(u);
			else
				log_info(
				    "load: applied in place (%zu statements)",
				    conf_count(session_conf(s)));
			goto applied;
		}
		sb_reset(&err.msg);
		err.tok = 0;
		err.at_end = false;
		sb_reset(&warn);
	}
	/* Every line is applied once, to a copy that replaces the candidate
	 * only when all of them were good and the journal has them. */
	target = override ? conf_new(m->schema) : conf_dup(session_conf(s));
	if (override)
		conf_touch_all(target);
	rc = config_load_apply(
	    target, level, &set_text, &hidden, &err, &bad, &warn);
	if (rc != -1)
		config_load_settle(&lj, &set_text, &hidden, rc == 1);
	if (rc == -1) {
		/* Nothing is journalled (the file goes before set_text is
		 * rewritten below).  Again from the start, to name every bad
		 * line. */
		load_journal_drop(&lj);
		conf_free(target);
		target =
		    override ? conf_new(m->schema) : conf_dup(session_conf(s));
		if (override)
			conf_touch_all(target);
		sb_reset(&err.msg);
		err.tok = 0;
		err.at_end = false;
		sb_reset(&warn);
		/* Every bad line is named (up to LOAD_ERRORS_MAX), then the
		 * copy is thrown away: nothing is applied. */
		/* Applied and journalled with its secrets in $9$ form, like a
		 * typed line; the plain text copy is wiped. */
		config_load_hidden(&set_text, &hidden,
		    edit_hide_secrets_text(target, level, sb_str(&set_text),
			set_text.len, &hidden) > 0);
		const char *p = sb_str(&set_text), *end = p + set_text.len;
		size_t base = 0, nbad = 0;
		while (p < end &&
		    edit_apply_trusted(target, level, p, (size_t)(end - p),
			&err, &bad, &warn) == -1) {
			size_t l = 0;
			const char *line = load_line(
			    sb_str(&set_text), set_text.len, base + bad, &l);
			if (line != NULL)
				load_error(&msg, name, line, l, set_format,
				    map != NULL ? map[base + bad] : base + bad,
				    &err);
			if (++nbad == LOAD_ERRORS_MAX)
				break;
			/* on after the bad line */
			for (size_t k = 0; k < bad && p < end; k++) {
				const char *nl =
				    memchr(p, '\n', (size_t)(end - p));
				p = nl ? nl + 1 : end;
			}
			base += bad;
			sb_reset(&err.msg);
			err.tok = 0;
			err.at_end = false;
		}
		if (nbad > 0) {
			conf_free(target);
			sb_puts(
			    &msg, "error: load failed: nothing was loaded\n");
			reply_fail(reply, sb_str(&msg));
			goto done;
		}
	}
	if (override) {
		rc = config_replace(s, target);
	} else {
		rc = config_load_journal(s, relative, sb_str(&set_text), &lj);
		if (rc == 0)
			conf_swap(session_conf(s), target);
	}
	if (!override || rc == -1)
		conf_free(target);
applied:
	if (rc == -1) {
		reply_fail(reply,
		    "error: the configuration store could not be"
		    " written\n");
		goto done;
	}
	reply_out(reply, "load complete\n");
	goto done;
bad:
	sb_printf(&msg, "%s:%zu: %s\nerror: load failed: nothing was loaded\n",
	    name, bad, sb_str(&err.msg));
	reply_fail(reply, sb_str(&msg));
done:
	/* (before set_text goes: its thread reads it) */
	load_journal_drop(&lj);
	undo_free(u);
	free(map);
	sb_free(&err.msg);
	sb_free(&warn);
	sb_free(&set_text);
	OPENSSL_cleanse(hidden.buf, hidden.len);
	sb_free(&hidden);
	sb_free(&msg);
	cpath_free(&top);
}

/* The file at path into b (empty); 0, or -1 with err filled. */
static int
config_read_file(const char *path, struct sb *b, struct sb *err)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	struct stat st;
	size_t n;

	if (f == NULL) {
		sb_printf(err,
		    "error: could not open configuration file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	/* one buffer of the file's size (it may still grow or shrink) */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && (uintmax_t)st.st_size <= LOAD_MAX_BYTES)
		sb_reserve(b, (size_t)st.st_size);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (b->len + n > LOAD_MAX_BYTES) {
			sb_printf(err, "error: %s is larger than %u bytes\n",
			    path, LOAD_MAX_BYTES);
			sb_free_secure(b);
			fclose(f);
			OPENSSL_cleanse(buf, sizeof(buf));
			return -1;
		}
		sb_add(b, buf, n);
	}
	fclose(f);
	/* (the file may hold typed secrets) */
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* `load factory-default`: the candidate becomes the factory default. */
static void
config_factory(
    struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct conf *n;

	if (end > 2) {
		reply_syntax(reply, "syntax error.", tk->t[2].off);
		return;
	}
	if ((n = commit_factory(s->mgd)) == NULL) {
		reply_fail(reply,
		    "error: the factory-default configuration could"
		    " not be built\n");
		return;
	}
	if (config_replace(s, n) == -1) {
		conf_free(n);
		reply_fail(reply,
		    "error: the configuration store could not be"
		    " written\n");
		return;
	}
	reply_out(reply, "warning: activating factory configuration\n");
}

void
config_load(struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	static const char *const kinds[] = { "merge", "override", "replace",
		"set", "factory-default" };
	bool relative = false;

	if (!config_may_edit(s, reply))
		return;
	if (end < 2) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	int k = cmd_match(tk->t[1].s, kinds, 5);
	if (k < 0) {
		reply_syntax(reply, "syntax error.", tk->t[1].off);
		return;
	}
	if (k == 4) {
		config_factory(s, tk, end, reply);
		return;
	}
	if (end < 3) {
		reply_syntax(reply, "missing argument.", tk->end);
		return;
	}
	if (end > 3 && strncmp("relative", tk->t[3].s, strlen(tk->t[3].s)) == 0)
		relative = true;
	else if (end > 3) {
		reply_syntax(reply, "syntax error.", tk->t[3].off);
		return;
	}
	if (strcmp(tk->t[2].s, "terminal") == 0) {
		s->wait = WAIT_LOAD;
		free(s->wait_arg);
		s->wait_arg = xstrdup(relative ? "" : "");
		free(s->wait_arg);
		{
			struct sb a;
			sb_init(&a);
			sb_printf(
			    &a, "%s%s", kinds[k], relative ? " relative" : "");
			s->wait_arg = sb_steal(&a);
		}
		json_object_set_new(reply, "input",
		    json_string("[Type ^D at a new line to end input]"));
		return;
	}
	struct sb err, text;
	sb_init(&err);
	sb_init(&text);
	if (config_read_file(tk->t[2].s, &text, &err) == -1)
		reply_fail(reply, sb_str(&err));
	else
		config_load_text(
		    s, kinds[k], tk->t[2].s, &text, relative, reply);
	sb_free_secure(&text);
	sb_free(&err);
}

void
cmd_input(struct session *s, const char *text, json_t *reply)
{
	if (s->wait != WAIT_LOAD) {
		reply_fail(reply, "error: no input was asked for\n");
		return;
	}
	s->wait = WAIT_NONE;
	char *arg = s->wait_arg;
	s->wait_arg = NULL;
	if (text == NULL) {
		/* ^C at the input */
		reply_fail(
		    reply, "error: load interrupted: nothing was loaded\n");
		free(arg);
		return;
	}
	bool relative = strstr(arg, " relative") != NULL;
	char *sp = strchr(arg, ' ');
	if (sp)
		*sp = '\0';
	struct sb in;
	sb_init(&in);
	sb_puts(&in, text);
	config_load_text(s, arg, "terminal", &in, relative, reply);
	sb_free_secure(&in);
	free(arg);
}

void
config_save(struct session *s, const struct toks *tk, size_t end, json_t *reply)
{
	struct sb text, werr, msg;
	struct pipes p = { 0 };

	if (end != 2) {
		reply_syntax(reply,
		    end < 2 ? "missing argument." : "syntax error.",
		    end < 2 ? tk->end : tk->t[2].off);
		return;
	}
	sb_init(&text);
	sb_init(&werr);
	sb_init(&msg);
	{
		struct show_stamp st = { conf_changed(session_conf(s)), NULL };
		cmd_show_tree(session_conf(s), &s->level, &st, &p, &text);
	}
	if (file_write_atomic(tk->t[1].s, text.buf ? text.buf : "", text.len,
		0600, &werr) == -1) {
		sb_printf(&msg, "error: could not write %s: %s\n", tk->t[1].s,
		    strerror(errno));
		reply_fail(reply, sb_str(&msg));
	} else {
		size_t lines = 0;
		for (size_t i = 0; i < text.len; i++)
			lines += text.buf[i] == '\n';
		sb_printf(&msg, "Wrote %zu lines of configuration to '%s'\n",
		    lines, tk->t[1].s);
		reply_out(reply, sb_str(&msg));
	}
	sb_free(&text);
	sb_free(&werr);
	sb_free(&msg);
}
