/*
 * conf_parse: the CPU time of the configuration tree's shared code, in one
 * process, without mgd, sockets or daemons (issue 13 section 1: every
 * process pays for it).
 *
 *   conf_parse FILE [RUNS [ONE]]
 *
 * FILE holds `set` lines (bench/gen_shapes output).  Each run times the
 * process's CPU (clock_gettime; minor page faults from getrusage):
 *
 *   delta    the lines applied to an empty tree as a daemon applies mgd's
 *            change (edit_apply_delta)
 *   load     the lines applied as mgd applies a `load set` (one parse per
 *            line, typed secrets hidden: edit_apply_hiding)
 *   dup      a copy of the tree (conf_dup: mgd's generation 0, a daemon's
 *            spare tree)
 *   one      with ONE (a few `set` lines, e.g. one more VPN): the lines
 *            applied to the loaded tree, its marks cleared first as a
 *            commit leaves them (edit_apply_delta)
 *   commit1  what a commit of that change costs the tree: the diff from
 *            the marks against the copy, its delta text, and clearing
 *            the marks (conf_diff, diff_delta_text, conf_clean)
 *   filter   iked's part of the lines as mgd made it before its view
 *            (diff_delta_filter over iked's subtrees)
 *   view     iked's part of the lines, its view (delta_view_tunnels
 *            against the delta's tree: what mgd does for iked at a load
 *            + commit; diff_delta_filter before)
 *   vdelta   the view's lines applied to an empty tree (what iked parses
 *            now, against delta before)
 *   free     freeing the three trees
 *
 * and, once, where the loaded tree's bytes are (conf_usage): per node,
 * the node itself, its slot array, values and annotations, and the
 * table of entries.
 *
 * and prints the least of RUNS (default 5) for each: the figure least
 * disturbed by other work on the machine.  Not a test: nothing asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/log.h"
#include "schema/conf_diff.h"
#include "schema/delta_view.h"
#include "schema/edit.h"

enum {
	ST_DELTA,
	ST_FILTER,
	ST_VIEW,
	ST_VDELTA,
	ST_LOAD,
	ST_DUP,
	ST_ONE,
	ST_COMMIT1,
	ST_FREE,
	ST_N
};
static const char *const step_name[ST_N] = { "delta", "filter", "view",
	"vdelta", "load", "dup", "one", "commit1", "free" };

struct mark {
	double cpu;
	long faults;
};

static struct mark
mark_now(void)
{
	struct rusage ru;
	struct timespec ts;
	struct mark m;

	/* Not getrusage's CPU: it moves by scheduler ticks, and a commit of
	 * one line costs less than one. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	getrusage(RUSAGE_SELF, &ru);
	m.cpu = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	m.faults = ru.ru_minflt;
	return m;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct sb b;
	char buf[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	sb_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&b, buf, n);
	fclose(f);
	*len = b.len;
	return sb_steal(&b);
}

/* ONE applied to b (c its copy), then the commit's diff and clear. */
static int
run_one(struct conf *b, struct conf *c, const char *one, size_t olen,
    struct mark *d)
{
	struct path_err err;
	struct diff df;
	struct sb delta;
	size_t bad;
	struct mark t0, t1;
	int rc = -1;

	sb_init(&err.msg);
	sb_init(&delta);
	conf_clean(b);
	conf_clean(c);
	t0 = mark_now();
	if (edit_apply_delta(b, one, olen, &err, &bad) == -1) {
		fprintf(stderr, "one: line %zu: %s\n", bad, sb_str(&err.msg));
		goto done;
	}
	t1 = mark_now();
	d[ST_ONE] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	t0 = t1;
	conf_diff(c, b, true, &df);
	diff_delta_text(&df, &delta);
	diff_free(&df);
	conf_clean(b);
	t1 = mark_now();
	d[ST_COMMIT1] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	if (delta.len == 0) {
		fprintf(stderr, "one: no change\n");
		goto done;
	}
	rc = 0;
done:
	sb_free(&delta);
	sb_free(&err.msg);
	return rc;
}

/* iked's subtrees (mgd/backend.c) */
static const char *const iked_trees[] = { "security ike", "security ipsec",
	"security policies", "security address-book", "security zones",
	"security key-manager", "security pki", "interfaces" };

/* iked's view of the text (tree a), then the view parsed as iked does. */
static int
run_view(struct schema *s, struct conf *a, const char *text, size_t len,
    struct mark *d)
{
	struct conf *v = conf_new(s);
	struct path_err err;
	struct sb view, filter;
	struct mark t0, t1;
	size_t bad;
	int rc = -1;

