/*
 * qkd014_priv: what qkd014.c and qkd014_json.c share and nobody else uses.
 */
#ifndef QSAFE_QKD014_PRIV_H
#define QSAFE_QKD014_PRIV_H

#include "keymgr/qkd014.h"

/* Fill *err (may be NULL): code and a printf-formatted reason. */
void qkd_seterr(struct qkd_error *err, enum qkd_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
