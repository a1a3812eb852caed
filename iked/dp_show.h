/*
 * dp_show: the dataplane's operational answers, in the reply shape of
 * render/ike_render.c (section 5, Junos's element names):
 * `show security ipsec statistics [index N]` and `clear security ipsec
 * statistics`.
 */
#ifndef QSAFE_DP_SHOW_H
#define QSAFE_DP_SHOW_H

#include <jansson.h>

#include "iked/dp.h"
#include "lib/sb.h"

/* The reply data for s: {"usp-ipsec-total-statistics-information": ...}. */
json_t *dp_show_statistics(const struct dp_stats *s);

/*
 * Answers the rpcs "show-security-ipsec-statistics" (input: optional
 * "index", a tunnel index) and "clear-security-ipsec-statistics" from
 * the backend; NULL with an operator line in err (no dataplane, or an
 * rpc it does not answer: then *handled is false).
 */
json_t *dp_show_rpc(const struct dp_ops *ops, struct dp *dp, const char *name,
    const json_t *input, struct sb *err, bool *handled);

#endif
