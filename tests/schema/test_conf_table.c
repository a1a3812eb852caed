/*
 * test_conf_table: the tree's table of list entries and leaf-list values
 * (schema/conf.c: open addressing, entries moved back on removal) and the
 * look-ups that skip it (the slot's last entry of a kind, a kind with no
 * entry).  Thousands of entries under a few parents, grown through several
 * resizes, then removed in runs (whole interfaces, every third unit),
 * renamed, moved and made again: after each step every entry that should
 * be there is found under its own parent, and none that should not.
 *
 * And the children of one node below and past CONF_SLOTS_MIN, where the
 * last of a kind is found first by walking back, then through the slot
 * array: made in any order they print in schema order, a statement of one
 * case of a choice removes the other's, in either form; an annotation of
 * the root stays with its tree through conf_swap and conf_dup.
 *
 * And a copy's table (conf_dup fills it in bulk): every entry found in
 * the copy, and the copy and its source apart after edits to either.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "schema/conf_text.h"
#include "schema/edit.h"
#include "tests/lib/check_main.h"

static struct schema *S;

#define IFS 12
#define UNITS 400 /* 4,800 units: the table grows from 1,024 to 16,384 */

static void
apply(struct conf *c, const char *line)
{
	struct path_err err;

	sb_init(&err.msg);
	if (edit_apply_line(c, NULL, line, &err, NULL) != 0)
		ck_abort_msg("%s: %s", line, sb_str(&err.msg));
	sb_free(&err.msg);
}

static const struct snode *
kind(const struct cnode *parent, const char *name)
{
	const struct snode *sn = snode_child_named(parent->sn, name);

	ck_assert_ptr_nonnull(sn);
	return sn;
}

/* The interface entry ge-0/0/i, or NULL. */
static struct cnode *
ifd(struct conf *c, int i)
{
	struct cnode *ifs =
	    (struct cnode *)cnode_child(conf_root(c), "interfaces");
	char name[32];

	if (ifs == NULL)
		return NULL;
	snprintf(name, sizeof(name), "ge-0/0/%d", i);
	return conf_find(c, ifs, kind(ifs, "interface"), name);
}

/*
 * Every unit u of every interface is found, with its own parent and key,
 * exactly when want(i, u); and a unit's look-up under another interface
 * finds that interface's unit or nothing.
 */
static void
check_units(struct conf *c, bool (*want)(int i, int u))
{
	char key[16];

	for (int i = 0; i < IFS; i++) {
		struct cnode *d = ifd(c, i);
		for (int u = 0; u < UNITS; u++) {
			struct cnode *n = NULL;
			snprintf(key, sizeof(key), "%d", u);
			if (d != NULL)
				n = conf_find(c, d, kind(d, "unit"), key);
			if (!want(i, u)) {
				ck_assert_msg(
				    n == NULL, "ge-0/0/%d unit %d found", i, u);
				continue;
			}
			ck_assert_msg(
			    n != NULL, "ge-0/0/%d unit %d lost", i, u);
			ck_assert_ptr_eq(n->parent, d);
			ck_assert_str_eq(n->val, key);
		}
	}
}

static bool
want_all(int i, int u)
{
	return true;
}

/*
 * Every unit of every interface, interleaved, so neighbouring buckets hold
 * entries of different parents and removals move entries of other parents
 * back.
 */
static void
units_fill(struct conf *c)
{
	char line[160];

	for (int u = 0; u < UNITS; u++)
		for (int i = 0; i < IFS; i++) {
			snprintf(line, sizeof(line),
			    "set interfaces ge-0/0/%d unit %d family inet", i,
			    u);
			apply(c, line);
		}
}

/* ge-0/0/3 and ge-0/0/7 deleted, and every third unit of the others. */
static void
units_thin(struct conf *c)
{
	char line[160];

	apply(c, "delete interfaces ge-0/0/3");
	apply(c, "delete interfaces ge-0/0/7");
	for (int i = 0; i < IFS; i++)
		for (int u = 0; u < UNITS && i != 3 && i != 7; u += 3) {
			snprintf(line, sizeof(line),
			    "delete interfaces ge-0/0/%d unit %d", i, u);
			apply(c, line);
		}
}

/* Interfaces 3 and 7 deleted whole, every third unit of the others. */
static bool
want_thinned(int i, int u)
{
	return i != 3 && i != 7 && u % 3 != 0;
}

static bool
want_back(int i, int u)
{
	return i != 7 && (i == 3 || u % 3 != 0);
}

START_TEST(table_grow_remove_find)
{
	struct conf *c = conf_new(S);
	char line[160];

	units_fill(c);
	check_units(c, want_all);

	units_thin(c);
	check_units(c, want_thinned);
	ck_assert_ptr_null(ifd(c, 3));

	for (int u = UNITS; u-- > 0;) {
		snprintf(line, sizeof(line),
		    "set interfaces ge-0/0/3 unit %d description back", u);
		apply(c, line);
	}
	check_units(c, want_back);
	conf_free(c);
}
END_TEST

