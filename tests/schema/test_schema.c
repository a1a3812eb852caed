/*
 * test_schema: the configuration engine without mgd — the lexer, statement
 * paths against the YANG schema, the editing commands, curly and set
 * rendering, curly → set loading, diff (compare text and replayable delta),
 * commit-time validation, and every reference sample configuration.
 *
 * The schema is loaded once before the suites fork; each test builds its own
 * trees.  QSAFE_SAMPLE_DIR names tests/schema/sample-configs: Junos set files
 * taken verbatim from devices (*.VERBATIM.set) and reconstructed from
 * documented statements (*.RECONSTRUCTED.set).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/crypto.h>

#include "lib/junos9.h"
#include "lib/log.h"
#include "schema/conf.h"
#include "schema/conf_diff.h"
#include "schema/conf_load.h"
#include "schema/conf_text.h"
#include "schema/edit.h"
#include "schema/lex.h"
#include "schema/path.h"
#include "schema/schema.h"
#include "schema/validate.h"
#include "tests/schema/read_all.h"
#include "tests/lib/check_main.h"

static struct schema *S;

/* The last error of ap()/ap_at(). */
static char last_err[512];
static size_t last_tok;
static bool last_at_end;
static char last_warn[512];

/* Parses words as an edit level (`edit security ike`). */
static void
level_of(const char *words, struct cpath *out)
{
	struct toks tk;
	struct sb e;
	struct path_err pe;
	size_t off, pos = 0;

	cpath_init(out);
	sb_init(&e);
	sb_init(&pe.msg);
	ck_assert_int_eq(lex_line(words, strlen(words), &tk, &e, &off), 0);
	ck_assert_int_eq(
	    path_parse(S, schema_root(S), &tk, &pos, PATH_EDIT, out, &pe), 0);
	toks_free(&tk);
	sb_free(&e);
	sb_free(&pe.msg);
}

static int
ap_at(struct conf *c, const char *level, const char *line)
{
	struct path_err err;
	struct sb warn;
	struct cpath lv;
	int rc;

	sb_init(&err.msg);
	sb_init(&warn);
	err.tok = 0;
	err.at_end = false;
	if (level != NULL)
		level_of(level, &lv);
	rc = edit_apply_line(c, level ? &lv : NULL, line, &err, &warn);
	snprintf(last_err, sizeof(last_err), "%s", sb_str(&err.msg));
	snprintf(last_warn, sizeof(last_warn), "%s", sb_str(&warn));
	last_tok = err.tok;
	last_at_end = err.at_end;
	if (level != NULL)
		cpath_free(&lv);
	sb_free(&err.msg);
	sb_free(&warn);
	return rc;
}

static int
ap(struct conf *c, const char *line)
{
	return ap_at(c, NULL, line);
}

/* Applies lines that must all succeed. */
static void
ok(struct conf *c, const char *line)
{
	int rc = ap(c, line);
	ck_assert_msg(rc == 0, "'%s' failed: %s", line, last_err);
}

static void
bad(struct conf *c, const char *line, const char *msg)
{
	int rc = ap(c, line);
	ck_assert_msg(rc == -1, "'%s' was accepted", line);
	ck_assert_msg(strstr(last_err, msg) != NULL,
	    "'%s': error '%s', expected '%s'", line, last_err, msg);
}

static char *
set_text(struct conf *c)
{
	struct sb out;

	sb_init(&out);
	conf_text_set(conf_root(c), &out);
	return sb_steal(&out);
}

static char *
curly_text(struct conf *c)
{
	struct sb out;

	sb_init(&out);
	conf_text_curly(conf_root(c), 0, &out);
	return sb_steal(&out);
}

static void
has(const char *text, const char *sub)
{
	ck_assert_msg(strstr(text, sub) != NULL, "'%s' not in:\n%s", sub, text);
}

static void
hasnt(const char *text, const char *sub)
{
	ck_assert_msg(
	    strstr(text, sub) == NULL, "'%s' unexpectedly in:\n%s", sub, text);
}

/* Two trees hold the same configuration (compared in set form). */
static void
same_text(const char *x, const char *y)
{
	size_t i = 0, line = 1, bol = 0;

	while (x[i] != '\0' && x[i] == y[i]) {
		if (x[i] == '\n') {
			line++;
			bol = i + 1;
		}
		i++;
	}
	if (x[i] == '\0' && y[i] == '\0')
		return;
	ck_abort_msg("texts differ at line %zu:\n< %.200s\n> %.200s", line,
	    x + bol, y + bol);
}

static void
same_conf(struct conf *a, struct conf *b)
{
	char *x = set_text(a), *y = set_text(b);
	same_text(x, y);
	char *cx = curly_text(a), *cy = curly_text(b);
	same_text(cx, cy);
	free(x);
	free(y);
	free(cx);
	free(cy);
}

/* Loads set text all-or-nothing; returns the bad line or 0. */
static size_t
load_text(struct conf *c, const char *text, size_t len)
{
	struct path_err err;
	struct sb warn;
	size_t bad_line = 0;

	sb_init(&err.msg);
	sb_init(&warn);
	int rc = edit_apply_text(c, NULL, text, len, &err, &bad_line, &warn);
	snprintf(last_err, sizeof(last_err), "%s", sb_str(&err.msg));
	sb_free(&err.msg);
	sb_free(&warn);
	return rc == 0 ? 0 : (bad_line ? bad_line : (size_t)-1);
}

/* A small gateway configuration that validates. */
static const char base_conf[] =
    "set system host-name gw1\n"
    "set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.1/24\n"
    "set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24\n"
    "set interfaces st0 unit 0 family inet\n"
    "set security key-manager profiles km1 static key-id ascii-text kid\n"
    "set security key-manager profiles km1 static key ascii-text k3y\n"
    "set security ike proposal P1 authentication-method pre-shared-keys\n"
    "set security ike proposal P1 dh-group group14\n"
    "set security ike proposal P2 dh-group group19\n"
    "set security ike policy POL proposals P1\n"
    "set security ike policy POL pre-shared-key ascii-text s3cret\n"
    "set security ike gateway GW ike-policy POL\n"
    "set security ike gateway GW address 198.51.100.2\n"
    "set security ike gateway GW external-interface ge-0/0/0.0\n"
    "set security ike gateway GW ppk-profile km1\n"
    "set security ipsec proposal IP1 protocol esp\n"
    "set security ipsec policy IPOL proposals IP1\n"
    "set security ipsec vpn V1 bind-interface st0.0\n"
    "set security ipsec vpn V1 ike gateway GW\n"
    "set security ipsec vpn V1 ike ipsec-policy IPOL\n"
    "set security zones security-zone trust interfaces ge-0/0/1.0\n"
    "set security zones security-zone vpn interfaces st0.0\n"
    "set security policies from-zone trust to-zone vpn policy t2v match "
    "source-address any\n"
    "set security policies from-zone trust to-zone vpn policy t2v match "
    "destination-address any\n"
    "set security policies from-zone trust to-zone vpn policy t2v match "
    "application any\n"
    "set security policies from-zone trust to-zone vpn policy t2v then permit "
    "tunnel ipsec-vpn V1\n"
    "set routing-options static route 10.2.0.0/24 next-hop st0.0\n";

