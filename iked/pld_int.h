/*
 * pld_int: what the codec's files share and nothing outside iked/pld*.c
 * uses: the structured payload bodies' parsers (pld_sa.c) over a reader
 * that holds exactly the payload body.  0, or -1 when the body is
 * malformed (the caller answers INVALID_SYNTAX).
 */
#ifndef QSAFE_PLD_INT_H
#define QSAFE_PLD_INT_H

#include "iked/pld.h"
#include "lib/rd.h"

int pld_parse_sa(struct rd *r, struct ike_sa_pld *sa);
int pld_parse_ts(struct rd *r, struct ike_ts_pld *ts);

/* RFC 7296 3.3: the "last substructure" byte */
#define PLD_PROP_MORE 2
#define PLD_XFORM_MORE 3
/* RFC 7296 3.3.5: attribute format bit (TV) */
#define PLD_ATTR_TV 0x8000
/* RFC 7296 3.13.1: selector lengths */
#define PLD_TS4_LEN 16
#define PLD_TS6_LEN 40

#endif
