/*
 * test_edit_delta: the parses that go on from the containers and entries
 * the line before went through (schema/edit_lines.c): the daemons' parse of
 * mgd's change (edit_apply_delta), and mgd's parse of a `load`
 * (edit_apply_hiding, the "load" case below).  Whatever a line shares with the
 * one before, the tree it makes is the one the line-by-line parse from the top
 * makes (edit_apply_trusted) — the same nodes in the same order, the same
 * values, and the same dirty marks, which iked's commit reads to know what a
 * change reaches — and a bad line is refused with its number.  QSAFE_SAMPLE_DIR
 * names tests/schema/sample-configs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/log.h"
#include "schema/conf_text.h"
#include "schema/edit.h"
#include "tests/schema/read_all.h"
#include "tests/lib/check_main.h"

static struct schema *S;

/* Asserts that a and b hold the same nodes, values, marks and order. */
static void
same_nodes(const struct cnode *a, const struct cnode *b, const char *what)
{
	const struct cnode *x = a->first, *y = b->first;

	ck_assert_msg(a->sn == b->sn, "%s: %s against %s", what, a->sn->name,
	    b->sn->name);
	ck_assert_msg((a->val == NULL) == (b->val == NULL) &&
		(a->val == NULL || strcmp(a->val, b->val) == 0),
	    "%s: %s: value %s against %s", what, a->sn->name,
	    a->val ? a->val : "-", b->val ? b->val : "-");
	ck_assert_msg(a->flags == b->flags, "%s: %s %s: flags %#x against %#x",
	    what, a->sn->name, a->val ? a->val : "", a->flags, b->flags);
	for (; x != NULL && y != NULL; x = x->next, y = y->next)
		same_nodes(x, y, what);
	ck_assert_msg(x == NULL && y == NULL, "%s: %s: children differ", what,
	    a->sn->name);
}

/*
 * base then change applied to two trees, the change by the reference parse
 * on one and by edit_apply_delta on the other, the marks of base cleared in
 * between as a commit leaves them; asserts the trees are the same.
 */
static void
delta_as_reference(const char *base, const char *change, const char *what)
{
	struct conf *r = conf_new(S), *d = conf_new(S);
	struct path_err err;
	size_t bad;

	sb_init(&err.msg);
	ck_assert_int_eq(
	    edit_apply_trusted(r, NULL, base, strlen(base), &err, &bad, NULL),
	    0);
	ck_assert_int_eq(
	    edit_apply_trusted(d, NULL, base, strlen(base), &err, &bad, NULL),
	    0);
	conf_clean(r);
	conf_clean(d);
	ck_assert_msg(edit_apply_trusted(r, NULL, change, strlen(change), &err,
			  &bad, NULL) == 0,
	    "%s: reference: line %zu: %s", what, bad, sb_str(&err.msg));
	ck_assert_msg(
	    edit_apply_delta(d, change, strlen(change), &err, &bad) == 0,
	    "%s: delta: line %zu: %s", what, bad, sb_str(&err.msg));
	same_nodes(conf_root(r), conf_root(d), what);
	ck_assert_uint_eq(conf_count(r), conf_count(d));
	sb_free(&err.msg);
	conf_free(r);
	conf_free(d);
}