	sb_init(&view);
	sb_init(&filter);
	sb_init(&err.msg);
	t0 = mark_now();
	diff_delta_filter(text, len, iked_trees, 8, &filter);
	t1 = mark_now();
	d[ST_FILTER] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	/* filter kept meanwhile: the view's buffer is fresh memory too */
	t0 = mark_now();
	delta_view_tunnels(text, len, iked_trees, 8, NULL, a, &view);
	t1 = mark_now();
	d[ST_VIEW] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	t0 = t1;
	if (edit_apply_delta(v, view.buf, view.len, &err, &bad) == -1) {
		fprintf(
		    stderr, "vdelta: line %zu: %s\n", bad, sb_str(&err.msg));
		goto done;
	}
	t1 = mark_now();
	d[ST_VDELTA] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	rc = 0;
done:
	conf_free(v);
	sb_free(&view);
	sb_free(&filter);
	sb_free(&err.msg);
	return rc;
}

static void
print_usage(const struct conf_usage *u)
{
	size_t total =
	    u->node_bytes + u->slot_bytes + u->text_bytes + u->table_bytes;
	double n = (double)u->nodes;

	printf("tree    %zu nodes (%zu inner), %.1f MB\n", u->nodes, u->inner,
	    (double)total / 1e6);
	printf("bytes/node  nodes %.1f  slots %.1f  text %.1f  table %.1f  "
	       "total %.1f\n",
	    (double)u->node_bytes / n, (double)u->slot_bytes / n,
	    (double)u->text_bytes / n, (double)u->table_bytes / n,
	    (double)total / n);
}

static int
run_once(struct schema *s, const char *text, size_t len, const char *one,
    size_t olen, struct mark *d, struct conf_usage *usage)
{
	struct conf *a = conf_new(s), *b = conf_new(s), *c;
	struct path_err err;
	struct sb hidden;
	size_t bad;
	struct mark t0, t1;
	int rc = -1;

	sb_init(&err.msg);
	sb_init(&hidden);
	t0 = mark_now();
	if (edit_apply_delta(a, text, len, &err, &bad) == -1) {
		fprintf(stderr, "delta: line %zu: %s\n", bad, sb_str(&err.msg));
		goto done;
	}
	t1 = mark_now();
	d[ST_DELTA] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	if (run_view(s, a, text, len, d) == -1)
		goto done;
	t0 = mark_now();
	if (edit_apply_hiding(b, NULL, text, len, &hidden, &err, &bad, NULL) ==
	    -1) {
		fprintf(stderr, "load: line %zu: %s\n", bad, sb_str(&err.msg));
		goto done;
	}
	t1 = mark_now();
	d[ST_LOAD] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	t0 = t1;
	c = conf_dup(b);
	t1 = mark_now();
	d[ST_DUP] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	if (conf_count(a) != conf_count(b) || conf_count(c) != conf_count(b)) {
		fprintf(stderr, "trees differ: %zu %zu %zu nodes\n",
		    conf_count(a), conf_count(b), conf_count(c));
		conf_free(c);
		goto done;
	}
	if (usage != NULL)
		conf_usage(b, usage);
	if (one != NULL && run_one(b, c, one, olen, d) == -1) {
		conf_free(c);
		goto done;
	}
	t0 = mark_now();
	conf_free(a);
	conf_free(b);
	conf_free(c);
	a = b = NULL;
	t1 = mark_now();
	d[ST_FREE] = (struct mark){ t1.cpu - t0.cpu, t1.faults - t0.faults };
	rc = 0;
done:
	conf_free(a);
	conf_free(b);
	sb_free(&hidden);
	sb_free(&err.msg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct mark best[ST_N], d[ST_N];
	struct conf_usage u;
	struct schema *s;
	size_t len, olen = 0;
	char *text, *one = NULL;
	int runs = argc > 2 ? atoi(argv[2]) : 5;

	if (argc < 2 || runs < 1) {
		fprintf(stderr, "usage: conf_parse FILE [RUNS [ONE]]\n");
		return 2;
	}
	log_init("conf_parse", stderr);
	text = read_file(argv[1], &len);
	if (argc > 3 && (one = read_file(argv[3], &olen)) == NULL) {
		fprintf(stderr, "conf_parse: cannot read %s\n", argv[3]);
		return 1;
	}
	s = schema_new(NULL);
	if (text == NULL || s == NULL) {
		fprintf(stderr, "conf_parse: cannot read %s or the schema\n",
		    argv[1]);
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		memset(d, 0, sizeof(d));
		if (run_once(s, text, len, one, olen, d, r == 0 ? &u : NULL) ==
		    -1)
			return 1;
		for (int i = 0; i < ST_N; i++)
			if (r == 0 || d[i].cpu < best[i].cpu)
				best[i] = d[i];
	}
	for (int i = 0; i < ST_N; i++)
		if (one != NULL || (i != ST_ONE && i != ST_COMMIT1))
			printf("%-7s %8.3f ms cpu %8ld faults\n", step_name[i],
			    best[i].cpu, best[i].faults);
	print_usage(&u);
	schema_free(s);
	free(one);
	free(text);
	return 0;
}
