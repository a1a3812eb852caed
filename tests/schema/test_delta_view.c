/*
 * test_delta_view: iked's view of a change (schema/delta_view.c).  For a
 * configuration and a change to it, the view of the old tree with the
 * view's delta applied (by edit_apply_delta, as iked applies it) is the
 * view of the new tree: the same statements in the same order, where the
 * view is the tree without the zone-to-zone policies that do not tunnel.
 * A policy that gains `then permit tunnel` arrives whole, one that loses
 * it goes, a move of tunnel policies among firewall ones keeps their
 * order, and the view's delta names no firewall policy at all.  The
 * policies that stay firewall policies are named F*, so that last check
 * is a search for "policy F".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lib/log.h"
#include "schema/conf_diff.h"
#include "schema/conf_text.h"
#include "schema/delta_view.h"
#include "schema/edit.h"
#include "schema/schema.h"
#include "tests/lib/check_main.h"

static struct schema *S;
/* the subtrees: the whole configuration (iked's are mgd's business) */
static const char *const all[] = { "security" };

#define CTX "set security policies from-zone trust to-zone untrust "
#define RCTX "set security policies from-zone untrust to-zone trust "

static const char base_text[] =
    "set security address-book global address A1 10.1.0.0/16\n"
    "set security address-book global address A2 10.2.0.0/16\n"
    "set security policies default-policy deny-all\n" CTX
    "policy F1 match source-address A1\n" CTX "policy F1 then permit\n" CTX
    "policy T1 match source-address A1\n" CTX
    "policy T1 then permit tunnel ipsec-vpn V1\n" CTX
    "policy J1 match source-address A2\n" CTX "policy J1 then permit\n" CTX
    "policy F2 then deny\n" CTX "policy L1 match source-address A2\n" CTX
    "policy L1 then permit tunnel ipsec-vpn V2\n" CTX
    "policy T2 then permit tunnel ipsec-vpn V3\n" CTX
    "policy F3 then permit\n" RCTX "policy F4 then permit\n" RCTX
    "policy T3 then permit tunnel ipsec-vpn V1\n" RCTX
    "policy T3 then permit tunnel pair-policy T1\n"
    "set security ike proposal P1 dh-group group14\n";

static const struct {
	const char *name;
	const char *change;
} cases[] = {
	{ "gain", CTX "policy J1 then permit tunnel ipsec-vpn V4\n" },
	{ "gain, moved first",
	    CTX "policy J1 then permit tunnel ipsec-vpn V4\n"
		"insert security policies from-zone trust to-zone untrust"
		" policy J1 before policy F1\n" },
	{ "lose",
	    "delete security policies from-zone trust to-zone untrust"
	    " policy L1 then permit tunnel\n" },
	{ "lose to deny", CTX "policy L1 then deny\n" },
	{ "deleted",
	    "delete security policies from-zone trust to-zone"
	    " untrust policy L1\n" },
	{ "firewall only",
	    CTX "policy F1 match destination-address A2\n"
		"delete security policies from-zone trust to-zone untrust"
		" policy F2\n" CTX "policy F9 then permit\n" },
	{ "address",
	    "set security address-book global address A1"
	    " 10.9.0.0/16\n" },
	{ "tunnel changed", CTX "policy T1 match destination-address A2\n" },
	{ "moves",
	    "insert security policies from-zone trust to-zone untrust"
	    " policy T2 before policy F1\n"
	    "insert security policies from-zone trust to-zone untrust"
	    " policy F2 before policy T1\n" },
	{ "firewall moved past tunnels",
	    "insert security policies from-zone trust to-zone untrust"
	    " policy F1 after policy F3\n" },
	{ "new contexts",
	    "set security policies from-zone dmz to-zone untrust policy F5"
	    " then permit\n"
	    "set security policies from-zone dmz to-zone trust policy J5"
	    " then permit tunnel ipsec-vpn V5\n"
	    "set security policies from-zone dmz to-zone trust policy F6"
	    " then permit\n"
	    "set security policies from-zone a to-zone b policy J6"
	    " then permit tunnel ipsec-vpn V6\n" },
	{ "gains around the ones that stay",
	    CTX "policy J1 then permit tunnel ipsec-vpn V4\n" CTX
		"policy J2 then permit tunnel ipsec-vpn V5\n" CTX
		"policy J3 then permit tunnel ipsec-vpn V6\n"
		"insert security policies from-zone trust to-zone untrust"
		" policy J3 before policy F1\n" CTX "policy F7 then permit\n" },
	{ "lose, gain and move",
	    CTX "policy L1 then deny\n" CTX
		"policy J1 then permit tunnel ipsec-vpn V4\n"
		"insert security policies from-zone trust to-zone untrust"
		" policy T1 after policy F3\n"
		"insert security policies from-zone trust to-zone untrust"
		" policy J1 before policy F1\n" },
	{ "deactivated",
	    "deactivate security policies from-zone trust to-zone untrust"
	    " policy T1\n"
	    "deactivate security policies from-zone trust to-zone untrust"
	    " policy F1\n"
	    "deactivate security policies from-zone trust to-zone untrust"
	    " policy T2 then permit tunnel\n" },
	{ "annotated",
	    "annotate security policies from-zone trust to-zone untrust"
	    " policy T1 \"to site 1\"\n"
	    "annotate security policies from-zone trust to-zone untrust"
	    " policy F1 \"web\"\n" },
	{ "context deleted",
	    "delete security policies from-zone trust"
	    " to-zone untrust\n" },
	{ "all policies deleted", "delete security policies\n" },
};

