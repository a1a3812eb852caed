/*
 * Configuration groups (schema/group.h): the inheritance order Junos
 * documents, wildcards, apply-groups-except, inactive groups, and the
 * incremental expansion giving exactly what a full one gives, edit after
 * edit, across commits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/conf_text.h"
#include "schema/edit.h"
#include "schema/group.h"
#include "tests/lib/check_main.h"

static struct schema *S;

static void
apply(struct conf *c, const char *line)
{
	struct path_err err;

	sb_init(&err.msg);
	if (edit_apply_line(c, NULL, line, &err, NULL) == -1)
		ck_abort_msg("%s: %s", line, sb_str(&err.msg));
	sb_free(&err.msg);
}

/* The expanded tree of c in curly form with the inheritance comments. */
static char *
expand_full(struct conf *c)
{
	struct grp *g = grp_new(S);
	struct sb out;

	sb_init(&out);
	grp_sync(g, c, true, NULL);
	conf_text_curly(conf_root(grp_tree(g)), 0, &out);
	grp_free(g);
	return sb_steal(&out);
}

static char *
tree_text(struct grp *g)
{
	struct sb out;

	sb_init(&out);
	conf_text_curly(conf_root(grp_tree(g)), 0, &out);
	return sb_steal(&out);
}

static const char *
leaf_of(struct conf *x, const char *line)
{
	static char buf[256];
	struct sb out;
	char *text;
	const char *p;

	sb_init(&out);
	conf_text_set(conf_root(x), &out);
	text = sb_steal(&out);
	p = strstr(text, line);
	buf[0] = '\0';
	if (p != NULL) {
		size_t n = strcspn(p + strlen(line), "\n");
		snprintf(buf, sizeof(buf), "%.*s", (int)n, p + strlen(line));
	}
	free(text);
	return buf;
}

START_TEST(order)
{
	struct conf *c = conf_new(S);
	struct grp *g = grp_new(S);

	/* local wins; the first group listed wins; the nearer level wins */
	apply(c, "set groups A security ike proposal P lifetime-seconds 1000");
	apply(c, "set groups A security ike proposal P dh-group group14");
	apply(c, "set groups B security ike proposal P lifetime-seconds 2000");
	apply(c, "set groups B security ike proposal P dh-group group19");
	apply(c,
	    "set groups B security ike proposal P authentication-method"
	    " rsa-signatures");
	apply(c, "set groups C security ike proposal <*> dh-group group20");
	apply(c, "set apply-groups [ A B ]");
	apply(c, "set security ike proposal P lifetime-seconds 600");
	grp_sync(g, c, false, NULL);
	ck_assert_str_eq(
	    leaf_of(grp_tree(g), "security ike proposal P lifetime-seconds "),
	    "600");
	ck_assert_str_eq(
	    leaf_of(grp_tree(g), "security ike proposal P dh-group "),
	    "group14");
	ck_assert_str_eq(leaf_of(grp_tree(g),
			     "security ike proposal P authentication-method "),
	    "rsa-signatures");
	/* C applied at the proposal itself beats A and B applied above */
	apply(c, "set security ike proposal P apply-groups C");
	grp_sync(g, c, false, NULL);
	ck_assert_str_eq(
	    leaf_of(grp_tree(g), "security ike proposal P dh-group "),
	    "group20");
	/* ... unless it is excepted there; then A again */
	apply(c, "delete security ike proposal P apply-groups");
	apply(c, "set security ike proposal P apply-groups-except A");
	grp_sync(g, c, false, NULL);
	ck_assert_str_eq(
	    leaf_of(grp_tree(g), "security ike proposal P dh-group "),
	    "group19");
	/* an inactive group is not inherited */
	apply(c, "deactivate groups B");
	grp_sync(g, c, false, NULL);
	ck_assert_str_eq(
	    leaf_of(grp_tree(g), "security ike proposal P dh-group "), "");
	/* a wildcard entry adds to entries and creates none */
	apply(c, "set apply-groups C");
	grp_sync(g, c, false, NULL);
	ck_assert_str_eq(
	    leaf_of(grp_tree(g), "security ike proposal P dh-group "),
	    "group20");
	ck_assert_str_eq(leaf_of(grp_tree(g), "<*>"), "");
	grp_free(g);
	conf_free(c);
}
END_TEST

