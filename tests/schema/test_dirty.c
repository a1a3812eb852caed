/*
 * test_dirty: the dirty marks of a configuration tree (schema/conf.c) and
 * the diff that follows them (schema/conf_diff.c).  Each dirty node is on
 * its parent's list of dirty children, so a commit finds the one changed
 * entry among 10,000 without visiting the others; what the operator sees
 * must not change for it: `show | compare` and the delta sent to the
 * daemons from the marks are those of the full comparison, in the
 * configuration's order, however the changes were made (in any order,
 * after a move, a delete, a copy of the tree), and clearing the marks
 * leaves no node marked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "schema/conf.h"
#include "schema/conf_diff.h"
#include "schema/edit.h"
#include "tests/lib/check_main.h"

#define NPROP 10000

static struct schema *S;

static void
apply(struct conf *c, const char *line)
{
	struct path_err err;

	sb_init(&err.msg);
	ck_assert_msg(edit_apply_line(c, NULL, line, &err, NULL) == 0, "%s: %s",
	    line, sb_str(&err.msg));
	sb_free(&err.msg);
}

/* 10,000 IKE proposals and a gateway, committed (marks cleared). */
static struct conf *
big(void)
{
	struct conf *c = conf_new(S);
	struct sb t;
	struct path_err err;
	size_t bad = 0;

	sb_init(&t);
	sb_init(&err.msg);
	for (int i = 0; i < NPROP; i++)
		sb_printf(
		    &t, "set security ike proposal P%d dh-group group14\n", i);
	sb_puts(&t, "set security ike gateway GW address 192.0.2.1\n");
	ck_assert_int_eq(
	    edit_apply_text(c, NULL, sb_str(&t), t.len, &err, &bad, NULL), 0);
	sb_free(&t);
	sb_free(&err.msg);
	conf_clean(c);
	return c;
}

/* The compare text and the delta from a to b, from the marks or not. */
static char *
diff_text(struct conf *a, struct conf *b, bool dirty_only)
{
	struct diff d = { 0 };
	struct sb out;

	sb_init(&out);
	conf_diff(a, b, dirty_only, &d);
	diff_compare_text(&d, &out);
	sb_puts(&out, "--\n");
	diff_delta_text(&d, &out);
	diff_free(&d);
	return sb_steal(&out);
}

/* The diff from the marks is the full one; returns it. */
static char *
same_diff(struct conf *a, struct conf *b)
{
	char *full = diff_text(a, b, false);
	char *marks = diff_text(a, b, true);

	ck_assert_str_eq(marks, full);
	free(full);
	return marks;
}

/* No node of n's subtree is marked or on a list of dirty children. */
static size_t
count_marked(const struct cnode *n)
{
	size_t k = 0;

	if ((n->flags & (CN_DIRTY | CN_SHAPE)) ||
	    (cnode_has_kids(n) && cnode_kids(n)->dfirst != NULL) ||
	    n->dnext != NULL)
		k++;
	for (const struct cnode *ch = n->first; ch; ch = ch->next)
		k += count_marked(ch);
	return k;
}

/* The dirty children of n as the list gives them. */
static size_t
count_dirty_children(const struct cnode *n)
{
	size_t k = 0;

	for (struct cnode *ch = cnode_dirty_next(n, NULL); ch;
	     ch = cnode_dirty_next(n, ch))
		k++;
	return k;
}

START_TEST(one_line_under_10000)
{
	struct conf *a = big(), *b = conf_dup(a);
	char *t;

	apply(b, "set security ike proposal P5000 dh-group group19");
	/* The path to the change is dirty, its 9,999 siblings are not. */
	const struct cnode *ike =
	    cnode_child(cnode_child(conf_root(b), "security"), "ike");
	ck_assert_uint_eq(count_dirty_children(ike), 1);
	t = same_diff(a, b);
	ck_assert_str_eq(t,
	    "[edit security ike proposal P5000]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "--\n"
	    "set security ike proposal P5000 dh-group group19\n");
	free(t);
	conf_clean(b);
	ck_assert_uint_eq(count_marked(conf_root(b)), 0);
	conf_free(b);
	conf_free(a);
}
END_TEST

START_TEST(changes_in_config_order)
{
	struct conf *a = big(), *b = conf_dup(a);
	char *t;

	/* Made out of order, shown in the configuration's. */
	apply(b, "set security ike proposal P10000 dh-group group2");
	apply(b, "set security ike proposal P7000 dh-group group19");
	apply(b, "set security ike gateway GW version v2-only");
	apply(b, "set security ike proposal P10 dh-group group19");
	apply(b, "set security ike proposal P5000 dh-group group19");
	t = same_diff(a, b);
	ck_assert_str_eq(t,
	    "[edit security ike proposal P10]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "[edit security ike proposal P5000]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "[edit security ike proposal P7000]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "[edit security ike]\n"
	    "+    proposal P10000 {\n"
	    "+        dh-group group2;\n"
	    "+    }\n"
	    "[edit security ike gateway GW]\n"
	    "+    version v2-only;\n"
	    "--\n"
	    "set security ike proposal P10 dh-group group19\n"
	    "set security ike proposal P5000 dh-group group19\n"
	    "set security ike proposal P7000 dh-group group19\n"
	    "set security ike proposal P10000 dh-group group2\n"
	    "set security ike gateway GW version v2-only\n");
	free(t);
	conf_clean(b);
	ck_assert_uint_eq(count_marked(conf_root(b)), 0);
	conf_free(b);
	conf_free(a);
}
END_TEST