/*
 * The slot's last entry answers a look-up only for its own key: after a
 * move, a rename and a removal of the last entry, the others are found
 * through the table.
 */
START_TEST(table_last_entry)
{
	struct conf *c = conf_new(S);
	struct cnode *d, *n;
	const struct snode *unit;

	apply(c, "set interfaces ge-0/0/1 unit 1 family inet");
	apply(c, "set interfaces ge-0/0/1 unit 2 family inet");
	apply(c, "set interfaces ge-0/0/1 unit 3 family inet");
	d = ifd(c, 1);
	unit = kind(d, "unit");
	/* No entry of the kind yet: nothing, without the table. */
	ck_assert_ptr_null(
	    conf_find(c, ifd(c, 1), kind(d, "description"), "x"));
	apply(c, "set interfaces ge-0/0/2 description two");
	ck_assert_ptr_null(conf_find(c, ifd(c, 2), unit, "1"));

	ck_assert_str_eq(conf_find(c, d, unit, "3")->val, "3");
	apply(c, "insert interfaces ge-0/0/1 unit 3 before unit 1");
	ck_assert_str_eq(cnode_last(d)->val, "2");
	for (int u = 1; u <= 3; u++) {
		char key[4];
		snprintf(key, sizeof(key), "%d", u);
		n = conf_find(c, d, unit, key);
		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n->val, key);
	}
	apply(c, "rename interfaces ge-0/0/1 unit 2 to unit 9");
	ck_assert_ptr_null(conf_find(c, d, unit, "2"));
	ck_assert_str_eq(conf_find(c, d, unit, "9")->val, "9");
	apply(c, "delete interfaces ge-0/0/1 unit 9");
	ck_assert_ptr_null(conf_find(c, d, unit, "9"));
	ck_assert_str_eq(conf_find(c, d, unit, "1")->val, "1");
	ck_assert_str_eq(conf_find(c, d, unit, "3")->val, "3");
	conf_free(c);
}
END_TEST

static char *
tree_text(struct conf *c)
{
	struct sb t;

	sb_init(&t);
	conf_text_set(conf_root(c), &t);
	return sb_steal(&t);
}

#define GW "set security ike gateway G "

/* n addresses and four other kinds under gateway G, the kinds made in
 * reverse schema order (rev) or in schema order. */
static struct conf *
gateway(int n, bool rev)
{
	struct conf *c = conf_new(S);
	char line[128];

	if (rev) {
		apply(c, GW "nat-keepalive 5");
		apply(c, GW "no-nat-traversal");
		apply(c, GW "dead-peer-detection interval 10");
	} else {
		apply(c, GW "ike-policy P");
	}
	/* Leaf-list values keep the order they were made in. */
	for (int i = 1; i <= n; i++) {
		snprintf(line, sizeof(line), GW "address 10.0.0.%d", i);
		apply(c, line);
	}
	if (rev) {
		apply(c, GW "ike-policy P");
	} else {
		apply(c, GW "dead-peer-detection interval 10");
		apply(c, GW "no-nat-traversal");
		apply(c, GW "nat-keepalive 5");
	}
	return c;
}

START_TEST(kids_few_and_many)
{
	for (int n = 0; n <= 12; n++) {
		struct conf *a = gateway(n, true), *b = gateway(n, false);
		struct cnode *ike = (struct cnode *)cnode_child(
		    cnode_child(conf_root(a), "security"), "ike");
		struct cnode *g = conf_find(a, ike, kind(ike, "gateway"), "G");
		char *ta = tree_text(a), *tb = tree_text(b);

		ck_assert_ptr_nonnull(g);
		ck_assert_str_eq(ta, tb);
		ck_assert_str_eq(cnode_child_val(g, "ike-policy"), "P");
		ck_assert_str_eq(cnode_child_val(g, "nat-keepalive"), "5");
		ck_assert_uint_eq(
		    conf_count_kind(a, g, kind(g, "address")), (size_t)n);
		if (n > 0)
			ck_assert_str_eq(
			    cnode_child_val(g, "address"), "10.0.0.1");
		/* Schema order: the policy first, keepalive last. */
		ck_assert_ptr_nonnull(strstr(ta, "gateway G ike-policy P\n"));
		ck_assert_ptr_nonnull(strstr(ta, "nat-keepalive 5\n"));
		ck_assert_ptr_null(strstr(strstr(ta, "nat-keepalive"),
		    "\n"
		    "set"));
		free(ta);
		free(tb);

		/* The other case of the choice: every address goes. */
		apply(a, GW "dynamic hostname h.example");
		ta = tree_text(a);
		ck_assert_ptr_null(strstr(ta, "address"));
		ck_assert_ptr_nonnull(strstr(ta, "dynamic hostname h.example"));
		ck_assert_uint_eq(conf_count_kind(a, g, kind(g, "address")), 0);
		ck_assert_str_eq(cnode_child_val(g, "ike-policy"), "P");
		free(ta);
		/* And back: the dynamic container goes. */
		apply(a, GW "address 10.9.9.9");
		ta = tree_text(a);
		ck_assert_ptr_null(strstr(ta, "dynamic"));
		ck_assert_str_eq(cnode_child_val(g, "address"), "10.9.9.9");
		free(ta);
		conf_free(a);
		conf_free(b);
	}
}
END_TEST

