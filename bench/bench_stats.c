/*
 * bench_stats: order statistics of a bench's figures (bench_stats.h).
 */
#include <stdlib.h>

#include "bench_stats.h"

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
}
