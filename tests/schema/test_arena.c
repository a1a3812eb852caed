/*
 * test_arena: the memory of a configuration tree (schema/arena.c) and the
 * tree operations that lean on it.  A released block comes back zeroed and
 * is handed out again before new memory is; a released value is wiped at
 * once (the secrets among them); blocks too big for a chunk work the same;
 * a tree copied, edited, swapped and freed keeps every node and value it
 * should and shares nothing with its copy.
 */
#include <check.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "schema/arena.h"
#include "schema/conf_text.h"
#include "schema/edit.h"
#include "tests/lib/check_main.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_TEST_ASAN 1
#endif
#endif

static struct schema *S;

static bool
is_zero(const char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i] != 0)
			return false;
	return true;
}

START_TEST(arena_reuse_zeroed)
{
	struct arena a;
	char *p, *q, *r;

	arena_init(&a, false);
	p = arena_alloc(&a, 96);
	ck_assert_ptr_nonnull(p);
	ck_assert(is_zero(p, 0, 96));
	memset(p, 0x5a, 96);
	q = arena_alloc(&a, 96);
	ck_assert_ptr_ne(p, q);
	ck_assert_uint_eq(arena_inuse(&a), 192);
	arena_release(&a, p, 96);
	ck_assert_uint_eq(arena_inuse(&a), 96);
	/* The block of that size comes back, zeroed, before new memory. */
	r = arena_alloc(&a, 90);
	ck_assert_ptr_eq(r, p);
	ck_assert(is_zero(r, 0, 96));
	ck_assert_ptr_null(arena_alloc(&a, 0));
	arena_fini(&a);
}
END_TEST

START_TEST(arena_wipes_released_value)
{
	struct arena a;
	const char *secret = "$9$hidden-but-decodable-key-text";
	size_t len = strlen(secret) + 1;
	char *s, *again;

	arena_init(&a, true);
	s = arena_strdup(&a, secret);
	ck_assert_str_eq(s, secret);
	arena_release_str(&a, s);
	/*
	 * Handed out again, only its first word (the free list's link) is
	 * zeroed by the allocation: the rest was wiped by the release.
	 */
	again = arena_alloc(&a, len);
	ck_assert_ptr_eq(again, s);
	ck_assert(is_zero(again, 0, len));
	arena_fini(&a);
}
END_TEST

START_TEST(arena_big_blocks)
{
	struct arena a;
	char *b1, *b2, *small;

	arena_init(&a, true);
	b1 = arena_alloc(&a, ARENA_MAX + 1);
	b2 = arena_alloc(&a, 64 * 1024);
	small = arena_alloc(&a, 16);
	ck_assert(is_zero(b1, 0, ARENA_MAX + 1));
	ck_assert(is_zero(b2, 0, 64 * 1024));
	memset(b1, 1, ARENA_MAX + 1);
	memset(b2, 2, 64 * 1024);
	ck_assert_uint_eq(arena_inuse(&a), ARENA_MAX + 1 + 64 * 1024 + 16);
	arena_release(&a, b1, ARENA_MAX + 1);
	ck_assert_uint_eq(arena_inuse(&a), 64 * 1024 + 16);
	arena_release(&a, small, 16);
	arena_fini(&a); /* b2 goes with the arena */
	ck_assert_uint_eq(arena_inuse(&a), 0);
}
END_TEST

static void
apply(struct conf *c, const char *line)
{
	struct path_err err;

	sb_init(&err.msg);
	if (edit_apply_line(c, NULL, line, &err, NULL) != 0)
		ck_abort_msg("%s: %s", line, sb_str(&err.msg));
	sb_free(&err.msg);
}

static char *
tree_text(struct conf *c)
{
	struct sb t;

	sb_init(&t);
	conf_text_set(conf_root(c), &t);
	return sb_steal(&t);
}

#define UNITS 6000 /* > 2 MB of nodes: the huge-page chunks too */

static void
unit_line(char *buf, size_t len, const char *cmd, int u)
{
	snprintf(buf, len,
	    "%s interfaces ge-0/0/1 unit %d family inet address 10.%d.%d.1/24",
	    cmd, u, u / 250, u % 250);
}