START_TEST(kids_root_annotation)
{
	struct conf *a = conf_new(S), *b = conf_new(S), *d;

	apply(a, "set system host-name a");
	apply(b, "set system host-name b");
	conf_set_annot(a, conf_root(a), "tree a");
	conf_set_annot(
	    a, (struct cnode *)cnode_child(conf_root(a), "system"), "sys a");
	conf_swap(a, b);
	ck_assert_ptr_null(cnode_annot(conf_root(a)));
	ck_assert_str_eq(cnode_annot(conf_root(b)), "tree a");
	ck_assert_str_eq(
	    cnode_annot(cnode_child(conf_root(b), "system")), "sys a");
	d = conf_dup(b);
	conf_free(b);
	ck_assert_str_eq(cnode_annot(conf_root(d)), "tree a");
	ck_assert_str_eq(
	    cnode_annot(cnode_child(conf_root(d), "system")), "sys a");
	conf_set_annot(d, conf_root(d), NULL);
	ck_assert_ptr_null(cnode_annot(conf_root(d)));
	ck_assert_str_eq(
	    cnode_annot(cnode_child(conf_root(d), "system")), "sys a");
	conf_free(a);
	conf_free(d);
}
END_TEST

static bool
want_thinned_but_5(int i, int u)
{
	return want_thinned(i, u) && i != 5;
}

static bool
want_dup_edited(int i, int u)
{
	return want_thinned(i, u) && i != 5 && !(i == 2 && u % 3 == 1);
}

static bool
want_src_edited(int i, int u)
{
	return (want_thinned(i, u) || i == 3) && i != 9;
}

/*
 * A copy (conf_dup: its table filled in bulk, not entry by entry) finds
 * every entry by key under its own parent, keeps the order and the
 * deactivated marks, and goes on apart from its source: entries removed
 * and made in either are found, or not, in that one only.
 */
START_TEST(table_dup)
{
	struct conf *c = conf_new(S), *d;
	char line[160];
	char *tc, *td;
	struct cnode *n;

	units_fill(c);
	/* a table with entries moved back by removals, a moved entry */
	units_thin(c);
	apply(c, "insert interfaces ge-0/0/4 unit 398 before unit 1");
	n = conf_find(c, ifd(c, 6), kind(ifd(c, 6), "unit"), "7");
	conf_set_inactive(c, n, true);
	conf_set_inactive(c, ifd(c, 8), true);

	d = conf_dup(c);
	check_units(d, want_thinned);
	tc = tree_text(c);
	td = tree_text(d);
	ck_assert_str_eq(tc, td);
	ck_assert_ptr_nonnull(strstr(td,
	    "ge-0/0/4 unit 398 family inet\n"
	    "set interfaces ge-0/0/4 unit 1 "));
	free(tc);
	free(td);
	ck_assert_uint_eq(conf_count(d), conf_count(c));
	n = conf_find(d, ifd(d, 6), kind(ifd(d, 6), "unit"), "7");
	ck_assert_ptr_nonnull(n);
	ck_assert(n->flags & CN_INACTIVE);
	ck_assert(ifd(d, 8)->flags & CN_INACTIVE);
	ck_assert(!(ifd(d, 6)->flags & CN_INACTIVE));
	n = conf_find(d, ifd(d, 6), kind(ifd(d, 6), "unit"), "8");
	ck_assert(!(n->flags & CN_INACTIVE));

	/* the copy edited: removals take entries out of its own table */
	apply(d, "delete interfaces ge-0/0/5");
	for (int u = 1; u < UNITS; u += 3) {
		snprintf(line, sizeof(line),
		    "delete interfaces ge-0/0/2 unit %d", u);
		apply(d, line);
	}
	check_units(d, want_dup_edited);
	check_units(c, want_thinned);
	/* the source edited: the copy does not see it */
	apply(c, "delete interfaces ge-0/0/9");
	for (int u = 0; u < UNITS; u++) {
		snprintf(line, sizeof(line),
		    "set interfaces ge-0/0/3 unit %d family inet", u);
		apply(c, line);
	}
	check_units(c, want_src_edited);
	check_units(d, want_dup_edited);
	conf_free(c);
	/* and lives on without it */
	for (int u = 0; u < UNITS; u += 3) {
		snprintf(line, sizeof(line),
		    "set interfaces ge-0/0/2 unit %d family inet", u + 1);
		apply(d, line);
	}
	check_units(d, want_thinned_but_5);
	conf_free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_table");
	TCase *tc = tcase_create("conf_table");

	log_init("test_conf_table", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_grow_remove_find);
	tcase_add_test(tc, table_last_entry);
	tcase_add_test(tc, kids_few_and_many);
	tcase_add_test(tc, kids_root_annotation);
	tcase_add_test(tc, table_dup);
	suite_add_tcase(s, tc);
	int status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
