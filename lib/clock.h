/*
 * clock: the monotonic clock in milliseconds, for deadlines and durations
 * that a change of the wall clock must not move.
 */
#ifndef QSAFE_CLOCK_H
#define QSAFE_CLOCK_H

#include <stdint.h>

int64_t clock_mono_ms(void);
/* The CPU time this process used (user + system), for logs of costs. */
int64_t clock_cpu_ms(void);
/* The CPU time the calling thread used: a cost of one thread of several. */
int64_t clock_thread_cpu_ms(void);

#endif
