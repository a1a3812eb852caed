/*
 * Unit tests of the cli parts that need no mgd: pipes (each one and chains),
 * `;` splitting of -c, and the pager driven by keys from a pipe.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/input.h"
#include "cli/pager.h"
#include "cli/pipe.h"
#include "tests/lib/check_main.h"

static const char *text5 = "ike gateway gw1\n"
			   "ipsec vpn vpn1\n"
			   "system host-name r1\n"
			   "ike proposal p1\n"
			   "interfaces st0\n";

/* Runs the pipes (JSON text) over in; returns the printed text (static). */
static const char *
run(const char *pipes_json, const char *in, int *rc)
{
	static struct sb out;
	struct pipe_result r;
	struct sb err;
	json_t *pipes = json_loads(pipes_json, 0, NULL);

	ck_assert_ptr_nonnull(pipes);
	sb_free(&out);
	sb_init(&err);
	pipe_result_init(&r);
	*rc = pipe_apply(pipes, in, &r, &err);
	if (*rc == 0)
		pipe_result_print(&r, &out);
	else
		sb_puts(&out, sb_str(&err));
	pipe_result_free(&r);
	sb_free(&err);
	json_decref(pipes);
	return sb_str(&out);
}

struct pipe_case {
	const char *pipes;
	const char *in;
	int rc;
	const char *out;
};

static const struct pipe_case pipe_cases[] = {
	{ "[]", "a\nb\n", 0, "a\nb\n" },
	{ "[[\"match\",\"ike\"]]", NULL, 0,
	    "ike gateway gw1\nike proposal p1\n" },
	{ "[[\"match\",\"gw1|vpn1\"]]", NULL, 0,
	    "ike gateway gw1\nipsec vpn vpn1\n" },
	{ "[[\"match\",\"IKE\"]]", NULL, 0, "" }, /* case-sensitive */
	{ "[[\"match\",\"^i.e \"]]", NULL, 0,
	    "ike gateway gw1\nike proposal p1\n" },
	{ "[[\"except\",\"ike|ipsec\"]]", NULL, 0,
	    "system host-name r1\ninterfaces st0\n" },
	{ "[[\"find\",\"host\"]]", NULL, 0,
	    "system host-name r1\nike proposal p1\ninterfaces st0\n" },
	{ "[[\"find\",\"nothere\"]]", NULL, 0, "Pattern not found\n" },
	{ "[[\"count\"]]", NULL, 0, "Count: 5 lines\n" },
	{ "[[\"count\"]]", "", 0, "Count: 0 lines\n" },
	{ "[[\"count\"]]", "a\nno newline", 0, "Count: 2 lines\n" },
	{ "[[\"last\",\"2\"]]", NULL, 0, "ike proposal p1\ninterfaces st0\n" },
	{ "[[\"last\",\"10\"]]", "a\nb\n", 0, "a\nb\n" },
	{ "[[\"last\",\"0\"]]", "a\nb\n", 0, "" },
	{ "[[\"trim\",\"4\"]]", "abcdef\nab\n", 0, "ef\n\n" },
	{ "[[\"no-more\"]]", "a\n", 0, "a\n" },
	/* suppress-zeros drops lines whose numbers are all zero */
	{ "[[\"suppress-zeros\"]]",
	    "Bytes: 0\nPackets: 12\nName: x\n"
	    "Errors 0 0 0\nDrops 0 10\n",
	    0, "Packets: 12\nName: x\nDrops 0 10\n" },
	{ "[[\"hold\"]]", "a\nb\n", 0, "a\nb\n" },
	/* chains, left to right */
	{ "[[\"match\",\"i\"],[\"except\",\"ipsec\"],[\"count\"]]", NULL, 0,
	    "Count: 3 lines\n" },
	{ "[[\"find\",\"system\"],[\"match\",\"ike\"]]", NULL, 0,
	    "ike proposal p1\n" },
	{ "[[\"match\",\"ike\"],[\"last\",\"1\"],[\"trim\",\"4\"]]", NULL, 0,
	    "proposal p1\n" },
	{ "[[\"find\",\"zzz\"],[\"count\"]]", NULL, 0,
	    "Count: 0 lines\n\nPattern not found\n" },
	/* errors */
	{ "[[\"match\",\"(\"]]", NULL, -1, NULL },
	{ "[[\"match\"]]", NULL, -1, "error: 'match' needs a pattern\n" },
	{ "[[\"last\",\"x\"]]", NULL, -1,
	    "error: invalid number 'x' for 'last'\n" },
	{ "[[\"bogus\"]]", NULL, -1, "error: unsupported pipe 'bogus'\n" },
};

