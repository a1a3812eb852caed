/*
 * iconf_build: iked's own share of a first commit, apart from the parse
 * of the text into the tree (the link's) and from the engine.
 *
 *   gen_shapes vpn 200000 | iconf_build [RUNS]
 *
 * Reads `set` lines on stdin into a tree, then RUNS times (default 3)
 * does what iked's check and apply do with it at the first commit
 * (iked.c: iked_check, iked_apply_full): iconf_new with the tunnel IDs,
 * manual_check, iconf_diff from nothing with calls that only count,
 * iconf_ids_keep, iconf_free.  Prints the CPU time (user + system,
 * getrusage) of each step, in the first run (fresh memory, as at iked's
 * first commit) and the median of the runs:
 *
 *   gateways 9090 vpns 9090 errors 0 calls 18180
 *   first: build_ms 81.2 manual_ms 1.8 diff_ms 0.0 keep_ms 1.5 free_ms 0.7
 *   median: build_ms 70.9 manual_ms 1.8 diff_ms 0.0 keep_ms 1.5 ...
 *
 *   gen_shapes vpn 200000 | iconf_build RUNS CHANGE_FILE
 *
 * With a file of `set` lines, also the commit of that change on top
 * (RUNS times, each on a fresh copy of the tree as the link keeps it,
 * marks clean): iconf_delta_new and manual_check (iked's check), then
 * iconf_delta_apply (the apply, engine calls counted); the median:
 *
 *   delta: reached 2 calls 2 check_ms 2.1 manual_ms 1.8 apply_ms 0.1
 *
 * CPU, not wall clock: the machine these run on is shared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_stats.h"
#include "iked/conf.h"
#include "iked/manual.h"
#include "lib/log.h"
#include "lib/sb.h"
#include "schema/edit.h"

#define IB_RUNS_MAX 50
#define IB_STEPS 5
#define IB_INPUT_MAX (256u << 20) /* bytes of set lines */

static const char *const ib_step_names[IB_STEPS] = { "build", "manual", "diff",
	"keep", "free" };

static double
ib_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void
ib_count(void *ctx, const void *x)
{
	(void)x;
	(*(size_t *)ctx)++;
}

static void
ib_peer_set(void *ctx, const struct eng_peer *p)
{
	ib_count(ctx, p);
}

static void
ib_vpn_set(void *ctx, const struct eng_vpn *v)
{
	ib_count(ctx, v);
}

static void
ib_del(void *ctx, const char *name)
{
	ib_count(ctx, name);
}

static double
ib_median(double *v, int n)
{
	bench_sort(v, (size_t)n);
	return v[n / 2];
}

/*
 * RUNS commits of the lines of path on copies of c (running, built into
 * run with ids): CPU of iked's check and apply of each.  0 / -1.
 */
static int
ib_delta(struct conf *c, const char *path, int runs)
{
	static const struct iconf_diff_ops ops = { ib_peer_set, ib_del,
		ib_vpn_set, ib_del };
	double ms[3][IB_RUNS_MAX];
	struct path_err err;
	struct sb text;
	size_t bad = 0, reached = 0, calls = 0;
	FILE *f;
	char buf[4096];
	size_t n;
	int rc = -1;

	sb_init(&text);
	sb_init(&err.msg);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "iconf_build: cannot open %s\n", path);
		goto done;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && text.len < (1u << 20))
		sb_add(&text, buf, n);
	fclose(f);
	for (int r = 0; r < runs; r++) {
		struct iconf_ids ids = { 0 };
		struct verrs errs = { 0 };
		struct iconf *run = iconf_new(c, &ids, NULL);
		struct conf *next = conf_dup(c);
		struct iconf_delta *d = NULL;
		bool changed;
		double t[4];

		conf_clean(next);
		if (edit_apply_trusted(next, NULL, sb_str(&text), text.len,
			&err, &bad, NULL) == -1) {
			fprintf(stderr, "iconf_build: %s line %zu: %s\n", path,
			    bad, sb_str(&err.msg));
			goto run_done;
		}
		t[0] = ib_cpu_ms();
		d = iconf_delta_new(run, c, next, &errs);
		t[1] = ib_cpu_ms();
		manual_check(next, &errs);
		t[2] = ib_cpu_ms();
		if (d == NULL) {
			fprintf(stderr,
			    "iconf_build: the change needs the"
			    " whole rebuild\n");
			goto run_done;
		}
		reached = d->npeer + d->nvpn + d->npeer_del + d->nvpn_del;
		calls = 0;
		iconf_delta_apply(run, d, &ids, &ops, &calls, &changed);
		t[3] = ib_cpu_ms();
		for (int k = 0; k < 3; k++)
			ms[k][r] = t[k + 1] - t[k];
		rc = errs.n == 0 ? 0 : -1;
		if (errs.n > 0)
			fprintf(stderr,
			    "iconf_build: the change is refused:"
			    " %s\n",
			    errs.v[0].msg);
	run_done:
		iconf_delta_free(d);
		iconf_free(run);
		iconf_ids_free(&ids);
		verrs_free(&errs);
		conf_free(next);
		if (rc == -1)
			goto done;
	}
	printf("delta: reached %zu calls %zu check_ms %.1f manual_ms %.1f"
	       " apply_ms %.1f\n",
	    reached, calls, ib_median(ms[0], runs), ib_median(ms[1], runs),
	    ib_median(ms[2], runs));