/* An entry's lines in a row, then back to an earlier entry, then up. */
START_TEST(shared_words)
{
	const char *change =
	    "set security ike proposal P1 authentication-method "
	    "pre-shared-keys\n"
	    "set security ike proposal P1 dh-group group14\n"
	    "set security ike proposal P2 dh-group group19\n"
	    "set security ike proposal P1 encryption-algorithm aes-256-cbc\n"
	    "set security ike policy Q proposals P1\n"
	    "set security ike policy Q proposals P2\n"
	    "set security ike gateway G ike-policy Q\n"
	    "set security ike gateway G address 10.0.0.1\n"
	    "set security ike gateway G address 10.0.0.2\n"
	    "set security ike gateway G dead-peer-detection interval 10\n"
	    "set security ike gateway G dead-peer-detection threshold 3\n"
	    /* a presence container: the line may end at it */
	    "set security ike gateway G dead-peer-detection\n"
	    "set security ike gateway G external-interface ge-0/0/0.0\n"
	    "set security ipsec vpn V ike gateway G\n"
	    "set security ipsec vpn V ike ipsec-policy IP\n"
	    "set security ipsec vpn V bind-interface st0.1\n"
	    "set interfaces st0 unit 1 family inet\n"
	    "set interfaces st0 unit 2 family inet\n"
	    "set system host-name gw\n";

	delta_as_reference("", change, "into an empty tree");
	/* into a tree that has them: found, not made; marks set the same */
	delta_as_reference(change, change, "the same lines again");
	delta_as_reference(change,
	    "set security ike gateway G address 10.0.0.3\n"
	    "set security ike gateway G2 address 10.0.0.4\n"
	    "set security ike gateway G2 ike-policy Q\n",
	    "a change to a loaded tree");
}
END_TEST

/*
 * Lines that remove what the line before went through: a delete (the
 * entry is made again), a statement of another case of a choice (the
 * other case's container goes), a deactivate, an annotation.
 */
START_TEST(removed_between)
{
	const char *base = "set security ike proposal P dh-group group14\n"
			   "set security ike gateway G address 10.0.0.1\n";

	delta_as_reference(base,
	    "set security ike proposal P dh-group group19\n"
	    "delete security ike proposal P\n"
	    "set security ike proposal P dh-group group20\n"
	    "set security ike proposal P lifetime-seconds 3600\n",
	    "delete between");
	delta_as_reference(base,
	    "set security ike gateway G dynamic distinguished-name "
	    "container C\n"
	    "set security ike gateway G address 10.0.0.9\n"
	    "set security ike gateway G dynamic distinguished-name "
	    "wildcard W\n"
	    "set security ike gateway G external-interface ge-0/0/0.0\n",
	    "choice between");
	delta_as_reference(base,
	    "set security ike gateway G version v2-only\n"
	    "deactivate security ike gateway G\n"
	    "set security ike gateway G ike-policy Q\n"
	    "annotate security ike gateway G \"a note\"\n"
	    "set security ike gateway G address 10.0.0.2\n",
	    "deactivate and annotate between");
}
END_TEST

/*
 * What the line before's bytes may share without sharing words: a key
 * that starts another (G1, G10), a tab for a blank, two blanks, a line
 * that goes on after the entry the line before ended with, a blank at a
 * line's end, a quoted key with a blank in it and one that it starts.
 */
START_TEST(shared_bytes)
{
	const char *change =
	    "set security ike gateway G1 address 10.0.0.1\n"
	    "set security ike gateway G10 address 10.0.0.2\n"
	    "set security ike gateway G1 version v2-only\n"
	    "set security ike gateway G1\tike-policy Q\n"
	    "set security ike gateway G1  external-interface ge-0/0/0.0\n"
	    "set security ike gateway G10\n"
	    "set security ike gateway G10 ike-policy Q\n"
	    "set interfaces st0 unit 5\n"
	    "set interfaces st0 unit 5 family inet\n"
	    "set interfaces st0 unit 6 \n"
	    "set interfaces st0 unit 6 family inet\n"
	    "set interfaces st0 unit 60 family inet\n"
	    "set security ike gateway \"G 1\" address 10.0.0.4\n"
	    "set security ike gateway \"G 1\" version v2-only\n"
	    "set security ike gateway \"G 1x\" version v2-only\n"
	    "set security ike gateway \"G 1\"x version v2-only\n";

	delta_as_reference("", change, "shared bytes into an empty tree");
	delta_as_reference(change, change, "shared bytes again");
}
END_TEST

/*
 * The words the line before shared are not taken for granted: a quoted
 * word, a leaf-list in brackets, a line that stops at a container.
 */