START_TEST(test_pipe_table)
{
	const struct pipe_case *c = &pipe_cases[_i];
	int rc;
	const char *out = run(c->pipes, c->in ? c->in : text5, &rc);

	ck_assert_msg(rc == c->rc, "%s: rc %d", c->pipes, rc);
	if (c->out != NULL)
		ck_assert_str_eq(out, c->out);
}
END_TEST

START_TEST(test_pipe_save)
{
	char dir[] = "/tmp/qsafe-pipe-XXXXXX", path[64], buf[256], pj[128];
	FILE *fp;
	size_t n;
	int rc;
	struct pipe_result r;
	struct sb err;
	json_t *pipes;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	snprintf(
	    pj, sizeof(pj), "[[\"match\",\"ike\"],[\"save\",\"%s\"]]", path);
	snprintf(buf, sizeof(buf), "Wrote 2 lines of output to '%s'\n", path);
	ck_assert_str_eq(run(pj, text5, &rc), buf);
	ck_assert_int_eq(rc, 0);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(buf, "ike gateway gw1\nike proposal p1\n");
	/* save never pages */
	pipes = json_loads(pj, 0, NULL);
	pipe_result_init(&r);
	sb_init(&err);
	ck_assert_int_eq(pipe_apply(pipes, text5, &r, &err), 0);
	ck_assert(r.no_more);
	pipe_result_free(&r);
	sb_free(&err);
	json_decref(pipes);
	/* append adds to the file; tee writes it and passes the text on */
	snprintf(
	    pj, sizeof(pj), "[[\"match\",\"st0\"],[\"append\",\"%s\"]]", path);
	snprintf(buf, sizeof(buf), "Wrote 1 lines of output to '%s'\n", path);
	ck_assert_str_eq(run(pj, text5, &rc), buf);
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(buf,
	    "ike gateway gw1\nike proposal p1\n"
	    "interfaces st0\n");
	snprintf(pj, sizeof(pj), "[[\"tee\",\"%s\"],[\"count\"]]", path);
	ck_assert_str_eq(run(pj, text5, &rc), "Count: 5 lines\n");
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(buf, text5);
	unlink(path);
	rmdir(dir);
}
END_TEST

struct split_case {
	const char *in;
	size_t n;
	const char *want[4];
};

static const struct split_case split_cases[] = {
	{ "show version", 1, { "show version" } },
	{ "a; b ;c", 3, { "a", "b", "c" } },
	{ "set x description \"a;b\"; show", 2,
	    { "set x description \"a;b\"", "show" } },
	{ "set x 'p;q'; y", 2, { "set x 'p;q'", "y" } },
	{ "set x \"a\\\";b\"; y", 2, { "set x \"a\\\";b\"", "y" } },
	{ "a;;b;", 4, { "a", "", "b", "" } },
	{ "", 1, { "" } },
};

START_TEST(test_split)
{
	const struct split_case *c = &split_cases[_i];
	char **v;
	size_t i, n = input_split(c->in, &v);

	ck_assert_uint_eq(n, c->n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(v[i], c->want[i]);
	input_split_free(v, n);
}
END_TEST

START_TEST(test_input_file)
{
	const char *src = "# a comment\n\nshow version\n   \n  # indented\n"
			  "configure  \nyes\n";
	FILE *fp = fmemopen((void *)src, strlen(src), "r");
	struct input *in = input_new_file(fp);

	ck_assert_str_eq(input_next_command(in), "show version");
	ck_assert_str_eq(input_next_command(in), "configure");
	ck_assert_str_eq(input_next_raw(in), "yes");
	ck_assert_ptr_null(input_next_command(in));
	input_free(in);
	fclose(fp);
}
END_TEST

/* Pages nlines lines ("l1", ...) with keys from a pipe, cols wide. */
static char *
page_w(const char *keys, int rows, int cols, int nlines, const char *pad)
{
	struct sb text;
	int p[2], i;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	sb_init(&text);
	for (i = 1; i <= nlines; i++)
		sb_printf(&text, "l%d%s\n", i, pad);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], keys, strlen(keys)), (int)strlen(keys));
	close(p[1]);
	pager_show(sb_str(&text), rows, cols, p[0], out);
	close(p[0]);
	fclose(out);
	sb_free(&text);
	return buf;
}