done:
	sb_free(&text);
	sb_free(&err.msg);
	return rc;
}

/* stdin into sb, at most IB_INPUT_MAX bytes; 0 / -1. */
static int
ib_read(struct sb *in)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (in->len + n > IB_INPUT_MAX)
			return -1;
		sb_add(in, buf, n);
	}
	return ferror(stdin) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct iconf_diff_ops ops = { ib_peer_set, ib_del,
		ib_vpn_set, ib_del };
	double ms[IB_STEPS][IB_RUNS_MAX];
	int runs = argc > 1 ? atoi(argv[1]) : 3, rc = 1;
	struct schema *s = NULL;
	struct conf *c = NULL;
	struct path_err err;
	struct sb in;
	size_t bad = 0;

	log_init("iconf_build", stderr);
	sb_init(&in);
	sb_init(&err.msg);
	if (runs < 1 || runs > IB_RUNS_MAX) {
		fprintf(stderr,
		    "usage: iconf_build [RUNS 1..%d [CHANGE_FILE]]\n",
		    IB_RUNS_MAX);
		goto done;
	}
	if (ib_read(&in) == -1) {
		fprintf(stderr, "iconf_build: cannot read stdin\n");
		goto done;
	}
	if ((s = schema_new(NULL)) == NULL) {
		fprintf(stderr, "iconf_build: cannot load the schema\n");
		goto done;
	}
	c = conf_new(s);
	if (edit_apply_trusted(
		c, NULL, sb_str(&in), in.len, &err, &bad, NULL) == -1) {
		fprintf(stderr, "iconf_build: line %zu: %s\n", bad,
		    sb_str(&err.msg));
		goto done;
	}
	for (int r = 0; r < runs; r++) {
		struct iconf_ids ids = { 0 };
		struct verrs errs = { 0 };
		struct iconf *ic;
		size_t calls = 0;
		double t[IB_STEPS + 1];

		t[0] = ib_cpu_ms();
		ic = iconf_new(c, &ids, &errs);
		t[1] = ib_cpu_ms();
		manual_check(c, &errs);
		t[2] = ib_cpu_ms();
		iconf_diff(NULL, ic, &ops, &calls);
		t[3] = ib_cpu_ms();
		iconf_ids_keep(&ids, ic);
		t[4] = ib_cpu_ms();
		if (r == 0)
			printf("gateways %zu vpns %zu errors %zu calls %zu\n",
			    ic->npeer, ic->nvpn, errs.n, calls);
		iconf_free(ic);
		iconf_ids_free(&ids);
		verrs_free(&errs);
		t[5] = ib_cpu_ms();
		for (int k = 0; k < IB_STEPS; k++)
			ms[k][r] = t[k + 1] - t[k];
	}
	/* the first run on fresh memory, as iked's first commit is */
	printf("first:");
	for (int k = 0; k < IB_STEPS; k++)
		printf(" %s_ms %.1f", ib_step_names[k], ms[k][0]);
	printf("\nmedian:");
	for (int k = 0; k < IB_STEPS; k++)
		printf(" %s_ms %.1f", ib_step_names[k], ib_median(ms[k], runs));
	printf("\n");
	if (argc > 2 && ib_delta(c, argv[2], runs) == -1)
		goto done;
	rc = 0;
done:
	conf_free(c);
	schema_free(s);
	sb_free(&in);
	sb_free(&err.msg);
	return rc;
}
