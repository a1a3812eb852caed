/*
 * test_hide: edit_hide_secrets, the rewrite that keeps typed secrets out of
 * mgd's candidate journal.  A typed secret word becomes the $9$ form that
 * decodes to it, the rest of the line is kept, and applying the rewritten
 * line gives the tree that same $9$ text (so a replay of the journal gives
 * the same candidate).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/junos9.h"
#include "lib/log.h"
#include "schema/conf_text.h"
#include "schema/edit.h"
#include "tests/lib/check_main.h"

static struct schema *S;

static void
lex_ok(const char *line, struct toks *tk)
{
	struct sb e;
	size_t off;

	sb_init(&e);
	ck_assert_int_eq(lex_line(line, strlen(line), tk, &e, &off), 0);
	sb_free(&e);
}

/* Asserts enc is a $9$ text that decodes to plain. */
static void
decodes_to(const char *enc, const char *plain)
{
	size_t len;
	char *p = junos9_decode(enc, &len);

	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, plain);
	OPENSSL_cleanse(p, len);
	free(p);
}

static char *
tree_text(struct conf *c)
{
	struct sb t;

	sb_init(&t);
	conf_text_set(conf_root(c), &t);
	return sb_steal(&t);
}

START_TEST(hide_typed_word)
{
	struct conf *c = conf_new(S);
	struct toks tk;
	struct path_err err;
	char want[512];

	lex_ok("set security ike policy P pre-shared-key ascii-text \"my key\"",
	    &tk);
	ck_assert_uint_eq(edit_hide_secrets(c, NULL, &tk, 0), 1);
	ck_assert_uint_eq(tk.n, 8);
	ck_assert_str_eq(tk.t[6].s, "ascii-text");
	decodes_to(tk.t[7].s, "my key");
	/* the tree holds exactly the journalled $9$ text */
	sb_init(&err.msg);
	ck_assert_int_eq(edit_apply(c, NULL, &tk, 0, &err, NULL), 0);
	char *t = tree_text(c);
	snprintf(want, sizeof(want),
	    "set security ike policy P pre-shared-key ascii-text \"%s\"\n",
	    tk.t[7].s);
	ck_assert_ptr_nonnull(strstr(t, want));
	ck_assert_ptr_null(strstr(t, "my key"));
	free(t);
	/* an already encoded value, a plain leaf: nothing to do */
	toks_free(&tk);
	want[strlen(want) - 1] = '\0'; /* the newline */
	lex_ok(want, &tk);
	ck_assert_uint_eq(edit_hide_secrets(c, NULL, &tk, 0), 0);
	toks_free(&tk);
	lex_ok("set system host-name my-key", &tk);
	ck_assert_uint_eq(edit_hide_secrets(c, NULL, &tk, 0), 0);
	ck_assert_str_eq(tk.t[3].s, "my-key");
	toks_free(&tk);
	sb_free(&err.msg);
	conf_free(c);
}
END_TEST

START_TEST(hide_text_lines)
{
	struct conf *c = conf_new(S);
	struct sb out;
	struct path_err err;
	size_t bad;
	const char *text = "set system host-name h\r\n"
			   "# a comment plainQ\n"
			   "set security ike policy Q pre-shared-key "
			   "ascii-text plainQ\n";

	sb_init(&out);
	sb_init(&err.msg);
	ck_assert_uint_eq(
	    edit_hide_secrets_text(c, NULL, text, strlen(text), &out), 1);
	/* line numbers kept; lines without a secret as they were */
	ck_assert_str_eq(strchr(sb_str(&out), '\n') + 1,
	    strstr(sb_str(&out), "# a comment plainQ\nset security"));
	ck_assert_ptr_null(
	    strstr(strstr(sb_str(&out), "set security"), "plainQ"));
	ck_assert_int_eq(
	    edit_apply_text(c, NULL, sb_str(&out), out.len, &err, &bad, NULL),
	    0);
	char *t = tree_text(c);
	char *enc = strstr(t, "ascii-text \"$9$");
	ck_assert_ptr_nonnull(enc);
	enc += strlen("ascii-text \"");
	*strchr(enc, '"') = '\0';
	decodes_to(enc, "plainQ");
	free(t);
	sb_free(&err.msg);
	sb_free(&out);
	conf_free(c);
}
END_TEST

/*
 * The one-pass load (edit_apply_hiding): the tree and the text to journal
 * hold one and the same $9$ form, never the typed secret; other lines and
 * line numbers are kept; a bad line is named.
 */
