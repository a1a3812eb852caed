/*
 * clock: the monotonic clock in milliseconds, for deadlines and durations
 * that a change of the wall clock must not move.
 */
#ifndef QSAFE_CLOCK_H
#define QSAFE_CLOCK_H

#include <stdint.h>

int64_t clock_mono_ms(void);

#endif
