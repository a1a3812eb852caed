/*
 * laps (laps.c): each step's CPU and wall time in ms of a check or an
 * apply, logged when the whole took more than h->laps_ms of CPU.
 */
#ifndef QSAFE_HOSTD_LAPS_H
#define QSAFE_HOSTD_LAPS_H

#include <stdint.h>

#include "hostd/hostd.h"
#include "lib/sb.h"

struct host_laps {
	int64_t c0, m0; /* start of the whole (clock_cpu_ms, clock_mono_ms) */
	int64_t c, m;	/* start of the step */
	long flt0;	/* minor page faults so far: fresh memory's cost */
	struct sb line;
};

/* The threshold of the log, for h->laps_ms (read once at start). */
int64_t host_laps_log_ms(void);
void host_laps_start(struct host_laps *l);
/* The step just ended, named what (l NULL: nothing). */
void host_lap(struct host_laps *l, const char *what);
/* Logs "step, ms of CPU (wall): ..." if it took long; frees l's line. */
void host_laps_end(
    const struct hostd *h, struct host_laps *l, const char *step);

#endif