static struct conf *
base(void)
{
	struct conf *c = conf_new(S);
	size_t b = load_text(c, base_conf, strlen(base_conf));
	ck_assert_msg(b == 0, "base line %zu: %s", b, last_err);
	return c;
}

static size_t
verr_count(struct conf *c, const char *msg_sub, char *first, size_t flen)
{
	struct verrs e = { 0 };
	size_t n = 0;

	validate_all(c, &e);
	if (first != NULL)
		first[0] = '\0';
	for (size_t i = 0; i < e.n; i++) {
		if (msg_sub == NULL || strstr(e.v[i].msg, msg_sub) != NULL) {
			if (first != NULL && n == 0)
				snprintf(first, flen, "%s|%s|%s", e.v[i].edit,
				    e.v[i].stmt, e.v[i].msg);
			n++;
		}
	}
	verrs_free(&e);
	return n;
}

/* ---- lexer ---------------------------------------------------------- */

static int
lex(const char *s, size_t len, struct toks *tk, char *err, size_t *off)
{
	struct sb e;
	sb_init(&e);
	int rc = lex_line(s, len, tk, &e, off);
	snprintf(err, 128, "%s", sb_str(&e));
	sb_free(&e);
	return rc;
}

START_TEST(lex_words)
{
	struct toks tk;
	char err[128];
	size_t off;
	const char *l = "set  a \"b c\"\td|match x [ y z]";

	ck_assert_int_eq(lex(l, strlen(l), &tk, err, &off), 0);
	ck_assert_uint_eq(tk.n, 11);
	const char *w[] = { "set", "a", "b c", "d", "|", "match", "x", "[", "y",
		"z", "]" };
	for (size_t i = 0; i < 11; i++)
		ck_assert_str_eq(tk.t[i].s, w[i]);
	ck_assert(tk.t[2].quoted);
	ck_assert(!tk.t[1].quoted);
	ck_assert_uint_eq(tk.t[1].off, 5);
	ck_assert_uint_eq(tk.t[2].off, 7);
	ck_assert_uint_eq(tk.end, strlen(l));
	toks_free(&tk);

	/* A quoted | and ] are text. */
	l = "x \"a|b]\" \"\"";
	ck_assert_int_eq(lex(l, strlen(l), &tk, err, &off), 0);
	ck_assert_uint_eq(tk.n, 3);
	ck_assert_str_eq(tk.t[1].s, "a|b]");
	ck_assert_str_eq(tk.t[2].s, "");
	ck_assert(tk.t[2].quoted);
	toks_free(&tk);

	/* Empty and blank lines. */
	ck_assert_int_eq(lex("   \t", 4, &tk, err, &off), 0);
	ck_assert_uint_eq(tk.n, 0);
	toks_free(&tk);
}
END_TEST

START_TEST(lex_escapes)
{
	struct toks tk;
	char err[128];
	size_t off;
	const char *l = "\"a\\\"b\\\\c\\d\" ab\"c d\"e";

	ck_assert_int_eq(lex(l, strlen(l), &tk, err, &off), 0);
	ck_assert_uint_eq(tk.n, 2);
	ck_assert_str_eq(tk.t[0].s, "a\"b\\cd");
	ck_assert_str_eq(tk.t[1].s, "abc de");
	toks_free(&tk);

	/* lex_quote and lex_line are inverse. */
	const char *v[] = { "plain", "two words", "q\"uote", "back\\slash",
		"semi;colon", "{brace}", "", "pipe|x", "[", "tab\there", "é-ü",
		"#hash" };
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct sb q;
		sb_init(&q);
		lex_quote(&q, v[i]);
		ck_assert_int_eq(lex(sb_str(&q), q.len, &tk, err, &off), 0);
		ck_assert_uint_eq(tk.n, 1);
		ck_assert_str_eq(tk.t[0].s, v[i]);
		ck_assert(
		    lex_needs_quotes(v[i]) == (strcmp(sb_str(&q), v[i]) != 0));
		toks_free(&tk);
		sb_free(&q);
	}
}
END_TEST

START_TEST(lex_unbalanced)
{
	struct toks tk;
	char err[128];
	size_t off;
	const char *l[] = { "set x \"abc", "set x \"abc\\\"", "\"", "a b\"c" };
	const size_t at[] = { 6, 6, 0, 2 };

	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(lex(l[i], strlen(l[i]), &tk, err, &off), -1);
		ck_assert_str_eq(err, "unbalanced quotes");
		ck_assert_uint_eq(off, at[i]);
		ck_assert_uint_eq(tk.n, 0);
	}
}
END_TEST

START_TEST(lex_bytes)
{
	struct toks tk;
	char err[128];
	size_t off;
	/* Bytes that are not clean UTF-8 text. */
	static const char *const badv[] = {
		"a\xff", "\xc0\xaf", "\xc1\xbf", "\xe2\x82", "\x80",
		"\xf5\x80\x80\x80", "x\x01y", "x\x7fy", "x\ny", "x\ry",
		"\xe0\x80\xaf",	    /* over-long '/' */
		"\xed\xa0\x80",	    /* UTF-16 surrogate */
		"\xf0\x80\x80\xaf", /* over-long '/' */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
	};
	for (size_t i = 0; i < sizeof(badv) / sizeof(*badv); i++) {
		ck_assert_msg(!lex_is_clean_utf8(badv[i], strlen(badv[i])),
		    "bad vector %zu accepted", i);
		ck_assert_int_eq(
		    lex(badv[i], strlen(badv[i]), &tk, err, &off), -1);
		has(err, "invalid character");
	}
	/* A NUL inside the line counts as a control character. */
	ck_assert(!lex_is_clean_utf8("a\0b", 3));
	static const char *const goodv[] = { "caf\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x94\x91", "\xef\xbb\xbf", "tab\tok",
		"\xf4\x8f\xbf\xbf" };
	for (size_t i = 0; i < sizeof(goodv) / sizeof(*goodv); i++)
		ck_assert_msg(lex_is_clean_utf8(goodv[i], strlen(goodv[i])),
		    "good vector %zu refused", i);
}
END_TEST

START_TEST(lex_limits)
{
	struct toks tk;
	char err[128];
	size_t off;
	char *buf = malloc(LEX_MAX_LINE + 2);

	memset(buf, 'a', LEX_MAX_LINE + 2);
	ck_assert_int_eq(lex(buf, LEX_MAX_WORD, &tk, err, &off), 0);
	ck_assert_uint_eq(tk.n, 1);
	toks_free(&tk);
	memcpy(buf, "x ", 2);
	memset(buf + 2, 'a', LEX_MAX_WORD + 1);
	ck_assert_int_eq(lex(buf, LEX_MAX_WORD + 3, &tk, err, &off), -1);
	has(err, "word too long");
	ck_assert_uint_eq(off, 2);

	/* The same inside quotes. */
	buf[2] = '"';
	buf[LEX_MAX_WORD + 4] = '"';
	ck_assert_int_eq(lex(buf, LEX_MAX_WORD + 5, &tk, err, &off), -1);
	has(err, "word too long");

	memset(buf, 'a', LEX_MAX_LINE + 1);
	ck_assert_int_eq(lex(buf, LEX_MAX_LINE + 1, &tk, err, &off), -1);
	has(err, "line too long");

	/* LEX_MAX_WORDS words pass, one more does not. */
	for (size_t i = 0; i < LEX_MAX_WORDS + 1; i++) {
		buf[2 * i] = 'w';
		buf[2 * i + 1] = ' ';
	}
	ck_assert_int_eq(lex(buf, 2 * LEX_MAX_WORDS, &tk, err, &off), 0);
	ck_assert_uint_eq(tk.n, LEX_MAX_WORDS);
	toks_free(&tk);
	ck_assert_int_eq(lex(buf, 2 * LEX_MAX_WORDS + 2, &tk, err, &off), -1);
	has(err, "too many words");
	ck_assert_uint_eq(off, 2 * LEX_MAX_WORDS);
	free(buf);
}
END_TEST