START_TEST(refused_the_same)
{
	struct conf *d = conf_new(S);
	struct path_err err;
	size_t bad;
	const char *text =
	    "set security ike gateway G address 10.0.0.1\n"
	    "set security ike gateway G address [ 10.0.0.2 10.0.0.3 ]\n"
	    "set security ike gateway \"G\" version v2-only\n"
	    "set security ike\n";

	sb_init(&err.msg);
	delta_as_reference("",
	    "set security ike gateway G address 10.0.0.1\n"
	    "set security ike gateway G address [ 10.0.0.2 10.0.0.3 ]\n"
	    "set security ike gateway \"G\" version v2-only\n",
	    "brackets and quotes");
	/* `set security ike` wants more words, after a longer line too */
	ck_assert_int_eq(
	    edit_apply_delta(d, text, strlen(text), &err, &bad), -1);
	ck_assert_uint_eq(bad, 4);
	ck_assert_str_eq(sb_str(&err.msg), "missing argument.");
	text = "set security ike gateway G address 10.0.0.1\n"
	       "set security ike gateway G no-such-word 1\n";
	ck_assert_int_eq(
	    edit_apply_delta(d, text, strlen(text), &err, &bad), -1);
	ck_assert_uint_eq(bad, 2);
	ck_assert_uint_eq(err.tok, 5); /* the caret under no-such-word */
	sb_free(&err.msg);
	conf_free(d);
}
END_TEST

/* Each sample as mgd sends it (its checked load, in `display set`). */
START_TEST(samples_as_mgd_sends)
{
	const char *dir = getenv("QSAFE_SAMPLE_DIR");
	struct dirent *de;
	size_t nfiles = 0;
	DIR *d;

	ck_assert_ptr_nonnull(dir);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name), bad;
		char path[1024], *raw, *text;
		struct conf *c = conf_new(S);
		struct path_err err;
		struct sb set;

		if (l < 5 || strcmp(de->d_name + l - 4, ".set") != 0) {
			conf_free(c);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		raw = read_all(path);
		text = sample_fill(raw);
		sb_init(&err.msg);
		sb_init(&set);
		ck_assert_msg(edit_apply_text(c, NULL, text, strlen(text), &err,
				  &bad, NULL) == 0,
		    "%s:%zu: %s", de->d_name, bad, sb_str(&err.msg));
		conf_text_set(conf_root(c), &set);
		ck_assert_uint_gt(set.len, 0);
		delta_as_reference("", sb_str(&set), de->d_name);
		sb_free(&set);
		sb_free(&err.msg);
		conf_free(c);
		free(text);
		free(raw);
		nfiles++;
	}
	closedir(d);
	ck_assert_uint_ge(nfiles, 5);
}
END_TEST

/*
 * text applied at level (NULL: the top) after base, by the reference
 * parse of each line from the top (edit_apply_text) on one tree and by the
 * load's parse (edit_apply_hiding) on the other; asserts the same trees, a
 * hidden text equal to text (it holds no typed secret), or with bad > 0
 * that both refuse line bad with the same message and caret.
 */
