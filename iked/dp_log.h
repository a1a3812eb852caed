/*
 * dp_log: a dataplane that only logs (see dp_log.c), for when no real
 * backend can run; iked says so at start.
 */
#ifndef QSAFE_IKED_DP_LOG_H
#define QSAFE_IKED_DP_LOG_H

#include "iked/dp.h"

extern const struct dp_ops dp_log_ops;

#endif