/* ---- paths ---------------------------------------------------------- */

START_TEST(path_abbrev)
{
	struct conf *c = conf_new(S);

	ok(c, "set sec ike prop P1 dh-g group14");
	ok(c, "set sys host gw");
	char *t = set_text(c);
	ck_assert_str_eq(t,
	    "set system host-name gw\n"
	    "set security ike proposal P1 dh-group group14\n");
	free(t);
	/* Ambiguous prefixes name the word. */
	bad(c, "set s", "'s' is ambiguous.");
	ck_assert_uint_eq(last_tok, 1);
	bad(c, "set security i", "'i' is ambiguous.");
	ck_assert_uint_eq(last_tok, 2);
	/* Ambiguous enum prefix and unknown keyword. */
	bad(c, "set security ike proposal P1 encryption-algorithm aes-256",
	    "'aes-256' is ambiguous.");
	ck_assert_uint_eq(last_tok, 6);
	ok(c, "set security ike proposal P1 encryption-algorithm aes-256-c");
	bad(c, "set system arrr", "syntax error.");
	ck_assert_uint_eq(last_tok, 2);
	ck_assert(!last_at_end);
	bad(c, "set security ike proposal P1 dh-group group99", "");
	ck_assert_uint_eq(last_tok, 6);
	bad(c, "sett system host-name x", "syntax error, expecting <command>.");
	conf_free(c);
}
END_TEST

START_TEST(path_missing)
{
	struct conf *c = conf_new(S);

	bad(c, "set system host-name", "missing argument.");
	ck_assert(last_at_end);
	bad(c, "set", "missing argument.");
	ck_assert(last_at_end);
	bad(c, "set security ike proposal", "missing argument.");
	ck_assert(last_at_end);
	bad(c, "set security policies from-zone a", "missing argument.");
	ck_assert(last_at_end);
	bad(c, "set security policies from-zone a to-zone",
	    "missing argument.");
	/* A container that is not a presence container needs something below
	 * it (Junos: `set system` → missing argument). */
	bad(c, "set system", "missing argument.");
	ck_assert(last_at_end);
	bad(c, "set security ike", "missing argument.");
	char *t = set_text(c);
	ck_assert_str_eq(t, "");
	free(t);
	/* A list entry alone is a statement. */
	ok(c, "set security ike proposal P1");
	t = set_text(c);
	ck_assert_str_eq(t, "set security ike proposal P1\n");
	free(t);
	/* So is `set` at an edit level with nothing after it: an error. */
	ck_assert_int_eq(ap_at(c, "security ike", "set"), -1);
	has(last_err, "missing argument.");
	conf_free(c);
}
END_TEST

START_TEST(path_lists)
{
	struct conf *c = conf_new(S);

	/* qc:nokeyword: interfaces NAME */
	ok(c, "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24");
	ok(c, "set interfaces ge-0/0/0 unit 0 family inet address 10.0.1.1/24");
	ok(c, "set interfaces st0 unit 1 family inet");
	/* qc:key-keywords: from-zone A to-zone B, keywords abbreviated */
	ok(c,
	    "set security policies from-zone trust to vpn policy p then "
	    "permit");
	bad(c, "set security policies from-zone trust xx vpn policy p",
	    "syntax error.");
	ck_assert_uint_eq(last_tok, 5);
	/* qc:positional leaves */
	ok(c, "set routing-options static route 10.2.0.0/24 next-hop st0.0");
	ok(c, "set security ike gateway G local-identity inet 10.9.9.9");
	char *t = set_text(c);
	ck_assert_str_eq(t,
	    "set security ike gateway G local-identity inet 10.9.9.9\n"
	    "set security policies from-zone trust to-zone vpn policy p then "
	    "permit\n"
	    "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n"
	    "set interfaces ge-0/0/0 unit 0 family inet address 10.0.1.1/24\n"
	    "set interfaces st0 unit 1 family inet\n"
	    "set routing-options static route 10.2.0.0/24 next-hop st0.0\n");
	free(t);
	/* Types: ranges, patterns, addresses. */
	bad(c, "set security ike proposal P lifetime-seconds 10", "range");
	ck_assert_uint_eq(last_tok, 6);
	ok(c, "set security ike proposal P lifetime-seconds 180");
	bad(c, "set security ike proposal P lifetime-seconds x1", "");
	bad(c,
	    "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.300/24",
	    "");
	bad(c, "set routing-options static route 10.2.0.0/24 next-hop 1.2.3",
	    "");
	conf_free(c);
}
END_TEST

START_TEST(path_leaflist)
{
	struct conf *c = conf_new(S);

	ok(c, "set security ike policy POL proposals [ P1 P2 P3 ]");
	ok(c, "set security ike policy POL proposals P4");
	ok(c, "set security ike policy POL proposals P2");
	char *t = set_text(c);
	ck_assert_str_eq(t,
	    "set security ike policy POL proposals P1\n"
	    "set security ike policy POL proposals P2\n"
	    "set security ike policy POL proposals P3\n"
	    "set security ike policy POL proposals P4\n");
	free(t);
	t = curly_text(c);
	has(t, "proposals [ P1 P2 P3 P4 ];");
	free(t);
	bad(c, "set security ike policy POL proposals [ P5 P6",
	    "missing argument.");
	bad(c, "set security ike policy POL proposals [ ]",
	    "missing argument.");
	bad(c, "set security ike policy POL proposals [ P5 ] x",
	    "syntax error.");
	ok(c, "delete security ike policy POL proposals P2");
	t = set_text(c);
	hasnt(t, "P2");
	free(t);
	ok(c, "delete security ike policy POL proposals");
	t = set_text(c);
	hasnt(t, "proposals");
	free(t);
	conf_free(c);
}
END_TEST

/*
 * Pattern-restricted values: schema_value_check answers valid values from
 * pcre2's JIT and everything else from libyang; both must agree with the
 * YANG patterns, anchored at both ends (RFC 7950 9.4.5): a valid prefix or
 * a valid middle of a refused value is still refused.
 */