/* Resident memory of this process, in KB. */
static long
rss_kb(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &res), 2);
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * With chunks from the heap (mgd: arena_chunks_from_heap), a tree takes
 * the memory a freed text left in the heap instead of fresh memory, and
 * its blocks still come zeroed though that memory was written.  (Under
 * AddressSanitizer freed memory is held apart, so only the zeroing is
 * checked there.)
 */
START_TEST(arena_heap_reuses_freed)
{
	const size_t text = 32u << 20, tree = 16u << 20, blk = 512;
	struct arena a;
	char *big;
	long r0, r1;

	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	arena_chunks_from_heap(true);
	big = xmalloc(text);
	memset(big, 0x5a, text);
	free(big);
	r0 = rss_kb();
	arena_init(&a, false);
	for (size_t i = 0; i < tree / blk; i++) {
		char *p = arena_alloc(&a, blk);
		ck_assert_msg(is_zero(p, 0, blk), "block %zu not zero", i);
		p[0] = 1;
	}
	r1 = rss_kb();
#ifndef ARENA_TEST_ASAN
	ck_assert_msg(r1 - r0 < (long)(tree / 1024 / 4),
	    "a 16 MB tree took %ld KB of new memory", r1 - r0);
#else
	(void)r0;
	(void)r1;
#endif
	arena_fini(&a);
	arena_chunks_from_heap(false);
}
END_TEST

START_TEST(conf_copy_edit_swap)
{
	struct conf *c = conf_new(S), *d;
	char line[160], *t0, *t1;
	struct sb curly;
	size_t n0;

	for (int u = 0; u < UNITS; u++) {
		unit_line(line, sizeof(line), "set", u);
		apply(c, line);
	}
	apply(c,
	    "set security ike policy P pre-shared-key ascii-text "
	    "\"k3y material\"");
	n0 = conf_count(c);
	ck_assert_uint_ge(n0, (size_t)UNITS * 4);
	t0 = tree_text(c);
	ck_assert_ptr_null(strstr(t0, "k3y material"));

	d = conf_dup(c);
	ck_assert_uint_eq(conf_count(d), n0);
	t1 = tree_text(d);
	ck_assert_str_eq(t0, t1);
	free(t1);

	/* Half the units out and back in: the copy's own memory reused. */
	for (int u = 0; u < UNITS; u += 2) {
		snprintf(line, sizeof(line),
		    "delete interfaces ge-0/0/1 unit %d", u);
		apply(d, line);
	}
	ck_assert_uint_eq(conf_count(d), n0 - (UNITS / 2) * 4);
	apply(d, "delete security ike policy P");
	for (int u = 0; u < UNITS; u += 2) {
		unit_line(line, sizeof(line), "set", u);
		apply(d, line);
	}
	apply(d, "annotate interfaces ge-0/0/1 \"uplink\"");
	/* security, ike, policy P, pre-shared-key, ascii-text */
	ck_assert_uint_eq(conf_count(d), n0 - 5);
	/* The original is untouched by edits of its copy. */
	t1 = tree_text(c);
	ck_assert_str_eq(t0, t1);
	free(t1);

	conf_swap(c, d);
	ck_assert_uint_eq(conf_count(d), n0);
	t1 = tree_text(d);
	ck_assert_str_eq(t0, t1);
	free(t1);
	t1 = tree_text(c);
	ck_assert_ptr_null(strstr(t1, "pre-shared-key"));
	free(t1);
	sb_init(&curly);
	conf_text_curly(conf_root(c), 0, &curly);
	ck_assert_ptr_nonnull(strstr(sb_str(&curly), "/* uplink */"));
	sb_free(&curly);
	/* A node of a swapped tree still finds its tree's memory. */
	conf_set_from(conf_root(c)->first, "G1");
	ck_assert_str_eq(cnode_from(conf_root(c)->first), "G1");
	conf_set_from(conf_root(c)->first, NULL);
	ck_assert_ptr_null(cnode_from(conf_root(c)->first));
	free(t0);
	conf_free(c);
	conf_free(d);
}
END_TEST

/*
 * cnode_child, how the daemons read their tree: the first active child of
 * a kind, found through the slots whatever stands before it.
 */