START_TEST(hide_apply_one_pass)
{
	struct conf *c = conf_new(S), *replay = conf_new(S);
	struct sb out;
	struct path_err err;
	size_t bad;
	const char *text = "set system host-name h\r\n"
			   "# a comment plainQ\n"
			   "set security ike policy Q pre-shared-key "
			   "ascii-text plainQ\n"
			   "  set system host-name h2\n";

	sb_init(&out);
	sb_init(&err.msg);
	ck_assert_int_eq(edit_apply_hiding(c, NULL, text, strlen(text), &out,
			     &err, &bad, NULL),
	    1);
	ck_assert_str_eq(strchr(sb_str(&out), '\n') + 1,
	    strstr(sb_str(&out), "# a comment plainQ\nset security"));
	ck_assert_ptr_nonnull(
	    strstr(sb_str(&out), "\n  set system host-name h2\n"));
	ck_assert_ptr_null(
	    strstr(strstr(sb_str(&out), "set security"), "plainQ"));
	/* the text replays to the very same tree */
	ck_assert_int_eq(edit_apply_text(replay, NULL, sb_str(&out), out.len,
			     &err, &bad, NULL),
	    0);
	char *t1 = tree_text(c), *t2 = tree_text(replay);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(strstr(t1, "set system host-name h2\n"));
	char *enc = strstr(t1, "ascii-text \"$9$");
	ck_assert_ptr_nonnull(enc);
	enc += strlen("ascii-text \"");
	*strchr(enc, '"') = '\0';
	decodes_to(enc, "plainQ");
	free(t1);
	free(t2);
	sb_reset(&out);
	text = "set system host-name h\nset system no-such-thing 1\n";
	ck_assert_int_eq(edit_apply_hiding(c, NULL, text, strlen(text), &out,
			     &err, &bad, NULL),
	    -1);
	ck_assert_uint_eq(bad, 2);
	sb_free(&err.msg);
	sb_free(&out);
	conf_free(c);
	conf_free(replay);
}
END_TEST

/*
 * Lines in a row with secrets (the load's words pooled from line to line,
 * a replaced secret put apart): each line's secret is its own in the tree
 * and in the text, none is left plain, and the text replays to the same
 * tree.
 */
START_TEST(hide_apply_secrets_in_a_row)
{
	struct conf *c = conf_new(S), *replay = conf_new(S);
	struct sb out;
	struct path_err err;
	size_t bad;
	const char *text =
	    "set security ike policy A pre-shared-key ascii-text plainA1\n"
	    "set security ike policy B pre-shared-key ascii-text "
	    "\"a much longer plain secret B2\"\n"
	    "set security ike policy A proposals P-with-a-long-name-x\n"
	    "set security ike policy C pre-shared-key ascii-text c3\n";

	sb_init(&out);
	sb_init(&err.msg);
	ck_assert_int_eq(edit_apply_hiding(c, NULL, text, strlen(text), &out,
			     &err, &bad, NULL),
	    1);
	ck_assert_ptr_null(strstr(sb_str(&out), "plainA1"));
	ck_assert_ptr_null(strstr(sb_str(&out), "secret B2"));
	ck_assert_ptr_null(strstr(sb_str(&out), " c3"));
	ck_assert_ptr_nonnull(strstr(sb_str(&out),
	    "\nset security ike policy A proposals P-with-a-long-name-x\n"));
	ck_assert_int_eq(edit_apply_text(replay, NULL, sb_str(&out), out.len,
			     &err, &bad, NULL),
	    0);
	char *t1 = tree_text(c), *t2 = tree_text(replay);
	ck_assert_str_eq(t1, t2);
	static const char *const pol[] = { "A", "B", "C" };
	static const char *const plain[] = { "plainA1",
		"a much longer plain secret B2", "c3" };
	for (size_t i = 0; i < 3; i++) {
		struct sb key;
		sb_init(&key);
		sb_printf(&key,
		    "set security ike policy %s pre-shared-key ascii-text \"",
		    pol[i]);
		char *enc = strstr(t1, sb_str(&key));
		ck_assert_ptr_nonnull(enc);
		enc = xstrdup(enc + key.len);
		*strchr(enc, '"') = '\0';
		decodes_to(enc, plain[i]);
		free(enc);
		sb_free(&key);
	}
	free(t1);
	free(t2);
	sb_free(&err.msg);
	sb_free(&out);
	conf_free(c);
	conf_free(replay);
}
END_TEST