static const struct {
	const char *line;
	bool ok;
} path_pattern_vec[] = {
	{ "set security ike gateway G local-identity inet 10.9.9.9", true },
	{ "set security ike gateway G local-identity inet 255.255.255.255",
	    true },
	{ "set security ike gateway G local-identity inet 10.9.9.256", false },
	{ "set security ike gateway G local-identity inet 10.9.9.9x", false },
	{ "set security ike gateway G local-identity inet x10.9.9.9", false },
	{ "set security ike gateway G local-identity inet 10.9.9", false },
	{ "set security ike gateway G local-identity inet 010.9.9.9", false },
	{ "set security ike gateway G address 10.0.0.1", true },
	{ "set security ike gateway G address 2001:db8::1", true },
	{ "set security ike gateway G address 2001:db8::1::2", false },
	{ "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
	    true },
	{ "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/33",
	    false },
	{ "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24/1",
	    false },
	{ "set routing-options static route 10.2.0.0/24 next-hop 10.0.0.254",
	    true },
	{ "set routing-options static route 10.2.0.0/24 next-hop st0.1", true },
	{ "set routing-options static route 10.2.0.0/24 next-hop 1.2.3",
	    false },
	{ "set routing-options static route 10.2.0.0/33 next-hop st0.1",
	    false },
};

START_TEST(path_patterns)
{
	struct conf *c = conf_new(S);
	const char *line = path_pattern_vec[_i].line;

	/* twice: the first match may compile the pattern, the second not */
	for (int k = 0; k < 2; k++) {
		if (path_pattern_vec[_i].ok)
			ok(c, line);
		else
			bad(c, line, "");
	}
	conf_free(c);
}
END_TEST

START_TEST(path_secrets)
{
	struct conf *c = conf_new(S);
	size_t len;

	ok(c,
	    "set security ike policy POL pre-shared-key ascii-text \"my "
	    "secret\"");
	char *t = set_text(c);
	has(t, "pre-shared-key ascii-text \"$9$");
	hasnt(t, "my secret");
	/* The stored $9$ decodes to the plain text and reloads as is. */
	char *enc = strstr(t, "$9$");
	*strchr(enc, '"') = '\0';
	char *plain = junos9_decode(enc, &len);
	ck_assert_ptr_nonnull(plain);
	ck_assert_str_eq(plain, "my secret");
	OPENSSL_cleanse(plain, len);
	free(plain);
	char line[512];
	snprintf(line, sizeof(line),
	    "set security ike policy P2 pre-shared-key ascii-text \"%s\"", enc);
	ok(c, line);
	char *t2 = set_text(c);
	snprintf(line, sizeof(line),
	    "set security ike policy P2 pre-shared-key ascii-text \"%s\"\n",
	    enc);
	has(t2, line);
	free(t2);
	free(t);
	/* Curly form marks secrets. */
	t = curly_text(c);
	has(t, "; ## SECRET-DATA");
	free(t);
	/* A broken $9$ is refused; so is a bad hexadecimal key, without
	 * echoing it. */
	bad(c,
	    "set security ike policy P3 pre-shared-key ascii-text \"$9$@@@\"",
	    "not a valid $9$ secret");
	bad(c, "set security ike policy P3 pre-shared-key hexadecimal xyz",
	    "invalid secret value");
	hasnt(last_err, "xyz");
	ok(c, "set security ike policy P3 pre-shared-key hexadecimal 0a0b");
	conf_free(c);
}
END_TEST

/* ---- edit commands -------------------------------------------------- */

START_TEST(edit_set_delete)
{
	struct conf *c = base();
	char *t;

	/* A leaf's value is replaced. */
	ok(c, "set system host-name gw2");
	t = set_text(c);
	has(t, "set system host-name gw2\n");
	hasnt(t, "gw1");
	free(t);
	/* delete with a value that is not the one set: not found. */
	ck_assert_int_eq(ap(c, "delete system host-name other"), 0);
	has(last_warn, "statement not found");
	ok(c, "delete system host-name gw2");
	t = set_text(c);
	hasnt(t, "host-name");
	hasnt(t, "set system"); /* the empty container is gone */
	free(t);
	ck_assert_int_eq(ap(c, "delete system host-name"), 0);
	has(last_warn, "statement not found");
	/* A whole list. */
	ok(c, "delete security ike proposal");
	t = set_text(c);
	hasnt(t, "ike proposal");
	has(t, "ike policy POL");
	free(t);
	/* A list entry, at an edit level. */
	ck_assert_int_eq(ap_at(c, "security ipsec", "delete vpn V1"), 0);
	t = set_text(c);
	hasnt(t, "vpn V1 ");
	free(t);
	/* delete at the top level empties everything. */
	ok(c, "delete");
	ck_assert_uint_eq(conf_count(c), 0);
	conf_free(c);
}
END_TEST

START_TEST(edit_choice)
{
	struct conf *c = conf_new(S);

	ok(c, "set security ike policy POL pre-shared-key ascii-text abc");
	ok(c, "set security ike policy POL pre-shared-key hexadecimal 0a0b0c");
	char *t = set_text(c);
	has(t, "pre-shared-key hexadecimal");
	hasnt(t, "ascii-text");
	free(t);
	ok(c, "set security ike policy POL pre-shared-key ascii-text abc");
	t = set_text(c);
	hasnt(t, "hexadecimal");
	free(t);
	/* then permit / deny are cases of one choice too. */
	ok(c,
	    "set security policies from-zone a to-zone b policy p then permit");
	ok(c, "set security policies from-zone a to-zone b policy p then deny");
	t = set_text(c);
	hasnt(t, "permit");
	has(t, "then deny");
	free(t);
	conf_free(c);
}
END_TEST

START_TEST(edit_insert_rename_copy)
{
	struct conf *c = conf_new(S);
	char *t;

	ok(c, "set security ike proposal A dh-group group14");
	ok(c, "set security ike proposal B dh-group group14");
	ok(c, "set security ike proposal C dh-group group14");
	ok(c, "insert security ike proposal C before proposal A");
	ok(c, "insert security ike proposal A after proposal B");
	t = set_text(c);
	ck_assert_str_eq(t,
	    "set security ike proposal C dh-group group14\n"
	    "set security ike proposal B dh-group group14\n"
	    "set security ike proposal A dh-group group14\n");
	free(t);
	bad(c, "insert security ike proposal A before proposal Z",
	    "statement not found");
	bad(c, "insert security ike proposal A proposal B",
	    "missing argument.");
	bad(c, "insert security ike proposal Z before proposal B",
	    "statement not found");
	/* Policies in a zone pair are ordered by the operator. */
	ok(c,
	    "set security policies from-zone a to-zone b policy p1 then "
	    "permit");
	ok(c,
	    "set security policies from-zone a to-zone b policy p2 then deny");
	ck_assert_int_eq(ap_at(c, "security policies from-zone a to-zone b",
			     "insert policy p2 before policy p1"),
	    0);
	t = set_text(c);
	ck_assert((strstr(t, "policy p2")) < (strstr(t, "policy p1")));
	free(t);

	ok(c, "rename security ike proposal B to proposal B2");
	t = set_text(c);
	has(t, "proposal B2 dh-group");
	hasnt(t, "proposal B ");
	/* Renaming keeps the position. */
	ck_assert((strstr(t, "proposal C")) < (strstr(t, "proposal B2")));
	ck_assert((strstr(t, "proposal B2")) < (strstr(t, "proposal A")));
	free(t);
	bad(c, "rename security ike proposal B2 to proposal A",
	    "statement already exists");
	bad(c, "rename security ike proposal B2 proposal X",
	    "missing argument.");
	bad(c, "rename security ike proposal B2 to", "missing argument.");
	bad(c, "rename security ike proposal B2 to policy X", "");

	ok(c, "copy security ike proposal A to proposal D");
	ok(c, "set security ike proposal D dh-group group19");
	t = set_text(c);
	has(t, "proposal A dh-group group14\n");
	has(t, "proposal D dh-group group19\n");
	free(t);
	bad(c, "copy security ike proposal A to proposal C",
	    "statement already exists");
	bad(c, "copy security ike proposal Q to proposal R",
	    "statement not found");
	conf_free(c);
}
END_TEST