START_TEST(conf_child_by_kind)
{
	struct conf *c = conf_new(S);
	const struct cnode *ifs, *ge, *u;
	char line[160];

	for (int i = 0; i < 50; i++) {
		snprintf(line, sizeof(line),
		    "set interfaces ge-0/0/%d unit 0 family inet", i);
		apply(c, line);
	}
	apply(c, "set interfaces ge-0/0/7 description \"seven\"");
	apply(c, "set interfaces ge-0/0/7 unit 3 family inet");
	apply(c,
	    "set routing-options static route 10.0.0.0/8 next-hop "
	    "192.0.2.1");
	ifs = cnode_child(conf_root(c), "interfaces");
	ck_assert_ptr_nonnull(ifs);
	ck_assert_str_eq(cnode_child_val(ifs, "interface"), "ge-0/0/0");
	ck_assert_ptr_nonnull(cnode_child(conf_root(c), "routing-options"));
	ck_assert_ptr_null(cnode_child(conf_root(c), "security"));
	ck_assert_ptr_null(cnode_child(conf_root(c), "no-such-thing"));
	apply(c, "deactivate interfaces ge-0/0/0");
	apply(c, "deactivate interfaces ge-0/0/1");
	ck_assert_str_eq(cnode_child_val(ifs, "interface"), "ge-0/0/2");
	ge = conf_find(c, ifs, cnode_child(ifs, "interface")->sn, "ge-0/0/7");
	ck_assert_ptr_nonnull(ge);
	ck_assert_str_eq(cnode_child_val(ge, "description"), "seven");
	u = cnode_child(ge, "unit");
	ck_assert_str_eq(u->val, "0");
	apply(c, "deactivate interfaces ge-0/0/7 unit 0");
	ck_assert_str_eq(cnode_child_val(ge, "unit"), "3");
	apply(c, "deactivate interfaces ge-0/0/7 unit 3");
	ck_assert_ptr_null(cnode_child(ge, "unit"));
	apply(c, "delete interfaces ge-0/0/7 description");
	ck_assert_ptr_null(cnode_child(ge, "description"));
	ck_assert_ptr_null(cnode_child(NULL, "unit"));
	conf_free(c);
}
END_TEST

/*
 * A delta that deletes, renames and re-creates entries between its lines
 * (node blocks released and handed out again by the arena) gives the tree
 * a checked load of the same lines gives.
 */
START_TEST(delta_after_deletes)
{
	struct conf *c = conf_new(S), *d = conf_new(S);
	struct path_err err;
	size_t bad;
	char *t1, *t2;
	const char *text =
	    "set interfaces ge-0/0/1 unit 1 family inet address 10.1.0.1/24\n"
	    "set interfaces ge-0/0/1 unit 1 description one\n"
	    "delete interfaces ge-0/0/1 unit 1\n"
	    "set interfaces ge-0/0/1 unit 1 description again\n"
	    "set interfaces ge-0/0/1 unit 2 description two\n"
	    "rename interfaces ge-0/0/1 unit 2 to unit 3\n"
	    "set interfaces ge-0/0/1 unit 2 description new-two\n"
	    "set interfaces ge-0/0/1 unit 3 family inet\n"
	    "delete interfaces ge-0/0/1\n"
	    "set interfaces ge-0/0/1 unit 5 family inet\n"
	    "set interfaces ge-0/0/2 unit 5 family inet\n"
	    "set interfaces ge-0/0/1 unit 5 description five\n";

	sb_init(&err.msg);
	ck_assert_int_eq(
	    edit_apply_text(c, NULL, text, strlen(text), &err, &bad, NULL), 0);
	ck_assert_int_eq(
	    edit_apply_delta(d, text, strlen(text), &err, &bad), 0);
	t1 = tree_text(c);
	t2 = tree_text(d);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_null(strstr(t2, "again"));
	ck_assert_ptr_nonnull(strstr(t2, "ge-0/0/1 unit 5 description five"));
	ck_assert_uint_eq(conf_count(c), conf_count(d));
	free(t1);
	free(t2);
	sb_free(&err.msg);
	conf_free(c);
	conf_free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	log_init("test_arena", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, arena_reuse_zeroed);
	tcase_add_test(tc, arena_wipes_released_value);
	tcase_add_test(tc, arena_big_blocks);
	tcase_add_test(tc, arena_heap_reuses_freed);
	tcase_add_test(tc, conf_copy_edit_swap);
	tcase_add_test(tc, conf_child_by_kind);
	tcase_add_test(tc, delta_after_deletes);
	suite_add_tcase(s, tc);
	int status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