static void
load_as_reference(const char *base, const struct cpath *level, const char *text,
    size_t bad, const char *what)
{
	struct conf *r = conf_new(S), *d = conf_new(S);
	struct path_err er, ed;
	struct sb hidden;
	size_t rbad, dbad;
	int rrc, drc;

	sb_init(&er.msg);
	sb_init(&ed.msg);
	sb_init(&hidden);
	ck_assert_int_eq(
	    edit_apply_text(r, NULL, base, strlen(base), &er, &rbad, NULL), 0);
	ck_assert_int_eq(
	    edit_apply_text(d, NULL, base, strlen(base), &er, &rbad, NULL), 0);
	conf_clean(r);
	conf_clean(d);
	rrc = edit_apply_text(r, level, text, strlen(text), &er, &rbad, NULL);
	drc = edit_apply_hiding(
	    d, level, text, strlen(text), &hidden, &ed, &dbad, NULL);
	if (bad == 0) {
		ck_assert_msg(rrc == 0, "%s: reference: line %zu: %s", what,
		    rbad, sb_str(&er.msg));
		ck_assert_msg(drc == 0, "%s: load: line %zu: %s (%d)", what,
		    dbad, sb_str(&ed.msg), drc);
		same_nodes(conf_root(r), conf_root(d), what);
		ck_assert_uint_eq(conf_count(r), conf_count(d));
		/* no typed secret: the text stands, no copy of it made */
		ck_assert_uint_eq(hidden.len, 0);
	} else {
		ck_assert_msg(rrc == -1 && rbad == bad, "%s: reference", what);
		ck_assert_msg(drc == -1 && dbad == bad,
		    "%s: load refused line %zu, not %zu", what, dbad, bad);
		ck_assert_str_eq(sb_str(&ed.msg), sb_str(&er.msg));
		ck_assert_msg(ed.tok == er.tok && ed.at_end == er.at_end &&
			ed.caret == er.caret,
		    "%s: caret at word %zu (%d %d), not %zu (%d %d)", what,
		    ed.tok, ed.at_end, ed.caret, er.tok, er.at_end, er.caret);
	}
	sb_free(&hidden);
	sb_free(&er.msg);
	sb_free(&ed.msg);
	conf_free(r);
	conf_free(d);
}

/* What an operator's file holds: abbreviations, odd blanks, a level. */
START_TEST(load_shared_words)
{
	const char *text =
	    "set security ike proposal P1 authentication-method "
	    "pre-shared-keys\n"
	    "set security ike proposal P1 dh-group group14\n"
	    "set sec ike proposal P1 dh-group group19\n"
	    "set sec ike proposal P1 encryption-algorithm aes-256-cbc\n"
	    "set security ike policy Q proposals P1\n"
	    "set security ike policy Q pre-shared-key ascii-text "
	    "\"$9$dVwgJUjqPQn\"\n"
	    "set security ike gateway G1 address 10.0.0.1\n"
	    "set security ike gateway G10 address 10.0.0.2\n"
	    "set security ike gateway G1\tike-policy Q\n"
	    "set security ike gateway G1  version v2-only\n"
	    "set security ike gateway G1 dead-peer-detection interval 10\n"
	    "set security ike gateway G1 dead-peer-detection\n"
	    "set security ike gateway \"G 1\" address 10.0.0.4\n"
	    "set security ike gateway \"G 1\"x version v2-only\n"
	    "delete security ike gateway G10\n"
	    "set security ike gateway G10 address 10.0.0.3\n"
	    "set security ike gateway G1 dynamic distinguished-name "
	    "container C\n"
	    "set security ike gateway G1 address 10.0.0.9\n"
	    "set interfaces st0 unit 6 \n"
	    "set interfaces st0 unit 6 family inet\n"
	    "set system host-name gw\n";
	struct cpath level;

	load_as_reference("", NULL, text, 0, "into an empty tree");
	load_as_reference(text, NULL, text, 0, "the same lines again");
	cpath_init(&level);
	cpath_push(&level, schema_find(S, "security"), NULL);
	cpath_push(&level, schema_find(S, "security/ike"), NULL);
	load_as_reference("", &level,
	    "set gateway G address 10.0.0.1\n"
	    "set gateway G version v2-only\n"
	    "set gateway G dead-peer-detection interval 10\n"
	    "set gateway G dead-peer-detection threshold 3\n"
	    "set proposal P dh-group group14\n",
	    0, "at [edit security ike]");
	cpath_free(&level);
}
END_TEST

/*
 * A bad line after lines it shares words with is refused as the parse
 * from the top refuses it: its number, its message, the caret under the
 * same word of the whole line.
 */