START_TEST(edit_activate_annotate)
{
	struct conf *c = base();
	char *t;

	ok(c, "deactivate security ike gateway GW");
	ok(c, "deactivate system host-name");
	t = set_text(c);
	has(t, "deactivate security ike gateway GW\n");
	has(t, "set system host-name gw1\ndeactivate system host-name\n");
	free(t);
	t = curly_text(c);
	has(t, "inactive: gateway GW {");
	has(t, "inactive: host-name gw1;");
	free(t);
	ck_assert_int_eq(ap(c, "deactivate security ike gateway NOPE"), 0);
	has(last_warn, "statement not found");
	ok(c, "activate security ike gateway GW");
	t = set_text(c);
	hasnt(t, "deactivate security ike gateway GW");
	free(t);

	ok(c, "annotate security ike \"IKE: see ticket 42\"");
	ck_assert_int_eq(
	    ap_at(c, "security ike", "annotate proposal P1 \"fast\""), 0);
	t = curly_text(c);
	has(t, "/* IKE: see ticket 42 */\n    ike {");
	has(t, "/* fast */\n        proposal P1 {");
	free(t);
	bad(c, "annotate security", "missing argument.");
	bad(c, "annotate security ike proposal NOPE \"x\"",
	    "statement not found");
	conf_free(c);
}
END_TEST

START_TEST(edit_text_all_or_nothing)
{
	struct conf *c = base();
	char *before = set_text(c);
	const char *cases[] = {
		"set system host-name a\nset system bogus 1\n",
		"set system host-name a\r\nset security ike proposal P "
		"lifetime-seconds 1\r\n",
		"\xef\xbb\xbfset system host-name a\nset system host-name "
		"\"b\xff\"\n",
		"set system host-name a\nset system host-name \"b\n",
		"# comment\nset system host-name a\n\nset system host-name\n",
	};
	const size_t line[] = { 2, 2, 2, 2, 4 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t b = load_text(c, cases[i], strlen(cases[i]));
		ck_assert_msg(b == line[i], "case %zu: bad line %zu", i, b);
		char *after = set_text(c);
		ck_assert_str_eq(before, after);
		free(after);
	}
	/* CRLF and a BOM are fine when every line is. */
	const char *good = "\xef\xbb\xbfset system host-name crlf\r\n"
			   "set system domain-name example.net\r\n";
	ck_assert_uint_eq(load_text(c, good, strlen(good)), 0);
	char *after = set_text(c);
	has(after, "set system host-name crlf\n");
	free(after);
	free(before);
	conf_free(c);
}
END_TEST

/* ---- rendering and loading ------------------------------------------ */

START_TEST(render_curly_set)
{
	struct conf *c = conf_new(S);

	ok(c, "set system host-name gw1");
	ok(c, "set security ike proposal P1 dh-group group14");
	ok(c, "set security ike proposal P1 lifetime-seconds 3600");
	ok(c, "set security ike policy POL proposals [ P1 P2 ]");
	ok(c, "set security ike gateway G address 10.0.0.1");
	ok(c, "set security ike gateway G local-identity inet 10.9.9.9");
	ok(c, "set interfaces ge-0/0/0 description \"two words\"");
	ok(c, "deactivate security ike gateway G address 10.0.0.1");
	char *t = curly_text(c);
	ck_assert_str_eq(t,
	    "system {\n"
	    "    host-name gw1;\n"
	    "}\n"
	    "security {\n"
	    "    ike {\n"
	    "        proposal P1 {\n"
	    "            dh-group group14;\n"
	    "            lifetime-seconds 3600;\n"
	    "        }\n"
	    "        policy POL {\n"
	    "            proposals [ P1 P2 ];\n"
	    "        }\n"
	    "        gateway G {\n"
	    "            inactive: address 10.0.0.1;\n"
	    "            local-identity inet 10.9.9.9;\n"
	    "        }\n"
	    "    }\n"
	    "}\n"
	    "interfaces {\n"
	    "    ge-0/0/0 {\n"
	    "        description \"two words\";\n"
	    "    }\n"
	    "}\n");
	free(t);
	t = set_text(c);
	ck_assert_str_eq(t,
	    "set system host-name gw1\n"
	    "set security ike proposal P1 dh-group group14\n"
	    "set security ike proposal P1 lifetime-seconds 3600\n"
	    "set security ike policy POL proposals P1\n"
	    "set security ike policy POL proposals P2\n"
	    "set security ike gateway G address 10.0.0.1\n"
	    "deactivate security ike gateway G address 10.0.0.1\n"
	    "set security ike gateway G local-identity inet 10.9.9.9\n"
	    "set interfaces ge-0/0/0 description \"two words\"\n");
	free(t);
	/* relative to a level */
	struct cnode *ike = conf_find(c,
	    conf_find(c, conf_root(c), schema_find(S, "/security"), NULL),
	    schema_find(S, "/security/ike"), NULL);
	ck_assert_ptr_nonnull(ike);
	struct sb r;
	sb_init(&r);
	conf_text_set_relative(ike, ike, &r);
	has(sb_str(&r), "set proposal P1 dh-group group14\n");
	sb_free(&r);
	conf_free(c);
}
END_TEST

/* curly text → set lines → a new tree: the same configuration. */
static void
roundtrip_curly(struct conf *c)
{
	char *curly = curly_text(c);
	struct sb set;
	struct path_err err;
	size_t *map = NULL, bad_line = 0;

	sb_init(&set);
	sb_init(&err.msg);
	int rc = conf_text_to_set(
	    curly, strlen(curly), false, &set, &map, &err, &bad_line);
	ck_assert_msg(rc == 0, "curly line %zu: %s\n%.300s", bad_line,
	    sb_str(&err.msg), curly);
	struct conf *d = conf_new(S);
	size_t b = load_text(d, sb_str(&set), set.len);
	ck_assert_msg(
	    b == 0, "set line %zu: %s\n%.300s", b, last_err, sb_str(&set));
	same_conf(c, d);
	conf_free(d);
	free(map);
	sb_free(&err.msg);
	sb_free(&set);
	free(curly);
}

/*
 * conf_text_take_set (mgd's `load` of a file): the set lines it gives are
 * conf_text_to_set's, for a set text (taken as it stands) and for a curly
 * one; the text given is left empty either way.
 */
