/*
 * test_secret_heap: a secret typed at the cli (`set ... pre-shared-key
 * ascii-text S`, lexed, hidden, applied: mgd/cmd_config.c) or loaded in a
 * `load set` text (edit_apply_hiding: mgd/cmd_load.c) leaves no plaintext
 * copy in the heap, live or freed, once the words, the tree and the text
 * are gone: the lexer's words and scratch buffer, the path's values and
 * the value check all wipe what held it.  The first test shows that the
 * scan (tests/lib/heapscan.h) finds a secret that was freed unwiped, so
 * the others cannot pass by not looking.  Each test runs in its own
 * process (check forks).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/log.h"
#include "schema/edit.h"
#include "tests/lib/heapscan.h"
#include "tests/lib/check_main.h"

#define SECRET_LEN 72

static struct schema *S;

/* Made at run time, so it is nowhere in the binary; no quotes needed. */
static void
secret_make(char *s)
{
	memcpy(s, "hp-psk-", 7);
	for (size_t i = 7; i < SECRET_LEN; i++)
		s[i] = (char)('a' + (i * 11 + i / 26) % 26);
	s[SECRET_LEN] = '\0';
}

/* The secret's middle: past what a freed block's list pointers cover. */
static bool
heap_has_secret(const char *secret)
{
	return heap_has(secret + 24, 40);
}

START_TEST(scan_finds_unwiped)
{
	char secret[SECRET_LEN + 1];
	char *copy;

	secret_make(secret);
	copy = strdup(secret);
	free(copy);
	ck_assert_msg(heap_has_secret(secret),
	    "a secret freed unwiped should be found by the scan");
}
END_TEST

START_TEST(typed_line_wiped)
{
	char secret[SECRET_LEN + 1], line[256];
	struct conf *c = conf_new(S);
	struct path_err err;
	struct toks tk;
	struct sb e, warn;
	size_t off;

	secret_make(secret);
	snprintf(line, sizeof(line),
	    "set security ike policy P pre-shared-key ascii-text %s", secret);
	sb_init(&e);
	sb_init(&warn);
	ck_assert_int_eq(lex_line(line, strlen(line), &tk, &e, &off), 0);
	/* mgd's order for a typed line: hide, apply, journal the hidden. */
	ck_assert_uint_eq(edit_hide_secrets(c, NULL, &tk, 0), 1);
	ck_assert_int_eq(edit_apply(c, NULL, &tk, 0, &err, &warn), 0);
	toks_free(&tk);
	sb_free(&e);
	sb_free(&warn);
	conf_free(c);
	OPENSSL_cleanse(line, sizeof(line));
	ck_assert_msg(
	    !heap_has_secret(secret), "a typed secret was left in the heap");
}
END_TEST

START_TEST(loaded_text_wiped)
{
	char secret[SECRET_LEN + 1];
	struct conf *c = conf_new(S);
	struct path_err err;
	struct sb text, hidden, warn;
	size_t bad = 0;

	secret_make(secret);
	sb_init(&text);
	sb_init(&hidden);
	sb_init(&warn);
	sb_printf(&text,
	    "set security ike proposal X authentication-method "
	    "pre-shared-keys\n"
	    "set security ike policy P pre-shared-key ascii-text %s\n"
	    "set security ike policy P proposals X\n",
	    secret);
	ck_assert_int_eq(edit_apply_hiding(c, NULL, sb_str(&text), text.len,
			     &hidden, &err, &bad, &warn),
	    1);
	ck_assert_ptr_null(strstr(sb_str(&hidden), secret));
	/* mgd wipes the text it was given (cmd_load.c) */
	sb_free_secure(&text);
	sb_free(&hidden);
	sb_free(&warn);
	conf_free(c);
	ck_assert_msg(
	    !heap_has_secret(secret), "a loaded secret was left in the heap");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("secret_heap");
	TCase *tc = tcase_create("wipe");
	int status;

	log_init("test_secret_heap", stderr);
	S = schema_new(NULL);
	if (S == NULL)
		return 1;
	tcase_add_test(tc, scan_finds_unwiped);
	tcase_add_test(tc, typed_line_wiped);
	tcase_add_test(tc, loaded_text_wiped);
	suite_add_tcase(s, tc);
	status = check_main(0, s, NULL);
	schema_free(S);
	return status;
}