static char *
set_text(struct conf *c)
{
	struct sb out;

	sb_init(&out);
	conf_text_set(conf_root(c), &out);
	return sb_steal(&out);
}

/* c without the zone-to-zone policies that have no then permit tunnel. */
static struct conf *
view(struct conf *c)
{
	struct conf *v = conf_dup(c);
	const struct snode *sec = snode_child(schema_root(S), "security");
	const struct snode *pols = snode_child(sec, "policies");
	const struct snode *ctx = snode_child_named(pols, "policy");
	const struct snode *pol = snode_child_named(ctx, "policy");
	struct cnode *n = conf_find(v, conf_root(v), sec, NULL);

	n = n ? conf_find(v, n, pols, NULL) : NULL;
	for (struct cnode *x = n ? n->first : NULL; x; x = x->next) {
		if (x->sn != ctx)
			continue;
		for (struct cnode *p = x->first, *next; p; p = next) {
			next = p->next;
			struct cnode *t =
			    conf_find(v, p, snode_child(pol, "then"), NULL);
			t = t ? conf_find(
				    v, t, snode_child(t->sn, "permit"), NULL)
			      : NULL;
			t = t ? conf_find(
				    v, t, snode_child(t->sn, "tunnel"), NULL)
			      : NULL;
			if (p->sn == pol && t == NULL)
				conf_remove(v, p);
		}
	}
	return v;
}

static void
apply(struct conf *c, const char *text, const char *what)
{
	struct path_err err;
	size_t bad = 0;

	sb_init(&err.msg);
	ck_assert_msg(edit_apply_delta(c, text, strlen(text), &err, &bad) == 0,
	    "%s: line %zu: %s\n%s", what, bad, sb_str(&err.msg), text);
	sb_free(&err.msg);
}

static void
same_view(
    struct conf *got, struct conf *want, const char *what, const char *delta)
{
	char *g = set_text(got), *w = set_text(want);

	ck_assert_msg(strcmp(g, w) == 0,
	    "%s: the view is\n%s\nnot\n%s\nfrom the delta\n%s", what, g, w,
	    delta);
	free(g);
	free(w);
}

START_TEST(change)
{
	struct conf *o = conf_new(S), *n, *vo, *vn;
	struct path_err err;
	struct diff d = { 0 };
	struct sb full, part;
	size_t bad;

	sb_init(&err.msg);
	ck_assert_int_eq(edit_apply_trusted(o, NULL, base_text,
			     strlen(base_text), &err, &bad, NULL),
	    0);
	conf_clean(o);
	n = conf_dup(o);
	ck_assert_msg(edit_apply_trusted(n, NULL, cases[_i].change,
			  strlen(cases[_i].change), &err, &bad, NULL) == 0,
	    "%s: line %zu: %s", cases[_i].name, bad, sb_str(&err.msg));
	sb_free(&err.msg);
	sb_init(&full);
	sb_init(&part);
	conf_diff(o, n, true, &d);
	diff_delta_text(&d, &full);
	diff_free(&d);
	delta_view_tunnels(full.buf, full.len, all, 1, o, n, &part);
	ck_assert_msg(strstr(sb_str(&part), "policy F") == NULL,
	    "%s: a firewall policy is sent:\n%s", cases[_i].name,
	    sb_str(&part));
	vo = view(o);
	vn = view(n);
	apply(vo, sb_str(&part), cases[_i].name);
	same_view(vo, vn, cases[_i].name, sb_str(&part));
	conf_free(vo);
	conf_free(vn);
	conf_free(n);
	conf_free(o);
	sb_free(&full);
	sb_free(&part);
}
END_TEST

/* A daemon's first configuration: the whole text, nothing before it. */
START_TEST(first)
{
	struct conf *n = conf_new(S), *v = conf_new(S), *want;
	struct path_err err;
	struct sb part;
	size_t bad;
	char *text;

	sb_init(&err.msg);
	ck_assert_int_eq(edit_apply_trusted(n, NULL, base_text,
			     strlen(base_text), &err, &bad, NULL),
	    0);
	ck_assert_int_eq(edit_apply_trusted(n, NULL, cases[_i].change,
			     strlen(cases[_i].change), &err, &bad, NULL),
	    0);
	sb_free(&err.msg);
	text = set_text(n);
	sb_init(&part);
	delta_view_tunnels(text, strlen(text), all, 1, NULL, n, &part);
	ck_assert(strstr(sb_str(&part), "policy F") == NULL);
	apply(v, sb_str(&part), cases[_i].name);
	want = view(n);
	same_view(v, want, cases[_i].name, sb_str(&part));
	free(text);
	sb_free(&part);
	conf_free(want);
	conf_free(v);
	conf_free(n);
}
END_TEST

/* Without policies the text goes as it is. */
START_TEST(no_policies)
{
	static const char text[] =
	    "set security ike proposal P1 dh-group group14\n"
	    "delete security ike proposal P2\n";
	struct conf *o = conf_new(S), *n = conf_new(S);
	struct sb part;

	sb_init(&part);
	delta_view_tunnels(text, strlen(text), all, 1, o, n, &part);
	ck_assert_str_eq(sb_str(&part), text);
	sb_free(&part);
	conf_free(o);
	conf_free(n);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("delta_view");
	TCase *tc = tcase_create("view");
	int status;
	int ncases = (int)(sizeof(cases) / sizeof(cases[0]));

	log_init("test_delta_view", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_add_loop_test(tc, change, 0, ncases);
	tcase_add_loop_test(tc, first, 0, ncases);
	tcase_add_test(tc, no_policies);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