START_TEST(load_take_set)
{
	static const char *const texts[] = {
		"# a comment\nset system host-name a\n"
		"set security ike proposal P dh-group group14\n",
		"system {\n    host-name a;\n}\nsecurity {\n  ike {\n"
		"    proposal P {\n      dh-group group14;\n    }\n  }\n}\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		struct sb want, got, in;
		struct path_err err;
		size_t *m1 = NULL, *m2 = NULL, bad = 0;
		sb_init(&want);
		sb_init(&got);
		sb_init(&in);
		sb_init(&err.msg);
		sb_puts(&in, texts[i]);
		ck_assert_int_eq(conf_text_is_set(in.buf, in.len), i == 0);
		ck_assert_int_eq(conf_text_to_set(texts[i], strlen(texts[i]),
				     false, &want, &m1, &err, &bad),
		    0);
		ck_assert_int_eq(
		    conf_text_take_set(&in, false, &got, &m2, &err, &bad), 0);
		ck_assert_str_eq(sb_str(&got), sb_str(&want));
		ck_assert_uint_eq(in.len, 0);
		ck_assert_ptr_null(in.buf);
		free(m1);
		free(m2);
		sb_free(&want);
		sb_free(&got);
		sb_free(&err.msg);
	}
}
END_TEST

static void
roundtrip_set(struct conf *c)
{
	char *set = set_text(c);
	struct conf *d = conf_new(S);
	size_t b = load_text(d, set, strlen(set));
	ck_assert_msg(b == 0, "set line %zu: %s", b, last_err);
	/* (set form has no annotations, as in Junos: compare set text) */
	char *again = set_text(d);
	same_text(set, again);
	free(again);
	conf_free(d);
	free(set);
}

START_TEST(load_roundtrip)
{
	struct conf *c = base();

	ok(c, "deactivate security ike gateway GW");
	ok(c, "deactivate security ike proposal P1 dh-group");
	ok(c, "annotate security ike \"a comment\"");
	ok(c,
	    "set interfaces ge-0/0/0 description \"a \\\"quoted\\\" {word};\"");
	ok(c, "insert security ike proposal P2 before proposal P1");
	roundtrip_curly(c);
	roundtrip_set(c);
	conf_free(c);
}
END_TEST

START_TEST(load_curly_errors)
{
	const char *bad_texts[] = {
		"system {\n    host-name gw1;\n",	/* unclosed */
		"system {\n    host-name gw1;\n}\n}\n", /* extra } */
		"system {\n    bogus gw1;\n}\n",	/* unknown */
		"system {\n    host-name \"gw1;\n}\n",	/* quote */
	};
	/* (an unclosed quote is reported where the text ends) */
	const size_t lines[] = { 0, 4, 2, 0 };

	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(*bad_texts); i++) {
		struct sb set;
		struct path_err err;
		size_t *map = NULL, bad_line = 0;
		sb_init(&set);
		sb_init(&err.msg);
		int rc = conf_text_to_set(bad_texts[i], strlen(bad_texts[i]),
		    false, &set, &map, &err, &bad_line);
		if (rc == 0) {
			/* Unknown statements may only show up when applied. */
			struct conf *c = conf_new(S);
			ck_assert_msg(load_text(c, sb_str(&set), set.len) != 0,
			    "case %zu accepted", i);
			conf_free(c);
		} else if (lines[i] != 0) {
			ck_assert_msg(bad_line == lines[i],
			    "case %zu: line %zu", i, bad_line);
		}
		free(map);
		sb_free(&set);
		sb_free(&err.msg);
	}
	/*
	 * A NUL byte, in either form, is refused with its line (the curly
	 * parser used to stall on it: found by fuzz_load), never cut short.
	 */
	static const struct {
		const char *t;
		size_t len, line;
	} nul[] = {
		{ "system {\n    host-name x;\n   \0nosuch y;\n}\n", 42, 3 },
		{ "set system host-name a\0b\nset system domain-name d\n", 50,
		    1 },
	};
	for (size_t i = 0; i < sizeof(nul) / sizeof(*nul); i++) {
		struct sb set;
		struct path_err err;
		size_t *map = NULL, bad_line = 0;
		sb_init(&set);
		sb_init(&err.msg);
		ck_assert_int_eq(conf_text_to_set(nul[i].t, nul[i].len, false,
				     &set, &map, &err, &bad_line),
		    -1);
		ck_assert_uint_eq(bad_line, nul[i].line);
		ck_assert_str_eq(
		    sb_str(&err.msg), "invalid character (NUL byte)");
		free(map);
		sb_free(&set);
		sb_free(&err.msg);
	}
}
END_TEST

/* ---- diff ----------------------------------------------------------- */

static char *
compare(struct conf *a, struct conf *b)
{
	struct diff d = { 0 };
	struct sb out;

	sb_init(&out);
	conf_diff(a, b, false, &d);
	diff_compare_text(&d, &out);
	diff_free(&d);
	return sb_steal(&out);
}

/* The delta from a to b, replayed on a copy of a, gives b. */
static void
delta_replays(struct conf *a, struct conf *b, bool dirty)
{
	struct diff d = { 0 };
	struct sb out;

	sb_init(&out);
	conf_diff(a, b, dirty, &d);
	diff_delta_text(&d, &out);
	diff_free(&d);
	struct conf *x = conf_dup(a);
	if (getenv("DEBUG_DELTA"))
		fprintf(stderr, "delta:\n%s--\n", sb_str(&out));
	size_t bl = load_text(x, sb_str(&out), out.len);
	ck_assert_msg(
	    bl == 0, "delta line %zu: %s\n%.300s", bl, last_err, sb_str(&out));
	same_conf(x, b);
	conf_free(x);
	sb_free(&out);
}

START_TEST(diff_compare)
{
	struct conf *a = base();
	struct conf *b = conf_dup(a);

	char *t = compare(a, b);
	ck_assert_str_eq(t, "");
	free(t);

	ok(b, "set security ike proposal P1 dh-group group19");
	ok(b, "delete security ike proposal P2");
	ok(b, "set security ike gateway GW version v2-only");
	t = compare(a, b);
	ck_assert_str_eq(t,
	    "[edit security ike]\n"
	    "-    proposal P2 {\n"
	    "-        dh-group group19;\n"
	    "-    }\n"
	    "[edit security ike proposal P1]\n"
	    "-    dh-group group14;\n"
	    "+    dh-group group19;\n"
	    "[edit security ike gateway GW]\n"
	    "+    version v2-only;\n");
	free(t);
	delta_replays(a, b, false);
	delta_replays(b, a, false);
	conf_free(a);
	conf_free(b);
}
END_TEST