START_TEST(load_refused_the_same)
{
	const char *g = "set security ike gateway G address 10.0.0.1\n";
	static const char *const bad[] = {
		"set security ike gateway G no-such-word 1\n",
		"set security ike gateway G address 10.0.0.300\n",
		"set security ike gateway G d 5\n", /* ambiguous */
		"set security ike gateway G dead-peer-detection interval\n",
		"set security ike gateway G version\n",
		"set security ike gateway G address [ 10.0.0.2\n",
		"set security ike gateway G address \"10.0.0.2\n",
		"set security ike\n",
		"set security ike gateway G address 10.0.0.2 x\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct sb text;
		sb_init(&text);
		sb_printf(&text, "%s%s%s", g, g, bad[i]);
		load_as_reference("", NULL, sb_str(&text), 3, bad[i]);
		sb_free(&text);
	}
}
END_TEST

/*
 * Typed secrets on lines that share words with the line before: the text
 * to journal holds each such line whole, its words quoted as the parse
 * from the top writes them (single blanks, no needless quotes), its secret
 * in the tree's $9$ form; never the typed secret; the text replays to the
 * same tree.
 */
START_TEST(load_hidden_whole_line)
{
	struct conf *c = conf_new(S), *replay = conf_new(S);
	struct path_err err;
	struct sb hidden, want;
	size_t bad;
	const char *text =
	    "set security ike policy \"A\"  proposals P1\n"
	    "set security ike policy \"A\"  pre-shared-key ascii-text "
	    "typed-A1\n"
	    "set security ike policy B\tproposals P1\n"
	    "set security ike policy B\tpre-shared-key ascii-text "
	    "\"typed B2\"\n";

	sb_init(&err.msg);
	sb_init(&hidden);
	sb_init(&want);
	ck_assert_int_eq(edit_apply_hiding(c, NULL, text, strlen(text), &hidden,
			     &err, &bad, NULL),
	    1);
	ck_assert_ptr_null(strstr(sb_str(&hidden), "typed"));
	struct sb set;
	sb_init(&set);
	conf_text_set(conf_root(c), &set);
	const char *t = sb_str(&set);
	for (const char *p = "AB"; *p != '\0'; p++) {
		const char *at, *enc;
		sb_reset(&want);
		sb_printf(&want,
		    "set security ike policy %c pre-shared-key ascii-text \"",
		    *p);
		enc = strstr(t, sb_str(&want));
		ck_assert_ptr_nonnull(enc);
		/* the journal's line: the tree's line, quotes as lex_quote */
		sb_reset(&want);
		sb_printf(&want,
		    "\nset security ike policy %c pre-shared-key ascii-text ",
		    *p);
		at = strstr(sb_str(&hidden), sb_str(&want));
		ck_assert_msg(at != NULL, "%c: not written whole in: %s", *p,
		    sb_str(&hidden));
		at += want.len;
		enc = strchr(enc, '"') + 1;
		ck_assert_int_eq(strncmp(at, enc, strcspn(enc, "\"")), 0);
	}
	ck_assert_ptr_nonnull(
	    strstr(sb_str(&hidden), "\nset security ike policy B\tproposals"));
	ck_assert_int_eq(edit_apply_text(replay, NULL, sb_str(&hidden),
			     hidden.len, &err, &bad, NULL),
	    0);
	same_nodes(conf_root(c), conf_root(replay), "replayed");
	sb_free(&set);
	sb_free(&want);
	sb_free(&hidden);
	sb_free(&err.msg);
	conf_free(c);
	conf_free(replay);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("edit_delta");
	TCase *tc = tcase_create("delta");
	int status;

	log_init("test_edit_delta", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_add_test(tc, shared_words);
	tcase_add_test(tc, shared_bytes);
	tcase_add_test(tc, removed_between);
	tcase_add_test(tc, refused_the_same);
	tcase_add_test(tc, samples_as_mgd_sends);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, load_shared_words);
	tcase_add_test(tc, load_refused_the_same);
	tcase_add_test(tc, load_hidden_whole_line);
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