static char *
page(const char *keys, int rows, int nlines)
{
	return page_w(keys, rows, 0, nlines, "");
}

#define CLR "\r\033[K"

START_TEST(test_pager)
{
	char *s;

	s = page("", 5, 3); /* fits: no prompt */
	ck_assert_str_eq(s, "l1\nl2\nl3\n");
	free(s);
	{
		/* | hold: the prompt stays at the end until q */
		int p[2];
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		ck_assert_int_eq(pipe(p), 0);
		ck_assert_int_eq(write(p[1], " q", 2), 2);
		close(p[1]);
		pager_show_hold("l1\nl2\n", 5, 0, p[0], out, true, NULL);
		close(p[0]);
		fclose(out);
		ck_assert_str_eq(buf,
		    "l1\nl2\n---(more 100%)---" CLR "---(more 100%)---" CLR);
		free(buf);
	}
	s = page("q", 5, 10);
	ck_assert_str_eq(s, "l1\nl2\nl3\nl4\n---(more 40%)---" CLR);
	free(s);
	s = page(" \n q", 5, 10);
	ck_assert_str_eq(s,
	    "l1\nl2\nl3\nl4\n---(more 40%)---" CLR
	    "l5\nl6\nl7\nl8\n---(more 80%)---" CLR "l9\n---(more 90%)---" CLR
	    "l10\n");
	free(s);
	s = page("/l8\nq", 5, 10);
	ck_assert_str_eq(s,
	    "l1\nl2\nl3\nl4\n---(more 40%)---" CLR "/l8" CLR
	    "...skipping\nl8\nl9\nl10\n");
	free(s);
	s = page("/zz\nq", 5, 10);
	ck_assert_str_eq(s,
	    "l1\nl2\nl3\nl4\n---(more 40%)---" CLR "/zz" CLR
	    "---(Pattern not found)---" CLR);
	free(s);
	/* the search text is echoed; backspace edits it, ^C cancels it */
	s = page("/l\xc3\xa9\x7f\x7f"
		 "9\r",
	    5, 10);
	ck_assert_str_eq(s,
	    "l1\nl2\nl3\nl4\n---(more 40%)---" CLR "/l\xc3\xa9\b \b\b \b9" CLR
	    "...skipping\nl9\nl10\n");
	free(s);
	s = page("/l9\x03q", 5, 10);
	ck_assert_str_eq(s,
	    "l1\nl2\nl3\nl4\n---(more 40%)---" CLR "/l9" CLR
	    "---(more 40%)---" CLR);
	free(s);
	s = page("q", 0, 10); /* no paging */
	ck_assert_str_eq(s, "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\n");
	free(s);
	/* `set cli screen-width 10`: 12-column lines take two rows each */
	s = page_w("q", 5, 10, 4, "xxxxxxxxxx");
	ck_assert_str_eq(s, "l1xxxxxxxxxx\nl2xxxxxxxxxx\n---(more 50%)---" CLR);
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli-unit");
	TCase *tc = tcase_create("all");

	tcase_add_loop_test(
	    tc, test_pipe_table, 0, sizeof(pipe_cases) / sizeof(pipe_cases[0]));
	tcase_add_test(tc, test_pipe_save);
	tcase_add_loop_test(
	    tc, test_split, 0, sizeof(split_cases) / sizeof(split_cases[0]));
	tcase_add_test(tc, test_input_file);
	tcase_add_test(tc, test_pager);
	suite_add_tcase(s, tc);
	return check_main(0, s, NULL);
}