START_TEST(diff_delta)
{
	struct conf *a = base();

	/* Each kind of change, replayed exactly, also from the dirty marks. */
	const char *changes[] = {
		"insert security ike proposal P2 before proposal P1",
		"deactivate security ike gateway GW",
		"annotate security ike gateway GW \"note\"",
		"rename security ike proposal P2 to proposal P9",
		"copy security ipsec vpn V1 to vpn V2",
		"delete security zones",
		"set security ike policy POL proposals [ P2 P1 ]",
		"delete security ike policy POL proposals P1",
		"set security ike policy POL pre-shared-key hexadecimal 00ff",
		"delete",
	};
	for (size_t i = 0; i < sizeof(changes) / sizeof(*changes); i++) {
		struct conf *b = conf_dup(a);
		conf_clean(b);
		ok(b, changes[i]);
		delta_replays(a, b, false);
		delta_replays(a, b, true);
		delta_replays(b, a, false);
		conf_free(b);
	}
	/*
	 * Edits after which the dirty-only diff must still see deletions and
	 * moves (CN_SHAPE): a namesake re-created after a delete, a container
	 * deleted and set again, a leaf-list emptied and refilled.
	 */
	static const char *const sequences[][3] = {
		{ "delete security ike proposal P1",
		    "set security ike proposal P1 dh-group group2", NULL },
		{ "delete security ike",
		    "set security ike proposal P7 dh-group group14", NULL },
		{ "delete security ike policy POL proposals",
		    "set security ike policy POL proposals P2", NULL },
		{ "delete security ike proposal P1",
		    "set security ike proposal P8 dh-group group2",
		    "set security ike proposal P1 dh-group group14" },
		{ "delete security policies",
		    "set security address-book global address h 192.0.2.1/32",
		    "set security policies from-zone trust to-zone vpn policy "
		    "p0"
		    " then deny" },
	};
	for (size_t i = 0; i < sizeof(sequences) / sizeof(*sequences); i++) {
		struct conf *b = conf_dup(a);
		conf_clean(b);
		for (size_t j = 0; j < 3 && sequences[i][j] != NULL; j++)
			ok(b, sequences[i][j]);
		delta_replays(a, b, true);
		conf_free(b);
	}
	/* Reordering leaf-list values and list entries together. */
	struct conf *b = conf_dup(a);
	ok(b, "insert security ike proposal P2 before proposal P1");
	ok(b, "set security ike policy POL proposals P2");
	ok(b, "set security ike proposal P0 dh-group group2");
	ok(b, "insert security ike proposal P0 before proposal P2");
	delta_replays(a, b, false);
	char *t = compare(a, b);
	ck_assert_str_ne(t, "");
	free(t);
	conf_free(b);
	conf_free(a);
}
END_TEST

/* What a daemon owning `security ike` and `interfaces` is sent. */
START_TEST(diff_filter)
{
	static const char *const trees[] = { "security ike", "interfaces" };
	const char *delta =
	    "delete security\n"
	    "delete security ike proposal P1\n"
	    "set security ike proposal P2 dh-group group14\n"
	    "set security ikev2-foo x\n"
	    "set security ipsec proposal X protocol esp\n"
	    "deactivate security ike gateway GW\n"
	    "annotate security ike \"a note\"\n"
	    "insert security ike proposal P2 after proposal P3\n"
	    "set interfaces ge-0/0/0 unit 0 family inet\n"
	    "set system host-name h\n"
	    "deactivate security"; /* no newline at the end */
	struct sb out;

	sb_init(&out);
	diff_delta_filter(delta, strlen(delta), trees, 2, &out);
	ck_assert_str_eq(sb_str(&out),
	    "delete security\n"
	    "delete security ike proposal P1\n"
	    "set security ike proposal P2 dh-group group14\n"
	    "deactivate security ike gateway GW\n"
	    "annotate security ike \"a note\"\n"
	    "insert security ike proposal P2 after proposal P3\n"
	    "set interfaces ge-0/0/0 unit 0 family inet\n"
	    "deactivate security\n");
	sb_free(&out);
}
END_TEST

/* ---- validation ----------------------------------------------------- */

struct refcase {
	const char *line; /* names something that does not exist */
	const char *fix;  /* makes it exist, or NULL */
};

static const struct refcase refcases[] = {
	{ "set security ike policy POL proposals NOPE",
	    "set security ike proposal NOPE dh-group group14" },
	{ "set security ike gateway GW ike-policy NOPE",
	    "set security ike policy NOPE proposals P1" },
	{ "set security ike gateway GW external-interface ge-0/0/9.0",
	    "set interfaces ge-0/0/9 unit 0 family inet" },
	{ "set security ike gateway GW external-interface ge-0/0/0.7",
	    "set interfaces ge-0/0/0 unit 7 family inet" },
	{ "set security ike gateway GW ppk-profile NOPE",
	    "set security key-manager profiles NOPE static key-id ascii-text "
	    "x" },
	{ "set security ipsec policy IPOL proposals NOPE",
	    "set security ipsec proposal NOPE protocol esp" },
	{ "set security ipsec vpn V1 bind-interface st0.5",
	    "set interfaces st0 unit 5 family inet" },
	{ "set security ipsec vpn V1 ike gateway NOPE", NULL },
	{ "set security ipsec vpn V1 ike ipsec-policy NOPE",
	    "set security ipsec policy NOPE proposals IP1" },
	{ "set security zones security-zone trust interfaces ge-0/0/3.0",
	    "set interfaces ge-0/0/3 unit 0" },
	{ "set security policies from-zone trust to-zone vpn policy t2v then "
	  "permit tunnel ipsec-vpn NOPE",
	    "set security ipsec vpn NOPE bind-interface st0.0" },
	{ "set security ike policy POL certificate trusted-ca ca-profile NOPE",
	    "set security pki ca-profile NOPE ca-identity NOPE" },
};

START_TEST(validate_refs)
{
	const struct refcase *rc = &refcases[_i];
	struct conf *c = base();
	char first[512];

	ck_assert_uint_eq(verr_count(c, NULL, first, sizeof(first)), 0);
	ok(c, rc->line);
	ck_assert_msg(verr_count(c, "Referenced", first, sizeof(first)) >= 1,
	    "no reference error for '%s'", rc->line);
	has(first, "is not defined");
	if (rc->fix != NULL) {
		ok(c, rc->fix);
		ck_assert_msg(
		    verr_count(c, "Referenced", first, sizeof(first)) == 0,
		    "'%s' then '%s': %s", rc->line, rc->fix, first);
	}
	/* A deactivated referrer is not checked. */
	struct conf *d = base();
	ok(d, rc->line);
	const char *p = strchr(rc->line, ' ') + 1;
	char line[512];
	snprintf(line, sizeof(line), "deactivate %s", p);
	ok(d, line);
	ck_assert_msg(verr_count(d, "Referenced", first, sizeof(first)) == 0,
	    "%s: %s", line, first);
	conf_free(d);
	conf_free(c);
}
END_TEST

START_TEST(validate_message)
{
	struct conf *c = base();
	struct verrs e = { 0 };
	struct sb out;

	ok(c, "set security ike gateway GW ike-policy NOPE");
	validate_all(c, &e);
	ck_assert_uint_eq(e.n, 1);
	sb_init(&out);
	verrs_text(&e, true, &out);
	ck_assert_str_eq(sb_str(&out),
	    "[edit security ike gateway GW]\n"
	    "  'ike-policy NOPE'\n"
	    "    Referenced ike policy 'NOPE' is not defined\n"
	    "error: configuration check-out failed\n");
	sb_free(&out);
	verrs_free(&e);
	conf_free(c);
}
END_TEST