/* Edits in any order: the incremental tree equals a full expansion. */
static const char *const edits[] = {
	"set groups G security ike gateway <*> version v2-only",
	"set groups G security ike gateway <GW1*> dead-peer-detection interval "
	"20",
	"set groups G security ike gateway GW9 address 192.0.2.9",
	"set groups G security ike proposal <*> lifetime-seconds 3600",
	"set groups H security ike gateway <*> version v1-only",
	"set groups H security ike gateway <*> address 192.0.2.200",
	"set groups H interfaces <ge-*> mtu 1400",
	"delete groups G security ike gateway <*>",
	"delete groups H",
	"deactivate groups G",
	"activate groups G",
	"set apply-groups G",
	"set apply-groups H",
	"delete apply-groups",
	"set apply-groups-except H",
	"set security ike gateway GW1 address 192.0.2.1",
	"set security ike gateway GW10 address 192.0.2.10",
	"set security ike gateway GW2 address 192.0.2.2",
	"set security ike gateway GW2 apply-groups H",
	"set security ike gateway GW1 apply-groups-except G",
	"delete security ike gateway GW1 apply-groups-except",
	"delete security ike gateway GW1",
	"set security ike gateway GW10 version v1-only",
	"delete security ike gateway GW10 version",
	"set security ike proposal P1 dh-group group14",
	"set interfaces ge-0/0/1 unit 0 family inet address 192.0.2.50/24",
	"set interfaces ge-0/0/1 mtu 9000",
	"delete interfaces ge-0/0/1 mtu",
	"deactivate security ike gateway GW2",
	"activate security ike gateway GW2",
	"set security ike apply-groups G",
	"delete security ike apply-groups",
	"insert security ike gateway GW2 before gateway GW10",
	"set security ike gateway GW2 address 192.0.2.22",
	"set groups H security ike gateway <*> address 192.0.2.201",
	"set groups G security ike gateway <GW1*> dead-peer-detection interval "
	"21",
	"deactivate groups G security ike gateway <*> version",
	"activate groups G security ike gateway <*> version",
	"set groups G security ike gateway GW9 version v1-only",
	"set groups G security ike gateway <*> version v1-only",
	"set groups H security ike proposal P1 dh-group group19",
	"set security ike proposal P1 lifetime-seconds 600",
};

START_TEST(incremental)
{
	size_t ne = sizeof(edits) / sizeof(*edits);

	srandom(1234);
	for (int run = 0; run < 300; run++) {
		struct conf *c = conf_new(S);
		struct grp *g = grp_new(S);
		for (int step = 0; step < 60; step++) {
			struct path_err err;
			sb_init(&err.msg);
			const char *e = edits[random() % ne];
			if (getenv("GROUP_TRACE"))
				fprintf(stderr, "%d.%d %s\n", run, step, e);
			(void)edit_apply_line(c, NULL, e, &err, NULL);
			sb_free(&err.msg);
			if (random() % 3 != 0)
				continue;
			grp_sync(g, c, false, NULL);
			char *got = tree_text(g), *want = expand_full(c);
			ck_assert_msg(strcmp(got, want) == 0,
			    "run %d step %d:\n--- incremental\n%s--- full\n%s",
			    run, step, got, want);
			free(got);
			free(want);
			if (random() % 2 == 0) {
				/* a commit: both trees are clean again */
				if (getenv("GROUP_TRACE"))
					fprintf(stderr, "clean\n");
				conf_clean(c);
				conf_clean(grp_tree(g));
			}
		}
		grp_free(g);
		conf_free(c);
	}
}
END_TEST

START_TEST(strip)
{
	struct sb t;

	sb_init(&t);
	sb_puts(&t,
	    "a {\n    ##\n    ## 'x' was inherited from group 'g'\n"
	    "    ##\n    b x; ## SECRET-DATA\n}\n");
	grp_strip_comments(&t);
	ck_assert_str_eq(sb_str(&t), "a {\n    b x; ## SECRET-DATA\n}\n");
	sb_free(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("group");
	TCase *tc = tcase_create("group");
	int status;

	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, order);
	tcase_add_test(tc, incremental);
	tcase_add_test(tc, strip);
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