/*
 * A load with no typed secret is its own hidden form: edit_apply_hiding
 * says so and leaves hidden alone (mgd journals the text it read, no copy
 * of it made).  From the first line that changes, hidden holds the whole
 * text, the lines before as they came; a byte-order mark is dropped.
 */
START_TEST(hide_apply_copies_from_change)
{
	struct conf *c = conf_new(S);
	struct sb out;
	struct path_err err;
	size_t bad;
	const char *plain = "set system host-name h\r\n"
			    "# plainQ\n"
			    "set security ike policy Q proposals P\n";
	const char *late = "set system host-name h\r\n"
			   "\n"
			   "set security ike policy Q pre-shared-key "
			   "ascii-text plainQ\n";
	const char *bom = "\xef\xbb\xbfset system host-name b\n";

	sb_init(&out);
	sb_init(&err.msg);
	ck_assert_int_eq(edit_apply_hiding(c, NULL, plain, strlen(plain), &out,
			     &err, &bad, NULL),
	    0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(edit_apply_hiding(c, NULL, late, strlen(late), &out,
			     &err, &bad, NULL),
	    1);
	ck_assert_uint_eq(strncmp(sb_str(&out), late, 25), 0);
	ck_assert_ptr_nonnull(strstr(sb_str(&out), "ascii-text $9$"));
	ck_assert_ptr_null(strstr(sb_str(&out), "plainQ"));
	sb_reset(&out);
	ck_assert_int_eq(edit_apply_hiding(
			     c, NULL, bom, strlen(bom), &out, &err, &bad, NULL),
	    1);
	ck_assert_str_eq(sb_str(&out), "set system host-name b\n");
	sb_free(&err.msg);
	sb_free(&out);
	conf_free(c);
}
END_TEST

/*
 * The daemons' parse of mgd's change (edit_apply_delta): the tree a
 * daemon builds is the one mgd checked — the same text as a checked load
 * of the same lines, a $9$ secret kept as it came, a typed one (never in
 * a delta, but if it were) still encoded, never stored plain; a line
 * that does not parse is still refused with its number.
 */
START_TEST(delta_same_tree)
{
	struct conf *c = conf_new(S), *d = conf_new(S);
	struct path_err err;
	size_t bad;
	const char *text =
	    "set system host-name gw\n"
	    "set security ike proposal P authentication-method "
	    "pre-shared-keys\n"
	    "set security ike proposal P dh-group group14\n"
	    "set security ike policy Q proposals P\n"
	    "set security ike policy Q pre-shared-key ascii-text "
	    "\"$9$dVwgJUjqPQn\"\n"
	    "set security ike policy R pre-shared-key ascii-text plainR\n"
	    "set interfaces st0 unit 4 family inet\n"
	    "deactivate security ike policy R\n";

	sb_init(&err.msg);
	ck_assert_int_eq(
	    edit_apply_text(c, NULL, text, strlen(text), &err, &bad, NULL), 0);
	ck_assert_int_eq(
	    edit_apply_delta(d, text, strlen(text), &err, &bad), 0);
	char *t1 = tree_text(c), *t2 = tree_text(d);
	ck_assert_ptr_nonnull(strstr(t2, "\"$9$dVwgJUjqPQn\""));
	ck_assert_ptr_null(strstr(t2, "plainR"));
	/* the typed secret: the same $9$ as the checked load, but salted */
	*strstr(t1, "set security ike policy R") = '\0';
	*strstr(t2, "set security ike policy R") = '\0';
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	text = "set system host-name gw2\nset system no-such-thing 1\n";
	ck_assert_int_eq(
	    edit_apply_delta(d, text, strlen(text), &err, &bad), -1);
	ck_assert_uint_eq(bad, 2);
	sb_free(&err.msg);
	conf_free(c);
	conf_free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hide");
	TCase *tc = tcase_create("secrets");

	log_init("test_hide", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_add_test(tc, hide_typed_word);
	tcase_add_test(tc, hide_text_lines);
	tcase_add_test(tc, hide_apply_one_pass);
	tcase_add_test(tc, hide_apply_secrets_in_a_row);
	tcase_add_test(tc, hide_apply_copies_from_change);
	tcase_add_test(tc, delta_same_tree);
	suite_add_tcase(s, tc);
	int status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