START_TEST(validate_mandatory_max)
{
	struct conf *c = base();
	char first[512];
	struct verrs e = { 0 };
	struct sb out;

	ok(c, "delete security ike gateway GW external-interface");
	ck_assert_uint_eq(
	    verr_count(c, "Missing mandatory statement", first, sizeof(first)),
	    1);
	ck_assert_str_eq(first,
	    "[edit security ike]|gateway GW|"
	    "Missing mandatory statement: 'external-interface'");
	validate_all(c, &e);
	sb_init(&out);
	verrs_text(&e, true, &out);
	has(sb_str(&out),
	    "error: commit failed: (missing mandatory statements)\n");
	sb_reset(&out);
	verrs_text(&e, false, &out);
	has(sb_str(&out),
	    "error: configuration check-out failed: (missing mandatory "
	    "statements)\n");
	sb_free(&out);
	verrs_free(&e);
	/* A deactivated gateway is not checked. */
	ok(c, "deactivate security ike gateway GW");
	ck_assert_uint_eq(verr_count(c, "Missing", NULL, 0), 0);
	conf_free(c);

	c = base();
	for (int i = 3; i <= 7; i++) {
		char line[128];
		snprintf(line, sizeof(line),
		    "set security ike gateway GW address 198.51.100.%d", i);
		ok(c, line);
	}
	ck_assert_uint_eq(
	    verr_count(c, "exceeds limit of 5", first, sizeof(first)), 1);
	ok(c, "delete security ike gateway GW address 198.51.100.7");
	ck_assert_uint_eq(verr_count(c, NULL, NULL, 0), 0);
	conf_free(c);
}
END_TEST

START_TEST(validate_deleted_target)
{
	const char *dels[] = {
		"delete security ike policy POL",
		"delete security ike proposal P1",
		"delete interfaces ge-0/0/0 unit 0",
		"delete interfaces ge-0/0/0",
		"delete interfaces st0",
		"delete security ike gateway GW",
		"delete security key-manager",
		"deactivate security ike policy POL",
		"rename security ike policy POL to policy POL2",
		"delete security ipsec vpn V1",
	};
	for (size_t i = 0; i < sizeof(dels) / sizeof(*dels); i++) {
		struct conf *a = base();
		conf_clean(a);
		struct conf *b = conf_dup(a);
		ok(b, dels[i]);
		struct diff d = { 0 };
		struct verrs e = { 0 }, all = { 0 };
		conf_diff(a, b, true, &d);
		validate_diff(b, &d, &e);
		validate_all(b, &all);
		ck_assert_msg(e.n >= 1, "'%s': nothing reported", dels[i]);
		/* The incremental check finds what the full one finds. */
		ck_assert_msg(e.n == all.n, "'%s': diff %zu, all %zu", dels[i],
		    e.n, all.n);
		for (size_t k = 0; k < e.n; k++)
			ck_assert(strstr(e.v[k].msg, "is not defined") ||
			    strstr(e.v[k].msg, "Missing mandatory"));
		verrs_free(&e);
		verrs_free(&all);
		diff_free(&d);
		conf_free(a);
		conf_free(b);
	}
}
END_TEST

/* ---- sample configurations ------------------------------------------ */

START_TEST(samples)
{
	const char *dir = getenv("QSAFE_SAMPLE_DIR");
	DIR *d;
	struct dirent *de;
	size_t nfiles = 0;

	ck_assert_ptr_nonnull(dir);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".set") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		char *raw = read_all(path);
		char *filled = sample_fill(raw);
		/* A fragment that names an interface it does not configure
		 * gets it, or it could never commit. */
		struct sb full;
		sb_init(&full);
		sb_puts(&full, filled);
		if (strncmp(de->d_name, "pki-cert-vpn", 12) == 0)
			sb_puts(&full,
			    "set interfaces ge-0/0/0 unit 0 family inet\n");
		if (strncmp(de->d_name, "group-vpnv2-member", 18) == 0)
			sb_puts(&full,
			    "set interfaces ge-0/0/1 unit 0 family inet\n");
		/* Its header: "Pair with ... site-to-site-ppk-static". */
		if (strncmp(de->d_name, "site-to-site-qkd-kme", 20) == 0) {
			char bpath[1024];
			snprintf(bpath, sizeof(bpath), "%s/%s", dir,
			    "site-to-site-ppk-static.RECONSTRUCTED.set");
			char *b = read_all(bpath);
			sb_reset(&full);
			sb_puts(&full, b);
			sb_puts(&full, filled);
			free(b);
		}
		char *text = sb_steal(&full);
		free(filled);
		struct conf *c = conf_new(S);
		size_t b = load_text(c, text, strlen(text));
		ck_assert_msg(b == 0, "%s:%zu: %s", de->d_name, b, last_err);
		char first[512];
		size_t ne = verr_count(c, NULL, first, sizeof(first));
		ck_assert_msg(
		    ne == 0, "%s: %zu errors, first %s", de->d_name, ne, first);
		/* Every set line of the file is in `display set`. */
		char *out = set_text(c);
		ck_assert_uint_gt(strlen(out), 0);
		roundtrip_set(c);
		roundtrip_curly(c);
		/* and loading `display set` over itself changes nothing (the
		 * file itself may hold plain secrets, which get a new salt) */
		struct conf *again = conf_dup(c);
		ck_assert_uint_eq(load_text(again, out, strlen(out)), 0);
		same_conf(c, again);
		conf_free(again);
		free(out);
		conf_free(c);
		free(text);
		free(raw);
		nfiles++;
	}
	closedir(d);
	ck_assert_uint_ge(nfiles, 6);
}
END_TEST

static Suite *
schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc;

	tc = tcase_create("lex");
	tcase_add_test(tc, lex_words);
	tcase_add_test(tc, lex_escapes);
	tcase_add_test(tc, lex_unbalanced);
	tcase_add_test(tc, lex_bytes);
	tcase_add_test(tc, lex_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("path");
	tcase_add_test(tc, path_abbrev);
	tcase_add_test(tc, path_missing);
	tcase_add_test(tc, path_lists);
	tcase_add_test(tc, path_leaflist);
	tcase_add_test(tc, path_secrets);
	tcase_add_loop_test(tc, path_patterns, 0,
	    sizeof(path_pattern_vec) / sizeof(path_pattern_vec[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("edit");
	tcase_add_test(tc, edit_set_delete);
	tcase_add_test(tc, edit_choice);
	tcase_add_test(tc, edit_insert_rename_copy);
	tcase_add_test(tc, edit_activate_annotate);
	tcase_add_test(tc, edit_text_all_or_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, render_curly_set);
	tcase_add_test(tc, load_roundtrip);
	tcase_add_test(tc, load_take_set);
	tcase_add_test(tc, load_curly_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("diff");
	tcase_add_test(tc, diff_compare);
	tcase_add_test(tc, diff_delta);
	tcase_add_test(tc, diff_filter);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_loop_test(
	    tc, validate_refs, 0, sizeof(refcases) / sizeof(*refcases));
	tcase_add_test(tc, validate_message);
	tcase_add_test(tc, validate_mandatory_max);
	tcase_add_test(tc, validate_deleted_target);
	suite_add_tcase(s, tc);

	tc = tcase_create("samples");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, samples);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init("test_schema", stderr);
	S = schema_new(NULL);
	if (S == NULL) {
		fprintf(stderr, "cannot load the schema\n");
		return 1;
	}
	int status = check_main(0, schema_suite(), NULL);
	schema_free(S);
	return status;
}