START_TEST(order_after_a_committed_move)
{
	struct conf *a = big(), *b;
	char *t;

	/* A move, committed: P9000 now comes first (in the tree that was
	 * edited, not in a copy, which numbers its nodes afresh). */
	b = conf_dup(a);
	apply(b, "insert security ike proposal P9000 before proposal P0");
	conf_clean(b);
	ck_assert_uint_eq(count_marked(conf_root(b)), 0);
	conf_free(a);
	a = conf_dup(b);
	apply(b, "set security ike proposal P1 dh-group group19");
	apply(b, "set security ike proposal P9000 dh-group group19");
	t = same_diff(a, b);
	ck_assert_str_eq(t,
	    "[edit security ike proposal P9000]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "[edit security ike proposal P1]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "--\n"
	    "set security ike proposal P9000 dh-group group19\n"
	    "set security ike proposal P1 dh-group group19\n");
	free(t);
	conf_free(b);
	conf_free(a);
}
END_TEST

START_TEST(deletes_and_copies)
{
	struct conf *a = big(), *b = conf_dup(a), *c;
	char *t;

	/* A dirty entry deleted, then a namesake and another added. */
	apply(b, "set security ike proposal P3 dh-group group19");
	apply(b, "delete security ike proposal P3");
	apply(b, "delete security ike proposal P4");
	apply(b, "set security ike proposal P4 dh-group group2");
	apply(b, "set security ike proposal P20000 dh-group group2");
	t = same_diff(a, b);
	ck_assert_ptr_nonnull(strstr(t, "-    proposal P3 {\n"));
	/* A copy of the marked tree carries the same marks. */
	c = conf_dup(b);
	char *tc = same_diff(a, c);
	ck_assert_str_eq(tc, t);
	free(tc);
	free(t);
	conf_clean(b);
	ck_assert_uint_eq(count_marked(conf_root(b)), 0);
	/* After the clear, a new change under the same list, from the
	 * marks, is the whole of the difference. */
	conf_free(a);
	a = conf_dup(b);
	apply(b, "set security ike proposal P6 dh-group group19");
	t = same_diff(a, b);
	ck_assert_str_eq(t,
	    "[edit security ike proposal P6]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "--\n"
	    "set security ike proposal P6 dh-group group19\n");
	free(t);
	conf_clean(c);
	ck_assert_uint_eq(count_marked(conf_root(c)), 0);
	conf_touch_all(c);
	conf_clean(c);
	ck_assert_uint_eq(count_marked(conf_root(c)), 0);
	conf_free(c);
	conf_free(b);
	conf_free(a);
}
END_TEST

/*
 * Deletions, renames and moves under the 10,000-entry list, alone and
 * mixed: the diff from the marks (the two lists walked side by side, or
 * the look-ups when an entry is out of step) is the full one.
 */
START_TEST(reshaped_lists)
{
	static const char *const cases[][3] = {
		{ "delete security ike proposal P0", NULL, NULL },
		{ "delete security ike proposal P9999", NULL, NULL },
		{ "delete security ike proposal P5000",
		    "delete security ike proposal P5002", NULL },
		{ "deactivate security ike proposal P7", NULL, NULL },
		{ "rename security ike proposal P11 to proposal R11", NULL,
		    NULL },
		{ "rename security ike proposal P12 to proposal R12",
		    "set security ike proposal P13 dh-group group19", NULL },
		{ "insert security ike proposal P40 before proposal P3", NULL,
		    NULL },
		{ "insert security ike proposal P2 after proposal P9999",
		    "delete security ike proposal P9998", NULL },
		{ "delete security ike proposal P8",
		    "set security ike proposal P8 dh-group group2",
		    "set security ike proposal N1 dh-group group2" },
		{ "delete security ike proposal P9",
		    "set security ike proposal N2 dh-group group2",
		    "delete security ike gateway GW" },
		{ "set security ike proposal N3 dh-group group2",
		    "insert security ike proposal N3 before proposal P100",
		    NULL },
	};
	struct conf *a = big();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf *b = conf_dup(a);
		for (size_t k = 0; k < 3 && cases[i][k] != NULL; k++)
			apply(b, cases[i][k]);
		char *t = same_diff(a, b);
		ck_assert_msg(
		    strstr(t, "--\n") != t, "%s: no diff", cases[i][0]);
		free(t);
		conf_free(b);
	}
	conf_free(a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dirty");
	TCase *tc = tcase_create("dirty");

	log_init("test_dirty", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, one_line_under_10000);
	tcase_add_test(tc, changes_in_config_order);
	tcase_add_test(tc, order_after_a_committed_move);
	tcase_add_test(tc, deletes_and_copies);
	tcase_add_test(tc, reshaped_lists);
	suite_add_tcase(s, tc);
	int status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
