/*
 * test_nftm: the counts hostd carries into the rules it loads (hostd/nftm.c).
 * A policy's rules in a bucket chain end in `comment "p_<hash>"` (its tag,
 * hostd/policy.c): its first own counter starts from the tag's count,
 * whatever chain holds it; an untagged rule from its chain's, as before.
 * And a patch that declares or deletes a set (test_patch_set); the uses a
 * model keeps (test_uses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "hostd/nftm.h"
#include "lib/sb.h"
#include "tests/lib/check_main.h"

static json_t *
carry_new(void)
{
	return json_pack("{s:[i,i], s:[i,i], s:[i,i]}", "p_aaaa", 5, 500,
	    "p_bbbb", 7, 700, "p_chain", 3, 300);
}

START_TEST(test_carry_tags)
{
	const char *txn =
	    "flush chain inet T p_bx\n"
	    "add rule inet T p_bx ip saddr 10.0.0.1 counter"
	    " accept comment \"p_aaaa\"\n"
	    "add rule inet T p_bx meta l4proto tcp counter reject"
	    " with tcp reset comment \"p_bbbb\"\n"
	    "add rule inet T p_bx counter drop comment \"p_bbbb\"\n"
	    "add rule inet T p_bx counter accept comment \"p_new\"\n";
	json_t *carry = carry_new();
	struct sb out;

	sb_init(&out);
	nftm_carry(txn, "T", carry, &out);
	ck_assert_str_eq(sb_str(&out),
	    "flush chain inet T p_bx\n"
	    "add rule inet T p_bx ip saddr 10.0.0.1 counter packets 5 bytes"
	    " 500 accept comment \"p_aaaa\"\n"
	    "add rule inet T p_bx meta l4proto tcp counter packets 7 bytes 700"
	    " reject with tcp reset comment \"p_bbbb\"\n"
	    "add rule inet T p_bx counter drop comment \"p_bbbb\"\n"
	    "add rule inet T p_bx counter accept comment \"p_new\"\n");
	sb_free(&out);
	json_decref(carry);
}
END_TEST

/* An untagged rule (a global policy's chain) counts from its chain's. */
START_TEST(test_carry_chain)
{
	const char *txn = "add rule inet T p_chain counter accept\n"
			  "add rule inet T p_chain counter drop\n";
	json_t *carry = carry_new();
	struct sb out;

	sb_init(&out);
	nftm_carry(txn, "T", carry, &out);
	ck_assert_str_eq(sb_str(&out),
	    "add rule inet T p_chain counter packets 3 bytes 300 accept\n"
	    "add rule inet T p_chain counter drop\n");
	sb_free(&out);
	json_decref(carry);
}
END_TEST

/* What only looks like a tag is none: nothing carried, nothing read
 * outside the line. */
START_TEST(test_carry_not_tags)
{
	char long_tag[300];
	struct sb txn, out;
	json_t *carry = carry_new();

	memset(long_tag, 'a', sizeof(long_tag) - 1);
	long_tag[sizeof(long_tag) - 1] = '\0';
	sb_init(&txn);
	sb_init(&out);
	sb_puts(&txn,
	    "add rule inet T p_bx counter accept comment \"\n"
	    "add rule inet T p_bx counter accept \"p_aaaa\"\n"
	    "add rule inet T p_bx counter accept comment p_aaaa\"\n"
	    "\"\n");
	sb_printf(&txn, "add rule inet T p_bx counter accept comment \"%s\"\n",
	    long_tag);
	nftm_carry(sb_str(&txn), "T", carry, &out);
	ck_assert_str_eq(sb_str(&out), sb_str(&txn));
	sb_free(&txn);
	sb_free(&out);
	json_decref(carry);
}
END_TEST

/* The whole table: tagged rules start from their tag's count once. */
START_TEST(test_text_tags)
{
	struct nftm *m = nftm_new();
	json_t *carry = carry_new();
	struct sb out;

	nftm_chain(m, "p_by", NULL);
	nftm_rules(m, "p_by",
	    "counter accept comment \"p_bbbb\"\n"
	    "counter accept comment \"p_aaaa\"\n"
	    "counter drop comment \"p_bbbb\"\n");
	sb_init(&out);
	nftm_text(m, "T", carry, &out);
	ck_assert_ptr_nonnull(strstr(sb_str(&out),
	    "\t\tcounter packets 7 bytes 700 accept comment \"p_bbbb\"\n"
	    "\t\tcounter packets 5 bytes 500 accept comment \"p_aaaa\"\n"
	    "\t\tcounter drop comment \"p_bbbb\"\n"));
	sb_free(&out);
	json_decref(carry);
	nftm_free(m);
}
END_TEST

/* Where needle is in hay (-1: not there). */
static long
at(const struct sb *hay, const char *needle)
{
	const char *p = strstr(sb_str((struct sb *)hay), needle);

	return p ? (long)(p - sb_str((struct sb *)hay)) : -1;
}

/*
 * A patch that declares a map (a policy context's from-zone gains its first
 * context: policy_patch.c): the map is added before the rule and the
 * elements that name it, and the patched model is the one built whole; a
 * patch that deletes it empties it first and deletes it after the chain
 * whose rule names it, leaving the model as it was.
 */
