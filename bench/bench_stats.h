/*
 * bench_stats: the order statistics the C benches print (median, least,
 * most, percentiles), each read off one sort of the run's figures.
 */
#ifndef QSAFE_BENCH_BENCH_STATS_H
#define QSAFE_BENCH_BENCH_STATS_H

#include <stddef.h>

/*
 * bench_sort: v[0..n) in ascending order; then v[n / 2] is the median (the
 * upper one for an even n), v[0] the least, v[n - 1] the most and
 * v[n * 99 / 100] the 99th percentile.
 */
void bench_sort(double *v, size_t n);

#endif