START_TEST(test_patch_set)
{
	struct nftm *m = nftm_new(), *whole = nftm_new(), *p = nftm_new();
	struct sb txn, a, b, first;

	for (struct nftm *x = m; x != NULL; x = x == m ? whole : NULL)
		nftm_set(x, "fwd_from", "type ifname : verdict", false);
	nftm_set(whole, "to_a", "type ifname : verdict", false);
	nftm_chain(whole, "f_a", NULL);
	nftm_rules(whole, "f_a", "oifname vmap @to_a\n");
	nftm_chain(whole, "ctx", NULL);
	nftm_rules(whole, "ctx", "accept\n");
	nftm_elem(whole, "to_a", "\"d1\"", "jump ctx");
	nftm_elem(whole, "fwd_from", "\"d0\"", "jump f_a");
	sb_init(&txn);
	sb_init(&a);
	sb_init(&b);
	sb_init(&first);
	nftm_canon(m, &first);

	nftm_patch_elem(p, "to_a", "\"d1\"", "jump ctx");
	nftm_patch_set(p, "to_a", "type ifname : verdict");
	nftm_patch_chain(p, "f_a", "oifname vmap @to_a\n");
	nftm_patch_chain(p, "ctx", "accept\n");
	nftm_patch_elem(p, "fwd_from", "\"d0\"", "jump f_a");
	nftm_patch_delta(m, p, "T", &txn);
	long add = at(&txn, "add map inet T to_a { type ifname : verdict; }\n");
	ck_assert_int_ge(add, 0);
	ck_assert_int_gt(
	    at(&txn, "add rule inet T f_a oifname vmap @to_a"), add);
	ck_assert_int_gt(
	    at(&txn, "add element inet T to_a { \"d1\" : jump ctx }"), add);
	nftm_patch_apply(m, p);
	nftm_canon(m, &a);
	nftm_canon(whole, &b);
	ck_assert_str_eq(sb_str(&a), sb_str(&b));
	nftm_free(p);

	p = nftm_new();
	nftm_patch_set(p, "to_a", NULL);
	nftm_patch_chain(p, "f_a", NULL);
	nftm_patch_chain(p, "ctx", NULL);
	nftm_patch_elem(p, "fwd_from", "\"d0\"", NULL);
	sb_reset(&txn);
	nftm_patch_delta(m, p, "T", &txn);
	long flush = at(&txn, "flush map inet T to_a\n");
	long drop = at(&txn, "delete map inet T to_a\n");
	ck_assert_int_ge(flush, 0);
	ck_assert_int_gt(drop, at(&txn, "delete chain inet T f_a\n"));
	ck_assert_int_gt(at(&txn, "delete chain inet T f_a\n"), flush);
	ck_assert_int_lt(
	    at(&txn, "delete element inet T fwd_from { \"d0\" }"), drop);
	nftm_patch_apply(m, p);
	sb_reset(&a);
	nftm_canon(m, &a);
	ck_assert_str_eq(sb_str(&a), sb_str(&first));
	nftm_free(p);
	nftm_free(m);
	nftm_free(whole);
	sb_free(&txn);
	sb_free(&a);
	sb_free(&b);
	sb_free(&first);
}
END_TEST

/*
 * The uses a model keeps (nftm_use): each name's users found again past
 * the first table's growth (5,000 names), a user named by several names,
 * a patch's uses added to the model once each (nftm_patch_apply), and
 * nftm_uses_cover telling a model that misses one.
 */
START_TEST(test_uses)
{
	struct nftm *m = nftm_new(), *p = nftm_new(), *full = nftm_new();
	char name[32], user[32];
	struct sb miss;
	json_t *u;

	sb_init(&miss);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "p\nA-%d", i);
		snprintf(user, sizeof(user), "ctx\nP-%d", i);
		nftm_use(m, name, user);
		nftm_use(m, "p\nshared", user);
	}
	u = nftm_users(m, "p\nA-4321");
	ck_assert_int_eq(json_object_size(u), 1);
	ck_assert_ptr_nonnull(json_object_get(u, "ctx\nP-4321"));
	json_decref(u);
	u = nftm_users(m, "p\nshared");
	ck_assert_int_eq(json_object_size(u), 5000);
	json_decref(u);
	u = nftm_users(m, "p\nA-5000");
	ck_assert_int_eq(json_object_size(u), 0);
	json_decref(u);
	/* a patch: a use new, one the model has */
	nftm_use(p, "p\nA-1", "ctx\nP-9");
	nftm_use(p, "p\nA-1", "ctx\nP-1");
	nftm_use(full, "p\nA-1", "ctx\nP-9");
	ck_assert(!nftm_uses_cover(m, full, &miss));
	ck_assert_ptr_nonnull(strstr(sb_str(&miss), "ctx\nP-9"));
	nftm_patch_apply(m, p);
	nftm_patch_apply(m, p);
	u = nftm_users(m, "p\nA-1");
	ck_assert_int_eq(json_object_size(u), 2);
	json_decref(u);
	ck_assert(nftm_uses_cover(m, full, &miss));
	nftm_free(m);
	nftm_free(p);
	nftm_free(full);
	sb_free(&miss);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("nftm");
	TCase *tc = tcase_create("carry");

	tcase_add_test(tc, test_carry_tags);
	tcase_add_test(tc, test_carry_chain);
	tcase_add_test(tc, test_carry_not_tags);
	tcase_add_test(tc, test_text_tags);
	tcase_add_test(tc, test_patch_set);
	tcase_add_test(tc, test_uses);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
